-- Each new audit entry queues itself for the sequencer and indexes its data subjects (the
-- digests listed in its content), so a batch of entries is written by one statement. The
-- trigger runs once per statement, over all the rows it inserted.
CREATE FUNCTION audit_entries_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_pending (entry_id) SELECT id FROM new_entries;
    INSERT INTO audit_subjects (subject_digest, entry_id)
        SELECT DISTINCT s, n.id FROM new_entries n,
            jsonb_array_elements_text(n.content::jsonb -> 'subjects') AS s
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_entries_queue AFTER INSERT ON audit_entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_queue();
