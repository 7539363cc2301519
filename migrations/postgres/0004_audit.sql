-- The access log (Datatilsynet): every login, failed login, read, search, create, change, export, delete,
-- break-the-glass and revocation, append-only and hash-chained.
--
-- Each row's `hash` is SHA-256 over the previous row's hash and the row's canonical fields (server/src/audit/
-- chain.rs), so changing, inserting or removing a row breaks the chain from that row on. Appends are serialised
-- by the single `audit_head` row (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT … FOR UPDATE), so the chain never
-- forks. No foreign keys: the log outlives the rows it names, and a failed login may name no tenant at all.
-- Never citizen data: ids, action codes, purposes and change hashes only.

CREATE TABLE audit_log (
    -- 1, 2, 3, … in chain order, assigned under the head lock.
    id          BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    tenant_id   TEXT,
    user_id     TEXT,
    device_id   TEXT,
    action      TEXT NOT NULL,
    case_id     TEXT,
    -- Why: the purpose of a read, the criterion of a search, the reason for breaking the glass.
    purpose     TEXT,
    -- Machine detail without citizen data (change hashes, a refusal reason, the revoked device).
    detail      TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_by_tenant_time ON audit_log (tenant_id, at);
CREATE INDEX audit_log_by_case ON audit_log (case_id, at);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- The chain's end and its anchor: `last_*` is the newest row, `anchor_*` the newest purged row (retention), from
-- which verification starts. One row, locked by every append and purge.
CREATE TABLE audit_head (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    last_id      BIGINT NOT NULL,
    last_hash    TEXT NOT NULL,
    anchor_id    BIGINT NOT NULL,
    anchor_hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash, anchor_id, anchor_hash) VALUES (1, 0,
    '0000000000000000000000000000000000000000000000000000000000000000', 0,
    '0000000000000000000000000000000000000000000000000000000000000000');
