//! Department systems (应用系统) and their bearer tokens.

use super::regions::find_department;
use crate::DirectoryState;
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::systems::{System, SystemToken};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
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

/// A system and its department as the target of an authorisation check.
pub async fn system_target(state: &DirectoryState, system_id: i64) -> Result<(System, Target)> {
    let system = state
        .store
        .system(system_id)
        .await?
        .ok_or_else(|| Error::not_found("应用系统", "system"))?;
    let d = find_department(state, system.department_id).await?;
    Ok((system, d.target()))
}

/// The system `id`, when `permission` reaches its department.
pub async fn system_in_scope(state: &DirectoryState, auth: &Caller, permission: Permission, id: i64) -> Result<System> {
    auth.require(permission, &Target::OwnScope)?;
    let (system, target) = system_target(state, id).await?;
    auth.require(permission, &target)?;
    Ok(system)
}

/// A department's systems.
pub async fn systems(state: &DirectoryState, auth: &Caller, department_id: i64) -> Result<Vec<System>> {
    auth.require(Permission::ReadSystems, &Target::OwnScope)?;
    auth.require(
        Permission::ReadSystems,
        &find_department(state, department_id).await?.target(),
    )?;
    Ok(state.store.list_systems(Some(department_id)).await?)
}

pub fn validate_system(input: &SystemInput) -> Result<()> {
    let mut errors = Vec::new();
    let n = input.name.trim().chars().count();
    if n == 0 || n > 100 || yici_core::text::has_control(&input.name) {
        errors.push(FieldError::new(
            "name",
            "请填写系统名称，不超过100个字",
            "Enter a name of at most 100 characters",
        ));
    }
    if input.description.chars().count() > 500 || yici_core::text::has_control(&input.description) {
        errors.push(FieldError::new(
            "description",
            "说明不超过500个字",
            "The description may have at most 500 characters",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(errors))
    }
}

/// Register a system of a department in the caller's scope.
pub async fn create_system(
    state: &DirectoryState,
    auth: &Caller,
    department_id: i64,
    input: &SystemInput,
) -> Result<System> {
    auth.require(Permission::ManageSystems, &Target::OwnScope)?;
    auth.require(
        Permission::ManageSystems,
        &find_department(state, department_id).await?.target(),
    )?;
    validate_system(input)?;
    Ok(state
        .store
        .create_system(
            department_id,
            &input.name,
            &input.description,
            &auth.event(Action::SystemCreate, "system"),
        )
        .await?)
}

/// A system's tokens (never their values).
pub async fn tokens(state: &DirectoryState, auth: &Caller, system_id: i64) -> Result<Vec<SystemToken>> {
    system_in_scope(state, auth, Permission::ReadSystems, system_id).await?;
    Ok(state.store.system_tokens(system_id).await?)
}

/// Issue a token for a system: the plaintext is returned once.
pub async fn issue_token(
    state: &DirectoryState,
    auth: &Caller,
    system_id: i64,
    valid_days: Option<u32>,
) -> Result<IssuedToken> {
    system_in_scope(state, auth, Permission::ManageSystems, system_id).await?;
    let days = valid_days.unwrap_or(state.config.token_validity_days);
    if !(1..=1095).contains(&days) {
        return Err(Error::field(
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
        .issue_system_token(
            system_id,
            &token.digest,
            &hint,
            expires,
            &auth.event(Action::TokenIssue, "system_token"),
        )
        .await?;
    Ok(IssuedToken {
        token: token.plaintext,
        record,
    })
}

/// Revoke a system's token.
pub async fn revoke_token(state: &DirectoryState, auth: &Caller, system_id: i64, token_id: i64) -> Result<SystemToken> {
    system_in_scope(state, auth, Permission::ManageSystems, system_id).await?;
    Ok(state
        .store
        .revoke_system_token(system_id, token_id, &auth.event(Action::TokenRevoke, "system_token"))
        .await?)
}
