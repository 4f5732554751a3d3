//! 授权 — every authorisation decision of the platform, in one place.
//!
//! Handlers name a [`Permission`] and the [`Target`] it applies to; [`decide`] answers. Nothing
//! else in the code base grants or refuses access, so this table is the whole policy and the
//! server's role × endpoint test matrix checks it end to end.

use crate::id::RegionCode;
use crate::org::{Role, RoleGrant};
use serde::Serialize;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    /// A civil servant signed in with a password.
    User {
        id: i64,
        username: String,
        grants: Vec<RoleGrant>,
    },
    /// A department's application calling with its bearer token.
    System {
        id: i64,
        department_id: i64,
    },
    /// A citizen or company signed in through the identity provider.
    Applicant {
        id: i64,
    },
}

/// What is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the region tree and the department directory.
    ReadDirectory,
    /// Read the holiday calendar and compute working days.
    ReadCalendar,
    /// Add or replace a year of the holiday calendar.
    ManageCalendar,
    ManageRegions,
    ManageDepartments,
    /// List a department's systems (never their tokens).
    ReadSystems,
    /// Register systems, issue and revoke their tokens.
    ManageSystems,
    /// List users and their roles.
    ReadUsers,
    /// Create users, assign roles, disable accounts.
    ManageUsers,
    /// Look up applicants by ID number or credit code.
    ReadApplicants,
    /// Search the audit log and export it.
    ReadAudit,
    /// Make audit checkpoints on demand.
    ManageAudit,
    /// A citizen's or company's own "who used my data" (谁用了我的数据).
    ReadOwnDataUses,
    /// Read the government catalogue (all published resources) and its statistics.
    ReadCatalogue,
    /// Create and edit a department's catalogue resources and mapping rules, submit them for
    /// review, ask to withdraw them: the provider's data stewards only.
    ManageCatalogue,
    /// Approve or reject catalogue resources and withdrawals.
    ReviewCatalogue,
    /// File a sharing request for one's department (its data stewards).
    RequestSharing,
    /// Answer the sharing requests addressed to one's department, revoke its grants.
    AnswerSharing,
    /// Coordinate escalated sharing requests and revoke any grant (operators).
    CoordinateSharing,
    /// Read sharing requests, grants and notifications.
    ReadSharing,
    /// Call the exchange API: department systems only, and then only under a grant.
    CallExchange,
    /// Define and edit the department's certificate types (certificate issuers).
    ManageCertificateTypes,
    /// Issue, change, renew, suspend, revoke and cancel the department's certificates.
    IssueCertificates,
    /// List seals (operators; issuers for their department).
    ReadSeals,
    /// Make, rotate and revoke department seals (operators).
    ManageSeals,
    /// Find certificates by holder and request use copies, under the holder's consent.
    UseCertificates,
    /// A citizen's or company's own certificates: list, share, show, see their uses.
    HoldCertificates,
    /// Edit the implementations of service items of one's department and submit them for
    /// review (its data stewards).
    ManageItems,
    /// Review and publish service items; define basic items and bundles (operators).
    ReviewItems,
    /// Apply for a service for oneself (applicants signed in).
    Apply,
    /// Take applications at a window, accept, refuse or ask for supplements, record visits and
    /// deliveries (window clerks, in the regions of their windows).
    ReceiveCases,
    /// Decide the tasks of parallel approval of one's department (approvers).
    DecideTasks,
    /// Read the cases of one's scope (clerks, approvers, supervisors, operators).
    ReadCases,
    /// Let a second supplement notice go beyond the first, with a recorded reason (supervisors).
    OverrideNotices,
    /// Approve the extension of a case's promised limit (supervisors).
    ApproveExtensions,
    /// Verify, rectify, answer and revisit the bad reviews of one's department (its approvers:
    /// 谁办理、谁整改).
    RectifyReviews,
    /// Decide appeals against verifications and mark malicious reviews (supervisors).
    SuperviseReviews,
    /// Read the supervision metrics, dashboards and the cases behind them, in one's scope
    /// (supervisors, operators).
    ReadMetrics,
    /// Read the alerts of cases, tasks, sharing requests and rectifications turned yellow or
    /// red: supervisors and operators in their scope, approvers and data stewards for their
    /// departments.
    ReadAlerts,
    /// Set the weights of the assessment (a province's supervisors and operators), run an
    /// assessment and record inspections and their follow-up, in one's scope (supervisors).
    ManageAssessment,
}

impl Permission {
    /// What the permission allows, in words, for refusals.
    pub fn describe(self, lang: crate::Lang) -> &'static str {
        use Permission::*;
        match self {
            ReadDirectory => lang.pick("查看区划和部门目录", "read the region and department directory"),
            ReadCalendar => lang.pick("查看工作日历", "read the working-day calendar"),
            ManageCalendar => lang.pick("维护节假日安排", "maintain the holiday calendar"),
            ManageRegions => lang.pick("维护行政区划", "maintain regions"),
            ManageDepartments => lang.pick("维护部门", "maintain departments"),
            ReadSystems => lang.pick("查看部门应用系统", "read a department's systems"),
            ManageSystems => lang.pick("管理应用系统及其令牌", "manage systems and their tokens"),
            ReadUsers => lang.pick("查看用户", "read users"),
            ManageUsers => lang.pick("管理用户和角色", "manage users and roles"),
            ReadApplicants => lang.pick("查询申请人", "look up applicants"),
            ReadAudit => lang.pick("查询审计日志", "search the audit log"),
            ManageAudit => lang.pick("生成审计检查点", "make audit checkpoints"),
            ReadOwnDataUses => lang.pick("查看本人数据使用记录", "read one's own data-use record"),
            ReadCatalogue => lang.pick("查看政务数据资源目录", "read the government catalogue"),
            ManageCatalogue => lang.pick("编目本部门数据资源", "catalogue the department's resources"),
            ReviewCatalogue => lang.pick("审核数据资源目录", "review catalogue resources"),
            RequestSharing => lang.pick("提交共享申请", "file sharing requests"),
            AnswerSharing => lang.pick("答复共享申请", "answer sharing requests"),
            CoordinateSharing => lang.pick("协调共享争议", "coordinate sharing disputes"),
            ReadSharing => lang.pick("查看共享申请和授权", "read sharing requests and grants"),
            CallExchange => lang.pick("调用共享交换接口（仅限应用系统）", "call the exchange (systems only)"),
            ManageCertificateTypes => lang.pick("维护本部门证照类型", "maintain the department's certificate types"),
            IssueCertificates => lang.pick("签发和管理本部门证照", "issue and manage the department's certificates"),
            ReadSeals => lang.pick("查看电子印章", "read seals"),
            ManageSeals => lang.pick("制发、更换和吊销电子印章", "make, rotate and revoke seals"),
            UseCertificates => lang.pick(
                "经持证人授权查询和用证",
                "find and use certificates with the holder's consent",
            ),
            HoldCertificates => lang.pick("管理本人证照", "manage one's own certificates"),
            ManageItems => lang.pick("编辑本部门政务服务事项", "edit the department's service items"),
            ReviewItems => lang.pick("审核发布政务服务事项", "review and publish service items"),
            Apply => lang.pick("申请办事", "apply for services"),
            ReceiveCases => lang.pick("窗口受理办件", "take and accept applications at a window"),
            DecideTasks => lang.pick("审批本部门办件", "decide the department's tasks"),
            ReadCases => lang.pick("查看办件", "read cases"),
            OverrideNotices => lang.pick("批准超出首次告知的补正", "allow a supplement beyond the first notice"),
            ApproveExtensions => lang.pick("批准办件延期", "approve the extension of a case"),
            RectifyReviews => lang.pick("核实整改本部门差评", "verify and rectify the department's bad reviews"),
            SuperviseReviews => lang.pick("复核申诉、认定恶意评价", "decide appeals and mark malicious reviews"),
            ReadMetrics => lang.pick("查看督察考核指标", "read the supervision metrics"),
            ReadAlerts => lang.pick("查看超期预警", "read the deadline alerts"),
            ManageAssessment => lang.pick("开展考核与督察", "run assessments and record inspections"),
        }
    }
}

/// What the permission applies to. Every object carries its owner: the department it belongs
/// to (with that department's region) or the region it lies in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Platform-wide administration: the holiday calendar, the whole audit log, its export and
    /// checkpoints. Only a role held over a whole province (the top of the region tree) reaches it.
    Platform,
    /// Somewhere inside the principal's own scope: the gate of a list or a form. A list is then
    /// cut to [`coverage`]; an object is checked again with its own target.
    OwnScope,
    /// A region and what lies in it.
    Region(RegionCode),
    /// One department.
    Department { id: i64, region: RegionCode },
}

impl Target {
    /// The target of whatever a scope names (a user's role, for instance).
    pub fn of_scope(scope: &crate::org::Scope) -> Target {
        match scope {
            crate::org::Scope::Department { department_id, region } => Target::Department {
                id: *department_id,
                region: region.clone(),
            },
            crate::org::Scope::Region { region } => Target::Region(region.clone()),
        }
    }
}

/// How much of the platform a principal reaches with a permission: lists are cut to this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// The whole platform (a role over a province, or a permission that is not scoped).
    All,
    /// These scopes only.
    Scopes(Vec<crate::org::Scope>),
    /// Nothing at all.
    Nothing,
}

impl Coverage {
    /// Whether a department located in `region` is covered.
    pub fn covers_department(&self, id: i64, region: &RegionCode) -> bool {
        match self {
            Coverage::All => true,
            Coverage::Scopes(scopes) => scopes.iter().any(|s| s.covers_department(id, region)),
            Coverage::Nothing => false,
        }
    }
    /// Whether a whole region is covered.
    pub fn covers_region(&self, region: &RegionCode) -> bool {
        match self {
            Coverage::All => true,
            Coverage::Scopes(scopes) => scopes.iter().any(|s| s.covers_region(region)),
            Coverage::Nothing => false,
        }
    }
    /// Whether what a scope names is covered.
    pub fn covers_scope(&self, scope: &crate::org::Scope) -> bool {
        match scope {
            crate::org::Scope::Department { department_id, region } => self.covers_department(*department_id, region),
            crate::org::Scope::Region { region } => self.covers_region(region),
        }
    }
}

/// The part of the platform `principal` reaches with `permission`.
pub fn coverage(principal: &Principal, permission: Permission) -> Coverage {
    match principal {
        Principal::User { grants, .. } => {
            let roles = roles_for(permission);
            let held: Vec<&RoleGrant> = grants.iter().filter(|g| roles.contains(&g.role)).collect();
            if held.is_empty() {
                Coverage::Nothing
            } else if held.iter().any(|g| over_province(g)) {
                Coverage::All
            } else {
                Coverage::Scopes(held.into_iter().map(|g| g.scope.clone()).collect())
            }
        }
        _ => match decide(principal, permission, &Target::OwnScope) {
            Ok(()) => Coverage::All,
            Err(_) => Coverage::Nothing,
        },
    }
}

/// Whether a role is held over a whole province.
fn over_province(grant: &RoleGrant) -> bool {
    matches!(&grant.scope, crate::org::Scope::Region { region } if region.level() == crate::id::RegionLevel::Province)
}

/// A refusal, with the reason in words for the problem document and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is signed in (HTTP 401).
    Unauthenticated,
    /// Signed in, but no role grants this (HTTP 403).
    Forbidden { permission: Permission },
}

/// The roles that may exercise each permission over a target inside their scope.
fn roles_for(permission: Permission) -> &'static [Role] {
    use Permission::*;
    use Role::*;
    match permission {
        ReadDirectory | ReadCalendar => &Role::ALL,
        ManageCalendar | ManageRegions | ManageDepartments | ManageSystems | ManageUsers => &[Operator],
        ReadSystems => &[Operator, DataSteward],
        ReadUsers => &[Operator, Supervisor],
        ReadApplicants => &[Operator, WindowClerk],
        ReadAudit => &[Operator, Supervisor],
        ManageAudit => &[Operator],
        ReadOwnDataUses => &[],
        ReadCatalogue => &Role::ALL,
        ManageCatalogue => &[DataSteward],
        ReviewCatalogue => &[Operator],
        RequestSharing | AnswerSharing => &[DataSteward],
        CoordinateSharing => &[Operator],
        ReadSharing => &[Operator, DataSteward, Supervisor],
        CallExchange => &[],
        ManageCertificateTypes | IssueCertificates => &[CertIssuer],
        ReadSeals => &[Operator, CertIssuer],
        ManageSeals => &[Operator],
        UseCertificates => &[WindowClerk, Approver, CertIssuer],
        HoldCertificates => &[],
        ManageItems => &[DataSteward],
        ReviewItems => &[Operator],
        Apply => &[],
        ReceiveCases => &[WindowClerk],
        DecideTasks => &[Approver],
        ReadCases => &[WindowClerk, Approver, Supervisor, Operator],
        OverrideNotices | ApproveExtensions => &[Supervisor],
        RectifyReviews => &[Approver],
        SuperviseReviews => &[Supervisor],
        ReadMetrics => &[Supervisor, Operator],
        ReadAlerts => &[Supervisor, Operator, Approver, DataSteward],
        ManageAssessment => &[Supervisor],
    }
}

fn in_scope(grant: &RoleGrant, target: &Target) -> bool {
    match target {
        Target::Platform => over_province(grant),
        Target::OwnScope => true,
        Target::Region(r) => grant.scope.covers_region(r),
        Target::Department { id, region } => grant.scope.covers_department(*id, region),
    }
}

/// Decide whether `principal` may exercise `permission` on `target`.
pub fn decide(principal: &Principal, permission: Permission, target: &Target) -> Result<(), Denied> {
    let forbidden = Err(Denied::Forbidden { permission });
    match principal {
        Principal::Anonymous => Err(Denied::Unauthenticated),
        Principal::System { .. } => match permission {
            Permission::ReadDirectory
            | Permission::ReadCalendar
            | Permission::ReadCatalogue
            | Permission::CallExchange => Ok(()),
            // A system uses certificates for its own department only.
            Permission::UseCertificates => match target {
                Target::Department { id, .. } if Some(*id) == system_department(principal) => Ok(()),
                _ => forbidden,
            },
            _ => forbidden,
        },
        Principal::Applicant { .. } => match permission {
            Permission::ReadDirectory
            | Permission::ReadCalendar
            | Permission::ReadOwnDataUses
            | Permission::HoldCertificates
            | Permission::Apply => Ok(()),
            _ => forbidden,
        },
        Principal::User { grants, .. } => {
            let roles = roles_for(permission);
            let ok = grants.iter().any(|g| {
                roles.contains(&g.role)
                    && (matches!(
                        permission,
                        Permission::ReadDirectory | Permission::ReadCalendar | Permission::ReadCatalogue
                    ) || in_scope(g, target))
            });
            if ok { Ok(()) } else { forbidden }
        }
    }
}

fn system_department(principal: &Principal) -> Option<i64> {
    match principal {
        Principal::System { department_id, .. } => Some(*department_id),
        _ => None,
    }
}

/// The roles of a user, for navigation and display.
pub fn roles_of(principal: &Principal) -> Vec<Role> {
    match principal {
        Principal::User { grants, .. } => {
            let mut r: Vec<Role> = grants.iter().map(|g| g.role).collect();
            r.sort();
            r.dedup();
            r
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Scope;

    fn user(role: Role, scope: Scope) -> Principal {
        Principal::User {
            id: 1,
            username: "u".into(),
            grants: vec![RoleGrant { role, scope }],
        }
    }
    fn region(c: &str) -> RegionCode {
        RegionCode::parse(c).unwrap()
    }

    #[test]
    fn operator_manages_departments_only_inside_its_region() {
        let op = user(
            Role::Operator,
            Scope::Region {
                region: region("330100"),
            },
        );
        let inside = Target::Department {
            id: 1,
            region: region("330106"),
        };
        let outside = Target::Department {
            id: 2,
            region: region("330200"),
        };
        assert_eq!(decide(&op, Permission::ManageDepartments, &inside), Ok(()));
        assert!(decide(&op, Permission::ManageDepartments, &outside).is_err());
    }

    #[test]
    fn steward_reads_only_its_own_departments_systems() {
        let hz = region("330100");
        let st = user(
            Role::DataSteward,
            Scope::Department {
                department_id: 5,
                region: hz.clone(),
            },
        );
        assert_eq!(
            decide(
                &st,
                Permission::ReadSystems,
                &Target::Department {
                    id: 5,
                    region: hz.clone()
                }
            ),
            Ok(())
        );
        assert!(
            decide(
                &st,
                Permission::ReadSystems,
                &Target::Department {
                    id: 6,
                    region: hz.clone()
                }
            )
            .is_err()
        );
        assert!(
            decide(
                &st,
                Permission::ManageSystems,
                &Target::Department { id: 5, region: hz }
            )
            .is_err()
        );
    }

    #[test]
    fn only_a_province_wide_role_acts_platform_wide() {
        let city = user(
            Role::Operator,
            Scope::Region {
                region: region("330800"),
            },
        );
        let province = user(
            Role::Operator,
            Scope::Region {
                region: region("330000"),
            },
        );
        assert!(decide(&city, Permission::ManageCalendar, &Target::Platform).is_err());
        assert_eq!(decide(&city, Permission::ManageUsers, &Target::OwnScope), Ok(()));
        assert_eq!(decide(&province, Permission::ManageCalendar, &Target::Platform), Ok(()));
        let supervisor = user(
            Role::Supervisor,
            Scope::Department {
                department_id: 3,
                region: region("330000"),
            },
        );
        assert!(decide(&supervisor, Permission::ReadAudit, &Target::Platform).is_err());
        assert_eq!(decide(&supervisor, Permission::ReadAudit, &Target::OwnScope), Ok(()));
    }

    #[test]
    fn coverage_is_what_the_roles_reach() {
        let hz = region("330100");
        let city = user(Role::Operator, Scope::Region { region: hz.clone() });
        let c = coverage(&city, Permission::ManageUsers);
        assert!(c.covers_department(1, &region("330106")));
        assert!(!c.covers_department(2, &region("330000")));
        assert!(!c.covers_region(&region("330000")));
        assert_eq!(
            coverage(&city, Permission::ReadAudit),
            Coverage::Scopes(vec![Scope::Region { region: hz }])
        );
        assert_eq!(coverage(&city, Permission::IssueCertificates), Coverage::Nothing);
        let province = user(
            Role::Supervisor,
            Scope::Region {
                region: region("330000"),
            },
        );
        assert_eq!(coverage(&province, Permission::ReadAudit), Coverage::All);
        assert_eq!(
            coverage(&Principal::Anonymous, Permission::ReadAudit),
            Coverage::Nothing
        );
    }

    #[test]
    fn department_scoped_operator_cannot_act_platform_wide() {
        let op = user(
            Role::Operator,
            Scope::Department {
                department_id: 1,
                region: region("330000"),
            },
        );
        assert!(decide(&op, Permission::ManageCalendar, &Target::Platform).is_err());
    }

    #[test]
    fn anonymous_is_unauthenticated_and_systems_only_read() {
        assert_eq!(
            decide(&Principal::Anonymous, Permission::ReadDirectory, &Target::Platform),
            Err(Denied::Unauthenticated)
        );
        let sys = Principal::System {
            id: 1,
            department_id: 1,
        };
        assert_eq!(decide(&sys, Permission::ReadCalendar, &Target::Platform), Ok(()));
        assert!(decide(&sys, Permission::ManageUsers, &Target::Platform).is_err());
    }
}
