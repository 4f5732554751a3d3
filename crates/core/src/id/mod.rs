//! Identifiers of the Chinese administration, each a validated newtype.
//!
//! Every parser says what is wrong and where: an [`IdError`] carries the kind of identifier,
//! the 1-based character position of the first offending character (when one can be named) and
//! a reason that renders in Chinese or English. The check algorithms follow STANDARDS.md §3.

mod certificate;
mod citizen;
mod detect;
mod org_code;
mod region;
mod uscc;

pub use certificate::{CertificateId, mod37_36_check};
pub use citizen::{CitizenId, Sex};
pub use detect::{Detected, Field, detect};
pub use org_code::OrgCode;
pub use region::{RegionCode, RegionEntry, RegionLevel, region_table, region_table_date};
pub use uscc::{Uscc, uscc_category_name, uscc_registration_authority_name};

use crate::Lang;
use std::fmt;

/// The kinds of identifier Yici validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 统一社会信用代码 (GB 32100-2015).
    Uscc,
    /// 公民身份号码 (GB 11643-1999).
    CitizenId,
    /// 组织机构代码 (GB 11714-1997).
    OrgCode,
    /// 行政区划代码 (GB/T 2260 and the 12-digit statistical code).
    RegionCode,
    /// 电子证照标识.
    CertificateId,
}

impl IdKind {
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (IdKind::Uscc, Lang::Zh) => "统一社会信用代码",
            (IdKind::Uscc, Lang::En) => "unified social credit code",
            (IdKind::CitizenId, Lang::Zh) => "公民身份号码",
            (IdKind::CitizenId, Lang::En) => "citizen ID number",
            (IdKind::OrgCode, Lang::Zh) => "组织机构代码",
            (IdKind::OrgCode, Lang::En) => "organisation code",
            (IdKind::RegionCode, Lang::Zh) => "行政区划代码",
            (IdKind::RegionCode, Lang::En) => "administrative region code",
            (IdKind::CertificateId, Lang::Zh) => "电子证照标识",
            (IdKind::CertificateId, Lang::En) => "e-certificate identifier",
        }
    }
}

/// Why a value is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdReason {
    Empty,
    /// Wrong number of characters; `expected` is written for people ("18", "6 或 12").
    Length {
        expected: &'static str,
        found: usize,
    },
    /// A character outside the identifier's alphabet.
    Char {
        found: char,
        allowed: &'static str,
    },
    /// The check character does not match.
    Check {
        expected: char,
        found: char,
    },
    /// The region code is not in the shipped code table.
    UnknownRegion {
        code: String,
    },
    /// The embedded date is not a real date.
    Date {
        text: String,
    },
    /// The registration authority or category character is not defined by the standard.
    Category {
        found: char,
    },
    /// A fixed part of the layout is wrong (for example the licence identifier root).
    Layout {
        zh: &'static str,
        en: &'static str,
    },
}

/// A parse failure: which identifier, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    pub kind: IdKind,
    /// 1-based position of the offending character, when one can be named.
    pub position: Option<usize>,
    pub reason: IdReason,
    /// Set when the value looks like an early pilot code that predates the check rule.
    pub legacy_hint: bool,
}

impl IdError {
    pub(crate) fn new(kind: IdKind, position: Option<usize>, reason: IdReason) -> Self {
        IdError {
            kind,
            position,
            reason,
            legacy_hint: false,
        }
    }

    /// The message in the reader's language, naming the position when known.
    pub fn message(&self, lang: Lang) -> String {
        let kind = self.kind.name(lang);
        let at = match (self.position, lang) {
            (Some(p), Lang::Zh) => format!("第{p}位"),
            (Some(p), Lang::En) => format!(" at character {p}"),
            (None, _) => String::new(),
        };
        let why = match (&self.reason, lang) {
            (IdReason::Empty, Lang::Zh) => "不能为空".to_string(),
            (IdReason::Empty, Lang::En) => "must not be empty".to_string(),
            (IdReason::Length { expected, found }, Lang::Zh) => {
                format!("长度应为{expected}位，实际为{found}位")
            }
            (IdReason::Length { expected, found }, Lang::En) => {
                format!("must be {expected} characters long, found {found}")
            }
            (IdReason::Char { found, allowed }, Lang::Zh) => {
                format!("字符“{found}”不允许，允许的字符为 {allowed}")
            }
            (IdReason::Char { found, allowed }, Lang::En) => {
                format!("character '{found}' is not allowed; allowed: {allowed}")
            }
            (IdReason::Check { expected, found }, Lang::Zh) => {
                format!("校验码错误：应为“{expected}”，实际为“{found}”")
            }
            (IdReason::Check { expected, found }, Lang::En) => {
                format!("wrong check character: expected '{expected}', found '{found}'")
            }
            (IdReason::UnknownRegion { code }, Lang::Zh) => {
                format!("行政区划代码 {code} 不在区划代码表（{}）中", region_table_date())
            }
            (IdReason::UnknownRegion { code }, Lang::En) => format!(
                "region code {code} is not in the code table (dated {})",
                region_table_date()
            ),
            (IdReason::Date { text }, Lang::Zh) => format!("日期 {text} 不是有效日期"),
            (IdReason::Date { text }, Lang::En) => format!("{text} is not a valid date"),
            (IdReason::Category { found }, Lang::Zh) => {
                format!("“{found}”不是标准规定的登记管理部门或机构类别代码")
            }
            (IdReason::Category { found }, Lang::En) => {
                format!("'{found}' is not a registration authority or category defined by the standard")
            }
            (IdReason::Layout { zh, .. }, Lang::Zh) => zh.to_string(),
            (IdReason::Layout { en, .. }, Lang::En) => en.to_string(),
        };
        let mut text = match lang {
            Lang::Zh => format!("{kind}{at}{why}"),
            Lang::En => format!("{kind}{at}: {why}"),
        };
        if self.legacy_hint {
            text.push_str(match lang {
                Lang::Zh => "（可能是早期试点代码，仅可在导入历史数据时作为警告放行）",
                Lang::En => " (possibly an early pilot code; legacy imports may accept it with a warning)",
            });
        }
        text
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Zh))
    }
}

impl std::error::Error for IdError {}

/// Reject empty input and surrounding whitespace the same way for every identifier.
pub(crate) fn require_text(kind: IdKind, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::new(kind, None, IdReason::Empty));
    }
    if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| c.is_whitespace()) {
        return Err(IdError::new(
            kind,
            Some(i + 1),
            IdReason::Char {
                found: c,
                allowed: "不含空格 / no spaces",
            },
        ));
    }
    Ok(())
}

/// Implements `Display`, `FromStr`, `AsRef<str>` and string serde for a newtype whose
/// canonical text is its field `0` and whose parser is `Self::parse`.
macro_rules! text_identifier {
    ($t:ty) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $t {
            type Err = $crate::id::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use text_identifier;
