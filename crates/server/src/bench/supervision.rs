//! The supervision benchmark: a generated history of a year — cases with their facts, tasks
//! and evaluations (bad reviews with their rectifications), sharing requests and the daily counts
//! of exchange calls — loaded into the demo province, the daily sums rebuilt; then the latency of
//! each main dashboard query over HTTP on loopback, as the demo's supervisor.
//!
//! The cases are loaded as the facts the dashboards read (`case_facts`, `task_facts`), which the
//! supervision capability derives from the window's cases; the window's own case rows, which no
//! dashboard query reads, are not generated.

use super::{BenchError, Client, percentile, sign_in};
use crate::AppState;
use chrono::NaiveDate;
use std::time::Instant;
use yici_core::calendar::{WorkingCalendar, day_text};
use yici_core::clock::china_midnight;
use yici_core::sharing::RequestStatus;
use yici_store::evaluations::{NewEvaluation, RectificationDue};
use yici_store::supervision::{CaseFacts, LoadedEvaluation, LoadedRequest, TaskFacts};

/// What to generate and how often to ask each query.
#[derive(Debug, Clone, Copy)]
pub struct SupervisionBench {
    pub cases: usize,
    pub requests: usize,
    pub calls: u64,
    pub runs: usize,
}

/// One query's figures.
#[derive(Debug, Clone)]
pub struct QueryTiming {
    pub name: &'static str,
    pub path: String,
    pub status: u16,
    pub p50_ms: f64,
    pub max_ms: f64,
}

/// The benchmark's report.
#[derive(Debug, Clone, Default)]
pub struct SupervisionReport {
    pub cases: usize,
    pub tasks: usize,
    pub evaluations: usize,
    pub requests: usize,
    pub calls: u64,
    pub loading_seconds: f64,
    pub queries: Vec<QueryTiming>,
}

/// A pseudo-random sequence, the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }

    fn pick<'a, T>(&mut self, of: &'a [T]) -> &'a T {
        &of[self.below(of.len() as u64) as usize]
    }
}

/// Cases generated and loaded per transaction.
const CHUNK: usize = 20_000;

/// `n` working days after `d` (the day itself when the calendar does not reach).
fn after(cal: &WorkingCalendar, d: NaiveDate, n: u32) -> NaiveDate {
    cal.add_working_days(d, n).unwrap_or(d)
}

/// Generate and load the history, then time the queries.
pub async fn run(state: AppState, password: &str, cfg: SupervisionBench) -> Result<SupervisionReport, BenchError> {
    let setup = |m: &str| BenchError::Setup(m.to_string());
    let store = state.store.clone();
    let cal = store.working_calendar().await?;
    let today = state.window.clock.today();
    let first = today - chrono::Duration::days(365);
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= today).collect();
    let departments: Vec<(i64, String)> = store
        .list_departments(None, yici_store::Page::all())
        .await?
        .into_iter()
        .map(|d| (d.id, d.region_code))
        .collect();
    if departments.is_empty() {
        return Err(setup("the demo has no departments"));
    }
    let mut rng = Lcg(2026);
    let mut report = SupervisionReport::default();
    let started = Instant::now();

    // Cases, their tasks and evaluations, a chunk at a time.
    let base = 100_000_000i64;
    let mut done = 0;
    while done < cfg.cases {
        let n = CHUNK.min(cfg.cases - done);
        let mut facts = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(2 * n);
        let mut evaluations: Vec<LoadedEvaluation> = Vec::new();
        for i in done..done + n {
            let case_id = base + i as i64;
            let (department_id, region) = rng.pick(&departments).clone();
            let received = *rng.pick(&days);
            let limit = [5u32, 10, 20][rng.below(3) as usize];
            let accepted = (rng.below(100) < 96).then(|| after(&cal, received, rng.below(2) as u32));
            let used = rng.below(u64::from(limit) + 4) as i64;
            let concluded = accepted
                .map(|a| after(&cal, a, used as u32))
                .filter(|c| *c < today && rng.below(100) < 98);
            let due = accepted.map(|a| after(&cal, a, limit));
            let open = accepted.is_some() && concluded.is_none();
            let required = 3 + rng.below(4) as i64;
            let case_no = format!("BENCH{:012}", i);
            let f = CaseFacts {
                case_id,
                case_no: case_no.clone(),
                name: "不动产转移登记".into(),
                department_id,
                region_code: region.clone(),
                status: if concluded.is_some() {
                    "approved"
                } else if open {
                    "processing"
                } else {
                    "received"
                }
                .into(),
                received_day: day_text(received),
                accepted_day: accepted.map(day_text),
                concluded_day: concluded.map(day_text),
                limit_days: i64::from(limit),
                used_days: accepted.map(|_| used),
                due_day: due.map(day_text),
                open: open || accepted.is_none(),
                on_time: concluded.map(|_| used <= i64::from(limit)),
                visits: rng.below(3) as i64,
                lines_required: required,
                lines_fetched: rng.below(required as u64 + 1) as i64,
                notices: i64::from(rng.below(10) == 0),
            };
            for step in 0..2 {
                let (task_department, _) = rng.pick(&departments).clone();
                tasks.push(TaskFacts {
                    task_id: case_id * 2 + step,
                    case_id,
                    case_no: case_no.clone(),
                    name: "审批".into(),
                    department_id: task_department,
                    region_code: region.clone(),
                    due_day: accepted.map(|a| day_text(after(&cal, a, limit / 2))),
                    open,
                });
            }
            if let Some(c) = concluded.filter(|_| rng.below(100) < 40) {
                let level = match rng.below(100) {
                    0..=59 => 5,
                    60..=84 => 4,
                    85..=92 => 3,
                    93..=96 => 2,
                    _ => 1,
                };
                let rectification = yici_core::cases::is_bad_review(level).then(|| {
                    let due = RectificationDue {
                        verify: day_text(after(&cal, c, 3)),
                        rectify: day_text(after(&cal, c, 18)),
                        reply: day_text(after(&cal, c, 33)),
                        revisit: day_text(after(&cal, c, 53)),
                    };
                    let closed = after(&cal, c, 30 + rng.below(40) as u32);
                    (due, (closed < today).then(|| day_text(closed)))
                });
                evaluations.push((
                    NewEvaluation {
                        case_id: None,
                        party: String::new(),
                        department_id,
                        region_code: region.clone(),
                        implementation_code: String::new(),
                        level,
                        comment: String::new(),
                        channel: "web".into(),
                        day: day_text(c),
                    },
                    rectification,
                ));
            }
            facts.push(f);
        }
        store.supervision_load(&facts, &tasks).await?;
        store.evaluations_load(&evaluations, yici_store::now_micros()).await?;
        report.tasks += tasks.len();
        report.evaluations += evaluations.len();
        done += n;
    }
    report.cases = done;

    // Sharing requests, to the providers of the published resources.
    let resources = store.resources_with_providers().await?;
    let systems: Vec<(i64, i64)> = store
        .list_systems(None)
        .await?
        .into_iter()
        .map(|s| (s.id, s.department_id))
        .collect();
    if resources.is_empty() || systems.is_empty() {
        return Err(setup("the demo has no published resources or systems"));
    }
    let statuses = [
        (60, RequestStatus::Granted),
        (70, RequestStatus::PartiallyGranted),
        (80, RequestStatus::Refused),
        (95, RequestStatus::Pending),
        (100, RequestStatus::Cancelled),
    ];
    let mut requests = Vec::with_capacity(cfg.requests);
    for _ in 0..cfg.requests {
        let (resource_id, provider) = *rng.pick(&resources);
        let (system_id, consumer) = *rng.pick(&systems);
        let asked = *rng.pick(&days);
        let roll = rng.below(100);
        let status = statuses
            .iter()
            .find(|(upto, _)| roll < *upto)
            .map_or(RequestStatus::Pending, |(_, s)| *s);
        let created_at = china_midnight(asked) + rng.below(36_000) as i64 * 1_000_000 + 8 * 3_600_000_000;
        let answered = after(&cal, asked, rng.below(14) as u32);
        requests.push(LoadedRequest {
            resource_id,
            provider_department_id: provider,
            consumer_department_id: consumer,
            system_id,
            status: status.code(),
            deadline: day_text(after(&cal, asked, 10)),
            created_at,
            updated_at: if status == RequestStatus::Pending {
                created_at
            } else {
                china_midnight(answered) + 10 * 3_600_000_000
            },
        });
    }
    report.requests = requests.len();
    store.sharing_load(&requests).await?;

    // Exchange calls: each day's share spread over the pairs of consumer system and resource.
    let pairs: Vec<(i64, i64)> = systems
        .iter()
        .flat_map(|(s, _)| resources.iter().map(move |(r, _)| (*s, *r)))
        .take(200)
        .collect();
    let per_day = cfg.calls / days.len() as u64;
    let mut usage = Vec::new();
    for (d, day) in days.iter().enumerate() {
        let mut left = per_day + u64::from((d as u64) < cfg.calls % days.len() as u64);
        for (i, (system, resource)) in pairs.iter().enumerate() {
            let n = if i + 1 == pairs.len() {
                left
            } else {
                rng.below(2 * left / (pairs.len() - i) as u64 + 1).min(left)
            };
            left -= n;
            if n > 0 {
                usage.push((*system, *resource, day_text(*day), n as i64));
            }
        }
    }
    report.calls = usage.iter().map(|u| u.3 as u64).sum();
    store.usage_load(&usage, yici_store::now_micros()).await?;
    store.supervision_rebuild().await?;
    report.loading_seconds = started.elapsed().as_secs_f64();

    // The queries, over HTTP on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, crate::router(state)).await;
    });
    let (mut client, headers): (Client, String) = sign_in(addr, "supervisor", password).await?;
    let year = format!("from={}&to={}", day_text(first), day_text(today));
    let month = format!(
        "from={}&to={}",
        day_text(today - chrono::Duration::days(29)),
        day_text(today)
    );
    let (department, region) = departments[0].clone();
    let region_prefix = if region.ends_with("0000") {
        region.clone()
    } else {
        format!("{}00", region.get(..4).unwrap_or("33"))
    };
    let queries: Vec<(&'static str, String)> = vec![
        (
            "metrics, whole scope, a year",
            format!("/api/v1/supervision/metrics?{year}"),
        ),
        (
            "metrics, whole scope, 30 days",
            format!("/api/v1/supervision/metrics?{month}"),
        ),
        (
            "metrics, one department, a year",
            format!("/api/v1/supervision/metrics?{year}&department={department}"),
        ),
        (
            "metrics, one city, a year",
            format!("/api/v1/supervision/metrics?{year}&region={region_prefix}"),
        ),
        (
            "ranking by department, a year",
            format!("/api/v1/supervision/rankings?by=department&{year}"),
        ),
        (
            "ranking by region, a year",
            format!("/api/v1/supervision/rankings?by=region&{year}"),
        ),
        ("trend, a year", format!("/api/v1/supervision/trend?{year}")),
        ("red cards (drill-down)", "/api/v1/supervision/cases?figure=red".into()),
        (
            "concluded late, a year (drill-down)",
            format!("/api/v1/supervision/cases?figure=late&{year}"),
        ),
        ("alerts", "/api/v1/supervision/alerts".into()),
        (
            "public performance, a year",
            format!("/api/v1/public/performance?{year}"),
        ),
        ("dashboard page, a year", format!("/supervision?{year}")),
    ];
    for (name, path) in queries {
        let mut times = Vec::with_capacity(cfg.runs);
        let mut status = 0;
        for _ in 0..cfg.runs.max(1) {
            let t = Instant::now();
            let (s, _) = client.get(&path, &headers).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            status = s;
        }
        times.sort_by(f64::total_cmp);
        report.queries.push(QueryTiming {
            name,
            path,
            status,
            p50_ms: percentile(&times, 0.5).unwrap_or(0.0),
            max_ms: times.last().copied().unwrap_or(0.0),
        });
    }
    server.abort();
    Ok(report)
}
