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
use crate::menu::MenuEntry;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use yici_core::audit::{Action, Outcome};
use yici_core::authz::Principal;
use yici_core::clock::Clock;
use yici_service::memo::Memo;
use yici_service::{Caller, SessionInfo};
use yici_store::Store;
use yici_store::sessions::{SessionPrincipal, SessionRecord};
use yici_store::systems::System;

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

/// The caller of a request, with the menu of the pages: resolved once per request by
/// [`authenticate`], taken by handlers as an extractor, and handed to services as a
/// [`Caller`].
#[derive(Debug, Clone)]
pub struct Auth {
    pub caller: Caller,
    pub menu: Arc<[MenuEntry]>,
    /// The site's furniture (footer, notices, the demo banner).
    pub site: Arc<crate::site::Site>,
}

impl Auth {
    pub fn anonymous() -> Self {
        Auth {
            caller: Caller::anonymous(),
            menu: Arc::from(Vec::new()),
            site: Arc::default(),
        }
    }
}

impl std::ops::Deref for Auth {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl std::ops::DerefMut for Auth {
    fn deref_mut(&mut self) -> &mut Caller {
        &mut self.caller
    }
}

/// What [`authenticate`] needs: the store (sessions, users, tokens), the tokens it has looked up,
/// the clock, the largest body it may read for a form's CSRF field, and the menu of the pages.
#[derive(Clone)]
pub struct Gate(Arc<GateInner>);

struct GateInner {
    store: Store,
    tokens: Memo<String, (System, i64)>,
    /// Sessions with who they belong to, by the digest of their cookie: signing out, a disabled
    /// user and a revoked role take effect on the next request here (each change bumps the
    /// store's generation) and within a second on other instances.
    sessions: Memo<String, (SessionRecord, Caller)>,
    clock: Clock,
    body_limit: usize,
    menu: Arc<[MenuEntry]>,
    site: Arc<crate::site::Site>,
}

impl Gate {
    pub fn new(store: Store, clock: Clock, body_limit: usize, menu: Vec<MenuEntry>, site: crate::site::Site) -> Self {
        Gate(Arc::new(GateInner {
            store,
            tokens: Memo::default(),
            sessions: Memo::default(),
            clock,
            body_limit,
            menu: Arc::from(menu),
            site: Arc::new(site),
        }))
    }

    /// The system holding the unrevoked, unexpired token with `digest`.
    pub async fn system(&self, digest: &str, now: i64) -> yici_store::Result<Option<System>> {
        let store = &self.0.store;
        let held = self
            .0
            .tokens
            .get(store, &digest.to_string(), || store.token_holder(digest))
            .await?;
        Ok(held.filter(|(_, expires_at)| *expires_at > now).map(|(s, _)| s))
    }

    fn auth(&self, caller: Caller) -> Auth {
        Auth {
            caller,
            menu: self.0.menu.clone(),
            site: self.0.site.clone(),
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
    let refusal = Caller::anonymous()
        .event(Action::AccessRefuse, "system_token")
        .object(path.chars().take(200).collect::<String>())
        .outcome(Outcome::Refused, "invalid, expired or revoked token");
    e.error.audit = Some(Box::new(refusal));
    e
}

/// A request without the session's CSRF token is refused, and the refusal recorded.
fn csrf_failed(auth: &Caller) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "页面已过期或请求来源不可信，请刷新页面后重试",
        "The form has expired or the request did not come from this site; reload the page and try again",
    );
    let refusal = auth
        .event(Action::AccessRefuse, "csrf_token")
        .outcome(Outcome::Refused, "missing or wrong CSRF token");
    e.error.audit = Some(Box::new(refusal));
    e
}

/// Resolve the principal of a session: a user (with roles) or an applicant.
async fn from_session(store: &Store, principal: SessionPrincipal) -> yici_store::Result<Option<Caller>> {
    Ok(match principal {
        SessionPrincipal::User(id) => match store.user(id).await? {
            Some(user) if !user.disabled => {
                let grants = store.user_roles(id).await?.iter().filter_map(|r| r.grant()).collect();
                Some(Caller {
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
        SessionPrincipal::Applicant(id) => store.applicant(id).await?.map(|a| Caller {
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
///
/// For pages, the caller also travels with an error response, so that the error page keeps the
/// menu and the signed-in state.
pub async fn authenticate(State(gate): State<Gate>, req: Request, next: Next) -> Response {
    let page = !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    match resolve(&gate, req).await {
        Ok(req) => {
            let auth = page.then(|| req.extensions().get::<Auth>().cloned()).flatten();
            let mut res = next.run(req).await;
            if let Some(auth) = auth
                && (res.status().is_client_error() || res.status().is_server_error())
            {
                res.extensions_mut().insert(auth);
            }
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn resolve(gate: &Gate, mut req: Request) -> ApiResult<Request> {
    let now = gate.0.clock.now_micros();
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let Some(token) = value.to_str().ok().and_then(bearer_token) else {
            return Err(invalid_token(req.uri().path()));
        };
        let digest = yici_crypto::token::digest(token.trim());
        let Some(system) = gate.system(&digest, now).await? else {
            return Err(invalid_token(req.uri().path()));
        };
        req.extensions_mut().insert(gate.auth(Caller::of(Principal::System {
            id: system.id,
            department_id: system.department_id,
        })));
        return Ok(req);
    }
    let Some(cookie_value) = cookie(req.headers(), SESSION_COOKIE).map(str::to_string) else {
        req.extensions_mut().insert(gate.auth(Caller::anonymous()));
        return Ok(req);
    };
    let digest = yici_crypto::token::digest(&cookie_value);
    let store = &gate.0.store;
    let held = gate
        .0
        .sessions
        .get(store, &digest, || async {
            let Some(record) = store.session(&digest, now).await? else {
                return Ok(None);
            };
            Ok(from_session(store, record.principal)
                .await?
                .map(|caller| (record, caller)))
        })
        .await?;
    let auth = held
        .filter(|(record, _)| record.expires_at > now)
        .map(|(record, mut a)| {
            a.session = Some(SessionInfo {
                digest,
                csrf_token: record.csrf_token,
            });
            a
        });
    let Some(auth) = auth else {
        req.extensions_mut().insert(gate.auth(Caller::anonymous()));
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
            let bytes = axum::body::to_bytes(body, gate.0.body_limit)
                .await
                .map_err(|_| ApiError::from(yici_service::Error::too_large()))?;
            if form_field(&bytes, "csrf_token").as_deref() != Some(expected.as_str()) {
                return Err(csrf_failed(&auth));
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    req.extensions_mut().insert(gate.auth(auth));
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
