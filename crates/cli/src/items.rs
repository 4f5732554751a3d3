//! `yici items`: the service items (政务服务事项): search, statistics, export, import, the demo's items
//! and the benchmark.

use crate::storage::*;
use anyhow::{Context, Result};
use clap::Subcommand;
use yici_server::{AppState, ServerConfig};

#[derive(Subcommand)]
pub(crate) enum ItemsCommand {
    /// Search the published items (Chinese full text).
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Print the statistics: items, the shares at most once, with no visit and fully online,
    /// and 免提交率, in all and per department.
    Stats,
    /// Write the published items to standard output.
    Export {
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Import implementation lists (实施清单) from the template (docs/items-template.xlsx or
    /// .csv), for any department. All or nothing unless --partial; the items are saved as
    /// drafts, or sent for review with --submit.
    Import {
        file: std::path::PathBuf,
        /// Import the valid items and report the others.
        #[arg(long)]
        partial: bool,
        /// Send the saved items for review.
        #[arg(long)]
        submit: bool,
    },
    /// Seed the demo province, its certificate types and its service items (idempotent).
    SeedDemo,
    /// Generate items (default 10,000 with 15 materials each) and print the search latency
    /// (p50/p95) and the guides built per second.
    Bench {
        #[arg(long, default_value_t = 10_000)]
        items: usize,
        #[arg(long, default_value_t = 15)]
        materials: usize,
        #[arg(long, default_value_t = 1_000)]
        searches: usize,
    },
}

pub(crate) async fn demo_state(storage: &StorageArgs) -> Result<AppState> {
    let store = storage.open().await?;
    yici_server::demo::seed(&store, &storage.data)
        .await
        .context("seeding the demo province failed")?;
    yici_server::demo::seed_catalogue(&store).await?;
    let config = ServerConfig {
        seal_key: load_seal_key(None, &storage.data)?,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, config, None);
    yici_server::demo::certificates::seed(&state).await?;
    yici_server::demo::items::seed(&state.store).await?;
    Ok(state)
}

/// The password of demo user `username`, from the demo's credentials file.
pub(crate) fn demo_password(storage: &StorageArgs, username: &str) -> Result<String> {
    let creds: serde_json::Value = serde_json::from_slice(
        &std::fs::read(storage.data.join("demo-credentials.json")).context("the demo credentials")?,
    )?;
    Ok(creds["users"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["username"] == username))
        .and_then(|u| u["password"].as_str())
        .with_context(|| format!("the demo user {username}'s password"))?
        .to_string())
}

/// A service error in words, with every field's message.
fn said(e: yici_service::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", e.describe(yici_core::Lang::Zh))
}

fn window(store: yici_store::Store) -> yici_window::WindowState {
    yici_window::WindowState::new(store, yici_core::clock::Clock::system())
}

pub(crate) async fn items(storage: StorageArgs, command: ItemsCommand) -> Result<()> {
    match command {
        ItemsCommand::Search { query, limit } => {
            let store = storage.open().await?;
            let filter = yici_store::items::ItemFilter {
                query: Some(query),
                ..Default::default()
            };
            let (hits, total) =
                yici_window::service::items::search(&window(store), &filter, yici_store::Page::new(Some(limit), None))
                    .await
                    .map_err(said)?;
            out!("共 {total} 个 / {total} items");
            for h in hits {
                out!("{}\t{}\t{}\t{}", h.code, h.name, h.department_name, h.promise);
            }
        }
        ItemsCommand::Stats => {
            let store = storage.open().await?;
            let s = yici_window::service::stats::statistics(&window(store))
                .await
                .map_err(said)?;
            let pct = |x: f64| format!("{:.1}%", x * 100.0);
            out!(
                "事项 {} 个：最多跑一次 {}，零跑腿 {}，全程网办 {}；材料 {} 项，免提交 {} 项（{}）",
                s.total.items,
                pct(s.total.at_most_once_share),
                pct(s.total.zero_visits_share),
                pct(s.total.fully_online_share),
                s.total.material_lines,
                s.total.exempt_lines,
                pct(s.total.exempt_share)
            );
            for d in s.by_department {
                out!(
                    "{}\t{}\t{}\t{}\t{}",
                    d.department_name,
                    d.counts.items,
                    pct(d.counts.at_most_once_share),
                    pct(d.counts.zero_visits_share),
                    pct(d.counts.exempt_share)
                );
            }
        }
        ItemsCommand::Export { format } => {
            let store = storage.open().await?;
            let (text, _) = yici_window::service::stats::export(&window(store), Some(&format))
                .await
                .map_err(said)?;
            write_stdout(&text)?;
        }
        ItemsCommand::Import { file, partial, submit } => {
            let store = storage.open().await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let grid = yici_web::sheet::read_grid(&name, &bytes).map_err(|e| anyhow::anyhow!("{}", e.0))?;
            let result = yici_window::service::import::import_as(
                &window(store),
                &|_| true,
                &cli_event(yici_core::audit::Action::ItemEdit, "service_item"),
                &grid,
                partial,
                submit,
            )
            .await;
            let report = match result {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("{}", e.message(yici_core::Lang::Zh));
                    for f in &e.errors {
                        eprintln!("{}：{}", f.field, f.zh);
                    }
                    std::process::exit(1);
                }
            };
            for e in &report.errors {
                eprintln!("第{}行 {}：{}", e.row, e.column, e.message);
            }
            out!(
                "{} 行，{} 个事项：保存 {}（新增实施 {}），未变 {}，跳过 {}{}",
                report.rows,
                report.items,
                report.saved,
                report.created,
                report.unchanged,
                report.skipped,
                if submit && report.saved > 0 {
                    "；已提交审核"
                } else {
                    ""
                }
            );
        }
        ItemsCommand::SeedDemo => {
            let state = demo_state(&storage).await?;
            let n = state.store.items_published().await?.len();
            out!("演示政务服务事项 / demo service items: {n}");
        }
        ItemsCommand::Bench {
            items,
            materials,
            searches,
        } => {
            let state = demo_state(&storage).await?;
            out!(
                "generating up to {items} items with {materials} materials each, then {searches} searches ({})",
                state.store.dialect().name()
            );
            let r = yici_server::bench::items::run(&state, items, materials, searches)
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            out!("items                     {:>9}", r.items);
            out!(
                "generated                 {:>9} in {:.1} s",
                r.generated,
                r.generation.as_secs_f64()
            );
            out!(
                "search p50                {:>9.2} ms",
                r.search_p50.as_secs_f64() * 1000.0
            );
            out!(
                "search p95                {:>9.2} ms   (target < 20 ms)",
                r.search_p95.as_secs_f64() * 1000.0
            );
            out!(
                "guides                    {:>9.0} /s   (target >= 2,000/s; {} built)",
                r.guides_per_second,
                r.guides
            );
        }
    }
    Ok(())
}
