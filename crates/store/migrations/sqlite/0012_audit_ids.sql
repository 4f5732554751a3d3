-- Audit entry ids are gap-free on SQLite already: AUTOINCREMENT takes its numbers inside the
-- inserting transaction (a rollback gives them back) and never reuses one, so a missing id is
-- an entry deleted, and sqlite_sequence keeps the highest id ever given.

-- /readyz commits a write to this row: it is ready only while writes succeed.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
INSERT INTO health_probe (id, at) VALUES (1, 0);
