//! The API of evaluations.

use crate::metrics::{BehindQuery, CasesBehind, CutQuery, Metrics, Performance};
use crate::service::{
    self, AppealDecisionInput, AppealInput, CounterEvaluationInput, EvaluationInput, EvaluationList, EvaluationView,
    ListQuery, MaliciousInput, RectifyInput,
};
use axum::extract::State;
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, Problem};
use yici_window::WindowState;

/// Rate a concluded case (好差评, 一次一评): a party of the case, once. A rating of 1 or 2 opens
/// a rectification with its deadlines in working days.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/evaluation", tag = "supervision", request_body = EvaluationInput,
    responses((status = 200, body = EvaluationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn evaluate(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
    Json(input): Json<EvaluationInput>,
) -> ApiResult<axum::Json<EvaluationView>> {
    Ok(axum::Json(service::evaluate(&state, &auth, &case_no, input).await?))
}

/// The evaluations of a case: a party sees their own, staff with rights on the case all.
#[utoipa::path(get, path = "/api/v1/cases/{case_no}/evaluation", tag = "supervision",
    responses((status = 200, body = Vec<EvaluationView>), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn evaluations(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
) -> ApiResult<axum::Json<Vec<EvaluationView>>> {
    Ok(axum::Json(service::evaluations(&state, &auth, &case_no).await?))
}

/// An evaluation with its rectification: for the party who gave it, staff with rights over the
/// evaluated department and its supervisors.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "supervision",
    responses((status = 200, body = EvaluationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn evaluation(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<EvaluationView>> {
    Ok(axum::Json(service::evaluation(&state, &auth, id).await?))
}

/// A step of a bad review's rectification (the evaluated department's approvers): `verify`
/// (with `founded`), `rectify`, `reply` (the answer to the applicant), `revisit` (with
/// `satisfied`), each only after the one before (else 409 `invalid_transition`).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/rectification/{step}", tag = "supervision",
    request_body = RectifyInput,
    responses((status = 200, body = EvaluationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn rectify(
    State(state): State<WindowState>,
    auth: Auth,
    Path((id, step)): Path<(i64, String)>,
    Json(input): Json<RectifyInput>,
) -> ApiResult<axum::Json<EvaluationView>> {
    Ok(axum::Json(service::rectify(&state, &auth, id, &step, input).await?))
}

/// The party who gave a bad review appeals a verification that found it unfounded (申诉复核).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/appeal", tag = "supervision", request_body = AppealInput,
    responses((status = 200, body = EvaluationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn appeal(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<AppealInput>,
) -> ApiResult<axum::Json<EvaluationView>> {
    Ok(axum::Json(service::appeal(&state, &auth, id, input).await?))
}

/// A supervisor decides an appeal: upheld sends the review to rectification.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/appeal/decision", tag = "supervision",
    request_body = AppealDecisionInput,
    responses((status = 200, body = EvaluationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_appeal(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<AppealDecisionInput>,
) -> ApiResult<axum::Json<EvaluationView>> {
    Ok(axum::Json(service::decide_appeal(&state, &auth, id, input).await?))
}

/// A supervisor marks a review as malicious, with a reason, once; the review is kept as given.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/malicious", tag = "supervision", request_body = MaliciousInput,
    responses((status = 200, body = EvaluationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn mark_malicious(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<MaliciousInput>,
) -> ApiResult<axum::Json<EvaluationView>> {
    Ok(axum::Json(service::mark_malicious(&state, &auth, id, input).await?))
}

/// A service rated at a window's counter (一事一评), recorded by a window clerk in a region of
/// their scope: no case, the person unnamed.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "supervision", request_body = CounterEvaluationInput,
    responses((status = 200, body = EvaluationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn evaluate_service(
    State(state): State<WindowState>,
    auth: Auth,
    Json(input): Json<CounterEvaluationInput>,
) -> ApiResult<axum::Json<EvaluationView>> {
    Ok(axum::Json(service::evaluate_service(&state, &auth, input).await?))
}

/// The evaluations in the reader's reach (supervisors: their region or department; approvers:
/// their departments), newest first, narrowed by department, region (rolled up), a window of
/// days (at most 366), bad reviews only and the rectification's step.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "supervision", params(ListQuery),
    responses((status = 200, body = EvaluationList), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<EvaluationList>> {
    Ok(axum::Json(service::list(&state, &auth, &q).await?))
}

/// The supervision metrics of the reader's scope (supervisors and operators): service items,
/// cases, evaluations, sharing and certificates, cut by department, region (rolled up) and a
/// window of days (at most 366). Formulas: `docs/supervision.md`.
#[utoipa::path(get, path = "/api/v1/supervision/metrics", tag = "supervision", params(CutQuery),
    responses((status = 200, body = Metrics), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn metrics(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<CutQuery>,
) -> ApiResult<axum::Json<Metrics>> {
    Ok(axum::Json(crate::metrics::metrics(&state, &auth, &q).await?))
}

/// The cases behind a figure of the metrics (drill-down), in the reader's scope, without
/// personal data.
#[utoipa::path(get, path = "/api/v1/supervision/cases", tag = "supervision", params(BehindQuery),
    responses((status = 200, body = CasesBehind), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn behind(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<BehindQuery>,
) -> ApiResult<axum::Json<CasesBehind>> {
    Ok(axum::Json(crate::metrics::behind(&state, &auth, &q).await?))
}

/// The public performance of the government's service, per department and region, without
/// login and without personal data: items at most once, the on-time rate, satisfaction, bad
/// reviews and how they were rectified.
#[utoipa::path(get, path = "/api/v1/public/performance", tag = "supervision", params(CutQuery),
    responses((status = 200, body = Performance), (status = 422, body = Problem)))]
pub async fn performance(
    State(state): State<WindowState>,
    Query(q): Query<CutQuery>,
) -> ApiResult<axum::Json<Performance>> {
    Ok(axum::Json(crate::metrics::performance(&state, &q).await?))
}
