//! The cases benchmark: applications taken at a window and accepted, over HTTP on loopback.
//! Each application names the demo citizen, consents, and has four materials the government
//! holds (居民身份证, 结婚证, 不动产权证书, 社会保障卡), each fetched as a use copy bound to the new
//! case number with its audit entry; then the clerk accepts it, which opens its task.

use super::{BenchError, Client, Histogram, proc_status};
use crate::AppState;
use crate::demo::ev;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use yici_core::audit::Action;
use yici_core::id::Uscc;
use yici_core::items::*;
use yici_store::items::{BasicItem, Implementation, Publication};

/// The figures of a run.
#[derive(Debug, Clone, Default)]
pub struct CasesReport {
    /// Cases submitted and accepted.
    pub cases: usize,
    pub failures: usize,
    pub seconds: f64,
    /// Of one case, submission and acceptance together.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Materials fetched per case (checked on the first).
    pub fetched_per_case: usize,
    pub rss_kib: Vec<u64>,
    pub peak_kib: u64,
}

impl CasesReport {
    pub fn rate(&self) -> f64 {
        self.cases as f64 / self.seconds.max(1e-9)
    }
}

/// The benchmark's item: four held certificates, one step of the land bureau, province-wide.
async fn bench_item(state: &AppState) -> Result<String, BenchError> {
    let store = &state.store;
    let setup = |m: &str| BenchError::Setup(m.to_string());
    let land = store
        .department_by_uscc(
            Uscc::generate("11", "330000", "MB000104")
                .map_err(|e| setup(&e.to_string()))?
                .as_str(),
        )
        .await?
        .ok_or_else(|| setup("the demo land bureau is missing"))?;
    let mut types = Vec::new();
    for name in ["居民身份证", "结婚证", "不动产权证书", "社会保障卡"] {
        let t = store
            .certificate_types(None)
            .await?
            .into_iter()
            .find(|t| t.definition.name == name)
            .ok_or_else(|| setup(&format!("the demo certificate type {name} is missing")))?;
        types.push((name, t.definition.code));
    }
    let basic = BasicCode::parse("code", "000712999000").map_err(|p| setup(&p.en))?;
    let uscc = Uscc::parse(&land.uscc).map_err(|e| setup(&e.to_string()))?;
    let code = ImplementationCode::of(&uscc, '9', &basic);
    if store.item_published(code.as_str()).await?.is_some() {
        return Ok(code.as_str().to_string());
    }
    let content = ItemVersion {
        name: "办件性能测试事项".into(),
        level: Level::Province,
        applicant_types: vec![ApplicantType::Person],
        case_type: CaseType::Promised,
        legal_limit: TimeLimit::working(20),
        promised_limit: TimeLimit::working(5),
        visits: 1,
        visits_reason: String::new(),
        depth: Depth::Acceptance,
        conditions: vec![],
        legal_basis: "性能测试".into(),
        questions: vec![],
        materials: types
            .iter()
            .enumerate()
            .map(|(i, (name, t))| Material {
                code: format!("m{i}"),
                name: name.to_string(),
                required: true,
                form: MaterialForm::Electronic,
                copies: 1,
                standard: String::new(),
                source: Source::Certificate { type_code: t.clone() },
                deferrable: false,
                applies_when: String::new(),
            })
            .collect(),
        process: vec![Step {
            stage: 1,
            name: "审核".into(),
            department_id: land.id,
            days: 5,
            signing: Signing::Any,
            required: true,
            lead: true,
            issues: None,
        }],
        fees: vec![],
        delivery: vec![Delivery::Electronic],
        scope: yici_core::items::Scope::ProvinceWide,
        windows: vec![],
        form: vec![],
        consult_phone: String::new(),
        complaint_phone: String::new(),
        themes: vec![],
    };
    store
        .items_publish_many(
            &[Publication {
                basic: BasicItem {
                    code: basic.as_str().into(),
                    name: content.name.clone(),
                    item_type: basic.item_type().code(),
                },
                implementation: Implementation {
                    code: code.as_str().into(),
                    basic_code: basic.as_str().into(),
                    department_id: land.id,
                    region_code: land.region_code.clone(),
                    co_departments: vec![],
                },
                content,
            }],
            &ev(Action::ItemApprove, "service_item"),
        )
        .await?;
    Ok(code.as_str().to_string())
}

/// Seed the demo (province, catalogue, certificates, items), then take `cases` applications
/// over `concurrency` keep-alive connections as the demo's window clerk, each accepted at once.
pub async fn run(state: AppState, password: &str, cases: usize, concurrency: usize) -> Result<CasesReport, BenchError> {
    let code = bench_item(&state).await?;
    let jobs = crate::jobs::spawn(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, crate::router(state)).await;
    });
    // Sign in as the clerk: the session cookie and its CSRF token.
    let (_, signed_in) = super::sign_in(addr, "window_clerk", password).await?;
    let run_id = yici_crypto::token::short_id();
    let headers = Arc::new(format!("{signed_in}Content-Type: application/json\r\n"));
    let application = Arc::new(
        serde_json::json!({
            "item": code, "consent": true, "window_region": "330800",
            "parties": [{"role": "applicant", "id_number": crate::demo::certificates::DEMO_CITIZEN.0,
                "name": crate::demo::certificates::DEMO_CITIZEN.1}]
        })
        .to_string(),
    );

    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while sampling.load(Ordering::Relaxed) {
                if let Some(kib) = proc_status("VmRSS:") {
                    samples.push(kib);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            samples
        })
    };
    let fetched = Arc::new(AtomicUsize::new(usize::MAX));
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (next, headers, application, fetched, run_id) = (
                next.clone(),
                headers.clone(),
                application.clone(),
                fetched.clone(),
                run_id.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Histogram::default();
                let mut failures = 0usize;
                let mut client: Option<Client> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= cases {
                        break;
                    }
                    let began = Instant::now();
                    if client.is_none() {
                        client = Client::connect(addr).await.ok();
                    }
                    let Some(c) = client.as_mut() else {
                        failures += 1;
                        continue;
                    };
                    let key = format!("Idempotency-Key: bench-{run_id}-{i}\r\n{headers}");
                    let ok = match c.send("POST", "/api/v1/cases", &key, application.as_bytes()).await {
                        Ok((201, _, body)) => {
                            let case: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                            let n = case["summary"]["fetched"].as_u64().unwrap_or(0) as usize;
                            let _ = fetched.compare_exchange(usize::MAX, n, Ordering::Relaxed, Ordering::Relaxed);
                            let no = case["case_no"].as_str().unwrap_or("").to_string();
                            let accept = serde_json::json!({"version": case["version"]}).to_string();
                            matches!(
                                c.send(
                                    "POST",
                                    &format!("/api/v1/cases/{no}/accept"),
                                    &headers,
                                    accept.as_bytes()
                                )
                                .await,
                                Ok((200, _, _))
                            )
                        }
                        _ => false,
                    };
                    if !ok {
                        failures += 1;
                        client = None;
                    }
                    latencies.record(began.elapsed().as_micros().min(u32::MAX as u128) as u32);
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut all = Histogram::default();
    let mut failures = 0;
    for w in workers {
        if let Ok((l, f)) = w.await {
            all.merge(&l);
            failures += f;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    sampling.store(false, Ordering::Relaxed);
    let rss_kib = sampler.await.unwrap_or_default();
    server.abort();
    jobs.stop().await;
    Ok(CasesReport {
        cases: all.total() as usize - failures,
        failures,
        seconds,
        p50_ms: f64::from(all.quantile(0.50)) / 1000.0,
        p99_ms: f64::from(all.quantile(0.99)) / 1000.0,
        fetched_per_case: match fetched.load(Ordering::Relaxed) {
            usize::MAX => 0,
            n => n,
        },
        rss_kib,
        peak_kib: proc_status("VmHWM:").unwrap_or(0),
    })
}
