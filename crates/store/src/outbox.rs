//! The transactional outbox of the change feed and the deliveries to subscribed webhooks.
//!
//! Every new or changed row writes an outbox row in the same transaction (see `datasets`). A
//! relay fans each outbox row out to the webhooks subscribed to its resource and delivers them
//! with retries until the subscriber accepts: at least once, and nothing lost across restarts.

use crate::datasets::Change;
use crate::{Result, Store, StoreError, get_i64, get_str, now_micros};
use yici_core::audit::AuditEvent;

/// How a subscription's changes are pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// A signed HTTP POST to the subscriber's address.
    Webhook,
    /// A message on the subscription's subject of the platform's NATS JetStream stream.
    Nats,
}

impl Transport {
    pub fn code(self) -> &'static str {
        match self {
            Transport::Webhook => "webhook",
            Transport::Nats => "nats",
        }
    }

    fn parse(code: &str) -> Result<Self> {
        match code {
            "webhook" => Ok(Transport::Webhook),
            "nats" => Ok(Transport::Nats),
            other => Err(StoreError::Invalid(format!("unknown transport {other}"))),
        }
    }
}

/// A subscription of a system to a resource's changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub system_id: i64,
    pub resource_id: i64,
    /// The subscriber's address (`nats` for a NATS subscription).
    pub url: String,
    pub transport: Transport,
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
    /// Subscribe a system to a resource's changes, at `url` for a webhook (a NATS subscription
    /// ignores it); `secret` signs the deliveries.
    pub async fn webhook_add(
        &self,
        system_id: i64,
        resource_id: i64,
        transport: Transport,
        url: &str,
        secret: &str,
        audit: &AuditEvent,
    ) -> Result<Webhook> {
        let url = match transport {
            Transport::Webhook => url,
            Transport::Nats => "nats",
        };
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO webhooks (system_id, resource_id, url, secret, created_at, transport) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(system_id)
        .bind(resource_id)
        .bind(url)
        .bind(secret)
        .bind(now_micros())
        .bind(transport.code())
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
            transport,
        })
    }

    /// Turn new outbox rows into one delivery per subscribed webhook; returns how many rows.
    /// A few statements per pass, whatever the number of rows; deliveries are due at once (time
    /// 0), so the first attempt happens on the same relay pass.
    pub async fn outbox_fan_out(&self, limit: i64) -> Result<usize> {
        let mut tx = self.begin().await?;
        let range = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM
             (SELECT id FROM outbox WHERE fanned_out = 0 ORDER BY id LIMIT $1) AS due",
        )
        .bind(limit)
        .fetch_one(&mut *tx)
        .await?;
        let (n, last) = (get_i64(&range, "n")?, get_i64(&range, "last")?);
        if n == 0 {
            return Ok(0);
        }
        // Claim the rows first (2), so rows that commit meanwhile below `last` wait for the next
        // pass instead of being marked without their deliveries.
        let claimed = sqlx::query("UPDATE outbox SET fanned_out = 2 WHERE fanned_out = 0 AND id <= $1")
            .bind(last)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "INSERT INTO outbox_deliveries (outbox_id, webhook_id, next_attempt_at)
             SELECT o.id, w.id, 0 FROM outbox o JOIN webhooks w ON w.resource_id = o.resource_id
             WHERE o.fanned_out = 2
             ON CONFLICT (outbox_id, webhook_id) DO NOTHING",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE outbox SET fanned_out = 1 WHERE fanned_out = 2")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(claimed as usize)
    }

    /// Deliveries due at `now`, oldest first; NATS deliveries only when `with_nats` (an instance
    /// without a NATS connection leaves them to one that has it).
    pub async fn outbox_due(&self, now: i64, limit: i64, with_nats: bool) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT d.outbox_id, d.attempts, w.id AS webhook_id, w.system_id, w.resource_id, w.url, w.transport, w.secret,
                    c.seq, c.row_key, c.version, c.content
             FROM outbox_deliveries d
             JOIN webhooks w ON w.id = d.webhook_id
             JOIN outbox o ON o.id = d.outbox_id
             JOIN dataset_changes c ON c.seq = o.change_seq
             WHERE d.delivered_at IS NULL AND d.next_attempt_at <= $1 AND (w.transport = 'webhook' OR $3 = 1)
             ORDER BY d.outbox_id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .bind(i64::from(with_nats))
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
                        transport: Transport::parse(&get_str(r, "transport")?)?,
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
