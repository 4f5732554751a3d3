//! Per-request context: the request id and the reader's language, available to every handler
//! and to error rendering without threading them through each call.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use yici_core::Lang;
pub use yici_service::context::{current_client_request_id, current_lang, current_request_id, request_event};

/// The `X-Request-Id` a caller sent, taken off the request before the server sets its own.
#[derive(Debug, Clone)]
pub struct ClientRequestId(pub String);

/// Middleware (outermost): the caller's `X-Request-Id` is not the server's id. It is moved
/// aside (printable ASCII, at most 64 characters) so the server always makes its own, which
/// keys the audit log; the caller's is recorded beside it.
pub async fn take_client_request_id(mut req: Request, next: Next) -> Response {
    if let Some(v) = req.headers_mut().remove("x-request-id") {
        let id: String = v
            .as_bytes()
            .iter()
            .filter(|b| b.is_ascii_graphic())
            .take(64)
            .map(|b| *b as char)
            .collect();
        if !id.is_empty() {
            req.extensions_mut().insert(ClientRequestId(id));
        }
    }
    next.run(req).await
}

pub const LANG_COOKIE: &str = "yici_lang";
pub const MODE_COOKIE: &str = "yici_mode";

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language asked for: `?lang=`, then the `yici_lang` cookie, then (for the API only)
/// `Accept-Language`; Chinese when nothing says otherwise. Pages ignore the browser's
/// language header: the interface is Chinese unless the reader switches it.
pub fn negotiate_lang(query: Option<&str>, headers: &HeaderMap, api: bool) -> Lang {
    let from_query = query.and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::from_tag(v))
    });
    from_query
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::from_tag))
        .or_else(|| {
            if !api {
                return None;
            }
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|tag| Lang::from_tag(tag.split(';').next().unwrap_or("")))
        })
        .unwrap_or_default()
}

/// Middleware: set the request id (from `x-request-id`, set by the layer outside) and the
/// language for everything that runs inside.
pub async fn scope(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = negotiate_lang(req.uri().query(), req.headers(), api);
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .take(64)
                .collect()
        })
        .unwrap_or_else(|| "-".to_string());
    let client = req.extensions().get::<ClientRequestId>().map(|c| c.0.clone());
    let mut res = yici_service::context::scope(lang, id, client, next.run(req)).await;
    res.headers_mut().insert(
        axum::http::header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    res
}

/// Request ids: 16 random hex characters, made by the server for every request.
#[derive(Clone, Copy, Default)]
pub struct MakeRequestId;

impl tower_http::request_id::MakeRequestId for MakeRequestId {
    fn make_request_id<B>(&mut self, _req: &axum::http::Request<B>) -> Option<tower_http::request_id::RequestId> {
        HeaderValue::from_str(&yici_crypto::token::short_id())
            .ok()
            .map(tower_http::request_id::RequestId::new)
    }
}
