-- Who wrote with which automerge actor: recorded at each commit, so the review can name the author of each value
-- of a conflict (and of each step of a goal's history) after compaction has folded the change rows away.
CREATE TABLE change_actors (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    -- Hex actor id, as automerge writes it.
    actor       TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    -- The uploading device; none for changes the server made itself.
    device_id   TEXT REFERENCES devices (id),
    first_seen  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, actor)
);
