-- Each new audit entry queues itself for the sequencer and indexes its data subjects (the
-- digests listed in its content), so a batch of entries is written by one statement.
CREATE FUNCTION audit_entries_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_pending (entry_id) VALUES (NEW.id);
    INSERT INTO audit_subjects (subject_digest, entry_id)
        SELECT DISTINCT s, NEW.id FROM jsonb_array_elements_text(NEW.content::jsonb -> 'subjects') AS s
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_entries_queue AFTER INSERT ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_queue();
