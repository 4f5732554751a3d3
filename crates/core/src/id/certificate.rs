//! 电子证照标识 (licence identifier of the national integrated government service platform):
//! `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`.
//!
//! The check character is ISO/IEC 7064 MOD 37,36 over type + issuer + serial + version with the
//! dots removed and the root excluded.

use super::{IdError, IdKind, IdReason, RegionCode, Uscc, require_text, text_identifier};

const ROOT: &str = "1.2.156.3005.2";
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const KIND: IdKind = IdKind::CertificateId;

/// A validated e-certificate identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateId(String);
text_identifier!(CertificateId);

fn value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        _ => None,
    }
}

/// ISO/IEC 7064 MOD 37,36 check character over upper-case alphanumerics.
pub fn mod37_36_check(data: &str) -> Option<char> {
    let mut p: u32 = 36;
    for c in data.chars() {
        p = (p + value(c)?) % 36;
        if p == 0 {
            p = 36;
        }
        p = (2 * p) % 37;
    }
    Some(ALPHABET[((37 - p) % 36) as usize] as char)
}

fn layout(zh: &'static str, en: &'static str) -> IdReason {
    IdReason::Layout { zh, en }
}

impl CertificateId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        require_text(KIND, s)?;
        let Some(rest) = s.strip_prefix(ROOT).and_then(|r| r.strip_prefix('.')) else {
            return Err(IdError::new(
                KIND,
                Some(1),
                layout(
                    "必须以根标识 1.2.156.3005.2. 开头",
                    "must start with the root 1.2.156.3005.2.",
                ),
            ));
        };
        let parts: Vec<&str> = rest.split('.').collect();
        if parts.len() != 5 {
            return Err(IdError::new(
                KIND,
                None,
                layout(
                    "根标识后应有5段：证照类型代码.颁发机构代码.流水号.版本号.校验位",
                    "after the root there must be 5 parts: type.issuer.serial.version.check",
                ),
            ));
        }
        // 1-based character position of the start of each part.
        let mut starts = Vec::with_capacity(5);
        let mut pos = ROOT.len() + 2;
        for p in &parts {
            starts.push(pos);
            pos += p.chars().count() + 1;
        }
        let alnum = |part: &str, start: usize| -> Result<(), IdError> {
            match part.chars().enumerate().find(|(_, c)| value(*c).is_none()) {
                Some((i, c)) => Err(IdError::new(
                    KIND,
                    Some(start + i),
                    IdReason::Char {
                        found: c,
                        allowed: "0-9 A-Z",
                    },
                )),
                None => Ok(()),
            }
        };
        let (ty, issuer, serial, version, check) = (parts[0], parts[1], parts[2], parts[3], parts[4]);
        alnum(ty, starts[0])?;
        if ty.len() != 21 || !ty[18..].chars().all(|c| c.is_ascii_digit()) {
            return Err(IdError::new(
                KIND,
                Some(starts[0]),
                layout(
                    "证照类型代码应为21位：定义部门统一社会信用代码18位 + 3位数字顺序码",
                    "the type code must be 21 characters: the defining department's USCC + 3 digits",
                ),
            ));
        }
        alnum(issuer, starts[1])?;
        let issuer_ok = match issuer.len() {
            18 => Uscc::parse(issuer).is_ok(),
            6 => RegionCode::parse(issuer).is_ok(),
            _ => false,
        };
        if !issuer_ok {
            return Err(IdError::new(
                KIND,
                Some(starts[1]),
                layout(
                    "颁发机构代码应为有效的18位统一社会信用代码或6位行政区划代码",
                    "the issuer code must be a valid 18-character USCC or 6-digit region code",
                ),
            ));
        }
        alnum(serial, starts[2])?;
        if serial.is_empty() || serial.len() > 32 {
            return Err(IdError::new(
                KIND,
                Some(starts[2]),
                layout(
                    "流水号应为1至32位数字或大写字母",
                    "the serial must be 1 to 32 digits or capitals",
                ),
            ));
        }
        if version.len() != 3 || !version.chars().all(|c| c.is_ascii_digit()) || version == "000" {
            return Err(IdError::new(
                KIND,
                Some(starts[3]),
                layout(
                    "版本号应为3位数字，从001开始",
                    "the version must be 3 digits starting at 001",
                ),
            ));
        }
        let body = format!("{ty}{issuer}{serial}{version}");
        let expected = mod37_36_check(&body).expect("alphabet checked above");
        let found = check.chars().next().unwrap_or(' ');
        if check.chars().count() != 1 || found != expected {
            return Err(IdError::new(KIND, Some(starts[4]), IdReason::Check { expected, found }));
        }
        Ok(CertificateId(s.to_string()))
    }

    /// Compose an identifier and generate its check character.
    pub fn generate(type_code: &str, issuer: &str, serial: &str, version: u16) -> Result<Self, IdError> {
        let version = format!("{version:03}");
        let body = format!("{type_code}{issuer}{serial}{version}");
        let check = mod37_36_check(&body).ok_or_else(|| {
            IdError::new(
                KIND,
                None,
                layout("只能包含数字和大写字母", "only digits and capitals are allowed"),
            )
        })?;
        Self::parse(&format!("{ROOT}.{type_code}.{issuer}.{serial}.{version}.{check}"))
    }

    fn part(&self, i: usize) -> &str {
        self.0[ROOT.len() + 1..].split('.').nth(i).expect("validated at parse")
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn type_code(&self) -> &str {
        self.part(0)
    }
    /// The defining department's USCC (the first 18 characters of the type code).
    pub fn defining_department(&self) -> &str {
        &self.type_code()[..18]
    }
    pub fn issuer(&self) -> &str {
        self.part(1)
    }
    pub fn serial(&self) -> &str {
        self.part(2)
    }
    pub fn version(&self) -> u16 {
        self.part(3).parse().expect("validated at parse")
    }
    pub fn check(&self) -> char {
        self.part(4).chars().next().expect("validated at parse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: [&str; 2] = [
        "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
        "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
    ];

    #[test]
    fn standard_vectors_are_valid() {
        for v in VECTORS {
            CertificateId::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
        let id = CertificateId::parse(VECTORS[0]).unwrap();
        assert_eq!(id.type_code(), "11100000000013338W032");
        assert_eq!(id.issuer(), "11220000013544541J");
        assert_eq!(id.serial(), "2430599");
        assert_eq!(id.version(), 1);
        assert_eq!(id.check(), 'F');
    }

    #[test]
    fn generation_reproduces_the_vectors() {
        let a = CertificateId::generate("11100000000013338W032", "11220000013544541J", "2430599", 1).unwrap();
        assert_eq!(a.as_str(), VECTORS[0]);
        let b = CertificateId::generate("11100000MB03271699022", "340100", "000000016", 1).unwrap();
        assert_eq!(b.as_str(), VECTORS[1]);
    }

    #[test]
    fn wrong_check_is_reported_at_its_position() {
        let bad = VECTORS[0].replace(".001.F", ".001.G");
        let e = CertificateId::parse(&bad).unwrap_err();
        assert_eq!(e.position, Some(bad.len()));
        assert_eq!(
            e.reason,
            IdReason::Check {
                expected: 'F',
                found: 'G'
            }
        );
    }

    #[test]
    fn wrong_root_is_rejected() {
        let e =
            CertificateId::parse("1.2.156.3006.2.11100000000013338W032.11220000013544541J.2430599.001.F").unwrap_err();
        assert!(matches!(e.reason, IdReason::Layout { .. }));
    }
}
