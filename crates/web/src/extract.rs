//! Extractors whose rejections are problem documents: malformed JSON, query strings, path
//! parameters and forms are answered with a stable code and a message in the reader's
//! language, never with a bare text body.

use crate::error::ApiError;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// JSON body; see [`axum::Json`].
pub struct Json<T>(pub T);
/// Query string; see [`axum::extract::Query`].
pub struct Query<T>(pub T);
/// Path parameters; see [`axum::extract::Path`].
pub struct Path<T>(pub T);
/// URL-encoded form body; see [`axum::Form`].
pub struct Form<T>(pub T);

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "提交的内容过大",
        "The request body is too large",
    )
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let text = r.body_text();
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求内容类型应为 application/json",
            "The request must have Content-Type: application/json",
        ),
        JsonRejection::JsonDataError(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("请求内容的字段不符合要求：{text}"),
            format!("The JSON fields do not match what is expected: {text}"),
        ),
        JsonRejection::BytesRejection(_) if text.contains("length limit") => too_large(),
        _ => ApiError::bad_request(
            format!("请求内容不是有效的 JSON：{text}"),
            format!("The body is not valid JSON: {text}"),
        ),
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Json(v))
            .map_err(json_rejection)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|r: QueryRejection| {
                let text = r.body_text();
                ApiError::bad_request(
                    format!("查询参数有误：{text}"),
                    format!("Invalid query parameters: {text}"),
                )
            })
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|r: PathRejection| {
                let text = r.body_text();
                ApiError::bad_request(
                    format!("地址中的参数有误：{text}"),
                    format!("Invalid path parameter: {text}"),
                )
            })
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| Form(v))
            .map_err(|r: FormRejection| {
                let text = r.body_text();
                if text.contains("length limit") {
                    return too_large();
                }
                ApiError::bad_request(format!("表单内容有误：{text}"), format!("Invalid form: {text}"))
            })
    }
}
