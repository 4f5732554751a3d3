//! What differs between SQLite and PostgreSQL, kept together.

/// The SQL dialect of the connected database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn from_url(url: &str) -> Option<Dialect> {
        if url.starts_with("sqlite:") {
            Some(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The migration files of this dialect, in order: (version, name, SQL).
    pub(crate) fn migrations(self) -> &'static [(i64, &'static str, &'static str)] {
        macro_rules! migrations {
            ($dir:literal) => {
                &[
                    (
                        1,
                        "foundation",
                        include_str!(concat!("../migrations/", $dir, "/0001_foundation.sql")),
                    ),
                    (
                        2,
                        "audit",
                        include_str!(concat!("../migrations/", $dir, "/0002_audit.sql")),
                    ),
                    (
                        3,
                        "catalogue",
                        include_str!(concat!("../migrations/", $dir, "/0003_catalogue.sql")),
                    ),
                    (
                        4,
                        "sharing",
                        include_str!(concat!("../migrations/", $dir, "/0004_sharing.sql")),
                    ),
                    (
                        5,
                        "datasets",
                        include_str!(concat!("../migrations/", $dir, "/0005_datasets.sql")),
                    ),
                    (
                        6,
                        "endpoints",
                        include_str!(concat!("../migrations/", $dir, "/0006_endpoints.sql")),
                    ),
                    (
                        7,
                        "outbox",
                        include_str!(concat!("../migrations/", $dir, "/0007_outbox.sql")),
                    ),
                    (
                        8,
                        "nats",
                        include_str!(concat!("../migrations/", $dir, "/0008_nats.sql")),
                    ),
                    (
                        9,
                        "audit trigger",
                        include_str!(concat!("../migrations/", $dir, "/0009_audit_trigger.sql")),
                    ),
                    (
                        10,
                        "certificates",
                        include_str!(concat!("../migrations/", $dir, "/0010_certificates.sql")),
                    ),
                    (
                        11,
                        "seal_reminders",
                        include_str!(concat!("../migrations/", $dir, "/0011_seal_reminders.sql")),
                    ),
                    (
                        12,
                        "audit_ids",
                        include_str!(concat!("../migrations/", $dir, "/0012_audit_ids.sql")),
                    ),
                    (
                        13,
                        "items",
                        include_str!(concat!("../migrations/", $dir, "/0013_items.sql")),
                    ),
                    (
                        14,
                        "item_facets",
                        include_str!(concat!("../migrations/", $dir, "/0014_item_facets.sql")),
                    ),
                    (
                        15,
                        "cases",
                        include_str!(concat!("../migrations/", $dir, "/0015_cases.sql")),
                    ),
                    (
                        16,
                        "case_feed",
                        include_str!(concat!("../migrations/", $dir, "/0016_case_feed.sql")),
                    ),
                    (
                        17,
                        "evaluations",
                        include_str!(concat!("../migrations/", $dir, "/0017_evaluations.sql")),
                    ),
                    (
                        18,
                        "supervision",
                        include_str!(concat!("../migrations/", $dir, "/0018_supervision.sql")),
                    ),
                    (
                        19,
                        "alerts",
                        include_str!(concat!("../migrations/", $dir, "/0019_alerts.sql")),
                    ),
                    (
                        20,
                        "assessment",
                        include_str!(concat!("../migrations/", $dir, "/0020_assessment.sql")),
                    ),
                ]
            };
        }
        match self {
            Dialect::Sqlite => migrations!("sqlite"),
            Dialect::Postgres => migrations!("postgres"),
        }
    }

    /// The highest audit entry id ever given (`last`) and the id after which ids have no gaps
    /// (`gap_free_after`): SQLite's AUTOINCREMENT counter, PostgreSQL's `audit_ids` row.
    pub(crate) fn audit_id_watermark(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_entries'), 0) AS last, 0 AS gap_free_after"
            }
            Dialect::Postgres => "SELECT last, gap_free_after FROM audit_ids WHERE id = 1",
        }
    }

    /// Whether audit entry ids are given by the store (PostgreSQL, from `audit_ids`) rather
    /// than by the database (SQLite's AUTOINCREMENT).
    pub(crate) fn numbers_audit_entries(self) -> bool {
        self == Dialect::Postgres
    }

    /// The `n`th (from 1) bind placeholder of a statement. SQLite gets anonymous `?`: it looks
    /// up a numbered placeholder's name by a linear scan for every value bound, which makes a
    /// statement with a thousand values cost a million steps. Statements built this way must
    /// bind their values in the order the placeholders appear.
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// A scalar sub-select giving the rows of `from` (a table and its condition) as a JSON
    /// array of objects, one key per column (`t.col` is keyed `col`), in the order of `order`,
    /// as text; `[]` when there are none. One statement then reads a record with its children.
    pub(crate) fn json_rows(self, columns: &[&str], from: &str, order: &str) -> String {
        let pairs: Vec<String> = columns
            .iter()
            .map(|c| format!("'{}', {c}", c.rsplit('.').next().unwrap_or(c)))
            .collect();
        let pairs = pairs.join(", ");
        match self {
            Dialect::Sqlite => format!("(SELECT json_group_array(json_object({pairs}) ORDER BY {order}) FROM {from})"),
            Dialect::Postgres => format!(
                "(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY {order}), '[]'::json)::text FROM {from})"
            ),
        }
    }

    /// Serialise migrations between several instances starting at once (PostgreSQL only;
    /// SQLite is single-node and its write lock already serialises).
    pub(crate) fn migration_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(7310421)"),
        }
    }
}

/// Applied to every SQLite connection: write-ahead log, wait for the write lock instead of
/// failing at once, enforce foreign keys, and full fsync so that committed data survives power
/// loss.
pub(crate) const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;";
