//! Systems (应用系统): a department's applications, and their bearer tokens. Tokens are stored
//! only as digests; the plaintext is shown once, at issue.

use crate::{Result, Store, StoreError, classify, get_i64, get_opt_i64, get_str, now_micros};
use serde::Serialize;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct System {
    pub id: i64,
    pub department_id: i64,
    pub name: String,
    pub description: String,
}

/// A token's record: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SystemToken {
    pub id: i64,
    pub system_id: i64,
    /// The first characters of the token, to tell tokens apart.
    pub hint: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

fn system(row: &AnyRow) -> Result<System> {
    Ok(System {
        id: get_i64(row, "id")?,
        department_id: get_i64(row, "department_id")?,
        name: get_str(row, "name")?,
        description: get_str(row, "description")?,
    })
}

fn token(row: &AnyRow) -> Result<SystemToken> {
    Ok(SystemToken {
        id: get_i64(row, "id")?,
        system_id: get_i64(row, "system_id")?,
        hint: get_str(row, "hint")?,
        created_at: get_i64(row, "created_at")?,
        expires_at: get_i64(row, "expires_at")?,
        revoked_at: get_opt_i64(row, "revoked_at")?,
    })
}

macro_rules! system_columns {
    () => {
        "id, department_id, name, description"
    };
}
macro_rules! token_columns {
    () => {
        "id, system_id, hint, created_at, expires_at, revoked_at"
    };
}

impl Store {
    pub async fn create_system(
        &self,
        department_id: i64,
        name: &str,
        description: &str,
        audit: &AuditEvent,
    ) -> Result<System> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || description.chars().count() > 500 {
            return Err(StoreError::Invalid(
                "system name must be 1 to 100 characters, description at most 500".into(),
            ));
        }
        if self.department(department_id).await?.is_none() {
            return Err(StoreError::Conflict(format!(
                "department {department_id} does not exist"
            )));
        }
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO systems (department_id, name, description, created_at) VALUES ($1, $2, $3, $4) RETURNING ",
            system_columns!()
        ))
        .bind(department_id)
        .bind(name)
        .bind(description.trim())
        .bind(now_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| classify(e, "a system with this name in the department"))?;
        let s = system(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(s.id)).await?;
        self.commit(tx).await?;
        Ok(s)
    }

    pub async fn system(&self, id: i64) -> Result<Option<System>> {
        let row = sqlx::query(concat!("SELECT ", system_columns!(), " FROM systems WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(system).transpose()
    }

    pub async fn system_by_name(&self, department_id: i64, name: &str) -> Result<Option<System>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            system_columns!(),
            " FROM systems WHERE department_id = $1 AND name = $2"
        ))
        .bind(department_id)
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(system).transpose()
    }

    pub async fn list_systems(&self, department_id: Option<i64>) -> Result<Vec<System>> {
        let rows = match department_id {
            Some(d) => {
                sqlx::query(concat!(
                    "SELECT ",
                    system_columns!(),
                    " FROM systems WHERE department_id = $1 ORDER BY id"
                ))
                .bind(d)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(concat!(
                    "SELECT ",
                    system_columns!(),
                    " FROM systems ORDER BY department_id, id"
                ))
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(system).collect()
    }

    /// Record a new token for `system_id` by its digest.
    pub async fn issue_system_token(
        &self,
        system_id: i64,
        digest: &str,
        hint: &str,
        expires_at: i64,
        audit: &AuditEvent,
    ) -> Result<SystemToken> {
        if self.system(system_id).await?.is_none() {
            return Err(StoreError::NotFound("system"));
        }
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!("INSERT INTO system_tokens (system_id, token_digest, hint, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ", token_columns!()))
        .bind(system_id)
        .bind(digest)
        .bind(hint)
        .bind(now_micros())
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| classify(e, "token"))?;
        let t = token(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(t.id)).await?;
        self.commit(tx).await?;
        Ok(t)
    }

    pub async fn system_tokens(&self, system_id: i64) -> Result<Vec<SystemToken>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            token_columns!(),
            " FROM system_tokens WHERE system_id = $1 ORDER BY id"
        ))
        .bind(system_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token).collect()
    }

    /// Revoke a token of `system_id`. Revoking twice keeps the first time and is not an error.
    pub async fn revoke_system_token(&self, system_id: i64, token_id: i64, audit: &AuditEvent) -> Result<SystemToken> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!("UPDATE system_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND system_id = $3 RETURNING ", token_columns!()))
        .bind(now_micros())
        .bind(token_id)
        .bind(system_id)
        .fetch_optional(&mut *tx)
        .await?;
        let t = row
            .as_ref()
            .map(token)
            .transpose()?
            .ok_or(StoreError::NotFound("token"))?;
        self.audit_in(&mut tx, &audit.clone().object(t.id)).await?;
        self.commit(tx).await?;
        Ok(t)
    }

    /// The system holding the token with `digest`, if the token is neither revoked nor expired.
    pub async fn authenticate_system(&self, digest: &str, now: i64) -> Result<Option<System>> {
        Ok(self
            .token_holder(digest)
            .await?
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(s, _)| s))
    }

    /// The system holding the unrevoked token with `digest`, and when the token expires.
    pub async fn token_holder(&self, digest: &str) -> Result<Option<(System, i64)>> {
        let row = sqlx::query(
            "SELECT s.id, s.department_id, s.name, s.description, t.expires_at FROM system_tokens t
             JOIN systems s ON s.id = t.system_id WHERE t.token_digest = $1 AND t.revoked_at IS NULL",
        )
        .bind(digest)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref()
            .map(|r| Ok((system(r)?, get_i64(r, "expires_at")?)))
            .transpose()
    }
}
