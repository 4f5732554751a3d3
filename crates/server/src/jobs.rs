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
    describe_figures();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        state.metrics.run_upkeep();
        read_figures(&state).await;
    }
}

/// The help text of the operations figures (`docs/operations.md`).
fn describe_figures() {
    use metrics::describe_gauge;
    describe_gauge!(
        "yici_outbox_pending",
        "Change-feed events not yet fanned out to subscribers"
    );
    describe_gauge!("yici_audit_pending_entries", "Audit entries waiting for the sequencer");
    describe_gauge!(
        "yici_audit_checkpoint_age_seconds",
        "Seconds since the last signed audit checkpoint"
    );
    describe_gauge!("yici_cases_open", "Open cases (received, supplementing or processing)");
    describe_gauge!("yici_cases_overdue", "Open cases past their decision deadline");
    describe_gauge!(
        "yici_tasks_overdue",
        "Open tasks of parallel approval past their deadline"
    );
}

/// Read the operations figures into their gauges; a failed reading leaves them as they were.
pub async fn read_figures(state: &AppState) {
    let today = yici_core::calendar::day_text(state.window.clock.today());
    match state.store.operations_figures(&today).await {
        Ok(f) => {
            metrics::gauge!("yici_outbox_pending").set(f.outbox_pending as f64);
            metrics::gauge!("yici_audit_pending_entries").set(f.audit_pending as f64);
            if let Some(at) = f.last_checkpoint_at {
                let age = (state.window.clock.now_micros() - at).max(0) as f64 / 1e6;
                metrics::gauge!("yici_audit_checkpoint_age_seconds").set(age);
            }
            metrics::gauge!("yici_cases_open").set(f.open_cases as f64);
            metrics::gauge!("yici_cases_overdue").set(f.overdue_cases as f64);
            metrics::gauge!("yici_tasks_overdue").set(f.overdue_tasks as f64);
        }
        Err(e) => tracing::warn!(error = %e, "operations figures not read"),
    }
}
