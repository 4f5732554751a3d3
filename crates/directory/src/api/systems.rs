//! Department systems and their bearer tokens.

use crate::DirectoryState;
use crate::service::systems::{self, IssuedToken, SystemInput, TokenInput};
use axum::extract::State;
use axum::http::StatusCode;
use yici_store::systems::{System, SystemToken};
use yici_web::extract::{Json, Path};
use yici_web::{ApiResult, Auth, Problem};

#[utoipa::path(get, path = "/api/v1/departments/{id}/systems", tag = "systems",
    responses((status = 200, body = Vec<System>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_systems(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<System>>> {
    Ok(axum::Json(systems::systems(&state, &auth, id).await?))
}

#[utoipa::path(post, path = "/api/v1/departments/{id}/systems", tag = "systems", request_body = SystemInput,
    responses((status = 201, body = System), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_system(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<SystemInput>,
) -> ApiResult<(StatusCode, axum::Json<System>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(systems::create_system(&state, &auth, id, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/systems/{id}/tokens", tag = "systems",
    responses((status = 200, body = Vec<SystemToken>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_tokens(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<SystemToken>>> {
    Ok(axum::Json(systems::tokens(&state, &auth, id).await?))
}

#[utoipa::path(post, path = "/api/v1/systems/{id}/tokens", tag = "systems", request_body = TokenInput,
    responses((status = 201, body = IssuedToken), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_token(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<TokenInput>,
) -> ApiResult<(StatusCode, axum::Json<IssuedToken>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(systems::issue_token(&state, &auth, id, input.valid_days).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/systems/{id}/tokens/{token_id}", tag = "systems",
    responses((status = 200, body = SystemToken), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path((id, token_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<SystemToken>> {
    Ok(axum::Json(systems::revoke_token(&state, &auth, id, token_id).await?))
}
