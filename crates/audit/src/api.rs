//! The audit log over HTTP: checkpoints, proofs and the public key for anyone; search and
//! export for operators and supervisors; "who used my data" for citizens and companies.

use crate::AuditState;
use crate::service::{self, Search, parse_end, parse_time};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use yici_core::audit::EntryContent;
use yici_crypto::auditlog::{Checkpoint, Export};
use yici_store::audit::LoggedEntry;
use yici_web::extract::{Path, Query};
use yici_web::{ApiResult, Auth, PageQuery, Paged, Problem};

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

/// The search form of the API and the page. Empty fields mean "no filter".
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    #[param(value_type = Option<i64>)]
    pub department: Option<String>,
    #[param(value_type = Option<i64>)]
    pub system: Option<String>,
    /// An ID number or credit code whose entries to find.
    pub subject: Option<String>,
    pub action: Option<String>,
    /// From this time (RFC 3339, a date, or UTC microseconds).
    pub from: Option<String>,
    /// Until this time, exclusive; a date includes its whole day.
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl SearchQuery {
    /// The search, with every field checked; each wrong field is named.
    pub fn search(&self) -> yici_service::Result<Search> {
        let number = |field: &str, v: &Option<String>| {
            nonempty(v)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| yici_service::Error::field(field, "应为编号（数字）", "Must be a number"))
                })
                .transpose()
        };
        Ok(Search {
            department: number("department", &self.department)?,
            system: number("system", &self.system)?,
            subject: nonempty(&self.subject),
            action: nonempty(&self.action),
            from: nonempty(&self.from).map(|v| parse_time("from", &v)).transpose()?,
            to: nonempty(&self.to).map(|v| parse_end("to", &v)).transpose()?,
        })
    }

    pub fn page(&self) -> yici_store::Page {
        PageQuery {
            limit: self.limit,
            offset: self.offset,
        }
        .page()
    }
}

#[utoipa::path(get, path = "/api/v1/audit/entries", tag = "audit", params(SearchQuery),
    responses((status = 200, body = Paged<EntryView>), (status = 403, body = Problem)))]
pub async fn search(
    State(state): State<AuditState>,
    auth: Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<axum::Json<Paged<EntryView>>> {
    let page = q.page();
    let found = service::search(&state, &auth, q.search()?, page).await?;
    Ok(axum::Json(Paged::new(
        found.into_iter().map(EntryView::from).collect(),
        page,
    )))
}

/// The latest signed checkpoint (tree size, root hash, time, signature).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = Checkpoint), (status = 404, body = Problem)))]
pub async fn latest_checkpoint(State(state): State<AuditState>) -> ApiResult<axum::Json<Checkpoint>> {
    Ok(axum::Json(service::latest_checkpoint(&state).await?))
}

/// Sign the current tree head now.
#[utoipa::path(post, path = "/api/v1/audit/checkpoints", tag = "audit",
    responses((status = 201, body = Checkpoint), (status = 403, body = Problem)))]
pub async fn make_checkpoint(
    State(state): State<AuditState>,
    auth: Auth,
) -> ApiResult<(StatusCode, axum::Json<Checkpoint>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(service::make_checkpoint(&state, &auth).await?),
    ))
}

/// The platform's SM2 public key (PEM) that signs checkpoints.
#[utoipa::path(get, path = "/api/v1/audit/public-key", tag = "audit", responses((status = 200, description = "PEM")))]
pub async fn public_key(State(state): State<AuditState>) -> ApiResult<Response> {
    let pem = service::public_key_pem(&state)?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SizeQuery {
    /// The tree size (a checkpoint's); defaults to the latest checkpoint.
    pub size: Option<u64>,
}

/// The inclusion proof of the entry at `index` against a checkpoint, as a verifiable bundle.
#[utoipa::path(get, path = "/api/v1/audit/entries/{index}/proof", tag = "audit", params(SizeQuery),
    responses((status = 200, body = Export), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn inclusion_proof(
    State(state): State<AuditState>,
    auth: Auth,
    Path(index): Path<u64>,
    Query(q): Query<SizeQuery>,
) -> ApiResult<axum::Json<Export>> {
    Ok(axum::Json(
        service::inclusion_proof(&state, &auth, index, q.size).await?,
    ))
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
    responses((status = 200, body = ConsistencyProof), (status = 422, body = Problem)))]
pub async fn consistency(
    State(state): State<AuditState>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<axum::Json<ConsistencyProof>> {
    Ok(axum::Json(ConsistencyProof {
        from: q.from,
        to: q.to,
        proof: service::consistency(&state, q.from, q.to).await?,
    }))
}

/// Entries `from..=to` with proofs, verifiable with the public key alone.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(RangeQuery),
    responses((status = 200, body = Export), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(state): State<AuditState>,
    auth: Auth,
    Query(q): Query<RangeQuery>,
) -> ApiResult<axum::Json<Export>> {
    Ok(axum::Json(service::export(&state, &auth, q.from, q.to).await?))
}

/// 谁用了我的数据 — every access to the signed-in citizen's or company's data.
#[utoipa::path(get, path = "/api/v1/me/data-uses", tag = "audit", params(PageQuery),
    responses((status = 200, body = Paged<EntryView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn my_data_uses(
    State(state): State<AuditState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> ApiResult<axum::Json<Paged<EntryView>>> {
    let page = q.page();
    let found = service::my_entries(&state, &auth, page).await?;
    Ok(axum::Json(Paged::new(
        found.into_iter().map(EntryView::from).collect(),
        page,
    )))
}

/// Download the inclusion proof of an entry about me, with its checkpoint.
#[utoipa::path(get, path = "/api/v1/me/data-uses/{id}/proof", tag = "audit",
    responses((status = 200, body = Export), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn my_proof(State(state): State<AuditState>, auth: Auth, Path(id): Path<i64>) -> ApiResult<Response> {
    let bundle = service::my_proof(&state, &auth, id).await?;
    let disposition = format!("attachment; filename=\"yici-audit-proof-{id}.json\"");
    Ok(([(header::CONTENT_DISPOSITION, disposition)], axum::Json(bundle)).into_response())
}
