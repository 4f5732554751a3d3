//! The service-item benchmark: generate many published items (each with the given number of
//! materials, half of them held by the government), then time the search of the item list
//! (Chinese words and filters, through the window's service) and the building of guides.

use crate::AppState;
use crate::demo::ev;
use axum::extract::FromRef;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use yici_core::audit::Action;
use yici_core::items::{BasicCode, ImplementationCode, Material, MaterialForm, Source};
use yici_store::Page;
use yici_store::items::{BasicItem, Implementation, ItemFilter, Publication};
use yici_window::WindowState;

/// What the benchmark measured.
#[derive(Debug, Clone)]
pub struct ItemsBench {
    pub items: usize,
    pub generated: usize,
    pub generation: Duration,
    pub searches: usize,
    pub search_p50: Duration,
    pub search_p95: Duration,
    pub guides: usize,
    pub guides_per_second: f64,
}

/// Run it on a store that holds the demo (departments, catalogue, certificate types, items).
pub async fn run(state: &AppState, items: usize, materials: usize, searches: usize) -> Result<ItemsBench, String> {
    let window = WindowState::from_ref(state);
    let store = &state.store;
    let templates = store.items_published().await.map_err(|e| e.to_string())?;
    if templates.is_empty() {
        return Err("no published items to start from (seed the demo first)".into());
    }
    let departments = store
        .list_departments(None, Page::all())
        .await
        .map_err(|e| e.to_string())?;
    let held: Vec<Source> = templates
        .iter()
        .flat_map(|t| t.content.materials.iter().map(|m| m.source.clone()))
        .filter(|s| s.government_held())
        .fold(Vec::new(), |mut all, s| {
            if !all.contains(&s) {
                all.push(s);
            }
            all
        });
    let counties: Vec<&yici_core::id::RegionEntry> = yici_core::id::region_table()
        .values()
        .filter(|e| e.level == yici_core::id::RegionLevel::County)
        .collect();
    let existing = store.items_published().await.map_err(|e| e.to_string())?.len();
    let wanted = items.saturating_sub(existing);
    let started = Instant::now();
    let mut batch = Vec::with_capacity(500);
    let mut made = 0;
    for i in 0..wanted {
        let t = &templates[i % templates.len()];
        let county = counties[(i / templates.len()) % counties.len().max(1)];
        let d = &departments[i % departments.len()];
        let basic = BasicCode::parse("code", &format!("0020{:05}{:03}", i / 1000, i % 1000)).map_err(|p| p.en)?;
        let uscc = yici_core::id::Uscc::parse(&d.uscc).map_err(|e| e.to_string())?;
        let code = ImplementationCode::of(&uscc, '9', &basic);
        let mut content = t.content.clone();
        content.name = format!("{}{}", county.name, t.content.name);
        content.process.iter_mut().for_each(|s| s.department_id = d.id);
        content.materials.truncate(materials);
        let mut k = 0;
        while content.materials.len() < materials {
            let source = if k % 2 == 0 && !held.is_empty() {
                held[(i + k) % held.len()].clone()
            } else {
                Source::Applicant
            };
            content.materials.push(Material {
                code: format!("extra_{k}"),
                name: format!("补充材料{}", k + 1),
                required: k % 3 != 0,
                form: MaterialForm::Electronic,
                copies: 1,
                standard: String::new(),
                source,
                deferrable: k % 5 == 0,
                applies_when: String::new(),
            });
            k += 1;
        }
        batch.push(Publication {
            basic: BasicItem {
                code: basic.as_str().into(),
                name: content.name.clone(),
                item_type: basic.item_type().code(),
            },
            implementation: Implementation {
                code: code.as_str().into(),
                basic_code: basic.as_str().into(),
                department_id: d.id,
                region_code: d.region_code.clone(),
                co_departments: vec![],
            },
            content,
        });
        if batch.len() == 500 || i + 1 == wanted {
            made += store
                .items_publish_many(&batch, &ev(Action::ItemApprove, "service_item"))
                .await
                .map_err(|e| e.to_string())?;
            batch.clear();
        }
    }
    let generation = started.elapsed();

    // Searches: words people type, alone or with a filter.
    let words = [
        "登记",
        "证明",
        "许可",
        "提取",
        "申领",
        "补领",
        "变更",
        "注销",
        "公积金",
        "不动产",
        "户口",
        "社保",
    ];
    let mut latencies = Vec::with_capacity(searches);
    for n in 0..searches {
        let filter = ItemFilter {
            query: Some(words[n % words.len()].to_string()),
            visits: (n % 3 == 0).then_some(1),
            depth: (n % 4 == 0).then_some(4),
            ..Default::default()
        };
        let t = Instant::now();
        yici_window::service::items::search(&window, &filter, Page::new(Some(20), Some(((n % 5) * 20) as i64)))
            .await
            .map_err(|e| e.message(yici_core::Lang::En).to_string())?;
        latencies.push(t.elapsed());
    }
    latencies.sort();

    // Guides: for items in turn, with and without answers, for two seconds at least.
    let codes: Vec<String> = store
        .items_search(&ItemFilter::default(), Page::new(Some(200), None))
        .await
        .map_err(|e| e.to_string())?
        .0
        .into_iter()
        .map(|h| h.code)
        .collect();
    let answers: BTreeMap<String, String> = [("married".to_string(), "yes".to_string())].into_iter().collect();
    let empty = BTreeMap::new();
    let t = Instant::now();
    let mut guides = 0;
    while t.elapsed() < Duration::from_secs(2) || guides < 100 {
        let code = &codes[guides % codes.len()];
        let a = if guides % 2 == 0 { &answers } else { &empty };
        // An answer to a question the item does not ask is refused: then the guide without.
        if yici_window::service::items::guide(&window, code, a).await.is_err() {
            yici_window::service::items::guide(&window, code, &empty)
                .await
                .map_err(|e| e.message(yici_core::Lang::En).to_string())?;
        }
        guides += 1;
    }
    let rate = guides as f64 / t.elapsed().as_secs_f64();
    Ok(ItemsBench {
        items: existing + made,
        generated: made,
        generation,
        searches,
        search_p50: super::percentile(&latencies, 0.5).unwrap_or_default(),
        search_p95: super::percentile(&latencies, 0.95).unwrap_or_default(),
        guides,
        guides_per_second: rate,
    })
}
