//! Signing in and out: users with a password, applicants through the identity provider.

use crate::auth::{Auth, clear_session_cookie, session_cookie, start_session};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::Json;
use crate::identity::Verification;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::audit::{Actor, AuditEvent};
use yici_core::authz::Principal;
use yici_core::org::ApplicantId;
use yici_store::sessions::SessionPrincipal;
use yici_store::users::{User, UserRole};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApplicantSignIn {
    /// 公民身份号码 or 统一社会信用代码.
    pub id_number: String,
    /// Real name (of the person, or of the company's representative's company).
    pub name: String,
}

/// Who is signed in, with the CSRF token that unsafe requests must send as `X-CSRF-Token`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// `user`, `applicant`, `system` or `anonymous`.
    pub kind: &'static str,
    pub user: Option<User>,
    pub roles: Vec<UserRole>,
    /// The applicant's number, masked.
    pub applicant: Option<String>,
    pub csrf_token: Option<String>,
}

/// Check a username and password; `None` when they do not match an enabled account. The
/// password is verified against a dummy hash for unknown users so timing does not tell.
///
/// After too many wrong passwords for a username it is locked out for a while: every attempt is
/// then refused with 429 and `Retry-After`, whatever the password (see [`crate::throttle`]).
pub async fn check_password(state: &AppState, username: &str, password: &str) -> ApiResult<Option<User>> {
    let now = std::time::Instant::now();
    if let Some(wait) = state.sign_ins.locked_for(username, now) {
        let minutes = wait.as_secs().div_ceil(60);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("密码错误次数过多，该账号已暂时锁定，请{minutes}分钟后再试"),
            format!("Too many wrong passwords: the account is locked; try again in {minutes} minutes"),
        );
        e.retry_after = Some(wait.as_secs().clamp(1, 86_400) as u32);
        return Err(e);
    }
    let found = state.store.user_credentials(username.trim()).await?;
    let (user, hash) = match &found {
        Some((u, h)) => (Some(u.clone()), h.clone()),
        None => (None, yici_crypto::password::dummy_hash().to_string()),
    };
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || yici_crypto::password::verify(&password, &hash))
        .await
        .unwrap_or(false);
    let user = user.filter(|u| ok && !u.disabled);
    if user.is_some() {
        state.sign_ins.succeeded(username);
    } else if state.sign_ins.failed(
        username,
        now,
        state.config.sign_in_max_failures,
        state.config.sign_in_lockout,
    ) {
        tracing::warn!(username = %username.trim(), "sign-in locked after repeated wrong passwords");
        let event = crate::context::request_event(
            yici_store::now_micros(),
            yici_core::audit::Actor::named("anonymous"),
            Action::SessionLock,
            "user",
        )
        .object(username.trim().chars().take(64).collect::<String>())
        .outcome(yici_core::audit::Outcome::Refused, "too many wrong passwords");
        state.audit.append(event).await?;
    }
    Ok(user)
}

pub fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "用户名或密码错误",
        "Wrong username or password",
    )
}

fn with_cookie(mut res: Response, value: axum::http::HeaderValue) -> Response {
    res.headers_mut().append(header::SET_COOKIE, value);
    res
}

/// Sign in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = SessionView), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn sign_in(State(state): State<AppState>, Json(input): Json<SignIn>) -> ApiResult<Response> {
    if input.username.len() > 64 || input.password.len() > 256 {
        return Err(invalid_credentials());
    }
    let user = check_password(&state, &input.username, &input.password)
        .await?
        .ok_or_else(invalid_credentials)?;
    let (cookie, csrf) = start_session(&state, SessionPrincipal::User(user.id), user_actor(&user)).await?;
    let roles = state.store.user_roles(user.id).await?;
    tracing::info!(user = %user.username, "signed in");
    let view = SessionView {
        kind: "user",
        user: Some(user),
        roles,
        applicant: None,
        csrf_token: Some(csrf),
    };
    let max_age = state.config.session_ttl.as_secs();
    Ok(with_cookie(
        axum::Json(view).into_response(),
        session_cookie(&cookie, max_age, state.config.secure_cookies),
    ))
}

/// The entry of a real-name verification: done by the identity provider.
pub fn verify_event(provider: &str) -> AuditEvent {
    crate::context::request_event(
        yici_store::now_micros(),
        Actor::platform(yici_core::audit::PlatformActor::IdentityPlatform(provider.to_string())),
        Action::ApplicantVerify,
        "applicant",
    )
}

/// The actor of a user signing in.
pub fn user_actor(user: &User) -> Actor {
    Actor {
        label: format!("user:{}", user.username),
        user_id: Some(user.id),
        department_id: user.department_id,
        ..Default::default()
    }
}

/// The actor of an applicant signing in.
pub fn applicant_actor(id: i64) -> Actor {
    Actor {
        label: format!("applicant:{id}"),
        applicant_id: Some(id),
        ..Default::default()
    }
}

/// Validate an applicant sign-in and verify it with the identity provider.
pub async fn verify_applicant(
    state: &AppState,
    id_number: &str,
    name: &str,
) -> ApiResult<yici_store::applicants::Applicant> {
    let id = ApplicantId::parse(id_number).map_err(|e| ApiError::validation(vec![FieldError::id("id_number", &e)]))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::field(
            "name",
            "请填写姓名（或单位名称），不超过60个字",
            "Enter the name, at most 60 characters",
        ));
    }
    let Some(identity) = state.identity.as_ref() else {
        if state.oidc.get().is_some() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "use_identity_platform",
                "申请人请通过统一身份认证平台登录：/login/applicant/oidc",
                "Applicants sign in through the identity platform: /login/applicant/oidc",
            ));
        }
        return Err(ApiError::identity_not_configured());
    };
    match identity.verify(&id, name).await {
        Ok(Verification::Verified) => Ok(state
            .store
            .sign_in_applicant(&id, name, identity.name(), &verify_event(identity.name()))
            .await?),
        Ok(Verification::Mismatch) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "identity_mismatch",
            "实名核验未通过：姓名与证件号码不一致",
            "Real-name verification failed: the name does not match the number",
        )),
        Err(e) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            let mut err = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "identity_unavailable",
                "实名核验服务暂不可用，请稍后重试",
                "The identity service is unavailable; please try again later",
            );
            err.retry_after = Some(30);
            Err(err)
        }
    }
}

/// Sign in as a citizen or company through real-name verification.
#[utoipa::path(post, path = "/api/v1/session/applicant", tag = "session", request_body = ApplicantSignIn,
    responses((status = 200, body = SessionView), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn sign_in_applicant(
    State(state): State<AppState>,
    Json(input): Json<ApplicantSignIn>,
) -> ApiResult<Response> {
    let applicant = verify_applicant(&state, &input.id_number, &input.name).await?;
    let (cookie, csrf) = start_session(
        &state,
        SessionPrincipal::Applicant(applicant.id),
        applicant_actor(applicant.id),
    )
    .await?;
    let view = SessionView {
        kind: "applicant",
        user: None,
        roles: vec![],
        applicant: Some(applicant.applicant_id.masked()),
        csrf_token: Some(csrf),
    };
    let max_age = state.config.session_ttl.as_secs();
    Ok(with_cookie(
        axum::Json(view).into_response(),
        session_cookie(&cookie, max_age, state.config.secure_cookies),
    ))
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, body = SessionView)))]
pub async fn current(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<SessionView>> {
    let (kind, roles) = match &auth.principal {
        Principal::User { id, .. } => ("user", state.store.user_roles(*id).await?),
        Principal::Applicant { .. } => ("applicant", vec![]),
        Principal::System { .. } => ("system", vec![]),
        Principal::Anonymous => ("anonymous", vec![]),
    };
    Ok(axum::Json(SessionView {
        kind,
        user: auth.user.clone(),
        roles,
        applicant: auth.applicant.as_ref().map(|a| a.applicant_id.masked()),
        csrf_token: auth.session.as_ref().map(|s| s.csrf_token.clone()),
    }))
}

/// Sign out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn sign_out(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    if let Some(s) = &auth.session {
        state
            .store
            .delete_session(&s.digest, &auth.event(Action::SessionSignOut, "session"))
            .await?;
    }
    Ok(with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        clear_session_cookie(),
    ))
}
