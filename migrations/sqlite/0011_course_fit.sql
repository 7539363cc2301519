-- The FIT statistics (server/src/stats.rs) read one row per course: sync-core's own assessment of the course's
-- series as it stands, written with the rest of the projection in each commit. No scores of single contacts and
-- no free text: the intake totals, how many contacts, the change category and how the course ended.
CREATE TABLE proj_course_fit (
    doc_id          TEXT NOT NULL REFERENCES cases (doc_id),
    course_id       TEXT NOT NULL,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    start_date      TEXT NOT NULL,
    end_date        TEXT,
    end_reason      TEXT,
    -- Whole years at the course's start (start year minus birth year); NULL when the birth year is unknown.
    age_at_start    BIGINT,
    -- Contacts in the course's series (those made in error are not).
    contacts        BIGINT NOT NULL,
    intake_ors_mm   BIGINT,
    -- The first SRS total of the series.
    intake_srs_mm   BIGINT,
    change_mm       BIGINT,
    -- sync-core's ChangeCategory, snake_case.
    category        TEXT NOT NULL,
    rule_set_version TEXT NOT NULL,
    PRIMARY KEY (doc_id, course_id)
);
CREATE INDEX proj_course_fit_by_tenant_start ON proj_course_fit (tenant_id, start_date);

-- Which version of the projection a case's rows are: start-up rebuilds every case below the current one
-- (server/src/backfill.rs), so a table a later migration adds is filled for cases that have not changed since.
ALTER TABLE proj_cases ADD COLUMN projection_version BIGINT NOT NULL DEFAULT 1;
