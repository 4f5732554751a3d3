//! Service items and bundles over HTTP: thin callers of [`crate::service`].

use crate::WindowState;
use crate::service::bundles::{self, BundleView};
use crate::service::import::ItemImportReport;
use crate::service::items::{self, BasicInput, GuideView, ImplementInput, ItemSummary, ItemVersionView};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use yici_core::items::ItemVersion;
use yici_service::{Error, FieldError};
use yici_store::Page;
use yici_store::items::{BasicItem, Bundle, Implementation, ItemFilter};
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, Problem};

/// A search of the published items. Every filter is optional; an empty value means no filter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Words, in Chinese or not (cut with jieba, as the catalogue is).
    pub q: Option<String>,
    /// The page, from 1 (default 1).
    pub page: Option<String>,
    /// Items per page, 1 to 200 (default 20).
    pub limit: Option<String>,
    /// The implementing department's id.
    pub department: Option<String>,
    /// A region code: items of bodies in it.
    pub region: Option<String>,
    /// 1 national … 6 village.
    pub level: Option<String>,
    /// The item type, 1–10 or 20.
    #[serde(rename = "type")]
    pub item_type: Option<String>,
    /// The applicant type: 1 natural person, 2 enterprise …
    pub applicant: Option<String>,
    /// A life event or theme (出生, 婚育, 退休, 开办企业 …).
    pub theme: Option<String>,
    /// 0 zero visits, 1 at most once, 2 more than once.
    pub visits: Option<String>,
    /// Online depth 1–4.
    pub depth: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ItemQuery {
    /// The filter and the page, with every value that cannot be read named.
    pub fn read(&self) -> Result<(ItemFilter, Page, i64), Error> {
        let mut errors = Vec::new();
        let mut int = |field: &str, v: &Option<String>, range: std::ops::RangeInclusive<i64>| -> Option<i64> {
            let t = given(v)?;
            match t.parse::<i64>() {
                Ok(n) if range.contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        field,
                        format!("应为{}至{}的整数", range.start(), range.end()),
                        format!("must be a whole number from {} to {}", range.start(), range.end()),
                    ));
                    None
                }
            }
        };
        let page = int("page", &self.page, 1..=100_000).unwrap_or(1);
        let limit = int("limit", &self.limit, 1..=200).unwrap_or(20);
        let filter = ItemFilter {
            query: given(&self.q).map(str::to_string),
            department_id: int("department", &self.department, 1..=i64::MAX),
            region_prefix: None,
            level: int("level", &self.level, 1..=6),
            item_type: int("type", &self.item_type, 1..=20),
            applicant_type: int("applicant", &self.applicant, 1..=9),
            theme: given(&self.theme).map(str::to_string),
            visits: int("visits", &self.visits, 0..=2),
            depth: int("depth", &self.depth, 1..=4),
        };
        let region = given(&self.region).map(|r| match yici_core::id::RegionCode::parse(r) {
            Ok(code) => Some(code.prefix()),
            Err(_) => {
                errors.push(FieldError::new("region", "行政区划代码无效", "Not a valid region code"));
                None
            }
        });
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let filter = ItemFilter {
            region_prefix: region.flatten(),
            ..filter
        };
        Ok((filter, Page::new(Some(limit), Some((page - 1) * limit)), page))
    }
}

/// A page of items found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemPage {
    /// How many published items match, in all.
    pub total: i64,
    pub page: i64,
    pub items: Vec<ItemSummary>,
}

/// Search the published service items; no sign-in needed.
#[utoipa::path(get, path = "/api/v1/items", tag = "items", params(ItemQuery),
    responses((status = 200, body = ItemPage), (status = 422, body = Problem)))]
pub async fn search(State(state): State<WindowState>, Query(q): Query<ItemQuery>) -> ApiResult<axum::Json<ItemPage>> {
    let (filter, page, number) = q.read()?;
    let (items, total) = items::search(&state, &filter, page).await?;
    Ok(axum::Json(ItemPage {
        total,
        page: number,
        items,
    }))
}

/// One published item (its implementation code): the current version with everything it
/// promises.
#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "items",
    responses((status = 200, body = ItemVersionView), (status = 404, body = Problem)))]
pub async fn item(
    State(state): State<WindowState>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<ItemVersionView>> {
    Ok(axum::Json(items::published(&state, &code).await?))
}

/// The tailored list of a published item for the answers given as `answer.<question>=<choice>`.
#[utoipa::path(get, path = "/api/v1/items/{code}/guide", tag = "items",
    params(("answer.<question>" = Option<String>, Query, description = "The chosen answer of each question")),
    responses((status = 200, body = GuideView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn guide(
    State(state): State<WindowState>,
    Path(code): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<axum::Json<GuideView>> {
    Ok(axum::Json(items::guide(&state, &code, &items::answers_from(&q)).await?))
}

/// Every version of an item: the published ones for anyone; drafts and versions in review too
/// for the department's stewards and operators.
#[utoipa::path(get, path = "/api/v1/items/{code}/versions", tag = "items",
    responses((status = 200, body = Vec<ItemVersionView>), (status = 404, body = Problem)))]
pub async fn versions(
    State(state): State<WindowState>,
    auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<ItemVersionView>>> {
    Ok(axum::Json(items::versions(&state, &auth, &code).await?))
}

/// Register a department's implementation of a basic item (its stewards, or operators).
#[utoipa::path(post, path = "/api/v1/items", tag = "items", request_body = ImplementInput,
    responses((status = 201, body = Implementation), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn implement(
    State(state): State<WindowState>,
    auth: Auth,
    Json(input): Json<ImplementInput>,
) -> ApiResult<(StatusCode, axum::Json<Implementation>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(items::implement(&state, &auth, input).await?),
    ))
}

/// Save the working copy of an item (the implementing department's stewards): every rule is
/// checked; editing a published item makes a new draft version.
#[utoipa::path(put, path = "/api/v1/items/{code}/draft", tag = "items", request_body = Object,
    responses((status = 200, body = ItemVersionView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_draft(
    State(state): State<WindowState>,
    auth: Auth,
    Path(code): Path<String>,
    Json(content): Json<ItemVersion>,
) -> ApiResult<axum::Json<ItemVersionView>> {
    Ok(axum::Json(items::save_draft(&state, &auth, &code, content).await?))
}

/// The reason of a rejection (other steps need none).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    #[serde(default)]
    pub reason: String,
}

/// A review step on a version: `submit`, `withdraw` (stewards), `approve`, `reject` (operators).
#[utoipa::path(post, path = "/api/v1/items/{code}/versions/{version}/{action}", tag = "items", request_body = StepInput,
    responses((status = 200, body = ItemVersionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn step(
    State(state): State<WindowState>,
    auth: Auth,
    Path((code, version, action)): Path<(String, i64, String)>,
    Json(input): Json<StepInput>,
) -> ApiResult<axum::Json<ItemVersionView>> {
    Ok(axum::Json(
        items::step(&state, &auth, &code, version, &action, &input.reason).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemImportQuery {
    /// The file's name; its extension (`.xlsx` or `.csv`) says how to read the body.
    pub filename: String,
    /// Import the valid items and report the others (default: all or nothing).
    #[serde(default)]
    pub partial: bool,
    /// Send the saved items for review at once (default: they stay drafts).
    #[serde(default)]
    pub submit: bool,
}

/// Upload implementation lists (the template `docs/items-template`, as .xlsx or .csv) as the
/// request body: the implementing departments' stewards, for their departments.
#[utoipa::path(post, path = "/api/v1/items/import", tag = "items", params(ItemImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ItemImportReport), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<ItemImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<ItemImportReport>> {
    auth.require(
        yici_core::authz::Permission::ManageItems,
        &yici_core::authz::Target::OwnScope,
    )?;
    let grid = yici_web::sheet::read_grid(&q.filename, &body)?;
    Ok(axum::Json(
        crate::service::import::import(&state, &auth, &grid, q.partial, q.submit).await?,
    ))
}

/// Define or rename a basic item (operators over the whole province).
#[utoipa::path(post, path = "/api/v1/item-basics", tag = "items", request_body = BasicInput,
    responses((status = 200, body = BasicItem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn define_basic(
    State(state): State<WindowState>,
    auth: Auth,
    Json(input): Json<BasicInput>,
) -> ApiResult<axum::Json<BasicItem>> {
    Ok(axum::Json(items::define_basic(&state, &auth, input).await?))
}

/// Versions waiting for review in the operator's scope.
#[utoipa::path(get, path = "/api/v1/item-reviews", tag = "items",
    responses((status = 200, body = Vec<ItemVersionView>), (status = 403, body = Problem)))]
pub async fn review_queue(State(state): State<WindowState>, auth: Auth) -> ApiResult<axum::Json<Vec<ItemVersionView>>> {
    Ok(axum::Json(items::review_queue(&state, &auth).await?))
}

/// Every bundle (一件事), with `code` and `name`.
#[utoipa::path(get, path = "/api/v1/bundles", tag = "items", responses((status = 200, body = Vec<Bundle>)))]
pub async fn bundles(State(state): State<WindowState>) -> ApiResult<axum::Json<Vec<Bundle>>> {
    Ok(axum::Json(bundles::list(&state).await?))
}

/// One bundle with its published items.
#[utoipa::path(get, path = "/api/v1/bundles/{code}", tag = "items",
    responses((status = 200, body = BundleView), (status = 404, body = Problem)))]
pub async fn bundle(State(state): State<WindowState>, Path(code): Path<String>) -> ApiResult<axum::Json<BundleView>> {
    Ok(axum::Json(bundles::get(&state, &code).await?))
}

/// Define or replace a bundle (operators over the whole province). The path names its code.
#[utoipa::path(put, path = "/api/v1/bundles/{code}", tag = "items", request_body = Bundle,
    responses((status = 200, body = Bundle), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save_bundle(
    State(state): State<WindowState>,
    auth: Auth,
    Path(code): Path<String>,
    Json(mut b): Json<Bundle>,
) -> ApiResult<axum::Json<Bundle>> {
    b.code = code;
    Ok(axum::Json(bundles::save(&state, &auth, b).await?))
}

/// The tailored list of a bundle for the answers given as `answer.<question>=<choice>`.
#[utoipa::path(get, path = "/api/v1/bundles/{code}/guide", tag = "items",
    params(("answer.<question>" = Option<String>, Query, description = "The chosen answer of each question")),
    responses((status = 200, body = GuideView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn bundle_guide(
    State(state): State<WindowState>,
    Path(code): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<axum::Json<GuideView>> {
    Ok(axum::Json(
        bundles::guide(&state, &code, &items::answers_from(&q)).await?,
    ))
}

fn pdf_response(pdf: crate::service::print::GuidePdf) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
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

/// The printed guide (PDF/A) of a published item for the answers given.
#[utoipa::path(get, path = "/api/v1/items/{code}/guide.pdf", tag = "items",
    params(("answer.<question>" = Option<String>, Query, description = "The chosen answer of each question")),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn guide_pdf(
    State(state): State<WindowState>,
    Path(code): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<axum::response::Response> {
    Ok(pdf_response(
        crate::service::print::item(&state, &code, &items::answers_from(&q)).await?,
    ))
}

/// The printed guide (PDF/A) of a bundle for the answers given.
#[utoipa::path(get, path = "/api/v1/bundles/{code}/guide.pdf", tag = "items",
    params(("answer.<question>" = Option<String>, Query, description = "The chosen answer of each question")),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn bundle_guide_pdf(
    State(state): State<WindowState>,
    Path(code): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<axum::response::Response> {
    Ok(pdf_response(
        crate::service::print::bundle(&state, &code, &items::answers_from(&q)).await?,
    ))
}

/// ItemStatistics of the published items: how many, the shares at most once, with zero visits and
/// fully online, and 免提交率, per department, per region (rolled up) and in all.
#[utoipa::path(get, path = "/api/v1/items/statistics", tag = "items",
    responses((status = 200, body = crate::service::stats::ItemStatistics)))]
pub async fn statistics(
    State(state): State<WindowState>,
) -> ApiResult<axum::Json<crate::service::stats::ItemStatistics>> {
    Ok(axum::Json(crate::service::stats::statistics(&state).await?))
}

/// The export's format.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default), `csv`, or `template` (the import template's columns, to edit and
    /// import again).
    pub format: Option<String>,
}

/// Every published item, as JSON (the full content) or CSV (one row each).
#[utoipa::path(get, path = "/api/v1/items/export", tag = "items", params(ExportQuery),
    responses((status = 200, description = "JSON or CSV"), (status = 422, body = Problem)))]
pub async fn export(
    State(state): State<WindowState>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let (body, media) = crate::service::stats::export(&state, q.format.as_deref()).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, media)], body).into_response())
}
