//! # yici-render
//!
//! What Yici draws: the seal picture (a red round seal with the department's name on the ring
//! and a star in the centre, PNG) and certificate documents as PDF/A-2b with the CJK font
//! embedded (subset), the seal picture and a QR code carrying the verification address.
//!
//! Its own crate because the PDF writer is heavy to build. The font is WenQuanYi Micro Hei
//! (`fonts/`, Apache-2.0), embedded in the binary.
#![forbid(unsafe_code)]

pub mod pdf;
pub mod seal;

/// The embedded font collection (index 0: WenQuanYi Micro Hei).
pub static FONT: &[u8] = include_bytes!("../fonts/wqy-microhei.ttc");
