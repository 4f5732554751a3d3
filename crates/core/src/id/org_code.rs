//! 组织机构代码 (GB 11714-1997): eight body characters and a check character, usually printed
//! with a hyphen before the check (`D2143569-X`).

use super::{IdError, IdKind, IdReason, require_text, text_identifier};

const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
const KIND: IdKind = IdKind::OrgCode;

/// A validated organisation code, kept without the hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgCode(String);
text_identifier!(OrgCode);

fn value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        _ => None,
    }
}

/// The check character for an eight-character body.
pub(crate) fn check_char(body: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in body.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    })
}

impl OrgCode {
    /// Accepts `XXXXXXXX-C` or `XXXXXXXXC`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        require_text(KIND, s)?;
        let chars: Vec<char> = s.chars().collect();
        let (body, check): (Vec<char>, char) = match chars.len() {
            9 => (chars[..8].to_vec(), chars[8]),
            10 if chars[8] == '-' => (chars[..8].to_vec(), chars[9]),
            10 => {
                return Err(IdError::new(
                    KIND,
                    Some(9),
                    IdReason::Char {
                        found: chars[8],
                        allowed: "-",
                    },
                ));
            }
            n => {
                return Err(IdError::new(
                    KIND,
                    None,
                    IdReason::Length {
                        expected: "9（或带连字符10）/ 9 (10 with hyphen)",
                        found: n,
                    },
                ));
            }
        };
        for (i, &c) in body.iter().enumerate() {
            if value(c).is_none() {
                return Err(IdError::new(
                    KIND,
                    Some(i + 1),
                    IdReason::Char {
                        found: c,
                        allowed: "0-9 A-Z",
                    },
                ));
            }
        }
        let body: String = body.into_iter().collect();
        let expected = check_char(&body).expect("alphabet checked above");
        if expected != check {
            return Err(IdError::new(
                KIND,
                Some(chars.len()),
                IdReason::Check { expected, found: check },
            ));
        }
        Ok(OrgCode(format!("{body}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed form with a hyphen before the check character.
    pub fn hyphenated(&self) -> String {
        format!("{}-{}", &self.0[..8], &self.0[8..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_vectors_are_valid() {
        for v in ["D2143569-X", "12345678-8", "MA1FL0LY-9", "D2143569X"] {
            OrgCode::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
        assert_eq!(OrgCode::parse("D2143569X").unwrap().hyphenated(), "D2143569-X");
    }

    #[test]
    fn wrong_check_is_reported_at_the_check_position() {
        let e = OrgCode::parse("12345678-9").unwrap_err();
        assert_eq!(e.position, Some(10));
        assert_eq!(
            e.reason,
            IdReason::Check {
                expected: '8',
                found: '9'
            }
        );
    }

    #[test]
    fn lowercase_is_rejected_with_position() {
        let e = OrgCode::parse("d2143569-X").unwrap_err();
        assert_eq!(e.position, Some(1));
    }
}
