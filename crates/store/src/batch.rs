//! Group commit of the one window's writes on SQLite.
//!
//! SQLite has one write lock and, with `synchronous = FULL`, flushes the write-ahead log at
//! every commit, writing whole pages: a case written alone rewrites the same leaf pages of its
//! tables and indexes that the case before it rewrote. Writes that arrive while the lock is
//! taken therefore wait in a queue, and one writer task takes them all at once: one
//! transaction, each write in a savepoint of its own (a write that fails is rolled back alone
//! and gets its own error), one commit, then every caller gets its outcome. A write is reported
//! done only once its group has committed; if the commit fails, every write of the group gets
//! the error and nothing of the group is written.
//!
//! The writer task owns each write once queued, so a caller that goes away (a client that
//! disconnects) cannot leave a write half done. PostgreSQL runs each write in its own
//! transaction: its writers do not share one lock.
//!
//! The writer runs on a thread of its own, on a SQLite connection of its own (a lane, see
//! [`crate::lane`]): a group of some twenty statements per write is then a series of calls on
//! that thread, where each statement on a pool's connection is a handoff to sqlx's worker
//! thread and back. The writes' statements are written once for both kinds of connection
//! ([`crate::exec`]). An in-memory database, which a second connection could not see, is
//! written through the pool.

use crate::exec::{Conn, sql};
use crate::{Result, Store, StoreError, WriteTx};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// A future borrowing the connection it writes on.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The most writes committed together.
const MAX_GROUP: usize = 64;

/// Statements the group writer's connection keeps prepared: every statement of the one
/// window's writes, with room to spare.
const PREPARED: usize = 96;

/// A queued write: run on the group's connection, then told how the group's commit went.
trait Job: Send {
    /// Run the write; whether it succeeded, and what to tell its caller after the commit.
    fn run<'c>(self: Box<Self>, conn: Conn<'c>) -> BoxFuture<'c, (bool, Box<dyn Finish>)>;
    /// Not run: the group could not start.
    fn fail(self: Box<Self>, why: String);
}

/// What a write tells its caller once the group's commit is known.
trait Finish: Send {
    fn finish(self: Box<Self>, committed: std::result::Result<(), String>);
}

struct Write<T, F> {
    work: F,
    reply: oneshot::Sender<Result<T>>,
}

struct Outcome<T> {
    result: Result<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Job for Write<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(Conn<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static,
{
    fn run<'c>(self: Box<Self>, conn: Conn<'c>) -> BoxFuture<'c, (bool, Box<dyn Finish>)> {
        Box::pin(async move {
            let Write { work, reply } = *self;
            let result = work(conn).await;
            let ok = result.is_ok();
            let finish: Box<dyn Finish> = Box::new(Outcome { result, reply });
            (ok, finish)
        })
    }

    fn fail(self: Box<Self>, why: String) {
        let _ = self.reply.send(Err(StoreError::Unavailable(why)));
    }
}

impl<T: Send> Finish for Outcome<T> {
    fn finish(self: Box<Self>, committed: std::result::Result<(), String>) {
        let result = match (self.result, committed) {
            (Err(e), _) => Err(e),
            (Ok(t), Ok(())) => Ok(t),
            (Ok(_), Err(why)) => Err(StoreError::Unavailable(format!("not committed: {why}"))),
        };
        let _ = self.reply.send(result);
    }
}

/// The queue of writes waiting for the group writer.
#[derive(Clone)]
pub(crate) struct Batcher {
    sender: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl Batcher {
    /// Start the group writer over `store` (a clone without a batcher of its own), on a lane
    /// of its own if `lane` and the database is a file.
    fn start(store: Store, lane: bool) -> Batcher {
        let (sender, receiver) = mpsc::unbounded_channel();
        // A thread of its own: the writer holds the write lock from its first statement to its
        // commit, so it never waits behind the request tasks on the runtime's workers.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let started = runtime.map_err(|e| e.to_string()).and_then(|runtime| {
            let (store, receiver) = (store.clone(), receiver);
            std::thread::Builder::new()
                .name("yici-group-write".into())
                .spawn(move || {
                    let lane = if lane { open_lane(&store) } else { None };
                    runtime.block_on(writer(store, lane, receiver))
                })
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        if let Err(e) = started {
            tracing::warn!(error = %e, "cannot start the group writer's thread; writing on the runtime");
            let (s, r) = mpsc::unbounded_channel();
            tokio::spawn(writer(store, None, r));
            return Batcher { sender: s };
        }
        Batcher { sender }
    }
}

/// The group writer's own connection to the database file, if there is a file and it opens.
fn open_lane(store: &Store) -> Option<rusqlite::Connection> {
    let path = store.sqlite_file()?;
    match crate::lane::open(path, false) {
        Ok(conn) => {
            conn.set_prepared_statement_cache_capacity(PREPARED);
            Some(conn)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot open the group writer's connection; writing through the pool");
            None
        }
    }
}

/// The group writer of a store, started on first use (again if the runtime it ran on has gone).
#[derive(Default)]
pub(crate) struct GroupWriter {
    batcher: std::sync::Mutex<Option<Batcher>>,
    /// Write through the pool even when a lane could open (the fallback, for its tests).
    through_pool: bool,
}

impl GroupWriter {
    /// A group writer that writes through the pool.
    pub(crate) fn through_pool() -> GroupWriter {
        GroupWriter {
            through_pool: true,
            ..Default::default()
        }
    }

    fn sender(&self, store: &Store) -> mpsc::UnboundedSender<Box<dyn Job>> {
        let mut slot = self.batcher.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(b) if !b.sender.is_closed() => b.sender.clone(),
            _ => {
                let mut own = store.clone();
                own.group = None;
                let b = Batcher::start(own, !self.through_pool);
                let sender = b.sender.clone();
                *slot = Some(b);
                sender
            }
        }
    }
}

impl Store {
    /// Run `work` in a write transaction and commit it, without marking what is cached as
    /// stale (for the one window's cases, which no cache holds). On SQLite, writes that arrive
    /// together commit together (see the module's notes); the result is returned once the
    /// write is committed.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(Conn<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let Some(group) = &self.group else {
            let mut tx = self.begin().await?;
            let t = work(Conn::Pool(&mut tx)).await?;
            self.commit_uncached(tx).await?;
            return Ok(t);
        };
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Write { work, reply });
        group
            .sender(self)
            .send(job)
            .map_err(|_| StoreError::Unavailable("the group writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the group writer has stopped".into()))?
    }
}

async fn writer(
    store: Store,
    mut lane: Option<rusqlite::Connection>,
    mut receiver: mpsc::UnboundedReceiver<Box<dyn Job>>,
) {
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        commit_group(&store, lane.as_mut(), jobs).await;
    }
}

/// The transaction a group runs in.
enum GroupTx<'l> {
    Pool(WriteTx),
    Lane {
        conn: &'l mut rusqlite::Connection,
        /// This process's turn for the write lock, as the pool's writers take it.
        _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    },
}

impl<'l> GroupTx<'l> {
    async fn begin(store: &Store, lane: Option<&'l mut rusqlite::Connection>) -> Result<GroupTx<'l>> {
        let Some(conn) = lane else {
            return Ok(GroupTx::Pool(store.begin().await?));
        };
        let turn = store.write_turn().await;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(GroupTx::Lane { conn, _turn: turn })
    }

    fn conn(&mut self) -> Conn<'_> {
        match self {
            GroupTx::Pool(tx) => Conn::Pool(tx),
            GroupTx::Lane { conn, .. } => Conn::Lane(conn),
        }
    }

    async fn commit(self, store: &Store) -> Result<()> {
        match self {
            GroupTx::Pool(tx) => store.commit_uncached(tx).await,
            GroupTx::Lane { conn, .. } => {
                let committed = conn.execute_batch("COMMIT");
                if committed.is_err() && !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                Ok(committed?)
            }
        }
    }

    async fn rollback(self) {
        match self {
            GroupTx::Pool(tx) => {
                let _ = tx.rollback().await;
            }
            GroupTx::Lane { conn, .. } => {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
            }
        }
    }
}

/// Run `jobs` in one transaction, each in its savepoint, and commit them together.
async fn commit_group(store: &Store, lane: Option<&mut rusqlite::Connection>, jobs: Vec<Box<dyn Job>>) {
    let mut tx = match GroupTx::begin(store, lane).await {
        Ok(tx) => tx,
        Err(e) => {
            let why = e.to_string();
            for job in jobs {
                job.fail(why.clone());
            }
            return;
        }
    };
    let mut done: Vec<Box<dyn Finish>> = Vec::with_capacity(jobs.len());
    let mut broken: Option<String> = None;
    for job in jobs {
        if let Some(why) = &broken {
            job.fail(why.clone());
            continue;
        }
        if let Err(e) = sql("SAVEPOINT group_write").execute(&mut tx.conn()).await {
            broken = Some(e.to_string());
            job.fail(e.to_string());
            continue;
        }
        let (ok, finish) = job.run(tx.conn()).await;
        // A write that failed is undone alone (back to its own savepoint, the newest of that
        // name); the group goes on. Savepoints of writes that succeeded stay open until the
        // commit, which keeps all: a statement saved per write.
        if !ok && let Err(e) = sql("ROLLBACK TO group_write").execute(&mut tx.conn()).await {
            broken = Some(e.to_string());
        }
        done.push(finish);
    }
    let committed = match broken {
        Some(why) => {
            tx.rollback().await;
            Err(why)
        }
        None => tx.commit(store).await.map_err(|e| e.to_string()),
    };
    for finish in done {
        finish.finish(committed.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn runs_on_lane(store: &Store) -> bool {
        store
            .write(|conn| Box::pin(async move { Ok(matches!(conn, Conn::Lane(_))) }))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_database_file_is_written_on_the_lane_and_the_fallback_through_the_pool() {
        let on_file = crate::testkit::sqlite().await;
        assert!(runs_on_lane(&on_file.store).await);
        let fallback = crate::testkit::sqlite_through_pool().await;
        assert!(!runs_on_lane(&fallback.store).await);
    }
}
