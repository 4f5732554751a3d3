//! # yici-core
//!
//! The domain of Yici without I/O: identifiers of the Chinese administration, the working-day
//! calendar, organisations and roles, and the authorisation policy. Every rule is a plain
//! function on plain types, tested here without a database; the store and the server call
//! these functions and never re-implement them.
#![forbid(unsafe_code)]

pub mod audit;
pub mod authz;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod certificate;
pub mod clock;
pub mod id;
pub mod items;
pub mod masking;
pub mod org;
pub mod sharing;
pub mod text;

use serde::{Deserialize, Serialize};

/// The language of messages and pages: Simplified Chinese by default, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh`, `zh-CN`, `en`, `en-GB` …; anything else is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    /// Pick the Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}
