//! Users and their scoped roles.

use crate::DirectoryState;
use crate::service::users::{self, DisabledInput, RoleInput, UserInput, UserView};
use axum::extract::State;
use axum::http::StatusCode;
use yici_store::users::{User, UserRole};
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, PageQuery, Paged, Problem};

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = Paged<User>), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<DirectoryState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> ApiResult<axum::Json<Paged<User>>> {
    let page = q.page();
    Ok(axum::Json(Paged::new(users::users(&state, &auth, page).await?, page)))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<UserView>> {
    Ok(axum::Json(users::user(&state, &auth, id).await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserInput,
    responses((status = 201, body = User), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<DirectoryState>,
    auth: Auth,
    Json(input): Json<UserInput>,
) -> ApiResult<(StatusCode, axum::Json<User>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(users::create(&state, &auth, &input).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/users/{id}/disabled", tag = "users", request_body = DisabledInput,
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_disabled(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<DisabledInput>,
) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(
        users::set_disabled(&state, &auth, id, input.disabled).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", request_body = RoleInput,
    responses((status = 201, body = UserRole), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn grant_role(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<RoleInput>,
) -> ApiResult<(StatusCode, axum::Json<UserRole>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(users::grant(&state, &auth, id, &input).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{role_id}", tag = "users",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_role(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path((id, role_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    users::revoke_role(&state, &auth, id, role_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
