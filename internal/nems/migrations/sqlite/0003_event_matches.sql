-- the verdict on each candidate subscription, for the event log.
ALTER TABLE events ADD COLUMN matches TEXT NOT NULL DEFAULT '[]';
ALTER TABLE events ADD COLUMN withheld INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_received ON events (received);
CREATE INDEX deliveries_event ON deliveries (event_id);
