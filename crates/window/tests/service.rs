//! The service items' operations called directly, as the API, the pages and the command line
//! call them, on both backends: operators define basic items and review; stewards of the
//! implementing department edit and submit; what is published is found (in Chinese) and
//! guided; editing a published item makes a new version while the old stays readable; bundles
//! ask each question and each held document once; every rule is refused with its field.

use std::collections::BTreeMap;
use yici_core::audit::{Action, Actor, AuditEvent, PlatformActor};
use yici_core::authz::Principal;
use yici_core::certificate::{CertificateType, FieldKind, FieldSpec, HolderKind, Layout, Template, ValidityRule};
use yici_core::clock::Clock;
use yici_core::id::{RegionCode, Uscc};
use yici_core::items::*;
use yici_core::org::{DepartmentKind, Role, RoleGrant, Scope};
use yici_service::{Caller, Kind};
use yici_store::departments::{Department, NewDepartment};
use yici_store::items::{Bundle, ItemFilter};
use yici_store::{Page, Store, both_backends};
use yici_window::WindowState;
use yici_window::service::bundles;
use yici_window::service::items::{self, BasicInput, ImplementInput};

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

fn province() -> Scope {
    Scope::Region {
        region: RegionCode::parse("330000").unwrap(),
    }
}

fn steward_of(id: i64, d: &Department) -> Caller {
    user(
        id,
        Role::DataSteward,
        Scope::Department {
            department_id: d.id,
            region: d.region(),
        },
    )
}

async fn marriage_type(store: &Store, d: &Department) -> String {
    let code = format!("{}001", d.uscc);
    let t = CertificateType {
        code: code.clone(),
        name: "结婚证".into(),
        name_en: "Marriage certificate".into(),
        holder_kind: HolderKind::Person,
        fields: vec![FieldSpec {
            name: "spouse_name".into(),
            label: "配偶姓名".into(),
            label_en: String::new(),
            kind: FieldKind::Text,
            required: true,
            choices: vec![],
        }],
        validity: ValidityRule::Permanent,
        template: Template {
            layout: Layout::Sheet,
            shown: vec![],
        },
    };
    store
        .certificate_type_put(d.id, &t, &ev(Action::CertificateTypeSave))
        .await
        .unwrap();
    code
}

fn material(code: &str, name: &str, source: Source, when: &str) -> Material {
    Material {
        code: code.into(),
        name: name.into(),
        required: true,
        form: MaterialForm::Electronic,
        copies: 1,
        standard: String::new(),
        source,
        deferrable: false,
        applies_when: when.into(),
    }
}

fn version(name: &str, department_id: i64, marriage: &str) -> ItemVersion {
    ItemVersion {
        name: name.into(),
        level: Level::Province,
        applicant_types: vec![ApplicantType::Person],
        case_type: CaseType::Promised,
        legal_limit: TimeLimit::working(20),
        promised_limit: TimeLimit::working(5),
        visits: 1,
        visits_reason: String::new(),
        depth: Depth::Acceptance,
        conditions: vec![],
        legal_basis: "《婚姻登记条例》".into(),
        questions: vec![Question {
            code: "married".into(),
            text: "是否已婚".into(),
            choices: vec![
                Choice {
                    code: "yes".into(),
                    label: "是".into(),
                },
                Choice {
                    code: "no".into(),
                    label: "否".into(),
                },
            ],
        }],
        materials: vec![
            material(
                "marriage",
                "结婚证",
                Source::Certificate {
                    type_code: marriage.into(),
                },
                "married = yes",
            ),
            material("form", "申请表", Source::Applicant, ""),
        ],
        process: vec![Step {
            stage: 1,
            name: "审核".into(),
            department_id,
            days: 3,
            signing: Signing::Any,
            required: true,
            lead: true,
            issues: None,
        }],
        fees: vec![],
        delivery: vec![Delivery::Electronic],
        scope: yici_core::items::Scope::ProvinceWide,
        windows: vec![],
        form: vec![],
        consult_phone: "12345".into(),
        complaint_phone: "12345".into(),
        themes: vec!["婚育".into()],
    }
}

fn fields(e: &yici_service::Error) -> Vec<String> {
    e.errors.iter().map(|f| f.field.clone()).collect()
}

async fn items_are_defined_reviewed_published_and_guided(store: Store) {
    let state = WindowState::new(store.clone(), Clock::system());
    for (code, name) in [("330000", "浙江省"), ("330800", "衢州市")] {
        store
            .upsert_region(&RegionCode::parse(code).unwrap(), name, &ev(Action::RegionSave))
            .await
            .unwrap();
    }
    let civil = department(&store, "浙江省民政厅", "330000", "MB000108").await;
    let police = department(&store, "浙江省公安厅", "330000", "MB000103").await;
    let marriage = marriage_type(&store, &civil).await;
    let op = user(1, Role::Operator, province());
    let city_op = user(
        2,
        Role::Operator,
        Scope::Region {
            region: RegionCode::parse("330800").unwrap(),
        },
    );
    let steward = steward_of(3, &civil);
    let other_steward = steward_of(4, &police);

    // Basic items: operators over the province only; the code is checked.
    let basic = BasicInput {
        code: "000712345000".into(),
        name: "收养登记".into(),
    };
    assert_eq!(
        items::define_basic(&state, &city_op, basic.clone())
            .await
            .unwrap_err()
            .kind,
        Kind::Forbidden
    );
    let bad = items::define_basic(
        &state,
        &op,
        BasicInput {
            code: "009912345000".into(),
            name: "x".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&bad), ["code"]);
    items::define_basic(&state, &op, basic).await.unwrap();

    // The civil affairs department implements it; another department's steward cannot.
    let input = ImplementInput {
        basic_code: "000712345000".into(),
        department_id: civil.id,
        sequence: None,
        co_departments: vec![],
    };
    assert_eq!(
        items::implement(&state, &other_steward, input.clone())
            .await
            .unwrap_err()
            .kind,
        Kind::Forbidden
    );
    let imp = items::implement(&state, &steward, input.clone()).await.unwrap();
    assert_eq!(imp.code, format!("{}1000712345000", civil.uscc));
    assert_eq!(
        items::implement(&state, &steward, input).await.unwrap_err().kind,
        Kind::Conflict,
        "once"
    );

    // Every rule is a field error, and nothing is saved.
    let mut v = version("收养登记", civil.id, &marriage);
    v.promised_limit = TimeLimit::working(30);
    v.visits = 3;
    v.materials[0].source = Source::Certificate {
        type_code: "11330000MB0001089W999".into(),
    };
    v.process[0].department_id = police.id;
    v.materials[1].applies_when = "married = perhaps".into();
    let e = items::save_draft(&state, &steward, &imp.code, v).await.unwrap_err();
    assert_eq!(
        fields(&e),
        [
            "promised_limit",
            "visits_reason",
            "materials[0].source",
            "materials[1].applies_when",
            "process[0].department_id"
        ]
    );
    assert!(store.item_versions(&imp.code).await.unwrap().is_empty());
    assert_eq!(
        items::save_draft(
            &state,
            &other_steward,
            &imp.code,
            version("收养登记", civil.id, &marriage)
        )
        .await
        .unwrap_err()
        .kind,
        Kind::Forbidden
    );

    // Draft → review → published, by the right people; out of order is 409.
    let saved = items::save_draft(&state, &steward, &imp.code, version("收养登记", civil.id, &marriage))
        .await
        .unwrap();
    assert_eq!((saved.version, saved.status.as_str()), (1, "draft"));
    assert_eq!(
        items::step(&state, &op, &imp.code, 1, "approve", "")
            .await
            .unwrap_err()
            .kind,
        Kind::Conflict
    );
    items::step(&state, &steward, &imp.code, 1, "submit", "").await.unwrap();
    assert_eq!(
        items::step(&state, &steward, &imp.code, 1, "approve", "")
            .await
            .unwrap_err()
            .kind,
        Kind::Forbidden
    );
    assert_eq!(items::review_queue(&state, &op).await.unwrap().len(), 1);
    assert_eq!(
        fields(&items::step(&state, &op, &imp.code, 1, "reject", " ").await.unwrap_err()),
        ["reason"]
    );
    assert_eq!(
        items::step(&state, &city_op, &imp.code, 1, "approve", "")
            .await
            .unwrap_err()
            .kind,
        Kind::Forbidden,
        "a city's operator does not review the province's items"
    );
    assert!(items::review_queue(&state, &city_op).await.unwrap().is_empty());
    let published = items::step(&state, &op, &imp.code, 1, "approve", "").await.unwrap();
    assert_eq!(published.status, "published");

    // Anyone finds it, in Chinese, and gets the tailored list.
    let (found, total) = items::search(
        &state,
        &ItemFilter {
            query: Some("收养".into()),
            ..Default::default()
        },
        Page::new(Some(20), None),
    )
    .await
    .unwrap();
    assert_eq!((total, found[0].code.as_str()), (1, imp.code.as_str()));
    assert_eq!(found[0].promise, "最多跑一次");
    let mut answers = BTreeMap::new();
    answers.insert("married".to_string(), "yes".to_string());
    let g = items::guide(&state, &imp.code, &answers).await.unwrap();
    assert_eq!(g.materials.len(), 2);
    let held = g.materials[0].exempt_source.as_ref().expect("免提交");
    assert_eq!((held.kind.as_str(), held.name.as_str()), ("certificate", "结婚证"));
    assert!(g.materials[1].exempt_source.is_none());
    assert_eq!(g.promised_limit.days, 5);
    answers.insert("married".to_string(), "perhaps".to_string());
    let e = items::guide(&state, &imp.code, &answers).await.unwrap_err();
    assert_eq!(fields(&e), ["answer.married"]);

    // Editing the published item makes version 2; version 1 stays published and readable
    // until 2 is approved, then it is superseded, and both are listed.
    let mut v2 = version("收养登记（第二版）", civil.id, &marriage);
    v2.visits = 0;
    v2.depth = Depth::FullyOnline;
    let draft = items::save_draft(&state, &steward, &imp.code, v2).await.unwrap();
    assert_eq!(draft.version, 2);
    assert_eq!(items::published(&state, &imp.code).await.unwrap().version, 1);
    let anonymous = Caller::anonymous();
    assert_eq!(
        items::versions(&state, &anonymous, &imp.code).await.unwrap().len(),
        1,
        "drafts are staff's"
    );
    items::step(&state, &steward, &imp.code, 2, "submit", "").await.unwrap();
    items::step(&state, &op, &imp.code, 2, "approve", "").await.unwrap();
    let all = items::versions(&state, &anonymous, &imp.code).await.unwrap();
    let states: Vec<(i64, &str)> = all.iter().map(|v| (v.version, v.status.as_str())).collect();
    assert_eq!(states, [(1, "superseded"), (2, "published")]);
    assert_eq!(items::published(&state, &imp.code).await.unwrap().promise, "零跑腿");

    // A bundle of two items asks for the marriage certificate once.
    let basic2 = BasicInput {
        code: "000712346000".into(),
        name: "收养关系证明".into(),
    };
    items::define_basic(&state, &op, basic2).await.unwrap();
    let imp2 = items::implement(
        &state,
        &steward,
        ImplementInput {
            basic_code: "000712346000".into(),
            department_id: civil.id,
            sequence: None,
            co_departments: vec![],
        },
    )
    .await
    .unwrap();
    items::save_draft(
        &state,
        &steward,
        &imp2.code,
        version("收养关系证明", civil.id, &marriage),
    )
    .await
    .unwrap();
    items::step(&state, &steward, &imp2.code, 1, "submit", "")
        .await
        .unwrap();
    items::step(&state, &op, &imp2.code, 1, "approve", "").await.unwrap();
    let b = Bundle {
        code: "adoption".into(),
        name: "收养一件事".into(),
        items: vec![imp.code.clone(), imp2.code.clone()],
        description: String::new(),
        themes: vec!["婚育".into()],
    };
    assert_eq!(
        bundles::save(&state, &steward, b.clone()).await.unwrap_err().kind,
        Kind::Forbidden
    );
    let mut wrong = b.clone();
    wrong.items = vec![imp.code.clone(), imp.code.clone(), "nothing".into()];
    assert_eq!(
        fields(&bundles::save(&state, &op, wrong).await.unwrap_err()),
        ["items[1]", "items[2]"]
    );
    bundles::save(&state, &op, b).await.unwrap();
    answers.insert("married".to_string(), "yes".to_string());
    let g = bundles::guide(&state, "adoption", &answers).await.unwrap();
    let names: Vec<&str> = g.materials.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["结婚证", "申请表"]);
    assert_eq!(g.materials[0].items, ["收养登记（第二版）", "收养关系证明"]);
    assert_eq!(bundles::list(&state).await.unwrap().len(), 1);
}
both_backends!(items_lifecycle, items_are_defined_reviewed_published_and_guided);

/// Searching with words and filters: the name outranks a material of that name, every filter
/// cuts the matches and the count alike, pages follow one another, and a superseded or
/// withdrawn version is no longer found.
async fn search_ranks_filters_and_pages(store: Store) {
    use yici_store::items::{BasicItem, Implementation, Publication};
    store
        .upsert_region(&RegionCode::parse("330000").unwrap(), "浙江省", &ev(Action::RegionSave))
        .await
        .unwrap();
    let d = department(&store, "检索测试局", "330000", "MB000301").await;
    let uscc = Uscc::parse(&d.uscc).unwrap();
    let publication = |n: usize, name: &str, visits: u32, theme: &str| {
        let basic = BasicCode::parse("code", &format!("0020{:05}{:03}", 7, n)).unwrap();
        let code = ImplementationCode::of(&uscc, '1', &basic);
        let mut content = version(name, d.id, "x");
        content.visits = visits;
        content.visits_reason = if visits > 1 {
            "需现场核验".into()
        } else {
            String::new()
        };
        content.themes = vec![theme.into()];
        content.materials = vec![material("form", "公积金缴存证明", Source::Applicant, "")];
        Publication {
            basic: BasicItem {
                code: basic.as_str().into(),
                name: name.into(),
                item_type: basic.item_type().code(),
            },
            implementation: Implementation {
                code: code.as_str().into(),
                basic_code: basic.as_str().into(),
                department_id: d.id,
                region_code: d.region_code.clone(),
                co_departments: vec![],
            },
            content,
        }
    };
    let mut batch: Vec<Publication> = (0..30)
        .map(|n| {
            publication(
                n,
                &format!("第{n}号事项登记"),
                (n % 3) as u32,
                if n % 2 == 0 { "婚育" } else { "就业" },
            )
        })
        .collect();
    batch.push(publication(30, "公积金提取", 0, "住房"));
    store
        .items_publish_many(&batch, &ev(Action::ItemApprove))
        .await
        .unwrap();
    let state = WindowState::new(store.clone(), Clock::system());
    let search = |filter: ItemFilter, page: Page| {
        let state = state.clone();
        async move { items::search(&state, &filter, page).await.unwrap() }
    };
    let words = |q: &str| ItemFilter {
        query: Some(q.into()),
        ..Default::default()
    };

    // Every item asks for 公积金缴存证明; the one named 公积金提取 comes first.
    let (found, total) = search(words("公积金"), Page::new(Some(5), None)).await;
    assert_eq!(total, 31);
    assert_eq!(found[0].name, "公积金提取");

    // Filters cut the matches and the count alike.
    let (found, total) = search(
        ItemFilter {
            visits: Some(0),
            ..words("登记")
        },
        Page::new(Some(50), None),
    )
    .await;
    assert_eq!(total, 10);
    assert!(found.iter().all(|h| h.visits == 0 && h.name.ends_with("登记")));
    let (_, total) = search(
        ItemFilter {
            visits: Some(2),
            theme: Some("婚育".into()),
            ..words("登记")
        },
        Page::new(Some(50), None),
    )
    .await;
    assert_eq!(total, 5, "n = 2, 8, 14, 20, 26");
    let (_, total) = search(
        ItemFilter {
            department_id: Some(d.id + 1000),
            ..words("登记")
        },
        Page::new(Some(50), None),
    )
    .await;
    assert_eq!(total, 0);

    // Pages follow one another without repeating.
    let (first, total) = search(words("登记"), Page::new(Some(20), None)).await;
    let (second, _) = search(words("登记"), Page::new(Some(20), Some(20))).await;
    assert_eq!((total, first.len(), second.len()), (30, 20, 10));
    let mut codes: Vec<&str> = first.iter().chain(&second).map(|h| h.code.as_str()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 30);
    let (past, total) = search(words("登记"), Page::new(Some(20), Some(40))).await;
    assert_eq!((past.len(), total), (0, 30));

    // A new version supersedes the old: found once, under its new name; withdrawn, not found.
    let mut again = publication(30, "住房公积金提取", 0, "住房");
    again.content.name = "住房公积金提取".into();
    store
        .items_publish_many(std::slice::from_ref(&again), &ev(Action::ItemApprove))
        .await
        .unwrap();
    let (found, total) = search(words("提取"), Page::new(Some(5), None)).await;
    assert_eq!(
        (total, found[0].name.as_str(), found[0].version),
        (1, "住房公积金提取", 2)
    );
    let published = store.item_published(&again.implementation.code).await.unwrap().unwrap();
    store
        .item_version_step(published.id, VersionStep::Withdraw, "", &ev(Action::ItemWithdraw))
        .await
        .unwrap();
    let (_, total) = search(words("提取"), Page::new(Some(5), None)).await;
    assert_eq!(total, 0);
}
both_backends!(items_search, search_ranks_filters_and_pages);
