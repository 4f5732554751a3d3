//! Evaluations (好差评): one per case and party (一次一评), five levels, a comment and the
//! channel it came through. A bad review (1 or 2) opens a rectification (整改): verification,
//! rectification, the reply to the applicant and the return visit, each with a deadline in
//! working days from the review (`yici_core::cases::RECTIFICATION_DAYS`).

use serde::{Deserialize, Serialize};
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::calendar::day_text;
use yici_core::cases::{CaseStatus, EvaluationChannel, RECTIFICATION_DAYS, evaluation_level_name, is_bad_review};
use yici_core::id::RegionCode;
use yici_service::error::Kind;
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::evaluations::{
    EvaluationFilter, EvaluationRecord, NewEvaluation, Reach, RectificationChange, RectificationDue,
};
use yici_window::WindowState;
use yici_window::service::cases::{applicant_self, calendar, party_of};

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 500;

/// An evaluation as given by a party of the case.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    /// 1 非常不满意, 2 不满意, 3 基本满意, 4 满意, 5 非常满意.
    pub level: i64,
    /// What the party says, up to 500 characters.
    #[serde(default)]
    pub comment: String,
    /// `web`, `app`, `qr` (the QR code at the window), `counter` (a counter device) or
    /// `hotline` (12345); `web` when left out.
    #[serde(default)]
    pub channel: Option<String>,
}

/// An evaluation as shown to the party who gave it and to staff with rights on the case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    pub id: i64,
    /// The case rated; empty for a service rated at a counter.
    pub case_no: String,
    /// The evaluated department, and the region the service was given in.
    pub department_id: i64,
    pub region_code: String,
    /// The service item.
    pub implementation_code: String,
    pub level: i64,
    pub level_name: String,
    pub comment: String,
    pub channel: String,
    pub channel_name: String,
    /// The working day it was given (YYYY-MM-DD).
    pub day: String,
    /// Whether a supervisor marked it malicious, and why.
    pub malicious_reason: Option<String>,
    /// For a bad review: the rectification's step and deadlines.
    pub rectification: Option<RectificationView>,
}

/// A rectification (整改) of a bad review: where it stands and what each step recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RectificationView {
    /// `verify`, `rectify`, `reply`, `revisit`, `appeal` (a supervisor decides) or `closed`.
    pub step: String,
    pub step_name: String,
    pub due: RectificationDue,
    /// The deadline of the step it is at (none while an appeal is decided, or once closed).
    pub due_now: Option<String>,
    /// Whether that deadline has passed.
    pub overdue: bool,
    /// The verification's finding: whether the review was founded.
    pub founded: Option<bool>,
    pub verify_note: String,
    pub rectify_note: String,
    /// The answer to the applicant.
    pub reply: String,
    pub revisit_note: String,
    /// Whether the applicant was satisfied at the return visit.
    pub satisfied: Option<bool>,
    pub appeal_reason: Option<String>,
    /// The supervisor's decision on the appeal.
    pub appeal_upheld: Option<bool>,
    pub appeal_note: String,
}

/// The deadline of a rectification's current step, if it has one.
fn due_now<'a>(step: &str, due: &'a RectificationDue) -> Option<&'a str> {
    match step {
        "verify" => Some(&due.verify),
        "rectify" => Some(&due.rectify),
        "reply" => Some(&due.reply),
        "revisit" => Some(&due.revisit),
        _ => None,
    }
}

/// The name of a rectification step.
pub fn step_name(step: &str, lang: Lang) -> &'static str {
    match step {
        "verify" => lang.pick("待核实", "to verify"),
        "rectify" => lang.pick("待整改", "to rectify"),
        "reply" => lang.pick("待反馈", "to answer"),
        "revisit" => lang.pick("待回访", "to revisit"),
        "appeal" => lang.pick("申诉复核中", "appeal under review"),
        "closed" => lang.pick("已办结", "closed"),
        _ => "",
    }
}

fn not_found() -> Error {
    Error::not_found("办件", "case")
}

fn view(e: EvaluationRecord, today: chrono::NaiveDate) -> EvaluationView {
    let today = day_text(today);
    let lang = yici_service::context::current_lang();
    EvaluationView {
        id: e.id,
        case_no: e.case_no.unwrap_or_default(),
        department_id: e.department_id,
        region_code: e.region_code,
        implementation_code: e.implementation_code,
        level: e.level,
        level_name: evaluation_level_name(e.level, lang).unwrap_or_default().to_string(),
        comment: e.comment,
        channel_name: EvaluationChannel::from_code(&e.channel)
            .map(|c| c.name(lang).to_string())
            .unwrap_or_default(),
        channel: e.channel,
        day: e.day,
        malicious_reason: e.malicious_reason,
        rectification: e.rectification.map(|r| RectificationView {
            due_now: due_now(&r.step, &r.due).map(str::to_string),
            overdue: due_now(&r.step, &r.due).is_some_and(|d| d < today.as_str()),
            step_name: step_name(&r.step, lang).to_string(),
            step: r.step,
            due: r.due,
            founded: r.founded,
            verify_note: r.verify_note,
            rectify_note: r.rectify_note,
            reply: r.reply,
            revisit_note: r.revisit_note,
            satisfied: r.satisfied,
            appeal_reason: r.appeal_reason,
            appeal_upheld: r.appeal_upheld,
            appeal_note: r.appeal_note,
        }),
    }
}

/// Check what was given: every wrong field at once.
fn check(input: &EvaluationInput) -> Result<(i64, String, EvaluationChannel)> {
    let mut errors = Vec::new();
    if evaluation_level_name(input.level, Lang::Zh).is_none() {
        errors.push(FieldError::new(
            "level",
            "评价等级应为 1 至 5",
            "The level must be from 1 to 5",
        ));
    }
    let comment = input.comment.trim().to_string();
    if comment.chars().count() > MAX_COMMENT {
        errors.push(FieldError::new(
            "comment",
            format!("评价内容不能超过 {MAX_COMMENT} 个字"),
            format!("The comment is longer than {MAX_COMMENT} characters"),
        ));
    }
    if comment.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            "comment",
            "评价内容含有控制字符",
            "The comment contains control characters",
        ));
    }
    let channel = match input.channel.as_deref() {
        None | Some("") => Some(EvaluationChannel::Web),
        Some(code) => EvaluationChannel::from_code(code),
    };
    if channel.is_none() {
        errors.push(FieldError::new(
            "channel",
            "评价渠道应为 web、app、qr、counter 或 hotline",
            "The channel must be web, app, qr, counter or hotline",
        ));
    }
    match (errors.is_empty(), channel) {
        (true, Some(channel)) => Ok((input.level, comment, channel)),
        _ => Err(Error::validation(errors)),
    }
}

/// The deadlines of the rectification a review of `level` given on `today` opens, if any.
async fn rectification_due(
    state: &WindowState,
    level: i64,
    today: chrono::NaiveDate,
) -> Result<Option<RectificationDue>> {
    if !is_bad_review(level) {
        return Ok(None);
    }
    let calendar = calendar(state).await?;
    let mut days = Vec::with_capacity(RECTIFICATION_DAYS.len());
    for (_, n) in RECTIFICATION_DAYS {
        days.push(day_text(calendar.add_working_days(today, n)?));
    }
    match days.as_slice() {
        [verify, rectify, reply, revisit] => Ok(Some(RectificationDue {
            verify: verify.clone(),
            rectify: rectify.clone(),
            reply: reply.clone(),
            revisit: revisit.clone(),
        })),
        _ => Err(Error::internal()),
    }
}

/// A party rates a case once it is concluded (一次一评). A second evaluation by the same party
/// is refused (409 `already_evaluated`) and changes nothing.
pub async fn evaluate(
    state: &WindowState,
    caller: &Caller,
    case_no: &str,
    input: EvaluationInput,
) -> Result<EvaluationView> {
    caller.require(Permission::Apply, &Target::OwnScope)?;
    let (_, number, _) = applicant_self(caller).ok_or_else(Error::unauthenticated)?;
    let (level, comment, channel) = check(&input)?;
    let c = yici_window::service::cases::record(state, case_no).await?;
    if !party_of(caller, &c) {
        return Err(not_found());
    }
    let status = CaseStatus::from_code(&c.status).ok_or_else(Error::internal)?;
    if !(status.concluded() || status == CaseStatus::NotAccepted) {
        return Err(Error::new(
            Kind::Conflict,
            "not_concluded",
            format!("办件{}，办结后才能评价", status.name(Lang::Zh)),
            format!("The case is {}: it can be rated once concluded", status.name(Lang::En)),
        ));
    }
    let today = state.clock.today();
    let due = rectification_due(state, level, today).await?;
    let implementation_code = c.items.first().map(|(code, _)| code.clone()).unwrap_or_default();
    let new = NewEvaluation {
        case_id: Some(c.id),
        party: number,
        department_id: c.department_id,
        region_code: c.region_code.clone(),
        implementation_code,
        level,
        comment,
        channel: channel.code().to_string(),
        day: day_text(today),
    };
    let recorded = state
        .store
        .evaluation_add(&new, due.as_ref(), &caller.event(Action::CaseEvaluate, "evaluation"))
        .await
        .map_err(|e| match e {
            yici_store::StoreError::Conflict(_) => Error::new(
                Kind::Conflict,
                "already_evaluated",
                "您已评价过此办件，评价不能修改",
                "You have already rated this case; a rating cannot be changed",
            ),
            other => other.into(),
        })?;
    Ok(view(recorded, state.clock.today()))
}

/// The evaluations of a case: a party sees their own, staff with rights on the case see all.
pub async fn evaluations(state: &WindowState, caller: &Caller, case_no: &str) -> Result<Vec<EvaluationView>> {
    // The window's own check: a party, or staff with rights on the case (else 404).
    let c = yici_window::service::cases::readable(state, caller, case_no).await?;
    let own = applicant_self(caller).map(|(_, number, _)| number);
    let all = state.store.evaluations_of_case(c.id).await?;
    Ok(all
        .into_iter()
        .filter(|e| own.as_ref().is_none_or(|n| &e.party == n))
        .map(|e| view(e, state.clock.today()))
        .collect())
}

/// The longest note, reason or reply, in characters.
pub const MAX_NOTE: usize = 1000;

/// A text field: trimmed, within [`MAX_NOTE`], without control characters but line breaks, and
/// present when `required`.
fn note(field: &str, value: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.push(FieldError::new(field, "此项必填", "This field is required"));
    } else if value.chars().count() > MAX_NOTE {
        errors.push(FieldError::new(
            field,
            format!("不能超过 {MAX_NOTE} 个字"),
            format!("Longer than {MAX_NOTE} characters"),
        ));
    } else if value.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(field, "含有控制字符", "Contains control characters"));
    }
    value.to_string()
}

/// A form's one required text, checked as [`note`] checks it.
fn required(field: &str, value: &str) -> Result<String> {
    let mut errors = Vec::new();
    let value = note(field, value, true, &mut errors);
    match errors.is_empty() {
        true => Ok(value),
        false => Err(Error::validation(errors)),
    }
}

/// The evaluation `id` for a supervisor over its department (403 for anyone else; 404 when
/// there is none).
async fn supervised(state: &WindowState, caller: &Caller, id: i64) -> Result<EvaluationRecord> {
    caller.require(Permission::SuperviseReviews, &Target::OwnScope)?;
    let (e, target) = load(state, id).await?;
    caller.require(Permission::SuperviseReviews, &target)?;
    Ok(e)
}

fn evaluation_not_found() -> Error {
    Error::not_found("评价", "evaluation")
}

fn out_of_order(zh: &str, en: &str) -> Error {
    Error::new(Kind::Conflict, "invalid_transition", zh, en)
}

/// The evaluation `id` and the target of its department (for the permission checks).
async fn load(state: &WindowState, id: i64) -> Result<(EvaluationRecord, Target)> {
    let e = state.store.evaluation(id).await?.ok_or_else(evaluation_not_found)?;
    let d = state
        .store
        .department(e.department_id)
        .await?
        .ok_or_else(Error::internal)?;
    Ok((e, d.target()))
}

/// Whether the caller is the party who gave the evaluation.
fn own(caller: &Caller, e: &EvaluationRecord) -> bool {
    applicant_self(caller).is_some_and(|(_, number, _)| number == e.party)
}

/// An evaluation: for the party who gave it, staff with rights over its department or the
/// region it was given in, and its supervisors; 404 for anyone else, as for one that does not
/// exist.
pub async fn evaluation(state: &WindowState, caller: &Caller, id: i64) -> Result<EvaluationView> {
    if applicant_self(caller).is_none() {
        caller.require(Permission::ReadCases, &Target::OwnScope)?;
    }
    let (e, target) = load(state, id).await?;
    let at_window = RegionCode::parse(&e.region_code)
        .is_ok_and(|r| caller.require(Permission::ReadCases, &Target::Region(r)).is_ok());
    let staff = at_window
        || caller.require(Permission::ReadCases, &target).is_ok()
        || caller.require(Permission::RectifyReviews, &target).is_ok();
    if !own(caller, &e) && !staff {
        return Err(evaluation_not_found());
    }
    Ok(view(e, state.clock.today()))
}

/// What a step of a rectification records.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectifyInput {
    /// The note of the step (核实 / 整改 / 回访), or the answer to the applicant (反馈).
    #[serde(default)]
    pub note: String,
    /// For `verify`: whether the review was founded.
    #[serde(default)]
    pub founded: Option<bool>,
    /// For `revisit`: whether the applicant was satisfied.
    #[serde(default)]
    pub satisfied: Option<bool>,
}

/// A step of the rectification of a bad review, by the approvers of the evaluated department
/// (谁办理、谁整改): `verify` (with `founded`), `rectify`, `reply`, `revisit` (with
/// `satisfied`). Each is allowed only from the step before it (else 409 `invalid_transition`).
pub async fn rectify(
    state: &WindowState,
    caller: &Caller,
    id: i64,
    step: &str,
    input: RectifyInput,
) -> Result<EvaluationView> {
    caller.require(Permission::RectifyReviews, &Target::OwnScope)?;
    let (e, target) = load(state, id).await?;
    caller.require(Permission::RectifyReviews, &target)?;
    let mut errors = Vec::new();
    let change = match step {
        "verify" => {
            let note = note("note", &input.note, true, &mut errors);
            if input.founded.is_none() {
                errors.push(FieldError::new(
                    "founded",
                    "请说明差评是否属实",
                    "Say whether the review is founded",
                ));
            }
            RectificationChange::Verify {
                founded: input.founded.unwrap_or(false),
                note,
            }
        }
        "rectify" => RectificationChange::Rectify {
            note: note("note", &input.note, true, &mut errors),
        },
        "reply" => RectificationChange::Reply {
            text: note("note", &input.note, true, &mut errors),
        },
        "revisit" => {
            let note = note("note", &input.note, false, &mut errors);
            if input.satisfied.is_none() {
                errors.push(FieldError::new(
                    "satisfied",
                    "请记录回访是否满意",
                    "Record whether the applicant is satisfied",
                ));
            }
            RectificationChange::Revisit {
                satisfied: input.satisfied.unwrap_or(false),
                note,
            }
        }
        _ => return Err(Error::not_found("整改步骤", "rectification step")),
    };
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    change_rectification(state, caller, e, &change).await
}

async fn change_rectification(
    state: &WindowState,
    caller: &Caller,
    e: EvaluationRecord,
    change: &RectificationChange,
) -> Result<EvaluationView> {
    let Some(r) = &e.rectification else {
        return Err(out_of_order(
            "此评价不是差评，无需整改",
            "Not a bad review: nothing to rectify",
        ));
    };
    let by = caller.user.as_ref().map(|u| u.id);
    let audit = caller.event(Action::EvaluationRectify, "evaluation");
    if !state
        .store
        .rectification_change(e.id, change, (by, &day_text(state.clock.today())), &audit)
        .await?
    {
        let lang = Lang::Zh;
        return Err(out_of_order(
            &format!("整改处于“{}”，不能进行此步骤", step_name(&r.step, lang)),
            &format!(
                "The rectification is at “{}”: this step is not open",
                step_name(&r.step, Lang::En)
            ),
        ));
    }
    let (e, _) = load(state, e.id).await?;
    Ok(view(e, state.clock.today()))
}

/// An appeal against a verification that found the review unfounded.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    pub reason: String,
}

/// The party who gave a bad review appeals a verification that found it unfounded (申诉复核),
/// once; a supervisor decides.
pub async fn appeal(state: &WindowState, caller: &Caller, id: i64, input: AppealInput) -> Result<EvaluationView> {
    caller.require(Permission::Apply, &Target::OwnScope)?;
    let (e, _) = load(state, id).await?;
    if !own(caller, &e) {
        return Err(evaluation_not_found());
    }
    let reason = required("reason", &input.reason)?;
    change_rectification(state, caller, e, &RectificationChange::Appeal { reason }).await
}

/// A supervisor's decision on an appeal.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionInput {
    /// Upheld: the review was founded after all, and goes to rectification.
    pub upheld: bool,
    pub note: String,
}

/// A supervisor over the evaluated department decides an appeal.
pub async fn decide_appeal(
    state: &WindowState,
    caller: &Caller,
    id: i64,
    input: AppealDecisionInput,
) -> Result<EvaluationView> {
    let e = supervised(state, caller, id).await?;
    let note = required("note", &input.note)?;
    let change = RectificationChange::DecideAppeal {
        upheld: input.upheld,
        note,
    };
    change_rectification(state, caller, e, &change).await
}

/// A supervisor's mark of a malicious review.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaliciousInput {
    pub reason: String,
}

/// A supervisor over the evaluated department marks a review as malicious, with a reason, once.
/// The review itself is kept as it was given.
pub async fn mark_malicious(
    state: &WindowState,
    caller: &Caller,
    id: i64,
    input: MaliciousInput,
) -> Result<EvaluationView> {
    let e = supervised(state, caller, id).await?;
    let reason = required("reason", &input.reason)?;
    let by = caller.user.as_ref().map(|u| u.id).ok_or_else(Error::unauthenticated)?;
    let audit = caller.event(Action::EvaluationMarkMalicious, "evaluation");
    if !state.store.evaluation_mark_malicious(e.id, &reason, by, &audit).await? {
        return Err(out_of_order(
            "此评价已认定为恶意评价",
            "The review is marked malicious already",
        ));
    }
    let (e, _) = load(state, e.id).await?;
    Ok(view(e, state.clock.today()))
}

/// A service rated at a window's counter (一事一评): no case, the person unnamed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterEvaluationInput {
    /// The implementation code of the service item that was served.
    pub implementation_code: String,
    /// The region of the window (six digits), within the clerk's scope.
    pub region_code: String,
    /// 1 非常不满意 … 5 非常满意.
    pub level: i64,
    #[serde(default)]
    pub comment: String,
    /// `counter` (the counter device, the default) or `qr` (the QR code at the window).
    #[serde(default)]
    pub channel: Option<String>,
}

/// A rating given at a window's counter for a service (一事一评), recorded by the window's
/// clerk (the counter device signs in as them) in a region of their scope. A bad review opens a
/// rectification as a case's does.
pub async fn evaluate_service(
    state: &WindowState,
    caller: &Caller,
    input: CounterEvaluationInput,
) -> Result<EvaluationView> {
    caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    let rated = EvaluationInput {
        level: input.level,
        comment: input.comment.clone(),
        channel: Some(
            input
                .channel
                .clone()
                .unwrap_or_else(|| EvaluationChannel::Counter.code().into()),
        ),
    };
    // The channel is judged on its own, so that every wrong field is named at once.
    let channel = rated.channel.as_deref().and_then(EvaluationChannel::from_code);
    let (level, comment, mut errors) = match check(&rated) {
        Ok((level, comment, _)) => (level, comment, Vec::new()),
        Err(e) => (0, String::new(), e.errors),
    };
    if channel.is_some_and(|c| !matches!(c, EvaluationChannel::Counter | EvaluationChannel::Qr)) {
        errors.push(FieldError::new(
            "channel",
            "窗口评价的渠道应为 counter 或 qr",
            "A rating at a window comes through counter or qr",
        ));
    }
    let region = match RegionCode::parse(&input.region_code) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(FieldError::id("region_code", &e));
            None
        }
    };
    let code = input.implementation_code.trim();
    let implementation = if code.is_empty() || code.chars().count() > 64 {
        None
    } else {
        state.store.item_implementation(code).await?
    };
    let published = match &implementation {
        Some(i) => state.store.item_published(&i.code).await?.is_some(),
        None => false,
    };
    if !published {
        errors.push(FieldError::new(
            "implementation_code",
            "没有这个已发布的事项",
            "No published service item has this code",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let (Some(region), Some(implementation), Some(channel)) = (region, implementation, channel) else {
        return Err(Error::internal());
    };
    caller.require(Permission::ReceiveCases, &Target::Region(region.clone()))?;
    let today = state.clock.today();
    let due = rectification_due(state, level, today).await?;
    let new = NewEvaluation {
        case_id: None,
        party: String::new(),
        department_id: implementation.department_id,
        region_code: region.as_str().to_string(),
        implementation_code: implementation.code,
        level,
        comment,
        channel: channel.code().to_string(),
        day: day_text(today),
    };
    let recorded = state
        .store
        .evaluation_add(&new, due.as_ref(), &caller.event(Action::CaseEvaluate, "evaluation"))
        .await?;
    Ok(view(recorded, state.clock.today()))
}

/// What a list of evaluations is narrowed by; every field is optional, an empty one is no filter.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// A department's id.
    pub department: Option<String>,
    /// A region code: the departments of the region and everything in it.
    pub region: Option<String>,
    /// First day (YYYY-MM-DD); 29 days before `to` when left out.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); today when left out. At most 366 days in all.
    pub to: Option<String>,
    /// `true`: bad reviews (1 or 2) only.
    pub bad: Option<String>,
    /// Rectifications at this step only: `verify`, `rectify`, `reply`, `revisit`, `appeal`, `closed`.
    pub step: Option<String>,
    /// `true`: rectifications past the deadline of their current step only.
    pub overdue: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A page of evaluations and how many there are in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationList {
    pub total: i64,
    /// The window of days the list covers.
    pub from: String,
    pub to: String,
    pub items: Vec<EvaluationView>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The evaluations in the reader's reach — a supervisor's region or department, an approver's
/// departments — narrowed by `q`. Bad windows (unreadable, reversed, longer than a year),
/// unknown regions and departments are refused with every wrong field named.
pub async fn list(state: &WindowState, caller: &Caller, q: &ListQuery) -> Result<EvaluationList> {
    if caller.require(Permission::SuperviseReviews, &Target::OwnScope).is_err() {
        caller.require(Permission::RectifyReviews, &Target::OwnScope)?;
    }
    let mut errors = Vec::new();
    let window = crate::metrics::CutQuery {
        department: q.department.clone(),
        region: q.region.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let crate::metrics::Window {
        from,
        to,
        department_id,
        region,
    } = crate::metrics::read_window(state, &window, &mut errors).await?;
    let region_prefix = region.map(|r| r.prefix());
    let bad_only = match given(&q.bad) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(FieldError::new("bad", "应为 true 或 false", "Either true or false"));
            false
        }
    };
    let overdue = match given(&q.overdue) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(FieldError::new("overdue", "应为 true 或 false", "Either true or false"));
            false
        }
    };
    let step = given(&q.step).map(str::to_string);
    if step.as_deref().is_some_and(|s| step_name(s, Lang::Zh).is_empty()) {
        errors.push(FieldError::new(
            "step",
            "没有这个整改步骤",
            "No such rectification step",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    let reach = caller
        .grants()
        .iter()
        .filter(|g| {
            matches!(
                g.role,
                yici_core::org::Role::Supervisor | yici_core::org::Role::Approver
            )
        })
        .map(|g| match &g.scope {
            yici_core::org::Scope::Region { region } => Reach::RegionPrefix(region.prefix()),
            yici_core::org::Scope::Department { department_id, .. } => Reach::Department(*department_id),
        })
        .collect();
    let filter = EvaluationFilter {
        reach,
        department_id,
        region_prefix,
        from_day: day_text(from),
        to_day: day_text(to),
        bad_only,
        step,
        overdue_on: overdue.then(|| day_text(state.clock.today())),
    };
    let today = state.clock.today();
    let page = yici_store::Page::new(q.limit, q.offset);
    let (items, total) = state.store.evaluations_list(&filter, page).await?;
    Ok(EvaluationList {
        total,
        from: filter.from_day,
        to: filter.to_day,
        items: items.into_iter().map(|e| view(e, today)).collect(),
    })
}
