//! The audit log seen through the API and the pages: changes, reads of personal data and
//! refusals are recorded; citizens see who used their data and can prove it; operators search.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth};
use serde_json::json;
use yici_core::audit::Outcome;
use yici_crypto::auditlog::{Export, verify_export};

async fn changes_and_refusals_are_recorded(app: App) {
    let op = app.login("operator").await;
    let before = app.logged("department.create", None).await.len();
    let body = json!({"name": "浙江省教育厅", "uscc": yici_core::id::Uscc::generate("11", "330000", "MB000201").unwrap().to_string(), "region_code": "330000", "kind": "government"});
    let res = app
        .call(
            Method::POST,
            "/api/v1/departments",
            Auth::Session(&op),
            Some(body.clone()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let id = res.json()["id"].as_i64().unwrap();
    let created = app.logged("department.create", None).await;
    assert_eq!(created.len(), before + 1);
    let e = &created[0].content;
    assert_eq!(e.object_ids, vec![id.to_string()]);
    assert_eq!(e.actor.label, "user:operator");
    assert_eq!(e.request_id, res.headers["x-request-id"].to_str().unwrap());
    // A failed change writes neither the change nor its entry.
    let res = app
        .call(Method::POST, "/api/v1/departments", Auth::Session(&op), Some(body))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(app.logged("department.create", None).await.len(), before + 1);

    // A refusal is recorded with who was refused and what they lacked.
    let steward = app.login("data_steward").await;
    let res = app
        .call(
            Method::POST,
            "/api/v1/regions",
            Auth::Session(&steward),
            Some(json!({"code": "330102", "name": "x"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let refused = app.logged("access.refuse", None).await;
    let r = &refused[0].content;
    assert_eq!(
        (r.outcome, r.actor.label.as_str()),
        (Outcome::Refused, "user:data_steward")
    );
    assert_eq!(r.object_ids, vec!["ManageRegions"]);
    let token = app.token("人口信息管理系统");
    assert_eq!(
        app.call(
            Method::POST,
            "/api/v1/regions",
            Auth::Bearer(&token),
            Some(json!({"code": "330102", "name": "x"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = &app.logged("access.refuse", None).await[0].content;
    assert!(r.actor.label.starts_with("system:") && r.actor.department_id.is_some());
    assert!(
        !app.logged("session.sign_in", None).await.is_empty(),
        "sign-ins are recorded"
    );
    // A forged form post (wrong CSRF token) is a refusal too.
    let forged = common::Session {
        cookie: op.cookie.clone(),
        csrf: "c_forged".into(),
    };
    assert_eq!(
        app.form("/admin/regions", &forged, &[("code", "330102"), ("name", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = &app.logged("access.refuse", None).await[0].content;
    assert_eq!(
        (r.object_type.as_str(), r.actor.label.as_str()),
        ("csrf_token", "user:operator")
    );
}
on_both!(changes_and_refusals_are_recorded);

/// A caller's `X-Request-Id` is kept beside the entry, never as its key: the server's own id
/// keys the log and is the one echoed back.
async fn the_callers_request_id_is_recorded_beside_the_servers_own(app: App) {
    let op = app.login("operator").await;
    let body = json!({"name": "浙江省体育局", "uscc": yici_core::id::Uscc::generate("11", "330000", "MB000202").unwrap().to_string(), "region_code": "330000", "kind": "government"});
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/departments")
        .header(axum::http::header::COOKIE, format!("yici_session={}", op.cookie))
        .header("x-csrf-token", &op.csrf)
        .header("x-request-id", "client-chosen-id")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let echoed = res.headers["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(echoed, "client-chosen-id");
    let e = &app.logged("department.create", None).await[0].content;
    assert_eq!(e.request_id, echoed);
    assert_eq!(e.client_request_id.as_deref(), Some("client-chosen-id"));
}
on_both!(the_callers_request_id_is_recorded_beside_the_servers_own);

async fn citizens_see_who_used_their_data_and_can_prove_it(app: App) {
    let me = app.login_applicant("11010519491231002X", "张三").await;
    let other_person = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            Auth::None,
            Some(json!({"id_number": "91350100M000100Y43", "name": "某某公司"})),
        )
        .await;
    assert_eq!(other_person.status, StatusCode::OK);

    let clerk = app.login("window_clerk").await;
    let res = app.get("/api/v1/applicants?number=11010519491231002X&purpose=%E5%8A%9E%E7%90%86%E6%88%B7%E7%B1%8D%E8%BF%81%E5%85%A5", Auth::Session(&clerk)).await;
    assert_eq!(res.status, StatusCode::OK);
    let _ = app
        .get("/api/v1/applicants?number=91350100M000100Y43", Auth::Session(&clerk))
        .await;

    let uses = app.get("/api/v1/me/data-uses", Auth::Session(&me)).await;
    assert_eq!(uses.status, StatusCode::OK, "{}", uses.text);
    let items = uses.json()["items"].as_array().unwrap().clone();
    assert_eq!(
        items.len(),
        1,
        "only the clerk's read of my data, not my own sign-in nor others' data: {items:?}"
    );
    let use_ = &items[0]["content"];
    assert_eq!(use_["action"], "applicant.read");
    assert_eq!(use_["purpose"], "办理户籍迁入");
    assert_eq!(use_["actor"]["label"], "user:window_clerk");
    assert!(
        !uses.text.contains("11010519491231002X"),
        "subjects appear only as digests"
    );

    // The proof bundle verifies with the published key alone.
    let id = items[0]["id"].as_i64().unwrap();
    let res = app
        .get(&format!("/api/v1/me/data-uses/{id}/proof"), Auth::Session(&me))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let bundle: Export = serde_json::from_str(&res.text).unwrap();
    let pem = app.get("/api/v1/audit/public-key", Auth::None).await.text;
    let key = yici_crypto::sm2::PublicKeyInfo::from_pem(&pem).unwrap();
    assert_eq!(verify_export(&bundle, &key), Ok(1));

    // Nobody else's entries: another entry id is simply not found for me.
    let others = app
        .logged("applicant.read", None)
        .await
        .into_iter()
        .find(|e| e.id != id)
        .unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/me/data-uses/{}/proof", others.id), Auth::Session(&me))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Staff have no "my data uses"; citizens cannot search the log.
    assert_eq!(
        app.get("/api/v1/me/data-uses", Auth::Session(&clerk)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/audit/entries", Auth::Session(&me)).await.status,
        StatusCode::FORBIDDEN
    );

    // The page lists the use with its department and purpose.
    let page = app.page("/me/data-uses", Some(&me)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("办理户籍迁入") && page.text.contains("衢州市数据资源管理局"),
        "{}",
        page.text
    );
    // Proofs are explained in words; the commands are on the developers' page.
    assert!(!page.text.contains("yici audit") && page.text.contains("href=\"/developers\""));
    let developers = app.page("/developers", None).await;
    assert!(
        developers.text.contains("yici audit verify-export"),
        "{}",
        developers.text
    );
}
on_both!(citizens_see_who_used_their_data_and_can_prove_it);

async fn operators_search_and_export_the_log(app: App) {
    let op = app.login("operator").await;
    let clerk = app.login("window_clerk").await;
    let _ = app
        .call(
            Method::POST,
            "/api/v1/session/applicant",
            Auth::None,
            Some(json!({"id_number": "11010519491231002X", "name": "张三"})),
        )
        .await;
    let _ = app
        .get("/api/v1/applicants?number=11010519491231002X", Auth::Session(&clerk))
        .await;
    let s = Auth::Session(&op);
    let res = app.get("/api/v1/audit/entries?subject=11010519491231002X", s).await;
    let items = res.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "the verification and the read: {items:?}");
    let dept = app.department_id("衢州市数据资源管理局").await;
    let res = app
        .get(
            &format!("/api/v1/audit/entries?department={dept}&action=applicant.read"),
            s,
        )
        .await;
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/audit/entries?from=2020-01-01&to=2019-01-01", s)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get("/api/v1/audit/entries?from=yesterday", s).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let supervisor = app.login("supervisor").await;
    assert_eq!(
        app.get("/api/v1/audit/entries", Auth::Session(&supervisor))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/audit/entries", Auth::Session(&clerk)).await.status,
        StatusCode::FORBIDDEN
    );

    // Checkpoints on demand, consistency between them, and an export that verifies.
    let cp1 = app.call(Method::POST, "/api/v1/audit/checkpoints", s, None).await;
    assert_eq!(cp1.status, StatusCode::CREATED, "{}", cp1.text);
    let size1 = cp1.json()["size"].as_u64().unwrap();
    let _ = app
        .get("/api/v1/applicants?number=11010519491231002X", Auth::Session(&clerk))
        .await;
    let cp2 = app
        .call(Method::POST, "/api/v1/audit/checkpoints", s, None)
        .await
        .json();
    let size2 = cp2["size"].as_u64().unwrap();
    assert!(size2 > size1);
    let latest = app.get("/api/v1/audit/checkpoint", Auth::None).await.json();
    assert_eq!(latest["size"].as_u64().unwrap(), size2);
    let proof = app
        .get(
            &format!("/api/v1/audit/consistency?from={size1}&to={size2}"),
            Auth::None,
        )
        .await
        .json();
    let old: yici_crypto::auditlog::Checkpoint = serde_json::from_value(cp1.json()).unwrap();
    let new: yici_crypto::auditlog::Checkpoint = serde_json::from_value(cp2).unwrap();
    let hashes: Vec<String> = serde_json::from_value(proof["proof"].clone()).unwrap();
    let key = app.store.audit_keys().unwrap().public();
    yici_crypto::auditlog::verify_checkpoints_consistent(&old, &new, &hashes, &key).unwrap();
    let export: Export = serde_json::from_str(
        &app.get(&format!("/api/v1/audit/export?from=0&to={}", size2 - 1), s)
            .await
            .text,
    )
    .unwrap();
    assert_eq!(verify_export(&export, &key), Ok(size2 as usize));
    let one: Export = serde_json::from_str(&app.get("/api/v1/audit/entries/0/proof", s).await.text).unwrap();
    assert_eq!(verify_export(&one, &key), Ok(1));

    // Bad requests: unknown entry, out-of-order range, unknown checkpoint size.
    assert_eq!(
        app.get(&format!("/api/v1/audit/entries/{size2}/proof"), s).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/audit/entries/0/proof?size=999999", s).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/audit/export?from=5&to=2", s).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/audit/consistency?from={size2}&to={size1}"),
            Auth::None
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get("/api/v1/audit/export?from=0&to=x", s).await.status,
        StatusCode::BAD_REQUEST
    );

    let page = app.page("/audit?action=applicant.read", Some(&op)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("user:window_clerk"));
    // Actions and object kinds in words, not codes.
    assert!(
        page.text.contains("查询申请人信息") && page.text.contains("\">申请人 "),
        "{}",
        page.text
    );
    // The search form as a browser sends it: empty fields mean no filter; departments, systems
    // and actions are lists (by name), dates are date fields.
    let page = app
        .page("/audit?department=&system=&subject=&action=&from=&to=", Some(&op))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("<select id=\"q-department\""));
    assert!(page.text.contains("<select id=\"q-action\"") && page.text.contains(">签发证照</option>"));
    assert!(page.text.contains("id=\"q-from\" name=\"from\" type=\"date\""));
    // A value it cannot use keeps the form, the input and the menu, and marks the field.
    let bad = app.page("/audit?department=abc&subject=110", Some(&op)).await;
    assert_eq!(bad.status, StatusCode::OK, "{}", bad.text);
    assert!(bad.text.contains("id=\"qe-department\"") && bad.text.contains("aria-invalid=\"true\""));
    assert!(bad.text.contains("value=\"110\""), "the input is kept");
    assert!(bad.text.contains("href=\"/audit\""), "the menu is kept");
    assert!(app.store.audit_verify(&key).await.unwrap().ok());
}
on_both!(operators_search_and_export_the_log);
