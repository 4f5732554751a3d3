//! `yici cases`: the one window's cases — the benchmark.

use crate::storage::*;
use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum CasesCommand {
    /// Seed the demo, then take applications at a window over HTTP on loopback, each with four
    /// materials fetched from the government's certificates and accepted at once; print the
    /// cases per second, p50/p99 and memory.
    Bench {
        #[arg(long, default_value_t = 5_000)]
        cases: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
}

pub(crate) async fn cases(storage: StorageArgs, command: CasesCommand) -> Result<()> {
    match command {
        CasesCommand::Bench { cases, concurrency } => {
            let state = crate::items::demo_state(&storage).await?;
            let password = crate::items::demo_password(&storage, "window_clerk")?;
            out!(
                "taking {cases} applications over {concurrency} connections ({})",
                state.store.dialect().name()
            );
            let r = yici_server::bench::cases::run(state, &password, cases, concurrency)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            out!("cases submitted and accepted {:>9}", r.cases);
            out!("failures                    {:>9}", r.failures);
            out!("materials fetched per case  {:>9}", r.fetched_per_case);
            out!("rate                        {:>9.0} /s   (target >= 500/s)", r.rate());
            out!("per case p50                {:>9.2} ms", r.p50_ms);
            out!("per case p99                {:>9.2} ms", r.p99_ms);
            out!(
                "memory (RSS) during the run {:>9} KiB max, peak {} KiB",
                r.rss_kib.iter().max().copied().unwrap_or(0),
                r.peak_kib
            );
        }
    }
    Ok(())
}
