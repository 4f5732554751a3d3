//! Who is asking, and the single authorisation check.
//!
//! The web kit resolves the caller once per request (a department system's token, a person's
//! session, or nobody); jobs and the command line act as one of the platform's own actors.
//! Every operation then calls [`Caller::require`], which asks `yici_core::authz::decide`: the
//! policy lives there and nowhere else.

use crate::error::{Error, Kind, Result};
use yici_core::Lang;
use yici_core::audit::{Action, Actor, AuditEvent, Outcome};
use yici_core::authz::{Coverage, Denied, Permission, Principal, Target, decide};
use yici_core::org::RoleGrant;
use yici_store::applicants::Applicant;
use yici_store::users::User;

/// The signed-in session behind a request.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub digest: String,
    pub csrf_token: String,
}

/// Who is asking, resolved once per request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub session: Option<SessionInfo>,
    pub user: Option<User>,
    pub applicant: Option<Applicant>,
}

impl Caller {
    pub fn anonymous() -> Self {
        Caller::of(Principal::Anonymous)
    }

    /// A caller with no session or record behind it (a department system, a test).
    pub fn of(principal: Principal) -> Self {
        Caller {
            principal,
            session: None,
            user: None,
            applicant: None,
        }
    }

    /// Allow or refuse, with an error that names what is missing. A refusal carries its audit
    /// entry, written before it is answered.
    pub fn require(&self, permission: Permission, target: &Target) -> Result<()> {
        match decide(&self.principal, permission, target) {
            Ok(()) => Ok(()),
            Err(Denied::Unauthenticated) => Err(Error::unauthenticated()),
            Err(Denied::Forbidden { permission }) => {
                tracing::info!(?permission, principal = %self.actor().label, "authorisation refused");
                let refusal = self
                    .event(Action::AccessRefuse, "permission")
                    .object(format!("{permission:?}"))
                    .outcome(Outcome::Refused, permission.describe(Lang::En));
                Err(Error::new(
                    Kind::Forbidden,
                    "forbidden",
                    format!("无权执行此操作：需要“{}”的权限", permission.describe(Lang::Zh)),
                    format!(
                        "Not allowed: this needs the permission to {}",
                        permission.describe(Lang::En)
                    ),
                )
                .recorded(refusal))
            }
        }
    }

    /// Allow when every target is allowed (an object with several owners, such as a user
    /// holding roles in several places).
    pub fn require_all<'a>(&self, permission: Permission, targets: impl IntoIterator<Item = &'a Target>) -> Result<()> {
        targets.into_iter().try_for_each(|t| self.require(permission, t))
    }

    /// The part of the platform this principal reaches with `permission`: lists are cut to it.
    pub fn coverage(&self, permission: Permission) -> Coverage {
        yici_core::authz::coverage(&self.principal, permission)
    }

    /// The departments this principal reaches with `permission`, or `None` for all of them.
    pub async fn departments_within(
        &self,
        store: &yici_store::Store,
        permission: Permission,
    ) -> Result<Option<Vec<i64>>> {
        Ok(match self.coverage(permission) {
            Coverage::All => None,
            Coverage::Nothing => Some(Vec::new()),
            c @ Coverage::Scopes(_) => Some(
                store
                    .list_departments(None, yici_store::Page::all())
                    .await?
                    .into_iter()
                    .filter(|d| c.covers_department(d.id, &d.region()))
                    .map(|d| d.id)
                    .collect(),
            ),
        })
    }

    /// Keep the rows of a list whose department `permission` reaches (by `department_of`).
    pub async fn keep_within<T>(
        &self,
        store: &yici_store::Store,
        permission: Permission,
        rows: Vec<T>,
        department_of: impl Fn(&T) -> Vec<i64>,
    ) -> Result<Vec<T>> {
        Ok(match self.departments_within(store, permission).await? {
            None => rows,
            Some(within) => rows
                .into_iter()
                .filter(|r| department_of(r).iter().any(|d| within.contains(d)))
                .collect(),
        })
    }

    /// Who is acting, for the audit log.
    pub fn actor(&self) -> Actor {
        match &self.principal {
            Principal::Anonymous => Actor::named("anonymous"),
            Principal::User { id, username, .. } => {
                Actor::user(*id, username, self.user.as_ref().and_then(|u| u.department_id))
            }
            Principal::System { id, department_id } => Actor::department_system(*id, *department_id),
            Principal::Applicant { id } => Actor::applicant(*id),
        }
    }

    /// An audit entry for an action of this caller in the current request.
    pub fn event(&self, action: Action, object_type: &str) -> AuditEvent {
        crate::context::request_event(yici_store::now_micros(), self.actor(), action, object_type)
    }

    /// The roles a signed-in user holds.
    pub fn grants(&self) -> &[RoleGrant] {
        match &self.principal {
            Principal::User { grants, .. } => grants,
            _ => &[],
        }
    }

    pub fn csrf_token(&self) -> &str {
        self.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")
    }

    /// The department system calling, or 401 for anyone else.
    pub fn system_id(&self) -> Result<i64> {
        match self.principal {
            Principal::System { id, .. } => Ok(id),
            _ => Err(Error::unauthenticated()),
        }
    }
}
