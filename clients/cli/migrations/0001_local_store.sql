-- The tov device's local store: case documents, what the server acknowledged, and what it refused or purged.
-- Heads are stored as the concatenation of their sorted 32-byte change hashes, so "has this document changes the
-- server has not acknowledged?" is one comparison of two columns.

-- Single values of the store: the sync cursor, the automerge actor id of this replica, the last sync time.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE documents (
    -- automerge-repo text form (base58check of the 16 bytes).
    doc_id      TEXT PRIMARY KEY NOT NULL,
    -- The heads the stored chunks add up to.
    heads       BLOB NOT NULL,
    -- The heads of the server's last Ack; NULL until the server acknowledged anything.
    acked_heads BLOB,
    -- How many chunks the document is stored in, to know when to compact.
    chunks      INTEGER NOT NULL DEFAULT 0,
    updated_ms  INTEGER NOT NULL
);

-- A document is the concatenation of its chunks in seq order: a full save, then incremental saves (raw changes).
CREATE TABLE document_chunks (
    doc_id TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (doc_id, seq)
);

-- Changes the server refused (quarantined on the server too), shown by `tov status` until the document syncs.
CREATE TABLE refusals (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    message    TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX refusals_doc ON refusals (doc_id);

-- Documents the server told the device to delete: no citizen data, only the id, why, and what was done.
CREATE TABLE purges (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id  TEXT NOT NULL,
    reason  TEXT NOT NULL,
    -- 'deleted', 'deleted_pending' (forced, unsynced changes lost) or 'kept_pending' (not deleted).
    outcome TEXT NOT NULL,
    at_ms   INTEGER NOT NULL
);
