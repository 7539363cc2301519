-- An ended course leaves the phones after a retention the municipality sets (DOMAIN.md: copies on devices are purged
-- when a course ends). proj_cases.closed_day is the day (days since 1970-01-01) the case's last course ended, once
-- every course has ended; tenant_settings.device_retention_days is how many days after that the case stays on its
-- workers' devices (NULL: until it is unassigned). The device access rule (store/access.rs) reads both; the
-- projection is rebuilt at start-up for cases projected before (PROJECTION_VERSION 5).
ALTER TABLE proj_cases ADD COLUMN closed_day BIGINT;
ALTER TABLE tenant_settings ADD COLUMN device_retention_days BIGINT;
