//! 行政区划代码 (GB/T 2260) and the 12-digit statistical code (统计用区划代码).
//!
//! Codes are validated against a shipped, dated table (`data/regions-2023.tsv`) that lists every
//! province, prefecture-level city and county. Codes are retired, never reused, so identifiers
//! issued long ago (ID numbers, credit codes) may carry codes no longer in the table: for those
//! [`check_embedded_region`] only requires a known province.

use super::{IdError, IdKind, IdReason, require_text};
use std::collections::BTreeMap;
use std::sync::LazyLock;

const KIND: IdKind = IdKind::RegionCode;
const TABLE: &str = include_str!("../../data/regions-2023.tsv");
const TABLE_DATE: &str = "2023-06-30";

/// The level of a region in the province → village hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionLevel {
    Province = 1,
    City = 2,
    County = 3,
    Township = 4,
    Village = 5,
}

impl RegionLevel {
    pub fn code(self) -> i64 {
        self as i64
    }
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            1 => Self::Province,
            2 => Self::City,
            3 => Self::County,
            4 => Self::Township,
            5 => Self::Village,
            _ => return None,
        })
    }
    pub fn name(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Self::Province, Zh) => "省级",
            (Self::City, Zh) => "市级",
            (Self::County, Zh) => "县级",
            (Self::Township, Zh) => "乡级",
            (Self::Village, Zh) => "村级",
            (Self::Province, En) => "province",
            (Self::City, En) => "city",
            (Self::County, En) => "county",
            (Self::Township, En) => "township",
            (Self::Village, En) => "village",
        }
    }
}

/// One row of the shipped code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionEntry {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent: Option<String>,
}

static REGIONS: LazyLock<BTreeMap<String, RegionEntry>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let code = f.next().unwrap_or_default().to_string();
            let name = f.next().unwrap_or_default().to_string();
            let level = f
                .next()
                .and_then(|v| v.parse().ok())
                .and_then(RegionLevel::from_code)
                .unwrap_or(RegionLevel::County);
            let parent = f.next().filter(|p| !p.is_empty()).map(str::to_string);
            (
                code.clone(),
                RegionEntry {
                    code,
                    name,
                    level,
                    parent,
                },
            )
        })
        .collect()
});

/// The shipped table of provinces, cities and counties, keyed by six-digit code.
pub fn region_table() -> &'static BTreeMap<String, RegionEntry> {
    &REGIONS
}

/// The date of the shipped table (统计用区划代码, cut-off date).
pub fn region_table_date() -> &'static str {
    TABLE_DATE
}

/// A region code embedded in another identifier: six digits with a known province, or the
/// central-level `100000`. `offset` is the 1-based position of its first character.
pub(crate) fn check_embedded_region(kind: IdKind, code: &str, offset: usize) -> Result<(), IdError> {
    if let Some((i, c)) = code.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(IdError::new(
            kind,
            Some(offset + i),
            IdReason::Char {
                found: c,
                allowed: "0-9",
            },
        ));
    }
    let province = format!("{}0000", &code[..2]);
    if code == "100000" || REGIONS.contains_key(&province) {
        Ok(())
    } else {
        Err(IdError::new(
            kind,
            Some(offset),
            IdReason::UnknownRegion { code: code.to_string() },
        ))
    }
}

/// A validated region code at any level. Levels 1–3 are shown as six digits; townships and
/// villages as the twelve-digit statistical code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);
super::text_identifier!(RegionCode);

impl RegionCode {
    /// Accepts six digits (province, city or county, which must be in the table) or the twelve
    /// digit statistical form (whose first six digits must be in the table).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        require_text(KIND, s)?;
        let n = s.chars().count();
        if n != 6 && n != 9 && n != 12 {
            return Err(IdError::new(
                KIND,
                None,
                IdReason::Length {
                    expected: "6、9 或 12 / 6, 9 or 12",
                    found: n,
                },
            ));
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IdError::new(
                KIND,
                Some(i + 1),
                IdReason::Char {
                    found: c,
                    allowed: "0-9",
                },
            ));
        }
        let head = &s[..6];
        if !REGIONS.contains_key(head) {
            // Name the first level that is missing: province, then city.
            let position = if !REGIONS.contains_key(&format!("{}0000", &s[..2])) {
                1
            } else {
                3
            };
            return Err(IdError::new(
                KIND,
                Some(position),
                IdReason::UnknownRegion { code: head.to_string() },
            ));
        }
        let full = format!("{s:0<12}");
        if &full[6..9] == "000" && &full[9..] != "000" {
            return Err(IdError::new(
                KIND,
                Some(10),
                IdReason::Layout {
                    zh: "村级代码必须属于某个乡级区划（第7—9位不能为000）",
                    en: "a village code must belong to a township (characters 7–9 must not be 000)",
                },
            ));
        }
        let canonical = if &full[6..] == "000000" { head.to_string() } else { full };
        Ok(RegionCode(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The twelve-digit statistical form.
    pub fn statistical(&self) -> String {
        format!("{:0<12}", self.0)
    }

    pub fn level(&self) -> RegionLevel {
        let s = self.statistical();
        if &s[2..] == "0000000000" {
            RegionLevel::Province
        } else if &s[4..] == "00000000" {
            RegionLevel::City
        } else if &s[6..] == "000000" {
            REGIONS.get(&s[..6]).map(|e| e.level).unwrap_or(RegionLevel::County)
        } else if &s[9..] == "000" {
            RegionLevel::Township
        } else {
            RegionLevel::Village
        }
    }

    /// The code of the level above, if any (a township's parent is its county, and so on).
    pub fn parent(&self) -> Option<RegionCode> {
        let s = self.statistical();
        match self.level() {
            RegionLevel::Province => None,
            RegionLevel::Village => Some(RegionCode(format!("{}000", &s[..9]))),
            RegionLevel::Township => Some(RegionCode(s[..6].to_string())),
            _ => REGIONS.get(&s[..6]).and_then(|e| e.parent.clone()).map(RegionCode),
        }
    }

    /// The table entry for levels 1–3; `None` for townships and villages.
    pub fn entry(&self) -> Option<&'static RegionEntry> {
        REGIONS.get(self.0.as_str())
    }

    /// Names from the province down to this code's county, as far as the table knows them.
    pub fn path_names(&self) -> Vec<&'static str> {
        let s = self.statistical();
        let mut names = Vec::new();
        for key in [format!("{}0000", &s[..2]), format!("{}00", &s[..4]), s[..6].to_string()] {
            if let Some(e) = REGIONS.get(&key) {
                // Placeholder city levels of municipalities (市辖区, 县) are not names.
                let placeholder = e.level == RegionLevel::City && matches!(e.name.as_str(), "市辖区" | "县");
                if !placeholder && names.last() != Some(&e.name.as_str()) {
                    names.push(e.name.as_str());
                }
            }
        }
        names
    }

    /// The digits of all of this code's levels without the zero padding (`33` for Zhejiang,
    /// `330106` for Xihu): every code within this region starts with it.
    pub fn prefix(&self) -> String {
        let len = match self.level() {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        };
        self.statistical()[..len].to_string()
    }

    /// Whether `other` lies within this region (or is this region).
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.statistical().starts_with(&self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_every_province_and_many_counties() {
        let t = region_table();
        let provinces = t.values().filter(|e| e.level == RegionLevel::Province).count();
        let counties = t.values().filter(|e| e.level == RegionLevel::County).count();
        assert_eq!(provinces, 31);
        assert!(counties > 2800, "{counties}");
    }

    #[test]
    fn six_and_twelve_digit_forms() {
        assert_eq!(RegionCode::parse("330106").unwrap().level(), RegionLevel::County);
        assert_eq!(RegionCode::parse("330000").unwrap().level(), RegionLevel::Province);
        assert_eq!(RegionCode::parse("330100").unwrap().level(), RegionLevel::City);
        let v = RegionCode::parse("330106008001").unwrap();
        assert_eq!(v.level(), RegionLevel::Village);
        assert_eq!(v.parent().unwrap().as_str(), "330106008000");
        assert_eq!(v.parent().unwrap().parent().unwrap().as_str(), "330106");
        assert_eq!(RegionCode::parse("330106000000").unwrap().as_str(), "330106");
        assert_eq!(
            RegionCode::parse("330106").unwrap().parent().unwrap().as_str(),
            "330100"
        );
    }

    #[test]
    fn unknown_codes_name_the_missing_level() {
        let e = RegionCode::parse("990101").unwrap_err();
        assert_eq!(e.position, Some(1));
        let e = RegionCode::parse("339901").unwrap_err();
        assert_eq!(e.position, Some(3));
        assert!(RegionCode::parse("33010").is_err());
        assert!(RegionCode::parse("330106000001").is_err());
    }

    #[test]
    fn containment_follows_levels() {
        let zj = RegionCode::parse("330000").unwrap();
        let hz = RegionCode::parse("330100").unwrap();
        let xh = RegionCode::parse("330106").unwrap();
        let v = RegionCode::parse("330106008001").unwrap();
        assert!(zj.contains(&v) && hz.contains(&xh) && xh.contains(&v));
        assert!(!xh.contains(&hz));
        assert!(!RegionCode::parse("330200").unwrap().contains(&xh));
        assert_eq!(v.path_names(), vec!["浙江省", "杭州市", "西湖区"]);
        assert_eq!(zj.prefix(), "33");
        assert_eq!(
            RegionCode::parse("110105").unwrap().path_names(),
            vec!["北京市", "朝阳区"]
        );
        assert_eq!(v.parent().unwrap().prefix(), "330106008");
        assert_eq!(zj.prefix(), "33");
        assert_eq!(
            RegionCode::parse("110105").unwrap().path_names(),
            vec!["北京市", "朝阳区"]
        );
        assert_eq!(v.parent().unwrap().prefix(), "330106008");
    }
}
