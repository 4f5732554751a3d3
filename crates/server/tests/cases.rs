//! Cases over HTTP with the demo's items and certificates: a citizen applies online (the
//! certificates the government holds are fetched as use copies bound to the case number and
//! show in 谁用了我的数据), a retry with the same Idempotency-Key makes no second case, the
//! window's clerk asks for supplements once (a second notice beyond the first is refused), the
//! clock pauses meanwhile, the case is accepted, the land bureau's approver decides, visits are
//! counted; bad input and strangers change nothing.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{App, Auth, Session, enc};
use serde_json::{Value, json};
use tower::ServiceExt;

const CITIZEN: (&str, &str) = ("11010519491231002X", "张三");
/// The other party of the transfer: the seller.
const SELLER: (&str, &str) = ("33010619900101123X", "李四");

async fn apply(app: &App, who: &Session, key: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/cases")
        .header(header::COOKIE, format!("yici_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    let res = app
        .router
        .clone()
        .oneshot(b.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The number of files under `dir`.
fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

fn line<'a>(case: &'a Value, code: &str) -> &'a Value {
    case["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {case}"))
}

/// Certificate `identifier` verifies with OpenSSL (pkeyutl, SM3, distid 1234567812345678) from
/// its export, as the export is documented to (when OpenSSL is on the machine).
async fn verify_with_openssl(app: &App, identifier: &str, dir_name: &str) {
    if !common::have_tool("openssl") {
        return;
    }
    let dir = common::certs::export_for_openssl(app, identifier, dir_name).await;
    assert!(
        common::certs::openssl_verifies(&dir, "content.bin"),
        "OpenSSL verifies {identifier}"
    );
}

async fn a_transfer_is_applied_for_online_and_decided(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    // The province land bureau's implementation (全省通办).
    let item = app
        .get(&format!("/api/v1/items?q={}", enc("不动产转移登记")), Auth::None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "不动产转移登记（二手房买卖）" && i["region_code"] == "330000")
        .expect("the province's implementation")["code"]
        .as_str()
        .unwrap()
        .to_string();
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;

    // Bad input is listed at once and writes nothing.
    let (status, body) = apply(
        &app,
        &citizen,
        None,
        json!({"item": item, "deferred": ["id"], "parties": [{"id_number": "123", "name": ""}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "answers.married",
        "parties[0].id_number",
        "parties[0].name",
        "deferred[0]",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (status, _) = apply(&app, &citizen, None, json!({"item": "nothing", "answers": {}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Online, married, consenting: what the government holds is fetched.
    let application = json!({"item": item, "answers": {"married": "yes"}, "consent": true,
        "parties": [{"role": "co_applicant", "id_number": "33010619900101123X", "name": "李四"}]});
    let (status, case) = apply(&app, &citizen, Some("transfer-1"), application.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let online_no = case["case_no"].as_str().unwrap().to_string();
    assert!(
        online_no.starts_with("330000"),
        "received where the item is handled: {online_no}"
    );
    assert_eq!(case["status"], "received");
    for code in ["id", "household", "title", "marriage"] {
        assert_eq!(line(&case, code)["source"], "fetched", "{code}: {case}");
        assert_eq!(line(&case, code)["fetched_from"], "certificate");
    }
    assert_eq!(line(&case, "spouse")["source"], "missing");
    assert!(line(&case, "contract")["note"].as_str().unwrap().contains("请上传"));
    assert_eq!(case["summary"]["fetched"], 4);
    assert_eq!(case["visits"], 0);
    assert_eq!(case["zero_visits"], true);
    // Online, the applicant consents for themselves only; each party sees only their own
    // number in full.
    assert_eq!(case["parties"][0]["consented"], true);
    assert_eq!(
        case["parties"][1]["consented"], false,
        "a co-applicant consents themselves"
    );
    assert_eq!(case["parties"][0]["id_number"], CITIZEN.0);
    assert_ne!(case["parties"][1]["id_number"], "33010619900101123X");

    // A retry with the same key returns the same case; nothing new is made.
    let (status, again) = apply(&app, &citizen, Some("transfer-1"), application.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["case_no"], online_no.as_str());

    // Each fetch is a use the citizen sees, with the case number.
    let uses = app.get("/api/v1/me/data-uses", Auth::Session(&citizen)).await;
    assert_eq!(uses.status, StatusCode::OK, "{}", uses.text);
    assert!(
        uses.text.contains(&online_no),
        "the case number in 谁用了我的数据: {}",
        uses.text
    );

    // Strangers: another department's steward gets nothing; nobody signed in is asked to.
    let police = app.police_steward().await;
    let res = app
        .get(&format!("/api/v1/cases/{online_no}"), Auth::Session(&police))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app.get(&format!("/api/v1/cases/{online_no}"), Auth::None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // At a window in 衢州 (the item is handled province-wide) the clerk takes the same
    // application for 张三, who consents there; a window outside the clerk's region is refused.
    let clerk = app.login("window_clerk").await;
    let at_window = json!({"item": item, "answers": {"married": "yes"}, "consent": true, "window_region": "330800",
        "parties": [{"role": "applicant", "id_number": CITIZEN.0, "name": CITIZEN.1},
                    {"role": "co_applicant", "id_number": SELLER.0, "name": SELLER.1}]});
    let (status, case) = apply(&app, &clerk, Some("window-1"), at_window).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_no = case["case_no"].as_str().unwrap().to_string();
    assert!(case_no.starts_with("330800"), "received at the window: {case_no}");
    assert_eq!(line(&case, "title")["source"], "fetched");
    let elsewhere = json!({"item": item, "answers": {"married": "yes"}, "window_region": "330100",
        "parties": [{"id_number": CITIZEN.0, "name": CITIZEN.1}]});
    let (status, body) = apply(&app, &clerk, None, elsewhere).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The window asks for supplements once, naming every line; the clock pauses.
    let step = |step: &'static str, body: Value| {
        let (app, clerk, case_no) = (&app, &clerk, case_no.clone());
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/cases/{case_no}/{step}"),
                Auth::Session(clerk),
                Some(body),
            )
            .await
        }
    };
    let version = |v: &Value| v["version"].as_i64().unwrap();
    let res = step(
        "notice",
        json!({"version": version(&case), "lines": [
            {"line": "spouse", "reason": "缺少配偶同意出售的书面意见"},
            {"line": "contract", "reason": "请上传房屋买卖合同"}
        ]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let noticed = res.json();
    assert_eq!(noticed["status"], "supplementing");
    // The applicant uploads what was asked for: checked by content, stored once by SM3.
    let upload = |code: &'static str, bytes: Vec<u8>| {
        let (app, citizen, case_no) = (&app, citizen.clone(), case_no.clone());
        async move {
            let req = Request::builder()
                .method(Method::PUT)
                .uri(format!("/api/v1/cases/{case_no}/materials/{code}"))
                .header(header::COOKIE, format!("yici_session={}", citizen.cookie))
                .header("x-csrf-token", &citizen.csrf)
                .body(Body::from(bytes))
                .unwrap();
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
            (status, serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null))
        }
    };
    let signed = b"%PDF-1.7\n% signed by both parties\n%%EOF".to_vec();
    let (status, body) = upload("spouse", b"MZ\x90\x00 not a pdf".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "file");
    let (status, body) = upload("nothing", signed.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // A scan larger than the platform's general body limit (64 KiB in the tests) is taken.
    let scan = [b"%PDF-1.7\n".as_slice(), &vec![b'x'; 200 * 1024]].concat();
    let (status, body) = upload("spouse", scan).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(line(&body, "spouse")["source"], "uploaded");
    let (status, _) = upload("spouse", signed.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, uploaded) = upload("contract", signed.clone()).await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    assert_eq!(line(&uploaded, "contract")["source"], "uploaded");
    assert_eq!(uploaded["summary"]["uploaded"], 2);
    let (status, _) = upload("title", signed.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "a fetched material is not uploaded");
    let files = walk(&app.dir.join("objects"));
    assert_eq!(files, 2, "the scan, and the signed file once for both lines");
    let noticed = uploaded;
    // Acting on an old version changes nothing.
    let res = step("accept", json!({"version": version(&case)})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    // The applicant supplies; a second notice naming what the first did not is refused.
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/supply"),
            Auth::Session(&citizen),
            Some(json!({"version": version(&noticed)})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let supplied = res.json();
    assert_eq!(supplied["status"], "received");
    let res = step(
        "notice",
        json!({"version": version(&supplied), "lines": [{"line": "tax", "reason": "缺少完税证明"}]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.code(), "notice_not_once");
    assert_eq!(supplied["notices"].as_array().unwrap().len(), 1);

    // Accepted: the land bureau's task opens; its approver decides; the case is approved.
    let res = step("accept", json!({"version": version(&supplied)})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let accepted = res.json();
    assert_eq!(accepted["status"], "processing");
    let task = accepted["tasks"][0].clone();
    assert_eq!(task["status"], "open");
    assert!(task["deadline"].is_string(), "{task}");
    let res = step("accept", json!({"version": version(&accepted)})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "accepting twice");
    let approver = app.login("approver").await;
    let other_approver = app
        .staff_of(yici_core::org::Role::Approver, "330800", "MB000114", "qz.land.approver")
        .await;
    let inbox = app.get("/api/v1/tasks", Auth::Session(&approver)).await.json();
    assert!(
        inbox
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["case_no"] == case_no.as_str()),
        "{inbox}"
    );
    let decide = |who: &Session, body: Value| {
        let (app, who, id) = (&app, who.clone(), task["id"].as_i64().unwrap());
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/tasks/{id}/decision"),
                Auth::Session(&who),
                Some(body),
            )
            .await
        }
    };
    // Another department's approver may not claim or decide; the land bureau's approver claims.
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/tasks/{}/claim", task["id"]),
            Auth::Session(&other_approver),
            Some(json!({"version": task["version"]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/tasks/{}/claim", task["id"]),
            Auth::Session(&approver),
            Some(json!({"version": task["version"]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let claimed = res.json();
    let task = claimed["tasks"][0].clone();
    assert!(task["claimed_by"].is_i64(), "{task}");
    let res = decide(&other_approver, json!({"version": task["version"], "approve": true})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "another department's approver");
    let res = decide(&approver, json!({"version": task["version"], "approve": false})).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refusal needs its opinion"
    );
    let res = decide(
        &approver,
        json!({"version": task["version"], "approve": true, "opinion": "同意转移登记"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let approved = res.json();
    assert_eq!(approved["status"], "approved");
    let res = decide(&approver, json!({"version": task["version"], "approve": true})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "deciding a closed task");
    // The step's result is issued to the applicant, sealed by the land bureau.
    let issued = approved["certificates"].as_array().unwrap();
    assert_eq!(issued.len(), 1, "{approved}");
    let identifier = issued[0].as_str().unwrap();
    let mine = app.get("/api/v1/me/certificates", Auth::Session(&citizen)).await;
    assert!(mine.text.contains(identifier), "in the holder's library: {}", mine.text);
    // The new certificate verifies with OpenSSL, as its export is documented to.
    verify_with_openssl(&app, identifier, "transfer-export").await;
    // Both parties are on the case; the seller's number is masked for the buyer.
    let parties = approved["parties"].as_array().unwrap();
    assert_eq!(parties.len(), 2);
    assert_eq!(parties[1]["role"], "co_applicant");

    // Applying at the window was the one visit; another (to verify on site) breaks the promise.
    assert_eq!(
        (approved["visits"].as_u64(), approved["at_most_once"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(approved["visit_log"][0]["reason"], "submit");
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/visits"),
            Auth::Session(&clerk),
            Some(json!({"reason": "verify"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let visited = res.json();
    assert_eq!(
        (visited["visits"].as_u64(), visited["at_most_once"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(visited["zero_visits"], false);
    let steps: Vec<&str> = visited["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    // Every change is on the timeline: the fetch at application, the approver's decision and
    // the visit besides the steps of the case's state.
    assert_eq!(
        steps,
        [
            "submit", "fetch", "notice", "supply", "accept", "decide", "approve", "visit"
        ]
    );
    // The citizen reads the case; staff see the parties' numbers masked.
    let mine = app
        .get(&format!("/api/v1/cases/{case_no}"), Auth::Session(&citizen))
        .await
        .json();
    assert_eq!(mine["parties"][0]["id_number"], CITIZEN.0);
    let staff = app
        .get(&format!("/api/v1/cases/{case_no}"), Auth::Session(&clerk))
        .await
        .json();
    assert_ne!(staff["parties"][0]["id_number"], CITIZEN.0);
}
on_both!(a_transfer_is_applied_for_online_and_decided);

/// Approve every open task of `case` as the approver of its department; the case after.
async fn approve_open(app: &App, approvers: &[(i64, Session)], case: &Value) -> Value {
    let mut case = case.clone();
    let open: Vec<Value> = case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "open")
        .cloned()
        .collect();
    for t in open {
        let (_, who) = approvers
            .iter()
            .find(|(d, _)| t["department_id"] == *d)
            .unwrap_or_else(|| panic!("an approver for {t}"));
        let res = app
            .call(
                Method::POST,
                &format!("/api/v1/tasks/{}/decision", t["id"]),
                Auth::Session(who),
                Some(json!({"version": t["version"], "approve": true, "opinion": "同意"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        case = res.json();
    }
    case
}

/// The name of certificate type `code`.
async fn type_name(app: &App, code: &str) -> String {
    app.store.certificate_type(code).await.unwrap().unwrap().definition.name
}

/// The departments of the open tasks, and the stages they are in.
fn open_tasks(case: &Value) -> (Vec<i64>, Vec<i64>) {
    let open: Vec<&Value> = case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "open")
        .collect();
    let mut departments: Vec<i64> = open.iter().map(|t| t["department_id"].as_i64().unwrap()).collect();
    departments.sort_unstable();
    departments.dedup();
    let mut stages: Vec<i64> = open.iter().map(|t| t["stage"].as_i64().unwrap()).collect();
    stages.sort_unstable();
    stages.dedup();
    (departments, stages)
}

/// The scenarios of the one window's bundles (一件事): 二手房转移登记 at a window with one visit
/// (不动产登记, 税务 and 房管 in parallel, 身份证, 户口簿, 结婚证 and 不动产权证书 fetched, the
/// new 不动产权证书 issued to the buyer) and 企业开办 online with zero visits (the identity
/// checked against the population records under the market system's grant, the 营业执照 issued
/// to the new company, then 公章, 税务 and 社保 at once).
async fn bundles_run_their_departments_in_parallel(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let clerk = app.login("window_clerk").await;
    let mut approvers = Vec::new();
    for name in [
        "approver",
        "approver_tax",
        "approver_housing",
        "approver_market",
        "approver_police",
        "approver_hrss",
    ] {
        let who = app.demo_user(name).await;
        let (user, _) = app.store.user_credentials(name).await.unwrap().unwrap();
        approvers.push((user.department_id.unwrap(), who));
    }

    // (1) 二手房转移登记一件事 at the 衢州 window, for the married buyer and the seller.
    let (status, case) = apply(
        &app,
        &clerk,
        Some("house-1"),
        json!({"bundle": "second-hand-house", "answers": {"married": "yes"}, "consent": true,
               "window_region": "330800",
               "parties": [{"role": "applicant", "id_number": CITIZEN.0, "name": CITIZEN.1},
                           {"role": "co_applicant", "id_number": SELLER.0, "name": SELLER.1}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["subject_kind"], "bundle");
    for code in ["id", "household", "marriage", "title"] {
        assert_eq!(line(&case, code)["source"], "fetched", "{code}: {case}");
        assert_eq!(line(&case, code)["fetched_from"], "certificate", "{code}");
    }
    // The tax bureau's 完税证明 is passed on within the bundle, never asked for.
    assert_eq!(line(&case, "tax")["fetched_from"], "bundle", "{case}");
    let case_no = case["case_no"].as_str().unwrap().to_string();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/accept"),
            Auth::Session(&clerk),
            Some(json!({"version": case["version"]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let accepted = res.json();
    let (departments, stages) = open_tasks(&accepted);
    assert_eq!(departments.len(), 3, "不动产登记, 税务 and 房管 at once: {accepted}");
    assert_eq!(stages.len(), 1, "in one stage");
    let approved = approve_open(&app, &approvers, &accepted).await;
    assert_eq!(approved["status"], "approved", "{approved}");
    let issued: Vec<String> = approved["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let mut titles = 0;
    for id in &issued {
        let record = app.store.certificate(id).await.unwrap().unwrap();
        assert_eq!(record.holder_code, CITIZEN.0, "issued to the buyer");
        if type_name(&app, &record.type_code).await == "不动产权证书" {
            titles += 1;
            verify_with_openssl(&app, id, "bundle-title-export").await;
        }
    }
    assert_eq!(titles, 1, "the buyer's new 不动产权证书: {approved}");
    // One result package: every result of the bundle's items, each with its type.
    assert_eq!(approved["results"].as_array().unwrap().len(), issued.len());
    assert!(
        approved["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type_name"] == "不动产权证书"),
        "{approved}"
    );
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/delivery"),
            Auth::Session(&clerk),
            Some(json!({"version": approved["version"], "mode": "electronic"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let delivered = res.json();
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(
        (delivered["visits"].as_u64(), delivered["at_most_once"].as_bool()),
        (Some(1), Some(true)),
        "one visit: applying at the window"
    );

    // (2) 企业开办一件事 online: 张三 applies for a new company; nothing is brought anywhere.
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let (status, case) = apply(
        &app,
        &citizen,
        Some("business-1"),
        json!({"bundle": "business-start", "consent": true, "window_region": "330800",
               "form": {"company_name": "衢州一次科技有限公司", "company_type": "有限责任公司",
                        "registered_capital": "50", "address": "浙江省衢州市柯城区荷花中路1号",
                        "business_scope": "软件开发"}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(line(&case, "person")["fetched_from"], "record", "{case}");
    assert_eq!(line(&case, "id")["fetched_from"], "certificate");
    assert_eq!(line(&case, "licence")["fetched_from"], "bundle");
    let case_no = case["case_no"].as_str().unwrap().to_string();
    // The record was read under the market system's grant, for this case: the citizen sees it.
    let uses = app.get("/api/v1/me/data-uses", Auth::Session(&citizen)).await;
    assert!(uses.text.contains(&case_no), "{}", uses.text);
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/accept"),
            Auth::Session(&clerk),
            Some(json!({"version": case["version"]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let accepted = res.json();
    let (first, _) = open_tasks(&accepted);
    assert_eq!(first.len(), 1, "the 营业执照 first: {accepted}");
    let licensed = approve_open(&app, &approvers, &accepted).await;
    let licence = licensed["certificates"][0].as_str().unwrap().to_string();
    let record = app.store.certificate(&licence).await.unwrap().unwrap();
    assert_eq!(type_name(&app, &record.type_code).await, "营业执照");
    assert!(
        record.holder_code.starts_with("91330800M"),
        "the new company's own code: {}",
        record.holder_code
    );
    assert_eq!(record.holder_name, "衢州一次科技有限公司");
    assert_eq!(line(&licensed, "licence")["reference"], licence.as_str());
    let (then, stages) = open_tasks(&licensed);
    assert_eq!(then.len(), 3, "公章, 税务 and 社保 at once: {licensed}");
    assert_eq!(stages.len(), 1);
    let approved = approve_open(&app, &approvers, &licensed).await;
    assert_eq!(approved["status"], "approved", "{approved}");
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/delivery"),
            Auth::Session(&clerk),
            Some(json!({"version": approved["version"], "mode": "electronic"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let delivered = res.json();
    assert_eq!(
        (delivered["visits"].as_u64(), delivered["zero_visits"].as_bool()),
        (Some(0), Some(true)),
        "zero visits"
    );
    // The applicant was told of each step, newest first; the result is in the company's library.
    let news = app
        .get("/api/v1/me/notifications", Auth::Session(&citizen))
        .await
        .json();
    let steps: Vec<&str> = news
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["case_no"] == case_no.as_str())
        .map(|n| n["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["deliver", "approve", "accept", "submit"], "{news}");
    assert!(news[0]["message"].as_str().unwrap().contains("已送达"), "{news}");
}
on_both!(bundles_run_their_departments_in_parallel);

/// Consent before any fetch: the window cannot fetch for a case no party consented to (403,
/// audited, nothing changes); once the applicant consents, what is held is fetched. Every
/// transition is on the change feed, read by position by the systems of the departments taking
/// part (no personal data in it), and published to NATS JetStream once.
async fn consent_fetch_and_the_change_feed(app: App) {
    use futures_util::StreamExt;
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let clerk = app.login("window_clerk").await;
    let (status, case) = apply(
        &app,
        &clerk,
        None,
        json!({"bundle": "second-hand-house", "answers": {"married": "no"}, "window_region": "330800",
               "parties": [{"role": "applicant", "id_number": CITIZEN.0, "name": CITIZEN.1}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_no = case["case_no"].as_str().unwrap().to_string();
    assert_eq!(line(&case, "id")["source"], "missing", "no consent, nothing fetched");
    let refusals = app.logged("case.fetch", None).await.len();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/fetch"),
            Auth::Session(&clerk),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    assert_eq!(res.code(), "consent_required");
    assert_eq!(
        app.logged("case.fetch", None).await.len(),
        refusals + 1,
        "the refusal is audited"
    );
    let unchanged = app
        .get(&format!("/api/v1/cases/{case_no}"), Auth::Session(&clerk))
        .await
        .json();
    assert_eq!(unchanged["version"], case["version"]);
    assert_eq!(line(&unchanged, "id")["source"], "missing");

    // The applicant consents online; what the government holds is fetched now, once.
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let consent_path = format!("/api/v1/cases/{case_no}/consent");
    let consent = || app.call(Method::POST, &consent_path, Auth::Session(&citizen), None);
    let res = consent().await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let consented = res.json();
    for code in ["id", "household", "title"] {
        assert_eq!(line(&consented, code)["source"], "fetched", "{code}: {consented}");
    }
    assert_eq!(consented["parties"][0]["consented"], true);
    let again = consent().await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["summary"], consented["summary"]);
    let stranger = app.login_applicant("91350100M000100Y43", "某某公司").await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/consent"),
            Auth::Session(&stranger),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "only a party consents");

    // The land registry's system reads the case's transitions; the feed names no one.
    let token = app
        .creds
        .systems
        .iter()
        .find(|s| s.name == "不动产登记系统")
        .unwrap()
        .token
        .clone();
    // The land registry's system also takes the transitions by webhook, from now on; the
    // receiver refuses the first delivery.
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, Vec<u8>)>::new()));
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let (received, calls) = (received.clone(), calls.clone());
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (received, calls) = (received.clone(), calls.clone());
                async move {
                    if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let sig = headers
                        .get("x-yici-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    received.lock().unwrap().push((sig, body.to_vec()));
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });
    async fn subscribe(app: &App, url: String, auth: Auth<'_>) -> common::Response {
        app.call(
            Method::POST,
            "/api/v1/cases/subscriptions",
            auth,
            Some(json!({"url": url})),
        )
        .await
    }
    let res = subscribe(&app, "http://10.0.0.8/hook".into(), Auth::Bearer(&token)).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "inside the platform's network"
    );
    let res = subscribe(&app, format!("http://{addr}/hook"), Auth::Session(&clerk)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "only systems subscribe");
    let res = subscribe(&app, format!("http://{addr}/hook"), Auth::Bearer(&token)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let secret = res.json()["secret"].as_str().unwrap().to_string();
    let res = subscribe(&app, format!("http://{addr}/hook"), Auth::Bearer(&token)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "once per address");
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/accept"),
            Auth::Session(&clerk),
            Some(json!({"version": consented["version"]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    // Events are read once their transactions have surely committed.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let res = app.get("/api/v1/cases/feed?after=0", Auth::Bearer(&token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let feed = res.json();
    let steps: Vec<&str> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["case_no"] == case_no.as_str())
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["submit", "consent", "fetch", "accept"], "{feed}");
    assert!(!res.text.contains(CITIZEN.0), "no personal data on the feed");
    let next = feed["next"].as_i64().unwrap();
    let rest = app
        .get(&format!("/api/v1/cases/feed?after={next}"), Auth::Bearer(&token))
        .await
        .json();
    assert_eq!(rest["events"], json!([]), "read on from the position");
    assert_eq!(
        app.get("/api/v1/cases/feed?limit=0", Auth::Bearer(&token)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/cases/feed", Auth::None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The webhook: refused once, then the accept delivered, signed, and nothing twice.
    let relay = || yici_window::service::feed::relay_webhooks(&app.state.window);
    assert_eq!(relay().await.unwrap(), (0, 1), "the receiver refused");
    assert_eq!(relay().await.unwrap(), (0, 0), "not due again yet");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(relay().await.unwrap(), (1, 0), "retried and delivered");
    assert_eq!(relay().await.unwrap(), (0, 0), "nothing twice");
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (signature, body) = &got[0];
    let event: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        (event["case_no"].as_str(), event["step"].as_str()),
        (Some(case_no.as_str()), Some("accept"))
    );
    assert_eq!(
        signature,
        &format!(
            "hmac-sm3={}",
            hex::encode(yici_crypto::hmac_sm3(secret.as_bytes(), body))
        )
    );

    // Another department's system sees nothing of this case.
    let police = app
        .creds
        .systems
        .iter()
        .find(|s| s.name == "人口信息管理系统")
        .unwrap()
        .token
        .clone();
    let other = app.get("/api/v1/cases/feed?after=0", Auth::Bearer(&police)).await;
    assert!(!other.text.contains(&case_no), "{}", other.text);

    // Published to NATS JetStream, once.
    let Some(url) = common::test_nats().await else { return };
    let tag = yici_crypto::token::short_id();
    let config = yici_server::yici_nats::NatsConfig {
        url: url.clone(),
        stream: format!("YICI_TEST_{tag}"),
        subject_prefix: format!("yicitest.{tag}"),
    };
    app.state
        .nats
        .set(yici_server::yici_nats::NatsPush::connect(config.clone()).await.unwrap())
        .unwrap();
    let pushed = yici_window::service::feed::relay_once(&app.state.window).await.unwrap();
    assert!(pushed >= 2, "{pushed}");
    assert_eq!(
        yici_window::service::feed::relay_once(&app.state.window).await.unwrap(),
        0,
        "nothing twice"
    );
    let client = async_nats::connect(url.trim_start_matches("nats://")).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream(&config.stream).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, pushed as u64);
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            filter_subject: format!("yicitest.{tag}.cases.330800.consent"),
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
    let m = messages.next().await.unwrap().unwrap();
    let event: Value = serde_json::from_slice(&m.payload).unwrap();
    assert_eq!(event["case_no"], case_no.as_str());
    assert_eq!(event["step"], "consent");
}
on_both!(consent_fetch_and_the_change_feed);

/// The value of hidden field `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle).unwrap_or_else(|| panic!("{name} in {html}")) + needle.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The case number a redirect leads to.
fn case_of(res: &common::Response) -> String {
    let to = res.headers.get("location").unwrap().to_str().unwrap();
    to.trim_start_matches("/cases/").to_string()
}

/// The property transfer through the pages only: the clerk applies at the window from the
/// bundle's guide (the fetched materials shown before submitting), a refused form keeps its
/// input, the clerk's one-time notice lists every material at once and keeps the case, the
/// clerk accepts, the three departments' approvers decide from the case page, the clerk
/// delivers, and the citizen reads the case delivered with its certificate.
async fn the_transfer_through_the_pages(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    let clerk = app.login("window_clerk").await;
    let guide = app
        .page("/bundles/second-hand-house?answer.married=yes", Some(&clerk))
        .await;
    assert_eq!(guide.status, StatusCode::OK);
    assert!(guide.text.contains("action=\"/cases/new\""), "the application form");
    let key = hidden(&guide.text, "key");
    let mut fields = vec![
        ("bundle", "second-hand-house"),
        ("answer.married", "yes"),
        ("key", key.as_str()),
        ("applicant_name", CITIZEN.1),
        ("applicant_id", "11010519491231002"),
        ("window_region", "330800"),
        ("co_name", SELLER.1),
        ("co_id", SELLER.0),
        ("consent", "yes"),
    ];
    // A wrong ID number: the guide again, the field marked, the input kept; nothing made.
    let res = app.form("/cases/new", &clerk, &fields).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .form(
            "/cases/new",
            &clerk,
            &[fields.clone(), vec![("confirmed", "1")]].concat(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("error-summary"), "{}", res.text);
    assert!(res.text.contains("value=\"11010519491231002\""), "the input is kept");
    fields[4].1 = CITIZEN.0;
    // First what will be fetched, to confirm; then the case.
    let check = app.form("/cases/new", &clerk, &fields).await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.text.contains("将从“不动产权证书”共享获取"), "{}", check.text);
    let res = app
        .form(
            "/cases/new",
            &clerk,
            &[fields.clone(), vec![("confirmed", "1")]].concat(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let case_no = case_of(&res);
    let again = app
        .form(
            "/cases/new",
            &clerk,
            &[fields.clone(), vec![("confirmed", "1")]].concat(),
        )
        .await;
    assert_eq!(case_of(&again), case_no, "a second submission returns the same case");
    let page = app.page(&format!("/cases/{case_no}"), Some(&clerk)).await;
    assert!(page.text.contains("已共享获取"), "{}", page.text);
    for form in ["/do/accept", "/do/notice", "/do/not_accept", "/do/visit"] {
        assert!(page.text.contains(form), "{form} on the clerk's page");
    }
    let version = hidden(&page.text, "version");
    // The notice names what is wrong; an empty one is refused and the page says so.
    let res = app
        .form(
            &format!("/cases/{case_no}/do/notice"),
            &clerk,
            &[("version", version.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("error-summary"), "{}", res.text);
    let res = app
        .form(
            &format!("/cases/{case_no}/do/accept"),
            &clerk,
            &[("version", version.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);

    // Each department's approver decides from the case page.
    for name in ["approver", "approver_tax", "approver_housing"] {
        let who = app.demo_user(name).await;
        let page = app.page(&format!("/cases/{case_no}"), Some(&who)).await;
        let start = page
            .text
            .find("/do/decide-")
            .unwrap_or_else(|| panic!("{name}: {}", page.text));
        let action: String = page.text[start..].split('"').next().unwrap().to_string();
        let form_start = page.text[..start].rfind("<form").unwrap();
        let version = hidden(&page.text[form_start..], "version");
        let res = app
            .form(
                &format!("/cases/{case_no}{action}"),
                &who,
                &[
                    ("version", version.as_str()),
                    ("decision", "approve"),
                    ("opinion", "同意"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{name}: {}", res.text);
    }
    let page = app.page(&format!("/cases/{case_no}"), Some(&clerk)).await;
    assert!(page.text.contains("/do/deliver"), "{}", page.text);
    let version = hidden(&page.text, "version");
    let res = app
        .form(
            &format!("/cases/{case_no}/do/deliver"),
            &clerk,
            &[("version", version.as_str()), ("mode", "electronic")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let citizen = app.login_applicant(CITIZEN.0, CITIZEN.1).await;
    let page = app.page(&format!("/cases/{case_no}"), Some(&citizen)).await;
    assert!(page.text.contains("已送达"), "{}", page.text);
    assert!(page.text.contains("办理结果（电子证照）"));
    assert!(!page.text.contains("/do/accept"), "no clerk's forms for the citizen");
}
on_both!(the_transfer_through_the_pages);

/// Deadlines and the rest of a case's life, on a clock the test moves: five working days
/// without a decision make the case accepted from receipt (§32); a special procedure pauses a
/// task (§45); a supervisor extends the limit once (§42); a refusal concludes the case with its
/// reason; the result is delivered by mail with its tracking number.
async fn deadlines_procedures_extension_refusal_and_delivery(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    let item = app
        .get(&format!("/api/v1/items?q={}", enc("不动产转移登记")), Auth::None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "不动产转移登记（二手房买卖）" && i["region_code"] == "330000")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let clerk = app.login("window_clerk").await;
    let (status, case) = apply(
        &app,
        &clerk,
        None,
        json!({"item": item, "answers": {"married": "no"}, "consent": true, "window_region": "330800",
            "parties": [{"id_number": CITIZEN.0, "name": CITIZEN.1}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_no = case["case_no"].as_str().unwrap().to_string();
    let window = &app.state.window;

    // Nothing happens for five working days; after the fifth the case is deemed accepted from
    // the day it was received.
    let calendar = app.store.working_calendar().await.unwrap();
    let received = window.clock.today();
    loop {
        let deemed = yici_window::service::cases::deem_accepted(window).await.unwrap();
        let days = calendar.working_days_between(received, window.clock.today()).unwrap();
        if deemed == 1 {
            assert_eq!(days, 6);
            break;
        }
        assert!(days <= 5, "{days} working days and not deemed");
        window.clock.advance(86_400_000_000);
    }
    // Sessions follow the same clock: sign in again.
    let clerk = app.login("window_clerk").await;
    let c = app
        .get(&format!("/api/v1/cases/{case_no}"), Auth::Session(&clerk))
        .await
        .json();
    assert_eq!(
        (c["status"].as_str(), c["deemed_accepted"].as_bool()),
        (Some("processing"), Some(true))
    );
    let accepted = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["step"] == "accept")
        .cloned()
        .unwrap_or_default();
    assert_eq!(accepted["note"], "受理期限届满，依法视为受理");
    assert_eq!(
        yici_window::service::cases::deem_accepted(window).await.unwrap(),
        0,
        "once"
    );

    // A special procedure pauses the land bureau's task, with its reason and limit.
    let approver = app.login("approver").await;
    let task = c["tasks"][0]["id"].as_i64().unwrap();
    let special = |body: Value| {
        let (app, approver) = (&app, approver.clone());
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/tasks/{task}/special"),
                Auth::Session(&approver),
                Some(body),
            )
            .await
        }
    };
    let res = special(json!({"reason": "", "limit_days": 0})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = special(json!({"reason": "专家评审", "limit_days": 10})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        special(json!({"reason": "再次暂停", "limit_days": 5})).await.status,
        StatusCode::CONFLICT
    );
    window.clock.advance(86_400_000_000);
    let approver = app.login("approver").await;
    let special = |body: Value| {
        let (app, approver) = (&app, approver.clone());
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/tasks/{task}/special"),
                Auth::Session(&approver),
                Some(body),
            )
            .await
        }
    };
    let res = special(json!({"resume": true})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let resumed = res.json();
    assert!(
        resumed["tasks"][0]["paused_days"].as_i64().unwrap() >= 1,
        "{}",
        resumed["tasks"][0]
    );

    // The supervisor extends the limit once; a clerk may not.
    let supervisor = app.login("supervisor").await;
    let clerk = app.login("window_clerk").await;
    let extend = |who: &Session, body: Value| {
        let (app, who, case_no) = (&app, who.clone(), case_no.clone());
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/cases/{case_no}/extension"),
                Auth::Session(&who),
                Some(body),
            )
            .await
        }
    };
    let v = resumed["version"].clone();
    assert_eq!(
        extend(&clerk, json!({"version": v, "days": 5, "reason": "需要现场勘验"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let res = extend(&supervisor, json!({"version": v, "days": 5, "reason": "需要现场勘验"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let extended = res.json();
    assert_eq!(extended["extended_days"], 5);
    let again = extend(
        &supervisor,
        json!({"version": extended["version"], "days": 5, "reason": "再次延期"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);

    // A required step refused: the case is refused with the opinion as its reason.
    let t = &extended["tasks"][0];
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/tasks/{task}/decision"),
            Auth::Session(&approver),
            Some(json!({"version": t["version"], "approve": false, "opinion": "产权存在查封，不予登记"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let refused = res.json();
    assert_eq!(
        (refused["status"].as_str(), refused["reason"].as_str()),
        (Some("refused"), Some("产权存在查封，不予登记"))
    );

    // Delivered by mail with its tracking number (required for mail).
    let deliver = |body: Value| {
        let (app, clerk, case_no) = (&app, clerk.clone(), case_no.clone());
        async move {
            app.call(
                Method::POST,
                &format!("/api/v1/cases/{case_no}/delivery"),
                Auth::Session(&clerk),
                Some(body),
            )
            .await
        }
    };
    let v = refused["version"].clone();
    assert_eq!(
        deliver(json!({"version": v, "mode": "mail"})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        deliver(json!({"version": v, "mode": "pigeon"})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = deliver(json!({"version": v, "mode": "mail", "tracking": "SF1234567890"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let delivered = res.json();
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["visits"], 1, "mail is no visit");
    let res = deliver(json!({"version": delivered["version"], "mode": "window"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "delivered once");
}

on_both_at_a_fixed_clock!(deadlines_procedures_extension_refusal_and_delivery);

/// The demo's example cases: made through the service, listed in `demo-credentials.json`,
/// readable by their applicant, and seeding again changes nothing.
async fn the_demo_seeds_example_cases(app: App) {
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    app.seed_certificates().await;
    yici_server::demo::items::seed(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    assert_eq!(yici_server::demo::cases::seed(&app.state, &app.dir).await.unwrap(), 4);
    let creds: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    let cases = creds["cases"].as_array().unwrap().clone();
    let status: Vec<&str> = cases.iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(status, ["delivered", "supplementing", "delivered", "processing"]);
    assert_eq!(cases[0]["item_or_bundle"], "second-hand-house");
    assert_eq!(cases[2]["item_or_bundle"], "business-start");
    assert_eq!(cases[0]["applicant"]["id_number"], CITIZEN.0);
    assert!(
        creds["users"].as_array().unwrap().len() >= 6,
        "the rest of the file is kept"
    );

    assert_eq!(yici_server::demo::cases::seed(&app.state, &app.dir).await.unwrap(), 4);
    let again: Value = serde_json::from_slice(&std::fs::read(app.dir.join("demo-credentials.json")).unwrap()).unwrap();
    assert_eq!(
        again["cases"],
        Value::Array(cases.clone()),
        "seeding again changes nothing"
    );

    let citizen = app
        .login_applicant(cases[0]["applicant"]["id_number"].as_str().unwrap(), CITIZEN.1)
        .await;
    let done = app
        .get(
            &format!("/api/v1/cases/{}", cases[0]["case_no"].as_str().unwrap()),
            Auth::Session(&citizen),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let done = done.json();
    assert!(!done["certificates"].as_array().unwrap().is_empty(), "{done}");
    assert_eq!(done["visits"], 1);
    let bundle = app
        .get(
            &format!("/api/v1/cases/{}", cases[3]["case_no"].as_str().unwrap()),
            Auth::Session(&citizen),
        )
        .await
        .json();
    let open = bundle["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "open")
        .count();
    assert_eq!(open, 3, "公章, 税务 and 社保 in parallel after the 营业执照: {bundle}");

    // The pages: 我的办件, a case, the clerk's queue, the approvers' inbox.
    let done_no = cases[0]["case_no"].as_str().unwrap();
    let mine = app.page("/me/cases", Some(&citizen)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.text.contains(done_no) && mine.text.contains("已送达"),
        "{}",
        mine.text
    );
    let page = app.page(&format!("/cases/{done_no}"), Some(&citizen)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for words in ["已共享获取", "受理", "最多跑一次", "办理结果（电子证照）"] {
        assert!(page.text.contains(words), "{words} on the case page");
    }
    let clerk = app.login("window_clerk").await;
    let queue = app.page("/cases?status=supplementing", Some(&clerk)).await;
    assert!(
        queue.text.contains(cases[1]["case_no"].as_str().unwrap()),
        "{}",
        queue.text
    );
    let bad = app.page("/cases?status=nothing", Some(&clerk)).await;
    assert_ne!(bad.status, StatusCode::INTERNAL_SERVER_ERROR);
    let approver = app.login("approver").await;
    let inbox = app.page("/tasks", Some(&approver)).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.text.contains("待办"));
    let stranger = app.police_steward().await;
    assert_eq!(
        app.page(&format!("/cases/{done_no}"), Some(&stranger)).await.status,
        StatusCode::FORBIDDEN
    );
}
on_both!(the_demo_seeds_example_cases);
