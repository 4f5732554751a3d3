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

/// A rectification (整改) of a bad review: the step it is at, its deadlines and what each step
/// recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RectificationRecord {
    /// `verify`, `rectify`, `reply`, `revisit`, `appeal` (a supervisor decides) or `closed`.
    pub step: String,
    pub due: RectificationDue,
    pub opened_at: i64,
    /// The verification's finding: whether the review was founded.
    pub founded: Option<bool>,
    pub verify_note: String,
    pub verified_at: Option<i64>,
    pub rectify_note: String,
    pub rectified_at: Option<i64>,
    pub reply: String,
    pub replied_at: Option<i64>,
    pub revisit_note: String,
    /// Whether the applicant was satisfied at the return visit.
    pub satisfied: Option<bool>,
    pub revisited_at: Option<i64>,
    pub appeal_reason: Option<String>,
    pub appealed_at: Option<i64>,
    /// The supervisor's decision on the appeal: upheld (the review was founded after all).
    pub appeal_upheld: Option<bool>,
    pub appeal_note: String,
    pub closed_at: Option<i64>,
}

/// A step of a rectification, each allowed only from the step before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RectificationChange {
    /// 核实: founded goes on to rectification, unfounded to the reply.
    Verify { founded: bool, note: String },
    /// 整改.
    Rectify { note: String },
    /// 反馈: the answer to the applicant.
    Reply { text: String },
    /// 回访: the return visit closes the rectification.
    Revisit { satisfied: bool, note: String },
    /// 申诉复核: the applicant contests a verification that found the review unfounded.
    Appeal { reason: String },
    /// A supervisor's decision on the appeal: upheld sends the review to rectification.
    DecideAppeal { upheld: bool, note: String },
}

impl RectificationChange {
    /// The statement making the change: it applies only from the step (or state) the change
    /// follows, so that a step out of order, or a second of two at once, changes nothing.
    fn statement(&self) -> (&'static str, Vec<Bound>) {
        use Bound::{By, Flag, Id, Now, Text, Today};
        match self {
            RectificationChange::Verify { founded, note } => (
                "UPDATE rectifications SET step = CASE WHEN $1 = 1 THEN 'rectify' ELSE 'reply' END, founded = $1,
                 verify_note = $2, verified_at = $3, verified_by = $4 WHERE evaluation_id = $5 AND step = 'verify'",
                vec![Flag(*founded), Text(note.clone()), Now, By, Id],
            ),
            RectificationChange::Rectify { note } => (
                "UPDATE rectifications SET step = 'reply', rectify_note = $1, rectified_at = $2, rectified_by = $3
                 WHERE evaluation_id = $4 AND step = 'rectify'",
                vec![Text(note.clone()), Now, By, Id],
            ),
            RectificationChange::Reply { text } => (
                "UPDATE rectifications SET step = 'revisit', reply = $1, replied_at = $2, replied_by = $3
                 WHERE evaluation_id = $4 AND step = 'reply'",
                vec![Text(text.clone()), Now, By, Id],
            ),
            RectificationChange::Revisit { satisfied, note } => (
                "UPDATE rectifications SET step = 'closed', satisfied = $1, revisit_note = $2, revisited_at = $3,
                 revisited_by = $4, closed_at = $3, closed_day = $6 WHERE evaluation_id = $5 AND step = 'revisit'",
                vec![Flag(*satisfied), Text(note.clone()), Now, By, Id, Today],
            ),
            RectificationChange::Appeal { reason } => (
                "UPDATE rectifications SET step = 'appeal', appeal_reason = $1, appealed_at = $2
                 WHERE evaluation_id = $3 AND founded = 0 AND appealed_at IS NULL AND step IN ('reply', 'revisit')",
                vec![Text(reason.clone()), Now, Id],
            ),
            RectificationChange::DecideAppeal { upheld, note } => (
                "UPDATE rectifications SET step = CASE WHEN $1 = 1 THEN 'rectify' WHEN replied_at IS NULL THEN 'reply'
                 ELSE 'revisit' END, founded = CASE WHEN $1 = 1 THEN 1 ELSE founded END, appeal_upheld = $1,
                 appeal_note = $2, appeal_decided_at = $3, appeal_decided_by = $4 WHERE evaluation_id = $5
                 AND step = 'appeal'",
                vec![Flag(*upheld), Text(note.clone()), Now, By, Id],
            ),
        }
    }
}

/// A value of a step's statement, in the order of its placeholders.
enum Bound {
    Flag(bool),
    Text(String),
    /// The time of the step.
    Now,
    /// Who took it.
    By,
    /// The evaluation.
    Id,
    /// The working day of the step (YYYY-MM-DD).
    Today,
}

/// An evaluation as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRecord {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_no: Option<String>,
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

/// The deadline of the step a rectification (`r`) is at; none while an appeal is decided or
/// once closed.
pub(crate) const CURRENT_DUE: &str = "(CASE r.step WHEN 'verify' THEN r.verify_due WHEN 'rectify' THEN r.rectify_due
    WHEN 'reply' THEN r.reply_due WHEN 'revisit' THEN r.revisit_due END)";

const COLUMNS: &str =
    "e.id, e.case_id, c.case_no, e.party, e.department_id, e.region_code, e.implementation_code, e.level,
    e.comment, e.channel, e.day, e.at, e.malicious_reason, r.step, r.verify_due, r.rectify_due, r.reply_due,
    r.revisit_due, r.opened_at, r.founded, r.verify_note, r.verified_at, r.rectify_note, r.rectified_at, r.reply,
    r.replied_at, r.revisit_note, r.satisfied, r.revisited_at, r.appeal_reason, r.appealed_at, r.appeal_upheld,
    r.appeal_note, r.closed_at";

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
            founded: get_opt_i64(r, "founded")?.map(|v| v != 0),
            verify_note: get_str(r, "verify_note")?,
            verified_at: get_opt_i64(r, "verified_at")?,
            rectify_note: get_str(r, "rectify_note")?,
            rectified_at: get_opt_i64(r, "rectified_at")?,
            reply: get_str(r, "reply")?,
            replied_at: get_opt_i64(r, "replied_at")?,
            revisit_note: get_str(r, "revisit_note")?,
            satisfied: get_opt_i64(r, "satisfied")?.map(|v| v != 0),
            revisited_at: get_opt_i64(r, "revisited_at")?,
            appeal_reason: get_opt_str(r, "appeal_reason")?,
            appealed_at: get_opt_i64(r, "appealed_at")?,
            appeal_upheld: get_opt_i64(r, "appeal_upheld")?.map(|v| v != 0),
            appeal_note: get_str(r, "appeal_note")?,
            closed_at: get_opt_i64(r, "closed_at")?,
        }),
        None => None,
    };
    Ok(EvaluationRecord {
        id: get_i64(r, "id")?,
        case_id: get_opt_i64(r, "case_id")?,
        case_no: get_opt_str(r, "case_no")?,
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

/// Which evaluations a list shows: those of departments `reach` covers, in the window of days,
/// narrowed by the optional filters.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    /// The departments the reader may see: by region prefix (a region and everything in it) or
    /// by id. Empty: nothing.
    pub reach: Vec<Reach>,
    pub department_id: Option<i64>,
    /// The region prefix of the evaluated department (rolled up the region tree).
    pub region_prefix: Option<String>,
    /// Days, both included (YYYY-MM-DD).
    pub from_day: String,
    pub to_day: String,
    /// Only bad reviews (1 or 2).
    pub bad_only: bool,
    /// Only rectifications at this step.
    pub step: Option<String>,
    /// Only rectifications whose current step's deadline is before this day (YYYY-MM-DD).
    pub overdue_on: Option<String>,
}

/// A part of a reader's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    RegionPrefix(String),
    Department(i64),
}

impl Store {
    /// The evaluations `filter` selects, newest first, and how many there are in all.
    pub async fn evaluations_list(
        &self,
        filter: &EvaluationFilter,
        page: crate::Page,
    ) -> Result<(Vec<EvaluationRecord>, i64)> {
        if filter.reach.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut binds = crate::dynamic::Binds::default();
        let reach: Vec<String> = filter
            .reach
            .iter()
            .map(|r| match r {
                Reach::RegionPrefix(p) => format!("d.region_code LIKE {}", binds.text(format!("{p}%"))),
                Reach::Department(id) => format!("e.department_id = {}", binds.int(*id)),
            })
            .collect();
        let mut conditions = vec![
            format!("({})", reach.join(" OR ")),
            format!("e.day >= {}", binds.text(filter.from_day.clone())),
            format!("e.day <= {}", binds.text(filter.to_day.clone())),
        ];
        if let Some(id) = filter.department_id {
            conditions.push(format!("e.department_id = {}", binds.int(id)));
        }
        if let Some(p) = &filter.region_prefix {
            conditions.push(format!("d.region_code LIKE {}", binds.text(format!("{p}%"))));
        }
        if filter.bad_only {
            conditions.push("e.level <= 2".into());
        }
        if let Some(step) = &filter.step {
            conditions.push(format!("r.step = {}", binds.text(step.clone())));
        }
        if let Some(day) = &filter.overdue_on {
            conditions.push(format!("{CURRENT_DUE} < {}", binds.text(day.clone())));
        }
        let from = format!(
            "FROM evaluations e JOIN departments d ON d.id = e.department_id
             LEFT JOIN rectifications r ON r.evaluation_id = e.id LEFT JOIN cases c ON c.id = e.case_id
             WHERE {}",
            conditions.join(" AND ")
        );
        let (rows, total) = binds.page(self.pool(), (COLUMNS, &from, "e.id DESC"), page).await?;
        Ok((rows.iter().map(evaluation).collect::<Result<_>>()?, total))
    }

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
        crate::supervision::evaluation_daily_in(&mut tx, self.dialect(), id).await?;
        self.audit_in(&mut tx, &audit.clone().object(id.to_string())).await?;
        self.commit_uncached(tx).await?;
        self.evaluation(id)
            .await?
            .ok_or(crate::StoreError::NotFound("evaluation"))
    }

    /// The evaluation with id `id`.
    pub async fn evaluation(&self, id: i64) -> Result<Option<EvaluationRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id LEFT JOIN cases c ON c.id = e.case_id WHERE e.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(evaluation).transpose()
    }

    /// The evaluations of case `case_id`, oldest first.
    pub async fn evaluations_of_case(&self, case_id: i64) -> Result<Vec<EvaluationRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id LEFT JOIN cases c ON c.id = e.case_id
             WHERE e.case_id = $1 ORDER BY e.id"
        )))
        .bind(case_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(evaluation).collect()
    }

    /// Take a step of the rectification of evaluation `id` with its audit entry, in one
    /// transaction. `false` (nothing written) when the rectification is not at the step the
    /// change follows: a step out of order, or the second of two taken at once. `today` is the
    /// working day of the step (the day a rectification closes).
    pub async fn rectification_change(
        &self,
        id: i64,
        change: &RectificationChange,
        (by_user, today): (Option<i64>, &str),
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (sql, values) = change.statement();
        let now = now_micros();
        let mut q = sqlx::query(sql);
        for v in values {
            q = match v {
                Bound::Flag(b) => q.bind(i64::from(b)),
                Bound::Text(t) => q.bind(t),
                Bound::Now => q.bind(now),
                Bound::By => q.bind(by_user),
                Bound::Id => q.bind(id),
                Bound::Today => q.bind(today),
            };
        }
        let mut tx = self.begin().await?;
        let changed = q.execute(&mut *tx).await?.rows_affected();
        if changed != 1 {
            return Ok(false);
        }
        crate::supervision::evaluation_daily_in(&mut tx, self.dialect(), id).await?;
        self.audit_in(&mut tx, &audit.clone().object(id.to_string())).await?;
        self.commit_uncached(tx).await?;
        Ok(true)
    }

    /// Mark evaluation `id` as malicious with the supervisor's reason (once: `false` when it is
    /// marked already), with its audit entry. The review itself stays as it was given.
    pub async fn evaluation_mark_malicious(
        &self,
        id: i64,
        reason: &str,
        by_user: i64,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE evaluations SET malicious_reason = $1, malicious_by = $2, malicious_at = $3
             WHERE id = $4 AND malicious_at IS NULL",
        )
        .bind(reason)
        .bind(by_user)
        .bind(now_micros())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Ok(false);
        }
        crate::supervision::evaluation_daily_in(&mut tx, self.dialect(), id).await?;
        self.audit_in(&mut tx, &audit.clone().object(id.to_string())).await?;
        self.commit_uncached(tx).await?;
        Ok(true)
    }
}
