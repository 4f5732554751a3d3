-- 考核: the weights of the assessment, each change a new version; each assessment run with the
-- version of the weights it used and its results; inspection records (督察记录) on a department,
-- an item or a case, with the follow-up deadline and its outcome.
CREATE TABLE assessment_weights (
    version    INTEGER PRIMARY KEY,
    -- JSON: {"metric": weight, …}
    weights    TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_by INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE assessments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    weights_version INTEGER NOT NULL REFERENCES assessment_weights(version),
    from_day        TEXT NOT NULL,
    to_day          TEXT NOT NULL,
    region_code     TEXT NOT NULL DEFAULT '',
    -- JSON: the ranked departments with their metrics and scores.
    results         TEXT NOT NULL,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE TABLE inspections (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'department', 'item' or 'case', and which (an id, an implementation code, a case number).
    target_kind    TEXT NOT NULL,
    target_key     TEXT NOT NULL,
    -- The department answerable for it, and its region.
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    region_code    TEXT NOT NULL,
    finding        TEXT NOT NULL,
    follow_up_due  TEXT NOT NULL,
    -- 'rectified' or 'not_rectified' once followed up, with a note.
    outcome        TEXT,
    outcome_note   TEXT NOT NULL DEFAULT '',
    outcome_at     INTEGER,
    created_by     INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX inspections_department ON inspections(department_id, id);
CREATE INDEX inspections_region ON inspections(region_code, id);
