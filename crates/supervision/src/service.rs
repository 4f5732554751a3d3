//! Evaluations (好差评): one per case and party (一次一评), five levels, a comment and the
//! channel it came through. A bad review (1 or 2) opens a rectification (整改): verification,
//! rectification, the reply to the applicant and the return visit, each with a deadline in
//! working days from the review (`yici_core::cases::RECTIFICATION_DAYS`).

use serde::{Deserialize, Serialize};
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::cases::{CaseStatus, EvaluationChannel, RECTIFICATION_DAYS, evaluation_level_name, is_bad_review};
use yici_service::error::Kind;
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::evaluations::{EvaluationRecord, NewEvaluation, RectificationDue};
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
    pub case_no: String,
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

/// A rectification (整改) of a bad review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RectificationView {
    /// `verify`, `rectify`, `reply`, `revisit` or `closed`.
    pub step: String,
    pub due: RectificationDue,
}

fn not_found() -> Error {
    Error::not_found("办件", "case")
}

fn view(case_no: &str, e: EvaluationRecord) -> EvaluationView {
    let lang = yici_service::context::current_lang();
    EvaluationView {
        id: e.id,
        case_no: case_no.to_string(),
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
            step: r.step,
            due: r.due,
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
    let due = if is_bad_review(level) {
        let calendar = calendar(state).await?;
        let mut days = Vec::with_capacity(RECTIFICATION_DAYS.len());
        for (_, n) in RECTIFICATION_DAYS {
            days.push(calendar.add_working_days(today, n)?.format("%Y-%m-%d").to_string());
        }
        match days.as_slice() {
            [verify, rectify, reply, revisit] => Some(RectificationDue {
                verify: verify.clone(),
                rectify: rectify.clone(),
                reply: reply.clone(),
                revisit: revisit.clone(),
            }),
            _ => return Err(Error::internal()),
        }
    } else {
        None
    };
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
        day: today.format("%Y-%m-%d").to_string(),
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
    Ok(view(&c.case_no, recorded))
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
        .map(|e| view(&c.case_no, e))
        .collect())
}
