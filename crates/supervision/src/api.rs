//! The API of evaluations.

use crate::assessment::{
    AssessInput, FollowUpInput, InspectionInput, InspectionList, InspectionQuery, WeightsInput, WeightsView,
};
use crate::metrics::{
    AlertList, AlertQuery, BehindQuery, CasesBehind, CutQuery, Metrics, Performance, Ranking, RankingQuery, Trend,
};
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

/// The departments (`by=department`) or regions (`by=region`, one level below the cut's or the
/// reader's region, rolled up) of the reader's scope, ranked by the on-time rate, with their
/// case and evaluation metrics.
#[utoipa::path(get, path = "/api/v1/supervision/rankings", tag = "supervision", params(RankingQuery),
    responses((status = 200, body = Ranking), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn ranking(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<RankingQuery>,
) -> ApiResult<axum::Json<Ranking>> {
    Ok(axum::Json(crate::metrics::ranking(&state, &auth, &q).await?))
}

/// The cases received and concluded, the on-time rate and the evaluations of each day of the
/// window, in the reader's scope.
#[utoipa::path(get, path = "/api/v1/supervision/trend", tag = "supervision", params(CutQuery),
    responses((status = 200, body = Trend), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn trend(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<CutQuery>,
) -> ApiResult<axum::Json<Trend>> {
    Ok(axum::Json(crate::metrics::trend(&state, &auth, &q).await?))
}

/// The alerts of cases, tasks, sharing requests and rectifications that turned yellow (one
/// working day or less left) or red (past the deadline): for the reader's departments and the
/// scope of their supervisor role, newest first.
#[utoipa::path(get, path = "/api/v1/supervision/alerts", tag = "supervision", params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn alerts(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<AlertQuery>,
) -> ApiResult<axum::Json<AlertList>> {
    Ok(axum::Json(crate::metrics::alerts(&state, &auth, &q).await?))
}

/// The weights of the assessment in force (version 0: the defaults) and every version before.
#[utoipa::path(get, path = "/api/v1/supervision/weights", tag = "supervision",
    responses((status = 200, body = WeightsView), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn weights(State(state): State<WindowState>, auth: Auth) -> ApiResult<axum::Json<WeightsView>> {
    Ok(axum::Json(crate::assessment::weights(&state, &auth).await?))
}

/// Set new weights of the assessment: a new version (a province's supervisors).
#[utoipa::path(post, path = "/api/v1/supervision/weights", tag = "supervision", request_body = WeightsInput,
    responses((status = 200, body = yici_store::assessment::WeightsRecord), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_weights(
    State(state): State<WindowState>,
    auth: Auth,
    Json(input): Json<WeightsInput>,
) -> ApiResult<axum::Json<yici_store::assessment::WeightsRecord>> {
    Ok(axum::Json(crate::assessment::set_weights(&state, &auth, input).await?))
}

/// Run an assessment: the departments of a region ranked by the weights in force, recorded
/// with the version of the weights it used (supervisors, in their region).
#[utoipa::path(post, path = "/api/v1/supervision/assessments", tag = "supervision", request_body = AssessInput,
    responses((status = 200, body = yici_store::assessment::AssessmentRecord), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn assess(
    State(state): State<WindowState>,
    auth: Auth,
    Json(input): Json<AssessInput>,
) -> ApiResult<axum::Json<yici_store::assessment::AssessmentRecord>> {
    Ok(axum::Json(crate::assessment::assess(&state, &auth, input).await?))
}

/// The assessments of the regions in the reader's reach, the newest first.
#[utoipa::path(get, path = "/api/v1/supervision/assessments", tag = "supervision",
    responses((status = 200, body = Vec<yici_store::assessment::AssessmentRecord>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn assessments(
    State(state): State<WindowState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<yici_store::assessment::AssessmentRecord>>> {
    Ok(axum::Json(crate::assessment::assessments(&state, &auth).await?))
}

/// One assessment with its ranking and the version of the weights it used.
#[utoipa::path(get, path = "/api/v1/supervision/assessments/{id}", tag = "supervision",
    responses((status = 200, body = yici_store::assessment::AssessmentRecord), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn assessment(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<yici_store::assessment::AssessmentRecord>> {
    Ok(axum::Json(crate::assessment::assessment(&state, &auth, id).await?))
}

/// Record an inspection (督察记录) on a department, an item or a case, with its follow-up
/// deadline (a supervisor over the department that answers for it).
#[utoipa::path(post, path = "/api/v1/supervision/inspections", tag = "supervision", request_body = InspectionInput,
    responses((status = 200, body = yici_store::assessment::InspectionRecord), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record_inspection(
    State(state): State<WindowState>,
    auth: Auth,
    Json(input): Json<InspectionInput>,
) -> ApiResult<axum::Json<yici_store::assessment::InspectionRecord>> {
    Ok(axum::Json(
        crate::assessment::record_inspection(&state, &auth, input).await?,
    ))
}

/// The inspections in the reader's reach, the newest first (`overdue=true`: not followed up
/// past their deadline).
#[utoipa::path(get, path = "/api/v1/supervision/inspections", tag = "supervision", params(InspectionQuery),
    responses((status = 200, body = InspectionList), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn inspections(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<InspectionQuery>,
) -> ApiResult<axum::Json<InspectionList>> {
    Ok(axum::Json(crate::assessment::inspections(&state, &auth, &q).await?))
}

/// Record the follow-up of an inspection, once: `rectified` or `not_rectified`.
#[utoipa::path(post, path = "/api/v1/supervision/inspections/{id}/follow-up", tag = "supervision",
    request_body = FollowUpInput,
    responses((status = 200, body = yici_store::assessment::InspectionRecord), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn follow_up(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<FollowUpInput>,
) -> ApiResult<axum::Json<yici_store::assessment::InspectionRecord>> {
    Ok(axum::Json(
        crate::assessment::follow_up(&state, &auth, id, input).await?,
    ))
}
