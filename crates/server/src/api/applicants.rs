//! Applicant look-up for window clerks: by ID number or credit code, masked.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::org::{ApplicantId, mask_name};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicantQuery {
    /// 公民身份号码 or 统一社会信用代码.
    pub number: String,
    /// Why the data is read (recorded in the audit log); defaults to identity checking at the
    /// window.
    pub purpose: Option<String>,
}

/// An applicant as shown to staff: personal numbers and names masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicantView {
    pub id: i64,
    /// `person` or `organisation`.
    pub kind: &'static str,
    pub number: String,
    pub name: String,
    pub verified_by: String,
}

#[utoipa::path(get, path = "/api/v1/applicants", tag = "applicants", params(ApplicantQuery),
    responses((status = 200, body = ApplicantView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn find_applicant(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ApplicantQuery>,
) -> ApiResult<axum::Json<ApplicantView>> {
    auth.require(Permission::ReadApplicants, &Target::OwnScope)?;
    let id = ApplicantId::parse(&q.number).map_err(|e| ApiError::validation(vec![FieldError::id("number", &e)]))?;
    let a = state
        .store
        .applicant_by_number(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("申请人", "applicant"))?;
    // Every read of personal data is an audit entry, durable before the data is returned.
    let purpose = q
        .purpose
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("窗口受理核验申请人身份");
    if purpose.chars().count() > 200 {
        return Err(ApiError::field(
            "purpose",
            "用途说明不超过200字",
            "The purpose may have at most 200 characters",
        ));
    }
    let event = auth
        .event(Action::ApplicantRead, "applicant")
        .object(a.id)
        .subject(a.applicant_id.as_str())
        .purpose(purpose);
    state.audit.append(event).await?;
    let name = match &a.applicant_id {
        ApplicantId::Person(_) => mask_name(&a.name),
        ApplicantId::Organisation(_) => a.name.clone(),
    };
    Ok(axum::Json(ApplicantView {
        id: a.id,
        kind: a.applicant_id.kind_code(),
        number: a.applicant_id.masked(),
        name,
        verified_by: a.verified_by,
    }))
}
