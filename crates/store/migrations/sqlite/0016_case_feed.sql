-- The change feed of the one window: every case transition is a row of case_events, written in
-- the transition's transaction (the outbox). `pushed` marks the rows published to NATS
-- JetStream; the pull feed reads them by position.
ALTER TABLE case_events ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX case_events_unpushed ON case_events(pushed, id);

-- Webhooks of department systems on the feed: each delivers the transitions of the cases its
-- department takes part in, in order, from its own position; a failed delivery is tried again
-- later, nothing is skipped.
CREATE TABLE case_webhooks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    system_id     INTEGER NOT NULL REFERENCES systems(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    url           TEXT NOT NULL,
    secret        TEXT NOT NULL,
    position      INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (system_id, url)
);
