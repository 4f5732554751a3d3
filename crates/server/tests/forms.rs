//! Bad input in every form of the pages: empty, overlong and malformed values (wrong formats,
//! markup, control characters) come back as the same form, with the fields marked and the
//! input kept, as a page (never a 4xx or 5xx page), and nothing is written.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth, Session};
use serde_json::json;

const CITIZEN: &str = "11010519491231002X";

/// Actions that record a read, not a change.
const READS: &[&str] = &["certificate.list", "certificate.read", "certificate.view"];

/// What a field takes, for choosing a malformed value.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Free text.
    Text,
    /// A choice from a list, or a number.
    Choice,
    /// A date.
    Date,
}

/// One form: who sends it, where, its visible fields, and hidden fields sent as the page would.
struct Case<'a> {
    who: Option<&'a Session>,
    path: String,
    fields: Vec<(&'static str, Kind)>,
    hidden: Vec<(&'static str, String)>,
    /// Whether a refused attempt is itself logged (signing in): then the log may grow.
    logs_refusals: bool,
    /// A GET form (search filters): sent as a query string.
    get: bool,
    /// Whether every field may be left empty (a default applies).
    empty_is_valid: bool,
}

fn case<'a>(who: Option<&'a Session>, path: impl Into<String>, fields: &[(&'static str, Kind)]) -> Case<'a> {
    Case {
        who,
        path: path.into(),
        fields: fields.to_vec(),
        hidden: vec![],
        logs_refusals: false,
        get: false,
        empty_is_valid: false,
    }
}

/// The log's newest entries after `since` (an entry id): every write is logged, so what a
/// request wrote shows here, by action.
async fn logged_since(app: &App, since: i64) -> Vec<String> {
    let newest = app
        .store
        .audit_search(&Default::default(), yici_store::Page::new(Some(200), None))
        .await
        .unwrap();
    newest
        .into_iter()
        .filter(|e| e.id > since)
        .map(|e| e.content.action)
        .collect()
}

async fn last_entry(app: &App) -> i64 {
    app.store
        .audit_search(&Default::default(), yici_store::Page::new(Some(1), None))
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.id)
}

/// The escaped form of `v` as the page shows it in a value attribute or text.
fn escaped(v: &str) -> String {
    v.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

async fn send(app: &App, c: &Case<'_>, values: &[(&str, String)]) -> common::Response {
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if c.get {
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", common::enc(k), common::enc(v)))
            .collect();
        return app.page(&format!("{}?{}", c.path, query.join("&")), c.who).await;
    }
    match c.who {
        Some(s) => app.form(&c.path, s, &pairs).await,
        None => app.form_anonymous(&c.path, &pairs).await,
    }
}

async fn every_form_keeps_bad_input_on_its_page(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    let op = app.login("operator").await;
    let steward = app.login("data_steward").await;
    let issuer = app.login("cert_issuer").await;
    let police = app.police_steward().await;
    let me = app.login_applicant(CITIZEN, "张三").await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let approver = app.store.user_credentials("approver").await.unwrap().unwrap().0.id;
    let people = app.resource("人口基础信息").await.id;
    // A request for the police to answer, and a draft of the steward's.
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&steward),
            Some(json!({
                "resource_id": people, "consumer_department_id": market, "system_id": system,
                "items": ["姓名"], "purpose": "核验身份", "legal_basis": "《市场主体登记管理条例》",
                "valid_from": "2026-11-30", "valid_until": "2027-11-29"
            })),
        )
        .await;
    let request = res.json()["id"].as_i64().unwrap();
    let res = app
        .call(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Auth::Session(&steward),
            Some(json!({
                "classification": "102001", "name": "表单检查用资源", "summary": "x", "provider_department_id": market,
                "format_class": 3, "format_type": "API", "share_type": 1, "share_mode": 1, "open_type": 1,
                "update_cycle": 3, "sensitivity": 1, "items": [{"name": "单位名称", "data_type": 1}]
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let draft = res.json()["id"].as_i64().unwrap();
    // A second one, submitted: the operator's rejection form is on its review page.
    let res = app
        .call(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Auth::Session(&steward),
            Some(json!({
                "classification": "102001", "name": "表单检查用资源二", "summary": "x", "provider_department_id": market,
                "format_class": 3, "format_type": "API", "share_type": 1, "share_mode": 1, "open_type": 1,
                "update_cycle": 3, "sensitivity": 1, "items": [{"name": "单位名称", "data_type": 1}]
            })),
        )
        .await;
    let pending = res.json()["id"].as_i64().unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/catalogue/drafts/{pending}/submit"),
            Auth::Session(&steward),
            Some(json!({})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let mine = app.get("/api/v1/me/certificates", Auth::Session(&me)).await.json();
    let held = common::enc(mine[0]["identifier"].as_str().unwrap());
    // The citizen shares it with the window, whose clerk takes use copies of it.
    let clerk = app.login("window_clerk").await;
    let window = app.department_id("衢州市数据资源管理局").await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/me/certificates/{held}/consents"),
            Auth::Session(&me),
            Some(json!({"department_id": window, "purpose": "办理户籍迁移", "expires_on": "2027-01-31"})),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text);
    let issued = app
        .get("/api/v1/certificates?limit=1", Auth::Session(&issuer))
        .await
        .json();
    let certificate = common::enc(issued[0]["identifier"].as_str().unwrap());
    let food = "11330000MB000102XL002";

    // A published item of the police for its steward to edit, and a version of another
    // waiting for the operator's review.
    yici_server::demo::items::seed(&app.store).await.unwrap();
    let police_id = app.department_id("浙江省公安厅").await;
    let police_items: Vec<String> = app
        .store
        .items_published()
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.department_id == police_id)
        .map(|v| v.implementation_code)
        .collect();
    let (item, in_review) = (&police_items[0], &police_items[1]);
    let ev = yici_core::audit::AuditEvent::new(
        0,
        yici_core::audit::Actor::named("test"),
        yici_core::audit::Action::ItemEdit,
        "service_item",
        "t",
    );
    let published = app.store.item_published(in_review).await.unwrap().unwrap();
    let review = app
        .store
        .item_version_save(in_review, &published.content, &ev)
        .await
        .unwrap();
    app.store
        .item_version_step(review.id, yici_core::items::VersionStep::Submit, "", &ev)
        .await
        .unwrap();

    use Kind::{Choice, Date, Text};
    let mut cases = vec![
        case(
            Some(&police),
            format!("/items/{item}/edit"),
            &[
                ("name", Text),
                ("legal_limit", Choice),
                ("promised_limit", Choice),
                ("visits", Choice),
                ("legal_basis", Text),
                ("process", Text),
                ("materials[0].name", Text),
                ("materials[0].source", Text),
            ],
        ),
        case(
            Some(&op),
            format!("/items/{in_review}/versions/{}/reject", review.version),
            &[("reason", Text)],
        ),
        case(None, "/login", &[("username", Text), ("password", Text)]),
        case(None, "/login/applicant", &[("id_number", Text), ("name", Text)]),
        case(Some(&op), "/admin/regions", &[("code", Text), ("name", Text)]),
        case(
            Some(&op),
            "/admin/departments",
            &[
                ("name", Text),
                ("uscc", Text),
                ("region_code", Text),
                ("parent_id", Choice),
                ("kind", Choice),
            ],
        ),
        case(
            Some(&op),
            "/admin/systems",
            &[("department_id", Choice), ("name", Text), ("description", Text)],
        ),
        case(
            Some(&op),
            format!("/admin/systems/{system}/tokens"),
            &[("valid_days", Text)],
        ),
        case(
            Some(&op),
            "/admin/users",
            &[
                ("username", Text),
                ("display_name", Text),
                ("password", Text),
                ("department_id", Choice),
            ],
        ),
        case(
            Some(&op),
            format!("/admin/users/{approver}/roles"),
            &[("role", Choice), ("scope", Choice)],
        ),
        case(
            Some(&steward),
            "/catalogue/drafts",
            &[
                ("classification", Text),
                ("name", Text),
                ("summary", Text),
                ("share_type", Choice),
                ("share_condition", Text),
                ("legal_basis", Text),
                ("open_type", Choice),
                ("update_cycle", Choice),
                ("item0_name", Text),
                ("item0_type", Choice),
                ("item0_length", Text),
            ],
        ),
        case(
            Some(&steward),
            format!("/catalogue/drafts/{draft}"),
            &[
                ("classification", Text),
                ("name", Text),
                ("summary", Text),
                ("item0_name", Text),
            ],
        ),
        case(
            Some(&op),
            format!("/catalogue/drafts/{pending}/reject"),
            &[("reason", Text)],
        ),
        case(
            Some(&steward),
            "/sharing/requests",
            &[
                ("system_id", Choice),
                ("items", Text),
                ("purpose", Text),
                ("legal_basis", Text),
                ("valid_from", Date),
                ("valid_until", Date),
            ],
        ),
        case(
            Some(&police),
            format!("/sharing/requests/{request}/refuse"),
            &[("reasons", Text)],
        ),
        case(
            Some(&police),
            format!("/sharing/requests/{request}/approve"),
            &[("items", Choice), ("masking", Choice)],
        ),
        case(
            Some(&issuer),
            "/certificates/new",
            &[
                ("holder_code", Text),
                ("holder_name", Text),
                ("data.premises", Text),
                ("data.main_business", Choice),
                ("data.items", Text),
            ],
        ),
        case(
            Some(&issuer),
            format!("/certificates/{certificate}/operations"),
            &[("operation", Choice), ("reason", Text)],
        ),
        case(
            Some(&clerk),
            format!("/certificates/{held}/use-copies"),
            &[("purpose", Text), ("case_ref", Text)],
        ),
        case(
            Some(&me),
            format!("/me/certificates/{held}/consents"),
            &[("department_id", Choice), ("purpose", Text), ("expires_on", Date)],
        ),
        case(Some(&op), "/seals", &[("department_id", Choice)]),
        case(Some(&op), "/seals/revocation", &[("seal_id", Choice), ("reason", Text)]),
        case(
            Some(&op),
            "/audit",
            &[
                ("department", Choice),
                ("system", Choice),
                ("subject", Text),
                ("action", Choice),
                ("from", Date),
                ("to", Date),
            ],
        ),
        case(
            Some(&op),
            "/gov/catalogue",
            &[("q", Text), ("region", Text), ("class", Choice), ("share_type", Choice)],
        ),
        case(
            None,
            "/catalogue",
            &[("q", Text), ("region", Text), ("open_type", Choice)],
        ),
        case(None, "/verify", &[("id", Text), ("code", Text)]),
    ];
    for c in cases.iter_mut() {
        match c.path.as_str() {
            "/login" | "/login/applicant" => c.logs_refusals = true,
            "/certificates/new" => c.hidden.push(("type", food.to_string())),
            "/sharing/requests" => c.hidden.push(("resource_id", people.to_string())),
            "/audit" | "/gov/catalogue" | "/catalogue" | "/verify" => c.get = true,
            // No validity given: the token gets the default one.
            p if p.ends_with("/tokens") => c.empty_is_valid = true,
            _ => {}
        }
    }

    // Longer than any field allows (500 at most), and the whole form within the body limit.
    let long = "长".repeat(600);
    let mut failures = Vec::new();
    for c in &cases {
        for variant in ["empty", "overlong", "malformed"] {
            if variant == "empty" && c.empty_is_valid {
                continue;
            }
            let values: Vec<(&str, String)> = c
                .fields
                .iter()
                .map(|(name, kind)| {
                    let v = match (variant, kind) {
                        ("empty", _) => String::new(),
                        ("overlong", _) => long.clone(),
                        (_, Text) => "<b>坏</b>'\"\u{7}\u{0}".to_string(),
                        (_, Choice) => "abc".to_string(),
                        (_, Date) => "2026-02-30".to_string(),
                    };
                    (*name, v)
                })
                .chain(c.hidden.iter().map(|(k, v)| (*k, v.clone())))
                .collect();
            let before = last_entry(&app).await;
            let res = send(&app, c, &values).await;
            let wrote = logged_since(&app, before).await;
            let what = format!("{variant} {}", c.path);
            // The verification page reads an empty form as a blank form: nothing to mark.
            let blank_ok = c.get && variant == "empty";
            if res.status != StatusCode::OK {
                failures.push(format!("{what}: HTTP {} {}", res.status, snippet(&res.text)));
                continue;
            }
            let marked = res.text.contains("error-summary") || res.text.contains("aria-invalid=\"true\"");
            if !(blank_ok || marked) {
                failures.push(format!("{what}: no field is marked"));
            }
            if !res.text.contains("<form") {
                failures.push(format!("{what}: the form is gone"));
            }
            // Typed text is kept (in its field or in the summary).
            for (name, kind) in &c.fields {
                let typed = &values.iter().find(|(k, _)| k == name).unwrap().1;
                if *kind == Text && variant == "overlong" && *name != "password" && !res.text.contains(typed.as_str()) {
                    failures.push(format!("{what}: {name} was not kept"));
                }
                if *kind == Text
                    && variant == "malformed"
                    && *name != "password"
                    && !res.text.contains(&escaped("<b>坏</b>'\""))
                {
                    failures.push(format!("{what}: {name} was not kept"));
                }
            }
            // Reading a certificate to show the form again is logged as a read; nothing else.
            let writes: Vec<&String> = wrote.iter().filter(|a| !READS.contains(&a.as_str())).collect();
            if !writes.is_empty() && !c.logs_refusals {
                failures.push(format!("{what}: wrote {writes:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
on_both!(every_form_keeps_bad_input_on_its_page);

fn snippet(html: &str) -> String {
    let start = html.find("<main").unwrap_or(0);
    html[start..].chars().take(300).collect()
}
