//! Problem documents: the web kit's (`yici_web::error`).

pub use yici_service::FieldError;
pub use yici_web::error::*;
