//! The metrics of supervision (督察考核), each defined once here, with its formula in
//! `docs/supervision.md`. They read:
//! - the facts of each case, kept from the window's timeline (the case feed) by [`refresh`],
//!   and their daily sums (`yici_store::supervision`);
//! - the evaluations and their daily sums;
//! - the published items (through the window's statistics), the sharing requests and exchange
//!   calls, and the certificates' issues, uses and verifications.
//!
//! Every metric is cut by department, by region (rolled up the region tree) and by a window of
//! days; the counts of now (open, yellow, red, overdue) ignore the window.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use yici_core::authz::{Permission, Target};
use yici_core::calendar::{WorkingCalendar, day_text};
use yici_core::cases::{CaseStatus, TaskStatus};
use yici_core::clock::{china_date, china_midnight};
use yici_core::id::RegionCode;
use yici_core::sharing::RequestStatus;
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::cases::CaseRecord;
use yici_store::evaluations::Reach;
use yici_store::supervision::{
    Behind, CallCount, CaseFacts, CaseSums, CertificateCounts, Cut, EvaluationSums, Group, Source, TaskFacts,
};
use yici_window::WindowState;
use yici_window::service::cases::{calendar, decision_clock, task_clock};

/// The name of the facts' cursor on the case feed.
pub const FEED: &str = "case_feed";

/// The longest window of days a metric reads.
pub const MAX_DAYS: i64 = 366;

/// The facts of case `c` on `today`: its clock reduced to days (read on the day it concluded,
/// or today while open), its visits, materials and notices, and each task's deadline.
pub fn facts_of(c: &CaseRecord, calendar: &WorkingCalendar, today: NaiveDate) -> (CaseFacts, Vec<TaskFacts>) {
    let status = CaseStatus::from_code(&c.status);
    let concluded = status.is_some_and(CaseStatus::concluded);
    let open = matches!(
        status,
        Some(CaseStatus::Received | CaseStatus::Supplementing | CaseStatus::Processing)
    );
    let concluded_day = if concluded {
        c.concluded_at.map(china_date)
    } else {
        None
    };
    let reading = decision_clock(c).and_then(|clock| clock.reading(calendar, concluded_day.unwrap_or(today)).ok());
    let limit_days = c.promised_days + c.extended_days;
    let required = || c.lines.iter().filter(|l| l.required);
    let facts = CaseFacts {
        case_id: c.id,
        case_no: c.case_no.clone(),
        name: c.name.clone(),
        department_id: c.department_id,
        region_code: c.region_code.clone(),
        status: c.status.clone(),
        received_day: c.received_day.clone(),
        accepted_day: c.accepted_day.clone(),
        concluded_day: concluded_day.map(day_text),
        limit_days,
        used_days: reading.as_ref().map(|r| r.used),
        due_day: reading.as_ref().and_then(|r| r.deadline).map(day_text),
        open,
        on_time: if concluded {
            reading.as_ref().map(|r| r.remaining >= 0)
        } else {
            None
        },
        visits: c.visits.len() as i64,
        lines_required: required().count() as i64,
        lines_fetched: required().filter(|l| l.state == "fetched").count() as i64,
        notices: c.notices.len() as i64,
    };
    let tasks = c
        .tasks
        .iter()
        .map(|t| TaskFacts {
            task_id: t.id,
            case_id: c.id,
            case_no: c.case_no.clone(),
            name: t.name.clone(),
            department_id: t.department_id,
            region_code: c.region_code.clone(),
            due_day: task_clock(c, t)
                .and_then(|clock| clock.reading(calendar, today).ok())
                .and_then(|r| r.deadline)
                .map(day_text),
            open: open && t.status == TaskStatus::Open.code(),
        })
        .collect();
    (facts, tasks)
}

/// Bring the case facts up to date with the case feed, up to the events written `settle`
/// microseconds ago (the transactions still open then have committed by now). Returns how many
/// cases were read again. Safe to run on several instances at once: facts are recomputed whole
/// from the case, and the cursor only moves on.
pub async fn refresh(state: &WindowState, settle: i64) -> Result<usize> {
    let calendar = calendar(state).await?;
    let today = state.clock.today();
    let mut read = 0;
    loop {
        let after = state.store.supervision_cursor(FEED).await?;
        let before = yici_store::now_micros() - settle;
        let events = state.store.case_feed(after, before, None, 500).await?;
        let Some(last) = events.last().map(|e| e.position) else {
            return Ok(read);
        };
        let numbers: BTreeSet<&str> = events.iter().map(|e| e.case_no.as_str()).collect();
        let mut batch = Vec::with_capacity(numbers.len());
        for no in numbers {
            if let Some(c) = state.store.case_by_no(no).await? {
                batch.push(facts_of(&c, &calendar, today));
            }
        }
        read += batch.len();
        state.store.supervision_record(&batch, Some((FEED, last))).await?;
    }
}

/// How long the case feed is left to settle before the facts read it: on PostgreSQL the
/// feed's own settle time (a transaction may commit after one with a later position); on SQLite
/// none, as positions are given in the order writes commit.
pub fn settle(state: &WindowState) -> i64 {
    match state.store.dialect() {
        yici_store::dialect::Dialect::Postgres => yici_window::service::feed::SETTLE_MICROS,
        yici_store::dialect::Dialect::Sqlite => 0,
    }
}

/// One refresh at a time in this process: a reader arriving during a refresh waits for it and
/// then finds the facts current.
static REFRESHING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Bring the facts up to date before reading them.
pub async fn current(state: &WindowState) -> Result<()> {
    let _turn = REFRESHING.lock().await;
    refresh(state, settle(state)).await.map(|_| ())
}

/// What a metric is cut by; every field is optional, an empty one is no filter.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct CutQuery {
    /// A department's id.
    pub department: Option<String>,
    /// A region code: the region and everything in it.
    pub region: Option<String>,
    /// First day (YYYY-MM-DD); 29 days before `to` when left out.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); today when left out. At most 366 days in all.
    pub to: Option<String>,
}

/// A cut as read from a query: the window of days and what it narrows to.
#[derive(Debug, Clone)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub department_id: Option<i64>,
    pub region: Option<RegionCode>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Read a cut's department, region and window of days, pushing every wrong field onto
/// `errors`: a date that cannot be read (or before 1949), a window that ends before it starts
/// or is longer than [`MAX_DAYS`], an unknown department or region.
pub async fn read_window(state: &WindowState, q: &CutQuery, errors: &mut Vec<FieldError>) -> Result<Window> {
    let day = |field: &str, v: &Option<String>, errors: &mut Vec<FieldError>| {
        given(v).and_then(|t| match yici_core::calendar::parse_day(t) {
            Some(d) if (1949..=9999).contains(&chrono::Datelike::year(&d)) => Some(d),
            _ => {
                errors.push(FieldError::new(
                    field,
                    "日期应为 YYYY-MM-DD",
                    "A date is written YYYY-MM-DD",
                ));
                None
            }
        })
    };
    let to = day("to", &q.to, errors).unwrap_or_else(|| state.clock.today());
    let from = day("from", &q.from, errors).unwrap_or_else(|| to.checked_sub_days(chrono::Days::new(29)).unwrap_or(to));
    if from > to {
        errors.push(FieldError::new(
            "to",
            "结束日期早于开始日期",
            "The last day is before the first",
        ));
    } else if (to - from).num_days() >= MAX_DAYS {
        errors.push(FieldError::new(
            "from",
            format!("查询范围不能超过 {MAX_DAYS} 天"),
            format!("The window is longer than {MAX_DAYS} days"),
        ));
    }
    let mut department_id = None;
    if let Some(text) = given(&q.department) {
        match text.parse::<i64>() {
            Ok(id) if state.store.department(id).await?.is_some() => department_id = Some(id),
            _ => errors.push(FieldError::new("department", "没有这个部门", "No such department")),
        }
    }
    let mut region = None;
    if let Some(text) = given(&q.region) {
        match RegionCode::parse(text) {
            Ok(r) if state.store.region(r.as_str()).await?.is_some() => region = Some(r),
            Ok(_) => errors.push(FieldError::new("region", "没有这个行政区划", "No such region")),
            Err(e) => errors.push(FieldError::id("region", &e)),
        }
    }
    Ok(Window {
        from,
        to,
        department_id,
        region,
    })
}

/// The reach of a caller over metrics: the scopes of their supervisor and operator roles.
pub(crate) fn reach(caller: &Caller) -> Result<Vec<Reach>> {
    caller.require(Permission::ReadMetrics, &Target::OwnScope)?;
    Ok(caller
        .grants()
        .iter()
        .filter(|g| {
            matches!(
                g.role,
                yici_core::org::Role::Supervisor | yici_core::org::Role::Operator
            )
        })
        .map(|g| match &g.scope {
            yici_core::org::Scope::Region { region } => Reach::RegionPrefix(region.prefix()),
            yici_core::org::Scope::Department { department_id, .. } => Reach::Department(*department_id),
        })
        .collect())
}

/// The store's cut of a window within `reach`.
fn cut_of(w: &Window, reach: Vec<Reach>) -> Cut {
    Cut {
        reach,
        department_id: w.department_id,
        region_prefix: w.region.as_ref().map(RegionCode::prefix),
        from_day: day_text(w.from),
        to_day: day_text(w.to),
    }
}

/// `n / d`, or 0 when nothing was counted.
fn share(n: i64, d: i64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Service items (the published catalogue of the cut's department or region; not windowed).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ItemMetrics {
    pub total: i64,
    pub at_most_once: i64,
    pub at_most_once_share: f64,
    pub zero_visits: i64,
    pub zero_visits_share: f64,
    pub fully_online: i64,
    pub fully_online_share: f64,
}

/// Cases.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CaseMetrics {
    /// Received, accepted and concluded in the window (each by its own day).
    pub received: i64,
    pub accepted: i64,
    pub concluded: i64,
    /// Concluded within the promised limit, over the concluded cases with a decision clock.
    pub on_time: i64,
    pub on_time_rate: f64,
    /// Mean working days used and promised, over those same cases.
    pub mean_days_used: f64,
    pub mean_days_promised: f64,
    /// Now: open cases, those with one working day or less left (yellow) and those past the
    /// deadline (red, overdue).
    pub open: i64,
    pub yellow: i64,
    pub red: i64,
    pub overdue: i64,
    /// Over the cases received in the window: mean visits, the share kept at most once,
    /// materials fetched over materials required (材料免提交率), notices per case.
    pub mean_visits: f64,
    pub at_most_once_share: f64,
    pub fetched_share: f64,
    pub notices_per_case: f64,
    /// Open tasks of parallel approval now, yellow and red.
    pub open_tasks: i64,
    pub yellow_tasks: i64,
    pub red_tasks: i64,
}

impl CaseMetrics {
    /// The metrics of summed facts (the counts of now are set apart).
    pub fn of(s: &CaseSums) -> Self {
        CaseMetrics {
            received: s.received,
            accepted: s.accepted,
            concluded: s.concluded,
            on_time: s.on_time,
            on_time_rate: share(s.on_time, s.timed),
            mean_days_used: share(s.used_days, s.timed),
            mean_days_promised: share(s.limit_days, s.timed),
            mean_visits: share(s.visits, s.received),
            at_most_once_share: share(s.once, s.received),
            fetched_share: share(s.lines_fetched, s.lines_required),
            notices_per_case: share(s.notices, s.received),
            ..Default::default()
        }
    }
}

/// Evaluations (好差评), by the day each was given; reviews marked malicious count apart.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EvaluationMetrics {
    pub evaluations: i64,
    pub mean_score: f64,
    pub bad: i64,
    pub bad_rate: f64,
    pub malicious: i64,
    /// Rectifications closed, and the share closed by their return visit's deadline.
    pub rectified: i64,
    pub rectified_on_time_rate: f64,
}

impl EvaluationMetrics {
    pub fn of(s: &EvaluationSums) -> Self {
        EvaluationMetrics {
            evaluations: s.evaluations,
            mean_score: share(s.score, s.evaluations),
            bad: s.bad,
            bad_rate: share(s.bad, s.evaluations),
            malicious: s.malicious,
            rectified: s.rectified,
            rectified_on_time_rate: share(s.rectified_on_time, s.rectified),
        }
    }
}

/// Sharing (共享交换), for the providers in the cut.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SharingMetrics {
    /// Requests made in the window; those answered (granted, partly granted or refused).
    pub requests: i64,
    pub answered: i64,
    /// Mean working days from request to answer, and the share answered by the deadline.
    pub mean_response_days: f64,
    pub answered_in_time_share: f64,
    /// Now: requests awaiting the provider past their deadline.
    pub overdue: i64,
    /// Exchange calls in the window, per resource and consumer (the 50 most).
    pub calls: Vec<CallCount>,
}

/// Every metric of a cut.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Metrics {
    pub from: String,
    pub to: String,
    pub department_id: Option<i64>,
    pub region_code: Option<String>,
    pub items: ItemMetrics,
    pub cases: CaseMetrics,
    pub evaluations: EvaluationMetrics,
    pub sharing: SharingMetrics,
    pub certificates: CertificateCounts,
}

/// The days a case or task is yellow on `today`: from today to one working day on.
fn yellow_until(calendar: &WorkingCalendar, today: NaiveDate) -> NaiveDate {
    calendar.add_working_days(today, 1).unwrap_or(today)
}

/// The metrics of a window in `reach`.
async fn compute(state: &WindowState, w: &Window, reach: Vec<Reach>) -> Result<Metrics> {
    let cut = cut_of(w, reach);
    let calendar = calendar(state).await?;
    let today = state.clock.today();
    let (red_before, yellow) = (day_text(today), day_text(yellow_until(&calendar, today)));
    let span = (china_midnight(w.from), china_midnight(w.to.succ_opt().unwrap_or(w.to)));
    // The parts read different tables: they are read at once.
    let (sums, now, tasks, evaluations, sharing, certificates, items) = tokio::try_join!(
        async { Ok::<_, Error>(state.store.case_sums(&cut, Group::All, Source::Daily).await?) },
        async {
            Ok(state
                .store
                .deadline_counts(&cut, false, Group::All, (&red_before, &yellow))
                .await?)
        },
        async {
            Ok(state
                .store
                .deadline_counts(&cut, true, Group::All, (&red_before, &yellow))
                .await?)
        },
        async { Ok(state.store.evaluation_sums(&cut, Group::All, Source::Daily).await?) },
        sharing(state, &cut, span, &calendar, today),
        async { Ok(state.store.certificate_counts(&cut, span).await?) },
        items(state, w, &cut.reach),
    )?;
    let mut cases = CaseMetrics::of(&sums.into_values().next().unwrap_or_default());
    let (open, yellow_n, red) = now.into_values().next().unwrap_or_default();
    (cases.open, cases.yellow, cases.red, cases.overdue) = (open, yellow_n, red, red);
    (cases.open_tasks, cases.yellow_tasks, cases.red_tasks) = tasks.into_values().next().unwrap_or_default();
    Ok(Metrics {
        from: cut.from_day.clone(),
        to: cut.to_day.clone(),
        department_id: w.department_id,
        region_code: w.region.as_ref().map(|r| r.as_str().to_string()),
        items,
        cases,
        evaluations: EvaluationMetrics::of(&evaluations.into_values().next().unwrap_or_default()),
        sharing,
        certificates,
    })
}

async fn sharing(
    state: &WindowState,
    cut: &Cut,
    span: (i64, i64),
    calendar: &WorkingCalendar,
    today: NaiveDate,
) -> Result<SharingMetrics> {
    let answered_codes = [
        RequestStatus::Granted,
        RequestStatus::PartiallyGranted,
        RequestStatus::Refused,
    ]
    .map(|s| s.code());
    let today_text = day_text(today);
    let (sums, overdue, calls) = tokio::try_join!(
        state.store.sharing_sums(cut, span, &answered_codes),
        state
            .store
            .sharing_overdue(cut, RequestStatus::Pending.code(), &today_text),
        state.store.exchange_calls(cut, 50),
    )?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let day = |n: i64| {
        epoch
            .checked_add_days(chrono::Days::new(n.max(0) as u64))
            .unwrap_or(epoch)
    };
    let (mut n, mut days, mut in_time) = (0, 0, 0);
    for (asked, replied, deadline, count) in &sums.answered {
        let (asked, replied) = (day(*asked), day(*replied));
        n += count;
        days += count * calendar.working_days_between(asked, replied).unwrap_or(0).max(0);
        if day_text(replied) <= *deadline {
            in_time += count;
        }
    }
    Ok(SharingMetrics {
        requests: sums.requests,
        answered: n,
        mean_response_days: share(days, n),
        answered_in_time_share: share(in_time, n),
        overdue,
        calls,
    })
}

/// The published items of the window's department (or the reach's one department), else its
/// region (or the reach's one region), else all.
async fn items(state: &WindowState, w: &Window, reach: &[Reach]) -> Result<ItemMetrics> {
    let stats = yici_window::service::stats::statistics(state).await?;
    let department = w.department_id.or(match reach {
        [Reach::Department(id)] => Some(*id),
        _ => None,
    });
    let counts = if let Some(id) = department {
        stats
            .by_department
            .into_iter()
            .find(|d| d.department_id == id)
            .map(|d| d.counts)
    } else {
        let region = w.region.as_ref().map(|r| r.as_str().to_string()).or(match reach {
            [Reach::RegionPrefix(_)] => reach_region(reach),
            _ => None,
        });
        match region {
            Some(code) => stats
                .by_region
                .into_iter()
                .find(|r| r.region_code == code)
                .map(|r| r.counts),
            None => Some(stats.total),
        }
    }
    .unwrap_or_default();
    Ok(ItemMetrics {
        total: counts.items,
        at_most_once: counts.at_most_once,
        at_most_once_share: counts.at_most_once_share,
        zero_visits: counts.zero_visits,
        zero_visits_share: counts.zero_visits_share,
        fully_online: counts.fully_online,
        fully_online_share: counts.fully_online_share,
    })
}

/// The region code a reach of one region prefix stands for.
fn reach_region(reach: &[Reach]) -> Option<String> {
    match reach {
        [Reach::RegionPrefix(p)] => {
            let mut code = p.clone();
            while code.len() < 6 {
                code.push('0');
            }
            Some(code)
        }
        _ => None,
    }
}

/// The metrics a supervisor or operator may read: their scope, narrowed by `q`. Bad windows
/// and unknown departments or regions are refused with every wrong field named.
pub async fn metrics(state: &WindowState, caller: &Caller, q: &CutQuery) -> Result<Metrics> {
    let reach = reach(caller)?;
    let mut errors = Vec::new();
    let w = read_window(state, q, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    current(state).await?;
    compute(state, &w, reach).await
}

/// What the drill-down lists: the figure, and the cut it belongs to.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct BehindQuery {
    /// `received`, `accepted`, `concluded`, `late`, `more_than_once`, `noticed`, `open`,
    /// `yellow` or `red`.
    pub figure: Option<String>,
    pub department: Option<String>,
    pub region: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The figures a drill-down can list, in order.
pub const FIGURES: [&str; 9] = [
    "received",
    "accepted",
    "concluded",
    "late",
    "more_than_once",
    "noticed",
    "open",
    "yellow",
    "red",
];

/// The cases behind a figure, without personal data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CasesBehind {
    pub figure: String,
    pub from: String,
    pub to: String,
    pub total: i64,
    /// The cases' facts: number, item, department, clock, visits and materials; no party.
    pub items: Vec<CaseFacts>,
}

/// The most rows of an export (CSV) of a drill-down or of the alerts.
pub const EXPORT_ROWS: i64 = 10_000;

/// The cases behind a figure of the metrics, in the reader's scope, a page of them.
pub async fn behind(state: &WindowState, caller: &Caller, q: &BehindQuery) -> Result<CasesBehind> {
    behind_in(state, caller, q, yici_store::Page::new(q.limit, q.offset)).await
}

/// The same, the first [`EXPORT_ROWS`] for an export.
pub async fn behind_export(state: &WindowState, caller: &Caller, q: &BehindQuery) -> Result<CasesBehind> {
    let page = yici_store::Page {
        limit: EXPORT_ROWS,
        offset: 0,
    };
    behind_in(state, caller, q, page).await
}

async fn behind_in(
    state: &WindowState,
    caller: &Caller,
    q: &BehindQuery,
    page: yici_store::Page,
) -> Result<CasesBehind> {
    let reach = reach(caller)?;
    let mut errors = Vec::new();
    let cut_query = CutQuery {
        department: q.department.clone(),
        region: q.region.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let w = read_window(state, &cut_query, &mut errors).await?;
    let figure = given(&q.figure).unwrap_or("received").to_string();
    if !FIGURES.contains(&figure.as_str()) {
        errors.push(FieldError::new("figure", "没有这个指标", "No such figure"));
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let today = state.clock.today();
    let calendar = calendar(state).await?;
    let which = match figure.as_str() {
        "accepted" => Behind::Accepted,
        "concluded" => Behind::Concluded,
        "late" => Behind::Late,
        "more_than_once" => Behind::MoreThanOnce,
        "noticed" => Behind::Noticed,
        "open" => Behind::Open,
        "yellow" => Behind::Yellow(day_text(today), day_text(yellow_until(&calendar, today))),
        "red" => Behind::Red(day_text(today)),
        _ => Behind::Received,
    };
    current(state).await?;
    let cut = cut_of(&w, reach);
    let (rows, total) = state.store.case_facts_behind(&cut, &which, page).await?;
    Ok(CasesBehind {
        figure,
        from: cut.from_day,
        to: cut.to_day,
        total,
        items: rows,
    })
}

/// What the public performance page shows of a department or region: no personal data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicFigures {
    /// Items needing at most one visit, and their share.
    pub items: i64,
    pub items_at_most_once: i64,
    pub items_at_most_once_share: f64,
    pub concluded: i64,
    pub on_time_rate: f64,
    pub evaluations: i64,
    /// The mean score (1–5), and satisfaction: the share of the evaluations that were not bad
    /// (3 基本满意 or better).
    pub mean_score: f64,
    pub satisfaction: f64,
    pub bad: i64,
    pub rectified: i64,
    pub rectified_on_time_rate: f64,
}

impl PublicFigures {
    fn of(items: &ItemMetrics, cases: &CaseMetrics, e: &EvaluationMetrics) -> Self {
        PublicFigures {
            items: items.total,
            items_at_most_once: items.at_most_once,
            items_at_most_once_share: items.at_most_once_share,
            concluded: cases.concluded,
            on_time_rate: cases.on_time_rate,
            evaluations: e.evaluations,
            mean_score: e.mean_score,
            satisfaction: if e.evaluations == 0 { 0.0 } else { 1.0 - e.bad_rate },
            bad: e.bad,
            rectified: e.rectified,
            rectified_on_time_rate: e.rectified_on_time_rate,
        }
    }
}

/// One department's public figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicDepartment {
    pub department_id: i64,
    pub department: String,
    pub region_code: String,
    #[serde(flatten)]
    pub figures: PublicFigures,
}

/// The public performance of a region (or of all) in a window of days.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Performance {
    pub from: String,
    pub to: String,
    pub region_code: Option<String>,
    #[serde(flatten)]
    pub total: PublicFigures,
    pub departments: Vec<PublicDepartment>,
}

/// The public performance (`GET /api/v1/public/performance`): anyone may read it.
pub async fn performance(state: &WindowState, q: &CutQuery) -> Result<Performance> {
    let mut errors = Vec::new();
    let w = read_window(state, q, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    current(state).await?;
    let reach = vec![Reach::RegionPrefix(String::new())];
    let all = compute(state, &w, reach.clone()).await?;
    let cut = cut_of(&w, reach);
    let cases = state.store.case_sums(&cut, Group::Department, Source::Daily).await?;
    let evaluations = state
        .store
        .evaluation_sums(&cut, Group::Department, Source::Daily)
        .await?;
    let stats = yici_window::service::stats::statistics(state).await?;
    let departments = state
        .store
        .list_departments(None, yici_store::Page::all())
        .await?
        .into_iter()
        .filter(|d| w.department_id.is_none_or(|id| id == d.id))
        .filter(|d| w.region.as_ref().is_none_or(|r| d.region_code.starts_with(&r.prefix())));
    let mut out = Vec::new();
    for d in departments {
        let key = d.id.to_string();
        let c = CaseMetrics::of(&cases.get(&key).cloned().unwrap_or_default());
        let e = EvaluationMetrics::of(&evaluations.get(&key).cloned().unwrap_or_default());
        let i = stats
            .by_department
            .iter()
            .find(|s| s.department_id == d.id)
            .map(|s| ItemMetrics {
                total: s.counts.items,
                at_most_once: s.counts.at_most_once,
                at_most_once_share: s.counts.at_most_once_share,
                ..Default::default()
            })
            .unwrap_or_default();
        if i.total == 0 && c.concluded == 0 && e.evaluations == 0 {
            continue;
        }
        out.push(PublicDepartment {
            department_id: d.id,
            department: d.name,
            region_code: d.region_code,
            figures: PublicFigures::of(&i, &c, &e),
        });
    }
    Ok(Performance {
        from: all.from,
        to: all.to,
        region_code: all.region_code,
        total: PublicFigures::of(&all.items, &all.cases, &all.evaluations),
        departments: out,
    })
}

/// The case and evaluation sums of a cut from both sources, for checking that the daily sums
/// agree with the facts: `((daily, live), (daily, live))`.
pub async fn sums_both_ways(
    state: &WindowState,
    w: &Window,
    group: Group,
) -> Result<(
    (Vec<(String, CaseSums)>, Vec<(String, CaseSums)>),
    (Vec<(String, EvaluationSums)>, Vec<(String, EvaluationSums)>),
)> {
    let cut = cut_of(w, vec![Reach::RegionPrefix(String::new())]);
    let nonzero_cases = |m: std::collections::BTreeMap<String, CaseSums>| {
        m.into_iter()
            .filter(|(_, s)| *s != CaseSums::default())
            .collect::<Vec<_>>()
    };
    let nonzero_evaluations = |m: std::collections::BTreeMap<String, EvaluationSums>| {
        m.into_iter()
            .filter(|(_, s)| *s != EvaluationSums::default())
            .collect::<Vec<_>>()
    };
    Ok((
        (
            nonzero_cases(state.store.case_sums(&cut, group, Source::Daily).await?),
            nonzero_cases(state.store.case_sums(&cut, group, Source::Live).await?),
        ),
        (
            nonzero_evaluations(state.store.evaluation_sums(&cut, group, Source::Daily).await?),
            nonzero_evaluations(state.store.evaluation_sums(&cut, group, Source::Live).await?),
        ),
    ))
}

/// How a ranking is grouped: `department` or `region` (the regions one level below the cut's
/// region, or below the reader's, each rolled up).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RankingQuery {
    /// `department` (the default) or `region`.
    pub by: Option<String>,
    pub department: Option<String>,
    pub region: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl RankingQuery {
    fn cut(&self) -> CutQuery {
        CutQuery {
            department: self.department.clone(),
            region: self.region.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// One department's or region's figures in a ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankRow {
    /// 1 for the best on-time rate (then the most concluded).
    pub rank: usize,
    /// The department's id or the region's code, and its name.
    pub key: String,
    pub name: String,
    pub cases: CaseMetrics,
    pub evaluations: EvaluationMetrics,
}

/// A ranking of departments or regions over a window of days.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ranking {
    pub by: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<RankRow>,
}

/// The region `code` rolls up to one level below `top` (below the province when there is no
/// `top`); the code itself when it is at that level or `top` is the code.
fn rolled_up(code: &str, top: Option<&RegionCode>) -> String {
    let Ok(mut r) = RegionCode::parse(code) else {
        return code.to_string();
    };
    let mut chain = vec![r.clone()];
    while let Some(p) = r.parent() {
        chain.push(p.clone());
        r = p;
    }
    chain.reverse();
    let at = match top {
        Some(t) => chain.iter().position(|c| c == t).map(|i| i + 1),
        None => Some(1),
    };
    at.and_then(|i| chain.get(i).or(chain.last()))
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The departments or regions of the reader's scope ranked by their case and evaluation
/// metrics in the window. Bad windows and unknown departments or regions are refused, as is an
/// unknown grouping.
pub async fn ranking(state: &WindowState, caller: &Caller, q: &RankingQuery) -> Result<Ranking> {
    let reach = reach(caller)?;
    let mut errors = Vec::new();
    let w = read_window(state, &q.cut(), &mut errors).await?;
    let by = given(&q.by).unwrap_or("department").to_string();
    let group = match by.as_str() {
        "department" => Group::Department,
        "region" => Group::Region,
        _ => {
            errors.push(FieldError::new(
                "by",
                "应为 department 或 region",
                "Either department or region",
            ));
            Group::Department
        }
    };
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    current(state).await?;
    let cut = cut_of(&w, reach);
    let calendar = calendar(state).await?;
    let today = state.clock.today();
    let (red_before, yellow) = (day_text(today), day_text(yellow_until(&calendar, today)));
    let top = w
        .region
        .clone()
        .or_else(|| reach_region(&cut.reach).and_then(|c| RegionCode::parse(&c).ok()));
    let key_of = |k: &str| match group {
        Group::Region => rolled_up(k, top.as_ref()),
        _ => k.to_string(),
    };
    let mut cases: std::collections::BTreeMap<String, CaseSums> = Default::default();
    for (k, s) in state.store.case_sums(&cut, group, Source::Daily).await? {
        cases.entry(key_of(&k)).or_default().add(&s);
    }
    let mut evaluations: std::collections::BTreeMap<String, EvaluationSums> = Default::default();
    for (k, s) in state.store.evaluation_sums(&cut, group, Source::Daily).await? {
        evaluations.entry(key_of(&k)).or_default().add(&s);
    }
    let mut now: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    for (k, (o, y, r)) in state
        .store
        .deadline_counts(&cut, false, group, (&red_before, &yellow))
        .await?
    {
        let into = now.entry(key_of(&k)).or_default();
        (into.0, into.1, into.2) = (into.0 + o, into.1 + y, into.2 + r);
    }
    let keys: BTreeSet<String> = cases
        .keys()
        .chain(evaluations.keys())
        .chain(now.keys())
        .cloned()
        .collect();
    let names = yici_window::service::items::department_names(state).await?;
    let mut rows = Vec::new();
    for key in keys {
        let mut c = CaseMetrics::of(&cases.get(&key).cloned().unwrap_or_default());
        let (open, yellow_n, red) = now.get(&key).copied().unwrap_or_default();
        (c.open, c.yellow, c.red, c.overdue) = (open, yellow_n, red, red);
        let name = match group {
            Group::Region => match state.store.region(&key).await? {
                Some(r) => r.name,
                None => key.clone(),
            },
            _ => key
                .parse::<i64>()
                .ok()
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| key.clone()),
        };
        let e = EvaluationMetrics::of(&evaluations.get(&key).cloned().unwrap_or_default());
        rows.push(RankRow {
            rank: 0,
            key,
            name,
            cases: c,
            evaluations: e,
        });
    }
    rows.sort_by(|a, b| {
        b.cases
            .on_time_rate
            .total_cmp(&a.cases.on_time_rate)
            .then(b.cases.concluded.cmp(&a.cases.concluded))
            .then(a.key.cmp(&b.key))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    Ok(Ranking {
        by,
        from: cut.from_day,
        to: cut.to_day,
        rows,
    })
}

/// One day of a trend.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub day: String,
    pub received: i64,
    pub concluded: i64,
    pub on_time_rate: f64,
    pub evaluations: i64,
    pub bad: i64,
}

/// The figures of each day of a window.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trend {
    pub from: String,
    pub to: String,
    pub points: Vec<TrendPoint>,
}

/// The cases received and concluded, the on-time rate and the evaluations of each day of the
/// window, in the reader's scope (every day, none left out).
pub async fn trend(state: &WindowState, caller: &Caller, q: &CutQuery) -> Result<Trend> {
    let reach = reach(caller)?;
    let mut errors = Vec::new();
    let w = read_window(state, q, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    current(state).await?;
    let cut = cut_of(&w, reach);
    let cases = state.store.case_sums(&cut, Group::Day, Source::Daily).await?;
    let evaluations = state.store.evaluation_sums(&cut, Group::Day, Source::Daily).await?;
    let points = w
        .from
        .iter_days()
        .take_while(|d| *d <= w.to)
        .map(|d| {
            let day = day_text(d);
            let c = cases.get(&day).cloned().unwrap_or_default();
            let e = evaluations.get(&day).cloned().unwrap_or_default();
            TrendPoint {
                received: c.received,
                concluded: c.concluded,
                on_time_rate: share(c.on_time, c.timed),
                evaluations: e.evaluations,
                bad: e.bad,
                day,
            }
        })
        .collect();
    Ok(Trend {
        from: cut.from_day,
        to: cut.to_day,
        points,
    })
}

/// Raise the alerts of everything that turned yellow or red since the last pass (after
/// bringing the facts up to date). Each turn is raised once, whichever instance sees it first.
pub async fn raise_alerts(state: &WindowState) -> Result<Vec<yici_store::supervision::Alert>> {
    current(state).await?;
    let calendar = calendar(state).await?;
    let today = state.clock.today();
    let yellow = day_text(yellow_until(&calendar, today));
    let raised = state
        .store
        .alerts_raise(
            (&day_text(today), &yellow),
            RequestStatus::Pending.code(),
            state.clock.now_micros(),
        )
        .await?;
    for a in &raised {
        tracing::info!(kind = %a.kind, object = %a.object_key, colour = %a.colour, department = a.department_id, "alert raised");
    }
    Ok(raised)
}

/// The alerts a reader is told of, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertList {
    pub total: i64,
    pub items: Vec<yici_store::supervision::Alert>,
}

/// Paging of the alerts.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The alerts of the reader's departments (approvers, data stewards) and of the scope of their
/// supervisor and operator roles.
pub async fn alerts(state: &WindowState, caller: &Caller, q: &AlertQuery) -> Result<AlertList> {
    alerts_in(state, caller, yici_store::Page::new(q.limit, q.offset)).await
}

/// The same, the first [`EXPORT_ROWS`] for an export.
pub async fn alerts_export(state: &WindowState, caller: &Caller) -> Result<AlertList> {
    let page = yici_store::Page {
        limit: EXPORT_ROWS,
        offset: 0,
    };
    alerts_in(state, caller, page).await
}

async fn alerts_in(state: &WindowState, caller: &Caller, page: yici_store::Page) -> Result<AlertList> {
    use yici_core::org::{Role, Scope};
    caller.require(Permission::ReadAlerts, &Target::OwnScope)?;
    let reach: Vec<Reach> = caller
        .grants()
        .iter()
        .filter_map(|g| match (&g.role, &g.scope) {
            (Role::Supervisor | Role::Operator, Scope::Region { region }) => Some(Reach::RegionPrefix(region.prefix())),
            (
                Role::Supervisor | Role::Operator | Role::Approver | Role::DataSteward,
                Scope::Department { department_id, .. },
            ) => Some(Reach::Department(*department_id)),
            _ => None,
        })
        .collect();
    let (items, total) = state.store.alerts_list(&reach, page).await?;
    Ok(AlertList { total, items })
}
