//! The problem-document extractors against hostile input: arbitrary bodies (JSON, forms),
//! queries and path segments, with and without the right content type, sent to endpoints of
//! every kind of extractor. Every answer is a success or a client error written as a problem
//! document, never a 5xx or a panic.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, header};
use common::App;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Text that stresses parsers: arbitrary characters, JSON fragments, deep nesting, huge and
/// odd numbers, percent signs and separators.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,64}",
        proptest::collection::vec(
            proptest::sample::select(vec![
                "{",
                "}",
                "[",
                "]",
                "\"",
                ":",
                ",",
                "null",
                "true",
                "1e309",
                "-0",
                "18446744073709551616",
                "\\u0000",
                "\\ud800",
                "你",
                "%",
                "%FF",
                "&",
                "=",
                "+",
                "name",
                "code",
                "region_code",
                "days",
            ]),
            0..40
        )
        .prop_map(|parts| parts.concat()),
        (1usize..3000).prop_map(|n| "[".repeat(n)),
        Just(String::new()),
    ]
}

fn encode(s: &str) -> String {
    common::enc(s)
}

#[derive(Debug, Clone)]
enum Case {
    Json(&'static str, String, bool),
    Query(&'static str, String),
    Path(&'static str, String),
    Form(&'static str, String, bool),
}

fn case() -> impl Strategy<Value = Case> {
    let json_targets = proptest::sample::select(vec![
        "/api/v1/departments",
        "/api/v1/regions",
        "/api/v1/calendar/clock",
        "/api/v1/session/applicant",
        "/api/v1/users",
        "/api/v1/certificates",
    ]);
    let query_targets = proptest::sample::select(vec![
        "/api/v1/audit/entries",
        "/api/v1/calendar/add-working-days",
        "/api/v1/catalogue/resources",
        "/api/v1/applicants",
        "/api/v1/certificates",
        "/api/v1/ids/check",
    ]);
    let path_targets = proptest::sample::select(vec![
        "/api/v1/users/",
        "/api/v1/regions/",
        "/api/v1/certificates/",
        "/api/v1/departments/",
        "/api/v1/exchange/101001/",
    ]);
    let form_targets = proptest::sample::select(vec!["/login", "/login/applicant", "/admin/departments"]);
    prop_oneof![
        (json_targets, hostile(), any::<bool>()).prop_map(|(t, b, typed)| Case::Json(t, b, typed)),
        (query_targets, hostile()).prop_map(|(t, q)| Case::Query(t, q)),
        (path_targets, hostile()).prop_map(|(t, p)| Case::Path(t, p)),
        (form_targets, hostile(), any::<bool>()).prop_map(|(t, b, typed)| Case::Form(t, b, typed)),
    ]
}

fn request(case: &Case, session: &common::Session) -> Request<Body> {
    let cookie = format!("yici_session={}", session.cookie);
    let b = Request::builder()
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &session.csrf);
    match case {
        Case::Json(path, body, typed) => {
            let b = b.method(Method::POST).uri(*path);
            let b = if *typed {
                b.header(header::CONTENT_TYPE, "application/json")
            } else {
                b
            };
            b.body(Body::from(body.clone())).unwrap()
        }
        Case::Query(path, q) => {
            // Raw (often invalid) and encoded forms both.
            let uri = format!(
                "{path}?{}",
                if q.len() % 2 == 0 {
                    encode(q)
                } else {
                    q.replace(' ', "%20")
                }
            );
            match b.method(Method::GET).uri(uri.as_str()).body(Body::empty()) {
                Ok(r) => r,
                Err(_) => Request::get(format!("{path}?{}", encode(q)))
                    .body(Body::empty())
                    .unwrap(),
            }
        }
        Case::Path(prefix, p) => {
            let seg = encode(p);
            b.method(Method::GET)
                .uri(format!("{prefix}{seg}"))
                .body(Body::empty())
                .unwrap()
        }
        Case::Form(path, body, typed) => {
            let b = b.method(Method::POST).uri(*path);
            let b = if *typed {
                b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            } else {
                b
            };
            b.body(Body::from(format!("csrf_token={}&{body}", session.csrf)))
                .unwrap()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_a_problem_document_never_a_server_error() {
    let app = App::start(common::Backend::Sqlite).await.unwrap();
    let operator = app.login("operator").await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 600,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case(), |case| {
        let res = tokio::task::block_in_place(|| handle.block_on(app.send(request(&case, &operator))));
        prop_assert!(!res.status.is_server_error(), "{case:?} -> {} {}", res.status, res.text);
        if res.status.is_client_error() {
            let html = res
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if !html {
                let problem: serde_json::Value = serde_json::from_str(&res.text)
                    .map_err(|_| TestCaseError::fail(format!("{case:?}: not a problem document: {}", res.text)))?;
                prop_assert!(problem["code"].is_string(), "{case:?}: {}", res.text);
                prop_assert_eq!(problem["status"].as_u64(), Some(res.status.as_u16() as u64));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
