-- 办件: the cases of the one window (WINDOW.md). A case records the item versions it used, its
-- parties, its material lines (fetched, uploaded, deferred or missing), its tasks of parallel
-- approval with their opinions, the one-time notices, the visits, the deliveries and its
-- timeline. Clock periods are recorded, never running counters.

-- The last serial given per receiving region and day (case numbers).
CREATE TABLE case_serials (
    region_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (region_code, day)
);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    case_no         TEXT NOT NULL UNIQUE,
    -- 'item' or 'bundle', and the implementation code or the bundle's code.
    subject_kind    TEXT NOT NULL,
    subject_code    TEXT NOT NULL,
    name            TEXT NOT NULL,
    -- The lead department (the first item's implementing body) and the receiving region.
    department_id   INTEGER NOT NULL REFERENCES departments(id),
    region_code     TEXT NOT NULL,
    status          TEXT NOT NULL,
    -- 'online' or 'window'; the clerk who took it at a window.
    channel         TEXT NOT NULL,
    clerk_user_id   INTEGER,
    -- Who submitted it (an applicant's id, or the clerk) and the Idempotency-Key used.
    submitted_by    TEXT NOT NULL,
    idempotency_key TEXT,
    answers         TEXT NOT NULL,
    form            TEXT NOT NULL,
    -- 'immediate' (即办件) or 'promised' (承诺件); the promised limit in working days.
    case_type       TEXT NOT NULL,
    promised_days   INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    received_day    TEXT NOT NULL,
    accepted_at     INTEGER,
    accepted_day    TEXT,
    deemed_accepted INTEGER NOT NULL DEFAULT 0,
    concluded_at    INTEGER,
    delivered_at    INTEGER,
    reason          TEXT NOT NULL DEFAULT '',
    -- An extension of the promised limit (§42): once, approved, with its reason.
    extended_days   INTEGER NOT NULL DEFAULT 0,
    extension_reason TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (submitted_by, idempotency_key)
);
CREATE INDEX cases_status ON cases(status, department_id);
CREATE INDEX cases_department ON cases(department_id, received_at);

-- The item versions a case used (one for an item, several for a bundle).
CREATE TABLE case_items (
    case_id             INTEGER NOT NULL REFERENCES cases(id),
    implementation_code TEXT NOT NULL,
    version_id          INTEGER NOT NULL REFERENCES item_versions(id),
    PRIMARY KEY (case_id, implementation_code)
);

CREATE TABLE case_parties (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    role         TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    name         TEXT NOT NULL,
    applicant_id INTEGER,
    -- When the party consented to the fetches for this case's purpose (micros), and how.
    consented_at INTEGER,
    consent_channel TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_parties_case ON case_parties(case_id);
CREATE INDEX case_parties_person ON case_parties(id_number);

CREATE TABLE case_lines (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id        INTEGER NOT NULL REFERENCES cases(id),
    material_code  TEXT NOT NULL,
    name           TEXT NOT NULL,
    required       INTEGER NOT NULL,
    may_defer      INTEGER NOT NULL,
    -- The items (implementation codes, comma-separated) that need it.
    items          TEXT NOT NULL,
    -- 'fetched', 'uploaded', 'deferred' or 'missing'.
    state          TEXT NOT NULL,
    -- For a fetched line: 'certificate', 'record' or 'result', and what was fetched (a use
    -- copy's id, a record's key, a case number); why a fetch fell back to upload.
    source_kind    TEXT NOT NULL DEFAULT '',
    reference      TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    sm3            TEXT NOT NULL DEFAULT '',
    media_type     TEXT NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    deferred_until TEXT,
    -- '' unchecked, 'ok', or 'defective' with its reason.
    checked        TEXT NOT NULL DEFAULT '',
    defect         TEXT NOT NULL DEFAULT '',
    updated_at     INTEGER NOT NULL
);
CREATE INDEX case_lines_case ON case_lines(case_id);

CREATE TABLE case_tasks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    implementation_code TEXT NOT NULL,
    step          INTEGER NOT NULL,
    stage         INTEGER NOT NULL,
    name          TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    signing       TEXT NOT NULL,
    required      INTEGER NOT NULL,
    -- The certificate type the step issues, if any, and what it issued.
    issues        TEXT,
    issued        TEXT NOT NULL DEFAULT '',
    issue_note    TEXT NOT NULL DEFAULT '',
    days          INTEGER NOT NULL,
    status        TEXT NOT NULL,
    -- Who must sign (会签), comma-separated user ids; who claimed it.
    assignees     TEXT NOT NULL DEFAULT ',',
    claimed_by    INTEGER,
    opened_at     INTEGER,
    opened_day    TEXT,
    closed_at     INTEGER,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX case_tasks_case ON case_tasks(case_id);
CREATE INDEX case_tasks_inbox ON case_tasks(department_id, status);

CREATE TABLE case_opinions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  INTEGER NOT NULL REFERENCES case_tasks(id),
    user_id  INTEGER NOT NULL,
    decision TEXT NOT NULL,
    opinion  TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX case_opinions_task ON case_opinions(task_id);

-- Pauses of a clock: the case's decision clock (task_id NULL: supplements) or a task's
-- (special procedures), with the days from and until (inclusive, China dates) and the reason.
CREATE TABLE case_pauses (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    task_id   INTEGER REFERENCES case_tasks(id),
    kind      TEXT NOT NULL,
    from_day  TEXT NOT NULL,
    until_day TEXT,
    limit_days INTEGER,
    reason    TEXT NOT NULL
);
CREATE INDEX case_pauses_case ON case_pauses(case_id);

CREATE TABLE case_notices (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    -- JSON: [{"line": material code, "reason": …}]
    lines    TEXT NOT NULL,
    override_reason TEXT NOT NULL DEFAULT '',
    by_user  INTEGER,
    at       INTEGER NOT NULL,
    supplied_at INTEGER
);
CREATE INDEX case_notices_case ON case_notices(case_id);

CREATE TABLE case_visits (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    reason   TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    region_code TEXT NOT NULL,
    by_user  INTEGER,
    at       INTEGER NOT NULL
);
CREATE INDEX case_visits_case ON case_visits(case_id);

CREATE TABLE case_deliveries (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    mode     TEXT NOT NULL,
    tracking TEXT NOT NULL DEFAULT '',
    at       INTEGER NOT NULL
);

-- The timeline: every step taken, with who and a note.
CREATE TABLE case_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    step    TEXT NOT NULL,
    status  TEXT NOT NULL,
    actor   TEXT NOT NULL,
    note    TEXT NOT NULL DEFAULT '',
    at      INTEGER NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id);
