//! Cases on SQLite and PostgreSQL: numbering per region and day, idempotent submission, the
//! steps of a case guarded by its version, the one-time notice pausing the clock, and parallel
//! approval: stages opening one after another, 或签 and 会签, a required refusal ending the
//! case, and two approvers deciding one task at once giving one success and one conflict.

use yici_core::audit::{Action, Actor, AuditEvent};
use yici_core::cases::{CaseNo, CaseStep};
use yici_core::id::{RegionCode, Uscc};
use yici_core::items::*;
use yici_core::org::{DepartmentKind, Role, Scope};
use yici_store::cases::{
    CaseFetched, Decision, LineResolution, NewCase, NewLine, NewParty, NewTask, NoticeLine, StepChange,
};
use yici_store::departments::{Department, NewDepartment};
use yici_store::items::{BasicItem, Implementation, Publication};
use yici_store::{Store, StoreError, both_backends, now_micros};

fn ev(action: Action) -> AuditEvent {
    AuditEvent::new(now_micros(), Actor::named("test"), action, "case", "t")
}

async fn department(store: &Store, name: &str, org: &str) -> Department {
    for (code, name) in [("330000", "浙江省"), ("330800", "衢州市")] {
        store
            .upsert_region(&RegionCode::parse(code).unwrap(), name, &ev(Action::RegionSave))
            .await
            .unwrap();
    }
    store
        .create_department(
            &NewDepartment {
                name: name.into(),
                uscc: Uscc::generate("11", "330800", org).unwrap(),
                region: RegionCode::parse("330800").unwrap(),
                parent_id: None,
                kind: DepartmentKind::Government,
            },
            &ev(Action::DepartmentCreate),
        )
        .await
        .unwrap()
}

async fn approver(store: &Store, name: &str, d: &Department) -> i64 {
    let u = store
        .create_user(
            &yici_store::users::NewUser {
                username: name,
                display_name: name,
                password_hash: "x",
                department_id: Some(d.id),
            },
            &ev(Action::UserCreate),
        )
        .await
        .unwrap();
    store
        .grant_role(
            u.id,
            Role::Approver,
            &Scope::Department {
                department_id: d.id,
                region: d.region(),
            },
            &ev(Action::UserCreate),
        )
        .await
        .unwrap();
    u.id
}

/// A published item of `d`, and its version's id.
async fn item(store: &Store, d: &Department) -> (String, i64) {
    let basic = BasicCode::parse("code", "000712004000").unwrap();
    let code = ImplementationCode::of(&Uscc::parse(&d.uscc).unwrap(), '1', &basic);
    let content = ItemVersion {
        name: "不动产转移登记".into(),
        level: Level::City,
        applicant_types: vec![ApplicantType::Person],
        case_type: CaseType::Promised,
        legal_limit: TimeLimit::working(30),
        promised_limit: TimeLimit::working(5),
        visits: 1,
        visits_reason: String::new(),
        depth: Depth::Acceptance,
        conditions: vec![],
        legal_basis: "《不动产登记暂行条例》".into(),
        questions: vec![],
        materials: vec![],
        process: vec![],
        fees: vec![],
        delivery: vec![Delivery::Electronic],
        scope: yici_core::items::Scope::CityWide,
        windows: vec![],
        form: vec![],
        consult_phone: String::new(),
        complaint_phone: String::new(),
        themes: vec![],
    };
    store
        .items_publish_many(
            &[Publication {
                basic: BasicItem {
                    code: basic.as_str().into(),
                    name: content.name.clone(),
                    item_type: 7,
                },
                implementation: Implementation {
                    code: code.as_str().into(),
                    basic_code: basic.as_str().into(),
                    department_id: d.id,
                    region_code: d.region_code.clone(),
                    co_departments: vec![],
                },
                content,
            }],
            &ev(Action::ItemApprove),
        )
        .await
        .unwrap();
    let v = store.item_published(code.as_str()).await.unwrap().unwrap();
    (code.as_str().to_string(), v.id)
}

fn task(code: &str, step: i64, stage: i64, d: &Department, signing: Signing) -> NewTask {
    NewTask {
        implementation_code: code.into(),
        step,
        stage,
        name: format!("{}审核", d.name),
        department_id: d.id,
        signing,
        required: true,
        issues: None,
        days: 3,
    }
}

fn application(code: &str, version: i64, d: &Department, key: Option<&str>, tasks: Vec<NewTask>) -> NewCase {
    NewCase {
        subject_kind: "item".into(),
        subject_code: code.into(),
        name: "不动产转移登记".into(),
        department_id: d.id,
        region: RegionCode::parse("330800").unwrap(),
        channel: "online".into(),
        clerk_user_id: None,
        submitted_by: "applicant:1".into(),
        idempotency_key: key.map(str::to_string),
        answers: "{}".into(),
        form: "{}".into(),
        case_type: "promised".into(),
        promised_days: 5,
        items: vec![(code.into(), version)],
        parties: vec![NewParty {
            role: "applicant".into(),
            id_number: "11010519491231002X".into(),
            name: "张三".into(),
            applicant_id: Some(1),
            consented_at: Some(now_micros()),
            consent_channel: "web".into(),
        }],
        lines: vec![NewLine {
            material_code: "contract".into(),
            name: "房屋买卖合同".into(),
            required: true,
            deferrable: false,
            items: vec![code.into()],
            state: "missing".into(),
            source_kind: String::new(),
            reference: String::new(),
            note: String::new(),
            deferred_until: None,
        }],
        tasks,
        visit: None,
    }
}

fn decide(user_id: i64, approve: bool, opinion: &str) -> Decision {
    Decision {
        user_id,
        approve,
        opinion: opinion.into(),
    }
}

fn day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn on(actor: &str) -> StepChange {
    StepChange {
        day: "2026-11-30".into(),
        actor: actor.into(),
        ..Default::default()
    }
}

async fn cases_are_numbered_stepped_and_approved_in_parallel(store: Store) {
    let land = department(&store, "衢州市自然资源和规划局", "MB000401").await;
    let tax = department(&store, "国家税务总局衢州市税务局", "MB000402").await;
    let housing = department(&store, "衢州市住房和城乡建设局", "MB000403").await;
    let (code, version) = item(&store, &land).await;
    let land_a = approver(&store, "land.a", &land).await;
    let tax_a = approver(&store, "tax.a", &tax).await;
    let tax_b = approver(&store, "tax.b", &tax).await;
    let housing_a = approver(&store, "housing.a", &housing).await;
    let tasks = vec![
        task(&code, 0, 1, &land, Signing::Any),
        task(&code, 1, 1, &tax, Signing::All),
        task(&code, 2, 2, &housing, Signing::Any),
    ];

    // Numbered per region and day, with a valid check character; the same key gives the same
    // case and writes nothing.
    // What is fetched is bound to the number given and written with the case.
    let given = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let told = given.clone();
    let (first, created) = store
        .case_submit(
            &application(&code, version, &land, Some("k-1"), tasks.clone()),
            day(),
            &ev(Action::ItemEdit),
            move |no| {
                *told.lock().unwrap() = no.to_string();
                CaseFetched {
                    lines: vec![LineResolution {
                        material_code: "contract".into(),
                        state: "missing".into(),
                        source_kind: String::new(),
                        reference: String::new(),
                        note: format!("{no}：未找到，请上传"),
                    }],
                    ..Default::default()
                }
            },
        )
        .await
        .unwrap();
    assert!(created);
    assert!(first.case_no.starts_with("33080020261130000001"));
    assert!(CaseNo::parse("case_no", &first.case_no).is_ok());
    assert_eq!(*given.lock().unwrap(), first.case_no);
    assert_eq!(first.lines[0].note, format!("{}：未找到，请上传", first.case_no));
    let (again, created) = store
        .case_submit(
            &application(&code, version, &land, Some("k-1"), tasks.clone()),
            day(),
            &ev(Action::ItemEdit),
            |_| panic!("a retry fetches nothing"),
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.case_no, first.case_no);
    let (second, _) = store
        .case_submit(
            &application(&code, version, &land, Some("k-2"), tasks.clone()),
            day(),
            &ev(Action::ItemEdit),
            |_| CaseFetched::default(),
        )
        .await
        .unwrap();
    assert!(second.case_no.starts_with("33080020261130000002"));
    assert_eq!(first.status, "received");
    assert_eq!(first.items, [(code.clone(), version)]);
    assert!(first.tasks.iter().all(|t| t.status == "waiting"));
    assert_eq!(first.timeline.len(), 1);

    // Out of order: nothing is written.
    let e = store
        .case_step(
            &first,
            first.version,
            CaseStep::Refuse,
            &on("clerk"),
            &ev(Action::ItemEdit),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let e = store
        .case_step(
            &first,
            first.version + 5,
            CaseStep::Accept,
            &on("clerk"),
            &ev(Action::ItemEdit),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "a stale version: {e:?}");

    // One notice pauses the clock; supplying resumes it.
    let notice = StepChange {
        notice: Some((
            vec![NoticeLine {
                line: "contract".into(),
                reason: "缺少买方签字".into(),
            }],
            String::new(),
            None,
        )),
        ..on("clerk")
    };
    let c = store
        .case_step(&first, first.version, CaseStep::Notice, &notice, &ev(Action::ItemEdit))
        .await
        .unwrap();
    assert_eq!(c.status, "supplementing");
    assert_eq!(c.pauses.len(), 1);
    assert!(c.pauses[0].until_day.is_none());
    assert_eq!(c.lines[0].checked, "defective");
    assert_eq!(c.notices[0].lines[0].reason, "缺少买方签字");
    let c = store
        .case_step(&c, c.version, CaseStep::Supply, &on("applicant"), &ev(Action::ItemEdit))
        .await
        .unwrap();
    assert_eq!(
        (c.status.as_str(), c.pauses[0].until_day.as_deref()),
        ("received", Some("2026-11-30"))
    );
    assert!(c.notices[0].supplied_at.is_some());

    // Accepting opens stage 1 at once (land and tax); housing waits for stage 2.
    let c = store
        .case_step(&c, c.version, CaseStep::Accept, &on("clerk"), &ev(Action::ItemEdit))
        .await
        .unwrap();
    assert_eq!(c.status, "processing");
    let status: Vec<&str> = c.tasks.iter().map(|t| t.status.as_str()).collect();
    assert_eq!(status, ["open", "open", "waiting"]);
    assert_eq!(
        c.tasks[1].assignees,
        [tax_a, tax_b],
        "会签: every approver of the tax bureau"
    );

    // Two approvers of the land bureau's task at once: one success, one conflict.
    let land_task = c.tasks[0].clone();
    let other = approver(&store, "land.b", &land).await;
    let (on_a, on_b, audit) = (on("land.a"), on("land.b"), ev(Action::ItemEdit));
    let (by_a, by_b) = (decide(land_a, true, "同意"), decide(other, true, "同意"));
    let (a, b) = tokio::join!(
        store.case_task_decide(land_task.id, land_task.version, &by_a, &on_a, &audit),
        store.case_task_decide(land_task.id, land_task.version, &by_b, &on_b, &audit),
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{a:?} {b:?}"
    );
    let c = store.case_by_no(&first.case_no).await.unwrap().unwrap();
    assert_eq!(c.tasks[0].status, "approved");
    assert_eq!(c.tasks[0].opinions.len(), 1);

    // 会签: one tax approver is not enough; both are. Then stage 2 opens.
    let t = &c.tasks[1];
    let c = store
        .case_task_decide(
            t.id,
            t.version,
            &decide(tax_a, true, "同意"),
            &on("tax.a"),
            &ev(Action::ItemEdit),
        )
        .await
        .unwrap();
    assert_eq!(
        (c.tasks[1].status.as_str(), c.tasks[2].status.as_str()),
        ("open", "waiting")
    );
    let t = &c.tasks[1];
    let e = store
        .case_task_decide(
            t.id,
            t.version,
            &decide(tax_a, true, "再次同意"),
            &on("tax.a"),
            &ev(Action::ItemEdit),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "the same approver twice: {e:?}");
    let c = store
        .case_task_decide(
            t.id,
            t.version,
            &decide(tax_b, true, "同意"),
            &on("tax.b"),
            &ev(Action::ItemEdit),
        )
        .await
        .unwrap();
    assert_eq!(
        (c.tasks[1].status.as_str(), c.tasks[2].status.as_str()),
        ("approved", "open")
    );

    // The last stage approved concludes the case as approved.
    let t = &c.tasks[2];
    let c = store
        .case_task_decide(
            t.id,
            t.version,
            &decide(housing_a, true, "同意"),
            &on("housing.a"),
            &ev(Action::ItemEdit),
        )
        .await
        .unwrap();
    assert_eq!(c.status, "approved");
    assert!(c.concluded_at.is_some());
    let steps: Vec<&str> = c.timeline.iter().map(|e| e.step.as_str()).collect();
    // Each approver's decision is on the timeline, the last one before the approval it brought.
    assert_eq!(
        steps,
        [
            "submit", "notice", "supply", "accept", "decide", "decide", "decide", "decide", "approve"
        ]
    );

    // Acting on a concluded case is a conflict.
    let e = store
        .case_step(&c, c.version, CaseStep::Accept, &on("clerk"), &ev(Action::ItemEdit))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)));
    let c = store
        .case_visit(c.id, "collect", "", "330800", None, &ev(Action::ItemEdit))
        .await
        .unwrap();
    assert_eq!(c.visits.len(), 1);

    // A required refusal in stage 1 ends the second case as refused, with its reason; the
    // other tasks close.
    let c = store.case_by_no(&second.case_no).await.unwrap().unwrap();
    let c = store
        .case_step(&c, c.version, CaseStep::Accept, &on("clerk"), &ev(Action::ItemEdit))
        .await
        .unwrap();
    let t = &c.tasks[0];
    let c = store
        .case_task_decide(
            t.id,
            t.version,
            &decide(land_a, false, "产权存在查封"),
            &on("land.a"),
            &ev(Action::ItemEdit),
        )
        .await
        .unwrap();
    assert_eq!((c.status.as_str(), c.reason.as_str()), ("refused", "产权存在查封"));
    let status: Vec<&str> = c.tasks.iter().map(|t| t.status.as_str()).collect();
    assert_eq!(status, ["refused", "closed", "closed"]);
}
both_backends!(case_engine, cases_are_numbered_stepped_and_approved_in_parallel);

/// Submissions arriving together (committed together on SQLite): each gets its own number, a
/// key used twice gives one case, and a submission that fails is undone alone, its neighbours
/// kept.
async fn submissions_arriving_together_commit_alike_and_fail_alone(store: Store) {
    use sqlx::Row;
    let land = department(&store, "衢州市自然资源和规划局", "MB000401").await;
    let (code, version) = item(&store, &land).await;
    let mut nowhere = land.clone();
    nowhere.id = 999_999;
    let mut submissions = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        // 0–29 new keys, 30–34 the keys of 0–4 again, 35–39 a task of no department.
        let (key, d) = match i {
            0..30 => (format!("together-{i}"), &land),
            30..35 => (format!("together-{}", i - 30), &land),
            _ => (format!("broken-{i}"), &nowhere),
        };
        let c = application(
            &code,
            version,
            &land,
            Some(&key),
            vec![task(&code, 0, 1, d, Signing::Any)],
        );
        submissions.push(tokio::spawn(async move {
            store
                .case_submit(&c, day(), &ev(Action::ItemEdit), |_| CaseFetched::default())
                .await
        }));
    }
    let mut numbers = std::collections::BTreeMap::new();
    for (i, s) in submissions.into_iter().enumerate() {
        match (i, s.await.unwrap()) {
            (0..35, Ok((c, _))) => {
                numbers.entry(i % 30).or_insert_with(Vec::new).push(c.case_no);
            }
            (35.., Err(_)) => {}
            (i, other) => panic!("submission {i}: {other:?}"),
        }
    }
    let count = |sql: &'static str| {
        let store = store.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(store.pool())
                .await
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM cases").await, 30);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM case_lines").await,
        30,
        "the failed wrote nothing"
    );
    assert_eq!(count("SELECT COUNT(*) AS n FROM case_events").await, 30);
    for (i, nos) in &numbers {
        assert!(nos.iter().all(|n| n == &nos[0]), "key {i} gave one case: {nos:?}");
    }
    let mut serials: Vec<String> = numbers
        .values()
        .map(|n| n[0].get(14..20).unwrap().to_string())
        .collect();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 30, "thirty numbers");
}

both_backends!(
    submissions_together,
    submissions_arriving_together_commit_alike_and_fail_alone
);

/// The group writer's fallback on SQLite, when its own connection cannot open: it writes
/// through the pool, with the same outcomes.
mod through_the_pool {
    #[tokio::test]
    async fn case_engine() {
        let t = yici_store::testkit::sqlite_through_pool().await;
        super::cases_are_numbered_stepped_and_approved_in_parallel(t.store.clone()).await;
    }

    #[tokio::test]
    async fn submissions_together() {
        let t = yici_store::testkit::sqlite_through_pool().await;
        super::submissions_arriving_together_commit_alike_and_fail_alone(t.store.clone()).await;
    }
}
