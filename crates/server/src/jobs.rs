//! Background jobs of a running server: each capability's (the expired-session purge; the audit
//! log's sequencer and checkpoint signer; the exchange's deadlines, change-feed relay and quota
//! flush; the seal reminders), and the server's own: the metrics upkeep. Every instance runs
//! them; the store's locks and idempotent writes make that safe on one PostgreSQL database.

use crate::state::AppState;
use std::time::Duration;

pub use yici_service::jobs::{Job, Jobs, Stop};

/// Start the jobs.
pub fn spawn(state: AppState) -> Jobs {
    use axum::extract::FromRef;
    let mut jobs = yici_directory::jobs(&state.directory);
    jobs.extend(yici_audit::jobs(&yici_audit::AuditState::from_ref(&state)));
    jobs.extend(yici_exchange::jobs(&state.exchange()));
    jobs.extend(yici_certificates::jobs(&state.certificates));
    jobs.extend(yici_window::jobs(&state.window));
    jobs.extend(yici_supervision::jobs(&state.window));
    jobs.push(Job::with_loop("metrics upkeep", move |stop| {
        metrics_upkeep(state, stop)
    }));
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
