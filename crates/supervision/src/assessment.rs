//! 考核: departments ranked by a weighted score over their metrics, with weights that are
//! versioned (each assessment keeps the version it used), and the inspection records (督察记录)
//! of the supervision office on a department, an item or a case, with a follow-up deadline and
//! its outcome.

use crate::metrics::{self, RankingQuery};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::calendar::{day_text, parse_day};
use yici_core::id::RegionCode;
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::assessment::{AssessmentRecord, InspectionRecord, NewInspection, WeightsRecord};
use yici_window::WindowState;

/// The metrics a weight may be given to: each a share from 0 to 1, higher is better.
pub const WEIGHABLE: [(&str, &str, &str); 6] = [
    ("on_time_rate", "按时办结率", "concluded on time"),
    ("at_most_once_share", "最多跑一次率", "kept at most one visit"),
    ("fetched_share", "材料免提交率", "materials fetched"),
    ("satisfaction", "满意率", "satisfied reviews"),
    (
        "rectified_on_time_rate",
        "差评按期整改率",
        "bad reviews rectified on time",
    ),
    ("not_overdue_share", "在办未超期率", "open cases not overdue"),
];

/// The weights used until a supervisor sets others (recorded as the first version when the first
/// assessment runs).
pub const DEFAULT_WEIGHTS: [(&str, f64); 6] = [
    ("on_time_rate", 30.0),
    ("at_most_once_share", 20.0),
    ("fetched_share", 15.0),
    ("satisfaction", 20.0),
    ("rectified_on_time_rate", 10.0),
    ("not_overdue_share", 5.0),
];

/// The largest weight of one metric.
pub const MAX_WEIGHT: f64 = 1000.0;

/// The name of a weighable metric.
pub fn metric_name(key: &str, lang: Lang) -> Option<&'static str> {
    WEIGHABLE
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, zh, en)| lang.pick(zh, en))
}

/// New weights.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightsInput {
    /// Each metric's weight (0 to 1000); metrics left out weigh 0.
    pub weights: BTreeMap<String, f64>,
    /// Why they change.
    #[serde(default)]
    pub note: String,
}

/// The weights in force and every version before.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeightsView {
    /// The version in force; version 0 (the defaults) when none was set.
    pub current: WeightsRecord,
    pub history: Vec<WeightsRecord>,
}

fn defaults() -> WeightsRecord {
    WeightsRecord {
        version: 0,
        weights: DEFAULT_WEIGHTS.iter().map(|(k, w)| (k.to_string(), *w)).collect(),
        note: "默认权重".into(),
        created_at: 0,
    }
}

/// The weights in force and their history (supervisors and operators).
pub async fn weights(state: &WindowState, caller: &Caller) -> Result<WeightsView> {
    caller.require(Permission::ReadMetrics, &Target::OwnScope)?;
    let history = state.store.weights_history().await?;
    Ok(WeightsView {
        current: history.first().cloned().unwrap_or_else(defaults),
        history,
    })
}

/// A longest text of a note or a finding, in characters.
pub const MAX_TEXT: usize = 1000;

fn text(field: &str, value: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(FieldError::new(field, "请填写", "Required"));
    } else if v.chars().count() > MAX_TEXT || v.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            field,
            format!("不超过 {MAX_TEXT} 个字，且不含控制字符"),
            format!("At most {MAX_TEXT} characters, no control characters"),
        ));
    }
    v.to_string()
}

/// Set new weights: a new version (a province's supervisors). Unknown metrics, weights outside
/// 0–1000 and weights that add up to nothing are refused with every wrong field named.
pub async fn set_weights(state: &WindowState, caller: &Caller, input: WeightsInput) -> Result<WeightsRecord> {
    caller.require(Permission::ManageAssessment, &Target::Platform)?;
    let mut errors = Vec::new();
    for (key, w) in &input.weights {
        if metric_name(key, Lang::Zh).is_none() {
            errors.push(FieldError::new(
                &format!("weights.{key}"),
                "没有这个考核指标",
                "No such metric",
            ));
        } else if !w.is_finite() || *w < 0.0 || *w > MAX_WEIGHT {
            errors.push(FieldError::new(
                &format!("weights.{key}"),
                format!("权重应在 0 到 {MAX_WEIGHT} 之间"),
                format!("A weight is from 0 to {MAX_WEIGHT}"),
            ));
        }
    }
    if errors.is_empty() && input.weights.values().sum::<f64>() <= 0.0 {
        errors.push(FieldError::new(
            "weights",
            "权重之和应大于 0",
            "The weights add up to nothing",
        ));
    }
    let note = text("note", &input.note, false, &mut errors);
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let weights = WEIGHABLE
        .iter()
        .map(|(k, ..)| (k.to_string(), input.weights.get(*k).copied().unwrap_or(0.0)))
        .collect();
    let audit = caller.event(Action::AssessmentWeigh, "assessment_weights");
    Ok(state
        .store
        .weights_add(&weights, &note, caller.user.as_ref().map(|u| u.id), &audit)
        .await?)
}

/// What an assessment covers.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessInput {
    /// First and last day (YYYY-MM-DD); the last 30 days when left out.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// The region assessed: the reader's own region when left out.
    #[serde(default)]
    pub region: Option<String>,
}

/// One department's line of an assessment.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssessedDepartment {
    pub rank: usize,
    pub department_id: String,
    pub name: String,
    /// The weighted score, 0 to 100.
    pub score: f64,
    /// Each weighed metric's value (0 to 1).
    pub metrics: BTreeMap<String, f64>,
}

/// The region of a caller's supervisor role over a region (the first), if any.
fn own_region(caller: &Caller) -> Option<RegionCode> {
    caller.grants().iter().find_map(|g| match (&g.role, &g.scope) {
        (yici_core::org::Role::Supervisor, yici_core::org::Scope::Region { region }) => Some(region.clone()),
        _ => None,
    })
}

/// Rank the departments of a region by the weights in force (recording the defaults as the
/// first version when none was set), and record the assessment with the version it used.
pub async fn assess(state: &WindowState, caller: &Caller, input: AssessInput) -> Result<AssessmentRecord> {
    caller.require(Permission::ManageAssessment, &Target::OwnScope)?;
    let region = match input.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(text) => Some(text.to_string()),
        None => own_region(caller).map(|r| r.as_str().to_string()),
    };
    let ranking = metrics::ranking(
        state,
        caller,
        &RankingQuery {
            by: Some("department".into()),
            department: None,
            region: region.clone(),
            from: input.from.clone(),
            to: input.to.clone(),
        },
    )
    .await?;
    let region = region.and_then(|r| RegionCode::parse(&r).ok());
    let target = match &region {
        Some(r) => Target::Region(r.clone()),
        None => Target::Platform,
    };
    caller.require(Permission::ManageAssessment, &target)?;
    let weights = match state.store.weights_history().await?.into_iter().next() {
        Some(w) => w,
        None => {
            let first = defaults();
            let audit = caller.event(Action::AssessmentWeigh, "assessment_weights");
            state
                .store
                .weights_add(&first.weights, &first.note, None, &audit)
                .await?
        }
    };
    let total: f64 = weights.weights.values().sum();
    let mut lines: Vec<AssessedDepartment> = ranking
        .rows
        .iter()
        .map(|r| {
            let c = &r.cases;
            let e = &r.evaluations;
            let values: BTreeMap<String, f64> = [
                ("on_time_rate", c.on_time_rate),
                ("at_most_once_share", c.at_most_once_share),
                ("fetched_share", c.fetched_share),
                ("satisfaction", if e.evaluations == 0 { 1.0 } else { 1.0 - e.bad_rate }),
                (
                    "rectified_on_time_rate",
                    if e.rectified == 0 {
                        1.0
                    } else {
                        e.rectified_on_time_rate
                    },
                ),
                (
                    "not_overdue_share",
                    if c.open == 0 {
                        1.0
                    } else {
                        1.0 - c.red as f64 / c.open as f64
                    },
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            let weighted: f64 = values
                .iter()
                .map(|(k, v)| weights.weights.get(k).copied().unwrap_or(0.0) * v)
                .sum();
            AssessedDepartment {
                rank: 0,
                department_id: r.key.clone(),
                name: r.name.clone(),
                score: if total > 0.0 { 100.0 * weighted / total } else { 0.0 },
                metrics: values,
            }
        })
        .collect();
    lines.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.department_id.cmp(&b.department_id)));
    for (i, l) in lines.iter_mut().enumerate() {
        l.rank = i + 1;
    }
    let results = serde_json::to_value(&lines).map_err(|e| {
        tracing::error!(error = %e, "an assessment's results do not serialise");
        Error::internal()
    })?;
    let audit = caller.event(Action::AssessmentRun, "assessment");
    let region_code = region.map(|r| r.as_str().to_string()).unwrap_or_default();
    Ok(state
        .store
        .assessment_add(
            weights.version,
            (&ranking.from, &ranking.to, &region_code),
            &results,
            caller.user.as_ref().map(|u| u.id),
            &audit,
        )
        .await?)
}

/// The reach of a caller's supervisor and operator roles, as region prefixes (a department's
/// supervisor: its region).
fn prefixes(caller: &Caller) -> Vec<String> {
    caller
        .grants()
        .iter()
        .filter(|g| {
            matches!(
                g.role,
                yici_core::org::Role::Supervisor | yici_core::org::Role::Operator
            )
        })
        .map(|g| match &g.scope {
            yici_core::org::Scope::Region { region } => region.prefix(),
            yici_core::org::Scope::Department { region, .. } => region.prefix(),
        })
        .collect()
}

/// The assessments of the regions in the reader's reach, the newest first.
pub async fn assessments(state: &WindowState, caller: &Caller) -> Result<Vec<AssessmentRecord>> {
    caller.require(Permission::ReadMetrics, &Target::OwnScope)?;
    Ok(state.store.assessments(&prefixes(caller), 100).await?)
}

/// One assessment, for a reader whose reach covers its region.
pub async fn assessment(state: &WindowState, caller: &Caller, id: i64) -> Result<AssessmentRecord> {
    caller.require(Permission::ReadMetrics, &Target::OwnScope)?;
    let not_found = || Error::not_found("考核", "assessment");
    let a = state.store.assessment(id).await?.ok_or_else(not_found)?;
    if !prefixes(caller)
        .iter()
        .any(|p| a.region_code.starts_with(p.as_str()) || p.is_empty())
    {
        return Err(not_found());
    }
    Ok(a)
}

/// An inspection to record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionInput {
    /// `department` (key: its id), `item` (key: the implementation code) or `case` (key: the
    /// case number).
    pub target_kind: String,
    pub target_key: String,
    /// What the inspection found.
    pub finding: String,
    /// The follow-up deadline (YYYY-MM-DD), from today to a year on.
    pub follow_up_due: String,
}

/// Record an inspection on a department, item or case (a supervisor over the department that
/// answers for it).
pub async fn record_inspection(
    state: &WindowState,
    caller: &Caller,
    input: InspectionInput,
) -> Result<InspectionRecord> {
    caller.require(Permission::ManageAssessment, &Target::OwnScope)?;
    let mut errors = Vec::new();
    let finding = text("finding", &input.finding, true, &mut errors);
    let today = state.clock.today();
    let due = parse_day(input.follow_up_due.trim()).filter(|d| *d >= today && (*d - today).num_days() <= 366);
    if due.is_none() {
        errors.push(FieldError::new(
            "follow_up_due",
            "跟踪期限应为今天起一年内的日期（YYYY-MM-DD）",
            "The follow-up deadline is a day from today to a year on (YYYY-MM-DD)",
        ));
    }
    let key = input.target_key.trim();
    // The department that answers for the target; `Err` for an unknown kind of target.
    let answerable = match input.target_kind.as_str() {
        "department" => Ok(key.parse::<i64>().ok()),
        "item" => Ok(state.store.item_implementation(key).await?.map(|i| i.department_id)),
        "case" => Ok(match yici_core::cases::CaseNo::parse("target_key", key) {
            Ok(n) => state.store.case_by_no(n.as_str()).await?.map(|c| c.department_id),
            Err(_) => None,
        }),
        _ => Err(()),
    };
    let department = match answerable {
        Err(()) => {
            errors.push(FieldError::new(
                "target_kind",
                "应为 department、item 或 case",
                "One of department, item or case",
            ));
            None
        }
        Ok(id) => {
            let found = match id {
                Some(id) => state.store.department(id).await?,
                None => None,
            };
            if found.is_none() {
                errors.push(FieldError::new(
                    "target_key",
                    "没有这个督察对象",
                    "No such department, item or case",
                ));
            }
            found
        }
    };
    let (Some(d), Some(due), true) = (department, due, errors.is_empty()) else {
        return Err(Error::validation(errors));
    };
    let region = RegionCode::parse(&d.region_code).map_err(|_| Error::internal())?;
    caller.require(
        Permission::ManageAssessment,
        &Target::Department {
            id: d.id,
            region: region.clone(),
        },
    )?;
    let audit = caller.event(Action::InspectionRecord, "inspection");
    Ok(state
        .store
        .inspection_add(
            &NewInspection {
                target_kind: input.target_kind.clone(),
                target_key: key.to_string(),
                department_id: d.id,
                region_code: d.region_code.clone(),
                finding,
                follow_up_due: day_text(due),
            },
            caller.user.as_ref().map(|u| u.id),
            &audit,
        )
        .await?)
}

/// The follow-up of an inspection.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    /// `rectified` or `not_rectified`.
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

/// Record an inspection's follow-up, once (a supervisor over its department).
pub async fn follow_up(
    state: &WindowState,
    caller: &Caller,
    id: i64,
    input: FollowUpInput,
) -> Result<InspectionRecord> {
    caller.require(Permission::ManageAssessment, &Target::OwnScope)?;
    let not_found = || Error::not_found("督察记录", "inspection");
    let i = state.store.inspection(id).await?.ok_or_else(not_found)?;
    let region = RegionCode::parse(&i.region_code).map_err(|_| not_found())?;
    if caller
        .require(
            Permission::ManageAssessment,
            &Target::Department {
                id: i.department_id,
                region,
            },
        )
        .is_err()
    {
        return Err(not_found());
    }
    let mut errors = Vec::new();
    if !matches!(input.outcome.as_str(), "rectified" | "not_rectified") {
        errors.push(FieldError::new(
            "outcome",
            "应为 rectified 或 not_rectified",
            "Either rectified or not_rectified",
        ));
    }
    let note = text("note", &input.note, false, &mut errors);
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let audit = caller.event(Action::InspectionFollowUp, "inspection");
    if !state
        .store
        .inspection_follow_up(id, (&input.outcome, &note), &audit)
        .await?
    {
        return Err(Error::new(
            yici_service::error::Kind::Conflict,
            "invalid_transition",
            "此督察记录已跟踪",
            "The inspection was followed up already",
        ));
    }
    state.store.inspection(id).await?.ok_or_else(not_found)
}

/// The inspections a list is narrowed to.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct InspectionQuery {
    /// `true`: only those not followed up past their deadline.
    pub overdue: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The inspections in the reader's reach, the newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionList {
    pub total: i64,
    pub items: Vec<InspectionRecord>,
}

/// The inspections of the departments in the reader's reach (supervisors and operators).
pub async fn inspections(state: &WindowState, caller: &Caller, q: &InspectionQuery) -> Result<InspectionList> {
    let reach = metrics::reach(caller)?;
    let overdue = match q.overdue.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Error::field("overdue", "应为 true 或 false", "Either true or false")),
    };
    let today = day_text(state.clock.today());
    let (items, total) = state
        .store
        .inspections(
            &reach,
            overdue.then_some(today.as_str()),
            yici_store::Page::new(q.limit, q.offset),
        )
        .await?;
    Ok(InspectionList { total, items })
}
