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

pub use keys::{AuditKeys, write_private};
pub use query::{AuditFilter, LoggedEntry};
pub use tree::VerifyReport;
pub use writer::AuditWriter;

use crate::exec::{Conn, Sql, sql};
use crate::{Result, Store, StoreError};
use sqlx::AnyConnection;
use yici_core::audit::AuditEvent;

/// An entry's stored content and its random key (see the `entry_key` column).
#[derive(Debug, Clone)]
pub(crate) struct EntryRow {
    pub key: String,
    pub content: String,
}

/// Most entries written by one statement (11 values each).
const ENTRIES_PER_STATEMENT: usize = 200;

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
        self.audit_on(&mut Conn::Pool(conn), event).await
    }

    /// [`Store::audit_in`] on either kind of connection.
    pub(crate) async fn audit_on(&self, conn: &mut Conn<'_>, event: &AuditEvent) -> Result<i64> {
        Ok(self.audit_rows_on(conn, std::slice::from_ref(event)).await?[0])
    }

    /// An entry as stored: its content (canonical JSON with subject digests) and a random key.
    pub(crate) fn entry_row(&self, event: &AuditEvent) -> Result<EntryRow> {
        let keys = self.audit_keys()?;
        let content = event.content(|s| keys.subject_digest(s));
        Ok(EntryRow {
            key: yici_crypto::token::short_id() + &yici_crypto::token::short_id(),
            content: String::from_utf8(content.canonical()).expect("JSON is UTF-8"),
        })
    }

    /// Insert entries, one statement per [`ENTRIES_PER_STATEMENT`]; a trigger queues each for
    /// the sequencer and indexes its subject digests. Returns their ids in order.
    pub(crate) async fn audit_rows(&self, conn: &mut AnyConnection, events: &[AuditEvent]) -> Result<Vec<i64>> {
        self.audit_rows_on(&mut Conn::Pool(conn), events).await
    }

    /// [`Store::audit_rows`] on either kind of connection.
    pub(crate) async fn audit_rows_on(&self, conn: &mut Conn<'_>, events: &[AuditEvent]) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(events.len());
        for chunk in events.chunks(ENTRIES_PER_STATEMENT) {
            let rows = chunk
                .iter()
                .map(|e| Ok((self.entry_row(e)?, e)))
                .collect::<Result<Vec<(EntryRow, &AuditEvent)>>>()?;
            let dialect = self.dialect();
            // On PostgreSQL the ids come from the `audit_ids` row, taken in this transaction, so
            // that a rollback leaves no gap (see migration 12).
            let first_id = if dialect.numbers_audit_entries() {
                let row = sql("UPDATE audit_ids SET last = last + $1 WHERE id = 1 RETURNING last")
                    .bind(rows.len() as i64)
                    .fetch_one(conn)
                    .await?;
                Some(crate::get_i64(&row, "last")? - rows.len() as i64 + 1)
            } else {
                None
            };
            let (columns, width) = match first_id {
                Some(_) => ("id, ", 12),
                None => ("", 11),
            };
            let mut sql = format!(
                "INSERT INTO audit_entries ({columns}time, action, object_type, user_id, system_id, department_id, applicant_id, outcome, request_id, entry_key, content) VALUES"
            );
            for i in 0..rows.len() {
                let values: Vec<String> = (1..=width).map(|j| dialect.placeholder(i * width + j)).collect();
                sql.push_str(&format!("{}({})", if i == 0 { " " } else { ", " }, values.join(", ")));
            }
            sql.push_str(" RETURNING id, entry_key");
            // Only numbered placeholders are interpolated; every value is bound. A single entry
            // (the common case, inside a change's transaction) is kept prepared; a group is not,
            // as a connection would keep one statement per group size.
            let mut q = Sql::built(sql).persistent(rows.len() == 1);
            for (i, (row, e)) in rows.iter().enumerate() {
                if let Some(first) = first_id {
                    q = q.bind(first + i as i64);
                }
                q = q
                    .bind(e.time)
                    .bind(e.action.code())
                    .bind(e.object_type.as_str())
                    .bind(e.actor.user_id)
                    .bind(e.actor.system_id)
                    .bind(e.actor.department_id)
                    .bind(e.actor.applicant_id)
                    .bind(e.outcome.code())
                    .bind(e.request_id.clone())
                    .bind(row.key.clone())
                    .bind(row.content.clone());
            }
            let returned = q.fetch_all(conn).await?;
            let mut by_key = std::collections::HashMap::with_capacity(returned.len());
            for r in &returned {
                by_key.insert(crate::get_str(r, "entry_key")?, crate::get_i64(r, "id")?);
            }
            let chunk_ids: Vec<i64> = rows
                .iter()
                .map(|(row, _)| {
                    by_key
                        .get(&row.key)
                        .copied()
                        .ok_or_else(|| StoreError::Invalid("audit insert lost a row".into()))
                })
                .collect::<Result<_>>()?;
            ids.extend(chunk_ids);
        }
        Ok(ids)
    }

    /// Append entries atomically (a group commit); returns their ids in order. On SQLite a group
    /// that fits one statement needs no explicit transaction: the statement is one. On
    /// PostgreSQL the ids are taken in the same transaction as the insert.
    pub async fn audit_append_batch(&self, events: &[AuditEvent]) -> Result<Vec<i64>> {
        if events.len() <= ENTRIES_PER_STATEMENT && !self.dialect().numbers_audit_entries() {
            let mut conn = self.pool().acquire().await?;
            return self.audit_rows(&mut conn, events).await;
        }
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
