//! Catalogue pages: the public and the government catalogue (browse, search, detail), the
//! steward's drafts and edit form, the operator's review queue, and the statistics.

use super::{FieldView, FormView, Layout, encode, format_date, render};
use crate::api::catalogue::{DraftQuery, SearchQuery, drafts_for, published, statistics, step};
use crate::auth::Auth;
use crate::context::current_lang;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Form, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::{
    ClassKind, DataItem, DataType, FormatClass, OpenType, ResourceDraft, ShareMode, ShareType, Status, Transition,
    UpdateCycle,
};
use yici_web::page::{Cell, FilterView, RowView, TablePage};

/// Options of a coded enumeration for a select box, with an empty choice first when `any`.
fn options(pairs: Vec<(i64, &'static str)>, any: Option<&str>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = any.map(|a| vec![(String::new(), a.to_string())]).unwrap_or_default();
    v.extend(pairs.into_iter().map(|(c, n)| (c.to_string(), n.to_string())));
    v
}

macro_rules! choices {
    ($t:ty, $lang:expr) => {
        <$t>::ALL.iter().map(|v| (v.code(), v.name($lang))).collect::<Vec<_>>()
    };
}

fn text_of(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The search form and results, for the public (`public_only`) or the government catalogue.
async fn catalogue_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &SearchQuery,
    public_only: bool,
) -> ApiResult<Response> {
    let path = if public_only { "/catalogue" } else { "/gov/catalogue" };
    let (zh, en) = if public_only {
        ("公共数据开放目录", "Open data catalogue")
    } else {
        ("政务数据资源目录", "Government data catalogue")
    };
    let l = Layout::new(auth, headers, path, zh, en);
    let lang = l.lang;
    let page = q.page();
    let (hits, total) = state.store.catalogue_search(&q.filter(public_only)?, page).await?;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("共找到 {total} 个数据资源"),
            Lang::En => format!("{total} resources found"),
        },
        &[
            lang.pick("资源代码", "Code"),
            lang.pick("资源名称", "Name"),
            lang.pick("提供部门", "Provider"),
            lang.pick("共享类型", "Sharing"),
            lang.pick("开放类型", "Open"),
            lang.pick("更新周期", "Updated"),
        ],
    );
    let mut share = FieldView::text(
        "share_type",
        lang.pick("共享类型", "Sharing"),
        "",
        &text_of(q.share_type),
    )
    .select(options(choices!(ShareType, lang), Some(lang.pick("全部", "All"))));
    share.required = false;
    let mut open = FieldView::text("open_type", lang.pick("开放类型", "Open"), "", &text_of(q.open_type))
        .select(options(choices!(OpenType, lang), Some(lang.pick("全部", "All"))));
    open.required = false;
    let mut class = FieldView::text("class", lang.pick("资源分类", "Class"), "", &text_of(q.class))
        .select(options(choices!(ClassKind, lang), Some(lang.pick("全部", "All"))));
    class.required = false;
    let mut cycle = FieldView::text(
        "update_cycle",
        lang.pick("更新周期", "Update cycle"),
        "",
        &text_of(q.update_cycle),
    )
    .select(options(choices!(UpdateCycle, lang), Some(lang.pick("全部", "All"))));
    cycle.required = false;
    t.filter = Some(FilterView {
        action: path.into(),
        submit: lang.pick("检索", "Search").into(),
        fields: vec![
            FieldView::text("q", lang.pick("关键词", "Words"), "", q.q.as_deref().unwrap_or("")),
            FieldView::text(
                "region",
                lang.pick("区划代码", "Region code"),
                "",
                q.region.as_deref().unwrap_or(""),
            ),
            class,
            share,
            open,
            cycle,
        ],
    });
    let mut names: HashMap<i64, String> = HashMap::new();
    for h in hits {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(h.department_id) {
            slot.insert(
                state
                    .store
                    .department(h.department_id)
                    .await?
                    .map(|d| d.name)
                    .unwrap_or_default(),
            );
        }
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&h.code),
                Cell::link(&h.name, format!("/catalogue/{}", h.id)),
                Cell::text(&names[&h.department_id]),
                Cell::text(ShareType::from_code(h.share_type).map(|s| s.name(lang)).unwrap_or("")),
                Cell::text(OpenType::from_code(h.open_type).map(|s| s.name(lang)).unwrap_or("")),
                Cell::text(
                    UpdateCycle::from_code(h.update_cycle)
                        .map(|s| s.name(lang))
                        .unwrap_or(""),
                ),
            ],
            actions: vec![],
        });
    }
    if page.offset + page.limit < total {
        let keep = |k: &str, v: &Option<String>| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("&{k}={}", encode(v)))
                .unwrap_or_default()
        };
        let keep_n = |k: &str, v: Option<i64>| v.map(|v| format!("&{k}={v}")).unwrap_or_default();
        t.more = Some(format!(
            "{path}?offset={}&limit={}{}{}{}{}{}{}",
            page.offset + page.limit,
            page.limit,
            keep("q", &q.q),
            keep("region", &q.region),
            keep_n("class", q.class),
            keep_n("share_type", q.share_type),
            keep_n("open_type", q.open_type),
            keep_n("update_cycle", q.update_cycle),
        ));
    }
    Ok(render(StatusCode::OK, &t))
}

/// Empty select values arrive as `""`: read them as "no filter".
#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchForm {
    q: Option<String>,
    department: Option<String>,
    region: Option<String>,
    class: Option<String>,
    share_type: Option<String>,
    open_type: Option<String>,
    update_cycle: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl SearchForm {
    fn query(&self) -> ApiResult<SearchQuery> {
        let n = |field: &str, v: &Option<String>| -> ApiResult<Option<i64>> {
            match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(t) => t
                    .parse()
                    .map(Some)
                    .map_err(|_| ApiError::field(field, "应为代码数字", "must be a code number")),
            }
        };
        Ok(SearchQuery {
            q: self.q.clone(),
            department: n("department", &self.department)?,
            region: self.region.clone(),
            class: n("class", &self.class)?,
            share_type: n("share_type", &self.share_type)?,
            open_type: n("open_type", &self.open_type)?,
            format_class: None,
            update_cycle: n("update_cycle", &self.update_cycle)?,
            limit: self.limit.or(Some(20)),
            offset: self.offset,
        })
    }
}

pub async fn public_catalogue(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(f): Query<SearchForm>,
) -> ApiResult<Response> {
    catalogue_page(&state, &auth, &headers, &f.query()?, true).await
}

pub async fn government_catalogue(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(f): Query<SearchForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    catalogue_page(&state, &auth, &headers, &f.query()?, false).await
}

/// A published resource: the public sees open ones; signed-in staff see all.
pub async fn detail(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let staff = auth.require(Permission::ReadCatalogue, &Target::OwnScope).is_ok();
    let view = published(&state, id, !staff).await?;
    let path = format!("/catalogue/{id}");
    let l = Layout::new(&auth, &headers, &path, "数据资源详情", "Resource");
    let lang = l.lang;
    let d = &view.resource;
    let mut t = TablePage::new(
        l,
        lang.pick("信息项", "Data items"),
        &[
            lang.pick("信息项名称", "Item"),
            lang.pick("数据元", "Data element"),
            lang.pick("数据类型", "Type"),
            lang.pick("长度", "Length"),
            lang.pick("共享类型", "Sharing"),
        ],
    );
    t.l.title = d.name.clone();
    t.crumbs = vec![(
        if staff { "/gov/catalogue" } else { "/catalogue" }.into(),
        lang.pick("目录", "Catalogue").into(),
    )];
    let attr = |zh: &str, en: &str, v: String| format!("{}：{v}", lang.pick(zh, en));
    t.intro = vec![
        attr("资源代码", "Code", view.code.clone()),
        attr(
            "提供部门",
            "Provider",
            format!("{}（{}）", view.provider, view.provider_uscc),
        ),
        attr("摘要", "Summary", d.summary.clone()),
        attr(
            "格式",
            "Format",
            format!(
                "{} {}",
                FormatClass::from_code(d.format_class)
                    .map(|f| f.name(lang))
                    .unwrap_or(""),
                d.format_type
            ),
        ),
        attr(
            "共享",
            "Sharing",
            format!(
                "{} {} {}",
                ShareType::from_code(d.share_type).map(|s| s.name(lang)).unwrap_or(""),
                ShareMode::from_code(d.share_mode).map(|s| s.name(lang)).unwrap_or(""),
                if d.share_condition.is_empty() {
                    d.legal_basis.clone()
                } else {
                    d.share_condition.clone()
                }
            ),
        ),
        attr(
            "开放",
            "Open",
            format!(
                "{} {}",
                OpenType::from_code(d.open_type).map(|s| s.name(lang)).unwrap_or(""),
                d.open_condition
            ),
        ),
        attr(
            "更新周期",
            "Update cycle",
            UpdateCycle::from_code(d.update_cycle)
                .map(|s| s.name(lang))
                .unwrap_or("")
                .into(),
        ),
        attr(
            "版本",
            "Version",
            format!("{}（{}）", view.version, format_date(view.published_at, lang)),
        ),
    ];
    for item in &d.items {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&item.name),
                Cell::text(item.element.clone().unwrap_or_default()),
                Cell::text(DataType::from_code(item.data_type).map(|v| v.name(lang)).unwrap_or("")),
                Cell::text(item.length.map(|v| v.to_string()).unwrap_or_default()),
                Cell::text(
                    ShareType::from_code(item.share_type.unwrap_or(d.share_type))
                        .map(|v| v.name(lang))
                        .unwrap_or(""),
                ),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

/// Blank item rows offered below the existing ones.
const SPARE_ITEMS: usize = 3;

/// The steward's form for a resource, with its item rows.
fn draft_form(l: &Layout, action: &str, d: &ResourceDraft, departments: &[(i64, String)]) -> FormView {
    let lang = l.lang;
    let v = |n: i64| n.to_string();
    let mut fields = vec![
        FieldView::text(
            "provider_department_id",
            lang.pick("提供部门", "Provider"),
            lang.pick("本部门", "Your department"),
            &v(d.provider_department_id),
        )
        .select(departments.iter().map(|(id, n)| (id.to_string(), n.clone())).collect()),
        FieldView::text(
            "classification",
            lang.pick("分类代码", "Classification"),
            lang.pick(
                "1位类 + 2位项 + 3位目（+ 细目），如 102001",
                "class + item + entry (+ sub-entry), e.g. 102001",
            ),
            &d.classification,
        ),
        FieldView::text(
            "name",
            lang.pick("资源名称", "Name"),
            lang.pick("不超过100字", "At most 100 characters"),
            &d.name,
        ),
        FieldView::text(
            "summary",
            lang.pick("资源摘要", "Summary"),
            lang.pick("说明内容、来源和用途", "What it holds, where from, what for"),
            &d.summary,
        ),
        FieldView::text(
            "format_class",
            lang.pick("格式分类", "Format class"),
            "",
            &v(d.format_class),
        )
        .select(options(choices!(FormatClass, lang), None)),
        FieldView::text(
            "format_type",
            lang.pick("格式类型", "Format type"),
            lang.pick("如 API、XLSX、PDF", "e.g. API, XLSX, PDF"),
            &d.format_type,
        ),
        FieldView::text("share_type", lang.pick("共享类型", "Share type"), "", &v(d.share_type))
            .select(options(choices!(ShareType, lang), None)),
        FieldView::text(
            "share_condition",
            lang.pick("共享条件", "Share condition"),
            lang.pick("有条件共享时必填", "Required when conditional"),
            &d.share_condition,
        )
        .optional(),
        FieldView::text(
            "legal_basis",
            lang.pick("不予共享的法律依据", "Legal basis for not sharing"),
            lang.pick("不予共享时必填", "Required when not shared"),
            &d.legal_basis,
        )
        .optional(),
        FieldView::text("share_mode", lang.pick("共享方式", "Share mode"), "", &v(d.share_mode))
            .select(options(choices!(ShareMode, lang), None)),
        FieldView::text("open_type", lang.pick("开放类型", "Open type"), "", &v(d.open_type))
            .select(options(choices!(OpenType, lang), None)),
        FieldView::text(
            "open_condition",
            lang.pick("开放条件", "Open condition"),
            lang.pick("有条件开放时必填", "Required when conditionally open"),
            &d.open_condition,
        )
        .optional(),
        FieldView::text(
            "update_cycle",
            lang.pick("更新周期", "Update cycle"),
            "",
            &v(d.update_cycle),
        )
        .select(options(choices!(UpdateCycle, lang), None)),
        FieldView::text(
            "sensitivity",
            lang.pick("敏感级别", "Sensitivity"),
            lang.pick("1（低）至4（高）", "1 (low) to 4 (high)"),
            &v(d.sensitivity),
        )
        .select((1..=4).map(|n| (n.to_string(), n.to_string())).collect()),
        FieldView::text(
            "secret",
            lang.pick("是否涉密", "Secret"),
            "",
            if d.secret { "1" } else { "0" },
        )
        .select(vec![
            ("0".into(), lang.pick("否", "No").into()),
            ("1".into(), lang.pick("是", "Yes").into()),
        ]),
    ];
    let blank = DataItem {
        name: String::new(),
        element: None,
        data_type: 1,
        length: None,
        share_type: None,
    };
    for (i, item) in d
        .items
        .iter()
        .chain(std::iter::repeat_n(&blank, SPARE_ITEMS))
        .enumerate()
    {
        let n = i + 1;
        let label = |zh: &str, en: &str| match lang {
            Lang::Zh => format!("信息项{n}{zh}"),
            Lang::En => format!("Item {n} {en}"),
        };
        fields.push(
            FieldView::text(
                &format!("item{i}_name"),
                &label("名称", "name"),
                lang.pick("不用的行留空", "Leave unused rows empty"),
                &item.name,
            )
            .optional(),
        );
        fields.push(
            FieldView::text(
                &format!("item{i}_element"),
                &label("数据元代码", "data element"),
                "",
                item.element.as_deref().unwrap_or(""),
            )
            .optional(),
        );
        fields.push(
            FieldView::text(
                &format!("item{i}_type"),
                &label("数据类型", "type"),
                "",
                &v(item.data_type),
            )
            .select(options(choices!(DataType, lang), None))
            .optional(),
        );
        fields.push(
            FieldView::text(
                &format!("item{i}_length"),
                &label("长度", "length"),
                "",
                &item.length.map(|l| l.to_string()).unwrap_or_default(),
            )
            .optional(),
        );
        let mut share = FieldView::text(
            &format!("item{i}_share"),
            &label("共享类型", "sharing"),
            lang.pick("留空则同资源", "Empty: as the resource"),
            &text_of(item.share_type),
        )
        .select(options(
            choices!(ShareType, lang),
            Some(lang.pick("同资源", "As the resource")),
        ));
        share.required = false;
        fields.push(share);
    }
    FormView::new(
        action,
        lang.pick("资源信息", "Resource"),
        lang.pick("保存草稿", "Save draft"),
        fields,
    )
}

/// Read the edit form into a draft; unparsable numbers become field errors.
fn draft_from_form(f: &HashMap<String, String>) -> Result<ResourceDraft, ApiError> {
    let s = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Vec::new();
    let mut n = |k: &str| -> i64 {
        match s(k).parse() {
            Ok(v) => v,
            Err(_) => {
                errors.push(FieldError::new(k, "请选择", "Choose a value"));
                0
            }
        }
    };
    let mut d = ResourceDraft {
        classification: s("classification"),
        name: s("name"),
        summary: s("summary"),
        provider_department_id: n("provider_department_id"),
        format_class: n("format_class"),
        format_type: s("format_type"),
        share_type: n("share_type"),
        share_condition: s("share_condition"),
        legal_basis: s("legal_basis"),
        share_mode: n("share_mode"),
        open_type: n("open_type"),
        open_condition: s("open_condition"),
        update_cycle: n("update_cycle"),
        sensitivity: n("sensitivity"),
        secret: s("secret") == "1",
        related: vec![],
        items: vec![],
    };
    let mut i = 0;
    while f.contains_key(&format!("item{i}_name")) && i < 500 {
        let name = s(&format!("item{i}_name"));
        if !name.is_empty() {
            let length = s(&format!("item{i}_length"));
            let length = if length.is_empty() {
                None
            } else {
                match length.parse() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        errors.push(FieldError::new(
                            &format!("item{i}_length"),
                            "长度应为整数",
                            "The length must be a whole number",
                        ));
                        None
                    }
                }
            };
            d.items.push(DataItem {
                name,
                element: Some(s(&format!("item{i}_element"))).filter(|e| !e.is_empty()),
                data_type: s(&format!("item{i}_type")).parse().unwrap_or(1),
                length,
                share_type: s(&format!("item{i}_share")).parse().ok(),
            });
        }
        i += 1;
    }
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Core field names (`items[2].name`) as form field names (`item2_name`), counting only filled rows.
fn form_error(mut e: ApiError, f: &HashMap<String, String>) -> ApiError {
    let filled: Vec<usize> = (0..500)
        .filter(|i| f.get(&format!("item{i}_name")).is_some_and(|v| !v.trim().is_empty()))
        .collect();
    for fe in &mut e.errors {
        if let Some(rest) = fe.field.strip_prefix("items[")
            && let Some((idx, field)) = rest.split_once("].")
            && let Ok(k) = idx.parse::<usize>()
        {
            let row = filled.get(k).copied().unwrap_or(k);
            let name = match field {
                "data_type" => "type",
                "share_type" => "share",
                other => other,
            };
            fe.field = format!("item{row}_{name}");
        } else if fe.field == "items" {
            fe.field = "item0_name".into();
        }
    }
    e
}

async fn steward_departments(state: &AppState, auth: &Auth) -> ApiResult<Vec<(i64, String)>> {
    let all = state.store.list_departments(None, yici_store::Page::all()).await?;
    Ok(all
        .into_iter()
        .filter(|d| {
            auth.require(
                Permission::ManageCatalogue,
                &Target::Department {
                    id: d.id,
                    region: d.region(),
                },
            )
            .is_ok()
        })
        .map(|d| (d.id, d.name))
        .collect())
}

/// The steward's working copies.
pub async fn drafts(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<super::admin::NoticeOnly>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let list = drafts_for(
        &state,
        &auth,
        &DraftQuery {
            limit: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let mut l = Layout::new(
        &auth,
        &headers,
        "/catalogue/drafts",
        "本部门数据资源编目",
        "My department's resources",
    );
    l.notice = q.notice.map(|_| l.t("已保存。", "Saved.").to_string());
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("编目草稿与已发布资源", "Drafts and published resources"),
        &[
            lang.pick("资源代码", "Code"),
            lang.pick("资源名称", "Name"),
            lang.pick("状态", "Status"),
            lang.pick("退回理由", "Review note"),
            lang.pick("操作", "Actions"),
        ],
    );
    t.intro.push(lang.pick("批量编目可使用导入模板（docs/catalogue-template.xlsx）并通过“yici catalog import”或接口上传。", "For many resources, fill in the template (docs/catalogue-template.xlsx) and import it with `yici catalog import` or the API.").into());
    for r in list {
        let mut actions = Vec::new();
        if r.status.after(Transition::Submit).is_some() {
            actions.push((
                format!("/catalogue/drafts/{}/submit", r.id),
                lang.pick("提交审核", "Submit").to_string(),
            ));
        }
        if r.status.after(Transition::RequestWithdraw).is_some() {
            actions.push((
                format!("/catalogue/drafts/{}/withdraw", r.id),
                lang.pick("申请撤销", "Request withdrawal").to_string(),
            ));
        }
        let editable = r.status.after(Transition::Edit).is_some();
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&r.code),
                if editable {
                    Cell::link(&r.draft.name, format!("/catalogue/drafts/{}", r.id))
                } else {
                    Cell::text(&r.draft.name)
                },
                Cell::text(r.status.name(lang)),
                Cell::text(&r.review_note),
            ],
            actions,
        });
    }
    let departments = steward_departments(&state, &auth).await?;
    let first = departments.first().map(|d| d.0).unwrap_or_default();
    let blank = blank_draft(first, 0);
    let mut form = draft_form(&t.l, "/catalogue/drafts", &blank, &departments);
    form.title = lang.pick("新建资源", "New resource").into();
    t.forms.push(form);
    Ok(render(StatusCode::OK, &t))
}

pub async fn create_draft(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let result = match draft_from_form(&f) {
        Ok(d) => crate::api::catalogue::create(&state, &auth, &d).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/catalogue/drafts?notice=saved").into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(e),
        Err(e) => edit_page(&state, &auth, &headers, None, &f, form_error(e, &f)).await,
    }
}

/// Re-render the edit form with the entered values and the errors.
async fn edit_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: Option<i64>,
    f: &HashMap<String, String>,
    e: ApiError,
) -> ApiResult<Response> {
    let action = id
        .map(|i| format!("/catalogue/drafts/{i}"))
        .unwrap_or_else(|| "/catalogue/drafts".into());
    let l = Layout::new(auth, headers, "/catalogue/drafts", "编辑数据资源", "Edit resource");
    let departments = steward_departments(state, auth).await?;
    let mut form = draft_form(&l, &action, &blank_draft(0, 20), &departments);
    for field in &mut form.fields {
        if let Some(v) = f.get(&field.name) {
            field.value = v.clone();
        }
    }
    let form = form.with_error(&e, current_lang());
    let mut t = TablePage::new(l, "", &[]);
    t.forms.push(form);
    Ok(render(e.status, &t))
}

/// An empty draft for the form, with `item_rows` blank item rows.
fn blank_draft(provider_department_id: i64, item_rows: usize) -> ResourceDraft {
    let item = DataItem {
        name: String::new(),
        element: None,
        data_type: 1,
        length: None,
        share_type: None,
    };
    ResourceDraft {
        classification: String::new(),
        name: String::new(),
        summary: String::new(),
        provider_department_id,
        format_class: 3,
        format_type: "API".into(),
        share_type: 1,
        share_condition: String::new(),
        legal_basis: String::new(),
        share_mode: 1,
        open_type: 3,
        open_condition: String::new(),
        update_cycle: 1,
        sensitivity: 1,
        secret: false,
        related: vec![],
        items: vec![item; item_rows],
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let r = state
        .store
        .catalogue_resource(id)
        .await?
        .ok_or_else(|| ApiError::not_found("数据资源", "catalogue resource"))?;
    let d = state
        .store
        .department(r.department_id)
        .await?
        .ok_or_else(|| ApiError::not_found("部门", "department"))?;
    auth.require(
        Permission::ManageCatalogue,
        &Target::Department {
            id: d.id,
            region: d.region(),
        },
    )?;
    let l = Layout::new(&auth, &headers, "/catalogue/drafts", "编辑数据资源", "Edit resource");
    let departments = vec![(d.id, d.name.clone())];
    let mut t = TablePage::new(l, "", &[]);
    t.intro.push(format!(
        "{}：{}（{}）",
        t.l.t("资源代码", "Code"),
        r.code,
        r.status.name(t.l.lang)
    ));
    let form = draft_form(&t.l, &format!("/catalogue/drafts/{id}"), &r.draft, &departments);
    t.forms.push(form);
    Ok(render(StatusCode::OK, &t))
}

pub async fn save_draft(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let result = match draft_from_form(&f) {
        Ok(d) => step(&state, &auth, id, Transition::Edit, Some(&d), "")
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/catalogue/drafts?notice=saved").into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => edit_page(&state, &auth, &headers, Some(id), &f, form_error(e, &f)).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// Lifecycle buttons: submit and withdraw (stewards), approve and reject (operators).
pub async fn page_step(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ReasonForm>,
) -> ApiResult<Response> {
    let (t, back) = match action.as_str() {
        "submit" => (Transition::Submit, "/catalogue/drafts"),
        "withdraw" => (Transition::RequestWithdraw, "/catalogue/drafts"),
        "approve" => (Transition::Approve, "/catalogue/review"),
        "reject" => (Transition::Reject, "/catalogue/review"),
        _ => return Err(ApiError::not_found("操作", "action")),
    };
    step(&state, &auth, id, t, None, &f.reason).await?;
    Ok(Redirect::to(&format!("{back}?notice=done")).into_response())
}

/// The operator's review queue: pending publications and withdrawals, each with its decision.
pub async fn review(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<super::admin::NoticeOnly>,
) -> ApiResult<Response> {
    auth.require(Permission::ReviewCatalogue, &Target::OwnScope)?;
    let queue = drafts_for(
        &state,
        &auth,
        &DraftQuery {
            queue: Some("pending".into()),
            limit: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let mut l = Layout::new(&auth, &headers, "/catalogue/review", "目录审核", "Catalogue review");
    l.notice = q.notice.map(|_| l.t("已处理。", "Done.").to_string());
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("待审核 {} 项", queue.len()),
            Lang::En => format!("{} waiting for review", queue.len()),
        },
        &[
            lang.pick("资源代码", "Code"),
            lang.pick("资源名称", "Name"),
            lang.pick("提供部门", "Provider"),
            lang.pick("申请事项", "Request"),
            lang.pick("审核通过", "Approve"),
        ],
    );
    for r in &queue {
        let provider = state
            .store
            .department(r.department_id)
            .await?
            .map(|d| d.name)
            .unwrap_or_default();
        let request = if r.status == Status::WithdrawPending {
            lang.pick("撤销", "withdrawal")
        } else {
            lang.pick("发布", "publication")
        };
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&r.code),
                Cell::text(&r.draft.name),
                Cell::text(provider),
                Cell::text(request),
            ],
            actions: vec![(
                format!("/catalogue/drafts/{}/approve", r.id),
                format!("{}：{}", lang.pick("通过", "Approve"), r.draft.name),
            )],
        });
        let mut reject = FormView::new(
            &format!("/catalogue/drafts/{}/reject", r.id),
            &format!("{}：{}", lang.pick("退回", "Reject"), r.draft.name),
            lang.pick("退回", "Reject"),
            vec![FieldView::text(
                &format!("reason-{}", r.id),
                lang.pick("退回理由", "Reason"),
                lang.pick("告诉数据管理员需要修改什么", "Tell the steward what to change"),
                "",
            )],
        );
        // Each form's field has its own id; all post it as `reason`.
        reject.fields[0].name = "reason".into();
        t.forms.push(reject);
    }
    Ok(render(StatusCode::OK, &t))
}

/// Statistics: per department and region by share and open type, and the shareable share.
pub async fn stats_page(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    let s = statistics(&state).await?;
    let l = Layout::new(
        &auth,
        &headers,
        "/catalogue/statistics",
        "目录统计",
        "Catalogue statistics",
    );
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("按部门统计（已发布资源）", "By department (published resources)"),
        &[
            lang.pick("部门", "Department"),
            lang.pick("区划", "Region"),
            lang.pick("无条件共享", "Unconditional"),
            lang.pick("有条件共享", "Conditional"),
            lang.pick("不予共享", "Not shared"),
            lang.pick("向社会开放", "Open"),
            lang.pick("合计", "Total"),
        ],
    );
    t.intro.push(match lang {
        Lang::Zh => format!(
            "已发布资源 {} 个，其中可共享 {} 个，可共享比例 {:.1}%；向社会开放 {} 个。",
            s.total,
            s.shareable,
            s.shareable_ratio * 100.0,
            s.open
        ),
        Lang::En => format!(
            "{} published resources; {} shareable ({:.1}%); {} open to the public.",
            s.total,
            s.shareable,
            s.shareable_ratio * 100.0,
            s.open
        ),
    });
    let mut by_dept: std::collections::BTreeMap<i64, (String, [i64; 5])> = std::collections::BTreeMap::new();
    for r in &s.rows {
        let e = by_dept
            .entry(r.department_id)
            .or_insert_with(|| (r.region_code.clone(), [0; 5]));
        if (1..=3).contains(&r.share_type) {
            e.1[(r.share_type - 1) as usize] += r.count;
        }
        if r.open_type != 3 {
            e.1[3] += r.count;
        }
        e.1[4] += r.count;
    }
    for (dept, (region, c)) in by_dept {
        let name = state.store.department(dept).await?.map(|d| d.name).unwrap_or_default();
        let region_name = yici_core::id::RegionCode::parse(&region)
            .map(|r| r.path_names().join(""))
            .unwrap_or(region);
        t.rows.push(RowView {
            cells: vec![
                Cell::link(name, format!("/gov/catalogue?department={dept}")),
                Cell::text(region_name),
                Cell::text(c[0].to_string()),
                Cell::text(c[1].to_string()),
                Cell::text(c[2].to_string()),
                Cell::text(c[3].to_string()),
                Cell::text(c[4].to_string()),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}
