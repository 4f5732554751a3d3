//! The catalogue over HTTP: thin callers of [`crate::service`].

use crate::CatalogueState;
use crate::import::ImportReport;
use crate::service::{
    self, DraftQuery, DraftView, ResourceView, SearchQuery, SearchResult, Standards, Statistics, VersionView,
};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yici_core::catalogue::elements::FieldMapping;
use yici_core::catalogue::{ResourceDraft, Transition};
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiError, ApiResult, Auth, PageQuery, Paged, Problem};

/// Search the government catalogue (every published resource).
#[utoipa::path(get, path = "/api/v1/catalogue/resources", tag = "catalogue", params(SearchQuery),
    responses((status = 200, body = SearchResult), (status = 401, body = Problem)))]
pub async fn search_government(
    State(state): State<CatalogueState>,
    auth: Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<axum::Json<SearchResult>> {
    Ok(axum::Json(service::search_government(&state, &auth, &q).await?))
}

/// Search the public catalogue (resources open to the public); no sign-in needed.
#[utoipa::path(get, path = "/api/v1/public/catalogue/resources", tag = "catalogue", params(SearchQuery),
    responses((status = 200, body = SearchResult)))]
pub async fn search_public(
    State(state): State<CatalogueState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<axum::Json<SearchResult>> {
    Ok(axum::Json(service::search_public(&state, &q).await?))
}

/// A published resource (government view).
#[utoipa::path(get, path = "/api/v1/catalogue/resources/{id}", tag = "catalogue",
    responses((status = 200, body = ResourceView), (status = 404, body = Problem)))]
pub async fn get_resource(
    State(state): State<CatalogueState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ResourceView>> {
    auth.require(
        yici_core::authz::Permission::ReadCatalogue,
        &yici_core::authz::Target::OwnScope,
    )?;
    Ok(axum::Json(service::published(&state, id, false).await?))
}

/// A published resource open to the public.
#[utoipa::path(get, path = "/api/v1/public/catalogue/resources/{id}", tag = "catalogue",
    responses((status = 200, body = ResourceView), (status = 404, body = Problem)))]
pub async fn get_public_resource(
    State(state): State<CatalogueState>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ResourceView>> {
    Ok(axum::Json(service::published(&state, id, true).await?))
}

/// Every published version of a resource.
#[utoipa::path(get, path = "/api/v1/catalogue/resources/{id}/versions", tag = "catalogue",
    responses((status = 200, body = Vec<VersionView>), (status = 404, body = Problem)))]
pub async fn versions(
    State(state): State<CatalogueState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<VersionView>>> {
    Ok(axum::Json(service::versions(&state, &auth, id).await?))
}

/// Create a working copy (stewards of the providing department).
#[utoipa::path(post, path = "/api/v1/catalogue/drafts", tag = "catalogue", request_body = ResourceDraft,
    responses((status = 201, body = DraftView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_draft(
    State(state): State<CatalogueState>,
    auth: Auth,
    Json(d): Json<ResourceDraft>,
) -> ApiResult<(StatusCode, axum::Json<DraftView>)> {
    let r = service::create(&state, &auth, &d).await?;
    Ok((StatusCode::CREATED, axum::Json(r.into())))
}

/// Replace a working copy's content.
#[utoipa::path(put, path = "/api/v1/catalogue/drafts/{id}", tag = "catalogue", request_body = ResourceDraft,
    responses((status = 200, body = DraftView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit(
    State(state): State<CatalogueState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(d): Json<ResourceDraft>,
) -> ApiResult<axum::Json<DraftView>> {
    let r = service::step(&state, &auth, id, Transition::Edit, Some(&d), "").await?;
    Ok(axum::Json(r.into()))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// The reason, required when rejecting.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct StepPath {
    pub id: i64,
    /// `submit`, `withdraw`, `approve` or `reject`.
    pub action: String,
}

/// Take a review step: `submit` and `withdraw` (stewards), `approve` and `reject` (operators).
#[utoipa::path(post, path = "/api/v1/catalogue/drafts/{id}/{action}", tag = "catalogue", params(StepPath), request_body = ReviewInput,
    responses((status = 200, body = DraftView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review_step(
    State(state): State<CatalogueState>,
    auth: Auth,
    Path(StepPath { id, action }): Path<StepPath>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<DraftView>> {
    // The body is optional: only a rejection needs one.
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        serde_json::from_slice::<ReviewInput>(&body)
            .map_err(|e| {
                ApiError::bad_request(
                    format!("请求内容不是有效的 JSON：{e}"),
                    format!("The body is not valid JSON: {e}"),
                )
            })?
            .reason
    };
    Ok(axum::Json(
        service::review(&state, &auth, id, &action, &reason).await?.into(),
    ))
}

/// Working copies: mine (stewards) or the review queue (operators).
#[utoipa::path(get, path = "/api/v1/catalogue/drafts", tag = "catalogue", params(DraftQuery),
    responses((status = 200, body = Paged<DraftView>), (status = 403, body = Problem)))]
pub async fn list_drafts(
    State(state): State<CatalogueState>,
    auth: Auth,
    Query(q): Query<DraftQuery>,
) -> ApiResult<axum::Json<Paged<DraftView>>> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    let items = service::drafts_for(&state, &auth, &q)
        .await?
        .into_iter()
        .map(DraftView::from)
        .collect();
    Ok(axum::Json(Paged::new(items, page)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `dcat-ttl` (default), `dcat-jsonld` or `csv`.
    pub format: Option<String>,
}

/// Export the published catalogue.
#[utoipa::path(get, path = "/api/v1/catalogue/export", tag = "catalogue", params(ExportQuery),
    responses((status = 200, description = "Turtle, JSON-LD or CSV"), (status = 422, body = Problem)))]
pub async fn export(
    State(state): State<CatalogueState>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let (text, content_type) = service::export(&state, &auth, q.format.as_deref()).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], text).into_response())
}

/// Counts per department and region by share and open type, and the shareable share.
#[utoipa::path(get, path = "/api/v1/catalogue/statistics", tag = "catalogue", responses((status = 200, body = Statistics)))]
pub async fn stats(State(state): State<CatalogueState>, auth: Auth) -> ApiResult<axum::Json<Statistics>> {
    Ok(axum::Json(service::statistics(&state, &auth).await?))
}

/// The data element dictionary and its code sets.
#[utoipa::path(get, path = "/api/v1/catalogue/elements", tag = "catalogue", responses((status = 200, body = Standards)))]
pub async fn elements(State(state): State<CatalogueState>, auth: Auth) -> ApiResult<axum::Json<Standards>> {
    Ok(axum::Json(service::standards(&state, &auth).await?))
}

/// A department's mapping rules from local fields and codes to standard elements.
#[utoipa::path(get, path = "/api/v1/departments/{id}/field-mappings", tag = "catalogue",
    responses((status = 200, body = Vec<FieldMapping>), (status = 404, body = Problem)))]
pub async fn mappings(
    State(state): State<CatalogueState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<FieldMapping>>> {
    Ok(axum::Json(service::mappings(&state, &auth, id).await?))
}

/// Set the mapping of one local field (stewards of the department).
#[utoipa::path(put, path = "/api/v1/departments/{id}/field-mappings", tag = "catalogue", request_body = FieldMapping,
    responses((status = 200, body = FieldMapping), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_mapping(
    State(state): State<CatalogueState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(m): Json<FieldMapping>,
) -> ApiResult<axum::Json<FieldMapping>> {
    service::put_mapping(&state, &auth, id, &m).await?;
    Ok(axum::Json(m))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name; its extension (`.xlsx` or `.csv`) says how to read the body.
    pub filename: String,
    /// Import the valid resources and quarantine the rows of the others (default: all or nothing).
    #[serde(default)]
    pub partial: bool,
}

/// Upload a catalogue spreadsheet (the template, as .xlsx or .csv) as the request body.
#[utoipa::path(post, path = "/api/v1/catalogue/import", tag = "catalogue", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportReport), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    State(state): State<CatalogueState>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<ImportReport>> {
    auth.require(
        yici_core::authz::Permission::ManageCatalogue,
        &yici_core::authz::Target::OwnScope,
    )?;
    let grid = yici_web::sheet::read_grid(&q.filename, &body)?;
    Ok(axum::Json(
        service::import(&state, &auth, &q.filename, &grid, q.partial).await?,
    ))
}
