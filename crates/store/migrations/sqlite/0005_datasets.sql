-- Aggregated data (归集): the rows a provider loads for a resource, keyed by the resource's key
-- item, with a version per row; every new or changed row is also a change-feed entry.
CREATE TABLE dataset_rows (
    resource_id INTEGER NOT NULL REFERENCES catalogue_resources(id),
    row_key     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    content     TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (resource_id, row_key)
);

CREATE TABLE dataset_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id INTEGER NOT NULL REFERENCES catalogue_resources(id),
    row_key     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    content     TEXT NOT NULL,
    changed_at  INTEGER NOT NULL
);
CREATE INDEX dataset_changes_resource ON dataset_changes(resource_id, seq);
