//! The public pages of the service items: the list with Chinese search and filters, and the
//! guide of an item or a bundle, whose situation questions are asked as steps of a plain form
//! (no JavaScript) and end in the tailored list.

pub(crate) mod cases;
mod staff;

pub use staff::{edit, history, manage, page_step, reviews, save};

use crate::WindowState;
use crate::api::ItemQuery;
use crate::service::bundles;
use crate::service::items::{self, GuideView, answers_from};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::collections::BTreeMap;
use yici_core::Lang;
use yici_core::items::{ApplicantType, Depth, ItemType, Level};
use yici_store::Page;
use yici_web::extract::{Path, Query};
use yici_web::page::{Cell, FieldView, FilterView, Layout, RowView, TablePage, encode, fact, render};
use yici_web::{ApiResult, Auth};

fn any(lang: Lang) -> (String, String) {
    (String::new(), lang.pick("全部", "All").to_string())
}

fn choices<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> i64,
    name: impl Fn(T) -> &'static str,
    lang: Lang,
) -> Vec<(String, String)> {
    std::iter::once(any(lang))
        .chain(all.iter().map(|v| (code(*v).to_string(), name(*v).to_string())))
        .collect()
}

fn select(name: &str, label: &str, value: &Option<String>, options: Vec<(String, String)>) -> FieldView {
    FieldView::text(name, label, "", value.as_deref().unwrap_or(""))
        .select(options)
        .optional()
}

/// 办事指南: the published items, searched in Chinese and filtered.
pub async fn list(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<ItemQuery>,
) -> ApiResult<Response> {
    let l = Layout::new(&auth, &headers, "/items", "办事指南", "Service guide");
    let lang = l.lang;
    let (found, refused, number) = match q.read() {
        Ok((filter, page, number)) => (Some(items::search(&state, &filter, page).await?), None, number),
        Err(e) if e.kind == yici_service::Kind::Invalid => (None, Some(e), 1),
        Err(e) => return Err(e.into()),
    };
    let (list, total) = found.unwrap_or_default();
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("共找到 {total} 个政务服务事项"),
            Lang::En => format!("{total} service items found"),
        },
        &[
            lang.pick("事项名称", "Item"),
            lang.pick("实施主体", "Handled by"),
            lang.pick("跑动次数", "Visits"),
            lang.pick("事项类型", "Type"),
        ],
    );
    t.intro.push(
        lang.pick(
            "每个事项都写明要带什么、要多久、要跑几次；政府部门已有的材料不用再交。",
            "Each item says what to bring, how long it takes and how many visits it needs; what the government already holds is not asked for.",
        )
        .to_string(),
    );
    let bundles = bundles::list(&state).await?;
    t.links = Some((
        lang.pick("一件事：", "Life events (一件事):").to_string(),
        bundles
            .iter()
            .map(|b| (format!("/bundles/{}", encode(&b.code)), b.name.clone()))
            .chain(std::iter::once((
                "/items/statistics".to_string(),
                lang.pick("事项统计", "Item statistics").to_string(),
            )))
            .collect(),
    ));
    let departments: Vec<(String, String)> = std::iter::once(any(lang))
        .chain(
            state
                .store
                .list_departments(None, Page::all())
                .await?
                .into_iter()
                .map(|d| (d.id.to_string(), d.name)),
        )
        .collect();
    let themes = [
        "出生",
        "婚育",
        "户籍",
        "就业",
        "退休",
        "房产",
        "租房",
        "开办企业",
        "企业注销",
        "交通出行",
        "纳税",
        "社会救助",
        "身后事",
    ];
    let mut filter = FilterView {
        action: "/items".into(),
        submit: lang.pick("检索", "Search").into(),
        fields: vec![
            FieldView::text("q", lang.pick("关键词", "Words"), "", q.q.as_deref().unwrap_or("")).optional(),
            select(
                "department",
                lang.pick("实施主体", "Handled by"),
                &q.department,
                departments,
            ),
            FieldView::text(
                "region",
                lang.pick("区划代码", "Region code"),
                "",
                q.region.as_deref().unwrap_or(""),
            )
            .optional(),
            select(
                "level",
                lang.pick("事项层级", "Level"),
                &q.level,
                choices(Level::ALL, Level::code, |v| v.name(lang), lang),
            ),
            select(
                "type",
                lang.pick("事项类型", "Type"),
                &q.item_type,
                choices(ItemType::ALL, ItemType::code, |v| v.name(lang), lang),
            ),
            select(
                "applicant",
                lang.pick("服务对象", "For"),
                &q.applicant,
                choices(ApplicantType::ALL, ApplicantType::code, |v| v.name(lang), lang),
            ),
            select(
                "theme",
                lang.pick("主题", "Theme"),
                &q.theme,
                std::iter::once(any(lang))
                    .chain(themes.iter().map(|t| (t.to_string(), t.to_string())))
                    .collect(),
            ),
            select(
                "visits",
                lang.pick("跑动次数", "Visits"),
                &q.visits,
                vec![
                    any(lang),
                    ("0".into(), lang.pick("零跑腿", "No visit").into()),
                    ("1".into(), lang.pick("最多跑一次", "At most once").into()),
                    ("2".into(), lang.pick("需跑多次", "More than once").into()),
                ],
            ),
            select(
                "depth",
                lang.pick("网办深度", "Online depth"),
                &q.depth,
                choices(Depth::ALL, Depth::code, |v| v.name(lang), lang),
            ),
        ],
    };
    if let Some(e) = &refused {
        filter = filter.with_error(e, lang);
    }
    t.filter = Some(filter);
    for i in &list {
        t.rows.push(RowView {
            cells: vec![
                Cell::link(&i.name, format!("/items/{}", encode(&i.code))),
                Cell::text(&i.department_name),
                Cell::text(&i.promise),
                Cell::text(&i.item_type_name),
            ],
            actions: vec![],
        });
    }
    let shown = (number - 1) * 20 + list.len() as i64;
    if refused.is_none() && shown < total && q.limit.is_none() {
        let keep: String = [
            ("q", &q.q),
            ("department", &q.department),
            ("region", &q.region),
            ("level", &q.level),
            ("type", &q.item_type),
            ("applicant", &q.applicant),
            ("theme", &q.theme),
            ("visits", &q.visits),
            ("depth", &q.depth),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("&{k}={}", encode(v)))
        })
        .collect();
        t.more = Some(format!("/items?page={}{keep}", number + 1));
    }
    Ok(render(StatusCode::OK, &t))
}

/// A situation question as the form shows it: code, text, (choice, label) pairs.
struct Asked {
    code: String,
    text: String,
    choices: Vec<(String, String)>,
}

/// The form of the situation questions, as steps: the questions answered so far (to change),
/// and the next one; the answers travel in the address, so every step can be bookmarked.
fn question_form(action: &str, g: &GuideView, answered: &[(&Asked, String)], lang: Lang) -> Option<FilterView> {
    let next = g.unanswered.first();
    if next.is_none() && answered.is_empty() {
        return None;
    }
    let mut fields: Vec<FieldView> = answered
        .iter()
        .map(|(q, value)| FieldView::text(&format!("answer.{}", q.code), &q.text, "", value).select(q.choices.clone()))
        .collect();
    if let Some(q) = next {
        fields.push(
            FieldView::text(&format!("answer.{}", q.code), &q.text, "", "").select(
                std::iter::once((String::new(), lang.pick("请选择", "Choose").to_string()))
                    .chain(q.choices.iter().cloned())
                    .collect(),
            ),
        );
    }
    Some(FilterView {
        action: action.to_string(),
        submit: if next.is_some() {
            lang.pick("下一步", "Next").into()
        } else {
            lang.pick("重新生成材料清单", "Update the list").into()
        },
        fields,
    })
}

/// A guide as a page: the facts, the question steps, then the tailored list.
fn guide_page(mut t: TablePage, action: &str, g: &GuideView, answered: Vec<(&Asked, String)>) -> TablePage {
    let lang = t.l.lang;
    t.intro.push(fact(lang, "承诺", "Promise", &g.promise));
    t.intro
        .push(fact(lang, "承诺时限", "Promised time", &g.promised_limit.text));
    t.intro
        .push(fact(lang, "法定时限", "Legal time limit", &g.legal_limit.text));
    t.intro.push(fact(lang, "办件类型", "Case type", &g.case_type));
    t.intro.push(fact(lang, "网上办理深度", "Online", &g.depth));
    t.intro.push(fact(
        lang,
        "收费",
        "Fees",
        &if g.fees.is_empty() {
            lang.pick("不收费", "free").to_string()
        } else {
            g.fees
                .iter()
                .map(|f| {
                    format!(
                        "{} {:.2}{}",
                        f.name,
                        f.amount_fen as f64 / 100.0,
                        lang.pick("元", " yuan")
                    )
                })
                .collect::<Vec<_>>()
                .join("；")
        },
    ));
    t.intro.push(fact(
        lang,
        "送达方式",
        "Delivery",
        &g.delivery.join(lang.pick("、", ", ")),
    ));
    for w in &g.windows {
        t.intro.push(fact(
            lang,
            "办理窗口",
            "Where",
            &format!("{}，{}，{}", w.name, w.address, w.hours),
        ));
    }
    if !g.conditions.is_empty() {
        t.intro
            .push(fact(lang, "受理条件", "Conditions", &g.conditions.join("；")));
    }
    if !g.results.is_empty() {
        t.intro
            .push(fact(lang, "办理结果", "Result", &g.results.join(lang.pick("、", ", "))));
    }
    t.intro.push(fact(
        lang,
        "材料",
        "Materials",
        &match lang {
            Lang::Zh => format!(
                "共{}项，其中{}项由政府部门共享获取，无需提交",
                g.materials.len(),
                g.exempt
            ),
            Lang::En => format!(
                "{} in all; {} are fetched from the departments that hold them and need not be handed in",
                g.materials.len(),
                g.exempt
            ),
        },
    ));
    if !g.unanswered.is_empty() {
        t.intro.push(
            lang.pick(
                "请先回答下面的问题：根据您的情况，只列出您需要的材料。",
                "Answer the question below first: the list then shows only what your situation needs.",
            )
            .to_string(),
        );
    }
    t.filter = question_form(action, g, &answered, lang);
    for m in &g.materials {
        let source = match &m.exempt_source {
            Some(s) => match lang {
                Lang::Zh => format!("免提交：由“{}”共享获取", s.name),
                Lang::En => format!("Not needed: fetched from {}", s.name),
            },
            None => lang.pick("申请人提供", "Brought by the applicant").to_string(),
        };
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&m.name),
                Cell::text(if m.required {
                    lang.pick("必需", "required")
                } else {
                    lang.pick("非必需", "optional")
                }),
                Cell::text(format!("{} × {}", m.form, m.copies)),
                Cell::text(source),
                Cell::text(if m.deferrable {
                    lang.pick("可容缺后补", "may follow later")
                } else {
                    ""
                }),
            ],
            actions: vec![],
        });
    }
    t
}

/// The guide for `answers`; an answer that is not one of the choices starts the questions
/// again, saying why on the page.
async fn tailored<F, Fut>(t: &mut TablePage, answers: &BTreeMap<String, String>, guide: F) -> ApiResult<GuideView>
where
    F: Fn(BTreeMap<String, String>) -> Fut,
    Fut: Future<Output = yici_service::Result<GuideView>>,
{
    match guide(answers.clone()).await {
        Ok(g) => Ok(g),
        Err(e) if e.kind == yici_service::Kind::Invalid => {
            t.intro.push(e.describe(t.l.lang));
            Ok(guide(BTreeMap::new()).await?)
        }
        Err(e) => Err(e.into()),
    }
}

fn material_head(lang: Lang) -> [&'static str; 5] {
    [
        lang.pick("材料名称", "Material"),
        lang.pick("是否必需", "Required"),
        lang.pick("形式与份数", "Form and copies"),
        lang.pick("来源", "Source"),
        lang.pick("容缺", "Deferrable"),
    ]
}

/// The answered questions with their answers, for the form.
fn answered<'a>(questions: &'a [Asked], answers: &BTreeMap<String, String>) -> Vec<(&'a Asked, String)> {
    questions
        .iter()
        .filter_map(|q| answers.get(&q.code).map(|a| (q, a.clone())))
        .collect()
}

/// The answers as a query string (`?answer.q=c&…`), or nothing.
fn answer_query(answers: &BTreeMap<String, String>) -> String {
    let parts: Vec<String> = answers
        .iter()
        .map(|(q, c)| format!("answer.{}={}", encode(q), encode(c)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// One item's guide.
pub async fn item(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    item_page(&state, &auth, &headers, &code, answers_from(&q), None).await
}

/// An item's guide for `answers`, with the application form (shown again with its error and
/// input when an application was refused).
pub(crate) async fn item_page(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    code: &str,
    answers: BTreeMap<String, String>,
    refused: Option<(&yici_service::Error, &[(String, String)])>,
) -> ApiResult<Response> {
    let code = code.to_string();
    let v = items::published(state, &code).await?;
    let path = format!("/items/{}", encode(&code));
    let l = Layout::new(auth, headers, "/items", "办事指南", "Service guide");
    let lang = l.lang;
    let mut t = TablePage::new(l, lang.pick("申请材料清单", "What to bring"), &material_head(lang));
    t.l.title = v.content.name.clone();
    t.crumbs = vec![("/items".into(), lang.pick("办事指南", "Service guide").into())];
    t.intro.push(fact(lang, "实施主体", "Handled by", &v.department_name));
    t.intro.push(fact(
        lang,
        "事项类型",
        "Type",
        &format!("{}（{}）", v.item_type_name, v.basic_code),
    ));
    let questions: Vec<Asked> = v
        .content
        .questions
        .iter()
        .map(|q| Asked {
            code: q.code.clone(),
            text: q.text.clone(),
            choices: q.choices.iter().map(|c| (c.code.clone(), c.label.clone())).collect(),
        })
        .collect();
    let (st, c) = (state, &code);
    let g = tailored(&mut t, &answers, move |a| async move { items::guide(st, c, &a).await }).await?;
    let done = answered(&questions, &answers);
    let mut t = guide_page(t, &path, &g, done);
    t.intro
        .push(fact(lang, "设定依据", "Legal basis", &v.content.legal_basis));
    t.intro.push(fact(
        lang,
        "咨询与投诉电话",
        "Questions and complaints",
        &format!("{} / {}", v.content.consult_phone, v.content.complaint_phone),
    ));
    t.links = Some((
        lang.pick("相关：", "See also:").to_string(),
        vec![
            (
                format!("/api/v1/items/{}/guide.pdf{}", encode(&code), answer_query(&answers)),
                lang.pick("打印版办事指南（PDF）", "Printable guide (PDF)").to_string(),
            ),
            (
                format!("/items/{}/history", encode(&code)),
                lang.pick("历史版本", "All versions").to_string(),
            ),
        ],
    ));
    if let Some(f) = cases::apply_form(auth, &t.l, ("item", &code), &g, &answers, refused) {
        t.forms.push(f);
    }
    Ok(render(StatusCode::OK, &t))
}

/// A bundle's guide: one set of questions, one list, with its items.
pub async fn bundle(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    bundle_page(&state, &auth, &headers, &code, answers_from(&q), None).await
}

/// A bundle's guide for `answers`, with the application form (shown again with its error and
/// input when an application was refused).
pub(crate) async fn bundle_page(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    code: &str,
    answers: BTreeMap<String, String>,
    refused: Option<(&yici_service::Error, &[(String, String)])>,
) -> ApiResult<Response> {
    let code = code.to_string();
    let b = bundles::get(state, &code).await?;
    let path = format!("/bundles/{}", encode(&code));
    let l = Layout::new(auth, headers, "/items", "一件事", "Life event");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("一次性材料清单", "What to bring, once"),
        &material_head(lang),
    );
    t.l.title = b.name.clone();
    t.crumbs = vec![("/items".into(), lang.pick("办事指南", "Service guide").into())];
    t.intro.push(fact(
        lang,
        "包含事项",
        "Items",
        &b.items
            .iter()
            .map(|i| format!("{}（{}）", i.name, i.department_name))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", ")),
    ));
    let mut questions: Vec<Asked> = Vec::new();
    for i in &b.items {
        if let Ok(v) = items::published(state, &i.code).await {
            for q in v.content.questions {
                if !questions.iter().any(|x| x.code == q.code) {
                    questions.push(Asked {
                        code: q.code,
                        text: q.text,
                        choices: q.choices.into_iter().map(|c| (c.code, c.label)).collect(),
                    });
                }
            }
        }
    }
    let (st, c) = (state, &code);
    let g = tailored(
        &mut t,
        &answers,
        move |a| async move { bundles::guide(st, c, &a).await },
    )
    .await?;
    let done = answered(&questions, &answers);
    let mut t = guide_page(t, &path, &g, done);
    t.links = Some((
        lang.pick("各事项的办事指南：", "Each item's guide:").to_string(),
        std::iter::once((
            format!("/api/v1/bundles/{}/guide.pdf{}", encode(&code), answer_query(&answers)),
            lang.pick("打印版办事指南（PDF）", "Printable guide (PDF)").to_string(),
        ))
        .chain(
            b.items
                .iter()
                .map(|i| (format!("/items/{}", encode(&i.code)), i.name.clone())),
        )
        .collect(),
    ));
    if let Some(f) = cases::apply_form(auth, &t.l, ("bundle", &code), &g, &answers, refused) {
        t.forms.push(f);
    }
    Ok(render(StatusCode::OK, &t))
}

/// ItemStatistics of the published items, per department and per region.
pub async fn statistics(State(state): State<WindowState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let s = crate::service::stats::statistics(&state).await?;
    let l = Layout::new(&auth, &headers, "/items", "事项统计", "Item statistics");
    let lang = l.lang;
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let mut t = TablePage::new(
        l,
        lang.pick("按实施主体统计", "By implementing body"),
        &[
            lang.pick("实施主体", "Body"),
            lang.pick("区划", "Region"),
            lang.pick("事项数", "Items"),
            lang.pick("最多跑一次", "At most once"),
            lang.pick("零跑腿", "No visit"),
            lang.pick("全程网办", "Fully online"),
            lang.pick("免提交率", "Materials not handed in"),
        ],
    );
    t.crumbs = vec![("/items".into(), lang.pick("办事指南", "Service guide").into())];
    t.intro.push(match lang {
        Lang::Zh => format!(
            "已发布事项 {} 个：最多跑一次 {}，零跑腿 {}，全程网办 {}；申请材料 {} 项中 {} 项由政府部门共享获取（免提交率 {}）。",
            s.total.items,
            pct(s.total.at_most_once_share),
            pct(s.total.zero_visits_share),
            pct(s.total.fully_online_share),
            s.total.material_lines,
            s.total.exempt_lines,
            pct(s.total.exempt_share)
        ),
        Lang::En => format!(
            "{} published items: {} at most once, {} with no visit, {} fully online; of {} material lines, {} are fetched from the government's own data ({}).",
            s.total.items,
            pct(s.total.at_most_once_share),
            pct(s.total.zero_visits_share),
            pct(s.total.fully_online_share),
            s.total.material_lines,
            s.total.exempt_lines,
            pct(s.total.exempt_share)
        ),
    });
    for r in &s.by_region {
        let name = yici_core::id::RegionCode::parse(&r.region_code)
            .map(|c| c.path_names().join(""))
            .unwrap_or_else(|_| r.region_code.clone());
        t.intro.push(fact(
            lang,
            &name,
            &name,
            &format!(
                "{} {}，{} {}，{} {}",
                r.counts.items,
                lang.pick("个事项", "items"),
                lang.pick("最多跑一次", "at most once"),
                pct(r.counts.at_most_once_share),
                lang.pick("免提交率", "not handed in"),
                pct(r.counts.exempt_share)
            ),
        ));
    }
    for d in &s.by_department {
        t.rows.push(RowView {
            cells: vec![
                Cell::link(&d.department_name, format!("/items?department={}", d.department_id)),
                Cell::text(&d.region_code),
                Cell::text(d.counts.items.to_string()),
                Cell::text(pct(d.counts.at_most_once_share)),
                Cell::text(pct(d.counts.zero_visits_share)),
                Cell::text(pct(d.counts.fully_online_share)),
                Cell::text(pct(d.counts.exempt_share)),
            ],
            actions: vec![],
        });
    }
    t.links = Some((
        lang.pick("导出：", "Export:").to_string(),
        vec![
            ("/api/v1/items/export?format=csv".into(), "CSV".into()),
            ("/api/v1/items/export?format=json".into(), "JSON".into()),
            (
                "/api/v1/items/statistics".into(),
                lang.pick("统计（JSON）", "ItemStatistics (JSON)").into(),
            ),
        ],
    ));
    Ok(render(StatusCode::OK, &t))
}
