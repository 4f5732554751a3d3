//! Operations: health and readiness probes, Prometheus metrics, request metrics, and the
//! fallback that turns every bare error response into a problem document or an error page.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yici_web::ApiError;
use yici_web::context::{current_lang, current_request_id};

use std::time::Instant;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "ready"), (status = 503, description = "database unavailable")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.write_probe().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed: writes do not succeed");
            let mut err = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "数据存储暂不可写入",
                "Storage does not accept writes",
            );
            err.retry_after = Some(5);
            err.into_response()
        }
    }
}

/// Prometheus metrics in text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// Middleware: count requests and time them by route template and status.
pub async fn record(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("yici_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("yici_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

fn wants_html(req_accept: Option<&str>, path: &str) -> bool {
    !path.starts_with("/api/") && req_accept.is_some_and(|a| a.contains("text/html"))
}

/// Middleware: an error response without a body of ours (unknown route, wrong method, timeout,
/// body too large, extractor rejections) becomes a problem document, or an error page for a
/// browser; a 500 is logged with the request id.
pub async fn problems(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let path = req.uri().path().to_string();
    // The reader's display settings, for an error page in the frame of their pages.
    let mut cookies = axum::http::HeaderMap::new();
    if let Some(c) = req.headers().get(header::COOKIE) {
        cookies.insert(header::COOKIE, c.clone());
    }
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ours = res.extensions().get::<ApiError>().cloned();
    // A refused authorisation is recorded before the refusal goes out.
    if let Some(event) = ours.as_ref().and_then(|e| e.audit.clone())
        && let Err(e) = state.audit.append(*event).await
    {
        tracing::error!(request_id = %current_request_id(), error = %e, "refusal not recorded in the audit log");
        return ApiError::internal().into_response();
    }
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        return res;
    }
    let error = match ours {
        Some(e) => e,
        None => {
            let (code, zh, en) = match status {
                StatusCode::NOT_FOUND => ("not_found", "您访问的地址不存在", "No such address"),
                StatusCode::METHOD_NOT_ALLOWED => (
                    "method_not_allowed",
                    "该地址不支持此请求方法",
                    "This method is not allowed here",
                ),
                StatusCode::REQUEST_TIMEOUT => (
                    "request_timeout",
                    "请求处理超时，请稍后重试",
                    "The request took too long; please try again",
                ),
                StatusCode::PAYLOAD_TOO_LARGE => {
                    ("payload_too_large", "提交的内容过大", "The request body is too large")
                }
                StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                    ("unsupported_media_type", "不支持的内容类型", "Unsupported content type")
                }
                s if s.is_server_error() => ("internal", "服务器内部错误", "Internal server error"),
                _ => ("bad_request", "请求无效", "Bad request"),
            };
            if status.is_server_error() {
                tracing::error!(request_id = %current_request_id(), %status, "unhandled server error");
            }
            let mut e = ApiError::new(status, code, zh, en);
            e.retry_after = res
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok());
            e
        }
    };
    if wants_html(accept.as_deref(), &path) {
        let caller = res.extensions().get::<yici_web::Auth>();
        return yici_web::page::error_page(&error, current_lang(), caller.map(|a| (a, &cookies)));
    }
    if ours_is_problem(&res) {
        return res;
    }
    error.into_response()
}

fn ours_is_problem(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"))
}
