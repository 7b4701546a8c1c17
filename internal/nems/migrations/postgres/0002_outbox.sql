-- the outbox: an accepted event waiting for its matching and deliveries,
-- claimed by the instance doing them until lease_until, after which
-- another may take it over (FOR UPDATE SKIP LOCKED). before is the
-- patient's directory record before a PDS event changed it, as JSON, ''
-- when none.
CREATE TABLE outbox (
	event_id    text PRIMARY KEY REFERENCES events(id),
	before      text NOT NULL DEFAULT '',
	owner       text NOT NULL,
	lease_until timestamptz NOT NULL
);
CREATE INDEX outbox_lease ON outbox (lease_until);
