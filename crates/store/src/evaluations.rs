//! 好差评: evaluations of cases and services, and the rectifications bad reviews open. An
//! evaluation is written once and never changed, except for a supervisor's mark of a malicious
//! review; one case takes one evaluation per party (the unique index says so, whatever the
//! timing).

use crate::{Result, Store, get_i64, get_opt_i64, get_opt_str, get_str, now_micros};
use serde::Serialize;
use yici_core::audit::AuditEvent;

/// An evaluation as given.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    /// The case rated (一次一评); none for a service rated at a counter (一事一评).
    pub case_id: Option<i64>,
    /// The ID number or credit code of the party who rated.
    pub party: String,
    pub department_id: i64,
    pub region_code: String,
    pub implementation_code: String,
    /// 1 (非常不满意) … 5 (非常满意).
    pub level: i64,
    pub comment: String,
    pub channel: String,
    /// The working day it was given (YYYY-MM-DD).
    pub day: String,
}

/// The deadlines (YYYY-MM-DD) of a rectification's steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RectificationDue {
    pub verify: String,
    pub rectify: String,
    pub reply: String,
    pub revisit: String,
}

/// A rectification (整改) of a bad review: the step it is at and its deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RectificationRecord {
    pub step: String,
    pub due: RectificationDue,
    pub opened_at: i64,
}

/// An evaluation as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRecord {
    pub id: i64,
    pub case_id: Option<i64>,
    pub party: String,
    pub department_id: i64,
    pub region_code: String,
    pub implementation_code: String,
    pub level: i64,
    pub comment: String,
    pub channel: String,
    pub day: String,
    pub at: i64,
    pub malicious_reason: Option<String>,
    pub rectification: Option<RectificationRecord>,
}

const COLUMNS: &str = "e.id, e.case_id, e.party, e.department_id, e.region_code, e.implementation_code, e.level,
    e.comment, e.channel, e.day, e.at, e.malicious_reason, r.step, r.verify_due, r.rectify_due, r.reply_due,
    r.revisit_due, r.opened_at";

fn evaluation(r: &sqlx::any::AnyRow) -> Result<EvaluationRecord> {
    let rectification = match get_opt_str(r, "step")? {
        Some(step) => Some(RectificationRecord {
            step,
            due: RectificationDue {
                verify: get_str(r, "verify_due")?,
                rectify: get_str(r, "rectify_due")?,
                reply: get_str(r, "reply_due")?,
                revisit: get_str(r, "revisit_due")?,
            },
            opened_at: get_i64(r, "opened_at")?,
        }),
        None => None,
    };
    Ok(EvaluationRecord {
        id: get_i64(r, "id")?,
        case_id: get_opt_i64(r, "case_id")?,
        party: get_str(r, "party")?,
        department_id: get_i64(r, "department_id")?,
        region_code: get_str(r, "region_code")?,
        implementation_code: get_str(r, "implementation_code")?,
        level: get_i64(r, "level")?,
        comment: get_str(r, "comment")?,
        channel: get_str(r, "channel")?,
        day: get_str(r, "day")?,
        at: get_i64(r, "at")?,
        malicious_reason: get_opt_str(r, "malicious_reason")?,
        rectification,
    })
}

impl Store {
    /// Record an evaluation with its audit entry and, for a bad review, its rectification with
    /// `rectification`'s deadlines, in one transaction. A second evaluation of a case by the same
    /// party is a conflict and writes nothing.
    pub async fn evaluation_add(
        &self,
        e: &NewEvaluation,
        rectification: Option<&RectificationDue>,
        audit: &AuditEvent,
    ) -> Result<EvaluationRecord> {
        let now = now_micros();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO evaluations (case_id, party, department_id, region_code, implementation_code, level, comment,
             channel, day, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(e.case_id)
        .bind(&e.party)
        .bind(e.department_id)
        .bind(&e.region_code)
        .bind(&e.implementation_code)
        .bind(e.level)
        .bind(&e.comment)
        .bind(&e.channel)
        .bind(&e.day)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|err| crate::classify(err, "an evaluation of this case by this party"))?;
        let id = get_i64(&row, "id")?;
        if let Some(due) = rectification {
            sqlx::query(
                "INSERT INTO rectifications (evaluation_id, step, verify_due, rectify_due, reply_due, revisit_due, opened_at)
                 VALUES ($1, 'verify', $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(&due.verify)
            .bind(&due.rectify)
            .bind(&due.reply)
            .bind(&due.revisit)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        self.audit_in(&mut tx, &audit.clone().object(id.to_string())).await?;
        self.commit_uncached(tx).await?;
        self.evaluation(id)
            .await?
            .ok_or(crate::StoreError::NotFound("evaluation"))
    }

    /// The evaluation with id `id`.
    pub async fn evaluation(&self, id: i64) -> Result<Option<EvaluationRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id WHERE e.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(evaluation).transpose()
    }

    /// The evaluations of case `case_id`, oldest first.
    pub async fn evaluations_of_case(&self, case_id: i64) -> Result<Vec<EvaluationRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id
             WHERE e.case_id = $1 ORDER BY e.id"
        )))
        .bind(case_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(evaluation).collect()
    }
}
