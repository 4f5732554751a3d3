//! The menu: each capability offers its entries, the server puts them in order, and each page
//! shows those its reader may use.

use yici_core::Lang;
use yici_core::authz::{Permission, Principal, Target, decide};

/// One entry of the menu a capability offers: shown to a principal who holds any of
/// `permissions` anywhere in its scope (every signed-in principal when empty).
#[derive(Debug, Clone)]
pub struct MenuEntry {
    pub href: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub permissions: &'static [Permission],
}

impl MenuEntry {
    pub const fn new(
        href: &'static str,
        zh: &'static str,
        en: &'static str,
        permissions: &'static [Permission],
    ) -> Self {
        MenuEntry {
            href,
            zh,
            en,
            permissions,
        }
    }
}

/// The menu follows the permissions the principal actually has.
pub(crate) fn navigation(principal: &Principal, menu: &[MenuEntry], path: &str, lang: Lang) -> Vec<NavItem> {
    if matches!(principal, Principal::Anonymous) {
        return Vec::new();
    }
    let can = |p: &Permission| decide(principal, *p, &Target::OwnScope).is_ok();
    menu.iter()
        .filter(|e| e.permissions.is_empty() || e.permissions.iter().any(can))
        .map(|e| NavItem {
            href: e.href.to_string(),
            label: lang.pick(e.zh, e.en).to_string(),
            current: path == e.href || (e.href != "/" && path.starts_with(e.href)),
        })
        .collect()
}

/// One entry of the main navigation.
pub struct NavItem {
    pub href: String,
    pub label: String,
    pub current: bool,
}
