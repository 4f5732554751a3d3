//! The context of the operation being served: the request id that keys its audit entries, the
//! id the caller sent, and the reader's language. The web kit sets them once per request
//! ([`scope`]); jobs and the command line run outside any scope and get `-` and Chinese.

use yici_core::Lang;
use yici_core::audit::{Action, Actor, AuditEvent};

tokio::task_local! {
    static LANG: Lang;
    static REQUEST_ID: String;
    static CLIENT_REQUEST_ID: Option<String>;
}

/// Run `work` with this language, request id and caller's request id.
pub async fn scope<F: Future>(lang: Lang, request_id: String, client_request_id: Option<String>, work: F) -> F::Output {
    LANG.scope(
        lang,
        REQUEST_ID.scope(request_id, CLIENT_REQUEST_ID.scope(client_request_id, work)),
    )
    .await
}

/// The language of the request being served (Chinese outside a request).
pub fn current_lang() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// The id of the request being served (`-` outside a request).
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|r| r.clone()).unwrap_or_else(|_| "-".to_string())
}

/// The caller's own request id, if it sent one.
pub fn current_client_request_id() -> Option<String> {
    CLIENT_REQUEST_ID.try_with(|r| r.clone()).ok().flatten()
}

/// An audit event of the request being served, keyed by the server's request id.
pub fn request_event(time: i64, actor: Actor, action: Action, object_type: &str) -> AuditEvent {
    AuditEvent::new(time, actor, action, object_type, &current_request_id())
        .client_request_id(current_client_request_id())
}
