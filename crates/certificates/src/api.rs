//! The certificate operations over HTTP, under `/api/v1`: each handler reads the request,
//! calls the service and answers.

use crate::service::{
    BatchInput, BatchResult, CertificateView, ConsentInput, ConsentView, HeldConsent, ImportResult, LinkInput,
    OperationInput, Pdf, ReasonInput, SealView, ShowToken, ShownCertificate, TypeView, UseCopyInput, UseCopyView,
    UseView, holding, issuing, types, using,
};
use crate::{CertificatesState, IssueRequest, Verification};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yici_core::certificate::CertificateType;
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, PageQuery, Problem};

fn pdf_response(pdf: Pdf) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", pdf.file_name),
            ),
        ],
        pdf.bytes,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Certificate types and seals

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TypeQuery {
    /// Only the types this department defines.
    pub department_id: Option<i64>,
}

/// Certificate types (public: what certificates exist and what they say).
#[utoipa::path(get, path = "/api/v1/certificate-types", tag = "certificates", params(TypeQuery),
    responses((status = 200, body = Vec<TypeView>)))]
pub async fn list_types(
    State(state): State<CertificatesState>,
    Query(q): Query<TypeQuery>,
) -> ApiResult<axum::Json<Vec<TypeView>>> {
    Ok(axum::Json(types::list(&state, q.department_id).await?))
}

#[utoipa::path(get, path = "/api/v1/certificate-types/{code}", tag = "certificates",
    responses((status = 200, body = TypeView), (status = 404, body = Problem)))]
pub async fn get_type(
    State(state): State<CertificatesState>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<TypeView>> {
    Ok(axum::Json(types::get(&state, &code).await?))
}

/// Name the catalogue resource under whose sharing grants departments may find certificates of
/// the type (issuers, for their own department's types and resources).
#[utoipa::path(put, path = "/api/v1/certificate-types/{code}/resource", tag = "certificates", request_body = LinkInput,
    responses((status = 200, body = TypeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn link_type(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(code): Path<String>,
    Json(input): Json<LinkInput>,
) -> ApiResult<axum::Json<TypeView>> {
    Ok(axum::Json(types::link(&state, &auth, &code, input).await?))
}

/// Define a type (issuers, for their own department: the code starts with its credit code).
#[utoipa::path(post, path = "/api/v1/certificate-types", tag = "certificates", request_body = CertificateType,
    responses((status = 201, body = TypeView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_type(
    State(state): State<CertificatesState>,
    auth: Auth,
    Json(t): Json<CertificateType>,
) -> ApiResult<(StatusCode, axum::Json<TypeView>)> {
    Ok((StatusCode::CREATED, axum::Json(types::define(&state, &auth, t).await?)))
}

/// The import template (CSV, UTF-8 with a byte-order mark) of a type: its header row.
#[utoipa::path(get, path = "/api/v1/certificate-types/{code}/template.csv", tag = "certificates",
    responses((status = 200, content_type = "text/csv"), (status = 404, body = Problem)))]
pub async fn import_template(State(state): State<CertificatesState>, Path(code): Path<String>) -> ApiResult<Response> {
    let bytes = types::import_template(&state, &code).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
}

/// The seal authority's root certificate (PEM): what verifiers trust.
#[utoipa::path(get, path = "/api/v1/seal-authority/certificate", tag = "certificates",
    responses((status = 200, description = "PEM certificate", content_type = "application/x-pem-file")))]
pub async fn authority_certificate(State(state): State<CertificatesState>) -> ApiResult<Response> {
    let pem = types::authority_pem(&state).await?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SealQuery {
    pub department_id: Option<i64>,
}

/// Seals: operators see every department in scope, issuers their own department's.
#[utoipa::path(get, path = "/api/v1/seals", tag = "certificates", params(SealQuery),
    responses((status = 200, body = Vec<SealView>), (status = 403, body = Problem)))]
pub async fn list_seals(
    State(state): State<CertificatesState>,
    auth: Auth,
    Query(q): Query<SealQuery>,
) -> ApiResult<axum::Json<Vec<SealView>>> {
    Ok(axum::Json(types::seals(&state, &auth, q.department_id).await?))
}

/// Make a department's seal, or rotate it: the current one is retired (operators).
#[utoipa::path(post, path = "/api/v1/departments/{id}/seals", tag = "certificates",
    responses((status = 201, body = SealView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn make_seal(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, axum::Json<SealView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(types::make_seal(&state, &auth, id).await?),
    ))
}

/// Revoke a seal: certificates it sealed no longer verify as sealed by a valid seal.
#[utoipa::path(post, path = "/api/v1/seals/{id}/revocation", tag = "certificates", request_body = ReasonInput,
    responses((status = 200, body = SealView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_seal(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ReasonInput>,
) -> ApiResult<axum::Json<SealView>> {
    Ok(axum::Json(types::revoke_seal(&state, &auth, id, input).await?))
}

/// A seal's picture (PNG).
#[utoipa::path(get, path = "/api/v1/seals/{id}/picture", tag = "certificates",
    responses((status = 200, content_type = "image/png"), (status = 404, body = Problem)))]
pub async fn seal_picture(State(state): State<CertificatesState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let png = types::seal_picture(&state, id).await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

// ---------------------------------------------------------------------------------------------
// Issuing and the lifecycle

/// Issue one certificate (issuers, of their own department's types). An `Idempotency-Key`
/// header (or `issue_key`) makes a retry return the certificate issued the first time.
#[utoipa::path(post, path = "/api/v1/certificates", tag = "certificates", request_body = IssueRequest,
    responses((status = 201, body = CertificateView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn issue(
    State(state): State<CertificatesState>,
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
    Ok((StatusCode::CREATED, axum::Json(issuing::issue(&state, &auth, r).await?)))
}

/// Issue many certificates: valid rows are issued together, every invalid row is reported
/// with all its problems.
#[utoipa::path(post, path = "/api/v1/certificates/batch", tag = "certificates", request_body = BatchInput,
    responses((status = 200, body = BatchResult), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_batch(
    State(state): State<CertificatesState>,
    auth: Auth,
    Json(input): Json<BatchInput>,
) -> ApiResult<axum::Json<BatchResult>> {
    Ok(axum::Json(issuing::issue_batch(&state, &auth, input).await?))
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

/// Bulk issue from a spreadsheet (.xlsx or .csv) of one type; every problem is reported by row
/// and column. Importing the same file again issues nothing twice.
#[utoipa::path(post, path = "/api/v1/certificates/import", tag = "certificates", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportResult), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    State(state): State<CertificatesState>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<ImportResult>> {
    let result = issuing::import(&state, &auth, &q.type_code, &q.filename, &body, q.partial).await?;
    Ok(axum::Json(result))
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
    responses((status = 200, body = Vec<CertificateView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<CertificatesState>,
    auth: Auth,
    Query(q): Query<CertificateQuery>,
) -> ApiResult<axum::Json<Vec<CertificateView>>> {
    let find = using::Find {
        holder: q.holder,
        type_code: q.type_code,
        page: PageQuery {
            limit: q.limit,
            offset: q.offset,
        }
        .page(),
    };
    Ok(axum::Json(using::find(&state, &auth, find).await?))
}

/// One certificate: its issuer, or a department the holder consented to share it with or that
/// holds a grant for it (the read is recorded as a use the holder sees).
#[utoipa::path(get, path = "/api/v1/certificates/{identifier}", tag = "certificates",
    responses((status = 200, body = CertificateView), (status = 404, body = Problem), (status = 429, body = Problem)))]
pub async fn get(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::Json<CertificateView>> {
    Ok(axum::Json(using::get(&state, &auth, &identifier).await?))
}

/// Change, renew, suspend, resume, revoke or cancel a certificate (its issuer). A change or a
/// renewal answers with the new version; the old one is cancelled.
#[utoipa::path(post, path = "/api/v1/certificates/{identifier}/operations", tag = "certificates", request_body = OperationInput,
    responses((status = 200, body = CertificateView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn operate(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Json(input): Json<OperationInput>,
) -> ApiResult<axum::Json<CertificateView>> {
    Ok(axum::Json(issuing::operate(&state, &auth, &identifier, input).await?))
}

/// The certificate as PDF/A-2b, for its issuer.
#[utoipa::path(get, path = "/api/v1/certificates/{identifier}/pdf", tag = "certificates",
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn pdf(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    Ok(pdf_response(issuing::pdf(&state, &auth, &identifier).await?))
}

/// Request a use copy of a certificate the holder consented to share with the department.
#[utoipa::path(post, path = "/api/v1/certificates/{identifier}/use-copies", tag = "certificates", request_body = UseCopyInput,
    responses((status = 201, body = UseCopyView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn use_copy(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Json(input): Json<UseCopyInput>,
) -> ApiResult<(StatusCode, axum::Json<UseCopyView>)> {
    let copy = using::use_copy(&state, &auth, &identifier, input).await?;
    Ok((StatusCode::CREATED, axum::Json(copy)))
}

/// A use copy (加注件) as PDF/A-2b, for the department that requested it, while it is valid.
#[utoipa::path(get, path = "/api/v1/certificates/{identifier}/use-copies/{id}/pdf", tag = "certificates",
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn use_copy_pdf(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path((identifier, id)): Path<(String, i64)>,
) -> ApiResult<Response> {
    Ok(pdf_response(using::use_copy_pdf(&state, &auth, &identifier, id).await?))
}

/// The consents the caller's department holds now (neither withdrawn nor expired), newest
/// first. Holders are masked: finding the certificate itself still takes the holder's full
/// number, and is recorded as a use.
#[utoipa::path(get, path = "/api/v1/certificate-consents", tag = "certificates",
    responses((status = 200, body = Vec<HeldConsent>), (status = 403, body = Problem)))]
pub async fn held_consents(
    State(state): State<CertificatesState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<HeldConsent>>> {
    Ok(axum::Json(using::held_consents(&state, &auth).await?))
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
    responses((status = 200, body = Verification), (status = 404, body = Problem)))]
pub async fn verification(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Query(q): Query<CodeQuery>,
) -> ApiResult<axum::Json<Verification>> {
    let v = holding::verification(&state, &auth, &identifier, q.code.as_deref()).await?;
    Ok(axum::Json(v))
}

/// The certificate behind a 亮证 token, while the token is valid.
#[utoipa::path(get, path = "/api/v1/certificate-shows/{token}", tag = "certificates",
    responses((status = 200, body = ShownCertificate), (status = 404, body = Problem)))]
pub async fn shown(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(token): Path<String>,
) -> ApiResult<axum::Json<ShownCertificate>> {
    Ok(axum::Json(holding::shown(&state, &auth, &token).await?))
}

// ---------------------------------------------------------------------------------------------
// The holder's side

/// My certificates (citizens and companies).
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "certificates", params(PageQuery),
    responses((status = 200, body = Vec<CertificateView>), (status = 401, body = Problem)))]
pub async fn my_certificates(
    State(state): State<CertificatesState>,
    auth: Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Vec<CertificateView>>> {
    Ok(axum::Json(holding::my_certificates(&state, &auth, page.page()).await?))
}

/// One of my certificates as PDF/A-2b.
#[utoipa::path(get, path = "/api/v1/me/certificates/{identifier}/pdf", tag = "certificates",
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn my_pdf(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    Ok(pdf_response(holding::my_pdf(&state, &auth, &identifier).await?))
}

/// Share one of my certificates with a department for a purpose, until a day.
#[utoipa::path(post, path = "/api/v1/me/certificates/{identifier}/consents", tag = "certificates", request_body = ConsentInput,
    responses((status = 201, body = ConsentView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn consent(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
    Json(input): Json<ConsentInput>,
) -> ApiResult<(StatusCode, axum::Json<ConsentView>)> {
    let k = holding::consent(&state, &auth, &identifier, input).await?;
    Ok((StatusCode::CREATED, axum::Json(k)))
}

/// The consents given for one of my certificates.
#[utoipa::path(get, path = "/api/v1/me/certificates/{identifier}/consents", tag = "certificates",
    responses((status = 200, body = Vec<ConsentView>), (status = 404, body = Problem)))]
pub async fn consents(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::Json<Vec<ConsentView>>> {
    Ok(axum::Json(holding::consents(&state, &auth, &identifier).await?))
}

/// Withdraw a consent.
#[utoipa::path(delete, path = "/api/v1/me/certificates/{identifier}/consents/{id}", tag = "certificates",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn withdraw_consent(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path((identifier, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    holding::withdraw_consent(&state, &auth, &identifier, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Make a 亮证 token for one of my certificates, valid for five minutes.
#[utoipa::path(post, path = "/api/v1/me/certificates/{identifier}/show", tag = "certificates",
    responses((status = 201, body = ShowToken), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<ShowToken>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(holding::show(&state, &auth, &identifier).await?),
    ))
}

/// Every use of one of my certificates: who, for what, in which case, when.
#[utoipa::path(get, path = "/api/v1/me/certificates/{identifier}/uses", tag = "certificates",
    responses((status = 200, body = Vec<UseView>), (status = 404, body = Problem)))]
pub async fn uses(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<axum::Json<Vec<UseView>>> {
    Ok(axum::Json(holding::uses(&state, &auth, &identifier).await?))
}
