//! Service items over HTTP with the demo's items: searching (in Chinese), the guide of an item
//! and of a bundle with `answer.<question>=<choice>`, and bad input answered with field errors.

mod common;

use axum::http::StatusCode;
use common::{App, Auth};
use tower::ServiceExt;

async fn demo_items_are_found_and_guided(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    let published = yici_server::demo::items::seed(&app.store).await.unwrap();
    assert!(published >= 14, "{published}");
    assert_eq!(
        yici_server::demo::items::seed(&app.store).await.unwrap(),
        published,
        "seeding twice adds nothing"
    );

    let res = app
        .get("/api/v1/items?q=%E4%B8%8D%E5%8A%A8%E4%BA%A7&page=1", Auth::None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let found = res.json();
    assert!(found["total"].as_i64().unwrap() >= 1);
    let transfer = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "不动产转移登记（二手房买卖）")
        .expect("不动产转移登记 is found by 不动产")
        .clone();
    assert_eq!(transfer["promise"], "最多跑一次");
    let code = transfer["code"].as_str().unwrap();
    assert_eq!(code.len(), 31);

    // The guide for a married seller: the marriage certificate is fetched, the spouse's
    // consent is brought.
    let res = app
        .get(&format!("/api/v1/items/{code}/guide?answer.married=yes"), Auth::None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let g = res.json();
    let line = |name: &str| {
        g["materials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {g}"))
            .clone()
    };
    assert_eq!(line("卖方婚姻关系证明")["exempt_source"]["name"], "结婚证");
    assert_eq!(line("卖方婚姻关系证明")["required"], true);
    assert!(line("配偶同意出售的书面意见")["exempt_source"].is_null());
    assert_eq!(line("房屋买卖合同")["exempt_source"]["kind"], "record");
    assert_eq!(g["visits"], 1);
    assert_eq!(g["promised_limit"]["days"], 5);
    assert_eq!(g["legal_limit"]["days"], 30);
    // The same list printed: a PDF/A naming what is fetched and what is brought.
    let req = axum::http::Request::builder()
        .uri(format!("/api/v1/items/{code}/guide.pdf?answer.married=yes"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if common::have_tool("pdftotext") {
        let text = common::pdf_text(&pdf);
        for words in [
            "不动产转移登记（二手房买卖）",
            "卖方婚姻关系证明",
            "免提交：由“结婚证”共享获取",
            "配偶同意出售的书面意见",
            "申请人提供",
            "最多跑一次",
        ] {
            assert!(text.contains(words), "{words} in the printed guide: {text}");
        }
    }
    assert_eq!(
        app.get(
            &format!("/api/v1/items/{code}/guide.pdf?answer.married=perhaps"),
            Auth::None
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = app.get("/api/v1/bundles/newborn/guide.pdf", Auth::None).await;
    assert_eq!(res.status, StatusCode::OK);
    let unmarried = app
        .get(&format!("/api/v1/items/{code}/guide?answer.married=no"), Auth::None)
        .await
        .json();
    assert_eq!(
        unmarried["materials"].as_array().unwrap().len(),
        g["materials"].as_array().unwrap().len() - 2
    );

    // Bundles: listed with code and name; one guide, each held document asked once.
    let bundles = app.get("/api/v1/bundles", Auth::None).await.json();
    let codes: Vec<&str> = bundles
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    for c in ["business-start", "newborn", "retirement", "second-hand-house"] {
        assert!(codes.contains(&c), "{codes:?}");
    }
    assert!(bundles[0]["name"].is_string());
    let res = app.get("/api/v1/bundles/business-start/guide", Auth::None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let g = res.json();
    let ids: Vec<&serde_json::Value> = g["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["exempt_source"]["name"] == "居民身份证")
        .collect();
    assert_eq!(ids.len(), 1, "the representative's ID is asked once: {g}");
    // 公章 and 税务 need it; the licence registration checks the population records instead.
    assert_eq!(ids[0]["items"].as_array().unwrap().len(), 2);
    assert!(g["results"].as_array().unwrap().iter().any(|r| r == "营业执照"));

    // Bad input: a choice that is not one, a question that does not exist, a page that is not
    // a number, an item that does not exist.
    let res = app
        .get(
            &format!("/api/v1/items/{code}/guide?answer.married=perhaps&answer.pets=yes"),
            Auth::None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.json();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["answer.married", "answer.pets"]);
    let res = app.get("/api/v1/items?page=abc&visits=7", Auth::None).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/v1/items/nothing", Auth::None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/bundles/nothing/guide", Auth::None).await.status,
        StatusCode::NOT_FOUND
    );

    // Statistics and export: the demo keeps its promise (at least 90% at most once, at least
    // half of the material lines held by the government).
    let s = app.get("/api/v1/items/statistics", Auth::None).await.json();
    assert_eq!(s["items"], published as i64);
    assert!(s["at_most_once_share"].as_f64().unwrap() >= 0.9, "{s}");
    assert!(s["exempt_share"].as_f64().unwrap() >= 0.5, "{s}");
    let province = s["by_region"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region_code"] == "330000")
        .unwrap()
        .clone();
    assert_eq!(province["items"], published as i64, "the province rolls up its cities");
    let csv = app.get("/api/v1/items/export?format=csv", Auth::None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.starts_with("实施编码,事项名称"));
    assert_eq!(csv.text.lines().count(), published + 1);
    let json = app.get("/api/v1/items/export", Auth::None).await.json();
    assert_eq!(json.as_array().unwrap().len(), published);
    assert_eq!(
        app.get("/api/v1/items/export?format=xml", Auth::None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let page = app.page("/items/statistics", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("免提交率") && page.text.contains("衢州市公安局"));
}
on_both!(demo_items_are_found_and_guided);

async fn the_guide_pages_ask_step_by_step_and_list_what_applies(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    // The list, searched in Chinese, each item linked to its guide.
    let list = app
        .page("/items?q=%E4%B8%8D%E5%8A%A8%E4%BA%A7%E8%BD%AC%E7%A7%BB", None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("不动产转移登记（二手房买卖）") && list.text.contains("最多跑一次"));
    assert!(
        list.text.contains("href=\"/bundles/newborn\""),
        "the bundles are linked"
    );
    assert!(list.text.contains("href=\"/items/"), "each item links to its guide");
    // A filter value that is not a choice keeps the page and marks the field.
    let bad = app.page("/items?visits=7&level=x", None).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.text.contains("id=\"qe-visits\"") && bad.text.contains("id=\"qe-level\""));

    // The guide of 不动产转移登记 asks the seller's marital status first.
    let code = app
        .get(
            "/api/v1/items?q=%E4%B8%8D%E5%8A%A8%E4%BA%A7%E8%BD%AC%E7%A7%BB%E7%99%BB%E8%AE%B0",
            Auth::None,
        )
        .await
        .json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let page = app.page(&format!("/items/{code}"), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("卖方是否已婚") && page.text.contains("下一步"));
    assert!(
        !page.text.contains("卖方婚姻关系证明"),
        "what depends on the answer waits for it"
    );
    let married = app.page(&format!("/items/{code}?answer.married=yes"), None).await;
    assert!(married.text.contains("卖方婚姻关系证明") && married.text.contains("免提交：由“结婚证”共享获取"));
    assert!(married.text.contains("配偶同意出售的书面意见") && married.text.contains("申请人提供"));
    assert!(married.text.contains("重新生成材料清单"));
    assert!(
        married
            .text
            .contains(&format!("/api/v1/items/{code}/guide.pdf?answer.married=yes")),
        "the printed guide is linked with the answers"
    );
    let english = app
        .page(&format!("/items/{code}?answer.married=no&lang=en"), None)
        .await;
    assert!(english.text.contains("Not needed: fetched from") && !english.text.contains("卖方婚姻关系证明"));
    // A made-up answer starts the questions again, saying why.
    let wrong = app.page(&format!("/items/{code}?answer.married=perhaps"), None).await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.text.contains("的回答应为"));

    // A bundle: its items, one list.
    let bundle = app.page("/bundles/business-start", None).await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(bundle.text.contains("企业开办一件事") && bundle.text.contains("公章刻制备案"));
    assert_eq!(app.page("/bundles/nothing", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/items/nothing", None).await.status, StatusCode::NOT_FOUND);
}
on_both!(the_guide_pages_ask_step_by_step_and_list_what_applies);

/// Every schema of the items has its own name in the OpenAPI document: a name shared with
/// another capability's schema would describe one of them wrongly.
#[tokio::test]
async fn the_item_schemas_have_names_of_their_own() {
    let doc = serde_json::to_value(yici_server::openapi::document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ItemVersionView"]["properties"]["content"].is_object());
    assert!(schemas["ItemStatistics"].is_object());
    assert!(!schemas["ItemStatistics"].to_string().contains("shareable"));
    assert!(
        schemas["VersionView"]["properties"]["resource"].is_object(),
        "the catalogue's"
    );
    assert!(
        schemas["Statistics"]["properties"]["shareable"].is_object(),
        "the catalogue's"
    );
}

const TEMPLATE_CSV: &str = include_str!("../../../docs/items-template.csv");
const TEMPLATE_XLSX: &[u8] = include_bytes!("../../../docs/items-template.xlsx");

/// The template with `edits` (from, to) applied to its text.
fn template_with(edits: &[(&str, &str)]) -> String {
    edits.iter().fold(TEMPLATE_CSV.to_string(), |t, (from, to)| {
        assert!(t.contains(from), "{from} is in the template");
        t.replacen(from, to, 1)
    })
}

async fn implementation_lists_are_imported_from_the_template(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    let civil = app.steward_of("330800", "MB000118", "qz.civil.steward").await;
    let code = "11330800MB0001185F1000712174000";
    let audit_before = app.logged("item.edit", None).await.len();

    // Wrong in four ways: an unknown department's credit code, a promised limit above the
    // legal one, a certificate type that does not exist, a malformed basic code. Nothing is
    // written and every problem is named by row and column.
    let second_item = "000712174000,11330800MB0001994T,1,社会团体成立登记,市级,社会组织法人,承诺件,60,工作日,20,工作日,1,,3,,《社会团体登记管理条例》,免费,窗口,全市,,,,,,,charter,章程草案,是,原件,1,,申请人自备,否,\n\
                       0007121740X0,11330800MB0001185F,2,社会团体成立登记,市级,社会组织法人,承诺件,60,工作日,20,工作日,1,,3,,《社会团体登记管理条例》,免费,窗口,全市,,,,,,,charter,章程草案,是,原件,1,,申请人自备,否,\n";
    let bad = template_with(&[
        (",60,工作日,20,", ",10,工作日,20,"),
        ("证照:11330000MB0001038L001", "证照:11330000MB0001038L999"),
    ]) + second_item;
    let res = app
        .upload("/api/v1/items/import?filename=bad.csv", &civil, bad.clone())
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(res.code(), "import_refused");
    let errors: Vec<(String, String)> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |field: &str, words: &str| errors.iter().any(|(f, m)| f == field && m.contains(words));
    assert!(has("第2行 J（承诺办结时限）", "不能超过法定时限"), "{errors:?}");
    assert!(has("第3行 AF（材料来源）", "不存在"), "{errors:?}");
    assert!(
        has(
            "第6行 B（实施主体统一社会信用代码）",
            "没有统一社会信用代码为11330800MB0001994T的部门"
        ),
        "{errors:?}"
    );
    assert!(has("第7行 A（基本编码）", ""), "{errors:?}");
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(
        app.get(&format!("/api/v1/items/{code}/versions"), Auth::Session(&civil))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "nothing was written"
    );
    assert_eq!(app.logged("item.edit", None).await.len(), audit_before);

    // The template as shipped: one item of four material lines, saved as a draft of a new
    // implementation, the process step led by the implementing body.
    let res = app
        .upload("/api/v1/items/import?filename=items-template.csv", &civil, TEMPLATE_CSV)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let report = res.json();
    assert_eq!(
        (&report["rows"], &report["items"], &report["created"], &report["saved"]),
        (&4.into(), &1.into(), &1.into(), &1.into())
    );
    let versions = app
        .get(&format!("/api/v1/items/{code}/versions"), Auth::Session(&civil))
        .await
        .json();
    let v = &versions[0];
    assert_eq!(v["status"], "draft");
    let c = &v["content"];
    assert_eq!(c["materials"].as_array().unwrap().len(), 4);
    assert_eq!(c["materials"][2]["source"]["kind"], "record");
    assert_eq!(c["materials"][2]["deferrable"], true);
    assert_eq!(c["materials"][3]["applies_when"], "sponsor = yes");
    assert_eq!(c["questions"][0]["choices"][1]["label"], "无");
    assert_eq!(c["promised_limit"]["days"], 20);
    assert_eq!(c["process"][0]["lead"], true);
    assert_eq!(c["conditions"].as_array().unwrap().len(), 3);
    assert_eq!(app.logged("item.edit", None).await.len(), audit_before + 1);

    // The same list again, as .xlsx: nothing changes.
    let res = app
        .upload(
            "/api/v1/items/import?filename=items-template.xlsx&submit=true",
            &civil,
            TEMPLATE_XLSX,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!((&res.json()["unchanged"], &res.json()["saved"]), (&1.into(), &0.into()));

    // Partial: the valid item is saved and sent for review, the others reported.
    let renamed = template_with(&[("社会团体成立登记,市级", "社会团体成立登记（衢州）,市级")]) + second_item;
    let res = app
        .upload(
            "/api/v1/items/import?filename=partial.csv&partial=true&submit=true",
            &civil,
            renamed,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let report = res.json();
    assert_eq!(
        (&report["saved"], &report["skipped"]),
        (&1.into(), &2.into()),
        "{report}"
    );
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
    let versions = app
        .get(&format!("/api/v1/items/{code}/versions"), Auth::Session(&civil))
        .await
        .json();
    assert_eq!(versions.as_array().unwrap().len(), 1, "the draft was replaced");
    assert_eq!(versions[0]["status"], "review");
    assert_eq!(versions[0]["content"]["name"], "社会团体成立登记（衢州）");

    // While in review, an import for the item is refused with its reason.
    let res = app
        .upload("/api/v1/items/import?filename=again.csv", &civil, TEMPLATE_CSV)
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("正在审核"), "{}", res.text);

    // Another department's steward may not import the civil affairs bureau's list; an
    // operator does not edit items at all; a file that is not the template is refused whole.
    let police = app.police_steward().await;
    let res = app
        .upload("/api/v1/items/import?filename=other.csv", &police, TEMPLATE_CSV)
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("您无权编辑“衢州市民政局”的实施清单"), "{}", res.text);
    let operator = app.login("operator").await;
    let res = app
        .upload("/api/v1/items/import?filename=a.csv", &operator, TEMPLATE_CSV)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    for (name, body) in [
        ("wrong.csv", "名称,部门\n".as_bytes().to_vec()),
        ("empty.csv", Vec::new()),
        ("bytes.xlsx", b"PK\x03\x04 not a workbook".to_vec()),
        ("items.txt", TEMPLATE_CSV.as_bytes().to_vec()),
    ] {
        let res = app
            .upload(&format!("/api/v1/items/import?filename={name}"), &civil, body)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", res.text);
        assert_eq!(res.code(), "import_refused", "{name}");
    }
}
on_both!(implementation_lists_are_imported_from_the_template);

/// Every demo item, exported in the template's form and imported again, is unchanged: the
/// template says everything a version says.
async fn the_template_export_imports_back_unchanged(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    let published = yici_server::demo::items::seed(&app.store).await.unwrap();
    let res = app.get("/api/v1/items/export?format=template", Auth::None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.starts_with("基本编码,实施主体统一社会信用代码"));
    let grid = yici_web::sheet::read_grid("items.csv", res.text.as_bytes()).unwrap();
    let state = yici_window::WindowState::new(app.store.clone(), yici_core::clock::Clock::system());
    let event = yici_core::audit::AuditEvent::new(
        0,
        yici_core::audit::Actor::named("test"),
        yici_core::audit::Action::ItemEdit,
        "service_item",
        "t",
    );
    let report = yici_window::service::import::import_as(&state, &|_| true, &event, &grid, false, false)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(report.errors, vec![]);
    assert_eq!(
        (report.items, report.unchanged, report.saved),
        (published, published, 0)
    );
}
on_both!(the_template_export_imports_back_unchanged);

/// The editing form's fields for the template's item, with `changes` applied.
fn edit_fields(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("name", "社会团体成立登记"),
        ("level", "市级"),
        ("applicant_types", "社会组织法人"),
        ("case_type", "承诺件"),
        ("legal_limit", "60"),
        ("legal_unit", "工作日"),
        ("promised_limit", "20"),
        ("promised_unit", "工作日"),
        ("visits", "1"),
        ("visits_reason", ""),
        ("depth", "3"),
        ("conditions", "有固定的住所\n有合法的资产和经费来源"),
        ("legal_basis", "《社会团体登记管理条例》第十条"),
        ("fees", "免费"),
        ("delivery", "窗口领取"),
        ("delivery", "电子送达"),
        ("scope", "同城通办"),
        (
            "windows",
            "衢州市民政局窗口|衢州市柯城区政务服务中心二楼|工作日 9:00—17:00",
        ),
        ("consult_phone", "0570-12345"),
        ("complaint_phone", "12345"),
        ("themes", "社会组织"),
        ("questions", ""),
        ("process", "1:衢州市民政局审核:11330800MB0001185F:20:或签"),
        ("materials[0].code", "charter"),
        ("materials[0].name", "章程草案"),
        ("materials[0].required", "是"),
        ("materials[0].form", "原件"),
        ("materials[0].copies", "1"),
        ("materials[0].standard", ""),
        ("materials[0].source", "申请人自备"),
        ("materials[0].deferrable", "否"),
        ("materials[0].applies_when", ""),
        ("materials[1].code", ""),
        ("materials[1].name", ""),
        ("materials[1].required", "是"),
        ("materials[1].form", "原件"),
        ("materials[1].copies", "1"),
        ("materials[1].standard", ""),
        ("materials[1].source", "申请人自备"),
        ("materials[1].deferrable", "否"),
        ("materials[1].applies_when", ""),
        ("materials[2].code", "leader_id"),
        ("materials[2].name", "拟任负责人身份证明"),
        ("materials[2].required", "是"),
        ("materials[2].form", "电子件"),
        ("materials[2].copies", "1"),
        ("materials[2].standard", ""),
        ("materials[2].source", "证照:11330000MB0001038L001"),
        ("materials[2].deferrable", "否"),
        ("materials[2].applies_when", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in changes {
        let slot = f.iter_mut().find(|(name, _)| name == k).expect("a field of the form");
        slot.1 = v.to_string();
    }
    f
}

async fn staff_edit_review_and_publish_items_on_pages(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    let civil = app.steward_of("330800", "MB000118", "qz.civil.pages").await;
    let code = "11330800MB0001185F1000712174000";
    let res = app
        .upload("/api/v1/items/import?filename=items-template.csv", &civil, TEMPLATE_CSV)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    // The steward's list links the item to its form, which shows the working copy.
    let list = app.page("/items/manage", Some(&civil)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("社会团体成立登记") && list.text.contains(&format!("/items/{code}/edit")));
    assert!(
        !list.text.contains("内地居民结婚登记（"),
        "only the steward's department"
    );
    let form = app.page(&format!("/items/{code}/edit"), Some(&civil)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert!(form.text.contains("value=\"章程草案\"") && form.text.contains("sponsor:是否有业务主管单位"));
    assert!(form.text.contains("1:衢州市民政局审核:11330800MB0001185F:20:或签"));

    // Wrong input comes back on the form, each error next to its field, the input kept;
    // nothing is written.
    let post = |fields: Vec<(String, String)>| {
        let app = &app;
        let civil = &civil;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.form(&format!("/items/{code}/edit"), civil, &pairs).await
        }
    };
    let wrong = post(edit_fields(&[
        ("promised_limit", "90"),
        ("materials[2].source", "证照:11330000MB0001038L999"),
        ("visits", "两次"),
    ]))
    .await;
    assert_eq!(wrong.status, StatusCode::OK, "{}", wrong.text);
    for field in ["f-promised_limit", "f-materials[2].source", "f-visits"] {
        assert!(
            wrong.text.contains(&format!("href=\"#{field}\"")),
            "{field} is named in the summary: {}",
            wrong.text
        );
    }
    assert!(wrong.text.contains("value=\"90\"") && wrong.text.contains("证照:11330000MB0001038L999"));
    let versions = app.store.item_versions(code).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].content.name, "社会团体成立登记");

    // A right edit is saved as the draft (the empty material row is left out).
    let saved = post(edit_fields(&[("name", "社会团体成立登记（衢州）")])).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let versions = app.store.item_versions(code).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].content.name, "社会团体成立登记（衢州）");
    assert_eq!(versions[0].content.materials.len(), 2);
    assert_eq!(versions[0].content.materials[1].code, "leader_id");

    // Submitted from the history page; the operator finds it in the queue, a rejection
    // without its reason comes back marked, an approval publishes it.
    let res = app.form(&format!("/items/{code}/versions/1/submit"), &civil, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let operator = app.login("operator").await;
    let queue = app.page("/items/reviews", Some(&operator)).await;
    assert!(queue.text.contains("社会团体成立登记（衢州）"), "{}", queue.text);
    let history = app.page(&format!("/items/{code}/history"), Some(&operator)).await;
    assert!(history.text.contains("批准发布") && history.text.contains("退回修改"));
    assert!(history.text.contains("拟任负责人身份证明：免提交"), "{}", history.text);
    let res = app
        .form(
            &format!("/items/{code}/versions/1/reject"),
            &operator,
            &[("reason", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("href=\"#f-reason\""), "{}", res.text);
    let res = app
        .form(&format!("/items/{code}/versions/1/approve"), &operator, &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let history = app.page(&format!("/items/{code}/history"), Some(&civil)).await;
    assert!(
        history.text.contains("已发布") && history.text.contains("撤销发布"),
        "{}",
        history.text
    );
    assert_eq!(
        app.get(&format!("/api/v1/items/{code}"), Auth::None).await.status,
        StatusCode::OK
    );

    // Withdrawing asks once more; confirmed, the item leaves the guide.
    let ask = app
        .form(&format!("/items/{code}/versions/1/withdraw"), &civil, &[])
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.text.contains("确认撤销发布"));
    assert_eq!(
        app.get(&format!("/api/v1/items/{code}"), Auth::None).await.status,
        StatusCode::OK
    );
    let done = app
        .form(
            &format!("/items/{code}/versions/1/withdraw"),
            &civil,
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/api/v1/items/{code}"), Auth::None).await.status,
        StatusCode::NOT_FOUND
    );

    // Another department's steward neither edits nor sees the form.
    let police = app.police_steward().await;
    assert_eq!(
        app.page(&format!("/items/{code}/edit"), Some(&police)).await.status,
        StatusCode::FORBIDDEN
    );
}
on_both!(staff_edit_review_and_publish_items_on_pages);
