-- Citizen check-ins: a one-time link a worker creates for a planned video or phone contact, so the citizen can
-- rate ORS/SRS on their own phone. Only a hash of the link's secret is kept; the link is single use and expires.

CREATE TABLE checkins (
    token_hash  TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    case_id     TEXT NOT NULL REFERENCES cases (doc_id),
    -- The contact (a key of the case document's `contacts` map) the scores belong to.
    contact_id  TEXT NOT NULL,
    -- Which scales the citizen fills in: 'ors', 'srs' or 'ors,srs'.
    scales      TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX checkins_by_case ON checkins (case_id);
