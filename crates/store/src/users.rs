//! Users (civil servants) and their scoped roles.

use crate::{Page, Result, Store, StoreError, classify, get_i64, get_opt_i64, get_opt_str, get_str, now_micros};
use serde::Serialize;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;
use yici_core::id::RegionCode;
use yici_core::org::{Role, RoleGrant, Scope};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub department_id: Option<i64>,
    pub disabled: bool,
}

/// A role held by a user, with the id used to revoke it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UserRole {
    pub id: i64,
    /// `operator`, `data_steward`, `cert_issuer`, `window_clerk`, `approver` or `supervisor`.
    pub role: String,
    pub department_id: Option<i64>,
    pub region_code: String,
}

impl UserRole {
    pub fn grant(&self) -> Option<RoleGrant> {
        let role = Role::from_code(&self.role)?;
        let region = RegionCode::parse(&self.region_code).ok()?;
        let scope = match self.department_id {
            Some(department_id) => Scope::Department { department_id, region },
            None => Scope::Region { region },
        };
        Some(RoleGrant { role, scope })
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub department_id: Option<i64>,
}

fn user(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: get_i64(row, "id")?,
        username: get_str(row, "username")?,
        display_name: get_str(row, "display_name")?,
        department_id: get_opt_i64(row, "department_id")?,
        disabled: get_i64(row, "disabled")? != 0,
    })
}

macro_rules! user_columns {
    () => {
        "id, username, display_name, department_id, disabled"
    };
}

impl Store {
    pub async fn create_user(&self, u: &NewUser<'_>, audit: &AuditEvent) -> Result<User> {
        if let Some(d) = u.department_id
            && self.department(d).await?.is_none()
        {
            return Err(StoreError::Conflict(format!("department {d} does not exist")));
        }
        let now = now_micros();
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO users (username, display_name, password_hash, department_id, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING ",
            user_columns!()
        ))
        .bind(u.username)
        .bind(u.display_name.trim())
        .bind(u.password_hash)
        .bind(u.department_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| classify(e, "user with this username"))?;
        let u = user(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(u.id)).await?;
        self.commit(tx).await?;
        Ok(u)
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user).transpose()
    }

    /// The user and their password hash, for sign-in.
    pub async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(r) => Ok(Some((user(&r)?, get_str(&r, "password_hash")?))),
            None => Ok(None),
        }
    }

    /// Users by id; with `within`, only those of these departments (their own department, or
    /// a role scoped to one of them).
    pub async fn list_users(&self, page: Page, within: Option<&[i64]>) -> Result<Vec<User>> {
        let Some(ids) = within else {
            let rows = sqlx::query(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users ORDER BY id LIMIT $1 OFFSET $2"
            ))
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(self.pool())
            .await?;
            return rows.iter().map(user).collect();
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (3..ids.len() + 3).map(|i| format!("${i}")).collect();
        let list = list.join(", ");
        let sql = format!(
            "SELECT {} FROM users WHERE department_id IN ({list})
             OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.department_id IN ({list}))
             ORDER BY id LIMIT $1 OFFSET $2",
            user_columns!()
        );
        // Only numbered placeholders are interpolated; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(page.limit).bind(page.offset);
        for id in ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(user).collect()
    }

    pub async fn set_user_password(&self, id: i64, password_hash: &str, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now_micros())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound("user"));
        }
        self.audit_in(&mut tx, &audit.clone().object(id)).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Disable or re-enable an account; disabling also ends its sessions.
    pub async fn set_user_disabled(&self, id: i64, disabled: bool, audit: &AuditEvent) -> Result<User> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3 RETURNING ",
            user_columns!()
        ))
        .bind(disabled as i64)
        .bind(now_micros())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let u = row
            .as_ref()
            .map(user)
            .transpose()?
            .ok_or(StoreError::NotFound("user"))?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE principal_kind = 'user' AND principal_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        self.audit_in(&mut tx, &audit.clone().object(u.id)).await?;
        self.commit(tx).await?;
        Ok(u)
    }

    /// Give a user a role in a scope. Granting the same role in the same scope again returns
    /// the existing grant.
    pub async fn grant_role(&self, user_id: i64, role: Role, scope: &Scope, audit: &AuditEvent) -> Result<UserRole> {
        let (department_id, region, key) = match scope {
            Scope::Department { department_id, .. } => {
                let d = self
                    .department(*department_id)
                    .await?
                    .ok_or_else(|| StoreError::Conflict(format!("department {department_id} does not exist")))?;
                (Some(*department_id), d.region_code, format!("d:{department_id}"))
            }
            Scope::Region { region } => {
                if self.region(region.as_str()).await?.is_none() {
                    return Err(StoreError::Conflict(format!("region {region} is not registered")));
                }
                (None, region.to_string(), format!("r:{region}"))
            }
        };
        if self.user(user_id).await?.is_none() {
            return Err(StoreError::NotFound("user"));
        }
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO user_roles (user_id, role, department_id, region_code, scope_key) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (user_id, role, scope_key) DO NOTHING",
        )
        .bind(user_id)
        .bind(role.code())
        .bind(department_id)
        .bind(&region)
        .bind(&key)
        .execute(&mut *tx)
        .await
        .map_err(|e| classify(e, "role"))?
        .rows_affected();
        let row = sqlx::query(
            "SELECT r.id, r.role, r.department_id, COALESCE(d.region_code, r.region_code) AS region_code
             FROM user_roles r LEFT JOIN departments d ON d.id = r.department_id
             WHERE r.user_id = $1 AND r.role = $2 AND r.scope_key = $3",
        )
        .bind(user_id)
        .bind(role.code())
        .bind(&key)
        .fetch_one(&mut *tx)
        .await?;
        let r = user_role(&row)?;
        if inserted > 0 {
            self.audit_in(&mut tx, &audit.clone().object(r.id)).await?;
        }
        self.commit(tx).await?;
        Ok(r)
    }

    pub async fn revoke_role(&self, user_id: i64, role_id: i64, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("DELETE FROM user_roles WHERE id = $1 AND user_id = $2")
            .bind(role_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound("role"));
        }
        self.audit_in(&mut tx, &audit.clone().object(role_id)).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// A user's roles; a department scope carries the department's current region.
    pub async fn user_roles(&self, user_id: i64) -> Result<Vec<UserRole>> {
        let rows = sqlx::query(
            "SELECT r.id, r.role, r.department_id, COALESCE(d.region_code, r.region_code) AS region_code
             FROM user_roles r LEFT JOIN departments d ON d.id = r.department_id
             WHERE r.user_id = $1 ORDER BY r.id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(user_role).collect()
    }
}

fn user_role(row: &AnyRow) -> Result<UserRole> {
    Ok(UserRole {
        id: get_i64(row, "id")?,
        role: get_str(row, "role")?,
        department_id: get_opt_i64(row, "department_id")?,
        region_code: get_opt_str(row, "region_code")?.unwrap_or_default(),
    })
}
