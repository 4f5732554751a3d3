//! Regions (行政区划) and departments (部门): read by every signed-in caller, kept by operators
//! within their scope.

use crate::DirectoryState;
use serde::Deserialize;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::id::{RegionCode, Uscc};
use yici_core::org::DepartmentKind;
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::Page;
use yici_store::departments::{Department, NewDepartment};
use yici_store::regions::Region;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RegionInput {
    /// 6-digit GB/T 2260 code or 12-digit statistical code.
    pub code: String,
    pub name: String,
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

/// Regions directly below `parent` (or the top level).
pub async fn regions(state: &DirectoryState, auth: &Caller, parent: Option<&str>) -> Result<Vec<Region>> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    Ok(state.store.region_children(parent).await?)
}

pub async fn region(state: &DirectoryState, auth: &Caller, code: &str) -> Result<Region> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    state
        .store
        .region(code)
        .await?
        .ok_or_else(|| Error::not_found("行政区划", "region"))
}

/// Validate a region entry: the code against the table, the name for length.
pub fn validate_region(input: &RegionInput) -> Result<(RegionCode, String)> {
    let mut errors = Vec::new();
    let code = RegionCode::parse(input.code.trim())
        .map_err(|e| errors.push(FieldError::id("code", &e)))
        .ok();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 64 || yici_core::text::has_control(name) {
        errors.push(FieldError::new(
            "name",
            "请填写区划名称，不超过64个字",
            "Enter a name of at most 64 characters",
        ));
    }
    match code {
        Some(c) if errors.is_empty() => Ok((c, name.to_string())),
        _ => Err(Error::validation(errors)),
    }
}

/// Add a region (or rename one) within the operator's scope.
pub async fn save_region(state: &DirectoryState, auth: &Caller, input: &RegionInput) -> Result<Region> {
    auth.require(Permission::ManageRegions, &Target::OwnScope)?;
    let (code, name) = validate_region(input)?;
    auth.require(Permission::ManageRegions, &Target::Region(code.clone()))?;
    Ok(state
        .store
        .upsert_region(&code, &name, &auth.event(Action::RegionSave, "region"))
        .await?)
}

/// Departments, optionally in a region (and below it).
pub async fn departments(
    state: &DirectoryState,
    auth: &Caller,
    region: Option<&str>,
    page: Page,
) -> Result<Vec<Department>> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    let prefix = match region.filter(|r| !r.is_empty()) {
        Some(r) => Some(
            RegionCode::parse(r)
                .map_err(|e| Error::validation(vec![FieldError::id("region", &e)]))?
                .prefix(),
        ),
        None => None,
    };
    Ok(state.store.list_departments(prefix.as_deref(), page).await?)
}

pub async fn department(state: &DirectoryState, auth: &Caller, id: i64) -> Result<Department> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    find_department(state, id).await
}

/// A department by id, or 404 (no authorisation: for other operations' checks).
pub async fn find_department(state: &DirectoryState, id: i64) -> Result<Department> {
    state
        .store
        .department(id)
        .await?
        .ok_or_else(|| Error::not_found("部门", "department"))
}

/// Validate a department entry field by field.
pub fn validate_department(input: &DepartmentInput) -> Result<NewDepartment> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 || yici_core::text::has_control(name) {
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
        _ => Err(Error::validation(errors)),
    }
}

/// Add a department in a region the operator's scope covers.
pub async fn create_department(state: &DirectoryState, auth: &Caller, input: &DepartmentInput) -> Result<Department> {
    auth.require(Permission::ManageDepartments, &Target::OwnScope)?;
    let d = validate_department(input)?;
    auth.require(Permission::ManageDepartments, &Target::Region(d.region.clone()))?;
    Ok(state
        .store
        .create_department(&d, &auth.event(Action::DepartmentCreate, "department"))
        .await?)
}

/// Change a department: the operator's scope must cover it where it is and where it goes.
pub async fn update_department(
    state: &DirectoryState,
    auth: &Caller,
    id: i64,
    input: &DepartmentInput,
) -> Result<Department> {
    auth.require(Permission::ManageDepartments, &Target::OwnScope)?;
    let current = find_department(state, id).await?;
    auth.require(Permission::ManageDepartments, &current.target())?;
    let d = validate_department(input)?;
    auth.require(Permission::ManageDepartments, &Target::Region(d.region.clone()))?;
    Ok(state
        .store
        .update_department(id, &d, &auth.event(Action::DepartmentUpdate, "department"))
        .await?)
}
