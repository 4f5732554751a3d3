//! The catalogue on SQLite and PostgreSQL: codes, the review lifecycle with retrievable
//! versions, Chinese full-text search with filters, statistics, standards and mappings.

use yici_core::audit::{Action, Actor, AuditEvent};
use yici_core::catalogue::elements::FieldMapping;
use yici_core::catalogue::{DataItem, ResourceDraft, Status, Transition};
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::DepartmentKind;
use yici_store::audit::AuditFilter;
use yici_store::catalogue::CatalogueFilter;
use yici_store::departments::NewDepartment;
use yici_store::{Page, Store, StoreError, both_backends, now_micros};

fn ev(action: Action) -> AuditEvent {
    AuditEvent::new(now_micros(), Actor::named("test"), action, "catalogue_resource", "t")
}

async fn department(store: &Store, name: &str, org: &str, region: &str) -> i64 {
    for (c, n) in [("330000", "浙江省"), ("330100", "杭州市"), ("330800", "衢州市")] {
        store
            .upsert_region(&RegionCode::parse(c).unwrap(), n, &ev(Action::RegionSave))
            .await
            .unwrap();
    }
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
        .id
}

fn draft(dept: i64, name: &str, share: i64, open: i64) -> ResourceDraft {
    ResourceDraft {
        classification: "101001".into(),
        name: name.into(),
        summary: format!("{name}，供各部门办理业务时核验使用"),
        provider_department_id: dept,
        format_class: 3,
        format_type: "API".into(),
        share_type: share,
        share_condition: if share == 2 {
            "仅用于法定职责".into()
        } else {
            String::new()
        },
        legal_basis: if share == 3 {
            "《个人信息保护法》".into()
        } else {
            String::new()
        },
        share_mode: 1,
        open_type: open,
        open_condition: if open == 2 {
            "申请后开放".into()
        } else {
            String::new()
        },
        update_cycle: 3,
        sensitivity: 2,
        secret: false,
        related: vec![],
        items: vec![
            DataItem {
                name: "姓名".into(),
                element: Some("DE0001".into()),
                data_type: 1,
                length: Some(50),
                share_type: None,
            },
            DataItem {
                name: "公民身份号码".into(),
                element: Some("DE0002".into()),
                data_type: 1,
                length: Some(18),
                share_type: None,
            },
        ],
    }
}

async fn publish(store: &Store, d: &ResourceDraft) -> i64 {
    let r = store
        .catalogue_create(d, None, &ev(Action::CatalogueCreate))
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
    r.id
}

async fn lifecycle_keeps_every_published_version(store: Store) {
    let dept = department(&store, "浙江省公安厅", "MB000103", "330000").await;
    let d = draft(dept, "人口基础信息", 1, 3);
    let r = store
        .catalogue_create(&d, None, &ev(Action::CatalogueCreate))
        .await
        .unwrap();
    assert_eq!((r.code.as_str(), r.status), ("101001/000001", Status::Draft));
    let second = store
        .catalogue_create(&draft(dept, "户籍信息", 1, 3), None, &ev(Action::CatalogueCreate))
        .await
        .unwrap();
    assert_eq!(second.code, "101001/000002");

    let refused = store
        .catalogue_transition(r.id, Transition::Approve, None, "", &ev(Action::CatalogueApprove))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "a draft cannot be approved"
    );
    store
        .catalogue_transition(r.id, Transition::Submit, None, "", &ev(Action::CatalogueSubmit))
        .await
        .unwrap();
    assert!(
        store
            .catalogue_transition(r.id, Transition::Reject, None, " ", &ev(Action::CatalogueReject))
            .await
            .is_err(),
        "a rejection needs a reason"
    );
    let rejected = store
        .catalogue_transition(
            r.id,
            Transition::Reject,
            None,
            "摘要过于简单",
            &ev(Action::CatalogueReject),
        )
        .await
        .unwrap();
    assert_eq!(
        (rejected.status, rejected.review_note.as_str()),
        (Status::Rejected, "摘要过于简单")
    );
    let mut better = d.clone();
    better.summary = "全省户籍人口的姓名、身份号码等基础信息".into();
    store
        .catalogue_transition(r.id, Transition::Edit, Some(&better), "", &ev(Action::CatalogueEdit))
        .await
        .unwrap();
    store
        .catalogue_transition(r.id, Transition::Submit, None, "", &ev(Action::CatalogueSubmit))
        .await
        .unwrap();
    let published = store
        .catalogue_transition(r.id, Transition::Approve, None, "", &ev(Action::CatalogueApprove))
        .await
        .unwrap();
    assert_eq!(
        (published.status, published.published_version),
        (Status::Published, Some(1))
    );

    // Editing a published resource keeps version 1 in force until version 2 is approved.
    let mut v2 = better.clone();
    v2.name = "人口基础信息（第二版）".into();
    store
        .catalogue_transition(r.id, Transition::Edit, Some(&v2), "", &ev(Action::CatalogueEdit))
        .await
        .unwrap();
    let (_, current) = store.catalogue_published(r.id).await.unwrap().unwrap();
    assert_eq!(current.draft.name, "人口基础信息");
    store
        .catalogue_transition(r.id, Transition::Submit, None, "", &ev(Action::CatalogueSubmit))
        .await
        .unwrap();
    store
        .catalogue_transition(r.id, Transition::Approve, None, "", &ev(Action::CatalogueApprove))
        .await
        .unwrap();
    let versions = store.catalogue_versions(r.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.draft.name.as_str()).collect::<Vec<_>>(),
        ["人口基础信息", "人口基础信息（第二版）"]
    );

    // The classification and provider of a resource cannot change.
    let mut moved = v2.clone();
    moved.classification = "101002".into();
    assert!(
        store
            .catalogue_transition(r.id, Transition::Edit, Some(&moved), "", &ev(Action::CatalogueEdit))
            .await
            .is_err()
    );

    // Withdrawal takes it out of the catalogue.
    store
        .catalogue_transition(
            r.id,
            Transition::RequestWithdraw,
            None,
            "",
            &ev(Action::CatalogueWithdraw),
        )
        .await
        .unwrap();
    let back = store
        .catalogue_transition(
            r.id,
            Transition::Reject,
            None,
            "仍有部门在用",
            &ev(Action::CatalogueReject),
        )
        .await
        .unwrap();
    assert_eq!(back.status, Status::Published);
    store
        .catalogue_transition(
            r.id,
            Transition::RequestWithdraw,
            None,
            "",
            &ev(Action::CatalogueWithdraw),
        )
        .await
        .unwrap();
    store
        .catalogue_transition(r.id, Transition::Approve, None, "", &ev(Action::CatalogueApprove))
        .await
        .unwrap();
    assert!(store.catalogue_published(r.id).await.unwrap().is_none());
    assert_eq!(
        store
            .catalogue_search(&CatalogueFilter::default(), Page::new(None, None))
            .await
            .unwrap()
            .1,
        0
    );
    assert_eq!(
        store.catalogue_versions(r.id).await.unwrap().len(),
        2,
        "versions stay retrievable"
    );

    // Every change is an audit entry naming the resource.
    let entries = store
        .audit_search(&AuditFilter::default(), Page::new(Some(200), None))
        .await
        .unwrap();
    let about: Vec<_> = entries
        .iter()
        .filter(|e| e.content.object_ids == [r.code.clone()])
        .collect();
    // create, 3 submits, 2 edits, 2 rejections, 2 withdrawal requests, 3 approvals; the refused steps wrote nothing
    assert_eq!(about.len(), 13);
    assert!(
        about
            .iter()
            .any(|e| e.content.detail.as_deref() == Some("摘要过于简单"))
    );
}
both_backends!(lifecycle, lifecycle_keeps_every_published_version);

async fn chinese_search_with_filters(store: Store) {
    let police = department(&store, "浙江省公安厅", "MB000103", "330000").await;
    let land = department(&store, "衢州市自然资源和规划局", "MB000104", "330800").await;
    publish(&store, &draft(police, "人口基础信息", 1, 3)).await;
    publish(&store, &draft(police, "户籍迁移登记信息", 2, 3)).await;
    let mut estate = draft(land, "不动产登记信息", 2, 2);
    estate.items.push(DataItem {
        name: "不动产单元号".into(),
        element: Some("DE0017".into()),
        data_type: 1,
        length: Some(28),
        share_type: None,
    });
    publish(&store, &estate).await;
    let unpublished = store
        .catalogue_create(&draft(police, "婚姻登记信息", 1, 1), None, &ev(Action::CatalogueCreate))
        .await
        .unwrap();
    let all = Page::new(None, None);
    let q = |text: &str| CatalogueFilter {
        query: Some(text.into()),
        ..Default::default()
    };

    let (hits, total) = store.catalogue_search(&q("登记信息"), all).await.unwrap();
    assert_eq!(total, 2, "{hits:?}");
    assert!(hits.iter().all(|h| h.name.contains("登记")));
    assert_eq!(
        store.catalogue_search(&q("不动产单元号"), all).await.unwrap().0[0].name,
        "不动产登记信息",
        "data items are searched"
    );
    assert_eq!(
        store.catalogue_search(&q("自然资源"), all).await.unwrap().1,
        1,
        "the provider is searched"
    );
    assert_eq!(
        store.catalogue_search(&q("婚姻"), all).await.unwrap().1,
        0,
        "drafts are not in the catalogue"
    );
    assert_eq!(
        store
            .catalogue_search(&q("\"; DROP TABLE catalogue_fts; --"), all)
            .await
            .unwrap()
            .1,
        0
    );

    let f = CatalogueFilter {
        department_id: Some(police),
        share_type: Some(2),
        ..Default::default()
    };
    assert_eq!(
        store.catalogue_search(&f, all).await.unwrap().0[0].name,
        "户籍迁移登记信息"
    );
    let f = CatalogueFilter {
        region_prefix: Some("3308".into()),
        ..Default::default()
    };
    assert_eq!(store.catalogue_search(&f, all).await.unwrap().1, 1);
    let f = CatalogueFilter {
        public_only: true,
        ..Default::default()
    };
    assert_eq!(store.catalogue_search(&f, all).await.unwrap().1, 1);
    let f = CatalogueFilter {
        class: Some(1),
        format_class: Some(3),
        update_cycle: Some(3),
        open_type: Some(3),
        ..Default::default()
    };
    assert_eq!(store.catalogue_search(&f, all).await.unwrap().1, 2);
    let (page2, total) = store
        .catalogue_search(&CatalogueFilter::default(), Page::new(Some(2), Some(2)))
        .await
        .unwrap();
    assert_eq!((page2.len(), total), (1, 3));

    let stats = store.catalogue_stats().await.unwrap();
    let count = |share: i64| {
        stats
            .iter()
            .filter(|s| s.share_type == share)
            .map(|s| s.count)
            .sum::<i64>()
    };
    assert_eq!((count(1), count(2), count(3)), (1, 2, 0));
    assert!(
        stats
            .iter()
            .any(|s| s.department_id == land && s.region_code == "330800")
    );
    let _ = unpublished;
}
both_backends!(search, chinese_search_with_filters);

async fn standards_and_mappings(store: Store) {
    store.catalogue_seed_standards().await.unwrap();
    store.catalogue_seed_standards().await.unwrap();
    let elements = store.data_elements().await.unwrap();
    assert!(
        elements
            .iter()
            .any(|e| e.name == "性别代码" && e.code_set.as_deref() == Some("GB/T 2261.1"))
    );
    let sets = store.code_sets().await.unwrap();
    assert!(sets.iter().any(|s| s.code == "ID-TYPE" && s.contains("111")));
    let dept = department(&store, "浙江省公安厅", "MB000103", "330000").await;
    let m = FieldMapping {
        local_field: "XB".into(),
        element: "DE0003".into(),
        values: [("M".to_string(), "1".to_string()), ("F".to_string(), "2".to_string())]
            .into_iter()
            .collect(),
    };
    store
        .put_field_mapping(dept, &m, &ev(Action::MappingSave))
        .await
        .unwrap();
    assert_eq!(store.field_mappings(dept).await.unwrap(), vec![m.clone()]);
    let mut unknown = m;
    unknown.element = "DE9999".into();
    assert!(matches!(
        store.put_field_mapping(dept, &unknown, &ev(Action::MappingSave)).await,
        Err(StoreError::Conflict(_))
    ));
}
both_backends!(standards, standards_and_mappings);

/// The row reader answers every caller with the rows of its own keys; a stored row that cannot
/// be read fails only the lookups that asked for it, even when read in one group with others.
async fn a_bad_stored_row_fails_only_its_own_lookups(store: Store) {
    let dept = department(&store, "浙江省公安厅", "MB000103", "330000").await;
    let id = publish(&store, &draft(dept, "人口基础信息", 1, 3)).await;
    let rows: Vec<(String, std::collections::BTreeMap<String, String>)> = (0..50)
        .map(|i| {
            let key = format!("key-{i:02}");
            let values = [("姓名".to_string(), format!("名{i}"))].into_iter().collect();
            (key, values)
        })
        .collect();
    store.dataset_load(id, &rows, &ev(Action::DatasetLoad)).await.unwrap();
    sqlx::query("UPDATE dataset_rows SET content = 'not json' WHERE row_key = 'key-07'")
        .execute(store.pool())
        .await
        .unwrap();
    let reader = yici_store::reader::RowReader::start(store.clone(), 1);
    let mut lookups = Vec::new();
    for i in 0..50 {
        let (reader, keys) = (reader.clone(), vec![format!("key-{i:02}"), "missing".to_string()]);
        lookups.push(tokio::spawn(async move { reader.lookup(id, keys).await }));
    }
    for (i, l) in lookups.into_iter().enumerate() {
        let answer = l.await.unwrap();
        if i == 7 {
            assert!(matches!(answer, Err(StoreError::Unavailable(_))), "{answer:?}");
        } else {
            let rows = answer.unwrap();
            assert_eq!(rows.len(), 1, "the missing key is simply absent");
            assert_eq!(rows[0].key, format!("key-{i:02}"));
            assert_eq!(rows[0].values["姓名"], format!("名{i}"));
        }
    }
}
both_backends!(bad_stored_row, a_bad_stored_row_fails_only_its_own_lookups);
