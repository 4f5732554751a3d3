//! Applicant sign-in through the province's identity platform (OpenID Connect, `yici-oidc`).
//!
//! `GET /login/applicant/oidc` starts a sign-in: the pending login (state, nonce, PKCE
//! verifier, expiry) is sealed with the platform's sealing key (SM4-GCM) into a cookie scoped
//! to these two paths, so whichever instance receives the callback can finish it, and the
//! browser is sent to the provider. `GET /login/applicant/oidc/callback` opens the cookie,
//! lets the provider vouch for the person, checks the ID number, and signs the applicant in.
//! A sign-in never renames a known applicant.

use super::account::{safe_next, signed_in};
use crate::DirectoryState;
use crate::service::sessions::{applicant_actor, start_session, verify_event};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::Deserialize;
use yici_core::org::ApplicantId;
use yici_store::sessions::SessionPrincipal;
use yici_web::context::cookie;
use yici_web::extract::Query;
use yici_web::{ApiError, ApiResult};

const COOKIE: &str = "yici_oidc";
const COOKIE_PATH: &str = "/login/applicant/oidc";
const SEAL_CONTEXT: &[u8] = b"yici:oidc-login:1";

fn provider(state: &DirectoryState) -> ApiResult<&yici_oidc::Provider> {
    state
        .oidc
        .get()
        .map(|p| p.as_ref())
        .ok_or_else(ApiError::identity_not_configured)
}

fn login_cookie(value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie value is base64url")
}

#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// Send the browser to the identity platform.
pub async fn start(State(state): State<DirectoryState>, Query(q): Query<StartQuery>) -> ApiResult<Response> {
    let provider = provider(&state)?;
    let next = safe_next(q.next.as_deref().unwrap_or("/me/certificates"));
    let (url, pending) = provider.begin(&next);
    let sealed = state.config.seal_key.seal(
        &serde_json::to_vec(&pending).expect("a pending login serialises"),
        SEAL_CONTEXT,
    );
    let mut res = Redirect::to(&url).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        login_cookie(
            &B64URL.encode(sealed),
            yici_oidc::LOGIN_TTL.as_secs(),
            state.config.secure_cookies,
        ),
    );
    Ok(res)
}

fn failed(status: StatusCode, code: &'static str, zh: &str, en: &str) -> ApiError {
    ApiError::new(status, code, zh, en)
}

/// The browser is back from the identity platform.
pub async fn callback(
    State(state): State<DirectoryState>,
    headers: HeaderMap,
    Query(answer): Query<yici_oidc::Callback>,
) -> ApiResult<Response> {
    let provider = provider(&state)?;
    let stale = || {
        failed(
            StatusCode::BAD_REQUEST,
            "sign_in_expired",
            "登录已过期或不是从本平台发起的，请重新登录",
            "The sign-in has expired or was not started here; please sign in again",
        )
    };
    let pending: yici_oidc::Pending = cookie(&headers, COOKIE)
        .and_then(|c| B64URL.decode(c).ok())
        .and_then(|sealed| state.config.seal_key.open(&sealed, SEAL_CONTEXT).ok())
        .and_then(|plain| serde_json::from_slice(&plain).ok())
        .ok_or_else(stale)?;
    let identity = match provider.finish(&pending, &answer).await {
        Ok(i) => i,
        Err(yici_oidc::Error::State) => return Err(stale()),
        Err(e @ (yici_oidc::Error::Refused(_) | yici_oidc::Error::Token(_))) => {
            tracing::warn!(error = %e, "identity platform sign-in refused");
            return Err(failed(
                StatusCode::UNAUTHORIZED,
                "identity_refused",
                "统一身份认证平台未确认您的身份，请重新登录",
                "The identity platform did not confirm who you are; please sign in again",
            ));
        }
        Err(yici_oidc::Error::MissingClaim(claim)) => {
            tracing::warn!(%claim, "identity platform gave no such claim");
            return Err(failed(
                StatusCode::UNPROCESSABLE_ENTITY,
                "identity_incomplete",
                "统一身份认证平台未提供证件号码或姓名，无法办理实名业务",
                "The identity platform gave no ID number or name, which real-name services need",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "identity platform unavailable");
            let mut err = failed(
                StatusCode::SERVICE_UNAVAILABLE,
                "identity_unavailable",
                "统一身份认证平台暂不可用，请稍后重试",
                "The identity platform is unavailable; please try again later",
            );
            err.retry_after = Some(30);
            return Err(err);
        }
    };
    let id = ApplicantId::parse(&identity.id_number).map_err(|_| {
        tracing::warn!(subject = %identity.subject, "identity platform gave an invalid ID number");
        failed(
            StatusCode::UNPROCESSABLE_ENTITY,
            "identity_incomplete",
            "统一身份认证平台提供的证件号码无效，无法办理实名业务",
            "The identity platform gave an invalid ID number, which real-name services need",
        )
    })?;
    let name: String = identity.name.chars().take(60).collect();
    let applicant = state
        .store
        .sign_in_applicant(&id, &name, "oidc", &verify_event("oidc"))
        .await?;
    let (session, _) = start_session(
        &state,
        SessionPrincipal::Applicant(applicant.id),
        applicant_actor(applicant.id),
    )
    .await?;
    let mut res = signed_in(&state, &session, &safe_next(&pending.next));
    res.headers_mut()
        .append(header::SET_COOKIE, login_cookie("", 0, state.config.secure_cookies));
    Ok(res)
}
