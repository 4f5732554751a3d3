//! 统一社会信用代码 (GB 32100-2015).
//!
//! Layout: registration authority (1) + organisation category (1) + region code (6, GB/T 2260)
//! + subject identifier (9, an organisation code per GB 11714 with its own check) + check (1).

use super::region::check_embedded_region;
use super::{IdError, IdKind, IdReason, OrgCode, require_text, text_identifier};

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const KIND: IdKind = IdKind::Uscc;

/// A validated unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);
text_identifier!(Uscc);

fn value(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters, which must be in the alphabet.
pub(crate) fn check_char(body: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in body.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(v as usize)
}

/// 登记管理部门 named by the first character, per GB 32100 Table 1.
pub fn uscc_registration_authority_name(c: char) -> Option<&'static str> {
    Some(match c {
        '1' => "机构编制",
        '2' => "外交",
        '3' => "司法行政",
        '4' => "文化",
        '5' => "民政",
        '6' => "旅游",
        '7' => "宗教",
        '8' => "工会",
        '9' => "工商（市场监管）",
        'A' => "中央军委改革和编制办公室",
        'N' => "农业",
        'Y' => "其他",
        _ => return None,
    })
}

/// 机构类别 named by the second character under its registration authority.
pub fn uscc_category_name(authority: char, category: char) -> Option<&'static str> {
    Some(match (authority, category) {
        ('1', '1') => "机关",
        ('1', '2') => "事业单位",
        ('1', '3') => "中央编办直接管理机构编制的群众团体",
        ('2', '1') => "外国常驻新闻机构",
        ('3', '1') => "律师执业机构",
        ('3', '2') => "公证处",
        ('3', '3') => "基层法律服务所",
        ('3', '4') => "司法鉴定机构",
        ('3', '5') => "仲裁委员会",
        ('4', '1') => "外国在华文化中心",
        ('5', '1') => "社会团体",
        ('5', '2') => "民办非企业单位",
        ('5', '3') => "基金会",
        ('6', '1') => "外国旅游部门常驻代表机构",
        ('6', '2') => "港澳台地区旅游部门常驻内地（大陆）代表机构",
        ('7', '1') => "宗教活动场所",
        ('7', '2') => "宗教院校",
        ('8', '1') => "基层工会",
        ('9', '1') => "企业",
        ('9', '2') => "个体工商户",
        ('9', '3') => "农民专业合作社",
        ('A', '1') => "军队事业单位",
        ('N', '1') => "组级集体经济组织",
        ('N', '2') => "村级集体经济组织",
        ('N', '3') => "乡镇级集体经济组织",
        ('Y', '1') => "其他",
        (a, '9') if a != '9' && a != 'Y' => "其他",
        _ => return None,
    })
}

impl Uscc {
    /// Parse strictly: alphabet, authority and category, region, embedded organisation code and
    /// check character. A value that fails only its check characters is flagged with
    /// [`IdError::legacy_hint`], since early pilot codes predate the rule.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::parse_inner(s, false).map(|(u, _)| u)
    }

    /// Parse for legacy imports: a wrong check character is returned as a warning instead of an
    /// error. Everything else is checked as in [`Uscc::parse`].
    pub fn parse_lenient(s: &str) -> Result<(Self, Option<IdError>), IdError> {
        Self::parse_inner(s, true)
    }

    fn parse_inner(s: &str, lenient: bool) -> Result<(Self, Option<IdError>), IdError> {
        require_text(KIND, s)?;
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(IdError::new(
                KIND,
                None,
                IdReason::Length {
                    expected: "18",
                    found: chars.len(),
                },
            ));
        }
        for (i, &c) in chars.iter().enumerate() {
            if value(c).is_none() {
                let allowed = "0-9 及大写字母（不含 I O S V Z）/ 0-9 and A-Z except I O S V Z";
                return Err(IdError::new(KIND, Some(i + 1), IdReason::Char { found: c, allowed }));
            }
        }
        if uscc_registration_authority_name(chars[0]).is_none() {
            return Err(IdError::new(KIND, Some(1), IdReason::Category { found: chars[0] }));
        }
        if uscc_category_name(chars[0], chars[1]).is_none() {
            return Err(IdError::new(KIND, Some(2), IdReason::Category { found: chars[1] }));
        }
        let region: String = chars[2..8].iter().collect();
        check_embedded_region(KIND, &region, 3)?;
        let body: String = chars[..17].iter().collect();
        let expected = check_char(&body).expect("alphabet checked above");
        let mut warning = None;
        let org: String = chars[8..17].iter().collect();
        let org_check = OrgCode::parse(&org).err().map(|mut e| {
            e.kind = KIND;
            e.position = e.position.map(|p| p + 8);
            e
        });
        if expected != chars[17] || org_check.is_some() {
            let mut err = match org_check {
                Some(e) if expected == chars[17] => e,
                _ => IdError::new(
                    KIND,
                    Some(18),
                    IdReason::Check {
                        expected,
                        found: chars[17],
                    },
                ),
            };
            err.legacy_hint = true;
            if !lenient {
                return Err(err);
            }
            warning = Some(err);
        }
        Ok((Uscc(s.to_string()), warning))
    }

    /// Build a valid code from its first 17 characters (used by demo data and tests).
    pub fn with_check(body17: &str) -> Result<Self, IdError> {
        let length = || {
            IdError::new(
                KIND,
                None,
                IdReason::Length {
                    expected: "17",
                    found: body17.chars().count(),
                },
            )
        };
        if body17.chars().count() != 17 {
            return Err(length());
        }
        match check_char(body17) {
            Some(c) => Self::parse(&format!("{body17}{c}")),
            // No check character: a character is outside the alphabet, which parsing names
            // with its position.
            None => Err(Self::parse(&format!("{body17}0")).err().unwrap_or_else(length)),
        }
    }

    /// Compose a valid code from its parts: the two-character authority and category, the
    /// six-digit region and the eight-character organisation code body; both check characters
    /// are computed.
    pub fn generate(authority_category: &str, region: &str, org_body: &str) -> Result<Self, IdError> {
        let org_check = super::org_code::check_char(org_body)
            .filter(|_| org_body.len() == 8)
            .ok_or_else(|| {
                IdError::new(
                    KIND,
                    Some(9),
                    IdReason::Length {
                        expected: "8",
                        found: org_body.len(),
                    },
                )
            })?;
        Self::with_check(&format!("{authority_category}{region}{org_body}{org_check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn registration_authority(&self) -> char {
        self.0.as_bytes()[0] as char
    }
    pub fn category(&self) -> char {
        self.0.as_bytes()[1] as char
    }
    /// The six-digit region code of the registering authority (`100000` for central bodies).
    pub fn region(&self) -> &str {
        &self.0[2..8]
    }
    /// The nine-character subject identifier (an organisation code with its check).
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_vectors_are_valid() {
        for v in ["91350100M000100Y43", "11100000000013338W"] {
            Uscc::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
    }

    #[test]
    fn legacy_pilot_code_fails_with_hint_and_passes_lenient() {
        let e = Uscc::parse("91350203M0001QAY9B").unwrap_err();
        assert!(e.legacy_hint);
        assert!(e.message(crate::Lang::Zh).contains("早期试点"));
        let (u, warn) = Uscc::parse_lenient("91350203M0001QAY9B").unwrap();
        assert_eq!(u.as_str(), "91350203M0001QAY9B");
        assert!(warn.is_some());
    }

    #[test]
    fn wrong_check_names_position_18_and_expected_char() {
        let e = Uscc::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(e.position, Some(18));
        assert_eq!(
            e.reason,
            IdReason::Check {
                expected: '3',
                found: '4'
            }
        );
    }

    #[test]
    fn forbidden_letters_are_named_with_position() {
        let e = Uscc::parse("91350100M00010OY43").unwrap_err();
        assert_eq!(e.position, Some(15));
        assert!(matches!(e.reason, IdReason::Char { found: 'O', .. }));
    }

    #[test]
    fn generated_codes_are_valid() {
        // A character outside the alphabet is named as such, not as a wrong length.
        let e = Uscc::generate("11", "330000", "EVAL0001").unwrap_err();
        assert!(matches!(e.reason, IdReason::Char { found: 'V', .. }), "{e:?}");
        let e = Uscc::with_check("1133000").unwrap_err();
        assert!(matches!(e.reason, IdReason::Length { found: 7, .. }), "{e:?}");
        let u = Uscc::generate("11", "330100", "MB000001").unwrap();
        assert_eq!(&u.as_str()[..16], "11330100MB000001");
        assert!(Uscc::generate("11", "330100", "MB00001").is_err());
    }

    #[test]
    fn fields_are_exposed() {
        let u = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(u.registration_authority(), '9');
        assert_eq!(uscc_category_name('9', u.category()), Some("企业"));
        assert_eq!(u.region(), "350100");
        assert_eq!(u.org_code(), "M000100Y4");
    }
}
