-- subscriptions, accepted events and their MESH deliveries, and the
-- patient and area directory: the SQLite schema of migrations 1 to 5, with
-- a seq column where SQLite orders by rowid.
CREATE TABLE subscriptions (
	id         text PRIMARY KEY,
	seq        bigserial NOT NULL,
	owner_asid text NOT NULL,
	mailbox    text NOT NULL,
	criteria   text NOT NULL,
	nhs_number text NOT NULL DEFAULT '',
	events     text NOT NULL DEFAULT '',
	tag        text NOT NULL DEFAULT '',
	dup_key    text NOT NULL UNIQUE,
	body       bytea NOT NULL,
	format     text NOT NULL,
	created    bigint NOT NULL,
	end_at     bigint NOT NULL DEFAULT 0,
	version    integer NOT NULL DEFAULT 1
);
CREATE INDEX subscriptions_mailbox ON subscriptions (mailbox);
CREATE INDEX subscriptions_created ON subscriptions (created, seq);
CREATE TABLE subscription_events (
	subscription_id text NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
	nhs_number      text NOT NULL,
	event_type      text NOT NULL,
	PRIMARY KEY (subscription_id, event_type)
);
CREATE INDEX subscription_events_match ON subscription_events (nhs_number, event_type);
CREATE TABLE subscription_rules (
	subscription_id text NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
	rule_type       text NOT NULL,
	organization    text NOT NULL,
	event_type      text NOT NULL,
	PRIMARY KEY (subscription_id, event_type)
);
CREATE INDEX subscription_rules_match ON subscription_rules (rule_type, organization, event_type);
CREATE TABLE events (
	id           text PRIMARY KEY,
	seq          bigserial NOT NULL,
	event_type   text NOT NULL,
	nhs_number   text NOT NULL DEFAULT '',
	from_asid    text NOT NULL,
	content_type text NOT NULL,
	body         bytea NOT NULL,
	received     bigint NOT NULL,
	matches      text NOT NULL DEFAULT '[]',
	withheld     boolean NOT NULL DEFAULT false
);
CREATE INDEX events_received ON events (received, seq);
CREATE TABLE deliveries (
	id           text PRIMARY KEY,
	seq          bigserial NOT NULL,
	event_id     text NOT NULL REFERENCES events(id),
	mailbox      text NOT NULL,
	from_mailbox text NOT NULL,
	workflow_id  text NOT NULL,
	partner_id   text NOT NULL DEFAULT '',
	subject      text NOT NULL DEFAULT '',
	received     bigint NOT NULL,
	acknowledged bigint NOT NULL DEFAULT 0,
	UNIQUE (event_id, mailbox)
);
CREATE INDEX deliveries_inbox ON deliveries (mailbox, acknowledged, received, seq);
CREATE TABLE patients (
	nhs_number text PRIMARY KEY,
	gp         text NOT NULL DEFAULT '',
	postcode   text NOT NULL DEFAULT '',
	flags      text NOT NULL DEFAULT ''
);
CREATE TABLE postcode_areas (
	postcode         text PRIMARY KEY,
	local_authority  text NOT NULL DEFAULT '',
	icb_sub_location text NOT NULL DEFAULT '',
	country          text NOT NULL DEFAULT ''
);
CREATE TABLE practices (
	code             text PRIMARY KEY,
	icb_sub_location text NOT NULL DEFAULT ''
);
CREATE TABLE settings (
	name  text PRIMARY KEY,
	value text NOT NULL
);
