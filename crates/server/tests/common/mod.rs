//! A demo-seeded application driven in-process, on SQLite or PostgreSQL.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;
use yici_server::demo::Credentials;
use yici_server::{AppState, ServerConfig};

pub mod certs;
use yici_store::Store;
use yici_store::testkit::{TempStore, temp_dir};

pub struct App {
    pub router: Router,
    pub state: AppState,
    pub store: Store,
    pub creds: Credentials,
    pub dir: PathBuf,
    _sqlite: Option<TempStore>,
}

/// A signed-in session: cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }
}

/// The demo's identity register and the people the tests sign in besides.
pub fn test_register() -> yici_server::identity::DevIdentityProvider {
    let company = yici_core::org::ApplicantId::parse("91350100M000100Y43").expect("valid credit code");
    yici_server::demo::identity_register().with(&company, "某某公司")
}

pub enum Backend {
    Sqlite,
    Postgres,
}

impl App {
    pub async fn start(backend: Backend) -> Option<App> {
        Self::start_with(backend, |_| {}).await
    }

    /// Start with adjusted server settings.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut ServerConfig)) -> Option<App> {
        Self::start_full(backend, adjust, Some(Arc::new(test_register()))).await
    }

    /// Start with adjusted settings and the given identity provider (`None`: none configured,
    /// as `yici serve` without `--demo`).
    pub async fn start_full(
        backend: Backend,
        adjust: impl FnOnce(&mut ServerConfig),
        identity: Option<Arc<dyn yici_server::identity::IdentityProvider>>,
    ) -> Option<App> {
        let (store, sqlite) = match backend {
            Backend::Sqlite => {
                let t = yici_store::testkit::sqlite().await;
                (t.store.clone(), Some(t))
            }
            Backend::Postgres => (yici_store::testkit::postgres().await?, None),
        };
        let mut app = Self::on_store(store, temp_dir("server"), adjust, identity).await;
        app._sqlite = sqlite;
        Some(app)
    }

    /// The demo app over an open store, with its files in `dir`.
    pub async fn on_store(
        store: Store,
        dir: PathBuf,
        adjust: impl FnOnce(&mut ServerConfig),
        identity: Option<Arc<dyn yici_server::identity::IdentityProvider>>,
    ) -> App {
        let creds = yici_server::demo::seed(&store, &dir).await.expect("demo seeds");
        let mut config = ServerConfig {
            body_limit: 64 * 1024,
            // The tests' webhook subscribers listen on loopback.
            webhook_allow: vec!["127.0.0.1".into()],
            objects: Some(yici_objects::Objects::local(&dir.join("objects")).expect("an object directory")),
            ..ServerConfig::default()
        };
        adjust(&mut config);
        let state = AppState::new(store.clone(), config, identity);
        App {
            router: yici_server::router(state.clone()),
            state,
            store,
            creds,
            dir,
            _sqlite: None,
        }
    }

    pub fn password(&self, role: &str) -> String {
        self.creds
            .users
            .iter()
            .find(|u| u.role == role)
            .expect("demo has every role")
            .password
            .clone()
    }

    pub fn token(&self, system: &str) -> String {
        self.creds
            .systems
            .iter()
            .find(|s| s.name == system)
            .expect("demo system")
            .token
            .clone()
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body reads");
        Response {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A JSON request, optionally in a session (with its CSRF header) or with a bearer token.
    pub async fn call(&self, method: Method, path: &str, auth: Auth<'_>, body: Option<Value>) -> Response {
        let mut b = Request::builder().method(method).uri(path);
        match auth {
            Auth::None => {}
            Auth::Session(s) => {
                b = b
                    .header(header::COOKIE, format!("yici_session={}", s.cookie))
                    .header("x-csrf-token", &s.csrf);
            }
            Auth::Bearer(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.expect("request builds")).await
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Response {
        self.call(Method::GET, path, auth, None).await
    }

    /// Sign in as the demo user of `role`.
    pub async fn login(&self, role: &str) -> Session {
        let username = self
            .creds
            .users
            .iter()
            .find(|u| u.role == role)
            .unwrap()
            .username
            .clone();
        self.login_as(&username, &self.password(role))
            .await
            .expect("demo user signs in")
    }

    /// The audit entries of `action` (about `subject`, when given), newest first.
    pub async fn logged(&self, action: &str, subject: Option<&str>) -> Vec<yici_store::audit::LoggedEntry> {
        let filter = yici_store::audit::AuditFilter {
            action: Some(action.into()),
            subject: subject.map(str::to_string),
            ..Default::default()
        };
        self.store.audit_search(&filter, yici_store::Page::all()).await.unwrap()
    }

    /// The catalogue resource with exactly this name (found through the search, as users do).
    pub async fn resource(&self, name: &str) -> yici_store::catalogue::SearchHit {
        let filter = yici_store::catalogue::CatalogueFilter {
            query: Some(name.into()),
            ..Default::default()
        };
        let (hits, _) = self
            .store
            .catalogue_search(&filter, yici_store::Page::all())
            .await
            .unwrap();
        hits.into_iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("no resource named {name}"))
    }

    /// Sign in as the data steward of the demo police department (created on first use).
    pub async fn police_steward(&self) -> Session {
        self.steward_of("330000", "MB000103", "police.steward").await
    }

    /// Sign in as a new data steward `username` of the demo department with organisation code
    /// body `org` in `region`.
    pub async fn steward_of(&self, region: &str, org: &str, username: &str) -> Session {
        self.staff_of(yici_core::org::Role::DataSteward, region, org, username)
            .await
    }

    /// Sign in as a new user `username` holding `role` in the demo department with organisation
    /// code body `org` in `region`.
    pub async fn staff_of(&self, role: yici_core::org::Role, region: &str, org: &str, username: &str) -> Session {
        let dept = self
            .store
            .department_by_uscc(yici_core::id::Uscc::generate("11", region, org).unwrap().as_str())
            .await
            .unwrap()
            .unwrap();
        let ev = yici_core::audit::AuditEvent::new(
            0,
            yici_core::audit::Actor::named("test"),
            yici_core::audit::Action::UserCreate,
            "user",
            "t",
        );
        let u = self
            .store
            .create_user(
                &yici_store::users::NewUser {
                    username,
                    display_name: "数据管理员",
                    password_hash: &yici_crypto::password::hash("Steward-2026-pw"),
                    department_id: Some(dept.id),
                },
                &ev,
            )
            .await
            .unwrap();
        self.store
            .grant_role(
                u.id,
                role,
                &yici_core::org::Scope::Department {
                    department_id: dept.id,
                    region: dept.region(),
                },
                &ev,
            )
            .await
            .unwrap();
        self.login_as(username, "Steward-2026-pw").await.unwrap()
    }

    pub async fn login_as(&self, username: &str, password: &str) -> Option<Session> {
        let body = serde_json::json!({"username": username, "password": password});
        let res = self.call(Method::POST, "/api/v1/session", Auth::None, Some(body)).await;
        session_of(&res)
    }

    /// Sign in as a citizen or company through the (development) identity provider.
    /// Sign in as the demo user `username` (the roles' second users, such as `approver_tax`).
    pub async fn demo_user(&self, username: &str) -> Session {
        let password = self
            .creds
            .users
            .iter()
            .find(|u| u.username == username)
            .unwrap_or_else(|| panic!("demo user {username}"))
            .password
            .clone();
        self.login_as(username, &password).await.expect("demo user signs in")
    }

    pub async fn login_applicant(&self, number: &str, name: &str) -> Session {
        let body = serde_json::json!({"id_number": number, "name": name});
        let res = self
            .call(Method::POST, "/api/v1/session/applicant", Auth::None, Some(body))
            .await;
        session_of(&res).unwrap_or_else(|| panic!("applicant signs in: {}", res.text))
    }

    /// Seed the demo certificate library (types, seals, the demo holders' certificates).
    pub async fn seed_certificates(&self) -> usize {
        yici_server::demo::certificates::seed(&self.state)
            .await
            .expect("demo certificates seed")
    }

    /// A browser form post without a session (the sign-in pages).
    pub async fn form_anonymous(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body.join("&")))
            .unwrap();
        self.send(req).await
    }

    /// A browser form post in a session (CSRF token in the form).
    pub async fn form(&self, path: &str, session: &Session, fields: &[(&str, &str)]) -> Response {
        let mut body: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
        body.push(format!("csrf_token={}", enc(&session.csrf)));
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, format!("yici_session={}", session.cookie))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body.join("&")))
            .unwrap();
        self.send(req).await
    }

    /// The raw body of a GET in a session (PDFs, images).
    pub async fn bytes(&self, path: &str, session: &Session) -> (StatusCode, Vec<u8>) {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, format!("yici_session={}", session.cookie))
            .body(Body::empty())
            .unwrap();
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body reads");
        (status, body.to_vec())
    }

    /// A file uploaded as the request body in a session (imports).
    pub async fn upload(&self, path: &str, session: &Session, body: impl Into<Vec<u8>>) -> Response {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, format!("yici_session={}", session.cookie))
            .header("x-csrf-token", &session.csrf)
            .body(Body::from(body.into()))
            .unwrap();
        self.send(req).await
    }

    pub async fn page(&self, path: &str, session: Option<&Session>) -> Response {
        let mut b = Request::builder().uri(path).header(header::ACCEPT, "text/html");
        if let Some(s) = session {
            b = b.header(header::COOKIE, format!("yici_session={}", s.cookie));
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn department_id(&self, name_part: &str) -> i64 {
        let res = self
            .store
            .list_departments(None, yici_store::Page::all())
            .await
            .unwrap();
        res.into_iter()
            .find(|d| d.name.contains(name_part))
            .expect("demo department")
            .id
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The session a successful sign-in answer sets.
pub fn session_of(res: &Response) -> Option<Session> {
    if res.status != StatusCode::OK {
        return None;
    }
    let cookie = res
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("yici_session="))
        .map(|v| v.split(';').next().unwrap().to_string())?;
    Some(Session {
        cookie,
        csrf: res.json()["csrf_token"].as_str()?.to_string(),
    })
}

#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Session(&'a Session),
    Bearer(&'a str),
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Define a test run against a demo app on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::common::App::start($crate::common::Backend::Sqlite)
                    .await
                    .unwrap();
                super::$name(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::common::App::start($crate::common::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    };
}

/// Define a test run against a demo app on SQLite and on PostgreSQL, on a clock the test moves
/// (`app.state.window.clock`), starting a few minutes ahead of the real time: the seals made
/// while seeding are valid from the real time.
#[macro_export]
macro_rules! on_both_at_a_fixed_clock {
    ($name:ident) => {
        mod $name {
            async fn start(backend: $crate::common::Backend) -> Option<$crate::common::App> {
                $crate::common::App::start_with(backend, |c| {
                    c.clock = yici_core::clock::Clock::fixed(yici_store::now_micros() + 300_000_000)
                })
                .await
            }
            #[tokio::test]
            async fn sqlite() {
                super::$name(start($crate::common::Backend::Sqlite).await.unwrap()).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = start($crate::common::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    };
}

/// Decode the QR code in an SVG made by the `qrcode` crate (modules drawn as `M x y h w v h`
/// rectangles of a path): rasterise the rectangles and read them with a QR decoder.
pub fn decode_qr_svg(svg: &str) -> String {
    let view = svg.split("viewBox=\"").nth(1).expect("a viewBox");
    let dims: Vec<usize> = view
        .split('"')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let (w, h) = (dims[2], dims[3]);
    let mut black = vec![false; w * h];
    let d = svg.split(" d=\"").nth(1).expect("a path").split('"').next().unwrap();
    for rect in d.split('M').filter(|r| !r.is_empty()) {
        // "x yhWvHHxVy"
        let (xy, rest) = rect.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (width, rest) = rest.split_once('v').unwrap();
        let height = rest.split('H').next().unwrap();
        let (x, y, width, height): (usize, usize, usize, usize) = (
            x.parse().unwrap(),
            y.parse().unwrap(),
            width.parse().unwrap(),
            height.parse().unwrap(),
        );
        for yy in y..y + height {
            for xx in x..x + width {
                black[yy * w + xx] = true;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| if black[y * w + x] { 0 } else { 255 });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("the QR code decodes").1
}

/// The first inline SVG of a page.
pub fn first_svg(html: &str) -> String {
    let start = html.find("<svg").expect("an SVG in the page");
    let end = html[start..].find("</svg>").expect("a closed SVG") + start + "</svg>".len();
    html[start..end].to_string()
}

/// Whether a tool the PDF tests need is installed; with `YICI_REQUIRE_SERVICES=1` a missing
/// tool fails the test instead.
pub fn have_tool(name: &str) -> bool {
    let ok = std::process::Command::new(name)
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    if !ok {
        assert!(
            std::env::var("YICI_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "{name} (poppler-utils) is required"
        );
        eprintln!("{name} not installed: skipping the PDF checks that need it");
    }
    ok
}

/// The text of a PDF, by `pdftotext`.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = temp_dir("pdf");
    std::fs::write(dir.join("a.pdf"), pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "a.pdf", "-"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The QR code on a PDF's first page: rendered in grey by `pdftoppm`, read by a QR decoder.
pub fn pdf_qr(pdf: &[u8]) -> String {
    let dir = temp_dir("pdfqr");
    std::fs::write(dir.join("a.pdf"), pdf).unwrap();
    let ok = std::process::Command::new("pdftoppm")
        .args(["-gray", "-r", "150", "-singlefile", "a.pdf", "page"])
        .current_dir(&dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "pdftoppm renders the PDF");
    let pgm = std::fs::read(dir.join("page.pgm")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    // P5 <w> <h> <max>\n<bytes>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(pgm[start..at].to_vec()).unwrap());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &pgm[at + 1..];
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().expect("the QR code decodes").1
}

/// The NATS server of the tests, or `None` (with a notice) when it is not running and
/// `YICI_REQUIRE_SERVICES` is not 1.
pub async fn test_nats() -> Option<String> {
    let url = std::env::var("YICI_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let addr = url.trim_start_matches("nats://").to_string();
    if tokio::net::TcpStream::connect(&addr).await.is_ok() {
        return Some(url);
    }
    if std::env::var("YICI_REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!("YICI_REQUIRE_SERVICES=1 but no NATS server answers at {url}");
    }
    eprintln!("NATS tests skipped: no NATS server at {url} (set YICI_REQUIRE_SERVICES=1 to require it)");
    None
}
