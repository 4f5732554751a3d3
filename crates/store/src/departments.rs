//! Departments (部门): name, credit code, region, parent, kind.

use crate::{Page, Result, Store, StoreError, classify, get_i64, get_opt_i64, get_str, now_micros};
use serde::Serialize;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::DepartmentKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub region_code: String,
    pub parent_id: Option<i64>,
    /// `government`, `institution`, `vertical` or `other`.
    pub kind: String,
}

impl Department {
    /// The department's region as a validated code (stored codes were validated on entry).
    pub fn region(&self) -> RegionCode {
        RegionCode::parse(&self.region_code).expect("stored region codes are valid")
    }

    /// The department as the target of an authorisation check.
    pub fn target(&self) -> yici_core::authz::Target {
        yici_core::authz::Target::Department {
            id: self.id,
            region: self.region(),
        }
    }
}

/// A department as entered, already validated by the caller's types.
#[derive(Debug, Clone)]
pub struct NewDepartment {
    pub name: String,
    pub uscc: Uscc,
    pub region: RegionCode,
    pub parent_id: Option<i64>,
    pub kind: DepartmentKind,
}

fn department(row: &AnyRow) -> Result<Department> {
    Ok(Department {
        id: get_i64(row, "id")?,
        name: get_str(row, "name")?,
        uscc: get_str(row, "uscc")?,
        region_code: get_str(row, "region_code")?,
        parent_id: get_opt_i64(row, "parent_id")?,
        kind: get_str(row, "kind")?,
    })
}

macro_rules! columns_columns {
    () => {
        "id, name, uscc, region_code, parent_id, kind"
    };
}

impl Store {
    async fn check_department(&self, d: &NewDepartment, own_id: Option<i64>) -> Result<()> {
        let name = d.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "department name must be 1 to 100 characters".into(),
            ));
        }
        if self.region(d.region.as_str()).await?.is_none() {
            return Err(StoreError::Conflict(format!("region {} is not registered", d.region)));
        }
        if let Some(p) = d.parent_id {
            if Some(p) == own_id {
                return Err(StoreError::Invalid("a department cannot be its own parent".into()));
            }
            if self.department(p).await?.is_none() {
                return Err(StoreError::Conflict(format!("parent department {p} does not exist")));
            }
        }
        Ok(())
    }

    pub async fn create_department(&self, d: &NewDepartment, audit: &AuditEvent) -> Result<Department> {
        self.check_department(d, None).await?;
        let now = now_micros();
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO departments (name, uscc, region_code, parent_id, kind, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ",
            columns_columns!()
        ))
        .bind(d.name.trim())
        .bind(d.uscc.as_str())
        .bind(d.region.as_str())
        .bind(d.parent_id)
        .bind(d.kind.code())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| classify(e, "department with this credit code"))?;
        let dep = department(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(dep.id)).await?;
        self.commit(tx).await?;
        Ok(dep)
    }

    /// Create the department, or update the one with the same credit code (demo seeding,
    /// re-imports).
    pub async fn upsert_department(&self, d: &NewDepartment, audit: &AuditEvent) -> Result<Department> {
        match self.department_by_uscc(d.uscc.as_str()).await? {
            Some(existing) => {
                let mut audit = audit.clone();
                audit.action = yici_core::audit::Action::DepartmentUpdate;
                self.update_department(existing.id, d, &audit).await
            }
            None => self.create_department(d, audit).await,
        }
    }

    pub async fn update_department(&self, id: i64, d: &NewDepartment, audit: &AuditEvent) -> Result<Department> {
        self.check_department(d, Some(id)).await?;
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "UPDATE departments SET name = $1, uscc = $2, region_code = $3, parent_id = $4, kind = $5, updated_at = $6
             WHERE id = $7 RETURNING ",
            columns_columns!()
        ))
        .bind(d.name.trim())
        .bind(d.uscc.as_str())
        .bind(d.region.as_str())
        .bind(d.parent_id)
        .bind(d.kind.code())
        .bind(now_micros())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| classify(e, "department with this credit code"))?;
        let dep = row
            .as_ref()
            .map(department)
            .transpose()?
            .ok_or(StoreError::NotFound("department"))?;
        self.audit_in(&mut tx, &audit.clone().object(dep.id)).await?;
        self.commit(tx).await?;
        Ok(dep)
    }

    pub async fn department(&self, id: i64) -> Result<Option<Department>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns_columns!(),
            " FROM departments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(department).transpose()
    }

    pub async fn department_by_uscc(&self, uscc: &str) -> Result<Option<Department>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns_columns!(),
            " FROM departments WHERE uscc = $1"
        ))
        .bind(uscc)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(department).transpose()
    }

    /// Departments, optionally only those whose region code starts with `region_prefix`.
    pub async fn list_departments(&self, region_prefix: Option<&str>, page: Page) -> Result<Vec<Department>> {
        let pattern = format!("{}%", region_prefix.unwrap_or(""));
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns_columns!(),
            " FROM departments WHERE region_code LIKE $1 ORDER BY region_code, id LIMIT $2 OFFSET $3"
        ))
        .bind(pattern)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(department).collect()
    }
}
