//! The one window's operations: each takes the [`Caller`](yici_service::Caller) and typed
//! values and returns a domain value or a [`yici_service::Error`]; no HTTP type appears here.
//!
//! - [`items`]: searching published items, their versions, the guide; defining basic items,
//!   implementations and their versions, and the review steps;
//! - [`cases`]: applications, material reuse, acceptance and the one-time notice, parallel
//!   approval, visits;
//! - [`feed`]: the change feed of case transitions (read by position, relayed to NATS);
//! - [`bundles`]: 一件事, their guides;
//! - [`import`]: the implementation lists' spreadsheet import;
//! - [`print`]: the printed guide (PDF/A);
//! - [`stats`]: statistics and export of the published items.

pub mod bundles;
pub mod cases;
pub mod feed;
pub mod import;
pub mod items;
pub mod print;
pub mod stats;

use yici_core::catalogue::FieldProblem;
use yici_service::{Error, FieldError};

/// Field problems of the core rules as one validation error.
pub(crate) fn invalid(problems: Vec<FieldProblem>) -> Error {
    Error::validation(
        problems
            .into_iter()
            .map(|p| FieldError::new(&p.field, p.zh, p.en))
            .collect(),
    )
}
