//! The electronic certificate library end to end: types, seals, issuing, the lifecycle,
//! verification online and offline (with OpenSSL), the holder's consent and uses.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth, Session};
use serde_json::{Value, json};
use yici_core::id::CertificateId;

const CITIZEN: &str = "11010519491231002X";

fn company() -> String {
    yici_server::demo::certificates::demo_company().0
}

/// The identifier of the holder's certificate of the type named `type_name`.
async fn my_certificate(app: &App, me: &Session, type_name: &str) -> String {
    let mine = app.get("/api/v1/me/certificates", Auth::Session(me)).await.json();
    mine.as_array()
        .unwrap()
        .iter()
        .find(|c| c["type_name"] == type_name)
        .unwrap_or_else(|| panic!("the holder has a {type_name}"))["identifier"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The demo type with this name.
async fn type_code(app: &App, name: &str) -> String {
    let types = app.get("/api/v1/certificate-types", Auth::None).await.json();
    types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("demo type {name}"))["code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn licence(code: &str, holder: &str) -> Value {
    json!({
        "type_code": code,
        "holder_code": holder,
        "holder_name": "衢州一次餐饮有限公司",
        "data": {
            "company_type": "有限责任公司",
            "legal_representative": "王五",
            "registered_capital": "50",
            "established_on": "2024-01-02",
            "address": "浙江省衢州市柯城区府山街道1号",
            "business_scope": "餐饮服务"
        }
    })
}

/// The market issuer issues a business licence; returns the certificate.
async fn issue_licence(app: &App, issuer: &Session) -> Value {
    let code = type_code(app, "营业执照").await;
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificates",
            Auth::Session(issuer),
            Some(licence(&code, &company())),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.json()
}

async fn verify(app: &App, identifier: &str, code: &str) -> common::Response {
    app.get(
        &format!("/api/v1/certificates/{identifier}/verification?code={code}"),
        Auth::None,
    )
    .await
}

async fn issuing_and_verifying_online(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let c = issue_licence(&app, &issuer).await;
    let id = CertificateId::parse(c["identifier"].as_str().unwrap()).expect("a valid identifier");
    assert_eq!(id.version(), 1);
    assert_eq!(id.type_code(), type_code(&app, "营业执照").await);
    assert_eq!(c["status"], "01");
    assert_eq!(c["data"]["registered_capital"], "50");
    let code = c["verification_code"].as_str().unwrap();

    let v = verify(&app, id.as_str(), code).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let v = v.json();
    assert_eq!(v["status"], "01");
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["seal_valid"], true);
    assert_eq!(v["issuer"]["name"], "浙江省市场监督管理局");
    assert_eq!(v["type_name"], "营业执照");

    // A wrong code, an unknown identifier and a malformed one all get the same answer.
    let wrong = verify(&app, id.as_str(), "AAAAAAAA").await;
    let unknown = verify(&app, &id.as_str().replace(".001.", ".002."), code).await;
    let malformed = verify(&app, "1.2.156.3005.2.x", code).await;
    let missing = app
        .get(
            &format!("/api/v1/certificates/{}/verification", id.as_str()),
            Auth::None,
        )
        .await;
    for r in [&wrong, &unknown, &malformed, &missing] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        assert_eq!(r.json()["detail"], wrong.json()["detail"]);
    }
    assert!(!wrong.text.contains("营业执照"), "nothing about the certificate leaks");

    // Retrying with the same key gives the same certificate.
    let code = type_code(&app, "营业执照").await;
    let mut body = licence(&code, &company());
    body["issue_key"] = json!("order-42");
    let first = app
        .call(
            Method::POST,
            "/api/v1/certificates",
            Auth::Session(&issuer),
            Some(body.clone()),
        )
        .await
        .json();
    let again = app
        .call(Method::POST, "/api/v1/certificates", Auth::Session(&issuer), Some(body))
        .await
        .json();
    assert_eq!(first["identifier"], again["identifier"]);
    assert_ne!(first["identifier"], c["identifier"]);
    // The same key for a different certificate is a conflict, not a retry.
    let mut other = licence(&code, "91350100M000100Y43");
    other["issue_key"] = json!("order-42");
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificates",
            Auth::Session(&issuer),
            Some(other),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
}
on_both!(issuing_and_verifying_online);

async fn bad_surface_data_lists_every_field_and_writes_nothing(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let code = type_code(&app, "营业执照").await;
    let before = app.get("/api/v1/certificates", Auth::Session(&issuer)).await.json();
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificates",
            Auth::Session(&issuer),
            Some(json!({
                "type_code": code,
                "holder_code": CITIZEN,
                "holder_name": "",
                "data": {
                    "company_type": "有限责任公司",
                    "registered_capital": "五十万",
                    "established_on": "2024-02-30",
                    "address": "x",
                    "business_scope": "y",
                    "colour": "red"
                },
                "valid_until": "2030-01-01"
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    for f in [
        "holder_code",
        "holder_name",
        "data.legal_representative",
        "data.registered_capital",
        "data.established_on",
        "data.colour",
        "valid_until",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    let after = app.get("/api/v1/certificates", Auth::Session(&issuer)).await.json();
    assert_eq!(before, after, "nothing was issued");

    // A bulk issue keeps the valid rows and reports the others by position.
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificates/batch",
            Auth::Session(&issuer),
            Some(json!({"certificates": [
                licence(&code, &company()),
                licence(&code, "91350100M000100Y44"),
                licence(&code, "91350100M000100Y43"),
            ]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let r = res.json();
    assert_eq!(r["issued"], 2);
    assert_eq!(r["rejected"], 1);
    assert_eq!(r["rows"][1]["errors"][0]["field"], "holder_code");
    assert!(r["rows"][1]["identifier"].is_null());
    assert!(r["rows"][2]["identifier"].is_string());
}
on_both!(bad_surface_data_lists_every_field_and_writes_nothing);

async fn issuers_manage_only_their_own_types_and_certificates(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    // Another department's type.
    let marriage = type_code(&app, "结婚证").await;
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificates",
            Auth::Session(&issuer),
            Some(
                json!({"type_code": marriage, "holder_code": CITIZEN, "holder_name": "张三",
                "data": {"spouse_name": "李四", "spouse_id": "33010619900101123X", "registered_on": "2020-01-01"}}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(res.json()["errors"][0]["field"], "type_code");
    // Another department's certificate is not found for this issuer.
    let citizen_certs = app.get("/api/v1/certificates", Auth::Session(&issuer)).await.json();
    assert!(
        citizen_certs
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["issuer_name"] == "浙江省市场监督管理局"),
        "{citizen_certs}"
    );
    let me = app.login_applicant(CITIZEN, "张三").await;
    let marriage_cert = my_certificate(&app, &me, "结婚证").await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/certificates/{marriage_cert}/operations"),
            Auth::Session(&issuer),
            Some(json!({"operation": "revoke", "reason": "测试"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text);
    // A type code must start with the issuer's own credit code.
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificate-types",
            Auth::Session(&issuer),
            Some(
                json!({"code": marriage.replace("001", "009"), "name": "假证", "holder_kind": "person",
                "fields": [{"name": "a", "label": "甲", "kind": "text", "required": true}],
                "validity": "permanent", "template": {"layout": "sheet"}}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    // Other roles cannot issue; applicants and anonymous callers neither.
    let operator = app.login("operator").await;
    let code = type_code(&app, "营业执照").await;
    for (auth, status) in [
        (Auth::Session(&operator), StatusCode::FORBIDDEN),
        (Auth::Session(&me), StatusCode::FORBIDDEN),
        (Auth::None, StatusCode::UNAUTHORIZED),
    ] {
        let res = app
            .call(
                Method::POST,
                "/api/v1/certificates",
                auth,
                Some(licence(&code, &company())),
            )
            .await;
        assert_eq!(res.status, status, "{}", res.text);
    }
    // The issuer can define a new type of its own department.
    let market_uscc = yici_core::id::Uscc::generate("11", "330000", "MB000102").unwrap();
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificate-types",
            Auth::Session(&issuer),
            Some(
                json!({"code": format!("{market_uscc}099"), "name": "广告发布登记证明", "holder_kind": "organisation",
                "fields": [{"name": "media", "label": "发布媒介", "kind": "text", "required": true}],
                "validity": {"years": 3}, "template": {"layout": "sheet"}}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
}
on_both!(issuers_manage_only_their_own_types_and_certificates);

async fn operate(app: &App, issuer: &Session, id: &str, body: Value) -> common::Response {
    app.call(
        Method::POST,
        &format!("/api/v1/certificates/{id}/operations"),
        Auth::Session(issuer),
        Some(body),
    )
    .await
}

async fn the_lifecycle_follows_the_status_codes(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let c = issue_licence(&app, &issuer).await;
    let id = c["identifier"].as_str().unwrap();
    let code = c["verification_code"].as_str().unwrap();

    let res = operate(
        &app,
        &issuer,
        id,
        json!({"operation": "suspend", "reason": "营业执照遗失挂失"}),
    )
    .await;
    assert_eq!(res.json()["status"], "02", "{}", res.text);
    assert_eq!(verify(&app, id, code).await.json()["status"], "02");
    let res = operate(&app, &issuer, id, json!({"operation": "change", "reason": "x"})).await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "a suspended certificate is not changed"
    );
    assert_eq!(res.code(), "invalid_transition");
    let res = operate(&app, &issuer, id, json!({"operation": "resume", "reason": "找回"})).await;
    assert_eq!(res.json()["status"], "01");

    // A change is a new version pointing back; the old version is cancelled.
    let mut data = c["data"].clone();
    data["address"] = json!("浙江省衢州市柯城区府山街道2号");
    let res = operate(
        &app,
        &issuer,
        id,
        json!({"operation": "change", "reason": "住所变更", "data": data}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let v2 = res.json();
    let id2 = CertificateId::parse(v2["identifier"].as_str().unwrap()).unwrap();
    assert_eq!(id2.version(), 2);
    assert_eq!(id2.serial(), CertificateId::parse(id).unwrap().serial());
    assert_eq!(v2["predecessor"], id);
    assert_eq!(v2["number"], c["number"]);
    assert_eq!(v2["data"]["address"], "浙江省衢州市柯城区府山街道2号");
    let old = verify(&app, id, code).await.json();
    assert_eq!(old["status"], "04");
    assert_eq!(old["signature_valid"], true, "the old version is still authentic");
    let res = operate(&app, &issuer, id, json!({"operation": "renew", "reason": "x"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // Revocation is shown by verification; the signature stays valid.
    let id2 = id2.as_str();
    let res = operate(
        &app,
        &issuer,
        id2,
        json!({"operation": "revoke", "reason": "以欺骗手段取得登记"}),
    )
    .await;
    assert_eq!(res.json()["status"], "03", "{}", res.text);
    let v = verify(&app, id2, v2["verification_code"].as_str().unwrap())
        .await
        .json();
    assert_eq!(v["status"], "03");
    assert_eq!(v["signature_valid"], true);
    for op in ["resume", "cancel", "change", "suspend"] {
        let res = operate(&app, &issuer, id2, json!({"operation": op, "reason": "x"})).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{op} on a revoked certificate");
    }
    let res = operate(&app, &issuer, id2, json!({"operation": "issue", "reason": "x"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = operate(&app, &issuer, id2, json!({"operation": "cancel", "reason": ""})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");

    // An expired certificate says so; it can be renewed but not changed.
    let permit = type_code(&app, "食品经营许可证").await;
    let res = app
        .call(
            Method::POST,
            "/api/v1/certificates",
            Auth::Session(&issuer),
            Some(
                json!({"type_code": permit, "holder_code": company(), "holder_name": "杭州一次科技有限公司",
                "valid_from": "2019-01-01",
                "data": {"premises": "杭州市西湖区1号", "main_business": "单位食堂", "items": "热食类食品制售"}}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let old = res.json();
    assert_eq!(old["status"], "05", "five years from 2019 have passed");
    assert_eq!(old["valid_until"], "2023-12-31");
    let (oid, ocode) = (
        old["identifier"].as_str().unwrap(),
        old["verification_code"].as_str().unwrap(),
    );
    let v = verify(&app, oid, ocode).await.json();
    assert_eq!(
        (v["status"].as_str(), v["status_name"].as_str()),
        (Some("05"), Some("已过期"))
    );
    let res = operate(&app, &issuer, oid, json!({"operation": "change", "reason": "x"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = operate(&app, &issuer, oid, json!({"operation": "suspend", "reason": "挂失"})).await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "an expired certificate is not suspended: {}",
        res.text
    );
    // A suspended certificate is not renewed out of its suspension once it has expired (time
    // passes here by moving the end date back).
    let lost = issue_licence(&app, &issuer).await;
    let lid = lost["identifier"].as_str().unwrap();
    let res = operate(&app, &issuer, lid, json!({"operation": "suspend", "reason": "挂失"})).await;
    assert_eq!(res.json()["status"], "02");
    sqlx::query("UPDATE certificates SET valid_until = '2020-01-01' WHERE identifier = $1")
        .bind(lid)
        .execute(app.store.pool())
        .await
        .unwrap();
    let res = operate(&app, &issuer, lid, json!({"operation": "renew", "reason": "延续"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    let res = operate(&app, &issuer, oid, json!({"operation": "renew", "reason": "延续"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "01");
    assert_eq!(verify(&app, oid, ocode).await.json()["status"], "04");

    // Every operation is an audit entry.
    let operator = app.login("operator").await;
    let log = app
        .get(
            "/api/v1/audit/entries?action=certificate.suspend",
            Auth::Session(&operator),
        )
        .await;
    assert!(log.text.contains(id), "{}", log.text);
}
on_both!(the_lifecycle_follows_the_status_codes);

async fn seals_rotate_and_revoked_seals_fail_verification(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let operator = app.login("operator").await;
    let before = issue_licence(&app, &issuer).await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let seals = app
        .get(&format!("/api/v1/seals?department_id={market}"), Auth::Session(&issuer))
        .await;
    assert_eq!(seals.status, StatusCode::OK, "{}", seals.text);
    let old = seals.json()[0].clone();
    assert_eq!(old["status"], "active");
    assert!(!seals.text.contains("key"), "no key material is listed");
    let picture = app.get(old["picture_url"].as_str().unwrap(), Auth::None).await;
    assert_eq!(picture.headers["content-type"], "image/png");

    // Only operators make seals.
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/departments/{market}/seals"),
            Auth::Session(&issuer),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/departments/{market}/seals"),
            Auth::Session(&operator),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let new = res.json();
    assert_ne!(new["es_id"], old["es_id"]);
    let seals = app
        .get(
            &format!("/api/v1/seals?department_id={market}"),
            Auth::Session(&operator),
        )
        .await
        .json();
    let status_of =
        |es: &Value| seals.as_array().unwrap().iter().find(|s| s["es_id"] == *es).unwrap()["status"].clone();
    assert_eq!(status_of(&old["es_id"]), "retired");
    assert_eq!(status_of(&new["es_id"]), "active");

    // Certificates sealed before the rotation still verify; new ones use the new seal.
    let id = before["identifier"].as_str().unwrap();
    let code = before["verification_code"].as_str().unwrap();
    let v = verify(&app, id, code).await.json();
    assert_eq!(
        (v["signature_valid"].clone(), v["seal_valid"].clone()),
        (json!(true), json!(true))
    );
    let after = issue_licence(&app, &issuer).await;

    // Revoking the old seal: its certificates no longer verify as sealed by a valid seal.
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/seals/{}/revocation", old["id"]),
            Auth::Session(&operator),
            Some(json!({"reason": "印章密钥泄露"})),
        )
        .await;
    assert_eq!(res.json()["status"], "revoked", "{}", res.text);
    let v = verify(&app, id, code).await.json();
    assert_eq!(v["seal_valid"], false);
    let v = verify(
        &app,
        after["identifier"].as_str().unwrap(),
        after["verification_code"].as_str().unwrap(),
    )
    .await
    .json();
    assert_eq!(v["seal_valid"], true);
    assert_eq!(v["seal_name"], "浙江省市场监督管理局");
}
on_both!(seals_rotate_and_revoked_seals_fail_verification);

/// A seal whose certificate ends within sixty days makes one reminder for its department; a
/// seal with longer to go, a repeated run, and a seal already replaced make none.
async fn departments_are_reminded_once_before_a_seal_expires(app: App) {
    app.seed_certificates().await;
    let operator = app.login("operator").await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let seal = app.store.seal_active(market).await.unwrap().unwrap();
    let now = yici_store::now_micros();
    let day = 86_400_000_000i64;
    assert_eq!(
        yici_server::certs::remind_expiring_seals(&app.store, now)
            .await
            .unwrap(),
        0
    );

    // Seals' validity is in seconds, as their certificates state it.
    sqlx::query("UPDATE seals SET valid_until = $1 WHERE id = $2")
        .bind((now + 30 * day) / 1_000_000)
        .bind(seal.id)
        .execute(app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        yici_server::certs::remind_expiring_seals(&app.store, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        yici_server::certs::remind_expiring_seals(&app.store, now)
            .await
            .unwrap(),
        0,
        "reminded once"
    );
    let steward = app.login("data_steward").await;
    let list = app.get("/api/v1/notifications", Auth::Session(&steward)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let all = list.json();
    let reminders: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "seal_expiring")
        .collect();
    assert_eq!(reminders.len(), 1, "{}", list.text);
    assert_eq!(reminders[0]["link"], "/seals");
    assert!(reminders[0]["message"].as_str().unwrap().contains(&seal.name));
    let logged = app.logged("seal.remind", None).await;
    assert_eq!(logged.len(), 1);

    // The replacement seal runs for years: nothing to remind of.
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/departments/{market}/seals"),
            Auth::Session(&operator),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(
        yici_server::certs::remind_expiring_seals(&app.store, now + 40 * day)
            .await
            .unwrap(),
        0
    );
}
on_both!(departments_are_reminded_once_before_a_seal_expires);

async fn holders_share_with_consent_and_see_every_use(app: App) {
    assert!(app.seed_certificates().await >= 7);
    let me = app.login_applicant(CITIZEN, "张三").await;
    let mine = app.get("/api/v1/me/certificates", Auth::Session(&me)).await.json();
    let names: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type_name"].as_str().unwrap())
        .collect();
    for n in [
        "居民身份证",
        "结婚证",
        "不动产权证书",
        "社会保障卡",
        "住房公积金缴存证明",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    assert!(!names.contains(&"营业执照"), "the company's licence is not mine");
    let pick = |name: &str| {
        mine.as_array()
            .unwrap()
            .iter()
            .find(|c| c["type_name"] == name)
            .unwrap()["identifier"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let house = pick("不动产权证书");
    let marriage = pick("结婚证");

    // The window (衢州市数据资源管理局) sees nothing before the holder consents.
    let clerk = app.login("window_clerk").await;
    let find = format!("/api/v1/certificates?holder={CITIZEN}");
    assert_eq!(app.get(&find, Auth::Session(&clerk)).await.json(), json!([]));
    let res = app
        .get(&format!("/api/v1/certificates/{house}"), Auth::Session(&clerk))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let window = app.department_id("衢州市数据资源管理局").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/me/certificates/{house}/consents"),
            Auth::Session(&me),
            Some(json!({"department_id": window, "purpose": "办理不动产抵押登记", "expires_on": until})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let consent = res.json();

    // The department's list of the consents it holds: the holder masked, the purpose, no
    // certificate content; on the page too.
    let held = app.get("/api/v1/certificate-consents", Auth::Session(&clerk)).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    let held = held.json();
    assert_eq!(held.as_array().unwrap().len(), 1, "{held}");
    assert_eq!(held[0]["type_name"], "不动产权证书");
    assert_eq!(held[0]["purpose"], "办理不动产抵押登记");
    assert_eq!(held[0]["holder_code"], "110105********002X");
    assert_eq!(held[0]["holder_name"], "张*");
    assert!(held[0].get("identifier").is_none() && held[0].get("data").is_none());
    let page = app.page("/certificates", Some(&clerk)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("办理不动产抵押登记"), "{}", page.text);
    assert!(page.text.contains("110105********002X"));
    assert!(!page.text.contains(CITIZEN), "the full number is not shown");

    let found = app.get(&find, Auth::Session(&clerk)).await.json();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["identifier"], house.as_str());
    assert!(found[0].get("verification_code").is_none());
    let res = app
        .get(&format!("/api/v1/certificates/{marriage}"), Auth::Session(&clerk))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "no consent for this one");
    let res = app
        .get(&format!("/api/v1/certificates/{house}"), Auth::Session(&clerk))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/certificates/{house}/use-copies"),
            Auth::Session(&clerk),
            Some(json!({"purpose": "不动产抵押登记", "case_ref": "QZ-2026-0001"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);

    // The holder sees both uses: who, what for, which case.
    let uses = app
        .get(&format!("/api/v1/me/certificates/{house}/uses"), Auth::Session(&me))
        .await
        .json();
    let kinds: Vec<&str> = uses
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["kind"].as_str().unwrap())
        .collect();
    // Finding it, opening it, and the use copy: newest first.
    assert_eq!(kinds, ["use_copy", "view", "view"]);
    assert_eq!(uses[0]["case_ref"], "QZ-2026-0001");
    assert!(uses[0]["who"].as_str().unwrap().contains("衢州市数据资源管理局"));
    // … and in "who used my data".
    let log = app.get("/api/v1/me/data-uses", Auth::Session(&me)).await;
    assert!(log.text.contains("certificate.use_copy"), "{}", log.text);

    // Another holder cannot see or share my certificate.
    let other = app.login_applicant("91350100M000100Y43", "某某公司").await;
    let res = app
        .get(&format!("/api/v1/me/certificates/{house}/uses"), Auth::Session(&other))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Withdrawn consent ends the department's access.
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/me/certificates/{house}/consents/{}", consent["id"]),
            Auth::Session(&me),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    assert_eq!(app.get(&find, Auth::Session(&clerk)).await.json(), json!([]));
    assert_eq!(
        app.get("/api/v1/certificate-consents", Auth::Session(&clerk))
            .await
            .json(),
        json!([])
    );

    // Bad consents are refused with every reason.
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/me/certificates/{house}/consents"),
            Auth::Session(&me),
            Some(json!({"department_id": 999999, "purpose": "", "expires_on": "2000-01-01"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"].as_array().unwrap().len(), 3, "{}", res.text);
}
on_both!(holders_share_with_consent_and_see_every_use);

async fn a_show_token_shows_the_certificate_briefly_and_masked(app: App) {
    app.seed_certificates().await;
    let me = app.login_applicant(CITIZEN, "张三").await;
    let mine = app.get("/api/v1/me/certificates", Auth::Session(&me)).await.json();
    let id = mine[0]["identifier"].as_str().unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/me/certificates/{id}/show"),
            Auth::Session(&me),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let token = res.json()["token"].as_str().unwrap().to_string();
    assert!(res.json()["url"].as_str().unwrap().ends_with(&token));
    let shown = app.get(&format!("/api/v1/certificate-shows/{token}"), Auth::None).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    let s = shown.json();
    assert_eq!(s["holder_name"], "张*");
    assert!(!shown.text.contains(CITIZEN), "the number is masked");
    // Other people's numbers on a shown certificate are masked too.
    let marriage = my_certificate(&app, &me, "结婚证").await;
    let token = app
        .call(
            Method::POST,
            &format!("/api/v1/me/certificates/{marriage}/show"),
            Auth::Session(&me),
            None,
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = app.get(&format!("/api/v1/certificate-shows/{token}"), Auth::None).await;
    assert!(!shown.text.contains("33010619900101123X"), "{}", shown.text);
    assert_eq!(shown.json()["data"]["spouse_name"], "李四");
    assert_eq!(s["signature_valid"], true);
    let res = app.get("/api/v1/certificate-shows/show_nothing", Auth::None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
on_both!(a_show_token_shows_the_certificate_briefly_and_masked);

/// Run OpenSSL; returns whether it succeeded.
fn openssl(args: &[&str]) -> bool {
    std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs")
        .status
        .success()
}

async fn an_export_verifies_with_openssl_and_offline(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let c = issue_licence(&app, &issuer).await;
    let record = app
        .store
        .certificate(c["identifier"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let (ca, _) = app.store.seal_authority().await.unwrap().unwrap();
    let dir = app.dir.join("export");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in yici_server::certs::export::files(&record, &ca).unwrap() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let offline = yici_server::certs::export::verify_dir(&dir, Some(&ca)).expect("the export verifies offline");
    assert_eq!(offline.ca_fingerprint, yici_crypto::sm3_hex(&ca));
    assert_eq!(offline.content.identifier, c["identifier"].as_str().unwrap());
    assert_eq!(offline.seal_name, "浙江省市场监督管理局");

    // Exactly the documented OpenSSL command, with the public key of signer.pem.
    let pubkey = std::process::Command::new("openssl")
        .args(["x509", "-in", &path("signer.pem"), "-pubkey", "-noout"])
        .output()
        .unwrap();
    assert!(pubkey.status.success());
    std::fs::write(dir.join("pub.pem"), &pubkey.stdout).unwrap();
    let pkeyutl = |content: &str| {
        openssl(&[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            &path("pub.pem"),
            "-in",
            content,
            "-sigfile",
            &path("signature.der"),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
        ])
    };
    assert!(pkeyutl(&path("content.bin")), "OpenSSL verifies the signed bytes");
    assert!(
        openssl(&[
            "verify",
            "-CAfile",
            &path("ca.pem"),
            "-vfyopt",
            "distid:1234567812345678",
            &path("signer.pem")
        ]),
        "OpenSSL verifies the signer's chain"
    );

    // A changed byte fails, for OpenSSL and offline.
    let mut changed = std::fs::read(dir.join("content.bin")).unwrap();
    let at = changed.len() - 3;
    changed[at] ^= 0x01;
    std::fs::write(dir.join("changed.bin"), &changed).unwrap();
    assert!(!pkeyutl(&path("changed.bin")), "OpenSSL refuses a changed byte");
    let original = std::fs::read(dir.join("content.bin")).unwrap();
    std::fs::write(dir.join("content.bin"), &changed).unwrap();
    assert!(yici_server::certs::export::verify_dir(&dir, Some(&ca)).is_err());
    std::fs::write(dir.join("content.bin"), &original).unwrap();
    let mut json = std::fs::read_to_string(dir.join("certificate.json")).unwrap();
    json = json.replace("王五", "王六");
    std::fs::write(dir.join("certificate.json"), json).unwrap();
    let err = yici_server::certs::export::verify_dir(&dir, Some(&ca)).unwrap_err();
    assert!(err.contains("content"), "{err}");

    // A forged export (its own root, seal and signer, all consistent) verifies only against its
    // own ca.pem, whose fingerprint differs; against the trusted authority it fails.
    use yici_crypto::{pki, seal, sm2::KeyPair};
    let fake_root_key = KeyPair::generate();
    let fake_root = pki::issue_root(&fake_root_key, "假根证书", "某机构", 365).unwrap();
    let signer_key = KeyPair::generate();
    let signer = pki::issue(
        &fake_root_key,
        &fake_root,
        &signer_key.public(),
        "假印章",
        "某机构",
        365,
    )
    .unwrap();
    let info = pki::inspect(&signer).unwrap();
    let fake_seal = seal::make_seal(
        &fake_root_key,
        &fake_root,
        &seal::SealRequest {
            es_id: "FAKE001",
            name: "浙江省市场监督管理局",
            signer_cert: &signer,
            picture_png: b"\x89PNG",
            size_mm: 42,
            created: info.not_before,
            valid_start: info.not_before,
            valid_end: info.not_after,
        },
    )
    .unwrap();
    let mut forged_content: yici_core::certificate::Content = serde_json::from_slice(&record.content).unwrap();
    forged_content.holder.name = "冒名公司".into();
    let forged_bytes = forged_content.canonical();
    let sealed = seal::sign(
        &fake_seal,
        &signer_key,
        &signer,
        &forged_bytes,
        &forged_content.identifier,
        info.not_before + 60,
    )
    .unwrap();
    let forged = app.dir.join("forged");
    std::fs::create_dir_all(&forged).unwrap();
    let fake_record = yici_store::certificates::CertificateRecord {
        content: forged_bytes,
        signature: sealed.signature,
        ..record.clone()
    };
    for (name, bytes) in yici_server::certs::export::files(&fake_record, &fake_root).unwrap() {
        std::fs::write(forged.join(name), bytes).unwrap();
    }
    let err = yici_server::certs::export::verify_dir(&forged, Some(&ca)).unwrap_err();
    assert!(err.contains("ca.pem"), "{err}");
    let own = yici_server::certs::export::verify_dir(&forged, None).expect("consistent with its own root");
    assert_ne!(
        own.ca_fingerprint, offline.ca_fingerprint,
        "the fingerprint shows the difference"
    );
}
on_both!(an_export_verifies_with_openssl_and_offline);

async fn pages_show_share_verify_and_issue(app: App) {
    app.seed_certificates().await;
    let me = app.login_applicant(CITIZEN, "张三").await;
    let list = app.page("/me/certificates", Some(&me)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text.contains("结婚证") && list.text.contains("不动产权证书"),
        "{}",
        list.text
    );
    let mine = app.get("/api/v1/me/certificates", Auth::Session(&me)).await.json();
    let house = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type_name"] == "不动产权证书")
        .unwrap()
        .clone();
    let id = house["identifier"].as_str().unwrap();
    let code = house["verification_code"].as_str().unwrap();
    let page = app
        .page(&format!("/me/certificates/{}", common::enc(id)), Some(&me))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for text in [
        "不动产权证书",
        "坐落",
        "89.50",
        "浙江省自然资源厅（不动产登记）",
        code,
        "扫码核验真伪",
    ] {
        assert!(page.text.contains(text), "{text} on the page");
    }
    // The QR code on the page decodes to the verification address with the code.
    let url = common::decode_qr_svg(&common::first_svg(&page.text));
    assert!(url.ends_with(&format!("/verify?id={id}&code={code}")), "{url}");

    // Verifying through the page that address opens.
    let path = &url[url.find("/verify").unwrap()..];
    let verified = app.page(path, None).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    assert!(verified.text.contains("有效：内容未被篡改"), "{}", verified.text);
    let wrong = app
        .page(&format!("/verify?id={}&code=XXXXXXXX", common::enc(id)), None)
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.text.contains("没有与该标识和核验码相符的电子证照"));

    // Sharing through the form: a bad date keeps the input and names the field.
    let window = app.department_id("衢州市数据资源管理局").await.to_string();
    let res = app
        .form(
            &format!("/me/certificates/{}/consents", common::enc(id)),
            &me,
            &[
                ("department_id", &window),
                ("purpose", "抵押登记"),
                ("expires_on", "明天"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(
        res.text.contains("抵押登记") && res.text.contains("aria-invalid"),
        "{}",
        res.text
    );
    let until = (chrono::Utc::now() + chrono::Duration::days(7))
        .date_naive()
        .to_string();
    let res = app
        .form(
            &format!("/me/certificates/{}/consents", common::enc(id)),
            &me,
            &[
                ("department_id", &window),
                ("purpose", "抵押登记"),
                ("expires_on", &until),
            ],
        )
        .await;
    assert!(res.status.is_redirection(), "{} {}", res.status, res.text);
    let page = app
        .page(&format!("/me/certificates/{}", common::enc(id)), Some(&me))
        .await;
    assert!(page.text.contains("衢州市数据资源管理局") && page.text.contains("撤回授权"));

    // 亮证 through the page: a QR code that decodes to the show address, which shows the
    // certificate masked.
    let res = app
        .form(&format!("/me/certificates/{}/show", common::enc(id)), &me, &[])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let show_url = common::decode_qr_svg(&common::first_svg(&res.text));
    let shown = app.page(&show_url[show_url.find("/shows/").unwrap()..], None).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert!(shown.text.contains("张*") && !shown.text.contains(CITIZEN));

    // The window clerk finds it, requests a use copy and sees the watermark.
    let clerk = app.login("window_clerk").await;
    let found = app.page(&format!("/certificates?holder={CITIZEN}"), Some(&clerk)).await;
    assert!(found.text.contains("不动产权证书"), "{}", found.text);
    let copy = app
        .form(
            &format!("/certificates/{}/use-copies", common::enc(id)),
            &clerk,
            &[("purpose", "不动产抵押登记"), ("case_ref", "QZ-7")],
        )
        .await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.text);
    assert!(
        copy.text.contains("加注件") && copy.text.contains("不动产抵押登记"),
        "{}",
        copy.text
    );

    // The issuer's form keeps the input and lists the bad fields.
    let issuer = app.login("cert_issuer").await;
    let code = type_code(&app, "营业执照").await;
    let form = app.page(&format!("/certificates/new?type={code}"), Some(&issuer)).await;
    assert!(form.text.contains("法定代表人"), "{}", form.text);
    let res = app
        .form(
            "/certificates/new",
            &issuer,
            &[
                ("type", &code),
                ("holder_code", &company()),
                ("holder_name", "某公司"),
                ("data.registered_capital", "很多"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(
        res.text.contains("很多") && res.text.contains("注册资本"),
        "{}",
        res.text
    );
    let types = app.page("/certificate-types", None).await;
    assert_eq!(types.status, StatusCode::OK);
    assert!(
        types.text.contains("食品经营许可证") && types.text.contains("5年"),
        "{}",
        types.text
    );
    let operator = app.login("operator").await;
    let seals = app.page("/seals", Some(&operator)).await;
    assert!(seals.text.contains("浙江省市场监督管理局"), "{}", seals.text);
}
on_both!(pages_show_share_verify_and_issue);

async fn pdfs_carry_the_text_the_seal_and_a_qr_code_that_verifies(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let c = issue_licence(&app, &issuer).await;
    let id = c["identifier"].as_str().unwrap();
    let code = c["verification_code"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/certificates/{id}/pdf"), Auth::Session(&issuer))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.headers["content-type"], "application/pdf");
    let (_, pdf) = app.bytes(&format!("/api/v1/certificates/{id}/pdf"), &issuer).await;
    assert!(pdf.starts_with(b"%PDF-1.7"));
    assert!(
        String::from_utf8_lossy(&pdf).contains("pdfaid:conformance"),
        "PDF/A metadata"
    );
    // Nobody else gets the issuer's PDF.
    let clerk = app.login("window_clerk").await;
    let res = app
        .get(&format!("/api/v1/certificates/{id}/pdf"), Auth::Session(&clerk))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    if !common::have_tool("pdftotext") {
        return;
    }
    let text = common::pdf_text(&pdf);
    for t in [
        "营业执照",
        "衢州一次餐饮有限公司",
        "法定代表人",
        "王五",
        "浙江省市场监督管理局",
        code,
        "扫码核验真伪",
    ] {
        assert!(text.contains(t), "{t} in the PDF text:\n{text}");
    }
    let url = common::pdf_qr(&pdf);
    assert!(url.ends_with(&format!("/verify?id={id}&code={code}")), "{url}");
    let path = &url[url.find("/verify").unwrap()..];
    let page = app.page(path, None).await;
    assert!(
        page.text.contains("有效：内容未被篡改"),
        "the QR code's address verifies the certificate"
    );

    // A use copy names the department, the purpose and its expiry.
    let me = app.login_applicant(CITIZEN, "张三").await;
    let house = my_certificate(&app, &me, "不动产权证书").await;
    let window = app.department_id("衢州市数据资源管理局").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    app.call(
        Method::POST,
        &format!("/api/v1/me/certificates/{house}/consents"),
        Auth::Session(&me),
        Some(json!({"department_id": window, "purpose": "抵押登记", "expires_on": until})),
    )
    .await;
    let copy = app
        .call(
            Method::POST,
            &format!("/api/v1/certificates/{house}/use-copies"),
            Auth::Session(&clerk),
            Some(json!({"purpose": "办理不动产抵押登记"})),
        )
        .await
        .json();
    let (status, copy_pdf) = app.bytes(copy["pdf_url"].as_str().unwrap(), &clerk).await;
    assert_eq!(status, StatusCode::OK);
    let text = common::pdf_text(&copy_pdf);
    for t in [
        "加注件",
        "衢州市数据资源管理局",
        "办理不动产抵押登记",
        "有效期至",
        "不动产权证书",
    ] {
        assert!(text.contains(t), "{t} in the use copy:\n{text}");
    }
    // Another department cannot fetch this department's use copy.
    let res = app.get(copy["pdf_url"].as_str().unwrap(), Auth::Session(&issuer)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text);
    // The holder downloads their own.
    let res = app
        .get(&format!("/api/v1/me/certificates/{house}/pdf"), Auth::Session(&me))
        .await;
    assert_eq!(res.status, StatusCode::OK);
}
on_both!(pdfs_carry_the_text_the_seal_and_a_qr_code_that_verifies);

async fn spreadsheets_issue_in_bulk_with_errors_by_row(app: App) {
    app.seed_certificates().await;
    let issuer = app.login("cert_issuer").await;
    let code = type_code(&app, "食品经营许可证").await;
    let template = app
        .get(&format!("/api/v1/certificate-types/{code}/template.csv"), Auth::None)
        .await;
    assert!(
        template.text.contains("持证主体证件号码") && template.text.contains("主体业态"),
        "{}",
        template.text
    );
    let csv = format!(
        "持证主体证件号码,持证主体名称,经营场所,主体业态,经营项目\n\
         {},一号餐厅有限公司,衢州市柯城区1号,餐饮服务经营者,热食类食品制售\n\
         91350100M000100Y43,二号超市有限公司,衢州市柯城区2号,食品销售经营者,预包装食品销售\n\
         91350100M000100Y44,三号食堂,衢州市柯城区3号,酒吧,冷食\n",
        company()
    );
    let send = |partial: bool| {
        let path = format!("/api/v1/certificates/import?type_code={code}&filename=permits.csv&partial={partial}");
        let (app, issuer, csv) = (&app, &issuer, &csv);
        async move { app.upload(&path, issuer, csv.as_str()).await }
    };
    let before = app
        .get("/api/v1/certificates?limit=200", Auth::Session(&issuer))
        .await
        .json();
    let res = send(false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(res.code(), "import_refused");
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("第4行") && f.contains("统一社会信用代码"))
            || fields
                .iter()
                .any(|f| f.starts_with("第4行") && f.contains("持证主体证件号码")),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.starts_with("第4行") && f.contains("主体业态")),
        "{fields:?}"
    );
    assert!(
        !fields.iter().any(|f| f.starts_with("第2行") || f.starts_with("第3行")),
        "{fields:?}"
    );
    let after = app
        .get("/api/v1/certificates?limit=200", Auth::Session(&issuer))
        .await
        .json();
    assert_eq!(before, after, "all or nothing: nothing was issued");

    let res = send(true).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let r = res.json();
    assert_eq!(
        (r["issued"].as_u64(), r["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    // The same file again issues nothing twice.
    let again = send(true).await.json();
    assert_eq!(again["identifiers"], r["identifiers"]);
    let count = app
        .get("/api/v1/certificates?limit=200", Auth::Session(&issuer))
        .await
        .json();
    assert_eq!(count.as_array().unwrap().len(), before.as_array().unwrap().len() + 2);
    // An unknown column refuses the file.
    // The same from an .xlsx workbook (both rows valid: issued together, numbers kept).
    let xlsx = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/certificates.xlsx")).unwrap();
    let res = app
        .upload(
            &format!("/api/v1/certificates/import?type_code={code}&filename=permits.xlsx"),
            &issuer,
            xlsx,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["issued"], 2, "{}", res.text);
    let id = res.json()["identifiers"][0].as_str().unwrap().to_string();
    let c = app
        .get(&format!("/api/v1/certificates/{id}"), Auth::Session(&issuer))
        .await
        .json();
    assert_eq!(c["number"], "JY23308020000004");
    assert_eq!(c["data"]["main_business"], "餐饮服务经营者");

    let res = app
        .upload(
            &format!("/api/v1/certificates/import?type_code={code}&filename=x.csv"),
            &issuer,
            "持证主体证件号码,持证主体名称,颜色\nx,y,z\n",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("颜色"), "{}", res.text);
}
on_both!(spreadsheets_issue_in_bulk_with_errors_by_row);

async fn departments_find_certificates_under_a_sharing_grant(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let window = app.department_id("衢州市数据资源管理局").await;
    let licence_resource = app.store.catalogue_find(market, "营业执照信息").await.unwrap().unwrap();
    let types = app.get("/api/v1/certificate-types", Auth::None).await.json();
    let licence_type = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "营业执照")
        .unwrap()
        .clone();
    assert_eq!(
        licence_type["resource_id"], licence_resource.id,
        "the demo links the licence to its resource"
    );

    let clerk = app.login("window_clerk").await;
    let token = app.token("衢州一窗受理平台");
    let find = format!("/api/v1/certificates?holder={}", company());
    assert_eq!(
        app.get(&find, Auth::Session(&clerk)).await.json(),
        json!([]),
        "no grant yet"
    );

    // The window's system is granted the licence resource.
    let system = app
        .store
        .system_by_name(window, "衢州一窗受理平台")
        .await
        .unwrap()
        .unwrap();
    yici_server::demo::DirectGrant {
        provider_department_id: market,
        consumer_department_id: window,
        system_id: system.id,
        resource_id: licence_resource.id,
        items: &["统一社会信用代码", "名称"],
        purpose: "企业开办一件事核验营业执照",
        legal_basis: "《优化营商环境条例》",
        days: 30,
        daily_quota: 4,
    }
    .record(&app.store)
    .await
    .unwrap();

    // Without the link the grant does not reach the certificates; the issuer links the type to
    // its own published resource only.
    let issuer = app.login("cert_issuer").await;
    let link = format!(
        "/api/v1/certificate-types/{}/resource",
        licence_type["code"].as_str().unwrap()
    );
    let res = app
        .call(
            Method::PUT,
            &link,
            Auth::Session(&issuer),
            Some(json!({"resource_id": null})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(app.get(&find, Auth::Session(&clerk)).await.json(), json!([]));
    let people = app
        .store
        .catalogue_find(app.department_id("浙江省公安厅").await, "人口基础信息")
        .await
        .unwrap()
        .unwrap();
    let res = app
        .call(
            Method::PUT,
            &link,
            Auth::Session(&issuer),
            Some(json!({"resource_id": people.id})),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another department's resource"
    );
    let res = app
        .call(
            Method::PUT,
            &link,
            Auth::Session(&issuer),
            Some(json!({"resource_id": licence_resource.id})),
        )
        .await;
    assert_eq!(res.json()["resource_id"], licence_resource.id, "{}", res.text);

    for auth in [Auth::Session(&clerk), Auth::Bearer(&token)] {
        let found = app.get(&find, auth).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.text);
        let names: Vec<String> = found
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type_name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["营业执照"], "only the granted type, not the food permit");
    }
    // Another department's system holds no grant.
    let police = app.token("人口信息管理系统");
    assert_eq!(app.get(&find, Auth::Bearer(&police)).await.json(), json!([]));
    // The use under the grant names it in the log and in the holder's uses.
    let found = app.get(&find, Auth::Session(&clerk)).await.json();
    let id = found[0]["identifier"].as_str().unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/certificates/{id}/use-copies"),
            Auth::Bearer(&token),
            Some(json!({"purpose": "企业开办核验", "case_ref": "QZ-2026-0099"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let grant_id = app.store.grants_for(system.id, licence_resource.id).await.unwrap()[0].id;
    let entries = app.logged("certificate.use_copy", None).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].content.grant_ref, Some(grant_id.to_string()));
    assert_eq!(entries[0].content.case_ref.as_deref(), Some("QZ-2026-0099"));
    // Four uses today: the grant's daily quota is used up.
    let res = app.get(&find, Auth::Session(&clerk)).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
    assert!(res.headers.contains_key("retry-after"));

    // Revoking the grant ends the access.
    let ev = yici_core::audit::AuditEvent::new(
        0,
        yici_core::audit::Actor::named("test"),
        yici_core::audit::Action::GrantRevoke,
        "grant",
        "t",
    );
    app.store.grant_revoke(grant_id, &ev).await.unwrap();
    assert_eq!(app.get(&find, Auth::Session(&clerk)).await.json(), json!([]));
    let res = app
        .get(&format!("/api/v1/certificates/{id}"), Auth::Bearer(&token))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
on_both!(departments_find_certificates_under_a_sharing_grant);
