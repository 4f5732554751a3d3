//! Group reads of aggregated rows: lookups that arrive together are answered by one query per
//! resource, the way [`crate::audit::AuditWriter`] commits entries that arrive together in one
//! transaction. Under load each query serves many callers; alone, a lookup is one query as
//! before. Every caller gets exactly the rows of its own keys.

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
    /// Start `workers` reader tasks: while one queries, the next gathers the lookups waiting.
    pub fn start(store: Store, workers: usize) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>(65_536);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..workers.max(1) {
            let (store, receiver) = (store.clone(), receiver.clone());
            tokio::spawn(async move {
                loop {
                    let mut group: Vec<Job> = Vec::new();
                    {
                        let mut rx = receiver.lock().await;
                        match rx.recv().await {
                            Some(job) => group.push(job),
                            None => return,
                        }
                        let mut keys = group[0].1.len();
                        while keys < MAX_KEYS {
                            match rx.try_recv() {
                                Ok(job) => {
                                    keys += job.1.len();
                                    group.push(job);
                                }
                                Err(_) => break,
                            }
                        }
                    }
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

/// One query per resource for the whole group, then each caller's rows.
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
                tracing::error!(error = %e, resource_id, "group read failed");
                for (.., reply) in jobs {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}
