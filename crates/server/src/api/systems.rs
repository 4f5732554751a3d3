//! Department systems and their bearer tokens.

use super::directory::find_department;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::audit::AuditEvent;
use yici_core::authz::{Permission, Target};
use yici_store::systems::{System, SystemToken};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SystemInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TokenInput {
    /// Days until the token expires, 1 to 1,095 (default from configuration, normally 365).
    pub valid_days: Option<u32>,
}

/// A newly issued token: `token` is shown here once and never again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub record: SystemToken,
}

/// The department target of a system, for authorisation.
pub async fn system_target(state: &AppState, system_id: i64) -> ApiResult<(System, Target)> {
    let system = state
        .store
        .system(system_id)
        .await?
        .ok_or_else(|| ApiError::not_found("应用系统", "system"))?;
    let d = find_department(state, system.department_id).await?;
    Ok((
        system,
        Target::Department {
            id: d.id,
            region: d.region(),
        },
    ))
}

async fn department_target(state: &AppState, department_id: i64) -> ApiResult<Target> {
    let d = find_department(state, department_id).await?;
    Ok(Target::Department {
        id: d.id,
        region: d.region(),
    })
}

#[utoipa::path(get, path = "/api/v1/departments/{id}/systems", tag = "systems",
    responses((status = 200, body = Vec<System>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn list_systems(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<System>>> {
    auth.require(Permission::ReadSystems, &Target::OwnScope)?;
    auth.require(Permission::ReadSystems, &department_target(&state, id).await?)?;
    Ok(axum::Json(state.store.list_systems(Some(id)).await?))
}

pub fn validate_system(input: &SystemInput) -> ApiResult<()> {
    let mut errors = Vec::new();
    let n = input.name.trim().chars().count();
    if n == 0 || n > 100 {
        errors.push(FieldError::new(
            "name",
            "请填写系统名称，不超过100个字",
            "Enter a name of at most 100 characters",
        ));
    }
    if input.description.chars().count() > 500 {
        errors.push(FieldError::new(
            "description",
            "说明不超过500个字",
            "The description may have at most 500 characters",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

#[utoipa::path(post, path = "/api/v1/departments/{id}/systems", tag = "systems", request_body = SystemInput,
    responses((status = 201, body = System), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_system(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<SystemInput>,
) -> ApiResult<(StatusCode, axum::Json<System>)> {
    auth.require(Permission::ManageSystems, &Target::OwnScope)?;
    auth.require(Permission::ManageSystems, &department_target(&state, id).await?)?;
    validate_system(&input)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(
            state
                .store
                .create_system(
                    id,
                    &input.name,
                    &input.description,
                    &auth.event(Action::SystemCreate, "system"),
                )
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/systems/{id}/tokens", tag = "systems",
    responses((status = 200, body = Vec<SystemToken>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<SystemToken>>> {
    auth.require(Permission::ReadSystems, &Target::OwnScope)?;
    let (_, target) = system_target(&state, id).await?;
    auth.require(Permission::ReadSystems, &target)?;
    Ok(axum::Json(state.store.system_tokens(id).await?))
}

/// Issue a token for a system (validity checked, plaintext returned once); `event` records it.
pub async fn issue(
    state: &AppState,
    system_id: i64,
    valid_days: Option<u32>,
    event: &AuditEvent,
) -> ApiResult<IssuedToken> {
    let days = valid_days.unwrap_or(state.config.token_validity_days);
    if !(1..=1095).contains(&days) {
        return Err(ApiError::field(
            "valid_days",
            "有效期应为1至1095天",
            "valid_days must be between 1 and 1,095",
        ));
    }
    let token = yici_crypto::token::generate("yici_sys_");
    let expires = state.config.clock.now_micros() + days as i64 * 86_400_000_000;
    let hint: String = token.plaintext.chars().take(14).collect();
    let record = state
        .store
        .issue_system_token(system_id, &token.digest, &hint, expires, event)
        .await?;
    Ok(IssuedToken {
        token: token.plaintext,
        record,
    })
}

#[utoipa::path(post, path = "/api/v1/systems/{id}/tokens", tag = "systems", request_body = TokenInput,
    responses((status = 201, body = IssuedToken), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn issue_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<TokenInput>,
) -> ApiResult<(StatusCode, axum::Json<IssuedToken>)> {
    auth.require(Permission::ManageSystems, &Target::OwnScope)?;
    let (_, target) = system_target(&state, id).await?;
    auth.require(Permission::ManageSystems, &target)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(
            issue(
                &state,
                id,
                input.valid_days,
                &auth.event(Action::TokenIssue, "system_token"),
            )
            .await?,
        ),
    ))
}

#[utoipa::path(delete, path = "/api/v1/systems/{id}/tokens/{token_id}", tag = "systems",
    responses((status = 200, body = SystemToken), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, token_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<SystemToken>> {
    auth.require(Permission::ManageSystems, &Target::OwnScope)?;
    let (_, target) = system_target(&state, id).await?;
    auth.require(Permission::ManageSystems, &target)?;
    Ok(axum::Json(
        state
            .store
            .revoke_system_token(id, token_id, &auth.event(Action::TokenRevoke, "system_token"))
            .await?,
    ))
}
