//! The caller of a request and the single authorisation check: the web kit's
//! (`yici_web::auth`), and the start of a session.

use crate::error::ApiResult;
use crate::state::AppState;
use yici_core::audit::{Action, Actor};
use yici_store::sessions::SessionPrincipal;
pub use yici_web::auth::*;

/// Start a session for `principal`; returns the cookie value and the CSRF token. The sign-in
/// is recorded as done by `actor`.
pub async fn start_session(state: &AppState, principal: SessionPrincipal, actor: Actor) -> ApiResult<(String, String)> {
    let event = crate::context::request_event(state.config.clock.now_micros(), actor, Action::SessionSignIn, "session");
    let cookie = yici_crypto::token::generate("s_");
    let csrf = yici_crypto::token::generate("c_").plaintext;
    let now = state.config.clock.now_micros();
    let ttl = state.config.session_ttl.as_micros() as i64;
    state
        .store
        .create_session(&cookie.digest, principal, &csrf, now, now + ttl, &event)
        .await?;
    Ok((cookie.plaintext, csrf))
}
