//! Organisations and people: departments, their systems, users with scoped roles, applicants.
//!
//! Plain types with their standard codes and the rules on them; storage is elsewhere.

use crate::Lang;
use crate::id::{CitizenId, IdError, RegionCode, Uscc};
use serde::{Deserialize, Serialize};

/// A role a user holds, scoped to a department or a region (DESIGN.md, "Who uses it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 平台运营（数据资源管理局）.
    Operator,
    /// 数据管理员.
    DataSteward,
    /// 证照签发.
    CertIssuer,
    /// 综合窗口.
    WindowClerk,
    /// 后台审批.
    Approver,
    /// 督察.
    Supervisor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Operator,
        Role::DataSteward,
        Role::CertIssuer,
        Role::WindowClerk,
        Role::Approver,
        Role::Supervisor,
    ];

    /// The stable code used in the API, the database and `demo-credentials.json`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::DataSteward => "data_steward",
            Role::CertIssuer => "cert_issuer",
            Role::WindowClerk => "window_clerk",
            Role::Approver => "approver",
            Role::Supervisor => "supervisor",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Operator, Lang::Zh) => "平台运营",
            (Role::DataSteward, Lang::Zh) => "数据管理员",
            (Role::CertIssuer, Lang::Zh) => "证照签发员",
            (Role::WindowClerk, Lang::Zh) => "综合窗口",
            (Role::Approver, Lang::Zh) => "后台审批",
            (Role::Supervisor, Lang::Zh) => "督察",
            (Role::Operator, Lang::En) => "platform operator",
            (Role::DataSteward, Lang::En) => "data steward",
            (Role::CertIssuer, Lang::En) => "certificate issuer",
            (Role::WindowClerk, Lang::En) => "window clerk",
            (Role::Approver, Lang::En) => "approver",
            (Role::Supervisor, Lang::En) => "supervisor",
        }
    }
}

/// What a role is scoped to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    /// One department (and nothing else).
    Department { department_id: i64, region: RegionCode },
    /// A region and everything in it.
    Region { region: RegionCode },
}

impl Scope {
    /// Whether this scope covers a department located in `region` with id `department_id`.
    pub fn covers_department(&self, department_id: i64, region: &RegionCode) -> bool {
        match self {
            Scope::Department { department_id: d, .. } => *d == department_id,
            Scope::Region { region: r } => r.contains(region),
        }
    }

    /// Whether this scope covers a whole region (only region scopes can).
    pub fn covers_region(&self, region: &RegionCode) -> bool {
        match self {
            Scope::Department { .. } => false,
            Scope::Region { region: r } => r.contains(region),
        }
    }
}

/// A role held within a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: Role,
    pub scope: Scope,
}

/// 部门类型 — what kind of body a department is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentKind {
    /// 政府组成部门.
    Government,
    /// 直属机构、事业单位.
    Institution,
    /// 垂直管理部门 (tax, for example).
    Vertical,
    /// 其他.
    Other,
}

impl DepartmentKind {
    pub const ALL: [DepartmentKind; 4] = [
        DepartmentKind::Government,
        DepartmentKind::Institution,
        DepartmentKind::Vertical,
        DepartmentKind::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            DepartmentKind::Government => "government",
            DepartmentKind::Institution => "institution",
            DepartmentKind::Vertical => "vertical",
            DepartmentKind::Other => "other",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DepartmentKind::Government, Lang::Zh) => "政府组成部门",
            (DepartmentKind::Institution, Lang::Zh) => "直属机构或事业单位",
            (DepartmentKind::Vertical, Lang::Zh) => "垂直管理部门",
            (DepartmentKind::Other, Lang::Zh) => "其他",
            (DepartmentKind::Government, Lang::En) => "government department",
            (DepartmentKind::Institution, Lang::En) => "agency or public institution",
            (DepartmentKind::Vertical, Lang::En) => "vertically managed department",
            (DepartmentKind::Other, Lang::En) => "other",
        }
    }
}

/// 申请人 — a citizen or a company, identified by a validated number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ApplicantId {
    Person(CitizenId),
    Organisation(Uscc),
}

impl ApplicantId {
    /// A citizen ID number (18 or 15 digits) or a credit code, told apart by shape.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let n = s.chars().count();
        let digits17 = n >= 17 && s.chars().take(17).all(|c| c.is_ascii_digit());
        if n == 15 || (n == 18 && digits17 && CitizenId::parse(s).is_ok()) {
            return CitizenId::parse(s).map(ApplicantId::Person);
        }
        match Uscc::parse(s) {
            Ok(u) => Ok(ApplicantId::Organisation(u)),
            Err(e) if digits17 => Err(CitizenId::parse(s).err().unwrap_or(e)),
            Err(e) => Err(e),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            ApplicantId::Person(c) => c.as_str(),
            ApplicantId::Organisation(u) => u.as_str(),
        }
    }
    pub fn kind_code(&self) -> &'static str {
        match self {
            ApplicantId::Person(_) => "person",
            ApplicantId::Organisation(_) => "organisation",
        }
    }
    /// The form shown to anyone whose grant does not allow the full number. Credit codes are
    /// public registration data and are shown in full.
    pub fn masked(&self) -> String {
        match self {
            ApplicantId::Person(c) => c.masked(),
            ApplicantId::Organisation(u) => u.to_string(),
        }
    }
}

/// Names are masked by the masking rules.
pub use crate::masking::mask_name;

/// Usernames: 3–32 characters of lower-case letters, digits, `.`, `_`, `-`, starting with a letter.
pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Passwords: at least 10 characters, at most 128, not all of one class of characters.
pub fn password_problem(p: &str, lang: Lang) -> Option<&'static str> {
    let n = p.chars().count();
    let classes = [
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    match (!(10..=128).contains(&n), classes < 2, lang) {
        (true, _, Lang::Zh) => Some("密码长度应为10至128个字符"),
        (true, _, Lang::En) => Some("the password must be 10 to 128 characters long"),
        (_, true, Lang::Zh) => Some("密码应至少包含字母、数字、符号中的两类"),
        (_, true, Lang::En) => Some("the password must mix at least two of letters, digits and symbols"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn region_scope_covers_departments_below_it() {
        let zj = Scope::Region {
            region: RegionCode::parse("330000").unwrap(),
        };
        let hz = RegionCode::parse("330100").unwrap();
        let bj = RegionCode::parse("110000").unwrap();
        assert!(zj.covers_department(7, &hz));
        assert!(!zj.covers_department(7, &bj));
        let dept = Scope::Department {
            department_id: 7,
            region: hz.clone(),
        };
        assert!(dept.covers_department(7, &hz));
        assert!(!dept.covers_department(8, &hz));
        assert!(!dept.covers_region(&hz));
    }

    #[test]
    fn applicant_ids_are_told_apart() {
        assert!(matches!(
            ApplicantId::parse("11010519491231002X"),
            Ok(ApplicantId::Person(_))
        ));
        assert!(matches!(
            ApplicantId::parse("91350100M000100Y43"),
            Ok(ApplicantId::Organisation(_))
        ));
        assert!(matches!(
            ApplicantId::parse("11100000000013338W"),
            Ok(ApplicantId::Organisation(_))
        ));
        let e = ApplicantId::parse("110101199001011234").unwrap_err();
        assert_eq!(e.kind, crate::id::IdKind::CitizenId);
        assert_eq!(
            ApplicantId::parse("11010519491231002X").unwrap().masked(),
            "110105********002X"
        );
    }

    #[test]
    fn names_and_credentials_rules() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert!(valid_username("op.zj"));
        assert!(!valid_username("Op"));
        assert!(password_problem("short", Lang::Zh).is_some());
        assert!(password_problem("aaaaaaaaaaaa", Lang::Zh).is_some());
        assert!(password_problem("Demo-2026-zj", Lang::Zh).is_none());
    }
}
