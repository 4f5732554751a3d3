//! The supervisors' pages (督察考核): the dashboard with its figures, trend and rankings drawn as
//! inline SVG, the red and yellow cards; the cases and reviews behind every figure; the public
//! performance page. No JavaScript is needed. Every table is offered as CSV: the same rows, from
//! the same address with `format=csv`.

use crate::chart;
use crate::metrics::{self, BehindQuery, CutQuery, FIGURES, RankingQuery};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yici_core::Lang;
use yici_core::cases::CaseStatus;
use yici_web::extract::Query;
use yici_web::page::{Cell, FieldView, FilterView, Layout, encode, render};
use yici_web::{ApiResult, Auth};
use yici_window::WindowState;

/// A table of a page, and the address of its CSV.
pub struct Table {
    pub id: &'static str,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub csv: String,
}

impl Table {
    /// The heading of column `i`, which labels its cells when stacked on a narrow screen.
    pub fn label(&self, i: &usize) -> &str {
        self.head.get(*i).map_or("", String::as_str)
    }

    /// The table as CSV: the heading, then the rows, as shown.
    fn csv(&self) -> String {
        let line = |cells: Vec<&str>| {
            cells
                .into_iter()
                .map(yici_web::sheet::csv_text_cell)
                .collect::<Vec<_>>()
                .join(",")
                + "\r\n"
        };
        let mut out = line(self.head.iter().map(String::as_str).collect());
        for row in &self.rows {
            out.push_str(&line(row.iter().map(|c| c.text.as_str()).collect()));
        }
        out
    }
}

/// A figure on the dashboard: its value, what it is and the page behind it.
pub struct Tile {
    pub value: String,
    pub label: String,
    pub note: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct Dashboard {
    pub l: Layout,
    pub crumbs: Vec<(String, String)>,
    pub intro: Vec<String>,
    pub filter: Option<FilterView>,
    pub tiles: Vec<Tile>,
    /// (caption, SVG).
    pub charts: Vec<(String, String)>,
    pub tables: Vec<Table>,
    pub more: Option<String>,
}

/// The query of a page: the cut, which table to export and in what format.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    pub department: Option<String>,
    pub region: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub figure: Option<String>,
    pub table: Option<String>,
    pub format: Option<String>,
    pub offset: Option<i64>,
}

impl PageQuery {
    fn cut(&self) -> CutQuery {
        CutQuery {
            department: self.department.clone(),
            region: self.region.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    /// The cut as a query string (`department=…&region=…&from=…&to=…`), empty fields left out.
    fn cut_query(&self) -> String {
        [
            ("department", &self.department),
            ("region", &self.region),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }

    /// `path?cut&extra`.
    fn href(&self, path: &str, extra: &str) -> String {
        let q: Vec<String> = [self.cut_query(), extra.to_string()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", q.join("&"))
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn mean(x: f64) -> String {
    format!("{x:.2}")
}

/// The filter of the cut: department (a list), region code, first and last day.
async fn filter(state: &WindowState, action: &str, q: &PageQuery, lang: Lang, figure: bool) -> ApiResult<FilterView> {
    let mut departments = vec![(String::new(), lang.pick("全部部门", "All departments").to_string())];
    departments.extend(
        state
            .store
            .list_departments(None, yici_store::Page::all())
            .await?
            .into_iter()
            .map(|d| (d.id.to_string(), d.name)),
    );
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut fields = Vec::new();
    if figure {
        fields.push(
            FieldView::text("figure", lang.pick("指标", "Figure"), "", &value(&q.figure)).select(
                FIGURES
                    .iter()
                    .map(|f| (f.to_string(), figure_name(f, lang).to_string()))
                    .collect(),
            ),
        );
    }
    fields.extend([
        FieldView::text("department", lang.pick("部门", "Department"), "", &value(&q.department)).select(departments),
        FieldView::text(
            "region",
            lang.pick("行政区划代码", "Region code"),
            "",
            &value(&q.region),
        )
        .optional(),
        FieldView::text("from", lang.pick("开始日期", "From"), "", &value(&q.from))
            .kind("date")
            .optional(),
        FieldView::text("to", lang.pick("结束日期", "To"), "", &value(&q.to))
            .kind("date")
            .optional(),
    ]);
    Ok(FilterView {
        action: action.into(),
        submit: lang.pick("查询", "Show").into(),
        fields,
    })
}

/// What a figure of the drill-down is called.
pub fn figure_name(figure: &str, lang: Lang) -> &'static str {
    match figure {
        "received" => lang.pick("收件", "received"),
        "accepted" => lang.pick("受理", "accepted"),
        "concluded" => lang.pick("办结", "concluded"),
        "late" => lang.pick("超期办结", "concluded late"),
        "more_than_once" => lang.pick("跑动超过一次", "more than one visit"),
        "noticed" => lang.pick("一次性告知补正", "asked for supplements"),
        "open" => lang.pick("在办", "open"),
        "yellow" => lang.pick("黄牌（剩余不超过1个工作日）", "yellow (one working day or less left)"),
        "red" => lang.pick("红牌（已超期）", "red (overdue)"),
        _ => "",
    }
}

/// The answer of a page: the CSV of table `table` when asked for, else the page.
fn answer(page: Dashboard, q: &PageQuery, status: StatusCode) -> ApiResult<Response> {
    if q.format.as_deref() == Some("csv") {
        let wanted = q.table.as_deref().unwrap_or_default();
        let table = page
            .tables
            .iter()
            .find(|t| t.id == wanted)
            .or(page.tables.first().filter(|_| wanted.is_empty()))
            .ok_or_else(|| yici_service::Error::not_found("表格", "table"))?;
        let name = format!("attachment; filename=\"{}.csv\"", table.id);
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
            ],
            // A byte-order mark, so that spreadsheets read the Chinese as UTF-8.
            format!("\u{feff}{}", table.csv()),
        )
            .into_response());
    }
    Ok(render(status, &page))
}

/// A page whose cut was refused: the filter marked, no figures.
fn refused(mut page: Dashboard, e: &yici_service::Error) -> ApiResult<Response> {
    let lang = page.l.lang;
    page.filter = page.filter.map(|f| f.with_error(e, lang));
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn empty(l: Layout) -> Dashboard {
    Dashboard {
        l,
        crumbs: Vec::new(),
        intro: Vec::new(),
        filter: None,
        tiles: Vec::new(),
        charts: Vec::new(),
        tables: Vec::new(),
        more: None,
    }
}

/// The dashboard (`/supervision`): the figures of the reader's scope, each linked to the cases
/// behind it; the trend and the ranking drawn; the rankings of departments and regions; the red
/// and yellow cards.
pub async fn dashboard(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    let l = Layout::new(&auth, &headers, "/supervision", "督察考核", "Supervision");
    let lang = l.lang;
    let mut page = empty(l);
    page.filter = Some(filter(&state, "/supervision", &q, lang, false).await?);
    let m = match metrics::metrics(&state, &auth, &q.cut()).await {
        Ok(m) => m,
        Err(e) if e.kind == yici_service::Kind::Invalid => return refused(page, &e),
        Err(e) => return Err(e.into()),
    };
    let behind = |figure: &str| q.href("/supervision/cases", &format!("figure={figure}"));
    let c = &m.cases;
    page.intro.push(match lang {
        Lang::Zh => format!("统计期间 {} 至 {}。在办、黄牌、红牌为当前数。", m.from, m.to),
        Lang::En => format!(
            "From {} to {}. Open, yellow and red are counted as of now.",
            m.from, m.to
        ),
    });
    let tile = |value: String, zh: &str, en: &str, note: String, href: String| Tile {
        value,
        label: lang.pick(zh, en).to_string(),
        note,
        href,
    };
    let e = &m.evaluations;
    page.tiles = vec![
        tile(
            c.received.to_string(),
            "收件",
            "received",
            String::new(),
            behind("received"),
        ),
        tile(
            c.concluded.to_string(),
            "办结",
            "concluded",
            String::new(),
            behind("concluded"),
        ),
        tile(
            pct(c.on_time_rate),
            "按时办结率",
            "concluded on time",
            format!(
                "{} {}",
                lang.pick("平均用时（工作日）", "mean working days"),
                mean(c.mean_days_used)
            ),
            behind("late"),
        ),
        tile(c.open.to_string(), "在办", "open", String::new(), behind("open")),
        tile(
            c.yellow.to_string(),
            "黄牌",
            "yellow cards",
            String::new(),
            behind("yellow"),
        ),
        tile(
            c.red.to_string(),
            "红牌（超期）",
            "red cards (overdue)",
            String::new(),
            behind("red"),
        ),
        tile(
            pct(c.at_most_once_share),
            "最多跑一次",
            "at most one visit",
            format!("{} {}", lang.pick("人均跑动", "mean visits"), mean(c.mean_visits)),
            behind("more_than_once"),
        ),
        tile(
            pct(c.fetched_share),
            "材料免提交率",
            "materials fetched",
            format!(
                "{} {}",
                lang.pick("件均补正告知", "notices per case"),
                mean(c.notices_per_case)
            ),
            behind("noticed"),
        ),
        tile(
            mean(e.mean_score),
            "好差评平均分",
            "mean evaluation",
            format!(
                "{} {}，{} {}",
                lang.pick("评价", "reviews"),
                e.evaluations,
                lang.pick("差评率", "bad"),
                pct(e.bad_rate)
            ),
            q.href("/supervision/reviews", ""),
        ),
        tile(
            e.bad.to_string(),
            "差评",
            "bad reviews",
            format!(
                "{} {}",
                lang.pick("按期整改率", "rectified on time"),
                pct(e.rectified_on_time_rate)
            ),
            q.href("/supervision/reviews", "bad=true"),
        ),
    ];
    let s = &m.sharing;
    page.intro.push(match lang {
        Lang::Zh => format!(
            "共享申请 {} 件，已答复 {} 件，平均答复 {} 个工作日，按期答复率 {}，当前超期 {} 件；电子证照签发 {} 张，被调用 {} 次，在线核验 {} 次；事项 {} 个，最多跑一次 {}，全程网办 {}。",
            s.requests,
            s.answered,
            mean(s.mean_response_days),
            pct(s.answered_in_time_share),
            s.overdue,
            m.certificates.issued,
            m.certificates.used,
            m.certificates.verified,
            m.items.total,
            pct(m.items.at_most_once_share),
            pct(m.items.fully_online_share),
        ),
        Lang::En => format!(
            "{} sharing requests, {} answered in {} working days on average, {} by the deadline, {} overdue now; {} certificates issued, used {} times, verified online {} times; {} service items, {} at most once, {} fully online.",
            s.requests,
            s.answered,
            mean(s.mean_response_days),
            pct(s.answered_in_time_share),
            s.overdue,
            m.certificates.issued,
            m.certificates.used,
            m.certificates.verified,
            m.items.total,
            pct(m.items.at_most_once_share),
            pct(m.items.fully_online_share),
        ),
    });

    let trend = metrics::trend(&state, &auth, &q.cut()).await?;
    let days: Vec<String> = trend.points.iter().map(|p| p.day.clone()).collect();
    page.charts.push((
        lang.pick("每日收件与办结", "Cases received and concluded each day")
            .to_string(),
        chart::lines(
            "trend",
            lang.pick("每日收件与办结", "Cases received and concluded each day"),
            &days,
            &[
                (
                    lang.pick("收件", "received"),
                    trend.points.iter().map(|p| p.received).collect(),
                ),
                (
                    lang.pick("办结", "concluded"),
                    trend.points.iter().map(|p| p.concluded).collect(),
                ),
            ],
        ),
    ));
    let ranking = |by: &str| RankingQuery {
        by: Some(by.to_string()),
        department: q.department.clone(),
        region: q.region.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let departments = metrics::ranking(&state, &auth, &ranking("department")).await?;
    page.charts.push((
        lang.pick("各部门按时办结率", "On-time rate by department").to_string(),
        chart::bars(
            "ranking",
            lang.pick("各部门按时办结率", "On-time rate by department"),
            &departments
                .rows
                .iter()
                .filter(|r| r.cases.concluded > 0)
                .map(|r| (r.name.clone(), r.cases.on_time_rate))
                .collect::<Vec<_>>(),
        ),
    ));
    let regions = metrics::ranking(&state, &auth, &ranking("region")).await?;
    let head =
        |cols: &[(&str, &str)]| -> Vec<String> { cols.iter().map(|(zh, en)| lang.pick(zh, en).to_string()).collect() };
    let ranking_head = head(&[
        ("排名", "Rank"),
        ("名称", "Name"),
        ("收件", "Received"),
        ("办结", "Concluded"),
        ("按时办结率", "On time"),
        ("黄牌", "Yellow"),
        ("红牌", "Red"),
        ("最多跑一次", "At most once"),
        ("评价平均分", "Mean evaluation"),
        ("差评率", "Bad reviews"),
    ]);
    let ranking_rows = |rows: &[metrics::RankRow], key: &str| -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| {
                let narrowed = PageQuery {
                    department: if key == "department" {
                        Some(r.key.clone())
                    } else {
                        q.department.clone()
                    },
                    region: if key == "region" {
                        Some(r.key.clone())
                    } else {
                        q.region.clone()
                    },
                    ..q.clone()
                };
                let to = |figure: &str| narrowed.href("/supervision/cases", &format!("figure={figure}"));
                vec![
                    Cell::text(r.rank.to_string()),
                    Cell::link(&r.name, narrowed.href("/supervision", "")),
                    Cell::link(r.cases.received.to_string(), to("received")),
                    Cell::link(r.cases.concluded.to_string(), to("concluded")),
                    Cell::link(pct(r.cases.on_time_rate), to("late")),
                    Cell::link(r.cases.yellow.to_string(), to("yellow")),
                    Cell::link(r.cases.red.to_string(), to("red")),
                    Cell::link(pct(r.cases.at_most_once_share), to("more_than_once")),
                    Cell::link(
                        mean(r.evaluations.mean_score),
                        narrowed.href("/supervision/reviews", ""),
                    ),
                    Cell::link(
                        pct(r.evaluations.bad_rate),
                        narrowed.href("/supervision/reviews", "bad=true"),
                    ),
                ]
            })
            .collect()
    };
    let csv = |table: &str| q.href("/supervision", &format!("table={table}&format=csv"));
    page.tables.push(Table {
        id: "departments",
        caption: lang.pick("部门排名", "Departments ranked").into(),
        head: ranking_head.clone(),
        rows: ranking_rows(&departments.rows, "department"),
        csv: csv("departments"),
    });
    page.tables.push(Table {
        id: "regions",
        caption: lang.pick("区域排名", "Regions ranked").into(),
        head: ranking_head,
        rows: ranking_rows(&regions.rows, "region"),
        csv: csv("regions"),
    });
    // The red and yellow cards: the open cases past or near their deadline.
    let mut cards = Vec::new();
    for figure in ["red", "yellow"] {
        let listed = metrics::behind(
            &state,
            &auth,
            &BehindQuery {
                figure: Some(figure.into()),
                department: q.department.clone(),
                region: q.region.clone(),
                from: q.from.clone(),
                to: q.to.clone(),
                limit: Some(100),
                offset: None,
            },
        )
        .await?;
        for f in listed.items {
            cards.push(vec![
                Cell::text(if figure == "red" {
                    lang.pick("红牌", "red")
                } else {
                    lang.pick("黄牌", "yellow")
                }),
                Cell::link(&f.case_no, format!("/cases/{}", encode(&f.case_no))),
                Cell::text(&f.name),
                Cell::text(f.due_day.clone().unwrap_or_default()),
            ]);
        }
    }
    page.tables.push(Table {
        id: "cards",
        caption: lang.pick("红黄牌", "Red and yellow cards").into(),
        head: head(&[
            ("牌", "Card"),
            ("办件编号", "Case"),
            ("事项", "Item"),
            ("办结期限", "Deadline"),
        ]),
        rows: cards,
        csv: csv("cards"),
    });
    page.tables.push(Table {
        id: "trend",
        caption: lang.pick("每日明细", "Each day").into(),
        head: head(&[
            ("日期", "Day"),
            ("收件", "Received"),
            ("办结", "Concluded"),
            ("按时办结率", "On time"),
            ("评价", "Reviews"),
            ("差评", "Bad reviews"),
        ]),
        rows: trend
            .points
            .iter()
            .map(|p| {
                vec![
                    Cell::text(&p.day),
                    Cell::text(p.received.to_string()),
                    Cell::text(p.concluded.to_string()),
                    Cell::text(pct(p.on_time_rate)),
                    Cell::text(p.evaluations.to_string()),
                    Cell::text(p.bad.to_string()),
                ]
            })
            .collect(),
        csv: csv("trend"),
    });
    answer(page, &q, StatusCode::OK)
}

/// The cases behind a figure (`/supervision/cases`): a page of 50, each linked to its case.
pub async fn cases_behind(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    let l = Layout::new(
        &auth,
        &headers,
        "/supervision",
        "督察考核：办件明细",
        "Supervision: cases",
    );
    let lang = l.lang;
    let mut page = empty(l);
    page.crumbs = vec![(q.href("/supervision", ""), lang.pick("督察考核", "Supervision").into())];
    page.filter = Some(filter(&state, "/supervision/cases", &q, lang, true).await?);
    let csv_all = q.format.as_deref() == Some("csv");
    let listed = match metrics::behind(
        &state,
        &auth,
        &BehindQuery {
            figure: q.figure.clone(),
            department: q.department.clone(),
            region: q.region.clone(),
            from: q.from.clone(),
            to: q.to.clone(),
            // The CSV has every row; the page fifty.
            limit: Some(if csv_all { 10_000 } else { 50 }),
            offset: q.offset,
        },
    )
    .await
    {
        Ok(l) => l,
        Err(e) if e.kind == yici_service::Kind::Invalid => return refused(page, &e),
        Err(e) => return Err(e.into()),
    };
    let names = yici_window::service::items::department_names(&state).await?;
    page.intro.push(format!(
        "{}：{} {}",
        figure_name(&listed.figure, lang),
        listed.total,
        lang.pick("件", "cases")
    ));
    let offset = q.offset.unwrap_or(0).max(0);
    if offset + 50 < listed.total && !csv_all {
        let figure = format!("figure={}&offset={}", encode(&listed.figure), offset + 50);
        page.more = Some(q.href("/supervision/cases", &figure));
    }
    let status = |s: &str| {
        CaseStatus::from_code(s)
            .map(|s| s.name(lang).to_string())
            .unwrap_or_default()
    };
    page.tables.push(Table {
        id: "cases",
        caption: figure_name(&listed.figure, lang).into(),
        head: [
            ("办件编号", "Case"),
            ("事项", "Item"),
            ("牵头部门", "Lead department"),
            ("区划", "Region"),
            ("状态", "Status"),
            ("收件日期", "Received"),
            ("办结日期", "Concluded"),
            ("办结期限", "Deadline"),
            ("已用/承诺（工作日）", "Used / promised (working days)"),
            ("跑动次数", "Visits"),
        ]
        .iter()
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .collect(),
        rows: listed
            .items
            .iter()
            .map(|f| {
                vec![
                    Cell::link(&f.case_no, format!("/cases/{}", encode(&f.case_no))),
                    Cell::text(&f.name),
                    Cell::text(names.get(&f.department_id).cloned().unwrap_or_default()),
                    Cell::text(&f.region_code),
                    Cell::text(status(&f.status)),
                    Cell::text(&f.received_day),
                    Cell::text(f.concluded_day.clone().unwrap_or_default()),
                    Cell::text(f.due_day.clone().unwrap_or_default()),
                    Cell::text(format!(
                        "{} / {}",
                        f.used_days.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                        f.limit_days
                    )),
                    Cell::text(f.visits.to_string()),
                ]
            })
            .collect(),
        csv: q.href(
            "/supervision/cases",
            &format!("figure={}&format=csv", encode(&listed.figure)),
        ),
    });
    answer(page, &q, StatusCode::OK)
}

/// The reviews behind the evaluation figures (`/supervision/reviews`), in the reader's reach,
/// without the party.
pub async fn reviews_behind(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<ReviewsQuery>,
) -> ApiResult<Response> {
    let l = Layout::new(
        &auth,
        &headers,
        "/supervision",
        "督察考核：评价明细",
        "Supervision: reviews",
    );
    let lang = l.lang;
    let mut page = empty(l);
    let cut = PageQuery {
        department: q.department.clone(),
        region: q.region.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        ..Default::default()
    };
    page.crumbs = vec![(
        cut.href("/supervision", ""),
        lang.pick("督察考核", "Supervision").into(),
    )];
    page.filter = Some(filter(&state, "/supervision/reviews", &cut, lang, false).await?);
    let list = match crate::service::list(
        &state,
        &auth,
        &crate::service::ListQuery {
            department: q.department.clone(),
            region: q.region.clone(),
            from: q.from.clone(),
            to: q.to.clone(),
            bad: q.bad.clone(),
            limit: Some(200),
            ..Default::default()
        },
    )
    .await
    {
        Ok(l) => l,
        Err(e) if e.kind == yici_service::Kind::Invalid => return refused(page, &e),
        Err(e) => return Err(e.into()),
    };
    let names = yici_window::service::items::department_names(&state).await?;
    page.intro
        .push(format!("{} {}", list.total, lang.pick("条评价", "reviews")));
    let bad = q
        .bad
        .as_deref()
        .map(|b| format!("bad={}", encode(b)))
        .unwrap_or_default();
    page.tables.push(Table {
        id: "reviews",
        caption: lang.pick("评价明细", "Reviews").into(),
        head: [
            ("日期", "Day"),
            ("办件编号", "Case"),
            ("部门", "Department"),
            ("评价", "Level"),
            ("渠道", "Channel"),
            ("内容", "Comment"),
            ("整改", "Rectification"),
        ]
        .iter()
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .collect(),
        rows: list
            .items
            .iter()
            .map(|e| {
                vec![
                    Cell::text(&e.day),
                    if e.case_no.is_empty() {
                        Cell::text(lang.pick("窗口评价", "at the counter"))
                    } else {
                        Cell::link(&e.case_no, format!("/cases/{}", encode(&e.case_no)))
                    },
                    Cell::text(names.get(&e.department_id).cloned().unwrap_or_default()),
                    Cell::text(&e.level_name),
                    Cell::text(&e.channel_name),
                    Cell::text(&e.comment),
                    Cell::text(
                        e.rectification
                            .as_ref()
                            .map(|r| crate::service::step_name(&r.step, lang).to_string())
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect(),
        csv: cut.href(
            "/supervision/reviews",
            &if bad.is_empty() {
                "format=csv".to_string()
            } else {
                format!("{bad}&format=csv")
            },
        ),
    });
    let as_page = PageQuery {
        format: q.format.clone(),
        ..cut
    };
    answer(page, &as_page, StatusCode::OK)
}

/// The query of the reviews page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewsQuery {
    pub department: Option<String>,
    pub region: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub bad: Option<String>,
    pub format: Option<String>,
}

/// The public performance page (`/performance`): per department, without login and without
/// personal data.
pub async fn performance(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    let l = Layout::new(&auth, &headers, "/performance", "政务服务绩效", "Service performance");
    let lang = l.lang;
    let mut page = empty(l);
    let mut f = filter(&state, "/performance", &q, lang, false).await?;
    // The public page is cut by region and days only.
    f.fields.retain(|f| f.name != "department");
    page.filter = Some(f);
    let p = match metrics::performance(&state, &q.cut()).await {
        Ok(p) => p,
        Err(e) if e.kind == yici_service::Kind::Invalid => return refused(page, &e),
        Err(e) => return Err(e.into()),
    };
    let t = &p.total;
    page.intro.push(match lang {
        Lang::Zh => format!(
            "{} 至 {}：政务服务事项 {} 个，最多跑一次 {}；办结 {} 件，按时办结率 {}；收到评价 {} 条，满意率 {}，平均 {} 分；差评 {} 条，已整改 {} 条，按期整改率 {}。",
            p.from,
            p.to,
            t.items,
            pct(t.items_at_most_once_share),
            t.concluded,
            pct(t.on_time_rate),
            t.evaluations,
            pct(t.satisfaction),
            mean(t.mean_score),
            t.bad,
            t.rectified,
            pct(t.rectified_on_time_rate)
        ),
        Lang::En => format!(
            "{} to {}: {} service items, {} at most once; {} cases concluded, {} on time; {} reviews, {} satisfied, mean {}; {} bad reviews, {} rectified, {} on time.",
            p.from,
            p.to,
            t.items,
            pct(t.items_at_most_once_share),
            t.concluded,
            pct(t.on_time_rate),
            t.evaluations,
            pct(t.satisfaction),
            mean(t.mean_score),
            t.bad,
            t.rectified,
            pct(t.rectified_on_time_rate)
        ),
    });
    page.tables.push(Table {
        id: "departments",
        caption: lang.pick("各部门服务绩效", "Performance by department").into(),
        head: [
            ("部门", "Department"),
            ("区划", "Region"),
            ("事项", "Items"),
            ("最多跑一次", "At most once"),
            ("办结", "Concluded"),
            ("按时办结率", "On time"),
            ("评价", "Reviews"),
            ("满意率", "Satisfied"),
            ("差评", "Bad reviews"),
            ("已整改", "Rectified"),
            ("按期整改率", "Rectified on time"),
        ]
        .iter()
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .collect(),
        rows: p
            .departments
            .iter()
            .map(|d| {
                let f = &d.figures;
                vec![
                    Cell::text(&d.department),
                    Cell::text(&d.region_code),
                    Cell::text(f.items.to_string()),
                    Cell::text(pct(f.items_at_most_once_share)),
                    Cell::text(f.concluded.to_string()),
                    Cell::text(pct(f.on_time_rate)),
                    Cell::text(f.evaluations.to_string()),
                    Cell::text(pct(f.satisfaction)),
                    Cell::text(f.bad.to_string()),
                    Cell::text(f.rectified.to_string()),
                    Cell::text(pct(f.rectified_on_time_rate)),
                ]
            })
            .collect(),
        csv: q.href("/performance", "format=csv"),
    });
    answer(page, &q, StatusCode::OK)
}
