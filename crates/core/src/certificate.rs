//! 电子证照 — certificate types, their surface-data schemas, the lifecycle (GB/T 36901–36906
//! status codes) and the canonical content that a department's seal signs.
//!
//! A certificate's content is one JSON document with its fields in a fixed order and the
//! surface data sorted by field name ([`Content::canonical`]): the bytes that are hashed into the
//! `SES_Signature`, exported as `content.bin` and verified offline. Parsing and re-encoding a
//! content must give the same bytes, so a verifier can show what it verified.

use crate::Lang;
use crate::catalogue::FieldProblem;
use crate::id::{CitizenId, RegionCode, Uscc};
use crate::org::ApplicantId;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest text value of a surface-data field.
pub const MAX_TEXT: usize = 200;
/// Most fields a type may define.
pub const MAX_FIELDS: usize = 40;

/// Who holds certificates of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    Person,
    Organisation,
}

impl HolderKind {
    pub fn code(self) -> &'static str {
        match self {
            HolderKind::Person => "person",
            HolderKind::Organisation => "organisation",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [HolderKind::Person, HolderKind::Organisation]
            .into_iter()
            .find(|k| k.code() == code)
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            HolderKind::Person => lang.pick("自然人", "person"),
            HolderKind::Organisation => lang.pick("法人和其他组织", "organisation"),
        }
    }
    pub fn accepts(self, holder: &ApplicantId) -> bool {
        matches!(
            (self, holder),
            (HolderKind::Person, ApplicantId::Person(_)) | (HolderKind::Organisation, ApplicantId::Organisation(_))
        )
    }
}

/// 持证主体代码类型: the code type recorded with the holder's number.
pub const HOLDER_CODE_TYPES: [(&str, &str, &str); 2] = [
    ("111", "公民身份号码", "citizen ID number"),
    ("049", "统一社会信用代码", "unified social credit code"),
];

/// The holder code type of a holder's number (see [`HOLDER_CODE_TYPES`]).
pub fn holder_code_type(holder: &ApplicantId) -> &'static str {
    match holder {
        ApplicantId::Person(_) => HOLDER_CODE_TYPES[0].0,
        ApplicantId::Organisation(_) => HOLDER_CODE_TYPES[1].0,
    }
}

/// The type of a surface-data field and the validator its values pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text up to [`MAX_TEXT`] characters.
    Text,
    /// A calendar date, `YYYY-MM-DD` (also accepted: `YYYYMMDD`).
    Date,
    Integer,
    /// A decimal number (areas, amounts).
    Decimal,
    /// 公民身份号码 (GB 11643), check digit verified.
    IdNumber,
    /// 统一社会信用代码 (GB 32100), check character verified.
    Uscc,
    /// 行政区划代码 (GB/T 2260), from the dated code table.
    Region,
    /// One of the field's `choices`.
    Choice,
}

impl FieldKind {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            FieldKind::Text => lang.pick("文本", "text"),
            FieldKind::Date => lang.pick("日期", "date"),
            FieldKind::Integer => lang.pick("整数", "integer"),
            FieldKind::Decimal => lang.pick("数值", "number"),
            FieldKind::IdNumber => lang.pick("公民身份号码", "citizen ID number"),
            FieldKind::Uscc => lang.pick("统一社会信用代码", "credit code"),
            FieldKind::Region => lang.pick("行政区划代码", "region code"),
            FieldKind::Choice => lang.pick("选项", "choice"),
        }
    }
}

/// One field of a type's surface data (照面信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldSpec {
    /// Key in the data: lower-case ASCII letters, digits and `_`.
    pub name: String,
    /// Label printed on the certificate.
    pub label: String,
    /// The label in English, for pages read in English (the printed certificate keeps
    /// `label`); empty when none was given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The allowed values of a `choice` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

impl FieldSpec {
    /// The label in `lang`: English when one was given, otherwise the printed label.
    pub fn label_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.label_en.is_empty() => &self.label_en,
            _ => &self.label,
        }
    }
}

/// How long certificates of a type are valid from their start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValidityRule {
    /// 长期有效: no end date.
    Permanent,
    /// A fixed number of years.
    Years(u32),
    /// A fixed number of months.
    Months(u32),
    /// The issuer states the end date on each certificate (an identity card's term depends on
    /// the holder's age).
    IssuerSet,
}

impl ValidityRule {
    /// The end date for a certificate starting on `from`, given what the issuer stated.
    /// `Err` names what is wrong with the stated end.
    pub fn end(self, from: NaiveDate, stated: Option<NaiveDate>) -> Result<Option<NaiveDate>, FieldProblem> {
        let months = |m: u32| {
            from.checked_add_months(chrono::Months::new(m))
                .and_then(|d| d.pred_opt())
                .ok_or_else(|| FieldProblem::new("valid_until", "有效期超出范围", "validity out of range"))
        };
        match (self, stated) {
            (ValidityRule::Permanent, None) => Ok(None),
            (ValidityRule::Years(y), None) => months(y.saturating_mul(12)).map(Some),
            (ValidityRule::Months(m), None) => months(m).map(Some),
            (ValidityRule::IssuerSet, Some(end)) if end >= from => Ok(Some(end)),
            (ValidityRule::IssuerSet, Some(_)) => Err(FieldProblem::new(
                "valid_until",
                "有效期截止日期不能早于起始日期",
                "the end date is before the start date",
            )),
            (ValidityRule::IssuerSet, None) => Err(FieldProblem::new(
                "valid_until",
                "该类证照须填写有效期截止日期",
                "this type needs an end date",
            )),
            (_, Some(_)) => Err(FieldProblem::new(
                "valid_until",
                "该类证照的有效期由类型规定，不能另行填写",
                "this type's validity is fixed by the type; do not state an end date",
            )),
        }
    }
    pub fn describe(self, lang: Lang) -> String {
        match (self, lang) {
            (ValidityRule::Permanent, _) => lang.pick("长期有效", "permanent").into(),
            (ValidityRule::Years(y), Lang::Zh) => format!("{y}年"),
            (ValidityRule::Years(y), Lang::En) => format!("{y} years"),
            (ValidityRule::Months(m), Lang::Zh) => format!("{m}个月"),
            (ValidityRule::Months(m), Lang::En) => format!("{m} months"),
            (ValidityRule::IssuerSet, _) => lang.pick("由发证机关确定", "set by the issuer").into(),
        }
    }
}

/// Page layout of a type's rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// A card (identity cards, licences): landscape, small.
    Card,
    /// An A4 certificate page.
    Sheet,
}

/// How a certificate of the type is rendered: its layout and the fields on its face, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    pub layout: Layout,
    /// Field names shown, in order; empty shows every field in schema order.
    #[serde(default)]
    pub shown: Vec<String>,
}

/// 证照类型 as its defining department describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateType {
    /// The defining department's credit code and a 3-digit sequence (21 characters).
    pub code: String,
    pub name: String,
    /// The name in English, for pages read in English; empty when none was given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub holder_kind: HolderKind,
    pub fields: Vec<FieldSpec>,
    pub validity: ValidityRule,
    pub template: Template,
}

/// Check a type code: an 18-character credit code and three digits. Returns the credit code.
pub fn parse_type_code(code: &str) -> Result<Uscc, FieldProblem> {
    let bad = || {
        FieldProblem::new(
            "code",
            format!("证照类型代码“{code}”应为定义部门的统一社会信用代码加3位顺序号"),
            format!("type code '{code}' must be the defining department's credit code and 3 digits"),
        )
    };
    if code.len() != 21 || !code.is_ascii() || !code[18..].chars().all(|c| c.is_ascii_digit()) || &code[18..] == "000" {
        return Err(bad());
    }
    Uscc::parse(&code[..18]).map_err(|_| bad())
}

fn field_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl CertificateType {
    /// The name in `lang`: English when one was given, otherwise the official name.
    pub fn name_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.name_en.is_empty() => &self.name_en,
            _ => &self.name,
        }
    }

    /// Everything wrong with the definition, each naming its field.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        if let Err(p) = parse_type_code(&self.code) {
            out.push(p);
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            out.push(FieldProblem::new(
                "name",
                "名称为1至100个字",
                "the name must be 1 to 100 characters",
            ));
        }
        if self.name_en.chars().count() > 100 {
            out.push(FieldProblem::new(
                "name_en",
                "英文名称不超过100个字符",
                "the English name is at most 100 characters",
            ));
        }
        if self.fields.is_empty() || self.fields.len() > MAX_FIELDS {
            out.push(FieldProblem::new(
                "fields",
                format!("照面信息应有1至{MAX_FIELDS}项"),
                format!("a type needs 1 to {MAX_FIELDS} fields"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("fields[{i}]");
            if !field_name_ok(&f.name) {
                out.push(FieldProblem::new(
                    format!("{at}.name"),
                    format!("字段名“{}”只能用小写字母、数字和下划线，并以字母开头", f.name),
                    format!("field name '{}' must be lower-case letters, digits and _", f.name),
                ));
            } else if !seen.insert(f.name.as_str()) {
                out.push(FieldProblem::new(
                    format!("{at}.name"),
                    format!("字段名“{}”重复", f.name),
                    format!("field name '{}' is repeated", f.name),
                ));
            }
            if f.label.trim().is_empty() || f.label.chars().count() > 40 {
                out.push(FieldProblem::new(
                    format!("{at}.label"),
                    "标签为1至40个字",
                    "the label must be 1 to 40 characters",
                ));
            }
            if f.label_en.chars().count() > 60 {
                out.push(FieldProblem::new(
                    format!("{at}.label_en"),
                    "英文标签不超过60个字符",
                    "the English label is at most 60 characters",
                ));
            }
            if (f.kind == FieldKind::Choice) == f.choices.is_empty() {
                out.push(FieldProblem::new(
                    format!("{at}.choices"),
                    "选项字段须列出选项，其他字段不能有选项",
                    "a choice field lists its choices; other fields have none",
                ));
            }
        }
        for (i, s) in self.template.shown.iter().enumerate() {
            if !self.fields.iter().any(|f| &f.name == s) {
                out.push(FieldProblem::new(
                    format!("template.shown[{i}]"),
                    format!("模板中的字段“{s}”不在照面信息中"),
                    format!("template field '{s}' is not defined"),
                ));
            }
        }
        if matches!(self.validity, ValidityRule::Years(0) | ValidityRule::Months(0)) {
            out.push(FieldProblem::new(
                "validity",
                "有效期不能为0",
                "the validity cannot be zero",
            ));
        }
        out
    }

    /// The fields on the certificate's face, in order.
    pub fn shown_fields(&self) -> Vec<&FieldSpec> {
        if self.template.shown.is_empty() {
            return self.fields.iter().collect();
        }
        self.template
            .shown
            .iter()
            .filter_map(|s| self.fields.iter().find(|f| &f.name == s))
            .collect()
    }

    /// Check surface data against the schema: every required field present, every value valid
    /// for its field, no field the type does not define. Returns the normalised data or every
    /// problem found (fields named `data.<name>`).
    pub fn check_data(&self, data: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, Vec<FieldProblem>> {
        let mut out = BTreeMap::new();
        let mut problems = Vec::new();
        for f in &self.fields {
            let value = data.get(&f.name).map(|v| v.trim()).unwrap_or("");
            if value.is_empty() {
                if f.required {
                    problems.push(FieldProblem::new(
                        format!("data.{}", f.name),
                        format!("“{}”必填", f.label),
                        format!("'{}' is required", f.label),
                    ));
                }
                continue;
            }
            match check_value(f, value) {
                Ok(v) => {
                    out.insert(f.name.clone(), v);
                }
                Err((zh, en)) => problems.push(FieldProblem::new(format!("data.{}", f.name), zh, en)),
            }
        }
        for k in data.keys() {
            if !self.fields.iter().any(|f| &f.name == k) {
                problems.push(FieldProblem::new(
                    format!("data.{k}"),
                    format!("该类证照没有“{k}”这一项"),
                    format!("this type has no field '{k}'"),
                ));
            }
        }
        if problems.is_empty() { Ok(out) } else { Err(problems) }
    }
}

/// Parse a date as `YYYY-MM-DD` or `YYYYMMDD`.
pub fn parse_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y%m%d"))
        .ok()
        .filter(|d| (1800..=9999).contains(&d.year()))
}

fn check_value(f: &FieldSpec, v: &str) -> Result<String, (String, String)> {
    let wrong = |what_zh: &str, what_en: &str| {
        (
            format!("“{}”的值不是有效的{what_zh}", f.label),
            format!("'{}' is not a valid {what_en}", f.label),
        )
    };
    let id_error = |e: crate::id::IdError| {
        (
            format!("“{}”：{}", f.label, e.message(Lang::Zh)),
            format!("'{}': {}", f.label, e.message(Lang::En)),
        )
    };
    match f.kind {
        FieldKind::Text if v.chars().count() > MAX_TEXT => Err((
            format!("“{}”超过{MAX_TEXT}个字", f.label),
            format!("'{}' is longer than {MAX_TEXT} characters", f.label),
        )),
        FieldKind::Text if v.chars().any(char::is_control) => {
            Err(wrong("文本（含控制字符）", "text (control characters)"))
        }
        FieldKind::Text => Ok(v.to_string()),
        FieldKind::Date => parse_date(v)
            .map(|d| d.to_string())
            .ok_or_else(|| wrong("日期（YYYY-MM-DD）", "date (YYYY-MM-DD)")),
        FieldKind::Integer => v
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| wrong("整数", "integer")),
        FieldKind::Decimal => {
            let ok = v.len() <= 30
                && v.parse::<f64>().is_ok_and(f64::is_finite)
                && v.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-');
            if ok {
                Ok(v.to_string())
            } else {
                Err(wrong("数值", "number"))
            }
        }
        FieldKind::IdNumber => CitizenId::parse(v).map(|c| c.to_string()).map_err(id_error),
        FieldKind::Uscc => Uscc::parse(v).map(|c| c.to_string()).map_err(id_error),
        FieldKind::Region => RegionCode::parse(v).map(|c| c.to_string()).map_err(id_error),
        FieldKind::Choice if f.choices.iter().any(|c| c == v) => Ok(v.to_string()),
        FieldKind::Choice => Err((
            format!("“{}”应为：{}", f.label, f.choices.join("、")),
            format!("'{}' must be one of: {}", f.label, f.choices.join(", ")),
        )),
    }
}

/// 证照状态 with the codes of GB/T 36901–36906 practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// `01` 有效.
    Valid,
    /// `02` 暂停（挂失、中止）.
    Suspended,
    /// `03` 撤销.
    Revoked,
    /// `04` 注销 (also when a new version replaces this one).
    Cancelled,
    /// `05` 过期 (derived from the end date).
    Expired,
    /// `07` 吊销 (revoked as a penalty).
    RevokedPenalty,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Valid,
        Status::Suspended,
        Status::Revoked,
        Status::Cancelled,
        Status::Expired,
        Status::RevokedPenalty,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Valid => "01",
            Status::Suspended => "02",
            Status::Revoked => "03",
            Status::Cancelled => "04",
            Status::Expired => "05",
            Status::RevokedPenalty => "07",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Status::Valid => lang.pick("有效", "valid"),
            Status::Suspended => lang.pick("暂停使用", "suspended"),
            Status::Revoked => lang.pick("已撤销", "revoked"),
            Status::Cancelled => lang.pick("已注销", "cancelled"),
            Status::Expired => lang.pick("已过期", "expired"),
            Status::RevokedPenalty => lang.pick("已吊销", "revoked as a penalty"),
        }
    }
    /// The status as of `today`: a valid certificate past its end date is expired.
    pub fn as_of(self, valid_until: Option<NaiveDate>, today: NaiveDate) -> Status {
        match (self, valid_until) {
            (Status::Valid | Status::Suspended, Some(end)) if end < today => Status::Expired,
            (s, _) => s,
        }
    }
}

/// A change of status or a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Issue,
    /// 变更: a new version with changed surface data.
    Change,
    /// 延续/换发: a new version with a new validity.
    Renew,
    Suspend,
    /// Lift a suspension.
    Resume,
    /// 撤销.
    Revoke,
    /// 吊销.
    RevokePenalty,
    /// 注销.
    Cancel,
}

impl Operation {
    pub fn code(self) -> &'static str {
        match self {
            Operation::Issue => "issue",
            Operation::Change => "change",
            Operation::Renew => "renew",
            Operation::Suspend => "suspend",
            Operation::Resume => "resume",
            Operation::Revoke => "revoke",
            Operation::RevokePenalty => "revoke_penalty",
            Operation::Cancel => "cancel",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Operation::Issue,
            Operation::Change,
            Operation::Renew,
            Operation::Suspend,
            Operation::Resume,
            Operation::Revoke,
            Operation::RevokePenalty,
            Operation::Cancel,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Operation::Issue => lang.pick("签发", "issue"),
            Operation::Change => lang.pick("变更", "change"),
            Operation::Renew => lang.pick("延续换发", "renew"),
            Operation::Suspend => lang.pick("暂停使用", "suspend"),
            Operation::Resume => lang.pick("恢复使用", "resume"),
            Operation::Revoke => lang.pick("撤销", "revoke"),
            Operation::RevokePenalty => lang.pick("吊销", "revoke as a penalty"),
            Operation::Cancel => lang.pick("注销", "cancel"),
        }
    }
    /// Whether the operation makes a new version (the old one is then cancelled).
    pub fn makes_version(self) -> bool {
        matches!(self, Operation::Change | Operation::Renew)
    }

    /// The status after applying the operation to a certificate whose status (as of today) is
    /// `current`; `Err` when the operation does not apply. For a new version this is the
    /// status of the old version.
    pub fn apply(self, current: Status) -> Result<Status, (String, String)> {
        use Status::*;
        let next = match (self, current) {
            (Operation::Change, Valid) => Some(Cancelled),
            (Operation::Renew, Valid | Expired) => Some(Cancelled),
            (Operation::Suspend, Valid) => Some(Suspended),
            (Operation::Resume, Suspended) => Some(Valid),
            (Operation::Revoke, Valid | Suspended | Expired) => Some(Revoked),
            (Operation::RevokePenalty, Valid | Suspended) => Some(RevokedPenalty),
            (Operation::Cancel, Valid | Suspended | Expired) => Some(Cancelled),
            _ => None,
        };
        next.ok_or_else(|| {
            (
                format!("{}状态的证照不能{}", current.name(Lang::Zh), self.name(Lang::Zh)),
                format!("a {} certificate cannot be {}d", current.name(Lang::En), self.code()),
            )
        })
    }
}

/// The holder as recorded in the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolderInfo {
    pub name: String,
    /// ID number or credit code.
    pub code: String,
    /// See [`HOLDER_CODE_TYPES`].
    pub code_type: String,
}

/// The issuing authority as recorded in the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuerInfo {
    pub name: String,
    /// The issuer's credit code.
    pub code: String,
    /// Date of issue of this version.
    pub date: NaiveDate,
}

/// What a certificate says: the content that is signed. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Content {
    /// Content format version (1).
    pub v: u8,
    /// 电子证照标识.
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    /// 证照编号.
    pub number: String,
    /// The identifier of the version this one replaces.
    pub predecessor: Option<String>,
    pub holder: HolderInfo,
    /// 照面信息, sorted by field name.
    pub data: BTreeMap<String, String>,
    pub valid_from: NaiveDate,
    /// `None` for 长期有效.
    pub valid_until: Option<NaiveDate>,
    pub issuer: IssuerInfo,
    /// 管辖区域 (GB/T 2260).
    pub region: String,
}

impl Content {
    /// The canonical encoding: compact JSON in field order, data keys sorted.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("certificate content serialises")
    }
    /// Read canonical content; bytes that are not exactly the canonical encoding of what they
    /// say are refused.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let c: Content = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if c.canonical() != bytes {
            return Err("not in canonical form".into());
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marriage() -> CertificateType {
        CertificateType {
            code: "11330000MB0001082P001".into(),
            name: "结婚证".into(),
            name_en: "Marriage certificate".into(),
            holder_kind: HolderKind::Person,
            fields: vec![
                FieldSpec {
                    name: "spouse_name".into(),
                    label: "配偶姓名".into(),
                    label_en: String::new(),
                    kind: FieldKind::Text,
                    required: true,
                    choices: vec![],
                },
                FieldSpec {
                    name: "spouse_id".into(),
                    label: "配偶身份证号".into(),
                    label_en: String::new(),
                    kind: FieldKind::IdNumber,
                    required: true,
                    choices: vec![],
                },
                FieldSpec {
                    name: "registered_on".into(),
                    label: "登记日期".into(),
                    label_en: String::new(),
                    kind: FieldKind::Date,
                    required: true,
                    choices: vec![],
                },
                FieldSpec {
                    name: "kind".into(),
                    label: "类别".into(),
                    label_en: String::new(),
                    kind: FieldKind::Choice,
                    required: false,
                    choices: vec!["结婚".into(), "复婚".into()],
                },
            ],
            validity: ValidityRule::Permanent,
            template: Template {
                layout: Layout::Sheet,
                shown: vec!["spouse_name".into(), "registered_on".into()],
            },
        }
    }

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_type_code_is_a_credit_code_and_three_digits() {
        let t = marriage();
        let uscc = crate::id::Uscc::generate("11", "330000", "MB000108").unwrap();
        let code = format!("{}001", uscc.as_str());
        assert_eq!(parse_type_code(&code).unwrap().as_str(), uscc.as_str());
        assert!(parse_type_code(&format!("{}000", uscc.as_str())).is_err());
        assert!(parse_type_code(&format!("{}01", uscc.as_str())).is_err());
        assert!(parse_type_code("91350100M000100Y44001").is_err(), "bad check character");
        let mut fixed = t.clone();
        fixed.code = code;
        assert_eq!(fixed.problems(), vec![]);
    }

    #[test]
    fn type_definitions_name_every_problem() {
        let mut t = marriage();
        t.code = "x".into();
        t.fields[1].name = "spouse_name".into();
        t.fields[2].name = "Bad Name".into();
        t.fields[3].choices.clear();
        t.template.shown.push("nothing".into());
        t.validity = ValidityRule::Years(0);
        let fields: Vec<String> = t.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "code",
                "fields[1].name",
                "fields[2].name",
                "fields[3].choices",
                "template.shown[1]",
                "template.shown[2]",
                "validity"
            ]
        );
    }

    #[test]
    fn surface_data_is_checked_and_every_bad_field_listed() {
        let t = marriage();
        let ok = t
            .check_data(&data(&[
                ("spouse_name", " 张三 "),
                ("spouse_id", "11010519491231002X"),
                ("registered_on", "20240520"),
            ]))
            .unwrap();
        assert_eq!(ok["spouse_name"], "张三");
        assert_eq!(ok["registered_on"], "2024-05-20");
        assert!(!ok.contains_key("kind"));

        let err = t
            .check_data(&data(&[
                ("spouse_id", "110101199001011234"),
                ("registered_on", "2024-13-01"),
                ("kind", "离婚"),
                ("colour", "红"),
            ]))
            .unwrap_err();
        let fields: Vec<&str> = err.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "data.spouse_name",
                "data.spouse_id",
                "data.registered_on",
                "data.kind",
                "data.colour"
            ]
        );
        assert!(err[1].zh.contains("校验"), "{}", err[1].zh);
    }

    #[test]
    fn validity_rules_give_the_end_date() {
        let from = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(ValidityRule::Permanent.end(from, None).unwrap(), None);
        assert_eq!(
            ValidityRule::Years(5).end(from, None).unwrap(),
            NaiveDate::from_ymd_opt(2029, 2, 28)
        );
        assert_eq!(
            ValidityRule::Months(6).end(from, None).unwrap(),
            NaiveDate::from_ymd_opt(2024, 8, 31)
        );
        let end = NaiveDate::from_ymd_opt(2034, 3, 1).unwrap();
        assert_eq!(ValidityRule::IssuerSet.end(from, Some(end)).unwrap(), Some(end));
        assert!(ValidityRule::IssuerSet.end(from, None).is_err());
        assert!(ValidityRule::IssuerSet.end(end, Some(from)).is_err());
        assert!(ValidityRule::Years(5).end(from, Some(end)).is_err());
    }

    #[test]
    fn the_lifecycle_allows_only_its_transitions() {
        use Operation::*;
        use Status::*;
        assert_eq!(Suspend.apply(Valid), Ok(Suspended));
        assert_eq!(Resume.apply(Suspended), Ok(Valid));
        assert_eq!(Revoke.apply(Suspended), Ok(Revoked));
        assert_eq!(RevokePenalty.apply(Valid), Ok(RevokedPenalty));
        assert_eq!(Cancel.apply(Expired), Ok(Cancelled));
        assert_eq!(Renew.apply(Expired), Ok(Cancelled));
        assert!(Change.apply(Suspended).is_err());
        assert!(Resume.apply(Valid).is_err());
        for op in [Change, Renew, Suspend, Resume, Revoke, RevokePenalty, Cancel] {
            assert!(op.apply(Revoked).is_err(), "{op:?} on a revoked certificate");
            assert!(op.apply(Cancelled).is_err(), "{op:?} on a cancelled certificate");
            assert_eq!(Operation::from_code(op.code()), Some(op));
        }
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        assert_eq!(Valid.as_of(Some(day), day), Valid);
        assert_eq!(Valid.as_of(day.pred_opt(), day), Expired);
        assert_eq!(Revoked.as_of(day.pred_opt(), day), Revoked);
        assert_eq!(Valid.as_of(None, day), Valid);
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn content_is_canonical_and_nothing_else_parses() {
        let c = Content {
            v: 1,
            identifier: "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F".into(),
            type_code: "11100000000013338W032".into(),
            type_name: "结婚证".into(),
            number: "2430599".into(),
            predecessor: None,
            holder: HolderInfo {
                name: "李四".into(),
                code: "11010519491231002X".into(),
                code_type: "111".into(),
            },
            data: data(&[("z", "1"), ("a", "2")]),
            valid_from: NaiveDate::from_ymd_opt(2024, 5, 20).unwrap(),
            valid_until: None,
            issuer: IssuerInfo {
                name: "某民政局".into(),
                code: "11220000013544541J".into(),
                date: NaiveDate::from_ymd_opt(2024, 5, 20).unwrap(),
            },
            region: "330000".into(),
        };
        let bytes = c.canonical();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"v":1,"identifier":"1.2.156.3005.2."#), "{text}");
        assert!(text.contains(r#""data":{"a":"2","z":"1"}"#), "{text}");
        assert_eq!(Content::parse(&bytes).unwrap(), c);
        let spaced = text.replace(r#""v":1,"#, r#""v": 1,"#);
        assert!(Content::parse(spaced.as_bytes()).is_err());
    }
}
