//! The certificate operations called directly, as the one window and the pages call them: who
//! may define, seal, issue and use, what the holder's consent opens and what its withdrawal
//! closes, and what each use leaves where the holder sees it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use yici_certificates::service::{
    ConsentInput, OperationInput, ReasonInput, UseCopyInput, holding, issuing, types, using,
};
use yici_certificates::{CertificatesState, Certs, IssueRequest};
use yici_core::audit::{Action, Actor, AuditEvent, PlatformActor};
use yici_core::authz::Principal;
use yici_core::certificate::CertificateType;
use yici_core::clock::Clock;
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::{ApplicantId, DepartmentKind, Role, RoleGrant, Scope};
use yici_service::{Caller, Kind};
use yici_store::audit::AuditWriter;
use yici_store::departments::{Department, NewDepartment};
use yici_store::{Page, Store, both_backends};

fn ev(action: Action) -> AuditEvent {
    AuditEvent::new(
        yici_store::now_micros(),
        Actor::platform(PlatformActor::Demo),
        action,
        "test",
        "test",
    )
}

fn state(store: &Store) -> CertificatesState {
    let audit = AuditWriter::start(store.clone(), 1);
    let clock = Clock::system();
    let exchange = yici_exchange::ExchangeState {
        store: store.clone(),
        audit: audit.clone(),
        rows: yici_store::reader::RowReader::start(store.clone(), 1),
        upstreams: Arc::new(yici_exchange::upstream::Upstreams::new(Duration::from_secs(1), 0)),
        quotas: Default::default(),
        access: Default::default(),
        nats: Default::default(),
        config: yici_exchange::ExchangeConfig {
            clock: clock.clone(),
            upstream_timeout: Duration::from_secs(1),
            webhook_allow: vec![],
        },
    };
    CertificatesState {
        store: store.clone(),
        audit,
        certs: Arc::new(Certs::new(yici_crypto::sealed::SealingKey::generate(), clock.clone())),
        exchange,
        public_url: "https://yici.example.gov.cn".into(),
        clock,
    }
}

async fn department(store: &Store, name: &str, org: &str) -> Department {
    let d = NewDepartment {
        name: name.into(),
        uscc: Uscc::generate("11", "330100", org).unwrap(),
        region: RegionCode::parse("330100").unwrap(),
        parent_id: None,
        kind: DepartmentKind::Government,
    };
    store
        .create_department(&d, &ev(Action::DepartmentCreate))
        .await
        .unwrap()
}

fn user(id: i64, role: Role, scope: Scope, department_id: Option<i64>) -> Caller {
    let mut c = Caller::of(Principal::User {
        id,
        username: format!("u{id}"),
        grants: vec![RoleGrant { role, scope }],
    });
    c.user = Some(yici_store::users::User {
        id,
        username: format!("u{id}"),
        display_name: format!("用户{id}"),
        department_id,
        disabled: false,
    });
    c
}

fn of_department(d: &Department) -> Scope {
    Scope::Department {
        department_id: d.id,
        region: d.region(),
    }
}

async fn issue_consent_use_and_withdraw(store: Store) {
    let state = state(&store);
    for (code, name) in [("330000", "浙江省"), ("330100", "杭州市")] {
        store
            .upsert_region(&RegionCode::parse(code).unwrap(), name, &ev(Action::RegionSave))
            .await
            .unwrap();
    }
    let civil = department(&store, "杭州市民政局", "MB000103").await;
    let registry = department(&store, "杭州市不动产登记中心", "MB000104").await;
    let issuer = user(1, Role::CertIssuer, of_department(&civil), Some(civil.id));
    let operator = user(
        2,
        Role::Operator,
        Scope::Region {
            region: RegionCode::parse("330000").unwrap(),
        },
        None,
    );
    let registry_system = Caller::of(Principal::System {
        id: 9,
        department_id: registry.id,
    });
    let number = ApplicantId::parse("11010519491231002X").unwrap();
    let applicant = store
        .sign_in_applicant(&number, "张三", "test", &ev(Action::SessionSignIn))
        .await
        .unwrap();
    let mut holder = Caller::of(Principal::Applicant { id: applicant.id });
    holder.applicant = Some(applicant);

    // The issuer defines a type of its own department; nobody else may.
    let definition: CertificateType = serde_json::from_value(serde_json::json!({
        "code": format!("{}001", civil.uscc), "name": "结婚证", "holder_kind": "person",
        "fields": [{"name": "spouse_name", "label": "配偶姓名", "kind": "text", "required": true}],
        "validity": "permanent", "template": {"layout": "sheet"}}))
    .unwrap();
    let t = types::define(&state, &issuer, definition.clone()).await.unwrap();
    let refused = types::define(&state, &registry_system, definition).await.unwrap_err();
    assert_eq!(refused.kind, Kind::Forbidden);
    assert_eq!(
        types::make_seal(&state, &issuer, civil.id).await.unwrap_err().kind,
        Kind::Forbidden,
        "seals are the operators'"
    );
    types::make_seal(&state, &operator, civil.id).await.unwrap();

    // Issued once, whatever the retries.
    let request = IssueRequest {
        type_code: t.definition.code.clone(),
        holder_code: number.as_str().into(),
        holder_name: "张三".into(),
        data: BTreeMap::from([("spouse_name".to_string(), "李四".to_string())]),
        valid_from: None,
        valid_until: None,
        number: None,
        region: None,
        issue_key: Some("marriage-1".into()),
    };
    let c = issuing::issue(&state, &issuer, request.clone()).await.unwrap();
    let again = issuing::issue(&state, &issuer, request.clone()).await.unwrap();
    assert_eq!(c.identifier, again.identifier);
    assert_eq!(c.status, "01");
    let code = c.verification_code.clone().expect("the issuer sees the printed code");
    assert_eq!(
        issuing::issue(&state, &registry_system, request)
            .await
            .unwrap_err()
            .kind,
        Kind::Forbidden
    );

    // Without the holder's consent another department finds nothing, and is told nothing.
    let e = using::get(&state, &registry_system, &c.identifier).await.unwrap_err();
    assert_eq!(e.kind, Kind::NotFound);
    let find = || using::Find {
        holder: Some(number.as_str().into()),
        type_code: None,
        page: Page::all(),
    };
    assert!(using::find(&state, &registry_system, find()).await.unwrap().is_empty());

    // With it, the department reads the certificate (never its code) and takes a use copy for
    // a case; the holder sees both uses.
    let today = state.clock.today();
    let consent = holding::consent(
        &state,
        &holder,
        &c.identifier,
        ConsentInput {
            department_id: registry.id,
            purpose: "办理不动产登记".into(),
            expires_on: today + chrono::Duration::days(30),
        },
    )
    .await
    .unwrap();
    let seen = using::get(&state, &registry_system, &c.identifier).await.unwrap();
    assert_eq!(seen.data["spouse_name"], "李四");
    assert!(seen.verification_code.is_none());
    assert_eq!(using::find(&state, &registry_system, find()).await.unwrap().len(), 1);
    let copy = using::use_copy(
        &state,
        &registry_system,
        &c.identifier,
        UseCopyInput {
            purpose: "不动产转移登记".into(),
            case_ref: Some("330100-2026-000001".into()),
        },
    )
    .await
    .unwrap();
    let pdf = using::use_copy_pdf(&state, &registry_system, &c.identifier, copy.use_id)
        .await
        .unwrap();
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let uses = holding::uses(&state, &holder, &c.identifier).await.unwrap();
    let kinds: Vec<&str> = uses.iter().map(|u| u.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "view").count(), 2, "{kinds:?}");
    assert!(
        uses.iter()
            .any(|u| u.kind == "use_copy" && u.case_ref.as_deref() == Some("330100-2026-000001"))
    );
    // Another holder's certificates are not mine.
    let other = Caller::of(Principal::Applicant { id: 0 });
    assert_eq!(
        holding::uses(&state, &other, &c.identifier).await.unwrap_err().kind,
        Kind::Unauthenticated
    );

    // Anyone verifies with the printed code; a wrong code and an unknown identifier look alike.
    let anyone = Caller::anonymous();
    let v = holding::verification(&state, &anyone, &c.identifier, Some(&code))
        .await
        .unwrap();
    assert!(v.signature_valid && v.seal_valid);
    let wrong = holding::verification(&state, &anyone, &c.identifier, Some("AAAAAAAA"))
        .await
        .unwrap_err();
    let unknown = holding::verification(&state, &anyone, "1.2.156.3005.2.x", Some(&code))
        .await
        .unwrap_err();
    assert_eq!((wrong.kind, wrong.code), (unknown.kind, unknown.code));

    // A suspended certificate cannot be used; a reason is required to suspend it.
    let no_reason = OperationInput {
        operation: "suspend".into(),
        reason: " ".into(),
        data: None,
        valid_from: None,
        valid_until: None,
    };
    let e = issuing::operate(&state, &issuer, &c.identifier, no_reason)
        .await
        .unwrap_err();
    assert_eq!(e.errors[0].field, "reason");
    let suspend = OperationInput {
        operation: "suspend".into(),
        reason: "挂失".into(),
        data: None,
        valid_from: None,
        valid_until: None,
    };
    let suspended = issuing::operate(&state, &issuer, &c.identifier, suspend).await.unwrap();
    assert_eq!(suspended.status, "02");
    let e = using::use_copy(
        &state,
        &registry_system,
        &c.identifier,
        UseCopyInput {
            purpose: "不动产转移登记".into(),
            case_ref: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!((e.kind, e.code), (Kind::Conflict, "certificate_not_valid"));

    // Withdrawn, the consent opens nothing again.
    holding::withdraw_consent(&state, &holder, &c.identifier, consent.id)
        .await
        .unwrap();
    let e = using::get(&state, &registry_system, &c.identifier).await.unwrap_err();
    assert_eq!(e.kind, Kind::NotFound);

    // A revoked seal is reported by verification.
    let seal = types::seals(&state, &operator, Some(civil.id)).await.unwrap().remove(0);
    types::revoke_seal(
        &state,
        &operator,
        seal.id,
        ReasonInput {
            reason: "印章遗失".into(),
        },
    )
    .await
    .unwrap();
    let v = holding::verification(&state, &anyone, &c.identifier, Some(&code))
        .await
        .unwrap();
    assert!(v.signature_valid && !v.seal_valid);
}
both_backends!(issue_consent_use, issue_consent_use_and_withdraw);
