//! Sessions: users sign in with a password (throttled), applicants through real-name
//! verification; who is signed in; signing out.

use crate::DirectoryState;
use crate::identity::Verification;
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::audit::{Actor, AuditEvent};
use yici_core::authz::Principal;
use yici_core::org::ApplicantId;
use yici_service::{Caller, Error, FieldError, Kind, Result};
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
pub async fn check_password(state: &DirectoryState, username: &str, password: &str) -> Result<Option<User>> {
    let now = std::time::Instant::now();
    if let Some(wait) = state.sign_ins.locked_for(username, now) {
        let minutes = wait.as_secs().div_ceil(60);
        let mut e = Error::new(
            Kind::TooMany,
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
        let event = yici_service::context::request_event(
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

pub fn invalid_credentials() -> Error {
    Error::new(
        Kind::Unauthenticated,
        "invalid_credentials",
        "用户名或密码错误",
        "Wrong username or password",
    )
}

/// The entry of a real-name verification: done by the identity provider.
pub fn verify_event(provider: &str) -> AuditEvent {
    yici_service::context::request_event(
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
    state: &DirectoryState,
    id_number: &str,
    name: &str,
) -> Result<yici_store::applicants::Applicant> {
    let id = ApplicantId::parse(id_number).map_err(|e| Error::validation(vec![FieldError::id("id_number", &e)]))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || yici_core::text::has_control(name) {
        return Err(Error::field(
            "name",
            "请填写姓名（或单位名称），不超过60个字",
            "Enter the name, at most 60 characters",
        ));
    }
    let Some(identity) = state.identity.as_ref() else {
        if state.oidc.get().is_some() {
            return Err(Error::new(
                Kind::BadRequest,
                "use_identity_platform",
                "申请人请通过统一身份认证平台登录：/login/applicant/oidc",
                "Applicants sign in through the identity platform: /login/applicant/oidc",
            ));
        }
        return Err(Error::identity_not_configured());
    };
    match identity.verify(&id, name).await {
        Ok(Verification::Verified) => Ok(state
            .store
            .sign_in_applicant(&id, name, identity.name(), &verify_event(identity.name()))
            .await?),
        Ok(Verification::Mismatch) => Err(Error::new(
            Kind::Unauthenticated,
            "identity_mismatch",
            "实名核验未通过：姓名与证件号码不一致",
            "Real-name verification failed: the name does not match the number",
        )),
        Err(e) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            let mut err = Error::new(
                Kind::Unavailable,
                "identity_unavailable",
                "实名核验服务暂不可用，请稍后重试",
                "The identity service is unavailable; please try again later",
            );
            err.retry_after = Some(30);
            Err(err)
        }
    }
}

/// Start a session for `principal`; returns the cookie value and the CSRF token. The sign-in
/// is recorded as done by `actor`.
pub async fn start_session(
    state: &DirectoryState,
    principal: SessionPrincipal,
    actor: Actor,
) -> Result<(String, String)> {
    let now = state.config.clock.now_micros();
    let event = yici_service::context::request_event(now, actor, Action::SessionSignIn, "session");
    let cookie = yici_crypto::token::generate("s_");
    let csrf = yici_crypto::token::generate("c_").plaintext;
    let ttl = state.config.session_ttl.as_micros() as i64;
    state
        .store
        .create_session(&cookie.digest, principal, &csrf, now, now + ttl, &event)
        .await?;
    Ok((cookie.plaintext, csrf))
}

/// A signed-in session: the cookie value to set and who it is.
pub struct Started {
    pub cookie: String,
    pub view: SessionView,
}

/// Sign a user in with username and password.
pub async fn sign_in(state: &DirectoryState, input: &SignIn) -> Result<Started> {
    if input.username.len() > 64 || input.password.len() > 256 {
        return Err(invalid_credentials());
    }
    let user = check_password(state, &input.username, &input.password)
        .await?
        .ok_or_else(invalid_credentials)?;
    let (cookie, csrf) = start_session(state, SessionPrincipal::User(user.id), user_actor(&user)).await?;
    let roles = state.store.user_roles(user.id).await?;
    tracing::info!(user = %user.username, "signed in");
    Ok(Started {
        cookie,
        view: SessionView {
            kind: "user",
            user: Some(user),
            roles,
            applicant: None,
            csrf_token: Some(csrf),
        },
    })
}

/// Sign a citizen or company in through real-name verification.
pub async fn sign_in_applicant(state: &DirectoryState, input: &ApplicantSignIn) -> Result<Started> {
    let applicant = verify_applicant(state, &input.id_number, &input.name).await?;
    let (cookie, csrf) = start_session(
        state,
        SessionPrincipal::Applicant(applicant.id),
        applicant_actor(applicant.id),
    )
    .await?;
    Ok(Started {
        cookie,
        view: SessionView {
            kind: "applicant",
            user: None,
            roles: vec![],
            applicant: Some(applicant.applicant_id.masked()),
            csrf_token: Some(csrf),
        },
    })
}

/// Who is signed in.
pub async fn current(state: &DirectoryState, auth: &Caller) -> Result<SessionView> {
    let (kind, roles) = match &auth.principal {
        Principal::User { id, .. } => ("user", state.store.user_roles(*id).await?),
        Principal::Applicant { .. } => ("applicant", vec![]),
        Principal::System { .. } => ("system", vec![]),
        Principal::Anonymous => ("anonymous", vec![]),
    };
    Ok(SessionView {
        kind,
        user: auth.user.clone(),
        roles,
        applicant: auth.applicant.as_ref().map(|a| a.applicant_id.masked()),
        csrf_token: auth.session.as_ref().map(|s| s.csrf_token.clone()),
    })
}

/// End the caller's session, if there is one.
pub async fn sign_out(state: &DirectoryState, auth: &Caller) -> Result<()> {
    if let Some(s) = &auth.session {
        state
            .store
            .delete_session(&s.digest, &auth.event(Action::SessionSignOut, "session"))
            .await?;
    }
    Ok(())
}
