//! The catalogue through the API: stewards catalogue their own department's resources,
//! operators review, everyone searches; bad input is refused field by field.

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth};
use serde_json::{Value, json};

fn draft(dept: i64, name: &str, share: i64, open: i64) -> Value {
    json!({
        "classification": "102001",
        "name": name,
        "summary": format!("{name}，供各部门办理业务时核验"),
        "provider_department_id": dept,
        "format_class": 3,
        "format_type": "API",
        "share_type": share,
        "share_condition": if share == 2 { "仅用于法定职责" } else { "" },
        "legal_basis": if share == 3 { "《个人信息保护法》" } else { "" },
        "share_mode": 1,
        "open_type": open,
        "update_cycle": 3,
        "sensitivity": 1,
        "items": [
            {"name": "单位名称", "element": "DE0012", "data_type": 1, "length": 200},
            {"name": "统一社会信用代码", "element": "DE0008", "data_type": 1, "length": 18}
        ]
    })
}

async fn stewards_catalogue_and_operators_review(app: App) {
    let steward = app.login("data_steward").await;
    let op = app.login("operator").await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let police = app.department_id("公安厅").await;

    // Only the provider's stewards create; the rules are checked field by field.
    let res = app
        .call(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Auth::Session(&op),
            Some(draft(market, "法人基础信息", 1, 1)),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .call(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Auth::Session(&steward),
            Some(draft(police, "人口信息", 1, 3)),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "another department's resource");
    let mut bad = draft(market, "法人基础信息", 2, 1);
    bad["share_condition"] = json!("");
    bad["items"][1]["name"] = json!("单位名称");
    let res = app
        .call(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Auth::Session(&steward),
            Some(bad),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["share_condition", "items[1].name"]);
    let res = app
        .call(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Auth::Session(&steward),
            Some(draft(market, "法人基础信息", 1, 1)),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["id"].as_i64().unwrap();
    assert_eq!(res.json()["code"], "102001/000001");

    // Review: stewards submit, operators approve; out-of-order steps are conflicts.
    let step = |action: &'static str, who: &common::Session, body: Option<Value>| {
        let path = format!("/api/v1/catalogue/drafts/{id}/{action}");
        let who = who.clone();
        let app = &app;
        async move { app.call(Method::POST, &path, Auth::Session(&who), body).await }
    };
    assert_eq!(step("approve", &op, None).await.status, StatusCode::CONFLICT);
    assert_eq!(step("submit", &steward, None).await.status, StatusCode::OK);
    assert_eq!(step("approve", &steward, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        step("reject", &op, None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs its reason"
    );
    let rejected = step("reject", &op, Some(json!({"reason": "摘要需说明数据来源"})))
        .await
        .json();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["review_note"], "摘要需说明数据来源");
    let mut edited = draft(market, "法人基础信息", 1, 1);
    edited["summary"] = json!("来源于市场主体登记系统的法人基础信息");
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/api/v1/catalogue/drafts/{id}"),
            Auth::Session(&steward),
            Some(edited)
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(step("submit", &steward, None).await.status, StatusCode::OK);
    let queue = app
        .get("/api/v1/catalogue/drafts?queue=pending", Auth::Session(&op))
        .await
        .json();
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/catalogue/drafts?queue=pending", Auth::Session(&steward))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(step("approve", &op, None).await.json()["status"], "published");
    assert_eq!(step("explode", &op, None).await.status, StatusCode::NOT_FOUND);

    // Everyone finds it; the public sees it because it is open.
    let token = app.token("人口信息管理系统");
    let found = app
        .get("/api/v1/catalogue/resources?q=%E6%B3%95%E4%BA%BA", Auth::Bearer(&token))
        .await
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(
        app.get("/api/v1/public/catalogue/resources?q=%E6%B3%95%E4%BA%BA", Auth::None)
            .await
            .json()["total"],
        1
    );
    let detail = app
        .get(&format!("/api/v1/public/catalogue/resources/{id}"), Auth::None)
        .await
        .json();
    assert_eq!(detail["resource"]["items"].as_array().unwrap().len(), 2);
    assert_eq!(detail["version"], 1);
    assert_eq!(
        app.get(
            &format!("/api/v1/catalogue/resources/{id}/versions"),
            Auth::Session(&steward)
        )
        .await
        .json()
        .as_array()
        .unwrap()
        .len(),
        1
    );

    // A resource that is not open stays out of the public catalogue.
    let closed = app
        .call(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Auth::Session(&steward),
            Some(draft(market, "纳税人内部信息", 3, 3)),
        )
        .await
        .json();
    let closed_id = closed["id"].as_i64().unwrap();
    for (action, who) in [("submit", &steward), ("approve", &op)] {
        app.call(
            Method::POST,
            &format!("/api/v1/catalogue/drafts/{closed_id}/{action}"),
            Auth::Session(who),
            None,
        )
        .await;
    }
    assert_eq!(
        app.get(&format!("/api/v1/public/catalogue/resources/{closed_id}"), Auth::None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/catalogue/resources/{closed_id}"), Auth::Session(&op))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/public/catalogue/resources", Auth::None).await.json()["total"],
        1
    );
    assert_eq!(
        app.get("/api/v1/catalogue/resources?share_type=3", Auth::Session(&op))
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        app.get("/api/v1/catalogue/resources?region=9999", Auth::Session(&op))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Statistics and export.
    let stats = app.get("/api/v1/catalogue/statistics", Auth::Session(&op)).await.json();
    assert_eq!(
        (stats["total"].as_i64(), stats["shareable"].as_i64()),
        (Some(2), Some(1))
    );
    let ttl = app.get("/api/v1/catalogue/export", Auth::Session(&op)).await;
    assert!(ttl.text.contains("http://www.w3.org/ns/dcat#Dataset") && ttl.text.contains("法人基础信息"));
    let csv = app.get("/api/v1/catalogue/export?format=csv", Auth::Session(&op)).await;
    assert!(csv.text.starts_with("资源代码,分类代码"));
    assert_eq!(
        app.get("/api/v1/catalogue/export?format=rdfxml", Auth::Session(&op))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Every step was an audit entry.
    let entries = app
        .get("/api/v1/audit/entries?action=catalogue.approve", Auth::Session(&op))
        .await
        .json();
    assert_eq!(entries["items"].as_array().unwrap().len(), 2);
}
on_both!(stewards_catalogue_and_operators_review);

async fn mapping_rules_use_the_standard_code_sets(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    let steward = app.login("data_steward").await;
    let market = app.department_id("浙江省市场监督管理局").await;
    let police = app.department_id("公安厅").await;
    let path = format!("/api/v1/departments/{market}/field-mappings");
    let ok = json!({"local_field": "XB", "element": "DE0003", "values": {"M": "1", "F": "2"}});
    assert_eq!(
        app.call(Method::PUT, &path, Auth::Session(&steward), Some(ok))
            .await
            .status,
        StatusCode::OK
    );
    let bad = json!({"local_field": "XB", "element": "DE0003", "values": {"M": "7"}});
    assert_eq!(
        app.call(Method::PUT, &path, Auth::Session(&steward), Some(bad))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unknown = json!({"local_field": "XB", "element": "DE9999", "values": {}});
    assert_eq!(
        app.call(Method::PUT, &path, Auth::Session(&steward), Some(unknown))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let other = json!({"local_field": "XB", "element": "DE0003", "values": {}});
    assert_eq!(
        app.call(
            Method::PUT,
            &format!("/api/v1/departments/{police}/field-mappings"),
            Auth::Session(&steward),
            Some(other)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&path, Auth::Session(&steward))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let standards = app
        .get("/api/v1/catalogue/elements", Auth::Session(&steward))
        .await
        .json();
    assert!(
        standards["code_sets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "GB/T 2261.1")
    );
    // The demo catalogue is searchable in Chinese.
    let found = app
        .get(
            "/api/v1/catalogue/resources?q=%E4%B8%8D%E5%8A%A8%E4%BA%A7%E7%99%BB%E8%AE%B0",
            Auth::Session(&steward),
        )
        .await
        .json();
    assert!(found["total"].as_i64().unwrap() >= 4, "{found}");
    assert!(
        app.get("/api/v1/catalogue/statistics", Auth::Session(&steward))
            .await
            .json()["total"]
            .as_i64()
            .unwrap()
            >= 200
    );
}
on_both!(mapping_rules_use_the_standard_code_sets);

async fn upload(app: &App, who: &common::Session, name: &str, body: Vec<u8>, partial: bool) -> common::Response {
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!(
            "/api/v1/catalogue/import?filename={}&partial={partial}",
            common::enc(name)
        ))
        .header(axum::http::header::COOKIE, format!("yici_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf)
        .header(axum::http::header::CONTENT_TYPE, "application/octet-stream")
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn spreadsheets_import_all_or_nothing_or_partially(app: App) {
    app.store.catalogue_seed_standards().await.unwrap();
    let steward = app.login("data_steward").await;
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/catalogue-template.csv"
    ))
    .unwrap();
    let count = |app: &App| {
        let store = app.store.clone();
        async move {
            store
                .catalogue_list(&[], None, yici_store::Page::all())
                .await
                .unwrap()
                .len()
        }
    };

    // A second resource with a bad row: by default nothing is written and every problem is named.
    let bad_rows: String = template
        .lines()
        .skip(1)
        .map(|l| {
            l.replace("企业年报信息", "企业年报信息（历史）")
                .replace(",1,否,", ",1,也许,")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mixed = format!("{template}{bad_rows}\n");
    let res = upload(&app, &steward, "目录.csv", mixed.clone().into_bytes(), false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(res.code(), "import_refused");
    let errors = res.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0]["field"], "第5行 P（是否涉密）");
    assert_eq!(count(&app).await, 0, "nothing was written");

    // With partial, the good resource goes in and the bad rows wait in quarantine.
    let res = upload(&app, &steward, "目录.csv", mixed.into_bytes(), true).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let report = res.json();
    assert_eq!(
        (report["created"].as_i64(), report["quarantined"].as_i64()),
        (Some(1), Some(3))
    );
    assert_eq!(count(&app).await, 1);
    assert_eq!(
        app.store
            .catalogue_quarantine(yici_store::Page::all())
            .await
            .unwrap()
            .len(),
        3
    );

    // Importing the same data again (CSV or xlsx) updates rather than duplicates.
    let res = upload(&app, &steward, "目录.csv", template.clone().into_bytes(), false).await;
    assert_eq!(res.json()["unchanged"], 1);
    let xlsx = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/catalogue.xlsx")).unwrap();
    assert_eq!(
        upload(&app, &steward, "目录.xlsx", xlsx, false).await.json()["unchanged"],
        1
    );
    let changed = template.replace("企业年度报告公示的基本信息", "企业年度报告公示的基本信息（修订）");
    assert_eq!(
        upload(&app, &steward, "目录.csv", changed.into_bytes(), false)
            .await
            .json()["updated"],
        1
    );
    assert_eq!(count(&app).await, 1);

    // Files that cannot be read are refused as a whole.
    let merged = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/catalogue-merged.xlsx"
    ))
    .unwrap();
    let res = upload(&app, &steward, "目录.xlsx", merged, false).await;
    assert!(
        res.json()["detail"].as_str().unwrap().contains("合并单元格"),
        "{}",
        res.text
    );
    let res = upload(
        &app,
        &steward,
        "目录.csv",
        template.replace("分类代码", "分类").into_bytes(),
        false,
    )
    .await;
    assert!(res.json()["detail"].as_str().unwrap().contains("第B列应为“分类代码”"));
    assert_eq!(
        upload(&app, &steward, "目录.pdf", b"%PDF".to_vec(), false).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        upload(&app, &steward, "目录.csv", vec![b'a'; 11 * 1024 * 1024], false)
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Another department's stewards cannot import for this one; operators cannot import at all.
    let op = app.login("operator").await;
    assert_eq!(
        upload(&app, &op, "目录.csv", template.clone().into_bytes(), false)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let police = yici_core::id::Uscc::generate("11", "330000", "MB000103").unwrap();
    let other = template.replace("11330000MB000102XL", police.as_str());
    let res = upload(&app, &steward, "目录.csv", other.into_bytes(), false).await;
    assert!(
        res.json()["errors"][0]["message"].as_str().unwrap().contains("无权"),
        "{}",
        res.text
    );
    // Rows carrying the resource's code update that resource.
    let code = app
        .store
        .catalogue_list(&[], None, yici_store::Page::all())
        .await
        .unwrap()[0]
        .code
        .clone();
    let with_code = template
        .lines()
        .map(|l| {
            if l.starts_with(",") {
                format!("{code}{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        upload(&app, &steward, "目录.csv", with_code.into_bytes(), false)
            .await
            .json()["updated"],
        1
    );
    assert_eq!(count(&app).await, 1);
    // The same resource code on rows that disagree about the resource is refused.
    let second = template.lines().nth(1).unwrap().replace("企业年报信息", "另一个资源");
    let coded: Vec<String> = template
        .lines()
        .map(|l| {
            if l.starts_with(',') {
                format!("{code}{l}")
            } else {
                l.to_string()
            }
        })
        .collect();
    let dup = format!("{}\n{code}{second}\n", coded.join("\n"));
    let res = upload(&app, &steward, "目录.csv", dup.into_bytes(), false).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(
        res.json()["errors"][0]["message"].as_str().unwrap().contains("不一致"),
        "{}",
        res.text
    );
    assert_eq!(count(&app).await, 1);
}
on_both!(spreadsheets_import_all_or_nothing_or_partially);

async fn catalogue_pages_search_edit_and_review(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    // The public catalogue needs no sign-in and lists only open resources.
    let page = app
        .page("/catalogue?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7", None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("营业执照信息"), "{}", page.text);
    let closed = app
        .page("/catalogue?q=%E7%A4%BE%E4%BF%9D%E7%BC%B4%E8%B4%B9", None)
        .await;
    assert!(
        !closed.text.contains("社保缴费信息"),
        "not-open resources stay out of the public catalogue"
    );
    let op = app.login("operator").await;
    let gov = app
        .page(
            "/gov/catalogue?q=%E7%A4%BE%E4%BF%9D%E7%BC%B4%E8%B4%B9&share_type=",
            Some(&op),
        )
        .await;
    assert!(gov.text.contains("社保缴费信息"));
    // The filters are lists; a value that is not one of them, or a bad region code, keeps the
    // form and its input, marks the fields, and finds nothing.
    assert!(gov.text.contains("<select id=\"q-share_type\""));
    let bad = app
        .page("/gov/catalogue?q=%E7%A4%BE%E4%BF%9D&class=9&region=12", Some(&op))
        .await;
    assert_eq!(bad.status, StatusCode::OK, "{}", bad.text);
    assert!(bad.text.contains("id=\"qe-class\"") && bad.text.contains("id=\"qe-region\""));
    assert!(bad.text.contains("value=\"12\"") && bad.text.contains("value=\"社保\""));
    assert!(!bad.text.contains("社保缴费信息"));
    let bad = app.page("/catalogue?share_type=x", None).await;
    assert_eq!(bad.status, StatusCode::OK, "{}", bad.text);
    assert!(bad.text.contains("id=\"qe-share_type\""));
    let stats = app.page("/catalogue/statistics", Some(&op)).await;
    assert!(stats.text.contains("可共享比例"));

    // A steward's form keeps the input and names the wrong fields.
    let steward = app.login("data_steward").await;
    let market = app.department_id("浙江省市场监督管理局").await.to_string();
    let mut fields = vec![
        ("provider_department_id", market.as_str()),
        ("classification", "102009"),
        ("name", "广告经营登记信息"),
        ("summary", "广告发布登记信息"),
        ("format_class", "3"),
        ("format_type", "API"),
        ("share_type", "2"),
        ("share_condition", ""),
        ("legal_basis", ""),
        ("share_mode", "1"),
        ("open_type", "1"),
        ("open_condition", ""),
        ("update_cycle", "3"),
        ("sensitivity", "1"),
        ("secret", "0"),
        ("item0_name", "广告发布单位"),
        ("item0_element", "DE0012"),
        ("item0_type", "1"),
        ("item0_length", "x"),
        ("item0_share", ""),
        ("item1_name", ""),
    ];
    let res = app.form("/catalogue/drafts", &steward, &fields).await;
    assert_eq!(res.status, StatusCode::OK, "the form again, as a page");
    assert!(res.text.contains("value=\"广告经营登记信息\""));
    assert!(res.text.contains("长度应为整数"));
    fields[18] = ("item0_length", "200");
    let res = app.form("/catalogue/drafts", &steward, &fields).await;
    assert!(res.text.contains("有条件共享必须填写共享条件"), "{}", res.text);
    fields[7] = ("share_condition", "用于广告监管");
    let res = app.form("/catalogue/drafts", &steward, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let draft = app
        .store
        .catalogue_find(market.parse().unwrap(), "广告经营登记信息")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.form(&format!("/catalogue/drafts/{}/submit", draft.id), &steward, &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // The operator sees it in the queue, reads it on its review page and approves it there;
    // then it is in the catalogue.
    let queue = app.page("/catalogue/review", Some(&op)).await;
    let review = format!("/catalogue/review/{}", draft.id);
    assert!(
        queue
            .text
            .contains(&format!("<a href=\"{review}\">广告经营登记信息</a>"))
    );
    let read = app.page(&review, Some(&op)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert!(read.text.contains("广告发布单位") && read.text.contains("共享：有条件共享"));
    assert!(read.text.contains(&format!("/catalogue/drafts/{}/approve", draft.id)));
    // A rejection without its reason comes back on the review page, marked.
    let res = app
        .form(
            &format!("/catalogue/drafts/{}/reject", draft.id),
            &op,
            &[("reason", " ")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(res.text.contains("退回时必须说明理由") && res.text.contains("aria-invalid=\"true\""));
    assert_eq!(app.page(&review, Some(&steward)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.form(&format!("/catalogue/drafts/{}/approve", draft.id), &op, &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let found = app.page("/catalogue?q=%E5%B9%BF%E5%91%8A", None).await;
    assert!(found.text.contains("广告经营登记信息"));
    let detail = app.page(&format!("/catalogue/{}", draft.id), None).await;
    assert!(detail.text.contains("广告发布单位"));
    assert_eq!(
        app.page("/catalogue/review", Some(&steward)).await.status,
        StatusCode::FORBIDDEN
    );

    // Asking to withdraw it is asked once more, by name; only the confirmation asks.
    let path = format!("/catalogue/drafts/{}/withdraw", draft.id);
    let ask = app.form(&path, &steward, &[]).await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.text);
    assert!(ask.text.contains("广告经营登记信息") && ask.text.contains("name=\"confirmed\" value=\"1\""));
    let queue = app.page("/catalogue/review", Some(&op)).await;
    assert!(!queue.text.contains("广告经营登记信息"), "nothing asked yet");
    assert_ne!(
        app.form(&path, &op, &[]).await.status,
        StatusCode::OK,
        "operators do not ask"
    );
    let done = app.form(&path, &steward, &[("confirmed", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let queue = app.page("/catalogue/review", Some(&op)).await;
    assert!(
        queue.text.contains("广告经营登记信息"),
        "the withdrawal waits for review"
    );
}
on_both!(catalogue_pages_search_edit_and_review);
