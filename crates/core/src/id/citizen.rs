//! 公民身份号码 (GB 11643-1999): address code (6) + birth date (8) + sequence (3, odd for men,
//! even for women) + check (1). Fifteen-digit legacy numbers are upgraded by inserting `19`
//! before the two-digit year and appending the check character.

use super::region::check_embedded_region;
use super::{IdError, IdKind, IdReason, require_text, text_identifier};
use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS: &[u8; 11] = b"10X98765432";
const KIND: IdKind = IdKind::CitizenId;

/// A validated 18-character citizen ID number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId(String);
text_identifier!(CitizenId);

/// Personal data: `Debug` shows the masked form so the number never reaches a log by accident.
impl std::fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn name(self, lang: crate::Lang) -> &'static str {
        match (self, lang) {
            (Sex::Male, crate::Lang::Zh) => "男",
            (Sex::Female, crate::Lang::Zh) => "女",
            (Sex::Male, crate::Lang::En) => "male",
            (Sex::Female, crate::Lang::En) => "female",
        }
    }
}

pub(crate) fn check_char(body17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in body17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECKS[(sum % 11) as usize] as char)
}

fn digits(s: &str, upto: usize) -> Result<(), IdError> {
    match s.chars().take(upto).enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(IdError::new(
            KIND,
            Some(i + 1),
            IdReason::Char {
                found: c,
                allowed: "0-9",
            },
        )),
        None => Ok(()),
    }
}

fn birth_date(text: &str, position: usize) -> Result<NaiveDate, IdError> {
    NaiveDate::parse_from_str(text, "%Y%m%d")
        .ok()
        .filter(|d| d.format("%Y%m%d").to_string() == text && d.year_ce().1 >= 1850)
        .ok_or_else(|| IdError::new(KIND, Some(position), IdReason::Date { text: text.to_string() }))
}

use chrono::Datelike;

impl CitizenId {
    /// Parse an 18-digit number, or upgrade a 15-digit legacy number to 18 digits.
    /// A lower-case check character `x` is read as `X`: people write it either way.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        require_text(KIND, s)?;
        let upper;
        let s = match s.strip_suffix('x') {
            Some(body) => {
                upper = format!("{body}X");
                upper.as_str()
            }
            None => s,
        };
        let n = s.chars().count();
        match n {
            18 => {
                digits(s, 17)?;
                let last = s.chars().nth(17).expect("length checked");
                if !(last.is_ascii_digit() || last == 'X') {
                    let allowed = "0-9 或大写 X / 0-9 or upper-case X";
                    return Err(IdError::new(KIND, Some(18), IdReason::Char { found: last, allowed }));
                }
                check_embedded_region(KIND, &s[..6], 1)?;
                birth_date(&s[6..14], 7)?;
                let expected = check_char(&s[..17]).expect("digits checked");
                if expected != last {
                    return Err(IdError::new(KIND, Some(18), IdReason::Check { expected, found: last }));
                }
                Ok(CitizenId(s.to_string()))
            }
            15 => Self::upgrade_15(s),
            _ => Err(IdError::new(
                KIND,
                None,
                IdReason::Length {
                    expected: "18（或旧版15）/ 18 (or legacy 15)",
                    found: n,
                },
            )),
        }
    }

    /// The 15→18 upgrade: `AAAAAA YYMMDD SSS` becomes `AAAAAA 19YYMMDD SSS C`.
    pub fn upgrade_15(s: &str) -> Result<Self, IdError> {
        require_text(KIND, s)?;
        if s.chars().count() != 15 {
            return Err(IdError::new(
                KIND,
                None,
                IdReason::Length {
                    expected: "15",
                    found: s.chars().count(),
                },
            ));
        }
        digits(s, 15)?;
        check_embedded_region(KIND, &s[..6], 1)?;
        let body = format!("{}19{}", &s[..6], &s[6..]);
        birth_date(&body[6..14], 7)?;
        let check = check_char(&body).expect("digits checked");
        Ok(CitizenId(format!("{body}{check}")))
    }

    /// Build a valid number from its first 17 digits (demo data and tests).
    pub fn with_check(body17: &str) -> Result<Self, IdError> {
        let c = check_char(body17).ok_or_else(|| {
            IdError::new(
                KIND,
                None,
                IdReason::Length {
                    expected: "17",
                    found: body17.len(),
                },
            )
        })?;
        Self::parse(&format!("{body17}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn region(&self) -> &str {
        &self.0[..6]
    }
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("validated at parse")
    }
    pub fn sex(&self) -> Sex {
        let seq = self.0.as_bytes()[16] - b'0';
        if seq % 2 == 1 { Sex::Male } else { Sex::Female }
    }
    /// The masked form used wherever a grant does not allow the full number: the first six
    /// and last four characters stay (`110105********002X`).
    pub fn masked(&self) -> String {
        crate::masking::mask(crate::masking::ValueKind::IdNumber, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_vector_is_valid_with_fields() {
        let id = CitizenId::parse("11010519491231002X").unwrap();
        assert_eq!(id.region(), "110105");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "CitizenId(110105********002X)");
    }

    #[test]
    fn standard_invalid_vector_names_expected_check() {
        let e = CitizenId::parse("110101199001011234").unwrap_err();
        assert_eq!(e.position, Some(18));
        assert_eq!(
            e.reason,
            IdReason::Check {
                expected: '7',
                found: '4'
            }
        );
        assert!(e.message(crate::Lang::Zh).contains("应为“7”"));
    }

    #[test]
    fn fifteen_digits_are_upgraded() {
        let id = CitizenId::parse("110105491231002").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn impossible_birth_dates_are_rejected_at_position_7() {
        let e = CitizenId::with_check("11010519490231002").unwrap_err();
        assert_eq!(e.position, Some(7));
        assert!(matches!(e.reason, IdReason::Date { .. }));
    }

    #[test]
    fn lowercase_x_is_read_as_upper_case() {
        assert_eq!(
            CitizenId::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        // Only the check character: an x elsewhere is still wrong.
        let e = CitizenId::parse("1101051949123100x2").unwrap_err();
        assert_eq!(e.position, Some(17));
    }
}
