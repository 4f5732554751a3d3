-- Resources served from the provider's own HTTP endpoint (proxy mode) instead of loaded rows.
CREATE TABLE resource_endpoints (
    resource_id INTEGER PRIMARY KEY REFERENCES catalogue_resources(id),
    url         TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
