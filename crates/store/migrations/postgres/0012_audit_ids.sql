-- Audit entry ids are gap-free, so that a missing id is a finding (an entry deleted before it
-- was sequenced) and never the trace of a rolled-back transaction: an identity column skips
-- the numbers a rollback used. Ids therefore come from this row, updated in the transaction
-- that inserts the entries; ids below gap_free_after were given before this rule.
CREATE TABLE audit_ids (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    last           BIGINT NOT NULL,
    gap_free_after BIGINT NOT NULL
);
INSERT INTO audit_ids (id, last, gap_free_after)
    SELECT 1, COALESCE(MAX(id), 0), COALESCE(MAX(id), 0) FROM audit_entries;
ALTER TABLE audit_entries ALTER COLUMN id DROP IDENTITY IF EXISTS;

-- /readyz commits a write to this row: it is ready only while writes succeed.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at BIGINT NOT NULL
);
INSERT INTO health_probe (id, at) VALUES (1, 0);
