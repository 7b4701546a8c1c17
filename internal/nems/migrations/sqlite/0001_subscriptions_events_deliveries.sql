-- subscriptions, accepted events and their MESH deliveries.
CREATE TABLE subscriptions (
	id         TEXT PRIMARY KEY,
	owner_asid TEXT NOT NULL,
	mailbox    TEXT NOT NULL,
	criteria   TEXT NOT NULL,
	nhs_number TEXT NOT NULL DEFAULT '',
	events     TEXT NOT NULL DEFAULT '',
	tag        TEXT NOT NULL DEFAULT '',
	dup_key    TEXT NOT NULL UNIQUE,
	body       BLOB NOT NULL,
	format     TEXT NOT NULL,
	created    INTEGER NOT NULL,
	end_at     INTEGER NOT NULL DEFAULT 0,
	version    INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE subscription_events (
	subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
	nhs_number      TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	PRIMARY KEY (subscription_id, event_type)
);
CREATE INDEX subscription_events_match ON subscription_events (nhs_number, event_type);
CREATE TABLE events (
	id           TEXT PRIMARY KEY,
	event_type   TEXT NOT NULL,
	nhs_number   TEXT NOT NULL DEFAULT '',
	from_asid    TEXT NOT NULL,
	content_type TEXT NOT NULL,
	body         BLOB NOT NULL,
	received     INTEGER NOT NULL
);
CREATE TABLE deliveries (
	id           TEXT PRIMARY KEY,
	event_id     TEXT NOT NULL REFERENCES events(id),
	mailbox      TEXT NOT NULL,
	from_mailbox TEXT NOT NULL,
	workflow_id  TEXT NOT NULL,
	partner_id   TEXT NOT NULL DEFAULT '',
	subject      TEXT NOT NULL DEFAULT '',
	received     INTEGER NOT NULL,
	acknowledged INTEGER NOT NULL DEFAULT 0,
	UNIQUE (event_id, mailbox)
);
CREATE INDEX deliveries_inbox ON deliveries (mailbox, acknowledged, received);
