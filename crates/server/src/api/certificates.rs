//! The electronic certificate library over HTTP: certificate types, seals, issuing and the
//! lifecycle (issuers), online verification (anyone with the printed code), the holder's own
//! certificates with consent, 亮证 and uses, and the departments' use under consent.

use super::PageQuery;
use crate::auth::Auth;
use crate::certs::{self, IssueRequest, Verification};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Principal, Target};
use yici_core::certificate::{CertificateType, Content, Operation};
use yici_core::id::CertificateId;
use yici_core::masking::{ValueKind, mask};
use yici_core::org::{ApplicantId, mask_name};
use yici_store::certificates::{CertificateFilter, CertificateRecord, CertificateUse, Consent, SealRecord};
use yici_store::departments::Department;

/// How long a 亮证 token shows a certificate.
pub const SHOW_SECONDS: i64 = 300;
/// Longest consent a holder can give.
pub const MAX_CONSENT_DAYS: i64 = 366;
/// How long a use copy (加注件) is valid.
pub const USE_COPY_DAYS: i64 = 30;

/// A certificate as shown to those allowed to see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
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

fn view(r: &CertificateRecord, with_code: bool, today: chrono::NaiveDate) -> ApiResult<CertificateView> {
    let c = Content::parse(&r.content).map_err(|e| {
        tracing::error!(identifier = %r.identifier, error = %e, "stored certificate content is unreadable");
        ApiError::internal()
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
        status_name: status.name(crate::context::current_lang()).to_string(),
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

/// A seal as listed (never its key).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SealView {
    pub id: i64,
    pub department_id: i64,
    pub es_id: String,
    pub name: String,
    /// `active`, `retired` or `revoked`.
    pub status: String,
    pub status_reason: String,
    /// Unix seconds.
    pub valid_from: i64,
    pub valid_until: i64,
    pub picture_url: String,
}

impl From<SealRecord> for SealView {
    fn from(s: SealRecord) -> Self {
        SealView {
            picture_url: format!("/api/v1/seals/{}/picture", s.id),
            id: s.id,
            department_id: s.department_id,
            es_id: s.es_id,
            name: s.name,
            status: s.status.code().to_string(),
            status_reason: s.status_reason,
            valid_from: s.valid_from,
            valid_until: s.valid_until,
        }
    }
}

async fn department(state: &AppState, id: i64) -> ApiResult<Department> {
    state
        .store
        .department(id)
        .await?
        .ok_or_else(|| ApiError::not_found("部门", "department"))
}

fn target(d: &Department) -> Target {
    Target::Department {
        id: d.id,
        region: d.region(),
    }
}

/// The department the caller acts for: a user's own, or a system's.
async fn acting_department(state: &AppState, auth: &Auth) -> ApiResult<Department> {
    let id = match &auth.principal {
        Principal::System { department_id, .. } => Some(*department_id),
        _ => auth.user.as_ref().and_then(|u| u.department_id),
    };
    let Some(id) = id else {
        return Err(match auth.principal {
            Principal::Anonymous => ApiError::unauthenticated(),
            _ => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "您的账号不属于具体部门",
                "Your account belongs to no department",
            ),
        });
    };
    department(state, id).await
}

/// A certificate by identifier; 404 for a malformed or unknown one.
async fn certificate(state: &AppState, identifier: &str) -> ApiResult<CertificateRecord> {
    let not_found = || ApiError::not_found("电子证照", "certificate");
    CertificateId::parse(identifier).map_err(|_| not_found())?;
    state.store.certificate(identifier).await?.ok_or_else(not_found)
}

// ---------------------------------------------------------------------------------------------
// Certificate types

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TypeQuery {
    /// Only the types this department defines.
    pub department_id: Option<i64>,
}

/// A type with its defining department.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TypeView {
    pub department_id: i64,
    /// The catalogue resource under whose sharing grants departments find these certificates.
    pub resource_id: Option<i64>,
    #[serde(flatten)]
    pub definition: CertificateType,
}

impl From<yici_store::certificates::StoredType> for TypeView {
    fn from(t: yici_store::certificates::StoredType) -> Self {
        TypeView {
            department_id: t.department_id,
            resource_id: t.resource_id,
            definition: t.definition,
        }
    }
}

/// Certificate types (public: what certificates exist and what they say).
#[utoipa::path(get, path = "/api/v1/certificate-types", tag = "certificates", params(TypeQuery),
    responses((status = 200, body = Vec<TypeView>)))]
pub async fn list_types(
    State(state): State<AppState>,
    Query(q): Query<TypeQuery>,
) -> ApiResult<axum::Json<Vec<TypeView>>> {
    let types = state.store.certificate_types(q.department_id).await?;
    Ok(axum::Json(types.into_iter().map(TypeView::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/certificate-types/{code}", tag = "certificates",
    responses((status = 200, body = TypeView), (status = 404, body = crate::error::Problem)))]
pub async fn get_type(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<axum::Json<TypeView>> {
    let t = state
        .store
        .certificate_type(&code)
        .await?
        .ok_or_else(|| ApiError::not_found("证照类型", "certificate type"))?;
    Ok(axum::Json(t.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LinkInput {
    /// A published catalogue resource of the type's department; `null` removes the link.
    pub resource_id: Option<i64>,
}

/// Name the catalogue resource under whose sharing grants departments may find certificates of
/// the type (issuers, for their own department's types and resources).
#[utoipa::path(put, path = "/api/v1/certificate-types/{code}/resource", tag = "certificates", request_body = LinkInput,
    responses((status = 200, body = TypeView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn link_type(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Json(input): Json<LinkInput>,
) -> ApiResult<axum::Json<TypeView>> {
    auth.require(Permission::ManageCertificateTypes, &Target::OwnScope)?;
    let d = acting_department(&state, &auth).await?;
    auth.require(Permission::ManageCertificateTypes, &target(&d))?;
    let t = state
        .store
        .certificate_type(&code)
        .await?
        .filter(|t| t.department_id == d.id)
        .ok_or_else(|| ApiError::not_found("证照类型", "certificate type"))?;
    if let Some(id) = input.resource_id {
        let published = state.store.catalogue_published(id).await?;
        if published.is_none_or(|(r, _)| r.department_id != d.id) {
            return Err(ApiError::field(
                "resource_id",
                "应为本部门已发布的目录资源",
                "Must be a published catalogue resource of the department",
            ));
        }
    }
    let linked = state
        .store
        .certificate_type_link(
            &t.definition.code,
            input.resource_id,
            &auth.event(Action::CertificateTypeLink, "certificate_type"),
        )
        .await?;
    Ok(axum::Json(linked.into()))
}

/// Define a type (issuers, for their own department: the code starts with its credit code).
#[utoipa::path(post, path = "/api/v1/certificate-types", tag = "certificates", request_body = CertificateType,
    responses((status = 201, body = TypeView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_type(
    State(state): State<AppState>,
    auth: Auth,
    Json(t): Json<CertificateType>,
) -> ApiResult<(StatusCode, axum::Json<TypeView>)> {
    auth.require(Permission::ManageCertificateTypes, &Target::OwnScope)?;
    let d = acting_department(&state, &auth).await?;
    auth.require(Permission::ManageCertificateTypes, &target(&d))?;
    let mut problems: Vec<FieldError> = t
        .problems()
        .into_iter()
        .map(|p| FieldError::new(&p.field, p.zh, p.en))
        .collect();
    if problems.is_empty() && !t.code.starts_with(&d.uscc) {
        problems.push(FieldError::new(
            "code",
            "类型代码应以本部门的统一社会信用代码开头",
            "The type code must start with the department's credit code",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let stored = state
        .store
        .certificate_type_put(d.id, &t, &auth.event(Action::CertificateTypeSave, "certificate_type"))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(stored.into())))
}

// ---------------------------------------------------------------------------------------------
// Seals

/// The seal authority's root certificate (PEM): what verifiers trust.
#[utoipa::path(get, path = "/api/v1/seal-authority/certificate", tag = "certificates",
    responses((status = 200, description = "PEM certificate", content_type = "application/x-pem-file")))]
pub async fn authority_certificate(State(state): State<AppState>) -> ApiResult<axum::response::Response> {
    let a = state.certs.authority(&state.store).await?;
    let pem = yici_crypto::pki::to_pem(&a.cert_der).map_err(|_| ApiError::internal())?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SealQuery {
    pub department_id: Option<i64>,
}

/// Seals: operators see every department in scope, issuers their own department's.
#[utoipa::path(get, path = "/api/v1/seals", tag = "certificates", params(SealQuery),
    responses((status = 200, body = Vec<SealView>), (status = 403, body = crate::error::Problem)))]
pub async fn list_seals(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SealQuery>,
) -> ApiResult<axum::Json<Vec<SealView>>> {
    auth.require(Permission::ReadSeals, &Target::OwnScope)?;
    let department_id = match q.department_id {
        Some(id) => Some(id),
        None if auth.require(Permission::ManageSeals, &Target::OwnScope).is_ok() => None,
        None => Some(acting_department(&state, &auth).await?.id),
    };
    if let Some(id) = department_id {
        auth.require(Permission::ReadSeals, &target(&department(&state, id).await?))?;
    }
    let seals = state.store.seals(department_id).await?;
    let seals = auth
        .keep_within(&state.store, Permission::ReadSeals, seals, |s| vec![s.department_id])
        .await?;
    Ok(axum::Json(seals.into_iter().map(SealView::from).collect()))
}

/// Make a department's seal, or rotate it: the current one is retired (operators).
#[utoipa::path(post, path = "/api/v1/departments/{id}/seals", tag = "certificates",
    responses((status = 201, body = SealView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn make_seal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, axum::Json<SealView>)> {
    auth.require(Permission::ManageSeals, &Target::OwnScope)?;
    let d = department(&state, id).await?;
    auth.require(Permission::ManageSeals, &target(&d))?;
    let seal = state
        .certs
        .make_seal(&state.store, &d, &auth.event(Action::SealMake, "seal"))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(seal.into())))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReasonInput {
    pub reason: String,
}

fn reason(text: &str) -> ApiResult<String> {
    let r = text.trim();
    if r.is_empty() || r.chars().count() > 500 {
        return Err(ApiError::field(
            "reason",
            "请填写原因（不超过500字）",
            "Give a reason (at most 500 characters)",
        ));
    }
    Ok(r.to_string())
}

/// Revoke a seal: certificates it sealed no longer verify as sealed by a valid seal.
#[utoipa::path(post, path = "/api/v1/seals/{id}/revocation", tag = "certificates", request_body = ReasonInput,
    responses((status = 200, body = SealView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_seal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ReasonInput>,
) -> ApiResult<axum::Json<SealView>> {
    auth.require(Permission::ManageSeals, &Target::OwnScope)?;
    let seal = state
        .store
        .seal(id)
        .await?
        .ok_or_else(|| ApiError::not_found("电子印章", "seal"))?;
    auth.require(
        Permission::ManageSeals,
        &target(&department(&state, seal.department_id).await?),
    )?;
    let why = reason(&input.reason)?;
    let revoked = state
        .store
        .seal_revoke(id, &why, &auth.event(Action::SealRevoke, "seal"))
        .await?;
    Ok(axum::Json(revoked.into()))
}

/// A seal's picture (PNG).
#[utoipa::path(get, path = "/api/v1/seals/{id}/picture", tag = "certificates",
    responses((status = 200, content_type = "image/png"), (status = 404, body = crate::error::Problem)))]
pub async fn seal_picture(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<axum::response::Response> {
    let seal = state
        .store
        .seal(id)
        .await?
        .ok_or_else(|| ApiError::not_found("电子印章", "seal"))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], seal.picture).into_response())
}

// ---------------------------------------------------------------------------------------------
// Issuing and the lifecycle

async fn issue_checked(
    state: &AppState,
    auth: &Auth,
    requests: &[IssueRequest],
) -> ApiResult<Vec<Result<CertificateRecord, Vec<FieldError>>>> {
    auth.require(Permission::IssueCertificates, &Target::OwnScope)?;
    let issuer = acting_department(state, auth).await?;
    auth.require(Permission::IssueCertificates, &target(&issuer))?;
    if requests.is_empty() || requests.len() > certs::MAX_BATCH {
        return Err(ApiError::field(
            "certificates",
            format!("一次签发1至{}份", certs::MAX_BATCH),
            format!("Issue 1 to {} certificates at a time", certs::MAX_BATCH),
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

/// Issue one certificate (issuers, of their own department's types). An `Idempotency-Key`
/// header (or `issue_key`) makes a retry return the certificate issued the first time.
#[utoipa::path(post, path = "/api/v1/certificates", tag = "certificates", request_body = IssueRequest,
    responses((status = 201, body = CertificateView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn issue(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Json(mut r): Json<IssueRequest>,
) -> ApiResult<(StatusCode, axum::Json<CertificateView>)> {
    if r.issue_key.is_none() {
        r.issue_key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
    }
    match issue_checked(&state, &auth, std::slice::from_ref(&r)).await?.remove(0) {
        Ok(c) => Ok((
            StatusCode::CREATED,
            axum::Json(view(&c, true, state.config.clock.today())?),
        )),
        Err(errors) => Err(ApiError::validation(errors)),
    }
}

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

/// Issue many certificates: valid rows are issued together, every invalid row is reported
/// with all its problems.
#[utoipa::path(post, path = "/api/v1/certificates/batch", tag = "certificates", request_body = BatchInput,
    responses((status = 200, body = BatchResult), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn issue_batch(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<BatchInput>,
) -> ApiResult<axum::Json<BatchResult>> {
    let results = issue_checked(&state, &auth, &input.certificates).await?;
    Ok(axum::Json(batch_result(results)))
}

pub fn batch_result(results: Vec<Result<CertificateRecord, Vec<FieldError>>>) -> BatchResult {
    let lang = crate::context::current_lang();
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The type every row issues.
    pub type_code: String,
    /// The file's name; its extension (`.xlsx` or `.csv`) says how to read the body.
    pub filename: String,
    /// Issue the valid rows and report the others (default: all or nothing).
    #[serde(default)]
    pub partial: bool,
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
    pub errors: Vec<yici_service::rows::RowError>,
}

fn import_refused(errors: &[yici_service::rows::RowError]) -> ApiError {
    yici_service::rows::refused(errors, "文件中的证照均未签发", "Nothing was issued").into()
}

/// Bulk issue from a spreadsheet (.xlsx or .csv) of one type; every problem is reported by row
/// and column. Importing the same file again issues nothing twice.
#[utoipa::path(post, path = "/api/v1/certificates/import", tag = "certificates", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportResult), (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<ImportResult>> {
    auth.require(Permission::IssueCertificates, &Target::OwnScope)?;
    let issuer = acting_department(&state, &auth).await?;
    auth.require(Permission::IssueCertificates, &target(&issuer))?;
    let t = state
        .store
        .certificate_type(&q.type_code)
        .await?
        .ok_or_else(|| ApiError::field("type_code", "没有该证照类型", "No such certificate type"))?;
    let grid = yici_web::sheet::read_grid(&q.filename, &body)?;
    let parsed = certs::import::parse(&t.definition, &grid);
    if !parsed.errors.is_empty() {
        return Err(import_refused(&parsed.errors));
    }
    if parsed.requests.is_empty() || parsed.requests.len() > certs::MAX_BATCH {
        return Err(ApiError::field(
            "file",
            format!("文件应有1至{}行证照", certs::MAX_BATCH),
            format!("The file must have 1 to {} rows", certs::MAX_BATCH),
        ));
    }
    let mut errors = Vec::new();
    for (row, r) in &parsed.requests {
        errors.extend(parsed.row_errors(*row, &certs::problems(&t, &issuer, r, state.config.clock.today())));
    }
    if !errors.is_empty() && !q.partial {
        return Err(import_refused(&errors));
    }
    let requests: Vec<IssueRequest> = parsed.requests.iter().map(|(_, r)| r.clone()).collect();
    let types = HashMap::from([(t.definition.code.clone(), t.clone())]);
    let mut event = auth.event(Action::CertificateIssue, "certificate");
    event.detail = Some(format!("import {}", q.filename.chars().take(100).collect::<String>()));
    let results = state
        .certs
        .issue(&state.store, &issuer, &types, &requests, &event)
        .await?;
    let identifiers: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|c| c.identifier.clone()))
        .collect();
    Ok(axum::Json(ImportResult {
        rows: requests.len(),
        issued: identifiers.len(),
        rejected: requests.len() - identifiers.len(),
        written: !identifiers.is_empty(),
        identifiers,
        errors,
    }))
}

/// The import template (CSV, UTF-8 with a byte-order mark) of a type: its header row.
#[utoipa::path(get, path = "/api/v1/certificate-types/{code}/template.csv", tag = "certificates",
    responses((status = 200, content_type = "text/csv"), (status = 404, body = crate::error::Problem)))]
pub async fn import_template(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<axum::response::Response> {
    let t = state
        .store
        .certificate_type(&code)
        .await?
        .ok_or_else(|| ApiError::not_found("证照类型", "certificate type"))?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(certs::import::header(&t.definition))
        .map_err(|_| ApiError::internal())?;
    let bytes = w.into_inner().map_err(|_| ApiError::internal())?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// The holder's ID number or credit code.
    pub holder: Option<String>,
    pub type_code: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Certificates: an issuer's own department's; other departments find a holder's certificates
/// that the holder consented to share with them (`holder` required).
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(CertificateQuery),
    responses((status = 200, body = Vec<CertificateView>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CertificateQuery>,
) -> ApiResult<axum::Json<Vec<CertificateView>>> {
    let d = acting_department(&state, &auth).await?;
    let holder = match q.holder.as_deref() {
        Some(h) => Some(ApplicantId::parse(h).map_err(|e| ApiError::validation(vec![FieldError::id("holder", &e)]))?),
        None => None,
    };
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    if auth.require(Permission::IssueCertificates, &target(&d)).is_ok() {
        let filter = CertificateFilter {
            issuer_department_id: Some(d.id),
            holder_code: holder.as_ref().map(|h| h.as_str().to_string()),
            type_code: q.type_code.clone(),
        };
        let found = state.store.certificates(&filter, page).await?;
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
        return Ok(axum::Json(
            found
                .iter()
                .map(|c| view(c, true, state.config.clock.today()))
                .collect::<ApiResult<_>>()?,
        ));
    }
    auth.require(Permission::UseCertificates, &target(&d))?;
    let Some(holder) = holder else {
        return Err(ApiError::field(
            "holder",
            "请提供持证主体的证件号码",
            "Give the holder's number",
        ));
    };
    let found: Vec<(CertificateRecord, Access)> = usable(&state, &auth, d.id, holder.as_str())
        .await?
        .into_iter()
        .filter(|(c, _)| q.type_code.as_ref().is_none_or(|t| &c.type_code == t))
        .collect();
    for (_, a) in &found {
        take_quota(&state, a).await?;
    }
    let mut out = Vec::new();
    for (c, a) in &found {
        out.push(department_view(&state, c, a).await?);
        // Each certificate found is a use the holder sees, logged with its consent or grant.
        record_use(&state, &auth, c, &d, "view", a, None, None).await?;
    }
    Ok(axum::Json(out))
}

/// One certificate: its issuer, or a department the holder consented to share it with or that
/// holds a grant for it (the read is recorded as a use the holder sees).
#[utoipa::path(get, path = "/api/v1/certificates/{identifier}", tag = "certificates",
    responses((status = 200, body = CertificateView), (status = 404, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::Json<CertificateView>> {
    let d = acting_department(&state, &auth).await?;
    let issues = auth.require(Permission::IssueCertificates, &target(&d)).is_ok();
    if !issues {
        auth.require(Permission::UseCertificates, &target(&d))?;
    }
    let c = certificate(&state, &identifier).await?;
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
        return Ok(axum::Json(view(&c, true, state.config.clock.today())?));
    }
    auth.require(Permission::UseCertificates, &target(&d))?;
    let access = access_for(&state, &auth, &c, d.id).await?;
    take_quota(&state, &access).await?;
    record_use(&state, &auth, &c, &d, "view", &access, None, None).await?;
    Ok(axum::Json(department_view(&state, &c, &access).await?))
}

/// Why a department may use a certificate: the holder's consent, or a sharing grant (whose
/// masking profile and daily quota then apply).
struct Access {
    purpose: String,
    grant: Option<yici_core::sharing::Grant>,
}

fn system_of(auth: &Auth) -> Option<i64> {
    match auth.principal {
        Principal::System { id, .. } => Some(id),
        _ => None,
    }
}

/// Count one use against the grant's daily quota (429 when used up); consent has no quota.
async fn take_quota(state: &AppState, access: &Access) -> ApiResult<()> {
    let Some(g) = &access.grant else { return Ok(()) };
    if state
        .quotas
        .take(&state.store, g.id, state.config.clock.today(), 1, g.daily_quota)
        .await?
    {
        Ok(())
    } else {
        Err(yici_exchange::lookup::quota_exceeded(g.daily_quota, &state.config.clock).into())
    }
}

/// The holder's fields in a certificate released as a row (names no surface field can take:
/// surface-data names are identifiers without spaces).
const HOLDER_CODE: &str = "持证主体 代码";
const HOLDER_NAME: &str = "持证主体 名称";

/// A certificate as a department sees it: in full under the holder's consent; under a grant,
/// with the grant's masking applied to the holder and to personal fields.
async fn department_view(state: &AppState, c: &CertificateRecord, access: &Access) -> ApiResult<CertificateView> {
    let mut v = view(c, false, state.config.clock.today())?;
    let Some(g) = &access.grant else { return Ok(v) };
    use yici_core::masking::ValueKind;
    use yici_core::sharing::{Release, ReleaseField};
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
            Some(f) if f.kind == yici_core::certificate::FieldKind::IdNumber => ValueKind::IdNumber,
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
    state: &AppState,
    auth: &Auth,
    department_id: i64,
    holder: &str,
) -> ApiResult<Vec<(CertificateRecord, Access)>> {
    let mut out: Vec<(CertificateRecord, Access)> = Vec::new();
    for (c, k) in state
        .store
        .consented_certificates(department_id, Some(holder), state.config.clock.now_micros())
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
        .certificates_granted(holder, department_id, system_of(auth), state.config.clock.today())
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

async fn access_for(state: &AppState, auth: &Auth, c: &CertificateRecord, department_id: i64) -> ApiResult<Access> {
    usable(state, auth, department_id, &c.holder_code)
        .await?
        .into_iter()
        .find(|(found, _)| found.id == c.id)
        .map(|(_, a)| a)
        // The same answer as for an unknown identifier: nothing about the certificate leaks.
        .ok_or_else(|| ApiError::not_found("电子证照", "certificate"))
}

#[allow(clippy::too_many_arguments)]
async fn record_use(
    state: &AppState,
    auth: &Auth,
    c: &CertificateRecord,
    d: &Department,
    kind: &str,
    access: &Access,
    case_ref: Option<String>,
    valid_until: Option<i64>,
) -> ApiResult<CertificateUse> {
    let purpose = access.purpose.as_str();
    let u = CertificateUse {
        id: 0,
        certificate_id: c.id,
        kind: kind.to_string(),
        department_id: Some(d.id),
        actor: format!("{}（{}）", d.name, auth.actor().label),
        purpose: purpose.to_string(),
        case_ref: case_ref.clone(),
        valid_until,
        used_at: state.config.clock.now_micros(),
    };
    let action = match kind {
        "use_copy" => Action::CertificateUseCopy,
        _ => Action::CertificateView,
    };
    let mut event = auth
        .event(action, "certificate_use")
        .subject(&c.holder_code)
        .purpose(purpose);
    event.case_ref = case_ref;
    event.grant_ref = access.grant.as_ref().map(|g| g.id.to_string());
    event.object_ids.push(c.identifier.clone());
    Ok(state.store.certificate_use_add(&u, &event).await?)
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

/// Change, renew, suspend, resume, revoke or cancel a certificate (its issuer). A change or a
/// renewal answers with the new version; the old one is cancelled.
#[utoipa::path(post, path = "/api/v1/certificates/{identifier}/operations", tag = "certificates", request_body = OperationInput,
    responses((status = 200, body = CertificateView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn operate(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Json(input): Json<OperationInput>,
) -> ApiResult<axum::Json<CertificateView>> {
    auth.require(Permission::IssueCertificates, &Target::OwnScope)?;
    let d = acting_department(&state, &auth).await?;
    auth.require(Permission::IssueCertificates, &target(&d))?;
    let c = certificate(&state, &identifier).await?;
    if c.issuer_department_id != d.id {
        return Err(ApiError::not_found("电子证照", "certificate"));
    }
    let op = Operation::from_code(&input.operation)
        .filter(|o| *o != Operation::Issue)
        .ok_or_else(|| {
            ApiError::field(
                "operation",
                "操作应为 change、renew、suspend、resume、revoke、revoke_penalty 或 cancel",
                "The operation must be change, renew, suspend, resume, revoke, revoke_penalty or cancel",
            )
        })?;
    let why = reason(&input.reason)?;
    // A suspension (挂失) is lifted only by resuming, even once the certificate has expired.
    let current = match c.status {
        yici_core::certificate::Status::Suspended => c.status,
        stored => stored.as_of(c.valid_until, state.config.clock.today()),
    };
    let next = op
        .apply(current)
        .map_err(|(zh, en)| ApiError::new(StatusCode::CONFLICT, "invalid_transition", zh, en))?;
    let mut event = auth.event(Action::of_operation(op), "certificate");
    event.detail = Some(why.clone());
    if op.makes_version() {
        let t = state
            .store
            .certificate_type(&c.type_code)
            .await?
            .ok_or_else(ApiError::internal)?;
        if op == Operation::Renew && input.data.is_some() {
            return Err(ApiError::field(
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
        return Ok(axum::Json(view(&new, true, state.config.clock.today())?));
    }
    // Expiry is derived, not stored: the stored status is what must still hold.
    let updated = state
        .store
        .certificate_set_status(&c.identifier, c.status, next, &why, &event)
        .await?;
    Ok(axum::Json(view(&updated, true, state.config.clock.today())?))
}

fn pdf_response(bytes: Vec<u8>, identifier: &str) -> axum::response::Response {
    let name = format!("{}.pdf", identifier.replace('.', "_"));
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// The certificate as PDF/A-2b, for its issuer.
#[utoipa::path(get, path = "/api/v1/certificates/{identifier}/pdf", tag = "certificates",
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::response::Response> {
    auth.require(Permission::IssueCertificates, &Target::OwnScope)?;
    let d = acting_department(&state, &auth).await?;
    auth.require(Permission::IssueCertificates, &target(&d))?;
    let c = certificate(&state, &identifier).await?;
    if c.issuer_department_id != d.id {
        return Err(ApiError::not_found("电子证照", "certificate"));
    }
    state
        .audit
        .append(
            auth.event(Action::CertificatePdf, "certificate")
                .object(&c.identifier)
                .subject(&c.holder_code)
                .purpose("发证机关下载证照"),
        )
        .await?;
    let bytes = certs::render_pdf(&state.store, &state.config.public_url, &c, None).await?;
    Ok(pdf_response(bytes, &c.identifier))
}

/// A use copy (加注件) as PDF/A-2b, for the department that requested it, while it is valid.
#[utoipa::path(get, path = "/api/v1/certificates/{identifier}/use-copies/{id}/pdf", tag = "certificates",
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn use_copy_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path((identifier, id)): Path<(String, i64)>,
) -> ApiResult<axum::response::Response> {
    let d = acting_department(&state, &auth).await?;
    auth.require(Permission::UseCertificates, &target(&d))?;
    let not_found = || ApiError::not_found("加注件（或已过期）", "use copy (or it has expired)");
    let c = certificate(&state, &identifier).await.map_err(|_| not_found())?;
    let u = state
        .store
        .certificate_uses(c.id)
        .await?
        .into_iter()
        .find(|u| u.id == id && u.kind == "use_copy" && u.department_id == Some(d.id))
        .filter(|u| {
            u.valid_until
                .is_some_and(|until| until > state.config.clock.now_micros())
        })
        .ok_or_else(not_found)?;
    let mut event = auth
        .event(Action::CertificateUseCopyPdf, "certificate_use")
        .object(&c.identifier)
        .object(u.id)
        .subject(&c.holder_code)
        .purpose(&u.purpose);
    event.case_ref = u.case_ref.clone();
    state.audit.append(event).await?;
    let note = certs::UseCopyNote {
        department: d.name.clone(),
        purpose: u.purpose.clone(),
        used_at: u.used_at,
        valid_until: u.valid_until.unwrap_or_default(),
    };
    let bytes = certs::render_pdf(&state.store, &state.config.public_url, &c, Some(&note)).await?;
    Ok(pdf_response(bytes, &c.identifier))
}

// ---------------------------------------------------------------------------------------------
// Verification and 亮证

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// The verification code printed on the document.
    pub code: Option<String>,
}

/// Verify a certificate online with the code printed on it. An unknown identifier and a wrong
/// code get the same answer, so identifiers cannot be enumerated.
#[utoipa::path(get, path = "/api/v1/certificates/{identifier}/verification", tag = "certificates", params(CodeQuery),
    responses((status = 200, body = Verification), (status = 404, body = crate::error::Problem)))]
pub async fn verification(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Query(q): Query<CodeQuery>,
) -> ApiResult<axum::Json<Verification>> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "没有与该标识和核验码相符的电子证照",
            "No certificate matches this identifier and verification code",
        )
    };
    let c = match CertificateId::parse(&identifier) {
        Ok(_) => state.store.certificate(&identifier).await?,
        Err(_) => None,
    };
    let c = match (c, q.code.as_deref()) {
        (Some(c), Some(code)) if certs::code_matches(code, &c.verification_code) => c,
        _ => return Err(not_found()),
    };
    let v = state.certs.verify(&state.store, &c).await?;
    state
        .audit
        .append(
            auth.event(Action::CertificateVerify, "certificate")
                .object(&c.identifier)
                .subject(&c.holder_code)
                .purpose("在线核验证照真伪"),
        )
        .await?;
    Ok(axum::Json(v))
}

/// What a 亮证 token shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShownCertificate {
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
}

/// The certificate behind a 亮证 token, while the token is valid.
#[utoipa::path(get, path = "/api/v1/certificate-shows/{token}", tag = "certificates",
    responses((status = 200, body = ShownCertificate), (status = 404, body = crate::error::Problem)))]
pub async fn shown(
    State(state): State<AppState>,
    auth: Auth,
    Path(token): Path<String>,
) -> ApiResult<axum::Json<ShownCertificate>> {
    let digest = yici_crypto::token::digest(&token);
    let c = state
        .store
        .show_certificate(&digest, state.config.clock.now_micros())
        .await?
        .ok_or_else(|| ApiError::not_found("亮证码（可能已过期）", "show token (it may have expired)"))?;
    let v = state.certs.verify(&state.store, &c).await?;
    let mut full = view(&c, false, state.config.clock.today())?;
    // Other people's numbers on the certificate (a spouse's, a mother's) are masked too.
    if let Some(t) = state.store.certificate_type(&c.type_code).await? {
        for f in t
            .definition
            .fields
            .iter()
            .filter(|f| f.kind == yici_core::certificate::FieldKind::IdNumber)
        {
            if let Some(value) = full.data.get_mut(&f.name) {
                *value = yici_core::masking::mask(yici_core::masking::ValueKind::IdNumber, value);
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
    Ok(axum::Json(ShownCertificate {
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
    }))
}

// ---------------------------------------------------------------------------------------------
// Use copies

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

/// Request a use copy of a certificate the holder consented to share with the department.
#[utoipa::path(post, path = "/api/v1/certificates/{identifier}/use-copies", tag = "certificates", request_body = UseCopyInput,
    responses((status = 201, body = UseCopyView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn use_copy(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Json(input): Json<UseCopyInput>,
) -> ApiResult<(StatusCode, axum::Json<UseCopyView>)> {
    let d = acting_department(&state, &auth).await?;
    auth.require(Permission::UseCertificates, &target(&d))?;
    let purpose = input.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 {
        return Err(ApiError::field(
            "purpose",
            "请填写用证事由（不超过200字）",
            "Give the purpose (at most 200 characters)",
        ));
    }
    let case_ref = input.case_ref.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if case_ref.is_some_and(|c| c.chars().count() > 64) {
        return Err(ApiError::field(
            "case_ref",
            "办件编号不超过64个字符",
            "The case reference is at most 64 characters",
        ));
    }
    let c = certificate(&state, &identifier).await?;
    let access = Access {
        purpose: purpose.to_string(),
        grant: access_for(&state, &auth, &c, d.id).await?.grant,
    };
    take_quota(&state, &access).await?;
    let status = c.status.as_of(c.valid_until, state.config.clock.today());
    if status != yici_core::certificate::Status::Valid {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "certificate_not_valid",
            format!("证照{}，不能用证", status.name(yici_core::Lang::Zh)),
            format!(
                "The certificate is {}; it cannot be used",
                status.name(yici_core::Lang::En)
            ),
        ));
    }
    let until = state.config.clock.now_micros() + USE_COPY_DAYS * 86_400_000_000;
    let u = record_use(
        &state,
        &auth,
        &c,
        &d,
        "use_copy",
        &access,
        case_ref.map(str::to_string),
        Some(until),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(UseCopyView {
            pdf_url: format!("/api/v1/certificates/{}/use-copies/{}/pdf", c.identifier, u.id),
            use_id: u.id,
            identifier: c.identifier,
            department: d.name,
            purpose: u.purpose,
            case_ref: u.case_ref,
            used_at: u.used_at,
            valid_until: until,
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// The holder's side

/// The signed-in applicant's number.
fn holder(auth: &Auth) -> ApiResult<ApplicantId> {
    auth.require(Permission::HoldCertificates, &Target::OwnScope)?;
    auth.applicant
        .as_ref()
        .map(|a| a.applicant_id.clone())
        .ok_or_else(ApiError::unauthenticated)
}

/// One of my certificates, or 404.
async fn mine(state: &AppState, auth: &Auth, identifier: &str) -> ApiResult<CertificateRecord> {
    let me = holder(auth)?;
    let c = certificate(state, identifier).await?;
    if c.holder_code != me.as_str() {
        return Err(ApiError::not_found("电子证照", "certificate"));
    }
    Ok(c)
}

/// One of my certificates as shown to me (for pages).
pub async fn my_certificate(state: &AppState, auth: &Auth, identifier: &str) -> ApiResult<CertificateView> {
    view(&mine(state, auth, identifier).await?, true, state.config.clock.today())
}

/// One of my certificates as PDF/A-2b.
#[utoipa::path(get, path = "/api/v1/me/certificates/{identifier}/pdf", tag = "certificates",
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::Problem)))]
pub async fn my_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::response::Response> {
    let c = mine(&state, &auth, &identifier).await?;
    let bytes = certs::render_pdf(&state.store, &state.config.public_url, &c, None).await?;
    Ok(pdf_response(bytes, &c.identifier))
}

/// My certificates (citizens and companies).
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "certificates", params(PageQuery),
    responses((status = 200, body = Vec<CertificateView>), (status = 401, body = crate::error::Problem)))]
pub async fn my_certificates(
    State(state): State<AppState>,
    auth: Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Vec<CertificateView>>> {
    let me = holder(&auth)?;
    let filter = CertificateFilter {
        holder_code: Some(me.as_str().to_string()),
        ..Default::default()
    };
    let found = state.store.certificates(&filter, page.page()).await?;
    Ok(axum::Json(
        found
            .iter()
            .map(|c| view(c, true, state.config.clock.today()))
            .collect::<ApiResult<_>>()?,
    ))
}

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

async fn consent_view(state: &AppState, k: Consent) -> ApiResult<ConsentView> {
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
#[utoipa::path(post, path = "/api/v1/me/certificates/{identifier}/consents", tag = "certificates", request_body = ConsentInput,
    responses((status = 201, body = ConsentView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn consent(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Json(input): Json<ConsentInput>,
) -> ApiResult<(StatusCode, axum::Json<ConsentView>)> {
    let c = mine(&state, &auth, &identifier).await?;
    let mut errors = Vec::new();
    let d = state.store.department(input.department_id).await?;
    if d.is_none() {
        errors.push(FieldError::new("department_id", "部门不存在", "No such department"));
    }
    let purpose = input.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 {
        errors.push(FieldError::new(
            "purpose",
            "请填写用途（不超过200字）",
            "Give the purpose (at most 200 characters)",
        ));
    }
    let today = state.config.clock.today();
    if input.expires_on < today || (input.expires_on - today).num_days() > MAX_CONSENT_DAYS {
        errors.push(FieldError::new(
            "expires_on",
            format!("授权截止日期应在今天至{MAX_CONSENT_DAYS}天内"),
            format!("The consent must end between today and {MAX_CONSENT_DAYS} days from now"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // The consent lasts to the end of its last day in China (UTC+8).
    let end = input
        .expires_on
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_micros() - 8 * 3_600_000_000)
        .ok_or_else(|| ApiError::field("expires_on", "日期超出范围", "Date out of range"))?;
    let event = auth
        .event(Action::CertificateConsent, "certificate_consent")
        .subject(&c.holder_code)
        .purpose(purpose);
    let k = state
        .store
        .consent_add(c.id, input.department_id, purpose, end, &event)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(consent_view(&state, k).await?)))
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

/// The consents the caller's department holds now (neither withdrawn nor expired), newest
/// first. Holders are masked: finding the certificate itself still takes the holder's full
/// number, and is recorded as a use.
#[utoipa::path(get, path = "/api/v1/certificate-consents", tag = "certificates",
    responses((status = 200, body = Vec<HeldConsent>), (status = 403, body = crate::error::Problem)))]
pub async fn held_consents(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Vec<HeldConsent>>> {
    let dept = acting_department(&state, &auth).await?;
    auth.require(Permission::UseCertificates, &target(&dept))?;
    let names: HashMap<String, String> = state
        .store
        .certificate_types(None)
        .await?
        .into_iter()
        .map(|t| (t.definition.code, t.definition.name))
        .collect();
    let held = state
        .store
        .consented_certificates(dept.id, None, state.config.clock.now_micros())
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
    Ok(axum::Json(out))
}

/// The consents given for one of my certificates.
#[utoipa::path(get, path = "/api/v1/me/certificates/{identifier}/consents", tag = "certificates",
    responses((status = 200, body = Vec<ConsentView>), (status = 404, body = crate::error::Problem)))]
pub async fn consents(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::Json<Vec<ConsentView>>> {
    let c = mine(&state, &auth, &identifier).await?;
    let mut out = Vec::new();
    for k in state.store.consents(c.id).await? {
        out.push(consent_view(&state, k).await?);
    }
    Ok(axum::Json(out))
}

/// Withdraw a consent.
#[utoipa::path(delete, path = "/api/v1/me/certificates/{identifier}/consents/{id}", tag = "certificates",
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    auth: Auth,
    Path((identifier, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let c = mine(&state, &auth, &identifier).await?;
    if !state.store.consents(c.id).await?.iter().any(|k| k.id == id) {
        return Err(ApiError::not_found("授权", "consent"));
    }
    let event = auth
        .event(Action::CertificateConsentWithdraw, "certificate_consent")
        .subject(&c.holder_code);
    state.store.consent_revoke(id, &event).await?;
    Ok(StatusCode::NO_CONTENT)
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

/// Make a 亮证 token for one of my certificates, valid for five minutes.
#[utoipa::path(post, path = "/api/v1/me/certificates/{identifier}/show", tag = "certificates",
    responses((status = 201, body = ShowToken), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<ShowToken>)> {
    let c = mine(&state, &auth, &identifier).await?;
    let token = yici_crypto::token::generate("show");
    let expires_at = state.config.clock.now_micros() + SHOW_SECONDS * 1_000_000;
    let event = auth
        .event(Action::CertificateShow, "certificate")
        .object(&c.identifier)
        .subject(&c.holder_code);
    state.store.show_add(&token.digest, c.id, expires_at, &event).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ShowToken {
            url: format!("{}/shows/{}", state.config.public_url, token.plaintext),
            token: token.plaintext,
            expires_at,
        }),
    ))
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

/// Every use of one of my certificates: who, for what, in which case, when.
#[utoipa::path(get, path = "/api/v1/me/certificates/{identifier}/uses", tag = "certificates",
    responses((status = 200, body = Vec<UseView>), (status = 404, body = crate::error::Problem)))]
pub async fn uses(
    State(state): State<AppState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::Json<Vec<UseView>>> {
    let c = mine(&state, &auth, &identifier).await?;
    let found = state.store.certificate_uses(c.id).await?;
    Ok(axum::Json(
        found
            .into_iter()
            .map(|u| UseView {
                kind: u.kind,
                who: u.actor,
                purpose: u.purpose,
                case_ref: u.case_ref,
                used_at: u.used_at,
            })
            .collect(),
    ))
}
