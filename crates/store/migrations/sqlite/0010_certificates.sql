-- The electronic certificate library: the seal authority, department seals, certificate types,
-- certificates with their sealed content, holder consents, 亮证 tokens and every use. A type may
-- name the catalogue resource under whose sharing grants departments may find its certificates.
-- Private keys are stored only sealed with SM4-GCM under the platform's seal key.
CREATE TABLE seal_authority (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    cert_der   BLOB NOT NULL,
    key_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE seals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    es_id         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    cert_der      BLOB NOT NULL,
    key_sealed    BLOB NOT NULL,
    seal_der      BLOB NOT NULL,
    picture       BLOB NOT NULL,
    valid_from    INTEGER NOT NULL,
    valid_until   INTEGER NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    changed_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX seals_one_active ON seals(department_id) WHERE status = 'active';

CREATE TABLE certificate_types (
    code          TEXT PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    name          TEXT NOT NULL,
    definition    TEXT NOT NULL,
    resource_id   INTEGER REFERENCES catalogue_resources(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX certificate_types_department ON certificate_types(department_id);

CREATE TABLE certificate_serials (
    department_id INTEGER PRIMARY KEY REFERENCES departments(id),
    next_serial   INTEGER NOT NULL
);

CREATE TABLE certificates (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    identifier           TEXT NOT NULL UNIQUE,
    type_code            TEXT NOT NULL REFERENCES certificate_types(code),
    issuer_department_id INTEGER NOT NULL REFERENCES departments(id),
    seal_id              INTEGER NOT NULL REFERENCES seals(id),
    holder_code          TEXT NOT NULL,
    holder_name          TEXT NOT NULL,
    number               TEXT NOT NULL,
    version              INTEGER NOT NULL,
    predecessor          TEXT,
    status               TEXT NOT NULL,
    status_reason        TEXT NOT NULL DEFAULT '',
    valid_from           TEXT NOT NULL,
    valid_until          TEXT,
    content              BLOB NOT NULL,
    signature            BLOB NOT NULL,
    verification_code    TEXT NOT NULL,
    issue_key            TEXT,
    issue_digest         TEXT,
    issued_at            INTEGER NOT NULL,
    changed_at           INTEGER NOT NULL
);
CREATE INDEX certificates_holder ON certificates(holder_code);
CREATE INDEX certificates_issuer ON certificates(issuer_department_id, type_code);
CREATE UNIQUE INDEX certificates_issue_key ON certificates(issuer_department_id, issue_key);

CREATE TABLE certificate_consents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id INTEGER NOT NULL REFERENCES certificates(id),
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    purpose        TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
);
CREATE INDEX certificate_consents_certificate ON certificate_consents(certificate_id);
CREATE INDEX certificate_consents_department ON certificate_consents(department_id);

CREATE TABLE certificate_shows (
    token_digest   TEXT PRIMARY KEY,
    certificate_id INTEGER NOT NULL REFERENCES certificates(id),
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE certificate_uses (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id INTEGER NOT NULL REFERENCES certificates(id),
    kind           TEXT NOT NULL,
    department_id  INTEGER REFERENCES departments(id),
    actor          TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    case_ref       TEXT,
    valid_until    INTEGER,
    used_at        INTEGER NOT NULL
);
CREATE INDEX certificate_uses_certificate ON certificate_uses(certificate_id);
