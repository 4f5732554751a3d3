-- The tamper-evident audit log. audit_entries is append-only; audit_pending queues entries
-- for the sequencer, which gives each a leaf index (audit_leaves) and stores the perfect
-- subtree hashes of the Merkle tree (audit_nodes, level 0 = leaves). Checkpoints are signed
-- tree heads.
CREATE TABLE audit_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    time          INTEGER NOT NULL,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    user_id       INTEGER,
    system_id     INTEGER,
    department_id INTEGER,
    applicant_id  INTEGER,
    outcome       TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    -- A random key chosen by the writer, so that a multi-row insert can tell its ids apart
    -- (RETURNING does not promise row order). Searches by time or action scan by id, newest first.
    entry_key     TEXT NOT NULL,
    content       TEXT NOT NULL
);
CREATE INDEX audit_entries_department ON audit_entries(department_id, time);
CREATE INDEX audit_entries_system ON audit_entries(system_id, time);

CREATE TABLE audit_subjects (
    subject_digest TEXT NOT NULL,
    entry_id       INTEGER NOT NULL REFERENCES audit_entries(id),
    PRIMARY KEY (subject_digest, entry_id)
);

CREATE TABLE audit_pending (
    entry_id INTEGER PRIMARY KEY REFERENCES audit_entries(id)
);

CREATE TABLE audit_leaves (
    seq      INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL UNIQUE REFERENCES audit_entries(id)
);

CREATE TABLE audit_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
);
INSERT INTO audit_head (id, size) VALUES (1, 0);

CREATE TABLE audit_checkpoints (
    size      INTEGER PRIMARY KEY,
    time      INTEGER NOT NULL,
    root      BLOB NOT NULL,
    key_id    TEXT NOT NULL,
    signature BLOB NOT NULL
);
