//! The pages of cases: the applicant's cases (我的办件), a case with its materials, tasks and
//! timeline, the clerk's queue and the approvers' inbox with each task's deadline by colour
//! (in words, not by colour alone).

use crate::WindowState;
use crate::service::cases::{self, CaseView, TaskView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use yici_core::Lang;
use yici_web::extract::{Path, Query};
use yici_web::page::{Cell, Layout, RowView, TablePage, encode, fact, render};
use yici_web::{ApiResult, Auth};

fn case_link(c: &CaseView) -> Cell {
    Cell::link(c.case_no.clone(), format!("/cases/{}", encode(&c.case_no)))
}

fn cases_table(mut t: TablePage, list: &[CaseView]) -> TablePage {
    for c in list {
        t.rows.push(RowView {
            cells: vec![
                case_link(c),
                Cell::text(c.name.clone()),
                Cell::text(c.status_name.clone()),
                Cell::text(t.l.date(c.received_at)),
                Cell::text(c.summary.text.clone()),
            ],
            actions: vec![],
        });
    }
    t
}

fn cases_head(lang: Lang) -> [&'static str; 5] {
    [
        lang.pick("办件编号", "Case number"),
        lang.pick("事项", "Service"),
        lang.pick("状态", "Status"),
        lang.pick("收件日期", "Received"),
        lang.pick("申请材料", "Materials"),
    ]
}

/// 我的办件: the signed-in applicant's cases.
pub async fn mine(State(state): State<WindowState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let list = cases::mine(&state, &auth).await?;
    let l = Layout::new(&auth, &headers, "/me/cases", "我的办件", "My cases");
    let lang = l.lang;
    let mut t = TablePage::new(l, lang.pick("我申请的办件", "Cases I applied for"), &cases_head(lang));
    t.intro.push(
        lang.pick(
            "政府部门已有的材料已共享获取，无需再交；每次获取都记录在“谁用了我的数据”中。",
            "What the government already holds was fetched and need not be brought; each fetch is listed in “Who used my data”.",
        )
        .to_string(),
    );
    Ok(render(StatusCode::OK, &cases_table(t, &list)))
}

/// The clerk's queue, by status (default: received).
#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
}

/// 窗口办件: the cases of the clerk's windows in one status.
pub async fn queue(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Response> {
    let status = q.status.as_deref().filter(|s| !s.is_empty()).unwrap_or("received");
    let list = cases::queue(&state, &auth, status).await?;
    let l = Layout::new(&auth, &headers, "/cases", "窗口办件", "Window cases");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("共 {} 件", list.len()),
            Lang::En => format!("{} cases", list.len()),
        },
        &cases_head(lang),
    );
    t.links = Some((
        lang.pick("按状态：", "By status:").to_string(),
        [
            ("received", "已收件", "received"),
            ("supplementing", "补正中", "awaiting supplements"),
            ("processing", "办理中", "being processed"),
            ("approved", "准予许可", "approved"),
            ("refused", "不予许可", "refused"),
        ]
        .iter()
        .map(|(code, zh, en)| (format!("/cases?status={code}"), lang.pick(zh, en).to_string()))
        .collect(),
    ));
    Ok(render(StatusCode::OK, &cases_table(t, &list)))
}

fn colour_name(t: &TaskView, lang: Lang) -> String {
    match t.colour.as_str() {
        "red" => lang.pick("已超期", "overdue"),
        "yellow" => lang.pick("即将到期", "due within a day"),
        _ => lang.pick("正常", "on time"),
    }
    .to_string()
}

/// 待办任务: the approvers' inbox, oldest first, each task with its deadline in words.
pub async fn inbox(State(state): State<WindowState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let tasks = cases::inbox(&state, &auth).await?;
    let l = Layout::new(&auth, &headers, "/tasks", "待办任务", "Tasks");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("待办 {} 项", tasks.len()),
            Lang::En => format!("{} open tasks", tasks.len()),
        },
        &[
            lang.pick("办件编号", "Case number"),
            lang.pick("环节", "Step"),
            lang.pick("部门", "Department"),
            lang.pick("截止日期", "Deadline"),
            lang.pick("时限", "Time"),
        ],
    );
    for (case_no, task) in &tasks {
        t.rows.push(RowView {
            cells: vec![
                Cell::link(case_no.clone(), format!("/cases/{}", encode(case_no))),
                Cell::text(task.name.clone()),
                Cell::text(task.department.clone()),
                Cell::text(task.deadline.clone().unwrap_or_default()),
                Cell::text(colour_name(task, lang)),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

/// One case: its facts, its materials, its tasks and its timeline.
pub async fn case(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> ApiResult<Response> {
    let c = cases::get(&state, &auth, &case_no).await?;
    let l = Layout::new(&auth, &headers, "/me/cases", "办件详情", "Case");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("申请材料", "Materials"),
        &[
            lang.pick("材料", "Material"),
            lang.pick("必要", "Required"),
            lang.pick("来源", "Source"),
            lang.pick("说明", "Note"),
        ],
    );
    t.l.title = c.name.clone();
    t.intro.push(fact(lang, "办件编号", "Case number", &c.case_no));
    t.intro.push(fact(lang, "状态", "Status", &c.status_name));
    t.intro
        .push(fact(lang, "收件日期", "Received", &t.l.date(c.received_at)));
    if let Some(d) = &c.deadline {
        t.intro.push(fact(lang, "承诺办结日期", "Promised by", d));
    }
    t.intro.push(fact(lang, "申请材料", "Materials", &c.summary.text));
    t.intro.push(fact(
        lang,
        "到现场次数",
        "Visits",
        &match (lang, c.at_most_once) {
            (Lang::Zh, true) => format!("{} 次（最多跑一次）", c.visits),
            (Lang::Zh, false) => format!("{} 次", c.visits),
            (Lang::En, true) => format!("{} (at most once)", c.visits),
            (Lang::En, false) => c.visits.to_string(),
        },
    ));
    if !c.reason.is_empty() {
        t.intro.push(fact(lang, "理由", "Reason", &c.reason));
    }
    for task in &c.tasks {
        t.intro.push(fact(
            lang,
            "办理环节",
            "Step",
            &format!(
                "{}（{}，{}{}）",
                task.name,
                task.status_name,
                task.deadline.clone().unwrap_or_default(),
                if task.status == "open" {
                    format!("，{}", colour_name(task, lang))
                } else {
                    String::new()
                }
            ),
        ));
    }
    for e in &c.timeline {
        let step = yici_core::cases::CaseStep::from_code(&e.step)
            .map(|s| s.name(lang).to_string())
            .unwrap_or_else(|| e.step.clone());
        let note = if e.note.is_empty() {
            String::new()
        } else {
            format!("：{}", e.note)
        };
        t.intro.push(fact(
            lang,
            "办理过程",
            "Timeline",
            &format!("{} {step}{note}", t.l.date(e.at)),
        ));
    }
    for c_id in &c.certificates {
        t.intro
            .push(fact(lang, "办理结果（电子证照）", "Result (e-certificate)", c_id));
    }
    for m in &c.materials {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(m.name.clone()),
                Cell::text(lang.pick(
                    if m.required { "是" } else { "否" },
                    if m.required { "yes" } else { "no" },
                )),
                Cell::text(m.source_name.clone()),
                Cell::text(if m.defect.is_empty() {
                    m.note.clone()
                } else {
                    m.defect.clone()
                }),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}
