//! Administration pages: regions, departments, systems and their tokens, users and roles, the
//! working-day calendar. Each page is a table with the forms that act on it.

use super::{FieldView, FormView, Layout, encode, format_date, render};
use crate::api::directory::{DepartmentInput, RegionInput, validate_department, validate_region};
use crate::api::systems::{SystemInput, issue, system_target, validate_system};
use crate::api::users::{RoleInput, UserInput, create, grant};
use crate::auth::Auth;
use crate::context::current_lang;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Form, Path, Query};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yici_core::Lang;
use yici_core::authz::{Permission, Principal, Target};
use yici_core::id::RegionCode;
use yici_core::org::{DepartmentKind, Role};
use yici_store::Page;

pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    fn text(t: impl Into<String>) -> Self {
        Cell {
            text: t.into(),
            href: None,
        }
    }
    fn link(t: impl Into<String>, href: impl Into<String>) -> Self {
        Cell {
            text: t.into(),
            href: Some(href.into()),
        }
    }
}

pub struct RowView {
    pub cells: Vec<Cell>,
    /// Buttons that post to an action: (url, label).
    pub actions: Vec<(String, String)>,
}

pub struct FilterView {
    pub action: String,
    pub submit: String,
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "table.html")]
pub struct TablePage {
    pub l: Layout,
    pub crumbs: Vec<(String, String)>,
    pub intro: Vec<String>,
    pub secret: Option<String>,
    pub filter: Option<FilterView>,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<RowView>,
    pub more: Option<String>,
    pub forms: Vec<FormView>,
}

impl TablePage {
    fn new(l: Layout, caption: &str, head: &[&str]) -> Self {
        TablePage {
            caption: caption.into(),
            head: head.iter().map(|h| h.to_string()).collect(),
            l,
            crumbs: Vec::new(),
            intro: Vec::new(),
            secret: None,
            filter: None,
            rows: Vec::new(),
            more: None,
            forms: Vec::new(),
        }
    }
}

/// Notices shown after a successful action (post/redirect/get).
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
    pub parent: Option<String>,
    pub region: Option<String>,
    pub offset: Option<i64>,
}

fn notice_text(code: &str, lang: Lang) -> Option<String> {
    let (zh, en) = match code {
        "saved" => ("已保存。", "Saved."),
        "created" => ("已创建。", "Created."),
        "revoked" => ("已吊销。", "Revoked."),
        "granted" => ("已授予角色。", "Role granted."),
        "removed" => ("已撤销角色。", "Role removed."),
        "disabled" => (
            "账号已停用，其登录会话已结束。",
            "Account disabled; its sessions have ended.",
        ),
        "enabled" => ("账号已启用。", "Account enabled."),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_string())
}

fn layout(
    auth: &Auth,
    headers: &HeaderMap,
    path: &str,
    zh: &str,
    en: &str,
    q: &NoticeQuery,
) -> Layout {
    let mut l = Layout::new(auth, headers, path, zh, en);
    l.notice = q.notice.as_deref().and_then(|n| notice_text(n, l.lang));
    l
}

fn redirect(to: &str, notice: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}notice={notice}")).into_response()
}

// ---- regions ----

#[derive(Debug, Default, Deserialize)]
pub struct RegionForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

fn region_form(l: &Layout, f: &RegionForm) -> FormView {
    FormView::new(
        "/admin/regions",
        l.t("新增或更名行政区划", "Add or rename a region"),
        l.t("保存", "Save"),
        vec![
            FieldView::text("code", l.t("区划代码", "Region code"), l.t("6位行政区划代码，或乡镇、村的12位统计用区划代码；上级区划须已登记", "6-digit code, or the 12-digit statistical code for townships and villages; the parent must already be registered"), &f.code),
            FieldView::text("name", l.t("名称", "Name"), l.t("如：西湖区、三墩镇", "For example 西湖区 or 三墩镇"), &f.name),
        ],
    )
}

async fn regions_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &NoticeQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let l = layout(auth, headers, "/admin/regions", "行政区划", "Regions", q);
    let lang = l.lang;
    let parent = q.parent.as_deref().filter(|p| !p.is_empty());
    let mut page = TablePage::new(l, "", &[]);
    page.caption = match parent {
        Some(p) => format!("{} {p}", lang.pick("下级区划：", "Regions below")),
        None => lang.pick("省级区划", "Top-level regions").to_string(),
    };
    page.head = [
        lang.pick("代码", "Code"),
        lang.pick("名称", "Name"),
        lang.pick("层级", "Level"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(p) = parent {
        let mut chain = Vec::new();
        let mut cur = state.store.region(p).await?;
        while let Some(r) = cur {
            chain.push((format!("/admin/regions?parent={}", r.code), r.name.clone()));
            cur = match &r.parent_code {
                Some(pc) => state.store.region(pc).await?,
                None => None,
            };
        }
        chain.push(("/admin/regions".into(), lang.pick("全部", "All").into()));
        chain.reverse();
        page.crumbs = chain;
    }
    for r in state.store.region_children(parent).await? {
        let level = yici_core::id::RegionLevel::from_code(r.level)
            .map(|lv| lv.name(lang))
            .unwrap_or("");
        page.rows.push(RowView {
            cells: vec![
                Cell::text(&r.code),
                Cell::link(&r.name, format!("/admin/regions?parent={}", r.code)),
                Cell::text(level),
            ],
            actions: vec![],
        });
    }
    let default_form = region_form(&page.l, &RegionForm::default());
    page.forms.push(form.unwrap_or(default_form));
    Ok(page)
}

pub async fn regions(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageRegions, &Target::Platform)?;
    Ok(render(
        StatusCode::OK,
        &regions_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_region(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<RegionForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageRegions, &Target::Platform)?;
    let input = RegionInput {
        code: f.code.clone(),
        name: f.name.clone(),
    };
    let result = async {
        let (code, name) = validate_region(&input)?;
        auth.require(Permission::ManageRegions, &Target::Region(code.clone()))?;
        Ok::<_, ApiError>(state.store.upsert_region(&code, &name).await?)
    }
    .await;
    match result {
        Ok(r) => Ok(redirect(
            &format!(
                "/admin/regions?parent={}",
                r.parent_code.unwrap_or_default()
            ),
            "saved",
        )),
        Err(e) => {
            let q = NoticeQuery::default();
            let l = Layout::new(&auth, &headers, "/admin/regions", "", "");
            let form = region_form(&l, &f).with_error(&e, current_lang());
            Ok(render(
                e.status,
                &regions_page(&state, &auth, &headers, &q, Some(form)).await?,
            ))
        }
    }
}

// ---- departments ----

#[derive(Debug, Default, Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    kind: String,
}

fn kind_options(lang: Lang) -> Vec<(String, String)> {
    DepartmentKind::ALL
        .iter()
        .map(|k| (k.code().to_string(), k.name(lang).to_string()))
        .collect()
}

fn department_form(l: &Layout, f: &DepartmentForm) -> FormView {
    let kind = if f.kind.is_empty() {
        "government".to_string()
    } else {
        f.kind.clone()
    };
    let mut kind_field =
        FieldView::text("kind", l.t("部门类型", "Kind"), "", &kind).select(kind_options(l.lang));
    kind_field.hint = l
        .t(
            "政府组成部门、直属机构或事业单位、垂直管理部门或其他",
            "Government department, agency, vertically managed, or other",
        )
        .into();
    FormView::new(
        "/admin/departments",
        l.t("新增部门", "Add a department"),
        l.t("创建部门", "Create department"),
        vec![
            FieldView::text(
                "name",
                l.t("部门名称", "Name"),
                l.t("全称，如：杭州市市场监督管理局", "Full name"),
                &f.name,
            ),
            FieldView::text(
                "uscc",
                l.t("统一社会信用代码", "Unified social credit code"),
                l.t(
                    "18位，末位为校验码",
                    "18 characters, the last is a check character",
                ),
                &f.uscc,
            ),
            FieldView::text(
                "region_code",
                l.t("所在行政区划代码", "Region code"),
                l.t("6位代码，须已登记", "6-digit code, already registered"),
                &f.region_code,
            ),
            FieldView::text(
                "parent_id",
                l.t("上级部门编号", "Parent department number"),
                l.t("可不填", "Optional"),
                &f.parent_id,
            )
            .optional(),
            kind_field,
        ],
    )
}

fn department_input(f: &DepartmentForm) -> Result<DepartmentInput, ApiError> {
    let parent_id = match f.parent_id.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| {
            ApiError::field(
                "parent_id",
                "上级部门编号应为数字",
                "The parent department number must be a number",
            )
        })?),
    };
    Ok(DepartmentInput {
        name: f.name.clone(),
        uscc: f.uscc.clone(),
        region_code: f.region_code.clone(),
        parent_id,
        kind: f.kind.clone(),
    })
}

async fn departments_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &NoticeQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let l = layout(
        auth,
        headers,
        "/admin/departments",
        "部门",
        "Departments",
        q,
    );
    let lang = l.lang;
    let region = q.region.as_deref().unwrap_or("").trim().to_string();
    let prefix = if region.is_empty() {
        None
    } else {
        Some(
            RegionCode::parse(&region)
                .map_err(|e| {
                    ApiError::validation(vec![crate::error::FieldError::id("region", &e)])
                })?
                .prefix(),
        )
    };
    let page_size = 50;
    let offset = q.offset.unwrap_or(0).max(0);
    let list = state
        .store
        .list_departments(prefix.as_deref(), Page::new(Some(page_size), Some(offset)))
        .await?;
    let mut page = TablePage::new(
        l,
        lang.pick("部门目录", "Department directory"),
        &[
            lang.pick("编号", "No."),
            lang.pick("名称", "Name"),
            lang.pick("统一社会信用代码", "Credit code"),
            lang.pick("行政区划", "Region"),
            lang.pick("类型", "Kind"),
        ],
    );
    page.filter = Some(FilterView {
        action: "/admin/departments".into(),
        submit: lang.pick("筛选", "Filter").into(),
        fields: vec![FieldView::text(
            "region",
            lang.pick("行政区划代码", "Region code"),
            "",
            &region,
        )],
    });
    if list.len() as i64 == page_size {
        page.more = Some(format!(
            "/admin/departments?region={}&offset={}",
            encode(&region),
            offset + page_size
        ));
    }
    for d in list {
        let kind = DepartmentKind::from_code(&d.kind)
            .map(|k| k.name(lang))
            .unwrap_or("");
        let region_name = d.region().path_names().join("");
        page.rows.push(RowView {
            cells: vec![
                Cell::text(d.id.to_string()),
                Cell::link(&d.name, format!("/admin/systems?department={}", d.id)),
                Cell::text(&d.uscc),
                Cell::text(format!("{} {}", d.region_code, region_name)),
                Cell::text(kind),
            ],
            actions: vec![],
        });
    }
    let default_form = department_form(&page.l, &DepartmentForm::default());
    page.forms.push(form.unwrap_or(default_form));
    Ok(page)
}

pub async fn departments(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageDepartments, &Target::Platform)?;
    Ok(render(
        StatusCode::OK,
        &departments_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_department(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<DepartmentForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageDepartments, &Target::Platform)?;
    let result = async {
        let d = validate_department(&department_input(&f)?)?;
        auth.require(
            Permission::ManageDepartments,
            &Target::Region(d.region.clone()),
        )?;
        Ok::<_, ApiError>(state.store.create_department(&d).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(redirect("/admin/departments", "created")),
        Err(e) => {
            let l = Layout::new(&auth, &headers, "/admin/departments", "", "");
            let form = department_form(&l, &f).with_error(&e, current_lang());
            Ok(render(
                e.status,
                &departments_page(&state, &auth, &headers, &NoticeQuery::default(), Some(form))
                    .await?,
            ))
        }
    }
}

// ---- systems ----

#[derive(Debug, Default, Deserialize)]
pub struct SystemsQuery {
    department: Option<i64>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SystemForm {
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

/// The departments whose systems the principal may see: all for region-scoped operators and
/// stewards' own departments otherwise.
async fn visible_departments(
    state: &AppState,
    auth: &Auth,
) -> ApiResult<Vec<yici_store::departments::Department>> {
    let all = state.store.list_departments(None, Page::all()).await?;
    Ok(all
        .into_iter()
        .filter(|d| {
            auth.require(
                Permission::ReadSystems,
                &Target::Department {
                    id: d.id,
                    region: d.region(),
                },
            )
            .is_ok()
        })
        .collect())
}

fn system_form(
    l: &Layout,
    f: &SystemForm,
    departments: &[yici_store::departments::Department],
) -> FormView {
    let options = departments
        .iter()
        .map(|d| (d.id.to_string(), d.name.clone()))
        .collect();
    FormView::new(
        "/admin/systems",
        l.t("登记应用系统", "Register a system"),
        l.t("登记", "Register"),
        vec![
            FieldView::text(
                "department_id",
                l.t("所属部门", "Department"),
                l.t("系统所属的部门", "The department that runs the system"),
                &f.department_id,
            )
            .select(options),
            FieldView::text(
                "name",
                l.t("系统名称", "System name"),
                l.t("如：人口信息查询系统", "For example: population look-up"),
                &f.name,
            ),
            FieldView::text(
                "description",
                l.t("用途说明", "Purpose"),
                l.t("可不填，不超过500字", "Optional, at most 500 characters"),
                &f.description,
            )
            .optional(),
        ],
    )
}

async fn systems_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &SystemsQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let nq = NoticeQuery {
        notice: q.notice.clone(),
        ..Default::default()
    };
    let l = layout(auth, headers, "/admin/systems", "应用系统", "Systems", &nq);
    let lang = l.lang;
    let departments = visible_departments(state, auth).await?;
    let mut page = TablePage::new(
        l,
        lang.pick("部门应用系统", "Department systems"),
        &[
            lang.pick("编号", "No."),
            lang.pick("系统名称", "System"),
            lang.pick("所属部门", "Department"),
            lang.pick("用途", "Purpose"),
        ],
    );
    for d in departments
        .iter()
        .filter(|d| q.department.is_none_or(|id| id == d.id))
    {
        for s in state.store.list_systems(Some(d.id)).await? {
            page.rows.push(RowView {
                cells: vec![
                    Cell::text(s.id.to_string()),
                    Cell::link(&s.name, format!("/admin/systems/{}", s.id)),
                    Cell::text(&d.name),
                    Cell::text(&s.description),
                ],
                actions: vec![],
            });
        }
    }
    if auth
        .require(Permission::ManageSystems, &Target::Platform)
        .is_ok()
    {
        let default = SystemForm {
            department_id: q.department.map(|d| d.to_string()).unwrap_or_default(),
            ..Default::default()
        };
        let default_form = system_form(&page.l, &default, &departments);
        page.forms.push(form.unwrap_or(default_form));
    }
    Ok(page)
}

pub async fn systems(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<SystemsQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadSystems, &Target::Platform)?;
    Ok(render(
        StatusCode::OK,
        &systems_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_system(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<SystemForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageSystems, &Target::Platform)?;
    let result = async {
        let id: i64 = f.department_id.trim().parse().map_err(|_| {
            ApiError::field("department_id", "请选择所属部门", "Choose the department")
        })?;
        let d = crate::api::directory::find_department(&state, id).await?;
        auth.require(
            Permission::ManageSystems,
            &Target::Department {
                id,
                region: d.region(),
            },
        )?;
        let input = SystemInput {
            name: f.name.clone(),
            description: f.description.clone(),
        };
        validate_system(&input)?;
        Ok::<_, ApiError>(
            state
                .store
                .create_system(id, &input.name, &input.description)
                .await?,
        )
    }
    .await;
    match result {
        Ok(s) => Ok(redirect(&format!("/admin/systems/{}", s.id), "created")),
        Err(e) => {
            let departments = visible_departments(&state, &auth).await?;
            let l = Layout::new(&auth, &headers, "/admin/systems", "", "");
            let form = system_form(&l, &f, &departments).with_error(&e, current_lang());
            Ok(render(
                e.status,
                &systems_page(
                    &state,
                    &auth,
                    &headers,
                    &SystemsQuery::default(),
                    Some(form),
                )
                .await?,
            ))
        }
    }
}

async fn system_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    notice: Option<&str>,
    secret: Option<String>,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let (system, target) = system_target(state, id).await?;
    auth.require(Permission::ReadSystems, &target)?;
    let nq = NoticeQuery {
        notice: notice.map(str::to_string),
        ..Default::default()
    };
    let path = format!("/admin/systems/{id}");
    let l = layout(auth, headers, &path, "应用系统令牌", "System tokens", &nq);
    let lang = l.lang;
    let manage = auth.require(Permission::ManageSystems, &target).is_ok();
    let mut head = vec![
        lang.pick("编号", "No."),
        lang.pick("令牌前缀", "Token prefix"),
        lang.pick("签发日期", "Issued"),
        lang.pick("有效期至", "Expires"),
        lang.pick("状态", "Status"),
    ];
    if manage {
        head.push(lang.pick("操作", "Actions"));
    }
    let mut page = TablePage::new(
        l,
        &format!(
            "{} — {}",
            system.name,
            lang.pick("访问令牌", "access tokens")
        ),
        &head,
    );
    page.crumbs = vec![(
        "/admin/systems".into(),
        lang.pick("应用系统", "Systems").into(),
    )];
    page.intro.push(
        lang.pick(
            "令牌只在签发时显示一次，平台仅保存其摘要。系统调用接口时在请求头中携带：Authorization: Bearer <令牌>。",
            "A token is shown once, when issued; the platform keeps only its digest. Systems send it as: Authorization: Bearer <token>.",
        )
        .into(),
    );
    page.secret = secret;
    let now = yici_store::now_micros();
    for t in state.store.system_tokens(id).await? {
        let status = match (t.revoked_at, t.expires_at <= now) {
            (Some(_), _) => lang.pick("已吊销", "Revoked"),
            (None, true) => lang.pick("已过期", "Expired"),
            (None, false) => lang.pick("有效", "Valid"),
        };
        let actions = if manage && t.revoked_at.is_none() {
            vec![(
                format!("/admin/systems/{id}/tokens/{}/revoke", t.id),
                lang.pick("吊销", "Revoke").to_string(),
            )]
        } else {
            vec![]
        };
        page.rows.push(RowView {
            cells: vec![
                Cell::text(t.id.to_string()),
                Cell::text(format!("{}…", t.hint)),
                Cell::text(format_date(t.created_at, lang)),
                Cell::text(format_date(t.expires_at, lang)),
                Cell::text(status),
            ],
            actions,
        });
    }
    if manage {
        let default_form = token_form(&page.l, id, "");
        page.forms.push(form.unwrap_or(default_form));
    }
    Ok(page)
}

fn token_form(l: &Layout, id: i64, days: &str) -> FormView {
    FormView::new(
        &format!("/admin/systems/{id}/tokens"),
        l.t("签发新令牌", "Issue a new token"),
        l.t("签发令牌", "Issue token"),
        vec![
            FieldView::text(
                "valid_days",
                l.t("有效天数", "Valid for (days)"),
                l.t(
                    "1至1095天，不填为365天",
                    "1 to 1,095 days; 365 when left empty",
                ),
                days,
            )
            .kind("number")
            .optional(),
        ],
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeOnly {
    notice: Option<String>,
}

pub async fn system(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<NoticeOnly>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadSystems, &Target::Platform)?;
    Ok(render(
        StatusCode::OK,
        &system_page(&state, &auth, &headers, id, q.notice.as_deref(), None, None).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    valid_days: String,
}

pub async fn issue_token(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<TokenForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageSystems, &Target::Platform)?;
    let (_, target) = system_target(&state, id).await?;
    auth.require(Permission::ManageSystems, &target)?;
    let days = match f.valid_days.trim() {
        "" => Ok(None),
        d => d.parse::<u32>().map(Some).map_err(|_| {
            ApiError::field(
                "valid_days",
                "有效天数应为1至1095的整数",
                "valid_days must be a whole number from 1 to 1,095",
            )
        }),
    };
    match days {
        Ok(days) => match issue(&state, id, days).await {
            // The token is rendered in this response only; it is never stored or shown again.
            Ok(t) => Ok(render(
                StatusCode::CREATED,
                &system_page(&state, &auth, &headers, id, None, Some(t.token), None).await?,
            )),
            Err(e) => token_error(&state, &auth, &headers, id, &f, e).await,
        },
        Err(e) => token_error(&state, &auth, &headers, id, &f, e).await,
    }
}

async fn token_error(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    f: &TokenForm,
    e: ApiError,
) -> ApiResult<Response> {
    let l = Layout::new(auth, headers, "/admin/systems", "", "");
    let form = token_form(&l, id, &f.valid_days).with_error(&e, current_lang());
    Ok(render(
        e.status,
        &system_page(state, auth, headers, id, None, None, Some(form)).await?,
    ))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, token_id)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageSystems, &Target::Platform)?;
    let (_, target) = system_target(&state, id).await?;
    auth.require(Permission::ManageSystems, &target)?;
    state.store.revoke_system_token(id, token_id).await?;
    Ok(redirect(&format!("/admin/systems/{id}"), "revoked"))
}

// ---- users ----

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    department_id: String,
}

fn user_form(
    l: &Layout,
    f: &UserForm,
    departments: &[yici_store::departments::Department],
) -> FormView {
    let mut options = vec![(
        String::new(),
        l.t("（不属于具体部门）", "(no department)").to_string(),
    )];
    options.extend(
        departments
            .iter()
            .map(|d| (d.id.to_string(), d.name.clone())),
    );
    FormView::new(
        "/admin/users",
        l.t("新增用户", "Add a user"),
        l.t("创建用户", "Create user"),
        vec![
            FieldView::text(
                "username",
                l.t("用户名", "Username"),
                l.t(
                    "3至32位小写字母、数字或 . _ -，以字母开头",
                    "3 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter",
                ),
                &f.username,
            )
            .autocomplete("off"),
            FieldView::text(
                "display_name",
                l.t("姓名", "Name"),
                l.t("显示在页面和日志中", "Shown on pages and in the log"),
                &f.display_name,
            ),
            FieldView::text(
                "password",
                l.t("初始密码", "Initial password"),
                l.t(
                    "至少10位，包含字母、数字、符号中的两类",
                    "At least 10 characters mixing two of letters, digits and symbols",
                ),
                "",
            )
            .kind("password")
            .autocomplete("new-password"),
            FieldView::text(
                "department_id",
                l.t("所属部门", "Department"),
                l.t("可不选", "Optional"),
                &f.department_id,
            )
            .select(options)
            .optional(),
        ],
    )
}

async fn users_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &NoticeQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let l = layout(
        auth,
        headers,
        "/admin/users",
        "用户与角色",
        "Users and roles",
        q,
    );
    let lang = l.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let users = state
        .store
        .list_users(Page::new(Some(50), Some(offset)))
        .await?;
    let departments = state.store.list_departments(None, Page::all()).await?;
    let mut page = TablePage::new(
        l,
        lang.pick("用户", "Users"),
        &[
            lang.pick("用户名", "Username"),
            lang.pick("姓名", "Name"),
            lang.pick("所属部门", "Department"),
            lang.pick("角色", "Roles"),
            lang.pick("状态", "Status"),
        ],
    );
    if users.len() == 50 {
        page.more = Some(format!("/admin/users?offset={}", offset + 50));
    }
    for u in users {
        let dept = u
            .department_id
            .and_then(|id| departments.iter().find(|d| d.id == id))
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let roles: Vec<String> = state
            .store
            .user_roles(u.id)
            .await?
            .iter()
            .filter_map(|r| Role::from_code(&r.role))
            .map(|r| r.name(lang).to_string())
            .collect();
        page.rows.push(RowView {
            cells: vec![
                Cell::link(&u.username, format!("/admin/users/{}", u.id)),
                Cell::text(&u.display_name),
                Cell::text(dept),
                Cell::text(roles.join("、")),
                Cell::text(if u.disabled {
                    lang.pick("已停用", "Disabled")
                } else {
                    lang.pick("正常", "Active")
                }),
            ],
            actions: vec![],
        });
    }
    if auth
        .require(Permission::ManageUsers, &Target::Platform)
        .is_ok()
    {
        let default_form = user_form(&page.l, &UserForm::default(), &departments);
        page.forms.push(form.unwrap_or(default_form));
    }
    Ok(page)
}

pub async fn users(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadUsers, &Target::Platform)?;
    Ok(render(
        StatusCode::OK,
        &users_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageUsers, &Target::Platform)?;
    let result = async {
        let department_id = match f.department_id.trim() {
            "" => None,
            d => Some(d.parse::<i64>().map_err(|_| {
                ApiError::field("department_id", "请选择部门", "Choose a department")
            })?),
        };
        let input = UserInput {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            password: f.password.clone(),
            department_id,
        };
        create(&state, &input).await
    }
    .await;
    match result {
        Ok(u) => Ok(redirect(&format!("/admin/users/{}", u.id), "created")),
        Err(e) => {
            let departments = state.store.list_departments(None, Page::all()).await?;
            let l = Layout::new(&auth, &headers, "/admin/users", "", "");
            let form = user_form(&l, &f, &departments).with_error(&e, current_lang());
            Ok(render(
                e.status,
                &users_page(&state, &auth, &headers, &NoticeQuery::default(), Some(form)).await?,
            ))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

fn role_form(
    l: &Layout,
    id: i64,
    f: &RoleForm,
    departments: &[yici_store::departments::Department],
    regions: &[yici_store::regions::Region],
) -> FormView {
    let roles = Role::ALL
        .iter()
        .map(|r| (r.code().to_string(), r.name(l.lang).to_string()))
        .collect();
    let mut scopes: Vec<(String, String)> = regions
        .iter()
        .map(|r| {
            (
                format!("r:{}", r.code),
                format!("{} {}", l.t("区划", "Region"), r.name),
            )
        })
        .collect();
    scopes.extend(departments.iter().map(|d| {
        (
            format!("d:{}", d.id),
            format!("{} {}", l.t("部门", "Department"), d.name),
        )
    }));
    FormView::new(
        &format!("/admin/users/{id}/roles"),
        l.t("授予角色", "Grant a role"),
        l.t("授予", "Grant"),
        vec![
            FieldView::text("role", l.t("角色", "Role"), "", &f.role).select(roles),
            FieldView::text(
                "scope",
                l.t("范围", "Scope"),
                l.t(
                    "角色只在该区划或部门内有效",
                    "The role applies only within this region or department",
                ),
                &f.scope,
            )
            .select(scopes),
        ],
    )
}

async fn user_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    notice: Option<&str>,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found("用户", "user"))?;
    let nq = NoticeQuery {
        notice: notice.map(str::to_string),
        ..Default::default()
    };
    let path = format!("/admin/users/{id}");
    let l = layout(auth, headers, &path, "用户详情", "User", &nq);
    let lang = l.lang;
    let manage = auth
        .require(Permission::ManageUsers, &Target::Platform)
        .is_ok();
    let departments = state.store.list_departments(None, Page::all()).await?;
    let mut head = vec![lang.pick("角色", "Role"), lang.pick("范围", "Scope")];
    if manage {
        head.push(lang.pick("操作", "Actions"));
    }
    let mut page = TablePage::new(
        l,
        &format!("{}（{}）", user.display_name, user.username),
        &head,
    );
    page.crumbs = vec![(
        "/admin/users".into(),
        lang.pick("用户与角色", "Users and roles").into(),
    )];
    for r in state.store.user_roles(id).await? {
        let scope = match r.department_id {
            Some(d) => departments
                .iter()
                .find(|x| x.id == d)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            None => RegionCode::parse(&r.region_code)
                .map(|c| c.path_names().join(""))
                .unwrap_or_default(),
        };
        let actions = if manage {
            vec![(
                format!("/admin/users/{id}/roles/{}/revoke", r.id),
                lang.pick("撤销", "Remove").to_string(),
            )]
        } else {
            vec![]
        };
        let role = Role::from_code(&r.role)
            .map(|x| x.name(lang).to_string())
            .unwrap_or(r.role.clone());
        page.rows.push(RowView {
            cells: vec![Cell::text(role), Cell::text(scope)],
            actions,
        });
    }
    if manage {
        let regions = state
            .store
            .list_regions(Page::new(Some(200), Some(0)))
            .await?
            .into_iter()
            .filter(|r| r.level <= 3)
            .collect::<Vec<_>>();
        let default_form = role_form(&page.l, id, &RoleForm::default(), &departments, &regions);
        page.forms.push(form.unwrap_or(default_form));
        let (value, label) = if user.disabled {
            ("false", lang.pick("启用账号", "Enable account"))
        } else {
            ("true", lang.pick("停用账号", "Disable account"))
        };
        let mut toggle = FormView::new(
            &format!("/admin/users/{id}/disabled"),
            lang.pick("账号状态", "Account status"),
            label,
            vec![],
        );
        toggle.hidden.push(("disabled".into(), value.into()));
        page.forms.push(toggle);
    }
    Ok(page)
}

pub async fn user(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<NoticeOnly>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadUsers, &Target::Platform)?;
    Ok(render(
        StatusCode::OK,
        &user_page(&state, &auth, &headers, id, q.notice.as_deref(), None).await?,
    ))
}

pub async fn grant_role(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageUsers, &Target::Platform)?;
    let input = match f.scope.split_once(':') {
        Some(("d", d)) => RoleInput {
            role: f.role.clone(),
            department_id: d.parse().ok(),
            region_code: None,
        },
        Some(("r", r)) => RoleInput {
            role: f.role.clone(),
            department_id: None,
            region_code: Some(r.to_string()),
        },
        _ => RoleInput {
            role: f.role.clone(),
            department_id: None,
            region_code: None,
        },
    };
    match grant(&state, &auth, id, &input).await {
        Ok(_) => Ok(redirect(&format!("/admin/users/{id}"), "granted")),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => {
            let departments = state.store.list_departments(None, Page::all()).await?;
            let regions = state
                .store
                .list_regions(Page::new(Some(200), Some(0)))
                .await?;
            let l = Layout::new(&auth, &headers, "/admin/users", "", "");
            let mut e = e;
            for fe in &mut e.errors {
                if fe.field == "department_id" || fe.field == "region_code" {
                    fe.field = "scope".into();
                }
            }
            let form = role_form(&l, id, &f, &departments, &regions).with_error(&e, current_lang());
            Ok(render(
                e.status,
                &user_page(&state, &auth, &headers, id, None, Some(form)).await?,
            ))
        }
    }
}

pub async fn revoke_role(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, role_id)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageUsers, &Target::Platform)?;
    state.store.revoke_role(id, role_id).await?;
    Ok(redirect(&format!("/admin/users/{id}"), "removed"))
}

#[derive(Debug, Default, Deserialize)]
pub struct DisabledForm {
    #[serde(default)]
    disabled: String,
}

pub async fn set_disabled(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<DisabledForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageUsers, &Target::Platform)?;
    let disabled = f.disabled == "true";
    if disabled && matches!(&auth.principal, Principal::User { id: me, .. } if *me == id) {
        return Err(ApiError::conflict(
            "不能停用自己的账号",
            "You cannot disable your own account",
        ));
    }
    state.store.set_user_disabled(id, disabled).await?;
    Ok(redirect(
        &format!("/admin/users/{id}"),
        if disabled { "disabled" } else { "enabled" },
    ))
}

// ---- calendar ----

pub async fn calendar(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> ApiResult<Response> {
    auth.require(Permission::ReadCalendar, &Target::Platform)?;
    let l = Layout::new(
        &auth,
        &headers,
        "/calendar",
        "工作日历",
        "Working-day calendar",
    );
    let lang = l.lang;
    let mut page = TablePage::new(
        l,
        lang.pick(
            "法定节假日和调休安排",
            "Public holidays and make-up working days",
        ),
        &[
            lang.pick("年份", "Year"),
            lang.pick("节假日", "Holiday"),
            lang.pick("放假日期", "Days off"),
            lang.pick("调休上班", "Make-up working days"),
        ],
    );
    page.intro.push(
        lang.pick(
            "所有法定时限按工作日计算。平台运营可通过接口（PUT /api/v1/calendar/years/{年份}）或命令行（yici calendar add-year 文件）录入新的年度安排。",
            "Every legal time limit counts working days. Operators add a year through the API (PUT /api/v1/calendar/years/{year}) or the CLI (yici calendar add-year FILE).",
        )
        .into(),
    );
    for y in state.store.calendar_years().await? {
        let workdays: Vec<String> = y.workdays.iter().map(|d| d.to_string()).collect();
        page.intro.push(format!("{}：{}", y.year, y.source));
        for (i, h) in y.holidays.iter().enumerate() {
            page.rows.push(RowView {
                cells: vec![
                    Cell::text(y.year.to_string()),
                    Cell::text(&h.name),
                    Cell::text(format!("{} — {}", h.from, h.to)),
                    Cell::text(if i == 0 {
                        workdays.join("、")
                    } else {
                        String::new()
                    }),
                ],
                actions: vec![],
            });
        }
    }
    Ok(render(StatusCode::OK, &page))
}
