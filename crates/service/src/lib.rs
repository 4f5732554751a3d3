//! # yici-service
//!
//! What the service layer of every capability shares. A service operation is a function that
//! takes a typed request and the [`Caller`], and returns a domain result or an [`Error`]; it
//! knows nothing of HTTP. The JSON API, the pages, the jobs and the command line are thin
//! callers of these operations, and the web kit (`yici-web`) turns an [`Error`] into a problem
//! document.
//!
//! - [`Caller`]: who is asking, and the one authorisation check ([`Caller::require`], which asks
//!   `yici_core::authz::decide`);
//! - [`Error`]: a failure with its [`Kind`], a stable code, a message in Chinese and English and
//!   the fields that are wrong;
//! - [`context`]: the request id and the reader's language of the operation being served;
//! - [`Paged`]: one page of a list;
//! - [`jobs`]: background jobs, stopped between two passes.
#![forbid(unsafe_code)]

pub mod caller;
pub mod context;
pub mod error;
pub mod jobs;
pub mod memo;
mod page;
pub mod rows;

pub use caller::{Caller, SessionInfo};
pub use error::{Error, FieldError, Kind, Result};
pub use page::Paged;
pub use yici_core::clock::Clock;
