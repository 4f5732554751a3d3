//! Certificate types (what certificates exist and what they say), department seals and the seal
//! authority.

use super::{acting_department, department, reason};
use crate::CertificatesState;
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::certificate::CertificateType;
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::certificates::{SealRecord, StoredType};

/// A type with its defining department.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TypeView {
    pub department_id: i64,
    /// The catalogue resource under whose sharing grants departments find these certificates.
    pub resource_id: Option<i64>,
    #[serde(flatten)]
    pub definition: CertificateType,
}

impl From<StoredType> for TypeView {
    fn from(t: StoredType) -> Self {
        TypeView {
            department_id: t.department_id,
            resource_id: t.resource_id,
            definition: t.definition,
        }
    }
}

/// A seal as listed (never its key).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SealView {
    pub id: i64,
    pub department_id: i64,
    pub es_id: String,
    pub name: String,
    /// `active`, `retired` or `revoked`.
    pub status: String,
    pub status_reason: String,
    /// Unix seconds.
    pub valid_from: i64,
    pub valid_until: i64,
    pub picture_url: String,
}

impl From<SealRecord> for SealView {
    fn from(s: SealRecord) -> Self {
        SealView {
            picture_url: format!("/api/v1/seals/{}/picture", s.id),
            id: s.id,
            department_id: s.department_id,
            es_id: s.es_id,
            name: s.name,
            status: s.status.code().to_string(),
            status_reason: s.status_reason,
            valid_from: s.valid_from,
            valid_until: s.valid_until,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LinkInput {
    /// A published catalogue resource of the type's department; `null` removes the link.
    pub resource_id: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReasonInput {
    pub reason: String,
}

fn no_type() -> Error {
    Error::not_found("证照类型", "certificate type")
}

/// Certificate types, optionally of one department (public).
pub async fn list(state: &CertificatesState, department_id: Option<i64>) -> Result<Vec<TypeView>> {
    let types = state.store.certificate_types(department_id).await?;
    Ok(types.into_iter().map(TypeView::from).collect())
}

/// One type (public).
pub async fn get(state: &CertificatesState, code: &str) -> Result<TypeView> {
    Ok(state.store.certificate_type(code).await?.ok_or_else(no_type)?.into())
}

/// Name the catalogue resource under whose sharing grants departments may find certificates of
/// the type (issuers, for their own department's types and resources).
pub async fn link(state: &CertificatesState, auth: &Caller, code: &str, input: LinkInput) -> Result<TypeView> {
    auth.require(Permission::ManageCertificateTypes, &Target::OwnScope)?;
    let d = acting_department(state, auth).await?;
    auth.require(Permission::ManageCertificateTypes, &d.target())?;
    let t = state
        .store
        .certificate_type(code)
        .await?
        .filter(|t| t.department_id == d.id)
        .ok_or_else(no_type)?;
    if let Some(id) = input.resource_id {
        let published = state.store.catalogue_published(id).await?;
        if published.is_none_or(|(r, _)| r.department_id != d.id) {
            return Err(Error::field(
                "resource_id",
                "应为本部门已发布的目录资源",
                "Must be a published catalogue resource of the department",
            ));
        }
    }
    let linked = state
        .store
        .certificate_type_link(
            &t.definition.code,
            input.resource_id,
            &auth.event(Action::CertificateTypeLink, "certificate_type"),
        )
        .await?;
    Ok(linked.into())
}

/// Define a type (issuers, for their own department: the code starts with its credit code).
pub async fn define(state: &CertificatesState, auth: &Caller, t: CertificateType) -> Result<TypeView> {
    auth.require(Permission::ManageCertificateTypes, &Target::OwnScope)?;
    let d = acting_department(state, auth).await?;
    auth.require(Permission::ManageCertificateTypes, &d.target())?;
    let mut problems: Vec<FieldError> = t
        .problems()
        .into_iter()
        .map(|p| FieldError::new(&p.field, p.zh, p.en))
        .collect();
    if problems.is_empty() && !t.code.starts_with(&d.uscc) {
        problems.push(FieldError::new(
            "code",
            "类型代码应以本部门的统一社会信用代码开头",
            "The type code must start with the department's credit code",
        ));
    }
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    let stored = state
        .store
        .certificate_type_put(d.id, &t, &auth.event(Action::CertificateTypeSave, "certificate_type"))
        .await?;
    Ok(stored.into())
}

/// The import template (CSV, UTF-8 with a byte-order mark) of a type: its header row.
pub async fn import_template(state: &CertificatesState, code: &str) -> Result<Vec<u8>> {
    let t = state.store.certificate_type(code).await?.ok_or_else(no_type)?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(crate::library::import::header(&t.definition))
        .map_err(|_| Error::internal())?;
    w.into_inner().map_err(|_| Error::internal())
}

/// The seal authority's root certificate (PEM): what verifiers trust.
pub async fn authority_pem(state: &CertificatesState) -> Result<String> {
    let a = state.certs.authority(&state.store).await?;
    yici_crypto::pki::to_pem(&a.cert_der).map_err(|_| Error::internal())
}

/// Seals: operators see every department in scope, issuers their own department's.
pub async fn seals(state: &CertificatesState, auth: &Caller, department_id: Option<i64>) -> Result<Vec<SealView>> {
    auth.require(Permission::ReadSeals, &Target::OwnScope)?;
    let department_id = match department_id {
        Some(id) => Some(id),
        None if auth.require(Permission::ManageSeals, &Target::OwnScope).is_ok() => None,
        None => Some(acting_department(state, auth).await?.id),
    };
    if let Some(id) = department_id {
        auth.require(Permission::ReadSeals, &department(state, id).await?.target())?;
    }
    let seals = state.store.seals(department_id).await?;
    let seals = auth
        .keep_within(&state.store, Permission::ReadSeals, seals, |s| vec![s.department_id])
        .await?;
    Ok(seals.into_iter().map(SealView::from).collect())
}

/// Make a department's seal, or rotate it: the current one is retired (operators).
pub async fn make_seal(state: &CertificatesState, auth: &Caller, department_id: i64) -> Result<SealView> {
    auth.require(Permission::ManageSeals, &Target::OwnScope)?;
    let d = department(state, department_id).await?;
    auth.require(Permission::ManageSeals, &d.target())?;
    let seal = state
        .certs
        .make_seal(&state.store, &d, &auth.event(Action::SealMake, "seal"))
        .await?;
    Ok(seal.into())
}

fn no_seal() -> Error {
    Error::not_found("电子印章", "seal")
}

/// Revoke a seal: certificates it sealed no longer verify as sealed by a valid seal.
pub async fn revoke_seal(state: &CertificatesState, auth: &Caller, id: i64, input: ReasonInput) -> Result<SealView> {
    auth.require(Permission::ManageSeals, &Target::OwnScope)?;
    let seal = state.store.seal(id).await?.ok_or_else(no_seal)?;
    auth.require(
        Permission::ManageSeals,
        &department(state, seal.department_id).await?.target(),
    )?;
    let why = reason(&input.reason)?;
    let revoked = state
        .store
        .seal_revoke(id, &why, &auth.event(Action::SealRevoke, "seal"))
        .await?;
    Ok(revoked.into())
}

/// A seal's picture (PNG; public: it is printed on every certificate).
pub async fn seal_picture(state: &CertificatesState, id: i64) -> Result<Vec<u8>> {
    Ok(state.store.seal(id).await?.ok_or_else(no_seal)?.picture)
}
