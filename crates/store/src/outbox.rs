//! The transactional outbox of the change feed and the deliveries to subscribed webhooks.
//!
//! Every new or changed row writes an outbox row in the same transaction (see `datasets`). A
//! relay fans each outbox row out to the webhooks subscribed to its resource and delivers them
//! with retries until the subscriber accepts: at least once, and nothing lost across restarts.

use crate::datasets::Change;
use crate::{Result, Store, StoreError, get_i64, get_str, now_micros};
use yici_core::audit::AuditEvent;

/// A subscription of a system to a resource's changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub system_id: i64,
    pub resource_id: i64,
    pub url: String,
}

/// A delivery that is due.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub outbox_id: i64,
    pub webhook: Webhook,
    pub secret: String,
    pub attempts: i64,
    pub change: Change,
}

impl Store {
    /// Subscribe `url` of a system to a resource's changes; `secret` signs the deliveries.
    pub async fn webhook_add(
        &self,
        system_id: i64,
        resource_id: i64,
        url: &str,
        secret: &str,
        audit: &AuditEvent,
    ) -> Result<Webhook> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO webhooks (system_id, resource_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(system_id)
        .bind(resource_id)
        .bind(url)
        .bind(secret)
        .bind(now_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "a subscription of this system to this address"))?;
        let id = get_i64(&row, "id")?;
        self.audit_in(&mut tx, &audit.clone().object(id)).await?;
        tx.commit().await?;
        Ok(Webhook {
            id,
            system_id,
            resource_id,
            url: url.to_string(),
        })
    }

    /// Turn new outbox rows into one delivery per subscribed webhook; returns how many rows.
    pub async fn outbox_fan_out(&self, limit: i64) -> Result<usize> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query("SELECT id, resource_id FROM outbox WHERE fanned_out = 0 ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        for r in &rows {
            let id = get_i64(r, "id")?;
            sqlx::query(
                "INSERT INTO outbox_deliveries (outbox_id, webhook_id, next_attempt_at)
                 SELECT $1, w.id, $2 FROM webhooks w WHERE w.resource_id = $3
                 ON CONFLICT (outbox_id, webhook_id) DO NOTHING",
            )
            .bind(id)
            // Due at once: the first attempt happens on this relay pass.
            .bind(0i64)
            .bind(get_i64(r, "resource_id")?)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE outbox SET fanned_out = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Deliveries due at `now`, oldest first.
    pub async fn outbox_due(&self, now: i64, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT d.outbox_id, d.attempts, w.id AS webhook_id, w.system_id, w.resource_id, w.url, w.secret,
                    c.seq, c.row_key, c.version, c.content
             FROM outbox_deliveries d
             JOIN webhooks w ON w.id = d.webhook_id
             JOIN outbox o ON o.id = d.outbox_id
             JOIN dataset_changes c ON c.seq = o.change_seq
             WHERE d.delivered_at IS NULL AND d.next_attempt_at <= $1
             ORDER BY d.outbox_id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Delivery {
                    outbox_id: get_i64(r, "outbox_id")?,
                    webhook: Webhook {
                        id: get_i64(r, "webhook_id")?,
                        system_id: get_i64(r, "system_id")?,
                        resource_id: get_i64(r, "resource_id")?,
                        url: get_str(r, "url")?,
                    },
                    secret: get_str(r, "secret")?,
                    attempts: get_i64(r, "attempts")?,
                    change: Change {
                        seq: get_i64(r, "seq")?,
                        key: get_str(r, "row_key")?,
                        version: get_i64(r, "version")?,
                        values: serde_json::from_str(&get_str(r, "content")?)
                            .map_err(|e| StoreError::Invalid(format!("stored row is unreadable: {e}")))?,
                    },
                })
            })
            .collect()
    }

    /// Record the outcome of a delivery attempt: delivered, or failed with the next attempt's time.
    pub async fn outbox_attempted(
        &self,
        outbox_id: i64,
        webhook_id: i64,
        result: std::result::Result<i64, (i64, String)>,
    ) -> Result<()> {
        match result {
            Ok(at) => {
                sqlx::query("UPDATE outbox_deliveries SET delivered_at = $1, attempts = attempts + 1 WHERE outbox_id = $2 AND webhook_id = $3")
                    .bind(at)
                    .bind(outbox_id)
                    .bind(webhook_id)
                    .execute(self.pool())
                    .await?;
            }
            Err((next, error)) => {
                sqlx::query(
                    "UPDATE outbox_deliveries SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE outbox_id = $3 AND webhook_id = $4",
                )
                .bind(next)
                .bind(error)
                .bind(outbox_id)
                .bind(webhook_id)
                .execute(self.pool())
                .await?;
            }
        }
        Ok(())
    }
}
