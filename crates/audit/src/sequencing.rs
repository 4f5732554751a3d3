//! The log's own jobs: sequencing new entries into the tree, and signing its head.

use crate::AuditState;
use std::time::Duration;
use yici_service::jobs::Stop;

/// The least time between two sequencing passes.
const SEQUENCE_PAUSE: Duration = Duration::from_millis(100);

/// Give new entries their place in the tree soon after they commit: at most [`SEQUENCE_PAUSE`]
/// plus one pass later. Under load one pass takes the entries of many group commits, so the
/// tree's write transaction does not compete with every commit for the database's write lock.
pub async fn sequencer(state: AuditState, mut stop: Stop) {
    let committed = state.audit.committed.clone();
    loop {
        let signal = async {
            tokio::select! {
                _ = committed.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
        };
        if !stop.wait(signal).await {
            return;
        }
        if let Err(e) = state.audit.sequence().await {
            tracing::warn!(error = %e, "audit sequencing failed; will retry");
            if !stop.wait(tokio::time::sleep(Duration::from_secs(1))).await {
                return;
            }
        }
        if !stop.wait(tokio::time::sleep(SEQUENCE_PAUSE)).await {
            return;
        }
    }
}

/// Sign the tree head at the configured interval when the log has grown.
pub async fn checkpoints(state: AuditState, mut stop: Stop) {
    let mut tick = tokio::time::interval(state.checkpoint_interval);
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        let grown = async {
            let size = state.store.audit_size().await?;
            let signed = state.store.audit_latest_checkpoint().await?.map_or(0, |c| c.size);
            Ok::<_, yici_store::StoreError>(size > signed || (size == 0 && signed == 0))
        };
        match grown.await {
            Ok(true) => {
                if let Err(e) = state.store.audit_checkpoint().await {
                    tracing::warn!(error = %e, "audit checkpoint failed");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "audit checkpoint check failed"),
        }
    }
}
