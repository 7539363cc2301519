-- Entries made in error stay in the record (history is append-only, sync-core/src/case/history.rs) and are marked
-- so in the document; the projections carry the mark so the back office shows them struck through and leaves them
-- out of its figures. Scores of a contact made in error are not projected at all (left out of FIT).
-- The alerts' `position` now follows sync-core's FIT series: courses by start date, then contacts without one.

ALTER TABLE proj_contacts ADD COLUMN in_error INTEGER NOT NULL DEFAULT 0 CHECK (in_error IN (0, 1));
ALTER TABLE proj_goals ADD COLUMN in_error INTEGER NOT NULL DEFAULT 0 CHECK (in_error IN (0, 1));
ALTER TABLE proj_courses ADD COLUMN in_error INTEGER NOT NULL DEFAULT 0 CHECK (in_error IN (0, 1));
