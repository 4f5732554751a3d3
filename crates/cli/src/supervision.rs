//! `yici supervision`: the metrics' upkeep and benchmark.

use crate::storage::*;
use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum SupervisionCommand {
    /// Recompute every daily sum of the metrics from the case facts and the evaluations.
    Rebuild,
    /// Seed the demo, load a generated year of history (cases with their tasks and
    /// evaluations, sharing requests, exchange calls), then time each main dashboard query over
    /// HTTP on loopback as the demo's supervisor.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        #[arg(long, default_value_t = 100_000)]
        requests: usize,
        #[arg(long, default_value_t = 10_000_000)]
        calls: u64,
        /// Times each query is asked (the median and the slowest are printed).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

pub(crate) async fn supervision(storage: StorageArgs, command: SupervisionCommand) -> Result<()> {
    match command {
        SupervisionCommand::Rebuild => {
            let store = storage.open().await?;
            store.supervision_rebuild().await?;
            out!("the daily sums of the metrics are rebuilt");
        }
        SupervisionCommand::Bench {
            cases,
            requests,
            calls,
            runs,
        } => {
            let state = crate::items::demo_state(&storage).await?;
            let password = crate::items::demo_password(&storage, "supervisor")?;
            out!(
                "loading {cases} cases, {requests} sharing requests and {calls} exchange calls ({})",
                state.store.dialect().name()
            );
            let config = yici_server::bench::supervision::SupervisionBench {
                cases,
                requests,
                calls,
                runs,
            };
            let r = yici_server::bench::supervision::run(state, &password, config)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            out!(
                "loaded {} cases, {} tasks, {} evaluations, {} sharing requests, {} exchange calls in {:.0} s",
                r.cases,
                r.tasks,
                r.evaluations,
                r.requests,
                r.calls,
                r.loading_seconds
            );
            out!(
                "{:<40} {:>6} {:>10} {:>10}   (target < 200 ms)",
                "query",
                "status",
                "p50 ms",
                "max ms"
            );
            for q in &r.queries {
                out!("{:<40} {:>6} {:>10.1} {:>10.1}", q.name, q.status, q.p50_ms, q.max_ms);
            }
        }
    }
    Ok(())
}
