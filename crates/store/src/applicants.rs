//! Applicants (申请人): citizens and companies, identified by a validated number and verified
//! by an identity provider.

use crate::{Page, Result, Store, StoreError, get_i64, get_str, now_micros};
use serde::Serialize;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;
use yici_core::org::ApplicantId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applicant {
    pub id: i64,
    pub applicant_id: ApplicantId,
    pub name: String,
    /// The identity provider that verified the applicant.
    pub verified_by: String,
    pub verified_at: i64,
}

fn applicant(row: &AnyRow) -> Result<Applicant> {
    let number = get_str(row, "id_number")?;
    Ok(Applicant {
        id: get_i64(row, "id")?,
        applicant_id: ApplicantId::parse(&number)
            .map_err(|e| StoreError::Invalid(format!("stored applicant number is invalid: {e}")))?,
        name: get_str(row, "name")?,
        verified_by: get_str(row, "verified_by")?,
        verified_at: get_i64(row, "verified_at")?,
    })
}

macro_rules! columns_columns {
    () => {
        "id, id_number, name, verified_by, verified_at"
    };
}

impl Store {
    /// Record a verified applicant, or refresh the verification of a known one.
    /// Record a verified sign-in: a new applicant is created with the verified name; a known
    /// one keeps the name on record (a sign-in never renames anyone) and gets a new
    /// verification time.
    pub async fn sign_in_applicant(
        &self,
        id: &ApplicantId,
        name: &str,
        verified_by: &str,
        audit: &AuditEvent,
    ) -> Result<Applicant> {
        let now = now_micros();
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!("INSERT INTO applicants (kind, id_number, name, verified_by, verified_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (id_number) DO UPDATE SET verified_by = excluded.verified_by, verified_at = excluded.verified_at
             RETURNING ", columns_columns!()))
        .bind(id.kind_code())
        .bind(id.as_str())
        .bind(name.trim())
        .bind(verified_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let a = applicant(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(a.id).subject(a.applicant_id.as_str()))
            .await?;
        self.commit(tx).await?;
        Ok(a)
    }

    pub async fn applicant(&self, id: i64) -> Result<Option<Applicant>> {
        let row = sqlx::query(concat!("SELECT ", columns_columns!(), " FROM applicants WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(applicant).transpose()
    }

    pub async fn applicant_by_number(&self, number: &ApplicantId) -> Result<Option<Applicant>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns_columns!(),
            " FROM applicants WHERE id_number = $1"
        ))
        .bind(number.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(applicant).transpose()
    }

    pub async fn list_applicants(&self, page: Page) -> Result<Vec<Applicant>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns_columns!(),
            " FROM applicants ORDER BY id LIMIT $1 OFFSET $2"
        ))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(applicant).collect()
    }
}
