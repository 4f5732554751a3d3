//! Background jobs of a running server: each capability's (the audit log's sequencer and
//! checkpoint signer), and those not yet in a capability crate: the metrics upkeep, sharing
//! deadlines, seal expiry reminders, the change-feed relay, the quota flush and the
//! expired-session purge. Every instance runs them; the store's locks and idempotent writes make
//! that safe on one PostgreSQL database.

use crate::state::AppState;
use std::time::Duration;

pub use yici_service::jobs::{Job, Jobs, Stop};

/// Start the jobs.
pub fn spawn(state: AppState) -> Jobs {
    use axum::extract::FromRef;
    let mut jobs = yici_audit::jobs(&yici_audit::AuditState::from_ref(&state));
    jobs.extend([
        Job::with_loop("sharing deadlines", {
            let state = state.clone();
            move |stop| sharing_deadlines(state, stop)
        }),
        Job::with_loop("change-feed relay", {
            let state = state.clone();
            move |stop| relay(state, stop)
        }),
        Job::with_loop("quota flush", {
            let state = state.clone();
            move |stop| quotas(state, stop)
        }),
        Job::with_loop("metrics upkeep", {
            let state = state.clone();
            move |stop| metrics_upkeep(state, stop)
        }),
        Job::with_loop("seal reminders", {
            let state = state.clone();
            move |stop| seal_reminders(state, stop)
        }),
        Job::with_loop("session purge", move |stop| sessions(state, stop)),
    ]);
    yici_service::jobs::spawn(jobs)
}

/// Write the quota counts taken in memory, every second.
async fn quotas(state: AppState, mut stop: Stop) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        if let Err(e) = state.quotas.flush(&state.store, state.config.clock.today()).await {
            tracing::warn!(error = %e, "writing quota counts failed; will retry");
        }
    }
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

/// Every ten minutes: remind providers of requests about to fall due, escalate overdue ones.
async fn sharing_deadlines(state: AppState, mut stop: Stop) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        let today = state.config.clock.today();
        match crate::api::sharing::enforce_deadlines(&state, today).await {
            Ok((0, 0)) => {}
            Ok((reminded, escalated)) => tracing::info!(reminded, escalated, "sharing request deadlines enforced"),
            Err(e) => tracing::warn!(error = %e.en, "sharing deadlines not enforced"),
        }
    }
}

/// Every hour: remind departments whose seal's certificate is about to expire.
async fn seal_reminders(state: AppState, mut stop: Stop) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        match crate::certs::remind_expiring_seals(&state.store, state.config.clock.now_micros()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminded = n, "seal expiry reminders sent"),
            Err(e) => tracing::warn!(error = %e, "seal expiry reminders not sent"),
        }
    }
}

/// Deliver the change feed to subscribed webhooks, every second.
async fn relay(state: AppState, mut stop: Stop) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        if !stop.wait(tick.tick()).await {
            return;
        }
        if let Err(e) = crate::api::exchange::relay_once(&state, state.config.clock.now_micros()).await {
            tracing::warn!(error = %e.en, "change-feed relay failed; will retry");
        }
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
