//! The audit log's operations called directly, as the pages, the API and the command line call
//! them: who may search, prove and export, and what each sees.

use std::time::Duration;
use yici_audit::AuditState;
use yici_audit::service::{self, Search};
use yici_core::audit::Action;
use yici_core::authz::Principal;
use yici_core::id::RegionCode;
use yici_core::org::{Role, RoleGrant, Scope};
use yici_service::{Caller, Kind};
use yici_store::audit::AuditWriter;
use yici_store::{Page, Store, both_backends};

fn operator_of(region: &str) -> Caller {
    Caller::of(Principal::User {
        id: 1,
        username: format!("op-{region}"),
        grants: vec![RoleGrant {
            role: Role::Operator,
            scope: Scope::Region {
                region: RegionCode::parse(region).unwrap(),
            },
        }],
    })
}

async fn the_log_answers_each_caller_by_role_and_scope(store: Store) {
    let state = AuditState {
        store: store.clone(),
        audit: AuditWriter::start(store.clone(), 1),
        checkpoint_interval: Duration::from_secs(60),
    };
    let province = operator_of("330000");
    let city = operator_of("330800");
    let applicant = Caller::of(Principal::Applicant { id: 7 });

    // Nobody signed in: asked to sign in. An applicant: refused, and the refusal is recorded.
    let e = service::search(&state, &Caller::anonymous(), Search::default(), Page::all())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Kind::Unauthenticated);
    let e = service::search(&state, &applicant, Search::default(), Page::all())
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::Forbidden, "forbidden"));
    assert!(e.audit.is_some(), "a refusal carries its audit entry");

    // An entry about one person is found by that person's number.
    let event = province
        .event(Action::ApplicantRead, "applicant")
        .subject("11010519491231002X")
        .purpose("窗口受理核验身份");
    state.audit.append(event).await.unwrap();
    let found = service::search(
        &state,
        &province,
        Search {
            subject: Some("11010519491231002X".into()),
            ..Default::default()
        },
        Page::all(),
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].content.action, "applicant.read");

    // A range that ends before it starts names the field.
    let e = service::search(
        &state,
        &province,
        Search {
            from: Some(2),
            to: Some(1),
            ..Default::default()
        },
        Page::all(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.errors[0].field, "to");

    // Checkpoints and exports are the province's: a city's operator is refused both.
    let cp = service::make_checkpoint(&state, &province).await.unwrap();
    assert!(cp.size >= 1);
    assert_eq!(
        service::make_checkpoint(&state, &city).await.unwrap_err().kind,
        Kind::Forbidden
    );
    assert_eq!(
        service::export(&state, &city, 0, 0).await.unwrap_err().kind,
        Kind::Forbidden
    );
    assert_eq!(service::export(&state, &province, 0, 0).await.unwrap().entries.len(), 1);
    assert_eq!(service::latest_checkpoint(&state).await.unwrap().size, cp.size);
    assert!(service::public_key_pem(&state).unwrap().contains("PUBLIC KEY"));
}
both_backends!(by_role_and_scope, the_log_answers_each_caller_by_role_and_scope);

#[test]
fn times_are_dates_in_china_rfc_3339_or_microseconds() {
    assert_eq!(service::parse_time("from", "1").unwrap(), 1);
    // A date as the end of a range includes its day.
    assert_eq!(
        service::parse_end("to", "2026-11-30").unwrap(),
        service::parse_time("from", "2026-12-01").unwrap()
    );
    assert_eq!(service::parse_end("to", "7").unwrap(), 7);
    assert_eq!(
        service::parse_time("from", "2026-01-01").unwrap(),
        service::parse_time("from", "2025-12-31T16:00:00Z").unwrap()
    );
    assert_eq!(
        service::parse_time("to", "yesterday").unwrap_err().errors[0].field,
        "to"
    );
}
