//! Sharing requests, grants, quotas and notifications on SQLite and PostgreSQL.

use chrono::NaiveDate;
use yici_core::audit::{Action, Actor, AuditEvent};
use yici_core::catalogue::{DataItem, ResourceDraft, Transition};
use yici_core::id::{RegionCode, Uscc};
use yici_core::masking::MaskingProfile;
use yici_core::org::DepartmentKind;
use yici_core::sharing::{Grant, RequestDraft, RequestStatus};
use yici_store::departments::NewDepartment;
use yici_store::sharing::RequestFilter;
use yici_store::{Page, Store, StoreError, both_backends, now_micros};

fn ev(action: Action) -> AuditEvent {
    AuditEvent::new(now_micros(), Actor::named("test"), action, "sharing_request", "t")
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Provider, consumer with a system, and a published resource; returns (provider, consumer, system, resource).
async fn setup(store: &Store) -> (i64, i64, i64, i64) {
    store
        .upsert_region(&RegionCode::parse("330000").unwrap(), "浙江省", &ev(Action::RegionSave))
        .await
        .unwrap();
    let dept = |name: &str, org: &str| NewDepartment {
        name: name.into(),
        uscc: Uscc::generate("11", "330000", org).unwrap(),
        region: RegionCode::parse("330000").unwrap(),
        parent_id: None,
        kind: DepartmentKind::Government,
    };
    let provider = store
        .create_department(&dept("浙江省公安厅", "MB000103"), &ev(Action::DepartmentCreate))
        .await
        .unwrap()
        .id;
    let consumer = store
        .create_department(&dept("浙江省民政厅", "MB000108"), &ev(Action::DepartmentCreate))
        .await
        .unwrap()
        .id;
    let system = store
        .create_system(consumer, "婚姻登记系统", "", &ev(Action::SystemCreate))
        .await
        .unwrap()
        .id;
    let draft = ResourceDraft {
        classification: "101001".into(),
        name: "人口基础信息".into(),
        summary: "户籍人口基础信息".into(),
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
        items: ["姓名", "公民身份号码", "住址"]
            .iter()
            .map(|n| DataItem {
                name: n.to_string(),
                element: None,
                data_type: 1,
                length: None,
                share_type: None,
            })
            .collect(),
    };
    let r = store
        .catalogue_create(&draft, None, &ev(Action::CatalogueCreate))
        .await
        .unwrap();
    store
        .catalogue_transition(r.id, Transition::Submit, None, "", &ev(Action::CatalogueSubmit))
        .await
        .unwrap();
    store
        .catalogue_transition(r.id, Transition::Approve, None, "", &ev(Action::CatalogueApprove))
        .await
        .unwrap();
    (provider, consumer, system, r.id)
}

fn request(consumer: i64, system: i64, resource: i64) -> RequestDraft {
    RequestDraft {
        resource_id: resource,
        consumer_department_id: consumer,
        system_id: system,
        items: vec!["姓名".into(), "公民身份号码".into()],
        purpose: "婚姻登记时核验当事人身份".into(),
        legal_basis: "《婚姻登记条例》".into(),
        service_items: vec![],
        valid_from: d("2026-11-27"),
        valid_until: d("2027-11-26"),
    }
}

fn grant_of(r: &RequestDraft, items: Vec<String>) -> Grant {
    Grant {
        id: 0,
        system_id: r.system_id,
        resource_id: r.resource_id,
        items,
        purpose: r.purpose.clone(),
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        daily_quota: 3,
        masking: MaskingProfile::Strict,
        revoked: false,
    }
}

async fn requests_decisions_grants_and_quotas(store: Store) {
    let (provider, consumer, system, resource) = setup(&store).await;
    let r = request(consumer, system, resource);
    let pending = store
        .sharing_request_create(
            &r,
            provider,
            RequestStatus::Pending,
            d("2026-12-11"),
            None,
            &ev(Action::SharingRequest),
        )
        .await
        .unwrap();
    assert_eq!(pending.status, RequestStatus::Pending);
    assert_eq!(
        store.notifications(provider, Page::all()).await.unwrap()[0].kind,
        "request"
    );
    let mine = RequestFilter {
        provider_department_id: Some(provider),
        status: Some(RequestStatus::Pending),
        ..Default::default()
    };
    assert_eq!(store.sharing_requests(&mine, Page::all()).await.unwrap().len(), 1);

    // The provider grants one of the two items.
    let g = grant_of(&r, vec!["姓名".into()]);
    let decided = store
        .sharing_request_decide(
            pending.id,
            RequestStatus::Pending,
            RequestStatus::PartiallyGranted,
            "",
            Some(&g),
            &ev(Action::SharingDecide),
        )
        .await
        .unwrap();
    assert_eq!(decided.status, RequestStatus::PartiallyGranted);
    let again = store
        .sharing_request_decide(
            pending.id,
            RequestStatus::Pending,
            RequestStatus::Granted,
            "",
            None,
            &ev(Action::SharingDecide),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "a decided request cannot be decided again"
    );
    let grants = store.grants_for(system, resource).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].items, vec!["姓名".to_string()]);
    assert_eq!(
        store.notifications(consumer, Page::all()).await.unwrap()[0].message,
        "共享申请已获部分授权"
    );

    // Uses are counted per grant and day, and the totals come back (the server's quota check
    // counts in memory and adds here every second).
    let gid = grants[0].id;
    assert_eq!(store.grant_usage_add(gid, d("2026-12-01"), 2).await.unwrap(), 2);
    assert_eq!(store.grant_usage_add(gid, d("2026-12-01"), 1).await.unwrap(), 3);
    assert_eq!(store.grant_usage(gid, d("2026-12-01")).await.unwrap(), 3);
    assert_eq!(store.grant_usage(gid, d("2026-12-02")).await.unwrap(), 0);

    let revoked = store.grant_revoke(gid, &ev(Action::GrantRevoke)).await.unwrap();
    assert!(revoked.revoked);
    assert!(matches!(
        store.grant_revoke(9_999_999, &ev(Action::GrantRevoke)).await,
        Err(StoreError::NotFound(_))
    ));

    // A refusal escalates; reminders go out once; due requests are found by their deadline.
    let second = store
        .sharing_request_create(
            &r,
            provider,
            RequestStatus::Pending,
            d("2026-12-11"),
            None,
            &ev(Action::SharingRequest),
        )
        .await
        .unwrap();
    assert_eq!(store.sharing_requests_due(d("2026-12-10")).await.unwrap().len(), 0);
    assert_eq!(store.sharing_requests_due(d("2026-12-11")).await.unwrap().len(), 1);
    assert!(store.sharing_request_remind(second.id, "还剩1个工作日").await.unwrap());
    assert!(!store.sharing_request_remind(second.id, "还剩1个工作日").await.unwrap());
    store
        .sharing_request_decide(
            second.id,
            RequestStatus::Pending,
            RequestStatus::Escalated,
            "涉及敏感个人信息",
            None,
            &ev(Action::SharingDecide),
        )
        .await
        .unwrap();
    assert_eq!(
        store.sharing_request(second.id).await.unwrap().unwrap().decision_note,
        "涉及敏感个人信息"
    );

    // An unconditional request comes with its grant.
    let granted = store
        .sharing_request_create(
            &r,
            provider,
            RequestStatus::Granted,
            d("2026-11-27"),
            Some(&grant_of(&r, r.items.clone())),
            &ev(Action::SharingRequest),
        )
        .await
        .unwrap();
    assert_eq!(granted.status, RequestStatus::Granted);
    assert_eq!(store.grants_for(system, resource).await.unwrap().len(), 2);
    assert_eq!(store.grants(Some(resource), Page::all()).await.unwrap().len(), 2);
}
both_backends!(requests, requests_decisions_grants_and_quotas);
