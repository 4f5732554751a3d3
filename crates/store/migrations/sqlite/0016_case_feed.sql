-- The change feed of the one window: every case transition is a row of case_events, written in
-- the transition's transaction (the outbox). `pushed` marks the rows published to NATS
-- JetStream; the pull feed reads them by position.
ALTER TABLE case_events ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX case_events_unpushed ON case_events(pushed, id);
