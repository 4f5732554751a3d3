//! The exchange: providers load rows, systems look them up under a grant, masked, counted and
//! audited; everything outside the grant is refused.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, Auth, Session};
use serde_json::{Value, json};
use yici_core::id::CitizenId;

fn person(n: u32) -> String {
    CitizenId::with_check(&format!("33010619800101{n:03}"))
        .unwrap()
        .to_string()
}

/// A lookup with the given headers only (besides the token).
async fn lookup_with(app: &App, token: &str, code: &str, query: &str, headers: &[(&str, &str)]) -> common::Response {
    let mut b = Request::builder()
        .uri(format!("/api/v1/exchange/{code}/records?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    app.send(b.body(Body::empty()).unwrap()).await
}

async fn lookup(app: &App, token: &str, code: &str, query: &str, purpose: Option<&str>) -> common::Response {
    match purpose {
        Some(p) => {
            lookup_with(
                app,
                token,
                code,
                query,
                &[("x-yici-purpose", p), ("x-yici-case", "CASE-2026-0001")],
            )
            .await
        }
        None => lookup_with(app, token, code, query, &[]).await,
    }
}

fn enc(s: &str) -> String {
    common::enc(s)
}

async fn exchange_lookups_under_a_grant(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let police = app.police_steward().await;
    let steward = app.login("data_steward").await;
    let people = app.resource("人口基础信息").await;

    // Loads are checked row by row; by default nothing is written when a row is wrong.
    let rows = json!([
        {"姓名": "张三", "公民身份号码": person(1), "住址": "浙江省杭州市西湖区文三路90号", "出生日期": "19800101"},
        {"姓名": "李四", "公民身份号码": person(2), "住址": "浙江省杭州市上城区解放路1号"},
        {"姓名": "王五", "公民身份号码": "110101199001011234"},
        {"姓名": "赵六", "公民身份号码": person(1)},
        {"姓名": "钱七"},
        {"姓名": "孙八", "公民身份号码": person(3), "出生日期": "19800230"},
        {"姓名": "周九", "公民身份号码": person(4), "照片": "x"}
    ]);
    let path = format!("/api/v1/datasets/{}/rows", people.id);
    let res = app
        .call(Method::POST, &path, Auth::Session(&police), Some(rows.clone()))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        [
            "第3行 公民身份号码",
            "第4行 公民身份号码",
            "第5行 公民身份号码",
            "第6行 出生日期",
            "第7行 照片"
        ]
    );
    assert_eq!(
        app.call(Method::POST, &path, Auth::Session(&steward), Some(rows.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "not the provider"
    );
    let res = app
        .call(
            Method::POST,
            &format!("{path}?partial=true"),
            Auth::Session(&police),
            Some(rows),
        )
        .await;
    assert_eq!(
        (res.json()["inserted"].as_i64(), res.json()["rejected"].as_i64()),
        (Some(2), Some(5)),
        "{}",
        res.text
    );

    // The market system asks for name and ID number; the provider grants them, masked.
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let token = app.token("市场主体登记系统");
    let key = format!("{}={}", enc("公民身份号码"), person(1));
    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "no grant yet: {}", res.text);
    assert_eq!(res.code(), "grant_missing");
    assert!(res.json()["detail"].as_str().unwrap().contains("没有该资源的共享授权"));
    let req = json!({"resource_id": people.id, "consumer_department_id": market, "system_id": system, "items": ["姓名", "公民身份号码"],
        "purpose": "企业开办时核验法定代表人身份", "legal_basis": "《市场主体登记管理条例》", "valid_from": "2026-01-01", "valid_until": "2027-11-26"});
    let created = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&steward),
            Some(req),
        )
        .await
        .json();
    let id = created["id"].as_i64().unwrap();
    let decided = app
        .call(
            Method::POST,
            &format!("/api/v1/sharing/requests/{id}/decision"),
            Auth::Session(&police),
            Some(json!({"decision": "approve", "items": ["姓名", "公民身份号码"], "daily_quota": 4})),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);

    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let body = res.json();
    assert_eq!(body["records"][0]["姓名"], "张*");
    assert_eq!(
        body["records"][0]["公民身份号码"],
        "330106********0019".replace("0019", &person(1)[14..])
    );
    assert!(
        body["records"][0].get("住址").is_none(),
        "items outside the grant never come back"
    );
    assert!(!res.text.contains("张三") && !res.text.contains("文三路"));

    // The change feed carries the same items, masked, from a position on.
    let feed = Request::builder()
        .uri(format!("/api/v1/exchange/{}/changes?after=0", people.code))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-yici-purpose", "%E5%90%8C%E6%AD%A5")
        .body(Body::empty())
        .unwrap();
    let changes = app.send(feed).await;
    assert_eq!(changes.status, StatusCode::OK, "{}", changes.text);
    let list = changes.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["record"]["姓名"], "张*");
    assert!(list[0]["record"].get("住址").is_none());
    // The feed read is one audit entry naming each person it carried, once.
    for someone in [person(1), person(2)] {
        let logged = app.logged("exchange.changes", Some(&someone)).await;
        assert_eq!(logged.len(), 1);
    }
    let after = list[0]["position"].as_i64().unwrap();
    let feed = Request::builder()
        .uri(format!("/api/v1/exchange/{}/changes?after={after}", people.code))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-yici-purpose", "sync")
        // The feed serves no case: an X-Yici-Case header is not read, so it cannot refuse it.
        .header("x-yici-case", "C".repeat(100))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(feed).await.json().as_array().unwrap().len(), 1);

    // Missing purpose, bad keys, batch lookups, quota.
    assert_eq!(
        lookup(&app, &token, &people.code, &key, None).await.code(),
        "purpose_required"
    );
    let hostile = format!("{}={}", enc("公民身份号码"), enc("' OR 1=1 --"));
    assert_eq!(
        lookup(&app, &token, &people.code, &hostile, Some("核验")).await.code(),
        "invalid_key"
    );
    let long = format!("{}={}", enc("公民身份号码"), "9".repeat(500));
    assert_eq!(
        lookup(&app, &token, &people.code, &long, Some("核验")).await.status,
        StatusCode::BAD_REQUEST
    );
    let not_utf8 = format!("{}=%FF%FE", enc("公民身份号码"));
    assert_eq!(
        lookup(&app, &token, &people.code, &not_utf8, Some("核验")).await.status,
        StatusCode::BAD_REQUEST
    );
    // A purpose that is blank once decoded, or holds control characters, is no purpose.
    for blank in ["%20", "%00", "%0a", "%20%09", "ok%0Aok"] {
        let res = lookup_with(&app, &token, &people.code, &key, &[("x-yici-purpose", blank)]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{blank}: {}", res.text);
        assert_eq!(res.code(), "purpose_required", "{blank}");
    }
    // A case number over 64 characters is refused, not dropped.
    let long_case = "C".repeat(65);
    let res = lookup_with(
        &app,
        &token,
        &people.code,
        &key,
        &[("x-yici-purpose", "核验"), ("x-yici-case", &long_case)],
    )
    .await;
    assert_eq!(res.code(), "invalid_case", "{}", res.text);
    // The query parameter must be the key item's name.
    let unknown = format!("nickname={}", person(1));
    let res = lookup(&app, &token, &people.code, &unknown, Some("核验")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.code(), "unknown_parameter");
    let batch = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/exchange/{}/records", people.code))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-yici-purpose", "批量核验")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"keys": [person(1), person(2), person(9)]}).to_string(),
        ))
        .unwrap();
    let res = app.send(batch).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["records"].as_array().unwrap().len(), 2);
    assert_eq!(res.json()["missing"], json!([person(9)]));
    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "1 + 3 lookups used the quota of 4: {}",
        res.text
    );
    assert!(res.headers.contains_key(header::RETRY_AFTER));

    // Another department's system holds no grant for this; users cannot call the exchange.
    let other = app.token("不动产登记系统");
    assert_eq!(
        lookup(&app, &other, &people.code, &key, Some("核验")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/exchange/{}/records?{key}", people.code),
            Auth::Session(&steward)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Revoked: 403 again.
    let grants = app
        .get(
            &format!("/api/v1/sharing/grants?resource={}", people.id),
            Auth::Session(&police),
        )
        .await
        .json();
    let gid = grants[0]["id"].as_i64().unwrap();

    // The counts taken in memory reach the database, and another instance honours them.
    let today = app.state.config.clock.today();
    app.state.quotas.flush(&app.store, today).await.unwrap();
    assert_eq!(app.store.grant_usage(gid, today).await.unwrap(), 4);
    let other_instance = yici_exchange::quota::Quotas::default();
    assert!(!other_instance.take(&app.store, gid, today, 1, 4).await.unwrap());
    assert!(other_instance.take(&app.store, gid, today, 1, 5).await.unwrap());
    other_instance.flush(&app.store, today).await.unwrap();
    assert_eq!(app.store.grant_usage(gid, today).await.unwrap(), 5);
    app.state.quotas.flush(&app.store, today).await.unwrap();
    assert!(
        !app.state.quotas.take(&app.store, gid, today, 1, 5).await.unwrap(),
        "the flush reads back other instances' uses"
    );

    app.call(
        Method::DELETE,
        &format!("/api/v1/sharing/grants/{gid}"),
        Auth::Session(&police),
        None,
    )
    .await;
    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.json()["detail"].as_str().unwrap().contains("撤销"));

    // The person whose data was read sees it, with the purpose and the case.
    let me = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            Auth::None,
            Some(json!({"id_number": person(1), "name": "张三"})),
        )
        .await;
    let cookie = me
        .headers
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            v.to_str()
                .ok()?
                .strip_prefix("yici_session=")
                .map(|v| v.split(';').next().unwrap().to_string())
        })
        .unwrap();
    let citizen = Session {
        cookie,
        csrf: me.json()["csrf_token"].as_str().unwrap().into(),
    };
    let uses = app.get("/api/v1/me/data-uses", Auth::Session(&citizen)).await.json();
    let reads: Vec<&Value> = uses["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["content"]["action"] == "exchange.read")
        .collect();
    assert_eq!(reads.len(), 2, "the single and the batch lookup: {uses}");
    assert_eq!(reads[1]["content"]["purpose"], "企业开办核验");
    assert_eq!(reads[1]["content"]["case_ref"], "CASE-2026-0001");
}
on_both!(exchange_lookups_under_a_grant);

async fn demo_credentials_carry_example_calls(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let creds: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    let system = creds["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s.get("example_calls").is_some())
        .expect("a system with example calls");
    let token = system["token"].as_str().unwrap();
    let call = |path: &str| {
        Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("x-yici-purpose", "demo")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = app
        .send(call(system["example_calls"]["allowed"].as_str().unwrap()))
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    let record = &allowed.json()["records"][0];
    assert_eq!(record["姓名"], "张*");
    assert!(record["公民身份号码"].as_str().unwrap().contains("********"));
    let forbidden = app
        .send(call(system["example_calls"]["forbidden"].as_str().unwrap()))
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{}", forbidden.text);
    let market = app.department_id("浙江省市场监督管理局").await;
    let sys = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let grants = app.store.grants(None, yici_store::Page::all()).await.unwrap();
    assert_eq!(
        grants.iter().filter(|g| g.system_id == sys).count(),
        1,
        "seeding twice grants once"
    );
}
on_both!(demo_credentials_carry_example_calls);

async fn local_codes_come_back_as_standard_codes(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let police = app.police_steward().await;
    let steward = app.login("data_steward").await;
    let people = app.resource("人口基础信息").await;
    let police_dept = app.department_id("公安厅").await;
    let mapping = json!({"local_field": "性别代码", "element": "DE0003", "values": {"M": "1", "F": "2"}});
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/api/v1/departments/{police_dept}/field-mappings"),
            Auth::Session(&police),
            Some(mapping)
        )
        .await
        .status,
        StatusCode::OK
    );
    let rows = json!([{"姓名": "张三", "公民身份号码": person(1), "性别代码": "F"}]);
    app.call(
        Method::POST,
        &format!("/api/v1/datasets/{}/rows", people.id),
        Auth::Session(&police),
        Some(rows),
    )
    .await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let req = json!({"resource_id": people.id, "consumer_department_id": market, "system_id": system, "items": ["公民身份号码", "性别代码"],
        "purpose": "核验当事人性别信息", "legal_basis": "《市场主体登记管理条例》", "valid_from": "2026-01-01", "valid_until": "2027-11-26"});
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
        Some(json!({"decision": "approve", "items": ["公民身份号码", "性别代码"]})),
    )
    .await;
    let token = app.token("市场主体登记系统");
    let res = lookup(
        &app,
        &token,
        &people.code,
        &format!("{}={}", enc("公民身份号码"), person(1)),
        Some("核验"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        res.json()["records"][0]["性别代码"],
        "2",
        "the local F became the GB/T 2261.1 code 2"
    );
}
on_both!(local_codes_come_back_as_standard_codes);

async fn changes_by_another_instance_take_effect_within_the_cache_age(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let creds: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    let system = &creds["systems"][0];
    let token = system["token"].as_str().unwrap();
    let allowed = system["example_calls"]["allowed"].as_str().unwrap();
    let call = || {
        Request::builder()
            .uri(allowed)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("x-yici-purpose", "核验")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(app.send(call()).await.status, StatusCode::OK);
    // Another instance revokes every grant and the token in the shared database: this instance
    // has not seen the change, and refuses within the cache's age.
    let now = yici_store::now_micros();
    sqlx::query("UPDATE grants SET revoked_at = $1")
        .bind(now)
        .execute(app.store.pool())
        .await
        .unwrap();
    tokio::time::sleep(yici_service::memo::MAX_AGE + std::time::Duration::from_millis(100)).await;
    let res = app.send(call()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    assert_eq!(res.code(), "grant_missing");
    sqlx::query("UPDATE system_tokens SET revoked_at = $1")
        .bind(now)
        .execute(app.store.pool())
        .await
        .unwrap();
    tokio::time::sleep(yici_service::memo::MAX_AGE + std::time::Duration::from_millis(100)).await;
    assert_eq!(app.send(call()).await.status, StatusCode::UNAUTHORIZED);
}
on_both!(changes_by_another_instance_take_effect_within_the_cache_age);

async fn lookups_read_together_each_get_their_own_rows(app: App) {
    // Many lookups at once are answered by a few queries; each caller still gets exactly the
    // rows of its own keys and resource.
    let ev = || {
        yici_core::audit::AuditEvent::new(
            0,
            yici_core::audit::Actor::named("test"),
            yici_core::audit::Action::DatasetLoad,
            "catalogue_resource",
            "t",
        )
    };
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let (hits, _) = app
        .store
        .catalogue_search(&Default::default(), yici_store::Page::all())
        .await
        .unwrap();
    let (a, b) = (hits[0].id, hits[1].id);
    let row = |resource: &str, n: u32| {
        let key = format!("{resource}-{n}");
        let values = [("k".to_string(), key.clone())].into_iter().collect();
        (key, values)
    };
    let rows_a: Vec<_> = (0..40).map(|n| row("a", n)).collect();
    let rows_b: Vec<_> = (0..40).map(|n| row("b", n)).collect();
    app.store.dataset_load(a, &rows_a, &ev()).await.unwrap();
    app.store.dataset_load(b, &rows_b, &ev()).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..40u32 {
        let reader = app.state.rows.clone();
        let (resource, prefix) = if n % 2 == 0 { (a, "a") } else { (b, "b") };
        tasks.push(tokio::spawn(async move {
            // Its own key, a key of the other resource, and a key nobody has.
            let other = if prefix == "a" { "b" } else { "a" };
            let keys = vec![format!("{prefix}-{n}"), format!("{other}-{n}"), "nobody".to_string()];
            (n, prefix, reader.lookup(resource, keys).await.unwrap())
        }));
    }
    for t in tasks {
        let (n, prefix, rows) = t.await.unwrap();
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, [format!("{prefix}-{n}")], "lookup {n}");
        assert_eq!(rows[0].values["k"], format!("{prefix}-{n}"));
    }
}
on_both!(lookups_read_together_each_get_their_own_rows);

/// 2026-06-01 23:00 in China.
fn june_first_late() -> i64 {
    chrono::DateTime::parse_from_rfc3339("2026-06-01T23:00:00+08:00")
        .unwrap()
        .timestamp_micros()
}

async fn grants_lapse_and_quotas_reset_by_the_platform_clock(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let police = app.police_steward().await;
    let steward = app.login("data_steward").await;
    let people = app.resource("人口基础信息").await;
    let rows = json!([{"姓名": "张三", "公民身份号码": person(1)}]);
    let path = format!("/api/v1/datasets/{}/rows", people.id);
    let res = app.call(Method::POST, &path, Auth::Session(&police), Some(rows)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let req = json!({"resource_id": people.id, "consumer_department_id": market, "system_id": system, "items": ["姓名"],
        "purpose": "企业开办时核验法定代表人身份", "legal_basis": "《市场主体登记管理条例》", "valid_from": "2026-06-01", "valid_until": "2026-06-30"});
    let created = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&steward),
            Some(req),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    let decided = app
        .call(
            Method::POST,
            &format!("/api/v1/sharing/requests/{id}/decision"),
            Auth::Session(&police),
            Some(json!({"decision": "approve", "items": ["姓名"], "daily_quota": 1})),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);

    let token = app.token("市场主体登记系统");
    let key = format!("{}={}", enc("公民身份号码"), person(1));
    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    // The daily quota is used up until midnight in China, by the platform's clock.
    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
    assert_eq!(res.headers.get("retry-after").unwrap(), "3600");
    // The next day the quota is fresh; after the grant's last day the lookup is refused.
    app.state.config.clock.advance(2 * 3600 * 1_000_000);
    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(res.status, StatusCode::OK, "a new day: {}", res.text);
    app.state.config.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-07-01T08:00:00+08:00")
            .unwrap()
            .timestamp_micros(),
    );
    let res = lookup(&app, &token, &people.code, &key, Some("企业开办核验")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    assert_eq!(res.code(), "grant_missing");
}

mod grants_lapse_and_quotas_reset_by_the_platform_clock {
    use super::common::{App, Backend};
    use yici_core::clock::Clock;

    async fn start(backend: Backend) -> Option<App> {
        App::start_with(backend, |c| c.clock = Clock::fixed(super::june_first_late())).await
    }

    #[tokio::test]
    async fn sqlite() {
        super::grants_lapse_and_quotas_reset_by_the_platform_clock(start(Backend::Sqlite).await.unwrap()).await;
    }

    #[tokio::test]
    async fn postgres() {
        if let Some(app) = start(Backend::Postgres).await {
            super::grants_lapse_and_quotas_reset_by_the_platform_clock(app).await;
        }
    }
}
