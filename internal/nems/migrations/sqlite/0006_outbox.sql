-- the outbox: an accepted event waiting for its matching and deliveries,
-- claimed by the instance doing them until lease_until (Unix ns), after
-- which another may take it over. before is the patient's directory
-- record before a PDS event changed it, as JSON, "" when none.
CREATE TABLE outbox (
	event_id    TEXT PRIMARY KEY REFERENCES events(id),
	before      TEXT NOT NULL DEFAULT '',
	owner       TEXT NOT NULL,
	lease_until INTEGER NOT NULL
);
CREATE INDEX outbox_lease ON outbox (lease_until);
