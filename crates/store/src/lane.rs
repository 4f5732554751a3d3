//! SQLite lanes: a connection of our own, on a thread of its own, that takes a whole group of
//! work per handoff.
//!
//! sqlx runs each SQLite connection on a worker thread and hands it every statement and every
//! row separately, so a statement costs several thread switches and each row one more. The
//! exchange's hot path — the group reads of aggregated rows ([`crate::reader::RowReader`]) and
//! the group commit of audit entries ([`crate::audit::AuditWriter`]) — runs thousands of times
//! a second; on SQLite it therefore runs in lanes: one handoff per group, statements prepared
//! once, rows read in place. PostgreSQL keeps the pool (its connections are sockets, driven by
//! the runtime without threads of their own).
//!
//! A lane's connection opens the same database file with the same settings as the pool
//! (`dialect::SQLITE_PRAGMAS`): write-ahead log, `synchronous = FULL`, foreign keys, a busy
//! timeout, so the pool and the lanes take turns for the write lock as any two connections do.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database file behind a `sqlite://` URL, or `None` for an in-memory database (which a
/// second connection could not see) and for other URLs.
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path.contains(":memory:") || query.split('&').any(|p| p == "mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Open a lane's connection to the database file; `read_only` lanes refuse to write.
pub(crate) fn open(path: &Path, read_only: bool) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(crate::dialect::SQLITE_PRAGMAS)?;
    // After the pragmas, which set the library's own busy timeout.
    conn.busy_handler(Some(wait_for_lock))?;
    if read_only {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

/// How long a lane waits for a lock held by another connection before giving up.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);
/// The step of that wait.
const LOCK_STEP: Duration = Duration::from_micros(250);

thread_local! {
    /// When the current wait for a lock began (each lane is one thread).
    static WAITING_SINCE: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
}

/// Wait for a lock in short steps, up to [`LOCK_TIMEOUT`] in all. SQLite's own busy timeout
/// sleeps 1, 2, 5, 10 … ms in turn, and so oversleeps a lock held for a few milliseconds by up
/// to twice.
fn wait_for_lock(attempt: i32) -> bool {
    let now = std::time::Instant::now();
    let since = WAITING_SINCE.with(|w| {
        let since = match w.get() {
            Some(t) if attempt > 0 => t,
            _ => now,
        };
        w.set(Some(since));
        since
    });
    if now.duration_since(since) >= LOCK_TIMEOUT {
        return false;
    }
    std::thread::sleep(LOCK_STEP);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_have_a_file_and_memory_urls_do_not() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/yici/yici.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/yici/yici.db"))
        );
        assert_eq!(sqlite_file("sqlite:data/yici.db"), Some(PathBuf::from("data/yici.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://shared.db?mode=memory&cache=shared"), None);
        assert_eq!(sqlite_file("postgres://localhost/yici"), None);
    }
}
