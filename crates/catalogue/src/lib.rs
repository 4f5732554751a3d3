//! # yici-catalogue
//!
//! 公共数据资源目录 — the catalogue of what departments hold: stewards catalogue their
//! resources (or import the spreadsheet template), operators review them, and what is published
//! is searchable by the government and, where open, by the public; statistics, DCAT-AP and CSV
//! exports, the data-element dictionary and each department's code mappings.
//!
//! - [`service`]: the operations, for the API, the pages and the command line;
//! - [`import`]: the spreadsheet template's import, row by row, with quarantine;
//! - [`csv`]: the CSV form of the published catalogue;
//! - [`router`], [`ApiDoc`], [`menu`]: what the server composes.
#![forbid(unsafe_code)]

mod api;
pub mod csv;
pub mod import;
mod pages;
pub mod service;

use axum::extract::FromRef;
use yici_core::authz::Permission;
use yici_store::Store;
use yici_web::Routes;
use yici_web::menu::MenuEntry;

/// What the catalogue needs of the platform.
#[derive(Clone)]
pub struct CatalogueState {
    pub store: Store,
    /// The platform's public address, the base of the exported IRIs.
    pub public_url: String,
}

/// The routes: the API under `/api/v1` and the pages.
pub fn router<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    CatalogueState: FromRef<S>,
{
    use axum::extract::DefaultBodyLimit;
    use axum::http::Method;
    use axum::routing::post;
    Routes::new("/api/v1")
        .get("/catalogue/resources", api::search_government)
        .get("/catalogue/resources/{id}", api::get_resource)
        .get("/catalogue/resources/{id}/versions", api::versions)
        .get("/catalogue/drafts", api::list_drafts)
        .post("/catalogue/drafts", api::create_draft)
        .put("/catalogue/drafts/{id}", api::edit)
        .post("/catalogue/drafts/{id}/{action}", api::review_step)
        .get("/catalogue/export", api::export)
        .on(
            Method::POST,
            "/catalogue/import",
            post(api::import).layer(DefaultBodyLimit::max(yici_web::sheet::MAX_FILE_BYTES)),
        )
        .get("/catalogue/statistics", api::stats)
        .get("/catalogue/elements", api::elements)
        .get("/departments/{id}/field-mappings", api::mappings)
        .put("/departments/{id}/field-mappings", api::put_mapping)
        .get("/public/catalogue/resources", api::search_public)
        .get("/public/catalogue/resources/{id}", api::get_public_resource)
        .merge(
            Routes::new("")
                .get("/catalogue", pages::public_catalogue)
                .get("/catalogue/{id}", pages::detail)
                .get("/gov/catalogue", pages::government_catalogue)
                .get("/catalogue/drafts", pages::drafts)
                .post("/catalogue/drafts", pages::create_draft)
                .get("/catalogue/drafts/{id}", pages::edit_form)
                .post("/catalogue/drafts/{id}", pages::save_draft)
                .post("/catalogue/drafts/{id}/{action}", pages::page_step)
                .get("/catalogue/review", pages::review)
                .get("/catalogue/review/{id}", pages::review_one)
                .get("/catalogue/statistics", pages::stats_page),
        )
}

/// The API's paths and schemas, merged into the platform's OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::search_government,
    api::search_public,
    api::get_resource,
    api::get_public_resource,
    api::versions,
    api::create_draft,
    api::edit,
    api::review_step,
    api::list_drafts,
    api::export,
    api::import,
    api::stats,
    api::elements,
    api::mappings,
    api::put_mapping,
))]
pub struct ApiDoc;

/// The menu entries of the pages.
pub fn menu() -> Vec<MenuEntry> {
    use Permission::*;
    vec![
        MenuEntry::new("/gov/catalogue", "数据资源目录", "Data catalogue", &[ReadCatalogue]),
        MenuEntry::new("/catalogue/drafts", "资源编目", "Cataloguing", &[ManageCatalogue]),
        MenuEntry::new("/catalogue/review", "目录审核", "Catalogue review", &[ReviewCatalogue]),
        MenuEntry::new(
            "/catalogue/statistics",
            "目录统计",
            "Catalogue statistics",
            &[ReadCatalogue],
        ),
    ]
}
