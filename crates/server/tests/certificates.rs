//! The electronic certificate library end to end: types, seals, issuing, the lifecycle,
//! verification online and offline (with OpenSSL), the holder's consent and uses.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth, Session};
use serde_json::{Value, json};
use yici_core::id::CertificateId;

use common::certs::*;

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
        yici_certificates::library::remind_expiring_seals(&app.store, now)
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
        yici_certificates::library::remind_expiring_seals(&app.store, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        yici_certificates::library::remind_expiring_seals(&app.store, now)
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
        yici_certificates::library::remind_expiring_seals(&app.store, now + 40 * day)
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
