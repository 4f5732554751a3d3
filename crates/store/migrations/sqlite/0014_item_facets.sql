-- The filter columns of each published version, narrow, beside the full-text index: a search
-- ranks and filters the index's matches without reading each version's wide row (its content).
-- Kept with item_fts: written when a version is published, removed when it is superseded or
-- withdrawn.
CREATE TABLE item_facets (
    version_id      INTEGER PRIMARY KEY REFERENCES item_versions(id),
    department_id   INTEGER NOT NULL,
    region_code     TEXT NOT NULL,
    item_type       INTEGER NOT NULL,
    level           INTEGER NOT NULL,
    visits          INTEGER NOT NULL,
    depth           INTEGER NOT NULL,
    applicant_types TEXT NOT NULL,
    themes          TEXT NOT NULL
);

INSERT INTO item_facets (version_id, department_id, region_code, item_type, level, visits, depth, applicant_types, themes)
SELECT id, department_id, region_code, item_type, level, visits, depth, applicant_types, themes
FROM item_versions WHERE status = 'published';
