-- Why the worker opened a case on this device (DOMAIN.md: every read with its purpose), kept until the server has
-- logged it (POST /v1/access/opens). No case content: the document id, a purpose code and the device's clock.
CREATE TABLE opens (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id   TEXT NOT NULL,
    purpose  TEXT NOT NULL,
    at_ms    INTEGER NOT NULL
);
