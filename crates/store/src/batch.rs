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

use crate::{Result, Store, StoreError};
use sqlx::AnyConnection;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// A future borrowing the connection it writes on.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The most writes committed together.
const MAX_GROUP: usize = 64;

/// A queued write: run on the group's connection, then told how the group's commit went.
trait Job: Send {
    /// Run the write; whether it succeeded, and what to tell its caller after the commit.
    fn run<'c>(self: Box<Self>, conn: &'c mut AnyConnection) -> BoxFuture<'c, (bool, Box<dyn Finish>)>;
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
    F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
{
    fn run<'c>(self: Box<Self>, conn: &'c mut AnyConnection) -> BoxFuture<'c, (bool, Box<dyn Finish>)> {
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
    /// Start the group writer over `store` (a clone without a batcher of its own).
    fn start(store: Store) -> Batcher {
        let (sender, receiver) = mpsc::unbounded_channel();
        // A thread of its own: the writer holds the write lock from its first statement to its
        // commit, so each statement's answer is taken up at once, not after the request tasks
        // queued before it on the runtime's workers.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let started = runtime.map_err(|e| e.to_string()).and_then(|runtime| {
            let (store, receiver) = (store.clone(), receiver);
            std::thread::Builder::new()
                .name("yici-group-write".into())
                .spawn(move || runtime.block_on(writer(store, receiver)))
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        if let Err(e) = started {
            tracing::warn!(error = %e, "cannot start the group writer's thread; writing on the runtime");
            let (s, r) = mpsc::unbounded_channel();
            tokio::spawn(writer(store, r));
            return Batcher { sender: s };
        }
        Batcher { sender }
    }
}

/// The group writer of a store, started on first use (again if the runtime it ran on has gone).
#[derive(Default)]
pub(crate) struct GroupWriter {
    batcher: std::sync::Mutex<Option<Batcher>>,
}

impl GroupWriter {
    fn sender(&self, store: &Store) -> mpsc::UnboundedSender<Box<dyn Job>> {
        let mut slot = self.batcher.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(b) if !b.sender.is_closed() => b.sender.clone(),
            _ => {
                let mut own = store.clone();
                own.group = None;
                let b = Batcher::start(own);
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
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let Some(group) = &self.group else {
            let mut tx = self.begin().await?;
            let t = work(&mut tx).await?;
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

async fn writer(store: Store, mut receiver: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        commit_group(&store, jobs).await;
    }
}

/// Run `jobs` in one transaction, each in its savepoint, and commit them together.
async fn commit_group(store: &Store, jobs: Vec<Box<dyn Job>>) {
    let mut tx = match store.begin().await {
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
        if let Err(e) = sqlx::query("SAVEPOINT group_write").execute(&mut *tx).await {
            broken = Some(e.to_string());
            job.fail(e.to_string());
            continue;
        }
        let (ok, finish) = job.run(&mut tx).await;
        // A write that failed is undone alone (back to its own savepoint, the newest of that
        // name); the group goes on. Savepoints of writes that succeeded stay open until the
        // commit, which keeps all: a statement saved per write.
        if !ok && let Err(e) = sqlx::query("ROLLBACK TO group_write").execute(&mut *tx).await {
            broken = Some(e.to_string());
        }
        done.push(finish);
    }
    let committed = match broken {
        Some(why) => {
            let _ = tx.rollback().await;
            Err(why)
        }
        None => store.commit_uncached(tx).await.map_err(|e| e.to_string()),
    };
    for finish in done {
        finish.finish(committed.clone());
    }
}
