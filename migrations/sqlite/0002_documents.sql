-- Case documents: one automerge document per citizen's case, stored as a compacted snapshot plus the incremental
-- changes committed since, each commit numbered by its tenant's change sequence.

CREATE TABLE cases (
    -- automerge-repo's document id (base58check of 16 bytes).
    doc_id      TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    team_id     TEXT REFERENCES teams (id),
    created_at  BIGINT NOT NULL,
    -- The tenant sequence number of the last commit to this document, or of the last change to who may see it
    -- (0: none yet). A device's cursor is such a number: "which of my documents changed since N" is one range
    -- scan of this index.
    seq         BIGINT NOT NULL DEFAULT 0,
    -- The document's heads after that commit: comma-separated hex change hashes, sorted ('' before the first
    -- commit). Kept here so the sync Welcome lists changed documents without loading any of them.
    heads       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_by_tenant_seq ON cases (tenant_id, seq);

-- Who holds which case. A row is history: unassigning sets `unassigned_at`, so the access log can say who held a
-- case when. At most one open assignment per (case, user).
CREATE TABLE case_assignments (
    case_id        TEXT NOT NULL REFERENCES cases (doc_id),
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    assigned_at    BIGINT NOT NULL,
    unassigned_at  BIGINT,
    PRIMARY KEY (case_id, user_id, assigned_at)
);
CREATE UNIQUE INDEX case_assignments_open ON case_assignments (case_id, user_id) WHERE unassigned_at IS NULL;
CREATE INDEX case_assignments_by_user ON case_assignments (user_id) WHERE unassigned_at IS NULL;

-- One counter row per tenant, bumped by `UPDATE ... SET seq = seq + 1 RETURNING seq` inside each committing
-- transaction (server/src/store/cases.rs says why it must be a row lock and not a database sequence).
CREATE TABLE tenant_seq (
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants (id),
    seq        BIGINT NOT NULL DEFAULT 0
);

-- The compacted form of a document: automerge `save()` bytes covering every change through `through_seq`.
CREATE TABLE doc_snapshots (
    doc_id       TEXT PRIMARY KEY REFERENCES cases (doc_id),
    bytes        BLOB NOT NULL,
    through_seq  BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- Changes committed after the snapshot, one row per automerge change, folded into the snapshot by compaction.
-- A commit's changes share its `seq` and keep their causal order in `idx`, so concatenating the rows in
-- (seq, idx) order after the snapshot gives bytes `Automerge::load` reads.
CREATE TABLE doc_changes (
    doc_id        TEXT NOT NULL REFERENCES cases (doc_id),
    seq           BIGINT NOT NULL,
    idx           BIGINT NOT NULL,
    -- The change's hash, hex.
    hash          TEXT NOT NULL,
    -- One automerge change, as `Change::raw_bytes` gives it.
    bytes         BLOB NOT NULL,
    -- The uploading device; none for changes the server made itself (the demo loader).
    device_id     TEXT REFERENCES devices (id),
    user_id       TEXT REFERENCES users (id),
    committed_at  BIGINT NOT NULL,
    PRIMARY KEY (doc_id, seq, idx)
);
