-- One hash chain per tenant instead of one for all: appends of different municipalities no longer wait for one
-- lock, and a tenant's log verifies on its own. Each chain numbers its rows (chain_seq) and keeps its head in
-- audit_chains (locked by every append and purge of that chain); the row hash covers the chain and the number
-- (server/src/audit/chain.rs). The rows written before this migration keep the legacy chain of audit_head (chain
-- NULL), which no longer grows and verifies as before. The global id still orders rows across chains for reading.
ALTER TABLE audit_log ADD COLUMN chain TEXT;
ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT;
CREATE UNIQUE INDEX audit_log_by_chain ON audit_log (chain, chain_seq);

CREATE TABLE audit_chains (
    -- The tenant's id, or '' for events of no tenant.
    chain        TEXT PRIMARY KEY,
    last_seq     BIGINT NOT NULL,
    last_hash    TEXT NOT NULL,
    anchor_seq   BIGINT NOT NULL,
    anchor_hash  TEXT NOT NULL
);
