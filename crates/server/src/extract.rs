//! Extractors whose rejections are problem documents: the web kit's (`yici_web::extract`).

pub use yici_web::extract::*;
