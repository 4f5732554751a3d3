//! Departments finding and using a holder's certificates: under the holder's consent, or under a
//! sharing grant held by one of their systems for the type's linked catalogue resource (whose
//! masking and daily quota then apply). Every use is recorded where the holder sees it.
//!
//! The one window fetches materials through [`find`] and [`use_copy`].

use super::{CertificateView, Pdf, USE_COPY_DAYS, acting_department, certificate, view};
use crate::CertificatesState;
use crate::library;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Principal};
use yici_core::certificate::{FieldKind, Status};
use yici_core::masking::{ValueKind, mask};
use yici_core::org::ApplicantId;
use yici_core::sharing::{Grant, Release, ReleaseField};
use yici_service::{Caller, Error, FieldError, Kind, Result};
use yici_store::Page;
use yici_store::certificates::{CertificateFilter, CertificateRecord, CertificateUse};
use yici_store::departments::Department;

/// A request for a use copy (加注件).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UseCopyInput {
    /// 事由.
    pub purpose: String,
    /// The application (case) the use serves.
    pub case_ref: Option<String>,
}

/// A use copy (加注件) as recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UseCopyView {
    pub use_id: i64,
    /// The use copy as PDF/A-2b (for this department, while it is valid).
    pub pdf_url: String,
    pub identifier: String,
    pub department: String,
    pub purpose: String,
    pub case_ref: Option<String>,
    /// Unix microseconds.
    pub used_at: i64,
    pub valid_until: i64,
}

/// A consent the caller's department holds: what a holder agreed to, not the certificate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HeldConsent {
    pub id: i64,
    pub type_code: String,
    pub type_name: String,
    /// The holder's number and name, masked.
    pub holder_code: String,
    pub holder_name: String,
    pub purpose: String,
    /// UTC microseconds.
    pub granted_at: i64,
    /// UTC microseconds.
    pub expires_at: i64,
}

/// Why a department may use a certificate: the holder's consent, or a sharing grant (whose
/// masking profile and daily quota then apply).
struct Access {
    purpose: String,
    grant: Option<Grant>,
}

fn system_of(auth: &Caller) -> Option<i64> {
    match auth.principal {
        Principal::System { id, .. } => Some(id),
        _ => None,
    }
}

/// Count one use against the grant's daily quota (429 when used up); consent has no quota.
async fn take_quota(state: &CertificatesState, access: &Access) -> Result<()> {
    match &access.grant {
        Some(g) => yici_exchange::lookup::take_quota(&state.exchange, g, 1).await,
        None => Ok(()),
    }
}

/// The holder's fields in a certificate released as a row (names no surface field can take:
/// surface-data names are identifiers without spaces).
const HOLDER_CODE: &str = "持证主体 代码";
const HOLDER_NAME: &str = "持证主体 名称";

/// A certificate as a department sees it: in full under the holder's consent; under a grant,
/// with the grant's masking applied to the holder and to personal fields.
async fn department_view(state: &CertificatesState, c: &CertificateRecord, access: &Access) -> Result<CertificateView> {
    let mut v = view(c, false, state.clock.today())?;
    let Some(g) = &access.grant else { return Ok(v) };
    let t = state.store.certificate_type(&c.type_code).await?.map(|t| t.definition);
    // The holder's number and name are personal data only when the holder is a person.
    let person = matches!(ApplicantId::parse(&v.holder_code), Ok(ApplicantId::Person(_)));
    let holder = |kind| if person { kind } else { ValueKind::Plain };
    let field = |name: &str, kind| ReleaseField {
        name: name.to_string(),
        kind,
        names_subject: false,
    };
    let mut fields = vec![
        field(HOLDER_CODE, holder(ValueKind::IdNumber)),
        field(HOLDER_NAME, holder(ValueKind::Name)),
    ];
    fields.extend(v.data.keys().map(|name| {
        let kind = match t.as_ref().and_then(|t| t.fields.iter().find(|f| &f.name == name)) {
            Some(f) if f.kind == FieldKind::IdNumber => ValueKind::IdNumber,
            Some(f) => ValueKind::by_name(&f.label),
            None => ValueKind::Plain,
        };
        field(name, kind)
    }));
    // The holder and the surface data are released as one row, under the grant's masking.
    let mut row = v.data.clone();
    row.insert(HOLDER_CODE.into(), v.holder_code.clone());
    row.insert(HOLDER_NAME.into(), v.holder_name.clone());
    let mut released = Release::new(g, fields).row(&row, |_, value| value.to_string(), &mut Vec::new());
    v.holder_code = released.remove(HOLDER_CODE).unwrap_or_default();
    v.holder_name = released.remove(HOLDER_NAME).unwrap_or_default();
    v.data = released;
    Ok(v)
}

/// The certificates of `holder` the caller's department may use: consented to it, or under a
/// grant held by one of its systems (a system: by itself) for the type's linked resource. Each
/// certificate once, consent first.
async fn usable(
    state: &CertificatesState,
    auth: &Caller,
    department_id: i64,
    holder: &str,
) -> Result<Vec<(CertificateRecord, Access)>> {
    let mut out: Vec<(CertificateRecord, Access)> = Vec::new();
    for (c, k) in state
        .store
        .consented_certificates(department_id, Some(holder), state.clock.now_micros())
        .await?
    {
        if !out.iter().any(|(found, _)| found.id == c.id) {
            out.push((
                c,
                Access {
                    purpose: k.purpose,
                    grant: None,
                },
            ));
        }
    }
    for (c, grant, purpose) in state
        .store
        .certificates_granted(holder, department_id, system_of(auth), state.clock.today())
        .await?
    {
        if !out.iter().any(|(found, _)| found.id == c.id)
            && let Some(g) = state.store.grant(grant).await?
        {
            out.push((
                c,
                Access {
                    purpose,
                    grant: Some(g),
                },
            ));
        }
    }
    Ok(out)
}

async fn access_for(
    state: &CertificatesState,
    auth: &Caller,
    c: &CertificateRecord,
    department_id: i64,
) -> Result<Access> {
    usable(state, auth, department_id, &c.holder_code)
        .await?
        .into_iter()
        .find(|(found, _)| found.id == c.id)
        .map(|(_, a)| a)
        // The same answer as for an unknown identifier: nothing about the certificate leaks.
        .ok_or_else(|| Error::not_found("电子证照", "certificate"))
}

/// How a certificate was used.
#[derive(Debug, Clone, Copy)]
enum UseKind {
    View,
    UseCopy,
    /// A use copy the one window fetched for a case: the department acts, for the caller.
    CaseCopy,
}

async fn record_use(
    state: &CertificatesState,
    auth: &Caller,
    (c, d): (&CertificateRecord, &Department),
    kind: UseKind,
    access: &Access,
    case_ref: Option<String>,
    valid_until: Option<i64>,
) -> Result<CertificateUse> {
    let (u, event) = use_of(state, auth, (c, d), kind, access, case_ref, valid_until);
    Ok(state.store.certificate_use_add(&u, &event).await?)
}

/// A use to record, and its audit entry.
fn use_of(
    state: &CertificatesState,
    auth: &Caller,
    (c, d): (&CertificateRecord, &Department),
    kind: UseKind,
    access: &Access,
    case_ref: Option<String>,
    valid_until: Option<i64>,
) -> (CertificateUse, yici_core::audit::AuditEvent) {
    let purpose = access.purpose.as_str();
    let (code, action) = match kind {
        UseKind::View => ("view", Action::CertificateView),
        UseKind::UseCopy | UseKind::CaseCopy => ("use_copy", Action::CertificateUseCopy),
    };
    let by_window = matches!(kind, UseKind::CaseCopy);
    let u = CertificateUse {
        id: 0,
        certificate_id: c.id,
        kind: code.to_string(),
        department_id: Some(d.id),
        actor: if by_window {
            format!("{}（一窗受理）", d.name)
        } else {
            format!("{}（{}）", d.name, auth.actor().label)
        },
        purpose: purpose.to_string(),
        case_ref: case_ref.clone(),
        valid_until,
        used_at: state.clock.now_micros(),
    };
    let mut event = auth
        .event(action, "certificate_use")
        .subject(&c.holder_code)
        .purpose(purpose);
    event.case_ref = case_ref;
    event.grant_ref = access.grant.as_ref().map(|g| g.id.to_string());
    if by_window {
        event.on_behalf_of = Some(event.actor.label.clone());
        event.actor = yici_core::audit::Actor::one_window(d.id);
    }
    event.object_ids.push(c.identifier.clone());
    (u, event)
}

/// What to find: a holder's certificates (required for departments that did not issue them),
/// optionally of one type.
#[derive(Debug, Clone)]
pub struct Find {
    pub holder: Option<String>,
    pub type_code: Option<String>,
    pub page: Page,
}

/// Certificates: an issuer's own department's; other departments find a holder's certificates
/// that the holder consented to share with them or that a grant covers (`holder` required;
/// each one found is a use the holder sees).
pub async fn find(state: &CertificatesState, auth: &Caller, q: Find) -> Result<Vec<CertificateView>> {
    let d = acting_department(state, auth).await?;
    let holder = match q.holder.as_deref() {
        Some(h) => Some(ApplicantId::parse(h).map_err(|e| Error::validation(vec![FieldError::id("holder", &e)]))?),
        None => None,
    };
    if auth.require(Permission::IssueCertificates, &d.target()).is_ok() {
        let filter = CertificateFilter {
            issuer_department_id: Some(d.id),
            holder_code: holder.as_ref().map(|h| h.as_str().to_string()),
            type_code: q.type_code.clone(),
        };
        let found = state.store.certificates(&filter, q.page).await?;
        if !found.is_empty() {
            let mut event = auth
                .event(Action::CertificateList, "certificate")
                .purpose("发证机关管理本部门证照");
            for c in &found {
                event = event.object(&c.identifier);
                if !event.subjects.contains(&c.holder_code) {
                    event = event.subject(&c.holder_code);
                }
            }
            state.audit.append(event).await?;
        }
        return found.iter().map(|c| view(c, true, state.clock.today())).collect();
    }
    auth.require(Permission::UseCertificates, &d.target())?;
    let Some(holder) = holder else {
        return Err(Error::field(
            "holder",
            "请提供持证主体的证件号码",
            "Give the holder's number",
        ));
    };
    let found: Vec<(CertificateRecord, Access)> = usable(state, auth, d.id, holder.as_str())
        .await?
        .into_iter()
        .filter(|(c, _)| q.type_code.as_ref().is_none_or(|t| &c.type_code == t))
        .collect();
    for (_, a) in &found {
        take_quota(state, a).await?;
    }
    let mut out = Vec::new();
    for (c, a) in &found {
        out.push(department_view(state, c, a).await?);
        // Each certificate found is a use the holder sees, logged with its consent or grant.
        record_use(state, auth, (c, &d), UseKind::View, a, None, None).await?;
    }
    Ok(out)
}

/// One certificate: its issuer, or a department the holder consented to share it with or that
/// holds a grant for it (the read is recorded as a use the holder sees).
pub async fn get(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<CertificateView> {
    let d = acting_department(state, auth).await?;
    let issues = auth.require(Permission::IssueCertificates, &d.target()).is_ok();
    if !issues {
        auth.require(Permission::UseCertificates, &d.target())?;
    }
    let c = certificate(state, identifier).await?;
    if issues && c.issuer_department_id == d.id {
        state
            .audit
            .append(
                auth.event(Action::CertificateRead, "certificate")
                    .object(&c.identifier)
                    .subject(&c.holder_code)
                    .purpose("发证机关管理本部门证照"),
            )
            .await?;
        return view(&c, true, state.clock.today());
    }
    auth.require(Permission::UseCertificates, &d.target())?;
    let access = access_for(state, auth, &c, d.id).await?;
    take_quota(state, &access).await?;
    record_use(state, auth, (&c, &d), UseKind::View, &access, None, None).await?;
    department_view(state, &c, &access).await
}

/// Request a use copy (加注件) of a certificate the department may use, for a purpose and
/// optionally a case; valid for [`USE_COPY_DAYS`].
pub async fn use_copy(
    state: &CertificatesState,
    auth: &Caller,
    identifier: &str,
    input: UseCopyInput,
) -> Result<UseCopyView> {
    let d = acting_department(state, auth).await?;
    auth.require(Permission::UseCertificates, &d.target())?;
    let purpose = input.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 {
        return Err(Error::field(
            "purpose",
            "请填写用证事由（不超过200字）",
            "Give the purpose (at most 200 characters)",
        ));
    }
    if yici_core::text::has_control(purpose) {
        return Err(Error::field(
            "purpose",
            "不能包含控制字符",
            "Must not contain control characters",
        ));
    }
    let case_ref = input.case_ref.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if case_ref.is_some_and(|c| c.chars().count() > 64 || yici_core::text::has_control(c)) {
        return Err(Error::field(
            "case_ref",
            "办件编号不超过64个字符",
            "The case reference is at most 64 characters",
        ));
    }
    let c = certificate(state, identifier).await?;
    let access = Access {
        purpose: purpose.to_string(),
        grant: access_for(state, auth, &c, d.id).await?.grant,
    };
    take_quota(state, &access).await?;
    let status = c.status.as_of(c.valid_until, state.clock.today());
    if status != Status::Valid {
        return Err(Error::new(
            Kind::Conflict,
            "certificate_not_valid",
            format!("证照{}，不能用证", status.name(yici_core::Lang::Zh)),
            format!(
                "The certificate is {}; it cannot be used",
                status.name(yici_core::Lang::En)
            ),
        ));
    }
    let until = state.clock.now_micros() + USE_COPY_DAYS * 86_400_000_000;
    let u = record_use(
        state,
        auth,
        (&c, &d),
        UseKind::UseCopy,
        &access,
        case_ref.map(str::to_string),
        Some(until),
    )
    .await?;
    Ok(copy_view(c, d, u))
}

/// A use copy (加注件) prepared for a case of the one window and not yet recorded: the
/// certificate, the use and its audit entry. The case records it in the transaction of its own
/// change (`Store::case_submit`, `Store::case_fetched`), so that the use and what it serves
/// commit together; the use carries the case number, so the holder sees it in 谁用了我的数据.
pub type PreparedUse = (CertificateRecord, CertificateUse, yici_core::audit::AuditEvent);

/// The valid certificates of a case's holders, read once before the case's change is written
/// (the case number a use copy is bound to may not exist yet).
#[derive(Debug, Clone, Default)]
pub struct Held {
    holders: Vec<(String, Vec<CertificateRecord>)>,
}

impl Held {
    /// Read the valid certificates of each of `holders`.
    pub async fn read(state: &CertificatesState, holders: &[String]) -> Result<Held> {
        let today = state.clock.today();
        let mut held = Held::default();
        for h in holders {
            if held.holders.iter().any(|(k, _)| k == h) {
                continue;
            }
            let filter = CertificateFilter {
                issuer_department_id: None,
                holder_code: Some(h.clone()),
                type_code: None,
            };
            let valid = state
                .store
                .certificates(&filter, Page::new(Some(200), None))
                .await?
                .into_iter()
                .filter(|c| c.status.as_of(c.valid_until, today) == Status::Valid)
                .collect();
            held.holders.push((h.clone(), valid));
        }
        Ok(held)
    }

    /// For each wanted certificate type, the newest valid certificate of the first of its
    /// holders who has one, as a use copy bound to case `case_no`, under the consent the
    /// holders gave to that case's purpose (the caller has checked it); `None` where no holder
    /// has one. Reads nothing.
    pub fn use_copies(
        &self,
        state: &CertificatesState,
        auth: &Caller,
        d: &Department,
        wanted: &[(String, Vec<String>)],
        (case_no, purpose): (&str, &str),
    ) -> Vec<Option<PreparedUse>> {
        let access = Access {
            purpose: purpose.to_string(),
            grant: None,
        };
        let until = state.clock.now_micros() + USE_COPY_DAYS * 86_400_000_000;
        wanted
            .iter()
            .map(|(type_code, holders)| {
                let found = holders.iter().find_map(|h| {
                    self.holders
                        .iter()
                        .find(|(k, _)| k == h)
                        .and_then(|(_, certs)| certs.iter().filter(|c| &c.type_code == type_code).max_by_key(|c| c.id))
                })?;
                let (u, event) = use_of(
                    state,
                    auth,
                    (found, d),
                    UseKind::CaseCopy,
                    &access,
                    Some(case_no.to_string()),
                    Some(until),
                );
                Some((found.clone(), u, event))
            })
            .collect()
    }
}

/// A recorded use copy as shown to the department that requested it.
fn copy_view(c: CertificateRecord, d: Department, u: CertificateUse) -> UseCopyView {
    UseCopyView {
        pdf_url: format!("/api/v1/certificates/{}/use-copies/{}/pdf", c.identifier, u.id),
        use_id: u.id,
        identifier: c.identifier,
        department: d.name,
        purpose: u.purpose,
        case_ref: u.case_ref,
        used_at: u.used_at,
        valid_until: u.valid_until.unwrap_or_default(),
    }
}

/// A use copy of the caller's department, while it is valid; 404 otherwise.
async fn valid_use_copy(
    state: &CertificatesState,
    auth: &Caller,
    identifier: &str,
    id: i64,
) -> Result<(Department, CertificateRecord, CertificateUse)> {
    let d = acting_department(state, auth).await?;
    auth.require(Permission::UseCertificates, &d.target())?;
    let not_found = || Error::not_found("加注件（或已过期）", "use copy (or it has expired)");
    let c = certificate(state, identifier).await.map_err(|_| not_found())?;
    let now = state.clock.now_micros();
    let u = state
        .store
        .certificate_uses(c.id)
        .await?
        .into_iter()
        .find(|u| u.id == id && u.kind == "use_copy" && u.department_id == Some(d.id))
        .filter(|u| u.valid_until.is_some_and(|until| until > now))
        .ok_or_else(not_found)?;
    Ok((d, c, u))
}

/// A use copy (加注件) the caller's department requested, while it is valid (for the page that
/// shows it after the request).
pub async fn use_copy_of(state: &CertificatesState, auth: &Caller, identifier: &str, id: i64) -> Result<UseCopyView> {
    let (d, c, u) = valid_use_copy(state, auth, identifier, id).await?;
    Ok(copy_view(c, d, u))
}

/// A use copy (加注件) as PDF/A-2b, for the department that requested it, while it is valid.
pub async fn use_copy_pdf(state: &CertificatesState, auth: &Caller, identifier: &str, id: i64) -> Result<Pdf> {
    let (d, c, u) = valid_use_copy(state, auth, identifier, id).await?;
    let mut event = auth
        .event(Action::CertificateUseCopyPdf, "certificate_use")
        .object(&c.identifier)
        .object(u.id)
        .subject(&c.holder_code)
        .purpose(&u.purpose);
    event.case_ref = u.case_ref.clone();
    state.audit.append(event).await?;
    let note = library::UseCopyNote {
        department: d.name.clone(),
        purpose: u.purpose.clone(),
        used_at: u.used_at,
        valid_until: u.valid_until.unwrap_or_default(),
    };
    let bytes = library::render_pdf(&state.store, &state.public_url, &c, Some(&note)).await?;
    Ok(Pdf::new(&c.identifier, bytes))
}

/// The consents the caller's department holds now (neither withdrawn nor expired), newest
/// first. Holders are masked: finding the certificate itself still takes the holder's full
/// number, and is recorded as a use.
pub async fn held_consents(state: &CertificatesState, auth: &Caller) -> Result<Vec<HeldConsent>> {
    let dept = acting_department(state, auth).await?;
    auth.require(Permission::UseCertificates, &dept.target())?;
    let names: HashMap<String, String> = state
        .store
        .certificate_types(None)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.definition.code.clone(),
                t.definition.name_in(yici_service::context::current_lang()).to_string(),
            )
        })
        .collect();
    let held = state
        .store
        .consented_certificates(dept.id, None, state.clock.now_micros())
        .await?;
    let out = held
        .into_iter()
        .map(|(c, k)| HeldConsent {
            id: k.id,
            type_name: names.get(&c.type_code).cloned().unwrap_or_default(),
            type_code: c.type_code,
            holder_code: mask(ValueKind::IdNumber, &c.holder_code),
            holder_name: mask(ValueKind::Name, &c.holder_name),
            purpose: k.purpose,
            granted_at: k.created_at,
            expires_at: k.expires_at,
        })
        .collect();
    state
        .audit
        .append(
            auth.event(Action::CertificateConsentList, "certificate_consent")
                .object(dept.id),
        )
        .await?;
    Ok(out)
}
