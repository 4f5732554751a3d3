//! `yici catalog`: import and export the data resource catalogue, and its benchmark.

use crate::storage::*;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use yici_core::Lang;
use yici_core::audit::Action;
use yici_store::Store;

#[derive(Subcommand)]
pub(crate) enum CatalogCommand {
    /// Search the published catalogue (Chinese full text).
    Search {
        query: String,
        /// Rows to print.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Write the published catalogue to standard output.
    Export {
        /// dcat-ttl, dcat-jsonld or csv.
        #[arg(long, default_value = "dcat-ttl")]
        format: String,
        /// The platform's public address, used in the exported IRIs (`--base-url` is accepted
        /// too, its former name).
        #[arg(
            long,
            alias = "base-url",
            env = "YICI_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
    /// Import resources from the spreadsheet template (.xlsx or .csv). All or nothing unless
    /// --partial; exits 1 listing every problem by row and column.
    Import {
        file: PathBuf,
        /// Import the valid resources and quarantine the rows of the others.
        #[arg(long)]
        partial: bool,
    },
    /// Generate a large catalogue (default 20,000 resources with 300,000 data items) and print
    /// p50/p95 search latency.
    Bench {
        #[arg(long, default_value_t = 20_000)]
        resources: usize,
        #[arg(long, default_value_t = 15)]
        items_per_resource: usize,
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
    },
    /// Seed the demo province and publish the demo catalogue (idempotent).
    SeedDemo,
}

pub(crate) async fn catalog(storage: StorageArgs, command: CatalogCommand) -> Result<()> {
    let store = storage.open().await?;
    match command {
        CatalogCommand::Search { query, limit } => {
            let filter = yici_store::catalogue::CatalogueFilter {
                query: Some(query),
                ..Default::default()
            };
            let (hits, total) = store
                .catalogue_search(&filter, yici_store::Page::new(Some(limit), None))
                .await?;
            out!("共 {total} 条 / {total} matches");
            for h in hits {
                let share = yici_core::catalogue::ShareType::from_code(h.share_type)
                    .map(|s| s.name(Lang::Zh))
                    .unwrap_or("");
                out!("{}\t{}\t{}", h.code, h.name, share);
            }
        }
        CatalogCommand::Export { format, public_url } => {
            let public_url = crate::serve::public_url_of(&public_url)?;
            let text = yici_catalogue::service::export_text(&store, &format, &public_url)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            write_stdout(&text)?;
        }
        CatalogCommand::Import { file, partial } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let grid = yici_web::sheet::read_grid(&name, &bytes).map_err(|e| anyhow::anyhow!("{}", e.0))?;
            let bar = indicatif::ProgressBar::new(grid.len().saturating_sub(1) as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 资源 {msg}").expect("valid template"),
            );
            let tick = |n: usize| bar.set_position(n as u64);
            let report = yici_catalogue::import::import(
                &store,
                &name,
                &grid,
                partial,
                &|_| true,
                &cli_event(Action::CatalogueImport, "catalogue_resource"),
                &tick,
            )
            .await
            .map_err(|f| match f {
                yici_catalogue::import::ImportFailure::File(e) => anyhow::anyhow!("{}", e.0),
                yici_catalogue::import::ImportFailure::Store(e) => anyhow::anyhow!("{e}"),
            })?;
            bar.finish_and_clear();
            for e in &report.errors {
                eprintln!("第{}行 {}：{}", e.row, e.column, e.message);
            }
            out!(
                "{} 行，{} 个资源：新增 {}，更新 {}，未变 {}，隔离 {} 行",
                report.rows,
                report.resources,
                report.created,
                report.updated,
                report.unchanged,
                report.quarantined
            );
            if !report.written && !report.errors.is_empty() {
                eprintln!("导入未执行：文件中的内容均未写入 / nothing was imported");
                std::process::exit(1);
            }
        }
        CatalogCommand::Bench {
            resources,
            items_per_resource,
            queries,
        } => {
            catalog_bench(&store, &storage, resources, items_per_resource, queries).await?;
        }
        CatalogCommand::SeedDemo => {
            yici_server::demo::seed(&store, &storage.data)
                .await
                .context("seeding the demo province failed")?;
            let n = yici_server::demo::seed_catalogue(&store).await?;
            yici_server::demo::seed_exchange(&store, &storage.data)
                .await
                .context("seeding the demo exchange failed")?;
            out!("{n} resources published");
        }
    }
    Ok(())
}

/// Fill the catalogue with generated resources (from the demo templates, for every county of
/// the country's table) and time searches.
pub(crate) async fn catalog_bench(
    store: &Store,
    storage: &StorageArgs,
    resources: usize,
    items_per: usize,
    queries: usize,
) -> Result<()> {
    use yici_core::catalogue::DataItem;
    yici_server::demo::seed(store, &storage.data)
        .await
        .context("seeding the demo province failed")?;
    yici_server::demo::seed_catalogue(store).await?;
    let templates = yici_server::demo::catalogue_drafts(store).await?;
    let existing = store
        .catalogue_search(&Default::default(), yici_store::Page::new(Some(1), None))
        .await?
        .1 as usize;
    let counties: Vec<&yici_core::id::RegionEntry> = yici_core::id::region_table()
        .values()
        .filter(|e| e.level == yici_core::id::RegionLevel::County)
        .collect();
    let extra = [
        "数据来源",
        "更新时间",
        "备注",
        "经办机构",
        "联系电话",
        "业务流水号",
        "数据状态",
        "登记机关",
        "审核人",
        "有效标志",
        "所属区划",
        "采集方式",
        "版本号",
        "附件",
        "统计口径",
    ];
    let wanted = resources.saturating_sub(existing);
    out!("generating {wanted} resources with {items_per} data items each ({existing} already there)");
    let bar = indicatif::ProgressBar::new(wanted as u64);
    let event = cli_event(Action::CatalogueCreate, "catalogue_resource");
    let mut batch = Vec::with_capacity(1000);
    let mut made = 0;
    let mut i = 0usize;
    while made < wanted {
        let t = &templates[i % templates.len()];
        let county = counties[(i / templates.len()) % counties.len()];
        let year = 2015 + (i / (templates.len() * counties.len())) % 12;
        let mut d = t.clone();
        d.name = format!("{}{}（{}年）", county.name, t.name, year);
        d.summary = format!("{}范围内{}年的{}", county.name, year, t.summary);
        d.items.truncate(items_per);
        let mut k = 0;
        while d.items.len() < items_per {
            d.items.push(DataItem {
                name: format!("{}{}", extra[k % extra.len()], k / extra.len() + 1),
                element: None,
                data_type: 1,
                length: Some(100),
                share_type: None,
            });
            k += 1;
        }
        batch.push(d);
        i += 1;
        made += 1;
        if batch.len() == 1000 || made == wanted {
            let n = store.catalogue_publish_new(&batch, &event).await?;
            bar.inc(n as u64);
            batch.clear();
        }
    }
    bar.finish_and_clear();
    let words = [
        "不动产登记",
        "营业执照",
        "社保参保",
        "婚姻登记",
        "公积金缴存",
        "出生医学证明",
        "纳税",
        "户籍",
        "人口基础",
        "食品经营许可",
        "西湖区",
        "衢州市",
        "法人",
        "驾驶证",
        "养老金",
        "预售许可",
        "抵押",
        "医疗机构",
        "最低生活保障",
        "统一社会信用代码",
    ];
    let mut latencies = Vec::with_capacity(queries);
    let mut found = 0i64;
    for q in 0..queries {
        let mut filter = yici_store::catalogue::CatalogueFilter {
            query: Some(words[q % words.len()].to_string()),
            ..Default::default()
        };
        match q % 4 {
            1 => filter.share_type = Some(2),
            2 => filter.region_prefix = Some("33".into()),
            3 => filter.query = Some(format!("{} {}", words[q % words.len()], words[(q + 7) % words.len()])),
            _ => {}
        }
        let started = std::time::Instant::now();
        let (_, total) = store
            .catalogue_search(&filter, yici_store::Page::new(Some(20), None))
            .await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        found += total;
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| yici_server::bench::percentile(&latencies, p).unwrap_or(0.0);
    let total = store
        .catalogue_search(&Default::default(), yici_store::Page::new(Some(1), None))
        .await?
        .1;
    out!("backend: {}", store.dialect().name());
    out!(
        "catalogue: {total} published resources, about {} data items",
        total as usize * items_per
    );
    out!(
        "{queries} searches (20 per page, with the total count): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.95),
        at(0.99),
        latencies[latencies.len() - 1]
    );
    out!("average matches per search: {}", found / queries.max(1) as i64);
    Ok(())
}
