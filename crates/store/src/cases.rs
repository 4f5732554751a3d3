//! 办件: the cases of the one window (WINDOW.md). A case is written whole when it is submitted
//! (its item versions, parties, material lines and the tasks of its process, waiting), and
//! every step after is one transaction: the state change guarded by the case's version, its
//! timeline entry and its audit entry. Tasks are decided under their own version, so two
//! approvers (or two instances) acting at once give one success and one conflict.

use crate::exec::{Conn, Sql, sql};
use crate::{Result, Store, StoreError, get_i64, get_opt_i64, get_opt_str, get_str, now_micros};
use serde::Serialize;
use sqlx::AnyConnection;
use yici_core::audit::AuditEvent;
use yici_core::cases::{
    CaseNo, CaseNote, CaseStatus, CaseStep, StageOutcome, TaskState, TaskStatus, stage_outcome, task_outcome,
};
use yici_core::id::RegionCode;
use yici_core::items::Signing;

/// A party as submitted.
#[derive(Debug, Clone)]
pub struct NewParty {
    pub role: String,
    pub id_number: String,
    pub name: String,
    pub applicant_id: Option<i64>,
    pub consented_at: Option<i64>,
    pub consent_channel: String,
}

/// A material line as submitted: its state and what satisfied it.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub material_code: String,
    pub name: String,
    pub required: bool,
    pub deferrable: bool,
    pub items: Vec<String>,
    pub state: String,
    pub source_kind: String,
    pub reference: String,
    pub note: String,
    pub deferred_until: Option<String>,
}

/// A step of the process as a task, waiting for its stage.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub implementation_code: String,
    pub step: i64,
    pub stage: i64,
    pub name: String,
    pub department_id: i64,
    pub signing: Signing,
    pub required: bool,
    pub issues: Option<String>,
    pub days: i64,
}

/// A case as submitted.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub subject_kind: String,
    pub subject_code: String,
    pub name: String,
    pub department_id: i64,
    pub region: RegionCode,
    pub channel: String,
    pub clerk_user_id: Option<i64>,
    pub submitted_by: String,
    pub idempotency_key: Option<String>,
    pub answers: String,
    pub form: String,
    pub case_type: String,
    pub promised_days: i64,
    /// (implementation code, version id) of each item used.
    pub items: Vec<(String, i64)>,
    pub parties: Vec<NewParty>,
    pub lines: Vec<NewLine>,
    pub tasks: Vec<NewTask>,
    /// A visit made by submitting (at a window): its reason and the clerk.
    pub visit: Option<(String, Option<i64>)>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PartyRecord {
    pub role: String,
    pub id_number: String,
    pub name: String,
    pub applicant_id: Option<i64>,
    pub consented_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineRecord {
    pub id: i64,
    pub material_code: String,
    pub name: String,
    pub required: bool,
    pub deferrable: bool,
    pub items: Vec<String>,
    /// `fetched`, `uploaded`, `deferred` or `missing`.
    pub state: String,
    pub source_kind: String,
    pub reference: String,
    pub note: String,
    pub sm3: String,
    pub media_type: String,
    pub size: i64,
    pub deferred_until: Option<String>,
    /// `` unchecked, `ok` or `defective`.
    pub checked: String,
    pub defect: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OpinionRecord {
    pub user_id: i64,
    /// `approve` or `refuse`.
    pub decision: String,
    pub opinion: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskRecord {
    pub id: i64,
    pub implementation_code: String,
    pub step: i64,
    pub stage: i64,
    pub name: String,
    pub department_id: i64,
    /// `all` (会签) or `any` (或签).
    pub signing: String,
    pub required: bool,
    pub issues: Option<String>,
    pub issued: String,
    /// Why the result could not be issued yet (its data to be put right).
    pub issue_note: String,
    pub days: i64,
    pub status: String,
    pub assignees: Vec<i64>,
    pub claimed_by: Option<i64>,
    pub opened_at: Option<i64>,
    pub opened_day: Option<String>,
    pub closed_at: Option<i64>,
    pub version: i64,
    pub opinions: Vec<OpinionRecord>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PauseRecord {
    pub task_id: Option<i64>,
    /// `supplement` or `special`.
    pub kind: String,
    pub from_day: String,
    pub until_day: Option<String>,
    pub limit_days: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct NoticeLine {
    /// The material's code.
    pub line: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeRecord {
    pub id: i64,
    pub lines: Vec<NoticeLine>,
    pub override_reason: String,
    pub at: i64,
    pub supplied_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct VisitRecord {
    pub reason: String,
    pub note: String,
    pub region_code: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DeliveryRecord {
    pub mode: String,
    pub tracking: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct EventRecord {
    pub step: String,
    pub status: String,
    pub actor: String,
    pub note: String,
    pub at: i64,
}

/// A case with everything recorded about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseRecord {
    #[serde(skip)]
    pub id: i64,
    pub case_no: String,
    pub subject_kind: String,
    pub subject_code: String,
    pub name: String,
    pub department_id: i64,
    pub region_code: String,
    pub status: String,
    pub channel: String,
    pub case_type: String,
    pub promised_days: i64,
    #[serde(skip)]
    pub answers: String,
    #[serde(skip)]
    pub form: String,
    pub received_at: i64,
    pub received_day: String,
    pub accepted_at: Option<i64>,
    pub accepted_day: Option<String>,
    pub deemed_accepted: bool,
    pub concluded_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub reason: String,
    pub extended_days: i64,
    pub extension_reason: String,
    pub version: i64,
    /// (implementation code, version id) of each item used.
    pub items: Vec<(String, i64)>,
    pub parties: Vec<PartyRecord>,
    pub lines: Vec<LineRecord>,
    pub tasks: Vec<TaskRecord>,
    pub pauses: Vec<PauseRecord>,
    pub notices: Vec<NoticeRecord>,
    pub visits: Vec<VisitRecord>,
    pub deliveries: Vec<DeliveryRecord>,
    pub timeline: Vec<EventRecord>,
}

/// How a fetch settled a material line.
#[derive(Debug, Clone)]
pub struct LineResolution {
    /// The line's material code (one line per material in a case).
    pub material_code: String,
    /// `fetched`, or `missing` (with the note saying why).
    pub state: String,
    pub source_kind: String,
    pub reference: String,
    pub note: String,
}

/// What a case fetched, recorded in one transaction with the change it serves: use copies of
/// certificates (with their audit entries), the lines they settle, and the stages a bundle's
/// items move back by to wait for a sibling's result.
#[derive(Debug, Clone, Default)]
pub struct CaseFetched {
    pub uses: Vec<(crate::certificates::CertificateUse, AuditEvent)>,
    pub lines: Vec<LineResolution>,
    /// (implementation code, stages to add) of a bundle's items.
    pub restage: Vec<(String, i64)>,
}

impl CaseFetched {
    fn is_empty(&self) -> bool {
        self.uses.is_empty() && self.lines.is_empty() && self.restage.iter().all(|(_, o)| *o <= 0)
    }

    /// The stages added to the tasks of item `implementation_code`.
    fn offset(&self, implementation_code: &str) -> i64 {
        self.restage
            .iter()
            .filter(|(code, o)| code == implementation_code && *o > 0)
            .map(|(_, o)| *o)
            .sum()
    }
}

/// An approver's decision on a task.
#[derive(Debug, Clone)]
pub struct Decision {
    pub user_id: i64,
    pub approve: bool,
    pub opinion: String,
}

/// What a step changes besides the state.
#[derive(Debug, Clone, Default)]
pub struct StepChange {
    /// The China date of the step.
    pub day: String,
    pub actor: String,
    pub note: String,
    /// For a notice: its lines, and the supervisor's reason when it goes beyond the first.
    pub notice: Option<(Vec<NoticeLine>, String, Option<i64>)>,
    /// For not accepting or refusing: the reason told to the applicant.
    pub reason: Option<String>,
    /// Accepted by the law's deeming (§32) rather than by a decision.
    pub deemed: bool,
    /// For a delivery: the mode and the tracking number; a pick-up at a window is a visit too.
    pub delivery: Option<(String, String)>,
}

fn ids(list: &str) -> Vec<i64> {
    list.split(',').filter_map(|s| s.parse().ok()).collect()
}

fn listed(ids: &[i64]) -> String {
    let inner: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(",{},", inner.join(","))
}

/// The case `submitted_by` submitted with idempotency key `key`, if any.
async fn case_by_key_in(conn: &mut Conn<'_>, submitted_by: &str, key: &str) -> Result<Option<i64>> {
    let row = sql("SELECT id FROM cases WHERE submitted_by = $1 AND idempotency_key = $2")
        .bind(submitted_by)
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|r| get_i64(&r, "id")).transpose()
}

/// What a case is read by.
#[derive(Debug, Clone, Copy)]
enum CaseKey {
    Id = 0,
    Number = 1,
}

/// The statement reading a case with its children, built once per dialect and key.
fn case_sql(dialect: crate::dialect::Dialect, key: CaseKey) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; 4] = [const { std::sync::OnceLock::new() }; 4];
    let slot = match dialect {
        crate::dialect::Dialect::Sqlite => &SQL[key as usize],
        crate::dialect::Dialect::Postgres => &SQL[2 + key as usize],
    };
    slot.get_or_init(|| {
        let of_case = |table: &str| format!("{table} WHERE case_id = cases.id");
        let subselects = [
            (
                "items",
                dialect.json_rows(&["implementation_code", "version_id"], &of_case("case_items"), "implementation_code"),
            ),
            (
                "parties",
                dialect.json_rows(
                    &["role", "id_number", "name", "applicant_id", "consented_at"],
                    &of_case("case_parties"),
                    "id",
                ),
            ),
            (
                "lines",
                dialect.json_rows(
                    &[
                        "id", "material_code", "name", "required", "may_defer", "items", "state", "source_kind", "reference",
                        "note", "sm3", "media_type", "size", "deferred_until", "checked", "defect",
                    ],
                    &of_case("case_lines"),
                    "id",
                ),
            ),
            (
                "tasks",
                dialect.json_rows(
                    &[
                        "id", "implementation_code", "step", "stage", "name", "department_id", "signing", "required", "issues",
                        "issued", "issue_note", "days", "status", "assignees", "claimed_by", "opened_at", "opened_day",
                        "closed_at", "version",
                    ],
                    &of_case("case_tasks"),
                    "stage, step, id",
                ),
            ),
            (
                "opinions",
                dialect.json_rows(
                    &["o.task_id", "o.user_id", "o.decision", "o.opinion", "o.at"],
                    "case_opinions o JOIN case_tasks t ON t.id = o.task_id WHERE t.case_id = cases.id",
                    "o.id",
                ),
            ),
            (
                "pauses",
                dialect.json_rows(
                    &["task_id", "kind", "from_day", "until_day", "limit_days", "reason"],
                    &of_case("case_pauses"),
                    "id",
                ),
            ),
            (
                "notices",
                dialect.json_rows(
                    &["id", "lines", "override_reason", "at", "supplied_at"],
                    &of_case("case_notices"),
                    "id",
                ),
            ),
            (
                "visits",
                dialect.json_rows(&["reason", "note", "region_code", "at"], &of_case("case_visits"), "id"),
            ),
            (
                "deliveries",
                dialect.json_rows(&["mode", "tracking", "at"], &of_case("case_deliveries"), "id"),
            ),
            (
                "timeline",
                dialect.json_rows(&["step", "status", "actor", "note", "at"], &of_case("case_events"), "id"),
            ),
        ];
        let columns: Vec<String> = subselects.iter().map(|(name, sql)| format!("{sql} AS {name}")).collect();
        format!(
            "SELECT id, case_no, subject_kind, subject_code, name, department_id, region_code, status, channel, case_type,
             promised_days, answers, form, received_at, received_day, accepted_at, accepted_day, deemed_accepted,
             concluded_at, delivered_at, reason, extended_days, extension_reason, version, {} FROM cases WHERE {} = $1",
            columns.join(", "),
            match key {
                CaseKey::Id => "id",
                CaseKey::Number => "case_no",
            }
        )
    })
}

/// The children of a case read as a JSON array in `column`.
fn children<T: serde::de::DeserializeOwned>(r: &sqlx::any::AnyRow, column: &str) -> Result<Vec<T>> {
    serde_json::from_str(&get_str(r, column)?).map_err(|e| StoreError::Invalid(format!("a case's {column}: {e}")))
}

/// The rows of a case's children as read ([`case_sql`]).
#[derive(serde::Deserialize)]
struct ItemRow {
    implementation_code: String,
    version_id: i64,
}

#[derive(serde::Deserialize)]
struct LineRow {
    id: i64,
    material_code: String,
    name: String,
    required: i64,
    may_defer: i64,
    items: String,
    state: String,
    source_kind: String,
    reference: String,
    note: String,
    sm3: String,
    media_type: String,
    size: i64,
    deferred_until: Option<String>,
    checked: String,
    defect: String,
}

#[derive(serde::Deserialize)]
struct TaskRow {
    id: i64,
    implementation_code: String,
    step: i64,
    stage: i64,
    name: String,
    department_id: i64,
    signing: String,
    required: i64,
    issues: Option<String>,
    issued: String,
    issue_note: String,
    days: i64,
    status: String,
    assignees: String,
    claimed_by: Option<i64>,
    opened_at: Option<i64>,
    opened_day: Option<String>,
    closed_at: Option<i64>,
    version: i64,
}

#[derive(serde::Deserialize)]
struct OpinionRow {
    task_id: i64,
    #[serde(flatten)]
    opinion: OpinionRecord,
}

#[derive(serde::Deserialize)]
struct NoticeRow {
    id: i64,
    lines: String,
    override_reason: String,
    at: i64,
    supplied_at: Option<i64>,
}

fn conflict(what: &str) -> StoreError {
    StoreError::Conflict(what.to_string())
}

impl Store {
    /// Submit a case: numbered for its region and day, written whole with its timeline's first
    /// entry, its audit entry and what `fetch` makes of the number (the use copies of what the
    /// government holds, bound to the case; the lines they settle), in one transaction. With an
    /// idempotency key the submitter has used before, the case made then is returned and
    /// nothing is written (`false`).
    pub async fn case_submit(
        &self,
        c: &NewCase,
        day: chrono::NaiveDate,
        audit: &AuditEvent,
        fetch: impl FnOnce(&str) -> CaseFetched + Send + 'static,
    ) -> Result<(CaseRecord, bool)> {
        let key = c.idempotency_key.clone().map(|k| (c.submitted_by.clone(), k));
        let (store, c, audit) = (self.clone(), c.clone(), audit.clone());
        let written = self
            .write(move |mut tx| Box::pin(async move { store.case_submit_in(&mut tx, &c, day, &audit, fetch).await }))
            .await;
        let (id, created) = match (written, key) {
            // A retry that raced its first submission on PostgreSQL: neither saw the other's
            // case, and the key's uniqueness let one in. The retry gets that case.
            (Err(StoreError::Conflict(why)), Some((by, key))) => match self.case_by_key(&by, &key).await? {
                Some(id) => (id, false),
                None => return Err(StoreError::Conflict(why)),
            },
            (written, _) => written?,
        };
        // Read after the commit, outside the write lock.
        Ok((self.case_by_id(id).await?, created))
    }

    /// The case `submitted_by` submitted with idempotency key `key`, if any.
    async fn case_by_key(&self, submitted_by: &str, key: &str) -> Result<Option<i64>> {
        let mut conn = self.pool().acquire().await?;
        case_by_key_in(&mut Conn::Pool(&mut conn), submitted_by, key).await
    }

    async fn case_submit_in(
        &self,
        tx: &mut Conn<'_>,
        c: &NewCase,
        day: chrono::NaiveDate,
        audit: &AuditEvent,
        fetch: impl FnOnce(&str) -> CaseFetched,
    ) -> Result<(i64, bool)> {
        if let Some(key) = &c.idempotency_key
            && let Some(id) = case_by_key_in(tx, &c.submitted_by, key).await?
        {
            return Ok((id, false));
        }
        let day_text = day.format("%Y-%m-%d").to_string();
        let serial = get_i64(
            &sql("INSERT INTO case_serials (region_code, day, last) VALUES ($1, $2, 1)
                 ON CONFLICT (region_code, day) DO UPDATE SET last = case_serials.last + 1 RETURNING last")
            .bind(c.region.as_str())
            .bind(&day_text)
            .fetch_one(tx)
            .await?,
            "last",
        )?;
        let serial = u32::try_from(serial).map_err(|_| conflict("no case numbers left for the day"))?;
        let case_no = CaseNo::new(&c.region, day, serial).map_err(|p| StoreError::Conflict(p.en))?;
        // What the government holds, bound to the number just given (read before the lock).
        let fetched = fetch(case_no.as_str());
        let now = now_micros();
        let row = sql(
            "INSERT INTO cases (case_no, subject_kind, subject_code, name, department_id, region_code, status, channel,
             clerk_user_id, submitted_by, idempotency_key, answers, form, case_type, promised_days, received_at, received_day)
             VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(case_no.as_str())
        .bind(&c.subject_kind)
        .bind(&c.subject_code)
        .bind(&c.name)
        .bind(c.department_id)
        .bind(c.region.as_str())
        .bind(&c.channel)
        .bind(c.clerk_user_id)
        .bind(&c.submitted_by)
        .bind(&c.idempotency_key)
        .bind(&c.answers)
        .bind(&c.form)
        .bind(&c.case_type)
        .bind(c.promised_days)
        .bind(now)
        .bind(&day_text)
        .naming("a case with this idempotency key")
        .fetch_one(tx)
        .await?;
        let id = get_i64(&row, "id")?;
        for (code, version) in &c.items {
            sql("INSERT INTO case_items (case_id, implementation_code, version_id) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(code)
                .bind(version)
                .execute(tx)
                .await?;
        }
        for p in &c.parties {
            sql(
                "INSERT INTO case_parties (case_id, role, id_number, name, applicant_id, consented_at, consent_channel)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&p.role)
            .bind(&p.id_number)
            .bind(&p.name)
            .bind(p.applicant_id)
            .bind(p.consented_at)
            .bind(&p.consent_channel)
            .execute(tx)
            .await?;
        }
        // The lines in one statement: every value bound, only numbered placeholders written.
        if !c.lines.is_empty() {
            const WIDTH: usize = 12;
            let dialect = self.dialect();
            let rows: Vec<String> = (0..c.lines.len())
                .map(|i| {
                    let values: Vec<String> = (1..=WIDTH).map(|j| dialect.placeholder(i * WIDTH + j)).collect();
                    format!("({})", values.join(", "))
                })
                .collect();
            let text = format!(
                "INSERT INTO case_lines (case_id, material_code, name, required, may_defer, items, state, source_kind,
                 reference, note, deferred_until, updated_at) VALUES {}",
                rows.join(", ")
            );
            let mut q = Sql::built(text);
            for l in &c.lines {
                let (state, source_kind, reference, note) = match fetched
                    .lines
                    .iter()
                    .find(|r| r.material_code == l.material_code && l.state == "missing")
                {
                    Some(r) => (&r.state, &r.source_kind, &r.reference, &r.note),
                    None => (&l.state, &l.source_kind, &l.reference, &l.note),
                };
                q = q
                    .bind(id)
                    .bind(l.material_code.clone())
                    .bind(l.name.clone())
                    .bind(i64::from(l.required))
                    .bind(i64::from(l.deferrable))
                    .bind(l.items.join(","))
                    .bind(state.clone())
                    .bind(source_kind.clone())
                    .bind(reference.clone())
                    .bind(note.clone())
                    .bind(l.deferred_until.clone())
                    .bind(now);
            }
            q.execute(tx).await?;
        }
        for t in &c.tasks {
            sql(
                "INSERT INTO case_tasks (case_id, implementation_code, step, stage, name, department_id, signing, required,
                 issues, days, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'waiting')",
            )
            .bind(id)
            .bind(&t.implementation_code)
            .bind(t.step)
            .bind(t.stage + fetched.offset(&t.implementation_code))
            .bind(&t.name)
            .bind(t.department_id)
            .bind(signing_code(t.signing))
            .bind(i64::from(t.required))
            .bind(&t.issues)
            .bind(t.days)
            .execute(tx)
            .await?;
        }
        if let Some((reason, by)) = &c.visit {
            sql("INSERT INTO case_visits (case_id, reason, note, region_code, by_user, at) VALUES ($1, $2, '', $3, $4, $5)")
                .bind(id)
                .bind(reason)
                .bind(c.region.as_str())
                .bind(by)
                .bind(now)
                .execute(tx)
                .await?;
        }
        let submitted = StepChange {
            actor: c.submitted_by.clone(),
            ..Default::default()
        };
        self.case_event_in(tx, id, (CaseStep::Submit, CaseStatus::Received), &submitted, now)
            .await?;
        self.audit_on(tx, &audit.clone().object(case_no.as_str())).await?;
        self.case_uses_in(tx, &fetched).await?;
        Ok((id, true))
    }

    /// A timeline entry that is not a step of the case's state, with the case's status now.
    async fn case_note_in(
        &self,
        conn: &mut Conn<'_>,
        case_id: i64,
        note: CaseNote,
        (actor, text): (&str, &str),
    ) -> Result<()> {
        sql("INSERT INTO case_events (case_id, step, status, actor, note, at)
             SELECT id, $2, status, $3, $4, $5 FROM cases WHERE id = $1")
        .bind(case_id)
        .bind(note.code())
        .bind(actor)
        .bind(text)
        .bind(now_micros())
        .execute(conn)
        .await?;
        Ok(())
    }

    async fn case_event_in(
        &self,
        conn: &mut Conn<'_>,
        case_id: i64,
        (step, status): (CaseStep, CaseStatus),
        change: &StepChange,
        at: i64,
    ) -> Result<()> {
        sql("INSERT INTO case_events (case_id, step, status, actor, note, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(case_id)
            .bind(step.code())
            .bind(status.code())
            .bind(&change.actor)
            .bind(&change.note)
            .bind(at)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The case numbered `case_no`.
    pub async fn case_by_no(&self, case_no: &str) -> Result<Option<CaseRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(case_sql(self.dialect(), CaseKey::Number)))
            .bind(case_no)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(case_record).transpose()
    }

    /// The case with id `id`.
    pub async fn case_by_id(&self, id: i64) -> Result<CaseRecord> {
        let mut conn = self.pool().acquire().await?;
        self.case_in(&mut conn, id).await
    }

    /// The case with task `task_id`.
    pub async fn case_of_task(&self, task_id: i64) -> Result<Option<CaseRecord>> {
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query("SELECT case_id FROM case_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&mut *conn)
            .await?;
        match row {
            Some(r) => Ok(Some(self.case_in(&mut conn, get_i64(&r, "case_id")?).await?)),
            None => Ok(None),
        }
    }

    /// A case with everything recorded about it, in one statement: its children come as JSON
    /// arrays ([`crate::dialect::Dialect::json_rows`]).
    async fn case_in(&self, conn: &mut AnyConnection, id: i64) -> Result<CaseRecord> {
        let r = sqlx::query(sqlx::AssertSqlSafe(case_sql(self.dialect(), CaseKey::Id)))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        case_record(&r)
    }
}

/// A case as read by [`case_sql`].
fn case_record(r: &sqlx::any::AnyRow) -> Result<CaseRecord> {
    let items: Vec<ItemRow> = children(r, "items")?;
    let lines: Vec<LineRow> = children(r, "lines")?;
    let tasks: Vec<TaskRow> = children(r, "tasks")?;
    let opinions: Vec<OpinionRow> = children(r, "opinions")?;
    let notices: Vec<NoticeRow> = children(r, "notices")?;
    Ok(CaseRecord {
        id: get_i64(r, "id")?,
        case_no: get_str(r, "case_no")?,
        subject_kind: get_str(r, "subject_kind")?,
        subject_code: get_str(r, "subject_code")?,
        name: get_str(r, "name")?,
        department_id: get_i64(r, "department_id")?,
        region_code: get_str(r, "region_code")?,
        status: get_str(r, "status")?,
        channel: get_str(r, "channel")?,
        case_type: get_str(r, "case_type")?,
        promised_days: get_i64(r, "promised_days")?,
        answers: get_str(r, "answers")?,
        form: get_str(r, "form")?,
        received_at: get_i64(r, "received_at")?,
        received_day: get_str(r, "received_day")?,
        accepted_at: get_opt_i64(r, "accepted_at")?,
        accepted_day: get_opt_str(r, "accepted_day")?,
        deemed_accepted: get_i64(r, "deemed_accepted")? != 0,
        concluded_at: get_opt_i64(r, "concluded_at")?,
        delivered_at: get_opt_i64(r, "delivered_at")?,
        reason: get_str(r, "reason")?,
        extended_days: get_i64(r, "extended_days")?,
        extension_reason: get_str(r, "extension_reason")?,
        version: get_i64(r, "version")?,
        items: items
            .into_iter()
            .map(|i| (i.implementation_code, i.version_id))
            .collect(),
        parties: children(r, "parties")?,
        lines: lines
            .into_iter()
            .map(|l| LineRecord {
                id: l.id,
                material_code: l.material_code,
                name: l.name,
                required: l.required != 0,
                deferrable: l.may_defer != 0,
                items: l
                    .items
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                state: l.state,
                source_kind: l.source_kind,
                reference: l.reference,
                note: l.note,
                sm3: l.sm3,
                media_type: l.media_type,
                size: l.size,
                deferred_until: l.deferred_until,
                checked: l.checked,
                defect: l.defect,
            })
            .collect(),
        tasks: tasks
            .into_iter()
            .map(|t| TaskRecord {
                id: t.id,
                implementation_code: t.implementation_code,
                step: t.step,
                stage: t.stage,
                name: t.name,
                department_id: t.department_id,
                signing: t.signing,
                required: t.required != 0,
                issues: t.issues,
                issued: t.issued,
                issue_note: t.issue_note,
                days: t.days,
                status: t.status,
                assignees: ids(&t.assignees),
                claimed_by: t.claimed_by,
                opened_at: t.opened_at,
                opened_day: t.opened_day,
                closed_at: t.closed_at,
                version: t.version,
                opinions: opinions
                    .iter()
                    .filter(|o| o.task_id == t.id)
                    .map(|o| o.opinion.clone())
                    .collect(),
            })
            .collect(),
        pauses: children(r, "pauses")?,
        notices: notices
            .into_iter()
            .map(|n| {
                Ok(NoticeRecord {
                    id: n.id,
                    lines: serde_json::from_str(&n.lines)
                        .map_err(|e| StoreError::Invalid(format!("a notice's lines: {e}")))?,
                    override_reason: n.override_reason,
                    at: n.at,
                    supplied_at: n.supplied_at,
                })
            })
            .collect::<Result<Vec<_>>>()?,
        visits: children(r, "visits")?,
        deliveries: children(r, "deliveries")?,
        timeline: children(r, "timeline")?,
    })
}

impl Store {
    /// Take `step` on case `current` (as just read), which must still be at `version` (else
    /// 409, nothing written) and in a state that allows it. Accepting opens the first stage's
    /// tasks; a notice pauses the decision clock, supplying resumes it; concluding closes the
    /// open tasks.
    pub async fn case_step(
        &self,
        current: &CaseRecord,
        version: i64,
        step: CaseStep,
        change: &StepChange,
        audit: &AuditEvent,
    ) -> Result<CaseRecord> {
        // Read before taking the write lock: the step's update is guarded by the version, so a
        // change made in between is a conflict all the same.
        if current.version != version {
            return Err(conflict("the case was changed meanwhile"));
        }
        let mut event = audit.clone().object(&current.case_no);
        if !change.note.is_empty() {
            event.detail = Some(change.note.clone());
        }
        let (store, case, change) = (self.clone(), current.clone(), change.clone());
        self.write(move |mut tx| {
            Box::pin(async move {
                store.case_step_in(&mut tx, &case, step, &change).await?;
                store.audit_on(&mut tx, &event).await
            })
        })
        .await?;
        // Read after the commit, outside the write lock.
        self.case_by_id(current.id).await
    }

    async fn case_step_in(
        &self,
        tx: &mut Conn<'_>,
        current: &CaseRecord,
        step: CaseStep,
        change: &StepChange,
    ) -> Result<CaseStatus> {
        let from = CaseStatus::from_code(&current.status).ok_or(StoreError::Invalid("a case's status".into()))?;
        let next = step.after(from).ok_or_else(|| {
            conflict(&format!(
                "a case that is {} cannot take the step {}",
                from.code(),
                step.code()
            ))
        })?;
        let now = now_micros();
        let changed = sql(
            "UPDATE cases SET status = $1, version = version + 1, reason = COALESCE($2, reason) WHERE id = $3 AND version = $4",
        )
        .bind(next.code())
        .bind(&change.reason)
        .bind(current.id)
        .bind(current.version)
        .execute(tx)
        .await?;
        if changed != 1 {
            return Err(conflict("the case was changed meanwhile"));
        }
        match step {
            CaseStep::Accept => {
                sql("UPDATE cases SET accepted_at = $1, accepted_day = $2, deemed_accepted = $3 WHERE id = $4")
                    .bind(now)
                    .bind(&change.day)
                    .bind(i64::from(change.deemed))
                    .bind(current.id)
                    .execute(tx)
                    .await?;
                self.case_advance_in(tx, current.id, &change.day).await?;
            }
            CaseStep::Notice => {
                let (lines, override_reason, by) = change
                    .notice
                    .clone()
                    .ok_or(StoreError::Invalid("a notice needs its lines".into()))?;
                sql(
                    "INSERT INTO case_notices (case_id, lines, override_reason, by_user, at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(current.id)
                .bind(serde_json::to_string(&lines).expect("notice lines serialise"))
                .bind(&override_reason)
                .bind(by)
                .bind(now)
                .execute(tx)
                .await?;
                sql(
                    "INSERT INTO case_pauses (case_id, kind, from_day, reason) VALUES ($1, 'supplement', $2, '一次性告知补正')",
                )
                .bind(current.id)
                .bind(&change.day)
                .execute(tx)
                .await?;
                for l in &lines {
                    sql(
                        "UPDATE case_lines SET checked = 'defective', defect = $1, updated_at = $2 WHERE case_id = $3 AND material_code = $4",
                    )
                    .bind(&l.reason)
                    .bind(now)
                    .bind(current.id)
                    .bind(&l.line)
                    .execute(tx)
                    .await?;
                }
            }
            CaseStep::Supply => {
                sql("UPDATE case_notices SET supplied_at = $1 WHERE case_id = $2 AND supplied_at IS NULL")
                    .bind(now)
                    .bind(current.id)
                    .execute(tx)
                    .await?;
                sql(
                    "UPDATE case_pauses SET until_day = $1 WHERE case_id = $2 AND kind = 'supplement' AND until_day IS NULL",
                )
                .bind(&change.day)
                .bind(current.id)
                .execute(tx)
                .await?;
            }
            CaseStep::Approve | CaseStep::Refuse | CaseStep::NotAccept | CaseStep::Withdraw | CaseStep::Void => {
                sql("UPDATE case_tasks SET status = 'closed', closed_at = $1, version = version + 1 WHERE case_id = $2 AND status IN ('waiting', 'open')")
                    .bind(now)
                    .bind(current.id)
                    .execute(tx)
                    .await?;
                if matches!(step, CaseStep::Approve | CaseStep::Refuse) {
                    sql("UPDATE cases SET concluded_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(current.id)
                        .execute(tx)
                        .await?;
                }
            }
            CaseStep::Deliver => {
                sql("UPDATE cases SET delivered_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(current.id)
                    .execute(tx)
                    .await?;
                let (mode, tracking) = change
                    .delivery
                    .clone()
                    .ok_or(StoreError::Invalid("a delivery needs its mode".into()))?;
                sql("INSERT INTO case_deliveries (case_id, mode, tracking, at) VALUES ($1, $2, $3, $4)")
                    .bind(current.id)
                    .bind(&mode)
                    .bind(&tracking)
                    .bind(now)
                    .execute(tx)
                    .await?;
                if mode == "window" {
                    sql(
                        "INSERT INTO case_visits (case_id, reason, note, region_code, at) VALUES ($1, 'collect', '', $2, $3)",
                    )
                    .bind(current.id)
                    .bind(&current.region_code)
                    .bind(now)
                    .execute(tx)
                    .await?;
                }
            }
            CaseStep::Submit | CaseStep::Rate => {}
        }
        self.case_event_in(tx, current.id, (step, next), change, now).await?;
        Ok(next)
    }

    /// Open the next stage's tasks, or conclude the case, as the stage machine says.
    async fn case_advance_in(&self, tx: &mut Conn<'_>, case_id: i64, day: &str) -> Result<StageOutcome> {
        let rows =
            sql("SELECT id, department_id, stage, required, status FROM case_tasks WHERE case_id = $1 ORDER BY id")
                .bind(case_id)
                .fetch_all(tx)
                .await?;
        let states = rows
            .iter()
            .map(|r| {
                Ok(TaskState {
                    stage: u32::try_from(get_i64(r, "stage")?).unwrap_or(u32::MAX),
                    required: get_i64(r, "required")? != 0,
                    status: TaskStatus::from_code(&get_str(r, "status")?)
                        .ok_or(StoreError::Invalid("a task's status".into()))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let outcome = stage_outcome(&states);
        if let StageOutcome::Open(stage) = outcome {
            let now = now_micros();
            // 会签: the department's approvers at this moment must each sign.
            let opening = rows
                .iter()
                .zip(&states)
                .filter(|(_, s)| s.stage == stage && s.status == TaskStatus::Waiting);
            for (t, _) in opening {
                let approvers = sql(
                    "SELECT DISTINCT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id
                     WHERE r.role = 'approver' AND r.department_id = $1 AND u.disabled = 0
                     ORDER BY r.user_id",
                )
                .bind(get_i64(t, "department_id")?)
                .fetch_all(tx)
                .await?
                .iter()
                .map(|r| get_i64(r, "user_id"))
                .collect::<Result<Vec<_>>>()?;
                sql(
                    "UPDATE case_tasks SET status = 'open', opened_at = $1, opened_day = $2, assignees = $3, version = version + 1 WHERE id = $4",
                )
                .bind(now)
                .bind(day)
                .bind(listed(&approvers))
                .bind(get_i64(t, "id")?)
                .execute(tx)
                .await?;
            }
        }
        Ok(outcome)
    }

    /// Decide task `task_id` at `version` (else 409): record the opinion, settle the task by its
    /// signing rule, then open the next stage or conclude the case — one transaction.
    pub async fn case_task_decide(
        &self,
        task_id: i64,
        version: i64,
        decision: &Decision,
        change: &StepChange,
        audit: &AuditEvent,
    ) -> Result<CaseRecord> {
        let Decision {
            user_id,
            approve,
            ref opinion,
        } = *decision;
        let opinion = opinion.as_str();
        let mut tx = self.begin().await?;
        let case_id = get_i64(
            &sqlx::query("SELECT case_id FROM case_tasks WHERE id = $1")
                .bind(task_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound("task"))?,
            "case_id",
        )?;
        let case = self.case_in(&mut tx, case_id).await?;
        let task = case
            .tasks
            .iter()
            .find(|t| t.id == task_id)
            .ok_or(StoreError::NotFound("task"))?
            .clone();
        if task.version != version {
            return Err(conflict("the task was changed meanwhile"));
        }
        if task.status != TaskStatus::Open.code() || case.status != CaseStatus::Processing.code() {
            return Err(conflict("the task is not open"));
        }
        if task.opinions.iter().any(|o| o.user_id == user_id) {
            return Err(conflict("this approver has already decided the task"));
        }
        if task.signing == "any" && task.claimed_by.is_some_and(|c| c != user_id) {
            return Err(conflict("the task is claimed by another approver"));
        }
        let now = now_micros();
        sqlx::query("INSERT INTO case_opinions (task_id, user_id, decision, opinion, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(task_id)
            .bind(user_id)
            .bind(if approve { "approve" } else { "refuse" })
            .bind(opinion)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let mut approvals: Vec<i64> = task
            .opinions
            .iter()
            .filter(|o| o.decision == "approve")
            .map(|o| o.user_id)
            .collect();
        let mut refusals: Vec<i64> = task
            .opinions
            .iter()
            .filter(|o| o.decision == "refuse")
            .map(|o| o.user_id)
            .collect();
        if approve {
            approvals.push(user_id);
        } else {
            refusals.push(user_id);
        }
        let signing = if task.signing == "all" {
            Signing::All
        } else {
            Signing::Any
        };
        let mut assignees = task.assignees.clone();
        if assignees.is_empty() {
            assignees.push(user_id);
        }
        let status = match task_outcome(signing, &assignees, &approvals, &refusals) {
            Some(true) => TaskStatus::Approved,
            Some(false) => TaskStatus::Refused,
            None => TaskStatus::Open,
        };
        self.case_note_in(
            &mut Conn::Pool(&mut tx),
            case_id,
            CaseNote::Decide,
            (&change.actor, &task.name),
        )
        .await?;
        let changed = sqlx::query(
            "UPDATE case_tasks SET status = $1, closed_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
        )
        .bind(status.code())
        .bind((status != TaskStatus::Open).then_some(now))
        .bind(task_id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(conflict("the task was changed meanwhile"));
        }
        if status != TaskStatus::Open {
            match self
                .case_advance_in(&mut Conn::Pool(&mut tx), case_id, &change.day)
                .await?
            {
                StageOutcome::Approved => {
                    let current = self.case_in(&mut tx, case_id).await?;
                    self.case_step_in(&mut Conn::Pool(&mut tx), &current, CaseStep::Approve, change)
                        .await?;
                }
                StageOutcome::Refused if task.required => {
                    let current = self.case_in(&mut tx, case_id).await?;
                    let refusal = StepChange {
                        reason: Some(opinion.to_string()),
                        ..change.clone()
                    };
                    self.case_step_in(&mut Conn::Pool(&mut tx), &current, CaseStep::Refuse, &refusal)
                        .await?;
                }
                _ => {}
            }
        }
        self.audit_in(&mut tx, &audit.clone().object(&case.case_no)).await?;
        self.commit_uncached(tx).await?;
        // Read after the commit, outside the write lock.
        let after = self.case_by_id(case_id).await?;
        Ok(after)
    }

    /// Record what case `case_id` fetched after it was submitted (a party's consent, the
    /// window fetching again): lines still missing are settled.
    pub async fn case_fetched(&self, case_id: i64, fetched: &CaseFetched) -> Result<()> {
        if fetched.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        self.case_uses_in(&mut Conn::Pool(&mut tx), fetched).await?;
        let actor = fetched.uses.first().map(|(_, a)| a.actor.label.as_str()).unwrap_or("");
        self.case_note_in(&mut Conn::Pool(&mut tx), case_id, CaseNote::Fetch, (actor, ""))
            .await?;
        let now = now_micros();
        for l in &fetched.lines {
            sqlx::query(
                "UPDATE case_lines SET state = $1, source_kind = $2, reference = $3, note = $4, updated_at = $5
                 WHERE case_id = $6 AND material_code = $7 AND state = 'missing'",
            )
            .bind(&l.state)
            .bind(&l.source_kind)
            .bind(&l.reference)
            .bind(&l.note)
            .bind(now)
            .bind(case_id)
            .bind(&l.material_code)
            .execute(&mut *tx)
            .await?;
        }
        // A bundle's item that waits for another's result starts its stages after it.
        for (implementation_code, offset) in fetched.restage.iter().filter(|(_, o)| *o > 0) {
            sqlx::query(
                "UPDATE case_tasks SET stage = stage + $1 WHERE case_id = $2 AND implementation_code = $3 AND status = 'waiting'",
            )
            .bind(offset)
            .bind(case_id)
            .bind(implementation_code)
            .execute(&mut *tx)
            .await?;
        }
        self.commit_uncached(tx).await
    }

    /// The use copies a case fetched, each with its audit entry.
    async fn case_uses_in(&self, tx: &mut Conn<'_>, fetched: &CaseFetched) -> Result<()> {
        for (u, audit) in &fetched.uses {
            let recorded = self.certificate_use_in(tx, u).await?;
            // One entry per statement: that statement stays prepared (one statement for the
            // four entries of a case measured slower).
            self.audit_on(tx, &audit.clone().object(recorded.id)).await?;
        }
        Ok(())
    }

    /// Record an uploaded file as material line `line_id` of case `case_id` (its checking
    /// starts again), with its audit entry.
    pub async fn case_line_upload(
        &self,
        case_id: i64,
        line_id: i64,
        (sm3, media_type, size): (&str, &str, i64),
        audit: &AuditEvent,
    ) -> Result<CaseRecord> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE case_lines SET state = 'uploaded', source_kind = '', reference = '', sm3 = $1, media_type = $2, size = $3,
             checked = '', defect = '', note = '', updated_at = $4 WHERE id = $5 AND case_id = $6 AND state <> 'fetched'",
        )
        .bind(sm3)
        .bind(media_type)
        .bind(size)
        .bind(now_micros())
        .bind(line_id)
        .bind(case_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(conflict("the material was fetched; nothing to upload"));
        }
        let case = self.case_in(&mut tx, case_id).await?;
        self.audit_in(&mut tx, &audit.clone().object(&case.case_no)).await?;
        self.commit_uncached(tx).await?;
        Ok(case)
    }

    /// Open tasks of departments `departments`, oldest first (the approvers' inbox): each task's
    /// case number and id.
    pub async fn case_tasks_open(&self, departments: &[i64]) -> Result<Vec<(String, i64)>> {
        if departments.is_empty() {
            return Ok(Vec::new());
        }
        let mut binds = crate::dynamic::Binds::default();
        let list: Vec<String> = departments.iter().map(|d| binds.int(*d)).collect();
        let rows = binds
            .query(
                format!(
                    "SELECT c.case_no, t.id FROM case_tasks t JOIN cases c ON c.id = t.case_id
                     WHERE t.status = 'open' AND t.department_id IN ({}) ORDER BY t.opened_at, t.id LIMIT 500",
                    list.join(", ")
                ),
                binds.len(),
            )
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((get_str(r, "case_no")?, get_i64(r, "id")?)))
            .collect()
    }

    /// Cases received in the regions under `region_prefix` in a given status, newest first
    /// (the clerks' queue).
    pub async fn cases_in(&self, region_prefix: &str, status: &str, limit: i64) -> Result<Vec<CaseRecord>> {
        let rows = sqlx::query(
            "SELECT id FROM cases WHERE region_code LIKE $1 AND status = $2 ORDER BY received_at DESC, id DESC LIMIT $3",
        )
        .bind(format!("{region_prefix}%"))
        .bind(status)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut conn = self.pool().acquire().await?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.case_in(&mut conn, get_i64(&r, "id")?).await?);
        }
        Ok(out)
    }

    /// The newest concluded, approved case of the item with basic code `basic_code` that
    /// `id_number` was a party of (a result another item can reuse).
    pub async fn case_result_of(&self, id_number: &str, basic_code: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT c.case_no FROM cases c JOIN case_parties p ON p.case_id = c.id JOIN case_items i ON i.case_id = c.id
             WHERE p.id_number = $1 AND i.implementation_code LIKE $2 AND c.status IN ('approved', 'delivered', 'evaluated')
             ORDER BY c.id DESC LIMIT 1",
        )
        .bind(id_number)
        .bind(format!("%{}", basic_code.replace(['%', '_'], "")))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| get_str(&r, "case_no")).transpose()
    }

    /// Record what a task's step issued (a certificate's identifier), or why it could not.
    pub async fn case_task_issued(&self, task_id: i64, identifier: &str, note: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let task = sqlx::query("SELECT case_id, implementation_code FROM case_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query("UPDATE case_tasks SET issued = $1, issue_note = $2 WHERE id = $3")
            .bind(identifier)
            .bind(note)
            .bind(task_id)
            .execute(&mut *tx)
            .await?;
        // The lines of the bundle's other items that wait for this item's result now hold it.
        if let Some(t) = task
            && !identifier.is_empty()
        {
            sqlx::query(
                "UPDATE case_lines SET reference = $1, updated_at = $2
                 WHERE case_id = $3 AND source_kind = 'bundle' AND reference = $4",
            )
            .bind(identifier)
            .bind(now_micros())
            .bind(get_i64(&t, "case_id")?)
            .bind(get_str(&t, "implementation_code")?)
            .execute(&mut *tx)
            .await?;
        }
        self.commit_uncached(tx).await
    }

    /// Pause task `task_id` for a special procedure (听证、检验检测、专家评审, §45) from `day`,
    /// with its reason and limit; or, with `resume`, end the pause on `day`. 409 when the task
    /// is not open, or is (not) paused already.
    pub async fn case_task_pause(
        &self,
        task_id: i64,
        resume: bool,
        (day, reason, limit_days): (&str, &str, i64),
        audit: &AuditEvent,
    ) -> Result<CaseRecord> {
        let mut tx = self.begin().await?;
        let case_id = get_i64(
            &sqlx::query("SELECT case_id FROM case_tasks WHERE id = $1 AND status = 'open'")
                .bind(task_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| conflict("the task is not open"))?,
            "case_id",
        )?;
        let open = sqlx::query("SELECT id FROM case_pauses WHERE task_id = $1 AND until_day IS NULL")
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?;
        match (resume, open) {
            (false, None) => {
                sqlx::query(
                    "INSERT INTO case_pauses (case_id, task_id, kind, from_day, limit_days, reason) VALUES ($1, $2, 'special', $3, $4, $5)",
                )
                .bind(case_id)
                .bind(task_id)
                .bind(day)
                .bind(limit_days)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
            }
            (true, Some(p)) => {
                sqlx::query("UPDATE case_pauses SET until_day = $1 WHERE id = $2")
                    .bind(day)
                    .bind(get_i64(&p, "id")?)
                    .execute(&mut *tx)
                    .await?;
            }
            (false, Some(_)) => return Err(conflict("the task is paused already")),
            (true, None) => return Err(conflict("the task is not paused")),
        }
        sqlx::query("UPDATE case_tasks SET version = version + 1 WHERE id = $1")
            .bind(task_id)
            .execute(&mut *tx)
            .await?;
        let note = if resume { CaseNote::Resume } else { CaseNote::Special };
        self.case_note_in(&mut Conn::Pool(&mut tx), case_id, note, (&audit.actor.label, reason))
            .await?;
        let case = self.case_in(&mut tx, case_id).await?;
        self.audit_in(&mut tx, &audit.clone().object(&case.case_no)).await?;
        self.commit_uncached(tx).await?;
        Ok(case)
    }

    /// Extend case `id`'s promised limit by `days` (once, §42), with the approver's reason.
    pub async fn case_extend(
        &self,
        id: i64,
        version: i64,
        days: i64,
        reason: &str,
        audit: &AuditEvent,
    ) -> Result<CaseRecord> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE cases SET extended_days = $1, extension_reason = $2, version = version + 1
             WHERE id = $3 AND version = $4 AND extended_days = 0 AND status = 'processing'",
        )
        .bind(days)
        .bind(reason)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(conflict(
                "the case was changed meanwhile, is not being processed, or was extended already",
            ));
        }
        self.case_note_in(
            &mut Conn::Pool(&mut tx),
            id,
            CaseNote::Extend,
            (&audit.actor.label, reason),
        )
        .await?;
        let case = self.case_in(&mut tx, id).await?;
        self.audit_in(&mut tx, &audit.clone().object(&case.case_no)).await?;
        self.commit_uncached(tx).await?;
        Ok(case)
    }

    /// Cases received (not yet decided on) on or before `day`: (id, version, received day).
    pub async fn cases_received_by(&self, day: &str) -> Result<Vec<(i64, i64, String)>> {
        sqlx::query("SELECT id, version, received_day FROM cases WHERE status = 'received' AND received_day <= $1 ORDER BY id LIMIT 1000")
            .bind(day)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((get_i64(r, "id")?, get_i64(r, "version")?, get_str(r, "received_day")?)))
            .collect()
    }

    /// Claim open task `task_id` at `version` for `user_id` (else 409: changed meanwhile, not
    /// open, or claimed by someone else).
    pub async fn case_task_claim(
        &self,
        task_id: i64,
        version: i64,
        user_id: i64,
        audit: &AuditEvent,
    ) -> Result<CaseRecord> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE case_tasks SET claimed_by = $1, version = version + 1
             WHERE id = $2 AND version = $3 AND status = 'open' AND (claimed_by IS NULL OR claimed_by = $1)",
        )
        .bind(user_id)
        .bind(task_id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(conflict(
                "the task was changed meanwhile, is not open, or is claimed by someone else",
            ));
        }
        let case_id = get_i64(
            &sqlx::query("SELECT case_id FROM case_tasks WHERE id = $1")
                .bind(task_id)
                .fetch_one(&mut *tx)
                .await?,
            "case_id",
        )?;
        let case = self.case_in(&mut tx, case_id).await?;
        self.audit_in(&mut tx, &audit.clone().object(&case.case_no)).await?;
        self.commit_uncached(tx).await?;
        Ok(case)
    }

    /// The cases `id_number` is a party of, newest first.
    pub async fn cases_of_party(&self, id_number: &str, limit: i64) -> Result<Vec<CaseRecord>> {
        let rows = sqlx::query(
            "SELECT DISTINCT c.id FROM cases c JOIN case_parties p ON p.case_id = c.id WHERE p.id_number = $1
             ORDER BY c.id DESC LIMIT $2",
        )
        .bind(id_number)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut conn = self.pool().acquire().await?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.case_in(&mut conn, get_i64(&r, "id")?).await?);
        }
        Ok(out)
    }

    /// Record a visit to a window for case `id`.
    pub async fn case_visit(
        &self,
        id: i64,
        reason: &str,
        note: &str,
        region: &str,
        by: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<CaseRecord> {
        let mut tx = self.begin().await?;
        let case = self.case_in(&mut tx, id).await?;
        sqlx::query(
            "INSERT INTO case_visits (case_id, reason, note, region_code, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(reason)
        .bind(note)
        .bind(region)
        .bind(by)
        .bind(now_micros())
        .execute(&mut *tx)
        .await?;
        self.case_note_in(
            &mut Conn::Pool(&mut tx),
            id,
            CaseNote::Visit,
            (&audit.actor.label, reason),
        )
        .await?;
        self.audit_in(&mut tx, &audit.clone().object(&case.case_no)).await?;
        self.commit_uncached(tx).await?;
        // Read after the commit, outside the write lock.
        let after = self.case_by_id(id).await?;
        Ok(after)
    }
}

fn signing_code(s: Signing) -> &'static str {
    match s {
        Signing::All => "all",
        Signing::Any => "any",
    }
}

/// One transition of a case on the change feed: no personal data, only what happened to which
/// case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeedEvent {
    /// Increasing position on the feed (read on with `after`).
    pub position: i64,
    pub case_no: String,
    /// `item` or `bundle`, and its code.
    pub subject_kind: String,
    pub subject_code: String,
    pub region_code: String,
    /// The step taken (`submit`, `accept`, `notice`, `approve`, `deliver`, …) and the status after.
    pub step: String,
    pub status: String,
    /// When, in microseconds since the epoch.
    pub at: i64,
}

/// The columns of a [`FeedEvent`], from a case's timeline joined with its case.
macro_rules! feed_select {
    () => {
        "SELECT e.id, c.case_no, c.subject_kind, c.subject_code, c.region_code, e.step, e.status, e.at
         FROM case_events e JOIN cases c ON c.id = e.case_id"
    };
}

fn feed_event(r: &sqlx::any::AnyRow) -> Result<FeedEvent> {
    Ok(FeedEvent {
        position: get_i64(r, "id")?,
        case_no: get_str(r, "case_no")?,
        subject_kind: get_str(r, "subject_kind")?,
        subject_code: get_str(r, "subject_code")?,
        region_code: get_str(r, "region_code")?,
        step: get_str(r, "step")?,
        status: get_str(r, "status")?,
        at: get_i64(r, "at")?,
    })
}

impl Store {
    /// The feed after `after`, written before `before` (microseconds: the transactions still
    /// open then have committed by now), `limit` at most; only the cases department
    /// `department_id` takes part in (leads, or has a task of), when given.
    pub async fn case_feed(
        &self,
        after: i64,
        before: i64,
        department_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FeedEvent>> {
        let rows = sqlx::query(concat!(
            feed_select!(),
            " WHERE e.id > $1 AND e.at < $2
               AND ($3 = 0 OR c.department_id = $3
                    OR EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_id = c.id AND t.department_id = $3))
             ORDER BY e.id LIMIT $4"
        ))
        .bind(after)
        .bind(before)
        .bind(department_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(feed_event).collect()
    }

    /// Transitions not yet published to NATS, oldest first.
    pub async fn case_feed_unpushed(&self, limit: i64) -> Result<Vec<FeedEvent>> {
        let rows = sqlx::query(concat!(feed_select!(), " WHERE e.pushed = 0 ORDER BY e.id LIMIT $1"))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(feed_event).collect()
    }

    /// Mark transitions as published.
    pub async fn case_feed_pushed(&self, positions: &[i64]) -> Result<()> {
        let mut tx = self.begin().await?;
        for p in positions {
            sqlx::query("UPDATE case_events SET pushed = 1 WHERE id = $1")
                .bind(p)
                .execute(&mut *tx)
                .await?;
        }
        self.commit_uncached(tx).await
    }

    /// Record the consent of party `id_number` of case `id` (for the case's purpose), with its
    /// timeline row and audit entry. False when the party had consented already.
    pub async fn case_consent(&self, id: i64, id_number: &str, channel: &str, audit: &AuditEvent) -> Result<bool> {
        let mut tx = self.begin().await?;
        let now = now_micros();
        let changed = sqlx::query(
            "UPDATE case_parties SET consented_at = $1, consent_channel = $2
             WHERE case_id = $3 AND id_number = $4 AND consented_at IS NULL",
        )
        .bind(now)
        .bind(channel)
        .bind(id)
        .bind(id_number)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        let case = self.case_in(&mut tx, id).await?;
        self.case_note_in(
            &mut Conn::Pool(&mut tx),
            id,
            CaseNote::Consent,
            (&audit.actor.label, ""),
        )
        .await?;
        self.audit_in(&mut tx, &audit.clone().object(&case.case_no).subject(id_number))
            .await?;
        self.commit_uncached(tx).await?;
        Ok(true)
    }

    /// The transitions of the cases of party `id_number` that its parties are told of, newest
    /// first: (case number, case name, the transition).
    pub async fn case_events_of_party(
        &self,
        id_number: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, EventRecord)>> {
        let rows = sqlx::query(
            "SELECT c.case_no, c.name, e.step, e.status, e.actor, e.note, e.at
             FROM case_events e JOIN cases c ON c.id = e.case_id
             WHERE e.case_id IN (SELECT case_id FROM case_parties WHERE id_number = $1)
               AND e.step IN ('submit', 'accept', 'not_accept', 'notice', 'approve', 'refuse', 'deliver', 'extend', 'deemed', 'withdraw', 'void')
             ORDER BY e.id DESC LIMIT $2",
        )
        .bind(id_number)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    get_str(r, "case_no")?,
                    get_str(r, "name")?,
                    EventRecord {
                        step: get_str(r, "step")?,
                        status: get_str(r, "status")?,
                        actor: get_str(r, "actor")?,
                        note: get_str(r, "note")?,
                        at: get_i64(r, "at")?,
                    },
                ))
            })
            .collect()
    }

    /// Subscribe system `system_id` (of department `department_id`) to the feed at `url`, from
    /// the current end of the feed. 409 when the system already has a webhook at that address.
    pub async fn case_webhook_add(
        &self,
        (system_id, department_id): (i64, i64),
        url: &str,
        secret: &str,
        audit: &AuditEvent,
    ) -> Result<CaseWebhook> {
        let mut tx = self.begin().await?;
        let end = get_i64(
            &sqlx::query("SELECT COALESCE(MAX(id), 0) AS last FROM case_events")
                .fetch_one(&mut *tx)
                .await?,
            "last",
        )?;
        let row = sqlx::query(
            "INSERT INTO case_webhooks (system_id, department_id, url, secret, position, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(system_id)
        .bind(department_id)
        .bind(url)
        .bind(secret)
        .bind(end)
        .bind(now_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "case webhook"))?;
        let id = get_i64(&row, "id")?;
        self.audit_in(&mut tx, &audit.clone().object(id)).await?;
        self.commit_uncached(tx).await?;
        Ok(CaseWebhook {
            id,
            system_id,
            department_id,
            url: url.to_string(),
            secret: secret.to_string(),
            position: end,
            attempts: 0,
        })
    }

    /// The webhooks due for a delivery attempt at `now`.
    pub async fn case_webhooks_due(&self, now: i64) -> Result<Vec<CaseWebhook>> {
        let rows = sqlx::query(
            "SELECT id, system_id, department_id, url, secret, position, attempts FROM case_webhooks
             WHERE next_at <= $1 ORDER BY id",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CaseWebhook {
                    id: get_i64(r, "id")?,
                    system_id: get_i64(r, "system_id")?,
                    department_id: get_i64(r, "department_id")?,
                    url: get_str(r, "url")?,
                    secret: get_str(r, "secret")?,
                    position: get_i64(r, "position")?,
                    attempts: get_i64(r, "attempts")?,
                })
            })
            .collect()
    }

    /// Record a webhook's attempt: delivered up to position `Ok(to)` (from `from`: another
    /// instance that moved it meanwhile wins), or failed with its error and the time of the next
    /// attempt.
    pub async fn case_webhook_attempted(
        &self,
        id: i64,
        from: i64,
        outcome: std::result::Result<i64, (i64, String)>,
    ) -> Result<()> {
        match outcome {
            Ok(to) => {
                sqlx::query(
                    "UPDATE case_webhooks SET position = $1, attempts = 0, next_at = 0, last_error = ''
                     WHERE id = $2 AND position = $3",
                )
                .bind(to)
                .bind(id)
                .bind(from)
                .execute(self.pool())
                .await?;
            }
            Err((next_at, error)) => {
                sqlx::query(
                    "UPDATE case_webhooks SET attempts = attempts + 1, next_at = $1, last_error = $2 WHERE id = $3",
                )
                .bind(next_at)
                .bind(error)
                .bind(id)
                .execute(self.pool())
                .await?;
            }
        }
        Ok(())
    }
}

/// A webhook of a department system on the case feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWebhook {
    pub id: i64,
    pub system_id: i64,
    pub department_id: i64,
    pub url: String,
    pub secret: String,
    /// The last position delivered.
    pub position: i64,
    pub attempts: i64,
}
