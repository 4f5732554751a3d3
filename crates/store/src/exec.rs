//! The statements of the one window's writes, run on either kind of connection: a pool's
//! (sqlx: PostgreSQL, or an in-memory SQLite database) or the group writer's own SQLite
//! connection (a lane, see [`crate::lane`]), where a statement is a call on the writer's own
//! thread rather than a handoff to sqlx's worker thread and back.
//!
//! Each statement is written once, with numbered placeholders (`$1` …) or the dialect's
//! placeholders ([`crate::Dialect::placeholder`]), which sqlx and SQLite read alike: a `$n`
//! takes the n-th value bound, a bare `?` the next one. The values are integers and text, each
//! possibly null, bound the same way on both.

use crate::{Result, StoreError};
use rusqlite::types::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};
use std::borrow::Cow;
use std::sync::Arc;

/// The connection a write runs on.
pub(crate) enum Conn<'c> {
    /// A pool's connection, inside its transaction.
    Pool(&'c mut AnyConnection),
    /// The group writer's SQLite connection, inside its transaction.
    Lane(&'c mut rusqlite::Connection),
}

/// A value bound to a placeholder. A null keeps its type: PostgreSQL checks it against the
/// column.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<&i64> for Arg {
    fn from(v: &i64) -> Self {
        Arg::Int(Some(*v))
    }
}
impl From<&Option<i64>> for Arg {
    fn from(v: &Option<i64>) -> Self {
        Arg::Int(*v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}

/// A statement with its values.
pub(crate) struct Sql {
    text: Cow<'static, str>,
    args: Vec<Arg>,
    persistent: bool,
    /// What a broken uniqueness or reference rule is about (see [`crate::classify`]).
    naming: Option<&'static str>,
}

/// A statement written in the code.
pub(crate) fn sql(text: &'static str) -> Sql {
    Sql {
        text: Cow::Borrowed(text),
        args: Vec::new(),
        persistent: true,
        naming: None,
    }
}

impl Sql {
    /// A statement put together at run time: only placeholders may be interpolated, every
    /// value is bound.
    pub(crate) fn built(text: String) -> Sql {
        Sql {
            text: Cow::Owned(text),
            args: Vec::new(),
            persistent: true,
            naming: None,
        }
    }

    /// Whether the connection keeps the statement prepared (the default).
    pub(crate) fn persistent(mut self, keep: bool) -> Self {
        self.persistent = keep;
        self
    }

    pub(crate) fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// A broken uniqueness or reference rule is a conflict about `what` (see
    /// [`crate::classify`]); other failures stay database errors.
    pub(crate) fn naming(mut self, what: &'static str) -> Self {
        self.naming = Some(what);
        self
    }

    /// Run the statement; the number of rows it changed.
    pub(crate) async fn execute(self, conn: &mut Conn<'_>) -> Result<u64> {
        let naming = self.naming;
        match conn {
            Conn::Pool(c) => match self.pool_query().execute(&mut **c).await {
                Ok(done) => Ok(done.rows_affected()),
                Err(e) => Err(pool_error(e, naming)),
            },
            Conn::Lane(c) => lane_execute(c, &self).map_err(|e| lane_error(e, naming)),
        }
    }

    /// Run the statement; every row it returns.
    pub(crate) async fn fetch_all(self, conn: &mut Conn<'_>) -> Result<Vec<Row>> {
        let naming = self.naming;
        match conn {
            Conn::Pool(c) => match self.pool_query().fetch_all(&mut **c).await {
                Ok(rows) => Ok(rows.into_iter().map(Row::Pool).collect()),
                Err(e) => Err(pool_error(e, naming)),
            },
            Conn::Lane(c) => lane_fetch(c, &self).map_err(|e| lane_error(e, naming)),
        }
    }

    /// Run the statement; its first row, if any.
    pub(crate) async fn fetch_optional(self, conn: &mut Conn<'_>) -> Result<Option<Row>> {
        Ok(self.fetch_all(conn).await?.into_iter().next())
    }

    /// Run the statement; its first row, which must be there.
    pub(crate) async fn fetch_one(self, conn: &mut Conn<'_>) -> Result<Row> {
        self.fetch_optional(conn)
            .await?
            .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
    }

    fn pool_query(self) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let q = match self.text {
            Cow::Borrowed(text) => sqlx::query(text),
            Cow::Owned(text) => sqlx::query(AssertSqlSafe(text)),
        };
        self.args
            .into_iter()
            .fold(q.persistent(self.persistent), |q, arg| match arg {
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
            })
    }
}

fn pool_error(e: sqlx::Error, naming: Option<&str>) -> StoreError {
    match naming {
        Some(what) => crate::classify(e, what),
        None => StoreError::from(e),
    }
}

/// SQLite's extended result codes for broken rules.
const UNIQUE: i32 = 2067;
const PRIMARY_KEY: i32 = 1555;
const FOREIGN_KEY: i32 = 787;

fn lane_error(e: rusqlite::Error, naming: Option<&str>) -> StoreError {
    if let (Some(what), rusqlite::Error::SqliteFailure(failure, _)) = (naming, &e) {
        match failure.extended_code {
            UNIQUE | PRIMARY_KEY => return crate::conflict_unique(what),
            FOREIGN_KEY => return crate::conflict_reference(what),
            _ => {}
        }
    }
    StoreError::from(e)
}

/// Prepare (or take the prepared) statement, bind its values and run `f` on it.
fn on_statement<T>(
    conn: &rusqlite::Connection,
    sql: &Sql,
    f: impl FnOnce(&mut rusqlite::Statement<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    if sql.persistent {
        let mut statement = conn.prepare_cached(&sql.text)?;
        bind(&mut statement, &sql.args)?;
        f(&mut statement)
    } else {
        let mut statement = conn.prepare(&sql.text)?;
        bind(&mut statement, &sql.args)?;
        f(&mut statement)
    }
}

/// Bind as sqlx does: `$n` (or `?n`) takes the n-th value, a bare `?` the next one.
fn bind(statement: &mut rusqlite::Statement<'_>, args: &[Arg]) -> rusqlite::Result<()> {
    for index in 1..=statement.parameter_count() {
        let n = match statement.parameter_name(index) {
            None => index,
            Some(name) => name
                .strip_prefix('$')
                .or_else(|| name.strip_prefix('?'))
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_string()))?,
        };
        match n.checked_sub(1).and_then(|i| args.get(i)) {
            Some(Arg::Int(v)) => statement.raw_bind_parameter(index, v)?,
            Some(Arg::Text(v)) => statement.raw_bind_parameter(index, v)?,
            None => return Err(rusqlite::Error::InvalidParameterCount(n, args.len())),
        }
    }
    Ok(())
}

fn lane_execute(conn: &rusqlite::Connection, sql: &Sql) -> rusqlite::Result<u64> {
    on_statement(conn, sql, |statement| Ok(statement.raw_execute()? as u64))
}

fn lane_fetch(conn: &rusqlite::Connection, sql: &Sql) -> rusqlite::Result<Vec<Row>> {
    on_statement(conn, sql, |statement| {
        let names: Arc<[String]> = statement.column_names().into_iter().map(String::from).collect();
        let mut rows = statement.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..names.len())
                .map(|i| row.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            out.push(Row::Lane {
                names: names.clone(),
                values,
            });
        }
        Ok(out)
    })
}

/// A row returned by a statement.
pub(crate) enum Row {
    Pool(AnyRow),
    Lane { names: Arc<[String]>, values: Vec<Value> },
}

impl Row {
    fn lane_value(names: &[String], values: &[Value], column: &str) -> Result<Value> {
        names
            .iter()
            .position(|n| n == column)
            .and_then(|i| values.get(i).cloned())
            .ok_or_else(|| StoreError::Sqlite(rusqlite::Error::InvalidColumnName(column.to_string())))
    }
}

/// The typed columns of a row, by name, of either kind of row.
pub(crate) trait Columns {
    fn opt_i64(&self, column: &str) -> Result<Option<i64>>;
    fn opt_str(&self, column: &str) -> Result<Option<String>>;

    fn i64(&self, column: &str) -> Result<i64> {
        self.opt_i64(column)?.ok_or_else(|| null(column))
    }
    fn str(&self, column: &str) -> Result<String> {
        self.opt_str(column)?.ok_or_else(|| null(column))
    }
}

fn null(column: &str) -> StoreError {
    StoreError::Sqlite(rusqlite::Error::InvalidColumnType(
        0,
        column.to_string(),
        rusqlite::types::Type::Null,
    ))
}

impl Columns for AnyRow {
    fn opt_i64(&self, column: &str) -> Result<Option<i64>> {
        Ok(sqlx::Row::try_get::<Option<i64>, _>(self, column)?)
    }
    fn opt_str(&self, column: &str) -> Result<Option<String>> {
        Ok(sqlx::Row::try_get::<Option<String>, _>(self, column)?)
    }
    fn i64(&self, column: &str) -> Result<i64> {
        Ok(sqlx::Row::try_get::<i64, _>(self, column)?)
    }
    fn str(&self, column: &str) -> Result<String> {
        Ok(sqlx::Row::try_get::<String, _>(self, column)?)
    }
}

impl Columns for Row {
    fn opt_i64(&self, column: &str) -> Result<Option<i64>> {
        match self {
            Row::Pool(r) => r.opt_i64(column),
            Row::Lane { names, values } => match Row::lane_value(names, values, column)? {
                Value::Null => Ok(None),
                Value::Integer(v) => Ok(Some(v)),
                other => Err(wrong_type(column, other)),
            },
        }
    }
    fn opt_str(&self, column: &str) -> Result<Option<String>> {
        match self {
            Row::Pool(r) => r.opt_str(column),
            Row::Lane { names, values } => match Row::lane_value(names, values, column)? {
                Value::Null => Ok(None),
                Value::Text(v) => Ok(Some(v)),
                other => Err(wrong_type(column, other)),
            },
        }
    }
    fn i64(&self, column: &str) -> Result<i64> {
        match self {
            Row::Pool(r) => r.i64(column),
            Row::Lane { .. } => self.opt_i64(column)?.ok_or_else(|| null(column)),
        }
    }
    fn str(&self, column: &str) -> Result<String> {
        match self {
            Row::Pool(r) => r.str(column),
            Row::Lane { .. } => self.opt_str(column)?.ok_or_else(|| null(column)),
        }
    }
}

impl<C: Columns + ?Sized> Columns for &C {
    fn opt_i64(&self, column: &str) -> Result<Option<i64>> {
        (**self).opt_i64(column)
    }
    fn opt_str(&self, column: &str) -> Result<Option<String>> {
        (**self).opt_str(column)
    }
    fn i64(&self, column: &str) -> Result<i64> {
        (**self).i64(column)
    }
    fn str(&self, column: &str) -> Result<String> {
        (**self).str(column)
    }
}

fn wrong_type(column: &str, value: Value) -> StoreError {
    StoreError::Sqlite(rusqlite::Error::InvalidColumnType(
        0,
        column.to_string(),
        value.data_type(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER,
        parent INTEGER REFERENCES t (id));";

    /// A fresh database file with the test table, its pool connection and a lane's connection.
    async fn connections(label: &str) -> (std::path::PathBuf, AnyConnection, rusqlite::Connection) {
        sqlx::any::install_default_drivers();
        let dir = crate::testkit::temp_dir(label);
        let file = dir.join("t.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let mut pool = <AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
        sqlx::raw_sql(crate::dialect::SQLITE_PRAGMAS)
            .execute(&mut pool)
            .await
            .unwrap();
        sqlx::raw_sql(SCHEMA).execute(&mut pool).await.unwrap();
        let lane = crate::lane::open(&file, false).unwrap();
        (dir, pool, lane)
    }

    /// Insert, update and read back through `conn`, with placeholders out of order and used
    /// twice; what was read.
    async fn round_trip(conn: &mut Conn<'_>, name: &str) -> (i64, String, Option<i64>, Option<String>, u64) {
        let id = sql("INSERT INTO t (name, n) VALUES ($2, $1 + $1) RETURNING id")
            .bind(21)
            .bind(name)
            .fetch_one(conn)
            .await
            .unwrap()
            .i64("id")
            .unwrap();
        let changed = sql("UPDATE t SET parent = NULL WHERE id = $1 OR name = $2")
            .bind(id)
            .bind(Option::<String>::None)
            .execute(conn)
            .await
            .unwrap();
        let built = Sql::built("SELECT id, name, n, parent, NULL AS absent FROM t WHERE id = ? AND name = ?".into())
            .persistent(false)
            .bind(id)
            .bind(name);
        let row = built.fetch_one(conn).await.unwrap();
        assert_eq!(row.opt_i64("parent").unwrap(), None);
        assert!(row.i64("parent").is_err(), "a null is not an integer");
        assert!(row.i64("name").is_err(), "text is not an integer");
        assert!(row.str("no_such_column").is_err());
        (
            row.i64("id").unwrap(),
            row.str("name").unwrap(),
            row.opt_i64("n").unwrap(),
            row.opt_str("absent").unwrap(),
            changed,
        )
    }

    #[tokio::test]
    async fn a_statement_runs_alike_on_a_pool_connection_and_on_a_lane() {
        let (dir, mut pool, mut lane) = connections("exec-alike").await;
        let on_pool = round_trip(&mut Conn::Pool(&mut pool), "池").await;
        let on_lane = round_trip(&mut Conn::Lane(&mut lane), "车道").await;
        assert_eq!(on_pool, (1, "池".to_string(), Some(42), None, 1));
        assert_eq!(on_lane, (2, "车道".to_string(), Some(42), None, 1));
        // Each sees what the other wrote.
        for conn in [&mut Conn::Pool(&mut pool), &mut Conn::Lane(&mut lane)] {
            let rows = sql("SELECT name FROM t ORDER BY id").fetch_all(conn).await.unwrap();
            let names: Vec<String> = rows.iter().map(|r| r.str("name").unwrap()).collect();
            assert_eq!(names, ["池", "车道"]);
            assert!(
                sql("SELECT id FROM t WHERE id = 99")
                    .fetch_optional(conn)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert!(sql("SELECT id FROM t WHERE id = 99").fetch_one(conn).await.is_err());
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn broken_rules_are_named_conflicts_on_both_connections() {
        let (dir, mut pool, mut lane) = connections("exec-rules").await;
        sql("INSERT INTO t (name) VALUES ('一')")
            .execute(&mut Conn::Pool(&mut pool))
            .await
            .unwrap();
        for conn in [&mut Conn::Pool(&mut pool), &mut Conn::Lane(&mut lane)] {
            let twice = sql("INSERT INTO t (name) VALUES ($1)")
                .bind("一")
                .naming("the name")
                .execute(conn)
                .await;
            assert!(
                matches!(&twice, Err(StoreError::Conflict(m)) if m == "the name already exists"),
                "{twice:?}"
            );
            let dangling = sql("INSERT INTO t (name, parent) VALUES ($1, 77)")
                .bind("二")
                .naming("the child")
                .execute(conn)
                .await;
            assert!(
                matches!(&dangling, Err(StoreError::Conflict(m)) if m.starts_with("the child refers to")),
                "{dangling:?}"
            );
            // Unnamed, a broken rule stays a database error: not the request's conflict, not a
            // failure of the storage.
            let unnamed = sql("INSERT INTO t (name) VALUES ($1)")
                .bind("一")
                .execute(conn)
                .await
                .unwrap_err();
            assert!(
                !matches!(unnamed, StoreError::Conflict(_)) && !unnamed.is_storage_failure(),
                "{unnamed:?}"
            );
        }
        // Too few values is an error on a lane, never a panic (sqlx leaves the rest null).
        assert!(
            sql("SELECT $2")
                .bind(1)
                .fetch_all(&mut Conn::Lane(&mut lane))
                .await
                .is_err()
        );
        let rows = sql("SELECT COUNT(*) AS n FROM t")
            .fetch_one(&mut Conn::Lane(&mut lane))
            .await
            .unwrap();
        assert_eq!(rows.i64("n").unwrap(), 1, "nothing refused was written");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_locked_database_on_a_lane_is_a_storage_failure() {
        let (dir, _pool, lane) = connections("exec-locked").await;
        lane.execute_batch("BEGIN IMMEDIATE").unwrap();
        // A second connection without a busy handler: the lock is refused at once.
        let mut other = rusqlite::Connection::open(dir.join("t.db")).unwrap();
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        let refused = sql("INSERT INTO t (name) VALUES ('三')")
            .execute(&mut Conn::Lane(&mut other))
            .await
            .unwrap_err();
        assert!(refused.is_storage_failure(), "{refused:?}");
        lane.execute_batch("ROLLBACK").unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
