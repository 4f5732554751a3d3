//! Background jobs of a running server.

use crate::state::AppState;
use std::time::Duration;

/// Start the periodic jobs: purge expired sessions every ten minutes. Every instance may run
/// it; the delete is idempotent.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match state.store.purge_sessions(yici_store::now_micros()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "session purge failed"),
            }
        }
    })
}
