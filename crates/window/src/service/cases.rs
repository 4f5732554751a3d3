//! 办件: applying online or at a window, the material lines fetched from what the government
//! holds or asked for, acceptance and the one-time notice (一次性告知), parallel approval
//! (并联审批), visits and delivery, and the case as its parties and the staff see it.
//!
//! Fetches go through the certificate service (a use copy bound to the case number, under the
//! party's consent for the case's purpose), never through HTTP; a fetch that cannot be made
//! leaves the line to upload, saying why.

use super::invalid;
use super::items::{ExemptSource, GuideView, guide};
use crate::WindowState;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Principal, Target};
use yici_core::calendar::{Pause, WorkingClock};
use yici_core::cases::{
    CaseNo, CaseStatus, CaseStep, LineState, PartyRole, TaskStatus, VisitReason, notice_beyond_first, party_identifier,
};
use yici_core::catalogue::FieldProblem;
use yici_core::id::RegionCode;
use yici_core::items::Scope;
use yici_service::context::current_lang;
use yici_service::{Caller, Error, FieldError, Kind, Result};
use yici_store::cases::{
    CaseFetched, CaseRecord, Decision, EventRecord, LineResolution, NewCase, NewLine, NewParty, NewTask, NoticeLine,
    NoticeRecord, StepChange, VisitRecord,
};

/// A party named on an application besides the applicant signed in.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PartyInput {
    /// `applicant`, `co_applicant` or `agent` (default `co_applicant`).
    #[serde(default)]
    pub role: Option<String>,
    pub id_number: String,
    pub name: String,
}

/// An application for an item or a bundle.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ApplyInput {
    /// The item's implementation code (or give `bundle`).
    #[serde(default)]
    pub item: Option<String>,
    /// The bundle's code (一件事).
    #[serde(default)]
    pub bundle: Option<String>,
    /// The answer of every situation question: question code → choice code.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// The parties. Online, the applicant signed in is the applicant and these are the others;
    /// at a window, the first with role `applicant` (or the first) is the applicant.
    #[serde(default)]
    pub parties: Vec<PartyInput>,
    /// At a window: the region code of the window (the clerk's hall). Online: where the
    /// applicant wants it handled (就近办), within the item's handling scope; by default where
    /// the item is handled.
    #[serde(default)]
    pub window_region: Option<String>,
    /// Material codes the applicant will supply after acceptance (容缺), where allowed.
    #[serde(default)]
    pub deferred: Vec<String>,
    /// The parties consent to the government fetching what it holds about them for this
    /// application (required for any fetch).
    #[serde(default)]
    pub consent: bool,
    /// The form's fields by name (what the results are issued with, over what the government
    /// already holds).
    #[serde(default)]
    pub form: BTreeMap<String, String>,
}

/// A material line as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaterialView {
    pub code: String,
    pub name: String,
    pub required: bool,
    /// `fetched`, `uploaded`, `deferred` or `missing`.
    pub source: String,
    pub source_name: String,
    /// For a fetched line: `certificate`, `record`, `result` or `bundle` (produced by another
    /// item of the same bundle: its implementation code until issued, then the certificate),
    /// and what was fetched.
    pub fetched_from: String,
    pub reference: String,
    /// Why a fetch could not be made, when it could not.
    pub note: String,
    /// `` unchecked, `ok` or `defective`.
    pub checked: String,
    pub defect: String,
}

/// A task as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    pub stage: i64,
    /// `waiting`, `open`, `approved`, `refused` or `closed`.
    pub status: String,
    pub status_name: String,
    /// `all` (会签) or `any` (或签).
    pub signing: String,
    /// The approver who claimed it (或签: only they decide it).
    pub claimed_by: Option<i64>,
    pub days: i64,
    /// The certificate type the step issues, what it issued, and why it could not yet.
    pub issues: Option<String>,
    pub issued: String,
    pub issue_note: String,
    /// The last working day of the task (while open).
    pub deadline: Option<String>,
    pub paused_days: i64,
    /// `green`, `yellow` (one working day or less left) or `red` (past the deadline).
    pub colour: String,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub version: i64,
    #[schema(value_type = Vec<Object>)]
    pub opinions: Vec<yici_store::cases::OpinionRecord>,
}

/// What the materials come to: "N required, M fetched, K uploaded, D deferred".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaterialSummary {
    pub required: usize,
    pub fetched: usize,
    pub uploaded: usize,
    pub deferred: usize,
    pub missing: usize,
    pub text: String,
}

/// One result of a case: which step issued which certificate.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub step: String,
    pub department: String,
    /// The certificate type's code and name.
    pub type_code: String,
    pub type_name: String,
    pub identifier: String,
}

/// A party as shown (the identity number masked for staff).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartyView {
    pub role: String,
    pub name: String,
    pub id_number: String,
    pub consented: bool,
}

/// A case as its parties and the staff with rights see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub case_no: String,
    pub name: String,
    /// `item` or `bundle`, and its code.
    pub subject_kind: String,
    pub subject_code: String,
    pub status: String,
    pub status_name: String,
    pub channel: String,
    pub case_type: String,
    pub region_code: String,
    pub received_at: i64,
    pub accepted_at: Option<i64>,
    pub deemed_accepted: bool,
    pub concluded_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub reason: String,
    /// The promised limit and where the decision clock stands, in working days.
    pub promised_days: i64,
    /// An approved extension (§42), in working days, and its reason.
    pub extended_days: i64,
    pub extension_reason: String,
    pub days_used: Option<i64>,
    pub days_paused: i64,
    pub deadline: Option<String>,
    pub parties: Vec<PartyView>,
    pub materials: Vec<MaterialView>,
    pub summary: MaterialSummary,
    pub tasks: Vec<TaskView>,
    /// The number of on-site visits.
    pub visits: usize,
    pub at_most_once: bool,
    pub zero_visits: bool,
    #[schema(value_type = Vec<Object>)]
    pub visit_log: Vec<VisitRecord>,
    #[schema(value_type = Vec<Object>)]
    pub notices: Vec<NoticeRecord>,
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<EventRecord>,
    /// Identifiers of the certificates issued as results.
    pub certificates: Vec<String>,
    /// The result package: every result of the case (of all the items of a bundle), delivered
    /// together.
    pub results: Vec<ResultView>,
    /// For optimistic concurrency: give it back with each step.
    pub version: i64,
}

fn not_found() -> Error {
    Error::not_found("办件", "case")
}

fn day_of(state: &WindowState) -> NaiveDate {
    state.clock.today()
}

use yici_core::calendar::{day_text, parse_day};

/// Whether a window in `window` may take applications for an item handled in `item_region`.
pub fn handled_at(scope: &Scope, item_region: &RegionCode, window: &RegionCode) -> bool {
    let (w, i) = (window.as_str(), item_region.as_str());
    match scope {
        Scope::Local => item_region.contains(window),
        Scope::CityWide => w.get(..4) == i.get(..4),
        Scope::ProvinceWide => w.get(..2) == i.get(..2),
        Scope::Regions(list) => list
            .iter()
            .filter_map(|r| RegionCode::parse(r).ok())
            .any(|r| r.contains(window)),
    }
}

/// The caller's own identity, when an applicant is signed in.
/// The signed-in applicant: their id, ID number or credit code, and name.
pub fn applicant_self(caller: &Caller) -> Option<(i64, String, String)> {
    match (&caller.principal, &caller.applicant) {
        (Principal::Applicant { id }, Some(a)) => Some((*id, a.applicant_id.as_str().to_string(), a.name.clone())),
        _ => None,
    }
}

/// Apply for an item or a bundle: online (an applicant, for themselves) or at a window (a clerk,
/// in the item's handling scope). The parties, the answers and the materials are checked, the
/// case is written and numbered, then what the government holds is fetched under the parties'
/// consent. The same `idempotency_key` from the same submitter returns the case made before.
pub async fn apply(
    state: &WindowState,
    caller: &Caller,
    input: ApplyInput,
    idempotency_key: Option<&str>,
) -> Result<(CaseView, bool)> {
    let myself = applicant_self(caller);
    let at_window = myself.is_none();
    if at_window {
        caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    } else {
        caller.require(Permission::Apply, &Target::OwnScope)?;
    }
    if let Some(k) = idempotency_key
        && (k.is_empty() || k.chars().count() > 100 || yici_core::text::has_control(k))
    {
        return Err(Error::field(
            "Idempotency-Key",
            "幂等键为1到100个字符",
            "The Idempotency-Key is 1 to 100 characters",
        ));
    }
    let mut problems: Vec<FieldProblem> = Vec::new();
    // The subject: one item or one bundle, published.
    let (kind, code, versions) = match (&input.item, &input.bundle) {
        (Some(i), None) => {
            let r = super::items::published_record(state, i.trim())
                .await?
                .ok_or_else(|| Error::field("item", "没有该已发布事项", "No such published item"))?;
            ("item", r.implementation_code.clone(), vec![r])
        }
        (None, Some(b)) => {
            let bundle = state
                .store
                .bundle(b.trim())
                .await?
                .ok_or_else(|| Error::field("bundle", "没有该一件事", "No such bundle"))?;
            let mut vs = Vec::new();
            for c in &bundle.items {
                if let Some(r) = super::items::published_record(state, c).await? {
                    vs.push(r);
                }
            }
            if vs.is_empty() {
                return Err(Error::field(
                    "bundle",
                    "该一件事的事项尚未发布",
                    "None of the bundle's items is published",
                ));
            }
            ("bundle", bundle.code.clone(), vs)
        }
        _ => {
            return Err(Error::field(
                "item",
                "请选择一个事项或一件事（item 或 bundle，二选一）",
                "Give one item or one bundle",
            ));
        }
    };
    // The guide for the answers: every question answered, every answer a choice.
    let g: GuideView = match kind {
        "item" => guide(state, &code, &input.answers).await?,
        _ => super::bundles::guide(state, &code, &input.answers).await?,
    };
    for q in &g.unanswered {
        problems.push(FieldProblem::new(
            format!("answers.{}", q.code),
            format!("请回答：{}", q.text),
            format!("Answer: {}", q.text),
        ));
    }
    // The parties.
    let mut parties: Vec<NewParty> = Vec::new();
    let now = state.clock.now_micros();
    let consent_at = input.consent.then_some(now);
    if let Some((id, number, name)) = &myself {
        parties.push(NewParty {
            role: PartyRole::Applicant.code().into(),
            id_number: number.clone(),
            name: name.clone(),
            applicant_id: Some(*id),
            consented_at: consent_at,
            consent_channel: "web".into(),
        });
    }
    if input.parties.len() > 20 {
        problems.push(FieldProblem::new("parties", "当事人不超过20个", "at most 20 parties"));
    }
    for (i, p) in input.parties.iter().take(20).enumerate() {
        let role = match p.role.as_deref().map(str::trim) {
            None | Some("") => {
                if at_window && i == 0 {
                    PartyRole::Applicant
                } else {
                    PartyRole::CoApplicant
                }
            }
            Some(r) => match PartyRole::from_code(r) {
                Some(PartyRole::Applicant) if !at_window => {
                    problems.push(FieldProblem::new(
                        format!("parties[{i}].role"),
                        "网上申请时，登录人即为申请人",
                        "online, the applicant is the one signed in",
                    ));
                    PartyRole::CoApplicant
                }
                Some(role) => role,
                None => {
                    problems.push(FieldProblem::new(
                        format!("parties[{i}].role"),
                        "应为 applicant、co_applicant 或 agent",
                        "must be applicant, co_applicant or agent",
                    ));
                    PartyRole::CoApplicant
                }
            },
        };
        let id_number = match party_identifier(&format!("parties[{i}].id_number"), &p.id_number) {
            Ok(n) => n,
            Err(e) => {
                problems.push(e);
                String::new()
            }
        };
        if let Err(e) = yici_core::text::check(&format!("parties[{i}].name"), &p.name, 50, true) {
            problems.push(e);
        }
        if parties
            .iter()
            .any(|q| q.id_number == id_number && !id_number.is_empty())
        {
            problems.push(FieldProblem::new(
                format!("parties[{i}].id_number"),
                "同一当事人不能重复填写",
                "the same party is named twice",
            ));
        }
        parties.push(NewParty {
            role: role.code().into(),
            id_number,
            name: p.name.trim().to_string(),
            applicant_id: None,
            // Online, the one signed in consents for themselves only: the others' data is
            // fetched once they consent themselves. At a window the clerk records the consent
            // of the parties present.
            consented_at: if at_window { consent_at } else { None },
            consent_channel: if at_window { "window".into() } else { String::new() },
        });
    }
    if input.form.len() > 100 {
        problems.push(FieldProblem::new(
            "form",
            "表单字段不超过100个",
            "at most 100 form fields",
        ));
    }
    for (k, v) in input.form.iter().take(100) {
        if k.is_empty() || k.chars().count() > 60 || yici_core::text::has_control(k) {
            problems.push(FieldProblem::new(
                "form",
                "表单字段名为1到60个字符",
                "a form field's name is 1 to 60 characters",
            ));
        } else if let Err(p) = yici_core::text::check(&format!("form.{k}"), v, 500, false) {
            problems.push(p);
        }
    }
    if !parties.iter().any(|p| p.role == PartyRole::Applicant.code()) {
        problems.push(FieldProblem::new("parties", "请填写申请人", "name the applicant"));
    }
    // Deferral (容缺) only where the material allows it.
    for (i, d) in input.deferred.iter().enumerate() {
        match g.materials.iter().find(|m| &m.code == d) {
            Some(m) if m.deferrable => {}
            Some(_) => problems.push(FieldProblem::new(
                format!("deferred[{i}]"),
                "该材料不允许容缺后补",
                "this material cannot come later",
            )),
            None => problems.push(FieldProblem::new(
                format!("deferred[{i}]"),
                "没有该材料",
                "no such material",
            )),
        }
    }
    // Where it is received: the window (in the item's handling scope), or online the body's region.
    let lead = &versions[0];
    let item_region = RegionCode::parse(&lead.region_code).map_err(|_| Error::internal())?;
    // Online, the applicant may choose where it is handled (就近办) within the same scope.
    let region = if at_window || input.window_region.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        match input.window_region.as_deref().map(str::trim) {
            Some(w) if !w.is_empty() => match RegionCode::parse(w) {
                Ok(r) => {
                    if at_window {
                        caller.require(Permission::ReceiveCases, &Target::Region(r.clone()))?;
                    }
                    for v in &versions {
                        let region = RegionCode::parse(&v.region_code).map_err(|_| Error::internal())?;
                        if !handled_at(&v.content.scope, &region, &r) {
                            return Err(Error::new(
                                Kind::Forbidden,
                                "outside_scope",
                                format!("“{}”不在本窗口的通办范围内，请到事项的办理地申请", v.content.name),
                                format!(
                                    "'{}' cannot be handled at this window: apply where it is handled",
                                    v.content.name
                                ),
                            ));
                        }
                    }
                    r
                }
                Err(_) => {
                    problems.push(FieldProblem::new(
                        "window_region",
                        "区划代码无效",
                        "not a valid region code",
                    ));
                    item_region.clone()
                }
            },
            _ => {
                problems.push(FieldProblem::new(
                    "window_region",
                    "窗口受理须填写窗口所在区划",
                    "give the window's region",
                ));
                item_region.clone()
            }
        }
    } else {
        item_region.clone()
    };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    // The lines, the tasks, the case.
    let lines: Vec<NewLine> = g
        .materials
        .iter()
        .map(|m| NewLine {
            material_code: m.code.clone(),
            name: m.name.clone(),
            required: m.required,
            deferrable: m.deferrable,
            items: m.items.clone(),
            state: if input.deferred.contains(&m.code) {
                LineState::Deferred.code().into()
            } else {
                LineState::Missing.code().into()
            },
            source_kind: String::new(),
            reference: String::new(),
            note: String::new(),
            deferred_until: None,
        })
        .collect();
    let mut tasks = Vec::new();
    for v in &versions {
        for (i, s) in v.content.process.iter().enumerate() {
            tasks.push(NewTask {
                implementation_code: v.implementation_code.clone(),
                step: i as i64,
                stage: i64::from(s.stage),
                name: s.name.clone(),
                department_id: s.department_id,
                signing: s.signing,
                required: s.required,
                issues: s.issues.clone(),
                days: i64::from(s.days),
            });
        }
    }
    let submitted_by = match &myself {
        Some((id, ..)) => format!("applicant:{id}"),
        None => format!("user:{}", caller.user.as_ref().map(|u| u.id).unwrap_or_default()),
    };
    let new = NewCase {
        subject_kind: kind.into(),
        subject_code: code.clone(),
        name: g.name.clone(),
        department_id: lead.department_id,
        region,
        channel: if at_window { "window".into() } else { "online".into() },
        clerk_user_id: if at_window {
            caller.user.as_ref().map(|u| u.id)
        } else {
            None
        },
        submitted_by,
        idempotency_key: idempotency_key.map(str::to_string),
        answers: serde_json::to_string(&input.answers).expect("answers serialise"),
        form: serde_json::to_string(&input.form).expect("form serialises"),
        case_type: if versions
            .iter()
            .all(|v| v.content.case_type == yici_core::items::CaseType::Immediate)
        {
            "immediate".into()
        } else {
            "promised".into()
        },
        promised_days: versions
            .iter()
            .map(|v| i64::from(v.content.promised_limit.days))
            .max()
            .unwrap_or(0),
        items: versions.iter().map(|v| (v.implementation_code.clone(), v.id)).collect(),
        parties,
        lines,
        tasks,
        // Applying at a window is a visit.
        visit: at_window.then(|| {
            (
                VisitReason::Submit.code().to_string(),
                caller.user.as_ref().map(|u| u.id),
            )
        }),
    };
    // What the government holds is read first, and recorded with the case it serves.
    let parts = producers(&versions);
    let consenting = new
        .parties
        .iter()
        .filter(|p| p.consented_at.is_some())
        .map(|p| &p.id_number);
    let missing = new.lines.iter().map(|l| (&l.material_code, &l.state));
    let plan = FetchPlan::read(
        state,
        (lead.department_id, &g.name),
        (consenting, missing),
        &g,
        (&parts, kind == "bundle"),
    )
    .await?;
    let plan = std::sync::Arc::new(plan);
    let settle = {
        let (plan, state, caller) = (plan.clone(), state.clone(), caller.clone());
        move |no: &str| plan.settle(&state, &caller, no)
    };
    let (mut record, created) = state
        .store
        .case_submit(&new, day_of(state), &caller.event(Action::CaseSubmit, "case"), settle)
        .await?;
    if created && !plan.records.is_empty() {
        let lines = plan.records(state, caller, &record.case_no).await?;
        let fetched = CaseFetched {
            lines,
            ..Default::default()
        };
        state.store.case_fetched(record.id, &fetched).await?;
        record = state.store.case_by_no(&record.case_no).await?.ok_or_else(not_found)?;
    }
    Ok((view(state, caller, record).await?, created))
}

/// An item of a bundle as a producer of what the bundle's other items need: the certificate
/// types its steps issue and its basic code (its 办结结果).
#[derive(Clone)]
struct Producer {
    name: String,
    department_id: i64,
    code: String,
    basic: String,
    issues: Vec<String>,
    stages: u32,
}

/// The items of a case as producers.
fn producers(versions: &[yici_store::items::VersionRecord]) -> Vec<Producer> {
    versions
        .iter()
        .map(|v| Producer {
            name: v.content.name.clone(),
            department_id: v.department_id,
            code: v.implementation_code.clone(),
            basic: v.implementation_code.get(19..31).unwrap_or_default().to_string(),
            issues: v.content.process.iter().filter_map(|s| s.issues.clone()).collect(),
            stages: v.content.process.iter().map(|s| s.stage).max().unwrap_or(0),
        })
        .collect()
}

/// Fetch again what the government holds for the lines still missing (after a party's
/// consent), with the guide of the case's answers and the items as published now.
async fn refetch(state: &WindowState, caller: &Caller, c: &CaseRecord) -> Result<()> {
    let answers: BTreeMap<String, String> = serde_json::from_str(&c.answers).unwrap_or_default();
    let bundle = c.subject_kind == "bundle";
    let (g, codes) = if bundle {
        let b = state.store.bundle(&c.subject_code).await?.ok_or_else(Error::internal)?;
        (super::bundles::guide(state, &c.subject_code, &answers).await?, b.items)
    } else {
        (
            guide(state, &c.subject_code, &answers).await?,
            vec![c.subject_code.clone()],
        )
    };
    let mut versions = Vec::new();
    for code in &codes {
        if let Some(r) = super::items::published_record(state, code).await? {
            versions.push(r);
        }
    }
    let parts = producers(&versions);
    let consenting = c
        .parties
        .iter()
        .filter(|p| p.consented_at.is_some())
        .map(|p| &p.id_number);
    let missing = c.lines.iter().map(|l| (&l.material_code, &l.state));
    let plan = FetchPlan::read(
        state,
        (c.department_id, &c.name),
        (consenting, missing),
        &g,
        (&parts, bundle),
    )
    .await?;
    let mut fetched = plan.settle(state, caller, &c.case_no);
    fetched.lines.extend(plan.records(state, caller, &c.case_no).await?);
    Ok(state.store.case_fetched(c.id, &fetched).await?)
}

/// A party signed in consents to the government fetching what it holds about them for this
/// case's purpose (a co-applicant named online consents so); what is still missing is fetched
/// now. Consenting twice changes nothing.
pub async fn consent(state: &WindowState, caller: &Caller, case_no: &str) -> Result<CaseView> {
    caller.require(Permission::Apply, &Target::OwnScope)?;
    let (_, number, _) = applicant_self(caller).ok_or_else(Error::unauthenticated)?;
    let c = load(state, case_no).await?;
    if !party_of(caller, &c) {
        return Err(not_found());
    }
    let status = CaseStatus::from_code(&c.status).ok_or_else(Error::internal)?;
    if !matches!(status, CaseStatus::Received | CaseStatus::Supplementing) {
        return Err(Error::new(
            Kind::Conflict,
            "invalid_transition",
            format!("办件{}，不再调取材料", status.name(Lang::Zh)),
            format!("The case is {}: nothing is fetched any more", status.name(Lang::En)),
        ));
    }
    if state
        .store
        .case_consent(c.id, &number, "web", &caller.event(Action::CaseConsent, "case"))
        .await?
    {
        let c = load(state, case_no).await?;
        refetch(state, caller, &c).await?;
    }
    let c = load(state, case_no).await?;
    view(state, caller, c).await
}

/// The window fetches again what the government holds for the lines still missing. Without the
/// consent of any party nothing is fetched: 403 `consent_required`, and the refusal is audited.
pub async fn fetch(state: &WindowState, caller: &Caller, case_no: &str) -> Result<CaseView> {
    caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    let c = load(state, case_no).await?;
    if !staff_on(state, caller, &c).await? {
        return Err(not_found());
    }
    let region = RegionCode::parse(&c.region_code).map_err(|_| Error::internal())?;
    caller.require(Permission::ReceiveCases, &Target::Region(region))?;
    if !c.parties.iter().any(|p| p.consented_at.is_some()) {
        return Err(Error::new(
            Kind::Forbidden,
            "consent_required",
            "当事人尚未同意为本办件共享获取其材料，不能调取",
            "No party has consented to fetching their materials for this case",
        )
        .recorded(
            caller
                .event(Action::CaseFetch, "case")
                .object(&c.case_no)
                .outcome(yici_core::audit::Outcome::Refused, "no party consented"),
        ));
    }
    refetch(state, caller, &c).await?;
    let c = load(state, case_no).await?;
    view(state, caller, c).await
}

/// What the government holds for a case's lines still missing, read before the case's change
/// is written, for the parties who consented: a certificate becomes a use copy bound to the case
/// number, the result of an earlier case is named. A line that cannot be fetched stays to
/// upload, saying why. [`FetchPlan::settle`] binds the plan to the case number inside the
/// transaction that records it; records from the exchange are looked up once the case exists
/// ([`FetchPlan::records`]), their reads being audited under its number.
///
/// In a bundle (一件事), what another of its items produces is never asked for: a sibling's
/// result is passed on within the case while the departments work at once; a certificate no
/// party holds yet (a new company's 营业执照) is issued first and the items that examine it
/// start after it.
struct FetchPlan {
    /// The lead department, on whose behalf the window fetches; the case's name.
    department: yici_store::departments::Department,
    name: String,
    holders: Vec<String>,
    /// The bundle's items (none for one item), and every item of the case.
    producers: Vec<Producer>,
    parts: Vec<Producer>,
    settled: Vec<LineResolution>,
    /// Lines of certificates: material code, the items needing it, the source, and the
    /// bundle's item that issues it.
    certificates: Vec<(String, Vec<String>, ExemptSource, Option<usize>)>,
    held: yici_certificates::service::using::Held,
    /// Lines of records: material code, the items needing it, the source.
    records: Vec<(String, Vec<String>, ExemptSource)>,
}

/// A fetched line, or a missing one with the note saying why.
fn resolution(material_code: &str, fetched: Option<(&str, String)>, note: String) -> LineResolution {
    LineResolution {
        material_code: material_code.to_string(),
        state: if fetched.is_some() { "fetched" } else { "missing" }.into(),
        source_kind: fetched.as_ref().map(|f| f.0.to_string()).unwrap_or_default(),
        reference: fetched.map(|f| f.1).unwrap_or_default(),
        note,
    }
}

/// Passed on within the bundle from its item `p`.
fn within(material_code: &str, p: &Producer) -> LineResolution {
    resolution(
        material_code,
        Some(("bundle", p.code.clone())),
        format!("由本件事中“{}”办结后直接取得，无需提交", p.name),
    )
}

impl FetchPlan {
    /// Read what is held, for the parties who consented (their identifiers), for the lines
    /// (material code and state) still missing of a case of `department_id` named `name`: an
    /// application's or a recorded case's.
    async fn read<'l>(
        state: &WindowState,
        (department_id, name): (i64, &str),
        (consenting, lines): (
            impl Iterator<Item = &'l String>,
            impl Iterator<Item = (&'l String, &'l String)>,
        ),
        g: &GuideView,
        (parts, bundle): (&[Producer], bool),
    ) -> Result<FetchPlan> {
        let holders: Vec<String> = consenting.cloned().collect();
        let missing: Vec<&String> = lines
            .filter(|(_, state)| state.as_str() == LineState::Missing.code())
            .map(|(code, _)| code)
            .collect();
        let department = state
            .store
            .department(department_id)
            .await?
            .ok_or_else(Error::internal)?;
        let mut plan = FetchPlan {
            department,
            name: name.to_string(),
            holders,
            producers: if bundle { parts.to_vec() } else { Vec::new() },
            parts: parts.to_vec(),
            settled: Vec::new(),
            certificates: Vec::new(),
            held: Default::default(),
            records: Vec::new(),
        };
        for code in missing {
            let Some(m) = g.materials.iter().find(|m| &m.code == code) else {
                continue;
            };
            let Some(source) = &m.exempt_source else { continue };
            // The bundle's item that produces it, unless it needs the material itself.
            let producer = plan.producers.iter().position(|p| {
                !m.items.contains(&p.name)
                    && match source.kind.as_str() {
                        "certificate" => p.issues.contains(&source.code),
                        "result" => p.basic == source.code,
                        _ => false,
                    }
            });
            if let (Some(j), "result") = (producer, source.kind.as_str()) {
                plan.settled.push(within(code, &plan.producers[j]));
                continue;
            }
            if plan.holders.is_empty() && producer.is_none() {
                plan.settled
                    .push(resolution(code, None, "未同意共享获取，请上传".into()));
                continue;
            }
            match source.kind.as_str() {
                // Read below, all in one go.
                "certificate" => plan
                    .certificates
                    .push((code.to_string(), m.items.clone(), source.clone(), producer)),
                "result" => {
                    let mut found = None;
                    for h in &plan.holders {
                        if let Some(no) = state.store.case_result_of(h, &source.code).await? {
                            found = Some(no);
                            break;
                        }
                    }
                    plan.settled.push(match found {
                        Some(no) => resolution(code, Some(("result", no)), String::new()),
                        None => resolution(code, None, format!("未找到“{}”的办结结果，请上传", source.name)),
                    });
                }
                "record" if state.certificates.is_some() => {
                    plan.records.push((code.to_string(), m.items.clone(), source.clone()))
                }
                "record" => {}
                _ => plan.settled.push(resolution(
                    code,
                    None,
                    format!("“{}”暂未能共享获取，请上传", source.name),
                )),
            }
        }
        if let Some(certs) = &state.certificates
            && !plan.certificates.is_empty()
        {
            plan.held = yici_certificates::service::using::Held::read(certs, &plan.holders).await?;
        }
        Ok(plan)
    }

    /// The purpose a case's fetches serve.
    fn purpose(&self, case_no: &str) -> String {
        format!("办理“{}”（办件编号 {}）", self.name, case_no)
    }

    /// The plan bound to case `case_no`: the use copies with their audit entries, the lines
    /// settled, and the bundle's items restaged. Reads nothing.
    fn settle(&self, state: &WindowState, caller: &Caller, case_no: &str) -> CaseFetched {
        let mut fetched = CaseFetched {
            lines: self.settled.clone(),
            ..Default::default()
        };
        let mut needs: Vec<Vec<usize>> = vec![Vec::new(); self.producers.len()];
        if let Some(certs) = &state.certificates
            && !self.certificates.is_empty()
        {
            let wanted: Vec<(String, Vec<String>)> = self
                .certificates
                .iter()
                .map(|(_, _, source, _)| (source.code.clone(), self.holders.clone()))
                .collect();
            let prepared = self.held.use_copies(
                certs,
                caller,
                &self.department,
                &wanted,
                (case_no, &self.purpose(case_no)),
            );
            for ((code, items, source, producer), copy) in self.certificates.iter().zip(prepared) {
                fetched.lines.push(match (copy, producer) {
                    (Some((certificate, u, event)), _) => {
                        fetched.uses.push((u, event));
                        resolution(code, Some(("certificate", certificate.identifier)), String::new())
                    }
                    (None, Some(j)) => {
                        for (i, p) in self.producers.iter().enumerate() {
                            if items.contains(&p.name) {
                                needs[i].push(*j);
                            }
                        }
                        within(code, &self.producers[*j])
                    }
                    (None, None) => resolution(code, None, format!("未找到当事人有效的“{}”，请上传", source.name)),
                });
            }
        }
        let stages: Vec<u32> = self.producers.iter().map(|p| p.stages).collect();
        fetched.restage = yici_core::cases::bundle_offsets(&stages, &needs)
            .into_iter()
            .zip(&self.producers)
            .map(|(offset, p)| (p.code.clone(), i64::from(offset)))
            .collect();
        fetched
    }

    /// Look up the records of the plan in the exchange for case `case_no`, under a grant of
    /// the department handling the item that needs each (one audit entry per read).
    async fn records(&self, state: &WindowState, caller: &Caller, case_no: &str) -> Result<Vec<LineResolution>> {
        use yici_exchange::lookup::{CaseFetch, lookup_for_case};
        let Some(certs) = &state.certificates else {
            return Ok(Vec::new());
        };
        let purpose = self.purpose(case_no);
        let mut settled = Vec::new();
        for (code, items, source) in &self.records {
            let department_id = self
                .parts
                .iter()
                .find(|p| items.contains(&p.name))
                .map_or(self.department.id, |p| p.department_id);
            let mut outcome = CaseFetch::NotFound;
            for h in &self.holders {
                outcome = lookup_for_case(
                    &certs.exchange,
                    caller,
                    department_id,
                    (&source.code, source.key_item.as_deref(), h),
                    (case_no, &purpose),
                )
                .await?;
                if !matches!(outcome, CaseFetch::NotFound) {
                    // Found, refused, or not to be looked up this way: the same for every party.
                    break;
                }
            }
            settled.push(match outcome {
                CaseFetch::Found(_) => resolution(code, Some(("record", source.code.clone())), String::new()),
                CaseFetch::NotFound => resolution(code, None, format!("“{}”中未找到当事人的记录，请上传", source.name)),
                CaseFetch::NotByKey(by) => resolution(
                    code,
                    None,
                    format!("“{}”只能按“{by}”查询，暂未能共享获取，请上传", source.name),
                ),
                CaseFetch::Refused(why) => {
                    resolution(code, None, format!("“{}”暂未能共享获取（{why}），请上传", source.name))
                }
            });
        }
        Ok(settled)
    }
}

/// Whether the caller is an applicant who is a party to the case.
pub fn party_of(caller: &Caller, c: &CaseRecord) -> bool {
    applicant_self(caller).is_some_and(|(id, number, _)| {
        c.parties
            .iter()
            .any(|p| p.applicant_id == Some(id) || p.id_number == number)
    })
}

/// Whether the caller is staff with rights on the case: clerks of its region, approvers of a
/// department with a task, supervisors and operators over its department.
async fn staff_on(state: &WindowState, caller: &Caller, c: &CaseRecord) -> Result<bool> {
    if let Ok(r) = RegionCode::parse(&c.region_code)
        && caller.require(Permission::ReadCases, &Target::Region(r)).is_ok()
    {
        return Ok(true);
    }
    let mut departments = vec![c.department_id];
    departments.extend(c.tasks.iter().map(|t| t.department_id));
    for id in departments {
        if let Some(d) = state.store.department(id).await?
            && caller.require(Permission::ReadCases, &d.target()).is_ok()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Case `case_no`, for its parties and the staff with rights; 404 for anyone else (nothing
/// about the case leaks).
pub async fn get(state: &WindowState, caller: &Caller, case_no: &str) -> Result<CaseView> {
    let c = readable(state, caller, case_no).await?;
    view(state, caller, c).await
}

/// The case numbered `case_no`, if the caller may read it: a party, or staff with rights on it
/// (else 404, as for a case that does not exist).
pub async fn readable(state: &WindowState, caller: &Caller, case_no: &str) -> Result<CaseRecord> {
    if applicant_self(caller).is_none() {
        caller.require(Permission::ReadCases, &Target::OwnScope)?;
    }
    let c = load(state, case_no).await?;
    if !party_of(caller, &c) && !staff_on(state, caller, &c).await? {
        return Err(not_found());
    }
    Ok(c)
}

/// The case numbered `case_no` (404 when there is none), for the capabilities that read cases;
/// they check who may see it themselves.
pub async fn record(state: &WindowState, case_no: &str) -> Result<CaseRecord> {
    load(state, case_no).await
}

async fn load(state: &WindowState, case_no: &str) -> Result<CaseRecord> {
    let n = CaseNo::parse("case_no", case_no).map_err(|_| not_found())?;
    state.store.case_by_no(n.as_str()).await?.ok_or_else(not_found)
}

async fn view(state: &WindowState, caller: &Caller, c: CaseRecord) -> Result<CaseView> {
    let lang = current_lang();
    let calendar = calendar(state).await?;
    let today = day_of(state);
    let own = applicant_self(caller).map(|(_, number, _)| number);
    let names = super::items::department_names(state).await?;
    let materials: Vec<MaterialView> = c
        .lines
        .iter()
        .map(|l| MaterialView {
            code: l.material_code.clone(),
            name: l.name.clone(),
            required: l.required,
            source: l.state.clone(),
            source_name: LineState::from_code(&l.state)
                .map(|s| s.name(lang).to_string())
                .unwrap_or_default(),
            fetched_from: l.source_kind.clone(),
            reference: l.reference.clone(),
            note: l.note.clone(),
            checked: l.checked.clone(),
            defect: l.defect.clone(),
        })
        .collect();
    let count = |s: LineState| c.lines.iter().filter(|l| l.required && l.state == s.code()).count();
    let required = c.lines.iter().filter(|l| l.required).count();
    let (fetched, uploaded, deferred, missing) = (
        count(LineState::Fetched),
        count(LineState::Uploaded),
        count(LineState::Deferred),
        count(LineState::Missing),
    );
    let summary = MaterialSummary {
        required,
        fetched,
        uploaded,
        deferred,
        missing,
        text: match lang {
            Lang::Zh => format!(
                "必需材料 {required} 项：共享获取 {fetched} 项，上传 {uploaded} 项，容缺 {deferred} 项，待提交 {missing} 项"
            ),
            Lang::En => format!(
                "{required} required, {fetched} fetched, {uploaded} uploaded, {deferred} deferred, {missing} missing"
            ),
        },
    };
    let mut tasks = Vec::new();
    for t in &c.tasks {
        let (deadline, paused_days, colour) = match task_clock(&c, t) {
            Some(clock) => {
                let paused = paused_days(&clock, &calendar, today);
                match clock.reading(&calendar, today) {
                    Ok(r) if t.status == TaskStatus::Open.code() => {
                        let colour = if r.remaining < 0 {
                            "red"
                        } else if r.remaining <= 1 {
                            "yellow"
                        } else {
                            "green"
                        };
                        (r.deadline.map(day_text), paused, colour)
                    }
                    Ok(r) => (r.deadline.map(day_text), paused, "green"),
                    Err(_) => (None, paused, "green"),
                }
            }
            None => (None, 0, "green"),
        };
        tasks.push(TaskView {
            id: t.id,
            name: t.name.clone(),
            department_id: t.department_id,
            department: names.get(&t.department_id).cloned().unwrap_or_default(),
            stage: t.stage,
            status: t.status.clone(),
            status_name: TaskStatus::from_code(&t.status)
                .map(|s| s.name(lang).to_string())
                .unwrap_or_default(),
            signing: t.signing.clone(),
            claimed_by: t.claimed_by,
            days: t.days,
            issues: t.issues.clone(),
            issued: t.issued.clone(),
            issue_note: t.issue_note.clone(),
            deadline,
            paused_days,
            colour: colour.into(),
            opened_at: t.opened_at,
            closed_at: t.closed_at,
            version: t.version,
            opinions: t.opinions.clone(),
        });
    }
    // The decision clock: from acceptance, paused while supplementing.
    let (days_used, days_paused, deadline) = match decision_clock(&c) {
        Some(clock) => {
            let paused = paused_days(&clock, &calendar, today);
            match clock.reading(&calendar, today) {
                Ok(r) => (Some(r.used), paused, r.deadline.map(day_text)),
                Err(_) => (None, paused, None),
            }
        }
        None => {
            let all: i64 = c
                .pauses
                .iter()
                .filter(|p| p.task_id.is_none())
                .filter_map(pause_of)
                .map(|p| {
                    let until = p.until.unwrap_or(today);
                    calendar.working_days_between(p.from, until).unwrap_or(0).max(0)
                })
                .sum();
            (None, all, None)
        }
    };
    let parties = c
        .parties
        .iter()
        .map(|p| PartyView {
            role: p.role.clone(),
            name: p.name.clone(),
            // Each party sees their own number; everyone else's is masked.
            id_number: if own.as_deref() == Some(p.id_number.as_str()) {
                p.id_number.clone()
            } else {
                yici_core::masking::mask(yici_core::masking::ValueKind::IdNumber, &p.id_number)
            },
            consented: p.consented_at.is_some(),
        })
        .collect();
    let visits = c.visits.len();
    let mut results = Vec::new();
    for t in tasks.iter().filter(|t| !t.issued.is_empty()) {
        let type_code = t.issues.clone().unwrap_or_default();
        let type_name = match &state.certificates {
            Some(certs) => certs
                .store
                .certificate_type(&type_code)
                .await?
                .map(|t| match lang {
                    Lang::En if !t.definition.name_en.is_empty() => t.definition.name_en,
                    _ => t.definition.name,
                })
                .unwrap_or_default(),
            None => String::new(),
        };
        results.push(ResultView {
            step: t.name.clone(),
            department: t.department.clone(),
            type_code,
            type_name,
            identifier: t.issued.clone(),
        });
    }
    Ok(CaseView {
        results,
        status_name: CaseStatus::from_code(&c.status)
            .map(|s| s.name(lang).to_string())
            .unwrap_or_default(),
        certificates: c
            .tasks
            .iter()
            .filter(|t| !t.issued.is_empty())
            .map(|t| t.issued.clone())
            .collect(),
        case_no: c.case_no,
        name: c.name,
        subject_kind: c.subject_kind,
        subject_code: c.subject_code,
        status: c.status,
        channel: c.channel,
        case_type: c.case_type,
        region_code: c.region_code,
        received_at: c.received_at,
        accepted_at: c.accepted_at,
        deemed_accepted: c.deemed_accepted,
        concluded_at: c.concluded_at,
        delivered_at: c.delivered_at,
        reason: c.reason,
        promised_days: c.promised_days,
        extended_days: c.extended_days,
        extension_reason: c.extension_reason,
        days_used,
        days_paused,
        deadline,
        parties,
        materials,
        summary,
        tasks,
        visits,
        at_most_once: visits <= 1,
        zero_visits: visits == 0,
        visit_log: c.visits,
        notices: c.notices,
        timeline: c.timeline,
        version: c.version,
    })
}

fn pause_of(p: &yici_store::cases::PauseRecord) -> Option<Pause> {
    Some(Pause {
        from: parse_day(&p.from_day)?,
        until: p.until_day.as_deref().and_then(parse_day),
        reason: p.reason.clone(),
    })
}

/// The decision clock of a case (§42): from acceptance, for the promised and extended days,
/// paused while supplementing. None before acceptance.
pub fn decision_clock(c: &CaseRecord) -> Option<WorkingClock> {
    let accepted = c.accepted_day.as_deref().and_then(parse_day)?;
    Some(WorkingClock {
        started: accepted,
        limit: u32::try_from(c.promised_days + c.extended_days).unwrap_or(0),
        pauses: c
            .pauses
            .iter()
            .filter(|p| p.task_id.is_none())
            .filter_map(pause_of)
            .filter(|p| p.until.is_none_or(|u| u > accepted))
            .collect(),
    })
}

/// The clock of a task of parallel approval: from the day its stage opened, paused by special
/// procedures on it. None before it opens.
pub fn task_clock(c: &CaseRecord, t: &yici_store::cases::TaskRecord) -> Option<WorkingClock> {
    Some(WorkingClock {
        started: t.opened_day.as_deref().and_then(parse_day)?,
        limit: u32::try_from(t.days).unwrap_or(0),
        pauses: c
            .pauses
            .iter()
            .filter(|p| p.task_id == Some(t.id))
            .filter_map(pause_of)
            .collect(),
    })
}

/// The working-day calendar, kept while current.
pub async fn calendar(state: &WindowState) -> Result<yici_core::calendar::WorkingCalendar> {
    let load = || async { Ok(Some(state.store.working_calendar().await?)) };
    Ok(state
        .memo
        .calendar
        .get(&state.store, &String::new(), load)
        .await?
        .unwrap_or_default())
}

/// Working days of a clock's pauses up to `today`.
fn paused_days(clock: &WorkingClock, calendar: &yici_core::calendar::WorkingCalendar, today: NaiveDate) -> i64 {
    clock
        .pauses
        .iter()
        .map(|p| {
            let until = p.until.unwrap_or(today).min(today);
            calendar.working_days_between(p.from, until).unwrap_or(0).max(0)
        })
        .sum()
}

/// A step on a case by the window (accept, not accept, notice, supply) or its applicant
/// (supply, withdraw).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    /// The case's `version` as last read: a step on a case changed since is refused (409).
    pub version: i64,
    /// Why (not accepting, voiding, an override of the one-time notice).
    #[serde(default)]
    pub reason: String,
    /// For a notice: every missing or defective material, with its reason.
    #[serde(default)]
    pub lines: Vec<NoticeLine>,
}

/// Take `step` on case `case_no`.
pub async fn step(
    state: &WindowState,
    caller: &Caller,
    case_no: &str,
    step: &str,
    input: StepInput,
) -> Result<CaseView> {
    let step = CaseStep::from_code(step)
        .filter(|s| {
            !matches!(
                s,
                CaseStep::Submit | CaseStep::Approve | CaseStep::Refuse | CaseStep::Rate
            )
        })
        .ok_or_else(|| Error::not_found(&format!("操作“{step}”"), &format!("step '{step}'")))?;
    // The gate: an applicant (a party, checked below), a clerk, or a supervisor voiding.
    if applicant_self(caller).is_none() {
        let permission = if step == CaseStep::Void {
            Permission::OverrideNotices
        } else {
            Permission::ReceiveCases
        };
        caller.require(permission, &Target::OwnScope)?;
    }
    let c = load(state, case_no).await?;
    let region = RegionCode::parse(&c.region_code).map_err(|_| Error::internal())?;
    let mine = party_of(caller, &c);
    // Who may take it.
    match step {
        CaseStep::Supply | CaseStep::Withdraw if mine => {}
        CaseStep::Void => caller.require(Permission::OverrideNotices, &Target::Region(region.clone()))?,
        _ => {
            if !mine && !staff_on(state, caller, &c).await? {
                return Err(not_found());
            }
            caller.require(Permission::ReceiveCases, &Target::Region(region.clone()))?
        }
    }
    let reason = input.reason.trim().to_string();
    let mut change = StepChange {
        day: day_text(day_of(state)),
        actor: caller.actor().label,
        ..Default::default()
    };
    match step {
        CaseStep::NotAccept | CaseStep::Void => {
            yici_core::text::check("reason", &reason, 500, true).map_err(|p| invalid(vec![p]))?;
            change.reason = Some(reason.clone());
            change.note = reason;
        }
        CaseStep::Notice => {
            let mut problems = Vec::new();
            if input.lines.is_empty() {
                problems.push(FieldProblem::new(
                    "lines",
                    "请列出需补正的全部材料",
                    "list every material to supply",
                ));
            }
            for (i, l) in input.lines.iter().enumerate() {
                if !c.lines.iter().any(|x| x.material_code == l.line) {
                    problems.push(FieldProblem::new(
                        format!("lines[{i}].line"),
                        "没有该材料",
                        "no such material",
                    ));
                }
                if let Err(p) = yici_core::text::check(&format!("lines[{i}].reason"), &l.reason, 200, true) {
                    problems.push(p);
                }
            }
            if !problems.is_empty() {
                return Err(invalid(problems));
            }
            // 一次性告知: a later notice names only what the first named, or what was
            // supplied since, unless a supervisor overrides with a reason.
            let first: Option<Vec<String>> = c
                .notices
                .first()
                .map(|n| n.lines.iter().map(|l| l.line.clone()).collect());
            let supplied_since: Vec<String> = match c.notices.last().and_then(|n| n.supplied_at) {
                Some(at) => c
                    .lines
                    .iter()
                    .filter(|l| l.state == LineState::Uploaded.code())
                    .filter(|_| at > 0)
                    .map(|l| l.material_code.clone())
                    .collect(),
                None => Vec::new(),
            };
            let asked: Vec<String> = input.lines.iter().map(|l| l.line.clone()).collect();
            let beyond = notice_beyond_first(first.as_deref(), &supplied_since, &asked);
            let mut override_reason = String::new();
            if !beyond.is_empty() {
                let may_override = caller
                    .require(Permission::OverrideNotices, &Target::Region(region.clone()))
                    .is_ok();
                if !may_override || reason.is_empty() {
                    return Err(Error::new(
                        Kind::Conflict,
                        "notice_not_once",
                        format!("一次性告知：{} 不在首次告知中，不能再次要求补正", beyond.join("、")),
                        format!("One-time notice: {} were not in the first notice", beyond.join(", ")),
                    ));
                }
                override_reason = reason.clone();
            }
            change.notice = Some((input.lines.clone(), override_reason, caller.user.as_ref().map(|u| u.id)));
        }
        _ => {}
    }
    let status = CaseStatus::from_code(&c.status).ok_or_else(Error::internal)?;
    if step.after(status).is_none() {
        return Err(wrong_state(status, step));
    }
    let action = match step {
        CaseStep::Accept => Action::CaseAccept,
        CaseStep::Notice => Action::CaseNotice,
        CaseStep::Supply => Action::CaseSupply,
        CaseStep::NotAccept => Action::CaseNotAccept,
        CaseStep::Withdraw => Action::CaseWithdraw,
        _ => Action::CaseStep,
    };
    let mut after = state
        .store
        .case_step(&c, input.version, step, &change, &caller.event(action, "case"))
        .await?;
    // 即办件 conclude on the spot at acceptance when they have no process to run.
    if step == CaseStep::Accept && after.case_type == "immediate" && after.tasks.is_empty() {
        after = state
            .store
            .case_step(
                &after,
                after.version,
                CaseStep::Approve,
                &change,
                &caller.event(Action::CaseStep, "case"),
            )
            .await?;
    }
    view(state, caller, after).await
}

/// An approver's decision on a task.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DecideInput {
    /// The task's `version` as last read.
    pub version: i64,
    pub approve: bool,
    /// The opinion (required when refusing: it is the reason told to the applicant).
    #[serde(default)]
    pub opinion: String,
}

/// Task `task_id` with its case, for an approver of its department (403 for anyone else).
async fn task_of(
    state: &WindowState,
    caller: &Caller,
    task_id: i64,
) -> Result<(CaseRecord, yici_store::cases::TaskRecord)> {
    caller.require(Permission::DecideTasks, &Target::OwnScope)?;
    let not_found = || Error::not_found("任务", "task");
    let c = state.store.case_of_task(task_id).await?.ok_or_else(not_found)?;
    let t = c
        .tasks
        .iter()
        .find(|t| t.id == task_id)
        .cloned()
        .ok_or_else(not_found)?;
    let d = state
        .store
        .department(t.department_id)
        .await?
        .ok_or_else(Error::internal)?;
    caller.require(Permission::DecideTasks, &d.target())?;
    Ok((c, t))
}

/// Decide task `task_id`: an approver of its department.
pub async fn decide(state: &WindowState, caller: &Caller, task_id: i64, input: DecideInput) -> Result<CaseView> {
    let (_, t) = task_of(state, caller, task_id).await?;
    let user_id = caller.user.as_ref().map(|u| u.id).ok_or_else(Error::unauthenticated)?;
    if !input.approve {
        yici_core::text::check("opinion", &input.opinion, 500, true).map_err(|p| invalid(vec![p]))?;
    } else {
        yici_core::text::check("opinion", &input.opinion, 500, false).map_err(|p| invalid(vec![p]))?;
    }
    if t.status != TaskStatus::Open.code() {
        return Err(Error::new(
            Kind::Conflict,
            "task_not_open",
            "该任务当前不在办理中",
            "The task is not open",
        ));
    }
    let change = StepChange {
        day: day_text(day_of(state)),
        actor: caller.actor().label,
        ..Default::default()
    };
    let after = state
        .store
        .case_task_decide(
            task_id,
            input.version,
            &Decision {
                user_id,
                approve: input.approve,
                opinion: input.opinion.trim().to_string(),
            },
            &change,
            &caller.event(Action::CaseDecide, "case"),
        )
        .await?;
    issue_results(state, caller, &after).await?;
    let after = state.store.case_by_no(&after.case_no).await?.ok_or_else(not_found)?;
    view(state, caller, after).await
}

/// Issue the result of every approved step that issues a certificate and has not yet: to the
/// case's applicant, sealed by the step's department, with the data of the applicant's current
/// certificate of that type (if any) under the form's fields. Idempotent by case and task.
async fn issue_results(state: &WindowState, caller: &Caller, c: &CaseRecord) -> Result<()> {
    let Some(certs) = &state.certificates else {
        return Ok(());
    };
    let Some(holder) = c.parties.iter().find(|p| p.role == PartyRole::Applicant.code()) else {
        return Ok(());
    };
    let form: BTreeMap<String, String> = serde_json::from_str(&c.form).unwrap_or_default();
    for t in &c.tasks {
        let Some(type_code) = &t.issues else { continue };
        if t.status != TaskStatus::Approved.code() || !t.issued.is_empty() {
            continue;
        }
        let d = state
            .store
            .department(t.department_id)
            .await?
            .ok_or_else(Error::internal)?;
        let definition = certs.store.certificate_type(type_code).await?.map(|t| t.definition);
        let organisation = definition
            .as_ref()
            .is_some_and(|t| t.holder_kind == yici_core::certificate::HolderKind::Organisation);
        let (holder_code, holder_name, registered) = holder_of(c, holder, &form, organisation)?;
        let mut data = yici_certificates::service::issuing::latest_data(certs, &holder_code, type_code)
            .await?
            .unwrap_or_default();
        if registered {
            // A new registration: its legal representative applied, on the day it concludes.
            data.insert("legal_representative".into(), holder.name.clone());
            data.insert("established_on".into(), day_of(state).format("%Y-%m-%d").to_string());
        }
        // The form's fields of this type (a bundle's form serves several results).
        data.extend(
            form.iter()
                .filter(|(k, _)| {
                    definition
                        .as_ref()
                        .is_some_and(|t| t.fields.iter().any(|f| &f.name == *k))
                })
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let request = yici_certificates::library::IssueRequest {
            type_code: type_code.clone(),
            holder_code,
            holder_name,
            data,
            valid_from: None,
            valid_until: None,
            number: None,
            region: None,
            issue_key: Some(format!("case:{}:task:{}", c.case_no, t.id)),
        };
        match yici_certificates::service::issuing::issue_for_case(certs, caller, &d, request, &c.case_no).await {
            Ok(Ok(issued)) => state.store.case_task_issued(t.id, &issued.identifier, "").await?,
            Ok(Err(errors)) => {
                let note: Vec<String> = errors.iter().map(|e| format!("{}：{}", e.field, e.zh)).collect();
                state.store.case_task_issued(t.id, "", &note.join("；")).await?
            }
            Err(e) => {
                tracing::warn!(case = %c.case_no, task = t.id, error = %e.message(Lang::En), "a result could not be issued");
                state.store.case_task_issued(t.id, "", e.message(Lang::Zh)).await?
            }
        }
    }
    Ok(())
}

/// Who a result is issued to: the applicant; or, for a type held by
/// organisations applied for by a person (企业开办), the organisation the form names
/// (`company_name`), under its `uscc` when it has one or else the code the case's registration
/// assigns (`registered` is then true).
fn holder_of(
    c: &CaseRecord,
    applicant: &yici_store::cases::PartyRecord,
    form: &BTreeMap<String, String>,
    organisation: bool,
) -> Result<(String, String, bool)> {
    if !organisation || yici_core::id::Uscc::parse(&applicant.id_number).is_ok() {
        return Ok((applicant.id_number.clone(), applicant.name.clone(), false));
    }
    let name = form
        .get("company_name")
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| applicant.name.clone());
    if let Some(code) = form.get("uscc")
        && let Ok(u) = yici_core::id::Uscc::parse(code.trim())
    {
        return Ok((u.as_str().to_string(), name, false));
    }
    let no = CaseNo::parse("case_no", &c.case_no).map_err(|_| Error::internal())?;
    let uscc = no.registered_uscc().map_err(|_| Error::internal())?;
    Ok((uscc.as_str().to_string(), name, true))
}

/// A claim of a task.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ClaimInput {
    /// The task's `version` as last read.
    pub version: i64,
}

/// Claim an open task (an approver of its department): under 或签, only the claimer decides it.
pub async fn claim(state: &WindowState, caller: &Caller, task_id: i64, input: ClaimInput) -> Result<CaseView> {
    task_of(state, caller, task_id).await?;
    let user_id = caller.user.as_ref().map(|u| u.id).ok_or_else(Error::unauthenticated)?;
    let after = state
        .store
        .case_task_claim(
            task_id,
            input.version,
            user_id,
            &caller.event(Action::CaseDecide, "case"),
        )
        .await?;
    view(state, caller, after).await
}

/// The open tasks of the approver's departments, oldest first.
pub async fn inbox(state: &WindowState, caller: &Caller) -> Result<Vec<(String, TaskView)>> {
    caller.require(Permission::DecideTasks, &Target::OwnScope)?;
    let all = state.store.list_departments(None, yici_store::Page::all()).await?;
    let departments: Vec<i64> = caller
        .keep_within(&state.store, Permission::DecideTasks, all, |d| vec![d.id])
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut out = Vec::new();
    for (case_no, task_id) in state.store.case_tasks_open(&departments).await? {
        let v = view(state, caller, load(state, &case_no).await?).await?;
        if let Some(task) = v.tasks.into_iter().find(|x| x.id == task_id) {
            out.push((case_no, task));
        }
    }
    Ok(out)
}

/// A visit to a window.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct VisitInput {
    /// `submit`, `supplement`, `verify`, `collect` or `other`.
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

/// Record a visit (a clerk, in the case's region).
pub async fn visit(state: &WindowState, caller: &Caller, case_no: &str, input: VisitInput) -> Result<CaseView> {
    caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    let c = load(state, case_no).await?;
    let region = RegionCode::parse(&c.region_code).map_err(|_| Error::internal())?;
    caller.require(Permission::ReceiveCases, &Target::Region(region))?;
    let reason = VisitReason::from_code(input.reason.trim()).ok_or_else(|| {
        Error::validation(vec![FieldError::new(
            "reason",
            "应为 submit、supplement、verify、collect 或 other",
            "must be submit, supplement, verify, collect or other",
        )])
    })?;
    if reason == VisitReason::Other {
        yici_core::text::check("note", &input.note, 200, true).map_err(|p| invalid(vec![p]))?;
    } else {
        yici_core::text::check("note", &input.note, 200, false).map_err(|p| invalid(vec![p]))?;
    }
    let after = state
        .store
        .case_visit(
            c.id,
            reason.code(),
            input.note.trim(),
            &c.region_code,
            caller.user.as_ref().map(|u| u.id),
            &caller.event(Action::CaseVisit, "case"),
        )
        .await?;
    view(state, caller, after).await
}

/// A delivery of the result.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DeliverInput {
    pub version: i64,
    /// `electronic` (in the holder's library), `mail` (with its tracking number) or `window`
    /// (picked up: a visit).
    pub mode: String,
    #[serde(default)]
    pub tracking: String,
}

/// Record the delivery of a concluded case (a clerk of its region).
pub async fn deliver(state: &WindowState, caller: &Caller, case_no: &str, input: DeliverInput) -> Result<CaseView> {
    caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    let c = load(state, case_no).await?;
    let region = RegionCode::parse(&c.region_code).map_err(|_| Error::internal())?;
    caller.require(Permission::ReceiveCases, &Target::Region(region))?;
    let mode = yici_core::cases::DeliveryMode::from_code(input.mode.trim()).ok_or_else(|| {
        Error::validation(vec![FieldError::new(
            "mode",
            "应为 electronic、mail 或 window",
            "must be electronic, mail or window",
        )])
    })?;
    let tracking = input.tracking.trim();
    let needed = mode == yici_core::cases::DeliveryMode::Mail;
    yici_core::text::check("tracking", tracking, 64, needed).map_err(|p| invalid(vec![p]))?;
    let status = CaseStatus::from_code(&c.status).ok_or_else(Error::internal)?;
    if CaseStep::Deliver.after(status).is_none() {
        return Err(wrong_state(status, CaseStep::Deliver));
    }
    let change = StepChange {
        day: day_text(day_of(state)),
        actor: caller.actor().label,
        delivery: Some((mode.code().to_string(), tracking.to_string())),
        ..Default::default()
    };
    let after = state
        .store
        .case_step(
            &c,
            input.version,
            CaseStep::Deliver,
            &change,
            &caller.event(Action::CaseStep, "case"),
        )
        .await?;
    view(state, caller, after).await
}

fn wrong_state(status: CaseStatus, step: CaseStep) -> Error {
    Error::new(
        Kind::Conflict,
        "invalid_transition",
        format!("办件当前为“{}”，不能{}", status.name(Lang::Zh), step.name(Lang::Zh)),
        format!(
            "The case is {}; it cannot {}",
            status.name(Lang::En),
            step.name(Lang::En)
        ),
    )
}

/// A special procedure on a task (§45): hearing, testing, expert review.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SpecialInput {
    /// Pause (`false`, the default) or end the pause (`true`).
    #[serde(default)]
    pub resume: bool,
    #[serde(default)]
    pub reason: String,
    /// The working days the procedure may take (1 to 60).
    #[serde(default)]
    pub limit_days: i64,
}

/// Pause or resume a task for a special procedure (an approver of its department).
pub async fn special(state: &WindowState, caller: &Caller, task_id: i64, input: SpecialInput) -> Result<CaseView> {
    task_of(state, caller, task_id).await?;
    let mut problems = Vec::new();
    if !input.resume {
        if let Err(p) = yici_core::text::check("reason", &input.reason, 200, true) {
            problems.push(p);
        }
        if !(1..=60).contains(&input.limit_days) {
            problems.push(FieldProblem::new(
                "limit_days",
                "期限为1至60个工作日",
                "1 to 60 working days",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let after = state
        .store
        .case_task_pause(
            task_id,
            input.resume,
            (&day_text(day_of(state)), input.reason.trim(), input.limit_days),
            &caller.event(Action::CaseStep, "case"),
        )
        .await?;
    view(state, caller, after).await
}

/// An extension of the promised limit.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ExtendInput {
    pub version: i64,
    /// Working days added (1 to 30), once.
    pub days: i64,
    pub reason: String,
}

/// Extend a case being processed (a supervisor over its region), once, with the reason told to
/// the applicant.
pub async fn extend(state: &WindowState, caller: &Caller, case_no: &str, input: ExtendInput) -> Result<CaseView> {
    caller.require(Permission::ApproveExtensions, &Target::OwnScope)?;
    let c = load(state, case_no).await?;
    let region = RegionCode::parse(&c.region_code).map_err(|_| Error::internal())?;
    caller.require(Permission::ApproveExtensions, &Target::Region(region))?;
    let mut problems = Vec::new();
    if !(1..=30).contains(&input.days) {
        problems.push(FieldProblem::new("days", "延长1至30个工作日", "1 to 30 working days"));
    }
    if let Err(p) = yici_core::text::check("reason", &input.reason, 200, true) {
        problems.push(p);
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let after = state
        .store
        .case_extend(
            c.id,
            input.version,
            input.days,
            input.reason.trim(),
            &caller.event(Action::CaseStep, "case"),
        )
        .await?;
    view(state, caller, after).await
}

/// The number of working days after which a received case without a decision is deemed
/// accepted (行政许可法 §32).
pub const DEEMED_AFTER_DAYS: i64 = 5;

/// Deem accepted every case received (or supplied again) more than five working days ago
/// without a decision: accepted from receipt, its tasks opened. How many were.
pub async fn deem_accepted(state: &WindowState) -> Result<usize> {
    let calendar = calendar(state).await?;
    let today = day_of(state);
    let mut deemed = 0;
    for (id, version, received) in state.store.cases_received_by(&day_text(today)).await? {
        let Some(received) = parse_day(&received) else { continue };
        let c = state.store.case_by_id(id).await?;
        // After a notice, the five days run from the supplements.
        let since = c
            .notices
            .iter()
            .filter_map(|n| n.supplied_at)
            .max()
            .map(yici_core::clock::china_date)
            .map_or(received, |d| d.max(received));
        let Ok(days) = calendar.working_days_between(since, today) else {
            continue;
        };
        if days <= DEEMED_AFTER_DAYS {
            continue;
        }
        let change = StepChange {
            day: day_text(since),
            actor: "deadline".into(),
            note: "受理期限届满，依法视为受理".into(),
            deemed: true,
            ..Default::default()
        };
        let audit = yici_core::audit::AuditEvent::new(
            state.clock.now_micros(),
            yici_core::audit::Actor::platform(yici_core::audit::PlatformActor::Deadlines),
            Action::CaseAccept,
            "case",
            "deadline",
        );
        match state
            .store
            .case_step(&c, version, CaseStep::Accept, &change, &audit)
            .await
        {
            Ok(_) => deemed += 1,
            // Decided meanwhile: nothing to deem.
            Err(yici_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(deemed)
}

/// Upload the file of material `code` of case `case_no` (a party, or a clerk of its region):
/// checked for type by its content and for size, stored once by its SM3 digest. While the case
/// is received or supplementing, and after acceptance for a deferred (容缺) line.
pub async fn upload(state: &WindowState, caller: &Caller, case_no: &str, code: &str, bytes: &[u8]) -> Result<CaseView> {
    if applicant_self(caller).is_none() {
        caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    }
    let c = load(state, case_no).await?;
    if !party_of(caller, &c) {
        let region = RegionCode::parse(&c.region_code).map_err(|_| Error::internal())?;
        if !staff_on(state, caller, &c).await? {
            return Err(not_found());
        }
        caller.require(Permission::ReceiveCases, &Target::Region(region))?;
    }
    let line = c
        .lines
        .iter()
        .find(|l| l.material_code == code)
        .ok_or_else(|| Error::not_found("申请材料", "material"))?;
    let status = CaseStatus::from_code(&c.status).ok_or_else(Error::internal)?;
    let open = matches!(status, CaseStatus::Received | CaseStatus::Supplementing)
        || (status == CaseStatus::Processing && line.state == LineState::Deferred.code());
    if !open {
        return Err(Error::new(
            Kind::Conflict,
            "invalid_transition",
            format!("办件当前为“{}”，不能上传该材料", status.name(Lang::Zh)),
            format!(
                "The case is {}; this material cannot be uploaded now",
                status.name(Lang::En)
            ),
        ));
    }
    let objects = state.objects.as_ref().ok_or_else(|| {
        Error::new(
            Kind::Unavailable,
            "uploads_unavailable",
            "材料存储尚未配置，暂不能上传",
            "No store for uploads is configured",
        )
    })?;
    let stored = objects.put(bytes).await.map_err(|r| match r {
        yici_objects::Refused::Empty => Error::field("file", "文件是空的", "The file is empty"),
        yici_objects::Refused::TooLarge(n) => Error::field(
            "file",
            format!("文件过大：{n} 字节，上限为 {} 字节（20 MiB）", yici_objects::MAX_BYTES),
            format!("The file is too large: {n} bytes, at most {}", yici_objects::MAX_BYTES),
        ),
        yici_objects::Refused::UnknownType => Error::field(
            "file",
            "只接受 PDF、OFD、JPEG、PNG 文件（按文件内容判断）",
            "Only PDF, OFD, JPEG and PNG files are accepted (judged by their content)",
        ),
        yici_objects::Refused::Store(e) => {
            tracing::error!(error = %e, "an upload could not be stored");
            Error::new(
                Kind::Unavailable,
                "uploads_unavailable",
                "材料存储暂不可用，本次上传未保存，请稍后重试",
                "The store for uploads is unavailable; nothing was saved",
            )
        }
    })?;
    let after = state
        .store
        .case_line_upload(
            c.id,
            line.id,
            (&stored.sm3, stored.media_type, stored.size as i64),
            &caller.event(Action::CaseUpload, "case"),
        )
        .await?;
    view(state, caller, after).await
}

/// The signed-in applicant's cases, newest first.
pub async fn mine(state: &WindowState, caller: &Caller) -> Result<Vec<CaseView>> {
    caller.require(Permission::Apply, &Target::OwnScope)?;
    let (_, number, _) = applicant_self(caller).ok_or_else(Error::unauthenticated)?;
    let mut out = Vec::new();
    for c in state.store.cases_of_party(&number, 100).await? {
        out.push(view(state, caller, c).await?);
    }
    Ok(out)
}

/// The clerk's queue: cases in `status` received in the regions of the clerk's windows.
pub async fn queue(state: &WindowState, caller: &Caller, status: &str) -> Result<Vec<CaseView>> {
    caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    let status = CaseStatus::from_code(status)
        .ok_or_else(|| Error::validation(vec![FieldError::new("status", "没有该办件状态", "No such case status")]))?;
    let mut regions: Vec<String> = caller
        .grants()
        .iter()
        .filter(|g| g.role == yici_core::org::Role::WindowClerk)
        .map(|g| match &g.scope {
            yici_core::org::Scope::Region { region } => region.prefix(),
            yici_core::org::Scope::Department { region, .. } => region.as_str().to_string(),
        })
        .collect();
    regions.sort();
    regions.dedup();
    let mut out = Vec::new();
    for prefix in regions {
        for c in state.store.cases_in(&prefix, status.code(), 200).await? {
            out.push(view(state, caller, c).await?);
        }
    }
    Ok(out)
}

/// What the caller may do on a case now, for the pages' forms (each action checks again).
#[derive(Debug, Clone, Default)]
pub struct Abilities {
    /// A party of the case.
    pub party: bool,
    /// A clerk of the case's region: accept, notice, not accept, visits, delivery.
    pub receive: bool,
    /// The open tasks the caller may decide.
    pub decide: Vec<i64>,
}

/// What the caller may do on case `c`.
pub async fn abilities(state: &WindowState, caller: &Caller, c: &CaseView) -> Result<Abilities> {
    let mut a = Abilities {
        party: applicant_self(caller).is_some_and(|(_, number, _)| c.parties.iter().any(|p| p.id_number == number)),
        ..Default::default()
    };
    if let Ok(r) = RegionCode::parse(&c.region_code) {
        a.receive = caller.require(Permission::ReceiveCases, &Target::Region(r)).is_ok();
    }
    if caller.require(Permission::DecideTasks, &Target::OwnScope).is_ok() {
        for t in c.tasks.iter().filter(|t| t.status == TaskStatus::Open.code()) {
            if let Some(d) = state.store.department(t.department_id).await?
                && caller.require(Permission::DecideTasks, &d.target()).is_ok()
            {
                a.decide.push(t.id);
            }
        }
    }
    Ok(a)
}

/// The region of the caller's first window (a clerk's scope), for the application form.
pub fn window_region_of(caller: &Caller) -> Option<String> {
    caller
        .grants()
        .iter()
        .filter(|g| g.role == yici_core::org::Role::WindowClerk)
        .map(|g| match &g.scope {
            yici_core::org::Scope::Region { region } => region.as_str().to_string(),
            yici_core::org::Scope::Department { region, .. } => region.as_str().to_string(),
        })
        .next()
}

/// A material line as it would be settled if the application were made now.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewLine {
    pub name: String,
    pub required: bool,
    /// `fetch` (the government holds it), `bring` or `defer` (容缺).
    pub source: String,
    /// What it is fetched from.
    pub source_name: String,
    /// For an applicant's own certificate: whether their library holds a valid one now.
    pub found: Option<bool>,
}

/// What an application would fetch and what it would ask for, before it is made: the tailored
/// list; for an applicant signed in, whether their own library holds each certificate now
/// (their own data: nothing is fetched or recorded). Every rule of [`apply`] is checked then.
pub async fn preview(state: &WindowState, caller: &Caller, input: &ApplyInput) -> Result<Vec<PreviewLine>> {
    if applicant_self(caller).is_some() {
        caller.require(Permission::Apply, &Target::OwnScope)?;
    } else {
        caller.require(Permission::ReceiveCases, &Target::OwnScope)?;
    }
    let g = match (&input.item, &input.bundle) {
        (Some(i), None) => guide(state, i.trim(), &input.answers).await?,
        (None, Some(b)) => super::bundles::guide(state, b.trim(), &input.answers).await?,
        _ => {
            return Err(Error::field(
                "item",
                "请选择一个事项或一件事（item 或 bundle，二选一）",
                "Give one item or one bundle",
            ));
        }
    };
    let own = applicant_self(caller).map(|(_, number, _)| number);
    let mut out = Vec::new();
    for m in &g.materials {
        let (source, source_name, found) = match &m.exempt_source {
            _ if input.deferred.contains(&m.code) => ("defer", String::new(), None),
            Some(s) => {
                let found = match (&own, s.kind.as_str(), &state.certificates) {
                    (Some(number), "certificate", Some(certs)) if input.consent => Some(
                        yici_certificates::service::issuing::latest_data(certs, number, &s.code)
                            .await?
                            .is_some(),
                    ),
                    _ => None,
                };
                ("fetch", s.name.clone(), found)
            }
            None => ("bring", String::new(), None),
        };
        out.push(PreviewLine {
            name: m.name.clone(),
            required: m.required,
            source: source.into(),
            source_name,
            found,
        });
    }
    Ok(out)
}

/// A message to a party about their case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub case_no: String,
    pub case_name: String,
    /// The transition it tells of, and the case's status after it.
    pub step: String,
    pub status: String,
    pub message: String,
    pub at: i64,
}

/// What a party is told of a transition, in `lang`.
fn message(lang: Lang, step: &str, name: &str, case_no: &str, note: &str) -> String {
    let with = |zh: &str, en: &str| -> String {
        match (lang, note.is_empty()) {
            (Lang::Zh, true) => format!("“{name}”（{case_no}）{zh}。"),
            (Lang::Zh, false) => format!("“{name}”（{case_no}）{zh}：{note}"),
            (Lang::En, true) => format!("“{name}” ({case_no}) {en}."),
            (Lang::En, false) => format!("“{name}” ({case_no}) {en}: {note}"),
        }
    };
    match step {
        "submit" => with("已收件", "was received"),
        "accept" => with("已受理，正在办理", "was accepted and is being processed"),
        "not_accept" => with("不予受理", "was not accepted"),
        "notice" => with("需要补正材料（一次性告知）", "needs supplements (one-time notice)"),
        "approve" => with("已办结，准予许可，办理结果已签发", "was approved; the result is issued"),
        "refuse" => with("已办结，不予许可", "was refused"),
        "deliver" => with(
            "办理结果已送达，电子证照已存入您的证照库",
            "was delivered; the e-certificates are in your library",
        ),
        "extend" => with("办理时限已依法延长", "had its time limit extended"),
        "withdraw" => with("已撤回", "was withdrawn"),
        "void" => with("已作废", "was voided"),
        other => with(other, other),
    }
}

/// The signed-in applicant's notifications: each transition of their cases they are told of,
/// newest first (50 at most).
pub async fn notifications(state: &WindowState, caller: &Caller) -> Result<Vec<Notification>> {
    caller.require(Permission::Apply, &Target::OwnScope)?;
    let (_, number, _) = applicant_self(caller).ok_or_else(Error::unauthenticated)?;
    let lang = current_lang();
    Ok(state
        .store
        .case_events_of_party(&number, 50)
        .await?
        .into_iter()
        .map(|(case_no, case_name, e)| Notification {
            message: message(lang, &e.step, &case_name, &case_no, &e.note),
            case_no,
            case_name,
            step: e.step,
            status: e.status,
            at: e.at,
        })
        .collect())
}
