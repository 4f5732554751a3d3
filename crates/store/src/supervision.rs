//! 督察考核: the facts the supervision capability's metrics read, and their sums per department,
//! region and day (migration 18). The facts of a case are computed by the capability from the
//! window's read model and written here whole; the sums of a department, region and day are
//! recomputed from the facts in the same transaction, so that they always agree with them.
//!
//! Every sum is written once, as SQL over the facts (or the evaluations): the daily sums and a
//! live reading of the facts run the same expressions, grouped differently.

use crate::dynamic::Binds;
use crate::evaluations::Reach;
use crate::{Result, Store, get_i64, get_opt_i64, get_opt_str, get_str};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What supervision keeps of a case: no party, no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseFacts {
    pub case_id: i64,
    pub case_no: String,
    pub name: String,
    pub department_id: i64,
    pub region_code: String,
    pub status: String,
    pub received_day: String,
    pub accepted_day: Option<String>,
    pub concluded_day: Option<String>,
    /// The decision clock's limit (promised and extended working days), the days used and its
    /// deadline (none before acceptance or while paused).
    pub limit_days: i64,
    pub used_days: Option<i64>,
    pub due_day: Option<String>,
    /// The case may still be decided.
    pub open: bool,
    /// Concluded with a decision clock: within its limit or not.
    pub on_time: Option<bool>,
    pub visits: i64,
    pub lines_required: i64,
    pub lines_fetched: i64,
    pub notices: i64,
}

/// What supervision keeps of a task of parallel approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskFacts {
    pub task_id: i64,
    pub case_id: i64,
    pub case_no: String,
    pub name: String,
    pub department_id: i64,
    pub region_code: String,
    pub due_day: Option<String>,
    pub open: bool,
}

/// What a metric reads: the reader's reach, a department, a region (rolled up the region tree:
/// a code prefix) and a window of days (YYYY-MM-DD, both included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Empty: nothing.
    pub reach: Vec<Reach>,
    pub department_id: Option<i64>,
    pub region_prefix: Option<String>,
    pub from_day: String,
    pub to_day: String,
}

/// How sums are grouped: the key of each group is a department's id, a region code or a day
/// (empty for `All`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    All,
    Department,
    Region,
    Day,
}

/// Where sums are read from: the daily sums, or the facts themselves (the live reading the
/// daily sums must agree with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Daily,
    Live,
}

/// The sums of case facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseSums {
    pub received: i64,
    pub accepted: i64,
    pub concluded: i64,
    /// Concluded cases with a decision clock, and those of them concluded within the limit.
    pub timed: i64,
    pub on_time: i64,
    /// Working days used and promised, over the timed cases.
    pub used_days: i64,
    pub limit_days: i64,
    /// Visits of the cases received, and the cases received with at most one.
    pub visits: i64,
    pub once: i64,
    pub lines_required: i64,
    pub lines_fetched: i64,
    pub notices: i64,
}

impl CaseSums {
    /// Add another group's sums to these (a region's, rolled up).
    pub fn add(&mut self, o: &CaseSums) {
        self.received += o.received;
        self.accepted += o.accepted;
        self.concluded += o.concluded;
        self.timed += o.timed;
        self.on_time += o.on_time;
        self.used_days += o.used_days;
        self.limit_days += o.limit_days;
        self.visits += o.visits;
        self.once += o.once;
        self.lines_required += o.lines_required;
        self.lines_fetched += o.lines_fetched;
        self.notices += o.notices;
    }
}

/// The sums of evaluations (a review marked malicious counts only as `malicious`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EvaluationSums {
    pub evaluations: i64,
    /// The sum of their levels.
    pub score: i64,
    pub bad: i64,
    pub malicious: i64,
    /// Rectifications closed, and those closed by their return visit's deadline.
    pub rectified: i64,
    pub rectified_on_time: i64,
}

impl EvaluationSums {
    /// Add another group's sums to these.
    pub fn add(&mut self, o: &EvaluationSums) {
        self.evaluations += o.evaluations;
        self.score += o.score;
        self.bad += o.bad;
        self.malicious += o.malicious;
        self.rectified += o.rectified;
        self.rectified_on_time += o.rectified_on_time;
    }
}

/// A sum column: `CAST(COALESCE(SUM(expr), 0) AS BIGINT) AS alias`.
fn sum(expr: &str, alias: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT) AS {alias}")
}

/// The sums over case facts, by the day column each belongs to.
fn case_fact_parts() -> [(&'static str, Vec<String>); 3] {
    [
        (
            "received_day",
            vec![
                sum("1", "received"),
                sum("visits", "visits"),
                sum("CASE WHEN visits <= 1 THEN 1 ELSE 0 END", "once"),
                sum("lines_required", "lines_required"),
                sum("lines_fetched", "lines_fetched"),
                sum("notices", "notices"),
            ],
        ),
        ("accepted_day", vec![sum("1", "accepted")]),
        (
            "concluded_day",
            vec![
                sum("1", "concluded"),
                sum("CASE WHEN on_time IS NULL THEN 0 ELSE 1 END", "timed"),
                sum("COALESCE(on_time, 0)", "on_time"),
                sum("CASE WHEN on_time IS NULL THEN 0 ELSE used_days END", "used_days"),
                sum("CASE WHEN on_time IS NULL THEN 0 ELSE limit_days END", "limit_days"),
            ],
        ),
    ]
}

const CASE_SUMS: [&str; 12] = [
    "received",
    "accepted",
    "concluded",
    "timed",
    "on_time",
    "used_days",
    "limit_days",
    "visits",
    "once",
    "lines_required",
    "lines_fetched",
    "notices",
];

const EVALUATION_SUMS: [&str; 6] = [
    "evaluations",
    "score",
    "bad",
    "malicious",
    "rectified",
    "rectified_on_time",
];

/// The sums over evaluations (`e`) and their rectifications (`r`).
fn evaluation_parts() -> Vec<String> {
    vec![
        sum("CASE WHEN e.malicious_at IS NULL THEN 1 ELSE 0 END", "evaluations"),
        sum("CASE WHEN e.malicious_at IS NULL THEN e.level ELSE 0 END", "score"),
        sum(
            "CASE WHEN e.malicious_at IS NULL AND e.level <= 2 THEN 1 ELSE 0 END",
            "bad",
        ),
        sum("CASE WHEN e.malicious_at IS NULL THEN 0 ELSE 1 END", "malicious"),
        sum(
            "CASE WHEN e.malicious_at IS NULL AND r.closed_at IS NOT NULL THEN 1 ELSE 0 END",
            "rectified",
        ),
        sum(
            "CASE WHEN e.malicious_at IS NULL AND r.closed_day <= r.revisit_due THEN 1 ELSE 0 END",
            "rectified_on_time",
        ),
    ]
}

fn case_sums_of(row: &sqlx::any::AnyRow, into: &mut CaseSums, columns: &[&str]) -> Result<()> {
    for c in columns {
        let v = get_i64(row, c)?;
        let field = match *c {
            "received" => &mut into.received,
            "accepted" => &mut into.accepted,
            "concluded" => &mut into.concluded,
            "timed" => &mut into.timed,
            "on_time" => &mut into.on_time,
            "used_days" => &mut into.used_days,
            "limit_days" => &mut into.limit_days,
            "visits" => &mut into.visits,
            "once" => &mut into.once,
            "lines_required" => &mut into.lines_required,
            "lines_fetched" => &mut into.lines_fetched,
            "notices" => &mut into.notices,
            _ => continue,
        };
        *field += v;
    }
    Ok(())
}

fn evaluation_sums_of(row: &sqlx::any::AnyRow, into: &mut EvaluationSums) -> Result<()> {
    into.evaluations += get_i64(row, "evaluations")?;
    into.score += get_i64(row, "score")?;
    into.bad += get_i64(row, "bad")?;
    into.malicious += get_i64(row, "malicious")?;
    into.rectified += get_i64(row, "rectified")?;
    into.rectified_on_time += get_i64(row, "rectified_on_time")?;
    Ok(())
}

/// The alias of each sum column in a select list (`… AS alias`).
fn aliases(parts: &[String]) -> Vec<&str> {
    parts.iter().filter_map(|p| p.rsplit(" AS ").next()).collect()
}

/// The conditions of a cut over a table whose columns are prefixed with `t` (`e.`, or empty),
/// with `day` the day column the window of days applies to (none: a count of now).
fn cut_conditions(cut: &Cut, t: &str, day: Option<&str>, binds: &mut Binds) -> Vec<String> {
    let reach: Vec<String> = cut
        .reach
        .iter()
        .map(|r| match r {
            Reach::RegionPrefix(p) => format!("{t}region_code LIKE {}", binds.text(format!("{p}%"))),
            Reach::Department(id) => format!("{t}department_id = {}", binds.int(*id)),
        })
        .collect();
    let mut conditions = vec![if reach.is_empty() {
        "1 = 0".to_string()
    } else {
        format!("({})", reach.join(" OR "))
    }];
    if let Some(day) = day {
        conditions.push(format!("{day} >= {}", binds.text(cut.from_day.clone())));
        conditions.push(format!("{day} <= {}", binds.text(cut.to_day.clone())));
    }
    if let Some(id) = cut.department_id {
        conditions.push(format!("{t}department_id = {}", binds.int(id)));
    }
    if let Some(p) = &cut.region_prefix {
        conditions.push(format!("{t}region_code LIKE {}", binds.text(format!("{p}%"))));
    }
    conditions
}

/// The key column of a group, as text, and the query's grouping.
fn group_key(group: Group, t: &str, day: &str) -> (String, String) {
    let key = match group {
        Group::All => return ("''".into(), String::new()),
        Group::Department => format!("CAST({t}department_id AS TEXT)"),
        Group::Region => format!("{t}region_code"),
        Group::Day => day.into(),
    };
    (key.clone(), format!("GROUP BY {key}"))
}

/// The key of a group's row.
fn key_of(row: &sqlx::any::AnyRow) -> Result<String> {
    get_str(row, "k")
}

/// A cell of the daily sums: a department, a region and a day.
type DayKey = (i64, String, String);

impl Store {
    /// How far the facts have read the feed named `name` (0 before the first reading).
    pub async fn supervision_cursor(&self, name: &str) -> Result<i64> {
        let row = sqlx::query("SELECT position FROM supervision_cursor WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(|r| get_i64(r, "position"))
            .transpose()
            .map(|p| p.unwrap_or(0))
    }

    /// Write the facts of some cases (each with all its tasks) and move the cursor `name` on to
    /// `position` (never back), recomputing the daily sums of every department, region and day
    /// the cases counted in before or count in now, in one transaction.
    pub async fn supervision_record(
        &self,
        cases: &[(CaseFacts, Vec<TaskFacts>)],
        cursor: Option<(&str, i64)>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let mut keys: BTreeSet<DayKey> = BTreeSet::new();
        for (f, tasks) in cases {
            if let Some(old) = sqlx::query(
                "SELECT department_id, region_code, received_day, accepted_day, concluded_day FROM case_facts
                 WHERE case_id = $1",
            )
            .bind(f.case_id)
            .fetch_optional(&mut *tx)
            .await?
            {
                let (d, r) = (get_i64(&old, "department_id")?, get_str(&old, "region_code")?);
                keys.insert((d, r.clone(), get_str(&old, "received_day")?));
                for c in ["accepted_day", "concluded_day"] {
                    if let Some(day) = get_opt_str(&old, c)? {
                        keys.insert((d, r.clone(), day));
                    }
                }
            }
            for day in [Some(&f.received_day), f.accepted_day.as_ref(), f.concluded_day.as_ref()]
                .into_iter()
                .flatten()
            {
                keys.insert((f.department_id, f.region_code.clone(), day.clone()));
            }
            sqlx::query(
                "INSERT INTO case_facts (case_id, case_no, name, department_id, region_code, status, received_day,
                 accepted_day, concluded_day, limit_days, used_days, due_day, is_open, on_time, visits, lines_required,
                 lines_fetched, notices)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                 ON CONFLICT (case_id) DO UPDATE SET case_no = excluded.case_no, name = excluded.name,
                 department_id = excluded.department_id, region_code = excluded.region_code, status = excluded.status,
                 received_day = excluded.received_day, accepted_day = excluded.accepted_day,
                 concluded_day = excluded.concluded_day, limit_days = excluded.limit_days,
                 used_days = excluded.used_days, due_day = excluded.due_day, is_open = excluded.is_open,
                 on_time = excluded.on_time, visits = excluded.visits, lines_required = excluded.lines_required,
                 lines_fetched = excluded.lines_fetched, notices = excluded.notices",
            )
            .bind(f.case_id)
            .bind(&f.case_no)
            .bind(&f.name)
            .bind(f.department_id)
            .bind(&f.region_code)
            .bind(&f.status)
            .bind(&f.received_day)
            .bind(&f.accepted_day)
            .bind(&f.concluded_day)
            .bind(f.limit_days)
            .bind(f.used_days)
            .bind(&f.due_day)
            .bind(i64::from(f.open))
            .bind(f.on_time.map(i64::from))
            .bind(f.visits)
            .bind(f.lines_required)
            .bind(f.lines_fetched)
            .bind(f.notices)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM task_facts WHERE case_id = $1")
                .bind(f.case_id)
                .execute(&mut *tx)
                .await?;
            for t in tasks {
                sqlx::query(
                    "INSERT INTO task_facts (task_id, case_id, case_no, name, department_id, region_code, due_day, is_open)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(t.task_id)
                .bind(t.case_id)
                .bind(&t.case_no)
                .bind(&t.name)
                .bind(t.department_id)
                .bind(&t.region_code)
                .bind(&t.due_day)
                .bind(i64::from(t.open))
                .execute(&mut *tx)
                .await?;
            }
        }
        lock_sums(&mut tx, self.dialect(), "case_daily").await?;
        for key in &keys {
            case_daily_in(&mut tx, key).await?;
        }
        if let Some((name, position)) = cursor {
            sqlx::query(
                "INSERT INTO supervision_cursor (name, position) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET position = CASE WHEN excluded.position > supervision_cursor.position
                 THEN excluded.position ELSE supervision_cursor.position END",
            )
            .bind(name)
            .bind(position)
            .execute(&mut *tx)
            .await?;
        }
        self.commit_uncached(tx).await
    }

    /// The facts of case `case_id`, if kept.
    pub async fn case_facts(&self, case_id: i64) -> Result<Option<CaseFacts>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FACTS_COLUMNS} FROM case_facts WHERE case_id = $1"
        )))
        .bind(case_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(facts_row).transpose()
    }

    /// The sums of the case facts in `cut`, per group, from `source`.
    pub async fn case_sums(&self, cut: &Cut, group: Group, source: Source) -> Result<BTreeMap<String, CaseSums>> {
        let mut out: BTreeMap<String, CaseSums> = BTreeMap::new();
        match source {
            Source::Daily => {
                let mut binds = Binds::default();
                let conditions = cut_conditions(cut, "", Some("day"), &mut binds);
                let columns: Vec<String> = CASE_SUMS.iter().map(|c| sum(c, c)).collect();
                let (key, grouping) = group_key(group, "", "day");
                let rows = binds
                    .query(
                        format!(
                            "SELECT {key} AS k, {} FROM case_daily WHERE {} {grouping}",
                            columns.join(", "),
                            conditions.join(" AND ")
                        ),
                        binds.len(),
                    )
                    .fetch_all(self.pool())
                    .await?;
                for r in &rows {
                    case_sums_of(r, out.entry(key_of(r)?).or_default(), &CASE_SUMS)?;
                }
            }
            Source::Live => {
                for (day, parts) in case_fact_parts() {
                    let mut binds = Binds::default();
                    let conditions = cut_conditions(cut, "", Some(day), &mut binds);
                    let (key, grouping) = group_key(group, "", day);
                    let rows = binds
                        .query(
                            format!(
                                "SELECT {key} AS k, {} FROM case_facts WHERE {} {grouping}",
                                parts.join(", "),
                                conditions.join(" AND ")
                            ),
                            binds.len(),
                        )
                        .fetch_all(self.pool())
                        .await?;
                    for r in &rows {
                        case_sums_of(r, out.entry(key_of(r)?).or_default(), &aliases(&parts))?;
                    }
                }
            }
        }
        Ok(out)
    }

    /// The sums of the evaluations in `cut` (by the day each was given), per group, from
    /// `source`.
    pub async fn evaluation_sums(
        &self,
        cut: &Cut,
        group: Group,
        source: Source,
    ) -> Result<BTreeMap<String, EvaluationSums>> {
        let mut binds = Binds::default();
        let sql = match source {
            Source::Daily => {
                let conditions = cut_conditions(cut, "", Some("day"), &mut binds);
                let columns: Vec<String> = EVALUATION_SUMS.iter().map(|c| sum(c, c)).collect();
                let (key, grouping) = group_key(group, "", "day");
                format!(
                    "SELECT {key} AS k, {} FROM evaluation_daily WHERE {} {grouping}",
                    columns.join(", "),
                    conditions.join(" AND ")
                )
            }
            Source::Live => {
                let conditions = cut_conditions(cut, "e.", Some("e.day"), &mut binds);
                let (key, grouping) = group_key(group, "e.", "e.day");
                format!(
                    "SELECT {key} AS k, {} FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id
                     WHERE {} {grouping}",
                    evaluation_parts().join(", "),
                    conditions.join(" AND ")
                )
            }
        };
        let rows = binds.query(sql, binds.len()).fetch_all(self.pool()).await?;
        let mut out: BTreeMap<String, EvaluationSums> = BTreeMap::new();
        for r in &rows {
            evaluation_sums_of(r, out.entry(key_of(r)?).or_default())?;
        }
        Ok(out)
    }

    /// The open cases (`tasks`: the open tasks) in `cut`'s reach, department and region whose
    /// deadline is before `red_before` (red) or on or before `yellow_until` (yellow), counted
    /// per group (`Group::Day` counts by deadline). The window of days does not apply: these are
    /// counts of now.
    pub async fn deadline_counts(
        &self,
        cut: &Cut,
        tasks: bool,
        group: Group,
        (red_before, yellow_until): (&str, &str),
    ) -> Result<BTreeMap<String, (i64, i64, i64)>> {
        let mut binds = Binds::default();
        let table = if tasks { "task_facts" } else { "case_facts" };
        let conditions = cut_conditions(cut, "", None, &mut binds);
        let red = binds.text(red_before);
        let yellow = binds.text(yellow_until);
        let (key, grouping) = group_key(group, "", "due_day");
        let rows = binds
            .query(
                format!(
                    "SELECT {key} AS k, {}, {}, {} FROM {table} WHERE is_open = 1 AND {} {grouping}",
                    sum("1", "open"),
                    sum(&format!("CASE WHEN due_day < {red} THEN 1 ELSE 0 END"), "red"),
                    sum(
                        &format!("CASE WHEN due_day >= {red} AND due_day <= {yellow} THEN 1 ELSE 0 END"),
                        "yellow"
                    ),
                    conditions.join(" AND ")
                ),
                binds.len(),
            )
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    key_of(r)?,
                    (get_i64(r, "open")?, get_i64(r, "yellow")?, get_i64(r, "red")?),
                ))
            })
            .collect()
    }

    /// The facts of the cases behind a figure: those `which` selects in `cut`, newest first,
    /// and how many there are.
    pub async fn case_facts_behind(
        &self,
        cut: &Cut,
        which: &Behind,
        page: crate::Page,
    ) -> Result<(Vec<CaseFacts>, i64)> {
        let mut binds = Binds::default();
        // The day column the window of days applies to; none for the counts of now.
        let day = match which {
            Behind::Received | Behind::MoreThanOnce | Behind::Noticed => Some("received_day"),
            Behind::Accepted => Some("accepted_day"),
            Behind::Concluded | Behind::Late => Some("concluded_day"),
            Behind::Red(_) | Behind::Yellow(..) | Behind::Open => None,
        };
        let live = day.is_none();
        let mut conditions = cut_conditions(cut, "", day, &mut binds);
        if live {
            conditions.push("is_open = 1".into());
        }
        match which {
            Behind::MoreThanOnce => conditions.push("visits > 1".into()),
            Behind::Noticed => conditions.push("notices > 0".into()),
            Behind::Late => conditions.push("on_time = 0".into()),
            Behind::Red(today) => conditions.push(format!("due_day < {}", binds.text(today.clone()))),
            Behind::Yellow(today, until) => {
                let (t, u) = (binds.text(today.clone()), binds.text(until.clone()));
                conditions.push(format!("due_day >= {t} AND due_day <= {u}"));
            }
            _ => {}
        }
        let order = if live { "due_day, case_id" } else { "case_id DESC" };
        let from = format!("FROM case_facts WHERE {}", conditions.join(" AND "));
        let (rows, total) = binds.page(self.pool(), (FACTS_COLUMNS, &from, order), page).await?;
        Ok((rows.iter().map(facts_row).collect::<Result<_>>()?, total))
    }

    /// The open tasks in `cut`'s reach, department and region whose deadline is on or before
    /// `until`, earliest first (at most `limit`).
    pub async fn task_facts_due(&self, cut: &Cut, until: &str, limit: i64) -> Result<Vec<TaskFacts>> {
        let mut binds = Binds::default();
        let mut conditions = cut_conditions(cut, "", None, &mut binds);
        conditions.push(format!("is_open = 1 AND due_day <= {}", binds.text(until)));
        let limit = binds.int(limit);
        let rows = binds
            .query(
                format!(
                    "SELECT task_id, case_id, case_no, name, department_id, region_code, due_day, is_open FROM task_facts
                     WHERE {} ORDER BY due_day, task_id LIMIT {limit}",
                    conditions.join(" AND ")
                ),
                binds.len(),
            )
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TaskFacts {
                    task_id: get_i64(r, "task_id")?,
                    case_id: get_i64(r, "case_id")?,
                    case_no: get_str(r, "case_no")?,
                    name: get_str(r, "name")?,
                    department_id: get_i64(r, "department_id")?,
                    region_code: get_str(r, "region_code")?,
                    due_day: get_opt_str(r, "due_day")?,
                    open: get_i64(r, "is_open")? == 1,
                })
            })
            .collect()
    }
}

/// Which cases are behind a figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behind {
    Received,
    Accepted,
    Concluded,
    /// Concluded past the limit.
    Late,
    /// Received, with more than one visit.
    MoreThanOnce,
    /// Received, with a supplement notice.
    Noticed,
    /// Open, whatever the deadline.
    Open,
    /// Open, past the deadline: before this day.
    Red(String),
    /// Open, the deadline from the first day to the second.
    Yellow(String, String),
}

const FACTS_COLUMNS: &str = "case_id, case_no, name, department_id, region_code, status, received_day, accepted_day, \
     concluded_day, limit_days, used_days, due_day, is_open, on_time, visits, lines_required, lines_fetched, notices";

fn facts_row(r: &sqlx::any::AnyRow) -> Result<CaseFacts> {
    Ok(CaseFacts {
        case_id: get_i64(r, "case_id")?,
        case_no: get_str(r, "case_no")?,
        name: get_str(r, "name")?,
        department_id: get_i64(r, "department_id")?,
        region_code: get_str(r, "region_code")?,
        status: get_str(r, "status")?,
        received_day: get_str(r, "received_day")?,
        accepted_day: get_opt_str(r, "accepted_day")?,
        concluded_day: get_opt_str(r, "concluded_day")?,
        limit_days: get_i64(r, "limit_days")?,
        used_days: get_opt_i64(r, "used_days")?,
        due_day: get_opt_str(r, "due_day")?,
        open: get_i64(r, "is_open")? == 1,
        on_time: get_opt_i64(r, "on_time")?.map(|v| v == 1),
        visits: get_i64(r, "visits")?,
        lines_required: get_i64(r, "lines_required")?,
        lines_fetched: get_i64(r, "lines_fetched")?,
        notices: get_i64(r, "notices")?,
    })
}

/// On PostgreSQL, take the table of sums `table` for this transaction, so that two
/// transactions recomputing the same day one after the other each see the other's facts (on
/// SQLite a write transaction holds the database already).
async fn lock_sums(tx: &mut crate::WriteTx, dialect: crate::dialect::Dialect, table: &'static str) -> Result<()> {
    if dialect == crate::dialect::Dialect::Postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"
        )))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Recompute the daily sums of one department, region and day from the case facts.
async fn case_daily_in(tx: &mut crate::WriteTx, (department_id, region_code, day): &DayKey) -> Result<()> {
    let mut sums = CaseSums::default();
    for (column, parts) in case_fact_parts() {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM case_facts WHERE department_id = $1 AND region_code = $2 AND {column} = $3",
            parts.join(", ")
        )))
        .bind(department_id)
        .bind(region_code)
        .bind(day)
        .fetch_one(&mut **tx)
        .await?;
        case_sums_of(&row, &mut sums, &aliases(&parts))?;
    }
    sqlx::query("DELETE FROM case_daily WHERE department_id = $1 AND region_code = $2 AND day = $3")
        .bind(department_id)
        .bind(region_code)
        .bind(day)
        .execute(&mut **tx)
        .await?;
    if sums != CaseSums::default() {
        sqlx::query(
            "INSERT INTO case_daily (department_id, region_code, day, received, accepted, concluded, timed, on_time,
             used_days, limit_days, visits, once, lines_required, lines_fetched, notices)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(department_id)
        .bind(region_code)
        .bind(day)
        .bind(sums.received)
        .bind(sums.accepted)
        .bind(sums.concluded)
        .bind(sums.timed)
        .bind(sums.on_time)
        .bind(sums.used_days)
        .bind(sums.limit_days)
        .bind(sums.visits)
        .bind(sums.once)
        .bind(sums.lines_required)
        .bind(sums.lines_fetched)
        .bind(sums.notices)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Recompute the daily sums of the department, region and day of evaluation `id`, in the
/// transaction that changed it.
pub(crate) async fn evaluation_daily_in(
    tx: &mut crate::WriteTx,
    dialect: crate::dialect::Dialect,
    id: i64,
) -> Result<()> {
    lock_sums(tx, dialect, "evaluation_daily").await?;
    let Some(key) = sqlx::query("SELECT department_id, region_code, day FROM evaluations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(());
    };
    let (department_id, region_code, day) = (
        get_i64(&key, "department_id")?,
        get_str(&key, "region_code")?,
        get_str(&key, "day")?,
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM evaluations e LEFT JOIN rectifications r ON r.evaluation_id = e.id
         WHERE e.department_id = $1 AND e.region_code = $2 AND e.day = $3",
        evaluation_parts().join(", ")
    )))
    .bind(department_id)
    .bind(&region_code)
    .bind(&day)
    .fetch_one(&mut **tx)
    .await?;
    let mut s = EvaluationSums::default();
    evaluation_sums_of(&row, &mut s)?;
    sqlx::query("DELETE FROM evaluation_daily WHERE department_id = $1 AND region_code = $2 AND day = $3")
        .bind(department_id)
        .bind(&region_code)
        .bind(&day)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO evaluation_daily (department_id, region_code, day, evaluations, score, bad, malicious, rectified,
         rectified_on_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(department_id)
    .bind(&region_code)
    .bind(&day)
    .bind(s.evaluations)
    .bind(s.score)
    .bind(s.bad)
    .bind(s.malicious)
    .bind(s.rectified)
    .bind(s.rectified_on_time)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sharing requests of a cut: how many were made, and those answered counted per day asked,
/// day answered (China dates, as days since 1970-01-01) and deadline, for the working days of
/// each to be counted once per group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingSums {
    pub requests: i64,
    /// (day asked, day answered, deadline YYYY-MM-DD, how many).
    pub answered: Vec<(i64, i64, String, i64)>,
}

/// The China date of a time in microseconds, as days since 1970-01-01, in SQL.
const CHINA_DAY: &str = "(({t} + 28800000000) / 86400000000)";

/// Exchange calls of one consumer system on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CallCount {
    pub resource_id: i64,
    pub resource: String,
    pub system: String,
    /// The consumer system's department.
    pub consumer: String,
    pub calls: i64,
}

/// Certificates issued, used (viewed or taken as use copies) and verified online.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CertificateCounts {
    pub issued: i64,
    pub used: i64,
    pub verified: i64,
}

impl Store {
    /// The sharing requests made in `[from, to)` (microseconds) to the providers in `cut`, and
    /// those of them answered (a status in `answered`) by day asked, day answered and deadline.
    pub async fn sharing_sums(&self, cut: &Cut, (from, to): (i64, i64), answered: &[i64]) -> Result<SharingSums> {
        let requests = "(SELECT s.status, s.deadline, s.created_at, s.updated_at, s.provider_department_id AS department_id,
             d.region_code AS region_code FROM sharing_requests s JOIN departments d ON d.id = s.provider_department_id) x";
        let mut binds = Binds::default();
        let mut conditions = cut_conditions(cut, "", None, &mut binds);
        conditions.push(format!("created_at >= {}", binds.int(from)));
        conditions.push(format!("created_at < {}", binds.int(to)));
        let counted = binds.len();
        let total = get_i64(
            &binds
                .query(
                    format!(
                        "SELECT COUNT(*) AS n FROM {requests} WHERE {}",
                        conditions.join(" AND ")
                    ),
                    counted,
                )
                .fetch_one(self.pool())
                .await?,
            "n",
        )?;
        let statuses: Vec<String> = answered.iter().map(|s| binds.int(*s)).collect();
        conditions.push(format!("status IN ({})", statuses.join(", ")));
        let (asked, replied) = (
            CHINA_DAY.replace("{t}", "created_at"),
            CHINA_DAY.replace("{t}", "updated_at"),
        );
        let rows = binds
            .query(
                format!(
                    "SELECT {asked} AS asked, {replied} AS replied, deadline, COUNT(*) AS n FROM {requests}
                     WHERE {} GROUP BY {asked}, {replied}, deadline",
                    conditions.join(" AND ")
                ),
                binds.len(),
            )
            .fetch_all(self.pool())
            .await?;
        Ok(SharingSums {
            requests: total,
            answered: rows
                .iter()
                .map(|r| {
                    Ok((
                        get_i64(r, "asked")?,
                        get_i64(r, "replied")?,
                        get_str(r, "deadline")?,
                        get_i64(r, "n")?,
                    ))
                })
                .collect::<Result<_>>()?,
        })
    }

    /// Requests to the providers in `cut` still awaiting the provider (status `pending`) whose
    /// answer period ended before `today`, whenever they were made.
    pub async fn sharing_overdue(&self, cut: &Cut, pending: i64, today: &str) -> Result<i64> {
        let mut binds = Binds::default();
        let mut conditions = cut_conditions(cut, "", None, &mut binds);
        conditions.push(format!("status = {}", binds.int(pending)));
        conditions.push(format!("deadline < {}", binds.text(today)));
        let row = binds
            .query(
                format!(
                    "SELECT COUNT(*) AS n FROM (SELECT s.status, s.deadline, s.provider_department_id AS department_id,
                     d.region_code AS region_code FROM sharing_requests s JOIN departments d ON d.id = s.provider_department_id) x
                     WHERE {}",
                    conditions.join(" AND ")
                ),
                binds.len(),
            )
            .fetch_one(self.pool())
            .await?;
        get_i64(&row, "n")
    }

    /// The exchange calls on the resources of the providers in `cut` in its window of days, per
    /// resource and consumer system, most first (at most `limit`).
    pub async fn exchange_calls(&self, cut: &Cut, limit: i64) -> Result<Vec<CallCount>> {
        let mut binds = Binds::default();
        // The days first, summed per grant; then the grants' resources within the cut.
        let days = format!(
            "day >= {} AND day <= {}",
            binds.text(cut.from_day.clone()),
            binds.text(cut.to_day.clone())
        );
        let conditions = cut_conditions(cut, "r.", None, &mut binds);
        let limit = binds.int(limit);
        let rows = binds
            .query(
                format!(
                    "SELECT g.resource_id, r.name AS resource, sy.name AS system, cd.name AS consumer, {}
                     FROM (SELECT grant_id, SUM(used) AS used FROM grant_usage WHERE {days} GROUP BY grant_id) u
                     JOIN grants g ON g.id = u.grant_id
                     JOIN catalogue_resources r ON r.id = g.resource_id
                     JOIN systems sy ON sy.id = g.system_id JOIN departments cd ON cd.id = sy.department_id
                     WHERE {} GROUP BY g.resource_id, r.name, sy.name, cd.name ORDER BY calls DESC, g.resource_id
                     LIMIT {limit}",
                    sum("u.used", "calls"),
                    conditions.join(" AND ")
                ),
                binds.len(),
            )
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CallCount {
                    resource_id: get_i64(r, "resource_id")?,
                    resource: get_str(r, "resource")?,
                    system: get_str(r, "system")?,
                    consumer: get_str(r, "consumer")?,
                    calls: get_i64(r, "calls")?,
                })
            })
            .collect()
    }

    /// The certificates the issuers in `cut` issued in `[from, to)` (microseconds), and the
    /// uses and online verifications of their certificates in that time.
    pub async fn certificate_counts(&self, cut: &Cut, (from, to): (i64, i64)) -> Result<CertificateCounts> {
        let count = |sql: &'static str| {
            let mut binds = Binds::default();
            let mut conditions = cut_conditions(cut, "", None, &mut binds);
            conditions.push(format!("at >= {}", binds.int(from)));
            conditions.push(format!("at < {}", binds.int(to)));
            binds.query(
                format!("SELECT COUNT(*) AS n FROM ({sql}) x WHERE {}", conditions.join(" AND ")),
                binds.len(),
            )
        };
        let issued = count(
            "SELECT c.issued_at AS at, c.issuer_department_id AS department_id, d.region_code AS region_code
             FROM certificates c JOIN departments d ON d.id = c.issuer_department_id",
        );
        let used = count(
            "SELECT u.used_at AS at, c.issuer_department_id AS department_id, d.region_code AS region_code
             FROM certificate_uses u JOIN certificates c ON c.id = u.certificate_id
             JOIN departments d ON d.id = c.issuer_department_id WHERE u.kind IN ('use_copy', 'view')",
        );
        let verified = count(
            "SELECT u.used_at AS at, c.issuer_department_id AS department_id, d.region_code AS region_code
             FROM certificate_uses u JOIN certificates c ON c.id = u.certificate_id
             JOIN departments d ON d.id = c.issuer_department_id WHERE u.kind = 'verify'",
        );
        Ok(CertificateCounts {
            issued: get_i64(&issued.fetch_one(self.pool()).await?, "n")?,
            used: get_i64(&used.fetch_one(self.pool()).await?, "n")?,
            verified: get_i64(&verified.fetch_one(self.pool()).await?, "n")?,
        })
    }
}

/// An alert: a case, task, sharing request or rectification that turned yellow or red.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    /// `case`, `task`, `sharing` or `rectification`, and which one.
    pub kind: String,
    pub object_key: String,
    /// `yellow` or `red`, and the deadline it is about.
    pub colour: String,
    pub due_day: String,
    /// The department that holds it, and its region.
    pub department_id: i64,
    pub region_code: String,
    pub title: String,
    /// The page to act on it.
    pub link: String,
    /// The day it was seen to turn.
    pub day: String,
}

/// What may turn yellow or red: (kind, key, deadline, department, region, title, link).
fn alert_candidates() -> String {
    format!(
        "SELECT 'case' AS kind, case_no AS object_key, due_day, department_id, region_code, name AS title,
                '/cases/' || case_no AS link
         FROM case_facts WHERE is_open = 1 AND due_day <= $1
         UNION ALL
         SELECT 'task', CAST(task_id AS TEXT), due_day, department_id, region_code, name || '（' || case_no || '）',
                '/cases/' || case_no
         FROM task_facts WHERE is_open = 1 AND due_day <= $1
         UNION ALL
         SELECT 'sharing', CAST(s.id AS TEXT), s.deadline, s.provider_department_id, d.region_code, r.name,
                '/sharing/requests/' || CAST(s.id AS TEXT)
         FROM sharing_requests s JOIN departments d ON d.id = s.provider_department_id
         JOIN catalogue_resources r ON r.id = s.resource_id
         WHERE s.status = $2 AND s.deadline <= $1
         UNION ALL
         SELECT 'rectification', CAST(e.id AS TEXT), {due}, e.department_id, e.region_code, '差评整改',
                '/supervision/reviews?bad=true'
         FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id
         WHERE e.malicious_at IS NULL AND {due} <= $1",
        due = crate::evaluations::CURRENT_DUE
    )
}

impl Store {
    /// Raise an alert for every open case and task, pending sharing request (status `pending`)
    /// and rectification whose deadline is on or before `yellow_until`: red when it is before
    /// `today`, else yellow. Each (object, colour, deadline) is raised once, whichever instance
    /// sees it first. Returns the alerts raised now.
    pub async fn alerts_raise(
        &self,
        (today, yellow_until): (&str, &str),
        pending: i64,
        now: i64,
    ) -> Result<Vec<Alert>> {
        let candidates = sqlx::query(sqlx::AssertSqlSafe(alert_candidates()))
            .bind(yellow_until)
            .bind(pending)
            .fetch_all(self.pool())
            .await?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin().await?;
        let mut raised = Vec::new();
        for c in &candidates {
            let due_day = get_str(c, "due_day")?;
            let colour = if due_day.as_str() < today { "red" } else { "yellow" };
            let row = sqlx::query(
                "INSERT INTO alerts (kind, object_key, colour, due_day, department_id, region_code, title, link, day,
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (kind, object_key, colour, due_day) DO NOTHING RETURNING id",
            )
            .bind(get_str(c, "kind")?)
            .bind(get_str(c, "object_key")?)
            .bind(colour)
            .bind(&due_day)
            .bind(get_i64(c, "department_id")?)
            .bind(get_str(c, "region_code")?)
            .bind(get_str(c, "title")?)
            .bind(get_str(c, "link")?)
            .bind(today)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                raised.push(get_i64(&row, "id")?);
            }
        }
        self.commit_uncached(tx).await?;
        let mut out = Vec::with_capacity(raised.len());
        for id in raised {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"
            )))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
            out.push(alert(&row)?);
        }
        Ok(out)
    }

    /// The alerts in `reach`, newest first, and how many there are.
    pub async fn alerts_list(&self, reach: &[Reach], page: crate::Page) -> Result<(Vec<Alert>, i64)> {
        let mut binds = Binds::default();
        let cut = Cut {
            reach: reach.to_vec(),
            department_id: None,
            region_prefix: None,
            from_day: String::new(),
            to_day: String::new(),
        };
        let from = format!(
            "FROM alerts WHERE {}",
            cut_conditions(&cut, "", None, &mut binds).join(" AND ")
        );
        let (rows, total) = binds.page(self.pool(), (ALERT_COLUMNS, &from, "id DESC"), page).await?;
        Ok((rows.iter().map(alert).collect::<Result<_>>()?, total))
    }
}

const ALERT_COLUMNS: &str = "id, kind, object_key, colour, due_day, department_id, region_code, title, link, day";

fn alert(r: &sqlx::any::AnyRow) -> Result<Alert> {
    Ok(Alert {
        id: get_i64(r, "id")?,
        kind: get_str(r, "kind")?,
        object_key: get_str(r, "object_key")?,
        colour: get_str(r, "colour")?,
        due_day: get_str(r, "due_day")?,
        department_id: get_i64(r, "department_id")?,
        region_code: get_str(r, "region_code")?,
        title: get_str(r, "title")?,
        link: get_str(r, "link")?,
        day: get_str(r, "day")?,
    })
}

/// Rows per statement of a bulk load (within SQLite's limit of bound values).
const LOAD_ROWS: usize = 400;

/// `($1, $2, …), (…), …`: the placeholders of `rows` rows of `columns` values.
fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Load facts in bulk, without their daily sums (then [`Store::supervision_rebuild`]): a
    /// generated history for the benchmark, or facts computed again from every case.
    pub async fn supervision_load(&self, cases: &[CaseFacts], tasks: &[TaskFacts]) -> Result<()> {
        let mut tx = self.begin().await?;
        for chunk in cases.chunks(LOAD_ROWS) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO case_facts (case_id, case_no, name, department_id, region_code, status, received_day,
                 accepted_day, concluded_day, limit_days, used_days, due_day, is_open, on_time, visits, lines_required,
                 lines_fetched, notices) VALUES {}",
                value_rows(chunk.len(), 18)
            )));
            for f in chunk {
                q = q
                    .bind(f.case_id)
                    .bind(f.case_no.clone())
                    .bind(f.name.clone())
                    .bind(f.department_id)
                    .bind(f.region_code.clone())
                    .bind(f.status.clone())
                    .bind(f.received_day.clone())
                    .bind(f.accepted_day.clone())
                    .bind(f.concluded_day.clone())
                    .bind(f.limit_days)
                    .bind(f.used_days)
                    .bind(f.due_day.clone())
                    .bind(i64::from(f.open))
                    .bind(f.on_time.map(i64::from))
                    .bind(f.visits)
                    .bind(f.lines_required)
                    .bind(f.lines_fetched)
                    .bind(f.notices);
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in tasks.chunks(LOAD_ROWS) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO task_facts (task_id, case_id, case_no, name, department_id, region_code, due_day, is_open)
                 VALUES {}",
                value_rows(chunk.len(), 8)
            )));
            for t in chunk {
                q = q
                    .bind(t.task_id)
                    .bind(t.case_id)
                    .bind(t.case_no.clone())
                    .bind(t.name.clone())
                    .bind(t.department_id)
                    .bind(t.region_code.clone())
                    .bind(t.due_day.clone())
                    .bind(i64::from(t.open));
            }
            q.execute(&mut *tx).await?;
        }
        self.commit_uncached(tx).await
    }

    /// Recompute every daily sum from the facts and the evaluations, in one transaction.
    pub async fn supervision_rebuild(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_sums(&mut tx, self.dialect(), "case_daily").await?;
        lock_sums(&mut tx, self.dialect(), "evaluation_daily").await?;
        sqlx::query("DELETE FROM case_daily").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM evaluation_daily").execute(&mut *tx).await?;
        // Each part's sums per department, region and day, the others' columns zero.
        let parts: Vec<String> = case_fact_parts()
            .into_iter()
            .map(|(day, parts)| {
                let columns: Vec<String> = CASE_SUMS
                    .iter()
                    .map(|c| {
                        parts
                            .iter()
                            .find(|p| p.ends_with(&format!(" AS {c}")))
                            .cloned()
                            .unwrap_or_else(|| format!("0 AS {c}"))
                    })
                    .collect();
                format!(
                    "SELECT department_id, region_code, {day} AS day, {} FROM case_facts WHERE {day} IS NOT NULL
                     GROUP BY department_id, region_code, {day}",
                    columns.join(", ")
                )
            })
            .collect();
        let totals: Vec<String> = CASE_SUMS.iter().map(|c| sum(c, c)).collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO case_daily (department_id, region_code, day, {names})
             SELECT department_id, region_code, day, {} FROM ({}) parts GROUP BY department_id, region_code, day",
            totals.join(", "),
            parts.join(" UNION ALL "),
            names = CASE_SUMS.join(", ")
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO evaluation_daily (department_id, region_code, day, {names})
             SELECT e.department_id, e.region_code, e.day, {} FROM evaluations e
             LEFT JOIN rectifications r ON r.evaluation_id = e.id GROUP BY e.department_id, e.region_code, e.day",
            evaluation_parts().join(", "),
            names = EVALUATION_SUMS.join(", ")
        )))
        .execute(&mut *tx)
        .await?;
        self.commit_uncached(tx).await
    }
}

/// A generated evaluation for a bulk load: as given, and for a bad review its rectification's
/// deadlines and the day it closed, if it did.
pub type LoadedEvaluation = (
    crate::evaluations::NewEvaluation,
    Option<(crate::evaluations::RectificationDue, Option<String>)>,
);

impl Store {
    /// Load evaluations in bulk, without their daily sums (then [`Store::supervision_rebuild`]).
    pub async fn evaluations_load(&self, evaluations: &[LoadedEvaluation], at: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let before = get_i64(
            &sqlx::query("SELECT COALESCE(MAX(id), 0) AS n FROM evaluations")
                .fetch_one(&mut *tx)
                .await?,
            "n",
        )?;
        for chunk in evaluations.chunks(LOAD_ROWS) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO evaluations (case_id, party, department_id, region_code, implementation_code, level,
                 comment, channel, day, at) VALUES {}",
                value_rows(chunk.len(), 10)
            )));
            for (e, _) in chunk {
                q = q
                    .bind(e.case_id)
                    .bind(e.party.clone())
                    .bind(e.department_id)
                    .bind(e.region_code.clone())
                    .bind(e.implementation_code.clone())
                    .bind(e.level)
                    .bind(e.comment.clone())
                    .bind(e.channel.clone())
                    .bind(e.day.clone())
                    .bind(at);
            }
            q.execute(&mut *tx).await?;
        }
        // One writer in this transaction: the new ids follow the order of insertion.
        let ids = sqlx::query("SELECT id FROM evaluations WHERE id > $1 ORDER BY id")
            .bind(before)
            .fetch_all(&mut *tx)
            .await?;
        let bad: Vec<(i64, &(crate::evaluations::RectificationDue, Option<String>))> = ids
            .iter()
            .zip(evaluations)
            .filter_map(|(row, (_, r))| Some((get_i64(row, "id").ok()?, r.as_ref()?)))
            .collect();
        for chunk in bad.chunks(LOAD_ROWS) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO rectifications (evaluation_id, step, verify_due, rectify_due, reply_due, revisit_due,
                 opened_at, closed_at, closed_day) VALUES {}",
                value_rows(chunk.len(), 9)
            )));
            for (id, (due, closed)) in chunk {
                q = q
                    .bind(*id)
                    .bind(if closed.is_some() { "closed" } else { "verify" })
                    .bind(due.verify.clone())
                    .bind(due.rectify.clone())
                    .bind(due.reply.clone())
                    .bind(due.revisit.clone())
                    .bind(at)
                    .bind(closed.as_ref().map(|_| at))
                    .bind(closed.clone());
            }
            q.execute(&mut *tx).await?;
        }
        self.commit_uncached(tx).await
    }
}

/// A generated sharing request for a bulk load.
#[derive(Debug, Clone)]
pub struct LoadedRequest {
    pub resource_id: i64,
    pub provider_department_id: i64,
    pub consumer_department_id: i64,
    pub system_id: i64,
    pub status: i64,
    pub deadline: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    /// The resources with a published version, and their providers: (resource, department).
    pub async fn resources_with_providers(&self) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT id, department_id FROM catalogue_resources WHERE published_version IS NOT NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((get_i64(r, "id")?, get_i64(r, "department_id")?)))
            .collect()
    }

    /// Load sharing requests in bulk (a generated history).
    pub async fn sharing_load(&self, requests: &[LoadedRequest]) -> Result<()> {
        let mut tx = self.begin().await?;
        for chunk in requests.chunks(LOAD_ROWS) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO sharing_requests (resource_id, provider_department_id, consumer_department_id, system_id,
                 content, status, deadline, created_at, updated_at) VALUES {}",
                value_rows(chunk.len(), 9)
            )));
            for r in chunk {
                q = q
                    .bind(r.resource_id)
                    .bind(r.provider_department_id)
                    .bind(r.consumer_department_id)
                    .bind(r.system_id)
                    .bind("{}")
                    .bind(r.status)
                    .bind(r.deadline.clone())
                    .bind(r.created_at)
                    .bind(r.updated_at);
            }
            q.execute(&mut *tx).await?;
        }
        self.commit_uncached(tx).await
    }

    /// Load the daily usage counts of exchange calls in bulk (a generated history): one grant
    /// per consumer system and resource, valid over the days given, and its count of each day:
    /// `(system, resource, day, calls)`.
    pub async fn usage_load(&self, usage: &[(i64, i64, String, i64)], now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let mut grants: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        let (first, last) = (
            usage.iter().map(|u| u.2.as_str()).min().unwrap_or_default().to_string(),
            usage.iter().map(|u| u.2.as_str()).max().unwrap_or_default().to_string(),
        );
        for (system, resource, ..) in usage {
            if grants.contains_key(&(*system, *resource)) {
                continue;
            }
            let row = sqlx::query(
                "INSERT INTO grants (request_id, system_id, resource_id, items, purpose, valid_from, valid_until,
                 daily_quota, masking, created_at) VALUES (NULL, $1, $2, '[]', '基准测试', $3, $4, 1000000000, '{}', $5)
                 RETURNING id",
            )
            .bind(system)
            .bind(resource)
            .bind(&first)
            .bind(&last)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            grants.insert((*system, *resource), get_i64(&row, "id")?);
        }
        for chunk in usage.chunks(LOAD_ROWS) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO grant_usage (grant_id, day, used) VALUES {}",
                value_rows(chunk.len(), 3)
            )));
            for (system, resource, day, used) in chunk {
                q = q
                    .bind(grants.get(&(*system, *resource)).copied().unwrap_or_default())
                    .bind(day.clone())
                    .bind(*used);
            }
            q.execute(&mut *tx).await?;
        }
        self.commit_uncached(tx).await
    }
}
