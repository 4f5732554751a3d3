//! Regions and departments.

use crate::DirectoryState;
use crate::service::regions::{self, DepartmentInput, RegionInput};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yici_store::departments::Department;
use yici_store::regions::Region;
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, PageQuery, Paged, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// List the children of this region; without it, the top level.
    pub parent: Option<String>,
}

/// Regions directly below `parent` (or the top level).
#[utoipa::path(get, path = "/api/v1/regions", tag = "directory", params(RegionQuery),
    responses((status = 200, body = Vec<Region>), (status = 401, body = Problem)))]
pub async fn list_regions(
    State(state): State<DirectoryState>,
    auth: Auth,
    Query(q): Query<RegionQuery>,
) -> ApiResult<axum::Json<Vec<Region>>> {
    Ok(axum::Json(regions::regions(&state, &auth, q.parent.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "directory",
    responses((status = 200, body = Region), (status = 404, body = Problem)))]
pub async fn get_region(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Region>> {
    Ok(axum::Json(regions::region(&state, &auth, &code).await?))
}

/// Add a region (or rename one) within the operator's scope.
#[utoipa::path(post, path = "/api/v1/regions", tag = "directory", request_body = RegionInput,
    responses((status = 201, body = Region), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_region(
    State(state): State<DirectoryState>,
    auth: Auth,
    Json(input): Json<RegionInput>,
) -> ApiResult<(StatusCode, axum::Json<Region>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(regions::save_region(&state, &auth, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// Only departments in this region (and below it).
    pub region: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "directory", params(DepartmentQuery),
    responses((status = 200, body = Paged<Department>), (status = 400, body = Problem)))]
pub async fn list_departments(
    State(state): State<DirectoryState>,
    auth: Auth,
    Query(q): Query<DepartmentQuery>,
) -> ApiResult<axum::Json<Paged<Department>>> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    let found = regions::departments(&state, &auth, q.region.as_deref(), page).await?;
    Ok(axum::Json(Paged::new(found, page)))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "directory",
    responses((status = 200, body = Department), (status = 404, body = Problem)))]
pub async fn get_department(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Department>> {
    Ok(axum::Json(regions::department(&state, &auth, id).await?))
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "directory", request_body = DepartmentInput,
    responses((status = 201, body = Department), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_department(
    State(state): State<DirectoryState>,
    auth: Auth,
    Json(input): Json<DepartmentInput>,
) -> ApiResult<(StatusCode, axum::Json<Department>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(regions::create_department(&state, &auth, &input).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "directory", request_body = DepartmentInput,
    responses((status = 200, body = Department), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_department(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<DepartmentInput>,
) -> ApiResult<axum::Json<Department>> {
    Ok(axum::Json(regions::update_department(&state, &auth, id, &input).await?))
}
