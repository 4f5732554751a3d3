//! The directory's operations called directly, as the pages, the API and the command line call
//! them: what a province's and a city's operator may change, what a department's steward sees,
//! tokens, accounts and roles, and the sign-in lockout.

use std::sync::Arc;
use std::time::Duration;
use yici_core::audit::{Action, Actor, AuditEvent, PlatformActor};
use yici_core::authz::Principal;
use yici_core::clock::Clock;
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::{Role, RoleGrant, Scope};
use yici_directory::service::regions::{self, DepartmentInput, RegionInput};
use yici_directory::service::sessions::{self, SignIn};
use yici_directory::service::{systems, users};
use yici_directory::{DirectoryConfig, DirectoryState};
use yici_service::{Caller, Kind};
use yici_store::audit::AuditWriter;
use yici_store::{Page, Store, both_backends};

fn state(store: &Store) -> DirectoryState {
    DirectoryState {
        store: store.clone(),
        audit: AuditWriter::start(store.clone(), 1),
        config: DirectoryConfig {
            clock: Clock::system(),
            session_ttl: Duration::from_secs(3600),
            token_validity_days: 365,
            secure_cookies: false,
            sign_in_max_failures: 3,
            sign_in_lockout: Duration::from_secs(900),
            seal_key: yici_crypto::sealed::SealingKey::generate(),
        },
        identity: None,
        oidc: Default::default(),
        sign_ins: Default::default(),
    }
}

fn operator_of(id: i64, region: &str) -> Caller {
    Caller::of(Principal::User {
        id,
        username: format!("op-{region}"),
        grants: vec![RoleGrant {
            role: Role::Operator,
            scope: Scope::Region {
                region: RegionCode::parse(region).unwrap(),
            },
        }],
    })
}

fn department_input(name: &str, region: &str, org: &str) -> DepartmentInput {
    DepartmentInput {
        name: name.into(),
        uscc: Uscc::generate("11", region, org).unwrap().as_str().into(),
        region_code: region.into(),
        parent_id: None,
        kind: "government".into(),
    }
}

async fn operators_act_within_their_region(store: Store) {
    let state = state(&store);
    let seed = AuditEvent::new(
        0,
        Actor::platform(PlatformActor::Demo),
        Action::RegionSave,
        "region",
        "test",
    );
    for (code, name) in [("330000", "浙江省"), ("330100", "杭州市"), ("330200", "宁波市")] {
        store
            .upsert_region(&RegionCode::parse(code).unwrap(), name, &seed)
            .await
            .unwrap();
    }
    let province = operator_of(1, "330000");
    let hangzhou = operator_of(2, "330100");

    // A city's operator adds departments in the city, not in another city.
    let own = regions::create_department(
        &state,
        &hangzhou,
        &department_input("杭州市民政局", "330100", "MB000103"),
    )
    .await
    .unwrap();
    let e = regions::create_department(
        &state,
        &hangzhou,
        &department_input("宁波市民政局", "330200", "MB000104"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let ningbo = regions::create_department(
        &state,
        &province,
        &department_input("宁波市民政局", "330200", "MB000104"),
    )
    .await
    .unwrap();
    // Nor moves one there.
    let e = regions::update_department(
        &state,
        &hangzhou,
        own.id,
        &department_input("杭州市民政局", "330200", "MB000103"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    // A bad entry names every field that is wrong, and writes nothing.
    let e = regions::create_department(
        &state,
        &province,
        &DepartmentInput {
            name: " ".into(),
            uscc: "91330100X".into(),
            region_code: "999999".into(),
            parent_id: None,
            kind: "club".into(),
        },
    )
    .await
    .unwrap_err();
    let mut fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["kind", "name", "region_code", "uscc"]);
    assert_eq!(
        regions::departments(&state, &province, None, Page::all())
            .await
            .unwrap()
            .len(),
        2
    );
    let e = regions::save_region(
        &state,
        &hangzhou,
        &RegionInput {
            code: "330200".into(),
            name: "宁波".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);

    // Systems and tokens: the city's operator manages its own departments' systems only.
    let system = systems::create_system(
        &state,
        &hangzhou,
        own.id,
        &systems::SystemInput {
            name: "婚姻登记系统".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let e = systems::create_system(
        &state,
        &hangzhou,
        ningbo.id,
        &systems::SystemInput {
            name: "婚姻登记系统".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let e = systems::issue_token(&state, &hangzhou, system.id, Some(0))
        .await
        .unwrap_err();
    assert_eq!(e.errors[0].field, "valid_days");
    let token = systems::issue_token(&state, &hangzhou, system.id, Some(30))
        .await
        .unwrap();
    assert!(token.token.starts_with("yici_sys_"));
    let listed = systems::tokens(&state, &hangzhou, system.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        !format!("{listed:?}").contains(&token.token),
        "the token is shown once, never listed"
    );
    let other_city = operator_of(3, "330200");
    assert_eq!(
        systems::tokens(&state, &other_city, system.id).await.unwrap_err().kind,
        Kind::Forbidden
    );

    // Accounts: created in the city's departments, listed by scope, never disabling oneself.
    let clerk = users::create(
        &state,
        &hangzhou,
        &users::UserInput {
            username: "clerk.hz".into(),
            display_name: "窗口人员".into(),
            password: "Correct-Horse-9".into(),
            department_id: Some(own.id),
        },
    )
    .await
    .unwrap();
    let e = users::create(
        &state,
        &hangzhou,
        &users::UserInput {
            username: "clerk.nb".into(),
            display_name: "窗口人员".into(),
            password: "Correct-Horse-9".into(),
            department_id: Some(ningbo.id),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, Kind::Forbidden);
    let role = users::RoleInput {
        role: "window_clerk".into(),
        department_id: None,
        region_code: Some("330200".into()),
    };
    assert_eq!(
        users::grant(&state, &hangzhou, clerk.id, &role).await.unwrap_err().kind,
        Kind::Forbidden,
        "a city's operator cannot grant a role in another city"
    );
    let role = users::RoleInput {
        region_code: Some("330100".into()),
        ..role
    };
    users::grant(&state, &hangzhou, clerk.id, &role).await.unwrap();
    assert_eq!(users::user(&state, &hangzhou, clerk.id).await.unwrap().roles.len(), 1);
    assert!(
        users::users(&state, &other_city, Page::all())
            .await
            .unwrap()
            .iter()
            .all(|u| u.id != clerk.id)
    );
    let mut me = operator_of(clerk.id, "330100");
    me.user = Some(clerk.clone());
    let e = users::set_disabled(&state, &me, clerk.id, true).await.unwrap_err();
    assert_eq!(e.kind, Kind::Conflict);

    // Wrong passwords lock the username out, whatever the password after that.
    let wrong = SignIn {
        username: "clerk.hz".into(),
        password: "wrong-password".into(),
    };
    for _ in 0..3 {
        let e = sessions::sign_in(&state, &wrong).await.err().unwrap();
        assert_eq!(e.code, "invalid_credentials");
    }
    let right = SignIn {
        username: "clerk.hz".into(),
        password: "Correct-Horse-9".into(),
    };
    let e = sessions::sign_in(&state, &right).await.err().unwrap();
    assert_eq!((e.kind, e.code), (Kind::TooMany, "too_many_attempts"));
    assert!(e.retry_after.is_some());
    // The count is kept in memory per instance: a fresh one lets the right password in, and the
    // session starts with a CSRF token.
    let state = DirectoryState {
        sign_ins: Arc::default(),
        ..state
    };
    let started = sessions::sign_in(&state, &right).await.ok().unwrap();
    assert_eq!(started.view.kind, "user");
    assert!(started.view.csrf_token.is_some());
}
both_backends!(within_their_region, operators_act_within_their_region);
