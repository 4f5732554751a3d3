//! # yici-supervision
//!
//! 督察考核 — supervision. This crate holds the evaluations of the government's service
//! (好差评, 国办发〔2019〕51号) and the rectifications bad reviews open. It reads the one
//! window's cases through the window's read model and writes nothing into its tables.
//!
//! - [`service`]: the evaluations, for the API and the pages;
//! - [`metrics`]: the metrics, each defined once, over the case facts it keeps from the case
//!   feed ([`jobs`]) and the daily sums;
//! - [`router`], [`ApiDoc`]: what the server composes; the pages are a case's evaluation form
//!   (`/cases/{case_no}/evaluate`, the address of the QR code on the case's page), the
//!   supervisors' dashboard with the cases and reviews behind its figures (`/supervision`), and
//!   the public performance page (`/performance`).
#![forbid(unsafe_code)]

mod api;
pub mod assessment;
mod chart;
mod dashboard;
pub mod metrics;
mod pages;
pub mod service;

use axum::extract::FromRef;
use yici_web::Routes;
use yici_window::WindowState;

/// The routes of the API.
pub fn router<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    WindowState: FromRef<S>,
{
    Routes::new("/api/v1")
        .post("/cases/{case_no}/evaluation", api::evaluate)
        .get("/cases/{case_no}/evaluation", api::evaluations)
        .get("/evaluations", api::list)
        .post("/evaluations", api::evaluate_service)
        .get("/evaluations/{id}", api::evaluation)
        .post("/evaluations/{id}/rectification/{step}", api::rectify)
        .post("/evaluations/{id}/appeal", api::appeal)
        .post("/evaluations/{id}/appeal/decision", api::decide_appeal)
        .post("/evaluations/{id}/malicious", api::mark_malicious)
        .get("/supervision/metrics", api::metrics)
        .get("/supervision/cases", api::behind)
        .get("/supervision/rankings", api::ranking)
        .get("/supervision/trend", api::trend)
        .get("/supervision/alerts", api::alerts)
        .get("/supervision/weights", api::weights)
        .post("/supervision/weights", api::set_weights)
        .get("/supervision/assessments", api::assessments)
        .post("/supervision/assessments", api::assess)
        .get("/supervision/assessments/{id}", api::assessment)
        .get("/supervision/inspections", api::inspections)
        .post("/supervision/inspections", api::record_inspection)
        .post("/supervision/inspections/{id}/follow-up", api::follow_up)
        .get("/public/performance", api::performance)
        .merge(
            Routes::new("")
                .get("/cases/{case_no}/evaluate", pages::evaluate_page)
                .post("/cases/{case_no}/evaluate", pages::evaluate_form)
                .get("/evaluations/{id}", pages::review_page)
                .post("/evaluations/{id}/{action}", pages::review_form)
                .get("/supervision", dashboard::dashboard)
                .get("/supervision/cases", dashboard::cases_behind)
                .get("/supervision/reviews", dashboard::reviews_behind)
                .get("/supervision/alerts", dashboard::alerts_page)
                .get("/supervision/assessment", dashboard::assessment_page)
                .post("/supervision/assessment/run", dashboard::assessment_run)
                .post("/supervision/assessment/weights", dashboard::assessment_weights)
                .post("/supervision/assessment/inspections", dashboard::assessment_inspect)
                .post("/supervision/assessment/follow-up", dashboard::assessment_follow_up)
                .get("/performance", dashboard::performance),
        )
}

/// The API's paths and schemas, merged into the platform's OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::evaluate,
    api::evaluations,
    api::evaluate_service,
    api::list,
    api::evaluation,
    api::rectify,
    api::appeal,
    api::decide_appeal,
    api::mark_malicious,
    api::metrics,
    api::behind,
    api::ranking,
    api::trend,
    api::alerts,
    api::weights,
    api::set_weights,
    api::assess,
    api::assessments,
    api::assessment,
    api::record_inspection,
    api::inspections,
    api::follow_up,
    api::performance
))]
pub struct ApiDoc;

/// The capability's job: keeping the case facts current with the case feed, and raising the
/// alerts of what turned yellow or red.
pub fn jobs(state: &WindowState) -> Vec<yici_service::jobs::Job> {
    let state = state.clone();
    vec![yici_service::jobs::Job::every(
        "supervision facts",
        std::time::Duration::from_secs(5),
        move || {
            let state = state.clone();
            async move {
                if let Err(e) = metrics::raise_alerts(&state).await {
                    tracing::warn!(error = %e.message(yici_core::Lang::En), "supervision facts and alerts not refreshed");
                }
            }
        },
    )]
}

/// The menu entries of the pages: the dashboard for supervisors and operators, the alerts for
/// them and the departments' approvers and data stewards, the public performance page for
/// everyone.
pub fn menu() -> Vec<yici_web::menu::MenuEntry> {
    use yici_core::authz::Permission::{ReadAlerts, ReadMetrics};
    vec![
        yici_web::menu::MenuEntry::new("/supervision", "督察考核", "Supervision", &[ReadMetrics]),
        yici_web::menu::MenuEntry::new("/supervision/alerts", "超期预警", "Deadline alerts", &[ReadAlerts]),
        yici_web::menu::MenuEntry::new("/performance", "服务绩效", "Service performance", &[]),
    ]
}
