//! Storage faults, injected for real on a small filesystem of the test's own (tmpfs, mounted
//! here): a full disk and a data directory that turns read-only. While the fault lasts, writes
//! are answered 503 `storage_unavailable` with `Retry-After` (never 500) and `/readyz` says not
//! ready; once it is over, every write succeeds again without a restart, and the audit log
//! verifies.
//!
//! Mounting needs root (as the project's machines and CI run); elsewhere the tests print a
//! notice and pass, unless `YICI_REQUIRE_SERVICES=1` makes that a failure.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `size` mounted on a fresh directory, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = std::env::temp_dir().join(format!("yici-faults-{}", yici_crypto::token::short_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = sh(&format!("mount -t tmpfs -o size={size} tmpfs {}", dir.display()));
        if !ok {
            let why = "mounting a tmpfs needs root";
            assert!(std::env::var("YICI_REQUIRE_SERVICES").as_deref() != Ok("1"), "{why}");
            eprintln!("skipped: {why}");
            return None;
        }
        Some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        sh(&format!(
            "umount -l {0}/data 2>/dev/null; umount -l {0}",
            self.0.display()
        ));
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sh(script: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .status()
        .is_ok_and(|s| s.success())
}

/// Fill the filesystem of `dir` until it has no room left.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.flush();
    path
}

async fn app_on(fs: &Tmpfs) -> App {
    let data = fs.0.join("data");
    let store = yici_store::Store::open_dir(&data)
        .await
        .unwrap()
        .with_audit_keys(yici_store::testkit::audit_keys());
    let files = std::env::temp_dir().join(format!("yici-faults-files-{}", yici_crypto::token::short_id()));
    std::fs::create_dir_all(&files).unwrap();
    App::on_store(store, files, |_| {}, Some(std::sync::Arc::new(common::test_register()))).await
}

/// A write that belongs to nobody else: a region of the directory.
async fn write(app: &App, session: &common::Session, n: usize) -> common::Response {
    app.call(
        Method::POST,
        "/api/v1/regions",
        Auth::Session(session),
        Some(json!({"code": "330102", "name": format!("上城区{n}")})),
    )
    .await
}

fn assert_unavailable(res: &common::Response, what: &str) {
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {}", res.text);
    assert_eq!(res.code(), "storage_unavailable", "{what}");
    assert!(res.headers.get("retry-after").is_some(), "{what}");
}

async fn ready(app: &App) -> bool {
    app.get("/readyz", Auth::None).await.status == StatusCode::OK
}

/// Ready within a few probes (a connection left read-only fails one, and is replaced).
async fn ready_soon(app: &App) -> bool {
    for _ in 0..3 {
        if ready(app).await {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn writes_recover_without_a_restart_after_the_disk_was_full() {
    let Some(fs) = Tmpfs::mount("48m") else { return };
    let app = app_on(&fs).await;
    let op = app.login("operator").await;
    assert!(write(&app, &op, 0).await.status.is_success());
    assert!(ready(&app).await);

    let filler = fill(&fs.0);
    let mut answered = 0;
    for n in 1..=5 {
        let res = write(&app, &op, n).await;
        assert!(
            !res.status.is_server_error() || res.status == StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            res.text
        );
        if res.status == StatusCode::SERVICE_UNAVAILABLE {
            assert_unavailable(&res, "a write on a full disk");
            answered += 1;
        }
    }
    assert!(answered > 0, "a full disk refuses writes");
    let signin = app
        .call(
            Method::POST,
            "/api/v1/session",
            Auth::None,
            Some(json!({"username": "operator", "password": app.password("operator")})),
        )
        .await;
    assert_unavailable(&signin, "signing in on a full disk");
    assert!(!ready(&app).await, "not ready while writes fail");

    std::fs::remove_file(filler).unwrap();
    assert!(ready_soon(&app).await, "ready again once there is room");
    for n in 10..30 {
        let res = write(&app, &op, n).await;
        assert!(res.status.is_success(), "write {n} after recovery: {}", res.text);
    }
    assert!(app.login_as("operator", &app.password("operator")).await.is_some());
    app.state.audit.sequence().await.unwrap();
    app.store.audit_checkpoint().await.unwrap();
    let key = app.store.audit_keys().unwrap().public();
    let report = app.store.audit_verify(&key).await.unwrap();
    assert!(report.ok(), "{report:?}");
}

#[tokio::test]
async fn writes_recover_without_a_restart_after_the_data_directory_was_read_only() {
    let Some(fs) = Tmpfs::mount("48m") else { return };
    let app = app_on(&fs).await;
    let op = app.login("operator").await;
    assert!(write(&app, &op, 0).await.status.is_success());
    let data = fs.0.join("data");
    // Read-only from now on for everything opened anew (connections already open keep their
    // files): the pool's connections are replaced, as after a failure, and the new ones are
    // read-only (SQLite opens them so without a word).
    assert!(sh(&format!(
        "mount --bind {0} {0} && mount -o remount,bind,ro {0}",
        data.display()
    )));
    yici_store::health::failed();
    for n in 1..=3 {
        let res = write(&app, &op, n).await;
        assert_unavailable(&res, "a write while the directory is read-only");
    }
    assert!(!ready(&app).await, "not ready while writes fail");

    // Writable again: the read-only connections are not used again, so every write succeeds.
    assert!(sh(&format!("umount -l {}", data.display())));
    assert!(ready_soon(&app).await, "ready again once writable");
    for n in 10..40 {
        let res = write(&app, &op, n).await;
        assert!(res.status.is_success(), "write {n} after recovery: {}", res.text);
    }
    app.state.audit.sequence().await.unwrap();
    app.store.audit_checkpoint().await.unwrap();
    let key = app.store.audit_keys().unwrap().public();
    assert!(app.store.audit_verify(&key).await.unwrap().ok());
}
