-- What a device's holding of a case records for the grace of its last changes and for purges; the rules are
-- sync-core's (protocol/server/sight.rs).
--
-- writable: whether the device held the case as one its user could change (as its last sync found). Only then does
-- the grace take the device's pending changes after it loses sight of the case: one who could only read it (break
-- the glass) gains no write by losing sight. Rows from before default to the old behaviour (the grace for all).
--
-- purge_cursor: when a device has read a Purge. A Purge sent at a Hello goes out before CaughtUp, and a device
-- keeps the Welcome's cursor only once it has read up to CaughtUp. purge_cursor is the Welcome cursor of the last
-- connection whose Hello was answered with a Purge of the case (NULL when the last Purge went out later in a
-- connection, and may never have been read). A later Hello whose cursor reaches it, and whose manifest does not
-- list the case, proves the device deleted it; only then is the row removed. Until then the holding also keeps the
-- grace of the device's last changes open (purged_at, the first Purge, starts the grace period).
ALTER TABLE device_holdings ADD COLUMN purge_cursor BIGINT;
ALTER TABLE device_holdings ADD COLUMN writable INTEGER NOT NULL DEFAULT 1 CHECK (writable IN (0, 1));
