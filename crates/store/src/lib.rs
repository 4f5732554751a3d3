//! # yici-store
//!
//! Storage over sqlx: SQLite (embedded, the default) and PostgreSQL. Every query is written once
//! and runs on both through sqlx's `Any` driver: `$n` placeholders, `INSERT … ON CONFLICT …
//! RETURNING`, integers, text and bytes, times as UTC microseconds. Only the migrations (one set
//! per dialect, in `migrations/`) and the few truly dialect-specific statements differ, and
//! those live in [`dialect`].
//!
//! Runtime queries rather than compile-time checked macros: the macros need a live database or
//! an offline cache per dialect at build time, and the same SQL text must serve two databases.
//! The shared test suite (`tests/store_suite.rs`) runs every query against both instead.
#![forbid(unsafe_code)]

pub mod applicants;
pub mod assessment;
pub mod audit;
mod batch;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod certificates;
pub mod datasets;
pub mod departments;
pub mod dialect;
pub(crate) mod dynamic;
pub mod evaluations;
mod exec;
pub mod items;
mod lane;
mod migrate;
pub mod operations;
pub mod outbox;
pub mod reader;
pub mod regions;
pub mod sessions;
pub mod sharing;
pub mod supervision;
pub mod systems;
pub mod testkit;
pub mod users;

pub use dialect::Dialect;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::path::Path;
use std::time::Duration;

/// Errors of the storage layer. The server maps them to problem documents:
/// `NotFound` → 404, `Conflict` → 409, `Invalid` → 422; a failure of the storage itself
/// ([`StoreError::is_storage_failure`]: disk full, read-only, database unreachable, a background
/// writer stopped) → 503 with `Retry-After`; any other `Database` error → 500 (logged, not
/// shown).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// A uniqueness or reference rule would be broken; the text names what.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// An error of a SQLite connection of our own (a lane, see [`lane`]).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A background writer or reader failed or has stopped (the text says which and why).
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if leaves_connections_read_only(&e) {
            health::failed();
        }
        if unstorable_text(&e) {
            return StoreError::Invalid(
                "文本含有数据库不能保存的字符（NUL） / the text contains a NUL character".into(),
            );
        }
        StoreError::Database(e)
    }
}

/// Whether PostgreSQL refused a text value it cannot hold (a NUL character: SQLSTATE 22021, or
/// 22P05): the request's fault, not the storage's. Services check text first; this is the last
/// line, so that no such value ever becomes a server error.
fn unstorable_text(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_some()
            && db.code().is_some_and(|c| c == "22021" || c == "22P05"))
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if sqlite_code(&e).is_some_and(|n| n & 0xff == 8) {
            health::failed();
        }
        StoreError::Sqlite(e)
    }
}

/// The extended result code of a SQLite failure on a lane's connection.
fn sqlite_code(e: &rusqlite::Error) -> Option<i64> {
    match e {
        rusqlite::Error::SqliteFailure(failure, _) => Some(i64::from(failure.extended_code)),
        _ => None,
    }
}

/// Whether a SQLite result code says the storage failed: busy, locked, read-only, I/O, full,
/// cannot open (the primary code is the low byte of the extended one).
fn sqlite_storage_failure(code: i64) -> bool {
    matches!(code & 0xff, 5 | 6 | 8 | 10 | 13 | 14)
}

impl StoreError {
    /// Whether the storage itself failed (full, read-only, unreachable, a writer stopped) rather
    /// than the request: such errors pass once the storage recovers, and are answered as 503.
    pub fn is_storage_failure(&self) -> bool {
        match self {
            StoreError::Database(e) => storage_failure(e),
            StoreError::Sqlite(e) => sqlite_code(e).is_some_and(sqlite_storage_failure),
            StoreError::Unavailable(_) => true,
            _ => false,
        }
    }
}

/// Whether an error of the database driver is a failure of the storage (see
/// [`StoreError::is_storage_failure`]): SQLite's busy, locked, read-only, I/O, full and
/// cannot-open results; PostgreSQL's connection exceptions, insufficient resources (disk full),
/// operator intervention (shutdown, termination), read-only transactions, system I/O errors,
/// serialization failures and deadlocks; lost connections and pool time-outs.
pub fn storage_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                code.parse::<i64>().is_ok_and(sqlite_storage_failure)
            } else {
                // PostgreSQL's SQLSTATE classes and codes.
                code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57P")
                    || code.starts_with("58")
                    || matches!(code.as_str(), "25006" | "40001" | "40P01")
            }
        }
        _ => false,
    }
}

/// Whether a failure may have left connections unable to write for good: SQLite opens a file it
/// cannot write read-only without saying so, and such a connection stays read-only after the
/// data directory is writable again. Other failures (a full disk, a lock) pass with the cause,
/// and the connections stay good.
fn leaves_connections_read_only(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
            && db.code().and_then(|c| c.parse::<i64>().ok()).is_some_and(|n| n & 0xff == 8))
}

/// Failures that may have spoiled connections: those open when one happened are not handed
/// out again, so the next request gets a fresh connection.
pub mod health {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    /// Microseconds after [`START`] of the last storage failure (0: none).
    static LAST_FAILURE: AtomicU64 = AtomicU64::new(0);

    fn now() -> u64 {
        START.elapsed().as_micros() as u64 + 1
    }

    /// Note a storage failure now.
    pub fn failed() {
        LAST_FAILURE.store(now(), Ordering::Release);
    }

    /// Whether a connection of this age was open at the last storage failure.
    pub(crate) fn predates_last_failure(age: Duration) -> bool {
        let last = LAST_FAILURE.load(Ordering::Acquire);
        last != 0 && now().saturating_sub(age.as_micros() as u64) <= last
    }
}

/// Turn constraint violations into client errors; everything else stays a database error.
pub(crate) fn classify(e: sqlx::Error, what: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return conflict_unique(what);
        }
        if db.is_foreign_key_violation() {
            return conflict_reference(what);
        }
    }
    StoreError::from(e)
}

/// `what` would break a uniqueness rule.
pub(crate) fn conflict_unique(what: &str) -> StoreError {
    StoreError::Conflict(format!("{what} already exists"))
}

/// `what` would break a reference rule.
pub(crate) fn conflict_reference(what: &str) -> StoreError {
    StoreError::Conflict(format!(
        "{what} refers to something that does not exist or is still referred to"
    ))
}

/// Current time as UTC microseconds.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Paging for lists: at most [`Page::MAX`] rows.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const MAX: i64 = 200;
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Self {
        Page {
            limit: limit.unwrap_or(50).clamp(1, Self::MAX),
            offset: offset.unwrap_or(0).max(0),
        }
    }
    pub fn all() -> Self {
        Page {
            limit: i64::MAX / 2,
            offset: 0,
        }
    }
}

/// The database behind Yici.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    audit: Option<std::sync::Arc<audit::AuditKeys>>,
    /// Bumped after every committed change to who may read what; see [`Store::generation`].
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The SQLite database file, which the hot path's lanes open too (see [`lane`]).
    file: Option<std::sync::Arc<std::path::PathBuf>>,
    /// On SQLite, the turn of this process's writers for the write lock (see [`WriteTx`]).
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// On SQLite, the group commit of the one window's writes (see [`batch`]).
    group: Option<std::sync::Arc<batch::GroupWriter>>,
}

/// A write transaction. On SQLite the pool's writers take turns for the database's write lock
/// in the order they ask (an async lock held from `BEGIN` until the commit, rollback or drop),
/// instead of each polling SQLite's busy handler, whose sleeps of 1, 2, 5, 10 … ms oversleep
/// transactions that hold the lock for a millisecond. Used as the connection it runs on.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

impl WriteTx {
    /// Commit; the next writer's turn follows.
    pub async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Roll back; the next writer's turn follows.
    pub async fn rollback(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dialect", &self.dialect).finish()
    }
}

impl Store {
    /// Open the embedded SQLite database under `dir` (created if missing).
    pub async fn open_dir(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Invalid(format!("cannot create data directory {}: {e}", dir.display())))?;
        let file = dir.join("yici.db");
        Self::open(&format!("sqlite://{}?mode=rwc", file.display())).await
    }

    /// Open by URL (`sqlite://…` or `postgres://…`) and apply pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)
            .ok_or_else(|| StoreError::Invalid("database URL must start with sqlite:// or postgres://".into()))?;
        // A connection never goes back to the pool inside a transaction (a failed COMMIT or
        // ROLLBACK can leave one open), and none that was open when a failure may have spoiled
        // it (see `health`) is handed out again.
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .after_release(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
            .before_acquire(|_, meta| Box::pin(async move { Ok(!health::predates_last_failure(meta.age)) }));
        let pool = match dialect {
            Dialect::Sqlite => {
                // An embedded connection cannot be dropped by a server, so it is not pinged before
                // every use (a round trip to its worker thread for nothing).
                options
                    .max_connections(8)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::raw_sql(dialect::SQLITE_PRAGMAS).execute(conn).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Dialect::Postgres => options.max_connections(16).connect(url).await?,
        };
        let store = Store {
            pool,
            dialect,
            audit: None,
            generation: Default::default(),
            file: lane::sqlite_file(url).map(std::sync::Arc::new),
            write_turn: (dialect == Dialect::Sqlite).then(Default::default),
            group: (dialect == Dialect::Sqlite).then(Default::default),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// The same store, writing its audit entries with `keys`.
    pub fn with_audit_keys(mut self, keys: std::sync::Arc<audit::AuditKeys>) -> Self {
        self.audit = Some(keys);
        self
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The SQLite database file (none for PostgreSQL and in-memory databases).
    pub(crate) fn sqlite_file(&self) -> Option<&Path> {
        self.file.as_deref().map(|p| p.as_path())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begin a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`, waiting up to the busy timeout): a deferred transaction that reads and then
    /// writes fails at once with "database is locked" when another writer committed in between.
    pub async fn begin(&self) -> Result<WriteTx> {
        Ok(match self.dialect {
            Dialect::Sqlite => {
                let turn = self.write_turn().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: turn,
                }
            }
            Dialect::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    /// On SQLite, this process's turn for the write lock (held until dropped).
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.write_turn {
            Some(t) => Some(t.clone().lock_owned().await),
            None => None,
        }
    }

    /// Commit a write transaction and mark everything cached from the store as stale.
    ///
    /// Every write commits this way except the audit log, the quota counts and the outbox, which
    /// never change who may read what and commit directly so as not to empty caches thousands
    /// of times a second.
    pub(crate) async fn commit(&self, tx: WriteTx) -> Result<()> {
        let result = tx.commit().await;
        // Bumped even when the commit reports an error: the connection may have failed after
        // the database committed.
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(result?)
    }

    /// Commit a write transaction to tables nothing is cached from (a case's rows, its
    /// timeline): the caches stay current, so that thousands of cases an hour do not make every
    /// cached item, calendar and name be read again.
    pub(crate) async fn commit_uncached(&self, tx: WriteTx) -> Result<()> {
        Ok(tx.commit().await?)
    }

    /// A counter that grows after every committed change made through this store (and its
    /// clones). A value read before loading something from the store and unchanged afterwards
    /// proves the loaded value is still current, as far as this process knows: bumping after the
    /// commit means a load that raced with a change is tagged with the older generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Readiness: the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Commit a one-row write: ready means writes succeed, not only reads (a full disk or a
    /// read-only data directory still answers reads).
    pub async fn write_probe(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE health_probe SET at = $1 WHERE id = 1")
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn get_i64(row: &impl exec::Columns, col: &str) -> Result<i64> {
    row.i64(col)
}
pub(crate) fn get_str(row: &impl exec::Columns, col: &str) -> Result<String> {
    row.str(col)
}
pub(crate) fn get_opt_i64(row: &impl exec::Columns, col: &str) -> Result<Option<i64>> {
    row.opt_i64(col)
}
pub(crate) fn get_opt_str(row: &impl exec::Columns, col: &str) -> Result<Option<String>> {
    row.opt_str(col)
}
