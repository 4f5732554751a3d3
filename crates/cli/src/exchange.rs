//! `yici exchange`: the exchange benchmark.

use crate::storage::*;
use anyhow::{Context, Result};
use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum ExchangeCommand {
    /// Measure exchange lookups over HTTP on loopback (grant check, lookup, masking, quota and
    /// the durable audit entry) against a bare handler answering a body of the same size; print
    /// both rates, their ratio, p50/p99 latency at full speed and at half that rate, and memory.
    Bench {
        /// Lookups (and bare calls) at full speed.
        #[arg(long, default_value_t = 200_000)]
        calls: usize,
        /// Rows in the benchmark dataset, looked up in turn.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
}

pub(crate) async fn exchange(storage: StorageArgs, command: ExchangeCommand) -> Result<()> {
    let store = storage.open().await?;
    let ExchangeCommand::Bench {
        calls,
        rows,
        concurrency,
    } = command;
    out!(
        "loading {rows} rows, then {calls} calls over {concurrency} connections ({})",
        store.dialect().name()
    );
    let cfg = yici_server::bench::BenchConfig {
        rows,
        calls,
        concurrency,
    };
    let r = yici_server::bench::exchange(store, &storage.data, cfg)
        .await
        .context("the exchange benchmark failed")?;
    let line = |name: &str, run: &yici_server::bench::Run| {
        out!(
            "{name:<22} {:>9.0} calls/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} calls, {} failed, {:.1} s)",
            run.rate(),
            run.p50_ms,
            run.p99_ms,
            run.calls,
            run.failures,
            run.seconds
        );
    };
    out!("response body: {} bytes", r.body_bytes);
    line("bare handler", &r.bare);
    line("exchange lookup", &r.exchange);
    line("exchange at half rate", &r.paced);
    out!(
        "ratio exchange/bare: {:.3}",
        r.exchange.rate() / r.bare.rate().max(1e-9)
    );
    if let (Some(first), Some(last), Some(max)) = (r.rss_kib.first(), r.rss_kib.last(), r.rss_kib.iter().max()) {
        out!(
            "resident memory during the lookups: first {} MiB, last {} MiB, highest {} MiB ({} samples); peak {} MiB",
            first / 1024,
            last / 1024,
            max / 1024,
            r.rss_kib.len(),
            r.peak_kib / 1024
        );
        let n = r.rss_kib.len();
        let tenths: Vec<String> = (0..=10)
            .map(|i| (r.rss_kib[(i * (n - 1)) / 10] / 1024).to_string())
            .collect();
        out!(
            "resident memory at each tenth of the lookups (MiB): {}",
            tenths.join(" ")
        );
    }
    Ok(())
}
