//! The exchange benchmark: lookups over HTTP on loopback, each with the grant check, the data
//! lookup, masking, the quota count and the durable audit entry, measured against a bare axum
//! handler that returns a fixed JSON body of the same size.
//!
//! The client is a minimal HTTP/1.1 keep-alive client on one connection per worker, so that
//! the figures measure the server and not a client library.

pub mod cases;
pub mod certificates;
pub mod items;
pub mod supervision;

/// The nearest-rank percentile `p` (0 to 1) of sorted values: the value below which that share
/// of them lies. `None` when there are none.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let rank = (sorted.len() as f64 * p).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

use crate::demo::ev;
use crate::{AppState, ServerConfig};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yici_core::audit::Action;
use yici_core::id::{CitizenId, Uscc};
use yici_store::{Store, now_micros};

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct BenchConfig {
    /// Rows loaded into the benchmark dataset (looked up in turn).
    pub rows: usize,
    /// Lookups in the full-speed run (and calls to the bare handler).
    pub calls: usize,
    /// Concurrent keep-alive connections.
    pub concurrency: usize,
}

/// One run's figures.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub calls: usize,
    /// Answers other than 200, and broken connections.
    pub failures: usize,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Run {
    pub fn rate(&self) -> f64 {
        self.calls as f64 / self.seconds.max(1e-9)
    }
}

/// The benchmark's report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub body_bytes: usize,
    pub exchange: Run,
    pub bare: Run,
    /// The exchange paced at half the rate reached at full speed.
    pub paced: Run,
    /// Resident memory (KiB) sampled each second during the full-speed run.
    pub rss_kib: Vec<u64>,
    /// Peak resident memory of the process (KiB).
    pub peak_kib: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Seed(#[from] crate::demo::anyhow_like::Error),
    #[error(transparent)]
    Store(#[from] yici_store::StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Setup(String),
}

const SYSTEM: &str = "共享交换性能测试系统";

/// A valid citizen ID for row `i` (unique for i below 36,500,000).
fn citizen(i: usize) -> String {
    let birth =
        chrono::NaiveDate::from_ymd_opt(1950, 1, 1).expect("valid date") + chrono::Duration::days((i / 999) as i64);
    let body = format!("330106{}{:03}", birth.format("%Y%m%d"), i % 999 + 1);
    CitizenId::with_check(&body)
        .expect("generated IDs are valid")
        .to_string()
}

/// Seed the demo province, load `rows` people, give the benchmark system a grant and a token,
/// then run the bare handler, the exchange at full speed and the exchange at half that rate.
pub async fn exchange(store: Store, dir: &Path, cfg: BenchConfig) -> Result<Report, BenchError> {
    crate::demo::seed(&store, dir).await?;
    crate::demo::seed_catalogue(&store).await?;
    crate::demo::seed_exchange(&store, dir).await?;
    let setup = |m: &str| BenchError::Setup(m.to_string());
    let uscc = |org: &str| Uscc::generate("11", "330000", org).expect("demo credit codes are valid");
    let police = store
        .department_by_uscc(uscc("MB000103").as_str())
        .await?
        .ok_or_else(|| setup("demo police department missing"))?;
    let market = store
        .department_by_uscc(uscc("MB000102").as_str())
        .await?
        .ok_or_else(|| setup("demo market department missing"))?;
    let people = store
        .catalogue_find(police.id, "人口基础信息")
        .await?
        .ok_or_else(|| setup("demo resource 人口基础信息 missing"))?;
    let keys: Vec<String> = (0..cfg.rows.max(1)).map(citizen).collect();
    for chunk in keys.chunks(10_000) {
        let rows: Vec<(String, std::collections::BTreeMap<String, String>)> = chunk
            .iter()
            .enumerate()
            .map(|(n, id)| {
                let values = [
                    ("姓名", format!("测试{n}")),
                    ("公民身份号码", id.clone()),
                    ("住址", "浙江省杭州市西湖区文三路90号".to_string()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
                (id.clone(), values)
            })
            .collect();
        store
            .dataset_load(people.id, &rows, &ev(Action::DatasetLoad, "catalogue_resource"))
            .await?;
    }
    let system = match store.system_by_name(market.id, SYSTEM).await? {
        Some(s) => s,
        None => {
            store
                .create_system(
                    market.id,
                    SYSTEM,
                    "共享交换性能测试",
                    &ev(Action::SystemCreate, "system"),
                )
                .await?
        }
    };
    if store.grants_for(system.id, people.id).await?.is_empty() {
        crate::demo::DirectGrant {
            provider_department_id: police.id,
            consumer_department_id: market.id,
            system_id: system.id,
            resource_id: people.id,
            items: &["姓名", "公民身份号码", "住址"],
            purpose: "共享交换性能测试",
            legal_basis: "性能测试",
            days: 3650,
            daily_quota: 1_000_000_000_000,
        }
        .record(&store)
        .await?;
    }
    let token = yici_crypto::token::generate("yici_sys_");
    store
        .issue_system_token(
            system.id,
            &token.digest,
            "bench",
            now_micros() + 86_400_000_000,
            &ev(Action::TokenIssue, "system_token"),
        )
        .await?;

    let state = AppState::new(store, ServerConfig::default(), None);
    let jobs = crate::jobs::spawn(state.clone());
    let app = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app_addr = app.local_addr()?;
    let app_server = tokio::spawn(async move {
        let _ = axum::serve(app, crate::router(state)).await;
    });

    let key = yici_web::page::encode("公民身份号码");
    let paths: Arc<Vec<String>> = Arc::new(
        keys.iter()
            .map(|id| format!("/api/v1/exchange/{}/records?{key}={id}", people.code))
            .collect(),
    );
    let headers = Arc::new(format!(
        "Authorization: Bearer {}\r\nX-Yici-Purpose: {}\r\n",
        token.plaintext,
        yici_web::page::encode("共享交换性能测试")
    ));

    // One lookup gives the body size the bare handler answers with.
    let mut probe = Client::connect(app_addr).await?;
    let (status, body) = probe.get(&paths[0], &headers).await?;
    if status != 200 {
        return Err(BenchError::Setup(format!(
            "the benchmark lookup answered {status}: {}",
            String::from_utf8_lossy(&body)
        )));
    }
    let body_bytes = body.len();
    let fixed = axum::body::Bytes::from(body);
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_addr = bare.local_addr()?;
    let bare_server = tokio::spawn(async move {
        let router = axum::Router::new().route(
            "/bare",
            axum::routing::get(move || {
                let fixed = fixed.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], fixed) }
            }),
        );
        let _ = axum::serve(bare, router).await;
    });

    let bare_paths = Arc::new(vec!["/bare".to_string()]);
    let no_headers = Arc::new(String::new());
    let bare_run = drive(bare_addr, bare_paths, no_headers, cfg.calls, cfg.concurrency, None).await;

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
    let exchange_run = drive(
        app_addr,
        paths.clone(),
        headers.clone(),
        cfg.calls,
        cfg.concurrency,
        None,
    )
    .await;
    sampling.store(false, Ordering::Relaxed);
    let rss_kib = sampler.await.unwrap_or_default();

    let half = exchange_run.rate() / 2.0;
    let paced_calls = ((half * 10.0) as usize).clamp(1, cfg.calls.max(1));
    let paced = drive(app_addr, paths, headers, paced_calls, cfg.concurrency, Some(half)).await;

    app_server.abort();
    bare_server.abort();
    jobs.stop().await;
    Ok(Report {
        body_bytes,
        exchange: exchange_run,
        bare: bare_run,
        paced,
        rss_kib,
        peak_kib: proc_status("VmHWM:").unwrap_or(0),
    })
}

/// A field of `/proc/self/status` in KiB (Linux; `None` elsewhere).
fn proc_status(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// `calls` GETs over `concurrency` keep-alive connections, cycling through `paths`; with
/// `pace`, the calls are spread evenly at that many per second.
async fn drive(
    addr: std::net::SocketAddr,
    paths: Arc<Vec<String>>,
    headers: Arc<String>,
    calls: usize,
    concurrency: usize,
    pace: Option<f64>,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (next, paths, headers) = (next.clone(), paths.clone(), headers.clone());
            tokio::spawn(async move {
                let mut latencies = Histogram::default();
                let mut failures = 0usize;
                let mut client = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        break;
                    }
                    if let Some(rate) = pace {
                        let due = start + Duration::from_secs_f64(i as f64 / rate);
                        tokio::time::sleep_until(due.into()).await;
                    }
                    let began = Instant::now();
                    if client.is_none() {
                        client = Client::connect(addr).await.ok();
                    }
                    let ok = match client.as_mut() {
                        Some(c) => matches!(c.get(&paths[i % paths.len()], &headers).await, Ok((200, _))),
                        None => false,
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
    Run {
        calls: all.total() as usize,
        failures,
        seconds,
        p50_ms: f64::from(all.quantile(0.50)) / 1000.0,
        p99_ms: f64::from(all.quantile(0.99)) / 1000.0,
    }
}

/// Latencies in microseconds, counted in buckets 1/64 of a power of two wide (values within
/// 1.6%), so that a run of any length is measured in the same small memory.
#[derive(Debug, Clone)]
struct Histogram {
    counts: Vec<u64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; (Self::SUB * 27) as usize],
        }
    }
}

impl Histogram {
    /// Buckets per power of two; values below it have a bucket each.
    const SUB: u32 = 64;

    fn bucket(us: u32) -> usize {
        if us < Self::SUB {
            return us as usize;
        }
        let major = 31 - us.leading_zeros(); // at least 6
        let sub = (us >> (major - 6)) - Self::SUB;
        ((major - 5) * Self::SUB + sub) as usize
    }

    /// The middle of a bucket.
    fn value(bucket: usize) -> u32 {
        let b = bucket as u32;
        if b < Self::SUB {
            return b;
        }
        let shift = b / Self::SUB - 1;
        ((Self::SUB + b % Self::SUB) << shift) + ((1u32 << shift) >> 1)
    }

    fn record(&mut self, us: u32) {
        self.counts[Self::bucket(us)] += 1;
    }

    fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The latency below which the fraction `p` of the calls took (0 when none were made).
    fn quantile(&self, p: f64) -> u32 {
        let total = self.total();
        if total == 0 {
            return 0;
        }
        let rank = ((total as f64 * p).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (bucket, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Self::value(bucket);
            }
        }
        unreachable!("the ranks add up to the total")
    }
}

/// Sign in as `username` through the API: a client on a connection of its own, and the headers
/// every later request sends (the session cookie and its CSRF token, each line ending in CRLF).
async fn sign_in(addr: std::net::SocketAddr, username: &str, password: &str) -> Result<(Client, String), BenchError> {
    let setup = |m: String| BenchError::Setup(m);
    let mut client = Client::connect(addr).await?;
    let login = serde_json::json!({"username": username, "password": password}).to_string();
    let (status, head, body) = client
        .send(
            "POST",
            "/api/v1/session",
            "Content-Type: application/json\r\n",
            login.as_bytes(),
        )
        .await?;
    if status != 200 {
        return Err(setup(format!(
            "signing in answered {status}: {}",
            String::from_utf8_lossy(&body)
        )));
    }
    let cookie = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().map(str::to_string))?
        })
        .ok_or_else(|| setup("no session cookie".into()))?;
    let session: serde_json::Value = serde_json::from_slice(&body).map_err(|e| setup(e.to_string()))?;
    let csrf = session
        .get("csrf_token")
        .and_then(|v| v.as_str())
        .ok_or_else(|| setup("no CSRF token".into()))?
        .to_string();
    Ok((client, format!("Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n")))
}

/// A minimal HTTP/1.1 keep-alive client: GET, status and a `Content-Length` body.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    async fn get(&mut self, path: &str, headers: &str) -> std::io::Result<(u16, Vec<u8>)> {
        self.send("GET", path, headers, &[]).await.map(|(s, _, b)| (s, b))
    }

    /// A request with a body (`Content-Length` added when there is one); status, response head
    /// and body.
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, String, Vec<u8>)> {
        let length = if body.is_empty() && method == "GET" {
            String::new()
        } else {
            format!("Content-Length: {}\r\n", body.len())
        };
        let request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}{length}\r\n");
        self.stream.write_all(request.as_bytes()).await?;
        self.stream.write_all(body).await?;
        let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        let head_end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|_| bad("response head is not UTF-8"))?
            .to_string();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status"))?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| bad("no content-length"))?;
        while self.buf.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buf[head_end..head_end + length].to_vec();
        self.buf.drain(..head_end + length);
        Ok((status, head, body))
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_quantiles_are_within_two_percent() {
        let mut h = Histogram::default();
        for us in 1..=100_000u32 {
            h.record(us);
        }
        h.record(u32::MAX);
        assert_eq!(h.total(), 100_001);
        for (p, exact) in [(0.5, 50_000.0), (0.99, 99_000.0), (0.001, 100.0)] {
            let got = f64::from(h.quantile(p));
            assert!((got - exact).abs() / exact < 0.02, "p{p}: {got} vs {exact}");
        }
        assert!(h.quantile(1.0) > 4_000_000_000, "the largest value has a bucket");
        assert_eq!(Histogram::default().quantile(0.99), 0);
        for us in [0u32, 1, 63, 64, 65, 127, 128, 1000, 123_456, u32::MAX] {
            let v = f64::from(Histogram::value(Histogram::bucket(us)));
            assert!((v - f64::from(us)).abs() <= f64::from(us) / 64.0 + 0.5, "{us} → {v}");
        }
    }

    #[test]
    fn generated_citizen_ids_are_valid_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..5_000).map(citizen).collect();
        assert_eq!(ids.len(), 5_000);
        for id in &ids {
            assert!(CitizenId::parse(id).is_ok(), "{id}");
        }
    }
}

#[cfg(test)]
mod percentile_tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.95), Some(95));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&v, 1.0), Some(100));
        assert_eq!(percentile::<u32>(&[], 0.5), None);
    }
}
