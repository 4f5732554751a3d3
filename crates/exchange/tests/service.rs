//! The exchange's operations called directly, as the one window will call them: a consumer's
//! steward asks, the provider's steward grants, the provider loads its rows, and the consumer's
//! system looks up under the grant: the granted items only, masked, with a purpose, within the
//! day's quota.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use yici_core::audit::{Action, Actor, AuditEvent, PlatformActor};
use yici_core::authz::Principal;
use yici_core::catalogue::{DataItem, ResourceDraft, Transition};
use yici_core::clock::Clock;
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::{DepartmentKind, Role, RoleGrant, Scope};
use yici_core::sharing::{Decision, RequestDraft, RequestStatus};
use yici_exchange::lookup::{self, CallPurpose, Lookup};
use yici_exchange::sharing::{self, DecisionInput};
use yici_exchange::{ExchangeConfig, ExchangeState};
use yici_service::{Caller, Kind};
use yici_store::audit::AuditWriter;
use yici_store::departments::{Department, NewDepartment};
use yici_store::{Page, Store, both_backends};

fn ev(action: Action) -> AuditEvent {
    AuditEvent::new(0, Actor::platform(PlatformActor::Demo), action, "test", "test")
}

fn state(store: &Store) -> ExchangeState {
    let audit = AuditWriter::start(store.clone(), 1);
    ExchangeState {
        store: store.clone(),
        audit,
        rows: yici_store::reader::RowReader::start(store.clone(), 1),
        upstreams: Arc::new(yici_exchange::upstream::Upstreams::new(Duration::from_secs(1), 0)),
        quotas: Default::default(),
        access: Default::default(),
        nats: Default::default(),
        config: ExchangeConfig {
            clock: Clock::system(),
            upstream_timeout: Duration::from_secs(1),
            webhook_allow: vec![],
        },
    }
}

async fn department(store: &Store, name: &str, org: &str) -> Department {
    let d = NewDepartment {
        name: name.into(),
        uscc: Uscc::generate("11", "330000", org).unwrap(),
        region: RegionCode::parse("330000").unwrap(),
        parent_id: None,
        kind: DepartmentKind::Government,
    };
    store
        .create_department(&d, &ev(Action::DepartmentCreate))
        .await
        .unwrap()
}

fn steward_of(id: i64, d: &Department) -> Caller {
    let mut c = Caller::of(Principal::User {
        id,
        username: format!("steward{id}"),
        grants: vec![RoleGrant {
            role: Role::DataSteward,
            scope: Scope::Department {
                department_id: d.id,
                region: d.region(),
            },
        }],
    });
    c.user = Some(yici_store::users::User {
        id,
        username: format!("steward{id}"),
        display_name: format!("管理员{id}"),
        department_id: Some(d.id),
        disabled: false,
    });
    c
}

fn item(name: &str, element: Option<&str>) -> DataItem {
    DataItem {
        name: name.into(),
        element: element.map(str::to_string),
        data_type: 1,
        length: None,
        share_type: None,
    }
}

async fn ask_grant_load_and_look_up(store: Store) {
    let state = state(&store);
    store
        .upsert_region(&RegionCode::parse("330000").unwrap(), "浙江省", &ev(Action::RegionSave))
        .await
        .unwrap();
    let police = department(&store, "浙江省公安厅", "MB000103").await;
    let civil = department(&store, "浙江省民政厅", "MB000108").await;
    let other = department(&store, "浙江省教育厅", "MB000109").await;
    let system = store
        .create_system(civil.id, "婚姻登记系统", "", &ev(Action::SystemCreate))
        .await
        .unwrap();
    let draft = ResourceDraft {
        classification: "101001".into(),
        name: "人口基础信息".into(),
        summary: "户籍人口基础信息".into(),
        provider_department_id: police.id,
        format_class: 3,
        format_type: "API".into(),
        share_type: 2,
        share_condition: "依法履职".into(),
        legal_basis: String::new(),
        share_mode: 1,
        open_type: 3,
        open_condition: String::new(),
        update_cycle: 2,
        sensitivity: 3,
        secret: false,
        related: vec![],
        items: vec![
            item("公民身份号码", Some("DE0002")),
            item("姓名", None),
            item("住址", None),
        ],
    };
    let r = store
        .catalogue_create(&draft, None, &ev(Action::CatalogueCreate))
        .await
        .unwrap();
    for (t, a) in [
        (Transition::Submit, Action::CatalogueSubmit),
        (Transition::Approve, Action::CatalogueApprove),
    ] {
        store.catalogue_transition(r.id, t, None, "", &ev(a)).await.unwrap();
    }
    let code = store.catalogue_published(r.id).await.unwrap().unwrap().0.code;

    let provider = steward_of(1, &police);
    let consumer = steward_of(2, &civil);
    let stranger = steward_of(3, &other);
    let caller_system = Caller::of(Principal::System {
        id: system.id,
        department_id: civil.id,
    });
    let today = state.config.clock.today();
    let ask = RequestDraft {
        resource_id: r.id,
        consumer_department_id: civil.id,
        system_id: system.id,
        items: vec!["公民身份号码".into(), "姓名".into()],
        purpose: "婚姻登记时核验当事人身份".into(),
        legal_basis: "《婚姻登记条例》".into(),
        service_items: vec![],
        valid_from: today,
        valid_until: today + chrono::Duration::days(365),
    };

    // Only the consumer's stewards ask for the consumer's system.
    let e = sharing::create(&state, &stranger, ask.clone()).await.unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let asked = sharing::create(&state, &consumer, ask).await.unwrap();
    assert_eq!(asked.status, RequestStatus::Pending);

    // Before the grant the system is refused, and told why.
    let why = || CallPurpose {
        purpose: Some("婚姻登记核验身份".into()),
        case: Some("330000-2026-000001".into()),
        case_unreadable: false,
    };
    let look = |keys: &[&str]| Lookup {
        resource: code.clone(),
        key_name: None,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        why: why(),
    };
    let e = lookup::lookup(&state, &caller_system, look(&["11010519491231002X"]))
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::Forbidden, "grant_missing"));

    // Only the provider's stewards answer.
    let decision = || DecisionInput {
        decision: Decision::Approve {
            items: vec!["公民身份号码".into(), "姓名".into()],
        },
        daily_quota: Some(2),
        masking: Some("strict".into()),
    };
    let e = sharing::decide(&state, &consumer, asked.id, decision())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let granted = sharing::decide(&state, &provider, asked.id, decision()).await.unwrap();
    assert_eq!(granted.status, RequestStatus::Granted);
    let grants = sharing::grants(&state, &consumer, Some(r.id), Page::all())
        .await
        .unwrap();
    assert_eq!(grants.len(), 1);

    // The provider loads its rows; nobody else may.
    let row: BTreeMap<String, serde_json::Value> = [
        ("公民身份号码", "11010519491231002X"),
        ("姓名", "张三"),
        ("住址", "浙江省杭州市西湖区"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
    .collect();
    let e = lookup::load(&state, &consumer, r.id, std::slice::from_ref(&row), false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let loaded = lookup::load(&state, &provider, r.id, &[row], false).await.unwrap();
    assert_eq!(loaded.inserted, 1);

    // A lookup states its purpose; it returns the granted items only, under the grant's masking.
    let e = lookup::lookup(
        &state,
        &caller_system,
        Lookup {
            why: CallPurpose::default(),
            ..look(&["11010519491231002X"])
        },
    )
    .await
    .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::BadRequest, "purpose_required"));
    let found = lookup::lookup(
        &state,
        &caller_system,
        look(&["11010519491231002X", "110101199003070513"]),
    )
    .await
    .unwrap();
    assert_eq!(found.records.len(), 1);
    assert_eq!(found.missing, ["110101199003070513"]);
    let record = &found.records[0];
    assert!(!record.contains_key("住址"), "an item not granted never leaves");
    assert_ne!(
        record["公民身份号码"], "11010519491231002X",
        "strict masking hides the number"
    );
    assert_ne!(record["姓名"], "张三", "strict masking hides the name");

    // The two keys looked up used the day's quota of two: the next lookup waits for midnight.
    let e = lookup::lookup(&state, &caller_system, look(&["11010519491231002X"]))
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::TooMany, "quota_exceeded"));
    assert!(e.retry_after.is_some());
}
both_backends!(ask_grant_load_look_up, ask_grant_load_and_look_up);
