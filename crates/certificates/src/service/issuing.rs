//! Issuing (one certificate, a batch, a spreadsheet) and the lifecycle (change, renew, suspend,
//! resume, revoke, cancel), for the issuing department.

use super::{CertificateView, Pdf, acting_department, certificate, reason, view};
use crate::CertificatesState;
use crate::library::{self, IssueRequest};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::certificate::{Operation, Status};
use yici_service::rows::RowError;
use yici_service::{Caller, Error, FieldError, Kind, Result};
use yici_store::certificates::CertificateRecord;
use yici_store::departments::Department;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BatchInput {
    pub certificates: Vec<IssueRequest>,
}

/// One row's outcome in a bulk issue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchRow {
    /// Position in the request, from 0.
    pub index: usize,
    pub identifier: Option<String>,
    pub errors: Vec<BatchError>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub issued: usize,
    pub rejected: usize,
    pub rows: Vec<BatchRow>,
}

/// What a spreadsheet import did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub rows: usize,
    pub issued: usize,
    pub rejected: usize,
    /// Whether anything was issued.
    pub written: bool,
    pub identifiers: Vec<String>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OperationInput {
    /// `change`, `renew`, `suspend`, `resume`, `revoke`, `revoke_penalty` or `cancel`.
    pub operation: String,
    pub reason: String,
    /// New surface data (change).
    pub data: Option<BTreeMap<String, String>>,
    /// Start of the new version's validity (change, renew; default today).
    pub valid_from: Option<NaiveDate>,
    /// End, for types whose validity the issuer sets.
    pub valid_until: Option<NaiveDate>,
}

/// The caller's department, when it may issue.
async fn issuer(state: &CertificatesState, auth: &Caller) -> Result<Department> {
    auth.require(Permission::IssueCertificates, &Target::OwnScope)?;
    let d = acting_department(state, auth).await?;
    auth.require(Permission::IssueCertificates, &d.target())?;
    Ok(d)
}

/// One of the caller's department's certificates, or 404.
pub(crate) async fn issued(
    state: &CertificatesState,
    auth: &Caller,
    identifier: &str,
) -> Result<(Department, CertificateRecord)> {
    let d = issuer(state, auth).await?;
    let c = certificate(state, identifier).await?;
    if c.issuer_department_id != d.id {
        return Err(Error::not_found("电子证照", "certificate"));
    }
    Ok((d, c))
}

/// Issue every request (issuers, of their own department's types): each row is issued or
/// refused with all its problems.
async fn issue_checked(
    state: &CertificatesState,
    auth: &Caller,
    requests: &[IssueRequest],
) -> Result<Vec<std::result::Result<CertificateRecord, Vec<FieldError>>>> {
    let issuer = issuer(state, auth).await?;
    if requests.is_empty() || requests.len() > library::MAX_BATCH {
        return Err(Error::field(
            "certificates",
            format!("一次签发1至{}份", library::MAX_BATCH),
            format!("Issue 1 to {} certificates at a time", library::MAX_BATCH),
        ));
    }
    let mut types = HashMap::new();
    for r in requests {
        if !types.contains_key(&r.type_code)
            && let Some(t) = state.store.certificate_type(&r.type_code).await?
        {
            types.insert(r.type_code.clone(), t);
        }
    }
    state
        .certs
        .issue(
            &state.store,
            &issuer,
            &types,
            requests,
            &auth.event(Action::CertificateIssue, "certificate"),
        )
        .await
}

/// Issue one certificate. Its `issue_key` makes a retry return the certificate issued the first
/// time.
/// Issue the result of a case's step: department `d` (the step's) issues under its seal, the
/// one window acting for `auth` (the approver whose decision concluded the step), the case
/// number on the audit entry. Idempotent by `r.issue_key`. The certificate, or the problems of
/// its data (the step then waits for them to be put right).
pub async fn issue_for_case(
    state: &CertificatesState,
    auth: &Caller,
    d: &Department,
    r: IssueRequest,
    case_no: &str,
) -> Result<std::result::Result<CertificateView, Vec<FieldError>>> {
    let mut types = HashMap::new();
    if let Some(t) = state.store.certificate_type(&r.type_code).await? {
        types.insert(r.type_code.clone(), t);
    }
    let mut event = auth.event(Action::CertificateIssue, "certificate");
    event.on_behalf_of = Some(event.actor.label.clone());
    event.actor = yici_core::audit::Actor::one_window(d.id);
    event.case_ref = Some(case_no.to_string());
    let mut results = state
        .certs
        .issue(&state.store, d, &types, std::slice::from_ref(&r), &event)
        .await?;
    Ok(match results.pop() {
        Some(Ok(c)) => Ok(view(&c, true, state.clock.today())?),
        Some(Err(errors)) => Err(errors),
        None => Err(vec![]),
    })
}

/// The surface data of the holder's newest valid certificate of `type_code`, if any (a result
/// that continues an earlier certificate starts from its data).
pub async fn latest_data(
    state: &CertificatesState,
    holder: &str,
    type_code: &str,
) -> Result<Option<BTreeMap<String, String>>> {
    let filter = yici_store::certificates::CertificateFilter {
        issuer_department_id: None,
        holder_code: Some(holder.to_string()),
        type_code: Some(type_code.to_string()),
    };
    let today = state.clock.today();
    match state
        .store
        .certificates(&filter, yici_store::Page::new(Some(20), None))
        .await?
        .into_iter()
        .filter(|c| c.status.as_of(c.valid_until, today) == Status::Valid)
        .max_by_key(|c| c.id)
    {
        Some(c) => Ok(Some(view(&c, true, today)?.data)),
        None => Ok(None),
    }
}

pub async fn issue(state: &CertificatesState, auth: &Caller, r: IssueRequest) -> Result<CertificateView> {
    match issue_checked(state, auth, std::slice::from_ref(&r)).await?.remove(0) {
        Ok(c) => view(&c, true, state.clock.today()),
        Err(errors) => Err(Error::validation(errors)),
    }
}

/// Issue many certificates: valid rows are issued together, every invalid row is reported with
/// all its problems.
pub async fn issue_batch(state: &CertificatesState, auth: &Caller, input: BatchInput) -> Result<BatchResult> {
    let results = issue_checked(state, auth, &input.certificates).await?;
    Ok(batch_result(results))
}

fn batch_result(results: Vec<std::result::Result<CertificateRecord, Vec<FieldError>>>) -> BatchResult {
    let lang = yici_service::context::current_lang();
    let rows: Vec<BatchRow> = results
        .into_iter()
        .enumerate()
        .map(|(index, r)| match r {
            Ok(c) => BatchRow {
                index,
                identifier: Some(c.identifier),
                errors: vec![],
            },
            Err(errors) => BatchRow {
                index,
                identifier: None,
                errors: errors
                    .iter()
                    .map(|e| BatchError {
                        field: e.field.clone(),
                        message: e.message(lang).to_string(),
                    })
                    .collect(),
            },
        })
        .collect();
    let issued = rows.iter().filter(|r| r.identifier.is_some()).count();
    BatchResult {
        issued,
        rejected: rows.len() - issued,
        rows,
    }
}

fn import_refused(errors: &[RowError]) -> Error {
    yici_service::rows::refused(errors, "文件中的证照均未签发", "Nothing was issued")
}

/// Bulk issue from a spreadsheet (`filename` ends in .xlsx or .csv) of one type; every problem
/// is reported by row and column. With `partial`, the valid rows are issued and the others
/// reported; otherwise all or nothing. Importing the same file again issues nothing twice.
pub async fn import(
    state: &CertificatesState,
    auth: &Caller,
    type_code: &str,
    filename: &str,
    body: &[u8],
    partial: bool,
) -> Result<ImportResult> {
    let issuer = issuer(state, auth).await?;
    let t = state
        .store
        .certificate_type(type_code)
        .await?
        .ok_or_else(|| Error::field("type_code", "没有该证照类型", "No such certificate type"))?;
    let grid = yici_web::sheet::read_grid(filename, body)?;
    let parsed = library::import::parse(&t.definition, &grid);
    if !parsed.errors.is_empty() {
        return Err(import_refused(&parsed.errors));
    }
    if parsed.requests.is_empty() || parsed.requests.len() > library::MAX_BATCH {
        return Err(Error::field(
            "file",
            format!("文件应有1至{}行证照", library::MAX_BATCH),
            format!("The file must have 1 to {} rows", library::MAX_BATCH),
        ));
    }
    let mut errors = Vec::new();
    for (row, r) in &parsed.requests {
        errors.extend(parsed.row_errors(*row, &library::problems(&t, &issuer, r, state.clock.today())));
    }
    if !errors.is_empty() && !partial {
        return Err(import_refused(&errors));
    }
    let requests: Vec<IssueRequest> = parsed.requests.iter().map(|(_, r)| r.clone()).collect();
    let types = HashMap::from([(t.definition.code.clone(), t.clone())]);
    let mut event = auth.event(Action::CertificateIssue, "certificate");
    event.detail = Some(format!("import {}", filename.chars().take(100).collect::<String>()));
    let results = state
        .certs
        .issue(&state.store, &issuer, &types, &requests, &event)
        .await?;
    let identifiers: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|c| c.identifier.clone()))
        .collect();
    Ok(ImportResult {
        rows: requests.len(),
        issued: identifiers.len(),
        rejected: requests.len() - identifiers.len(),
        written: !identifiers.is_empty(),
        identifiers,
        errors,
    })
}

/// Change, renew, suspend, resume, revoke or cancel a certificate (its issuer). A change or a
/// renewal answers with the new version; the old one is cancelled.
pub async fn operate(
    state: &CertificatesState,
    auth: &Caller,
    identifier: &str,
    input: OperationInput,
) -> Result<CertificateView> {
    let (d, c) = issued(state, auth, identifier).await?;
    let op = Operation::from_code(&input.operation)
        .filter(|o| *o != Operation::Issue)
        .ok_or_else(|| {
            Error::field(
                "operation",
                "操作应为 change、renew、suspend、resume、revoke、revoke_penalty 或 cancel",
                "The operation must be change, renew, suspend, resume, revoke, revoke_penalty or cancel",
            )
        })?;
    let why = reason(&input.reason)?;
    // A suspension (挂失) is lifted only by resuming, even once the certificate has expired.
    let current = match c.status {
        Status::Suspended => c.status,
        stored => stored.as_of(c.valid_until, state.clock.today()),
    };
    let next = op
        .apply(current)
        .map_err(|(zh, en)| Error::new(Kind::Conflict, "invalid_transition", zh, en))?;
    let mut event = auth.event(Action::of_operation(op), "certificate");
    event.detail = Some(why.clone());
    if op.makes_version() {
        let t = state
            .store
            .certificate_type(&c.type_code)
            .await?
            .ok_or_else(Error::internal)?;
        if op == Operation::Renew && input.data.is_some() {
            return Err(Error::field(
                "data",
                "延续换发不改变照面信息，请使用变更",
                "A renewal keeps the data; use change",
            ));
        }
        let new = state
            .certs
            .new_version(
                &state.store,
                &d,
                &t.definition,
                &c,
                c.status,
                input.data.as_ref(),
                input.valid_from,
                input.valid_until,
                &event,
            )
            .await?;
        return view(&new, true, state.clock.today());
    }
    // Expiry is derived, not stored: the stored status is what must still hold.
    let updated = state
        .store
        .certificate_set_status(&c.identifier, c.status, next, &why, &event)
        .await?;
    view(&updated, true, state.clock.today())
}

/// The certificate as PDF/A-2b, for its issuer.
pub async fn pdf(state: &CertificatesState, auth: &Caller, identifier: &str) -> Result<Pdf> {
    let (_, c) = issued(state, auth, identifier).await?;
    state
        .audit
        .append(
            auth.event(Action::CertificatePdf, "certificate")
                .object(&c.identifier)
                .subject(&c.holder_code)
                .purpose("发证机关下载证照"),
        )
        .await?;
    let bytes = library::render_pdf(&state.store, &state.public_url, &c, None).await?;
    Ok(Pdf::new(&c.identifier, bytes))
}
