-- held_seq: the commit (cases.seq) at which the device is known to hold the case exactly as committed: its own
-- upload was committed with nothing in the document that the device lacked. While cases.seq still equals it, the
-- device's next Welcome need not list the case (issue 13: a reconnect after one's own uploads stays O(changed)).
-- Cleared when the device is told to purge the case, so a copy it deleted is never taken for one it holds.
ALTER TABLE device_holdings ADD COLUMN held_seq BIGINT;
