//! Evaluations (好差评) over HTTP on the demo's cases: a party rates a concluded case once; a
//! bad review opens a rectification with its deadlines in working days; a second rating, a
//! level outside 1–5, an unknown channel, a case not concluded, a stranger and staff change
//! nothing.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth};
use serde_json::{Value, json};

const CITIZEN: (&str, &str) = ("11010519491231002X", "张三");
/// Someone of the identity register who is no party to the demo's cases.
const OTHER: (&str, &str) = ("330212199006060041", "王芳");

async fn demo_cases(app: &App) -> Vec<Value> {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    yici_server::demo::cases::seed(&app.state, &app.dir).await.unwrap();
    let creds: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    creds["cases"].as_array().unwrap().clone()
}

/// A party's rating of case `case_no`.
async fn rate(app: &App, who: &common::Session, case_no: &str, body: Value) -> common::Response {
    let path = format!("/api/v1/cases/{case_no}/evaluation");
    app.call(Method::POST, &path, Auth::Session(who), Some(body)).await
}

/// The fields a refusal names, in order.
fn fields(refused: &common::Response) -> Vec<String> {
    refused.json()["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The same, sorted.
fn sorted_fields(refused: &common::Response) -> Vec<String> {
    let mut named = fields(refused);
    named.sort();
    named
}

async fn evaluations_in_store(app: &App) -> i64 {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM evaluations")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    sqlx::Row::try_get::<i64, _>(&row, "n").unwrap()
}

async fn a_party_rates_a_concluded_case_once(app: App) {
    let cases = demo_cases(&app).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    let waiting = cases[1]["case_no"].as_str().unwrap();
    assert_eq!(cases[0]["status"], "delivered");
    assert_eq!(cases[1]["status"], "supplementing");
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let path = format!("/api/v1/cases/{done}/evaluation");

    // Bad input, all wrong fields at once: nothing is written.
    let bad = rate(
        &app,
        &citizen,
        done,
        json!({"level": 6, "channel": "fax", "comment": "太慢"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(fields(&bad), ["level", "channel"]);
    for level in [0, -1, 9_999_999_999i64] {
        assert_eq!(
            rate(&app, &citizen, done, json!({"level": level})).await.code(),
            "validation_failed"
        );
    }
    let long = rate(&app, &citizen, done, json!({"level": 3, "comment": "慢".repeat(501)})).await;
    assert_eq!(long.code(), "validation_failed", "{}", long.text);
    assert_eq!(
        rate(&app, &citizen, done, json!({"level": "5"})).await.status.as_u16() / 100,
        4
    );
    assert_eq!(evaluations_in_store(&app).await, 0);

    // A case not yet concluded cannot be rated.
    let early = rate(&app, &citizen, waiting, json!({"level": 5})).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    assert_eq!(early.code(), "not_concluded");

    // Staff do not rate; someone who is not a party finds no case.
    let clerk = app.login("window_clerk").await;
    let staff = app
        .call(Method::POST, &path, Auth::Session(&clerk), Some(json!({"level": 5})))
        .await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN, "{}", staff.text);
    let stranger = app.login_applicant(OTHER.0, OTHER.1).await;
    let other = app
        .call(Method::POST, &path, Auth::Session(&stranger), Some(json!({"level": 1})))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.text);
    let anonymous = app
        .call(Method::POST, &path, Auth::None, Some(json!({"level": 5})))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", anonymous.text);
    assert_eq!(evaluations_in_store(&app).await, 0);

    // A bad review: recorded with its channel, and a rectification opens with four deadlines,
    // each in working days and in order.
    let given = rate(
        &app,
        &citizen,
        done,
        json!({"level": 2, "comment": "材料退回两次", "channel": "qr"}),
    )
    .await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.text);
    let given = given.json();
    assert_eq!(given["case_no"], done);
    assert_eq!(given["level"], 2);
    assert_eq!(given["level_name"], "不满意");
    assert_eq!(given["channel"], "qr");
    assert_eq!(given["comment"], "材料退回两次");
    let rectification = &given["rectification"];
    assert_eq!(rectification["step"], "verify", "{given}");
    let due: Vec<&str> = ["verify", "rectify", "reply", "revisit"]
        .iter()
        .map(|k| rectification["due"][k].as_str().unwrap())
        .collect();
    assert!(
        due[0] > given["day"].as_str().unwrap() && due[0] < due[1] && due[1] <= due[2] && due[2] < due[3],
        "{due:?}"
    );
    for day in &due {
        let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        assert!(
            !matches!(
                chrono::Datelike::weekday(&d),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            ) || app.store.working_calendar().await.unwrap().is_working_day(d).unwrap(),
            "{day} is a working day"
        );
    }

    // Once only: a second rating, even a better one, is refused and changes nothing.
    let again = rate(&app, &citizen, done, json!({"level": 5})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.code(), "already_evaluated");
    assert_eq!(evaluations_in_store(&app).await, 1);

    // Another concluded case of the same party, rated well: no rectification.
    let other_case = cases[2]["case_no"].as_str().unwrap();
    assert_eq!(cases[2]["status"], "delivered");
    let good = rate(&app, &citizen, other_case, json!({"level": 5, "comment": "一次办好"})).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
    assert_eq!(good.json()["channel"], "web");
    assert!(good.json()["rectification"].is_null());

    // The party sees their rating, and so do staff with rights on the case; nobody else.
    let mine = app.get(&path, Auth::Session(&citizen)).await.json();
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine[0]["level"], 2);
    let all = app.get(&path, Auth::Session(&clerk)).await.json();
    assert_eq!(all.as_array().map(Vec::len), Some(1), "{all}");
    assert_eq!(all[0]["comment"], "材料退回两次");
    assert_eq!(
        app.get(&path, Auth::Session(&stranger)).await.status,
        StatusCode::NOT_FOUND
    );

    // Each rating is in the audit log under its evaluation.
    let logged = sqlx::query("SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'case.evaluate'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(sqlx::Row::try_get::<i64, _>(&logged, "n").unwrap(), 2);
}
on_both!(a_party_rates_a_concluded_case_once);

/// A bad review goes through its rectification, one step after another, by the evaluated
/// department's approvers; the applicant appeals a verification that found it unfounded and a
/// supervisor upholds the appeal; a supervisor marks a review malicious, once, and the review
/// stays as given. Steps out of order, twice, or by the wrong people change nothing.
async fn a_bad_review_is_rectified_step_by_step(app: App) {
    let cases = demo_cases(&app).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let given = rate(&app, &citizen, done, json!({"level": 1, "comment": "等了很久"})).await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.text);
    let id = given.json()["id"].as_i64().unwrap();
    let base = format!("/api/v1/evaluations/{id}");
    let case = app
        .get(&format!("/api/v1/cases/{done}"), Auth::Session(&citizen))
        .await
        .json();
    let lead = case["department"].as_str().unwrap_or_default().to_string();

    let approver = app.login("approver").await;
    let other_approver = app.demo_user("approver_tax").await;
    let clerk = app.login("window_clerk").await;
    let supervisor = app.login("supervisor").await;
    let step = |who: &common::Session, name: &str, body: Value| {
        let (app, path, who) = (&app, format!("{base}/rectification/{name}"), who);
        let who = who.clone();
        async move { app.call(Method::POST, &path, Auth::Session(&who), Some(body)).await }
    };
    let at = |v: &Value| v["rectification"]["step"].as_str().unwrap_or_default().to_string();

    // The party, the department's staff and its supervisors read it; another applicant does not.
    assert_eq!(app.get(&base, Auth::Session(&citizen)).await.status, StatusCode::OK);
    assert_eq!(app.get(&base, Auth::Session(&supervisor)).await.status, StatusCode::OK);
    let stranger = app.login_applicant(OTHER.0, OTHER.1).await;
    assert_eq!(
        app.get(&base, Auth::Session(&stranger)).await.status,
        StatusCode::NOT_FOUND
    );

    // The wrong people, the wrong order, missing fields: refused, nothing changes.
    let wrong = step(&clerk, "verify", json!({"note": "核实", "founded": true})).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", wrong.text);
    let elsewhere = step(&other_approver, "verify", json!({"note": "核实", "founded": true})).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "{lead}: {}", elsewhere.text);
    let early = step(&approver, "rectify", json!({"note": "整改"})).await;
    assert_eq!(early.code(), "invalid_transition", "{}", early.text);
    let empty = step(&approver, "verify", json!({})).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&empty), ["note", "founded"]);
    assert_eq!(
        step(&approver, "nothing", json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(at(&app.get(&base, Auth::Session(&citizen)).await.json()), "verify");

    // Verified as unfounded: the applicant may appeal, once.
    let verified = step(&approver, "verify", json!({"note": "按时办结", "founded": false})).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    assert_eq!(at(&verified.json()), "reply");
    assert_eq!(verified.json()["rectification"]["founded"], false);
    let twice = step(&approver, "verify", json!({"note": "再核实", "founded": true})).await;
    assert_eq!(twice.code(), "invalid_transition");
    let appeal = |who: &common::Session| {
        let (app, path) = (&app, format!("{base}/appeal"));
        let who = who.clone();
        async move {
            app.call(
                Method::POST,
                &path,
                Auth::Session(&who),
                Some(json!({"reason": "实际超期三天"})),
            )
            .await
        }
    };
    assert_eq!(appeal(&stranger).await.status, StatusCode::NOT_FOUND);
    let appealed = appeal(&citizen).await;
    assert_eq!(appealed.status, StatusCode::OK, "{}", appealed.text);
    assert_eq!(at(&appealed.json()), "appeal");
    assert_eq!(appeal(&citizen).await.code(), "invalid_transition");
    assert_eq!(
        step(&approver, "reply", json!({"note": "答复"})).await.code(),
        "invalid_transition",
        "no reply while the appeal is open"
    );

    // The supervisor upholds the appeal: the review was founded, and is rectified.
    let decide = |body: Value| {
        let (app, path, who) = (&app, format!("{base}/appeal/decision"), &supervisor);
        async move { app.call(Method::POST, &path, Auth::Session(who), Some(body)).await }
    };
    let by_approver = app
        .call(
            Method::POST,
            &format!("{base}/appeal/decision"),
            Auth::Session(&approver),
            Some(json!({"upheld": true, "note": "x"})),
        )
        .await;
    assert_eq!(by_approver.status, StatusCode::FORBIDDEN);
    let upheld = decide(json!({"upheld": true, "note": "查明超期"})).await;
    assert_eq!(upheld.status, StatusCode::OK, "{}", upheld.text);
    let upheld = upheld.json();
    assert_eq!(at(&upheld), "rectify");
    assert_eq!(upheld["rectification"]["founded"], true);
    assert_eq!(upheld["rectification"]["appeal_upheld"], true);
    assert_eq!(
        decide(json!({"upheld": false, "note": "再议"})).await.code(),
        "invalid_transition"
    );

    // Rectified, answered, revisited: closed.
    for (name, body, next) in [
        ("rectify", json!({"note": "调整审核流程"}), "reply"),
        ("reply", json!({"note": "已整改，致歉"}), "revisit"),
        ("revisit", json!({"note": "电话回访", "satisfied": true}), "closed"),
    ] {
        let res = step(&approver, name, body).await;
        assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.text);
        assert_eq!(at(&res.json()), next);
    }
    let closed = app.get(&base, Auth::Session(&citizen)).await.json();
    assert_eq!(closed["rectification"]["reply"], "已整改，致歉");
    assert_eq!(closed["rectification"]["satisfied"], true);

    // A supervisor marks the review malicious, once; the review is kept as given.
    let mark = |who: &common::Session| {
        let (app, path) = (&app, format!("{base}/malicious"));
        let who = who.clone();
        async move {
            app.call(
                Method::POST,
                &path,
                Auth::Session(&who),
                Some(json!({"reason": "重复恶意差评"})),
            )
            .await
        }
    };
    assert_eq!(mark(&approver).await.status, StatusCode::FORBIDDEN);
    let marked = mark(&supervisor).await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.text);
    let marked = marked.json();
    assert_eq!(marked["malicious_reason"], "重复恶意差评");
    assert_eq!(
        (marked["level"].clone(), marked["comment"].clone()),
        (json!(1), json!("等了很久"))
    );
    assert_eq!(mark(&supervisor).await.code(), "invalid_transition");
    let blank = app
        .call(
            Method::POST,
            &format!("{base}/malicious"),
            Auth::Session(&supervisor),
            Some(json!({"reason": "  "})),
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Every step is an audit entry: verify, appeal, decision, three steps, the mark.
    let logged = sqlx::query(
        "SELECT COUNT(*) AS n FROM audit_entries WHERE action IN ('evaluation.rectify', 'evaluation.mark_malicious')",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(sqlx::Row::try_get::<i64, _>(&logged, "n").unwrap(), 7);
}
on_both!(a_bad_review_is_rectified_step_by_step);

/// The pages: the case's page carries a QR code to its evaluation page (its printed receipt),
/// and the party rates through a plain form that keeps its input on error; then the page shows
/// the rating instead of the form.
async fn a_party_rates_through_the_page_reached_by_qr_code(app: App) {
    let cases = demo_cases(&app).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let case_page = app.page(&format!("/cases/{done}"), Some(&citizen)).await;
    assert_eq!(case_page.status, StatusCode::OK);
    let url = common::decode_qr_svg(&common::first_svg(&case_page.text));
    assert!(url.ends_with(&format!("/cases/{done}/evaluate?channel=qr")), "{url}");
    assert!(case_page.text.contains("评价本次服务"));
    // A case not concluded has no code to rate it.
    let waiting = cases[1]["case_no"].as_str().unwrap();
    let open_page = app.page(&format!("/cases/{waiting}"), Some(&citizen)).await;
    assert!(!open_page.text.contains("扫码评价"), "{}", open_page.text);

    let path = format!("/cases/{done}/evaluate");
    let form = app.page(&format!("{path}?channel=qr"), Some(&citizen)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert!(
        form.text.contains("提交评价") && form.text.contains("非常满意"),
        "{}",
        form.text
    );
    assert!(form.text.contains(r#"name="channel" value="qr""#), "{}", form.text);

    // Nothing chosen: the form again, the comment kept, the level marked; nothing written.
    let refused = app
        .form(
            &path,
            &citizen,
            &[("level", ""), ("comment", "窗口很热情"), ("channel", "qr")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.text);
    assert!(
        refused.text.contains("窗口很热情") && refused.text.contains("aria-invalid"),
        "{}",
        refused.text
    );
    assert_eq!(evaluations_in_store(&app).await, 0);

    let given = app
        .form(
            &path,
            &citizen,
            &[("level", "4"), ("comment", "窗口很热情"), ("channel", "qr")],
        )
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.text);
    let after = app.page(&path, Some(&citizen)).await;
    assert!(
        after.text.contains("4（满意）") && after.text.contains("窗口二维码评价"),
        "{}",
        after.text
    );
    assert!(!after.text.contains("提交评价"), "rated once: no form");
    // Staff with rights see the page without a form; a stranger finds nothing.
    let clerk = app.login("window_clerk").await;
    let seen = app.page(&path, Some(&clerk)).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.text.contains("窗口很热情") && !seen.text.contains("提交评价"));
    let stranger = app.login_applicant(OTHER.0, OTHER.1).await;
    assert_eq!(app.page(&path, Some(&stranger)).await.status, StatusCode::NOT_FOUND);
}
on_both!(a_party_rates_through_the_page_reached_by_qr_code);

/// A service rated at a window's counter (一事一评): recorded by the clerk in a region of their
/// scope, for a published item, without a case; bad input and the wrong people change nothing.
async fn a_service_is_rated_at_the_counter(app: App) {
    demo_cases(&app).await;
    let item = app.store.items_published().await.unwrap()[0]
        .implementation_code
        .clone();
    let clerk = app.login("window_clerk").await;
    let rate = |who: &common::Session, body: Value| {
        let (app, who) = (&app, who.clone());
        async move {
            app.call(Method::POST, "/api/v1/evaluations", Auth::Session(&who), Some(body))
                .await
        }
    };

    let bad = rate(
        &clerk,
        json!({"implementation_code": "no-such-item", "region_code": "33x", "level": 0, "channel": "web"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(
        sorted_fields(&bad),
        ["channel", "implementation_code", "level", "region_code"]
    );
    let elsewhere = rate(
        &clerk,
        json!({"implementation_code": item, "region_code": "330100", "level": 5}),
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::FORBIDDEN,
        "outside the clerk's region: {}",
        elsewhere.text
    );
    let approver = app.login("approver").await;
    let wrong = rate(
        &approver,
        json!({"implementation_code": item, "region_code": "330800", "level": 5}),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    assert_eq!(
        rate(
            &citizen,
            json!({"implementation_code": item, "region_code": "330800", "level": 5})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(evaluations_in_store(&app).await, 0);

    let given = rate(
        &clerk,
        json!({"implementation_code": item, "region_code": "330800", "level": 2, "comment": "排队太久"}),
    )
    .await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.text);
    let given = given.json();
    assert_eq!(given["channel"], "counter");
    assert_eq!(given["case_no"], "");
    assert_eq!(given["rectification"]["step"], "verify", "{given}");
    // Several ratings of services at a counter: no case, no once-only rule.
    let again = rate(
        &clerk,
        json!({"implementation_code": item, "region_code": "330800", "level": 5, "channel": "qr"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(evaluations_in_store(&app).await, 2);
    // The clerk reads it back; the citizen, who gave no name, does not.
    let id = given["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/evaluations/{id}"), Auth::Session(&clerk))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/v1/evaluations/{id}"), Auth::Session(&citizen))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
on_both!(a_service_is_rated_at_the_counter);

/// The list of evaluations for supervisors and the evaluated department's approvers: cut to
/// the reader's reach, narrowed by the filters; bad windows and unknown regions or departments
/// are refused with every wrong field named.
async fn supervisors_list_the_reviews_in_their_reach(app: App) {
    let cases = demo_cases(&app).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let bad = rate(&app, &citizen, done, json!({"level": 2, "comment": "材料退回两次"}))
        .await
        .json();
    let other = cases[2]["case_no"].as_str().unwrap();
    let good = rate(&app, &citizen, other, json!({"level": 5})).await.json();
    let supervisor = app.login("supervisor").await;
    let list = |who: &common::Session, query: &str| {
        let (app, who, path) = (&app, who.clone(), format!("/api/v1/evaluations{query}"));
        async move { app.get(&path, Auth::Session(&who)).await }
    };
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };

    let all = list(&supervisor, "").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let all = all.json();
    assert_eq!(all["total"], 2, "{all}");
    assert_eq!(
        ids(&all),
        [good["id"].as_i64().unwrap(), bad["id"].as_i64().unwrap()],
        "newest first"
    );
    assert!(all["items"][0].get("party").is_none(), "no personal data: {all}");
    let only_bad = list(&supervisor, "?bad=true&step=verify").await.json();
    assert_eq!(ids(&only_bad), [bad["id"].as_i64().unwrap()]);
    let department = bad["department_id"].as_i64().unwrap();
    let of_department = list(&supervisor, &format!("?department={department}&region=330000"))
        .await
        .json();
    assert!(
        ids(&of_department).contains(&bad["id"].as_i64().unwrap()),
        "{of_department}"
    );
    // Empty fields are no filter.
    assert_eq!(
        list(&supervisor, "?department=&region=&from=&to=&bad=&step=")
            .await
            .json()["total"],
        2
    );

    // Bad input: every wrong field at once, nothing else.
    let refused = list(
        &supervisor,
        "?from=2026-12-31&to=2026-01-01&region=990000&department=999999&bad=maybe&step=x",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(sorted_fields(&refused), ["bad", "department", "region", "step", "to"]);
    assert_eq!(
        list(&supervisor, "?from=2024-01-01&to=2026-01-01").await.code(),
        "validation_failed"
    );
    assert_eq!(list(&supervisor, "?from=yesterday").await.code(), "validation_failed");
    assert_eq!(list(&supervisor, "?to=-262143-01-01").await.status.as_u16() / 100, 4);
    // Out of the window: nothing.
    assert_eq!(
        list(&supervisor, "?from=2020-01-01&to=2020-12-31").await.json()["total"],
        0
    );

    // Reach: a citizen and a clerk see no list; the evaluated department's approver sees its
    // own, another department's approver none of them.
    assert_eq!(list(&citizen, "").await.status, StatusCode::FORBIDDEN);
    let clerk = app.login("window_clerk").await;
    assert_eq!(list(&clerk, "").await.status, StatusCode::FORBIDDEN);
    let approver = app.login("approver").await;
    let own = list(&approver, "").await.json();
    assert!(ids(&own).contains(&bad["id"].as_i64().unwrap()), "{own}");
    let tax = app.demo_user("approver_tax").await;
    let theirs = list(&tax, "").await.json();
    assert!(!ids(&theirs).contains(&bad["id"].as_i64().unwrap()), "{theirs}");
}
on_both!(supervisors_list_the_reviews_in_their_reach);

/// A rectification past the deadline of its step shows as overdue, and the list finds it;
/// taking the step moves the deadline on.
async fn a_late_rectification_shows_as_overdue(app: App) {
    let cases = demo_cases(&app).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let given = rate(&app, &citizen, done, json!({"level": 1})).await.json();
    let id = given["id"].as_i64().unwrap();
    let (day, verify_due) = (
        given["day"].as_str().unwrap().to_string(),
        given["rectification"]["due"]["verify"].as_str().unwrap().to_string(),
    );
    assert_eq!(given["rectification"]["due_now"], verify_due.as_str());
    assert_eq!(given["rectification"]["overdue"], false);
    let supervisor = app.login("supervisor").await;
    let late = format!("/api/v1/evaluations?overdue=true&from={day}");
    assert_eq!(app.get(&late, Auth::Session(&supervisor)).await.json()["total"], 0);
    assert_eq!(
        app.get("/api/v1/evaluations?overdue=maybe", Auth::Session(&supervisor))
            .await
            .code(),
        "validation_failed"
    );

    // Days pass without a verification.
    let clock = &app.state.window.clock;
    while clock.today().format("%Y-%m-%d").to_string() <= verify_due {
        clock.advance(86_400_000_000);
    }
    let supervisor = app.login("supervisor").await;
    let found = app.get(&late, Auth::Session(&supervisor)).await.json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["id"], id);
    assert_eq!(found["items"][0]["rectification"]["overdue"], true);

    // Verified late: the next step has its own deadline, not yet passed.
    let approver = app.login("approver").await;
    let verified = app
        .call(
            Method::POST,
            &format!("/api/v1/evaluations/{id}/rectification/verify"),
            Auth::Session(&approver),
            Some(json!({"note": "属实", "founded": true})),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let verified = verified.json();
    assert_eq!(
        verified["rectification"]["due_now"],
        verified["rectification"]["due"]["rectify"]
    );
    assert_eq!(verified["rectification"]["overdue"], false);
    assert_eq!(app.get(&late, Auth::Session(&supervisor)).await.json()["total"], 0);
}
on_both_at_a_fixed_clock!(a_late_rectification_shows_as_overdue);

/// The metrics agree with the cases as the window shows them, the daily sums with a live
/// reading of the facts; the drill-down lists the cases behind a figure; the public page shows
/// no personal data; bad windows, unknown regions and departments are refused.
async fn metrics_agree_with_the_cases(app: App) {
    let cases = demo_cases(&app).await;
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    assert_eq!(
        rate(&app, &citizen, done, json!({"level": 2})).await.status,
        StatusCode::OK
    );
    let other = cases[2]["case_no"].as_str().unwrap();
    assert_eq!(
        rate(&app, &citizen, other, json!({"level": 5})).await.status,
        StatusCode::OK
    );
    let supervisor = app.login("supervisor").await;

    // What the window shows of each case.
    let mut views = Vec::new();
    for c in &cases {
        let path = format!("/api/v1/cases/{}", c["case_no"].as_str().unwrap());
        let view = app.get(&path, Auth::Session(&supervisor)).await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.text);
        views.push(view.json());
    }
    let concluded: Vec<&Value> = views
        .iter()
        .filter(|v| ["approved", "refused", "delivered", "evaluated"].contains(&v["status"].as_str().unwrap()))
        .collect();
    let timed: Vec<&&Value> = concluded.iter().filter(|v| v["days_used"].is_i64()).collect();
    let on_time = timed
        .iter()
        .filter(|v| {
            v["days_used"].as_i64().unwrap()
                <= v["promised_days"].as_i64().unwrap() + v["extended_days"].as_i64().unwrap()
        })
        .count();
    let sum = |key: &str| views.iter().map(|v| v["summary"][key].as_i64().unwrap()).sum::<i64>();
    let visits: i64 = views.iter().map(|v| v["visits"].as_i64().unwrap()).sum();

    // The facts follow the case feed, read 2 s behind on PostgreSQL (at once on SQLite).
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let metrics = app.get("/api/v1/supervision/metrics", Auth::Session(&supervisor)).await;
    assert_eq!(metrics.status, StatusCode::OK, "{}", metrics.text);
    let m = metrics.json();
    let c = &m["cases"];
    assert_eq!(c["received"], views.len(), "{m}");
    assert_eq!(c["concluded"], concluded.len(), "{m}");
    assert_eq!(c["on_time"], on_time, "{m}");
    let close = |a: &Value, b: f64| (a.as_f64().unwrap() - b).abs() < 1e-9;
    assert!(close(&c["mean_visits"], visits as f64 / views.len() as f64), "{m}");
    assert!(
        close(&c["fetched_share"], sum("fetched") as f64 / sum("required") as f64),
        "{m}"
    );
    let open = views
        .iter()
        .filter(|v| ["received", "supplementing", "processing"].contains(&v["status"].as_str().unwrap()))
        .count();
    assert_eq!(c["open"], open, "{m}");
    // Sharing: the requests made to the providers, as the exchange holds them.
    let row = sqlx::query("SELECT COUNT(*) AS n FROM sharing_requests WHERE status IN (2, 3, 5)")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let answered: i64 = sqlx::Row::try_get(&row, "n").unwrap();
    assert_eq!(m["sharing"]["answered"], answered, "{m}");
    assert!(m["sharing"]["requests"].as_i64().unwrap() >= answered, "{m}");
    // The operations figures for Prometheus read the same facts.
    yici_server::jobs::read_figures(&app.state).await;
    let prometheus = app.get("/metrics", Auth::None).await.text;
    let gauge = |name: &str| {
        prometheus
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
    };
    assert_eq!(gauge("yici_cases_open"), Some(open as f64), "{prometheus}");
    for name in [
        "yici_cases_overdue",
        "yici_tasks_overdue",
        "yici_outbox_pending",
        "yici_audit_pending_entries",
    ] {
        assert!(gauge(name).is_some(), "{name}: {prometheus}");
    }
    let e = &m["evaluations"];
    assert_eq!(
        (e["evaluations"].as_i64(), e["bad"].as_i64()),
        (Some(2), Some(1)),
        "{m}"
    );
    assert!(close(&e["mean_score"], 3.5), "{m}");
    assert!(close(&e["bad_rate"], 0.5), "{m}");
    assert!(m["items"]["total"].as_i64().unwrap() > 0, "{m}");

    // The facts the metrics read agree with the window's clock of each case.
    for v in &views {
        let no = v["case_no"].as_str().unwrap();
        let record = yici_window::service::cases::record(&app.state.window, no)
            .await
            .unwrap();
        let facts = app
            .store
            .case_facts(record.id)
            .await
            .unwrap()
            .expect("facts of every case");
        assert_eq!(facts.used_days, v["days_used"].as_i64(), "{no}");
        if facts.open {
            assert_eq!(facts.due_day.as_deref(), v["deadline"].as_str(), "{no}");
        }
        assert_eq!(facts.visits, v["visits"].as_i64().unwrap(), "{no}");
    }

    // The daily sums agree with the live reading, for every grouping.
    let window = yici_supervision::metrics::Window {
        from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        department_id: None,
        region: None,
    };
    for group in [
        yici_store::supervision::Group::All,
        yici_store::supervision::Group::Department,
        yici_store::supervision::Group::Region,
        yici_store::supervision::Group::Day,
    ] {
        let ((daily, live), (e_daily, e_live)) =
            yici_supervision::metrics::sums_both_ways(&app.state.window, &window, group)
                .await
                .unwrap();
        assert_eq!(daily, live, "{group:?}");
        assert_eq!(e_daily, e_live, "{group:?}");
    }

    // Drill-down: the cases behind a figure, as many as the figure, without personal data.
    let behind = app
        .get("/api/v1/supervision/cases?figure=concluded", Auth::Session(&supervisor))
        .await;
    assert_eq!(behind.status, StatusCode::OK, "{}", behind.text);
    let behind = behind.json();
    assert_eq!(behind["total"], concluded.len(), "{behind}");
    assert!(!behind.to_string().contains(CITIZEN.0), "{behind}");
    let open_behind = app
        .get("/api/v1/supervision/cases?figure=open", Auth::Session(&supervisor))
        .await
        .json();
    assert_eq!(open_behind["total"], open, "{open_behind}");

    // The public performance: no login, no personal data.
    let public = app.get("/api/v1/public/performance", Auth::None).await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
    assert!(
        !public.text.contains(CITIZEN.0) && !public.text.contains(CITIZEN.1),
        "{}",
        public.text
    );
    let p = public.json();
    assert_eq!(p["evaluations"], 2, "{p}");
    assert!(close(&p["satisfaction"], 0.5), "{p}");
    assert!(!p["departments"].as_array().unwrap().is_empty(), "{p}");

    // Bad input: every wrong field at once.
    let refused = app
        .get(
            "/api/v1/supervision/metrics?from=2026-12-31&to=2026-01-01&region=990000&department=999999",
            Auth::Session(&supervisor),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(sorted_fields(&refused), ["department", "region", "to"]);
    for query in ["?from=2024-01-01&to=2026-01-01", "?to=yesterday", "?region=33"] {
        let path = format!("/api/v1/public/performance{query}");
        assert_eq!(app.get(&path, Auth::None).await.code(), "validation_failed", "{query}");
    }
    let figure = app
        .get(
            "/api/v1/supervision/cases?figure=everything",
            Auth::Session(&supervisor),
        )
        .await;
    assert_eq!(fields(&figure), ["figure"]);

    // Who may read them: supervisors and operators, not citizens, clerks or approvers.
    for who in [&citizen, &app.login("window_clerk").await, &app.login("approver").await] {
        let refused = app.get("/api/v1/supervision/metrics", Auth::Session(who)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    }
    assert_eq!(
        app.get("/api/v1/supervision/metrics", Auth::None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let operator = app.login("operator").await;
    assert_eq!(
        app.get("/api/v1/supervision/metrics", Auth::Session(&operator))
            .await
            .status,
        StatusCode::OK
    );
}
on_both!(metrics_agree_with_the_cases);

/// The dashboard draws its figures and links each to the cases behind it; every table comes
/// as CSV; the rankings and the trend are in the API; the public page needs no login and shows
/// no personal data.
async fn the_dashboard_its_drill_down_and_the_public_page(app: App) {
    let cases = demo_cases(&app).await;
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    assert_eq!(
        rate(&app, &citizen, done, json!({"level": 1})).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let supervisor = app.login("supervisor").await;

    let page = app.get("/supervision", Auth::Session(&supervisor)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("<svg") && page.text.contains("aria-labelledby=\"trend-t trend-d\""));
    assert!(
        page.text.contains("href=\"/supervision/cases?figure=concluded\""),
        "each figure links to its cases"
    );
    assert!(page.text.contains("红黄牌") && page.text.contains("部门排名") && page.text.contains("区域排名"));
    assert!(!page.text.contains(CITIZEN.0), "no party's number");

    // Every table as CSV: the departments' ranking has a row per department of the API's.
    let ranking = app
        .get("/api/v1/supervision/rankings?by=department", Auth::Session(&supervisor))
        .await;
    assert_eq!(ranking.status, StatusCode::OK, "{}", ranking.text);
    let ranking = ranking.json();
    let rows = ranking["rows"].as_array().unwrap();
    assert!(!rows.is_empty(), "{ranking}");
    assert_eq!(rows[0]["rank"], 1);
    let csv = app
        .get("/supervision?table=departments&format=csv", Auth::Session(&supervisor))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    assert!(
        csv.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.text.trim_end().split("\r\n").collect();
    assert!(
        lines[0].contains("排名") && lines[0].contains("按时办结率"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), rows.len() + 1, "{}", csv.text);
    for table in ["regions", "cards", "trend"] {
        let path = format!("/supervision?table={table}&format=csv");
        let got = app.get(&path, Auth::Session(&supervisor)).await;
        assert_eq!(got.status, StatusCode::OK, "{table}: {}", got.text);
    }
    let unknown = app
        .get("/supervision?table=nothing&format=csv", Auth::Session(&supervisor))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // The drill-down page: the concluded cases, as many rows as the figure, and its CSV.
    let metrics = app
        .get("/api/v1/supervision/metrics", Auth::Session(&supervisor))
        .await
        .json();
    let concluded = metrics["cases"]["concluded"].as_u64().unwrap() as usize;
    let drill = app
        .get("/supervision/cases?figure=concluded", Auth::Session(&supervisor))
        .await;
    assert_eq!(drill.status, StatusCode::OK, "{}", drill.text);
    assert!(
        drill.text.contains(&format!("href=\"/cases/{done}\"")),
        "{}",
        drill.text
    );
    let drill_csv = app
        .get(
            "/supervision/cases?figure=concluded&format=csv",
            Auth::Session(&supervisor),
        )
        .await;
    assert_eq!(drill_csv.text.trim_end().split("\r\n").count(), concluded + 1);
    // A bad window marks the filter and shows nothing else.
    let bad = app
        .get("/supervision?from=2026-12-31&to=2026-01-01", Auth::Session(&supervisor))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("aria-invalid=\"true\""), "{}", bad.text);
    let by = app
        .get("/api/v1/supervision/rankings?by=nobody", Auth::Session(&supervisor))
        .await;
    assert_eq!(fields(&by), ["by"]);

    // The trend: one point a day of the window.
    let trend = app
        .get(
            "/api/v1/supervision/trend?from=2026-11-01&to=2026-11-30",
            Auth::Session(&supervisor),
        )
        .await
        .json();
    assert_eq!(trend["points"].as_array().unwrap().len(), 30, "{trend}");

    // The reviews behind the evaluation figures.
    let reviews = app
        .get("/supervision/reviews?bad=true", Auth::Session(&supervisor))
        .await;
    assert_eq!(reviews.status, StatusCode::OK, "{}", reviews.text);
    assert!(reviews.text.contains("非常不满意"), "{}", reviews.text);

    // The public page: no login, no personal data, as CSV too.
    let public = app.get("/performance", Auth::None).await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
    assert!(public.text.contains("各部门服务绩效"));
    assert!(!public.text.contains(CITIZEN.0) && !public.text.contains(CITIZEN.1));
    let public_csv = app.get("/performance?format=csv", Auth::None).await;
    assert!(public_csv.text.contains("满意率"), "{}", public_csv.text);

    // Staff without the right see no dashboard.
    let clerk = app.login("window_clerk").await;
    assert_eq!(
        app.get("/supervision", Auth::Session(&clerk)).await.status,
        StatusCode::FORBIDDEN
    );
}
on_both!(the_dashboard_its_drill_down_and_the_public_page);

/// A case that passes its deadline turns red: its department and the supervisor are told once,
/// however often the alerts are raised.
async fn an_overdue_case_is_told_once(app: App) {
    let cases = demo_cases(&app).await;
    let window = &app.state.window;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let first = yici_supervision::metrics::raise_alerts(window).await.unwrap();
    // Days pass until every open case of the demo is past its deadline.
    let open: Vec<&str> = cases
        .iter()
        .filter(|c| c["status"] == "processing")
        .map(|c| c["case_no"].as_str().unwrap())
        .collect();
    assert!(!open.is_empty(), "the demo has a case in processing");
    for _ in 0..60 {
        window.clock.advance(86_400_000_000);
    }
    let raised = yici_supervision::metrics::raise_alerts(window).await.unwrap();
    for no in &open {
        assert!(
            raised
                .iter()
                .any(|a| a.kind == "case" && a.object_key == *no && a.colour == "red"),
            "{no}: {raised:?}"
        );
    }
    assert!(
        yici_supervision::metrics::raise_alerts(window)
            .await
            .unwrap()
            .is_empty(),
        "each turn is told once"
    );
    // The supervisor sees them; the department's approver sees its own; a citizen nothing.
    let supervisor = app.login("supervisor").await;
    let seen = app.get("/api/v1/supervision/alerts", Auth::Session(&supervisor)).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    let seen = seen.json();
    assert_eq!(
        seen["total"].as_i64().unwrap(),
        (first.len() + raised.len()) as i64,
        "{seen}"
    );
    let row = sqlx::query("SELECT department_id FROM users WHERE username = 'approver'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let land: i64 = sqlx::Row::try_get(&row, "department_id").unwrap();
    let approver = app.login("approver").await;
    let own = app
        .get("/api/v1/supervision/alerts", Auth::Session(&approver))
        .await
        .json();
    let own = own["items"].as_array().unwrap();
    assert!(own.iter().all(|a| a["department_id"] == land), "{own:?}");
    assert_eq!(
        own.len(),
        first.iter().chain(&raised).filter(|a| a.department_id == land).count(),
        "{own:?}"
    );
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    assert_eq!(
        app.get("/api/v1/supervision/alerts", Auth::Session(&citizen))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The page lists the department's alerts, each linked to where to act.
    let page = app.page("/supervision/alerts", Some(&approver)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for a in own {
        let link = format!("href=\"{}\"", a["link"].as_str().unwrap());
        assert!(page.text.contains(&link), "{link}: {}", page.text);
    }
}
on_both_at_a_fixed_clock!(an_overdue_case_is_told_once);

/// An assessment ranks the departments by the weights in force and keeps the version it used;
/// weights are versioned, never changed; inspections are recorded with a follow-up deadline and
/// followed up once.
async fn departments_are_assessed_with_versioned_weights(app: App) {
    let cases = demo_cases(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let supervisor = app.login("supervisor").await;
    let post = |path: &'static str, body: Value| {
        let (app, who) = (&app, supervisor.clone());
        async move { app.call(Method::POST, path, Auth::Session(&who), Some(body)).await }
    };
    let weights = app.get("/api/v1/supervision/weights", Auth::Session(&supervisor)).await;
    assert_eq!(weights.status, StatusCode::OK, "{}", weights.text);
    assert_eq!(weights.json()["current"]["version"], 0, "the defaults until set");

    // The first assessment records the defaults as version 1.
    let first = post("/api/v1/supervision/assessments", json!({})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let first = first.json();
    assert_eq!(first["weights_version"], 1, "{first}");
    let lines = first["results"].as_array().unwrap();
    assert!(!lines.is_empty(), "{first}");
    let scores: Vec<f64> = lines.iter().map(|l| l["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by score: {scores:?}");
    assert!(scores.iter().all(|s| (0.0..=100.0).contains(s)), "{scores:?}");
    assert_eq!(lines[0]["rank"], 1);

    // New weights are a new version; bad ones are refused, every field named.
    let bad = post(
        "/api/v1/supervision/weights",
        json!({"weights": {"nonsense": 1, "at_most_once_share": -1}}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(sorted_fields(&bad), ["weights.at_most_once_share", "weights.nonsense"]);
    assert_eq!(
        fields(&post("/api/v1/supervision/weights", json!({"weights": {}})).await),
        ["weights"]
    );
    let set = post(
        "/api/v1/supervision/weights",
        json!({"weights": {"on_time_rate": 100}, "note": "只看按时办结"}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.json()["version"], 2);
    let second = post("/api/v1/supervision/assessments", json!({})).await.json();
    assert_eq!(second["weights_version"], 2, "{second}");
    for line in second["results"].as_array().unwrap() {
        let on_time = line["metrics"]["on_time_rate"].as_f64().unwrap();
        assert!(
            (line["score"].as_f64().unwrap() - 100.0 * on_time).abs() < 1e-9,
            "{line}"
        );
    }
    // The first assessment keeps the version it used.
    let path = format!("/api/v1/supervision/assessments/{}", first["id"]);
    assert_eq!(
        app.get(&path, Auth::Session(&supervisor)).await.json()["weights_version"],
        1
    );
    let all = app
        .get("/api/v1/supervision/assessments", Auth::Session(&supervisor))
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let history = app
        .get("/api/v1/supervision/weights", Auth::Session(&supervisor))
        .await
        .json();
    assert_eq!(history["current"]["version"], 2);
    assert_eq!(history["history"].as_array().unwrap().len(), 2);

    // An inspection of a case, followed up once.
    let due = yici_core::calendar::day_text(app.state.window.clock.today() + chrono::Duration::days(10));
    let case_no = cases[1]["case_no"].as_str().unwrap();
    let refused = post(
        "/api/v1/supervision/inspections",
        json!({"target_kind": "x", "target_key": "y", "finding": " ", "follow_up_due": "2020-01-01"}),
    )
    .await;
    assert_eq!(sorted_fields(&refused), ["finding", "follow_up_due", "target_kind"]);
    let unknown = post(
        "/api/v1/supervision/inspections",
        json!({"target_kind": "case", "target_key": "nothing", "finding": "x", "follow_up_due": due}),
    )
    .await;
    assert_eq!(fields(&unknown), ["target_key"]);
    let inspected = post(
        "/api/v1/supervision/inspections",
        json!({"target_kind": "case", "target_key": case_no, "finding": "补正告知超过一次", "follow_up_due": due}),
    )
    .await;
    assert_eq!(inspected.status, StatusCode::OK, "{}", inspected.text);
    let inspected = inspected.json();
    assert_eq!(inspected["follow_up_due"], due.as_str());
    assert!(inspected["outcome"].is_null());
    let follow = format!("/api/v1/supervision/inspections/{}/follow-up", inspected["id"]);
    let done = app
        .call(
            Method::POST,
            &follow,
            Auth::Session(&supervisor),
            Some(json!({"outcome": "rectified", "note": "已整改"})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.json()["outcome"], "rectified");
    let again = app
        .call(
            Method::POST,
            &follow,
            Auth::Session(&supervisor),
            Some(json!({"outcome": "rectified"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let listed = app
        .get("/api/v1/supervision/inspections", Auth::Session(&supervisor))
        .await
        .json();
    assert_eq!(listed["total"], 1);

    // The page: the ranking of the newest assessment, its forms; a form refused keeps its input
    // and marks the field; a form accepted goes back to the page.
    let page = app.page("/supervision/assessment", Some(&supervisor)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("考核排名") && page.text.contains("督察记录") && page.text.contains("调整考核权重"));
    assert!(page.text.contains("补正告知超过一次"), "the inspection is listed");
    let refused = app
        .form(
            "/supervision/assessment/weights",
            &supervisor,
            &[("weights.on_time_rate", "many"), ("weights.fetched_share", "5")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK, "shown again: {}", refused.text);
    assert!(refused.text.contains("aria-invalid=\"true\"") && refused.text.contains("value=\"many\""));
    let ran = app.form("/supervision/assessment/run", &supervisor, &[]).await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.text);
    assert!(
        ran.headers[axum::http::header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/supervision/assessment?id=")
    );
    let ranking_csv = app
        .page("/supervision/assessment?table=ranking&format=csv", Some(&supervisor))
        .await;
    assert!(ranking_csv.text.contains("得分"), "{}", ranking_csv.text);

    // Only supervisors assess and inspect.
    let approver = app.login("approver").await;
    for path in ["/api/v1/supervision/assessments", "/api/v1/supervision/inspections"] {
        let refused = app
            .call(Method::POST, path, Auth::Session(&approver), Some(json!({})))
            .await;
        assert_eq!(refused.status.as_u16() / 100, 4, "{path}: {}", refused.text);
        assert_ne!(refused.status, StatusCode::OK);
    }
    let operator = app.login("operator").await;
    let weighed = app
        .call(
            Method::POST,
            "/api/v1/supervision/weights",
            Auth::Session(&operator),
            Some(json!({"weights": {"on_time_rate": 1}})),
        )
        .await;
    assert_eq!(weighed.status, StatusCode::FORBIDDEN, "{}", weighed.text);
}
on_both!(departments_are_assessed_with_versioned_weights);

/// The review page: the department's approver takes the rectification's steps through its
/// forms, the party appeals the verification that found the review unfounded, a supervisor
/// upholds the appeal and marks the review; a form refused keeps its input and marks the field.
async fn a_bad_review_is_rectified_through_its_page(app: App) {
    let cases = demo_cases(&app).await;
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let done = cases[0]["case_no"].as_str().unwrap();
    let given = rate(&app, &citizen, done, json!({"level": 1, "comment": "窗口态度差"}))
        .await
        .json();
    let id = given["id"].as_i64().unwrap();
    let path = format!("/evaluations/{id}");
    let approver = app.login("approver").await;
    let page = app.page(&path, Some(&approver)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("窗口态度差") && page.text.contains("提交核实结果"),
        "{}",
        page.text
    );

    // Nothing chosen: the form comes back with the field marked and the note kept.
    let verify = format!("{path}/verify");
    let refused = app
        .form(&verify, &approver, &[("founded", ""), ("note", "已调取录像")])
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.text);
    assert!(refused.text.contains("aria-invalid=\"true\"") && refused.text.contains("已调取录像"));
    let step = |path: String, who: &common::Session, fields: Vec<(&'static str, &'static str)>| {
        let (app, who) = (&app, who.clone());
        async move {
            let res = app.form(&path, &who, &fields).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}: {}", res.text);
        }
    };
    step(
        verify.clone(),
        &approver,
        vec![("founded", "no"), ("note", "录像显示态度正常")],
    )
    .await;
    step(
        format!("{path}/reply"),
        &approver,
        vec![("note", "经核实，窗口人员按规范办理")],
    )
    .await;
    // The party appeals from the same page.
    let theirs = app.page(&path, Some(&citizen)).await;
    assert!(theirs.text.contains("提交申诉"), "{}", theirs.text);
    step(
        format!("{path}/appeal"),
        &citizen,
        vec![("reason", "当时等候超过一小时")],
    )
    .await;
    // The supervisor upholds it: the review goes to rectification; then marks nothing twice.
    let supervisor = app.login("supervisor").await;
    let supervised = app.page(&path, Some(&supervisor)).await;
    assert!(supervised.text.contains("提交复核结果"), "{}", supervised.text);
    step(
        format!("{path}/decision"),
        &supervisor,
        vec![("upheld", "yes"), ("note", "申诉成立")],
    )
    .await;
    let api = app
        .get(&format!("/api/v1/evaluations/{id}"), Auth::Session(&supervisor))
        .await
        .json();
    assert_eq!(api["rectification"]["step"], "rectify", "{api}");
    assert_eq!(api["rectification"]["appeal_upheld"], true, "{api}");
    // Out of order: the revisit now is a conflict, shown on the page, nothing written.
    let early = app
        .form(
            &format!("{path}/revisit"),
            &approver,
            &[("satisfied", "yes"), ("note", "x")],
        )
        .await;
    assert_eq!(early.status, StatusCode::OK, "{}", early.text);
    let after = app
        .get(&format!("/api/v1/evaluations/{id}"), Auth::Session(&supervisor))
        .await
        .json();
    assert_eq!(after["rectification"]["step"], "rectify");
    step(format!("{path}/malicious"), &supervisor, vec![("reason", "测试认定")]).await;
    assert!(app.page(&path, Some(&supervisor)).await.text.contains("认定为恶意评价"));
    // Someone else finds no review; staff of another role cannot take a step.
    let stranger = app.login_applicant(OTHER.0, OTHER.1).await;
    assert_eq!(app.page(&path, Some(&stranger)).await.status, StatusCode::NOT_FOUND);
    let clerk = app.login("window_clerk").await;
    let refused = app.form(&verify, &clerk, &[("founded", "yes"), ("note", "x")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
on_both!(a_bad_review_is_rectified_through_its_page);
