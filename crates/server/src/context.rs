//! The request context: the web kit's (`yici_web::context`).

pub use yici_web::context::*;
