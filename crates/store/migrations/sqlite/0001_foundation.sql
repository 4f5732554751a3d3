-- Foundation: regions, departments, systems and their tokens, users and roles, sessions,
-- applicants, the holiday calendar. Times are UTC microseconds since the epoch.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    parent_code TEXT REFERENCES regions(code),
    created_at  INTEGER NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    uscc        TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL REFERENCES regions(code),
    parent_id   INTEGER REFERENCES departments(id),
    kind        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX departments_region ON departments(region_code);

CREATE TABLE systems (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (department_id, name)
);

CREATE TABLE system_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    system_id    INTEGER NOT NULL REFERENCES systems(id),
    token_digest TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX system_tokens_system ON system_tokens(system_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE user_roles (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    role          TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    region_code   TEXT REFERENCES regions(code),
    scope_key     TEXT NOT NULL,
    UNIQUE (user_id, role, scope_key)
);

CREATE TABLE applicants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    id_number   TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    verified_by TEXT NOT NULL,
    verified_at INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_digest      TEXT PRIMARY KEY,
    principal_kind TEXT NOT NULL,
    principal_id   INTEGER NOT NULL,
    csrf_token     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE calendar_years (
    year       INTEGER PRIMARY KEY,
    schedule   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
