-- 督察考核: alerts. A case, task, sharing request or rectification that turns yellow (one working
-- day or less left) or red (past its deadline) is told to its department and to the supervisors
-- over it once per deadline and colour: the unique key decides, whichever instance sees it
-- first.
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'case', 'task', 'sharing' or 'rectification', and which one (a case number, an id).
    kind          TEXT NOT NULL,
    object_key    TEXT NOT NULL,
    colour        TEXT NOT NULL,
    due_day       TEXT NOT NULL,
    department_id INTEGER NOT NULL,
    region_code   TEXT NOT NULL,
    title         TEXT NOT NULL,
    link          TEXT NOT NULL,
    -- The day it was seen to turn (YYYY-MM-DD), and when (microseconds).
    day           TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (kind, object_key, colour, due_day)
);
CREATE INDEX alerts_department ON alerts(department_id, id);
CREATE INDEX alerts_region ON alerts(region_code, id);
