//! Service items: what anyone may read (the published items, their versions and guides) and
//! what staff do (operators define basic items and review; stewards of the implementing
//! department edit their implementation and submit it).

use super::invalid;
use crate::WindowState;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::items::{
    self, BasicCode, Guide, ImplementationCode, ItemType, ItemVersion, Known, Source, VersionStatus, VersionStep,
};
use yici_service::context::current_lang;
use yici_service::{Caller, Error, Result};
use yici_store::Page;
use yici_store::departments::Department;
use yici_store::items::{BasicItem, Implementation, ItemFilter, ItemHit, VersionRecord};

/// An item as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemSummary {
    /// The implementation code (31 characters).
    pub code: String,
    pub basic_code: String,
    pub name: String,
    pub version: i64,
    pub department_id: i64,
    pub department_name: String,
    pub region_code: String,
    pub item_type: i64,
    pub item_type_name: String,
    pub level: i64,
    /// On-site visits: 0 zero visits, 1 at most once.
    pub visits: i64,
    /// 最多跑一次 / 零跑腿 / 需到现场 N 次, in the reader's language.
    pub promise: String,
    pub depth: i64,
}

/// One version of an item as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemVersionView {
    pub code: String,
    pub basic_code: String,
    pub version: i64,
    /// `draft`, `review`, `published`, `superseded` or `withdrawn`.
    pub status: String,
    pub status_name: String,
    pub department_id: i64,
    pub department_name: String,
    pub region_code: String,
    pub item_type: i64,
    pub item_type_name: String,
    pub promise: String,
    pub review_note: String,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    /// The version's content: limits, visits, questions, materials, process …
    #[schema(value_type = Object)]
    pub content: ItemVersion,
}

/// What makes a material 免提交, by name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExemptSource {
    /// `certificate`, `record` or `result`.
    pub kind: String,
    /// The certificate type code, the resource code, or the item's basic code.
    pub code: String,
    /// Its name: 结婚证, 人口基础信息, …
    pub name: String,
    /// For a record: the item the party's identifier is looked up in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_item: Option<String>,
}

/// One material line of a guide.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaterialLine {
    pub code: String,
    pub name: String,
    pub required: bool,
    /// 原件, 复印件 or 电子件 (in the reader's language).
    pub form: String,
    pub copies: u32,
    pub standard: String,
    /// 容缺: may be supplied after acceptance.
    pub deferrable: bool,
    /// `null` when the applicant brings it; otherwise what the government holds (免提交).
    pub exempt_source: Option<ExemptSource>,
    /// The items of a bundle that need it.
    pub items: Vec<String>,
}

/// A time limit as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LimitView {
    pub days: u32,
    /// `working` or `natural`.
    pub unit: String,
    /// 5个工作日 / 5 working days.
    pub text: String,
}

/// A question not answered yet, with its choices.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionView {
    pub code: String,
    pub text: String,
    /// (code, label) of each choice.
    pub choices: Vec<(String, String)>,
}

/// A tailored list: exactly what applies for the answers given.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GuideView {
    /// The implementation code, or the bundle's code.
    pub code: String,
    pub name: String,
    pub materials: Vec<MaterialLine>,
    pub conditions: Vec<String>,
    pub legal_limit: LimitView,
    pub promised_limit: LimitView,
    pub visits: u32,
    /// The one-line promise: 最多跑一次, 零跑腿, 需到现场 N 次：reason.
    pub promise: String,
    pub case_type: String,
    pub depth: String,
    #[schema(value_type = Vec<Object>)]
    pub fees: Vec<items::Fee>,
    pub delivery: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub windows: Vec<items::ServiceWindow>,
    #[schema(value_type = Vec<Object>)]
    pub form: Vec<items::FormField>,
    pub unanswered: Vec<QuestionView>,
    /// Names of the certificates issued as the result.
    pub results: Vec<String>,
    /// How many lines the government holds (免提交), of all the lines.
    pub exempt: usize,
}

fn limit(l: &items::TimeLimit, lang: Lang) -> LimitView {
    LimitView {
        days: l.days,
        unit: match l.unit {
            items::DayUnit::Working => "working".into(),
            items::DayUnit::Natural => "natural".into(),
        },
        text: l.describe(lang),
    }
}

pub fn promise_of(visits: u32, reason: &str, lang: Lang) -> String {
    let p = items::Promise::of(visits, reason);
    lang.pick(&p.zh, &p.en).to_string()
}

/// The name of every department, by id.
pub async fn department_names(state: &WindowState) -> Result<HashMap<i64, String>> {
    let load = || async {
        Ok(Some(
            state
                .store
                .list_departments(None, Page::all())
                .await?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
        ))
    };
    Ok(state
        .memo
        .departments
        .get(&state.store, &String::new(), load)
        .await?
        .unwrap_or_default())
}

/// The published version of `code`, through the memo.
pub(crate) async fn published_record(state: &WindowState, code: &str) -> Result<Option<VersionRecord>> {
    Ok(state
        .memo
        .published
        .get(&state.store, &code.to_string(), || state.store.item_published(code))
        .await?)
}

/// The name of what `key` names, through the memo.
async fn name_of<F, Fut>(state: &WindowState, key: String, load: F) -> Result<String>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = yici_store::Result<Option<String>>>,
{
    Ok(state
        .memo
        .names
        .get(&state.store, &key, load)
        .await?
        .unwrap_or_default())
}

fn type_name(code: i64, lang: Lang) -> String {
    ItemType::from_code(code)
        .map(|t| t.name(lang))
        .unwrap_or("")
        .to_string()
}

/// Published items matching `filter`, and how many match in all.
pub async fn search(state: &WindowState, filter: &ItemFilter, page: Page) -> Result<(Vec<ItemSummary>, i64)> {
    let (hits, total) = state.store.items_search(filter, page).await?;
    let names = department_names(state).await?;
    let lang = current_lang();
    let list = hits
        .into_iter()
        .map(|h: ItemHit| ItemSummary {
            promise: promise_of(h.visits.max(0) as u32, lang.pick("见办事指南", "see the guide"), lang),
            department_name: names.get(&h.department_id).cloned().unwrap_or_default(),
            item_type_name: type_name(h.item_type, lang),
            code: h.code,
            basic_code: h.basic_code,
            name: h.name,
            version: h.version,
            department_id: h.department_id,
            region_code: h.region_code,
            item_type: h.item_type,
            level: h.level,
            visits: h.visits,
            depth: h.depth,
        })
        .collect();
    Ok((list, total))
}

async fn view(state: &WindowState, r: VersionRecord) -> Result<ItemVersionView> {
    let lang = current_lang();
    let department_name = department_names(state)
        .await?
        .get(&r.department_id)
        .cloned()
        .unwrap_or_default();
    let basic_code = ImplementationCode::parse("code", &r.implementation_code)
        .map(|c| c.basic().as_str().to_string())
        .unwrap_or_default();
    Ok(ItemVersionView {
        code: r.implementation_code,
        basic_code,
        version: r.version,
        status: r.status.code().into(),
        status_name: r.status.name(lang).into(),
        department_id: r.department_id,
        department_name,
        region_code: r.region_code,
        item_type: r.item_type,
        item_type_name: type_name(r.item_type, lang),
        promise: promise_of(r.content.visits, &r.content.visits_reason, lang),
        review_note: r.review_note,
        updated_at: r.updated_at,
        published_at: r.published_at,
        content: r.content,
    })
}

fn item_not_found() -> Error {
    Error::not_found("政务服务事项", "service item")
}

/// The published version of item `code` (its implementation code).
pub async fn published(state: &WindowState, code: &str) -> Result<ItemVersionView> {
    let r = published_record(state, code).await?.ok_or_else(item_not_found)?;
    view(state, r).await
}

async fn implementation(state: &WindowState, code: &str) -> Result<(Implementation, Department)> {
    let imp = state
        .store
        .item_implementation(code)
        .await?
        .ok_or_else(item_not_found)?;
    let d = state
        .store
        .department(imp.department_id)
        .await?
        .ok_or_else(|| Error::not_found("部门", "department"))?;
    Ok((imp, d))
}

/// Whether the caller works on the item: its department's stewards, or operators over it.
fn staff_of(caller: &Caller, d: &Department) -> bool {
    caller.require(Permission::ManageItems, &d.target()).is_ok()
        || caller.require(Permission::ReviewItems, &d.target()).is_ok()
}

/// Every version of an item, oldest first. Anyone reads the versions that were published;
/// drafts and versions in review are for the department's stewards and the operators.
pub async fn versions(state: &WindowState, caller: &Caller, code: &str) -> Result<Vec<ItemVersionView>> {
    let (_, d) = implementation(state, code).await?;
    let staff = staff_of(caller, &d);
    let mut out = Vec::new();
    for r in state.store.item_versions(code).await? {
        if staff || !matches!(r.status, VersionStatus::Draft | VersionStatus::Review) {
            out.push(view(state, r).await?);
        }
    }
    Ok(out)
}

/// Answers from a query (`answer.<question>=<choice>`).
pub fn answers_from(query: &[(String, String)]) -> BTreeMap<String, String> {
    query
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("answer.").map(|q| (q.to_string(), v.to_string())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

/// The name of what makes a line 免提交.
async fn exempt(state: &WindowState, s: &Source, lang: Lang) -> Result<Option<ExemptSource>> {
    Ok(match s {
        Source::Applicant => None,
        Source::Certificate { type_code } => Some(ExemptSource {
            kind: "certificate".into(),
            code: type_code.clone(),
            name: certificate_name(state, type_code, lang).await?,
            key_item: None,
        }),
        Source::Record {
            resource_code,
            key_item,
        } => Some(ExemptSource {
            kind: "record".into(),
            code: resource_code.clone(),
            name: name_of(state, format!("record:{resource_code}"), || async {
                Ok(state
                    .store
                    .catalogue_resource_by_code(resource_code)
                    .await?
                    .map(|r| r.draft.name))
            })
            .await?,
            key_item: Some(key_item.clone()),
        }),
        Source::Result { item_code } => Some(ExemptSource {
            kind: "result".into(),
            code: item_code.clone(),
            name: name_of(state, format!("result:{item_code}"), || async {
                Ok(state.store.item_basic(item_code).await?.map(|b| b.name))
            })
            .await?,
            key_item: None,
        }),
    })
}

/// A certificate type's name in `lang`.
async fn certificate_name(state: &WindowState, code: &str, lang: Lang) -> Result<String> {
    name_of(state, format!("certificate:{code}:{}", lang.tag()), || async {
        Ok(state
            .store
            .certificate_type(code)
            .await?
            .map(|t| t.definition.name_in(lang).to_string()))
    })
    .await
}

/// The guide as shown, with every source named.
pub(crate) async fn guide_view(state: &WindowState, code: &str, g: Guide) -> Result<GuideView> {
    let lang = current_lang();
    let mut materials = Vec::with_capacity(g.materials.len());
    let exempt_count = g.exempt();
    for m in g.materials {
        let exempt_source = match &m.exempt_source {
            Some(s) => exempt(state, s, lang).await?,
            None => None,
        };
        materials.push(MaterialLine {
            code: m.code,
            name: m.name,
            required: m.required,
            form: m.form.name(lang).into(),
            copies: m.copies,
            standard: m.standard,
            deferrable: m.deferrable,
            exempt_source,
            items: m.items,
        });
    }
    let mut results = Vec::new();
    for t in &g.results {
        let name = certificate_name(state, t, lang).await?;
        if !name.is_empty() {
            results.push(name);
        }
    }
    Ok(GuideView {
        code: code.to_string(),
        name: g.name,
        materials,
        conditions: g.conditions,
        legal_limit: limit(&g.legal_limit, lang),
        promised_limit: limit(&g.promised_limit, lang),
        visits: g.visits,
        promise: lang.pick(&g.promise.zh, &g.promise.en).to_string(),
        case_type: g.case_type.name(lang).into(),
        depth: g.depth.name(lang).into(),
        fees: g.fees,
        delivery: g.delivery.iter().map(|d| d.name(lang).to_string()).collect(),
        windows: g.windows,
        form: g.form,
        unanswered: g
            .unanswered
            .into_iter()
            .map(|q| QuestionView {
                code: q.code,
                text: q.text,
                choices: q.choices.into_iter().map(|c| (c.code, c.label)).collect(),
            })
            .collect(),
        results,
        exempt: exempt_count,
    })
}

/// The guide of a published item for `answers`: exactly what applies.
pub async fn guide(state: &WindowState, code: &str, answers: &BTreeMap<String, String>) -> Result<GuideView> {
    let r = published_record(state, code).await?.ok_or_else(item_not_found)?;
    let g = items::guide(&r.content, answers).map_err(invalid)?;
    guide_view(state, code, g).await
}

/// What a version refers to, looked up: the certificate types, published resources with their
/// key items and basic items it names, and the departments implementing it.
pub(crate) async fn known(state: &WindowState, imp: &Implementation, v: &ItemVersion) -> Result<Known> {
    let mut k = Known::default();
    k.implementing.insert(imp.department_id);
    k.implementing.extend(imp.co_departments.iter().copied());
    let mut types: Vec<&String> = v.process.iter().filter_map(|s| s.issues.as_ref()).collect();
    for m in &v.materials {
        match &m.source {
            Source::Applicant => {}
            Source::Certificate { type_code } => types.push(type_code),
            Source::Record {
                resource_code,
                key_item,
            } => {
                let Some(r) = state.store.catalogue_resource_by_code(resource_code).await? else {
                    continue;
                };
                if let Some((_, published)) = state.store.catalogue_published(r.id).await?
                    && published.draft.items.iter().any(|i| &i.name == key_item)
                {
                    k.resource_items.insert((resource_code.clone(), key_item.clone()));
                }
            }
            Source::Result { item_code } => {
                if state.store.item_basic(item_code).await?.is_some() {
                    k.items.insert(item_code.clone());
                }
            }
        }
    }
    for t in types {
        if state.store.certificate_type(t).await?.is_some() {
            k.certificate_types.insert(t.clone());
        }
    }
    Ok(k)
}

/// A basic item to define.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BasicInput {
    /// The basic code (12 characters; the 3rd and 4th are the item type).
    pub code: String,
    pub name: String,
}

/// Define (or rename) a basic item: operators over the whole province.
pub async fn define_basic(state: &WindowState, caller: &Caller, input: BasicInput) -> Result<BasicItem> {
    caller.require(Permission::ReviewItems, &Target::Platform)?;
    let code = BasicCode::parse("code", &input.code).map_err(|p| invalid(vec![p]))?;
    yici_core::text::check("name", &input.name, 200, true).map_err(|p| invalid(vec![p]))?;
    Ok(state
        .store
        .item_basic_put(
            code.as_str(),
            input.name.trim(),
            code.item_type(),
            &caller.event(Action::ItemDefine, "service_item"),
        )
        .await?)
}

/// A body's implementation of a basic item.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ImplementInput {
    pub basic_code: String,
    /// The implementing department.
    pub department_id: i64,
    /// The 19th character of the implementation code (default `1`).
    #[serde(default)]
    pub sequence: Option<String>,
    /// Other departments with steps in the process.
    #[serde(default)]
    pub co_departments: Vec<i64>,
}

/// Register a department's implementation: its stewards, or operators over it. The
/// implementation code is the department's credit code, the sequence character and the basic
/// code.
pub async fn implement(state: &WindowState, caller: &Caller, input: ImplementInput) -> Result<Implementation> {
    caller
        .require(Permission::ManageItems, &Target::OwnScope)
        .or_else(|_| caller.require(Permission::ReviewItems, &Target::OwnScope))?;
    let d = state
        .store
        .department(input.department_id)
        .await?
        .ok_or_else(|| Error::field("department_id", "部门不存在", "No such department"))?;
    if !staff_of(caller, &d) {
        caller.require(Permission::ManageItems, &d.target())?;
    }
    let basic = BasicCode::parse("basic_code", &input.basic_code).map_err(|p| invalid(vec![p]))?;
    if state.store.item_basic(basic.as_str()).await?.is_none() {
        return Err(Error::field(
            "basic_code",
            "省级基本目录中没有该事项",
            "No such basic item in the province's list",
        ));
    }
    let seq = match input.sequence.as_deref().map(str::trim) {
        None | Some("") => '1',
        Some(s) => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_digit() || c.is_ascii_uppercase() => c,
                _ => {
                    return Err(Error::field(
                        "sequence",
                        "序号为1位数字或大写字母",
                        "The sequence is one digit or capital letter",
                    ));
                }
            }
        }
    };
    for (i, id) in input.co_departments.iter().enumerate() {
        if state.store.department(*id).await?.is_none() {
            return Err(Error::field(
                &format!("co_departments[{i}]"),
                "部门不存在",
                "No such department",
            ));
        }
    }
    let uscc = yici_core::id::Uscc::parse(&d.uscc).map_err(|_| {
        Error::field(
            "department_id",
            "部门的统一社会信用代码无效",
            "The department's credit code is not valid",
        )
    })?;
    let code = ImplementationCode::of(&uscc, seq, &basic);
    let imp = Implementation {
        code: code.as_str().to_string(),
        basic_code: basic.as_str().to_string(),
        department_id: d.id,
        region_code: d.region_code.clone(),
        co_departments: input.co_departments,
    };
    Ok(state
        .store
        .item_implementation_create(&imp, &caller.event(Action::ItemImplement, "service_item"))
        .await?)
}

/// Save the working copy of an item: the implementing department's stewards. Every rule is
/// checked first; a published item gets a new draft version, the published one stays.
pub async fn save_draft(
    state: &WindowState,
    caller: &Caller,
    code: &str,
    content: ItemVersion,
) -> Result<ItemVersionView> {
    caller.require(Permission::ManageItems, &Target::OwnScope)?;
    let (imp, d) = implementation(state, code).await?;
    caller.require(Permission::ManageItems, &d.target())?;
    let problems = content.problems(&known(state, &imp, &content).await?);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let saved = state
        .store
        .item_version_save(code, &content, &caller.event(Action::ItemEdit, "service_item"))
        .await?;
    view(state, saved).await
}

/// Take a review step on version `version` of item `code`: `submit` and `withdraw` (the
/// department's stewards), `approve` and `reject` (operators over the department; a rejection
/// needs its reason). Approving checks the version again against what the platform holds now.
pub async fn step(
    state: &WindowState,
    caller: &Caller,
    code: &str,
    version: i64,
    action: &str,
    reason: &str,
) -> Result<ItemVersionView> {
    let step = VersionStep::parse(action)
        .ok_or_else(|| Error::not_found(&format!("操作“{action}”"), &format!("action '{action}'")))?;
    let (permission, audit) = match step {
        VersionStep::Submit => (Permission::ManageItems, Action::ItemSubmit),
        VersionStep::Withdraw => (Permission::ManageItems, Action::ItemWithdraw),
        VersionStep::Approve => (Permission::ReviewItems, Action::ItemApprove),
        VersionStep::Reject => (Permission::ReviewItems, Action::ItemReject),
    };
    caller.require(permission, &Target::OwnScope)?;
    let (imp, d) = implementation(state, code).await?;
    caller.require(permission, &d.target())?;
    let record = state
        .store
        .item_versions(code)
        .await?
        .into_iter()
        .find(|r| r.version == version)
        .ok_or_else(|| Error::not_found("事项版本", "item version"))?;
    if step == VersionStep::Reject {
        yici_core::text::check("reason", reason, 500, true).map_err(|p| invalid(vec![p]))?;
    }
    if step.after(record.status).is_none() {
        return Err(Error::conflict(
            format!("该版本当前为“{}”，不能进行此操作", record.status.name(Lang::Zh)),
            format!(
                "The version is {}; this step is not possible now",
                record.status.name(Lang::En)
            ),
        ));
    }
    if step == VersionStep::Approve {
        let problems = record.content.problems(&known(state, &imp, &record.content).await?);
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
    }
    let after = state
        .store
        .item_version_step(record.id, step, reason, &caller.event(audit, "service_item"))
        .await?;
    view(state, after).await
}

/// Versions waiting for review in the operator's scope, newest first.
pub async fn review_queue(state: &WindowState, caller: &Caller) -> Result<Vec<ItemVersionView>> {
    caller.require(Permission::ReviewItems, &Target::OwnScope)?;
    let all = state.store.item_versions_in(&[VersionStatus::Review], None).await?;
    let mine = caller
        .keep_within(&state.store, Permission::ReviewItems, all, |r| vec![r.department_id])
        .await?;
    let mut out = Vec::new();
    for r in mine {
        out.push(view(state, r).await?);
    }
    Ok(out)
}

/// The items the caller works on (its department's stewards, operators over it): the latest
/// version of each, newest change first.
pub async fn manageable(state: &WindowState, caller: &Caller) -> Result<Vec<ItemVersionView>> {
    caller
        .require(Permission::ManageItems, &Target::OwnScope)
        .or_else(|_| caller.require(Permission::ReviewItems, &Target::OwnScope))?;
    // The departments the caller works on: as a steward or as a reviewer (None: all of them).
    let mut within: Option<Vec<i64>> = Some(Vec::new());
    for p in [Permission::ManageItems, Permission::ReviewItems] {
        match (caller.departments_within(&state.store, p).await?, within.as_mut()) {
            (None, _) => within = None,
            (Some(ids), Some(all)) => all.extend(ids),
            (Some(_), None) => {}
        }
    }
    let all = state
        .store
        .item_versions_in(
            &[
                VersionStatus::Draft,
                VersionStatus::Review,
                VersionStatus::Published,
                VersionStatus::Withdrawn,
            ],
            within.as_deref(),
        )
        .await?;
    let mut latest: BTreeMap<String, VersionRecord> = BTreeMap::new();
    for r in all {
        match latest.get(&r.implementation_code) {
            Some(l) if l.version >= r.version => {}
            _ => {
                latest.insert(r.implementation_code.clone(), r);
            }
        }
    }
    let mut list: Vec<VersionRecord> = latest.into_values().collect();
    list.sort_by(|a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then(a.implementation_code.cmp(&b.implementation_code))
    });
    let mut out = Vec::with_capacity(list.len());
    for r in list {
        out.push(view(state, r).await?);
    }
    Ok(out)
}

/// The version a steward edits: the open draft, else the latest version; none for an
/// implementation registered without a version yet.
pub async fn working_copy(state: &WindowState, caller: &Caller, code: &str) -> Result<Option<ItemVersionView>> {
    caller.require(Permission::ManageItems, &Target::OwnScope)?;
    let (_, d) = implementation(state, code).await?;
    caller.require(Permission::ManageItems, &d.target())?;
    let versions = state.store.item_versions(code).await?;
    let r = versions
        .iter()
        .find(|v| v.status == VersionStatus::Draft)
        .or_else(|| versions.iter().max_by_key(|v| v.version))
        .cloned();
    match r {
        Some(r) => Ok(Some(view(state, r).await?)),
        None => Ok(None),
    }
}
