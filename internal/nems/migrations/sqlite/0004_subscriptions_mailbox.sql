-- the MESH API asks whether a mailbox is named by a subscription.
CREATE INDEX subscriptions_mailbox ON subscriptions (mailbox);
