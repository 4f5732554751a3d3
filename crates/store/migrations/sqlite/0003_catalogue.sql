-- The public data resource catalogue. catalogue_resources holds each resource's working copy
-- (content, JSON) and its review status; every published version is kept in
-- catalogue_versions; the filter columns and the full-text index follow the published version.
CREATE TABLE catalogue_resources (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    code              TEXT NOT NULL UNIQUE,
    classification    TEXT NOT NULL,
    sequence          INTEGER NOT NULL,
    department_id     INTEGER NOT NULL REFERENCES departments(id),
    region_code       TEXT NOT NULL,
    status            INTEGER NOT NULL,
    content           TEXT NOT NULL,
    review_note       TEXT NOT NULL DEFAULT '',
    published_version INTEGER,
    published_at      INTEGER,
    withdrawn         INTEGER NOT NULL DEFAULT 0,
    name              TEXT NOT NULL,
    class             INTEGER NOT NULL,
    share_type        INTEGER NOT NULL,
    open_type         INTEGER NOT NULL,
    format_class      INTEGER NOT NULL,
    update_cycle      INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (classification, sequence)
);
CREATE INDEX catalogue_resources_department ON catalogue_resources(department_id);
CREATE INDEX catalogue_resources_status ON catalogue_resources(status);

CREATE TABLE catalogue_versions (
    resource_id  INTEGER NOT NULL REFERENCES catalogue_resources(id),
    version      INTEGER NOT NULL,
    content      TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (resource_id, version)
);

CREATE VIRTUAL TABLE catalogue_fts USING fts5(body);

CREATE TABLE catalogue_quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    row_number  INTEGER NOT NULL,
    raw         TEXT NOT NULL,
    problems    TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE data_elements (
    code      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    data_type INTEGER NOT NULL,
    length    INTEGER,
    code_set  TEXT
);

CREATE TABLE code_sets (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    standard TEXT NOT NULL,
    code_values TEXT NOT NULL
);

CREATE TABLE field_mappings (
    department_id INTEGER NOT NULL REFERENCES departments(id),
    local_field   TEXT NOT NULL,
    element       TEXT NOT NULL REFERENCES data_elements(code),
    value_map     TEXT NOT NULL,
    PRIMARY KEY (department_id, local_field)
);
