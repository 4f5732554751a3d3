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
    let rate = |body: Value| {
        let (app, path, citizen) = (&app, path.clone(), &citizen);
        async move { app.call(Method::POST, &path, Auth::Session(citizen), Some(body)).await }
    };

    // Bad input, all wrong fields at once: nothing is written.
    let bad = rate(json!({"level": 6, "channel": "fax", "comment": "太慢"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["level", "channel"]);
    for level in [0, -1, 9_999_999_999i64] {
        assert_eq!(rate(json!({"level": level})).await.code(), "validation_failed");
    }
    let long = rate(json!({"level": 3, "comment": "慢".repeat(501)})).await;
    assert_eq!(long.code(), "validation_failed", "{}", long.text);
    assert_eq!(rate(json!({"level": "5"})).await.status.as_u16() / 100, 4);
    assert_eq!(evaluations_in_store(&app).await, 0);

    // A case not yet concluded cannot be rated.
    let early = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{waiting}/evaluation"),
            Auth::Session(&citizen),
            Some(json!({"level": 5})),
        )
        .await;
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
    let given = rate(json!({"level": 2, "comment": "材料退回两次", "channel": "qr"})).await;
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
    let again = rate(json!({"level": 5})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.code(), "already_evaluated");
    assert_eq!(evaluations_in_store(&app).await, 1);

    // Another concluded case of the same party, rated well: no rectification.
    let other_case = cases[2]["case_no"].as_str().unwrap();
    assert_eq!(cases[2]["status"], "delivered");
    let good = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{other_case}/evaluation"),
            Auth::Session(&citizen),
            Some(json!({"level": 5, "comment": "一次办好"})),
        )
        .await;
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
