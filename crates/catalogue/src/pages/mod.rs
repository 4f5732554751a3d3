//! Catalogue pages: the public and the government catalogue (browse, search, detail), the
//! steward's drafts and edit form, the operator's review queue, and the statistics.

use crate::CatalogueState;
use crate::service::{SearchQuery, published, statistics};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::collections::HashMap;
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::{
    ClassKind, DataType, FormatClass, OpenType, ResourceDraft, ShareMode, ShareType, UpdateCycle,
};
use yici_service::FieldError;
use yici_web::extract::{Path, Query};
use yici_web::page::{Cell, FilterView, RowView, TablePage};
use yici_web::page::{FieldView, Layout, encode, format_date, render};
use yici_web::{ApiResult, Auth};

mod drafts;
mod fields;

pub use drafts::*;
use fields::{choices, options};

/// The search form and results, for the public (`public_only`) or the government catalogue.
async fn catalogue_page(
    state: &CatalogueState,
    auth: &Auth,
    headers: &HeaderMap,
    form: &SearchForm,
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
    // A value the search cannot use keeps the form, its input and the menu, with the field marked.
    let parsed = form.query().and_then(|q| q.filter(public_only).map(|f| (q, f)));
    let (q, (hits, total), refused) = match parsed {
        Ok((q, filter)) => {
            let found = state.store.catalogue_search(&filter, q.page()).await?;
            (q, found, None)
        }
        Err(e) if e.kind == yici_service::Kind::Invalid => (SearchQuery::default(), (Vec::new(), 0), Some(e)),
        Err(e) => return Err(e.into()),
    };
    let q = &q;
    let page = q.page();
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
        &raw(&form.share_type),
    )
    .select(options(choices!(ShareType, lang), Some(lang.pick("全部", "All"))));
    share.required = false;
    let mut open = FieldView::text("open_type", lang.pick("开放类型", "Open"), "", &raw(&form.open_type))
        .select(options(choices!(OpenType, lang), Some(lang.pick("全部", "All"))));
    open.required = false;
    let mut class = FieldView::text("class", lang.pick("资源分类", "Class"), "", &raw(&form.class))
        .select(options(choices!(ClassKind, lang), Some(lang.pick("全部", "All"))));
    class.required = false;
    let mut cycle = FieldView::text(
        "update_cycle",
        lang.pick("更新周期", "Update cycle"),
        "",
        &raw(&form.update_cycle),
    )
    .select(options(choices!(UpdateCycle, lang), Some(lang.pick("全部", "All"))));
    cycle.required = false;
    let mut filter = FilterView {
        action: path.into(),
        submit: lang.pick("检索", "Search").into(),
        fields: vec![
            FieldView::text("q", lang.pick("关键词", "Words"), "", &raw(&form.q)),
            FieldView::text("region", lang.pick("区划代码", "Region code"), "", &raw(&form.region)),
            class,
            share,
            open,
            cycle,
        ],
    };
    if let Some(e) = &refused {
        filter = filter.with_error(e, lang);
    }
    t.filter = Some(filter);
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
    /// The search this form asks for; every field that is not a number is named.
    fn query(&self) -> yici_service::Result<SearchQuery> {
        let mut errors = Vec::new();
        let mut n = |field: &str, v: &Option<String>| -> Option<i64> {
            let t = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            t.parse()
                .map_err(|_| {
                    errors.push(FieldError::new(
                        field,
                        "请从列表中选择",
                        "Choose one of the listed values",
                    ))
                })
                .ok()
        };
        let q = SearchQuery {
            q: self.q.clone(),
            department: n("department", &self.department),
            region: self.region.clone(),
            class: n("class", &self.class),
            share_type: n("share_type", &self.share_type),
            open_type: n("open_type", &self.open_type),
            format_class: None,
            update_cycle: n("update_cycle", &self.update_cycle),
            limit: self.limit.or(Some(20)),
            offset: self.offset,
        };
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(yici_service::Error::validation(errors))
        }
    }
}

/// A form field's value as typed.
fn raw(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

pub async fn public_catalogue(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Query(f): Query<SearchForm>,
) -> ApiResult<Response> {
    catalogue_page(&state, &auth, &headers, &f, true).await
}

pub async fn government_catalogue(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Query(f): Query<SearchForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    catalogue_page(&state, &auth, &headers, &f, false).await
}

/// A published resource: the public sees open ones; signed-in staff see all.
pub async fn detail(
    State(state): State<CatalogueState>,
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
    let mut t = TablePage::new(l, lang.pick("信息项", "Data items"), &item_head(lang));
    t.l.title = d.name.clone();
    t.crumbs = vec![(
        if staff { "/gov/catalogue" } else { "/catalogue" }.into(),
        lang.pick("目录", "Catalogue").into(),
    )];
    t.intro = facts(
        lang,
        &view.code,
        &format!("{}（{}）", view.provider, view.provider_uscc),
        d,
    );
    t.intro.push(yici_web::page::fact(
        lang,
        "版本",
        "Version",
        &format!("{}（{}）", view.version, format_date(view.published_at, lang)),
    ));
    t.rows = item_rows(lang, d);
    // Staff of another department ask for shared data from here.
    let own = auth.user.as_ref().and_then(|u| u.department_id) == Some(d.provider_department_id);
    if staff
        && !own
        && d.share_type != ShareType::NotShared.code()
        && auth.require(Permission::RequestSharing, &Target::OwnScope).is_ok()
    {
        t.links = Some((
            String::new(),
            vec![(
                format!("/sharing/requests/new?resource={id}"),
                lang.pick("申请共享", "Request this data").to_string(),
            )],
        ));
    }
    Ok(render(StatusCode::OK, &t))
}

/// What a resource says about itself, one line per fact, for its page and its review.
pub(crate) fn facts(lang: Lang, code: &str, provider: &str, d: &ResourceDraft) -> Vec<String> {
    let attr = |zh: &str, en: &str, v: String| yici_web::page::fact(lang, zh, en, &v);
    vec![
        attr("资源代码", "Code", code.to_string()),
        attr("提供部门", "Provider", provider.to_string()),
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
    ]
}

/// The heading of a resource's item table.
pub(crate) fn item_head(lang: Lang) -> [&'static str; 5] {
    [
        lang.pick("信息项名称", "Item"),
        lang.pick("数据元", "Data element"),
        lang.pick("数据类型", "Type"),
        lang.pick("长度", "Length"),
        lang.pick("共享类型", "Sharing"),
    ]
}

/// A resource's data items, one row each.
pub(crate) fn item_rows(lang: Lang, d: &ResourceDraft) -> Vec<RowView> {
    d.items
        .iter()
        .map(|item| RowView {
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
        })
        .collect()
}

/// Statistics: per department and region by share and open type, and the shareable share.
pub async fn stats_page(State(state): State<CatalogueState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    auth.require(Permission::ReadCatalogue, &Target::OwnScope)?;
    let s = statistics(&state, &auth).await?;
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
