//! Sharing requests through the API: the share type decides the path, providers answer within
//! the working-day limit, refusals and overdue requests escalate to the operator.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth, Session};
use serde_json::{Value, json};

fn request(resource: i64, consumer: i64, system: i64, items: &[&str]) -> Value {
    json!({
        "resource_id": resource,
        "consumer_department_id": consumer,
        "system_id": system,
        "items": items,
        "purpose": "企业开办时核验法定代表人身份",
        "legal_basis": "《市场主体登记管理条例》",
        "valid_from": "2026-11-27",
        "valid_until": "2027-11-26"
    })
}

async fn share_type_decides_the_path(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let steward = app.login("data_steward").await;
    let op = app.login("operator").await;
    let police = app.police_steward().await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let s = Auth::Session(&steward);

    // Bad requests are refused field by field.
    let people = app.resource("人口基础信息").await.id;
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            s,
            Some(request(people, market, system, &["姓名", "照片"])),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "items[1]");
    let police_dept = app.department_id("公安厅").await;
    let police_system = app.store.list_systems(Some(police_dept)).await.unwrap()[0].id;
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            s,
            Some(request(people, market, police_system, &["姓名"])),
        )
        .await;
    assert_eq!(res.json()["errors"][0]["field"], "system_id");
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            s,
            Some(request(people, police_dept, police_system, &["姓名"])),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "only the consumer's stewards apply");
    assert_eq!(
        app.call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&op),
            Some(request(people, market, system, &["姓名"]))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Conditional: the provider answers; a partial grant covers only what it names.
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            s,
            Some(request(people, market, system, &["姓名", "公民身份号码"])),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let pending = res.json();
    assert_eq!(pending["status"], "pending");
    let id = pending["id"].as_i64().unwrap();
    let decide = |who: &Session, body: Value| {
        let (app, who) = (&app, who.clone());
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/sharing/requests/{id}/decision"),
                Auth::Session(&who),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        decide(&steward, json!({"decision": "approve", "items": ["姓名"]}))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "not the provider"
    );
    assert_eq!(
        decide(&op, json!({"decision": "approve", "items": ["姓名"]}))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "operators coordinate escalated requests"
    );
    assert_eq!(
        decide(&police, json!({"decision": "approve", "items": ["照片"]}))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = decide(
        &police,
        json!({"decision": "approve", "items": ["姓名"], "daily_quota": 500, "masking": "standard"}),
    )
    .await;
    assert_eq!(res.json()["status"], "partially_granted", "{}", res.text);
    assert_eq!(
        decide(&police, json!({"decision": "approve", "items": ["姓名"]}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let grants = app
        .get(&format!("/api/v1/sharing/grants?resource={people}"), Auth::Session(&op))
        .await
        .json();
    assert_eq!(grants[0]["items"], json!(["姓名"]));
    assert_eq!(grants[0]["daily_quota"], 500);
    let notes = app.get("/api/v1/notifications", s).await.json();
    assert_eq!(notes[0]["message"], "共享申请已获部分授权");
    let incoming = app
        .get("/api/v1/sharing/requests?view=incoming", Auth::Session(&police))
        .await
        .json();
    assert_eq!(incoming.as_array().unwrap().len(), 1);

    // A refusal needs reasons and escalates; the operator's decision is final.
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            s,
            Some(request(people, market, system, &["住址"])),
        )
        .await;
    let id2 = res.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/sharing/requests/{id2}/decision");
    assert_eq!(
        app.call(
            Method::POST,
            &path,
            Auth::Session(&police),
            Some(json!({"decision": "refuse", "reasons": ""}))
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = app
        .call(
            Method::POST,
            &path,
            Auth::Session(&police),
            Some(json!({"decision": "refuse", "reasons": "住址属敏感信息"})),
        )
        .await;
    assert_eq!(res.json()["status"], "escalated");
    let queue = app
        .get("/api/v1/sharing/requests?view=escalated", Auth::Session(&op))
        .await
        .json();
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/sharing/requests?view=escalated", s).await.status,
        StatusCode::FORBIDDEN
    );
    let res = app
        .call(
            Method::POST,
            &path,
            Auth::Session(&op),
            Some(json!({"decision": "approve", "items": ["住址"]})),
        )
        .await;
    assert_eq!(res.json()["status"], "granted", "{}", res.text);

    // Unconditional: granted at once. Not shared: straight to coordination.
    let plan = app.resource("国土空间规划信息").await.id;
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            s,
            Some(request(plan, market, system, &["规划名称"])),
        )
        .await;
    assert_eq!(res.json()["status"], "granted");
    let fees = app.resource("社保缴费信息").await.id;
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            s,
            Some(request(fees, market, system, &["姓名"])),
        )
        .await;
    assert_eq!(res.json()["status"], "escalated", "{}", res.text);

    // Grants can be revoked by the provider or an operator, not by the consumer.
    let gid = grants[0]["id"].as_i64().unwrap();
    assert_eq!(
        app.call(Method::DELETE, &format!("/api/v1/sharing/grants/{gid}"), s, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/sharing/grants/{gid}"),
            Auth::Session(&police),
            None,
        )
        .await;
    assert_eq!(res.json()["revoked"], true);
    assert_eq!(
        app.call(
            Method::DELETE,
            "/api/v1/sharing/grants/999999",
            Auth::Session(&op),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Every step is in the audit log.
    let log = app
        .get("/api/v1/audit/entries?action=sharing.decide", Auth::Session(&op))
        .await
        .json();
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
}
on_both!(share_type_decides_the_path);

async fn overdue_requests_escalate_after_a_reminder(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let steward = app.login("data_steward").await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let people = app.resource("人口基础信息").await.id;
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&steward),
            Some(request(people, market, system, &["姓名"])),
        )
        .await;
    let deadline: chrono::NaiveDate = res.json()["deadline"].as_str().unwrap().parse().unwrap();
    let cal = app.store.working_calendar().await.unwrap();
    let two_before = {
        let mut d = deadline;
        let mut left = 2;
        while left > 0 {
            d = d.pred_opt().unwrap();
            if cal.is_working_day(d).unwrap() {
                left -= 1;
            }
        }
        d
    };
    let police = app.department_id("公安厅").await;
    assert_eq!(
        yici_exchange::sharing::enforce_deadlines(&app.state.exchange(), two_before)
            .await
            .unwrap(),
        (1, 0)
    );
    assert_eq!(
        yici_exchange::sharing::enforce_deadlines(&app.state.exchange(), two_before)
            .await
            .unwrap(),
        (0, 0),
        "one reminder"
    );
    assert_eq!(
        app.store.notifications(police, yici_store::Page::all()).await.unwrap()[0].kind,
        "reminder"
    );
    assert_eq!(
        yici_exchange::sharing::enforce_deadlines(&app.state.exchange(), deadline)
            .await
            .unwrap(),
        (0, 0),
        "the last day still counts"
    );
    let after = deadline.succ_opt().unwrap();
    assert_eq!(
        yici_exchange::sharing::enforce_deadlines(&app.state.exchange(), after)
            .await
            .unwrap(),
        (0, 1)
    );
    let r = app
        .store
        .sharing_request(res.json()["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, yici_core::sharing::RequestStatus::Escalated);
    assert_eq!(r.decision_note, "提供部门逾期未答复");
}
on_both!(overdue_requests_escalate_after_a_reminder);

async fn sharing_pages_for_each_party(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let steward = app.login("data_steward").await;
    let police = app.police_steward().await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let people = app.resource("人口基础信息").await.id;
    let res = app
        .call(
            Method::POST,
            "/api/v1/sharing/requests",
            Auth::Session(&steward),
            Some(request(people, market, system, &["姓名", "公民身份号码"])),
        )
        .await;
    let id = res.json()["id"].as_i64().unwrap();
    let page = app.page("/sharing/requests?view=incoming", Some(&police)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("<a href=\"/sharing/requests?view=outgoing\">本部门提交的申请</a>")
    );
    assert!(
        page.text.contains("企业开办时核验法定代表人身份")
            && page.text.contains(&format!("href=\"/sharing/requests/{id}\"")),
        "each request links to its page"
    );
    // The request's page names who asks, what for and on which basis, and offers the answers.
    let one = app.page(&format!("/sharing/requests/{id}"), Some(&police)).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    for fact in [
        "申请部门：浙江省市场监督管理局",
        "应用系统：市场主体登记系统",
        "用途：企业开办时核验法定代表人身份",
        "法律依据：",
        "公民身份号码",
        &format!("/sharing/requests/{id}/approve"),
        &format!("/sharing/requests/{id}/refuse"),
    ] {
        assert!(one.text.contains(fact), "{fact} missing: {}", one.text);
    }
    // The requesting side reads it too, without the answer forms; others do not learn of it.
    let theirs = app.page(&format!("/sharing/requests/{id}"), Some(&steward)).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.text.contains(&format!("/sharing/requests/{id}/approve")));
    let api = app
        .get(&format!("/api/v1/sharing/requests/{id}"), Auth::Session(&steward))
        .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json()["system_name"], "市场主体登记系统");
    assert_eq!(api.json()["answerable"], false);
    // A refusal without its reason comes back on its own form, marked, with the page around it.
    let res = app
        .form(&format!("/sharing/requests/{id}/refuse"), &police, &[("reasons", "  ")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(res.text.contains("id=\"f-reasons\"") && res.text.contains("aria-invalid=\"true\""));
    assert!(res.text.contains("error-summary") && res.text.contains("href=\"/sharing/grants\""));
    // Items are ticked one by one; one not asked for is refused on the form.
    let res = app
        .form(
            &format!("/sharing/requests/{id}/approve"),
            &police,
            &[("items", "姓名"), ("items", "住址"), ("masking", "strict")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(res.text.contains("只能授权申请中的信息项"));
    let res = app
        .form(
            &format!("/sharing/requests/{id}/approve"),
            &police,
            &[("items", "姓名"), ("masking", "strict")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let grants = app.page("/sharing/grants", Some(&police)).await;
    assert!(grants.text.contains("市场主体登记系统") && grants.text.contains("严格脱敏"));
    let mine = app.page("/sharing/requests?view=outgoing", Some(&steward)).await;
    assert!(mine.text.contains("部分授权"));
    let notes = app.page("/notifications", Some(&steward)).await;
    assert!(notes.text.contains("共享申请已获部分授权"));
    let refused = app
        .form(&format!("/sharing/requests/{id}/refuse"), &police, &[("reasons", "x")])
        .await;
    assert_eq!(refused.status, StatusCode::OK, "already decided: said on the page");
    assert!(refused.text.contains("不能再作决定"), "{}", refused.text);
}
on_both!(sharing_pages_for_each_party);

async fn a_request_is_filed_from_the_resource_page(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let steward = app.login("data_steward").await;
    let police = app.police_steward().await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let people = app.resource("人口基础信息").await.id;
    let resource = app.page(&format!("/catalogue/{people}"), Some(&steward)).await;
    let link = format!("/sharing/requests/new?resource={people}");
    assert!(resource.text.contains(&link), "申请共享 on the resource page");
    // Not on the provider's own resource.
    let own = app.page(&format!("/catalogue/{people}"), Some(&police)).await;
    assert!(!own.text.contains(&link));
    let form = app.page(&link, Some(&steward)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert!(form.text.contains("type=\"checkbox\"") && form.text.contains("value=\"公民身份号码\""));
    assert!(form.text.contains("市场主体登记系统") && form.text.contains("type=\"date\""));

    // Empty, overlong and malformed input: the same form, marked, the input kept, nothing filed.
    let long = "用".repeat(5000);
    for bad in [
        vec![("resource_id", people.to_string())],
        vec![
            ("resource_id", people.to_string()),
            ("system_id", "x".into()),
            ("items", "姓名".into()),
            ("purpose", long.clone()),
            ("legal_basis", "《居民身份证法》".into()),
            ("valid_from", "2026-13-45".into()),
            ("valid_until", "tomorrow".into()),
        ],
        vec![
            ("resource_id", people.to_string()),
            ("system_id", system.to_string()),
            ("items", "不存在的信息项".into()),
            ("purpose", long.clone()),
            ("legal_basis", "".into()),
            ("valid_from", "2026-11-30".into()),
            ("valid_until", "2026-11-01".into()),
        ],
    ] {
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.form("/sharing/requests", &steward, &pairs).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert!(res.text.contains("error-summary") && res.text.contains("aria-invalid=\"true\""));
        assert!(res.text.contains("name=\"csrf_token\""), "the form is there again");
    }
    let filed = app
        .get("/api/v1/sharing/requests?view=outgoing", Auth::Session(&steward))
        .await;
    assert_eq!(filed.json().as_array().unwrap().len(), 0, "nothing was filed");

    let res = app
        .form(
            "/sharing/requests",
            &steward,
            &[
                ("resource_id", &people.to_string()),
                ("system_id", &system.to_string()),
                ("items", "姓名"),
                ("items", "公民身份号码"),
                ("purpose", "企业开办时核验法定代表人身份"),
                ("legal_basis", "《市场主体登记管理条例》"),
                ("valid_from", "2026-11-30"),
                ("valid_until", "2027-11-29"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let filed = app
        .get("/api/v1/sharing/requests?view=outgoing", Auth::Session(&steward))
        .await;
    let list = filed.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["request"]["items"], json!(["姓名", "公民身份号码"]));
    let location = res.headers[axum::http::header::LOCATION].to_str().unwrap();
    assert_eq!(location, format!("/sharing/requests/{}?notice=filed", list[0]["id"]));
}
on_both!(a_request_is_filed_from_the_resource_page);
