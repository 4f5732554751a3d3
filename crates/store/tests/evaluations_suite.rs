//! Evaluations on SQLite and PostgreSQL: one per case and party whatever the timing, and each
//! step of a rectification taken once when two take it at once.

use yici_core::audit::{Action, Actor, AuditEvent};
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::DepartmentKind;
use yici_store::departments::NewDepartment;
use yici_store::evaluations::{NewEvaluation, RectificationChange, RectificationDue};
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
        store.rectification_change(e.id, &yes, Some(1), &audit),
        store.rectification_change(e.id, &no, Some(2), &audit),
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
            .rectification_change(e.id, &late, Some(1), &ev(Action::EvaluationRectify))
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
