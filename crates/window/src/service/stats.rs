//! ItemStatistics and export of the published items: how many, how many kept at most one visit,
//! none, fully online, and how many material lines the government's own data satisfies
//! (免提交率), per department, per region (rolled up the region tree) and in all.

use crate::WindowState;
use serde::Serialize;
use std::collections::BTreeMap;
use yici_core::items::{Depth, Source};
use yici_service::{Error, Result};
use yici_store::Page;
use yici_store::items::VersionRecord;

/// Counts of one group of items.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub items: i64,
    /// Items needing at most one visit (最多跑一次).
    pub at_most_once: i64,
    /// Items needing no visit (零跑腿).
    pub zero_visits: i64,
    /// Items fully online (网办深度 4).
    pub fully_online: i64,
    /// Material lines of all the items.
    pub material_lines: i64,
    /// Lines the government holds (a certificate, a catalogue record, another item's result).
    pub exempt_lines: i64,
    pub at_most_once_share: f64,
    pub zero_visits_share: f64,
    pub fully_online_share: f64,
    /// 免提交率: exempt lines over all lines.
    pub exempt_share: f64,
}

impl Counts {
    fn add(&mut self, v: &VersionRecord) {
        let c = &v.content;
        self.items += 1;
        self.at_most_once += i64::from(c.visits <= 1);
        self.zero_visits += i64::from(c.visits == 0);
        self.fully_online += i64::from(c.depth == Depth::FullyOnline);
        self.material_lines += c.materials.len() as i64;
        self.exempt_lines += c
            .materials
            .iter()
            .filter(|m| !matches!(m.source, Source::Applicant))
            .count() as i64;
    }

    fn finish(mut self) -> Self {
        let share = |n: i64, d: i64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        self.at_most_once_share = share(self.at_most_once, self.items);
        self.zero_visits_share = share(self.zero_visits, self.items);
        self.fully_online_share = share(self.fully_online, self.items);
        self.exempt_share = share(self.exempt_lines, self.material_lines);
        self
    }
}

/// One department's counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DepartmentCounts {
    pub department_id: i64,
    pub department_name: String,
    pub region_code: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// One region's counts: its own departments' and those of every region under it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionCounts {
    pub region_code: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// The statistics of the published items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemStatistics {
    #[serde(flatten)]
    pub total: Counts,
    pub by_department: Vec<DepartmentCounts>,
    pub by_region: Vec<RegionCounts>,
}

/// The statistics of every published item; anyone may read them.
pub async fn statistics(state: &WindowState) -> Result<ItemStatistics> {
    let published = state.store.items_published().await?;
    let names: BTreeMap<i64, String> = state
        .store
        .list_departments(None, Page::all())
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let mut total = Counts::default();
    let mut departments: BTreeMap<i64, (String, Counts)> = BTreeMap::new();
    let mut regions: BTreeMap<String, Counts> = BTreeMap::new();
    for v in &published {
        total.add(v);
        departments
            .entry(v.department_id)
            .or_insert_with(|| (v.region_code.clone(), Counts::default()))
            .1
            .add(v);
        // Rolled up: the body's region and every region above it.
        let mut region = yici_core::id::RegionCode::parse(&v.region_code).ok();
        while let Some(r) = region {
            regions.entry(r.as_str().to_string()).or_default().add(v);
            region = r.parent();
        }
    }
    Ok(ItemStatistics {
        total: total.finish(),
        by_department: departments
            .into_iter()
            .map(|(id, (region_code, counts))| DepartmentCounts {
                department_id: id,
                department_name: names.get(&id).cloned().unwrap_or_default(),
                region_code,
                counts: counts.finish(),
            })
            .collect(),
        by_region: regions
            .into_iter()
            .map(|(region_code, counts)| RegionCounts {
                region_code,
                counts: counts.finish(),
            })
            .collect(),
    })
}

/// The published items as `json` (every version's content with its codes), `csv` (one row per
/// item) or `template` (the import template's rows), with the media type.
pub async fn export(state: &WindowState, format: Option<&str>) -> Result<(String, &'static str)> {
    let published = state.store.items_published().await?;
    match format.unwrap_or("json") {
        "json" => {
            let list: Vec<serde_json::Value> = published
                .iter()
                .map(|v| {
                    serde_json::json!({
                        "code": v.implementation_code,
                        "version": v.version,
                        "department_id": v.department_id,
                        "region_code": v.region_code,
                        "item_type": v.item_type,
                        "published_at": v.published_at,
                        "content": v.content,
                    })
                })
                .collect();
            Ok((
                serde_json::to_string_pretty(&list).expect("items serialise"),
                "application/json",
            ))
        }
        "csv" => {
            let mut out = String::from(
                "实施编码,事项名称,实施主体编号,区划,事项类型,版本,到现场次数,网办深度,法定时限,承诺时限,材料数,免提交材料数\n",
            );
            for v in &published {
                let c = &v.content;
                let exempt = c
                    .materials
                    .iter()
                    .filter(|m| !matches!(m.source, Source::Applicant))
                    .count();
                let cells = [
                    v.implementation_code.clone(),
                    c.name.clone(),
                    v.department_id.to_string(),
                    v.region_code.clone(),
                    v.item_type.to_string(),
                    v.version.to_string(),
                    c.visits.to_string(),
                    c.depth.code().to_string(),
                    c.legal_limit.describe(yici_core::Lang::Zh),
                    c.promised_limit.describe(yici_core::Lang::Zh),
                    c.materials.len().to_string(),
                    exempt.to_string(),
                ];
                out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            Ok((out, "text/csv; charset=utf-8"))
        }
        "template" => {
            // The import template's columns, so that a department can edit its list in a
            // spreadsheet and import it again.
            let uscc: std::collections::HashMap<i64, String> = state
                .store
                .list_departments(None, yici_store::Page::all())
                .await?
                .into_iter()
                .map(|d| (d.id, d.uscc))
                .collect();
            let uscc_of = |id: i64| uscc.get(&id).cloned().unwrap_or_default();
            let mut out = crate::service::import::HEADERS.join(",");
            out.push('\n');
            for v in &published {
                let Ok(code) = yici_core::items::ImplementationCode::parse("code", &v.implementation_code) else {
                    continue;
                };
                for row in crate::service::import::rows_of(&code, &v.content, &uscc_of) {
                    out.push_str(&row.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
                    out.push('\n');
                }
            }
            Ok((out, "text/csv; charset=utf-8"))
        }
        other => Err(Error::field(
            "format",
            format!("导出格式“{other}”不支持：应为 json、csv 或 template（导入模板格式）"),
            format!("format '{other}' is not supported: json, csv or template (the import template)"),
        )),
    }
}

use yici_web::sheet::csv_text_cell as csv_cell;
