//! Every role × every endpoint: allowed, or refused with 403 (401 without credentials).
//!
//! The expected column is written out here by hand, not derived from the policy, so that a
//! change to the policy shows up as a failing row. Besides the demo's users (province-wide
//! operator and supervisor, department-scoped others) two scoped principals take part: an
//! operator of one city (衢州市) and a supervisor of one department (the market regulator).

mod common;

use axum::http::{Method, StatusCode};
use common::{App, Auth};
use serde_json::json;
use yici_core::org::Scope;

const OP: u16 = 1;
const STEWARD: u16 = 2;
const ISSUER: u16 = 4;
const CLERK: u16 = 8;
const APPROVER: u16 = 16;
const SUPERVISOR: u16 = 32;
const SYSTEM: u16 = 64;
/// An operator scoped to the city of 衢州 (330800).
const CITY_OP: u16 = 128;
/// A supervisor scoped to the province's market regulator only.
const DEPT_SUP: u16 = 256;
const STAFF: u16 = OP | STEWARD | ISSUER | CLERK | APPROVER | SUPERVISOR | CITY_OP | DEPT_SUP;
const EVERYONE: u16 = STAFF | SYSTEM;

/// Routes open to anyone by design, each with its own tests: signing in and out (a session is
/// the caller's own), the display preferences, the stylesheet, the public catalogue, checking a
/// certificate by its code or a show link, health, readiness and metrics.
const OPEN: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/applicant"),
    ("POST", "/login/applicant"),
    ("GET", "/login/applicant/oidc"),
    ("GET", "/login/applicant/oidc/callback"),
    ("POST", "/logout"),
    ("GET", "/prefs"),
    ("GET", "/static/yici.css"),
    ("GET", "/privacy"),
    ("GET", "/terms"),
    ("GET", "/accessibility"),
    ("GET", "/developers"),
    ("GET", "/catalogue"),
    ("GET", "/certificate-types"),
    ("GET", "/verify"),
    // Published service items, their versions and guides, and bundles are public information.
    ("GET", "/api/v1/items"),
    ("GET", "/api/v1/items/statistics"),
    ("GET", "/api/v1/items/export"),
    ("GET", "/items/statistics"),
    // The public performance of the service (督察考核's open figures) has no personal data.
    ("GET", "/api/v1/public/performance"),
    ("GET", "/performance"),
    ("GET", "/api/v1/items/{code}"),
    ("GET", "/api/v1/items/{code}/guide"),
    ("GET", "/api/v1/items/{code}/guide.pdf"),
    ("GET", "/api/v1/bundles/{code}/guide.pdf"),
    ("GET", "/api/v1/items/{code}/versions"),
    ("GET", "/api/v1/bundles"),
    ("GET", "/api/v1/bundles/{code}"),
    ("GET", "/api/v1/bundles/{code}/guide"),
    ("GET", "/items"),
    ("GET", "/items/{code}"),
    ("GET", "/items/{code}/history"),
    ("GET", "/bundles/{code}"),
    ("POST", "/verify"),
    ("GET", "/shows/{token}"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/session"),
    ("POST", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("POST", "/api/v1/session/applicant"),
];

/// A well-formed certificate identifier that no certificate has.
const CERT: &str = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F";

const ROLES: [(&str, u16); 6] = [
    ("operator", OP),
    ("data_steward", STEWARD),
    ("cert_issuer", ISSUER),
    ("window_clerk", CLERK),
    ("approver", APPROVER),
    ("supervisor", SUPERVISOR),
];

struct Row {
    method: Method,
    path: String,
    body: Option<serde_json::Value>,
    allowed: u16,
}

fn row(method: Method, path: impl Into<String>, body: Option<serde_json::Value>, allowed: u16) -> Row {
    Row {
        method,
        path: path.into(),
        body,
        allowed,
    }
}

fn catalogue_draft(dept: i64) -> serde_json::Value {
    json!({
        "classification": "102001", "name": "法人基础信息", "summary": "市场主体基础信息", "provider_department_id": dept,
        "format_class": 3, "format_type": "API", "share_type": 1, "share_mode": 1, "open_type": 1, "update_cycle": 3,
        "sensitivity": 1, "items": [{"name": "单位名称", "data_type": 1}]
    })
}

/// A well-formed item version (its rules are not the point here).
fn item_version() -> serde_json::Value {
    json!({
        "name": "x", "level": "province", "applicant_types": ["person"], "case_type": "promised",
        "legal_limit": {"days": 20, "unit": "working"}, "promised_limit": {"days": 5, "unit": "working"},
        "visits": 1, "depth": "acceptance", "legal_basis": "x", "materials": [], "process": [],
        "delivery": ["window"], "scope": {"kind": "local"}
    })
}

async fn every_role_every_endpoint(app: App) {
    app.store.catalogue_seed_standards().await.unwrap();
    let market = app.department_id("市场监督管理局").await;
    let police = app.department_id("公安厅").await;
    let market_system = app.store.list_systems(Some(market)).await.unwrap()[0].id;
    let approver = app.store.user_credentials("approver").await.unwrap().unwrap().0.id;
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let grant = app.store.grants(None, yici_store::Page::all()).await.unwrap()[0].id;
    // A checkpoint, so that entry 0 (the demo's, of no department) has a proof to ask for.
    app.state.audit.sequence().await.unwrap();
    app.store.audit_checkpoint().await.unwrap();
    let mut year = yici_core::calendar::YearSchedule::shipped().remove(1);
    year.year = 2027;
    year.holidays = vec![];
    year.workdays = vec![];
    let clock = json!({"clock": {"started": "2026-11-02", "limit": 5, "pauses": []}, "today": "2026-11-04"});
    let rows = vec![
        row(Method::GET, "/api/v1/regions", None, EVERYONE),
        row(Method::GET, "/api/v1/regions/330000", None, EVERYONE),
        row(
            Method::POST,
            "/api/v1/regions",
            Some(json!({"code": "330102", "name": "上城区"})),
            OP,
        ),
        row(
            Method::POST,
            "/api/v1/regions",
            Some(json!({"code": "330803", "name": "衢江区"})),
            OP | CITY_OP,
        ),
        row(Method::GET, "/api/v1/departments", None, EVERYONE),
        row(Method::GET, format!("/api/v1/departments/{market}"), None, EVERYONE),
        row(
            Method::POST,
            "/api/v1/departments",
            Some(
                json!({"name": "浙江省教育厅", "uscc": yici_core::id::Uscc::generate("11", "330000", "MB000201").unwrap().to_string(), "region_code": "330000", "kind": "government"}),
            ),
            OP,
        ),
        row(
            Method::PUT,
            format!("/api/v1/departments/{market}"),
            Some(
                json!({"name": "浙江省市场监督管理局", "uscc": yici_core::id::Uscc::generate("11", "330000", "MB000102").unwrap().to_string(), "region_code": "330000", "kind": "government"}),
            ),
            OP,
        ),
        row(
            Method::GET,
            format!("/api/v1/departments/{market}/systems"),
            None,
            OP | STEWARD,
        ),
        row(Method::GET, format!("/api/v1/departments/{police}/systems"), None, OP),
        row(
            Method::POST,
            format!("/api/v1/departments/{market}/systems"),
            Some(json!({"name": "年报系统"})),
            OP,
        ),
        row(
            Method::GET,
            format!("/api/v1/systems/{market_system}/tokens"),
            None,
            OP | STEWARD,
        ),
        row(
            Method::POST,
            format!("/api/v1/systems/{market_system}/tokens"),
            Some(json!({"valid_days": 30})),
            OP,
        ),
        row(
            Method::DELETE,
            format!("/api/v1/systems/{market_system}/tokens/999999"),
            None,
            OP,
        ),
        row(Method::GET, "/api/v1/users", None, OP | SUPERVISOR | CITY_OP | DEPT_SUP),
        row(Method::GET, format!("/api/v1/users/{approver}"), None, OP | SUPERVISOR),
        row(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "new.user", "display_name": "新用户", "password": "Matrix-2026-pw"})),
            OP,
        ),
        row(
            Method::PUT,
            format!("/api/v1/users/{approver}/disabled"),
            Some(json!({"disabled": false})),
            OP,
        ),
        row(
            Method::POST,
            format!("/api/v1/users/{approver}/roles"),
            Some(json!({"role": "approver", "department_id": police})),
            OP,
        ),
        row(
            Method::DELETE,
            format!("/api/v1/users/{approver}/roles/999999"),
            None,
            OP,
        ),
        row(
            Method::GET,
            "/api/v1/applicants?number=11010519491231002X",
            None,
            OP | CLERK | CITY_OP,
        ),
        row(Method::GET, "/api/v1/calendar/years", None, EVERYONE),
        row(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(serde_json::to_value(&year).unwrap()),
            OP,
        ),
        row(
            Method::GET,
            "/api/v1/calendar/add-working-days?from=2026-09-30&days=10",
            None,
            EVERYONE,
        ),
        row(
            Method::GET,
            "/api/v1/calendar/working-days-between?from=2026-09-30&to=2026-10-20",
            None,
            EVERYONE,
        ),
        row(Method::POST, "/api/v1/calendar/clock", Some(clock), EVERYONE),
        row(
            Method::GET,
            "/api/v1/ids/check?value=91350100M000100Y43",
            None,
            EVERYONE,
        ),
        row(
            Method::GET,
            "/api/v1/audit/entries",
            None,
            OP | SUPERVISOR | CITY_OP | DEPT_SUP,
        ),
        row(Method::GET, "/api/v1/audit/entries/0/proof", None, OP | SUPERVISOR),
        row(Method::GET, "/api/v1/audit/export?from=0&to=0", None, OP | SUPERVISOR),
        row(Method::POST, "/api/v1/audit/checkpoints", None, OP),
        row(Method::GET, "/api/v1/me/data-uses", None, 0),
        row(
            Method::GET,
            "/api/v1/catalogue/resources?q=%E4%BF%A1%E6%81%AF",
            None,
            EVERYONE,
        ),
        row(Method::GET, "/api/v1/catalogue/statistics", None, EVERYONE),
        row(Method::GET, "/api/v1/catalogue/elements", None, EVERYONE),
        row(Method::GET, "/api/v1/catalogue/export?format=csv", None, EVERYONE),
        row(
            Method::GET,
            format!("/api/v1/departments/{market}/field-mappings"),
            None,
            EVERYONE,
        ),
        row(
            Method::PUT,
            format!("/api/v1/departments/{market}/field-mappings"),
            Some(json!({"local_field": "XB", "element": "DE0003", "values": {"M": "1"}})),
            STEWARD,
        ),
        row(
            Method::POST,
            "/api/v1/catalogue/drafts",
            Some(catalogue_draft(market)),
            STEWARD,
        ),
        row(
            Method::GET,
            "/api/v1/catalogue/drafts?queue=pending",
            None,
            OP | CITY_OP,
        ),
        row(
            Method::GET,
            "/api/v1/sharing/requests?view=outgoing",
            None,
            OP | STEWARD | SUPERVISOR | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/items",
            Some(json!({"basic_code": "000101234000", "department_id": 999999})),
            OP | STEWARD | CITY_OP,
        ),
        row(Method::PUT, "/api/v1/items/x/draft", Some(item_version()), STEWARD),
        row(Method::POST, "/api/v1/items/import?filename=a.csv", None, STEWARD),
        row(Method::POST, "/api/v1/cases", Some(json!({})), CLERK),
        row(
            Method::GET,
            "/api/v1/cases/33080020261130000001X",
            None,
            CLERK | APPROVER | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/cases/x/accept",
            Some(json!({"version": 1})),
            CLERK,
        ),
        row(
            Method::POST,
            "/api/v1/cases/x/visits",
            Some(json!({"reason": "submit"})),
            CLERK,
        ),
        row(Method::GET, "/api/v1/tasks", None, APPROVER),
        row(Method::GET, "/api/v1/cases/feed", None, SYSTEM | OP | SUPERVISOR),
        row(
            Method::POST,
            "/api/v1/cases/subscriptions",
            Some(json!({"url": ""})),
            SYSTEM,
        ),
        row(Method::POST, "/api/v1/cases/x/consent", None, 0),
        // Only a party rates a case (好差评); staff with rights on the case read the ratings.
        row(
            Method::POST,
            "/api/v1/cases/33080020261130000001X/evaluation",
            Some(json!({"level": 5})),
            0,
        ),
        row(
            Method::GET,
            "/api/v1/cases/33080020261130000001X/evaluation",
            None,
            CLERK | APPROVER | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/evaluations",
            Some(json!({"implementation_code": "x", "region_code": "330800", "level": 5})),
            CLERK,
        ),
        row(
            Method::GET,
            "/api/v1/evaluations",
            None,
            APPROVER | SUPERVISOR | DEPT_SUP,
        ),
        row(
            Method::GET,
            "/api/v1/evaluations/1",
            None,
            CLERK | APPROVER | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        // 谁办理、谁整改: the evaluated department's approvers take the rectification's steps;
        // supervisors decide appeals and mark malicious reviews; only the party appeals.
        row(
            Method::POST,
            "/api/v1/evaluations/1/rectification/verify",
            Some(json!({"note": "x", "founded": true})),
            APPROVER,
        ),
        row(
            Method::POST,
            "/api/v1/evaluations/1/appeal",
            Some(json!({"reason": "x"})),
            0,
        ),
        row(
            Method::POST,
            "/api/v1/evaluations/1/appeal/decision",
            Some(json!({"upheld": true, "note": "x"})),
            SUPERVISOR | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/evaluations/1/malicious",
            Some(json!({"reason": "x"})),
            SUPERVISOR | DEPT_SUP,
        ),
        // The metrics and the cases behind them: supervisors and operators, in their scope.
        row(
            Method::GET,
            "/api/v1/supervision/metrics",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::GET,
            "/api/v1/supervision/cases?figure=open",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::GET,
            "/api/v1/supervision/rankings?by=region",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::GET,
            "/api/v1/supervision/trend",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        // Alerts: supervisors and operators in their scope, a department's approvers and
        // data stewards.
        row(
            Method::GET,
            "/api/v1/supervision/alerts",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP | APPROVER | STEWARD,
        ),
        // 考核: supervisors and operators read; a province's supervisors set the weights;
        // supervisors assess and inspect in their scope.
        row(
            Method::GET,
            "/api/v1/supervision/weights",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/supervision/weights",
            Some(json!({"weights": {"on_time_rate": 1}})),
            SUPERVISOR,
        ),
        row(
            Method::POST,
            "/api/v1/supervision/assessments",
            Some(json!({})),
            SUPERVISOR,
        ),
        row(
            Method::GET,
            "/api/v1/supervision/assessments",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::GET,
            "/api/v1/supervision/assessments/999999",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::GET,
            "/api/v1/supervision/inspections",
            None,
            SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/supervision/inspections",
            Some(
                json!({"target_kind": "department", "target_key": "999999", "finding": "x",
                "follow_up_due": "2099-01-01"}),
            ),
            SUPERVISOR | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/supervision/inspections/999999/follow-up",
            Some(json!({"outcome": "rectified"})),
            SUPERVISOR | DEPT_SUP,
        ),
        row(Method::GET, "/api/v1/me/notifications", None, 0),
        row(Method::POST, "/api/v1/cases/x/fetch", None, CLERK),
        row(Method::PUT, "/api/v1/cases/x/materials/y", None, CLERK),
        row(
            Method::POST,
            "/api/v1/tasks/999999/claim",
            Some(json!({"version": 1})),
            APPROVER,
        ),
        row(
            Method::POST,
            "/api/v1/cases/x/delivery",
            Some(json!({"version": 1, "mode": "electronic"})),
            CLERK,
        ),
        row(
            Method::POST,
            "/api/v1/cases/x/extension",
            Some(json!({"version": 1, "days": 5, "reason": "需要现场勘验"})),
            SUPERVISOR | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/tasks/999999/special",
            Some(json!({"reason": "专家评审", "limit_days": 10})),
            APPROVER,
        ),
        row(
            Method::POST,
            "/api/v1/tasks/999999/decision",
            Some(json!({"version": 1, "approve": true})),
            APPROVER,
        ),
        row(
            Method::POST,
            "/api/v1/items/x/versions/1/approve",
            Some(json!({})),
            OP | CITY_OP,
        ),
        row(
            Method::POST,
            "/api/v1/items/x/versions/1/submit",
            Some(json!({})),
            STEWARD,
        ),
        row(
            Method::POST,
            "/api/v1/item-basics",
            Some(json!({"code": "x", "name": "y"})),
            OP,
        ),
        row(Method::GET, "/api/v1/item-reviews", None, OP | CITY_OP),
        row(
            Method::PUT,
            "/api/v1/bundles/x",
            Some(json!({"code": "x", "name": "y", "items": []})),
            OP,
        ),
        row(
            Method::GET,
            "/api/v1/sharing/requests/999999",
            None,
            OP | STEWARD | SUPERVISOR | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::GET,
            "/api/v1/sharing/requests?view=escalated",
            None,
            OP | CITY_OP,
        ),
        row(
            Method::GET,
            "/api/v1/sharing/grants",
            None,
            OP | STEWARD | SUPERVISOR | CITY_OP | DEPT_SUP,
        ),
        row(Method::GET, "/api/v1/exchange/101001/000099/records?x=1", None, SYSTEM),
        row(
            Method::POST,
            "/api/v1/exchange/101001/000099/webhooks",
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
            SYSTEM,
        ),
        row(Method::POST, "/api/v1/datasets/999999/rows", Some(json!([])), STEWARD),
        row(
            Method::POST,
            "/api/v1/certificates",
            Some(json!({"type_code": "x", "holder_code": "x", "holder_name": "x"})),
            ISSUER,
        ),
        row(
            Method::POST,
            "/api/v1/certificates/batch",
            Some(json!({"certificates": []})),
            ISSUER,
        ),
        row(
            Method::POST,
            "/api/v1/certificate-types",
            Some(
                json!({"code": "x", "name": "x", "holder_kind": "person", "fields": [], "validity": "permanent", "template": {"layout": "card"}}),
            ),
            ISSUER,
        ),
        row(
            Method::PUT,
            "/api/v1/certificate-types/x/resource",
            Some(json!({"resource_id": null})),
            ISSUER,
        ),
        row(
            Method::POST,
            "/api/v1/certificates/import?type_code=x&filename=a.csv",
            None,
            ISSUER,
        ),
        row(Method::GET, format!("/api/v1/certificates/{CERT}/pdf"), None, ISSUER),
        row(
            Method::GET,
            format!("/api/v1/certificates/{CERT}/use-copies/1/pdf"),
            None,
            ISSUER | CLERK | APPROVER | SYSTEM,
        ),
        row(Method::GET, "/api/v1/seals", None, OP | ISSUER | CITY_OP),
        row(
            Method::GET,
            "/api/v1/certificate-consents",
            None,
            ISSUER | CLERK | APPROVER | SYSTEM,
        ),
        row(Method::POST, format!("/api/v1/departments/{market}/seals"), None, OP),
        row(
            Method::POST,
            "/api/v1/seals/999999/revocation",
            Some(json!({"reason": "x"})),
            OP | CITY_OP,
        ),
        row(
            Method::GET,
            "/api/v1/certificates?holder=11010519491231002X",
            None,
            ISSUER | CLERK | APPROVER | SYSTEM,
        ),
        row(
            Method::GET,
            format!("/api/v1/certificates/{CERT}"),
            None,
            ISSUER | CLERK | APPROVER | SYSTEM,
        ),
        row(
            Method::POST,
            format!("/api/v1/certificates/{CERT}/operations"),
            Some(json!({"operation": "suspend", "reason": "x"})),
            ISSUER,
        ),
        row(
            Method::POST,
            format!("/api/v1/certificates/{CERT}/use-copies"),
            Some(json!({"purpose": "x"})),
            ISSUER | CLERK | APPROVER | SYSTEM,
        ),
        row(Method::GET, "/api/v1/me/certificates", None, 0),
        row(Method::POST, format!("/api/v1/me/certificates/{CERT}/show"), None, 0),
        // Unknown objects are not revealed to those who may not deal with them.
        row(
            Method::GET,
            "/api/v1/departments/999999/systems",
            None,
            OP | STEWARD | CITY_OP,
        ),
        row(
            Method::GET,
            "/api/v1/systems/999999/tokens",
            None,
            OP | STEWARD | CITY_OP,
        ),
        row(Method::POST, "/api/v1/catalogue/drafts/999999/submit", None, STEWARD),
        row(
            Method::POST,
            "/api/v1/catalogue/drafts/999999/approve",
            None,
            OP | CITY_OP,
        ),
        row(
            Method::GET,
            "/api/v1/notifications",
            None,
            OP | STEWARD | SUPERVISOR | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::DELETE,
            "/api/v1/sharing/grants/999999",
            None,
            OP | STEWARD | SUPERVISOR | CITY_OP | DEPT_SUP,
        ),
        row(
            Method::POST,
            "/api/v1/sharing/requests/999999/decision",
            Some(json!({"decision": "refuse", "reasons": "x"})),
            OP | STEWARD | SUPERVISOR | CITY_OP | DEPT_SUP,
        ),
        row(Method::GET, "/api/v1/catalogue/resources/999999", None, EVERYONE),
        row(
            Method::GET,
            "/api/v1/catalogue/resources/999999/versions",
            None,
            EVERYONE,
        ),
        row(
            Method::PUT,
            "/api/v1/catalogue/drafts/999999",
            Some(catalogue_draft(market)),
            STEWARD,
        ),
        row(Method::POST, "/api/v1/catalogue/import?filename=a.csv", None, STEWARD),
        row(
            Method::PUT,
            "/api/v1/datasets/999999/endpoint",
            Some(json!({"url": null})),
            STEWARD,
        ),
        row(
            Method::POST,
            "/api/v1/sharing/requests",
            Some(
                json!({"resource_id": 999999, "consumer_department_id": market, "system_id": market_system, "items": ["姓名"],
                "purpose": "企业开办核验", "legal_basis": "《市场主体登记管理条例》", "valid_from": "2026-01-01", "valid_until": "2026-12-31"}),
            ),
            STEWARD,
        ),
        row(
            Method::POST,
            "/api/v1/exchange/101001/000099/records",
            Some(json!({"keys": ["x"]})),
            SYSTEM,
        ),
        row(Method::GET, "/api/v1/exchange/101001/000099/changes", None, SYSTEM),
        row(Method::POST, "/api/v1/exchange/101001/000099/streams", None, SYSTEM),
        row(Method::GET, format!("/api/v1/me/certificates/{CERT}/consents"), None, 0),
        row(
            Method::POST,
            format!("/api/v1/me/certificates/{CERT}/consents"),
            Some(json!({"department_id": market, "purpose": "办理", "expires_on": "2026-12-31"})),
            0,
        ),
        row(
            Method::DELETE,
            format!("/api/v1/me/certificates/{CERT}/consents/1"),
            None,
            0,
        ),
        row(Method::GET, format!("/api/v1/me/certificates/{CERT}/pdf"), None, 0),
        row(Method::GET, format!("/api/v1/me/certificates/{CERT}/uses"), None, 0),
        row(Method::GET, "/api/v1/me/data-uses/1/proof", None, 0),
        // The province's grant to the market system (provider: the police department): only a
        // province-wide operator or the provider's stewards may revoke it. Last, as it is revoked.
        row(Method::DELETE, format!("/api/v1/sharing/grants/{grant}"), None, OP),
    ];
    let pages = [
        ("/admin/regions", OP | CITY_OP),
        ("/admin/departments", OP | CITY_OP),
        ("/admin/systems", OP | STEWARD | CITY_OP),
        (&*format!("/admin/systems/{market_system}"), OP | STEWARD),
        ("/admin/users", OP | SUPERVISOR | CITY_OP | DEPT_SUP),
        (&*format!("/admin/users/{approver}"), OP | SUPERVISOR),
        ("/calendar", STAFF),
        ("/audit", OP | SUPERVISOR | CITY_OP | DEPT_SUP),
        ("/gov/catalogue", STAFF),
        ("/catalogue/drafts", STEWARD),
        ("/catalogue/review", OP | CITY_OP),
        ("/catalogue/review/999999", OP | CITY_OP),
        ("/catalogue/statistics", STAFF),
        (
            "/sharing/requests?view=outgoing",
            STEWARD | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        (
            "/sharing/requests/999999",
            STEWARD | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        ("/sharing/requests/new?resource=999999", STEWARD),
        ("/sharing/grants", STEWARD | SUPERVISOR | OP | CITY_OP | DEPT_SUP),
        ("/me/data-uses", 0),
        ("/me/data-uses/1/proof", 0),
        ("/me/certificates", 0),
        (&*format!("/me/certificates/{CERT}"), 0),
        ("/notifications", STEWARD | SUPERVISOR | OP | CITY_OP | DEPT_SUP),
        ("/catalogue/drafts/999999", STEWARD),
        ("/certificates", ISSUER | CLERK | APPROVER),
        ("/certificates/new?type_code=x", ISSUER),
        (&*format!("/certificates/{CERT}"), ISSUER | CLERK | APPROVER),
        ("/seals", OP | ISSUER | CITY_OP),
        ("/items/manage", OP | STEWARD | CITY_OP),
        ("/me/cases", 0),
        ("/cases", CLERK),
        (
            "/cases/33080020261130000001X",
            CLERK | APPROVER | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        (
            "/cases/33080020261130000001X/evaluate",
            CLERK | APPROVER | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        (
            "/evaluations/1",
            CLERK | APPROVER | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        ("/tasks", APPROVER),
        ("/supervision", SUPERVISOR | OP | CITY_OP | DEPT_SUP),
        ("/supervision/cases?figure=open", SUPERVISOR | OP | CITY_OP | DEPT_SUP),
        ("/supervision/reviews", APPROVER | SUPERVISOR | DEPT_SUP),
        ("/supervision/assessment", SUPERVISOR | OP | CITY_OP | DEPT_SUP),
        (
            "/supervision/alerts",
            SUPERVISOR | OP | CITY_OP | DEPT_SUP | APPROVER | STEWARD,
        ),
        ("/items/reviews", OP | CITY_OP),
        ("/items/x/edit", STEWARD),
    ];
    // Forms posted from the pages (empty: the role is checked before the input).
    let forms = [
        ("/admin/regions", OP | CITY_OP),
        ("/admin/departments", OP | CITY_OP),
        ("/admin/systems", OP | CITY_OP),
        ("/admin/systems/999999/tokens", OP | CITY_OP),
        ("/admin/systems/999999/tokens/999999/revoke", OP | CITY_OP),
        ("/admin/users", OP | CITY_OP),
        ("/admin/users/999999/roles", OP | CITY_OP),
        ("/admin/users/999999/roles/999999/revoke", OP | CITY_OP),
        ("/admin/users/999999/disabled", OP | CITY_OP),
        ("/catalogue/drafts", STEWARD),
        ("/catalogue/drafts/999999", STEWARD),
        ("/catalogue/drafts/999999/submit", STEWARD),
        ("/catalogue/drafts/999999/approve", OP | CITY_OP),
        ("/items/x/edit", STEWARD),
        ("/items/x/versions/1/submit", STEWARD),
        ("/items/x/versions/1/approve", OP | CITY_OP),
        ("/cases/new", CLERK),
        ("/cases/x/do/accept", CLERK),
        // Only a party rates a case.
        ("/cases/x/evaluate", 0),
        // 谁办理、谁整改 through the review page; supervisors decide and mark; the party appeals.
        ("/evaluations/1/verify", APPROVER),
        ("/evaluations/1/decision", SUPERVISOR | DEPT_SUP),
        ("/evaluations/1/malicious", SUPERVISOR | DEPT_SUP),
        ("/evaluations/1/appeal", 0),
        // Supervisors assess and inspect in their scope; a province's set the weights.
        ("/supervision/assessment/run", SUPERVISOR),
        ("/supervision/assessment/weights", SUPERVISOR),
        ("/supervision/assessment/inspections", SUPERVISOR | DEPT_SUP),
        ("/supervision/assessment/follow-up", SUPERVISOR | DEPT_SUP),
        ("/sharing/requests", STEWARD),
        (
            "/sharing/requests/999999/approve",
            STEWARD | SUPERVISOR | OP | CITY_OP | DEPT_SUP,
        ),
        ("/certificates/new", ISSUER),
        (&*format!("/certificates/{CERT}/operations"), ISSUER),
        (&*format!("/certificates/{CERT}/use-copies"), ISSUER | CLERK | APPROVER),
        (&*format!("/me/certificates/{CERT}/consents"), 0),
        (&*format!("/me/certificates/{CERT}/consents/1/withdraw"), 0),
        (&*format!("/me/certificates/{CERT}/show"), 0),
        ("/seals", OP | CITY_OP),
        ("/seals/revocation", OP | CITY_OP),
    ];

    let mut sessions = Vec::new();
    for (role, bit) in ROLES {
        sessions.push((role, bit, app.login(role).await));
    }
    sessions.push(("city operator", CITY_OP, city_operator(&app).await));
    sessions.push(("department supervisor", DEPT_SUP, market_supervisor(&app).await));
    let token = app.token("市场主体登记系统");
    let mut failures = Vec::new();
    for r in &rows {
        // Without credentials: always 401.
        let res = app.call(r.method.clone(), &r.path, Auth::None, r.body.clone()).await;
        if res.status != StatusCode::UNAUTHORIZED {
            failures.push(format!("anonymous {} {} -> {}", r.method, r.path, res.status));
        }
        for (role, bit, session) in &sessions {
            let res = app
                .call(r.method.clone(), &r.path, Auth::Session(session), r.body.clone())
                .await;
            check(&mut failures, role, r, res.status, r.allowed & bit != 0);
        }
        let res = app
            .call(r.method.clone(), &r.path, Auth::Bearer(&token), r.body.clone())
            .await;
        check(&mut failures, "system", r, res.status, r.allowed & SYSTEM != 0);
    }
    // A page or form is allowed when it is neither refused (403, or a redirect to sign in) nor
    // an error of the server; it is refused with 403.
    let judged = |status: StatusCode, ok: bool| {
        let refused = status == StatusCode::FORBIDDEN || status.is_redirection() && status != StatusCode::SEE_OTHER;
        if ok {
            !refused && !status.is_server_error() && status != StatusCode::UNAUTHORIZED
        } else {
            status == StatusCode::FORBIDDEN
        }
    };
    for (path, allowed) in &forms {
        for (role, bit, session) in &sessions {
            let res = app.form(path, session, &[]).await;
            let ok = allowed & bit != 0;
            if !judged(res.status, ok) {
                failures.push(format!("{role} form {path} -> {} (allowed: {ok})", res.status));
            }
        }
        let anonymous = app.form_anonymous(path, &[]).await;
        if !anonymous.status.is_redirection() && anonymous.status != StatusCode::UNAUTHORIZED {
            failures.push(format!(
                "anonymous form {path} -> {} (expected sign-in)",
                anonymous.status
            ));
        }
    }
    for (path, allowed) in pages {
        for (role, bit, session) in &sessions {
            let res = app.page(path, Some(session)).await;
            let ok = allowed & bit != 0;
            if !judged(res.status, ok) {
                failures.push(format!("{role} page {path} -> {} (allowed: {ok})", res.status));
            }
        }
        let anonymous = app.page(path, None).await;
        if !anonymous.status.is_redirection() {
            failures.push(format!(
                "anonymous page {path} -> {} (expected a redirect to sign-in)",
                anonymous.status
            ));
        }
    }
    // The public catalogue, checkpoints, the public key, certificate types and the seal
    // authority's certificate need no sign-in.
    let public = [
        "/api/v1/public/catalogue/resources",
        "/api/v1/audit/public-key",
        "/api/v1/certificate-types",
        "/api/v1/seal-authority/certificate",
    ];
    for path in public {
        let res = app.call(Method::GET, path, Auth::None, None).await;
        if res.status != StatusCode::OK {
            failures.push(format!("anonymous GET {path} -> {}", res.status));
        }
    }
    // What anyone may look up or prove: open to the anonymous (an unknown one is a 404).
    let lookups = [
        "/api/v1/audit/checkpoint".to_string(),
        "/api/v1/audit/consistency?from=0&to=0".to_string(),
        "/api/v1/certificate-types/x".to_string(),
        "/api/v1/certificate-types/x/template.csv".to_string(),
        format!("/api/v1/certificates/{CERT}/verification?code=ABCDEF"),
        "/api/v1/seals/999999/picture".to_string(),
        "/api/v1/certificate-shows/x".to_string(),
        "/api/v1/public/catalogue/resources/999999".to_string(),
    ];
    for path in &lookups {
        let res = app.call(Method::GET, path, Auth::None, None).await;
        if res.status == StatusCode::UNAUTHORIZED || res.status == StatusCode::FORBIDDEN || res.status.is_server_error()
        {
            failures.push(format!("anonymous GET {path} -> {}", res.status));
        }
    }
    // The open pages: signing in, the public catalogue, verification, preferences, health.
    for (method, path) in OPEN {
        if *method == "GET" && !path.contains('{') && !path.contains("oidc") {
            let res = app.page(path, None).await;
            if res.status == StatusCode::FORBIDDEN || res.status.is_server_error() {
                failures.push(format!("anonymous page {path} -> {}", res.status));
            }
        }
    }
    // Every route of the assembled router has its row above, or is open to anyone by design.
    let (_, table) = yici_server::routes().into_parts();
    for (method, template) in &table {
        let matches = |path: &str| yici_web::routes::matches(template, path);
        let covered = rows.iter().any(|r| r.method == *method && matches(&r.path))
            || (*method == Method::GET && pages.iter().any(|(p, _)| matches(p)))
            || (*method == Method::POST && forms.iter().any(|(p, _)| matches(p)))
            || (*method == Method::GET && public.iter().any(|p| matches(p)))
            || (*method == Method::GET && lookups.iter().any(|p| matches(p)))
            || OPEN.iter().any(|(m, p)| *m == method.as_str() && p == template);
        if !covered {
            failures.push(format!("{method} {template} has no row in the matrix"));
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix failures:\n{}",
        failures.join("\n")
    );
}

fn region(code: &str) -> yici_core::id::RegionCode {
    yici_core::id::RegionCode::parse(code).unwrap()
}

/// An operator of the city of 衢州 (330800), signed in.
async fn city_operator(app: &App) -> common::Session {
    let scope = Scope::Region {
        region: region("330800"),
    };
    scoped_user(app, "qz.operator", yici_core::org::Role::Operator, scope, "qz_data").await
}

/// A supervisor of the province's market regulator only, signed in.
async fn market_supervisor(app: &App) -> common::Session {
    let scope = Scope::Department {
        department_id: app.department_id("市场监督管理局").await,
        region: region("330000"),
    };
    scoped_user(
        app,
        "market.supervisor",
        yici_core::org::Role::Supervisor,
        scope,
        "market",
    )
    .await
}

/// Sign in a user made for the matrix, holding one role in one scope.
async fn scoped_user(
    app: &App,
    username: &str,
    role: yici_core::org::Role,
    scope: Scope,
    department: &str,
) -> common::Session {
    let department_id = match department {
        "qz_data" => app.department_id("衢州市数据资源管理局").await,
        _ => app.department_id("市场监督管理局").await,
    };
    let password = "Matrix-Scope-2026";
    let hash = yici_crypto::password::hash(password);
    let ev = yici_core::audit::AuditEvent::new(
        0,
        yici_core::audit::Actor::named("test"),
        yici_core::audit::Action::UserCreate,
        "user",
        "-",
    );
    let user = app
        .store
        .create_user(
            &yici_store::users::NewUser {
                username,
                display_name: username,
                password_hash: &hash,
                department_id: Some(department_id),
            },
            &ev,
        )
        .await
        .unwrap();
    app.store.grant_role(user.id, role, &scope, &ev).await.unwrap();
    app.login_as(username, password).await.expect("scoped user signs in")
}

fn check(failures: &mut Vec<String>, who: &str, r: &Row, status: StatusCode, allowed: bool) {
    let refused = status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED;
    if allowed == refused || status.is_server_error() {
        failures.push(format!(
            "{who} {} {} -> {status} (allowed: {allowed})",
            r.method, r.path
        ));
    }
}
on_both!(every_role_every_endpoint);

/// Lists are cut to the reader's scope: a city operator sees the city's users, a department's
/// supervisor sees that department's users and audit entries, and neither exports the log.
async fn scoped_readers_see_only_their_scope(app: App) {
    let market = app.department_id("市场监督管理局").await;
    let qz = app.department_id("衢州市数据资源管理局").await;
    let city = city_operator(&app).await;
    let sup = market_supervisor(&app).await;
    // Something of every department in the log: the market steward and the operator act.
    let steward = app.login("data_steward").await;
    let _ = app
        .get("/api/v1/sharing/requests?view=outgoing", Auth::Session(&steward))
        .await;
    let op = app.login("operator").await;
    let _ = app
        .call(Method::POST, "/api/v1/audit/checkpoints", Auth::Session(&op), None)
        .await;

    let users = app.get("/api/v1/users?limit=200", Auth::Session(&city)).await.json();
    let departments: Vec<i64> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["department_id"].as_i64().unwrap_or_default())
        .collect();
    assert!(!departments.is_empty());
    assert!(departments.iter().all(|d| *d == qz), "{departments:?}");
    let all = app.get("/api/v1/users?limit=200", Auth::Session(&op)).await.json();
    assert!(all["items"].as_array().unwrap().len() > departments.len());

    let users = app.get("/api/v1/users?limit=200", Auth::Session(&sup)).await.json();
    let names: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert!(
        names.contains(&"data_steward") && names.contains(&"market.supervisor"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"operator") && !names.contains(&"approver"),
        "{names:?}"
    );

    let entries = app
        .get("/api/v1/audit/entries?limit=200", Auth::Session(&sup))
        .await
        .json();
    let items = entries["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|e| e["content"]["actor"]["department_id"].as_i64() == Some(market)),
        "{entries}"
    );
    // Asking for another department's entries finds nothing.
    let other = app
        .get(&format!("/api/v1/audit/entries?department={qz}"), Auth::Session(&sup))
        .await
        .json();
    assert_eq!(other["items"].as_array().unwrap().len(), 0);
    for session in [&city, &sup] {
        assert_eq!(
            app.get("/api/v1/audit/export?from=0&to=0", Auth::Session(session))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    // Grants: the market supervisor sees the one its department holds; the city's operator
    // none (no department of the city gives or holds one); the province's operator all.
    yici_server::demo::seed_catalogue(&app.store).await.unwrap();
    yici_server::demo::seed_exchange(&app.store, &app.dir).await.unwrap();
    let count = |v: serde_json::Value| v.as_array().map(|a| a.len()).unwrap_or(usize::MAX);
    let all = count(app.get("/api/v1/sharing/grants", Auth::Session(&op)).await.json());
    assert!(all >= 1);
    let seen = count(app.get("/api/v1/sharing/grants", Auth::Session(&sup)).await.json());
    assert!((1..=all).contains(&seen), "{seen} of {all}");
    assert_eq!(
        count(app.get("/api/v1/sharing/grants", Auth::Session(&city)).await.json()),
        0
    );
    // The grants page lists what the API lists (it once listed every grant to everyone).
    let page = app.page("/sharing/grants", Some(&op)).await;
    assert!(page.text.contains("市场主体登记系统"), "{}", page.text);
    let page = app.page("/sharing/grants", Some(&city)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("市场主体登记系统"),
        "the city sees no grant of the province"
    );
    assert_eq!(
        count(
            app.get("/api/v1/sharing/requests?view=escalated", Auth::Session(&city))
                .await
                .json()
        ),
        0
    );
    // The city operator cannot touch a province user, their roles or a province grant.
    let approver = app.store.user_credentials("approver").await.unwrap().unwrap().0.id;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{approver}/disabled"),
            Auth::Session(&city),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let operator = app.store.user_credentials("operator").await.unwrap().unwrap().0.id;
    let role = app.store.user_roles(operator).await.unwrap()[0].id;
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{operator}/roles/{role}"),
            Auth::Session(&city),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.user_roles(operator).await.unwrap().len(), 1);
    assert!(!app.store.user(approver).await.unwrap().unwrap().disabled);
}
on_both!(scoped_readers_see_only_their_scope);
