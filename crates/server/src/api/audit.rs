//! The audit log over HTTP: checkpoints, proofs and the public key for anyone; search and
//! export for operators and supervisors; "who used my data" for citizens and companies.

use super::{PageQuery, Paged};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::audit::EntryContent;
use yici_core::authz::{Permission, Principal, Target};
use yici_crypto::auditlog::{Checkpoint, Export};
use yici_store::audit::{AuditFilter, LoggedEntry};

/// An entry as shown: its row id, its leaf index once sequenced, and its content (subjects as
/// keyed digests only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub id: i64,
    pub index: Option<u64>,
    #[schema(value_type = Object)]
    pub content: EntryContent,
}

impl From<LoggedEntry> for EntryView {
    fn from(e: LoggedEntry) -> Self {
        EntryView {
            id: e.id,
            index: e.index,
            content: e.content,
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    pub department: Option<i64>,
    pub system: Option<i64>,
    /// An ID number or credit code whose entries to find.
    pub subject: Option<String>,
    pub action: Option<String>,
    /// From this time (RFC 3339 or UTC microseconds).
    pub from: Option<String>,
    /// Until this time, exclusive.
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Parse a time bound: UTC microseconds, an RFC 3339 time, or a date (midnight in China).
pub fn parse_time(field: &str, v: &str) -> ApiResult<i64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Ok(t.timestamp_micros());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(yici_core::clock::china_midnight(d));
    }
    Err(ApiError::field(
        field,
        "时间格式应为 2026-11-27 或 RFC 3339",
        "Times are dates (2026-11-27) or RFC 3339",
    ))
}

impl SearchQuery {
    pub fn filter(&self) -> ApiResult<AuditFilter> {
        let nonempty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let from = nonempty(&self.from).map(|v| parse_time("from", &v)).transpose()?;
        let to = nonempty(&self.to).map(|v| parse_time("to", &v)).transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ApiError::field(
                "to",
                "结束时间早于开始时间",
                "The end of the range is before its start",
            ));
        }
        Ok(AuditFilter {
            department_id: self.department,
            system_id: self.system,
            subject: nonempty(&self.subject),
            action: nonempty(&self.action),
            from,
            to,
            within_departments: None,
        })
    }

    /// The filter, cut to the part of the log the reader may see: a reader scoped to a city or
    /// a department sees the entries of the departments there only.
    pub async fn filter_for(&self, state: &AppState, auth: &Auth) -> ApiResult<AuditFilter> {
        auth.require(Permission::ReadAudit, &Target::OwnScope)?;
        let mut filter = self.filter()?;
        filter.within_departments = auth.departments_within(&state.store, Permission::ReadAudit).await?;
        Ok(filter)
    }
}

#[utoipa::path(get, path = "/api/v1/audit/entries", tag = "audit", params(SearchQuery),
    responses((status = 200, body = Paged<EntryView>), (status = 403, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<axum::Json<Paged<EntryView>>> {
    let filter = q.filter_for(&state, &auth).await?;
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    let found = state.store.audit_search(&filter, page).await?;
    Ok(axum::Json(Paged::new(
        found.into_iter().map(EntryView::from).collect(),
        page,
    )))
}

/// The latest signed checkpoint (tree size, root hash, time, signature).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = Checkpoint), (status = 404, body = crate::error::Problem)))]
pub async fn latest_checkpoint(State(state): State<AppState>) -> ApiResult<axum::Json<Checkpoint>> {
    state
        .store
        .audit_latest_checkpoint()
        .await?
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found("审计检查点", "checkpoint"))
}

/// Sign the current tree head now.
#[utoipa::path(post, path = "/api/v1/audit/checkpoints", tag = "audit",
    responses((status = 201, body = Checkpoint), (status = 403, body = crate::error::Problem)))]
pub async fn make_checkpoint(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<(StatusCode, axum::Json<Checkpoint>)> {
    auth.require(Permission::ManageAudit, &Target::Platform)?;
    state.audit.sequence().await?;
    let cp = state.store.audit_checkpoint().await?;
    state
        .audit
        .append(auth.event(Action::AuditCheckpoint, "checkpoint").object(cp.size))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(cp)))
}

/// The platform's SM2 public key (PEM) that signs checkpoints.
#[utoipa::path(get, path = "/api/v1/audit/public-key", tag = "audit", responses((status = 200, description = "PEM")))]
pub async fn public_key(State(state): State<AppState>) -> ApiResult<Response> {
    let pem = state.store.audit_keys()?.public().to_pem();
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SizeQuery {
    /// The tree size (a checkpoint's); defaults to the latest checkpoint.
    pub size: Option<u64>,
}

async fn checkpoint_size(state: &AppState, size: Option<u64>) -> ApiResult<u64> {
    match size {
        Some(s) => match state.store.audit_checkpoint_at(s).await? {
            Some(_) => Ok(s),
            None => Err(ApiError::not_found(
                &format!("大小为{s}的检查点"),
                &format!("checkpoint of size {s}"),
            )),
        },
        None => Ok(state
            .store
            .audit_latest_checkpoint()
            .await?
            .ok_or_else(|| ApiError::not_found("审计检查点", "checkpoint"))?
            .size),
    }
}

/// Make sure entry `index` is covered by a checkpoint, making one if needed.
async fn covering_checkpoint(state: &AppState, index: u64) -> ApiResult<Checkpoint> {
    if let Some(cp) = state.store.audit_latest_checkpoint().await?
        && cp.size > index
    {
        return Ok(cp);
    }
    state.audit.sequence().await?;
    let cp = state.store.audit_checkpoint().await?;
    if cp.size > index {
        Ok(cp)
    } else {
        Err(ApiError::not_found("审计条目", "audit entry"))
    }
}

/// The inclusion proof of the entry at `index` against a checkpoint, as a verifiable bundle.
#[utoipa::path(get, path = "/api/v1/audit/entries/{index}/proof", tag = "audit", params(SizeQuery),
    responses((status = 200, body = Export), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn inclusion_proof(
    State(state): State<AppState>,
    auth: Auth,
    Path(index): Path<u64>,
    Query(q): Query<SizeQuery>,
) -> ApiResult<axum::Json<Export>> {
    auth.require(Permission::ReadAudit, &Target::OwnScope)?;
    let size = checkpoint_size(&state, q.size).await?;
    if index >= size {
        return Err(ApiError::not_found(
            &format!("序号为{index}的审计条目"),
            &format!("audit entry {index} in a tree of {size}"),
        ));
    }
    let cp = state
        .store
        .audit_checkpoint_at(size)
        .await?
        .ok_or_else(|| ApiError::not_found("审计检查点", "checkpoint"))?;
    let entry = state.store.audit_inclusion(index, size).await?;
    // A scoped reader proves only the entries of the departments it reaches.
    let department = entry
        .content_bytes()
        .ok()
        .and_then(|b| yici_core::audit::EntryContent::parse(&b).ok())
        .and_then(|c| c.actor.department_id);
    if let Some(within) = auth.departments_within(&state.store, Permission::ReadAudit).await?
        && !department.is_some_and(|d| within.contains(&d))
    {
        auth.require(Permission::ReadAudit, &Target::Platform)?;
    }
    Ok(axum::Json(Export::new(cp, vec![entry])))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    pub from: u64,
    pub to: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub proof: Vec<String>,
}

/// The consistency proof between two tree sizes (RFC 9162 §2.1.4).
#[utoipa::path(get, path = "/api/v1/audit/consistency", tag = "audit", params(RangeQuery),
    responses((status = 200, body = ConsistencyProof), (status = 422, body = crate::error::Problem)))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<axum::Json<ConsistencyProof>> {
    let proof = state.store.audit_consistency(q.from, q.to).await?;
    Ok(axum::Json(ConsistencyProof {
        from: q.from,
        to: q.to,
        proof,
    }))
}

/// Entries `from..=to` with proofs, verifiable with the public key alone.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(RangeQuery),
    responses((status = 200, body = Export), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RangeQuery>,
) -> ApiResult<axum::Json<Export>> {
    // The export is the whole log, every department's entries: a platform-wide reader's.
    auth.require(Permission::ReadAudit, &Target::Platform)?;
    Ok(axum::Json(state.store.audit_export(q.from, q.to).await?))
}

/// The signed-in applicant's number, or 403.
fn own_number(auth: &Auth) -> ApiResult<String> {
    auth.require(Permission::ReadOwnDataUses, &Target::OwnScope)?;
    auth.applicant
        .as_ref()
        .map(|a| a.applicant_id.as_str().to_string())
        .ok_or_else(ApiError::unauthenticated)
}

/// Accesses to my data by others (my own sign-ins are not listed).
pub async fn my_entries(state: &AppState, auth: &Auth, page: yici_store::Page) -> ApiResult<Vec<LoggedEntry>> {
    let number = own_number(auth)?;
    let me = match auth.principal {
        Principal::Applicant { id } => Some(id),
        _ => None,
    };
    let filter = AuditFilter {
        subject: Some(number),
        ..Default::default()
    };
    let found = state.store.audit_search(&filter, page).await?;
    // My own sign-ins (and their real-name verification) are not uses of my data by others.
    Ok(found
        .into_iter()
        .filter(|e| e.content.action != Action::ApplicantVerify.code())
        .filter(|e| e.content.actor.applicant_id.is_none() || e.content.actor.applicant_id != me)
        .collect())
}

/// 谁用了我的数据 — every access to the signed-in citizen's or company's data.
#[utoipa::path(get, path = "/api/v1/me/data-uses", tag = "audit", params(PageQuery),
    responses((status = 200, body = Paged<EntryView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn my_data_uses(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> ApiResult<axum::Json<Paged<EntryView>>> {
    let page = q.page();
    let found = my_entries(&state, &auth, page).await?;
    Ok(axum::Json(Paged::new(
        found.into_iter().map(EntryView::from).collect(),
        page,
    )))
}

/// The proof bundle of one entry about me (404 for anyone else's entries).
pub async fn my_proof_bundle(state: &AppState, auth: &Auth, id: i64) -> ApiResult<Export> {
    let number = own_number(auth)?;
    let not_found = || ApiError::not_found("审计条目", "audit entry");
    if !state.store.audit_entry_concerns(id, &number).await? {
        return Err(not_found());
    }
    let mut entry = state.store.audit_entry(id).await?.ok_or_else(not_found)?;
    if entry.index.is_none() {
        state.audit.sequence().await?;
        entry = state.store.audit_entry(id).await?.ok_or_else(not_found)?;
    }
    let index = entry.index.ok_or_else(not_found)?;
    let cp = covering_checkpoint(state, index).await?;
    let proved = state.store.audit_inclusion(index, cp.size).await?;
    Ok(Export::new(cp, vec![proved]))
}

/// Download the inclusion proof of an entry about me, with its checkpoint.
#[utoipa::path(get, path = "/api/v1/me/data-uses/{id}/proof", tag = "audit",
    responses((status = 200, body = Export), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn my_proof(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> ApiResult<Response> {
    let bundle = my_proof_bundle(&state, &auth, id).await?;
    let disposition = format!("attachment; filename=\"yici-audit-proof-{id}.json\"");
    Ok(([(header::CONTENT_DISPOSITION, disposition)], axum::Json(bundle)).into_response())
}
