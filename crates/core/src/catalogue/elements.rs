//! 数据元 — standard data elements, their code sets, and the rules that map a department's local
//! field names and codes onto them (used by the exchange to return standard data).

use crate::Lang;
use crate::id::RegionCode;
use crate::masking::ValueKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A code set (代码集): a standard list of codes with their meanings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeSet {
    pub code: String,
    pub name: String,
    /// The standard it comes from.
    pub standard: String,
    /// `(code, meaning)`; empty for sets checked by rule (the region table).
    pub values: Vec<(String, String)>,
}

impl CodeSet {
    /// Whether `value` is a code of this set.
    pub fn contains(&self, value: &str) -> bool {
        if self.code == "GB/T 2260" {
            return RegionCode::parse(value).is_ok();
        }
        self.values.iter().any(|(c, _)| c == value)
    }

    pub fn meaning(&self, value: &str) -> Option<String> {
        if self.code == "GB/T 2260" {
            return RegionCode::parse(value).ok().map(|r| r.path_names().join(""));
        }
        self.values.iter().find(|(c, _)| c == value).map(|(_, m)| m.clone())
    }
}

/// A standard data element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataElement {
    pub code: String,
    pub name: String,
    /// Data type code, as for data items.
    pub data_type: i64,
    pub length: Option<i64>,
    /// The code set its values come from, if any.
    pub code_set: Option<String>,
}

fn set(code: &str, name: &str, standard: &str, values: &[(&str, &str)]) -> CodeSet {
    CodeSet {
        code: code.into(),
        name: name.into(),
        standard: standard.into(),
        values: values.iter().map(|(c, m)| (c.to_string(), m.to_string())).collect(),
    }
}

/// The basic code sets shipped with Yici.
pub fn shipped_code_sets() -> Vec<CodeSet> {
    vec![
        set(
            "GB/T 2261.1",
            "人的性别代码",
            "GB/T 2261.1-2003",
            &[("0", "未知的性别"), ("1", "男性"), ("2", "女性"), ("9", "未说明的性别")],
        ),
        set(
            "GB/T 2261.2",
            "婚姻状况代码",
            "GB/T 2261.2-2003",
            &[
                ("10", "未婚"),
                ("20", "已婚"),
                ("21", "初婚"),
                ("22", "再婚"),
                ("23", "复婚"),
                ("30", "丧偶"),
                ("40", "离婚"),
                ("90", "未说明的婚姻状况"),
            ],
        ),
        set(
            "ID-TYPE",
            "证件类型代码",
            "全国一体化政务服务平台 证件类型代码（常用部分）",
            &[
                ("111", "居民身份证"),
                ("112", "临时居民身份证"),
                ("113", "户口簿"),
                ("114", "中国人民解放军军官证"),
                ("117", "出生医学证明"),
                ("414", "普通护照"),
                ("511", "台湾居民来往大陆通行证"),
                ("516", "港澳居民来往内地通行证"),
                ("553", "外国人永久居留身份证"),
                ("049", "统一社会信用代码"),
                ("990", "其他"),
            ],
        ),
        set("GB/T 2260", "行政区划代码", "GB/T 2260（按内置区划代码表校验）", &[]),
    ]
}

/// The basic data elements shipped with Yici.
pub fn shipped_elements() -> Vec<DataElement> {
    let e = |code: &str, name: &str, t: i64, len: Option<i64>, set: Option<&str>| DataElement {
        code: code.into(),
        name: name.into(),
        data_type: t,
        length: len,
        code_set: set.map(str::to_string),
    };
    vec![
        e("DE0001", "姓名", 1, Some(50), None),
        e("DE0002", "公民身份号码", 1, Some(18), None),
        e("DE0003", "性别代码", 1, Some(1), Some("GB/T 2261.1")),
        e("DE0004", "出生日期", 4, Some(8), None),
        e("DE0005", "证件类型代码", 1, Some(3), Some("ID-TYPE")),
        e("DE0006", "证件号码", 1, Some(50), None),
        e("DE0007", "行政区划代码", 1, Some(12), Some("GB/T 2260")),
        e("DE0008", "统一社会信用代码", 1, Some(18), None),
        e("DE0009", "婚姻状况代码", 1, Some(2), Some("GB/T 2261.2")),
        e("DE0010", "联系电话", 1, Some(20), None),
        e("DE0011", "住址", 1, Some(200), None),
        e("DE0012", "单位名称", 1, Some(200), None),
        e("DE0013", "法定代表人姓名", 1, Some(50), None),
        e("DE0014", "登记日期", 4, Some(8), None),
        e("DE0015", "金额", 3, Some(18), None),
        e("DE0016", "银行账号", 1, Some(32), None),
        e("DE0017", "不动产单元号", 1, Some(28), None),
        e("DE0018", "证照编号", 1, Some(64), None),
    ]
}

/// The registry's elements whose values are personal data or identify someone: how masking
/// treats them, and whether a value names a data subject (a person or organisation whose uses the
/// audit log indexes). One table, read by masking and by the audit log alike.
const PERSONAL_ELEMENTS: [(&str, ValueKind, bool); 8] = [
    ("DE0001", ValueKind::Name, false),
    ("DE0002", ValueKind::IdNumber, true),
    ("DE0006", ValueKind::IdNumber, true),
    ("DE0008", ValueKind::Plain, true),
    ("DE0010", ValueKind::Phone, false),
    ("DE0011", ValueKind::Address, false),
    ("DE0013", ValueKind::Name, false),
    ("DE0016", ValueKind::BankAccount, false),
];

/// How masking treats the values of element `code` (`None`: not a shipped personal element).
pub fn value_kind(code: &str) -> Option<ValueKind> {
    PERSONAL_ELEMENTS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, k, _)| *k)
}

/// Whether the values of element `code` identify a person or an organisation.
pub fn identifies_subject(code: &str) -> bool {
    PERSONAL_ELEMENTS.iter().any(|(c, _, subject)| *c == code && *subject)
}

/// How a department's local field and codes map to a standard element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMapping {
    pub local_field: String,
    pub element: String,
    /// Local code → standard code, for elements with a code set.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// Why a local record could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("local code {value} of field {field} has no standard equivalent")]
    UnmappedValue { field: String, value: String },
    #[error("value {value} of {element} is not in code set {code_set}")]
    NotInCodeSet {
        element: String,
        code_set: String,
        value: String,
    },
}

impl MappingError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (MappingError::UnmappedValue { field, value }, Lang::Zh) => {
                format!("字段“{field}”的本地代码“{value}”没有对应的标准代码")
            }
            (
                MappingError::NotInCodeSet {
                    element,
                    code_set,
                    value,
                },
                Lang::Zh,
            ) => format!("{element}的值“{value}”不在代码集{code_set}中"),
            _ => self.to_string(),
        }
    }
}

/// Convert a department record (local field → value) to standard elements (element → value).
/// Fields without a mapping are left out; coded values are converted and checked.
pub fn to_standard(
    record: &BTreeMap<String, String>,
    mappings: &[FieldMapping],
    elements: &[DataElement],
    code_sets: &[CodeSet],
) -> Result<BTreeMap<String, String>, MappingError> {
    let mut out = BTreeMap::new();
    for m in mappings {
        let Some(raw) = record.get(&m.local_field) else {
            continue;
        };
        let value = if m.values.is_empty() {
            raw.clone()
        } else {
            m.values.get(raw).cloned().ok_or_else(|| MappingError::UnmappedValue {
                field: m.local_field.clone(),
                value: raw.clone(),
            })?
        };
        if let Some(set) = elements
            .iter()
            .find(|e| e.code == m.element)
            .and_then(|e| e.code_set.as_ref())
            && let Some(cs) = code_sets.iter().find(|c| &c.code == set)
            && !value.is_empty()
            && !cs.contains(&value)
        {
            return Err(MappingError::NotInCodeSet {
                element: m.element.clone(),
                code_set: set.clone(),
                value,
            });
        }
        out.insert(m.element.clone(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_codes_become_standard_codes() {
        let mappings = vec![
            FieldMapping {
                local_field: "XM".into(),
                element: "DE0001".into(),
                values: BTreeMap::new(),
            },
            FieldMapping {
                local_field: "XB".into(),
                element: "DE0003".into(),
                values: [("M", "1"), ("F", "2")]
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            },
            FieldMapping {
                local_field: "QH".into(),
                element: "DE0007".into(),
                values: BTreeMap::new(),
            },
        ];
        let record: BTreeMap<String, String> = [("XM", "张三"), ("XB", "F"), ("QH", "330106"), ("OTHER", "x")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let out = to_standard(&record, &mappings, &shipped_elements(), &shipped_code_sets()).unwrap();
        assert_eq!(out["DE0003"], "2");
        assert_eq!(out["DE0001"], "张三");
        assert_eq!(out.len(), 3);
        let mut bad = record.clone();
        bad.insert("XB".into(), "X".into());
        assert!(matches!(
            to_standard(&bad, &mappings, &shipped_elements(), &shipped_code_sets()),
            Err(MappingError::UnmappedValue { .. })
        ));
        let mut bad_region = record;
        bad_region.insert("QH".into(), "999999".into());
        assert!(matches!(
            to_standard(&bad_region, &mappings, &shipped_elements(), &shipped_code_sets()),
            Err(MappingError::NotInCodeSet { .. })
        ));
    }

    #[test]
    fn shipped_elements_refer_to_shipped_sets() {
        let sets = shipped_code_sets();
        for e in shipped_elements() {
            if let Some(s) = e.code_set {
                assert!(sets.iter().any(|c| c.code == s), "{s}");
            }
        }
        assert_eq!(sets[0].meaning("2").as_deref(), Some("女性"));
    }
}
