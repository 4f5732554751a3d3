//! Signing in and out: users with a password, applicants through the identity provider.

use crate::DirectoryState;
use crate::service::sessions::{self, ApplicantSignIn, SessionView, SignIn, Started};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use yici_web::auth::{clear_session_cookie, session_cookie};
use yici_web::extract::Json;
use yici_web::{ApiResult, Auth, Problem};

fn with_cookie(mut res: Response, value: axum::http::HeaderValue) -> Response {
    res.headers_mut().append(header::SET_COOKIE, value);
    res
}

fn signed_in(state: &DirectoryState, started: Started) -> Response {
    let max_age = state.config.session_ttl.as_secs();
    with_cookie(
        axum::Json(started.view).into_response(),
        session_cookie(&started.cookie, max_age, state.config.secure_cookies),
    )
}

/// Sign in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = SessionView), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn sign_in(State(state): State<DirectoryState>, Json(input): Json<SignIn>) -> ApiResult<Response> {
    let started = sessions::sign_in(&state, &input).await?;
    Ok(signed_in(&state, started))
}

/// Sign in as a citizen or company through real-name verification.
#[utoipa::path(post, path = "/api/v1/session/applicant", tag = "session", request_body = ApplicantSignIn,
    responses((status = 200, body = SessionView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn sign_in_applicant(
    State(state): State<DirectoryState>,
    Json(input): Json<ApplicantSignIn>,
) -> ApiResult<Response> {
    let started = sessions::sign_in_applicant(&state, &input).await?;
    Ok(signed_in(&state, started))
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, body = SessionView)))]
pub async fn current(State(state): State<DirectoryState>, auth: Auth) -> ApiResult<axum::Json<SessionView>> {
    Ok(axum::Json(sessions::current(&state, &auth).await?))
}

/// Sign out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn sign_out(State(state): State<DirectoryState>, auth: Auth) -> ApiResult<Response> {
    sessions::sign_out(&state, &auth).await?;
    Ok(with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        clear_session_cookie(),
    ))
}
