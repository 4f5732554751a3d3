//! Group commit for entries that are not part of another transaction (reads of personal data,
//! refusals): concurrent callers' entries are written together in one transaction, and each
//! caller returns only after that transaction has committed.
//!
//! On SQLite the writer is a lane ([`crate::lane`]): a thread with its own connection that
//! inserts a whole group through one prepared statement in one transaction; the caller builds
//! its entry's content (canonical JSON, subject digests) before handing it over. The lane also
//! sequences the log ([`AuditWriter::sequence`]) one step at a time between groups, so the
//! sequencer never holds the write lock while entries wait for it.

use super::EntryRow;
use crate::{Result, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, mpsc, oneshot};
use yici_core::audit::AuditEvent;

type Reply = oneshot::Sender<std::result::Result<i64, String>>;
type Job = (AuditEvent, Reply);
type LaneJob = (AuditEvent, EntryRow, Reply);
type Sequenced = oneshot::Sender<std::result::Result<u64, String>>;

/// What the writer lane is handed.
enum Work {
    Entry(Box<LaneJob>),
    /// Sequence the entries pending now; the answer is how many entries were sequenced meanwhile.
    Sequence(Sequenced),
}

/// The largest group written in one transaction.
const MAX_GROUP: usize = 2000;

/// A handle to the group-commit writer; clone it freely.
#[derive(Clone)]
pub struct AuditWriter {
    route: Route,
    store: Store,
    /// Woken after every commit, so a sequencer can follow at once.
    pub committed: Arc<Notify>,
}

#[derive(Clone)]
enum Route {
    /// Writer tasks over the pool.
    Pool(mpsc::Sender<Job>),
    /// The SQLite writer lane; the store builds each entry's content before the handoff.
    Lane(mpsc::Sender<Work>),
}

impl AuditWriter {
    /// Start the writer: on SQLite one lane (SQLite has one writer at a time), otherwise
    /// `workers` tasks over the pool (a few suit PostgreSQL).
    pub fn start(store: Store, workers: usize) -> Self {
        let committed = Arc::new(Notify::new());
        if let Some(path) = store.sqlite_file() {
            match crate::lane::open(path, false) {
                Ok(conn) => {
                    let (sender, receiver) = mpsc::channel::<Work>(65_536);
                    let notify = committed.clone();
                    let lane = std::thread::Builder::new()
                        .name("yici-audit".into())
                        .spawn(move || run_lane(conn, receiver, notify));
                    match lane {
                        Ok(_) => {
                            return AuditWriter {
                                route: Route::Lane(sender),
                                store,
                                committed,
                            };
                        }
                        Err(e) => tracing::warn!(error = %e, "cannot start the audit lane; writing through the pool"),
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open the audit lane's connection; writing through the pool")
                }
            }
        }
        let (sender, receiver) = mpsc::channel::<Job>(65_536);
        let receiver = Arc::new(Mutex::new(receiver));
        let writer_store = store.clone();
        for _ in 0..workers.max(1) {
            let (store, receiver, committed) = (store.clone(), receiver.clone(), committed.clone());
            tokio::spawn(async move {
                loop {
                    let mut group = Vec::new();
                    {
                        let mut rx = receiver.lock().await;
                        match rx.recv().await {
                            Some(job) => group.push(job),
                            None => return,
                        }
                        while group.len() < MAX_GROUP {
                            match rx.try_recv() {
                                Ok(job) => group.push(job),
                                Err(_) => break,
                            }
                        }
                    }
                    let events: Vec<AuditEvent> = group.iter().map(|(e, _)| e.clone()).collect();
                    match store.audit_append_batch(&events).await {
                        Ok(ids) => {
                            for ((_, reply), id) in group.into_iter().zip(ids) {
                                let _ = reply.send(Ok(id));
                            }
                            committed.notify_waiters();
                        }
                        Err(e) => {
                            tracing::error!(error = %e, entries = group.len(), "audit group commit failed");
                            for (_, reply) in group {
                                let _ = reply.send(Err(e.to_string()));
                            }
                        }
                    }
                }
            });
        }
        AuditWriter {
            route: Route::Pool(sender),
            store: writer_store,
            committed,
        }
    }

    /// Append an entry; returns its id once it is durable.
    pub async fn append(&self, event: AuditEvent) -> Result<i64> {
        let (reply, answer) = oneshot::channel();
        let sent = match &self.route {
            Route::Pool(sender) => sender.send((event, reply)).await.is_ok(),
            Route::Lane(sender) => {
                let row = self.store.entry_row(&event)?;
                sender.send(Work::Entry(Box::new((event, row, reply)))).await.is_ok()
            }
        };
        if !sent {
            return Err(StoreError::Unavailable("the audit writer has stopped".into()));
        }
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the audit writer has stopped".into()))?
            .map_err(|e| StoreError::Unavailable(format!("audit entry not written: {e}")))
    }

    /// Give every entry pending now its leaf and extend the tree; returns how many were sequenced.
    /// On SQLite the writer lane does it, a step at a time between its groups; otherwise the
    /// store does it under its lock on the tree head.
    pub async fn sequence(&self) -> Result<u64> {
        match &self.route {
            Route::Pool(_) => self.store.audit_sequence_all().await,
            Route::Lane(sender) => {
                let (reply, answer) = oneshot::channel();
                let stopped = || StoreError::Unavailable("the audit writer has stopped".into());
                sender.send(Work::Sequence(reply)).await.map_err(|_| stopped())?;
                answer
                    .await
                    .map_err(|_| stopped())?
                    .map_err(|e| StoreError::Unavailable(format!("audit entries not sequenced: {e}")))
            }
        }
    }
}

/// A request to sequence, answered once no entry that was pending when it came is left.
struct Asked {
    reply: Sequenced,
    /// The newest entry pending when it came.
    through: i64,
    /// Entries sequenced since.
    sequenced: u64,
}

/// The writer lane. It takes every waiting entry (up to [`MAX_GROUP`]) in one transaction,
/// after which each caller hears its id; while a sequencing is asked for, it follows each
/// group with one sequencing step, oldest entries first, until the entries pending when it was
/// asked are all in the tree (so a steady stream of new entries cannot keep it waiting). It
/// ends when every handle is dropped.
fn run_lane(mut conn: rusqlite::Connection, mut receiver: mpsc::Receiver<Work>, committed: Arc<Notify>) {
    let mut asked: Vec<Asked> = Vec::new();
    loop {
        // Block for work only when no sequencing is under way.
        let first = if asked.is_empty() {
            match receiver.blocking_recv() {
                Some(w) => Some(w),
                None => return,
            }
        } else {
            receiver.try_recv().ok()
        };
        let mut group = Vec::new();
        let mut next = first;
        while let Some(work) = next {
            match work {
                Work::Entry(job) => group.push(*job),
                Work::Sequence(reply) => match pending_bound(&conn, End::Newest) {
                    Ok(None) => {
                        let _ = reply.send(Ok(0));
                    }
                    Ok(Some(through)) => asked.push(Asked {
                        reply,
                        through,
                        sequenced: 0,
                    }),
                    Err(e) => {
                        let _ = reply.send(Err(e.to_string()));
                    }
                },
            }
            if group.len() >= MAX_GROUP {
                break;
            }
            next = receiver.try_recv().ok();
        }
        if !group.is_empty() {
            match insert_group(&mut conn, &group) {
                Ok(ids) => {
                    for ((.., reply), id) in group.into_iter().zip(ids) {
                        let _ = reply.send(Ok(id));
                    }
                    committed.notify_waiters();
                }
                Err(e) => {
                    tracing::error!(error = %e, entries = group.len(), "audit group commit failed");
                    for (.., reply) in group {
                        let _ = reply.send(Err(e.to_string()));
                    }
                }
            }
        }
        if !asked.is_empty() {
            let step = sequence_step(&mut conn, super::tree::SEQUENCE_STEP)
                .and_then(|n| Ok((n, pending_bound(&conn, End::Oldest)?)));
            match step {
                Ok((n, oldest)) => {
                    let (done, waiting): (Vec<Asked>, Vec<Asked>) = asked
                        .drain(..)
                        .map(|a| Asked {
                            sequenced: a.sequenced + n,
                            ..a
                        })
                        .partition(|a| oldest.is_none_or(|o| o > a.through));
                    asked = waiting;
                    for a in done {
                        let _ = a.reply.send(Ok(a.sequenced));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "audit sequencing failed");
                    for a in asked.drain(..) {
                        let _ = a.reply.send(Err(e.to_string()));
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum End {
    Oldest,
    Newest,
}

/// The id of the oldest or newest pending entry, if any (a read: no lock is taken).
fn pending_bound(conn: &rusqlite::Connection, end: End) -> rusqlite::Result<Option<i64>> {
    let sql = match end {
        End::Oldest => super::tree::OLDEST_PENDING_SQL,
        End::Newest => super::tree::NEWEST_PENDING_SQL,
    };
    conn.prepare_cached(sql)?.query_row([], |r| r.get(0))
}

/// One sequencing step on the lane's connection: the same plan and statements as
/// [`Store::audit_sequence`], as one write transaction.
fn sequence_step(conn: &mut rusqlite::Connection, limit: i64) -> rusqlite::Result<u64> {
    use super::tree::{PENDING_SQL, SequencePlan, UNQUEUE_SQL};
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let pending: Vec<(i64, String)> = tx
        .prepare_cached(PENDING_SQL)?
        .query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if pending.is_empty() {
        return Ok(0);
    }
    let size = tx.query_row("SELECT size FROM audit_head WHERE id = 1", [], |r| r.get::<_, i64>(0))? as u64;
    let mut frontier = std::collections::HashMap::new();
    {
        let mut node = tx.prepare_cached("SELECT hash FROM audit_nodes WHERE level = ?1 AND idx = ?2")?;
        for (level, idx) in yici_crypto::merkle::Frontier::needed_at(size) {
            let hash: Vec<u8> = node.query_row(rusqlite::params![level, idx as i64], |r| r.get(0))?;
            let hash = <yici_crypto::merkle::Hash>::try_from(hash.as_slice())
                .map_err(|_| rusqlite::Error::InvalidColumnType(0, "hash".into(), rusqlite::types::Type::Blob))?;
            frontier.insert((level, idx), hash);
        }
    }
    let plan = SequencePlan::new(size, &frontier, &pending);
    {
        let mut leaf = tx.prepare_cached("INSERT INTO audit_leaves (seq, entry_id) VALUES (?1, ?2)")?;
        for (seq, entry_id) in &plan.leaves {
            leaf.execute([seq, entry_id])?;
        }
        let mut node = tx.prepare_cached("INSERT INTO audit_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")?;
        for (level, idx, hash) in &plan.nodes {
            node.execute(rusqlite::params![level, *idx as i64, hash.as_slice()])?;
        }
    }
    tx.execute(UNQUEUE_SQL, [size as i64])?;
    tx.execute("UPDATE audit_head SET size = ?1 WHERE id = 1", [plan.size as i64])?;
    tx.commit()?;
    Ok(plan.leaves.len() as u64)
}

/// Insert the group in one write transaction; the ids in order.
fn insert_group(conn: &mut rusqlite::Connection, group: &[LaneJob]) -> rusqlite::Result<Vec<i64>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut ids = Vec::with_capacity(group.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit_entries (time, action, object_type, user_id, system_id, department_id, applicant_id, outcome, request_id, entry_key, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for (e, row, _) in group {
            insert.execute(rusqlite::params![
                e.time,
                e.action.code(),
                e.object_type,
                e.actor.user_id,
                e.actor.system_id,
                e.actor.department_id,
                e.actor.applicant_id,
                e.outcome.code(),
                e.request_id,
                row.key,
                row.content,
            ])?;
            ids.push(tx.last_insert_rowid());
        }
    }
    tx.commit()?;
    Ok(ids)
}
