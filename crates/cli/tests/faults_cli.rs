//! Faults of a running server: killed with SIGKILL under exchange lookups and certificate
//! issuing, then restarted (SQLite), and PostgreSQL backends terminated under the same load.
//! Nothing that was answered 2xx may be lost, no request may get a 500 or a dropped
//! connection from a server that is up, the server recovers by itself, and the audit log
//! verifies afterwards.

mod common;

use common::{Answer, request, s, sign_in, start_server_logging, temp, yici};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the load saw: identifiers of the certificates issued (201), lookups answered 200, and
/// any answer that should never be given.
#[derive(Default)]
struct Seen {
    issued: Vec<String>,
    lookups: usize,
    bad: Vec<String>,
}

struct Demo {
    token: String,
    lookup: String,
    issuer: (String, String),
    licence_type: String,
}

fn demo(addr: &str, data: &std::path::Path) -> Demo {
    let creds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("demo-credentials.json")).unwrap()).unwrap();
    let password = |role: &str| {
        creds["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["role"] == role)
            .unwrap()["password"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let types = request(addr, "GET", "/api/v1/certificate-types", &[], "").json();
    let licence_type = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "营业执照")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    Demo {
        token: creds["systems"][0]["token"].as_str().unwrap().to_string(),
        lookup: creds["systems"][0]["example_calls"]["allowed"]
            .as_str()
            .unwrap()
            .to_string(),
        issuer: sign_in(addr, "cert_issuer", &password("cert_issuer")),
        licence_type,
    }
}

fn licence(type_code: &str, n: usize) -> String {
    // Distinct holders: generated credit codes of companies in Hangzhou.
    let holder = yici_core::id::Uscc::generate("91", "330100", &format!("M{:07}", n % 10_000_000))
        .expect("a valid organisation code body")
        .to_string();
    serde_json::json!({
        "type_code": type_code,
        "holder_code": holder,
        "holder_name": format!("衢州第{n}号有限公司"),
        "data": {
            "company_type": "有限责任公司",
            "legal_representative": "王五",
            "registered_capital": "50",
            "established_on": "2024-01-02",
            "address": "浙江省衢州市柯城区府山街道1号",
            "business_scope": "餐饮服务"
        }
    })
    .to_string()
}

/// Lookups and issues from several threads until `stop`; every answer is classified.
fn load(
    addr: &str,
    d: &Demo,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    start_at: usize,
) -> Vec<std::thread::JoinHandle<()>> {
    let mut threads = Vec::new();
    for t in 0..3 {
        let (addr, token, path, stop, seen) = (
            addr.to_string(),
            d.token.clone(),
            d.lookup.clone(),
            stop.clone(),
            seen.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let auth = format!("Bearer {token}");
            while !stop.load(Ordering::Relaxed) {
                let a = request(
                    &addr,
                    "GET",
                    &path,
                    &[
                        ("Authorization", &auth),
                        ("X-Yici-Purpose", "fault-test"),
                        ("X-Yici-Case", &format!("FT-{t}")),
                    ],
                    "",
                );
                classify(&seen, &a, |s| s.lookups += 1);
            }
        }));
    }
    for t in 0..2 {
        let (addr, (cookie, csrf), code, stop, seen) = (
            addr.to_string(),
            d.issuer.clone(),
            d.licence_type.clone(),
            stop.clone(),
            seen.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let mut n = start_at + t * 100_000;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let a = request(
                    &addr,
                    "POST",
                    "/api/v1/certificates",
                    &[
                        ("Cookie", &cookie),
                        ("X-CSRF-Token", &csrf),
                        ("Content-Type", "application/json"),
                    ],
                    &licence(&code, n),
                );
                if a.status == 201 {
                    let id = a.json()["identifier"].as_str().unwrap().to_string();
                    seen.lock().unwrap().issued.push(id);
                } else {
                    classify(&seen, &a, |_| {});
                }
            }
        }));
    }
    threads
}

/// A 2xx is counted; a 503 (storage or a writer briefly unavailable) or a refused connection is
/// allowed while the fault lasts; anything else is recorded as bad.
fn classify(seen: &Mutex<Seen>, a: &Answer, ok: impl FnOnce(&mut Seen)) {
    let mut s = seen.lock().unwrap();
    match a.status {
        200..=299 => ok(&mut s),
        0 | 503 => {}
        other => s
            .bad
            .push(format!("{other}: {}", a.body.chars().take(300).collect::<String>())),
    }
}

fn count_lookups(data: &std::path::Path) -> usize {
    let o = yici(&["audit", "--data", s(data), "verify"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the log verifies after the kill: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = yici_store::Store::open_dir(data).await.unwrap();
        let filter = yici_store::audit::AuditFilter {
            action: Some("exchange.read".into()),
            ..Default::default()
        };
        store
            .audit_search(&filter, yici_store::Page::all())
            .await
            .unwrap()
            .len()
    })
}

#[test]
fn nothing_answered_2xx_is_lost_when_the_server_is_killed_under_load() {
    let dir = temp("kill");
    let data = dir.join("data");
    let mut issued = Vec::new();
    let mut lookups = 0;
    for round in 0..3 {
        let (mut server, addr) = start_server_logging(&["--demo", "--data", s(&data)], "off");
        let d = demo(&addr, &data);
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let threads = load(&addr, &d, stop.clone(), seen.clone(), round * 1_000_000);
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(1500) {
            std::thread::sleep(Duration::from_millis(50));
        }
        server.kill().unwrap(); // SIGKILL
        let _ = server.wait();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        let seen = std::mem::take(&mut *seen.lock().unwrap());
        assert!(seen.bad.is_empty(), "round {round}: {:?}", seen.bad);
        assert!(
            seen.lookups > 0 && !seen.issued.is_empty(),
            "round {round}: the load ran"
        );
        issued.extend(seen.issued);
        lookups += seen.lookups;
        // Every lookup answered 200 left its audit entry; the log verifies.
        let logged = count_lookups(&data);
        assert!(
            logged >= lookups,
            "round {round}: {logged} lookups logged, {lookups} answered"
        );
    }
    // Every certificate answered 201 is there after the restarts.
    let (mut server, addr) = start_server_logging(&["--data", s(&data)], "off");
    let d = demo(&addr, &data);
    for id in &issued {
        let a = request(
            &addr,
            "GET",
            &format!("/api/v1/certificates/{id}"),
            &[("Cookie", &d.issuer.0)],
            "",
        );
        assert_eq!(
            a.status, 200,
            "certificate {id} answered 201 before the kill: {}",
            a.body
        );
    }
    server.kill().unwrap();
    let _ = server.wait();
    eprintln!(
        "kill -9 rounds: 3; certificates issued and found after restart: {}; lookups answered and logged: {lookups}",
        issued.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_server_recovers_by_itself_when_postgresql_backends_are_terminated() {
    let Some(url) = yici_store::testkit::postgres_url().await else {
        return;
    };
    let dir = temp("pgkill");
    let data = dir.join("data");
    let key = dir.join("audit-key.pem");
    let (mut server, addr) = start_server_logging(
        &["--demo", "--database", &url, "--data", s(&data), "--audit-key", s(&key)],
        "off",
    );
    let d = demo(&addr, &data);
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let threads = load(&addr, &d, stop.clone(), seen.clone(), 7_000_000);
    // Terminate every backend of the server's database, five times.
    let admin = yici_store::Store::open(&url).await.unwrap();
    let mut terminated = 0i64;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(admin.pool())
        .await
        .unwrap();
        terminated += n;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.bad.is_empty(), "{:?}", seen.bad);
    assert!(terminated > 0, "backends were terminated");
    // Recovered by itself: writes and lookups succeed again, and everything issued is there.
    let mut ready = false;
    for _ in 0..50 {
        if request(&addr, "GET", "/readyz", &[], "").status == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "ready again");
    let after = request(
        &addr,
        "GET",
        &d.lookup,
        &[
            ("Authorization", &format!("Bearer {}", d.token)),
            ("X-Yici-Purpose", "fault-test"),
        ],
        "",
    );
    assert_eq!(after.status, 200, "{}", after.body);
    for id in &seen.issued {
        let a = request(
            &addr,
            "GET",
            &format!("/api/v1/certificates/{id}"),
            &[("Cookie", &d.issuer.0)],
            "",
        );
        assert_eq!(a.status, 200, "certificate {id}: {}", a.body);
    }
    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let _ = server.wait();
    let o = yici(&[
        "audit",
        "--database",
        &url,
        "--data",
        s(&data),
        "--audit-key",
        s(&key),
        "verify",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!(
        "PostgreSQL: {terminated} backends terminated under load; {} certificates issued, {} lookups answered, all found",
        seen.issued.len(),
        seen.lookups
    );
    let _ = std::fs::remove_dir_all(&dir);
}
