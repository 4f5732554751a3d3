//! The catalogue over HTTP: search (government and public), resource detail and versions, the
//! stewards' drafts and the review queue, lifecycle steps, export, statistics, data elements and
//! mapping rules.

use super::directory::find_department;
use super::{PageQuery, Paged};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::elements::{CodeSet, DataElement, FieldMapping};
use yici_core::catalogue::{ResourceDraft, Status, Transition};
use yici_core::id::RegionCode;
use yici_store::Store;
use yici_store::catalogue::{CatalogueFilter, Resource, SearchHit, Stat, Version};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to search for in names, summaries, data items and providers.
    pub q: Option<String>,
    pub department: Option<i64>,
    /// Provider region code (6 digits).
    pub region: Option<String>,
    /// Classification class: 1 basic, 2 thematic, 3 departmental.
    pub class: Option<i64>,
    pub share_type: Option<i64>,
    pub open_type: Option<i64>,
    pub format_class: Option<i64>,
    pub update_cycle: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl SearchQuery {
    pub fn filter(&self, public_only: bool) -> ApiResult<CatalogueFilter> {
        let region_prefix = match self.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(
                RegionCode::parse(r)
                    .map_err(|e| ApiError::validation(vec![FieldError::id("region", &e)]))?
                    .prefix(),
            ),
            None => None,
        };
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(ApiError::field(
                "q",
                "检索词不超过100字",
                "The query may have at most 100 characters",
            ));
        }
        Ok(CatalogueFilter {
            query: q,
            department_id: self.department,
            region_prefix,
            class: self.class,
            share_type: self.share_type,
            open_type: self.open_type,
            format_class: self.format_class,
            update_cycle: self.update_cycle,
            public_only,
        })
    }
    pub fn page(&self) -> yici_store::Page {
        PageQuery {
            limit: self.limit,
            offset: self.offset,
        }
        .page()
    }
}

/// One page of search results with the number of all matches.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    pub total: i64,
    pub items: Vec<SearchHit>,
    pub limit: i64,
    pub offset: i64,
}

async fn search(state: &AppState, q: &SearchQuery, public_only: bool) -> ApiResult<SearchResult> {
    let page = q.page();
    let (items, total) = state.store.catalogue_search(&q.filter(public_only)?, page).await?;
    Ok(SearchResult {
        total,
        items,
        limit: page.limit,
        offset: page.offset,
    })
}

/// Search the government catalogue (every published resource).
#[utoipa::path(get, path = "/api/v1/catalogue/resources", tag = "catalogue", params(SearchQuery),
    responses((status = 200, body = SearchResult), (status = 401, body = crate::error::Problem)))]
pub async fn search_government(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<axum::Json<SearchResult>> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    Ok(axum::Json(search(&state, &q, false).await?))
}

/// Search the public catalogue (resources open to the public); no sign-in needed.
#[utoipa::path(get, path = "/api/v1/public/catalogue/resources", tag = "catalogue", params(SearchQuery),
    responses((status = 200, body = SearchResult)))]
pub async fn search_public(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<axum::Json<SearchResult>> {
    Ok(axum::Json(search(&state, &q, true).await?))
}

/// A published resource with its data items.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourceView {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub published_at: i64,
    pub provider: String,
    pub provider_uscc: String,
    pub resource: ResourceDraft,
}

/// The published resource `id`, for the government (all) or the public (open ones only).
pub async fn published(state: &AppState, id: i64, public_only: bool) -> ApiResult<ResourceView> {
    let not_found = || ApiError::not_found("数据资源", "catalogue resource");
    let (r, v) = state.store.catalogue_published(id).await?.ok_or_else(not_found)?;
    if public_only && !matches!(v.draft.open_type, 1 | 2) {
        return Err(not_found());
    }
    let d = find_department(state, r.department_id).await?;
    Ok(ResourceView {
        id: r.id,
        code: r.code,
        version: v.version,
        published_at: v.published_at,
        provider: d.name,
        provider_uscc: d.uscc,
        resource: v.draft,
    })
}

#[utoipa::path(get, path = "/api/v1/catalogue/resources/{id}", tag = "catalogue",
    responses((status = 200, body = ResourceView), (status = 404, body = crate::error::Problem)))]
pub async fn get_resource(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ResourceView>> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    Ok(axum::Json(published(&state, id, false).await?))
}

#[utoipa::path(get, path = "/api/v1/public/catalogue/resources/{id}", tag = "catalogue",
    responses((status = 200, body = ResourceView), (status = 404, body = crate::error::Problem)))]
pub async fn get_public_resource(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ResourceView>> {
    Ok(axum::Json(published(&state, id, true).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub version: i64,
    pub published_at: i64,
    pub resource: ResourceDraft,
}

/// Every published version of a resource.
#[utoipa::path(get, path = "/api/v1/catalogue/resources/{id}/versions", tag = "catalogue",
    responses((status = 200, body = Vec<VersionView>), (status = 404, body = crate::error::Problem)))]
pub async fn versions(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<VersionView>>> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    state
        .store
        .catalogue_resource(id)
        .await?
        .ok_or_else(|| ApiError::not_found("数据资源", "catalogue resource"))?;
    let v: Vec<Version> = state.store.catalogue_versions(id).await?;
    Ok(axum::Json(
        v.into_iter()
            .map(|v| VersionView {
                version: v.version,
                published_at: v.published_at,
                resource: v.draft,
            })
            .collect(),
    ))
}

/// A working copy with its review state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DraftView {
    pub id: i64,
    pub code: String,
    pub department_id: i64,
    /// `draft`, `pending_review`, `published`, `withdraw_pending`, `withdrawn` or `rejected`.
    #[schema(value_type = String)]
    pub status: Status,
    pub review_note: String,
    pub published_version: Option<i64>,
    pub resource: ResourceDraft,
}

impl From<Resource> for DraftView {
    fn from(r: Resource) -> Self {
        DraftView {
            id: r.id,
            code: r.code,
            department_id: r.department_id,
            status: r.status,
            review_note: r.review_note,
            published_version: r.published_version,
            resource: r.draft,
        }
    }
}

/// Check a draft with the core rules, as a problem document naming each field.
pub fn validate(d: &ResourceDraft) -> ApiResult<()> {
    let problems = d.problems();
    if problems.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(
        problems
            .into_iter()
            .map(|p| FieldError::new(&p.field, p.zh, p.en))
            .collect(),
    ))
}

async fn department_target(state: &AppState, department_id: i64) -> ApiResult<Target> {
    let d = state.store.department(department_id).await?.ok_or_else(|| {
        ApiError::field(
            "provider_department_id",
            "提供部门不存在",
            "The provider department does not exist",
        )
    })?;
    Ok(Target::Department {
        id: d.id,
        region: d.region(),
    })
}

/// Create a resource as a draft; only the provider's data stewards may.
pub async fn create(state: &AppState, auth: &Auth, d: &ResourceDraft) -> ApiResult<Resource> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    auth.require(
        Permission::ManageCatalogue,
        &department_target(state, d.provider_department_id).await?,
    )?;
    validate(d)?;
    Ok(state
        .store
        .catalogue_create(d, None, &auth.event(Action::CatalogueCreate, "catalogue_resource"))
        .await?)
}

#[utoipa::path(post, path = "/api/v1/catalogue/drafts", tag = "catalogue", request_body = ResourceDraft,
    responses((status = 201, body = DraftView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_draft(
    State(state): State<AppState>,
    auth: Auth,
    Json(d): Json<ResourceDraft>,
) -> ApiResult<(StatusCode, axum::Json<DraftView>)> {
    Ok((StatusCode::CREATED, axum::Json(create(&state, &auth, &d).await?.into())))
}

async fn working_copy(state: &AppState, id: i64) -> ApiResult<Resource> {
    state
        .store
        .catalogue_resource(id)
        .await?
        .ok_or_else(|| ApiError::not_found("数据资源", "catalogue resource"))
}

/// Apply a lifecycle step after checking who may take it: stewards of the provider edit, submit
/// and ask to withdraw; operators approve and reject.
pub async fn step(
    state: &AppState,
    auth: &Auth,
    id: i64,
    t: Transition,
    draft: Option<&ResourceDraft>,
    note: &str,
) -> ApiResult<Resource> {
    let (permission, action) = match t {
        Transition::Edit => (Permission::ManageCatalogue, Action::CatalogueEdit),
        Transition::Submit => (Permission::ManageCatalogue, Action::CatalogueSubmit),
        Transition::RequestWithdraw => (Permission::ManageCatalogue, Action::CatalogueWithdraw),
        Transition::Approve => (Permission::ReviewCatalogue, Action::CatalogueApprove),
        Transition::Reject => (Permission::ReviewCatalogue, Action::CatalogueReject),
    };
    auth.require(permission, &Target::OwnScope)?;
    let current = working_copy(state, id).await?;
    auth.require(permission, &department_target(state, current.department_id).await?)?;
    if let Some(d) = draft {
        validate(d)?;
    }
    if t == Transition::Reject && note.trim().is_empty() {
        return Err(ApiError::field(
            "reason",
            "退回时必须说明理由",
            "A rejection needs its reason",
        ));
    }
    if current.status.after(t).is_none() {
        return Err(ApiError::conflict(
            format!(
                "资源当前状态为“{}”，不能“{}”",
                current.status.name(yici_core::Lang::Zh),
                t.name(yici_core::Lang::Zh)
            ),
            format!(
                "The resource is {}; it cannot {} now",
                current.status.name(yici_core::Lang::En),
                t.name(yici_core::Lang::En)
            ),
        ));
    }
    Ok(state
        .store
        .catalogue_transition(id, t, draft, note, &auth.event(action, "catalogue_resource"))
        .await?)
}

#[utoipa::path(put, path = "/api/v1/catalogue/drafts/{id}", tag = "catalogue", request_body = ResourceDraft,
    responses((status = 200, body = DraftView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(d): Json<ResourceDraft>,
) -> ApiResult<axum::Json<DraftView>> {
    Ok(axum::Json(
        step(&state, &auth, id, Transition::Edit, Some(&d), "").await?.into(),
    ))
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
    responses((status = 200, body = DraftView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn review_step(
    State(state): State<AppState>,
    auth: Auth,
    Path(StepPath { id, action }): Path<StepPath>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<DraftView>> {
    let t = match action.as_str() {
        "submit" => Transition::Submit,
        "withdraw" => Transition::RequestWithdraw,
        "approve" => Transition::Approve,
        "reject" => Transition::Reject,
        _ => {
            return Err(ApiError::not_found(
                &format!("操作“{action}”"),
                &format!("action '{action}'"),
            ));
        }
    };
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
    Ok(axum::Json(step(&state, &auth, id, t, None, &reason).await?.into()))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// `pending` for the review queue; otherwise every state.
    pub queue: Option<String>,
    pub department: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Working copies: a steward's own department's, or (for operators) the review queue.
pub async fn drafts_for(state: &AppState, auth: &Auth, q: &DraftQuery) -> ApiResult<Vec<Resource>> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    if q.queue.as_deref() == Some("pending") {
        // The queue of the departments the reviewer's scope covers, paged after the cut.
        auth.require(Permission::ReviewCatalogue, &Target::OwnScope)?;
        let all = state
            .store
            .catalogue_list(
                &[Status::PendingReview, Status::WithdrawPending],
                q.department,
                yici_store::Page::all(),
            )
            .await?;
        let mine = auth
            .keep_within(&state.store, Permission::ReviewCatalogue, all, |r| {
                vec![r.department_id]
            })
            .await?;
        return Ok(mine
            .into_iter()
            .skip(page.offset as usize)
            .take(page.limit as usize)
            .collect());
    }
    let dept = match q.department {
        Some(d) => d,
        None => auth
            .user
            .as_ref()
            .and_then(|u| u.department_id)
            .ok_or_else(|| ApiError::field("department", "请指定部门", "Give the department"))?,
    };
    let target = department_target(state, dept).await?;
    if auth.require(Permission::ManageCatalogue, &target).is_err() {
        auth.require(Permission::ReviewCatalogue, &target)?;
    }
    Ok(state.store.catalogue_list(&[], Some(dept), page).await?)
}

#[utoipa::path(get, path = "/api/v1/catalogue/drafts", tag = "catalogue", params(DraftQuery),
    responses((status = 200, body = Paged<DraftView>), (status = 403, body = crate::error::Problem)))]
pub async fn list_drafts(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DraftQuery>,
) -> ApiResult<axum::Json<Paged<DraftView>>> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    let items = drafts_for(&state, &auth, &q)
        .await?
        .into_iter()
        .map(DraftView::from)
        .collect();
    Ok(axum::Json(Paged::new(items, page)))
}

/// The published catalogue as DCAT-AP Turtle, DCAT-AP JSON-LD or CSV.
pub async fn export_text(store: &Store, format: &str, base_url: &str) -> ApiResult<String> {
    let (hits, _) = store
        .catalogue_search(&CatalogueFilter::default(), yici_store::Page::all())
        .await?;
    let mut published = Vec::with_capacity(hits.len());
    let mut departments = std::collections::HashMap::new();
    for h in &hits {
        if let Some((r, v)) = store.catalogue_published(h.id).await? {
            if let std::collections::hash_map::Entry::Vacant(slot) = departments.entry(r.department_id) {
                let d = store
                    .department(r.department_id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("部门", "department"))?;
                slot.insert(d);
            }
            published.push((r, v));
        }
    }
    let rows: Vec<yici_core::catalogue::dcat::DcatResource> = published
        .iter()
        .map(|(r, v)| {
            let d = &departments[&r.department_id];
            yici_core::catalogue::dcat::DcatResource {
                id: r.id,
                code: &r.code,
                draft: &v.draft,
                provider_name: &d.name,
                provider_uscc: &d.uscc,
                published_at: v.published_at,
            }
        })
        .collect();
    let title = "公共数据资源目录";
    let publisher = "数据资源管理局（一次平台）";
    match format {
        "dcat-ttl" => Ok(yici_core::catalogue::dcat::turtle(base_url, title, publisher, &rows)),
        "dcat-jsonld" => Ok(serde_json::to_string_pretty(&yici_core::catalogue::dcat::json_ld(
            base_url, title, publisher, &rows,
        ))
        .expect("JSON")),
        "csv" => Ok(crate::api::catalogue_csv::write(&rows)),
        other => Err(ApiError::field(
            "format",
            format!("不支持的格式“{other}”，可选 dcat-ttl、dcat-jsonld、csv"),
            format!("unknown format '{other}'; use dcat-ttl, dcat-jsonld or csv"),
        )),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `dcat-ttl` (default), `dcat-jsonld` or `csv`.
    pub format: Option<String>,
}

/// Export the published catalogue.
#[utoipa::path(get, path = "/api/v1/catalogue/export", tag = "catalogue", params(ExportQuery),
    responses((status = 200, description = "Turtle, JSON-LD or CSV"), (status = 422, body = crate::error::Problem)))]
pub async fn export(State(state): State<AppState>, auth: Auth, Query(q): Query<ExportQuery>) -> ApiResult<Response> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    let format = q.format.unwrap_or_else(|| "dcat-ttl".into());
    let text = export_text(&state.store, &format, &state.config.public_url).await?;
    let content_type = match format.as_str() {
        "dcat-jsonld" => "application/ld+json",
        "csv" => "text/csv; charset=utf-8",
        _ => "text/turtle; charset=utf-8",
    };
    Ok(([(header::CONTENT_TYPE, content_type)], text).into_response())
}

/// Counts per department and region by share and open type, and the shareable share.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    pub total: i64,
    /// Resources shared unconditionally or conditionally.
    pub shareable: i64,
    /// `shareable / total`, 0 when empty.
    pub shareable_ratio: f64,
    pub open: i64,
    pub rows: Vec<Stat>,
}

pub async fn statistics(state: &AppState) -> ApiResult<Statistics> {
    let rows = state.store.catalogue_stats().await?;
    let total: i64 = rows.iter().map(|r| r.count).sum();
    let shareable: i64 = rows.iter().filter(|r| r.share_type != 3).map(|r| r.count).sum();
    let open: i64 = rows.iter().filter(|r| r.open_type != 3).map(|r| r.count).sum();
    let shareable_ratio = if total == 0 {
        0.0
    } else {
        shareable as f64 / total as f64
    };
    Ok(Statistics {
        total,
        shareable,
        shareable_ratio,
        open,
        rows,
    })
}

#[utoipa::path(get, path = "/api/v1/catalogue/statistics", tag = "catalogue", responses((status = 200, body = Statistics)))]
pub async fn stats(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Statistics>> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    Ok(axum::Json(statistics(&state).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Standards {
    pub elements: Vec<DataElement>,
    pub code_sets: Vec<CodeSet>,
}

/// The data element dictionary and its code sets.
#[utoipa::path(get, path = "/api/v1/catalogue/elements", tag = "catalogue", responses((status = 200, body = Standards)))]
pub async fn elements(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Standards>> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    Ok(axum::Json(Standards {
        elements: state.store.data_elements().await?,
        code_sets: state.store.code_sets().await?,
    }))
}

/// A department's mapping rules from local fields and codes to standard elements.
#[utoipa::path(get, path = "/api/v1/departments/{id}/field-mappings", tag = "catalogue",
    responses((status = 200, body = Vec<FieldMapping>), (status = 404, body = crate::error::Problem)))]
pub async fn mappings(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<FieldMapping>>> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    find_department(&state, id).await?;
    Ok(axum::Json(state.store.field_mappings(id).await?))
}

/// Set the mapping of one local field (stewards of the department).
#[utoipa::path(put, path = "/api/v1/departments/{id}/field-mappings", tag = "catalogue", request_body = FieldMapping,
    responses((status = 200, body = FieldMapping), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_mapping(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(m): Json<FieldMapping>,
) -> ApiResult<axum::Json<FieldMapping>> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    auth.require(Permission::ManageCatalogue, &department_target(&state, id).await?)?;
    let n = m.local_field.trim().chars().count();
    if n == 0 || n > 64 {
        return Err(ApiError::field(
            "local_field",
            "请填写本地字段名（不超过64字）",
            "Give the local field name (at most 64 characters)",
        ));
    }
    let elements = state.store.data_elements().await?;
    let Some(element) = elements.iter().find(|e| e.code == m.element) else {
        return Err(ApiError::field(
            "element",
            format!("数据元“{}”不存在", m.element),
            format!("no data element '{}'", m.element),
        ));
    };
    if let Some(set) = &element.code_set {
        let sets = state.store.code_sets().await?;
        let cs = sets.iter().find(|c| &c.code == set).ok_or_else(ApiError::internal)?;
        if let Some((local, standard)) = m.values.iter().find(|(_, v)| !cs.contains(v)) {
            return Err(ApiError::field(
                "values",
                format!("本地代码“{local}”对应的“{standard}”不在代码集{set}中"),
                format!("'{standard}' (for local '{local}') is not in code set {set}"),
            ));
        }
    } else if !m.values.is_empty() {
        return Err(ApiError::field(
            "values",
            "该数据元没有代码集，不能设置代码对照",
            "This element has no code set, so no value mapping",
        ));
    }
    state
        .store
        .put_field_mapping(id, &m, &auth.event(Action::MappingSave, "field_mapping"))
        .await?;
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
    responses((status = 200, body = crate::import::ImportReport), (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<crate::import::ImportReport>> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let grid = crate::import::read_grid(&q.filename, &body)?;
    let may = |d: &yici_store::departments::Department| {
        auth.require(
            Permission::ManageCatalogue,
            &Target::Department {
                id: d.id,
                region: d.region(),
            },
        )
        .is_ok()
    };
    let report = crate::import::import(
        &state.store,
        &q.filename,
        &grid,
        q.partial,
        &may,
        &auth.event(Action::CatalogueImport, "catalogue_resource"),
        &|_| {},
    )
    .await
    .map_err(|f| match f {
        crate::import::ImportFailure::File(e) => ApiError::from(e),
        crate::import::ImportFailure::Store(e) => e.into(),
    })?;
    if !report.written && !report.errors.is_empty() {
        return Err(crate::import::refused(&report.errors, "文件中的内容均未写入", "Nothing was imported").into());
    }
    Ok(axum::Json(report))
}
