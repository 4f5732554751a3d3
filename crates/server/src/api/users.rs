//! Users and their scoped roles.

use super::{PageQuery, Paged};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::id::RegionCode;
use yici_core::org::{Role, Scope, password_problem, valid_username};
use yici_store::users::{NewUser, User, UserRole};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub department_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
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

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = Paged<User>), (status = 403, body = crate::error::Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> ApiResult<axum::Json<Paged<User>>> {
    auth.require(Permission::ReadUsers, &Target::OwnScope)?;
    let page = q.page();
    let within = auth.departments_within(&state.store, Permission::ReadUsers).await?;
    Ok(axum::Json(Paged::new(
        state.store.list_users(page, within.as_deref()).await?,
        page,
    )))
}

/// What a user belongs to: their department and the scope of every role they hold. Acting on
/// a user needs all of them; a user with neither is the platform's.
pub async fn user_targets(state: &AppState, user: &User) -> ApiResult<Vec<Target>> {
    let mut targets = Vec::new();
    if let Some(d) = user.department_id {
        let dept = super::directory::find_department(state, d).await?;
        targets.push(Target::Department {
            id: d,
            region: dept.region(),
        });
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
pub async fn user_in_scope(state: &AppState, auth: &Auth, permission: Permission, id: i64) -> ApiResult<User> {
    auth.require(permission, &Target::OwnScope)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found("用户", "user"))?;
    auth.require_all(permission, &user_targets(state, &user).await?)?;
    Ok(user)
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 200, body = UserView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<UserView>> {
    let user = user_in_scope(&state, &auth, Permission::ReadUsers, id).await?;
    Ok(axum::Json(UserView {
        roles: state.store.user_roles(id).await?,
        user,
    }))
}

/// Validate a new account field by field.
pub fn validate_user(input: &UserInput) -> ApiResult<()> {
    let mut errors = Vec::new();
    if !valid_username(input.username.trim()) {
        errors.push(FieldError::new(
            "username",
            "用户名为3至32位小写字母、数字或 . _ -，以字母开头",
            "Usernames are 3 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter",
        ));
    }
    let n = input.display_name.trim().chars().count();
    if n == 0 || n > 40 {
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
        Err(ApiError::validation(errors))
    }
}

/// Create an account (its password hashed with argon2id) in a department the operator's scope
/// covers; an account of no department is the platform's.
pub async fn create(state: &AppState, auth: &Auth, input: &UserInput) -> ApiResult<User> {
    auth.require(Permission::ManageUsers, &Target::OwnScope)?;
    validate_user(input)?;
    let target = match input.department_id {
        Some(d) => {
            let dept = state
                .store
                .department(d)
                .await?
                .ok_or_else(|| ApiError::field("department_id", "部门不存在", "No such department"))?;
            Target::Department {
                id: d,
                region: dept.region(),
            }
        }
        None => Target::Platform,
    };
    auth.require(Permission::ManageUsers, &target)?;
    let event = &auth.event(Action::UserCreate, "user");
    let password = input.password.clone();
    let hash = tokio::task::spawn_blocking(move || yici_crypto::password::hash(&password))
        .await
        .map_err(|_| ApiError::internal())?;
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

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserInput,
    responses((status = 201, body = User), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<UserInput>,
) -> ApiResult<(StatusCode, axum::Json<User>)> {
    auth.require(Permission::ManageUsers, &Target::OwnScope)?;
    Ok((StatusCode::CREATED, axum::Json(create(&state, &auth, &input).await?)))
}

#[utoipa::path(put, path = "/api/v1/users/{id}/disabled", tag = "users", request_body = DisabledInput,
    responses((status = 200, body = User), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn set_disabled(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<DisabledInput>,
) -> ApiResult<axum::Json<User>> {
    user_in_scope(&state, &auth, Permission::ManageUsers, id).await?;
    if auth.user.as_ref().is_some_and(|u| u.id == id) && input.disabled {
        return Err(ApiError::conflict(
            "不能停用自己的账号",
            "You cannot disable your own account",
        ));
    }
    Ok(axum::Json(
        state
            .store
            .set_user_disabled(
                id,
                input.disabled,
                &auth.event(
                    if input.disabled {
                        Action::UserDisable
                    } else {
                        Action::UserEnable
                    },
                    "user",
                ),
            )
            .await?,
    ))
}

/// Resolve and authorise the scope of a role being granted: the granting operator must cover it.
pub async fn grant(state: &AppState, auth: &Auth, user_id: i64, input: &RoleInput) -> ApiResult<UserRole> {
    let role = Role::from_code(input.role.trim()).ok_or_else(|| {
        ApiError::field(
            "role",
            "角色应为 operator、data_steward、cert_issuer、window_clerk、approver 或 supervisor",
            "role must be operator, data_steward, cert_issuer, window_clerk, approver or supervisor",
        )
    })?;
    let region_code = input.region_code.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let scope = match (input.department_id, region_code) {
        (Some(d), None) => {
            let dept = super::directory::find_department(state, d).await?;
            auth.require(
                Permission::ManageUsers,
                &Target::Department {
                    id: d,
                    region: dept.region(),
                },
            )?;
            Scope::Department {
                department_id: d,
                region: dept.region(),
            }
        }
        (None, Some(r)) => {
            let region =
                RegionCode::parse(r).map_err(|e| ApiError::validation(vec![FieldError::id("region_code", &e)]))?;
            auth.require(Permission::ManageUsers, &Target::Region(region.clone()))?;
            Scope::Region { region }
        }
        _ => {
            return Err(ApiError::field(
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

#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", request_body = RoleInput,
    responses((status = 201, body = UserRole), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn grant_role(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<RoleInput>,
) -> ApiResult<(StatusCode, axum::Json<UserRole>)> {
    user_in_scope(&state, &auth, Permission::ManageUsers, id).await?;
    Ok((StatusCode::CREATED, axum::Json(grant(&state, &auth, id, &input).await?)))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{role_id}", tag = "users",
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_role(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, role_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    user_in_scope(&state, &auth, Permission::ManageUsers, id).await?;
    state
        .store
        .revoke_role(id, role_id, &auth.event(Action::RoleRevoke, "user_role"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
