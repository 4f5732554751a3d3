//! Web sessions, stored by the digest of their cookie so that any instance can serve them and a
//! database leak reveals no usable cookie.

use crate::{Result, Store, get_i64, get_str};
use yici_core::audit::AuditEvent;

/// Who a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPrincipal {
    User(i64),
    Applicant(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub principal: SessionPrincipal,
    pub csrf_token: String,
    pub expires_at: i64,
}

impl Store {
    pub async fn create_session(
        &self,
        digest: &str,
        principal: SessionPrincipal,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (kind, id) = match principal {
            SessionPrincipal::User(id) => ("user", id),
            SessionPrincipal::Applicant(id) => ("applicant", id),
        };
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (id_digest, principal_kind, principal_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(digest)
        .bind(kind)
        .bind(id)
        .bind(csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        self.audit_in(&mut tx, &audit.clone().object(format!("{kind}:{id}")))
            .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// The live session with `digest`, if it has not expired.
    pub async fn session(&self, digest: &str, now: i64) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT principal_kind, principal_id, csrf_token, expires_at FROM sessions WHERE id_digest = $1 AND expires_at > $2",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id = get_i64(&row, "principal_id")?;
        let principal = match get_str(&row, "principal_kind")?.as_str() {
            "user" => SessionPrincipal::User(id),
            _ => SessionPrincipal::Applicant(id),
        };
        Ok(Some(SessionRecord {
            principal,
            csrf_token: get_str(&row, "csrf_token")?,
            expires_at: get_i64(&row, "expires_at")?,
        }))
    }

    /// End a session; the entry records who signed out.
    pub async fn delete_session(&self, digest: &str, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE id_digest = $1")
            .bind(digest)
            .execute(&mut *tx)
            .await?;
        self.audit_in(&mut tx, audit).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Remove expired sessions; returns how many.
    pub async fn purge_sessions(&self, now: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?
            .rows_affected())
    }
}
