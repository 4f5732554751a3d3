//! The codes of service items (GB/T 39554.1-2020, STANDARDS.md §6): the basic code of an item
//! defined at province level (12 characters: 2 catalogue, 2 item type, 5 main, 3 sub), the
//! implementation code of an implementing body (its credit code, one character, the basic code:
//! 31) and the handling-item code (the implementation code and 2 digits: 33).

use super::ItemType;
use crate::catalogue::FieldProblem;
use crate::id::Uscc;

/// A checked basic code (基本编码).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BasicCode(String);

/// A checked implementation code (实施编码).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImplementationCode(String);

/// A checked handling-item code (业务办理项编码).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HandlingCode(String);

fn upper_alnum(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

impl BasicCode {
    pub const LEN: usize = 12;

    /// Check a basic code: 12 upper-case letters or digits whose 3rd and 4th characters are an
    /// item type (01–10, 20). `field` names the field in the problem.
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldProblem> {
        let s = s.trim();
        if s.chars().count() != Self::LEN || !upper_alnum(s) {
            return Err(FieldProblem::new(
                field,
                format!("事项基本编码“{s}”应为12位数字或大写字母"),
                format!("the basic code '{s}' must be 12 digits or capital letters"),
            ));
        }
        // ASCII only from here, so byte positions are character positions.
        if s[2..4].parse::<i64>().ok().and_then(ItemType::from_code).is_none() {
            return Err(FieldProblem::new(
                field,
                format!("事项基本编码“{s}”第3—4位应为事项类型代码（01—10或20）"),
                format!("characters 3–4 of the basic code '{s}' must be an item type (01–10 or 20)"),
            ));
        }
        Ok(BasicCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The item type its 3rd and 4th characters name.
    pub fn item_type(&self) -> ItemType {
        self.0[2..4]
            .parse::<i64>()
            .ok()
            .and_then(ItemType::from_code)
            .unwrap_or(ItemType::Other)
    }
}

impl ImplementationCode {
    pub const LEN: usize = 31;

    /// Check an implementation code: a valid credit code, one digit or capital letter, and a
    /// valid basic code.
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldProblem> {
        let s = s.trim();
        let bad = |zh: String, en: String| FieldProblem::new(field, zh, en);
        if s.chars().count() != Self::LEN || !upper_alnum(s) {
            return Err(bad(
                format!("实施编码“{s}”应为31位：实施主体统一社会信用代码、1位序号和事项基本编码"),
                format!(
                    "the implementation code '{s}' must be 31 characters: the implementing body's credit code, 1 character and the basic code"
                ),
            ));
        }
        if let Err(e) = Uscc::parse(&s[..18]) {
            return Err(bad(
                format!(
                    "实施编码前18位不是有效的统一社会信用代码：{}",
                    e.message(crate::Lang::Zh)
                ),
                format!(
                    "the first 18 characters are not a valid credit code: {}",
                    e.message(crate::Lang::En)
                ),
            ));
        }
        BasicCode::parse(field, &s[19..])?;
        Ok(ImplementationCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The implementing body's credit code.
    pub fn body(&self) -> &str {
        &self.0[..18]
    }

    pub fn basic(&self) -> BasicCode {
        BasicCode(self.0[19..].to_string())
    }

    /// The implementation code of `body` for `basic`, with sequence character `seq`.
    pub fn of(body: &Uscc, seq: char, basic: &BasicCode) -> Self {
        ImplementationCode(format!("{}{seq}{}", body.as_str(), basic.as_str()))
    }
}

impl HandlingCode {
    pub const LEN: usize = 33;

    /// Check a handling-item code: a valid implementation code and two digits (01–99).
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldProblem> {
        let s = s.trim();
        if s.chars().count() != Self::LEN || !s.is_ascii() {
            return Err(FieldProblem::new(
                field,
                format!("业务办理项编码“{s}”应为33位：实施编码加2位序号"),
                format!("the handling-item code '{s}' must be 33 characters: the implementation code and 2 digits"),
            ));
        }
        ImplementationCode::parse(field, &s[..31])?;
        if !s[31..].chars().all(|c| c.is_ascii_digit()) || &s[31..] == "00" {
            return Err(FieldProblem::new(
                field,
                "业务办理项编码最后2位应为01—99",
                "the last 2 characters of a handling-item code must be 01–99",
            ));
        }
        Ok(HandlingCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn implementation(&self) -> ImplementationCode {
        ImplementationCode(self.0[..31].to_string())
    }
}

macro_rules! string_code {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $t::parse("code", &s).map_err(|p| p.en)
            }
        }
        impl From<$t> for String {
            fn from(c: $t) -> String {
                c.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
string_code!(BasicCode);
string_code!(ImplementationCode);
string_code!(HandlingCode);

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Uscc {
        Uscc::generate("11", "330000", "MB000104").unwrap()
    }

    #[test]
    fn basic_codes_name_their_item_type() {
        let c = BasicCode::parse("code", "002012345000").unwrap();
        assert_eq!(c.item_type(), ItemType::PublicService);
        assert_eq!(
            BasicCode::parse("code", "000101234000").unwrap().item_type(),
            ItemType::Licence
        );
        for bad in [
            "00012005600",
            "0001200560000",
            "00a120056000",
            "001120056000",
            "000099999000",
            "０００１２００５６０００",
        ] {
            assert!(BasicCode::parse("code", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn implementation_and_handling_codes_carry_a_valid_body_and_basic_code() {
        let basic = BasicCode::parse("code", "002012345000").unwrap();
        let i = ImplementationCode::of(&body(), '1', &basic);
        assert_eq!(i.as_str().len(), 31);
        assert_eq!(ImplementationCode::parse("code", i.as_str()).unwrap(), i);
        assert_eq!(i.basic(), basic);
        assert_eq!(i.body(), body().as_str());
        // A wrong check character in the body is refused.
        let mut wrong = i.as_str().to_string();
        wrong.replace_range(17..18, if &wrong[17..18] == "0" { "1" } else { "0" });
        assert!(ImplementationCode::parse("code", &wrong).is_err());
        let h = HandlingCode::parse("code", &format!("{i}01")).unwrap();
        assert_eq!(h.implementation(), i);
        assert!(HandlingCode::parse("code", &format!("{i}00")).is_err());
        assert!(HandlingCode::parse("code", &format!("{i}0A")).is_err());
        assert!(HandlingCode::parse("code", &format!("{i}0")).is_err());
        assert!(HandlingCode::parse("code", &format!("{i}0长")).is_err());
    }
}
