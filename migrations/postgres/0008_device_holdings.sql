-- Which cases each device holds: recorded when the server sends a case to a device (or the device creates one),
-- so that when a device may no longer see a case (unassigned, team changed, a break-the-glass grant expired) the
-- server can tell it to purge its copy, after taking any changes the device still has for it.

CREATE TABLE device_holdings (
    device_id   TEXT NOT NULL REFERENCES devices (id),
    doc_id      TEXT NOT NULL REFERENCES cases (doc_id),
    since       BIGINT NOT NULL,
    -- When the device was first told to purge the case. A device may end its sync before reading that Purge, so
    -- it is told once more at the start of its next connection, and the row is then removed.
    purged_at   BIGINT,
    PRIMARY KEY (device_id, doc_id)
);
