//! 脱敏 — the masking rules, the same everywhere personal data leaves the platform.
//!
//! A grant names a masking profile; each profile says which kinds of value are masked. The
//! rules keep enough to recognise a value (the region of an ID number, a surname, the last
//! digits of a phone or account) and never enough to use it.

use serde::{Deserialize, Serialize};

/// What kind of personal value a data item holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// 公民身份号码 (and other ID document numbers).
    IdNumber,
    /// A person's name.
    Name,
    /// A phone number.
    Phone,
    /// An address.
    Address,
    /// A bank account or card number.
    BankAccount,
    /// Anything else: never masked.
    Plain,
}

impl ValueKind {
    /// The kind of a value by the name of its field, for fields with no standard data element
    /// (the registry's elements say their own kind: `catalogue::DataItem::value_kind`).
    pub fn by_name(name: &str) -> ValueKind {
        if name.contains("身份号码") || name.contains("证件号码") {
            ValueKind::IdNumber
        } else if name.contains("电话") || name.contains("手机") {
            ValueKind::Phone
        } else if name.contains("账号") || name.contains("卡号") {
            ValueKind::BankAccount
        } else if name.contains("住址") || name.contains("地址") || name.contains("坐落") {
            ValueKind::Address
        } else if name == "姓名" || name.ends_with("姓名") {
            ValueKind::Name
        } else {
            ValueKind::Plain
        }
    }
}

/// 脱敏规则 — which kinds a grant masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskingProfile {
    /// Every personal kind is masked (the default for conditional grants).
    Strict,
    /// Names stay; ID numbers, phones, addresses and accounts are masked.
    Standard,
    /// Nothing is masked: only for grants whose legal basis requires full values.
    None,
}

impl MaskingProfile {
    /// Every profile, the strictest first.
    pub const ALL: [MaskingProfile; 3] = [MaskingProfile::Strict, MaskingProfile::Standard, MaskingProfile::None];

    pub fn code(self) -> &'static str {
        match self {
            MaskingProfile::Strict => "strict",
            MaskingProfile::Standard => "standard",
            MaskingProfile::None => "none",
        }
    }
    /// What people read: 严格脱敏 for `strict`.
    pub fn name(self, lang: crate::Lang) -> &'static str {
        match self {
            MaskingProfile::Strict => lang.pick("严格脱敏", "strict masking"),
            MaskingProfile::Standard => lang.pick("标准脱敏（姓名不脱敏）", "standard masking (names in full)"),
            MaskingProfile::None => lang.pick("不脱敏", "no masking"),
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        MaskingProfile::ALL.into_iter().find(|p| p.code() == code)
    }
    fn masks(self, kind: ValueKind) -> bool {
        !matches!(
            (self, kind),
            (_, ValueKind::Plain) | (MaskingProfile::None, _) | (MaskingProfile::Standard, ValueKind::Name)
        )
    }

    /// The value as it may leave the platform under this profile.
    pub fn apply(self, kind: ValueKind, value: &str) -> String {
        if self.masks(kind) {
            mask(kind, value)
        } else {
            value.to_string()
        }
    }
}

fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// Mask a value of `kind`:
/// - ID numbers keep the first 6 and last 4 characters (`110105********002X`);
/// - names keep the first character (`张*`, `欧***`);
/// - phones keep the first 3 and last 4 digits (`138****5678`);
/// - addresses keep the first 6 characters, the rest becomes `****` (`浙江省杭州市****`);
/// - bank accounts keep the last 4 digits (`************1234`).
pub fn mask(kind: ValueKind, value: &str) -> String {
    let v = value.trim();
    match kind {
        ValueKind::IdNumber => keep_ends(v, 6, 4),
        ValueKind::Name => mask_name(v),
        ValueKind::Phone => keep_ends(v, 3, 4),
        ValueKind::Address => {
            let head: String = v.chars().take(6).collect();
            if v.chars().count() <= 6 {
                "*".repeat(v.chars().count())
            } else {
                format!("{head}****")
            }
        }
        ValueKind::BankAccount => keep_ends(v, 0, 4),
        ValueKind::Plain => v.to_string(),
    }
}

/// Mask a person's name: the first character stays (`张*`, `欧阳**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_masked_as_documented() {
        assert_eq!(mask(ValueKind::IdNumber, "11010519491231002X"), "110105********002X");
        assert_eq!(mask(ValueKind::Name, "张三"), "张*");
        assert_eq!(mask(ValueKind::Phone, "13812345678"), "138****5678");
        assert_eq!(
            mask(ValueKind::Address, "浙江省杭州市西湖区文三路90号"),
            "浙江省杭州市****"
        );
        assert_eq!(
            mask(ValueKind::BankAccount, "6222021234567891234"),
            "***************1234"
        );
        assert_eq!(mask(ValueKind::Phone, "110"), "***");
    }

    #[test]
    fn profiles_decide_what_is_masked() {
        assert_eq!(MaskingProfile::Standard.apply(ValueKind::Name, "张三"), "张三");
        assert_eq!(MaskingProfile::Strict.apply(ValueKind::Name, "张三"), "张*");
        assert_eq!(
            MaskingProfile::None.apply(ValueKind::IdNumber, "11010519491231002X"),
            "11010519491231002X"
        );
        assert_eq!(MaskingProfile::Strict.apply(ValueKind::Plain, "有效"), "有效");
    }

    #[test]
    fn kinds_come_from_names() {
        assert_eq!(ValueKind::by_name("买受人证件号码"), ValueKind::IdNumber);
        assert_eq!(ValueKind::by_name("联系电话"), ValueKind::Phone);
        assert_eq!(ValueKind::by_name("户主姓名"), ValueKind::Name);
        assert_eq!(ValueKind::by_name("房屋坐落"), ValueKind::Address);
        assert_eq!(ValueKind::by_name("登记日期"), ValueKind::Plain);
    }
}
