//! RFC 9457 problem documents with stable codes.
//!
//! Every error a client can see is an [`ApiError`]: an HTTP status, a stable machine `code`, and
//! a message in Chinese and English; the response carries the one the request asked for.
//! Internal errors are logged with the request id and shown only as a generic message that
//! quotes that id, so nothing about the database or the code leaks.

use crate::context::{current_lang, current_request_id};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use yici_core::Lang;
use yici_core::id::IdError;
use yici_store::StoreError;

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    #[serde(skip)]
    pub zh: String,
    #[serde(skip)]
    pub en: String,
}

impl FieldError {
    pub fn new(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            zh: zh.into(),
            en: en.into(),
        }
    }
    /// An identifier that failed to parse, with the parser's own bilingual message.
    pub fn id(field: &str, e: &IdError) -> Self {
        FieldError::new(field, e.message(Lang::Zh), e.message(Lang::En))
    }
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine code, documented in the OpenAPI description.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    pub errors: Vec<FieldError>,
    /// Retry-After seconds, for 429 and 503.
    pub retry_after: Option<u64>,
    /// The audit entry of a refused authorisation, written before the answer goes out.
    pub audit: Option<Box<yici_core::audit::AuditEvent>>,
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
    pub fn new(status: StatusCode, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            zh: zh.into(),
            en: en.into(),
            errors: Vec::new(),
            retry_after: None,
            audit: None,
        }
    }

    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", zh, en)
    }

    /// 422 with the fields that are wrong.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "提交的内容有误，请按提示修改",
            "Some fields are invalid; see the list of errors",
        );
        e.errors = errors;
        e
    }

    pub fn field(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, zh, en)])
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what_zh}不存在"),
            format!("{what_en} not found"),
        )
    }

    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", zh, en)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "请先登录",
            "Sign-in required",
        )
    }

    /// Applicant sign-in with no identity platform configured (outside the demo).
    pub fn identity_not_configured() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "identity_provider_not_configured",
            "本平台尚未接入实名认证（统一身份认证平台），暂不能以申请人身份登录；请联系平台运营方配置 OpenID Connect 身份平台",
            "No identity platform is configured, so applicants cannot sign in yet; the platform operator must configure an OpenID Connect identity provider",
        )
    }

    /// The storage cannot take the request now (disk full, read-only, database unreachable):
    /// nothing was written, and the same request can be sent again later.
    pub fn storage_unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "数据存储暂不可用，本次操作未保存，请稍后重试",
            "Storage is unavailable; nothing was saved. Please try again later",
        );
        e.retry_after = Some(5);
        e
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误",
            "Internal server error",
        )
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
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

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("所请求的对象不存在（{what}）"),
                format!("{what} not found"),
            ),
            StoreError::Conflict(m) => ApiError::conflict(format!("与已有数据冲突：{m}"), format!("Conflict: {m}")),
            StoreError::Invalid(m) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("数据无效：{m}"),
                format!("Invalid data: {m}"),
            ),
            other if other.is_storage_failure() => {
                tracing::error!(request_id = %current_request_id(), error = %other, "storage unavailable");
                ApiError::storage_unavailable()
            }
            other => {
                tracing::error!(request_id = %current_request_id(), error = %other, "storage error");
                ApiError::internal()
            }
        }
    }
}

impl From<yici_core::calendar::CalendarError> for ApiError {
    fn from(e: yici_core::calendar::CalendarError) -> Self {
        use yici_core::calendar::CalendarError::*;
        let code = match e {
            YearNotCovered(_) => "calendar_year_missing",
            Invalid(_) => "validation_failed",
        };
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            e.message(Lang::Zh),
            e.message(Lang::En),
        )
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
