//! The catalogue's operations: search, the published resources and their versions, the working
//! copies and every review step, statistics, export, the data-element dictionary, code
//! mappings and spreadsheet imports. Each takes the caller (where it matters) and typed values;
//! the API, the pages and the command line call these.

use crate::CatalogueState;
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::elements::{CodeSet, DataElement, FieldMapping};
use yici_core::catalogue::{ResourceDraft, Status, Transition};
use yici_core::id::RegionCode;
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::Store;
use yici_store::catalogue::{CatalogueFilter, Resource, SearchHit, Stat, Version};
use yici_store::departments::Department;

/// The department with `id`, or 404.
pub async fn find_department(state: &CatalogueState, id: i64) -> Result<Department> {
    state
        .store
        .department(id)
        .await?
        .ok_or_else(|| Error::not_found("部门", "department"))
}

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
    pub fn filter(&self, public_only: bool) -> Result<CatalogueFilter> {
        let mut errors = Vec::new();
        let region_prefix = match self.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => RegionCode::parse(r)
                .map_err(|e| errors.push(FieldError::id("region", &e)))
                .ok()
                .map(|r| r.prefix()),
            None => None,
        };
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            errors.push(FieldError::new(
                "q",
                "检索词不超过100字",
                "The query may have at most 100 characters",
            ));
        }
        use yici_core::catalogue::{ClassKind, FormatClass, OpenType, ShareType, UpdateCycle};
        let unknown = [
            ("class", self.class.is_some_and(|c| ClassKind::from_code(c).is_none())),
            (
                "share_type",
                self.share_type.is_some_and(|c| ShareType::from_code(c).is_none()),
            ),
            (
                "open_type",
                self.open_type.is_some_and(|c| OpenType::from_code(c).is_none()),
            ),
            (
                "format_class",
                self.format_class.is_some_and(|c| FormatClass::from_code(c).is_none()),
            ),
            (
                "update_cycle",
                self.update_cycle.is_some_and(|c| UpdateCycle::from_code(c).is_none()),
            ),
        ];
        for (field, _) in unknown.iter().filter(|(_, unknown)| *unknown) {
            errors.push(FieldError::new(
                field,
                "请从列表中选择",
                "Choose one of the listed values",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::validation(errors));
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
        yici_store::Page::new(self.limit, self.offset)
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

/// Search the government catalogue (every published resource).
pub async fn search_government(state: &CatalogueState, caller: &Caller, q: &SearchQuery) -> Result<SearchResult> {
    caller.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    search(state, q, false).await
}

/// Search the public catalogue (resources open to the public): open to anyone.
pub async fn search_public(state: &CatalogueState, q: &SearchQuery) -> Result<SearchResult> {
    search(state, q, true).await
}

async fn search(state: &CatalogueState, q: &SearchQuery, public_only: bool) -> Result<SearchResult> {
    let page = q.page();
    let (items, total) = state.store.catalogue_search(&q.filter(public_only)?, page).await?;
    Ok(SearchResult {
        total,
        items,
        limit: page.limit,
        offset: page.offset,
    })
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
pub async fn published(state: &CatalogueState, id: i64, public_only: bool) -> Result<ResourceView> {
    let not_found = || Error::not_found("数据资源", "catalogue resource");
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub version: i64,
    pub published_at: i64,
    pub resource: ResourceDraft,
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
pub fn validate(d: &ResourceDraft) -> Result<()> {
    let problems = d.problems();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::validation(
        problems
            .into_iter()
            .map(|p| FieldError::new(&p.field, p.zh, p.en))
            .collect(),
    ))
}

async fn department_target(state: &CatalogueState, department_id: i64) -> Result<Target> {
    let d = state.store.department(department_id).await?.ok_or_else(|| {
        Error::field(
            "provider_department_id",
            "提供部门不存在",
            "The provider department does not exist",
        )
    })?;
    Ok(d.target())
}

/// Create a resource as a draft; only the provider's data stewards may.
pub async fn create(state: &CatalogueState, auth: &Caller, d: &ResourceDraft) -> Result<Resource> {
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

async fn working_copy(state: &CatalogueState, id: i64) -> Result<Resource> {
    state
        .store
        .catalogue_resource(id)
        .await?
        .ok_or_else(|| Error::not_found("数据资源", "catalogue resource"))
}

/// The permission a lifecycle step needs, and the audit action it is recorded as.
fn step_permission(t: Transition) -> (Permission, Action) {
    match t {
        Transition::Edit => (Permission::ManageCatalogue, Action::CatalogueEdit),
        Transition::Submit => (Permission::ManageCatalogue, Action::CatalogueSubmit),
        Transition::RequestWithdraw => (Permission::ManageCatalogue, Action::CatalogueWithdraw),
        Transition::Approve => (Permission::ReviewCatalogue, Action::CatalogueApprove),
        Transition::Reject => (Permission::ReviewCatalogue, Action::CatalogueReject),
    }
}

/// The working copy `id`, when the caller may take step `t` on it (before asking "are you
/// sure?"): the same check as [`step`], nothing changed.
pub async fn may_step(state: &CatalogueState, auth: &Caller, id: i64, t: Transition) -> Result<Resource> {
    let (permission, _) = step_permission(t);
    auth.require(permission, &Target::OwnScope)?;
    let current = working_copy(state, id).await?;
    auth.require(permission, &department_target(state, current.department_id).await?)?;
    Ok(current)
}

/// Apply a lifecycle step after checking who may take it: stewards of the provider edit, submit
/// and ask to withdraw; operators approve and reject.
pub async fn step(
    state: &CatalogueState,
    auth: &Caller,
    id: i64,
    t: Transition,
    draft: Option<&ResourceDraft>,
    note: &str,
) -> Result<Resource> {
    let (_, action) = step_permission(t);
    let current = may_step(state, auth, id, t).await?;
    if let Some(d) = draft {
        validate(d)?;
    }
    if t == Transition::Reject && note.trim().is_empty() {
        return Err(Error::field(
            "reason",
            "退回时必须说明理由",
            "A rejection needs its reason",
        ));
    }
    yici_core::text::check("reason", note, 500, false).map_err(|p| Error::field("reason", p.zh, p.en))?;
    if current.status.after(t).is_none() {
        return Err(Error::conflict(
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
pub async fn drafts_for(state: &CatalogueState, auth: &Caller, q: &DraftQuery) -> Result<Vec<Resource>> {
    let page = yici_store::Page::new(q.limit, q.offset);
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
            .ok_or_else(|| Error::field("department", "请指定部门", "Give the department"))?,
    };
    let target = department_target(state, dept).await?;
    if auth.require(Permission::ManageCatalogue, &target).is_err() {
        auth.require(Permission::ReviewCatalogue, &target)?;
    }
    Ok(state.store.catalogue_list(&[], Some(dept), page).await?)
}

/// The published catalogue as DCAT-AP Turtle, DCAT-AP JSON-LD or CSV.
pub async fn export_text(store: &Store, format: &str, base_url: &str) -> Result<String> {
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
                    .ok_or_else(|| Error::not_found("部门", "department"))?;
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
        "csv" => Ok(crate::csv::write(&rows)),
        other => Err(Error::field(
            "format",
            format!("不支持的格式“{other}”，可选 dcat-ttl、dcat-jsonld、csv"),
            format!("unknown format '{other}'; use dcat-ttl, dcat-jsonld or csv"),
        )),
    }
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

pub async fn statistics(state: &CatalogueState, caller: &Caller) -> Result<Statistics> {
    caller.require(Permission::ReadCatalogue, &Target::OwnScope)?;
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Standards {
    pub elements: Vec<DataElement>,
    pub code_sets: Vec<CodeSet>,
}

/// Every published version of resource `id`, oldest first.
pub async fn versions(state: &CatalogueState, caller: &Caller, id: i64) -> Result<Vec<VersionView>> {
    caller.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    state
        .store
        .catalogue_resource(id)
        .await?
        .ok_or_else(|| Error::not_found("数据资源", "catalogue resource"))?;
    let v: Vec<Version> = state.store.catalogue_versions(id).await?;
    Ok(v.into_iter()
        .map(|v| VersionView {
            version: v.version,
            published_at: v.published_at,
            resource: v.draft,
        })
        .collect())
}

/// A review step named by its action: `submit` and `withdraw` (stewards), `approve` and
/// `reject` (operators, `reason` required when rejecting).
pub async fn review(state: &CatalogueState, caller: &Caller, id: i64, action: &str, reason: &str) -> Result<Resource> {
    let t = match action {
        "submit" => Transition::Submit,
        "withdraw" => Transition::RequestWithdraw,
        "approve" => Transition::Approve,
        "reject" => Transition::Reject,
        _ => {
            return Err(Error::not_found(
                &format!("操作“{action}”"),
                &format!("action '{action}'"),
            ));
        }
    };
    step(state, caller, id, t, None, reason).await
}

/// The published catalogue as `dcat-ttl` (default), `dcat-jsonld` or `csv`, with its media type.
pub async fn export(state: &CatalogueState, caller: &Caller, format: Option<&str>) -> Result<(String, &'static str)> {
    caller.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    let format = format.unwrap_or("dcat-ttl");
    let text = export_text(&state.store, format, &state.public_url).await?;
    let content_type = match format {
        "dcat-jsonld" => "application/ld+json",
        "csv" => "text/csv; charset=utf-8",
        _ => "text/turtle; charset=utf-8",
    };
    Ok((text, content_type))
}

/// The data element dictionary and its code sets.
pub async fn standards(state: &CatalogueState, caller: &Caller) -> Result<Standards> {
    caller.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    Ok(Standards {
        elements: state.store.data_elements().await?,
        code_sets: state.store.code_sets().await?,
    })
}

/// A department's mapping rules from local fields and codes to standard elements.
pub async fn mappings(state: &CatalogueState, caller: &Caller, department_id: i64) -> Result<Vec<FieldMapping>> {
    caller.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    find_department(state, department_id).await?;
    Ok(state.store.field_mappings(department_id).await?)
}

/// Set the mapping of one local field (stewards of the department).
pub async fn put_mapping(state: &CatalogueState, caller: &Caller, department_id: i64, m: &FieldMapping) -> Result<()> {
    caller.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    caller.require(
        Permission::ManageCatalogue,
        &department_target(state, department_id).await?,
    )?;
    let n = m.local_field.trim().chars().count();
    if n == 0 || n > 64 {
        return Err(Error::field(
            "local_field",
            "请填写本地字段名（不超过64字）",
            "Give the local field name (at most 64 characters)",
        ));
    }
    let elements = state.store.data_elements().await?;
    let Some(element) = elements.iter().find(|e| e.code == m.element) else {
        return Err(Error::field(
            "element",
            format!("数据元“{}”不存在", m.element),
            format!("no data element '{}'", m.element),
        ));
    };
    if let Some(set) = &element.code_set {
        let sets = state.store.code_sets().await?;
        let cs = sets.iter().find(|c| &c.code == set).ok_or_else(Error::internal)?;
        if let Some((local, standard)) = m.values.iter().find(|(_, v)| !cs.contains(v)) {
            return Err(Error::field(
                "values",
                format!("本地代码“{local}”对应的“{standard}”不在代码集{set}中"),
                format!("'{standard}' (for local '{local}') is not in code set {set}"),
            ));
        }
    } else if !m.values.is_empty() {
        return Err(Error::field(
            "values",
            "该数据元没有代码集，不能设置代码对照",
            "This element has no code set, so no value mapping",
        ));
    }
    state
        .store
        .put_field_mapping(department_id, m, &caller.event(Action::MappingSave, "field_mapping"))
        .await?;
    Ok(())
}

/// Import a catalogue spreadsheet already read into a grid (the template, as .xlsx or .csv):
/// each resource is imported only where the caller may catalogue for its department.
pub async fn import(
    state: &CatalogueState,
    caller: &Caller,
    filename: &str,
    grid: &[Vec<String>],
    partial: bool,
) -> Result<crate::import::ImportReport> {
    caller.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let may = |d: &Department| caller.require(Permission::ManageCatalogue, &d.target()).is_ok();
    let report = crate::import::import(
        &state.store,
        filename,
        grid,
        partial,
        &may,
        &caller.event(Action::CatalogueImport, "catalogue_resource"),
        &|_| {},
    )
    .await
    .map_err(|f| match f {
        crate::import::ImportFailure::File(e) => Error::from(e),
        crate::import::ImportFailure::Store(e) => e.into(),
    })?;
    if !report.written && !report.errors.is_empty() {
        return Err(crate::import::refused(
            &report.errors,
            "文件中的内容均未写入",
            "Nothing was imported",
        ));
    }
    Ok(report)
}

/// What waits for the reader on the home page: resources to review, and (for stewards) their
/// department's resources sent back for changes.
pub async fn home(state: &CatalogueState, caller: &Caller) -> Result<Vec<yici_web::home::Tile>> {
    use yici_web::home::Tile;
    let lang = yici_service::context::current_lang();
    let mut tiles = Vec::new();
    if caller.require(Permission::ReviewCatalogue, &Target::OwnScope).is_ok() {
        let queue = drafts_for(
            state,
            caller,
            &DraftQuery {
                queue: Some("pending".into()),
                limit: Some(200),
                ..Default::default()
            },
        )
        .await?;
        tiles.push(Tile::new(
            lang.pick("待审核的数据资源", "Resources to review"),
            queue.len() as i64,
            "/catalogue/review",
        ));
    }
    let department = caller.user.as_ref().and_then(|u| u.department_id);
    if let Some(dept) = department.filter(|_| caller.require(Permission::ManageCatalogue, &Target::OwnScope).is_ok()) {
        let returned = state
            .store
            .catalogue_list(&[Status::Rejected], Some(dept), yici_store::Page::all())
            .await?;
        tiles.push(Tile::new(
            lang.pick("被退回待修改的资源", "Resources sent back for changes"),
            returned.len() as i64,
            "/catalogue/drafts",
        ));
    }
    Ok(tiles)
}
