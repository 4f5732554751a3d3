-- 政务服务事项: basic items (province), implementations (per body), their versions, bundles.
CREATE TABLE service_items (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    item_type   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE item_implementations (
    code           TEXT PRIMARY KEY,
    basic_code     TEXT NOT NULL REFERENCES service_items(code),
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    region_code    TEXT NOT NULL,
    co_departments TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);
CREATE INDEX item_implementations_department ON item_implementations(department_id);

CREATE TABLE item_versions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    implementation_code TEXT NOT NULL REFERENCES item_implementations(code),
    version             INTEGER NOT NULL,
    status              TEXT NOT NULL,
    name                TEXT NOT NULL,
    department_id       INTEGER NOT NULL,
    region_code         TEXT NOT NULL,
    item_type           INTEGER NOT NULL,
    level               INTEGER NOT NULL,
    visits              INTEGER NOT NULL,
    depth               INTEGER NOT NULL,
    applicant_types     TEXT NOT NULL,
    themes              TEXT NOT NULL,
    content             TEXT NOT NULL,
    review_note         TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    published_at        INTEGER,
    UNIQUE (implementation_code, version)
);
-- The published version of one item; the review queue; the list in name order.
CREATE INDEX item_versions_current ON item_versions(implementation_code, status);
CREATE INDEX item_versions_review ON item_versions(status, department_id);
CREATE INDEX item_versions_by_name ON item_versions(status, name, id);

CREATE VIRTUAL TABLE item_fts USING fts5(body);

CREATE TABLE bundles (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
