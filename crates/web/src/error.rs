//! Errors answered as RFC 9457 problem documents with stable codes.
//!
//! A handler answers an [`ApiError`]: a service [`Error`] with the HTTP status its [`Kind`]
//! stands for, in the language the request asked for. Internal errors are logged with the
//! request id where they happen and shown only as a generic message that quotes that id, so
//! nothing about the database or the code leaks.

use crate::context::{current_lang, current_request_id};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use yici_core::Lang;
use yici_service::{Error, FieldError, Kind};

/// An error answered to the client: the service's error and its HTTP status.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: Error,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The status each kind of failure is answered with.
pub fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::BadRequest => StatusCode::BAD_REQUEST,
        Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Kind::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Kind::BadGateway => StatusCode::BAD_GATEWAY,
        Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Kind::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
    }
}

/// The kind of failure a status stands for (for errors made at the HTTP edge).
fn kind_of(status: StatusCode) -> Kind {
    match status.as_u16() {
        401 => Kind::Unauthenticated,
        403 => Kind::Forbidden,
        404 => Kind::NotFound,
        409 => Kind::Conflict,
        413 => Kind::TooLarge,
        415 => Kind::UnsupportedMedia,
        422 => Kind::Invalid,
        429 => Kind::TooMany,
        502 => Kind::BadGateway,
        503 => Kind::Unavailable,
        504 => Kind::GatewayTimeout,
        500..=599 => Kind::Internal,
        _ => Kind::BadRequest,
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError {
            status: status_of(error.kind),
            error,
        }
    }
}

impl From<yici_store::StoreError> for ApiError {
    fn from(e: yici_store::StoreError) -> Self {
        Error::from(e).into()
    }
}

impl From<yici_core::calendar::CalendarError> for ApiError {
    fn from(e: yici_core::calendar::CalendarError) -> Self {
        Error::from(e).into()
    }
}

impl From<yici_service::rows::FileError> for ApiError {
    fn from(e: yici_service::rows::FileError) -> Self {
        Error::from(e).into()
    }
}

impl std::ops::Deref for ApiError {
    type Target = Error;
    fn deref(&self) -> &Error {
        &self.error
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Error {
        &mut self.error
    }
}

/// The problem document as serialised.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine code: `validation_failed`, `forbidden`, `not_found` …
    pub code: String,
    pub request_id: String,
    /// The fields that are wrong (validation problems only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl ApiError {
    /// An error made at the HTTP edge, with its own status.
    pub fn new(status: StatusCode, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError {
            status,
            error: Error::new(kind_of(status), code, zh, en),
        }
    }

    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Error::bad_request(zh, en).into()
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Error::validation(errors).into()
    }

    pub fn field(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Error::field(field, zh, en).into()
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> Self {
        Error::not_found(what_zh, what_en).into()
    }

    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Error::conflict(zh, en).into()
    }

    pub fn unauthenticated() -> Self {
        Error::unauthenticated().into()
    }

    pub fn identity_not_configured() -> Self {
        Error::identity_not_configured().into()
    }

    pub fn storage_unavailable() -> Self {
        Error::storage_unavailable().into()
    }

    pub fn internal() -> Self {
        Error::internal().into()
    }

    /// The problem document for `lang`.
    pub fn problem(&self, lang: Lang) -> Problem {
        let request_id = current_request_id();
        let mut detail = self.message(lang).to_string();
        if self.status.is_server_error() {
            detail = match lang {
                Lang::Zh => format!("{detail}，请稍后重试；如需协助，请提供请求编号 {request_id}"),
                Lang::En => {
                    format!("{detail}; please try again, and quote request id {request_id} if you ask for help")
                }
            };
        }
        Problem {
            kind: format!("urn:yici:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            detail,
            code: self.code.to_string(),
            request_id,
            errors: self
                .errors
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    message: f.message(lang).to_string(),
                })
                .collect(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem(current_lang())).unwrap_or_default();
        let mut res = (self.status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res.extensions_mut().insert(self);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_keeps_its_status_both_ways() {
        use Kind::*;
        for kind in [
            BadRequest,
            Unauthenticated,
            Forbidden,
            NotFound,
            Conflict,
            TooLarge,
            UnsupportedMedia,
            Invalid,
            TooMany,
            Internal,
            BadGateway,
            Unavailable,
            GatewayTimeout,
        ] {
            assert_eq!(kind_of(status_of(kind)), kind);
        }
    }
}
