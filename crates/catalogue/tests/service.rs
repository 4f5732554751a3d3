//! The catalogue's operations called directly, as the pages, the API and the command line call
//! them: stewards catalogue their own department's resources, a province's operator reviews,
//! a city's operator cannot, a rejection needs its reason, and only what is published is found.

use yici_catalogue::CatalogueState;
use yici_catalogue::service::{self, SearchQuery};
use yici_core::audit::{Action, Actor, AuditEvent, PlatformActor};
use yici_core::authz::Principal;
use yici_core::catalogue::{DataItem, ResourceDraft, Status, Transition};
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::{DepartmentKind, Role, RoleGrant, Scope};
use yici_service::{Caller, Kind};
use yici_store::departments::{Department, NewDepartment};
use yici_store::{Store, both_backends};

fn ev(action: Action) -> AuditEvent {
    AuditEvent::new(0, Actor::platform(PlatformActor::Demo), action, "test", "test")
}

async fn department(store: &Store, name: &str, region: &str, org: &str) -> Department {
    let d = NewDepartment {
        name: name.into(),
        uscc: Uscc::generate("11", region, org).unwrap(),
        region: RegionCode::parse(region).unwrap(),
        parent_id: None,
        kind: DepartmentKind::Government,
    };
    store
        .create_department(&d, &ev(Action::DepartmentCreate))
        .await
        .unwrap()
}

fn user(id: i64, role: Role, scope: Scope) -> Caller {
    Caller::of(Principal::User {
        id,
        username: format!("u{id}"),
        grants: vec![RoleGrant { role, scope }],
    })
}

fn draft(provider: i64, name: &str) -> ResourceDraft {
    ResourceDraft {
        classification: "101001".into(),
        name: name.into(),
        summary: "户籍人口基础信息，供依法履职核验身份".into(),
        provider_department_id: provider,
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
        items: ["公民身份号码", "姓名"]
            .iter()
            .map(|n| DataItem {
                name: n.to_string(),
                element: None,
                data_type: 1,
                length: None,
                share_type: None,
            })
            .collect(),
    }
}

async fn stewards_catalogue_and_operators_review(store: Store) {
    let state = CatalogueState {
        store: store.clone(),
        public_url: "https://yici.example.gov.cn".into(),
    };
    for (code, name) in [("330000", "浙江省"), ("330100", "杭州市")] {
        store
            .upsert_region(&RegionCode::parse(code).unwrap(), name, &ev(Action::RegionSave))
            .await
            .unwrap();
    }
    let police = department(&store, "浙江省公安厅", "330000", "MB000103").await;
    let civil = department(&store, "浙江省民政厅", "330000", "MB000108").await;
    let steward = user(
        1,
        Role::DataSteward,
        Scope::Department {
            department_id: police.id,
            region: police.region(),
        },
    );
    let province = user(
        2,
        Role::Operator,
        Scope::Region {
            region: RegionCode::parse("330000").unwrap(),
        },
    );
    let city = user(
        3,
        Role::Operator,
        Scope::Region {
            region: RegionCode::parse("330100").unwrap(),
        },
    );

    // A steward catalogues for the own department only; a bad draft names its fields.
    let e = service::create(&state, &steward, &draft(civil.id, "婚姻登记信息"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let mut bad = draft(police.id, "");
    bad.items.clear();
    let e = service::create(&state, &steward, &bad).await.unwrap_err();
    assert_eq!(e.kind, Kind::Invalid);
    assert!(e.errors.iter().any(|f| f.field == "name"), "{:?}", e.errors);
    let r = service::create(&state, &steward, &draft(police.id, "人口基础信息"))
        .await
        .unwrap();
    assert_eq!(r.status, Status::Draft);

    // Nothing is found before it is published.
    let words = || SearchQuery {
        q: Some("人口".into()),
        ..Default::default()
    };
    assert_eq!(
        service::search_government(&state, &province, &words())
            .await
            .unwrap()
            .total,
        0
    );

    // Out of order: approval before submission is a conflict; the steward may not approve.
    let e = service::review(&state, &province, r.id, "approve", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::Conflict);
    service::step(&state, &steward, r.id, Transition::Submit, None, "")
        .await
        .unwrap();
    let e = service::review(&state, &steward, r.id, "approve", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    // A city's operator does not review the province's departments; a rejection needs a reason.
    let e = service::review(&state, &city, r.id, "approve", "").await.unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let e = service::review(&state, &province, r.id, "reject", " ")
        .await
        .unwrap_err();
    assert_eq!(e.errors[0].field, "reason");
    let e = service::review(&state, &province, r.id, "delete", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::NotFound);
    let published = service::review(&state, &province, r.id, "approve", "").await.unwrap();
    assert_eq!(published.status, Status::Published);

    // Published, it is found by its words; not being open (开放类型 3), the public does not see it.
    let found = service::search_government(&state, &province, &words()).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(
        service::published(&state, r.id, false).await.unwrap().code,
        published.code
    );
    assert_eq!(
        service::published(&state, r.id, true).await.unwrap_err().kind,
        Kind::NotFound
    );
    let (ttl, media) = service::export(&state, &province, Some("dcat-ttl")).await.unwrap();
    assert!(media.contains("turtle"), "{media}");
    assert!(ttl.contains("人口基础信息"));
}
both_backends!(catalogue_and_review, stewards_catalogue_and_operators_review);
