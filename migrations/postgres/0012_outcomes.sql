-- Outcome events (own home, job, less support, support ended) as the statistics count them (server/src/stats.rs):
-- kind and date only; the note stays in the document.
CREATE TABLE proj_outcomes (
    doc_id      TEXT NOT NULL REFERENCES cases (doc_id),
    outcome_id  TEXT NOT NULL,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL,
    -- ISO date (YYYY-MM-DD), as in the document.
    date        TEXT NOT NULL,
    in_error    BOOLEAN NOT NULL,
    PRIMARY KEY (doc_id, outcome_id)
);
CREATE INDEX proj_outcomes_by_tenant_date ON proj_outcomes (tenant_id, date);

-- The per-course rows of the statistics also carry the planned end, to set course lengths against it.
ALTER TABLE proj_course_fit ADD COLUMN planned_end_date TEXT;
