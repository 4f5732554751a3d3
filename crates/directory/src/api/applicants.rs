//! Applicant look-up for window clerks: by ID number or credit code, masked.

use crate::DirectoryState;
use crate::service::applicants::{self, ApplicantView};
use axum::extract::State;
use serde::Deserialize;
use yici_web::extract::Query;
use yici_web::{ApiResult, Auth, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicantQuery {
    /// 公民身份号码 or 统一社会信用代码.
    pub number: String,
    /// Why the data is read (recorded in the audit log); defaults to identity checking at the
    /// window.
    pub purpose: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/applicants", tag = "applicants", params(ApplicantQuery),
    responses((status = 200, body = ApplicantView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn find_applicant(
    State(state): State<DirectoryState>,
    auth: Auth,
    Query(q): Query<ApplicantQuery>,
) -> ApiResult<axum::Json<ApplicantView>> {
    Ok(axum::Json(
        applicants::find(&state, &auth, &q.number, q.purpose.as_deref()).await?,
    ))
}
