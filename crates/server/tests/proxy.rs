//! Proxy mode: lookups answered by the provider's own endpoint, with a timeout, a retry and a
//! circuit breaker, through the same grant filter and masking. Real local HTTP upstreams.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, Auth, Backend};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use yici_core::id::CitizenId;

fn person(n: u32) -> String {
    CitizenId::with_check(&format!("33010619800101{n:03}"))
        .unwrap()
        .to_string()
}

/// A local upstream: `ok` answers for person 1, `slow` sleeps, `failing` answers 500.
async fn upstream(kind: &'static str, hits: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/people",
        axum::routing::get(move |axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>| {
            let hits = hits.clone();
            async move {
                hits.fetch_add(1, Ordering::SeqCst);
                match kind {
                    "slow" => {
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        (StatusCode::OK, "{}".to_string())
                    }
                    "failing" => (StatusCode::INTERNAL_SERVER_ERROR, "boom".to_string()),
                    _ if q.get("公民身份号码") == Some(&person(1)) => (
                        StatusCode::OK,
                        json!({"姓名": "张三", "公民身份号码": person(1), "住址": "浙江省杭州市西湖区文三路90号", "内部备注": "x"}).to_string(),
                    ),
                    _ => (StatusCode::NOT_FOUND, String::new()),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/people")
}

async fn proxied_lookups(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let police = app.police_steward().await;
    let steward = app.login("data_steward").await;
    let people = app.resource("人口基础信息").await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let req = json!({"resource_id": people.id, "consumer_department_id": market, "system_id": system, "items": ["姓名", "公民身份号码"],
        "purpose": "企业开办时核验法定代表人身份", "legal_basis": "《市场主体登记管理条例》", "valid_from": "2026-01-01", "valid_until": "2027-11-26"});
    let id = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&steward),
            Some(req),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.call(
        Method::POST,
        &format!("/api/v1/sharing/requests/{id}/decision"),
        Auth::Session(&police),
        Some(json!({"decision": "approve", "items": ["姓名", "公民身份号码"]})),
    )
    .await;
    let token = app.token("市场主体登记系统");
    let set = |url: &str| {
        let (app, police, url) = (&app, police.clone(), url.to_string());
        async move {
            app.call(
                Method::PUT,
                &format!("/api/v1/datasets/{}/endpoint", people.id),
                Auth::Session(&police),
                Some(json!({"url": url})),
            )
            .await
        }
    };
    let get = |key: String| {
        let (app, token, code) = (&app, token.clone(), people.code.clone());
        async move {
            let req = Request::builder()
                .uri(format!(
                    "/api/v1/exchange/{code}/records?{}={key}",
                    common::enc("公民身份号码")
                ))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header("x-yici-purpose", "proxy")
                .body(Body::empty())
                .unwrap();
            app.send(req).await
        }
    };

    assert_eq!(
        set("https://example.org/people").await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "https is not supported yet"
    );
    assert_eq!(set("not a url").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok_hits = Arc::new(AtomicUsize::new(0));
    assert_eq!(
        set(&upstream("ok", ok_hits.clone()).await).await.status,
        StatusCode::NO_CONTENT
    );
    let res = get(person(1)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let record = &res.json()["records"][0];
    assert_eq!(record["姓名"], "张*");
    assert!(
        record.get("住址").is_none() && record.get("内部备注").is_none(),
        "only granted items pass"
    );
    assert_eq!(get(person(2)).await.json()["missing"], json!([person(2)]));

    // A slow endpoint times out (the test server allows 200 ms).
    let slow = Arc::new(AtomicUsize::new(0));
    set(&upstream("slow", slow.clone()).await).await;
    assert_eq!(get(person(1)).await.code(), "upstream_timeout");

    // A failing one is retried once, then reported; after five failed calls the circuit opens.
    let failing = Arc::new(AtomicUsize::new(0));
    set(&upstream("failing", failing.clone()).await).await;
    assert_eq!(get(person(1)).await.code(), "upstream_unavailable");
    assert_eq!(failing.load(Ordering::SeqCst), 2, "one retry");
    for _ in 0..4 {
        get(person(1)).await;
    }
    let before = failing.load(Ordering::SeqCst);
    let res = get(person(1)).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.code(), "upstream_circuit_open");
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(
        failing.load(Ordering::SeqCst),
        before,
        "an open circuit does not call the endpoint"
    );
}

#[tokio::test]
async fn proxied_lookups_sqlite() {
    let app = App::start_with(Backend::Sqlite, |c| {
        c.upstream_timeout = std::time::Duration::from_millis(200)
    })
    .await
    .unwrap();
    proxied_lookups(app).await;
}

#[tokio::test]
async fn proxied_lookups_postgres() {
    if let Some(app) = App::start_with(Backend::Postgres, |c| {
        c.upstream_timeout = std::time::Duration::from_millis(200)
    })
    .await
    {
        proxied_lookups(app).await;
    }
}
