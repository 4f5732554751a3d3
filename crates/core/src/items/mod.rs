//! 政务服务事项 — service items, their implementation lists (实施清单) and guides (办事指南), and
//! bundles (一件事), per GB/T 39554.1-2020 (STANDARDS.md §6) and WINDOW.md.
//!
//! A basic item is defined at province level; implementing bodies publish their implementation
//! of it as versions. A version says what to bring (materials, each with its source: prepared by
//! the applicant, or held by the government as an e-certificate, a catalogue record or another
//! item's result), how long it takes (legal and promised limits), how many visits it needs, the
//! situations (情形) that decide what applies, and the process (stages of parallel steps). Every
//! rule is here and is reported as a field problem; [`guide`] builds the tailored list.

mod codes;
mod condition;
mod guide;

pub use codes::{BasicCode, HandlingCode, ImplementationCode};
pub use condition::Condition;
pub use guide::{Guide, GuideMaterial, Promise, bundle_guide, guide};

use crate::Lang;
use crate::catalogue::{FieldProblem, coded_enum};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

coded_enum!(
    /// 事项类型.
    ItemType {
        Licence = 1, "行政许可", "administrative licence";
        Penalty = 2, "行政处罚", "administrative penalty";
        Enforcement = 3, "行政强制", "administrative enforcement";
        Levy = 4, "行政征收", "administrative levy";
        Benefit = 5, "行政给付", "administrative benefit";
        Inspection = 6, "行政检查", "administrative inspection";
        Confirmation = 7, "行政确认", "administrative confirmation";
        Reward = 8, "行政奖励", "administrative reward";
        Ruling = 9, "行政裁决", "administrative ruling";
        Other = 10, "其他行政权力", "other administrative power";
        PublicService = 20, "公共服务", "public service";
    }
);

coded_enum!(
    /// 事项层级.
    Level {
        National = 1, "国家级", "national";
        Province = 2, "省级", "province";
        City = 3, "市级", "city";
        County = 4, "县级", "county";
        Township = 5, "乡镇（街道）级", "township";
        Village = 6, "村（社区）级", "village";
    }
);

coded_enum!(
    /// 服务对象（申请人类型）.
    ApplicantType {
        Person = 1, "自然人", "natural person";
        Enterprise = 2, "企业法人", "enterprise";
        Institution = 3, "事业单位法人", "public institution";
        SocialOrganisation = 4, "社会组织法人", "social organisation";
        Unincorporated = 5, "非法人企业", "unincorporated enterprise";
        Government = 6, "行政机关", "government body";
        Other = 9, "其他组织", "other organisation";
    }
);

coded_enum!(
    /// 办件类型.
    CaseType {
        Immediate = 1, "即办件", "done on the spot";
        Promised = 2, "承诺件", "promised within a limit";
    }
);

coded_enum!(
    /// 时限单位.
    DayUnit {
        Working = 1, "工作日", "working days";
        Natural = 2, "自然日", "calendar days";
    }
);

coded_enum!(
    /// 网上办理深度.
    Depth {
        Information = 1, "网上咨询（信息公开）", "information online";
        Precheck = 2, "网上预审", "forms and pre-check online";
        Acceptance = 3, "网上受理", "applied and accepted online";
        FullyOnline = 4, "全程网办", "fully online";
    }
);

coded_enum!(
    /// 材料形式.
    MaterialForm {
        Original = 1, "原件", "original";
        Copy = 2, "复印件", "copy";
        Electronic = 3, "电子件", "electronic";
    }
);

coded_enum!(
    /// 送达方式.
    Delivery {
        Window = 1, "窗口领取", "collect at a window";
        Mail = 2, "邮寄送达", "by mail";
        Electronic = 3, "电子送达", "electronically";
    }
);

coded_enum!(
    /// 会签 / 或签: every assignee signs, or the first one decides.
    Signing {
        All = 1, "会签", "all sign";
        Any = 2, "或签", "any one signs";
    }
);

/// A time limit and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimit {
    pub days: u32,
    pub unit: DayUnit,
}

impl TimeLimit {
    pub fn working(days: u32) -> Self {
        TimeLimit {
            days,
            unit: DayUnit::Working,
        }
    }

    /// Whether this limit is never longer than `other`: in one unit, by days; a limit in
    /// working days against one in calendar days counts each five working days as seven
    /// calendar days (a week), rounding up.
    pub fn within(&self, other: &TimeLimit) -> bool {
        match (self.unit, other.unit) {
            (a, b) if a == b => self.days <= other.days,
            (DayUnit::Natural, DayUnit::Working) => self.days <= other.days,
            // In u64: a day count given as input never overflows here.
            _ => (u64::from(self.days) * 7).div_ceil(5) <= u64::from(other.days),
        }
    }

    pub fn describe(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}个{}", self.days, self.unit.name(lang)),
            Lang::En => format!("{} {}", self.days, self.unit.name(lang)),
        }
    }
}

/// One answer people can give to a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// 情形引导: a question whose answer decides which materials and conditions apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// `[a-z0-9_]`, the name conditions use; the same code in two items of a bundle is one
    /// question.
    pub code: String,
    pub text: String,
    pub choices: Vec<Choice>,
}

/// Where a material comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Prepared by the applicant.
    Applicant,
    /// An e-certificate of this type, held by the party.
    Certificate { type_code: String },
    /// A record of a catalogue resource, found by the party's identifier in `key_item`.
    Record { resource_code: String, key_item: String },
    /// The result of the party's concluded case of another item (its basic code).
    Result { item_code: String },
}

impl Source {
    /// Whether the government holds it (the line is 免提交: fetched, never asked for).
    pub fn government_held(&self) -> bool {
        !matches!(self, Source::Applicant)
    }

    /// A stable key: two lines with one government-held source are one line in a bundle.
    pub fn key(&self) -> Option<String> {
        match self {
            Source::Applicant => None,
            Source::Certificate { type_code } => Some(format!("certificate:{type_code}")),
            Source::Record {
                resource_code,
                key_item,
            } => Some(format!("record:{resource_code}:{key_item}")),
            Source::Result { item_code } => Some(format!("result:{item_code}")),
        }
    }
}

/// 申请材料.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    /// `[a-z0-9_]`; the same code in two items of a bundle is one material.
    pub code: String,
    pub name: String,
    pub required: bool,
    pub form: MaterialForm,
    #[serde(default = "one")]
    pub copies: u32,
    /// 受理标准: what makes it acceptable.
    #[serde(default)]
    pub standard: String,
    pub source: Source,
    /// 容缺: may be supplied after acceptance.
    #[serde(default)]
    pub deferrable: bool,
    /// The situations in which it applies (a [`Condition`]); empty means always.
    #[serde(default)]
    pub applies_when: String,
}

fn one() -> u32 {
    1
}

/// 受理条件: one condition, in the situations it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub text: String,
    #[serde(default)]
    pub applies_when: String,
}

/// One step of the process: a department's part, in a stage. Steps of one stage run in parallel
/// (并联); stages follow one another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// 1, 2, …: stage 1 opens on acceptance.
    pub stage: u32,
    pub name: String,
    pub department_id: i64,
    /// Working days the step may take.
    pub days: u32,
    pub signing: Signing,
    /// A required step refused refuses the case; an optional one only records its opinion.
    #[serde(default = "yes")]
    pub required: bool,
    /// The lead department (牵头部门): at most one, in the first stage.
    #[serde(default)]
    pub lead: bool,
    /// The certificate type the step issues, when its result is an e-certificate.
    #[serde(default)]
    pub issues: Option<String>,
}

fn yes() -> bool {
    true
}

/// A fee: none, or an amount (in fen) with its basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub name: String,
    /// In fen (0.01 yuan).
    pub amount_fen: i64,
    pub basis: String,
}

/// 通办范围: where an application may be taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", content = "regions")]
pub enum Scope {
    /// 就近办: the implementing body's own region.
    Local,
    /// 同城通办: anywhere in the body's city.
    CityWide,
    /// 全省通办: anywhere in the province.
    ProvinceWide,
    /// These regions (GB/T 2260 codes) and the regions under them.
    Regions(Vec<String>),
}

/// 办理窗口.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceWindow {
    pub name: String,
    pub address: String,
    pub hours: String,
}

/// A field of the application form, by data element (the same element in two items of a bundle
/// is one field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    pub element: String,
    pub label: String,
    #[serde(default)]
    pub required: bool,
}

/// One version of an implementation: everything its guide promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemVersion {
    pub name: String,
    pub level: Level,
    pub applicant_types: Vec<ApplicantType>,
    pub case_type: CaseType,
    pub legal_limit: TimeLimit,
    pub promised_limit: TimeLimit,
    /// 到办事现场次数: 0 zero visits, 1 at most once.
    pub visits: u32,
    /// Why more than one visit is needed (required when `visits` > 1).
    #[serde(default)]
    pub visits_reason: String,
    pub depth: Depth,
    #[serde(default)]
    pub conditions: Vec<Requirement>,
    pub legal_basis: String,
    #[serde(default)]
    pub questions: Vec<Question>,
    pub materials: Vec<Material>,
    pub process: Vec<Step>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    pub delivery: Vec<Delivery>,
    pub scope: Scope,
    #[serde(default)]
    pub windows: Vec<ServiceWindow>,
    #[serde(default)]
    pub form: Vec<FormField>,
    #[serde(default)]
    pub consult_phone: String,
    #[serde(default)]
    pub complaint_phone: String,
    /// 主题 / life events (出生, 婚育, 就业, 退休, 开办企业 …), for finding items.
    #[serde(default)]
    pub themes: Vec<String>,
}

/// What a version may refer to, as known to the platform when it is saved.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub certificate_types: HashSet<String>,
    /// (resource code, item name) of published resources.
    pub resource_items: HashSet<(String, String)>,
    /// Basic codes of items.
    pub items: HashSet<String>,
    /// Departments implementing this item (the body and its co-implementers).
    pub implementing: HashSet<i64>,
}

/// The longest free text of a version's fields, in characters.
const MAX_TEXT: usize = 500;
/// The longest time limit, in days (ten years).
const MAX_LIMIT_DAYS: u32 = 3650;
/// The most materials, questions, steps … a version may have.
const MAX_LINES: usize = 100;

fn code_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn text(p: &mut Vec<FieldProblem>, field: &str, value: &str, max: usize, required: bool) {
    if let Err(e) = crate::text::check(field, value, max, required) {
        p.push(e);
    }
}

impl ItemVersion {
    /// Every rule of a version, field by field, against what the platform knows. Empty means
    /// valid.
    pub fn problems(&self, known: &Known) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        text(&mut p, "name", &self.name, 200, true);
        text(&mut p, "legal_basis", &self.legal_basis, 2000, true);
        if self.applicant_types.is_empty() {
            p.push(FieldProblem::new(
                "applicant_types",
                "至少选择一种服务对象",
                "choose at least one applicant type",
            ));
        }
        for (field, l) in [
            ("legal_limit", &self.legal_limit),
            ("promised_limit", &self.promised_limit),
        ] {
            if l.days > MAX_LIMIT_DAYS {
                p.push(FieldProblem::new(
                    field,
                    format!("时限不超过{MAX_LIMIT_DAYS}天"),
                    format!("a time limit is at most {MAX_LIMIT_DAYS} days"),
                ));
            }
        }
        if self.legal_limit.days == 0 && self.case_type == CaseType::Promised {
            p.push(FieldProblem::new(
                "legal_limit",
                "承诺件须有法定时限",
                "a promised case needs its legal limit",
            ));
        }
        if !self.promised_limit.within(&self.legal_limit) {
            p.push(FieldProblem::new(
                "promised_limit",
                format!(
                    "承诺时限（{}）不能超过法定时限（{}）",
                    self.promised_limit.describe(Lang::Zh),
                    self.legal_limit.describe(Lang::Zh)
                ),
                format!(
                    "the promised limit ({}) exceeds the legal limit ({})",
                    self.promised_limit.describe(Lang::En),
                    self.legal_limit.describe(Lang::En)
                ),
            ));
        }
        if self.visits > 1 && self.visits_reason.trim().is_empty() {
            p.push(FieldProblem::new(
                "visits_reason",
                "到现场超过1次须说明理由",
                "more than one visit needs its reason",
            ));
        }
        if self.visits > 9 {
            p.push(FieldProblem::new("visits", "到现场次数不超过9次", "at most 9 visits"));
        }
        text(&mut p, "visits_reason", &self.visits_reason, 200, false);
        if self.depth == Depth::FullyOnline && self.visits > 0 {
            p.push(FieldProblem::new(
                "depth",
                "全程网办的事项不需要到现场",
                "a fully online item needs no visit",
            ));
        }
        for (name, n) in [
            ("questions", self.questions.len()),
            ("materials", self.materials.len()),
            ("process", self.process.len()),
            ("conditions", self.conditions.len()),
            ("fees", self.fees.len()),
            ("windows", self.windows.len()),
            ("form", self.form.len()),
        ] {
            if n > MAX_LINES {
                p.push(FieldProblem::new(
                    name,
                    format!("不超过{MAX_LINES}项"),
                    format!("at most {MAX_LINES} entries"),
                ));
            }
        }
        self.question_problems(&mut p);
        self.material_problems(&mut p, known);
        for (i, c) in self.conditions.iter().enumerate() {
            text(&mut p, &format!("conditions[{i}].text"), &c.text, MAX_TEXT, true);
            self.condition_problems(&mut p, &format!("conditions[{i}].applies_when"), &c.applies_when);
        }
        self.process_problems(&mut p, known);
        for (i, f) in self.fees.iter().enumerate() {
            text(&mut p, &format!("fees[{i}].name"), &f.name, 100, true);
            if f.amount_fen < 0 || f.amount_fen > 10_000_000_000 {
                p.push(FieldProblem::new(
                    format!("fees[{i}].amount_fen"),
                    "金额无效",
                    "invalid amount",
                ));
            }
            text(
                &mut p,
                &format!("fees[{i}].basis"),
                &f.basis,
                MAX_TEXT,
                f.amount_fen > 0,
            );
        }
        if self.delivery.is_empty() {
            p.push(FieldProblem::new(
                "delivery",
                "至少提供一种送达方式",
                "offer at least one way of delivery",
            ));
        }
        if let Scope::Regions(regions) = &self.scope {
            if regions.is_empty() {
                p.push(FieldProblem::new(
                    "scope",
                    "通办范围至少一个区划",
                    "name at least one region",
                ));
            }
            for (i, r) in regions.iter().enumerate() {
                if crate::id::RegionCode::parse(r).is_err() {
                    p.push(FieldProblem::new(
                        format!("scope.regions[{i}]"),
                        format!("“{r}”不是有效的行政区划代码"),
                        format!("'{r}' is not a valid region code"),
                    ));
                }
            }
        }
        for (i, w) in self.windows.iter().enumerate() {
            text(&mut p, &format!("windows[{i}].name"), &w.name, 100, true);
            text(&mut p, &format!("windows[{i}].address"), &w.address, 200, true);
            text(&mut p, &format!("windows[{i}].hours"), &w.hours, 100, false);
        }
        for (i, f) in self.form.iter().enumerate() {
            text(&mut p, &format!("form[{i}].element"), &f.element, 40, true);
            text(&mut p, &format!("form[{i}].label"), &f.label, 100, true);
        }
        text(&mut p, "consult_phone", &self.consult_phone, 40, false);
        text(&mut p, "complaint_phone", &self.complaint_phone, 40, false);
        for (i, t) in self.themes.iter().enumerate() {
            text(&mut p, &format!("themes[{i}]"), t, 20, true);
        }
        p
    }

    fn question_problems(&self, p: &mut Vec<FieldProblem>) {
        let mut seen = HashSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            if !code_ok(&q.code) {
                p.push(FieldProblem::new(
                    format!("{at}.code"),
                    "问题代码只能用小写字母、数字和下划线",
                    "question codes are lower-case letters, digits and _",
                ));
            } else if !seen.insert(q.code.as_str()) {
                p.push(FieldProblem::new(
                    format!("{at}.code"),
                    format!("问题代码“{}”重复", q.code),
                    format!("question code '{}' is repeated", q.code),
                ));
            }
            text(p, &format!("{at}.text"), &q.text, 200, true);
            if q.choices.len() < 2 || q.choices.len() > 20 {
                p.push(FieldProblem::new(
                    format!("{at}.choices"),
                    "每个问题有2至20个选项",
                    "a question has 2 to 20 choices",
                ));
            }
            let mut codes = HashSet::new();
            for (j, c) in q.choices.iter().enumerate() {
                if !code_ok(&c.code) || !codes.insert(c.code.as_str()) {
                    p.push(FieldProblem::new(
                        format!("{at}.choices[{j}].code"),
                        "选项代码只能用小写字母、数字和下划线，且不重复",
                        "choice codes are unique lower-case letters, digits and _",
                    ));
                }
                text(p, &format!("{at}.choices[{j}].label"), &c.label, 100, true);
            }
        }
    }

    fn condition_problems(&self, p: &mut Vec<FieldProblem>, field: &str, when: &str) {
        if when.trim().is_empty() {
            return;
        }
        match Condition::parse(when) {
            Err(e) => p.push(FieldProblem::new(
                field,
                format!("情形条件有误：{e}"),
                format!("invalid condition: {e}"),
            )),
            Ok(c) => {
                let unknown = c.unknown(&self.questions);
                if !unknown.is_empty() {
                    p.push(FieldProblem::new(
                        field,
                        format!("情形条件引用了不存在的问题或选项：{}", unknown.join("、")),
                        format!(
                            "the condition names unknown questions or choices: {}",
                            unknown.join(", ")
                        ),
                    ));
                }
            }
        }
    }

    fn material_problems(&self, p: &mut Vec<FieldProblem>, known: &Known) {
        if self.materials.is_empty() && self.case_type == CaseType::Promised {
            // A promised case with nothing to bring is possible (all fetched) but must say so
            // by listing the fetched lines; an empty list is a mistake.
            p.push(FieldProblem::new("materials", "请列出申请材料", "list the materials"));
        }
        let mut seen = HashSet::new();
        for (i, m) in self.materials.iter().enumerate() {
            let at = format!("materials[{i}]");
            if !code_ok(&m.code) {
                p.push(FieldProblem::new(
                    format!("{at}.code"),
                    "材料代码只能用小写字母、数字和下划线",
                    "material codes are lower-case letters, digits and _",
                ));
            } else if !seen.insert(m.code.as_str()) {
                p.push(FieldProblem::new(
                    format!("{at}.code"),
                    format!("材料代码“{}”重复", m.code),
                    format!("material code '{}' is repeated", m.code),
                ));
            }
            text(p, &format!("{at}.name"), &m.name, 200, true);
            text(p, &format!("{at}.standard"), &m.standard, MAX_TEXT, false);
            if m.copies == 0 || m.copies > 20 {
                p.push(FieldProblem::new(
                    format!("{at}.copies"),
                    "份数为1至20",
                    "1 to 20 copies",
                ));
            }
            self.condition_problems(p, &format!("{at}.applies_when"), &m.applies_when);
            let field = format!("{at}.source");
            match &m.source {
                Source::Applicant => {}
                Source::Certificate { type_code } if !known.certificate_types.contains(type_code) => {
                    p.push(FieldProblem::new(
                        field,
                        format!("证照类型“{type_code}”不存在"),
                        format!("no certificate type '{type_code}'"),
                    ))
                }
                Source::Record {
                    resource_code,
                    key_item,
                } if !known
                    .resource_items
                    .contains(&(resource_code.clone(), key_item.clone())) =>
                {
                    p.push(FieldProblem::new(
                        field,
                        format!("目录中没有已发布的资源“{resource_code}”及其信息项“{key_item}”"),
                        format!("no published resource '{resource_code}' with the item '{key_item}'"),
                    ))
                }
                Source::Result { item_code } if !known.items.contains(item_code) => p.push(FieldProblem::new(
                    field,
                    format!("事项“{item_code}”不存在"),
                    format!("no item '{item_code}'"),
                )),
                _ => {}
            }
        }
    }

    fn process_problems(&self, p: &mut Vec<FieldProblem>, known: &Known) {
        if self.process.is_empty() {
            p.push(FieldProblem::new("process", "请列出办理环节", "list the process steps"));
            return;
        }
        let stages: Vec<u32> = {
            let mut s: Vec<u32> = self.process.iter().map(|s| s.stage).collect();
            s.sort_unstable();
            s.dedup();
            s
        };
        if stages.iter().enumerate().any(|(i, s)| *s != i as u32 + 1) {
            p.push(FieldProblem::new(
                "process",
                "环节的阶段应从1起连续编号",
                "stages are numbered from 1 without gaps",
            ));
        }
        let leads: Vec<&Step> = self.process.iter().filter(|s| s.lead).collect();
        if leads.len() > 1 || leads.iter().any(|s| s.stage != 1) {
            p.push(FieldProblem::new(
                "process",
                "牵头部门至多一个，且在第一阶段",
                "at most one lead department, in the first stage",
            ));
        }
        for (i, s) in self.process.iter().enumerate() {
            let at = format!("process[{i}]");
            text(p, &format!("{at}.name"), &s.name, 100, true);
            if !known.implementing.contains(&s.department_id) {
                p.push(FieldProblem::new(
                    format!("{at}.department_id"),
                    "环节的部门不是该事项的实施主体",
                    "the step's department does not implement this item",
                ));
            }
            if s.days > 365 {
                p.push(FieldProblem::new(
                    format!("{at}.days"),
                    "环节时限不超过365个工作日",
                    "at most 365 working days",
                ));
            }
            if let Some(t) = &s.issues
                && !known.certificate_types.contains(t)
            {
                p.push(FieldProblem::new(
                    format!("{at}.issues"),
                    format!("证照类型“{t}”不存在"),
                    format!("no certificate type '{t}'"),
                ));
            }
        }
        // The stages, one after another, each as long as its longest step, fit the promise.
        let total: u64 = stages
            .iter()
            .map(|st| {
                self.process
                    .iter()
                    .filter(|s| s.stage == *st)
                    .map(|s| u64::from(s.days))
                    .max()
                    .unwrap_or(0)
            })
            .sum();
        let within = u32::try_from(total).is_ok_and(|t| TimeLimit::working(t).within(&self.promised_limit));
        if self.case_type == CaseType::Promised && !within {
            p.push(FieldProblem::new(
                "process",
                format!("各阶段时限之和（{total}个工作日）超过承诺时限"),
                format!("the stages take {total} working days, more than the promised limit"),
            ));
        }
    }

    /// The promise people read: 零跑腿, 最多跑一次, or 需到现场 N 次 with the reason.
    pub fn promise(&self) -> Promise {
        Promise::of(self.visits, &self.visits_reason)
    }
}

/// The lifecycle of an implementation's version: draft → review → published → withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Review,
    Published,
    /// Replaced by a newer published version (still readable; cases keep pointing at it).
    Superseded,
    Withdrawn,
}

impl VersionStatus {
    pub fn code(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Review => "review",
            VersionStatus::Published => "published",
            VersionStatus::Superseded => "superseded",
            VersionStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [
            VersionStatus::Draft,
            VersionStatus::Review,
            VersionStatus::Published,
            VersionStatus::Superseded,
            VersionStatus::Withdrawn,
        ]
        .into_iter()
        .find(|v| v.code() == s)
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            VersionStatus::Draft => lang.pick("草稿", "draft"),
            VersionStatus::Review => lang.pick("待审核", "in review"),
            VersionStatus::Published => lang.pick("已发布", "published"),
            VersionStatus::Superseded => lang.pick("已被新版本取代", "superseded"),
            VersionStatus::Withdrawn => lang.pick("已撤销", "withdrawn"),
        }
    }
}

/// A step of a version's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStep {
    Submit,
    Approve,
    Reject,
    Withdraw,
}

impl VersionStep {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submit" => VersionStep::Submit,
            "approve" => VersionStep::Approve,
            "reject" => VersionStep::Reject,
            "withdraw" => VersionStep::Withdraw,
            _ => return None,
        })
    }

    /// The state after this step, or `None` when the state does not allow it. Approving
    /// publishes (the previous published version is superseded by the store in the same
    /// transaction).
    pub fn after(self, from: VersionStatus) -> Option<VersionStatus> {
        use VersionStatus::*;
        Some(match (self, from) {
            (VersionStep::Submit, Draft) => Review,
            (VersionStep::Approve, Review) => Published,
            (VersionStep::Reject, Review) => Draft,
            (VersionStep::Withdraw, Published) => Withdrawn,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests;
