//! Applicant sign-in through an OpenID Connect identity platform, against a real OpenID
//! Provider (`oidc-provider` from npm, in `tests/oidc-op`), started here for each test: the
//! authorization-code flow with PKCE, the ID number taken from the configured claim, nothing
//! signed in when the provider does not vouch for a valid number, and no applicant renamed.
//!
//! The provider needs Node.js and `npm ci` in `tests/oidc-op`; without them the tests print a
//! notice and pass, unless `YICI_REQUIRE_SERVICES=1` (as in `.ci/run`) makes that a failure.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use bytes::Bytes;
use common::{App, Backend};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const CLIENT_ID: &str = "yici";
const CLIENT_SECRET: &str = "test-client-secret-of-yici";
const REDIRECT: &str = "http://127.0.0.1:8080/login/applicant/oidc/callback";

/// The accounts of the test provider: two people holding 张三's number (the second name is
/// not his: the provider vouches, but the name on record stays), one with another valid
/// number, one with an invalid number and one without any.
const ACCOUNTS: &str = r#"{
  "zhangsan": {"id_number": "11010519491231002X", "name": "张三"},
  "impostor": {"id_number": "11010519491231002X", "name": "冒名者"},
  "lisi": {"id_number": "330106198001010013", "name": "李四"},
  "broken": {"id_number": "1234567890123456你", "name": "坏号码"},
  "carol": {"name": "无证件"}
}"#;

struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn op_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-op")
}

/// Start the test provider, or explain why not (and fail when services are required).
fn start_provider(alg: &str) -> Option<Provider> {
    let required = std::env::var("YICI_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let installed = op_dir().join("node_modules/oidc-provider").exists();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed || !node {
        let why = "the test OpenID Provider needs Node.js and `npm ci` in tests/oidc-op";
        assert!(!required, "{why} (YICI_REQUIRE_SERVICES=1)");
        eprintln!("skipped: {why}");
        return None;
    }
    let mut child = Command::new("node")
        .arg("op.mjs")
        .arg("0")
        .current_dir(op_dir())
        .env("OP_CLIENT_ID", CLIENT_ID)
        .env("OP_CLIENT_SECRET", CLIENT_SECRET)
        .env("OP_REDIRECT_URIS", REDIRECT)
        .env("OP_ID_TOKEN_ALG", alg)
        .env("OP_ACCOUNTS", ACCOUNTS)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(issuer) = line.strip_prefix("OP_READY ") {
                let _ = tx.send(issuer.trim().to_string());
            }
        }
    });
    let issuer = rx.recv_timeout(Duration::from_secs(30)).expect("the provider starts");
    Some(Provider { child, issuer })
}

async fn app_with(backend: Backend, provider: &Provider) -> Option<App> {
    let app = App::start_full(backend, |_| {}, None).await?;
    let config = yici_server::yici_oidc::Config {
        issuer: provider.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_url: REDIRECT.into(),
        scopes: vec!["profile".into(), "id_number".into()],
        id_claim: "id_number".into(),
        name_claim: "name".into(),
    };
    let discovered = yici_server::yici_oidc::Provider::discover(config)
        .await
        .expect("the provider is discovered");
    app.state.oidc.set(Arc::new(discovered)).expect("set once");
    Some(app)
}

/// A browser's cookie jar, by name (cookies of one host; paths are not told apart).
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn take(&mut self, headers: &axum::http::HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let pair = v.to_str().unwrap_or("").split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                self.0.retain(|(n, _)| n != name);
                if !value.is_empty() {
                    self.0.push((name.to_string(), value.to_string()));
                }
            }
        }
    }
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn location(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::LOCATION)
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_string()
}

/// Walk the provider's pages as a browser would, logging in as `login`; returns the address
/// the provider sends the browser back to.
async fn at_provider(issuer: &str, start: &str, login: &str) -> String {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut jar = Jar::default();
    let mut send = async |method: Method, url: String, body: Option<String>| {
        let mut b = Request::builder()
            .method(method)
            .uri(&url)
            .header(header::COOKIE, jar.header());
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let res = client
            .request(b.body(Full::new(Bytes::from(body.unwrap_or_default()))).unwrap())
            .await
            .expect("the provider answers");
        jar.take(res.headers());
        let status = res.status();
        let headers = res.headers().clone();
        let _ = res.into_body().collect().await;
        assert!(status.is_redirection(), "{url} answered {status}");
        let to = location(&headers);
        if to.starts_with('/') {
            format!("{issuer}{to}")
        } else {
            to
        }
    };
    let interaction = send(Method::GET, start.to_string(), None).await;
    let resume = send(
        Method::POST,
        interaction,
        Some(format!("prompt=login&login={login}&password=x")),
    )
    .await;
    send(Method::GET, resume, None).await
}

/// The whole sign-in as `login`: Yici's start page, the provider, Yici's callback.
async fn sign_in(app: &App, provider: &Provider, login: &str) -> (common::Response, Jar) {
    let started = app
        .send(Request::get("/login/applicant/oidc").body(Body::empty()).unwrap())
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
    let mut jar = Jar::default();
    jar.take(&started.headers);
    assert!(jar.get("yici_oidc").is_some(), "the pending login is kept in a cookie");
    let to_provider = location(&started.headers);
    assert!(to_provider.starts_with(&provider.issuer), "{to_provider}");
    assert!(to_provider.contains("code_challenge_method=S256"), "{to_provider}");
    let back = at_provider(&provider.issuer, &to_provider, login).await;
    let path_and_query = back.strip_prefix("http://127.0.0.1:8080").expect("our callback");
    let res = app
        .send(
            Request::get(path_and_query)
                .header(header::COOKIE, jar.header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let mut session = Jar::default();
    session.take(&res.headers);
    (res, session)
}

async fn applicants_sign_in_through_the_identity_platform(backend: Backend, alg: &str) {
    let Some(provider) = start_provider(alg) else { return };
    let Some(app) = app_with(backend, &provider).await else {
        return;
    };

    // 张三 signs in: the session is his, masked, and the pending-login cookie is cleared.
    let (res, jar) = sign_in(&app, &provider, "zhangsan").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(location(&res.headers), "/me/certificates");
    let session = jar.get("yici_session").expect("a session cookie");
    let me = app
        .send(
            Request::get("/api/v1/session")
                .header(header::COOKIE, format!("yici_session={session}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(me["kind"], "applicant");
    assert_eq!(me["applicant"], "110105********002X");
    let number = yici_core::org::ApplicantId::parse("11010519491231002X").unwrap();
    assert_eq!(
        app.store.applicant_by_number(&number).await.unwrap().unwrap().name,
        "张三"
    );

    // The platform vouches for the number under another name: signed in, but not renamed.
    let (res, jar) = sign_in(&app, &provider, "impostor").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert!(jar.get("yici_session").is_some());
    assert_eq!(
        app.store.applicant_by_number(&number).await.unwrap().unwrap().name,
        "张三"
    );

    // No number, or an invalid one: nobody is signed in.
    for login in ["carol", "broken"] {
        let (res, jar) = sign_in(&app, &provider, login).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{login}: {}", res.text);
        assert_eq!(res.code(), "identity_incomplete");
        assert!(jar.get("yici_session").is_none(), "{login}");
    }

    // A callback that was not started here, or with another state, is refused.
    let res = app
        .send(
            Request::get("/login/applicant/oidc/callback?code=x&state=y")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.code(), "sign_in_expired");
    let started = app
        .send(Request::get("/login/applicant/oidc").body(Body::empty()).unwrap())
        .await;
    let mut pending = Jar::default();
    pending.take(&started.headers);
    let back = at_provider(&provider.issuer, &location(&started.headers), "lisi").await;
    let forged = back.replace("state=", "state=x");
    let res = app
        .send(
            Request::get(forged.strip_prefix("http://127.0.0.1:8080").unwrap())
                .header(header::COOKIE, pending.header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.code(), "sign_in_expired", "{}", res.text);

    // The number-and-name form of the demo is not a way in here.
    let res = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            common::Auth::None,
            Some(serde_json::json!({"id_number": "11010519491231002X", "name": "张三"})),
        )
        .await;
    assert_eq!(res.code(), "use_identity_platform");
    let page = app.page("/login/applicant", None).await;
    assert!(page.text.contains("/login/applicant/oidc"), "{}", page.text);
    assert!(
        !page.text.contains("name=\"id_number\""),
        "no number form without a register"
    );
}

#[tokio::test]
async fn applicants_sign_in_through_the_identity_platform_sqlite() {
    applicants_sign_in_through_the_identity_platform(Backend::Sqlite, "RS256").await;
}

#[tokio::test]
async fn applicants_sign_in_through_the_identity_platform_postgres() {
    applicants_sign_in_through_the_identity_platform(Backend::Postgres, "RS256").await;
}

#[tokio::test]
async fn id_tokens_signed_with_es256_are_accepted() {
    applicants_sign_in_through_the_identity_platform(Backend::Sqlite, "ES256").await;
}
