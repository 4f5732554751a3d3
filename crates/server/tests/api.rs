//! What the API promises: problem documents for bad input that write nothing, sessions with
//! CSRF protection, tokens that stop working when revoked, masked applicant data, the OpenAPI
//! document, operations endpoints, and pages that keep the user's input on errors.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, Auth};
use serde_json::json;
use yici_core::id::Uscc;

fn uscc(org: &str) -> String {
    Uscc::generate("11", "330000", org).unwrap().to_string()
}

async fn department_count(app: &App) -> usize {
    app.store
        .list_departments(None, yici_store::Page::all())
        .await
        .unwrap()
        .len()
}

async fn bad_input_gets_a_problem_and_writes_nothing(app: App) {
    let op = app.login("operator").await;
    let before = department_count(&app).await;
    let s = Auth::Session(&op);

    // Malformed JSON.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/departments")
        .header(header::COOKIE, format!("yici_session={}", op.cookie))
        .header("x-csrf-token", &op.csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.code(), "bad_request");
    assert_eq!(res.headers[header::CONTENT_TYPE], "application/problem+json");

    // Wrong content type.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/departments")
        .header(header::COOKIE, format!("yici_session={}", op.cookie))
        .header("x-csrf-token", &op.csrf)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Oversized body (the test server allows 64 KiB).
    let big = json!({"name": "x".repeat(100_000), "uscc": "", "region_code": "", "kind": ""});
    let res = app.call(Method::POST, "/api/v1/departments", s, Some(big)).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.code(), "payload_too_large");

    // Every invalid field is named, with where and why.
    let bad = json!({"name": "", "uscc": "91350100M000100Y44", "region_code": "339999", "kind": "ministry"});
    let res = app.call(Method::POST, "/api/v1/departments", s, Some(bad)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.json();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "uscc", "region_code", "kind"]);
    assert!(
        body["errors"][1]["message"].as_str().unwrap().contains("第18位"),
        "{body}"
    );

    // Missing fields.
    let res = app
        .call(Method::POST, "/api/v1/departments", s, Some(json!({"name": "x"})))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Duplicate credit code.
    let dup = json!({"name": "重复", "uscc": uscc("MB000102"), "region_code": "330000", "kind": "government"});
    let res = app.call(Method::POST, "/api/v1/departments", s, Some(dup)).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.code(), "conflict");

    // Unknown parent department.
    let orphan = json!({"name": "孤儿", "uscc": uscc("MB000301"), "region_code": "330000", "parent_id": 999999, "kind": "government"});
    assert_eq!(
        app.call(Method::POST, "/api/v1/departments", s, Some(orphan))
            .await
            .status,
        StatusCode::CONFLICT
    );

    assert_eq!(department_count(&app).await, before, "nothing was written");

    // Path and query parameters of the wrong type, unknown ids and routes, wrong methods.
    assert_eq!(app.get("/api/v1/departments/abc", s).await.code(), "bad_request");
    assert_eq!(
        app.get("/api/v1/departments/999999", s).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/departments?limit=x", s).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.get("/api/v1/no-such-thing", s).await.code(), "not_found");
    assert_eq!(
        app.call(Method::PATCH, "/api/v1/regions", s, None).await.code(),
        "method_not_allowed"
    );
    assert_eq!(
        app.get("/api/v1/calendar/add-working-days?from=2026-13-01&days=1", s)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let res = app
        .get("/api/v1/calendar/add-working-days?from=2026-12-20&days=30", s)
        .await;
    assert_eq!(res.code(), "calendar_year_missing");
    assert!(res.json()["detail"].as_str().unwrap().contains("2027"));

    // Regions, users, systems, tokens, calendar years: each family refuses bad input.
    let res = app
        .call(
            Method::POST,
            "/api/v1/regions",
            s,
            Some(json!({"code": "3301", "name": "x"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .call(
            Method::POST,
            "/api/v1/regions",
            s,
            Some(json!({"code": "330302001000", "name": "五马街道"})),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "its county 330302 is not registered: {}",
        res.text
    );
    let res = app
        .call(
            Method::POST,
            "/api/v1/users",
            s,
            Some(json!({"username": "Bad Name", "display_name": "", "password": "short"})),
        )
        .await;
    assert_eq!(res.json()["errors"].as_array().unwrap().len(), 3);
    let res = app
        .call(
            Method::POST,
            "/api/v1/users",
            s,
            Some(json!({"username": "operator", "display_name": "重名", "password": "Another-2026-pw"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let market = app.department_id("市场监督管理局").await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/departments/{market}/systems"),
            s,
            Some(json!({"name": "市场主体登记系统"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/systems/{system}/tokens"),
            s,
            Some(json!({"valid_days": 5000})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut year = yici_core::calendar::YearSchedule::shipped().remove(1);
    let res = app
        .call(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            s,
            Some(serde_json::to_value(&year).unwrap()),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "year in body differs from path"
    );
    year.workdays.push("2026-03-02".parse().unwrap());
    let res = app
        .call(
            Method::PUT,
            "/api/v1/calendar/years/2026",
            s,
            Some(serde_json::to_value(&year).unwrap()),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a Monday is not a make-up day"
    );
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{}/roles", 1),
            s,
            Some(json!({"role": "root", "region_code": "330000"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{}/roles", 1),
            s,
            Some(json!({"role": "approver"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "a role needs a scope");
    let res = app.get("/api/v1/ids/check?value=110101199001011234", s).await;
    assert_eq!(res.code(), "invalid_identifier");
    assert!(res.json()["detail"].as_str().unwrap().contains("应为“7”"));
}
on_both!(bad_input_gets_a_problem_and_writes_nothing);

async fn problems_speak_english_on_request(app: App) {
    let req = Request::builder()
        .uri("/api/v1/regions")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.json()["detail"], "Sign-in required");
    assert_eq!(
        app.get("/api/v1/regions?lang=en", Auth::None).await.json()["detail"],
        "Sign-in required"
    );
    assert_eq!(
        app.get("/api/v1/regions", Auth::None).await.json()["detail"],
        "请先登录"
    );
}
on_both!(problems_speak_english_on_request);

async fn cookie_sessions_need_the_csrf_token(app: App) {
    let op = app.login("operator").await;
    let before = department_count(&app).await;
    let body = json!({"name": "浙江省教育厅", "uscc": uscc("MB000201"), "region_code": "330000", "kind": "government"});
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/departments")
        .header(header::COOKIE, format!("yici_session={}", op.cookie))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.code(), "csrf_failed");
    let forged = app
        .form(
            "/admin/departments",
            &common::Session {
                cookie: op.cookie.clone(),
                csrf: "c_forged".into(),
            },
            &[("name", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(department_count(&app).await, before);
    let ok = app
        .call(Method::POST, "/api/v1/departments", Auth::Session(&op), Some(body))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    assert_eq!(department_count(&app).await, before + 1);
}
on_both!(cookie_sessions_need_the_csrf_token);

async fn sign_in_rules(app: App) {
    assert!(app.login_as("operator", "wrong-password-1").await.is_none());
    assert!(app.login_as("nobody", "wrong-password-1").await.is_none());
    let res = app
        .call(
            Method::POST,
            "/api/v1/session",
            Auth::None,
            Some(json!({"username": "operator", "password": "x"})),
        )
        .await;
    assert_eq!(res.code(), "invalid_credentials");
    let op = app.login("operator").await;
    let me = app.get("/api/v1/session", Auth::Session(&op)).await.json();
    assert_eq!(me["kind"], "user");
    assert_eq!(me["roles"][0]["role"], "operator");
    // Disabling an account ends its sessions and blocks sign-in.
    let approver = app.login("approver").await;
    let id = app.store.user_credentials("approver").await.unwrap().unwrap().0.id;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{id}/disabled"),
            Auth::Session(&op),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/session", Auth::Session(&approver)).await.json()["kind"],
        "anonymous"
    );
    assert!(app.login_as("approver", &app.password("approver")).await.is_none());
    // A revoked role is gone from the holder's very next request (sessions are kept in memory
    // only while nothing has changed).
    let supervisor = app.login("supervisor").await;
    let supervisor_id = app.store.user_credentials("supervisor").await.unwrap().unwrap().0.id;
    let before = app.get("/api/v1/session", Auth::Session(&supervisor)).await.json();
    assert_eq!(before["roles"].as_array().map(Vec::len), Some(1), "{before}");
    let role = app.store.user_roles(supervisor_id).await.unwrap()[0].id;
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{supervisor_id}/roles/{role}"),
            Auth::Session(&op),
            None,
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text);
    let after = app.get("/api/v1/session", Auth::Session(&supervisor)).await.json();
    assert_eq!(after["roles"].as_array().map(Vec::len), Some(0), "{after}");
    let me_id = app.store.user_credentials("operator").await.unwrap().unwrap().0.id;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{me_id}/disabled"),
            Auth::Session(&op),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // Signing out needs the session's CSRF token like any other change.
    let no_csrf = axum::http::Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/session")
        .header(header::COOKIE, format!("yici_session={}", op.cookie))
        .body(Body::empty())
        .unwrap();
    let res = app.send(no_csrf).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    assert_eq!(
        app.get("/api/v1/session", Auth::Session(&op)).await.json()["kind"],
        "user"
    );
    // Signing out ends the session.
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/session", Auth::Session(&op), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/regions", Auth::Session(&op)).await.status,
        StatusCode::UNAUTHORIZED
    );
}
on_both!(sign_in_rules);

async fn system_tokens_are_shown_once_and_stop_working_when_revoked(app: App) {
    let op = app.login("operator").await;
    let market = app.department_id("市场监督管理局").await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/departments/{market}/systems"),
            Auth::Session(&op),
            Some(json!({"name": "年报系统", "description": "企业年报"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let system = res.json()["id"].as_i64().unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/systems/{system}/tokens"),
            Auth::Session(&op),
            Some(json!({})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let issued = res.json();
    let token = issued["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("yici_sys_"));
    assert_eq!(
        app.get("/api/v1/regions", Auth::Bearer(&token)).await.status,
        StatusCode::OK
    );
    // The scheme name is case-insensitive (RFC 9110).
    for scheme in ["bearer", "BEARER"] {
        let req = axum::http::Request::builder()
            .uri("/api/v1/regions")
            .header(header::AUTHORIZATION, format!("{scheme} {token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::OK, "{scheme}");
    }
    let listed = app
        .get(&format!("/api/v1/systems/{system}/tokens"), Auth::Session(&op))
        .await;
    assert!(!listed.text.contains(&token), "the token is never shown again");
    let token_id = issued["record"]["id"].as_i64().unwrap();
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/systems/{system}/tokens/{token_id}"),
            Auth::Session(&op),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = app.get("/api/v1/regions", Auth::Bearer(&token)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.code(), "invalid_token");
    // The refusal is in the audit log, with the address called and without the token.
    let refused = app.logged("access.refuse", None).await;
    let entry = &refused
        .iter()
        .find(|e| e.content.object_type == "system_token")
        .expect("the refused token is recorded")
        .content;
    assert_eq!(entry.object_ids, vec!["/api/v1/regions".to_string()]);
    assert_eq!(entry.outcome, yici_core::audit::Outcome::Refused);
    let stored = String::from_utf8(entry.canonical()).unwrap();
    assert!(!stored.contains(&token[10..]), "the token is never logged");
    // A token cannot be used to manage anything.
    let demo = app.token("市场主体登记系统");
    assert_eq!(
        app.call(
            Method::POST,
            "/api/v1/regions",
            Auth::Bearer(&demo),
            Some(json!({"code": "330102", "name": "上城区"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
on_both!(system_tokens_are_shown_once_and_stop_working_when_revoked);

async fn applicants_sign_in_through_the_identity_provider(app: App) {
    let res = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            Auth::None,
            Some(json!({"id_number": "11010519491231002X", "name": "张三"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["applicant"], "110105********002X");
    let res = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            Auth::None,
            Some(json!({"id_number": "110101199001011234", "name": "李四"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "id_number");
    let res = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            Auth::None,
            Some(json!({"id_number": "11010519491231002X", "name": "12345"})),
        )
        .await;
    assert_eq!(res.code(), "identity_mismatch");
    // Someone else's name with 张三's number is refused, and 张三's name stays on record.
    let res = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            Auth::None,
            Some(json!({"id_number": "11010519491231002X", "name": "李四"})),
        )
        .await;
    assert_eq!(res.code(), "identity_mismatch");
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let number = yici_core::org::ApplicantId::parse("11010519491231002X").unwrap();
    assert_eq!(
        app.store.applicant_by_number(&number).await.unwrap().unwrap().name,
        "张三"
    );
    // The window clerk finds the applicant, masked.
    let clerk = app.login("window_clerk").await;
    let found = app
        .get("/api/v1/applicants?number=11010519491231002X", Auth::Session(&clerk))
        .await
        .json();
    assert_eq!(found["number"], "110105********002X");
    assert_eq!(found["name"], "张*");
    let stranger = yici_core::id::CitizenId::with_check("11010119900307051").unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/applicants?number={stranger}"), Auth::Session(&clerk))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
on_both!(applicants_sign_in_through_the_identity_provider);

/// `yici serve` without `--demo` and without an identity platform: nobody signs in as an
/// applicant, whatever number and name they give, and the answer says why.
async fn without_an_identity_provider_applicants_cannot_sign_in(backend: common::Backend) {
    let Some(app) = App::start_full(backend, |_| {}, None).await else {
        return;
    };
    for body in [
        json!({"id_number": "11010519491231002X", "name": "张三"}),
        json!({"id_number": "11010519491231002X", "name": "任何人"}),
    ] {
        let res = app
            .call(Method::POST, "/api/v1/session/applicant", Auth::None, Some(body))
            .await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.text);
        assert_eq!(res.code(), "identity_provider_not_configured");
        assert!(res.headers.get(header::SET_COOKIE).is_none());
    }
    let page = app
        .form_anonymous(
            "/login/applicant",
            &[("id_number", "11010519491231002X"), ("name", "张三")],
        )
        .await;
    assert!(page.text.contains("尚未接入实名认证"), "{}", page.text);
    assert!(page.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn without_an_identity_provider_applicants_cannot_sign_in_sqlite() {
    without_an_identity_provider_applicants_cannot_sign_in(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn without_an_identity_provider_applicants_cannot_sign_in_postgres() {
    without_an_identity_provider_applicants_cannot_sign_in(common::Backend::Postgres).await;
}

async fn calendar_arithmetic_and_added_years(app: App) {
    let op = app.login("operator").await;
    let s = Auth::Session(&op);
    assert_eq!(
        app.get("/api/v1/calendar/add-working-days?from=2026-09-30&days=10", s)
            .await
            .json()["date"],
        "2026-10-20"
    );
    assert_eq!(
        app.get("/api/v1/calendar/working-days-between?from=2026-02-13&to=2026-02-24", s)
            .await
            .json()["working_days"],
        2
    );
    let clock = json!({"clock": {"started": "2026-11-02", "limit": 5, "pauses": [{"from": "2026-11-04", "until": "2026-11-11", "reason": "补正"}]}, "today": "2026-11-11"});
    let reading = app
        .call(Method::POST, "/api/v1/calendar/clock", s, Some(clock))
        .await
        .json();
    assert_eq!(reading["deadline"], "2026-11-16");
    assert_eq!(reading["used"], 2);
    let year = json!({"year": 2027, "source": "测试：2027年安排", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}], "workdays": []});
    let res = app
        .call(Method::PUT, "/api/v1/calendar/years/2027", s, Some(year))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        app.get("/api/v1/calendar/add-working-days?from=2026-12-31&days=1", s)
            .await
            .json()["date"],
        "2027-01-04"
    );
    assert_eq!(
        app.get("/api/v1/calendar/years", s)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
}
on_both!(calendar_arithmetic_and_added_years);

async fn operations_and_documentation(app: App) {
    assert_eq!(app.get("/healthz", Auth::None).await.text, "ok");
    assert_eq!(app.get("/readyz", Auth::None).await.text, "ready");
    let _ = app.get("/api/v1/regions", Auth::None).await;
    let metrics = app.get("/metrics", Auth::None).await;
    assert!(metrics.text.contains("yici_http_requests_total"), "{}", metrics.text);
    let res = app.get("/api/v1/regions", Auth::None).await;
    assert_eq!(
        res.headers["x-request-id"].to_str().unwrap(),
        res.json()["request_id"].as_str().unwrap()
    );
    let doc = app.get("/api/openapi.json", Auth::None).await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/departments",
        "/api/v1/systems/{id}/tokens",
        "/api/v1/calendar/clock",
        "/api/v1/session",
        "/api/v1/certificates/{identifier}/verification",
        "/readyz",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // Every response has its required description; every operation lists the answers any
    // request can get; errors are problem documents.
    let mut operations = 0;
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            assert!(
                ids.insert(op["operationId"].to_string()),
                "{method} {path}: operation id repeated"
            );
            let mut params: Vec<(String, String)> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p["name"].to_string(), p["in"].to_string()))
                .collect();
            let n = params.len();
            params.sort();
            params.dedup();
            assert_eq!(params.len(), n, "{method} {path} declares a parameter twice");
            let responses = op["responses"].as_object().unwrap();
            for (code, r) in responses {
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.trim().is_empty()),
                    "{method} {path} {code} has no description"
                );
                if code.starts_with('4') || code.starts_with('5') {
                    assert!(r["content"].get("application/json").is_none(), "{method} {path} {code}");
                }
            }
            for code in ["401", "408", "413", "500", "503"] {
                assert!(responses.contains_key(code), "{method} {path} lacks {code}");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path} lacks 404");
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "415", "422"] {
                    assert!(responses.contains_key(code), "{method} {path} lacks {code}");
                }
            }
        }
    }
    assert!(operations > 90, "{operations} operations");
    let docs = app.page("/api/docs/", None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text.contains("swagger"), "vendored docs page");
}
on_both!(operations_and_documentation);

/// Every problem code an operation or a handler writes out (`Kind::…, "code"` in a service,
/// `StatusCode::…, "code"` at the HTTP edge), in any crate, is named in the OpenAPI
/// description, where clients look codes up.
#[test]
fn every_problem_code_in_the_source_is_documented() {
    fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut files = Vec::new();
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for entry in std::fs::read_dir(&crates).unwrap().flatten() {
        let src = entry.path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    let openapi = files
        .iter()
        .find(|f| f.contains("struct Errors;"))
        .expect("openapi.rs")
        .clone();
    let description = openapi.split("license(").next().unwrap();
    let mut codes = std::collections::BTreeSet::new();
    for file in &files {
        let edges = file.match_indices("StatusCode::").map(|(i, p)| i + p.len());
        let kinds = file.match_indices("Kind::").map(|(i, p)| i + p.len());
        for i in edges.chain(kinds) {
            let rest = &file[i..];
            let Some(after_name) = rest
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                .strip_prefix(',')
            else {
                continue;
            };
            let Some(quoted) = after_name.trim_start().strip_prefix('"') else {
                continue;
            };
            let code: String = quoted
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if quoted[code.len()..].starts_with('"') && !code.is_empty() {
                codes.insert(code);
            }
        }
    }
    assert!(codes.len() > 30, "{codes:?}");
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !description.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from the OpenAPI description: {missing:?}"
    );
}

async fn web_forms_keep_input_and_show_errors_by_the_field(app: App) {
    let op = app.login("operator").await;
    let before = department_count(&app).await;
    let res = app
        .form(
            "/admin/departments",
            &op,
            &[
                ("name", "浙江省教育厅"),
                ("uscc", "91350100M000100Y44"),
                ("region_code", "330000"),
                ("parent_id", ""),
                ("kind", "government"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("value=\"浙江省教育厅\""), "entered data survives");
    assert!(res.text.contains("class=\"error-summary\""));
    assert!(res.text.contains("aria-invalid=\"true\""));
    assert!(res.text.contains("校验码错误"));
    assert_eq!(department_count(&app).await, before);
    let res = app
        .form(
            "/admin/departments",
            &op,
            &[
                ("name", "浙江省教育厅"),
                ("uscc", &uscc("MB000201")),
                ("region_code", "330000"),
                ("parent_id", ""),
                ("kind", "government"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(department_count(&app).await, before + 1);
    // Issue a token from the page: shown once in the response.
    let market = app.department_id("市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let res = app
        .form(&format!("/admin/systems/{system}/tokens"), &op, &[("valid_days", "30")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("id=\"new-token\">yici_sys_"));
    let page = app.page(&format!("/admin/systems/{system}"), Some(&op)).await;
    assert!(!page.text.contains("id=\"new-token\""));
    // English and the elderly mode are remembered per browser.
    let req = Request::builder()
        .uri("/prefs?lang=en&back=/login")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert!(res.status.is_redirection());
    assert!(
        res.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("yici_lang=en")
    );
    let req = Request::builder()
        .uri("/login")
        .header(header::COOKIE, "yici_lang=en; yici_mode=elderly")
        .body(Body::empty())
        .unwrap();
    let page = app.send(req).await;
    assert!(page.text.contains("<html lang=\"en\">") && page.text.contains("class=\"elderly\""));
    let req = Request::builder()
        .uri("/prefs?lang=en&back=//evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.headers[header::LOCATION], "/");
}
on_both!(web_forms_keep_input_and_show_errors_by_the_field);

async fn every_page_carries_the_site_furniture_and_errors_keep_the_frame(app: App) {
    // The footer: notices, who runs the site, where to ask; the demo banner while the
    // development identity register is active (as in these tests).
    let home = app.page("/", None).await;
    for text in [
        "href=\"/privacy\"",
        "href=\"/terms\"",
        "href=\"/accessibility\"",
        "主办单位",
        "12345",
        "demo-banner",
    ] {
        assert!(home.text.contains(text), "{text} on the home page");
    }
    for (path, text) in [
        ("/privacy", "谁用了我的数据"),
        ("/terms", "电子证照"),
        ("/accessibility", "长辈版"),
    ] {
        let page = app.page(path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.text.contains(text), "{path}: {}", page.text);
    }
    // An error page keeps the menu and the signed-in state.
    let op = app.login("operator").await;
    let missing = app.page("/no-such-page", Some(&op)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.text.contains("href=\"/admin/regions\"") && missing.text.contains("退出登录"),
        "{}",
        missing.text
    );
    let refused = app.page("/seals", Some(&app.login("window_clerk").await)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text.contains("退出登录") && refused.text.contains("class=\"main-nav\""),
        "{}",
        refused.text
    );
}
on_both!(every_page_carries_the_site_furniture_and_errors_keep_the_frame);

async fn demo_seeding_is_idempotent(app: App) {
    let count = |app: &App| {
        let store = app.store.clone();
        async move {
            (
                store.count_regions().await.unwrap(),
                store
                    .list_departments(None, yici_store::Page::all())
                    .await
                    .unwrap()
                    .len(),
                store.list_users(yici_store::Page::all(), None).await.unwrap().len(),
                store.list_systems(None).await.unwrap().len(),
            )
        }
    };
    let before = count(&app).await;
    assert!(before.1 >= 10 && before.2 == 11 && before.0 > 30, "{before:?}");
    let again = yici_server::demo::seed(&app.store, &app.dir).await.unwrap();
    assert_eq!(count(&app).await, before);
    assert_eq!(
        again.users[0].password, app.creds.users[0].password,
        "passwords are kept"
    );
    assert_eq!(again.systems[0].token, app.creds.systems[0].token, "tokens are kept");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    let roles: Vec<&str> = written["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "operator",
            "data_steward",
            "cert_issuer",
            "window_clerk",
            "approver",
            "supervisor",
            "approver",
            "approver",
            "approver",
            "approver",
            "approver"
        ]
    );
    for d in app.store.list_departments(None, yici_store::Page::all()).await.unwrap() {
        Uscc::parse(&d.uscc).unwrap();
    }
}
on_both!(demo_seeding_is_idempotent);

async fn repeated_wrong_passwords_lock_the_username_for_a_while(app: App) {
    for _ in 0..5 {
        let res = app
            .call(
                Method::POST,
                "/api/v1/session",
                Auth::None,
                Some(json!({"username": "supervisor", "password": "guess-123456"})),
            )
            .await;
        assert_eq!(res.code(), "invalid_credentials");
    }
    // Now even the right password is refused, with how long to wait.
    let res = app
        .call(
            Method::POST,
            "/api/v1/session",
            Auth::None,
            Some(json!({"username": "Supervisor", "password": app.password("supervisor")})),
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
    assert_eq!(res.code(), "too_many_attempts");
    let wait: u64 = res.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 800 && wait <= 900, "{wait}");
    // The sign-in page says so next to the form.
    let page = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "text/html")
                .body(axum::body::Body::from(format!(
                    "username=supervisor&password={}",
                    common::enc(&app.password("supervisor"))
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.text.contains("密码错误次数过多"), "{}", page.text);
    // Other accounts are not affected, and the lockout is in the audit log.
    assert!(app.login_as("operator", &app.password("operator")).await.is_some());
    let locks = app.logged("session.lock", None).await;
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0].content.object_ids, ["supervisor"]);
}
on_both!(repeated_wrong_passwords_lock_the_username_for_a_while);
