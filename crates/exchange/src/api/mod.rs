//! The exchange over HTTP: lookups, the change feed and subscriptions for department systems,
//! data loads and endpoints for providers. The headers a system sends (`X-Yici-Purpose`,
//! `X-Yici-Case`) are read here; everything else is the services'.

pub mod sharing;

use crate::ExchangeState;
use crate::lookup::{self, CallPurpose, Lookup};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiError, ApiResult, Auth, Problem};

pub use crate::lookup::{BatchInput, ChangeView, LoadReport, Records, StreamCreated, WebhookCreated};

/// A text header: UTF-8 bytes, or percent-encoded UTF-8 for clients limited to ASCII. Decoding
/// comes first, then trimming, so an encoded space or line break is blank, not text. `Err` when
/// the header is not UTF-8, is badly encoded, or holds control characters.
fn header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ()> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let raw = std::str::from_utf8(value.as_bytes()).map_err(|_| ())?;
    // Non-ASCII text sent as it is (UTF-8) is taken as it is; ASCII may carry encoded text.
    let decoded = if raw.is_ascii() && raw.contains('%') {
        percent_decode(raw).ok_or(())?
    } else {
        raw.to_string()
    };
    let text = decoded.trim();
    if text.chars().any(char::is_control) {
        return Err(());
    }
    Ok(Some(text.to_string()).filter(|v| !v.is_empty()))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The purpose and case a call states in its headers (an unreadable purpose is no purpose).
fn call_purpose(headers: &HeaderMap) -> CallPurpose {
    let case = header(headers, "x-yici-case");
    CallPurpose {
        purpose: header(headers, "x-yici-purpose").ok().flatten(),
        case_unreadable: case.is_err(),
        case: case.ok().flatten(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndpointInput {
    /// `http://…` endpoint of the provider, or null to serve loaded rows again.
    pub url: Option<String>,
}

/// Serve a resource from the provider's own endpoint (proxy mode), or stop doing so.
#[utoipa::path(put, path = "/api/v1/datasets/{id}/endpoint", tag = "exchange", request_body = EndpointInput,
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_endpoint(
    State(state): State<ExchangeState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<EndpointInput>,
) -> ApiResult<StatusCode> {
    lookup::set_endpoint(&state, &auth, id, input.url.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One lookup by the resource's key item, given as the query parameter named after it.
#[utoipa::path(get, path = "/api/v1/exchange/{class}/{sequence}/records", tag = "exchange",
    params(("class" = String, Path, description = "classification code (first part of the resource code)"),
           ("sequence" = String, Path, description = "sequence (second part of the resource code)")),
    responses((status = 200, body = Records), (status = 400, body = Problem), (status = 403, body = Problem), (status = 429, body = Problem)))]
pub async fn get_records(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Path((class, sequence)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<axum::Json<Records>> {
    auth.require(
        yici_core::authz::Permission::CallExchange,
        &yici_core::authz::Target::OwnScope,
    )?;
    let one = q.len() == 1;
    let Some((name, key)) = q.into_iter().next().filter(|_| one) else {
        return Err(ApiError::bad_request(
            "请以资源的键信息项为参数名给出一个查询值，例如 ?公民身份号码=…",
            "Give exactly one query parameter, named after the resource's key item",
        ));
    };
    let found = lookup::lookup(
        &state,
        &auth,
        Lookup {
            resource: format!("{class}/{sequence}"),
            key_name: Some(name),
            keys: vec![key],
            why: call_purpose(&headers),
        },
    )
    .await?;
    Ok(axum::Json(found))
}

/// Batch lookup of up to 1,000 keys.
#[utoipa::path(post, path = "/api/v1/exchange/{class}/{sequence}/records", tag = "exchange", request_body = BatchInput,
    responses((status = 200, body = Records), (status = 400, body = Problem), (status = 403, body = Problem), (status = 429, body = Problem)))]
pub async fn post_records(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Path((class, sequence)): Path<(String, String)>,
    Json(input): Json<BatchInput>,
) -> ApiResult<axum::Json<Records>> {
    let code = format!("{class}/{sequence}");
    let found = lookup::batch(&state, &auth, &code, input.keys, call_purpose(&headers)).await?;
    Ok(axum::Json(found))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoadQuery {
    /// Load the valid rows and report the others (default: all or nothing).
    #[serde(default)]
    pub partial: bool,
}

/// Load rows into an aggregated resource (its provider's stewards): each row an object of data
/// item → value; checked against item types and identifier rules; upserted by the key item.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/rows", tag = "exchange", params(LoadQuery),
    request_body = Vec<Object>,
    responses((status = 200, body = LoadReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load(
    State(state): State<ExchangeState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<LoadQuery>,
    Json(rows): Json<Vec<BTreeMap<String, serde_json::Value>>>,
) -> ApiResult<axum::Json<LoadReport>> {
    Ok(axum::Json(lookup::load(&state, &auth, id, &rows, q.partial).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Return changes after this position (0 for the beginning).
    #[serde(default)]
    pub after: i64,
    /// At most this many (1 to 1,000, default 100).
    pub limit: Option<i64>,
}

/// New and changed rows since a position, under the same grant rules as lookups.
#[utoipa::path(get, path = "/api/v1/exchange/{class}/{sequence}/changes", tag = "exchange", params(ChangesQuery),
    responses((status = 200, body = Vec<ChangeView>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn changes(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Path((class, sequence)): Path<(String, String)>,
    Query(q): Query<ChangesQuery>,
) -> ApiResult<axum::Json<Vec<ChangeView>>> {
    let code = format!("{class}/{sequence}");
    // The feed serves no case: only the purpose is read.
    let why = CallPurpose {
        purpose: header(&headers, "x-yici-purpose").ok().flatten(),
        ..Default::default()
    };
    let limit = q.limit.unwrap_or(100);
    Ok(axum::Json(
        lookup::changes(&state, &auth, &code, q.after, limit, why).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WebhookInput {
    /// `http://…` address that receives the changes.
    pub url: String,
}

/// Subscribe the calling system to a resource's changes (it needs a valid grant).
#[utoipa::path(post, path = "/api/v1/exchange/{class}/{sequence}/webhooks", tag = "exchange", request_body = WebhookInput,
    responses((status = 201, body = WebhookCreated), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn subscribe(
    State(state): State<ExchangeState>,
    auth: Auth,
    Path((class, sequence)): Path<(String, String)>,
    Json(input): Json<WebhookInput>,
) -> ApiResult<(StatusCode, axum::Json<WebhookCreated>)> {
    let code = format!("{class}/{sequence}");
    let created = lookup::subscribe_webhook(&state, &auth, &code, &input.url).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// Subscribe the calling system to a resource's changes through NATS JetStream (when the
/// platform runs with `--nats`; it needs a valid grant).
#[utoipa::path(post, path = "/api/v1/exchange/{class}/{sequence}/streams", tag = "exchange",
    responses((status = 201, body = StreamCreated), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn subscribe_stream(
    State(state): State<ExchangeState>,
    auth: Auth,
    Path((class, sequence)): Path<(String, String)>,
) -> ApiResult<(StatusCode, axum::Json<StreamCreated>)> {
    let code = format!("{class}/{sequence}");
    let created = lookup::subscribe_stream(&state, &auth, &code).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: &[u8]) -> Result<Option<String>, ()> {
        let mut h = HeaderMap::new();
        h.insert("x-yici-purpose", axum::http::HeaderValue::from_bytes(value).unwrap());
        header(&h, "x-yici-purpose")
    }

    #[test]
    fn headers_are_decoded_before_they_are_judged_blank() {
        assert_eq!(read(b"%E6%A0%B8%E9%AA%8C"), Ok(Some("核验".into())));
        assert_eq!(
            read("合格率100% 核验".as_bytes()),
            Ok(Some("合格率100% 核验".into())),
            "UTF-8 sent as is"
        );
        assert_eq!(read(b" %20 "), Ok(None));
        assert_eq!(read(b"%0a"), Ok(None), "a line break alone is blank");
        assert_eq!(read(b"a%0ab"), Err(()));
        assert_eq!(read(b"ok%00"), Err(()));
        assert_eq!(read(b"100% done"), Err(()), "a stray % in ASCII is a bad encoding");
        assert_eq!(read(b"%FF%FE"), Err(()), "not UTF-8 once decoded");
    }
}
