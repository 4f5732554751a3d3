//! The API of evaluations.

use crate::service::{self, EvaluationInput, EvaluationView};
use axum::extract::State;
use yici_web::extract::{Json, Path};
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
