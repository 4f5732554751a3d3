//! Authentication and the single authorisation check.
//!
//! The [`authenticate`] middleware runs on every request and resolves who is asking:
//! - `Authorization: Bearer <token>`: a department system; a bad token is refused with 401;
//! - the `yici_session` cookie: a signed-in user or applicant. Unsafe methods must then carry the
//!   session's CSRF token, in the `X-CSRF-Token` header or a `csrf_token` form field;
//! - nothing: anonymous.
//!
//! Handlers then call [`Auth::require`], which asks `yici_core::authz::decide`: the policy lives
//! there and nowhere else.

use crate::context::cookie;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yici_core::Lang;
use yici_core::audit::{Actor, AuditEvent, Outcome};
use yici_core::authz::{Denied, Permission, Principal, Target, decide};
use yici_core::org::RoleGrant;
use yici_store::applicants::Applicant;
use yici_store::now_micros;
use yici_store::sessions::SessionPrincipal;
use yici_store::users::User;

pub const SESSION_COOKIE: &str = "yici_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The token of an `Authorization: Bearer …` value. The scheme name is case-insensitive
/// (RFC 9110 §11.1); one or more spaces separate it from the token.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Routes that sign in (with POST): they create the session, so they cannot present its CSRF
/// token. Signing out (`DELETE /api/v1/session`) is not among them.
const SIGN_IN_PATHS: [&str; 4] = [
    "/login",
    "/login/applicant",
    "/api/v1/session",
    "/api/v1/session/applicant",
];

/// The signed-in session behind a request.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub digest: String,
    pub csrf_token: String,
}

/// Who is asking, resolved once per request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub principal: Principal,
    pub session: Option<SessionInfo>,
    pub user: Option<User>,
    pub applicant: Option<Applicant>,
}

impl Auth {
    fn anonymous() -> Self {
        Auth {
            principal: Principal::Anonymous,
            session: None,
            user: None,
            applicant: None,
        }
    }

    /// Allow or refuse, with a problem document that names what is missing.
    pub fn require(&self, permission: Permission, target: &Target) -> ApiResult<()> {
        match decide(&self.principal, permission, target) {
            Ok(()) => Ok(()),
            Err(Denied::Unauthenticated) => Err(ApiError::unauthenticated()),
            Err(Denied::Forbidden { permission }) => {
                tracing::info!(?permission, principal = ?self.principal_label(), "authorisation refused");
                let refusal = self
                    .event("access.refuse", "permission")
                    .object(format!("{permission:?}"))
                    .outcome(Outcome::Refused, permission.describe(Lang::En));
                let mut e = ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("无权执行此操作：需要“{}”的权限", permission.describe(Lang::Zh)),
                    format!(
                        "Not allowed: this needs the permission to {}",
                        permission.describe(Lang::En)
                    ),
                );
                e.audit = Some(Box::new(refusal));
                Err(e)
            }
        }
    }

    /// Allow when every target is allowed (an object with several owners, such as a user
    /// holding roles in several places).
    pub fn require_all<'a>(
        &self,
        permission: Permission,
        targets: impl IntoIterator<Item = &'a Target>,
    ) -> ApiResult<()> {
        targets.into_iter().try_for_each(|t| self.require(permission, t))
    }

    /// The part of the platform this principal reaches with `permission`: lists are cut to it.
    pub fn coverage(&self, permission: Permission) -> yici_core::authz::Coverage {
        yici_core::authz::coverage(&self.principal, permission)
    }

    /// The departments this principal reaches with `permission`, or `None` for all of them.
    pub async fn departments_within(
        &self,
        store: &yici_store::Store,
        permission: Permission,
    ) -> ApiResult<Option<Vec<i64>>> {
        use yici_core::authz::Coverage;
        Ok(match self.coverage(permission) {
            Coverage::All => None,
            Coverage::Nothing => Some(Vec::new()),
            c @ Coverage::Scopes(_) => Some(
                store
                    .list_departments(None, yici_store::Page::all())
                    .await?
                    .into_iter()
                    .filter(|d| c.covers_department(d.id, &d.region()))
                    .map(|d| d.id)
                    .collect(),
            ),
        })
    }

    /// Keep the rows of a list whose department `permission` reaches (by `department_of`).
    pub async fn keep_within<T>(
        &self,
        store: &yici_store::Store,
        permission: Permission,
        rows: Vec<T>,
        department_of: impl Fn(&T) -> Vec<i64>,
    ) -> ApiResult<Vec<T>> {
        Ok(match self.departments_within(store, permission).await? {
            None => rows,
            Some(within) => rows
                .into_iter()
                .filter(|r| department_of(r).iter().any(|d| within.contains(d)))
                .collect(),
        })
    }

    /// Who is acting, for the audit log.
    pub fn actor(&self) -> Actor {
        match &self.principal {
            Principal::Anonymous => Actor::named("anonymous"),
            Principal::User { id, username, .. } => Actor {
                label: format!("user:{username}"),
                user_id: Some(*id),
                department_id: self.user.as_ref().and_then(|u| u.department_id),
                ..Default::default()
            },
            Principal::System { id, department_id } => Actor {
                label: format!("system:{id}"),
                system_id: Some(*id),
                department_id: Some(*department_id),
                ..Default::default()
            },
            Principal::Applicant { id } => Actor {
                label: format!("applicant:{id}"),
                applicant_id: Some(*id),
                ..Default::default()
            },
        }
    }

    /// An audit entry for an action of this principal in the current request.
    pub fn event(&self, action: &str, object_type: &str) -> AuditEvent {
        crate::context::request_event(yici_store::now_micros(), self.actor(), action, object_type)
    }

    pub fn grants(&self) -> &[RoleGrant] {
        match &self.principal {
            Principal::User { grants, .. } => grants,
            _ => &[],
        }
    }

    pub fn csrf_token(&self) -> &str {
        self.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")
    }

    fn principal_label(&self) -> String {
        match &self.principal {
            Principal::Anonymous => "anonymous".into(),
            Principal::User { username, .. } => format!("user:{username}"),
            Principal::System { id, .. } => format!("system:{id}"),
            Principal::Applicant { id } => format!("applicant:{id}"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Auth>().cloned().unwrap_or_else(Auth::anonymous))
    }
}

/// A bearer token that names no valid system is refused, and the refusal recorded with the
/// address called (its path only: queries may carry personal data) but never the token.
fn invalid_token(path: &str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "访问令牌无效、已过期或已吊销",
        "The access token is invalid, expired or revoked",
    );
    let refusal = Auth::anonymous()
        .event("access.refuse", "system_token")
        .object(path.chars().take(200).collect::<String>())
        .outcome(Outcome::Refused, "invalid, expired or revoked token");
    e.audit = Some(Box::new(refusal));
    e
}

/// A request without the session's CSRF token is refused, and the refusal recorded.
fn csrf_failed(auth: &Auth) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "页面已过期或请求来源不可信，请刷新页面后重试",
        "The form has expired or the request did not come from this site; reload the page and try again",
    );
    let refusal = auth
        .event("access.refuse", "csrf_token")
        .outcome(Outcome::Refused, "missing or wrong CSRF token");
    e.audit = Some(Box::new(refusal));
    e
}

/// Resolve the principal of a session: a user (with roles) or an applicant.
async fn from_session(state: &AppState, principal: SessionPrincipal) -> ApiResult<Option<Auth>> {
    Ok(match principal {
        SessionPrincipal::User(id) => match state.store.user(id).await? {
            Some(user) if !user.disabled => {
                let grants = state
                    .store
                    .user_roles(id)
                    .await?
                    .iter()
                    .filter_map(|r| r.grant())
                    .collect();
                Some(Auth {
                    principal: Principal::User {
                        id,
                        username: user.username.clone(),
                        grants,
                    },
                    session: None,
                    user: Some(user),
                    applicant: None,
                })
            }
            _ => None,
        },
        SessionPrincipal::Applicant(id) => state.store.applicant(id).await?.map(|a| Auth {
            principal: Principal::Applicant { id },
            session: None,
            user: None,
            applicant: Some(a),
        }),
    })
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Minimal `application/x-www-form-urlencoded` decoding (for the CSRF field only).
fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or(""), 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    std::str::from_utf8(body)
        .unwrap_or("")
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// Middleware: resolve the principal, check CSRF for cookie sessions, and store [`Auth`] in the
/// request for handlers.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match resolve(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn resolve(state: &AppState, mut req: Request) -> ApiResult<Request> {
    let now = now_micros();
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let Some(token) = value.to_str().ok().and_then(bearer_token) else {
            return Err(invalid_token(req.uri().path()));
        };
        let digest = yici_crypto::token::digest(token.trim());
        let Some(system) = state.access.system(&state.store, &digest, now).await? else {
            return Err(invalid_token(req.uri().path()));
        };
        req.extensions_mut().insert(Auth {
            principal: Principal::System {
                id: system.id,
                department_id: system.department_id,
            },
            session: None,
            user: None,
            applicant: None,
        });
        return Ok(req);
    }
    let Some(cookie_value) = cookie(req.headers(), SESSION_COOKIE).map(str::to_string) else {
        req.extensions_mut().insert(Auth::anonymous());
        return Ok(req);
    };
    let digest = yici_crypto::token::digest(&cookie_value);
    let record = state.store.session(&digest, now).await?;
    let auth = match record {
        Some(rec) => from_session(state, rec.principal).await?.map(|mut a| {
            a.session = Some(SessionInfo {
                digest,
                csrf_token: rec.csrf_token,
            });
            a
        }),
        None => None,
    };
    let Some(auth) = auth else {
        req.extensions_mut().insert(Auth::anonymous());
        return Ok(req);
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let signing_in = *req.method() == Method::POST && SIGN_IN_PATHS.contains(&req.uri().path());
    if unsafe_method && !signing_in {
        let expected = auth.csrf_token().to_string();
        let header_ok = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) == Some(expected.as_str());
        if !header_ok {
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return Err(csrf_failed(&auth));
            }
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, state.config.body_limit).await.map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "提交的内容过大",
                    "The request body is too large",
                )
            })?;
            if form_field(&bytes, "csrf_token").as_deref() != Some(expected.as_str()) {
                return Err(csrf_failed(&auth));
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    req.extensions_mut().insert(auth);
    Ok(req)
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(value: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie value is ASCII")
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("yici_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Start a session for `principal`; returns the cookie value and the CSRF token. The sign-in
/// is recorded as done by `actor`.
pub async fn start_session(state: &AppState, principal: SessionPrincipal, actor: Actor) -> ApiResult<(String, String)> {
    let event = crate::context::request_event(now_micros(), actor, "session.sign_in", "session");
    let cookie = yici_crypto::token::generate("s_");
    let csrf = yici_crypto::token::generate("c_").plaintext;
    let now = now_micros();
    let ttl = state.config.session_ttl.as_micros() as i64;
    state
        .store
        .create_session(&cookie.digest, principal, &csrf, now, now + ttl, &event)
        .await?;
    Ok((cookie.plaintext, csrf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR  abc"] {
            assert_eq!(bearer_token(v), Some("abc"), "{v}");
        }
        for v in ["Basic abc", "Bearer", "Bearer ", "Bearerabc", ""] {
            assert_eq!(bearer_token(v), None, "{v}");
        }
    }

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"a=1&csrf_token=c_ab%2Bc&x=y+z", "csrf_token").as_deref(),
            Some("c_ab+c")
        );
        assert_eq!(form_field(b"a=%E4%BD%A0", "a").as_deref(), Some("你"));
        assert_eq!(form_field(b"a=%", "a").as_deref(), Some("%"));
        assert_eq!(form_field(b"", "a"), None);
    }
}
