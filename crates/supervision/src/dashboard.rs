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
use yici_web::page::{Cell, FieldView, FilterView, FormView, Layout, encode, render};
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
    /// Where to go from here: (address, label).
    pub links: Vec<(String, String)>,
    pub filter: Option<FilterView>,
    pub tiles: Vec<Tile>,
    /// (caption, SVG).
    pub charts: Vec<(String, String)>,
    pub tables: Vec<Table>,
    pub more: Option<String>,
    /// Forms below the tables (POST, then back to the page).
    pub forms: Vec<FormView>,
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
        links: Vec::new(),
        filter: None,
        tiles: Vec::new(),
        charts: Vec::new(),
        tables: Vec::new(),
        more: None,
        forms: Vec::new(),
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
    let ranking = |by: &str| RankingQuery {
        by: Some(by.to_string()),
        department: q.department.clone(),
        region: q.region.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let cards = |figure: &str| BehindQuery {
        figure: Some(figure.into()),
        department: q.department.clone(),
        region: q.region.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        limit: Some(100),
        offset: None,
    };
    // The figures, the trend, the rankings and the cards read at once.
    let cut = q.cut();
    let (by_department, by_region, red_cards, yellow_cards) =
        (ranking("department"), ranking("region"), cards("red"), cards("yellow"));
    let read = tokio::try_join!(
        metrics::metrics(&state, &auth, &cut),
        metrics::trend(&state, &auth, &cut),
        metrics::ranking(&state, &auth, &by_department),
        metrics::ranking(&state, &auth, &by_region),
        metrics::behind(&state, &auth, &red_cards),
        metrics::behind(&state, &auth, &yellow_cards),
    );
    let (m, trend, departments, regions, red_listed, yellow_listed) = match read {
        Ok(read) => read,
        Err(e) if e.kind == yici_service::Kind::Invalid => return refused(page, &e),
        Err(e) => return Err(e.into()),
    };
    let behind = |figure: &str| q.href("/supervision/cases", &format!("figure={figure}"));
    page.links = vec![
        (
            q.href("/supervision/reviews", ""),
            lang.pick("评价明细", "Reviews").into(),
        ),
        (
            "/supervision/assessment".into(),
            lang.pick("考核与督察", "Assessment and inspections").into(),
        ),
        (
            q.href("/performance", ""),
            lang.pick("公开的服务绩效", "Public performance").into(),
        ),
    ];
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
    for (figure, listed) in [("red", red_listed), ("yellow", yellow_listed)] {
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
    let wanted = BehindQuery {
        figure: q.figure.clone(),
        department: q.department.clone(),
        region: q.region.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        limit: Some(50),
        offset: q.offset,
    };
    // The CSV has every row (up to the export's most); the page fifty.
    let listed = if csv_all {
        metrics::behind_export(&state, &auth, &wanted).await
    } else {
        metrics::behind(&state, &auth, &wanted).await
    };
    let listed = match listed {
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
    page.intro.push(match lang {
        Lang::Zh => format!("共 {} 条评价，列出最新的 {} 条。", list.total, list.items.len()),
        Lang::En => format!("{} reviews; the newest {} are listed.", list.total, list.items.len()),
    });
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
                    Cell::link(&e.day, format!("/evaluations/{}", e.id)),
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

/// Which assessment the assessment page shows (the newest when left out).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssessmentQuery {
    pub id: Option<i64>,
    pub table: Option<String>,
    pub format: Option<String>,
}

/// A form's pairs as a lookup.
fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// A field of one of the page's forms, its element id prefixed so that forms sharing a field
/// name keep their ids apart.
fn form_field(form: &str, name: &str, label: &str, value: &str) -> FieldView {
    FieldView {
        id: format!("{form}-{}", name.replace('.', "-")),
        ..FieldView::text(name, label, "", value)
    }
}

/// The assessment page (`/supervision/assessment`): the weights in force, an assessment's
/// ranking, the assessments run, the inspections; the forms to run an assessment, set new
/// weights, record an inspection and its follow-up. A form refused is shown again with its
/// input and the fields marked.
pub async fn assessment_page(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<AssessmentQuery>,
) -> ApiResult<Response> {
    let page = assessment_view(&state, &auth, &headers, q.id, None).await?;
    let as_page = PageQuery {
        table: q.table.clone(),
        format: q.format.clone(),
        ..Default::default()
    };
    answer(page, &as_page, StatusCode::OK)
}

/// Which form was refused, with the error and the input.
type Refused<'a> = (&'a str, &'a yici_service::Error, &'a [(String, String)]);

async fn assessment_view(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    id: Option<i64>,
    refused: Option<Refused<'_>>,
) -> ApiResult<Dashboard> {
    use crate::assessment::{self, WEIGHABLE};
    let l = Layout::new(
        auth,
        headers,
        "/supervision",
        "督察考核：考核与督察",
        "Supervision: assessment",
    );
    let lang = l.lang;
    let mut page = empty(l);
    page.crumbs = vec![("/supervision".into(), lang.pick("督察考核", "Supervision").into())];
    let weights = assessment::weights(state, auth).await?;
    let w = &weights.current;
    page.intro.push(format!(
        "{}{}：{}",
        lang.pick("现行考核权重 第", "Weights in force, version "),
        w.version,
        WEIGHABLE
            .iter()
            .map(|(k, zh, en)| format!("{} {}", lang.pick(zh, en), w.weights.get(*k).copied().unwrap_or(0.0)))
            .collect::<Vec<_>>()
            .join("，")
    ));
    let all = assessment::assessments(state, auth).await?;
    let shown = match id {
        Some(id) => Some(assessment::assessment(state, auth, id).await?),
        None => all.first().cloned(),
    };
    let mut head: Vec<String> = vec![
        lang.pick("排名", "Rank").into(),
        lang.pick("部门", "Department").into(),
        lang.pick("得分", "Score").into(),
    ];
    head.extend(WEIGHABLE.iter().map(|(_, zh, en)| lang.pick(zh, en).to_string()));
    let lines: Vec<assessment::AssessedDepartment> = shown
        .as_ref()
        .and_then(|a| serde_json::from_value(a.results.clone()).ok())
        .unwrap_or_default();
    if let Some(a) = &shown {
        page.intro.push(match lang {
            Lang::Zh => format!(
                "考核 {}：{} 至 {}，区划 {}，采用第 {} 版权重。",
                a.id,
                a.from_day,
                a.to_day,
                if a.region_code.is_empty() {
                    "全部"
                } else {
                    &a.region_code
                },
                a.weights_version
            ),
            Lang::En => format!(
                "Assessment {}: {} to {}, region {}, weights version {}.",
                a.id,
                a.from_day,
                a.to_day,
                if a.region_code.is_empty() {
                    "all"
                } else {
                    &a.region_code
                },
                a.weights_version
            ),
        });
    }
    let suffix = shown.as_ref().map(|a| format!("id={}&", a.id)).unwrap_or_default();
    page.tables.push(Table {
        id: "ranking",
        caption: lang.pick("考核排名", "Assessment ranking").into(),
        head,
        rows: lines
            .iter()
            .map(|d| {
                let mut cells = vec![
                    Cell::text(d.rank.to_string()),
                    Cell::link(&d.name, format!("/supervision?department={}", encode(&d.department_id))),
                    Cell::text(format!("{:.1}", d.score)),
                ];
                cells.extend(
                    WEIGHABLE
                        .iter()
                        .map(|(k, ..)| Cell::text(pct(d.metrics.get(*k).copied().unwrap_or(0.0)))),
                );
                cells
            })
            .collect(),
        csv: format!("/supervision/assessment?{suffix}table=ranking&format=csv"),
    });
    page.tables.push(Table {
        id: "assessments",
        caption: lang.pick("历次考核", "Assessments run").into(),
        head: [
            ("编号", "Number"),
            ("期间", "Period"),
            ("区划", "Region"),
            ("权重版本", "Weights version"),
        ]
        .iter()
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .collect(),
        rows: all
            .iter()
            .map(|a| {
                vec![
                    Cell::link(a.id.to_string(), format!("/supervision/assessment?id={}", a.id)),
                    Cell::text(format!("{} – {}", a.from_day, a.to_day)),
                    Cell::text(&a.region_code),
                    Cell::text(a.weights_version.to_string()),
                ]
            })
            .collect(),
        csv: "/supervision/assessment?table=assessments&format=csv".into(),
    });
    let inspections = assessment::inspections(state, auth, &Default::default()).await?;
    let names = yici_window::service::items::department_names(state).await?;
    let outcome = |o: Option<&str>| match o {
        Some("rectified") => lang.pick("已整改", "rectified"),
        Some(_) => lang.pick("未整改", "not rectified"),
        None => lang.pick("待跟踪", "to follow up"),
    };
    let kind = |k: &str| match k {
        "department" => lang.pick("部门", "department"),
        "item" => lang.pick("事项", "item"),
        _ => lang.pick("办件", "case"),
    };
    page.tables.push(Table {
        id: "inspections",
        caption: lang.pick("督察记录", "Inspections").into(),
        head: [
            ("编号", "Number"),
            ("对象", "Subject"),
            ("责任部门", "Department"),
            ("督察发现", "Finding"),
            ("跟踪期限", "Follow-up by"),
            ("整改结果", "Outcome"),
        ]
        .iter()
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .collect(),
        rows: inspections
            .items
            .iter()
            .map(|i| {
                let subject = format!("{} {}", kind(&i.target_kind), i.target_key);
                vec![
                    Cell::text(i.id.to_string()),
                    if i.target_kind == "case" {
                        Cell::link(subject, format!("/cases/{}", encode(&i.target_key)))
                    } else {
                        Cell::text(subject)
                    },
                    Cell::text(names.get(&i.department_id).cloned().unwrap_or_default()),
                    Cell::text(&i.finding),
                    Cell::text(&i.follow_up_due),
                    Cell::text(outcome(i.outcome.as_deref())),
                ]
            })
            .collect(),
        csv: "/supervision/assessment?table=inspections&format=csv".into(),
    });

    // The forms, each kept as given when it was refused.
    let given = |form: &str, name: &str, default: &str| match refused {
        Some((f, _, pairs)) if f == form => field(pairs, name),
        _ => default.to_string(),
    };
    let mut run = FormView::new(
        "/supervision/assessment/run",
        lang.pick("开展考核", "Run an assessment"),
        lang.pick("开展考核", "Run"),
        vec![
            form_field("run", "from", lang.pick("开始日期", "From"), &given("run", "from", ""))
                .kind("date")
                .optional(),
            form_field("run", "to", lang.pick("结束日期", "To"), &given("run", "to", ""))
                .kind("date")
                .optional(),
            form_field(
                "run",
                "region",
                lang.pick("行政区划代码", "Region code"),
                &given("run", "region", ""),
            )
            .optional(),
        ],
    );
    let mut weigh = FormView::new(
        "/supervision/assessment/weights",
        lang.pick("调整考核权重（形成新版本）", "Set new weights (a new version)"),
        lang.pick("保存新权重", "Save the new weights"),
        WEIGHABLE
            .iter()
            .map(|(k, zh, en)| {
                let now = w.weights.get(*k).copied().unwrap_or(0.0).to_string();
                form_field(
                    "weigh",
                    &format!("weights.{k}"),
                    lang.pick(zh, en),
                    &given("weigh", &format!("weights.{k}"), &now),
                )
                .kind("number")
            })
            .chain([form_field(
                "weigh",
                "note",
                lang.pick("调整理由", "Why"),
                &given("weigh", "note", ""),
            )
            .optional()])
            .collect(),
    );
    let mut inspect = FormView::new(
        "/supervision/assessment/inspections",
        lang.pick("记录督察", "Record an inspection"),
        lang.pick("记录", "Record"),
        vec![
            form_field(
                "inspect",
                "target_kind",
                lang.pick("督察对象", "Subject"),
                &given("inspect", "target_kind", ""),
            )
            .select(vec![
                (String::new(), lang.pick("请选择", "Choose").into()),
                (
                    "case".into(),
                    lang.pick("办件（办件编号）", "a case (its number)").into(),
                ),
                (
                    "item".into(),
                    lang.pick("事项（实施编码）", "an item (its implementation code)")
                        .into(),
                ),
                (
                    "department".into(),
                    lang.pick("部门（部门编号）", "a department (its number)").into(),
                ),
            ]),
            form_field(
                "inspect",
                "target_key",
                lang.pick(
                    "办件编号、实施编码或部门编号",
                    "Case number, implementation code or department number",
                ),
                &given("inspect", "target_key", ""),
            ),
            form_field(
                "inspect",
                "finding",
                lang.pick("督察发现", "Finding"),
                &given("inspect", "finding", ""),
            )
            .kind("textarea"),
            form_field(
                "inspect",
                "follow_up_due",
                lang.pick("跟踪期限", "Follow up by"),
                &given("inspect", "follow_up_due", ""),
            )
            .kind("date"),
        ],
    );
    let open: Vec<(String, String)> = std::iter::once((String::new(), lang.pick("请选择", "Choose").to_string()))
        .chain(inspections.items.iter().filter(|i| i.outcome.is_none()).map(|i| {
            (
                i.id.to_string(),
                format!("{} {} {}", i.id, kind(&i.target_kind), i.target_key),
            )
        }))
        .collect();
    let mut follow = FormView::new(
        "/supervision/assessment/follow-up",
        lang.pick("督察跟踪", "Follow up an inspection"),
        lang.pick("记录结果", "Record the outcome"),
        vec![
            form_field(
                "follow",
                "inspection",
                lang.pick("督察记录", "Inspection"),
                &given("follow", "inspection", ""),
            )
            .select(open),
            form_field(
                "follow",
                "outcome",
                lang.pick("整改结果", "Outcome"),
                &given("follow", "outcome", ""),
            )
            .select(vec![
                (String::new(), lang.pick("请选择", "Choose").into()),
                ("rectified".into(), lang.pick("已整改", "rectified").into()),
                ("not_rectified".into(), lang.pick("未整改", "not rectified").into()),
            ]),
            form_field(
                "follow",
                "note",
                lang.pick("说明", "Note"),
                &given("follow", "note", ""),
            )
            .optional(),
        ],
    );
    if let Some((form, e, _)) = refused {
        let target = match form {
            "run" => &mut run,
            "weigh" => &mut weigh,
            "inspect" => &mut inspect,
            _ => &mut follow,
        };
        *target = std::mem::replace(target, FormView::new("", "", "", Vec::new())).with_error(e, lang);
    }
    // Only the forms the reader may use.
    use yici_core::authz::{Permission::ManageAssessment, Target};
    if auth.require(ManageAssessment, &Target::OwnScope).is_ok() {
        page.forms = vec![run, inspect, follow];
        if auth.require(ManageAssessment, &Target::Platform).is_ok() {
            page.forms.insert(1, weigh);
        }
    }
    Ok(page)
}

/// After a form: back to the page, or the page again with the form marked.
async fn after_form(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    form: &str,
    pairs: &[(String, String)],
    result: yici_service::Result<Option<i64>>,
) -> ApiResult<Response> {
    match result {
        Ok(id) => {
            let to = id.map_or_else(
                || "/supervision/assessment".to_string(),
                |id| format!("/supervision/assessment?id={id}"),
            );
            Ok(axum::response::Redirect::to(&to).into_response())
        }
        Err(e) if matches!(e.kind, yici_service::Kind::Invalid | yici_service::Kind::Conflict) => {
            let page = assessment_view(state, auth, headers, None, Some((form, &e, pairs))).await?;
            Ok(render(
                yici_web::page::shown_again(StatusCode::UNPROCESSABLE_ENTITY),
                &page,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The form to run an assessment.
pub async fn assessment_run(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    yici_web::extract::Form(pairs): yici_web::extract::Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let some = |v: String| (!v.is_empty()).then_some(v);
    let input = crate::assessment::AssessInput {
        from: some(field(&pairs, "from")),
        to: some(field(&pairs, "to")),
        region: some(field(&pairs, "region")),
    };
    let result = crate::assessment::assess(&state, &auth, input)
        .await
        .map(|a| Some(a.id));
    after_form(&state, &auth, &headers, "run", &pairs, result).await
}

/// The form to set new weights.
pub async fn assessment_weights(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    yici_web::extract::Form(pairs): yici_web::extract::Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    // The role first: what the form holds is judged only for those who may send it.
    auth.require(
        yici_core::authz::Permission::ManageAssessment,
        &yici_core::authz::Target::Platform,
    )?;
    let mut weights = std::collections::BTreeMap::new();
    let mut unreadable = Vec::new();
    for (k, ..) in crate::assessment::WEIGHABLE {
        let name = format!("weights.{k}");
        let text = field(&pairs, &name);
        match text.parse::<f64>() {
            Ok(v) => {
                weights.insert(k.to_string(), v);
            }
            Err(_) if text.is_empty() => {}
            Err(_) => unreadable.push(yici_service::FieldError::new(&name, "应为数字", "A number")),
        }
    }
    let result = if unreadable.is_empty() {
        crate::assessment::set_weights(
            &state,
            &auth,
            crate::assessment::WeightsInput {
                weights,
                note: field(&pairs, "note"),
            },
        )
        .await
        .map(|_| None)
    } else {
        Err(yici_service::Error::validation(unreadable))
    };
    after_form(&state, &auth, &headers, "weigh", &pairs, result).await
}

/// The form to record an inspection.
pub async fn assessment_inspect(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    yici_web::extract::Form(pairs): yici_web::extract::Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let input = crate::assessment::InspectionInput {
        target_kind: field(&pairs, "target_kind"),
        target_key: field(&pairs, "target_key"),
        finding: field(&pairs, "finding"),
        follow_up_due: field(&pairs, "follow_up_due"),
    };
    let result = crate::assessment::record_inspection(&state, &auth, input)
        .await
        .map(|_| None);
    after_form(&state, &auth, &headers, "inspect", &pairs, result).await
}

/// The form to record an inspection's follow-up.
pub async fn assessment_follow_up(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    yici_web::extract::Form(pairs): yici_web::extract::Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    auth.require(
        yici_core::authz::Permission::ManageAssessment,
        &yici_core::authz::Target::OwnScope,
    )?;
    let result = match field(&pairs, "inspection").parse::<i64>() {
        Ok(id) => {
            let input = crate::assessment::FollowUpInput {
                outcome: field(&pairs, "outcome"),
                note: field(&pairs, "note"),
            };
            crate::assessment::follow_up(&state, &auth, id, input)
                .await
                .map(|_| None)
        }
        Err(_) => Err(yici_service::Error::field(
            "inspection",
            "请选择督察记录",
            "Choose an inspection",
        )),
    };
    after_form(&state, &auth, &headers, "follow", &pairs, result).await
}

/// The alerts page (`/supervision/alerts`): what turned yellow or red in the reader's
/// departments and scope, the newest first, each linked to the page to act on it.
pub async fn alerts_page(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    let l = Layout::new(&auth, &headers, "/supervision/alerts", "超期预警", "Deadline alerts");
    let lang = l.lang;
    let mut page = empty(l);
    let csv_all = q.format.as_deref() == Some("csv");
    let list = if csv_all {
        metrics::alerts_export(&state, &auth).await?
    } else {
        let page = metrics::AlertQuery {
            limit: Some(100),
            offset: q.offset,
        };
        metrics::alerts(&state, &auth, &page).await?
    };
    let offset = q.offset.unwrap_or(0).max(0);
    if !csv_all && offset + 100 < list.total {
        page.more = Some(format!("/supervision/alerts?offset={}", offset + 100));
    }
    let names = yici_window::service::items::department_names(&state).await?;
    page.intro.push(match lang {
        Lang::Zh => format!("共 {} 条预警：黄牌为剩余不超过1个工作日，红牌为已超期。", list.total),
        Lang::En => format!(
            "{} alerts: yellow is one working day or less left, red is past the deadline.",
            list.total
        ),
    });
    let kind = |k: &str| match k {
        "case" => lang.pick("办件", "case"),
        "task" => lang.pick("审批环节", "approval task"),
        "sharing" => lang.pick("共享申请", "sharing request"),
        _ => lang.pick("差评整改", "rectification"),
    };
    page.tables.push(Table {
        id: "alerts",
        caption: lang.pick("预警", "Alerts").into(),
        head: [
            ("日期", "Day"),
            ("牌", "Card"),
            ("类别", "Kind"),
            ("事项", "What"),
            ("责任部门", "Department"),
            ("期限", "Deadline"),
        ]
        .iter()
        .map(|(zh, en)| lang.pick(zh, en).to_string())
        .collect(),
        rows: list
            .items
            .iter()
            .map(|a| {
                vec![
                    Cell::text(&a.day),
                    Cell::text(if a.colour == "red" {
                        lang.pick("红牌", "red")
                    } else {
                        lang.pick("黄牌", "yellow")
                    }),
                    Cell::text(kind(&a.kind)),
                    Cell::link(&a.title, &a.link),
                    Cell::text(names.get(&a.department_id).cloned().unwrap_or_default()),
                    Cell::text(&a.due_day),
                ]
            })
            .collect(),
        csv: "/supervision/alerts?format=csv".into(),
    });
    answer(page, &q, StatusCode::OK)
}
