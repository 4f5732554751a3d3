//! 办件编号 — the case number: 21 characters, `RRRRRRYYYYMMDDNNNNNNC`.
//!
//! - `RRRRRR`: the region code (GB/T 2260) of the window or body that received the case;
//! - `YYYYMMDD`: the day it was received (China time);
//! - `NNNNNN`: its serial among the cases of that region on that day, from 000001;
//! - `C`: a check character, ISO/IEC 7064 MOD 37,36 over the first 20 characters (`0`–`9`,
//!   `A`–`Z`), as the certificate identifiers use.
//!
//! A mistyped character or two swapped neighbours change the check character, so a number read
//! over the phone or copied by hand is caught before it is looked up.

use crate::catalogue::FieldProblem;
use crate::id::RegionCode;
use crate::id::mod37_36_check;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A checked case number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNo(String);

/// The most cases a region numbers in a day.
pub const MAX_SERIAL: u32 = 999_999;

impl CaseNo {
    /// The number of the `serial`-th case of `region` on `day` (serial from 1).
    pub fn new(region: &RegionCode, day: NaiveDate, serial: u32) -> Result<CaseNo, FieldProblem> {
        if serial == 0 || serial > MAX_SERIAL {
            return Err(FieldProblem::new(
                "case_no",
                format!("当日办件编号已用尽（每个区划每日最多 {MAX_SERIAL} 件）"),
                format!("no case numbers left for the day (at most {MAX_SERIAL} per region and day)"),
            ));
        }
        let body = format!("{}{}{serial:06}", region.as_str(), day.format("%Y%m%d"));
        let check =
            mod37_36_check(&body).ok_or_else(|| FieldProblem::new("case_no", "区划代码无效", "invalid region code"))?;
        Ok(CaseNo(format!("{body}{check}")))
    }

    /// Read and check a case number; spaces and hyphens people add are ignored, letters may
    /// be lower case.
    pub fn parse(field: &str, text: &str) -> Result<CaseNo, FieldProblem> {
        let s: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let wrong = |zh: &str, en: &str| FieldProblem::new(field, zh, en);
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 21 {
            return Err(wrong("办件编号应为21位", "a case number has 21 characters"));
        }
        if !chars[..20].iter().all(|c| c.is_ascii_digit()) || !chars[20].is_ascii_alphanumeric() {
            return Err(wrong(
                "办件编号前20位为数字，最后一位为数字或字母",
                "a case number is 20 digits and a check character",
            ));
        }
        let body: String = chars[..20].iter().collect();
        let region: String = chars[..6].iter().collect();
        let day: String = chars[6..14].iter().collect();
        if RegionCode::parse(&region).is_err() {
            return Err(wrong(
                "办件编号中的区划代码无效",
                "the region code in the case number is not valid",
            ));
        }
        if NaiveDate::parse_from_str(&day, "%Y%m%d").is_err() {
            return Err(wrong(
                "办件编号中的日期无效",
                "the date in the case number is not valid",
            ));
        }
        if mod37_36_check(&body) != Some(chars[20]) {
            return Err(wrong(
                "办件编号校验位不符，请核对是否抄错",
                "the check character does not match: please check the number",
            ));
        }
        Ok(CaseNo(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region that received the case.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    /// The day the case was received.
    pub fn day(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked at parse")
    }

    /// The serial of the case in its region and day.
    pub fn serial(&self) -> u32 {
        self.0[14..20].parse().expect("checked at parse")
    }

    /// The unified social credit code a registration concluded by this case assigns to the
    /// organisation it registers (企业开办): authority 9 (market regulation), category 1
    /// (enterprise), the case's region, and an organisation code body `M` + seven characters
    /// of the code's alphabet counting days since 2000 and the serial. Two cases never get the
    /// same code, and the same case always gets the same one.
    pub fn registered_uscc(&self) -> Result<crate::id::Uscc, crate::id::IdError> {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
        let days = u64::try_from((self.day() - epoch).num_days()).unwrap_or(0);
        let mut n = days * 1_000_000 + u64::from(self.serial());
        let mut body = [b'0'; 7];
        for c in body.iter_mut().rev() {
            *c = ALPHABET[(n % 31) as usize];
            n /= 31;
        }
        let body = format!("M{}", std::str::from_utf8(&body).expect("ascii"));
        crate::id::Uscc::generate("91", self.region(), &body)
    }
}

impl std::fmt::Display for CaseNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CaseNo {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CaseNo::parse("case_no", &s).map_err(|p| p.en)
    }
}

impl From<CaseNo> for String {
    fn from(c: CaseNo) -> String {
        c.0
    }
}
