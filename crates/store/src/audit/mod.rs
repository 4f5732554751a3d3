//! The tamper-evident audit log: entries, their Merkle tree, signed checkpoints, proofs,
//! search, and verification of the whole record.
//!
//! Writing is in two steps. An entry is inserted (with its subject digests and a row in
//! `audit_pending`) in the same transaction as the change it records, or, for reads and
//! refusals, in a group-committed batch ([`AuditWriter`]); either way the caller hears of
//! success only once the entry is durable. The sequencer then gives pending entries their leaf
//! index and extends the tree under a lock on `audit_head`, so several server instances on one
//! PostgreSQL database produce one log.

mod keys;
mod query;
mod tree;
mod writer;

pub use keys::AuditKeys;
pub use query::{AuditFilter, LoggedEntry};
pub use tree::VerifyReport;
pub use writer::AuditWriter;

use crate::{Result, Store, StoreError};
use sqlx::AnyConnection;
use yici_core::audit::AuditEvent;

impl Store {
    /// The audit keys; every store that writes must have them.
    pub fn audit_keys(&self) -> Result<&AuditKeys> {
        self.audit
            .as_deref()
            .ok_or_else(|| StoreError::Invalid("audit keys are not configured".into()))
    }

    /// Append an entry inside an open transaction: the change and its entry commit together or
    /// not at all.
    pub async fn audit_in(&self, conn: &mut AnyConnection, event: &AuditEvent) -> Result<i64> {
        let keys = self.audit_keys()?;
        let content = event.content(|s| keys.subject_digest(s));
        let row = sqlx::query(
            "INSERT INTO audit_entries (time, action, object_type, user_id, system_id, department_id, applicant_id, outcome, request_id, content)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(event.time)
        .bind(&event.action)
        .bind(&event.object_type)
        .bind(event.actor.user_id)
        .bind(event.actor.system_id)
        .bind(event.actor.department_id)
        .bind(event.actor.applicant_id)
        .bind(event.outcome.code())
        .bind(&event.request_id)
        .bind(String::from_utf8(content.canonical()).expect("JSON is UTF-8"))
        .fetch_one(&mut *conn)
        .await?;
        let id = crate::get_i64(&row, "id")?;
        let mut digests: Vec<&String> = content.subjects.iter().collect();
        digests.sort();
        digests.dedup();
        for d in digests {
            sqlx::query("INSERT INTO audit_subjects (subject_digest, entry_id) VALUES ($1, $2)")
                .bind(d)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("INSERT INTO audit_pending (entry_id) VALUES ($1)")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(id)
    }

    /// Append entries in one transaction (a group commit); returns their ids in order.
    pub async fn audit_append_batch(&self, events: &[AuditEvent]) -> Result<Vec<i64>> {
        let mut tx = self.pool().begin().await?;
        let mut ids = Vec::with_capacity(events.len());
        for e in events {
            ids.push(self.audit_in(&mut tx, e).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Append one entry on its own.
    pub async fn audit_append(&self, event: &AuditEvent) -> Result<i64> {
        Ok(self.audit_append_batch(std::slice::from_ref(event)).await?[0])
    }
}
