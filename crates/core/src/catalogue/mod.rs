//! 公共数据资源目录 — the public data resource catalogue (政务信息资源目录编制指南, STANDARDS.md §2).
//!
//! A resource (信息资源) has a classification (类/项/目/细目), a code generated from it, a provider
//! department, a format, share and open attributes, an update cycle, sensitivity and secrecy, and
//! data items (信息项). The sharing rules of 国发〔2016〕51号 are enforced here:
//! a condition is required unless the share type is unconditional; not shared needs a legal
//! basis; a not-shared resource cannot expose a shareable item.

pub mod dcat;
pub mod elements;
mod lifecycle;

pub use lifecycle::{Status, Transition};

use crate::Lang;
use serde::{Deserialize, Serialize};

/// Implements `code()`, `from_code()` and `name(lang)` for an enumeration with standard codes.
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The standard code.
            pub fn code(self) -> i64 { match self { $($name::$v => $code),+ } }
            pub fn from_code(code: i64) -> Option<Self> { match code { $($code => Some($name::$v),)+ _ => None } }
            pub fn name(self, lang: Lang) -> &'static str { match self { $($name::$v => lang.pick($zh, $en)),+ } }
            /// Parse a code or a Chinese/English name (spreadsheets use either).
            pub fn parse(text: &str) -> Option<Self> {
                let t = text.trim();
                if let Ok(n) = t.parse::<i64>() { return Self::from_code(n); }
                Self::ALL.iter().copied().find(|v| v.name(Lang::Zh) == t || v.name(Lang::En).eq_ignore_ascii_case(t))
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// 共享类型.
    ShareType {
        Unconditional = 1, "无条件共享", "unconditional";
        Conditional = 2, "有条件共享", "conditional";
        NotShared = 3, "不予共享", "not shared";
    }
);

coded_enum!(
    /// 共享方式.
    ShareMode {
        Platform = 1, "共享平台", "platform";
        Mail = 2, "邮件", "mail";
        Media = 3, "介质", "media";
    }
);

coded_enum!(
    /// 开放类型.
    OpenType {
        Open = 1, "无条件开放", "open";
        Conditional = 2, "有条件开放", "conditionally open";
        NotOpen = 3, "不予开放", "not open";
    }
);

coded_enum!(
    /// 更新周期.
    UpdateCycle {
        Irregular = 1, "不定期", "irregular";
        RealTime = 2, "实时", "real time";
        Daily = 3, "每日", "daily";
        Weekly = 4, "每周", "weekly";
        Monthly = 5, "每月", "monthly";
        Quarterly = 6, "每季度", "quarterly";
        HalfYearly = 7, "每半年", "half-yearly";
        Yearly = 8, "每年", "yearly";
        Other = 9, "其他", "other";
    }
);

coded_enum!(
    /// 信息资源格式分类.
    FormatClass {
        ElectronicFile = 1, "电子文件", "electronic file";
        Spreadsheet = 2, "电子表格", "spreadsheet";
        Database = 3, "数据库", "database";
        Image = 4, "图形图像", "image";
        Stream = 5, "流媒体", "streaming media";
        SelfDescribing = 6, "自描述格式", "self-describing";
        Other = 9, "其他", "other";
    }
);

coded_enum!(
    /// 信息项数据类型.
    DataType {
        Character = 1, "字符型", "character";
        Number = 2, "数值型", "number";
        Currency = 3, "货币型", "currency";
        Date = 4, "日期型", "date";
        DateTime = 5, "日期时间型", "datetime";
        Boolean = 6, "逻辑型", "boolean";
        Text = 7, "文本型", "text";
        Binary = 8, "二进制", "binary";
    }
);

coded_enum!(
    /// 资源分类的类.
    ClassKind {
        Basic = 1, "基础信息资源", "basic";
        Thematic = 2, "主题信息资源", "thematic";
        Departmental = 3, "部门信息资源", "departmental";
    }
);

/// A problem with one field of a resource, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldProblem {
            field: field.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// 信息资源分类: class (1 digit) + item (2) + entry (3) + optional sub-entry (digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Classification(String);

impl Classification {
    pub fn parse(s: &str) -> Result<Self, FieldProblem> {
        let s = s.trim();
        let bad = || {
            FieldProblem::new(
                "classification",
                format!("分类代码“{s}”应为1位类 + 2位项 + 3位目 + 可选细目，均为数字，类为1、2或3"),
                format!(
                    "classification '{s}' must be class (1 digit: 1, 2 or 3) + item (2) + entry (3) + optional sub-entry digits"
                ),
            )
        };
        if s.len() < 6 || s.len() > 12 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        if ClassKind::from_code(s[..1].parse().unwrap_or(0)).is_none() || &s[1..3] == "00" || &s[3..6] == "000" {
            return Err(bad());
        }
        Ok(Classification(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn class(&self) -> ClassKind {
        ClassKind::from_code(self.0[..1].parse().expect("validated")).expect("validated")
    }
}

/// 信息资源代码: the classification code and a six-digit sequence, printed with "/".
pub fn resource_code(classification: &Classification, sequence: u32) -> String {
    format!("{}/{sequence:06}", classification.as_str())
}

/// Check a printed resource code and split it.
pub fn parse_resource_code(code: &str) -> Result<(Classification, u32), FieldProblem> {
    let bad = || {
        FieldProblem::new(
            "code",
            format!("资源代码“{code}”应为“分类代码/6位顺序码”"),
            format!("resource code '{code}' must be 'classification/6-digit sequence'"),
        )
    };
    let (c, seq) = code.trim().split_once('/').ok_or_else(bad)?;
    let classification = Classification::parse(c).map_err(|_| bad())?;
    if seq.len() != 6 || !seq.chars().all(|c| c.is_ascii_digit()) || seq == "000000" {
        return Err(bad());
    }
    Ok((classification, seq.parse().map_err(|_| bad())?))
}

/// 信息项 — one data item of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataItem {
    pub name: String,
    /// The standard data element (数据元) code, if mapped.
    pub element: Option<String>,
    /// Data type code (1 character … 8 binary).
    pub data_type: i64,
    pub length: Option<i64>,
    /// Overrides the resource's share type for this item.
    pub share_type: Option<i64>,
}

impl DataItem {
    /// How masking treats this item's values: by its data element when it has a personal one,
    /// otherwise by its name.
    pub fn value_kind(&self) -> crate::masking::ValueKind {
        self.element
            .as_deref()
            .and_then(elements::value_kind)
            .unwrap_or_else(|| crate::masking::ValueKind::by_name(&self.name))
    }

    /// Whether this item's values name data subjects (people or companies), whose uses the
    /// audit log indexes: identifying elements of the registry, or ID numbers by kind.
    pub fn names_subject(&self) -> bool {
        self.element.as_deref().is_some_and(elements::identifies_subject)
            || self.value_kind() == crate::masking::ValueKind::IdNumber
    }

    /// Check and normalise a value for this item: its data type, its length and, for standard
    /// identifier elements, the identifier's own rules.
    pub fn check_value(&self, value: &str) -> Result<String, String> {
        let v = value.trim();
        if let Some(max) = self.length
            && v.chars().count() as i64 > max
        {
            return Err(format!("“{}”超过长度{max}", self.name));
        }
        match self.element.as_deref() {
            Some("DE0002") => {
                return crate::id::CitizenId::parse(v)
                    .map(|c| c.to_string())
                    .map_err(|e| e.message(Lang::Zh));
            }
            Some("DE0008") => {
                return crate::id::Uscc::parse(v)
                    .map(|c| c.to_string())
                    .map_err(|e| e.message(Lang::Zh));
            }
            Some("DE0007") => {
                return crate::id::RegionCode::parse(v)
                    .map(|c| c.to_string())
                    .map_err(|e| e.message(Lang::Zh));
            }
            _ => {}
        }
        let ok = match DataType::from_code(self.data_type) {
            Some(DataType::Number | DataType::Currency) => v.is_empty() || v.parse::<f64>().is_ok_and(f64::is_finite),
            Some(DataType::Date) => {
                v.is_empty()
                    || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
                    || chrono::NaiveDate::parse_from_str(v, "%Y%m%d").is_ok()
            }
            Some(DataType::DateTime) => {
                v.is_empty()
                    || chrono::DateTime::parse_from_rfc3339(v).is_ok()
                    || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_ok()
            }
            Some(DataType::Boolean) => matches!(v, "" | "true" | "false" | "是" | "否" | "0" | "1"),
            _ => true,
        };
        if ok {
            Ok(v.to_string())
        } else {
            Err(format!(
                "“{}”的值“{v}”不是{}",
                self.name,
                DataType::from_code(self.data_type)
                    .map(|t| t.name(Lang::Zh))
                    .unwrap_or("")
            ))
        }
    }
}

/// A resource as entered by a data steward (before it has a code or a status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceDraft {
    pub classification: String,
    pub name: String,
    pub summary: String,
    pub provider_department_id: i64,
    /// Format class code (1 electronic file … 9 other).
    pub format_class: i64,
    /// Format type, for example `XLSX`, `API`, `PDF`.
    pub format_type: String,
    pub share_type: i64,
    /// 共享条件 (required unless unconditional).
    #[serde(default)]
    pub share_condition: String,
    /// 法律依据 (required for not shared).
    #[serde(default)]
    pub legal_basis: String,
    pub share_mode: i64,
    pub open_type: i64,
    #[serde(default)]
    pub open_condition: String,
    pub update_cycle: i64,
    /// 1 to 4.
    pub sensitivity: i64,
    /// 涉密.
    #[serde(default)]
    pub secret: bool,
    /// Codes of related resources.
    #[serde(default)]
    pub related: Vec<String>,
    pub items: Vec<DataItem>,
}

fn required(problems: &mut Vec<FieldProblem>, field: &str, value: &str, max: usize, zh: &str, en: &str) {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        problems.push(FieldProblem::new(
            field,
            format!("请填写{zh}（不超过{max}字）"),
            format!("{en} is required (at most {max} characters)"),
        ));
    }
}

impl ResourceDraft {
    /// Every rule of the catalogue, field by field. Empty means valid.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if let Err(e) = Classification::parse(&self.classification) {
            p.push(e);
        }
        required(&mut p, "name", &self.name, 100, "资源名称", "the name");
        required(&mut p, "summary", &self.summary, 1000, "资源摘要", "the summary");
        let texts = [
            ("name", &self.name),
            ("summary", &self.summary),
            ("format_type", &self.format_type),
            ("share_condition", &self.share_condition),
            ("legal_basis", &self.legal_basis),
            ("open_condition", &self.open_condition),
        ];
        for (field, v) in texts {
            if crate::text::has_control(v) {
                p.push(FieldProblem::new(
                    field,
                    "不能包含控制字符",
                    "must not contain control characters",
                ));
            }
        }
        if self.open_condition.chars().count() > 500 {
            p.push(FieldProblem::new(
                "open_condition",
                "开放条件不超过500字",
                "the open condition is at most 500 characters",
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            let element = item.element.as_deref().unwrap_or("");
            if crate::text::has_control(&item.name) || crate::text::has_control(element) {
                p.push(FieldProblem::new(
                    format!("items[{i}].name"),
                    "信息项不能包含控制字符",
                    "data items must not contain control characters",
                ));
            }
        }
        if FormatClass::from_code(self.format_class).is_none() {
            p.push(FieldProblem::new(
                "format_class",
                "格式分类代码应为1—6或9",
                "format class must be 1–6 or 9",
            ));
        }
        required(
            &mut p,
            "format_type",
            &self.format_type,
            30,
            "格式类型",
            "the format type",
        );
        let share = ShareType::from_code(self.share_type);
        match share {
            None => p.push(FieldProblem::new(
                "share_type",
                "共享类型应为1（无条件）、2（有条件）或3（不予共享）",
                "share type must be 1, 2 or 3",
            )),
            Some(ShareType::Conditional) if self.share_condition.trim().is_empty() => p.push(FieldProblem::new(
                "share_condition",
                "有条件共享必须填写共享条件",
                "a conditional resource needs its share condition",
            )),
            Some(ShareType::NotShared) if self.legal_basis.trim().is_empty() => p.push(FieldProblem::new(
                "legal_basis",
                "不予共享必须填写法律、行政法规或党中央、国务院政策依据",
                "a resource that is not shared needs its legal basis",
            )),
            _ => {}
        }
        if self.share_condition.chars().count() > 500 || self.legal_basis.chars().count() > 500 {
            p.push(FieldProblem::new(
                "share_condition",
                "共享条件和法律依据均不超过500字",
                "condition and legal basis at most 500 characters each",
            ));
        }
        if ShareMode::from_code(self.share_mode).is_none() {
            p.push(FieldProblem::new(
                "share_mode",
                "共享方式应为1（平台）、2（邮件）或3（介质）",
                "share mode must be 1, 2 or 3",
            ));
        }
        match OpenType::from_code(self.open_type) {
            None => p.push(FieldProblem::new(
                "open_type",
                "开放类型应为1、2或3",
                "open type must be 1, 2 or 3",
            )),
            Some(OpenType::Conditional) if self.open_condition.trim().is_empty() => p.push(FieldProblem::new(
                "open_condition",
                "有条件开放必须填写开放条件",
                "conditionally open needs its condition",
            )),
            Some(OpenType::Open | OpenType::Conditional) if self.secret => p.push(FieldProblem::new(
                "open_type",
                "涉密资源不得向社会开放",
                "a secret resource cannot be open",
            )),
            _ => {}
        }
        if UpdateCycle::from_code(self.update_cycle).is_none() {
            p.push(FieldProblem::new(
                "update_cycle",
                "更新周期代码应为1—9",
                "update cycle must be 1–9",
            ));
        }
        if !(1..=4).contains(&self.sensitivity) {
            p.push(FieldProblem::new(
                "sensitivity",
                "敏感级别应为1—4",
                "sensitivity must be 1–4",
            ));
        }
        for (i, r) in self.related.iter().enumerate() {
            if let Err(mut e) = parse_resource_code(r) {
                e.field = format!("related[{i}]");
                p.push(e);
            }
        }
        if self.items.is_empty() {
            p.push(FieldProblem::new(
                "items",
                "至少需要一个信息项",
                "at least one data item is needed",
            ));
        }
        if self.items.len() > 500 {
            p.push(FieldProblem::new(
                "items",
                "信息项不超过500个",
                "at most 500 data items",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, item) in self.items.iter().enumerate() {
            let f = |name: &str| format!("items[{i}].{name}");
            let n = item.name.trim().chars().count();
            if n == 0 || n > 100 {
                p.push(FieldProblem::new(
                    f("name"),
                    "请填写信息项名称（不超过100字）",
                    "data item name is required (at most 100 characters)",
                ));
            } else if !seen.insert(item.name.trim().to_string()) {
                p.push(FieldProblem::new(
                    f("name"),
                    format!("信息项“{}”重复", item.name.trim()),
                    format!("data item '{}' appears twice", item.name.trim()),
                ));
            }
            if DataType::from_code(item.data_type).is_none() {
                p.push(FieldProblem::new(
                    f("data_type"),
                    "数据类型代码应为1—8",
                    "data type must be 1–8",
                ));
            }
            if item.length.is_some_and(|l| !(1..=100_000).contains(&l)) {
                p.push(FieldProblem::new(
                    f("length"),
                    "长度应为1—100000",
                    "length must be 1–100,000",
                ));
            }
            match item.share_type.map(ShareType::from_code) {
                Some(None) => p.push(FieldProblem::new(
                    f("share_type"),
                    "信息项共享类型应为1、2或3",
                    "item share type must be 1, 2 or 3",
                )),
                Some(Some(t)) if share == Some(ShareType::NotShared) && t != ShareType::NotShared => {
                    p.push(FieldProblem::new(
                        f("share_type"),
                        "不予共享的资源不能包含可共享的信息项",
                        "a resource that is not shared cannot expose a shareable item",
                    ))
                }
                _ => {}
            }
        }
        p
    }

    /// The item that identifies a row (the lookup key of the exchange): the first item holding
    /// an identifier (ID number, credit code, unit or certificate number), else the first item.
    pub fn key_item(&self) -> Option<&DataItem> {
        const KEYS: [&str; 5] = ["DE0002", "DE0006", "DE0008", "DE0017", "DE0018"];
        self.items
            .iter()
            .find(|i| i.element.as_deref().is_some_and(|e| KEYS.contains(&e)))
            .or_else(|| self.items.first())
    }

    /// The share type in force for an item.
    pub fn item_share_type(&self, item: &DataItem) -> Option<ShareType> {
        ShareType::from_code(item.share_type.unwrap_or(self.share_type))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn draft() -> ResourceDraft {
        ResourceDraft {
            classification: "101001".into(),
            name: "人口基础信息".into(),
            summary: "全省户籍人口的基础信息".into(),
            provider_department_id: 1,
            format_class: 3,
            format_type: "API".into(),
            share_type: 1,
            share_condition: String::new(),
            legal_basis: String::new(),
            share_mode: 1,
            open_type: 3,
            open_condition: String::new(),
            update_cycle: 2,
            sensitivity: 3,
            secret: false,
            related: vec![],
            items: vec![
                DataItem {
                    name: "姓名".into(),
                    element: Some("DE0001".into()),
                    data_type: 1,
                    length: Some(50),
                    share_type: None,
                },
                DataItem {
                    name: "公民身份号码".into(),
                    element: Some("DE0002".into()),
                    data_type: 1,
                    length: Some(18),
                    share_type: None,
                },
            ],
        }
    }

    fn fields(d: &ResourceDraft) -> Vec<String> {
        d.problems().into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_complete_unconditional_resource_is_valid() {
        assert!(draft().problems().is_empty(), "{:?}", draft().problems());
    }

    #[test]
    fn conditional_needs_a_condition_and_not_shared_a_legal_basis() {
        let mut d = draft();
        d.share_type = 2;
        assert_eq!(fields(&d), ["share_condition"]);
        d.share_condition = "仅限办理不动产登记".into();
        assert!(fields(&d).is_empty());
        d.share_type = 3;
        assert_eq!(fields(&d), ["legal_basis"]);
        d.legal_basis = "《中华人民共和国个人信息保护法》第十三条".into();
        assert!(fields(&d).is_empty());
    }

    #[test]
    fn a_not_shared_resource_cannot_expose_a_shareable_item() {
        let mut d = draft();
        d.share_type = 3;
        d.legal_basis = "依据".into();
        d.items[1].share_type = Some(1);
        assert_eq!(fields(&d), ["items[1].share_type"]);
        d.items[1].share_type = Some(3);
        assert!(fields(&d).is_empty());
    }

    #[test]
    fn other_rules_name_their_fields() {
        let mut d = draft();
        d.classification = "401001".into();
        d.secret = true;
        d.open_type = 1;
        d.items.push(d.items[0].clone());
        d.related = vec!["bad".into()];
        assert_eq!(
            fields(&d),
            ["classification", "open_type", "related[0]", "items[2].name"]
        );
    }

    #[test]
    fn values_are_checked_by_type_and_identifier_rules() {
        let d = draft();
        assert_eq!(d.key_item().unwrap().name, "公民身份号码");
        let id = &d.items[1];
        assert!(id.check_value("110101199001011234").unwrap_err().contains("校验码"));
        assert_eq!(id.check_value("11010519491231002X").unwrap(), "11010519491231002X");
        let n = DataItem {
            name: "面积".into(),
            element: None,
            data_type: 2,
            length: None,
            share_type: None,
        };
        assert!(n.check_value("12.5").is_ok() && n.check_value("十二").is_err() && n.check_value("NaN").is_err());
        let day = DataItem {
            name: "登记日期".into(),
            element: None,
            data_type: 4,
            length: None,
            share_type: None,
        };
        assert!(day.check_value("2026-02-30").is_err() && day.check_value("2026-02-28").is_ok());
        assert!(d.items[0].check_value(&"张".repeat(51)).is_err());
    }

    #[test]
    fn codes_are_classification_and_sequence() {
        let c = Classification::parse("101001").unwrap();
        assert_eq!(resource_code(&c, 7), "101001/000007");
        assert_eq!(parse_resource_code("101001/000007").unwrap().1, 7);
        assert!(parse_resource_code("101001/7").is_err());
        assert!(Classification::parse("100001").is_err());
        assert_eq!(ShareType::parse("有条件共享"), Some(ShareType::Conditional));
        assert_eq!(ShareType::parse("2"), Some(ShareType::Conditional));
        assert_eq!(UpdateCycle::parse("每日"), Some(UpdateCycle::Daily));
    }

    #[test]
    fn the_data_subject_rule_agrees_with_masking() {
        use crate::masking::ValueKind;
        let item = |name: &str, element: Option<&str>| DataItem {
            name: name.into(),
            element: element.map(str::to_string),
            data_type: 1,
            length: None,
            share_type: None,
        };
        for code in ["DE0002", "DE0006"] {
            let i = item("号码", Some(code));
            assert_eq!(i.value_kind(), ValueKind::IdNumber, "{code}");
            assert!(
                i.names_subject(),
                "{code} is masked as an ID number and names its holder"
            );
        }
        let company = item("统一社会信用代码", Some("DE0008"));
        assert!(company.names_subject());
        assert_eq!(company.value_kind(), ValueKind::Plain, "a company's code is not masked");
        assert!(item("买受人证件号码", None).names_subject(), "an ID number by its name");
        let phone = item("联系电话", Some("DE0010"));
        assert_eq!(phone.value_kind(), ValueKind::Phone);
        assert!(!phone.names_subject());
        assert_eq!(item("户主姓名", None).value_kind(), ValueKind::Name);
        assert!(!item("登记日期", Some("DE0014")).names_subject());
    }
}
