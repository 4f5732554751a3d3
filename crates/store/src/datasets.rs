//! Aggregated data (归集): rows loaded by providers, looked up by key, with a change feed.

use crate::{Result, Store, StoreError, get_i64, get_str, now_micros};
use std::collections::BTreeMap;
use yici_core::audit::AuditEvent;

/// A row: its key, version and values (data item name → value).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DataRow {
    pub key: String,
    pub version: i64,
    pub values: BTreeMap<String, String>,
}

/// What a load did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadCount {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// One change of the feed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub seq: i64,
    pub key: String,
    pub version: i64,
    pub values: BTreeMap<String, String>,
}

/// The lengths of the key lists of lookup statements.
const LOOKUP_SIZES: [usize; 5] = [1, 4, 16, 64, 200];

pub(crate) fn values(text: &str) -> Result<BTreeMap<String, String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Invalid(format!("stored row is unreadable: {e}")))
}

impl Store {
    /// Upsert rows by key in one transaction; changed rows get a new version and a feed entry.
    /// The rows must have been validated. One audit entry records the load.
    pub async fn dataset_load(
        &self,
        resource_id: i64,
        rows: &[(String, BTreeMap<String, String>)],
        audit: &AuditEvent,
    ) -> Result<LoadCount> {
        let mut tx = self.begin().await?;
        let mut count = LoadCount::default();
        let now = now_micros();
        for (key, vals) in rows {
            let content = serde_json::to_string(vals).expect("values serialise");
            let current =
                sqlx::query("SELECT version, content FROM dataset_rows WHERE resource_id = $1 AND row_key = $2")
                    .bind(resource_id)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            let version = match current {
                Some(r) if get_str(&r, "content")? == content => {
                    count.unchanged += 1;
                    continue;
                }
                Some(r) => {
                    count.updated += 1;
                    get_i64(&r, "version")? + 1
                }
                None => {
                    count.inserted += 1;
                    1
                }
            };
            sqlx::query(
                "INSERT INTO dataset_rows (resource_id, row_key, version, content, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (resource_id, row_key) DO UPDATE SET version = excluded.version, content = excluded.content, updated_at = excluded.updated_at",
            )
            .bind(resource_id)
            .bind(key)
            .bind(version)
            .bind(&content)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let change = sqlx::query(
                "INSERT INTO dataset_changes (resource_id, row_key, version, content, changed_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
            )
                .bind(resource_id)
                .bind(key)
                .bind(version)
                .bind(&content)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            // The outbox row commits with the change, so no change is lost to subscribers.
            sqlx::query("INSERT INTO outbox (resource_id, change_seq, created_at) VALUES ($1, $2, $3)")
                .bind(resource_id)
                .bind(get_i64(&change, "seq")?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        if count.inserted + count.updated > 0 {
            let mut e = audit.clone().object(resource_id);
            e.detail = Some(format!(
                "inserted {}, updated {}, unchanged {}",
                count.inserted, count.updated, count.unchanged
            ));
            self.audit_in(&mut tx, &e).await?;
        }
        self.commit(tx).await?;
        Ok(count)
    }

    /// The rows with these keys (missing keys are simply absent).
    pub async fn dataset_lookup(&self, resource_id: i64, keys: &[String]) -> Result<Vec<DataRow>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(LOOKUP_SIZES[LOOKUP_SIZES.len() - 1]) {
            // The key list is padded (by repeating its last key) to one of a few lengths, so a
            // connection keeps a handful of prepared statements instead of one per length.
            let size = LOOKUP_SIZES
                .into_iter()
                .find(|s| *s >= chunk.len())
                .expect("a chunk fits the largest size");
            let dialect = self.dialect();
            let mut sql = format!(
                "SELECT row_key, version, content FROM dataset_rows WHERE resource_id = {} AND row_key IN (",
                dialect.placeholder(1)
            );
            for i in 0..size {
                sql.push_str(&format!(
                    "{}{}",
                    if i > 0 { ", " } else { "" },
                    dialect.placeholder(i + 2)
                ));
            }
            sql.push(')');
            // Only numbered placeholders are interpolated; the keys are bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(resource_id);
            for i in 0..size {
                q = q.bind(chunk[i.min(chunk.len() - 1)].clone());
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(DataRow {
                    key: get_str(&r, "row_key")?,
                    version: get_i64(&r, "version")?,
                    values: values(&get_str(&r, "content")?)?,
                });
            }
        }
        Ok(out)
    }

    /// Changes after `after`, oldest first, at most `limit`.
    pub async fn dataset_changes(&self, resource_id: i64, after: i64, limit: i64) -> Result<Vec<Change>> {
        let rows = sqlx::query("SELECT seq, row_key, version, content FROM dataset_changes WHERE resource_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(resource_id)
            .bind(after)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Change {
                    seq: get_i64(r, "seq")?,
                    key: get_str(r, "row_key")?,
                    version: get_i64(r, "version")?,
                    values: values(&get_str(r, "content")?)?,
                })
            })
            .collect()
    }

    /// Serve a resource from the provider's endpoint (or stop, with `None`).
    pub async fn endpoint_set(&self, resource_id: i64, url: Option<&str>, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        match url {
            Some(u) => {
                sqlx::query(
                    "INSERT INTO resource_endpoints (resource_id, url, updated_at) VALUES ($1, $2, $3)
                     ON CONFLICT (resource_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at",
                )
                .bind(resource_id)
                .bind(u)
                .bind(now_micros())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM resource_endpoints WHERE resource_id = $1")
                    .bind(resource_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        self.audit_in(&mut tx, &audit.clone().object(resource_id)).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// The provider endpoint of a resource in proxy mode.
    pub async fn endpoint(&self, resource_id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT url FROM resource_endpoints WHERE resource_id = $1")
            .bind(resource_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| get_str(&r, "url")).transpose()
    }
}
