//! Helpers for test suites that run against both backends (this crate's and the server's).
//!
//! PostgreSQL runs read `YICI_TEST_DATABASE_URL`. When it is unset the PostgreSQL half of a
//! suite is skipped with a printed notice, unless `YICI_REQUIRE_SERVICES=1`, in which case it
//! fails. Each test gets a schema of its own, so tests never see each other's rows.

use crate::Store;
use std::path::PathBuf;

/// A store on a fresh SQLite file; the directory is removed when the value is dropped.
pub struct TempStore {
    pub store: Store,
    pub dir: PathBuf,
}

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh directory under the system temporary directory.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yici-{label}-{}", yici_crypto::token::short_id()));
    std::fs::create_dir_all(&dir).expect("temporary directory can be created");
    dir
}

/// Fresh audit keys for a test store.
pub fn audit_keys() -> std::sync::Arc<crate::audit::AuditKeys> {
    std::sync::Arc::new(crate::audit::AuditKeys::new(yici_crypto::sm2::KeyPair::generate()))
}

pub async fn sqlite() -> TempStore {
    let dir = temp_dir("sqlite");
    let store = Store::open_dir(&dir)
        .await
        .expect("SQLite store opens")
        .with_audit_keys(audit_keys());
    TempStore { store, dir }
}

/// A store on a fresh SQLite file whose group writer writes through the pool, as it does when
/// its own connection cannot open (see `batch`).
pub async fn sqlite_through_pool() -> TempStore {
    let mut t = sqlite().await;
    t.store.group = Some(std::sync::Arc::new(crate::batch::GroupWriter::through_pool()));
    t
}

/// The URL of a fresh, empty schema in the test PostgreSQL database, or `None` (with a notice)
/// when no database is configured and services are not required.
pub async fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("YICI_TEST_DATABASE_URL") else {
        if std::env::var("YICI_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("YICI_REQUIRE_SERVICES=1 but YICI_TEST_DATABASE_URL is not set");
        }
        eprintln!("notice: YICI_TEST_DATABASE_URL is not set; skipping the PostgreSQL run of this test");
        return None;
    };
    sqlx::any::install_default_drivers();
    let schema = format!("t_{}", yici_crypto::token::short_id());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
        .await
        .expect("YICI_TEST_DATABASE_URL accepts connections");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("test schema can be created");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

pub async fn postgres() -> Option<Store> {
    let url = postgres_url().await?;
    Some(
        Store::open(&url)
            .await
            .expect("PostgreSQL store opens")
            .with_audit_keys(audit_keys()),
    )
}

/// Define a test that runs `$body` (an async fn taking `Store`) on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let t = $crate::testkit::sqlite().await;
                super::$body(t.store.clone()).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(store) = $crate::testkit::postgres().await {
                    super::$body(store).await;
                }
            }
        }
    };
}
