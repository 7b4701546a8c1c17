-- generic subscriptions, indexed by rule type, organisation and
-- event type.
CREATE TABLE subscription_rules (
	subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
	rule_type       TEXT NOT NULL,
	organization    TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	PRIMARY KEY (subscription_id, event_type)
);
CREATE INDEX subscription_rules_match ON subscription_rules (rule_type, organization, event_type);
