//! # yici-window
//!
//! 一窗受理 — the one window. This crate holds the service items (政务服务事项): basic items
//! defined by the province, the implementation lists (实施清单) that bodies publish as
//! versions, the guides (办事指南) with their tailored material lists, and bundles (一件事). The
//! cases that use them come in the same crate.
//!
//! - [`service`]: the operations, for the API, the pages and the command line;
//! - [`router`], [`ApiDoc`], [`menu`]: what the server composes; the pages are the list of
//!   items (办事指南) and the guides of items and bundles.
#![forbid(unsafe_code)]

mod api;
mod cases_api;
mod pages;
pub mod service;

use axum::extract::FromRef;
use yici_core::clock::Clock;
use yici_store::Store;
use yici_web::Routes;
use yici_web::menu::MenuEntry;

/// What the one window needs of the platform.
#[derive(Clone)]
pub struct WindowState {
    pub store: Store,
    pub clock: Clock,
    /// Published versions and the names of material sources, kept while current.
    pub memo: std::sync::Arc<Memos>,
    /// The certificate service: held certificates are fetched through it as use copies.
    pub certificates: Option<yici_certificates::CertificatesState>,
    /// Where uploaded materials are kept, content-addressed.
    pub objects: Option<yici_objects::Objects>,
}

impl WindowState {
    pub fn new(store: Store, clock: Clock) -> Self {
        WindowState {
            store,
            clock,
            memo: Default::default(),
            certificates: None,
            objects: None,
        }
    }

    /// The same, fetching held certificates through `certificates`.
    pub fn with_certificates(mut self, certificates: yici_certificates::CertificatesState) -> Self {
        self.certificates = Some(certificates);
        self
    }
}

/// What guides read again and again, kept in memory while the store has not changed (and for
/// at most a second, for changes made by other instances).
#[derive(Default)]
pub struct Memos {
    /// The published version of an item, by implementation code.
    pub published: yici_service::memo::Memo<String, yici_store::items::VersionRecord>,
    /// The name of a material's source (a certificate type, a resource, an item), by its key.
    pub names: yici_service::memo::Memo<String, String>,
    /// Department names, under the key "".
    pub departments: yici_service::memo::Memo<String, std::collections::HashMap<i64, String>>,
    /// The working-day calendar, under the key "".
    pub calendar: yici_service::memo::Memo<String, yici_core::calendar::WorkingCalendar>,
}

/// The routes: the API under `/api/v1` and the pages.
pub fn router<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    WindowState: FromRef<S>,
{
    Routes::new("/api/v1")
        .get("/items", api::search)
        .get("/items/statistics", api::statistics)
        .get("/items/export", api::export)
        .post("/items", api::implement)
        .on(
            axum::http::Method::POST,
            "/items/import",
            axum::routing::post(api::import)
                .layer(axum::extract::DefaultBodyLimit::max(yici_web::sheet::MAX_FILE_BYTES)),
        )
        .get("/items/{code}", api::item)
        .get("/items/{code}/guide", api::guide)
        .get("/items/{code}/guide.pdf", api::guide_pdf)
        .get("/items/{code}/versions", api::versions)
        .put("/items/{code}/draft", api::save_draft)
        .post("/items/{code}/versions/{version}/{action}", api::step)
        .post("/item-basics", api::define_basic)
        .get("/item-reviews", api::review_queue)
        .get("/bundles", api::bundles)
        .get("/bundles/{code}", api::bundle)
        .put("/bundles/{code}", api::save_bundle)
        .get("/bundles/{code}/guide", api::bundle_guide)
        .get("/bundles/{code}/guide.pdf", api::bundle_guide_pdf)
        .post("/cases", cases_api::apply)
        .get("/cases/feed", cases_api::feed)
        .post("/cases/subscriptions", cases_api::subscribe)
        .get("/me/notifications", cases_api::notifications)
        .get("/cases/{case_no}", cases_api::case)
        .post("/cases/{case_no}/visits", cases_api::visit)
        .post("/cases/{case_no}/consent", cases_api::consent)
        .post("/cases/{case_no}/fetch", cases_api::fetch)
        .post("/cases/{case_no}/delivery", cases_api::deliver)
        .post("/cases/{case_no}/extension", cases_api::extend)
        .on(
            axum::http::Method::PUT,
            "/cases/{case_no}/materials/{code}",
            axum::routing::put(cases_api::upload)
                .layer(axum::extract::DefaultBodyLimit::max(yici_objects::MAX_BYTES + 1024)),
        )
        .post("/cases/{case_no}/{step}", cases_api::step)
        .get("/tasks", cases_api::inbox)
        .post("/tasks/{id}/decision", cases_api::decide)
        .post("/tasks/{id}/special", cases_api::special)
        .post("/tasks/{id}/claim", cases_api::claim)
        .merge(
            Routes::new("")
                .get("/items", pages::list)
                .get("/items/statistics", pages::statistics)
                .get("/items/manage", pages::manage)
                .get("/items/reviews", pages::reviews)
                .get("/items/{code}/history", pages::history)
                .post("/items/{code}/versions/{version}/{action}", pages::page_step)
                .get("/items/{code}/edit", pages::edit)
                .post("/items/{code}/edit", pages::save)
                .get("/me/cases", pages::cases::mine)
                .get("/cases", pages::cases::queue)
                .get("/cases/{case_no}", pages::cases::case)
                .post("/cases/new", pages::cases::new_case)
                .post("/cases/{case_no}/do/{what}", pages::cases::act)
                .get("/tasks", pages::cases::inbox)
                .get("/items/{code}", pages::item)
                .get("/bundles/{code}", pages::bundle),
        )
}

/// The API's paths and schemas, merged into the platform's OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::search,
    api::statistics,
    api::export,
    api::implement,
    api::import,
    api::item,
    api::guide,
    api::guide_pdf,
    api::versions,
    api::save_draft,
    api::step,
    api::define_basic,
    api::review_queue,
    api::bundles,
    api::bundle,
    api::save_bundle,
    api::bundle_guide,
    api::bundle_guide_pdf,
    cases_api::apply,
    cases_api::case,
    cases_api::step,
    cases_api::visit,
    cases_api::inbox,
    cases_api::decide,
    cases_api::deliver,
    cases_api::extend,
    cases_api::special,
    cases_api::upload,
    cases_api::claim,
    cases_api::feed,
    cases_api::consent,
    cases_api::fetch,
    cases_api::notifications,
    cases_api::subscribe,
))]
pub struct ApiDoc;

/// The one window's jobs: deeming accepted the cases left without a decision for five working
/// days (行政许可法 §32), and publishing case transitions to NATS JetStream.
pub fn jobs(state: &WindowState) -> Vec<yici_service::jobs::Job> {
    let relay = state.clone();
    let state = state.clone();
    vec![
        yici_service::jobs::Job::every(
            "case feed to NATS and webhooks",
            std::time::Duration::from_secs(1),
            move || {
                let state = relay.clone();
                async move {
                    if let Err(e) = service::feed::relay_once(&state).await {
                        tracing::warn!(error = %e.message(yici_core::Lang::En), "case feed not relayed to NATS");
                    }
                    if let Err(e) = service::feed::relay_webhooks(&state).await {
                        tracing::warn!(error = %e.message(yici_core::Lang::En), "case feed not relayed to webhooks");
                    }
                }
            },
        ),
        yici_service::jobs::Job::every("deemed acceptance", std::time::Duration::from_secs(3600), move || {
            let state = state.clone();
            async move {
                match service::cases::deem_accepted(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deemed = n, "cases deemed accepted"),
                    Err(e) => tracing::warn!(error = %e.message(yici_core::Lang::En), "deemed acceptance not run"),
                }
            }
        }),
    ]
}

/// The menu entries of the pages.
pub fn menu() -> Vec<MenuEntry> {
    use yici_core::authz::Permission::{Apply, DecideTasks, ManageItems, ReceiveCases, ReviewItems};
    vec![
        MenuEntry::new("/items", "办事指南", "Service guide", &[]),
        MenuEntry::new("/me/cases", "我的办件", "My cases", &[Apply]),
        MenuEntry::new("/cases", "窗口办件", "Window cases", &[ReceiveCases]),
        MenuEntry::new("/tasks", "待办任务", "Tasks", &[DecideTasks]),
        MenuEntry::new("/items/manage", "事项管理", "Manage items", &[ManageItems, ReviewItems]),
        MenuEntry::new("/items/reviews", "事项审核", "Item review", &[ReviewItems]),
    ]
}
