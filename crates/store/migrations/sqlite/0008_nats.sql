-- Change-feed push to NATS JetStream beside signed webhooks: a subscription's transport. A NATS
-- subscription keeps 'nats' in url; its subject is derived from the system and resource ids.
ALTER TABLE webhooks ADD COLUMN transport TEXT NOT NULL DEFAULT 'webhook' CHECK (transport IN ('webhook', 'nats'));
