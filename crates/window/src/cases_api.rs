//! Cases over HTTP: thin callers of [`crate::service::cases`].

use crate::WindowState;
use crate::service::cases::{
    self, ApplyInput, CaseView, ClaimInput, DecideInput, DeliverInput, ExtendInput, SpecialInput, StepInput, TaskView,
    VisitInput,
};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, Problem};

/// Apply for an item or a bundle: online (an applicant, for themselves) or at a window (a
/// clerk, with `window_region` in the item's handling scope). With the same `Idempotency-Key`
/// a retry returns the case made before (200) instead of making a second one (201).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = ApplyInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the case made before")),
    responses((status = 201, body = CaseView), (status = 200, body = CaseView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn apply(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Json(input): Json<ApplyInput>,
) -> ApiResult<(StatusCode, axum::Json<CaseView>)> {
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            yici_service::Error::field(
                "Idempotency-Key",
                "幂等键只能包含可见的 ASCII 字符",
                "The Idempotency-Key must be visible ASCII",
            )
        })?),
        None => None,
    };
    let (view, created) = cases::apply(&state, &auth, input, key).await?;
    Ok((
        if created { StatusCode::CREATED } else { StatusCode::OK },
        axum::Json(view),
    ))
}

/// A case, for its parties and the staff with rights (404 for anyone else).
#[utoipa::path(get, path = "/api/v1/cases/{case_no}", tag = "cases",
    responses((status = 200, body = CaseView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn case(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::get(&state, &auth, &case_no).await?))
}

/// A step on a case: `accept`, `not_accept`, `notice` (一次性告知: every material at once),
/// `supply`, `withdraw`, `void`; with the case's `version` as last read.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/{step}", tag = "cases", request_body = StepInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn step(
    State(state): State<WindowState>,
    auth: Auth,
    Path((case_no, step)): Path<(String, String)>,
    Json(input): Json<StepInput>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::step(&state, &auth, &case_no, &step, input).await?))
}

/// Record a visit to a window (clerks).
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/visits", tag = "cases", request_body = VisitInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn visit(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
    Json(input): Json<VisitInput>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::visit(&state, &auth, &case_no, input).await?))
}

/// An open task with its case number.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxTask {
    pub case_no: String,
    #[serde(flatten)]
    pub task: TaskView,
}

/// The open tasks of the approver's departments, oldest first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "cases",
    responses((status = 200, body = Vec<InboxTask>), (status = 403, body = Problem)))]
pub async fn inbox(State(state): State<WindowState>, auth: Auth) -> ApiResult<axum::Json<Vec<InboxTask>>> {
    Ok(axum::Json(
        cases::inbox(&state, &auth)
            .await?
            .into_iter()
            .map(|(case_no, task)| InboxTask { case_no, task })
            .collect(),
    ))
}

/// Approve or refuse a task (approvers of its department), with the task's `version`: two
/// decisions at once give one success and one 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/decision", tag = "cases", request_body = DecideInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<DecideInput>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::decide(&state, &auth, id, input).await?))
}

/// Record the delivery of a concluded case: `electronic`, `mail` (with its tracking number) or
/// `window` (a pick-up, counted as a visit).
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/delivery", tag = "cases", request_body = DeliverInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn deliver(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
    Json(input): Json<DeliverInput>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::deliver(&state, &auth, &case_no, input).await?))
}

/// Extend a case's promised limit, once, with the reason (supervisors; §42).
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/extension", tag = "cases", request_body = ExtendInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn extend(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
    Json(input): Json<ExtendInput>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::extend(&state, &auth, &case_no, input).await?))
}

/// Pause a task for a special procedure (hearing, testing, expert review; §45) with its reason
/// and limit, or resume it.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/special", tag = "cases", request_body = SpecialInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn special(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<SpecialInput>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::special(&state, &auth, id, input).await?))
}

/// Upload the file of one material (the body: PDF, OFD, JPEG or PNG, at most 20 MiB), stored
/// once by its SM3 digest.
#[utoipa::path(put, path = "/api/v1/cases/{case_no}/materials/{code}", tag = "cases",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn upload(
    State(state): State<WindowState>,
    auth: Auth,
    Path((case_no, code)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::upload(&state, &auth, &case_no, &code, &body).await?))
}

/// Claim an open task (approvers of its department): under 或签 only the claimer decides it;
/// two claims at once give one success and one 409.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/claim", tag = "cases", request_body = ClaimInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn claim(
    State(state): State<WindowState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<ClaimInput>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::claim(&state, &auth, id, input).await?))
}

/// Where to read the change feed from.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The last position read (0 for the start).
    #[serde(default)]
    pub after: i64,
    /// At most this many events (1–500, default 100).
    pub limit: Option<i64>,
}

/// A page of the change feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPage {
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<yici_store::cases::FeedEvent>,
    /// Give it back as `after` to read on.
    pub next: i64,
}

/// The change feed of the one window: every transition of the cases the calling system's
/// department takes part in (province staff with rights over all cases read every case), by
/// position. No personal data: case number, subject, region, step, status and time.
#[utoipa::path(get, path = "/api/v1/cases/feed", tag = "cases", params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn feed(
    State(state): State<WindowState>,
    auth: Auth,
    Query(q): Query<FeedQuery>,
) -> ApiResult<axum::Json<FeedPage>> {
    let events = crate::service::feed::read(&state, &auth, q.after, q.limit).await?;
    let next = events.last().map_or(q.after, |e| e.position);
    Ok(axum::Json(FeedPage { events, next }))
}

/// A party signed in consents to fetching what the government holds about them for this case;
/// what is still missing is fetched now.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/consent", tag = "cases",
    params(("case_no" = String, Path)),
    responses((status = 200, body = CaseView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn consent(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::consent(&state, &auth, &case_no).await?))
}

/// The window fetches again what the government holds for the lines still missing; 403
/// `consent_required` (audited) while no party has consented.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/fetch", tag = "cases",
    params(("case_no" = String, Path)),
    responses((status = 200, body = CaseView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn fetch(
    State(state): State<WindowState>,
    auth: Auth,
    Path(case_no): Path<String>,
) -> ApiResult<axum::Json<CaseView>> {
    Ok(axum::Json(cases::fetch(&state, &auth, &case_no).await?))
}

/// The signed-in applicant's notifications: each transition of their cases they are told of
/// (received, accepted, a supplement notice, concluded, delivered, …), newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "cases",
    responses((status = 200, body = Vec<cases::Notification>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn notifications(
    State(state): State<WindowState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<cases::Notification>>> {
    Ok(axum::Json(cases::notifications(&state, &auth).await?))
}

/// Where a system wants the case changes pushed.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct SubscribeInput {
    /// An `http://` address outside the platform's own network.
    pub url: String,
}

/// Subscribe the calling system to the transitions of its department's cases: each is POSTed to
/// `url` in order, at least once, signed with `X-Yici-Signature: hmac-sm3=<hex>` (HMAC-SM3 of
/// the body with the secret, shown once).
#[utoipa::path(post, path = "/api/v1/cases/subscriptions", tag = "cases", request_body = SubscribeInput,
    responses((status = 201, body = crate::service::feed::WebhookCreated), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn subscribe(
    State(state): State<WindowState>,
    auth: Auth,
    Json(input): Json<SubscribeInput>,
) -> ApiResult<(StatusCode, axum::Json<crate::service::feed::WebhookCreated>)> {
    let created = crate::service::feed::subscribe(&state, &auth, &input.url).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}
