//! 考核: the versioned weights of the assessment, the assessments run with them, and the
//! inspection records (督察记录) with their follow-up. Weights are never changed: each change is
//! a new version, and each assessment keeps the version it used.

use crate::dynamic::Binds;
use crate::evaluations::Reach;
use crate::{Result, Store, get_i64, get_opt_i64, get_opt_str, get_str, now_micros};
use serde::Serialize;
use std::collections::BTreeMap;
use yici_core::audit::AuditEvent;

/// A version of the weights.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeightsRecord {
    pub version: i64,
    /// Each metric's weight.
    pub weights: BTreeMap<String, f64>,
    pub note: String,
    pub created_at: i64,
}

/// An assessment as run.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AssessmentRecord {
    pub id: i64,
    /// The version of the weights it used.
    pub weights_version: i64,
    pub from_day: String,
    pub to_day: String,
    /// The region assessed (its code; empty: the whole platform).
    pub region_code: String,
    /// The ranked departments with their metrics and scores.
    #[schema(value_type = Object)]
    pub results: serde_json::Value,
    pub created_at: i64,
}

/// An inspection to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInspection {
    /// `department`, `item` or `case`, and which.
    pub target_kind: String,
    pub target_key: String,
    pub department_id: i64,
    pub region_code: String,
    pub finding: String,
    /// The follow-up deadline (YYYY-MM-DD).
    pub follow_up_due: String,
}

/// An inspection record (督察记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InspectionRecord {
    pub id: i64,
    pub target_kind: String,
    pub target_key: String,
    pub department_id: i64,
    pub region_code: String,
    pub finding: String,
    pub follow_up_due: String,
    /// `rectified` or `not_rectified` once followed up.
    pub outcome: Option<String>,
    pub outcome_note: String,
    pub outcome_at: Option<i64>,
    pub created_at: i64,
}

fn weights_record(r: &sqlx::any::AnyRow) -> Result<WeightsRecord> {
    Ok(WeightsRecord {
        version: get_i64(r, "version")?,
        weights: serde_json::from_str(&get_str(r, "weights")?).unwrap_or_default(),
        note: get_str(r, "note")?,
        created_at: get_i64(r, "created_at")?,
    })
}

fn assessment_record(r: &sqlx::any::AnyRow) -> Result<AssessmentRecord> {
    Ok(AssessmentRecord {
        id: get_i64(r, "id")?,
        weights_version: get_i64(r, "weights_version")?,
        from_day: get_str(r, "from_day")?,
        to_day: get_str(r, "to_day")?,
        region_code: get_str(r, "region_code")?,
        results: serde_json::from_str(&get_str(r, "results")?).unwrap_or_default(),
        created_at: get_i64(r, "created_at")?,
    })
}

fn inspection_record(r: &sqlx::any::AnyRow) -> Result<InspectionRecord> {
    Ok(InspectionRecord {
        id: get_i64(r, "id")?,
        target_kind: get_str(r, "target_kind")?,
        target_key: get_str(r, "target_key")?,
        department_id: get_i64(r, "department_id")?,
        region_code: get_str(r, "region_code")?,
        finding: get_str(r, "finding")?,
        follow_up_due: get_str(r, "follow_up_due")?,
        outcome: get_opt_str(r, "outcome")?,
        outcome_note: get_str(r, "outcome_note")?,
        outcome_at: get_opt_i64(r, "outcome_at")?,
        created_at: get_i64(r, "created_at")?,
    })
}

const INSPECTION_COLUMNS: &str = "id, target_kind, target_key, department_id, region_code, finding, follow_up_due, \
     outcome, outcome_note, outcome_at, created_at";

impl Store {
    /// Record a new version of the weights (the last version + 1) with its audit entry. Of two
    /// recorded at once, one is a conflict and writes nothing.
    pub async fn weights_add(
        &self,
        weights: &BTreeMap<String, f64>,
        note: &str,
        by: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<WeightsRecord> {
        let mut tx = self.begin().await?;
        let next = get_i64(
            &sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS n FROM assessment_weights")
                .fetch_one(&mut *tx)
                .await?,
            "n",
        )?;
        let text = serde_json::to_string(weights).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO assessment_weights (version, weights, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(next)
        .bind(&text)
        .bind(note)
        .bind(by)
        .bind(now_micros())
        .execute(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "a version of the weights"))?;
        self.audit_in(&mut tx, &audit.clone().object(next.to_string())).await?;
        self.commit_uncached(tx).await?;
        self.weights_version(next)
            .await?
            .ok_or(crate::StoreError::NotFound("weights"))
    }

    /// Version `version` of the weights.
    pub async fn weights_version(&self, version: i64) -> Result<Option<WeightsRecord>> {
        let row = sqlx::query("SELECT version, weights, note, created_at FROM assessment_weights WHERE version = $1")
            .bind(version)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(weights_record).transpose()
    }

    /// Every version of the weights, the newest first.
    pub async fn weights_history(&self) -> Result<Vec<WeightsRecord>> {
        let rows =
            sqlx::query("SELECT version, weights, note, created_at FROM assessment_weights ORDER BY version DESC")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(weights_record).collect()
    }

    /// Record an assessment run with version `weights_version`, with its audit entry.
    pub async fn assessment_add(
        &self,
        weights_version: i64,
        (from_day, to_day, region_code): (&str, &str, &str),
        results: &serde_json::Value,
        by: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<AssessmentRecord> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO assessments (weights_version, from_day, to_day, region_code, results, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(weights_version)
        .bind(from_day)
        .bind(to_day)
        .bind(region_code)
        .bind(results.to_string())
        .bind(by)
        .bind(now_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "an assessment"))?;
        let id = get_i64(&row, "id")?;
        self.audit_in(&mut tx, &audit.clone().object(id.to_string())).await?;
        self.commit_uncached(tx).await?;
        self.assessment(id)
            .await?
            .ok_or(crate::StoreError::NotFound("assessment"))
    }

    /// Assessment `id`.
    pub async fn assessment(&self, id: i64) -> Result<Option<AssessmentRecord>> {
        let row = sqlx::query(
            "SELECT id, weights_version, from_day, to_day, region_code, results, created_at FROM assessments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(assessment_record).transpose()
    }

    /// The assessments of the regions within `prefixes` (a region code's prefix; an empty one
    /// is everything), the newest first, at most `limit`.
    pub async fn assessments(&self, prefixes: &[String], limit: i64) -> Result<Vec<AssessmentRecord>> {
        if prefixes.is_empty() {
            return Ok(Vec::new());
        }
        let mut binds = Binds::default();
        let within: Vec<String> = prefixes
            .iter()
            .map(|p| format!("region_code LIKE {}", binds.text(format!("{p}%"))))
            .collect();
        let limit = binds.int(limit);
        let rows = binds
            .query(
                format!(
                    "SELECT id, weights_version, from_day, to_day, region_code, results, created_at FROM assessments
                     WHERE {} ORDER BY id DESC LIMIT {limit}",
                    within.join(" OR ")
                ),
                binds.len(),
            )
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(assessment_record).collect()
    }

    /// Record an inspection with its audit entry.
    pub async fn inspection_add(
        &self,
        i: &NewInspection,
        by: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<InspectionRecord> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO inspections (target_kind, target_key, department_id, region_code, finding, follow_up_due,
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&i.target_kind)
        .bind(&i.target_key)
        .bind(i.department_id)
        .bind(&i.region_code)
        .bind(&i.finding)
        .bind(&i.follow_up_due)
        .bind(by)
        .bind(now_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "an inspection"))?;
        let id = get_i64(&row, "id")?;
        self.audit_in(&mut tx, &audit.clone().object(id.to_string())).await?;
        self.commit_uncached(tx).await?;
        self.inspection(id)
            .await?
            .ok_or(crate::StoreError::NotFound("inspection"))
    }

    /// Inspection `id`.
    pub async fn inspection(&self, id: i64) -> Result<Option<InspectionRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INSPECTION_COLUMNS} FROM inspections WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(inspection_record).transpose()
    }

    /// Record the follow-up of inspection `id` once, with its audit entry: `false` (nothing
    /// written) when it was followed up already.
    pub async fn inspection_follow_up(
        &self,
        id: i64,
        (outcome, note): (&str, &str),
        audit: &AuditEvent,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE inspections SET outcome = $1, outcome_note = $2, outcome_at = $3 WHERE id = $4 AND outcome IS NULL",
        )
        .bind(outcome)
        .bind(note)
        .bind(now_micros())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(false);
        }
        self.audit_in(&mut tx, &audit.clone().object(id.to_string())).await?;
        self.commit_uncached(tx).await?;
        Ok(true)
    }

    /// The inspections in `reach`, the newest first, and how many there are; `open_before`:
    /// only those not followed up whose deadline is before that day.
    pub async fn inspections(
        &self,
        reach: &[Reach],
        open_before: Option<&str>,
        page: crate::Page,
    ) -> Result<(Vec<InspectionRecord>, i64)> {
        if reach.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut binds = Binds::default();
        let within: Vec<String> = reach
            .iter()
            .map(|r| match r {
                Reach::RegionPrefix(p) => format!("region_code LIKE {}", binds.text(format!("{p}%"))),
                Reach::Department(id) => format!("department_id = {}", binds.int(*id)),
            })
            .collect();
        let mut from = format!("FROM inspections WHERE ({})", within.join(" OR "));
        if let Some(day) = open_before {
            from.push_str(&format!(" AND outcome IS NULL AND follow_up_due < {}", binds.text(day)));
        }
        let (rows, total) = binds
            .page(self.pool(), (INSPECTION_COLUMNS, &from, "id DESC"), page)
            .await?;
        Ok((rows.iter().map(inspection_record).collect::<Result<_>>()?, total))
    }
}
