-- The back office's review (server/src/review.rs): one summary row per case, rewritten with the rest of the
-- projection in each commit, so a dashboard over a whole municipality is a handful of scans, never a document
-- load. The citizen's display name is here because a lead finds a case by it; notes and other free text stay in
-- the document.
CREATE TABLE proj_cases (
    doc_id                 TEXT PRIMARY KEY REFERENCES cases (doc_id),
    tenant_id              TEXT NOT NULL REFERENCES tenants (id),
    display_name           TEXT NOT NULL,
    birth_year             BIGINT,
    -- The user id of the worker who holds the case (the tovholder), if one is named.
    tovholder              TEXT,
    -- Open until every course it has (at least one) has ended.
    is_open                INTEGER NOT NULL CHECK (is_open IN (0, 1)),
    -- The course running now (the latest started that has not ended), else the latest.
    current_course_id      TEXT,
    -- The start of the latest contact not made in error (ms since the epoch).
    last_contact_at        BIGINT,
    -- Whether the SRS of the latest contact with a usable SRS total was below the cutoff.
    last_srs_below_cutoff  INTEGER CHECK (last_srs_below_cutoff IN (0, 1)),
    -- The earliest due date (YYYY-MM-DD) of a follow-up not done and not made in error.
    next_follow_up_due     TEXT
);
CREATE INDEX proj_cases_by_tenant ON proj_cases (tenant_id);

-- Settings an admin of the municipality chooses. No built-in number pretends to be a standard: a setting left
-- NULL is shown as "not set".
CREATE TABLE tenant_settings (
    tenant_id             TEXT PRIMARY KEY REFERENCES tenants (id),
    -- The caseload per worker the municipality aims for.
    recommended_caseload  BIGINT,
    updated_at            BIGINT NOT NULL,
    updated_by            TEXT REFERENCES users (id)
);
