//! The home page starts work: each role sees counts of what waits for it, linking to the list
//! behind them; citizens see their certificates, who used their data, and services.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth};
use serde_json::json;

const CITIZEN: &str = "11010519491231002X";

/// The tile linking to `href`, with its count.
fn tile(text: &str, href: &str, count: usize, label: &str) -> bool {
    text.contains(&format!(
        "<a class=\"card tile\" href=\"{href}\"><strong class=\"count\">{count}</strong> {label}"
    ))
}

async fn each_role_sees_what_waits_for_it(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    let steward = app.login("data_steward").await;
    let police = app.police_steward().await;
    let op = app.login("operator").await;
    let issuer = app.login("cert_issuer").await;

    // Before anything is asked: zero requests to answer.
    let home = app.page("/", Some(&police)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        tile(&home.text, "/sharing/requests?view=incoming", 0, "待答复的共享申请"),
        "{}",
        home.text
    );

    // The market regulator asks the police for two items; the police steward sees one request
    // to answer, with its deadline, and the message about it.
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let people = app.resource("人口基础信息").await.id;
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&steward),
            Some(json!({
                "resource_id": people, "consumer_department_id": market, "system_id": system,
                "items": ["姓名"], "purpose": "企业开办时核验法定代表人身份",
                "legal_basis": "《市场主体登记管理条例》",
                "valid_from": "2026-11-30", "valid_until": "2027-11-29"
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let deadline = res.json()["deadline"].as_str().unwrap().to_string();
    let home = app.page("/", Some(&police)).await;
    assert!(tile(
        &home.text,
        "/sharing/requests?view=incoming",
        1,
        "待答复的共享申请"
    ));
    let day = chrono::NaiveDate::parse_from_str(&deadline, "%Y-%m-%d").unwrap();
    assert!(
        home.text.contains(&format!(
            "最早 {} 到期",
            yici_web::page::format_day(day, yici_core::Lang::Zh)
        )),
        "{}",
        home.text
    );
    assert!(tile(&home.text, "/notifications", 1, "近7天的消息"), "{}", home.text);

    // The operator: resources to review (as many as the review queue lists) and requests to
    // coordinate.
    let home = app.page("/", Some(&op)).await;
    let queue = app
        .get("/api/v1/catalogue/drafts?queue=pending&limit=200", Auth::Session(&op))
        .await
        .json();
    let pending = queue["items"].as_array().unwrap().len();
    assert!(
        tile(&home.text, "/catalogue/review", pending, "待审核的数据资源"),
        "{}",
        home.text
    );
    assert!(tile(
        &home.text,
        "/sharing/requests?view=escalated",
        0,
        "待协调的共享申请"
    ));

    // The issuer's certificates: none suspended yet; one suspended is one to act on.
    let home = app.page("/", Some(&issuer)).await;
    assert!(tile(&home.text, "/certificates", 0, "暂停使用的证照"), "{}", home.text);
    let mine = app
        .get("/api/v1/certificates?limit=200", Auth::Session(&issuer))
        .await
        .json();
    let id = mine.as_array().unwrap()[0]["identifier"].as_str().unwrap().to_string();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/certificates/{}/operations", common::enc(&id)),
            Auth::Session(&issuer),
            Some(json!({"operation": "suspend", "reason": "挂失"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let home = app.page("/", Some(&issuer)).await;
    assert!(tile(&home.text, "/certificates", 1, "暂停使用的证照"), "{}", home.text);

    // The citizen: their certificates, who used their data, and services; no staff shortcuts.
    let me = app.login_applicant(CITIZEN, "张三").await;
    let held = app.get("/api/v1/me/certificates", Auth::Session(&me)).await.json();
    let count = held.as_array().unwrap().len();
    assert!(count > 0);
    let home = app.page("/", Some(&me)).await;
    assert!(tile(&home.text, "/me/certificates", count, "我的证照"), "{}", home.text);
    assert!(home.text.contains("href=\"/me/data-uses\"") && home.text.contains("谁用了我的数据"));
    assert!(home.text.contains("href=\"/verify\"") && !home.text.contains("常用功能"));

    // Visitors see the ways in, and no counts.
    let visitor = app.page("/", None).await;
    assert!(!visitor.text.contains("card tile") && visitor.text.contains("href=\"/login\""));
}
on_both!(each_role_sees_what_waits_for_it);
