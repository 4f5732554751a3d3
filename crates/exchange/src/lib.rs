//! # yici-exchange
//!
//! 共享交换 — how departments share what they hold:
//! - [`sharing`]: 共享申请 — consumers request a resource, providers answer within the
//!   working-day limit, operators coordinate escalated requests; a decision issues the grant;
//! - [`lookup`]: department systems look rows up under a grant (one key, or a batch), read the
//!   change feed, subscribe to it (webhook or NATS); providers load rows or name their endpoint;
//! - [`feed`]: the relay that delivers the change feed to subscribers;
//! - [`cache`], [`quota`], [`upstream`]: what the hot path keeps in memory, the daily quotas,
//!   and providers' own endpoints with their circuit breakers.
//!
//! Every row that leaves goes through `yici_core::sharing::Release`: the granted items only,
//! standard codes, the grant's masking. Other capabilities (certificates used under a grant, the
//! one window fetching materials) call these services, never the HTTP API.
#![forbid(unsafe_code)]

mod api;
pub mod cache;
pub mod feed;
pub mod lookup;
mod pages;
pub mod quota;
pub mod sharing;
pub mod upstream;

use axum::extract::FromRef;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use yici_core::authz::Permission;
use yici_core::clock::Clock;
use yici_service::jobs::Job;
use yici_store::Store;
use yici_store::audit::AuditWriter;
use yici_store::reader::RowReader;
use yici_web::Routes;
use yici_web::menu::MenuEntry;

pub use lookup::{BatchInput, ChangeView, LoadReport, Records, StreamCreated, WebhookCreated};

/// The exchange's settings.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// The time grants, quotas and deadlines are decided by.
    pub clock: Clock,
    /// How long one call to a provider's endpoint may take (proxy mode), and one delivery.
    pub upstream_timeout: Duration,
    /// Hosts (or `host:port`) inside the platform's own network that webhooks may still be
    /// delivered to; every other loopback, private or link-local target is refused.
    pub webhook_allow: Vec<String>,
}

/// What the exchange needs of the platform: cheap to clone, shared by every clone.
#[derive(Clone)]
pub struct ExchangeState {
    pub store: Store,
    /// Group-committed audit entries (every lookup is one).
    pub audit: AuditWriter,
    /// Group reads of aggregated rows for lookups.
    pub rows: RowReader,
    /// Provider endpoints (proxy mode), with their circuit breakers.
    pub upstreams: Arc<upstream::Upstreams>,
    /// Daily grant quotas, counted in memory and flushed every second.
    pub quotas: Arc<quota::Quotas>,
    /// Published resources, grants, endpoints and mappings.
    pub access: Arc<cache::AccessCache>,
    /// The change-feed push to NATS JetStream, when configured (set once after start).
    pub nats: Arc<OnceLock<yici_nats::NatsPush>>,
    pub config: ExchangeConfig,
}

/// The routes: the API under `/api/v1` and the pages.
pub fn router<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    ExchangeState: FromRef<S>,
{
    use axum::extract::DefaultBodyLimit;
    use axum::http::Method;
    use axum::routing::post;
    Routes::new("/api/v1")
        .get("/sharing/requests", api::sharing::list)
        .post("/sharing/requests", api::sharing::create)
        .get("/sharing/requests/{id}", api::sharing::one)
        .post("/sharing/requests/{id}/decision", api::sharing::decide)
        .get("/sharing/grants", api::sharing::grants)
        .delete("/sharing/grants/{id}", api::sharing::revoke)
        .get("/notifications", api::sharing::notifications)
        .put("/datasets/{id}/endpoint", api::set_endpoint)
        .get("/exchange/{class}/{sequence}/records", api::get_records)
        .post("/exchange/{class}/{sequence}/records", api::post_records)
        .get("/exchange/{class}/{sequence}/changes", api::changes)
        .post("/exchange/{class}/{sequence}/webhooks", api::subscribe)
        .post("/exchange/{class}/{sequence}/streams", api::subscribe_stream)
        .on(
            Method::POST,
            "/datasets/{id}/rows",
            post(api::load).layer(DefaultBodyLimit::max(yici_web::sheet::MAX_FILE_BYTES)),
        )
        .merge(
            Routes::new("")
                .get("/sharing/requests", pages::requests)
                .post("/sharing/requests", pages::file)
                .get("/sharing/requests/new", pages::new_request)
                .get("/sharing/requests/{id}", pages::one)
                .post("/sharing/requests/{id}/{action}", pages::decide)
                .get("/sharing/grants", pages::grants)
                .get("/notifications", pages::notifications),
        )
}

/// The API's paths and schemas, merged into the platform's OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::get_records,
    api::post_records,
    api::changes,
    api::set_endpoint,
    api::subscribe,
    api::subscribe_stream,
    api::load,
    api::sharing::create,
    api::sharing::list,
    api::sharing::one,
    api::sharing::decide,
    api::sharing::grants,
    api::sharing::revoke,
    api::sharing::notifications,
))]
pub struct ApiDoc;

/// The menu entries of the pages.
pub fn menu() -> Vec<MenuEntry> {
    use Permission::ReadSharing;
    vec![
        MenuEntry::new("/sharing/requests", "共享申请", "Sharing requests", &[ReadSharing]),
        MenuEntry::new("/sharing/grants", "共享授权", "Grants", &[ReadSharing]),
        MenuEntry::new("/notifications", "消息通知", "Notifications", &[ReadSharing]),
    ]
}

/// The jobs: answer deadlines every ten minutes, the change-feed relay and the quota flush
/// every second.
pub fn jobs(state: &ExchangeState) -> Vec<Job> {
    let (deadlines, relay, quotas) = (state.clone(), state.clone(), state.clone());
    vec![
        Job::every("sharing deadlines", Duration::from_secs(600), move || {
            let state = deadlines.clone();
            async move {
                match sharing::enforce_deadlines(&state, state.config.clock.today()).await {
                    Ok((0, 0)) => {}
                    Ok((reminded, escalated)) => {
                        tracing::info!(reminded, escalated, "sharing request deadlines enforced")
                    }
                    Err(e) => tracing::warn!(error = %e, "sharing deadlines not enforced"),
                }
            }
        }),
        Job::every("change-feed relay", Duration::from_secs(1), move || {
            let state = relay.clone();
            async move {
                if let Err(e) = feed::relay_once(&state, state.config.clock.now_micros()).await {
                    tracing::warn!(error = %e, "change-feed relay failed; will retry");
                }
            }
        }),
        Job::every("quota flush", Duration::from_secs(1), move || {
            let state = quotas.clone();
            async move {
                if let Err(e) = state.quotas.flush(&state.store, state.config.clock.today()).await {
                    tracing::warn!(error = %e, "writing quota counts failed; will retry");
                }
            }
        }),
    ]
}
