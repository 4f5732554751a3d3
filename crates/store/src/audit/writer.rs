//! Group commit for entries that are not part of another transaction (reads of personal data,
//! refusals): concurrent callers' entries are written together in one transaction, and each
//! caller returns only after that transaction has committed.

use crate::{Result, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, mpsc, oneshot};
use yici_core::audit::AuditEvent;

type Job = (AuditEvent, oneshot::Sender<std::result::Result<i64, String>>);

/// The largest group written in one transaction.
const MAX_GROUP: usize = 2000;

/// A handle to the group-commit writer; clone it freely.
#[derive(Clone)]
pub struct AuditWriter {
    sender: mpsc::Sender<Job>,
    /// Woken after every commit, so a sequencer can follow at once.
    pub committed: Arc<Notify>,
}

impl AuditWriter {
    /// Start `workers` writer tasks (one suits SQLite, a few suit PostgreSQL).
    pub fn start(store: Store, workers: usize) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>(65_536);
        let receiver = Arc::new(Mutex::new(receiver));
        let committed = Arc::new(Notify::new());
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
        AuditWriter { sender, committed }
    }

    /// Append an entry; returns its id once it is durable.
    pub async fn append(&self, event: AuditEvent) -> Result<i64> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((event, reply))
            .await
            .map_err(|_| StoreError::Unavailable("the audit writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the audit writer has stopped".into()))?
            .map_err(|e| StoreError::Unavailable(format!("audit entry not written: {e}")))
    }
}
