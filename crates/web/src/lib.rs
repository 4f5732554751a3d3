//! # yici-web
//!
//! The web kit: what every capability's JSON API and pages share, so that each capability crate
//! holds only its own routes, handlers and pages.
//!
//! - [`error`]: a service [`yici_service::Error`] answered as an RFC 9457 problem document (or an
//!   error page for browsers), with the status its kind stands for;
//! - [`auth`]: the caller of a request, resolved once by the [`auth::authenticate`] middleware
//!   (a department system's token, a person's session with its CSRF check, or nobody);
//! - [`context`]: the request id and the reader's language, cookies;
//! - [`extract`]: JSON, query, path and form extractors whose rejections are problem documents;
//! - [`home`]: the counts each capability puts on the home page;
//! - [`menu`]: the menu entries each capability offers, shown by permission;
//! - [`page`]: the page frame (menu, language, 长辈版), forms, tables, rendering;
//! - [`routes`]: a route table that remembers every method and path it was given, so that tests
//!   can hold the whole router against the authorisation matrix;
//! - [`sheet`]: the spreadsheet reader (xlsx, csv) of every import.
#![forbid(unsafe_code)]

pub mod auth;
pub mod context;
pub mod error;
pub mod extract;
pub mod home;
pub mod menu;
pub mod page;
pub mod routes;
pub mod sheet;
pub mod site;

pub use auth::Auth;
pub use error::{ApiError, ApiResult, Problem};
pub use routes::Routes;
pub use yici_service::{Caller, FieldError, Paged};

/// Paging parameters of every list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> yici_store::Page {
        yici_store::Page::new(self.limit, self.offset)
    }
}
