//! # yici-server
//!
//! The composition root: it gives each capability (directory, audit, certificates, exchange,
//! catalogue) its slice of the state, merges their routes, OpenAPI paths, menu entries and jobs,
//! and adds what is the platform's own: the request layers (request ids, the reader's language,
//! authentication, problem documents, timeouts, body limits), health, readiness and metrics,
//! the demo seeding and the benchmarks.
#![forbid(unsafe_code)]

pub use yici_directory::identity;
pub use yici_nats;
pub use yici_oidc;

pub mod bench;
pub mod demo;
mod home;
pub mod jobs;
pub mod obs;
pub mod openapi;
pub mod state;

pub use state::{AppState, ServerConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::middleware;
use std::net::SocketAddr;
use tower::ServiceBuilder;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

/// The whole application: API, pages, docs and operations endpoints, with their layers.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let (routes, _) = routes().into_parts();
    let app = routes
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi::document()))
        .layer(middleware::from_fn_with_state(
            state.gate.clone(),
            yici_web::auth::authenticate,
        ))
        .layer(middleware::from_fn(obs::record))
        .with_state(state.clone());
    app.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(yici_web::context::take_client_request_id))
            .layer(SetRequestIdLayer::new(
                request_id.clone(),
                yici_web::context::MakeRequestId,
            ))
            .layer(
                TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                }),
            )
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(middleware::from_fn(yici_web::context::scope))
            .layer(middleware::from_fn_with_state(state.clone(), obs::problems))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                state.config.request_timeout,
            ))
            .layer(DefaultBodyLimit::max(state.config.body_limit)),
    )
}

/// Every route of the platform: each capability's, and the platform's own (the home page with
/// every capability's counts, page preferences, the stylesheet, the site's notices, operations).
pub fn routes() -> yici_web::Routes<AppState> {
    yici_directory::router()
        .merge(yici_audit::router())
        .merge(yici_certificates::router())
        .merge(yici_exchange::router())
        .merge(yici_catalogue::router())
        .merge(yici_window::router())
        .merge(yici_supervision::router())
        .merge(
            yici_web::Routes::new("")
                .get("/", home::home)
                .get("/prefs", yici_web::page::prefs)
                .get("/static/yici.css", yici_web::page::stylesheet)
                .get("/privacy", yici_web::site::privacy)
                .get("/terms", yici_web::site::terms)
                .get("/accessibility", yici_web::site::accessibility)
                .get("/developers", yici_web::site::developers)
                .get("/healthz", obs::healthz)
                .get("/readyz", obs::readyz)
                .get("/metrics", obs::metrics),
        )
}

/// The menu of the pages, in order: each entry shows for a principal who holds one of its
/// permissions anywhere in its scope.
pub fn menu() -> Vec<yici_web::menu::MenuEntry> {
    yici_directory::menu()
        .into_iter()
        .chain(yici_audit::menu())
        .chain(yici_certificates::menu())
        .chain(yici_exchange::menu())
        .chain(yici_catalogue::menu())
        .chain(yici_window::menu())
        .chain(yici_supervision::menu())
        .collect()
}

/// Serve until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener).await
}

pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let jobs = jobs::spawn(state.clone());
    let result = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(shutdown())
        .await;
    jobs.stop().await;
    if let Err(e) = state.quotas.flush(&state.store, state.config.clock.today()).await {
        tracing::warn!(error = %e, "writing quota counts at shutdown failed");
    }
    seal_the_log(&state).await;
    result
}

/// At a graceful stop, once every request in flight has been answered: every entry written is
/// given its leaf index and the tree head is signed, so nothing is left outside a checkpoint.
pub async fn seal_the_log(state: &AppState) {
    match state.audit.sequence().await {
        Ok(_) => match state.store.audit_checkpoint().await {
            Ok(cp) => tracing::info!(size = cp.size, "audit log sequenced and checkpointed at shutdown"),
            Err(e) => tracing::error!(error = %e, "signing the audit checkpoint at shutdown failed"),
        },
        Err(e) => tracing::error!(error = %e, "sequencing the audit log at shutdown failed"),
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
