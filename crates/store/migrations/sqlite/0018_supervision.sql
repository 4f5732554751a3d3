-- 督察考核: what the supervision capability's metrics read. Each case's facts (its clocks
-- reduced to days, its visits, materials and notices) and each task's deadline, kept from the
-- window's timeline (the case feed); the sums of those facts and of the evaluations per
-- department, region and day, so that a dashboard reads days, not cases. All of it is derived:
-- the facts are recomputed from the cases, the sums from the facts and the evaluations.

CREATE TABLE case_facts (
    case_id        INTEGER PRIMARY KEY,
    case_no        TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- The lead department and the receiving region.
    department_id  INTEGER NOT NULL,
    region_code    TEXT NOT NULL,
    status         TEXT NOT NULL,
    received_day   TEXT NOT NULL,
    accepted_day   TEXT,
    concluded_day  TEXT,
    -- The decision clock: its limit (promised and extended working days), the working days
    -- used (at conclusion, or so far) and its deadline (none before acceptance or while paused).
    limit_days     INTEGER NOT NULL,
    used_days      INTEGER,
    due_day        TEXT,
    -- 1 while the case may still be decided, 0 once concluded or ended.
    is_open         INTEGER NOT NULL,
    -- A concluded case with a decision clock: 1 within its limit, 0 late; otherwise none.
    on_time        INTEGER,
    visits         INTEGER NOT NULL,
    lines_required INTEGER NOT NULL,
    lines_fetched  INTEGER NOT NULL,
    notices        INTEGER NOT NULL
);
CREATE INDEX case_facts_received ON case_facts(department_id, region_code, received_day);
CREATE INDEX case_facts_accepted ON case_facts(department_id, region_code, accepted_day);
CREATE INDEX case_facts_concluded ON case_facts(department_id, region_code, concluded_day);
-- Covering: the counts of now read the index alone.
CREATE INDEX case_facts_due ON case_facts(is_open, due_day, region_code, department_id);

-- The tasks of parallel approval: the department that holds each, and its deadline.
CREATE TABLE task_facts (
    task_id       INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL,
    case_no       TEXT NOT NULL,
    name          TEXT NOT NULL,
    department_id INTEGER NOT NULL,
    region_code   TEXT NOT NULL,
    due_day       TEXT,
    is_open        INTEGER NOT NULL
);
CREATE INDEX task_facts_case ON task_facts(case_id);
CREATE INDEX task_facts_due ON task_facts(is_open, due_day, region_code, department_id);

-- The sums of case_facts per department, region and day: a case counts as received on its
-- day of receipt (with its visits, materials and notices), as accepted on its day of
-- acceptance, and as concluded (with its clock) on its day of conclusion.
CREATE TABLE case_daily (
    department_id  INTEGER NOT NULL,
    region_code    TEXT NOT NULL,
    day            TEXT NOT NULL,
    received       INTEGER NOT NULL,
    accepted       INTEGER NOT NULL,
    concluded      INTEGER NOT NULL,
    timed          INTEGER NOT NULL,
    on_time        INTEGER NOT NULL,
    used_days      INTEGER NOT NULL,
    limit_days     INTEGER NOT NULL,
    visits         INTEGER NOT NULL,
    once           INTEGER NOT NULL,
    lines_required INTEGER NOT NULL,
    lines_fetched  INTEGER NOT NULL,
    notices        INTEGER NOT NULL,
    PRIMARY KEY (department_id, region_code, day)
);
CREATE INDEX case_daily_day ON case_daily(day);

-- The sums of the evaluations given per department, region and day, kept in the transaction
-- of each evaluation, mark and rectification step.
CREATE TABLE evaluation_daily (
    department_id     INTEGER NOT NULL,
    region_code       TEXT NOT NULL,
    day               TEXT NOT NULL,
    evaluations       INTEGER NOT NULL,
    score             INTEGER NOT NULL,
    bad               INTEGER NOT NULL,
    malicious         INTEGER NOT NULL,
    rectified         INTEGER NOT NULL,
    rectified_on_time INTEGER NOT NULL,
    PRIMARY KEY (department_id, region_code, day)
);
CREATE INDEX evaluation_daily_day ON evaluation_daily(day);

-- The day a rectification closed (China date), against its return visit's deadline.
ALTER TABLE rectifications ADD COLUMN closed_day TEXT;

-- How far the facts have read the case feed.
CREATE TABLE supervision_cursor (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
