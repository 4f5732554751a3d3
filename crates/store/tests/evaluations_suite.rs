//! Evaluations on SQLite and PostgreSQL: one per case and party whatever the timing, and each
//! step of a rectification taken once when two take it at once; the daily sums of the case facts
//! and of the evaluations agree with a live reading of them.

use yici_core::audit::{Action, Actor, AuditEvent};
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::DepartmentKind;
use yici_store::departments::NewDepartment;
use yici_store::evaluations::{NewEvaluation, Reach, RectificationChange, RectificationDue};
use yici_store::supervision::{CaseFacts, CaseSums, Cut, EvaluationSums, Group, Source, TaskFacts};
use yici_store::{Store, both_backends, now_micros};

fn ev(action: Action) -> AuditEvent {
    AuditEvent::new(now_micros(), Actor::named("test"), action, "evaluation", "t")
}

async fn department(store: &Store) -> i64 {
    let region = RegionCode::parse("330000").unwrap();
    store
        .upsert_region(&region, "浙江省", &ev(Action::RegionSave))
        .await
        .unwrap();
    store
        .create_department(
            &NewDepartment {
                name: "浙江省自然资源厅".into(),
                uscc: Uscc::generate("11", "330000", "MA100001").unwrap(),
                region,
                parent_id: None,
                kind: DepartmentKind::Government,
            },
            &ev(Action::DepartmentCreate),
        )
        .await
        .unwrap()
        .id
}

fn due() -> RectificationDue {
    RectificationDue {
        verify: "2026-12-03".into(),
        rectify: "2026-12-21".into(),
        reply: "2026-12-21".into(),
        revisit: "2026-12-29".into(),
    }
}

async fn steps_are_taken_once(store: Store) {
    let department_id = department(&store).await;
    let new = NewEvaluation {
        case_id: None,
        party: String::new(),
        department_id,
        region_code: "330000".into(),
        implementation_code: String::new(),
        level: 1,
        comment: "等了很久".into(),
        channel: "counter".into(),
        day: "2026-11-30".into(),
    };
    let e = store
        .evaluation_add(&new, Some(&due()), &ev(Action::CaseEvaluate))
        .await
        .unwrap();
    assert_eq!(e.rectification.as_ref().map(|r| r.step.as_str()), Some("verify"));
    assert_eq!(e.rectification.as_ref().map(|r| r.due.clone()), Some(due()));

    // Two approvers verify at once: one does, the other changes nothing.
    let verify = |founded: bool| RectificationChange::Verify {
        founded,
        note: format!("founded: {founded}"),
    };
    let (yes, no, audit) = (verify(true), verify(false), ev(Action::EvaluationRectify));
    let (a, b) = tokio::join!(
        store.rectification_change(e.id, &yes, (Some(1), "2026-11-02"), &audit),
        store.rectification_change(e.id, &no, (Some(2), "2026-11-02"), &audit),
    );
    assert!(a.unwrap() ^ b.unwrap(), "exactly one verification");
    let after = store.evaluation(e.id).await.unwrap().unwrap();
    let r = after.rectification.unwrap();
    assert_eq!(r.step, if r.founded == Some(true) { "rectify" } else { "reply" });
    // Out of order: nothing.
    let late = RectificationChange::Revisit {
        satisfied: true,
        note: String::new(),
    };
    assert!(
        !store
            .rectification_change(e.id, &late, (Some(1), "2026-11-02"), &ev(Action::EvaluationRectify))
            .await
            .unwrap()
    );

    // Two supervisors mark it malicious at once: one mark.
    let audit = ev(Action::EvaluationMarkMalicious);
    let (a, b) = tokio::join!(
        store.evaluation_mark_malicious(e.id, "第一", 1, &audit),
        store.evaluation_mark_malicious(e.id, "第二", 2, &audit),
    );
    assert!(a.unwrap() ^ b.unwrap(), "exactly one mark");
    let marked = store.evaluation(e.id).await.unwrap().unwrap();
    assert!(matches!(marked.malicious_reason.as_deref(), Some("第一" | "第二")));
    assert_eq!(
        (marked.level, marked.comment.as_str()),
        (1, "等了很久"),
        "the review stays as given"
    );

    // A level outside 1–5 never reaches the table.
    let wrong = NewEvaluation {
        level: 6,
        ..new.clone()
    };
    assert!(
        store
            .evaluation_add(&wrong, None, &ev(Action::CaseEvaluate))
            .await
            .is_err()
    );
}

both_backends!(rectification, steps_are_taken_once);

/// A pseudo-random sequence, the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn facts(rng: &mut Lcg, case_id: i64) -> (CaseFacts, Vec<TaskFacts>) {
    let day = |rng: &mut Lcg| format!("2026-11-{:02}", 1 + rng.below(28));
    let received_day = day(rng);
    let accepted_day = (rng.below(4) > 0).then(|| day(rng));
    let concluded_day = accepted_day.as_ref().filter(|_| rng.below(3) > 0).map(|_| day(rng));
    let used_days = accepted_day.as_ref().map(|_| rng.below(30) as i64);
    let f = CaseFacts {
        case_id,
        case_no: format!("330100-2026-{case_id:06}"),
        name: "事项".into(),
        department_id: 1 + rng.below(3) as i64,
        region_code: ["330102", "330106", "330200"][rng.below(3) as usize].into(),
        status: if concluded_day.is_some() {
            "approved"
        } else {
            "processing"
        }
        .into(),
        received_day,
        accepted_day,
        limit_days: 20,
        used_days,
        due_day: concluded_day.is_none().then(|| day(rng)),
        open: concluded_day.is_none(),
        on_time: concluded_day.as_ref().and(used_days).map(|u| u <= 20),
        concluded_day,
        visits: rng.below(3) as i64,
        lines_required: rng.below(5) as i64,
        lines_fetched: rng.below(2) as i64,
        notices: rng.below(2) as i64,
    };
    let task = TaskFacts {
        task_id: case_id * 10,
        case_id,
        case_no: f.case_no.clone(),
        name: "审批".into(),
        department_id: f.department_id,
        region_code: f.region_code.clone(),
        due_day: f.due_day.clone(),
        open: f.open,
    };
    (f, vec![task])
}

/// The daily sums agree with a live reading of the facts and the evaluations, however the
/// cases moved between departments, regions and days, for every grouping and cut.
async fn daily_sums_agree_with_the_facts(store: Store) {
    let mut rng = Lcg(17);
    let all: Vec<_> = (1..=60).map(|id| facts(&mut rng, id)).collect();
    for chunk in all.chunks(7) {
        store.supervision_record(chunk, Some(("test", 1))).await.unwrap();
    }
    // Cases change: each read again with other days, departments and regions.
    let changed: Vec<_> = (1..=60)
        .filter(|id| id % 2 == 0)
        .map(|id| facts(&mut rng, id))
        .collect();
    store.supervision_record(&changed, Some(("test", 2))).await.unwrap();
    assert_eq!(store.supervision_cursor("test").await.unwrap(), 2);
    store.supervision_record(&[], Some(("test", 1))).await.unwrap();
    assert_eq!(
        store.supervision_cursor("test").await.unwrap(),
        2,
        "the cursor never moves back"
    );

    let department_id = department(&store).await;
    let mut ids = Vec::new();
    for level in [1, 2, 3, 4, 5, 5, 2] {
        let new = NewEvaluation {
            case_id: None,
            party: String::new(),
            department_id,
            region_code: "330000".into(),
            implementation_code: String::new(),
            level,
            comment: String::new(),
            channel: "counter".into(),
            day: format!("2026-11-{:02}", 1 + rng.below(3)),
        };
        let due = yici_core::cases::is_bad_review(level).then(due);
        let e = store
            .evaluation_add(&new, due.as_ref(), &ev(Action::CaseEvaluate))
            .await
            .unwrap();
        ids.push(e.id);
    }
    assert!(
        store
            .evaluation_mark_malicious(ids[0], "恶意", 1, &ev(Action::EvaluationMarkMalicious))
            .await
            .unwrap()
    );
    for (change, day) in [
        (
            RectificationChange::Verify {
                founded: false,
                note: "不属实".into(),
            },
            "2026-12-01",
        ),
        (
            RectificationChange::Reply {
                text: "已答复".into()
            },
            "2026-12-02",
        ),
        (
            RectificationChange::Revisit {
                satisfied: true,
                note: String::new(),
            },
            "2026-12-03",
        ),
    ] {
        assert!(
            store
                .rectification_change(ids[1], &change, (Some(1), day), &ev(Action::EvaluationRectify))
                .await
                .unwrap()
        );
    }

    let everyone = vec![Reach::RegionPrefix(String::new())];
    let cuts = [
        Cut {
            reach: everyone.clone(),
            department_id: None,
            region_prefix: None,
            from_day: "2026-01-01".into(),
            to_day: "2026-12-31".into(),
        },
        Cut {
            reach: everyone.clone(),
            department_id: Some(2),
            region_prefix: Some("3301".into()),
            from_day: "2026-11-05".into(),
            to_day: "2026-11-20".into(),
        },
        Cut {
            reach: vec![Reach::Department(1), Reach::RegionPrefix("3302".into())],
            department_id: None,
            region_prefix: None,
            from_day: "2026-11-10".into(),
            to_day: "2026-11-10".into(),
        },
    ];
    for cut in &cuts {
        for group in [Group::All, Group::Department, Group::Region, Group::Day] {
            let daily = store.case_sums(cut, group, Source::Daily).await.unwrap();
            let live = store.case_sums(cut, group, Source::Live).await.unwrap();
            let nonzero = |m: std::collections::BTreeMap<String, CaseSums>| {
                m.into_iter()
                    .filter(|(_, s)| *s != CaseSums::default())
                    .collect::<Vec<_>>()
            };
            assert_eq!(nonzero(daily), nonzero(live), "{cut:?} {group:?}");
            let daily = store.evaluation_sums(cut, group, Source::Daily).await.unwrap();
            let live = store.evaluation_sums(cut, group, Source::Live).await.unwrap();
            let nonzero = |m: std::collections::BTreeMap<String, EvaluationSums>| {
                m.into_iter()
                    .filter(|(_, s)| *s != EvaluationSums::default())
                    .collect::<Vec<_>>()
            };
            assert_eq!(nonzero(daily), nonzero(live), "{cut:?} {group:?}");
        }
    }
    // Rebuilt from scratch, the daily sums are the same.
    let kept = store.case_sums(&cuts[0], Group::Day, Source::Daily).await.unwrap();
    let kept_e = store
        .evaluation_sums(&cuts[0], Group::Day, Source::Daily)
        .await
        .unwrap();
    store.supervision_rebuild().await.unwrap();
    assert_eq!(
        store.case_sums(&cuts[0], Group::Day, Source::Daily).await.unwrap(),
        kept
    );
    assert_eq!(
        store
            .evaluation_sums(&cuts[0], Group::Day, Source::Daily)
            .await
            .unwrap(),
        kept_e
    );
    // The whole: every case received once, the evaluations as given.
    let whole = store.case_sums(&cuts[0], Group::All, Source::Daily).await.unwrap();
    assert_eq!(whole[""].received, 60);
    let e = store
        .evaluation_sums(&cuts[0], Group::All, Source::Daily)
        .await
        .unwrap();
    let e = &e[""];
    assert_eq!((e.evaluations, e.malicious, e.bad, e.score), (6, 1, 2, 21));
    assert_eq!((e.rectified, e.rectified_on_time), (1, 1));
}

both_backends!(daily_sums, daily_sums_agree_with_the_facts);

/// An open case due on `due_day`, in department 1, with one open task due the same day.
fn due_case(case_id: i64, due_day: &str) -> (CaseFacts, Vec<TaskFacts>) {
    let mut rng = Lcg(case_id as u64);
    let (mut f, mut tasks) = facts(&mut rng, case_id);
    (f.open, f.on_time, f.concluded_day) = (true, None, None);
    f.due_day = Some(due_day.into());
    f.department_id = 1;
    for t in &mut tasks {
        (t.open, t.due_day, t.department_id) = (true, Some(due_day.into()), 1);
    }
    (f, tasks)
}

/// Two instances on one database raise each alert once, however they race.
async fn alerts_are_raised_once(a: Store, b: Store) {
    a.supervision_record(
        &[
            due_case(1, "2026-11-27"),
            due_case(2, "2026-11-30"),
            due_case(3, "2026-12-20"),
        ],
        None,
    )
    .await
    .unwrap();
    let on = ("2026-11-30", "2026-12-01");
    let (x, y) = tokio::join!(a.alerts_raise(on, 1, 1), b.alerts_raise(on, 1, 1));
    let mut raised: Vec<(String, String, String)> = x
        .unwrap()
        .into_iter()
        .chain(y.unwrap())
        .map(|a| (a.kind, a.object_key, a.colour))
        .collect();
    raised.sort();
    assert_eq!(
        raised,
        [
            ("case".to_string(), "330100-2026-000001".to_string(), "red".to_string()),
            ("case".into(), "330100-2026-000002".into(), "yellow".into()),
            ("task".into(), "10".into(), "red".into()),
            ("task".into(), "20".into(), "yellow".into()),
        ]
    );
    // Again, from either: nothing new.
    assert!(a.alerts_raise(on, 1, 2).await.unwrap().is_empty());
    assert!(b.alerts_raise(on, 1, 2).await.unwrap().is_empty());
    // A day later the yellow ones turn red: one more alert each.
    let later = b.alerts_raise(("2026-12-01", "2026-12-02"), 1, 3).await.unwrap();
    let mut turned: Vec<(String, String)> = later.into_iter().map(|a| (a.kind, a.colour)).collect();
    turned.sort();
    assert_eq!(
        turned,
        [("case".to_string(), "red".to_string()), ("task".into(), "red".into())]
    );
    // Who is told: department 1, and a reach of its region; not another department.
    let (mine, total) = a
        .alerts_list(&[Reach::Department(1)], yici_store::Page::new(None, None))
        .await
        .unwrap();
    assert_eq!((mine.len(), total), (6, 6));
    assert_eq!(mine[0].link, format!("/cases/{}", "330100-2026-000002"));
    let (others, _) = a
        .alerts_list(&[Reach::Department(2)], yici_store::Page::new(None, None))
        .await
        .unwrap();
    assert!(others.is_empty());
    let (none, _) = a.alerts_list(&[], yici_store::Page::new(None, None)).await.unwrap();
    assert!(none.is_empty(), "no reach, no alerts");
}

#[tokio::test]
async fn alerts_are_raised_once_on_sqlite() {
    let t = yici_store::testkit::sqlite().await;
    let again = Store::open_dir(&t.dir).await.unwrap();
    alerts_are_raised_once(t.store.clone(), again).await;
}

#[tokio::test]
async fn alerts_are_raised_once_on_postgres() {
    if let Some(url) = yici_store::testkit::postgres_url().await {
        let (a, b) = (Store::open(&url).await.unwrap(), Store::open(&url).await.unwrap());
        alerts_are_raised_once(a, b).await;
    }
}
