-- Each new audit entry queues itself for the sequencer and indexes its data subjects (the
-- digests listed in its content), so a batch of entries is written by one statement.
CREATE TRIGGER audit_entries_queue AFTER INSERT ON audit_entries
BEGIN
    INSERT INTO audit_pending (entry_id) VALUES (NEW.id);
    INSERT OR IGNORE INTO audit_subjects (subject_digest, entry_id)
        SELECT DISTINCT value, NEW.id FROM json_each(NEW.content, '$.subjects');
END;
