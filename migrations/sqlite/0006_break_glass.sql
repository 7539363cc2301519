-- Break-the-glass: a worker or lead opening a case outside their caseload, with a stated reason, for a limited
-- time. The access rule (server/src/store/access.rs) honours a grant until `expires_at`; the row stays as
-- history for the lead (`team_id` is the user's team at the time) and the access log holds the event too.

CREATE TABLE break_glass (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    case_id     TEXT NOT NULL REFERENCES cases (doc_id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    device_id   TEXT REFERENCES devices (id),
    team_id     TEXT REFERENCES teams (id),
    -- The stated reason (10 to 500 characters), shown to the lead.
    reason      TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX break_glass_by_user_case ON break_glass (user_id, case_id, expires_at);
CREATE INDEX break_glass_by_team ON break_glass (team_id, granted_at);
