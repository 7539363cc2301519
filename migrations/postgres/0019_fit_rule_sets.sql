-- A municipality's own FIT rule sets (issue 12, point 9): the thresholds as data (sync-core's RuleSet JSON, checked
-- before it is stored). A version's content never changes once loaded; the tenant's current set is the one loaded
-- last (loading an earlier version again makes it current). No row: the built-in fit-rules/1 applies.
CREATE TABLE fit_rule_sets (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    version    TEXT NOT NULL,
    rules      TEXT NOT NULL,
    loaded_at  BIGINT NOT NULL,
    loaded_by  TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (tenant_id, version)
);
CREATE INDEX fit_rule_sets_current ON fit_rule_sets (tenant_id, loaded_at);
