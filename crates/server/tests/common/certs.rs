//! Helpers of the certificate suites: the demo holder and company, the demo types, a business
//! licence issued by the market issuer, online verification.

use super::{App, Auth, Session};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

pub const CITIZEN: &str = "11010519491231002X";

pub fn company() -> String {
    yici_server::demo::certificates::demo_company().0
}

/// The identifier of the holder's certificate of the type named `type_name`.
pub async fn my_certificate(app: &App, me: &Session, type_name: &str) -> String {
    let mine = app.get("/api/v1/me/certificates", Auth::Session(me)).await.json();
    mine.as_array()
        .unwrap()
        .iter()
        .find(|c| c["type_name"] == type_name)
        .unwrap_or_else(|| panic!("the holder has a {type_name}"))["identifier"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The demo type with this name.
pub async fn type_code(app: &App, name: &str) -> String {
    let types = app.get("/api/v1/certificate-types", Auth::None).await.json();
    types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("demo type {name}"))["code"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn licence(code: &str, holder: &str) -> Value {
    json!({
        "type_code": code,
        "holder_code": holder,
        "holder_name": "衢州一次餐饮有限公司",
        "data": {
            "company_type": "有限责任公司",
            "legal_representative": "王五",
            "registered_capital": "50",
            "established_on": "2024-01-02",
            "address": "浙江省衢州市柯城区府山街道1号",
            "business_scope": "餐饮服务"
        }
    })
}

/// The market issuer issues a business licence; returns the certificate.
pub async fn issue_licence(app: &App, issuer: &Session) -> Value {
    let code = type_code(app, "营业执照").await;
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificates",
            Auth::Session(issuer),
            Some(licence(&code, &company())),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.json()
}

pub async fn verify(app: &App, identifier: &str, code: &str) -> super::Response {
    app.get(
        &format!("/api/v1/certificates/{identifier}/verification?code={code}"),
        Auth::None,
    )
    .await
}

/// Certificate `identifier` exported into `app.dir/name` as the export documents it, with the
/// signer's public key beside it as `pub.pem` (taken from signer.pem by OpenSSL); the directory.
pub async fn export_for_openssl(app: &App, identifier: &str, name: &str) -> std::path::PathBuf {
    let record = app.store.certificate(identifier).await.unwrap().unwrap();
    let (ca, _) = app.store.seal_authority().await.unwrap().unwrap();
    let dir = app.dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, bytes) in yici_certificates::library::export::files(&record, &ca).unwrap() {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    let signer = dir.join("signer.pem");
    let pubkey = std::process::Command::new("openssl")
        .args(["x509", "-in", &signer.to_string_lossy(), "-pubkey", "-noout"])
        .output()
        .expect("openssl runs");
    assert!(pubkey.status.success());
    std::fs::write(dir.join("pub.pem"), &pubkey.stdout).unwrap();
    dir
}

/// Whether OpenSSL verifies the file `content` of the export in `dir` against the export's
/// signature, by exactly the documented command (pkeyutl, SM3, distid 1234567812345678).
pub fn openssl_verifies(dir: &std::path::Path, content: &str) -> bool {
    let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
    std::process::Command::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            &path("pub.pem"),
            "-in",
            &path(content),
            "-sigfile",
            &path("signature.der"),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
        ])
        .output()
        .expect("openssl runs")
        .status
        .success()
}
