-- Projections: relational copies of what the back office queries, rewritten from each case document (delete and
-- insert, server/src/projection.rs builds the rows) in the same transaction that commits its changes. Keyed by
-- (doc_id, item id), where the item id is the UUID key of the item in the document's map. Every row carries
-- tenant_id so back-office queries (and sharding) go by tenant. No free text a worker typed about the citizen
-- (notes, conflicting values) is copied here: only codes, numbers, dates and whether text exists.

CREATE TABLE proj_contacts (
    doc_id            TEXT NOT NULL REFERENCES cases (doc_id),
    contact_id        TEXT NOT NULL,
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    kind              TEXT NOT NULL,
    started_at        BIGINT NOT NULL,
    duration_minutes  BIGINT NOT NULL,
    course_id         TEXT,
    recorded_by       TEXT NOT NULL,
    -- Whether the contact has notes; the notes themselves stay in the document.
    has_notes         INTEGER NOT NULL CHECK (has_notes IN (0, 1)),
    PRIMARY KEY (doc_id, contact_id)
);
CREATE INDEX proj_contacts_by_tenant_time ON proj_contacts (tenant_id, started_at);

-- FIT ratings taken at a contact: one row per slot (`ors` at the start, `srs` at the end), whichever instrument
-- filled it. Scores are millimetres, as in the document.
CREATE TABLE proj_fit_scores (
    doc_id        TEXT NOT NULL REFERENCES cases (doc_id),
    contact_id    TEXT NOT NULL,
    slot          TEXT NOT NULL CHECK (slot IN ('ors', 'srs')),
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    instrument    TEXT NOT NULL,
    -- `items`, `paper_total` or `skipped`.
    entry         TEXT NOT NULL,
    -- The four item scores, when the entry has exactly four.
    item_1_mm     BIGINT,
    item_2_mm     BIGINT,
    item_3_mm     BIGINT,
    item_4_mm     BIGINT,
    total_mm      BIGINT,
    paper_total   INTEGER NOT NULL CHECK (paper_total IN (0, 1)),
    rater         TEXT NOT NULL,
    -- ORS: the total is in the clinical range; SRS: below the SRS cutoff. NULL when there is no usable total.
    below_cutoff  INTEGER CHECK (below_cutoff IN (0, 1)),
    PRIMARY KEY (doc_id, contact_id, slot)
);

CREATE TABLE proj_goals (
    doc_id       TEXT NOT NULL REFERENCES cases (doc_id),
    goal_id      TEXT NOT NULL,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    parent_id    TEXT,
    level        TEXT NOT NULL,
    goal_type    TEXT NOT NULL,
    status       TEXT NOT NULL,
    title        TEXT NOT NULL,
    -- ISO date (YYYY-MM-DD), as in the document.
    target_date  TEXT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (doc_id, goal_id)
);

CREATE TABLE proj_courses (
    doc_id                    TEXT NOT NULL REFERENCES cases (doc_id),
    course_id                 TEXT NOT NULL,
    tenant_id                 TEXT NOT NULL REFERENCES tenants (id),
    service_code              TEXT NOT NULL,
    legal_basis               TEXT NOT NULL,
    start_date                TEXT NOT NULL,
    planned_end_date          TEXT,
    end_date                  TEXT,
    end_reason                TEXT,
    granted_minutes_per_week  BIGINT NOT NULL,
    approval_state            TEXT NOT NULL,
    PRIMARY KEY (doc_id, course_id)
);
CREATE INDEX proj_courses_by_tenant ON proj_courses (tenant_id, service_code);

-- Alerts the FIT rules raise for each course as it stands now (they are recomputed on every commit, so a row
-- is the current state, not an event). `course_id` is NULL for the contacts that belong to no course.
CREATE TABLE proj_alerts (
    doc_id           TEXT NOT NULL REFERENCES cases (doc_id),
    -- Position in the document's list of alerts: courses in id order, then contacts without a course.
    position         BIGINT NOT NULL,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    course_id        TEXT,
    kind             TEXT NOT NULL,
    contact_id       TEXT,
    -- The neutral FIT item key, for `srs_item_low` only.
    item             TEXT,
    rule_set_version TEXT NOT NULL,
    PRIMARY KEY (doc_id, position)
);
CREATE INDEX proj_alerts_by_tenant ON proj_alerts (tenant_id, kind);

-- Fields holding concurrent values, waiting for a person to choose: the dotted field path and how many values
-- there are. The values themselves may be citizen data and stay in the document.
CREATE TABLE proj_conflicts (
    doc_id       TEXT NOT NULL REFERENCES cases (doc_id),
    path         TEXT NOT NULL,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    value_count  BIGINT NOT NULL,
    PRIMARY KEY (doc_id, path)
);
CREATE INDEX proj_conflicts_by_tenant ON proj_conflicts (tenant_id);

-- Changes the server refused, kept with the reason so the worker and the lead can see and fix them. `doc_id` has
-- no foreign key: a refused change may name a document that does not exist or that the device may not see.
CREATE TABLE quarantine (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    doc_id       TEXT NOT NULL,
    device_id    TEXT REFERENCES devices (id),
    user_id      TEXT REFERENCES users (id),
    -- A stable code (e.g. "invalid", "forbidden") and a human-readable message naming the field.
    reason       TEXT NOT NULL,
    message      TEXT NOT NULL,
    -- The refused automerge changes, concatenated.
    bytes        BLOB NOT NULL,
    created_at   BIGINT NOT NULL,
    resolved_at  BIGINT
);
CREATE INDEX quarantine_by_doc ON quarantine (doc_id, created_at);
CREATE INDEX quarantine_by_device ON quarantine (device_id, created_at);
