//! The region tree (province → city → county → township → village).

use crate::{Page, Result, Store, StoreError, classify, get_i64, get_opt_str, get_str, now_micros};
use serde::Serialize;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;
use yici_core::id::RegionCode;

/// A region as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// 1 province, 2 city, 3 county, 4 township, 5 village.
    pub level: i64,
    pub parent_code: Option<String>,
}

fn region(row: &AnyRow) -> Result<Region> {
    Ok(Region {
        code: get_str(row, "code")?,
        name: get_str(row, "name")?,
        level: get_i64(row, "level")?,
        parent_code: get_opt_str(row, "parent_code")?,
    })
}

macro_rules! columns_columns {
    () => {
        "code, name, level, parent_code"
    };
}

impl Store {
    /// Add a region or rename it. Its level and parent follow from the code; the parent must
    /// already be registered.
    pub async fn upsert_region(&self, code: &RegionCode, name: &str, audit: &AuditEvent) -> Result<Region> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(StoreError::Invalid("region name must be 1 to 64 characters".into()));
        }
        let parent = code.parent();
        if let Some(p) = &parent
            && self.region(p.as_str()).await?.is_none()
        {
            return Err(StoreError::Conflict(format!("parent region {p} is not registered")));
        }
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO regions (code, name, level, parent_code, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name RETURNING ",
            columns_columns!()
        ))
        .bind(code.as_str())
        .bind(name)
        .bind(code.level().code())
        .bind(parent.as_ref().map(|p| p.as_str().to_string()))
        .bind(now_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| classify(e, "region"))?;
        let r = region(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(&r.code)).await?;
        self.commit(tx).await?;
        Ok(r)
    }

    pub async fn region(&self, code: &str) -> Result<Option<Region>> {
        let row = sqlx::query(concat!("SELECT ", columns_columns!(), " FROM regions WHERE code = $1"))
            .bind(code)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(region).transpose()
    }

    /// The regions directly below `parent`, or the top level when `parent` is `None`.
    pub async fn region_children(&self, parent: Option<&str>) -> Result<Vec<Region>> {
        let rows = match parent {
            Some(p) => {
                sqlx::query(concat!(
                    "SELECT ",
                    columns_columns!(),
                    " FROM regions WHERE parent_code = $1 ORDER BY code"
                ))
                .bind(p)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(concat!(
                    "SELECT ",
                    columns_columns!(),
                    " FROM regions WHERE parent_code IS NULL ORDER BY code"
                ))
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(region).collect()
    }

    pub async fn list_regions(&self, page: Page) -> Result<Vec<Region>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns_columns!(),
            " FROM regions ORDER BY code LIMIT $1 OFFSET $2"
        ))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(region).collect()
    }

    pub async fn count_regions(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM regions")
            .fetch_one(self.pool())
            .await?;
        get_i64(&row, "n")
    }
}
