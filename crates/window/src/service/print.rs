//! The printed guide (办事指南) of an item or a bundle for a set of answers, as PDF/A through the
//! render crate: the same tailored list as the page and the API, on paper.

use super::items::GuideView;
use crate::WindowState;
use std::collections::BTreeMap;
use yici_core::Lang;
use yici_service::context::current_lang;
use yici_service::{Error, Result};

/// A printed guide: its bytes and a file name.
pub struct GuidePdf {
    pub bytes: Vec<u8>,
    pub file_name: String,
}

/// The document of a guide: facts, then materials (each saying whether it is handed in or
/// fetched), conditions, windows, and the questions still open.
fn document(
    g: &GuideView,
    handled_by: &str,
    now: chrono::DateTime<chrono::Utc>,
    lang: Lang,
) -> yici_render::pdf::GuideDoc {
    use chrono::{Datelike, Timelike};
    let mut facts = vec![
        (lang.pick("承诺", "Promise").to_string(), g.promise.clone()),
        (
            lang.pick("承诺时限", "Promised time").to_string(),
            g.promised_limit.text.clone(),
        ),
        (
            lang.pick("法定时限", "Legal time limit").to_string(),
            g.legal_limit.text.clone(),
        ),
        (lang.pick("办件类型", "Case type").to_string(), g.case_type.clone()),
        (lang.pick("网上办理深度", "Online").to_string(), g.depth.clone()),
        (
            lang.pick("收费", "Fees").to_string(),
            if g.fees.is_empty() {
                lang.pick("不收费", "free").to_string()
            } else {
                g.fees
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {}.{:02}{}",
                            f.name,
                            f.amount_fen / 100,
                            f.amount_fen % 100,
                            lang.pick("元", " yuan")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；")
            },
        ),
        (
            lang.pick("送达方式", "Delivery").to_string(),
            g.delivery.join(lang.pick("、", ", ")),
        ),
    ];
    if !g.results.is_empty() {
        facts.push((
            lang.pick("办理结果", "Results").to_string(),
            g.results.join(lang.pick("、", ", ")),
        ));
    }
    let materials = g
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let how = match (&m.exempt_source, lang) {
                (Some(s), Lang::Zh) => format!("免提交：由“{}”共享获取", s.name),
                (Some(s), Lang::En) => format!("not needed: fetched from {}", s.name),
                (None, Lang::Zh) => format!("申请人提供，{}{}份", m.form, m.copies),
                (None, Lang::En) => format!("bring it: {}, {} copies", m.form, m.copies),
            };
            let mut line = format!(
                "{}. {}（{}）{how}",
                i + 1,
                m.name,
                if m.required {
                    lang.pick("必要", "required")
                } else {
                    lang.pick("非必要", "optional")
                }
            );
            if m.deferrable {
                line.push_str(lang.pick("；可容缺后补", "; may be supplied later"));
            }
            if !m.standard.is_empty() {
                line.push_str(&format!("；{}", m.standard));
            }
            line
        })
        .collect();
    let mut sections = vec![(
        match lang {
            Lang::Zh => format!("申请材料（共{}项，其中{}项免提交）", g.materials.len(), g.exempt),
            Lang::En => format!("What to bring ({} lines, {} not needed)", g.materials.len(), g.exempt),
        },
        materials,
    )];
    if !g.conditions.is_empty() {
        sections.push((lang.pick("受理条件", "Conditions").to_string(), g.conditions.clone()));
    }
    if !g.windows.is_empty() {
        sections.push((
            lang.pick("办理地点", "Where").to_string(),
            g.windows
                .iter()
                .map(|w| format!("{}，{}，{}", w.name, w.address, w.hours))
                .collect(),
        ));
    }
    if !g.unanswered.is_empty() {
        sections.push((
            lang.pick(
                "尚未回答的情形（以上清单未包含取决于这些回答的材料）",
                "Questions not answered (the list leaves out what depends on them)",
            )
            .to_string(),
            g.unanswered
                .iter()
                .map(|q| {
                    let choices: Vec<&str> = q.choices.iter().map(|c| c.1.as_str()).collect();
                    format!("{}（{}）", q.text, choices.join(" / "))
                })
                .collect(),
        ));
    }
    yici_render::pdf::GuideDoc {
        title: g.name.clone(),
        subtitle: format!("{handled_by} · {}", g.promise),
        facts,
        sections,
        footer: match lang {
            Lang::Zh => format!("办事指南 {} · 打印于 {}", g.code, now.format("%Y-%m-%d %H:%M UTC")),
            Lang::En => format!(
                "Service guide {} · printed {}",
                g.code,
                now.format("%Y-%m-%d %H:%M UTC")
            ),
        },
        created: (
            u16::try_from(now.year()).unwrap_or(2026),
            now.month() as u8,
            now.day() as u8,
            now.hour() as u8,
            now.minute() as u8,
            now.second() as u8,
        ),
    }
}

fn now(state: &WindowState) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(state.clock.now_micros()).unwrap_or_default()
}

async fn render(doc: yici_render::pdf::GuideDoc, file_name: String) -> Result<GuidePdf> {
    let bytes = tokio::task::spawn_blocking(move || yici_render::pdf::guide(&doc))
        .await
        .map_err(|_| Error::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "a guide could not be rendered");
            Error::internal()
        })?;
    Ok(GuidePdf { bytes, file_name })
}

/// The printed guide of published item `code` for `answers`.
pub async fn item(state: &WindowState, code: &str, answers: &BTreeMap<String, String>) -> Result<GuidePdf> {
    let g = super::items::guide(state, code, answers).await?;
    let v = super::items::published(state, code).await?;
    let doc = document(&g, &v.department_name, now(state), current_lang());
    render(doc, format!("guide-{code}.pdf")).await
}

/// The printed guide of bundle `code` for `answers`.
pub async fn bundle(state: &WindowState, code: &str, answers: &BTreeMap<String, String>) -> Result<GuidePdf> {
    let g = super::bundles::guide(state, code, answers).await?;
    let handled_by = current_lang().pick("一件事联办", "one application, several departments");
    let doc = document(&g, handled_by, now(state), current_lang());
    render(doc, format!("guide-{code}.pdf")).await
}
