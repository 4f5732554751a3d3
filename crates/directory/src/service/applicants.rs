//! Applicant look-up for window clerks: by ID number or credit code, masked, every read logged.

use crate::DirectoryState;
use serde::Serialize;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::org::{ApplicantId, mask_name};
use yici_service::{Caller, Error, FieldError, Result};

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

/// The applicant with this number, read for `purpose` (default: identity checking at the
/// window); the read is an audit entry, durable before the data is returned.
pub async fn find(state: &DirectoryState, auth: &Caller, number: &str, purpose: Option<&str>) -> Result<ApplicantView> {
    auth.require(Permission::ReadApplicants, &Target::OwnScope)?;
    let id = ApplicantId::parse(number).map_err(|e| Error::validation(vec![FieldError::id("number", &e)]))?;
    let a = state
        .store
        .applicant_by_number(&id)
        .await?
        .ok_or_else(|| Error::not_found("申请人", "applicant"))?;
    let purpose = purpose
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("窗口受理核验申请人身份");
    if purpose.chars().count() > 200 || yici_core::text::has_control(purpose) {
        return Err(Error::field(
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
    Ok(ApplicantView {
        id: a.id,
        kind: a.applicant_id.kind_code(),
        number: a.applicant_id.masked(),
        name,
        verified_by: a.verified_by,
    })
}
