-- Change-feed push: subscriptions of systems to a resource's changes (signed webhooks), the
-- transactional outbox written with each change, and one delivery record per subscriber.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    system_id   INTEGER NOT NULL REFERENCES systems(id),
    resource_id INTEGER NOT NULL REFERENCES catalogue_resources(id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (system_id, resource_id, url)
);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id INTEGER NOT NULL,
    change_seq  INTEGER NOT NULL,
    fanned_out  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_pending ON outbox(fanned_out, id);

CREATE TABLE outbox_deliveries (
    outbox_id       INTEGER NOT NULL REFERENCES outbox(id),
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (outbox_id, webhook_id)
);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries(delivered_at, next_attempt_at);
