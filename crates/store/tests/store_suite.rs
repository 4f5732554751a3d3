//! The store's behaviour, run against SQLite and PostgreSQL alike.

use yici_core::calendar::YearSchedule;
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::{ApplicantId, DepartmentKind, Role, Scope};
use yici_store::departments::NewDepartment;
use yici_store::sessions::SessionPrincipal;
use yici_store::users::NewUser;
use yici_store::{Page, Store, StoreError, both_backends, now_micros};

fn ev() -> yici_core::audit::AuditEvent {
    yici_core::audit::AuditEvent::new(
        now_micros(),
        yici_core::audit::Actor::named("test"),
        yici_core::audit::Action::RegionSave,
        "test",
        "t",
    )
}

fn code(c: &str) -> RegionCode {
    RegionCode::parse(c).unwrap()
}

async fn zhejiang(store: &Store) {
    for (c, n) in [
        ("330000", "浙江省"),
        ("330100", "杭州市"),
        ("330106", "西湖区"),
        ("330106008000", "西湖街道"),
        ("330106008001", "净寺社区"),
    ] {
        store.upsert_region(&code(c), n, &ev()).await.unwrap();
    }
}

fn dept(name: &str, org: &str, region: &str) -> NewDepartment {
    NewDepartment {
        name: name.into(),
        uscc: Uscc::generate("11", region, org).unwrap(),
        region: code(region),
        parent_id: None,
        kind: DepartmentKind::Government,
    }
}

async fn region_tree_needs_parents_and_upserts(store: Store) {
    let err = store.upsert_region(&code("330106"), "西湖区", &ev()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    zhejiang(&store).await;
    store
        .upsert_region(&code("330106"), "西湖区（更名）", &ev())
        .await
        .unwrap();
    assert_eq!(store.count_regions().await.unwrap(), 5);
    let top = store.region_children(None).await.unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].level, 1);
    let village = store.region("330106008001").await.unwrap().unwrap();
    assert_eq!(village.level, 5);
    assert_eq!(village.parent_code.as_deref(), Some("330106008000"));
    assert_eq!(store.region("330106").await.unwrap().unwrap().name, "西湖区（更名）");
}
both_backends!(region_tree, region_tree_needs_parents_and_upserts);

async fn departments_are_unique_by_credit_code(store: Store) {
    zhejiang(&store).await;
    let d = store
        .create_department(&dept("杭州市市场监督管理局", "MB000001", "330100"), &ev())
        .await
        .unwrap();
    assert_eq!(d.region_code, "330100");
    let dup = store
        .create_department(&dept("另一个名字", "MB000001", "330100"), &ev())
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup:?}");
    let unknown_region = store
        .create_department(&dept("宁波", "MB000002", "330200"), &ev())
        .await
        .unwrap_err();
    assert!(matches!(unknown_region, StoreError::Conflict(_)));
    let mut child = dept("西湖区分局", "MB000003", "330106");
    child.parent_id = Some(d.id);
    let c = store.create_department(&child, &ev()).await.unwrap();
    assert_eq!(c.parent_id, Some(d.id));
    let mut renamed = dept("杭州市市场监管局", "MB000001", "330100");
    renamed.parent_id = None;
    let again = store.upsert_department(&renamed, &ev()).await.unwrap();
    assert_eq!(again.id, d.id);
    assert_eq!(again.name, "杭州市市场监管局");
    assert_eq!(
        store
            .list_departments(Some("330106"), Page::new(None, None))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .list_departments(Some("33"), Page::new(None, None))
            .await
            .unwrap()
            .len(),
        2
    );
    let mut own_parent = renamed.clone();
    own_parent.parent_id = Some(d.id);
    assert!(store.update_department(d.id, &own_parent, &ev()).await.is_err());
}
both_backends!(departments, departments_are_unique_by_credit_code);

async fn system_tokens_authenticate_until_revoked_or_expired(store: Store) {
    zhejiang(&store).await;
    let d = store
        .create_department(&dept("公安局", "MB000011", "330100"), &ev())
        .await
        .unwrap();
    let s = store
        .create_system(d.id, "人口库", "户籍人口查询", &ev())
        .await
        .unwrap();
    assert!(matches!(
        store.create_system(d.id, "人口库", "", &ev()).await,
        Err(StoreError::Conflict(_))
    ));
    let now = now_micros();
    let t = yici_crypto::token::generate("yici_sys_");
    let rec = store
        .issue_system_token(s.id, &t.digest, &t.plaintext[..12], now + 1_000_000_000, &ev())
        .await
        .unwrap();
    assert_eq!(
        store.authenticate_system(&t.digest, now).await.unwrap().unwrap().id,
        s.id
    );
    assert!(
        store
            .authenticate_system(&yici_crypto::token::digest("yici_sys_wrong"), now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .authenticate_system(&t.digest, now + 2_000_000_000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    let revoked = store.revoke_system_token(s.id, rec.id, &ev()).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        store.revoke_system_token(s.id, rec.id, &ev()).await.unwrap().revoked_at,
        revoked.revoked_at
    );
    assert!(store.authenticate_system(&t.digest, now).await.unwrap().is_none());
    assert!(matches!(
        store.revoke_system_token(s.id + 1, rec.id, &ev()).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.system_tokens(s.id).await.unwrap().len(), 1);
}
both_backends!(system_tokens, system_tokens_authenticate_until_revoked_or_expired);

async fn users_hold_scoped_roles(store: Store) {
    zhejiang(&store).await;
    let d = store
        .create_department(&dept("数据资源管理局", "MB000021", "330000"), &ev())
        .await
        .unwrap();
    let u = store
        .create_user(
            &NewUser {
                username: "op",
                display_name: "运营",
                password_hash: "x",
                department_id: Some(d.id),
            },
            &ev(),
        )
        .await
        .unwrap();
    let dup = store
        .create_user(
            &NewUser {
                username: "op",
                display_name: "b",
                password_hash: "x",
                department_id: None,
            },
            &ev(),
        )
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)));
    let r1 = store
        .grant_role(u.id, Role::Operator, &Scope::Region { region: code("330000") }, &ev())
        .await
        .unwrap();
    let r1b = store
        .grant_role(u.id, Role::Operator, &Scope::Region { region: code("330000") }, &ev())
        .await
        .unwrap();
    assert_eq!(r1.id, r1b.id, "granting twice is idempotent");
    let scope = Scope::Department {
        department_id: d.id,
        region: code("330000"),
    };
    store.grant_role(u.id, Role::DataSteward, &scope, &ev()).await.unwrap();
    let roles = store.user_roles(u.id).await.unwrap();
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[1].grant().unwrap().scope, scope);
    store.revoke_role(u.id, r1.id, &ev()).await.unwrap();
    assert_eq!(store.user_roles(u.id).await.unwrap().len(), 1);
    let (found, hash) = store.user_credentials("op").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "x"));
    let now = now_micros();
    store
        .create_session("digest-1", SessionPrincipal::User(u.id), "csrf", now, now + 1000, &ev())
        .await
        .unwrap();
    assert!(store.session("digest-1", now).await.unwrap().is_some());
    store.set_user_disabled(u.id, true, &ev()).await.unwrap();
    assert!(
        store.session("digest-1", now).await.unwrap().is_none(),
        "disabling ends sessions"
    );
}
both_backends!(users, users_hold_scoped_roles);

async fn sessions_expire_and_purge(store: Store) {
    let now = now_micros();
    store
        .create_session("a", SessionPrincipal::Applicant(1), "c1", now, now + 10, &ev())
        .await
        .unwrap();
    store
        .create_session("b", SessionPrincipal::Applicant(2), "c2", now, now + 1_000_000, &ev())
        .await
        .unwrap();
    assert_eq!(
        store.session("a", now).await.unwrap().unwrap().principal,
        SessionPrincipal::Applicant(1)
    );
    assert!(store.session("a", now + 10).await.unwrap().is_none());
    assert_eq!(store.purge_sessions(now + 10).await.unwrap(), 1);
    store.delete_session("b", &ev()).await.unwrap();
    assert!(store.session("b", now).await.unwrap().is_none());
}
both_backends!(sessions, sessions_expire_and_purge);

async fn applicants_are_recorded_once(store: Store) {
    let id = ApplicantId::parse("11010519491231002X").unwrap();
    let a = store.sign_in_applicant(&id, "张三", "dev", &ev()).await.unwrap();
    let b = store.sign_in_applicant(&id, "张三", "dev", &ev()).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(store.list_applicants(Page::new(None, None)).await.unwrap().len(), 1);
    assert_eq!(store.applicant_by_number(&id).await.unwrap().unwrap().name, "张三");
}
both_backends!(applicants, applicants_are_recorded_once);

async fn a_sign_in_never_renames_an_applicant(store: Store) {
    let id = ApplicantId::parse("11010519491231002X").unwrap();
    let first = store.sign_in_applicant(&id, "张三", "dev", &ev()).await.unwrap();
    let again = store.sign_in_applicant(&id, "冒名者", "oidc", &ev()).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(again.name, "张三");
    assert_eq!(store.applicant_by_number(&id).await.unwrap().unwrap().name, "张三");
}
both_backends!(applicant_names, a_sign_in_never_renames_an_applicant);

async fn calendar_years_overlay_the_shipped_ones(store: Store) {
    assert!(
        store
            .working_calendar()
            .await
            .unwrap()
            .is_working_day("2027-03-01".parse().unwrap())
            .is_err()
    );
    let mut y2027 = YearSchedule::shipped().remove(1);
    y2027.year = 2027;
    y2027.source = "测试用2027年安排".into();
    y2027.holidays = vec![yici_core::calendar::Holiday {
        name: "元旦".into(),
        from: "2027-01-01".parse().unwrap(),
        to: "2027-01-01".parse().unwrap(),
    }];
    y2027.workdays = vec![];
    store.save_calendar_year(&y2027, &ev()).await.unwrap();
    let cal = store.working_calendar().await.unwrap();
    assert!(cal.is_working_day("2027-03-01".parse().unwrap()).unwrap());
    assert!(!cal.is_working_day("2027-01-01".parse().unwrap()).unwrap());
    assert_eq!(store.calendar_years().await.unwrap().len(), 3);
    let mut bad = y2027.clone();
    bad.workdays = vec!["2027-03-01".parse().unwrap()];
    assert!(matches!(
        store.save_calendar_year(&bad, &ev()).await,
        Err(StoreError::Invalid(_))
    ));
}
both_backends!(calendar, calendar_years_overlay_the_shipped_ones);

#[tokio::test]
async fn migrations_apply_once_on_reopen() {
    let t = yici_store::testkit::sqlite().await;
    zhejiang(&t.store).await;
    t.store.close().await;
    let again = Store::open_dir(&t.dir).await.unwrap();
    assert_eq!(again.count_regions().await.unwrap(), 5);
}

/// Transactions that read before they write, run side by side: none may fail with "database is
/// locked" (SQLite upgrades a deferred read to a write only if nobody committed in between).
async fn read_then_write_transactions_do_not_collide(store: Store) {
    use sqlx::Row;
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for round in 0..5 {
                    let mut tx = store.begin().await?;
                    let before: i64 = sqlx::query("SELECT COUNT(*) AS n FROM regions")
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                    tokio::task::yield_now().await;
                    sqlx::query(
                        "INSERT INTO regions (code, name, level, parent_code, created_at) VALUES ($1, $2, 1, NULL, $3)",
                    )
                    .bind(format!("{:02}{:04}", 11 + t, round))
                    .bind(format!("测试{before}"))
                    .bind(now_micros())
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                }
                Ok::<(), StoreError>(())
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(store.count_regions().await.unwrap(), 80);
}
both_backends!(concurrency, read_then_write_transactions_do_not_collide);
