//! The audit commands, and two servers writing one log on one PostgreSQL database.

mod common;

use base64::Engine;
use common::{http, s, start_server, temp, yici};
use std::process::Command;

#[test]
fn exports_verify_with_the_public_key_and_tampered_exports_fail() {
    let dir = temp("export");
    let data = dir.join("data");
    for (code, name) in [
        ("330000", "浙江省"),
        ("330100", "杭州市"),
        ("330106", "西湖区"),
        ("330108", "滨江区"),
    ] {
        assert_eq!(
            yici(&["region", "--data", s(&data), "add", code, name]).status.code(),
            Some(0)
        );
    }
    let out = dir.join("export.json");
    let o = yici(&[
        "audit",
        "--data",
        s(&data),
        "export",
        "--from",
        "0",
        "--to",
        "3",
        "--checkpoint",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let key = dir.join("public.pem");
    let o = yici(&["audit", "--data", s(&data), "public-key"]);
    std::fs::write(&key, &o.stdout).unwrap();
    let o = yici(&["audit", "verify-export", s(&out), "--public-key", s(&key)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("4 entries"));

    // Change one entry's content in the file: the check fails.
    let mut export: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let content = String::from_utf8(b64.decode(export["entries"][2]["content"].as_str().unwrap()).unwrap()).unwrap();
    assert!(content.contains("330106"), "{content}");
    export["entries"][2]["content"] = b64.encode(content.replace("330106", "330107")).into();
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, serde_json::to_vec(&export).unwrap()).unwrap();
    let o = yici(&["audit", "verify-export", s(&tampered), "--public-key", s(&key)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("entry 2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // A key other than the platform's is refused by name.
    let other = dir.join("other");
    yici(&["audit", "--data", s(&other), "checkpoint"]);
    let other_key = dir.join("other.pem");
    std::fs::write(&other_key, yici(&["audit", "--data", s(&other), "public-key"]).stdout).unwrap();
    let o = yici(&["audit", "verify-export", s(&out), "--public-key", s(&other_key)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not by the platform key"));

    // Out-of-order ranges are refused.
    let o = yici(&["audit", "--data", s(&data), "export", "--from", "3", "--to", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("out of order"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn verify_names_the_first_bad_entry_after_tampering() {
    let dir = temp("verify");
    let data = dir.join("data");
    for (code, name) in [("330000", "浙江省"), ("330100", "杭州市"), ("330106", "西湖区")] {
        yici(&["region", "--data", s(&data), "add", code, name]);
    }
    assert_eq!(
        yici(&["audit", "--data", s(&data), "checkpoint"]).status.code(),
        Some(0)
    );
    let o = yici(&["audit", "--data", s(&data), "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 entries"));
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", s(&data.join("yici.db")));
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query("UPDATE audit_entries SET content = REPLACE(content, '330106', '330107') WHERE id = (SELECT entry_id FROM audit_leaves WHERE seq = 2)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let o = yici(&["audit", "--data", s(&data), "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("first bad entry 2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_server_on_the_same_sqlite_directory_is_refused() {
    let dir = temp("single");
    let data = dir.join("data");
    let (mut first, _) = start_server(&["--data", s(&data)]);
    let o = yici(&["serve", "--data", s(&data), "--listen", "127.0.0.1:0"]);
    first.kill().unwrap();
    let _ = first.wait();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("SQLite is single-node"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn two_servers_on_one_postgresql_database_write_one_consistent_log() {
    let Some(url) = yici_store::testkit::postgres_url().await else {
        return;
    };
    let dir = temp("two");
    let key = dir.join("audit-key.pem");
    let (d1, d2) = (dir.join("one"), dir.join("two"));
    let (mut one, a1) = start_server(&["--demo", "--database", &url, "--data", s(&d1), "--audit-key", s(&key)]);
    let (mut two, a2) = start_server(&["--database", &url, "--data", s(&d2), "--audit-key", s(&key)]);
    let creds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d1.join("demo-credentials.json")).unwrap()).unwrap();
    let token = creds["systems"][0]["token"].as_str().unwrap().to_string();
    let before = {
        let store = yici_store::Store::open(&url).await.unwrap();
        store.audit_size().await.unwrap() + store.audit_pending_count().await.unwrap()
    };
    // Refused calls are audit entries; send them to both servers at once from many threads.
    let per_thread = 25;
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let addr = if t % 2 == 0 { a1.clone() } else { a2.clone() };
            let token = token.clone();
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    let auth = format!("Bearer {token}");
                    let status = http(
                        &addr,
                        "POST",
                        "/api/v1/regions",
                        &[("Authorization", &auth), ("Content-Type", "application/json")],
                        r#"{"code":"330102","name":"x"}"#,
                    );
                    assert_eq!(status, 403);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Let both sequencers work concurrently for a moment, then stop the servers.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    for c in [&mut one, &mut two] {
        c.kill().unwrap();
        let _ = c.wait();
    }
    let o = yici(&[
        "audit",
        "--database",
        &url,
        "--data",
        s(&d1),
        "--audit-key",
        s(&key),
        "checkpoint",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = yici(&[
        "audit",
        "--database",
        &url,
        "--data",
        s(&d1),
        "--audit-key",
        s(&key),
        "verify",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let store = yici_store::Store::open(&url).await.unwrap();
    let size = store.audit_size().await.unwrap();
    assert_eq!(store.audit_pending_count().await.unwrap(), 0);
    assert!(
        size >= before + 8 * per_thread,
        "{size} entries, expected at least {}",
        before + 8 * per_thread
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM stops the server gracefully: the requests in flight are answered, then every entry
/// is sequenced and the tree head signed, so no entry is left outside a checkpoint.
#[tokio::test]
async fn a_graceful_stop_sequences_every_entry_and_signs_a_checkpoint() {
    let dir = temp("graceful");
    let data = dir.join("data");
    let (mut server, addr) = start_server(&["--demo", "--data", s(&data), "--checkpoint-interval", "3600"]);
    // Refused tokens are audit entries.
    for _ in 0..20 {
        let status = http(
            &addr,
            "GET",
            "/api/v1/regions",
            &[("Authorization", "Bearer not-a-token")],
            "",
        );
        assert_eq!(status, 401);
    }
    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "the server exits cleanly on SIGTERM: {status:?}");
    let store = yici_store::Store::open_dir(&data).await.unwrap();
    assert_eq!(
        store.audit_pending_count().await.unwrap(),
        0,
        "nothing left unsequenced"
    );
    let size = store.audit_size().await.unwrap();
    let signed = store
        .audit_latest_checkpoint()
        .await
        .unwrap()
        .expect("a checkpoint")
        .size;
    assert_eq!(signed, size, "the last checkpoint covers every entry");
    let refusals = store
        .audit_search(
            &yici_store::audit::AuditFilter {
                action: Some("access.refuse".into()),
                ..Default::default()
            },
            yici_store::Page::all(),
        )
        .await
        .unwrap();
    assert!(refusals.len() >= 20 && refusals.iter().all(|e| e.index.is_some_and(|i| i < signed)));
    let _ = std::fs::remove_dir_all(&dir);
}
