//! Group reads of aggregated rows: lookups that arrive together are answered by one query per
//! resource, the way [`crate::audit::AuditWriter`] commits entries that arrive together in one
//! transaction. Under load each query serves many callers; alone, a lookup is one query as
//! before. Every caller gets exactly the rows of its own keys.
//!
//! On SQLite the reader is a lane ([`crate::lane`]): a thread with its own read-only connection
//! that takes every waiting lookup at once and reads each key through one prepared statement.

use crate::datasets::DataRow;
use crate::{Result, Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

type Job = (
    i64,
    Vec<String>,
    oneshot::Sender<std::result::Result<Vec<DataRow>, String>>,
);

/// The most keys gathered into one round of queries.
const MAX_KEYS: usize = 1000;

/// A handle to the group reader; clone it freely.
#[derive(Clone)]
pub struct RowReader {
    sender: mpsc::Sender<Job>,
}

impl RowReader {
    /// Start `workers` readers (tasks over the pool, or on SQLite lane threads): while one
    /// reads, the next gathers the lookups waiting.
    pub fn start(store: Store, workers: usize) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>(65_536);
        if let Some(path) = store.sqlite_file() {
            match start_lanes(path, receiver, workers) {
                Ok(()) => return RowReader { sender },
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open the row reader's own connection; reading through the pool");
                    let (s, r) = mpsc::channel::<Job>(65_536);
                    return Self::start_tasks(store, s, r, workers);
                }
            }
        }
        Self::start_tasks(store, sender, receiver, workers)
    }

    fn start_tasks(store: Store, sender: mpsc::Sender<Job>, receiver: mpsc::Receiver<Job>, workers: usize) -> Self {
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..workers.max(1) {
            let (store, receiver) = (store.clone(), receiver.clone());
            tokio::spawn(async move {
                loop {
                    let group = {
                        let mut rx = receiver.lock().await;
                        match rx.recv().await {
                            Some(first) => with_waiting(&mut rx, first),
                            None => return,
                        }
                    };
                    answer(&store, group).await;
                }
            });
        }
        RowReader { sender }
    }

    /// The rows of `resource_id` with these keys, in the order of the keys; missing keys are
    /// simply absent.
    pub async fn lookup(&self, resource_id: i64, keys: Vec<String>) -> Result<Vec<DataRow>> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((resource_id, keys, reply))
            .await
            .map_err(|_| StoreError::Unavailable("the row reader has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the row reader has stopped".into()))?
            .map_err(|e| StoreError::Unavailable(format!("rows not read: {e}")))
    }
}

/// Reader lanes, each with its own connection, taking turns at the queue.
fn start_lanes(path: &std::path::Path, receiver: mpsc::Receiver<Job>, workers: usize) -> rusqlite::Result<()> {
    let conns = (0..workers.max(1))
        .map(|_| crate::lane::open(path, true))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let receiver = Arc::new(std::sync::Mutex::new(receiver));
    for (n, conn) in conns.into_iter().enumerate() {
        let receiver = receiver.clone();
        let lane = std::thread::Builder::new()
            .name(format!("yici-rows-{n}"))
            .spawn(move || {
                while let Some(group) = gather(&receiver) {
                    answer_in_lane(&conn, group);
                }
            });
        if let Err(e) = lane {
            // The lanes already started serve alone; with none, lookups fail as unavailable.
            tracing::error!(error = %e, "cannot start a row reader lane");
        }
    }
    Ok(())
}

/// The first waiting lookup (blocking), then every other one already waiting; `None` once the
/// reader is dropped.
fn gather(receiver: &std::sync::Mutex<mpsc::Receiver<Job>>) -> Option<Vec<Job>> {
    let mut rx = receiver.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let first = rx.blocking_recv()?;
    Some(with_waiting(&mut rx, first))
}

/// `first` and every lookup already waiting, up to [`MAX_KEYS`] keys in all.
fn with_waiting(rx: &mut mpsc::Receiver<Job>, first: Job) -> Vec<Job> {
    let mut keys = first.1.len();
    let mut group = vec![first];
    while keys < MAX_KEYS {
        match rx.try_recv() {
            Ok(job) => {
                keys += job.1.len();
                group.push(job);
            }
            Err(_) => break,
        }
    }
    group
}

/// Each caller's rows, read key by key through one prepared statement in one read transaction.
fn answer_in_lane(conn: &rusqlite::Connection, group: Vec<Job>) {
    type Answer = std::result::Result<Vec<DataRow>, String>;
    // A failing database fails the group; an unreadable stored row fails only its caller.
    let read = || -> std::result::Result<Vec<Answer>, String> {
        let tx = conn.unchecked_transaction().map_err(|e| e.to_string())?;
        let mut stmt = tx
            .prepare_cached("SELECT version, content FROM dataset_rows WHERE resource_id = ?1 AND row_key = ?2")
            .map_err(|e| e.to_string())?;
        let mut answers = Vec::with_capacity(group.len());
        for (resource_id, keys, _) in &group {
            let mut mine: Answer = Ok(Vec::with_capacity(keys.len()));
            for key in keys {
                let found = stmt
                    .query_row(rusqlite::params![resource_id, key], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                    })
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e.to_string()),
                    })?;
                if let (Some((version, content)), Ok(rows)) = (found, mine.as_mut()) {
                    match crate::datasets::values(&content) {
                        Ok(values) => rows.push(DataRow {
                            key: key.clone(),
                            version,
                            values,
                        }),
                        Err(e) => mine = Err(e.to_string()),
                    }
                }
            }
            answers.push(mine);
        }
        drop(stmt);
        tx.commit().map_err(|e| e.to_string())?;
        Ok(answers)
    };
    match read() {
        Ok(answers) => {
            for ((.., reply), answer) in group.into_iter().zip(answers) {
                if let Err(e) = &answer {
                    tracing::error!(error = %e, "stored row unreadable");
                }
                let _ = reply.send(answer);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "group read failed");
            for (.., reply) in group {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

/// One query per resource for the whole group, then each caller's rows; should the query fail,
/// one query per caller.
async fn answer(store: &Store, group: Vec<Job>) {
    let mut by_resource: BTreeMap<i64, Vec<Job>> = BTreeMap::new();
    for job in group {
        by_resource.entry(job.0).or_default().push(job);
    }
    for (resource_id, jobs) in by_resource {
        let mut keys: Vec<String> = jobs.iter().flat_map(|j| j.1.iter().cloned()).collect();
        keys.sort();
        keys.dedup();
        match store.dataset_lookup(resource_id, &keys).await {
            Ok(rows) => {
                let found: HashMap<&str, &DataRow> = rows.iter().map(|r| (r.key.as_str(), r)).collect();
                for (_, wanted, reply) in jobs {
                    let mine = wanted
                        .iter()
                        .filter_map(|k| found.get(k.as_str()).map(|r| (*r).clone()))
                        .collect();
                    let _ = reply.send(Ok(mine));
                }
            }
            Err(e) => {
                // Each caller on its own, so that one unreadable row fails only its callers.
                tracing::error!(error = %e, resource_id, "group read failed; reading each lookup alone");
                for (_, wanted, reply) in jobs {
                    let mine = store.dataset_lookup(resource_id, &wanted).await;
                    let _ = reply.send(mine.map_err(|e| e.to_string()));
                }
            }
        }
    }
}
