//! Background jobs of a running server: each capability's (the audit log's sequencer and
//! checkpoint signer; the exchange's deadlines, change-feed relay and quota flush; the seal
//! reminders), and the server's own: the metrics upkeep and the expired-session purge. Every instance runs them; the store's locks and idempotent writes make
//! that safe on one PostgreSQL database.

use crate::state::AppState;
use std::time::Duration;

pub use yici_service::jobs::{Job, Jobs, Stop};

/// Start the jobs.
pub fn spawn(state: AppState) -> Jobs {
    use axum::extract::FromRef;
    let mut jobs = yici_audit::jobs(&yici_audit::AuditState::from_ref(&state));
    jobs.extend(yici_exchange::jobs(&state.exchange()));
    jobs.extend(yici_certificates::jobs(&state.certificates));
    jobs.extend([
        Job::with_loop("metrics upkeep", {
            let state = state.clone();
            move |stop| metrics_upkeep(state, stop)
        }),
        Job::with_loop("session purge", move |stop| sessions(state, stop)),
    ]);
    yici_service::jobs::spawn(jobs)
}

/// Fold the recorded request timings into their histogram buckets every five seconds. The
/// recorder keeps every raw sample until then, so without it memory grows with every request
/// between two scrapes of `/metrics` (and for ever when nothing scrapes).
async fn metrics_upkeep(state: AppState, mut stop: Stop) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        state.metrics.run_upkeep();
    }
}

/// Remove expired sessions every ten minutes.
async fn sessions(state: AppState, mut stop: Stop) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        match state.store.purge_sessions(state.config.clock.now_micros()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "session purge failed"),
        }
    }
}
