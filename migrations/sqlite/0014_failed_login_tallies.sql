-- Failed logins for a tenant or username that does not exist are counted per tenant and hour instead of stored one
-- by one: a stranger's guesses can no longer grow the database without bound, and the attempted usernames (often
-- a password typed in the wrong field) are no longer kept. Failures of real users stay in failed_logins: the
-- lockout counts them.
CREATE TABLE failed_login_tallies (
    -- The tenant's id, or '' for a tenant slug that names no tenant.
    tenant_key  TEXT NOT NULL,
    -- Unix milliseconds at the start of the hour.
    hour_start  BIGINT NOT NULL,
    failures    BIGINT NOT NULL,
    PRIMARY KEY (tenant_key, hour_start)
);

INSERT INTO failed_login_tallies (tenant_key, hour_start, failures)
SELECT COALESCE(tenant_id, ''), (at / 3600000) * 3600000, COUNT(*)
FROM failed_logins
WHERE user_id IS NULL
GROUP BY COALESCE(tenant_id, ''), (at / 3600000) * 3600000;

DELETE FROM failed_logins WHERE user_id IS NULL;
