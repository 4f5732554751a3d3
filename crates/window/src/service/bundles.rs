//! 一件事 — bundles: several items of several departments handled as one, with one set of
//! questions, one material list where a material needed twice is asked once, one form and one
//! result package.

use super::invalid;
use super::items::{GuideView, ItemSummary, guide_view};
use crate::WindowState;
use serde::Serialize;
use std::collections::BTreeMap;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::FieldProblem;
use yici_core::items::bundle_guide;
use yici_service::context::current_lang;
use yici_service::{Caller, Error, Result};
use yici_store::items::Bundle;

/// A bundle with its items as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BundleView {
    pub code: String,
    pub name: String,
    pub description: String,
    pub themes: Vec<String>,
    pub items: Vec<ItemSummary>,
}

fn not_found() -> Error {
    Error::not_found("一件事", "bundle")
}

/// Every bundle, by code.
pub async fn list(state: &WindowState) -> Result<Vec<Bundle>> {
    Ok(state.store.bundles().await?)
}

/// One bundle with its items (published ones).
pub async fn get(state: &WindowState, code: &str) -> Result<BundleView> {
    let b = state.store.bundle(code).await?.ok_or_else(not_found)?;
    let lang = current_lang();
    let mut items = Vec::new();
    for c in &b.items {
        if let Some(r) = super::items::published_record(state, c).await? {
            let department_name = state
                .store
                .department(r.department_id)
                .await?
                .map(|d| d.name)
                .unwrap_or_default();
            let p = yici_core::items::Promise::of(r.content.visits, &r.content.visits_reason);
            items.push(ItemSummary {
                code: r.implementation_code.clone(),
                basic_code: r.implementation_code.get(19..).unwrap_or_default().to_string(),
                name: r.content.name.clone(),
                version: r.version,
                department_id: r.department_id,
                department_name,
                region_code: r.region_code.clone(),
                item_type: r.item_type,
                item_type_name: yici_core::items::ItemType::from_code(r.item_type)
                    .map(|t| t.name(lang))
                    .unwrap_or("")
                    .into(),
                level: r.content.level.code(),
                visits: r.content.visits as i64,
                promise: lang.pick(&p.zh, &p.en).to_string(),
                depth: r.content.depth.code(),
            });
        }
    }
    Ok(BundleView {
        code: b.code,
        name: b.name,
        description: b.description,
        themes: b.themes,
        items,
    })
}

/// The guide of a bundle for `answers`: its published items taken together.
pub async fn guide(state: &WindowState, code: &str, answers: &BTreeMap<String, String>) -> Result<GuideView> {
    let b = state.store.bundle(code).await?.ok_or_else(not_found)?;
    let mut versions = Vec::new();
    for c in &b.items {
        if let Some(r) = super::items::published_record(state, c).await? {
            versions.push(r);
        }
    }
    if versions.is_empty() {
        return Err(Error::conflict(
            "该一件事的事项尚未发布",
            "None of the bundle's items is published yet",
        ));
    }
    let parts: Vec<(&str, &yici_core::items::ItemVersion)> =
        versions.iter().map(|r| (r.content.name.as_str(), &r.content)).collect();
    let g = bundle_guide(&b.name, &parts, answers).map_err(invalid)?;
    guide_view(state, code, g).await
}

/// Define or replace a bundle: operators over the whole province. Its code is `[a-z0-9_-]`,
/// its items are implementations that exist (at least two, no repeats).
pub async fn save(state: &WindowState, caller: &Caller, b: Bundle) -> Result<Bundle> {
    caller.require(Permission::ReviewItems, &Target::Platform)?;
    let mut p = Vec::new();
    if b.code.is_empty()
        || b.code.len() > 40
        || !b
            .code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        p.push(FieldProblem::new(
            "code",
            "代码为1至40个小写字母、数字、下划线或连字符",
            "the code is 1 to 40 lower-case letters, digits, _ or -",
        ));
    }
    if let Err(e) = yici_core::text::check("name", &b.name, 100, true) {
        p.push(e);
    }
    if let Err(e) = yici_core::text::check("description", &b.description, 500, false) {
        p.push(e);
    }
    if b.items.len() < 2 || b.items.len() > 30 {
        p.push(FieldProblem::new(
            "items",
            "一件事包含2至30个事项",
            "a bundle has 2 to 30 items",
        ));
        // Too many to look each one up.
        return Err(invalid(p));
    }
    for (i, c) in b.items.iter().enumerate() {
        if b.items[..i].contains(c) {
            p.push(FieldProblem::new(
                format!("items[{i}]"),
                "事项重复",
                "the item is listed twice",
            ));
        } else if state.store.item_implementation(c).await?.is_none() {
            p.push(FieldProblem::new(
                format!("items[{i}]"),
                format!("事项“{c}”不存在"),
                format!("no item '{c}'"),
            ));
        }
    }
    for (i, t) in b.themes.iter().enumerate() {
        if let Err(e) = yici_core::text::check(&format!("themes[{i}]"), t, 20, true) {
            p.push(e);
        }
    }
    if !p.is_empty() {
        return Err(invalid(p));
    }
    Ok(state
        .store
        .bundle_put(&b, &caller.event(Action::BundleSave, "bundle"))
        .await?)
}
