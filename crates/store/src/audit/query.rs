//! Searching the log: by department, system, subject, action and time, with paging.

use crate::{Page, Result, Store, get_i64, get_str};
use sqlx::{AssertSqlSafe, Row};
use yici_core::audit::EntryContent;

/// What to search for; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub department_id: Option<i64>,
    pub system_id: Option<i64>,
    /// An ID number or credit code, in the clear; matched by its keyed digest.
    pub subject: Option<String>,
    pub action: Option<String>,
    /// UTC microseconds, inclusive.
    pub from: Option<i64>,
    /// UTC microseconds, exclusive.
    pub to: Option<i64>,
    /// Only entries of these departments (a reader scoped to part of the platform); `None`
    /// for no such limit. Entries of no department are outside every such limit.
    pub within_departments: Option<Vec<i64>>,
}

/// An entry as stored: its row id, its leaf index once sequenced, and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    pub id: i64,
    pub index: Option<u64>,
    pub content: EntryContent,
}

enum Value {
    Int(i64),
    Text(String),
}

impl Store {
    /// Entries matching `filter`, newest first.
    pub async fn audit_search(&self, filter: &AuditFilter, page: Page) -> Result<Vec<LoggedEntry>> {
        let mut sql = String::from(
            "SELECT e.id, e.content, l.seq FROM audit_entries e LEFT JOIN audit_leaves l ON l.entry_id = e.id",
        );
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let param = |values: &mut Vec<Value>, v: Value| {
            values.push(v);
            format!("${}", values.len())
        };
        if let Some(s) = &filter.subject {
            let digest = self.audit_keys()?.subject_digest(s);
            let p = param(&mut values, Value::Text(digest));
            sql.push_str(&format!(
                " JOIN audit_subjects s ON s.entry_id = e.id AND s.subject_digest = {p}"
            ));
        }
        if let Some(d) = filter.department_id {
            conditions.push(format!("e.department_id = {}", param(&mut values, Value::Int(d))));
        }
        if let Some(ids) = &filter.within_departments {
            if ids.is_empty() {
                conditions.push("1 = 0".to_string());
            } else {
                let placeholders: Vec<String> = ids.iter().map(|d| param(&mut values, Value::Int(*d))).collect();
                conditions.push(format!("e.department_id IN ({})", placeholders.join(", ")));
            }
        }
        if let Some(s) = filter.system_id {
            conditions.push(format!("e.system_id = {}", param(&mut values, Value::Int(s))));
        }
        if let Some(a) = &filter.action {
            conditions.push(format!("e.action = {}", param(&mut values, Value::Text(a.clone()))));
        }
        if let Some(f) = filter.from {
            conditions.push(format!("e.time >= {}", param(&mut values, Value::Int(f))));
        }
        if let Some(t) = filter.to {
            conditions.push(format!("e.time < {}", param(&mut values, Value::Int(t))));
        }
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        let limit = param(&mut values, Value::Int(page.limit));
        let offset = param(&mut values, Value::Int(page.offset));
        sql.push_str(&format!(" ORDER BY e.id DESC LIMIT {limit} OFFSET {offset}"));
        // Only column names and numbered placeholders are interpolated; values are bound.
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in values {
            q = match v {
                Value::Int(i) => q.bind(i),
                Value::Text(t) => q.bind(t),
            };
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let content = get_str(r, "content")?;
                Ok(LoggedEntry {
                    id: get_i64(r, "id")?,
                    index: r.try_get::<Option<i64>, _>("seq")?.map(|s| s as u64),
                    content: EntryContent::parse(content.as_bytes())
                        .map_err(|e| crate::StoreError::Invalid(format!("audit entry is unreadable: {e}")))?,
                })
            })
            .collect()
    }

    /// One entry by its row id.
    pub async fn audit_entry(&self, id: i64) -> Result<Option<LoggedEntry>> {
        let row = sqlx::query("SELECT e.id, e.content, l.seq FROM audit_entries e LEFT JOIN audit_leaves l ON l.entry_id = e.id WHERE e.id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok(LoggedEntry {
                id: get_i64(&r, "id")?,
                index: r.try_get::<Option<i64>, _>("seq")?.map(|s| s as u64),
                content: EntryContent::parse(get_str(&r, "content")?.as_bytes())
                    .map_err(|e| crate::StoreError::Invalid(format!("audit entry is unreadable: {e}")))?,
            })
        })
        .transpose()
    }

    /// Whether `subject` is among the data subjects of entry `id`.
    pub async fn audit_entry_concerns(&self, id: i64, subject: &str) -> Result<bool> {
        let digest = self.audit_keys()?.subject_digest(subject);
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_subjects WHERE entry_id = $1 AND subject_digest = $2")
            .bind(id)
            .bind(digest)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")? > 0)
    }

    /// Bytes the log occupies (tables and indexes), for the benchmark.
    pub async fn audit_storage_bytes(&self) -> Result<u64> {
        let sql = match self.dialect() {
            crate::Dialect::Sqlite => {
                "SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name LIKE 'audit%' OR name LIKE 'sqlite_autoindex_audit%'"
            }
            crate::Dialect::Postgres => {
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT AS n FROM pg_class c
                 JOIN pg_namespace ns ON ns.oid = c.relnamespace
                 WHERE c.relkind = 'r' AND c.relname LIKE 'audit%' AND ns.nspname = current_schema()"
            }
        };
        let row = sqlx::query(sql).fetch_one(self.pool()).await?;
        Ok(get_i64(&row, "n")? as u64)
    }
}
