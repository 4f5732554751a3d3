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
use sqlx::{AnyConnection, AssertSqlSafe};
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
        Ok(self.audit_rows(conn, std::slice::from_ref(event)).await?[0])
    }

    /// Insert entries with their subject digests and pending marks, a few statements per
    /// hundred entries; returns their ids in order.
    async fn audit_rows(&self, conn: &mut AnyConnection, events: &[AuditEvent]) -> Result<Vec<i64>> {
        let keys = self.audit_keys()?;
        let mut ids = Vec::with_capacity(events.len());
        for chunk in events.chunks(100) {
            let rows: Vec<(String, String, &AuditEvent, Vec<String>)> = chunk
                .iter()
                .map(|e| {
                    let content = e.content(|s| keys.subject_digest(s));
                    let mut digests = content.subjects.clone();
                    digests.sort();
                    digests.dedup();
                    let json = String::from_utf8(content.canonical()).expect("JSON is UTF-8");
                    (
                        yici_crypto::token::short_id() + &yici_crypto::token::short_id(),
                        json,
                        e,
                        digests,
                    )
                })
                .collect();
            let mut sql = String::from(
                "INSERT INTO audit_entries (time, action, object_type, user_id, system_id, department_id, applicant_id, outcome, request_id, entry_key, content) VALUES",
            );
            for i in 0..rows.len() {
                let b = i * 11;
                sql.push_str(&format!(
                    "{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    if i == 0 { " " } else { ", " },
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11
                ));
            }
            sql.push_str(" RETURNING id, entry_key");
            // Only numbered placeholders are interpolated; every value is bound.
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (key, json, e, _) in &rows {
                q = q
                    .bind(e.time)
                    .bind(e.action.clone())
                    .bind(e.object_type.clone())
                    .bind(e.actor.user_id)
                    .bind(e.actor.system_id)
                    .bind(e.actor.department_id)
                    .bind(e.actor.applicant_id)
                    .bind(e.outcome.code())
                    .bind(e.request_id.clone())
                    .bind(key.clone())
                    .bind(json.clone());
            }
            let returned = q.fetch_all(&mut *conn).await?;
            let mut by_key = std::collections::HashMap::with_capacity(returned.len());
            for r in &returned {
                by_key.insert(crate::get_str(r, "entry_key")?, crate::get_i64(r, "id")?);
            }
            let chunk_ids: Vec<i64> = rows
                .iter()
                .map(|(k, ..)| {
                    by_key
                        .get(k)
                        .copied()
                        .ok_or_else(|| StoreError::Invalid("audit insert lost a row".into()))
                })
                .collect::<Result<_>>()?;
            let subjects: Vec<(String, i64)> = rows
                .iter()
                .zip(&chunk_ids)
                .flat_map(|((.., ds), id)| ds.iter().map(move |d| (d.clone(), *id)))
                .collect();
            for part in subjects.chunks(400) {
                let mut sql = String::from("INSERT INTO audit_subjects (subject_digest, entry_id) VALUES");
                for i in 0..part.len() {
                    sql.push_str(&format!(
                        "{}(${}, ${})",
                        if i == 0 { " " } else { ", " },
                        2 * i + 1,
                        2 * i + 2
                    ));
                }
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (d, id) in part {
                    q = q.bind(d.clone()).bind(*id);
                }
                q.execute(&mut *conn).await?;
            }
            let mut sql = String::from("INSERT INTO audit_pending (entry_id) VALUES");
            for i in 0..chunk_ids.len() {
                sql.push_str(&format!("{}(${})", if i == 0 { " " } else { ", " }, i + 1));
            }
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &chunk_ids {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
            ids.extend(chunk_ids);
        }
        Ok(ids)
    }

    /// Append entries in one transaction (a group commit); returns their ids in order.
    pub async fn audit_append_batch(&self, events: &[AuditEvent]) -> Result<Vec<i64>> {
        let mut tx = self.begin().await?;
        let ids = self.audit_rows(&mut tx, events).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Append one entry on its own.
    pub async fn audit_append(&self, event: &AuditEvent) -> Result<i64> {
        Ok(self.audit_append_batch(std::slice::from_ref(event)).await?[0])
    }
}
