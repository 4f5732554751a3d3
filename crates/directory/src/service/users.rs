//! Users (工作人员账号) and their scoped roles.

use super::regions::find_department;
use crate::DirectoryState;
use serde::{Deserialize, Serialize};
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::id::RegionCode;
use yici_core::org::{Role, Scope, password_problem, valid_username};
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::Page;
use yici_store::users::{NewUser, User, UserRole};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub department_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RoleInput {
    /// `operator`, `data_steward`, `cert_issuer`, `window_clerk`, `approver` or `supervisor`.
    pub role: String,
    /// Scope the role to this department …
    pub department_id: Option<i64>,
    /// … or to this region (exactly one of the two).
    pub region_code: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DisabledInput {
    pub disabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[serde(flatten)]
    pub user: User,
    pub roles: Vec<UserRole>,
}

/// The users whose department the caller's scope covers.
pub async fn users(state: &DirectoryState, auth: &Caller, page: Page) -> Result<Vec<User>> {
    auth.require(Permission::ReadUsers, &Target::OwnScope)?;
    let within = auth.departments_within(&state.store, Permission::ReadUsers).await?;
    Ok(state.store.list_users(page, within.as_deref()).await?)
}

/// What a user belongs to: their department and the scope of every role they hold. Acting on
/// a user needs all of them; a user with neither is the platform's.
pub async fn user_targets(state: &DirectoryState, user: &User) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    if let Some(d) = user.department_id {
        targets.push(find_department(state, d).await?.target());
    }
    for role in state.store.user_roles(user.id).await? {
        if let Some(g) = role.grant() {
            targets.push(Target::of_scope(&g.scope));
        }
    }
    if targets.is_empty() {
        targets.push(Target::Platform);
    }
    Ok(targets)
}

/// The user `id`, if `permission` reaches everything they belong to.
pub async fn user_in_scope(state: &DirectoryState, auth: &Caller, permission: Permission, id: i64) -> Result<User> {
    auth.require(permission, &Target::OwnScope)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| Error::not_found("用户", "user"))?;
    auth.require_all(permission, &user_targets(state, &user).await?)?;
    Ok(user)
}

/// A user with their roles.
pub async fn user(state: &DirectoryState, auth: &Caller, id: i64) -> Result<UserView> {
    let user = user_in_scope(state, auth, Permission::ReadUsers, id).await?;
    Ok(UserView {
        roles: state.store.user_roles(id).await?,
        user,
    })
}

/// Validate a new account field by field.
pub fn validate_user(input: &UserInput) -> Result<()> {
    let mut errors = Vec::new();
    if !valid_username(input.username.trim()) {
        errors.push(FieldError::new(
            "username",
            "用户名为3至32位小写字母、数字或 . _ -，以字母开头",
            "Usernames are 3 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter",
        ));
    }
    let n = input.display_name.trim().chars().count();
    if n == 0 || n > 40 || yici_core::text::has_control(&input.display_name) {
        errors.push(FieldError::new(
            "display_name",
            "请填写姓名，不超过40个字",
            "Enter a name of at most 40 characters",
        ));
    }
    if let Some(p) = password_problem(&input.password, Lang::Zh) {
        errors.push(FieldError::new(
            "password",
            p,
            password_problem(&input.password, Lang::En).unwrap_or_default(),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(errors))
    }
}

/// Create an account (its password hashed with argon2id) in a department the operator's scope
/// covers; an account of no department is the platform's.
pub async fn create(state: &DirectoryState, auth: &Caller, input: &UserInput) -> Result<User> {
    auth.require(Permission::ManageUsers, &Target::OwnScope)?;
    validate_user(input)?;
    let target = match input.department_id {
        Some(d) => state
            .store
            .department(d)
            .await?
            .ok_or_else(|| Error::field("department_id", "部门不存在", "No such department"))?
            .target(),
        None => Target::Platform,
    };
    auth.require(Permission::ManageUsers, &target)?;
    let event = &auth.event(Action::UserCreate, "user");
    let password = input.password.clone();
    let hash = tokio::task::spawn_blocking(move || yici_crypto::password::hash(&password))
        .await
        .map_err(|_| Error::internal())?;
    Ok(state
        .store
        .create_user(
            &NewUser {
                username: input.username.trim(),
                display_name: input.display_name.trim(),
                password_hash: &hash,
                department_id: input.department_id,
            },
            event,
        )
        .await?)
}

/// Disable or enable an account (never one's own).
pub async fn set_disabled(state: &DirectoryState, auth: &Caller, id: i64, disabled: bool) -> Result<User> {
    user_in_scope(state, auth, Permission::ManageUsers, id).await?;
    if auth.user.as_ref().is_some_and(|u| u.id == id) && disabled {
        return Err(Error::conflict(
            "不能停用自己的账号",
            "You cannot disable your own account",
        ));
    }
    let action = if disabled {
        Action::UserDisable
    } else {
        Action::UserEnable
    };
    Ok(state
        .store
        .set_user_disabled(id, disabled, &auth.event(action, "user"))
        .await?)
}

/// Grant a user a role in a scope: the granting operator must cover the user and the scope.
pub async fn grant(state: &DirectoryState, auth: &Caller, user_id: i64, input: &RoleInput) -> Result<UserRole> {
    user_in_scope(state, auth, Permission::ManageUsers, user_id).await?;
    let role = Role::from_code(input.role.trim()).ok_or_else(|| {
        Error::field(
            "role",
            "角色应为 operator、data_steward、cert_issuer、window_clerk、approver 或 supervisor",
            "role must be operator, data_steward, cert_issuer, window_clerk, approver or supervisor",
        )
    })?;
    let region_code = input.region_code.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let scope = match (input.department_id, region_code) {
        (Some(d), None) => {
            let dept = find_department(state, d).await?;
            auth.require(Permission::ManageUsers, &dept.target())?;
            Scope::Department {
                department_id: d,
                region: dept.region(),
            }
        }
        (None, Some(r)) => {
            let region =
                RegionCode::parse(r).map_err(|e| Error::validation(vec![FieldError::id("region_code", &e)]))?;
            auth.require(Permission::ManageUsers, &Target::Region(region.clone()))?;
            Scope::Region { region }
        }
        _ => {
            return Err(Error::field(
                "department_id",
                "请指定角色的范围：部门或行政区划，二者选一",
                "Give the role's scope: a department or a region, exactly one",
            ));
        }
    };
    Ok(state
        .store
        .grant_role(user_id, role, &scope, &auth.event(Action::RoleGrant, "user_role"))
        .await?)
}

/// Take a role back.
pub async fn revoke_role(state: &DirectoryState, auth: &Caller, user_id: i64, role_id: i64) -> Result<()> {
    user_in_scope(state, auth, Permission::ManageUsers, user_id).await?;
    state
        .store
        .revoke_role(user_id, role_id, &auth.event(Action::RoleRevoke, "user_role"))
        .await?;
    Ok(())
}
