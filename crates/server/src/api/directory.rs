//! The directory: regions and departments.

use super::{PageQuery, Paged};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::DepartmentKind;
use yici_store::departments::{Department, NewDepartment};
use yici_store::regions::Region;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// List the children of this region; without it, the top level.
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegionInput {
    /// 6-digit GB/T 2260 code or 12-digit statistical code.
    pub code: String,
    pub name: String,
}

/// Regions directly below `parent` (or the top level).
#[utoipa::path(get, path = "/api/v1/regions", tag = "directory", params(RegionQuery),
    responses((status = 200, body = Vec<Region>), (status = 401, body = crate::error::Problem)))]
pub async fn list_regions(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RegionQuery>,
) -> ApiResult<axum::Json<Vec<Region>>> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    Ok(axum::Json(state.store.region_children(q.parent.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "directory",
    responses((status = 200, body = Region), (status = 404, body = crate::error::Problem)))]
pub async fn get_region(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Region>> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    state
        .store
        .region(&code)
        .await?
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found("行政区划", "region"))
}

/// Validate a region entry: the code against the table, the name for length.
pub fn validate_region(input: &RegionInput) -> ApiResult<(RegionCode, String)> {
    let mut errors = Vec::new();
    let code = RegionCode::parse(input.code.trim())
        .map_err(|e| errors.push(FieldError::id("code", &e)))
        .ok();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        errors.push(FieldError::new(
            "name",
            "请填写区划名称，不超过64个字",
            "Enter a name of at most 64 characters",
        ));
    }
    match code {
        Some(c) if errors.is_empty() => Ok((c, name.to_string())),
        _ => Err(ApiError::validation(errors)),
    }
}

/// Add a region (or rename one) within the operator's scope.
#[utoipa::path(post, path = "/api/v1/regions", tag = "directory", request_body = RegionInput,
    responses((status = 201, body = Region), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_region(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<RegionInput>,
) -> ApiResult<(StatusCode, axum::Json<Region>)> {
    auth.require(Permission::ManageRegions, &Target::OwnScope)?;
    let (code, name) = validate_region(&input)?;
    auth.require(Permission::ManageRegions, &Target::Region(code.clone()))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(
            state
                .store
                .upsert_region(&code, &name, &auth.event(Action::RegionSave, "region"))
                .await?,
        ),
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

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DepartmentInput {
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    pub region_code: String,
    pub parent_id: Option<i64>,
    /// `government`, `institution`, `vertical` or `other`.
    pub kind: String,
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "directory", params(DepartmentQuery),
    responses((status = 200, body = Paged<Department>), (status = 400, body = crate::error::Problem)))]
pub async fn list_departments(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DepartmentQuery>,
) -> ApiResult<axum::Json<Paged<Department>>> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    let prefix = match q.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => {
            Some((RegionCode::parse(r).map_err(|e| ApiError::validation(vec![FieldError::id("region", &e)]))?).prefix())
        }
        None => None,
    };
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    Ok(axum::Json(Paged::new(
        state.store.list_departments(prefix.as_deref(), page).await?,
        page,
    )))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "directory",
    responses((status = 200, body = Department), (status = 404, body = crate::error::Problem)))]
pub async fn get_department(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Department>> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    Ok(axum::Json(find_department(&state, id).await?))
}

pub async fn find_department(state: &AppState, id: i64) -> ApiResult<Department> {
    state
        .store
        .department(id)
        .await?
        .ok_or_else(|| ApiError::not_found("部门", "department"))
}

/// Validate a department entry field by field.
pub fn validate_department(input: &DepartmentInput) -> ApiResult<NewDepartment> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "name",
            "请填写部门名称，不超过100个字",
            "Enter a name of at most 100 characters",
        ));
    }
    let uscc = Uscc::parse(input.uscc.trim())
        .map_err(|e| errors.push(FieldError::id("uscc", &e)))
        .ok();
    let region = RegionCode::parse(input.region_code.trim())
        .map_err(|e| errors.push(FieldError::id("region_code", &e)))
        .ok();
    let kind = DepartmentKind::from_code(input.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            "部门类型应为 government、institution、vertical 或 other",
            "kind must be government, institution, vertical or other",
        ));
    }
    match (uscc, region, kind) {
        (Some(uscc), Some(region), Some(kind)) if errors.is_empty() => Ok(NewDepartment {
            name: name.to_string(),
            uscc,
            region,
            parent_id: input.parent_id,
            kind,
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "directory", request_body = DepartmentInput,
    responses((status = 201, body = Department), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_department(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<DepartmentInput>,
) -> ApiResult<(StatusCode, axum::Json<Department>)> {
    auth.require(Permission::ManageDepartments, &Target::OwnScope)?;
    let d = validate_department(&input)?;
    auth.require(Permission::ManageDepartments, &Target::Region(d.region.clone()))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(
            state
                .store
                .create_department(&d, &auth.event(Action::DepartmentCreate, "department"))
                .await?,
        ),
    ))
}

#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "directory", request_body = DepartmentInput,
    responses((status = 200, body = Department), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_department(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<DepartmentInput>,
) -> ApiResult<axum::Json<Department>> {
    auth.require(Permission::ManageDepartments, &Target::OwnScope)?;
    let current = find_department(&state, id).await?;
    auth.require(
        Permission::ManageDepartments,
        &Target::Department {
            id,
            region: current.region(),
        },
    )?;
    let d = validate_department(&input)?;
    auth.require(Permission::ManageDepartments, &Target::Region(d.region.clone()))?;
    Ok(axum::Json(
        state
            .store
            .update_department(id, &d, &auth.event(Action::DepartmentUpdate, "department"))
            .await?,
    ))
}
