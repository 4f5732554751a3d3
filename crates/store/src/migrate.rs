//! Migrations: one ordered set per dialect, applied at start in one transaction and recorded in
//! `schema_migrations`. On PostgreSQL an advisory lock makes instances that start together wait
//! for each other instead of racing.

use crate::{Result, Store, StoreError, now_micros};
use sqlx::Row;

pub(crate) async fn run(store: &Store) -> Result<()> {
    let mut tx = store.begin().await?;
    if let Some(lock) = store.dialect().migration_lock() {
        sqlx::query(lock).execute(&mut *tx).await?;
    }
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    for &(version, name, sql) in store.dialect().migrations() {
        let applied = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
            .bind(version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if applied > 0 {
            continue;
        }
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|source| StoreError::Migration { version, source })?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(name)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
