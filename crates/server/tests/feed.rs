//! The change feed: changes pushed to signed webhooks and to NATS JetStream, at least once,
//! retried, and waiting while NATS is away.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, Auth};
use serde_json::{Value, json};
use yici_core::id::CitizenId;

/// The people the demo loads into 人口基础信息 (each a change on the feed).
const DEMO_PEOPLE: usize = 4;

async fn changes_are_pushed_to_signed_webhooks_at_least_once(app: App) {
    use std::sync::{Arc, Mutex};
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    // A subscriber that refuses the first delivery and accepts the next.
    /// Signature header and body of each accepted delivery.
    type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;
    let received: Received = Arc::default();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (r2, c2) = (received.clone(), calls.clone());
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let (received, calls) = (r2.clone(), c2.clone());
            async move {
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                let sig = headers
                    .get("x-yici-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                received.lock().unwrap().push((sig, body.to_vec()));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });

    let creds: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    let token = creds["systems"][0]["token"].as_str().unwrap().to_string();
    let allowed = creds["systems"][0]["example_calls"]["allowed"]
        .as_str()
        .unwrap()
        .to_string();
    let code = resource_code(&allowed);
    // Addresses inside the platform's network are refused unless the operator allows them
    // (the tests allow 127.0.0.1, where the subscriber listens).
    for inward in [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.8/hook",
        "http://[::1]/hook",
        "http://localhost:9/hook",
    ] {
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/exchange/{code}/webhooks"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"url": inward}).to_string()))
            .unwrap();
        let res = app.send(req).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{inward}: {}", res.text);
        assert_eq!(res.json()["errors"][0]["field"], "url");
    }
    let subscribe = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/exchange/{code}/webhooks"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"url": format!("http://{addr}/hook")}).to_string()))
        .unwrap();
    let res = app.send(subscribe).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let secret = res.json()["secret"].as_str().unwrap().to_string();

    // A provider changes a row: the outbox row commits with it.
    let police = app.police_steward().await;
    let people = app.resource("人口基础信息").await;
    let rows = json!([{"姓名": "张三", "公民身份号码": CitizenId::with_check("33010619800101001").unwrap().to_string(), "住址": "浙江省杭州市西湖区新址1号"}]);
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/datasets/{}/rows", people.id),
            Auth::Session(&police),
            Some(rows),
        )
        .await;
    assert_eq!(res.json()["updated"], 1, "{}", res.text);

    // The demo rows not yet relayed and the change are due; the subscriber refuses the first.
    let now = yici_store::now_micros();
    assert_eq!(
        yici_exchange::feed::relay_once(&app.state.exchange(), now)
            .await
            .unwrap(),
        (DEMO_PEOPLE, 1)
    );
    assert_eq!(
        yici_exchange::feed::relay_once(&app.state.exchange(), now)
            .await
            .unwrap(),
        (0, 0),
        "not due again yet"
    );
    assert_eq!(
        yici_exchange::feed::relay_once(&app.state.exchange(), now + 10_000_000)
            .await
            .unwrap(),
        (1, 0),
        "retried and accepted"
    );
    assert_eq!(
        yici_exchange::feed::relay_once(&app.state.exchange(), now + 20_000_000)
            .await
            .unwrap(),
        (0, 0),
        "each delivered once accepted"
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), DEMO_PEOPLE + 1);
    for (sig, body) in &got {
        assert_eq!(
            sig,
            &format!(
                "hmac-sm3={}",
                hex::encode(yici_crypto::hmac_sm3(secret.as_bytes(), body))
            )
        );
        let pushed: Value = serde_json::from_slice(body).unwrap();
        assert!(
            pushed["record"]["姓名"].as_str().unwrap().ends_with('*'),
            "masked as in lookups: {pushed}"
        );
    }
    let versions: Vec<i64> = got
        .iter()
        .map(|(_, b)| serde_json::from_slice::<Value>(b).unwrap()["version"].as_i64().unwrap())
        .collect();
    assert!(
        versions.contains(&2),
        "the changed row arrives as version 2: {versions:?}"
    );
}
on_both!(changes_are_pushed_to_signed_webhooks_at_least_once);

/// The resource code in a demo example call's path.
fn resource_code(path: &str) -> String {
    path.trim_start_matches("/api/v1/exchange/")
        .split("/records")
        .next()
        .unwrap()
        .to_string()
}

/// A NATS subscription of a system to a resource, made directly in the store.
async fn nats_subscription(app: &App, system_id: i64, resource_id: i64) {
    let event = yici_core::audit::AuditEvent::new(
        0,
        yici_core::audit::Actor::named("test"),
        yici_core::audit::Action::WebhookAdd,
        "webhook",
        "t",
    );
    app.store
        .webhook_add(
            system_id,
            resource_id,
            yici_store::outbox::Transport::Nats,
            "",
            "whsec_test",
            &event,
        )
        .await
        .unwrap();
}

async fn changes_are_pushed_to_nats_jetstream(app: App) {
    use futures_util::StreamExt;
    use yici_server::yici_nats::{NatsConfig, NatsPush};
    let Some(url) = common::test_nats().await else { return };
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let creds: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    let token = creds["systems"][0]["token"].as_str().unwrap().to_string();
    let allowed = creds["systems"][0]["example_calls"]["allowed"]
        .as_str()
        .unwrap()
        .to_string();
    let code = resource_code(&allowed);
    let subscribe = || {
        Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/exchange/{code}/streams"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    // Without --nats the platform says so.
    let res = app.send(subscribe()).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    assert_eq!(res.json()["code"], "nats_not_configured");

    // A stream of this test's own, so parallel runs never meet.
    let tag = yici_crypto::token::short_id();
    let config = NatsConfig {
        url: url.clone(),
        stream: format!("YICI_TEST_{tag}"),
        subject_prefix: format!("yicitest.{tag}"),
    };
    app.state
        .nats
        .set(NatsPush::connect(config.clone()).await.unwrap())
        .unwrap();
    let res = app.send(subscribe()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let created = res.json();
    let subject = created["subject"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert_eq!(created["stream"], config.stream.as_str());
    assert!(subject.starts_with(&format!("yicitest.{tag}.s")), "{subject}");
    // A second subscription of the same system to the same resource is refused.
    assert_eq!(app.send(subscribe()).await.status, StatusCode::CONFLICT);

    // The demo rows are due; each is published and acknowledged by the stream once.
    let now = yici_store::now_micros();
    let (delivered, failed) = yici_exchange::feed::relay_once(&app.state.exchange(), now)
        .await
        .unwrap();
    assert_eq!((delivered, failed), (DEMO_PEOPLE, 0));
    assert_eq!(
        yici_exchange::feed::relay_once(&app.state.exchange(), now + 10_000_000)
            .await
            .unwrap(),
        (0, 0),
        "nothing is published twice once acknowledged"
    );

    let ids: Vec<i64> = subject.rsplit('.').take(2).map(|t| t[1..].parse().unwrap()).collect();
    let (resource_id, system_id) = (ids[0], ids[1]);
    let granted = app
        .store
        .grants_for(system_id, resource_id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|g| g.items)
        .collect::<Vec<String>>();
    assert!(!granted.is_empty());
    let client = async_nats::connect(url.trim_start_matches("nats://")).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream(&config.stream).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, DEMO_PEOPLE as u64);
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            filter_subject: subject.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer
        .fetch()
        .max_messages(10)
        .expires(std::time::Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    let mut seen = 0;
    while let Some(m) = messages.next().await {
        let m = m.unwrap();
        let headers = m.headers.clone().unwrap();
        assert_eq!(
            headers.get("X-Yici-Signature").unwrap().as_str(),
            format!(
                "hmac-sm3={}",
                hex::encode(yici_crypto::hmac_sm3(secret.as_bytes(), &m.payload))
            )
        );
        assert!(headers.get("Nats-Msg-Id").is_some());
        let pushed: Value = serde_json::from_slice(&m.payload).unwrap();
        assert!(
            pushed["record"]["姓名"].as_str().unwrap().ends_with('*'),
            "masked as in lookups: {pushed}"
        );
        let record = pushed["record"].as_object().unwrap();
        assert!(
            record.keys().all(|k| granted.contains(k)),
            "items outside the grant never leave: {pushed} (granted {granted:?})"
        );
        m.ack().await.unwrap();
        seen += 1;
    }
    assert_eq!(seen, DEMO_PEOPLE);

    // The same message published again (a crash between the acknowledgement and its record) is
    // stored once.
    let push = app.state.nats.get().unwrap();
    let again = stream.get_raw_message(1).await.unwrap();
    let id = format!(
        "{}-{}",
        created["id"],
        serde_json::from_slice::<Value>(&again.payload).unwrap()["position"]
    );
    push.publish(&subject, &id, "hmac-sm3=00", again.payload.to_vec())
        .await
        .unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, DEMO_PEOPLE as u64);
    js.delete_stream(&config.stream).await.unwrap();
}
on_both!(changes_are_pushed_to_nats_jetstream);

async fn nats_deliveries_wait_for_nats(app: App) {
    // A NATS subscription's deliveries wait for an instance with a NATS connection: nothing is
    // dropped, and an instance without one does not push their retries back.
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let creds: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    let system = app
        .store
        .list_systems(None)
        .await
        .unwrap()
        .into_iter()
        .find(|s| Some(s.name.as_str()) == creds["systems"][0]["name"].as_str())
        .unwrap();
    let grants = app.store.grants(None, yici_store::Page::all()).await.unwrap();
    let grant = grants.iter().find(|g| g.system_id == system.id).unwrap();
    nats_subscription(&app, system.id, grant.resource_id).await;
    // This instance has no NATS connection: it leaves the deliveries due for one that has.
    let now = yici_store::now_micros();
    assert_eq!(
        yici_exchange::feed::relay_once(&app.state.exchange(), now)
            .await
            .unwrap(),
        (0, 0)
    );
    let due = app.store.outbox_due(now + 600_000_000, 100, true).await.unwrap();
    assert_eq!(due.len(), DEMO_PEOPLE, "kept, not attempted");
    assert!(due.iter().all(|d| d.attempts == 0));
    assert!(app.store.outbox_due(now, 100, false).await.unwrap().is_empty());
    // Once connected, the same instance delivers them.
    let Some(url) = common::test_nats().await else { return };
    let tag = yici_crypto::token::short_id();
    let config = yici_server::yici_nats::NatsConfig {
        url,
        stream: format!("YICI_TEST_{tag}"),
        subject_prefix: format!("yicitest.{tag}"),
    };
    app.state
        .nats
        .set(yici_server::yici_nats::NatsPush::connect(config.clone()).await.unwrap())
        .unwrap();
    assert_eq!(
        yici_exchange::feed::relay_once(&app.state.exchange(), now)
            .await
            .unwrap(),
        (DEMO_PEOPLE, 0)
    );
    let client = async_nats::connect(config.url.trim_start_matches("nats://"))
        .await
        .unwrap();
    async_nats::jetstream::new(client)
        .delete_stream(&config.stream)
        .await
        .unwrap();
}
on_both!(nats_deliveries_wait_for_nats);

async fn an_unreachable_nats_costs_one_attempt_per_pass(app: App) {
    // NATS configured but not reachable: one delivery is tried and fails, the others stay due
    // untouched, and the pass ends instead of waiting out every publish.
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let grants = app.store.grants(None, yici_store::Page::all()).await.unwrap();
    let grant = &grants[0];
    nats_subscription(&app, grant.system_id, grant.resource_id).await;
    // Nothing listens on port 9 of the loopback address.
    let config = yici_server::yici_nats::NatsConfig::new("nats://127.0.0.1:9");
    app.state
        .nats
        .set(yici_server::yici_nats::NatsPush::connect(config).await.unwrap())
        .unwrap();
    let now = yici_store::now_micros();
    let (delivered, failed) = yici_exchange::feed::relay_once(&app.state.exchange(), now)
        .await
        .unwrap();
    assert_eq!((delivered, failed), (0, 1));
    let due = app.store.outbox_due(now + 600_000_000, 100, true).await.unwrap();
    assert_eq!(due.len(), DEMO_PEOPLE, "nothing lost");
    assert_eq!(
        due.iter().filter(|d| d.attempts == 0).count(),
        DEMO_PEOPLE - 1,
        "the others were not tried"
    );
}
on_both!(an_unreachable_nats_costs_one_attempt_per_pass);
