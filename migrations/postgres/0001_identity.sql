-- Identity: municipalities (tenants), teams, users, their devices, failed logins and the server's own secrets.
-- Conventions shared with migrations/sqlite (same shape): ids are TEXT (UUID strings), times are BIGINT unix
-- milliseconds, booleans are BOOLEAN here and INTEGER 0/1 in SQLite (both decode to Rust `bool`).

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE teams (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    name          TEXT NOT NULL,
    -- Whether every member of the team may see the team's cases, not only the assigned workers.
    shares_cases  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants (id),
    username             TEXT NOT NULL,
    -- An argon2id PHC string; never the password.
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('worker', 'lead', 'admin')),
    team_id              TEXT REFERENCES teams (id),
    created_at           BIGINT NOT NULL,
    -- Set when the lockout rule blocks the user; only an admin clears it.
    blocked_at           BIGINT,
    -- When an admin last cleared a block: failures before it no longer count towards a new one.
    failures_cleared_at  BIGINT,
    UNIQUE (tenant_id, username)
);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX devices_by_user ON devices (user_id);

-- Every failed login, for the lockout rule and the access log. `user_id` is set when the username exists in the
-- tenant; otherwise only the attempted username is kept (never in application logs).
CREATE TABLE failed_logins (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT REFERENCES tenants (id),
    user_id    TEXT REFERENCES users (id),
    username   TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX failed_logins_by_user ON failed_logins (user_id, at);

-- Secrets the server generates for itself (the JWT signing key), shared by every process on this database.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
