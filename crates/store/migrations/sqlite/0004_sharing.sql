-- Sharing requests and the grants they produce; daily usage counts for quotas; in-app
-- notifications for the parties of a request.
CREATE TABLE sharing_requests (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id            INTEGER NOT NULL REFERENCES catalogue_resources(id),
    provider_department_id INTEGER NOT NULL REFERENCES departments(id),
    consumer_department_id INTEGER NOT NULL REFERENCES departments(id),
    system_id              INTEGER NOT NULL REFERENCES systems(id),
    content                TEXT NOT NULL,
    status                 INTEGER NOT NULL,
    deadline               TEXT NOT NULL,
    decision_note          TEXT NOT NULL DEFAULT '',
    reminded               INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE INDEX sharing_requests_provider ON sharing_requests(provider_department_id, status);
CREATE INDEX sharing_requests_consumer ON sharing_requests(consumer_department_id, status);

CREATE TABLE grants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER REFERENCES sharing_requests(id),
    system_id   INTEGER NOT NULL REFERENCES systems(id),
    resource_id INTEGER NOT NULL REFERENCES catalogue_resources(id),
    items       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    daily_quota INTEGER NOT NULL,
    masking     TEXT NOT NULL,
    revoked_at  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX grants_system_resource ON grants(system_id, resource_id);

CREATE TABLE grant_usage (
    grant_id INTEGER NOT NULL REFERENCES grants(id),
    day      TEXT NOT NULL,
    used     INTEGER NOT NULL,
    PRIMARY KEY (grant_id, day)
);

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    kind          TEXT NOT NULL,
    message       TEXT NOT NULL,
    link          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    read_at       INTEGER
);
CREATE INDEX notifications_department ON notifications(department_id, id);
