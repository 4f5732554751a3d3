-- 好差评: evaluations of cases (一次一评: one per case and party) and of services at a window's
-- counter (一事一评: no case). Reviews are never edited or deleted; a supervisor may only mark one
-- as malicious, with a reason. A rating of 1 or 2 opens a rectification (整改) whose steps each
-- have a deadline in working days.
CREATE TABLE evaluations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id         INTEGER REFERENCES cases(id),
    -- The party who rated: the ID number or credit code (read only by staff with rights).
    party           TEXT NOT NULL,
    department_id   INTEGER NOT NULL REFERENCES departments(id),
    region_code     TEXT NOT NULL,
    implementation_code TEXT NOT NULL DEFAULT '',
    level           INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    comment         TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL,
    day             TEXT NOT NULL,
    at              INTEGER NOT NULL,
    malicious_reason TEXT,
    malicious_by    INTEGER,
    malicious_at    INTEGER
);
CREATE UNIQUE INDEX evaluations_once ON evaluations(case_id, party) WHERE case_id IS NOT NULL;
CREATE INDEX evaluations_department ON evaluations(department_id, day);
CREATE INDEX evaluations_region ON evaluations(region_code, day);

-- The rectification of a bad review, one step after another: verify (核实: founded or not) →
-- rectify (整改, when founded) → reply (反馈申请人) → revisit (回访) → closed. An applicant may
-- appeal (申诉复核) a verification that found the review unfounded; a supervisor decides.
CREATE TABLE rectifications (
    evaluation_id   INTEGER PRIMARY KEY REFERENCES evaluations(id),
    step            TEXT NOT NULL,
    verify_due      TEXT NOT NULL,
    rectify_due     TEXT NOT NULL,
    reply_due       TEXT NOT NULL,
    revisit_due     TEXT NOT NULL,
    opened_at       INTEGER NOT NULL,
    founded         INTEGER,
    verify_note     TEXT NOT NULL DEFAULT '',
    verified_at     INTEGER,
    verified_by     INTEGER,
    rectify_note    TEXT NOT NULL DEFAULT '',
    rectified_at    INTEGER,
    rectified_by    INTEGER,
    reply           TEXT NOT NULL DEFAULT '',
    replied_at      INTEGER,
    replied_by      INTEGER,
    revisit_note    TEXT NOT NULL DEFAULT '',
    satisfied       INTEGER,
    revisited_at    INTEGER,
    revisited_by    INTEGER,
    appeal_reason   TEXT,
    appealed_at     INTEGER,
    appeal_upheld   INTEGER,
    appeal_note     TEXT NOT NULL DEFAULT '',
    appeal_decided_at INTEGER,
    appeal_decided_by INTEGER,
    closed_at       INTEGER
);
CREATE INDEX rectifications_step ON rectifications(step);
