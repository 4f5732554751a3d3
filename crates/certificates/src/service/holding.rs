//! The holder's side: my certificates, consents for departments, 亮证 tokens and the uses of my
//! certificates; and the public side: online verification with the printed code, and the
//! certificate behind a 亮证 token.

use super::{CertificateView, MAX_CONSENT_DAYS, Pdf, SHOW_SECONDS, certificate, view};
use crate::CertificatesState;
use crate::library::{self, Verification};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::certificate::FieldKind;
use yici_core::id::CertificateId;
use yici_core::masking::{ValueKind, mask};
use yici_core::org::{ApplicantId, mask_name};
use yici_service::{Caller, Error, FieldError, Kind, Result};
use yici_store::Page;
use yici_store::certificates::{CertificateFilter, CertificateRecord, Consent};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConsentInput {
    pub department_id: i64,
    pub purpose: String,
    /// The last day the department may use the certificate.
    pub expires_on: NaiveDate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub purpose: String,
    /// Unix microseconds.
    pub expires_at: i64,
    pub created_at: i64,
    pub revoked: bool,
}

/// A short-lived token that shows the certificate (亮证), for a QR code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShowToken {
    pub token: String,
    /// Where the token shows the certificate (the QR code's content).
    pub url: String,
    /// Unix microseconds.
    pub expires_at: i64,
}

/// A use of my certificate as I see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UseView {
    /// `view` or `use_copy`.
    pub kind: String,
    pub who: String,
    pub purpose: String,
    pub case_ref: Option<String>,
    /// Unix microseconds.
    pub used_at: i64,
}

/// What a 亮证 token shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShownCertificate {
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    pub holder_name: String,
    /// Masked for people.
    pub holder_code: String,
    pub status: String,
    pub status_name: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub issuer_name: String,
    pub data: BTreeMap<String, String>,
    pub signature_valid: bool,
    pub seal_valid: bool,
    /// The picture of the seal that sealed it.
    pub seal_picture_url: String,
}

/// The signed-in applicant's number.
fn holder(auth: &Caller) -> Result<ApplicantId> {
    auth.require(Permission::HoldCertificates, &Target::OwnScope)?;
    auth.applicant
        .as_ref()
        .map(|a| a.applicant_id.clone())
        .ok_or_else(Error::unauthenticated)
}

/// One of my certificates, or 404.
async fn mine(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<CertificateRecord> {
    let me = holder(auth)?;
    let c = certificate(state, identifier).await?;
    if c.holder_code != me.as_str() {
        return Err(Error::not_found("电子证照", "certificate"));
    }
    Ok(c)
}

/// One of my certificates as shown to me.
pub async fn my_certificate(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<CertificateView> {
    view(&mine(state, auth, identifier).await?, true, state.clock.today())
}

/// One of my certificates as PDF/A-2b.
pub async fn my_pdf(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<Pdf> {
    let c = mine(state, auth, identifier).await?;
    let bytes = library::render_pdf(&state.store, &state.public_url, &c, None).await?;
    Ok(Pdf::new(&c.identifier, bytes))
}

/// My certificates (citizens and companies).
pub async fn my_certificates(state: &CertificatesState, auth: &Caller, page: Page) -> Result<Vec<CertificateView>> {
    let me = holder(auth)?;
    let filter = CertificateFilter {
        holder_code: Some(me.as_str().to_string()),
        ..Default::default()
    };
    let found = state.store.certificates(&filter, page).await?;
    found.iter().map(|c| view(c, true, state.clock.today())).collect()
}

async fn consent_view(state: &CertificatesState, k: Consent) -> Result<ConsentView> {
    let name = state
        .store
        .department(k.department_id)
        .await?
        .map(|d| d.name)
        .unwrap_or_default();
    Ok(ConsentView {
        id: k.id,
        department_id: k.department_id,
        department_name: name,
        purpose: k.purpose,
        expires_at: k.expires_at,
        created_at: k.created_at,
        revoked: k.revoked_at.is_some(),
    })
}

/// Share one of my certificates with a department for a purpose, until a day.
pub async fn consent(
    state: &CertificatesState,
    auth: &Caller,
    identifier: &str,
    input: ConsentInput,
) -> Result<ConsentView> {
    let c = mine(state, auth, identifier).await?;
    let mut errors = Vec::new();
    let d = state.store.department(input.department_id).await?;
    if d.is_none() {
        errors.push(FieldError::new("department_id", "部门不存在", "No such department"));
    }
    let purpose = input.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 || yici_core::text::has_control(purpose) {
        errors.push(FieldError::new(
            "purpose",
            "请填写用途（不超过200字）",
            "Give the purpose (at most 200 characters)",
        ));
    }
    let today = state.clock.today();
    if input.expires_on < today || (input.expires_on - today).num_days() > MAX_CONSENT_DAYS {
        errors.push(FieldError::new(
            "expires_on",
            format!("授权截止日期应在今天至{MAX_CONSENT_DAYS}天内"),
            format!("The consent must end between today and {MAX_CONSENT_DAYS} days from now"),
        ));
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    // The consent lasts to the end of its last day in China (UTC+8).
    let end = input
        .expires_on
        .succ_opt()
        .map(yici_core::clock::china_midnight)
        .ok_or_else(|| Error::field("expires_on", "日期超出范围", "Date out of range"))?;
    let event = auth
        .event(Action::CertificateConsent, "certificate_consent")
        .subject(&c.holder_code)
        .purpose(purpose);
    let k = state
        .store
        .consent_add(c.id, input.department_id, purpose, end, &event)
        .await?;
    consent_view(state, k).await
}

/// The consents given for one of my certificates.
pub async fn consents(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<Vec<ConsentView>> {
    let c = mine(state, auth, identifier).await?;
    let mut out = Vec::new();
    for k in state.store.consents(c.id).await? {
        out.push(consent_view(state, k).await?);
    }
    Ok(out)
}

/// Withdraw a consent.
pub async fn withdraw_consent(state: &CertificatesState, auth: &Caller, identifier: &str, id: i64) -> Result<()> {
    let c = mine(state, auth, identifier).await?;
    if !state.store.consents(c.id).await?.iter().any(|k| k.id == id) {
        return Err(Error::not_found("授权", "consent"));
    }
    let event = auth
        .event(Action::CertificateConsentWithdraw, "certificate_consent")
        .subject(&c.holder_code);
    state.store.consent_revoke(id, &event).await?;
    Ok(())
}

/// Make a 亮证 token for one of my certificates, valid for [`SHOW_SECONDS`].
pub async fn show(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<ShowToken> {
    let c = mine(state, auth, identifier).await?;
    let token = yici_crypto::token::generate("show");
    let expires_at = state.clock.now_micros() + SHOW_SECONDS * 1_000_000;
    let event = auth
        .event(Action::CertificateShow, "certificate")
        .object(&c.identifier)
        .subject(&c.holder_code);
    state.store.show_add(&token.digest, c.id, expires_at, &event).await?;
    Ok(ShowToken {
        url: format!("{}/shows/{}", state.public_url, token.plaintext),
        token: token.plaintext,
        expires_at,
    })
}

/// The 亮证 link of one of my certificates while `token` (made by [`show`]) is valid; `None` for
/// any other token.
pub async fn show_link(
    state: &CertificatesState,
    auth: &Caller,
    identifier: &str,
    token: &str,
) -> Result<Option<String>> {
    let c = mine(state, auth, identifier).await?;
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let digest = yici_crypto::token::digest(token);
    let shown = state.store.show_certificate(&digest, state.clock.now_micros()).await?;
    Ok(shown
        .filter(|s| s.id == c.id)
        .map(|_| format!("{}/shows/{}", state.public_url, token)))
}

/// Every use of one of my certificates: who, for what, in which case, when.
pub async fn uses(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<Vec<UseView>> {
    let c = mine(state, auth, identifier).await?;
    let found = state.store.certificate_uses(c.id).await?;
    Ok(found
        .into_iter()
        .map(|u| UseView {
            kind: u.kind,
            who: u.actor,
            purpose: u.purpose,
            case_ref: u.case_ref,
            used_at: u.used_at,
        })
        .collect())
}

/// Verify a certificate online with the code printed on it (anyone). An unknown identifier and a
/// wrong code get the same answer, so identifiers cannot be enumerated.
pub async fn verification(
    state: &CertificatesState,
    auth: &Caller,
    identifier: &str,
    code: Option<&str>,
) -> Result<Verification> {
    let not_found = || {
        Error::new(
            Kind::NotFound,
            "not_found",
            "没有与该标识和核验码相符的电子证照",
            "No certificate matches this identifier and verification code",
        )
    };
    let c = match CertificateId::parse(identifier) {
        Ok(_) => state.store.certificate(identifier).await?,
        Err(_) => None,
    };
    let c = match (c, code) {
        (Some(c), Some(code)) if library::code_matches(code, &c.verification_code) => c,
        _ => return Err(not_found()),
    };
    let v = state.certs.verify(&state.store, &c).await?;
    // Recorded as a use of the certificate (the holder sees it; supervision counts it), with
    // its audit entry, in one transaction.
    let purpose = "在线核验证照真伪";
    let verified = yici_store::certificates::CertificateUse {
        id: 0,
        certificate_id: c.id,
        kind: "verify".into(),
        department_id: None,
        actor: "在线核验".into(),
        purpose: purpose.into(),
        case_ref: None,
        valid_until: None,
        used_at: state.clock.now_micros(),
    };
    let event = auth
        .event(Action::CertificateVerify, "certificate")
        .object(&c.identifier)
        .subject(&c.holder_code)
        .purpose(purpose);
    state.store.certificate_use_add(&verified, &event).await?;
    Ok(v)
}

/// The certificate behind a 亮证 token, while the token is valid (anyone holding the token):
/// the holder's name and number and other people's numbers on it are masked.
pub async fn shown(state: &CertificatesState, auth: &Caller, token: &str) -> Result<ShownCertificate> {
    let digest = yici_crypto::token::digest(token);
    let c = state
        .store
        .show_certificate(&digest, state.clock.now_micros())
        .await?
        .ok_or_else(|| Error::not_found("亮证码（可能已过期）", "show token (it may have expired)"))?;
    let v = state.certs.verify(&state.store, &c).await?;
    let mut full = view(&c, false, state.clock.today())?;
    // Other people's numbers on the certificate (a spouse's, a mother's) are masked too.
    if let Some(t) = state.store.certificate_type(&c.type_code).await? {
        for f in t.definition.fields.iter().filter(|f| f.kind == FieldKind::IdNumber) {
            if let Some(value) = full.data.get_mut(&f.name) {
                *value = mask(ValueKind::IdNumber, value);
            }
        }
    }
    let (name, code) = match ApplicantId::parse(&full.holder_code) {
        Ok(id @ ApplicantId::Person(_)) => (mask_name(&full.holder_name), id.masked()),
        Ok(id) => (full.holder_name.clone(), id.masked()),
        Err(_) => (mask_name(&full.holder_name), String::new()),
    };
    state
        .audit
        .append(
            auth.event(Action::CertificateShown, "certificate")
                .object(&c.identifier)
                .subject(&c.holder_code)
                .purpose("持证人亮证"),
        )
        .await?;
    Ok(ShownCertificate {
        identifier: full.identifier,
        type_code: full.type_code,
        seal_picture_url: format!("/api/v1/seals/{}/picture", c.seal_id),
        type_name: full.type_name,
        holder_name: name,
        holder_code: code,
        status: full.status,
        status_name: full.status_name,
        valid_from: full.valid_from,
        valid_until: full.valid_until,
        issuer_name: full.issuer_name,
        data: full.data,
        signature_valid: v.signature_valid,
        seal_valid: v.seal_valid,
    })
}

/// What waits for the reader on the home page: for a holder, their certificates; for an
/// issuer, its department's suspended certificates and those whose validity ends within 30
/// days (counts only: nobody's data is read, so nothing is logged).
pub async fn home(state: &CertificatesState, auth: &Caller) -> Result<Vec<yici_web::home::Tile>> {
    use yici_web::home::Tile;
    let lang = yici_service::context::current_lang();
    let mut tiles = Vec::new();
    if auth.require(Permission::HoldCertificates, &Target::OwnScope).is_ok() && auth.applicant.is_some() {
        let mine = my_certificates(state, auth, Page::all()).await?;
        tiles.push(Tile::new(
            lang.pick("我的证照", "My certificates"),
            mine.len() as i64,
            "/me/certificates",
        ));
    }
    if auth.require(Permission::IssueCertificates, &Target::OwnScope).is_ok() {
        let d = super::acting_department(state, auth).await?;
        if auth.require(Permission::IssueCertificates, &d.target()).is_ok() {
            let today = state.clock.today();
            let soon = today + chrono::Days::new(30);
            let (suspended, expiring) = state.store.certificates_attention(d.id, today, soon).await?;
            tiles.push(Tile::new(
                lang.pick("暂停使用的证照", "Suspended certificates"),
                suspended,
                "/certificates",
            ));
            tiles.push(Tile::new(
                lang.pick("30天内到期的证照", "Certificates ending within 30 days"),
                expiring,
                "/certificates",
            ));
        }
    }
    Ok(tiles)
}
