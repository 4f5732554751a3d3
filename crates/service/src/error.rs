//! Domain errors with stable codes.
//!
//! Every failure a caller can see is an [`Error`]: its [`Kind`], a stable machine `code`, and a
//! message in Chinese and English. The web kit answers it as an RFC 9457 problem document with
//! the status its kind stands for; the command line prints the message. Failures of the storage
//! itself are logged with the request id and shown only as a generic message, so nothing about
//! the database or the code leaks.

use crate::context::current_request_id;
use yici_core::Lang;
use yici_core::id::IdError;
use yici_store::StoreError;

/// What kind of failure, which decides the HTTP status a web caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request is malformed (400).
    BadRequest,
    /// Nobody is signed in, or the credentials are wrong (401).
    Unauthenticated,
    /// The caller may not do this (403).
    Forbidden,
    /// The object does not exist, or not for this caller (404).
    NotFound,
    /// The request clashes with the current state (409).
    Conflict,
    /// The request is too large (413).
    TooLarge,
    /// The content is of a type that is not accepted (415).
    UnsupportedMedia,
    /// Some fields are wrong (422).
    Invalid,
    /// Too many requests for now; `retry_after` says when to try again (429).
    TooMany,
    /// An error of the platform itself (500).
    Internal,
    /// A provider's system answered badly (502).
    BadGateway,
    /// A service the platform depends on is unavailable for now (503).
    Unavailable,
    /// A provider's system did not answer in time (504).
    GatewayTimeout,
}

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub zh: String,
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

/// A failure of an operation.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    /// Stable machine code, documented in the OpenAPI description.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    pub errors: Vec<FieldError>,
    /// Seconds after which the same request may succeed (with `TooMany` and `Unavailable`).
    pub retry_after: Option<u32>,
    /// The audit entry of a refusal, written before the answer goes out.
    pub audit: Option<Box<yici_core::audit::AuditEvent>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Error {
            kind,
            code,
            zh: zh.into(),
            en: en.into(),
            errors: Vec::new(),
            retry_after: None,
            audit: None,
        }
    }

    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(Kind::BadRequest, "bad_request", zh, en)
    }

    /// Some fields are wrong.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            Kind::Invalid,
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
            Kind::NotFound,
            "not_found",
            format!("{what_zh}不存在"),
            format!("{what_en} not found"),
        )
    }

    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, "conflict", zh, en)
    }

    pub fn unauthenticated() -> Self {
        Self::new(Kind::Unauthenticated, "unauthenticated", "请先登录", "Sign-in required")
    }

    pub fn too_large() -> Self {
        Self::new(
            Kind::TooLarge,
            "payload_too_large",
            "提交的内容过大",
            "The request body is too large",
        )
    }

    /// Applicant sign-in with no identity platform configured (outside the demo).
    pub fn identity_not_configured() -> Self {
        Self::new(
            Kind::Unavailable,
            "identity_provider_not_configured",
            "本平台尚未接入实名认证（统一身份认证平台），暂不能以申请人身份登录；请联系平台运营方配置 OpenID Connect 身份平台",
            "No identity platform is configured, so applicants cannot sign in yet; the platform operator must configure an OpenID Connect identity provider",
        )
    }

    /// The storage cannot take the request now (disk full, read-only, database unreachable):
    /// nothing was written, and the same request can be sent again later.
    pub fn storage_unavailable() -> Self {
        let mut e = Self::new(
            Kind::Unavailable,
            "storage_unavailable",
            "数据存储暂不可用，本次操作未保存，请稍后重试",
            "Storage is unavailable; nothing was saved. Please try again later",
        );
        e.retry_after = Some(5);
        e
    }

    pub fn internal() -> Self {
        Self::new(Kind::Internal, "internal", "服务器内部错误", "Internal server error")
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }

    /// What the error says in full: each field's message when it names fields (a validation
    /// error's own message only says that something was invalid), otherwise its message.
    pub fn describe(&self, lang: Lang) -> String {
        if self.errors.is_empty() {
            self.message(lang).to_string()
        } else {
            self.errors
                .iter()
                .map(|f| f.message(lang))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; "))
        }
    }

    /// The same error with the audit entry of a refusal, written before it is answered.
    pub fn recorded(mut self, refusal: yici_core::audit::AuditEvent) -> Self {
        self.audit = Some(Box::new(refusal));
        self
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.en, self.code)?;
        for e in &self.errors {
            write!(f, "; {}: {}", e.field, e.en)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::new(
                Kind::NotFound,
                "not_found",
                format!("所请求的对象不存在（{what}）"),
                format!("{what} not found"),
            ),
            StoreError::Conflict(m) => Error::conflict(format!("与已有数据冲突：{m}"), format!("Conflict: {m}")),
            StoreError::Invalid(m) => Error::new(
                Kind::Invalid,
                "validation_failed",
                format!("数据无效：{m}"),
                format!("Invalid data: {m}"),
            ),
            other if other.is_storage_failure() => {
                tracing::error!(request_id = %current_request_id(), error = %other, "storage unavailable");
                Error::storage_unavailable()
            }
            other => {
                tracing::error!(request_id = %current_request_id(), error = %other, "storage error");
                Error::internal()
            }
        }
    }
}

impl From<yici_core::calendar::CalendarError> for Error {
    fn from(e: yici_core::calendar::CalendarError) -> Self {
        use yici_core::calendar::CalendarError::*;
        let code = match e {
            YearNotCovered(_) => "calendar_year_missing",
            Invalid(_) => "validation_failed",
        };
        Error::new(Kind::Invalid, code, e.message(Lang::Zh), e.message(Lang::En))
    }
}
