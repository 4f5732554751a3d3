//! Sharing requests and grants over HTTP.

use crate::ExchangeState;
use crate::sharing::{self, DecisionInput, RequestDetail, RequestView};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use yici_core::sharing::{Grant, RequestDraft};
use yici_store::sharing::Notification;
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, PageQuery, Problem};

/// File a request (stewards of the consumer department, for one of its systems).
#[utoipa::path(post, path = "/api/v1/sharing/requests", tag = "sharing", request_body = RequestDraft,
    responses((status = 201, body = RequestView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<ExchangeState>,
    auth: Auth,
    Json(r): Json<RequestDraft>,
) -> ApiResult<(StatusCode, axum::Json<RequestView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(sharing::create(&state, &auth, r).await?),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `incoming` (addressed to my department), `outgoing` (filed by it) or `escalated`
    /// (operators' coordination queue).
    pub view: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Requests for my part: incoming, outgoing, or (operators) escalated.
#[utoipa::path(get, path = "/api/v1/sharing/requests", tag = "sharing", params(ListQuery),
    responses((status = 200, body = Vec<RequestView>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<ExchangeState>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<Vec<RequestView>>> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    Ok(axum::Json(sharing::list(&state, &auth, q.view.as_deref(), page).await?))
}

/// One request, with the names of who asks and who answers.
#[utoipa::path(get, path = "/api/v1/sharing/requests/{id}", tag = "sharing",
    responses((status = 200, body = RequestDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn one(
    State(state): State<ExchangeState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<RequestDetail>> {
    Ok(axum::Json(sharing::get(&state, &auth, id).await?))
}

/// Answer a request: its provider's stewards while pending, operators once escalated.
#[utoipa::path(post, path = "/api/v1/sharing/requests/{id}/decision", tag = "sharing", request_body = DecisionInput,
    responses((status = 200, body = RequestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<ExchangeState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<DecisionInput>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(sharing::decide(&state, &auth, id, input).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantQuery {
    pub resource: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Who holds what: the grants, optionally of one resource.
#[utoipa::path(get, path = "/api/v1/sharing/grants", tag = "sharing", params(GrantQuery),
    responses((status = 200, body = Vec<Grant>), (status = 403, body = Problem)))]
pub async fn grants(
    State(state): State<ExchangeState>,
    auth: Auth,
    Query(q): Query<GrantQuery>,
) -> ApiResult<axum::Json<Vec<Grant>>> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page();
    Ok(axum::Json(sharing::grants(&state, &auth, q.resource, page).await?))
}

/// Revoke a grant: operators, or stewards of the providing department.
#[utoipa::path(delete, path = "/api/v1/sharing/grants/{id}", tag = "sharing",
    responses((status = 200, body = Grant), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<ExchangeState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Grant>> {
    Ok(axum::Json(sharing::revoke(&state, &auth, id).await?))
}

/// My department's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "sharing", params(PageQuery),
    responses((status = 200, body = Vec<Notification>), (status = 403, body = Problem)))]
pub async fn notifications(
    State(state): State<ExchangeState>,
    auth: Auth,
    Query(q): Query<PageQuery>,
) -> ApiResult<axum::Json<Vec<Notification>>> {
    Ok(axum::Json(sharing::notifications(&state, &auth, q.page()).await?))
}
