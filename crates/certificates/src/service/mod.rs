//! The certificate operations, for every caller. Each takes the [`Caller`] and typed values and
//! returns a view or an [`Error`]; authorisation is checked here, so the API, the pages, the
//! jobs, the command line and other capabilities all get it.
//!
//! - [`types`]: certificate types, seals and the seal authority;
//! - [`issuing`]: issuing (one, a batch, a spreadsheet) and the lifecycle, for issuers;
//! - [`using`]: departments finding and using a holder's certificates under consent or a grant;
//! - [`holding`]: the holder's own certificates, consents, 亮证 and uses; online verification.

pub mod holding;
pub mod issuing;
pub mod types;
pub mod using;

use crate::CertificatesState;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use yici_core::authz::Principal;
use yici_core::certificate::Content;
use yici_core::id::CertificateId;
use yici_service::{Caller, Error, Kind, Result};
use yici_store::certificates::CertificateRecord;
use yici_store::departments::Department;

pub use holding::{ConsentInput, ConsentView, ShowToken, ShownCertificate, UseView};
pub use issuing::{BatchError, BatchInput, BatchResult, BatchRow, ImportResult, OperationInput};
pub use types::{LinkInput, ReasonInput, SealView, TypeView};
pub use using::{HeldConsent, UseCopyInput, UseCopyView};

/// How long a 亮证 token shows a certificate.
pub const SHOW_SECONDS: i64 = 300;
/// Longest consent a holder can give.
pub const MAX_CONSENT_DAYS: i64 = 366;
/// How long a use copy (加注件) is valid.
pub const USE_COPY_DAYS: i64 = 30;

/// A certificate as shown to those allowed to see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    pub number: String,
    pub version: i64,
    pub predecessor: Option<String>,
    /// Status code as of today (`01` valid, `02` suspended, `03` revoked, `04` cancelled, `05`
    /// expired, `07` revoked as a penalty).
    pub status: String,
    pub status_name: String,
    pub status_reason: String,
    pub holder_name: String,
    pub holder_code: String,
    pub issuer_name: String,
    pub issuer_code: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// 照面信息.
    pub data: BTreeMap<String, String>,
    /// The code printed on the document for online verification (holder and issuer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
}

/// The certificate as shown, with its status as of `today`.
pub fn view(r: &CertificateRecord, with_code: bool, today: NaiveDate) -> Result<CertificateView> {
    let c = Content::parse(&r.content).map_err(|e| {
        tracing::error!(identifier = %r.identifier, error = %e, "stored certificate content is unreadable");
        Error::internal()
    })?;
    let status = r.status.as_of(r.valid_until, today);
    Ok(CertificateView {
        identifier: r.identifier.clone(),
        type_code: c.type_code,
        type_name: c.type_name,
        number: c.number,
        version: r.version,
        predecessor: c.predecessor,
        status: status.code().to_string(),
        status_name: status.name(yici_service::context::current_lang()).to_string(),
        status_reason: r.status_reason.clone(),
        holder_name: c.holder.name,
        holder_code: c.holder.code,
        issuer_name: c.issuer.name,
        issuer_code: c.issuer.code,
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        data: c.data,
        verification_code: with_code.then(|| r.verification_code.clone()),
    })
}

/// A certificate's PDF/A-2b document and the file name to give it.
#[derive(Debug)]
pub struct Pdf {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Pdf {
    fn new(identifier: &str, bytes: Vec<u8>) -> Self {
        Pdf {
            file_name: format!("{}.pdf", identifier.replace('.', "_")),
            bytes,
        }
    }
}

pub(crate) async fn department(state: &CertificatesState, id: i64) -> Result<Department> {
    state
        .store
        .department(id)
        .await?
        .ok_or_else(|| Error::not_found("部门", "department"))
}

/// The department the caller acts for: a user's own, or a system's.
pub async fn acting_department(state: &CertificatesState, auth: &Caller) -> Result<Department> {
    let id = match &auth.principal {
        Principal::System { department_id, .. } => Some(*department_id),
        _ => auth.user.as_ref().and_then(|u| u.department_id),
    };
    let Some(id) = id else {
        return Err(match auth.principal {
            Principal::Anonymous => Error::unauthenticated(),
            _ => Error::new(
                Kind::Forbidden,
                "forbidden",
                "您的账号不属于具体部门",
                "Your account belongs to no department",
            ),
        });
    };
    department(state, id).await
}

/// A certificate by identifier; 404 for a malformed or unknown one.
pub(crate) async fn certificate(state: &CertificatesState, identifier: &str) -> Result<CertificateRecord> {
    let not_found = || Error::not_found("电子证照", "certificate");
    CertificateId::parse(identifier).map_err(|_| not_found())?;
    state.store.certificate(identifier).await?.ok_or_else(not_found)
}

/// A reason as given (trimmed), required and at most 500 characters.
pub(crate) fn reason(text: &str) -> Result<String> {
    let r = text.trim();
    if r.is_empty() || r.chars().count() > 500 || yici_core::text::has_control(r) {
        return Err(Error::field(
            "reason",
            "请填写原因（不超过500字，不含控制字符）",
            "Give a reason (at most 500 characters, no control characters)",
        ));
    }
    Ok(r.to_string())
}
