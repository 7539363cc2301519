-- From this version on the store is encrypted (src/store/seal.rs): a refusal's message is kept sealed, as bytes,
-- like the documents' chunks. The rows are copied as they are; the first open with the profile's data key seals
-- them (and the chunks) in one transaction.
CREATE TABLE refusals_sealed (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    -- Sealed under the data key (additional data: the document id).
    message    BLOB NOT NULL,
    at_ms      INTEGER NOT NULL
);
INSERT INTO refusals_sealed (id, doc_id, reason, message, at_ms)
    SELECT id, doc_id, reason, CAST(message AS BLOB), at_ms FROM refusals;
DROP TABLE refusals;
ALTER TABLE refusals_sealed RENAME TO refusals;
CREATE INDEX refusals_doc ON refusals (doc_id);
