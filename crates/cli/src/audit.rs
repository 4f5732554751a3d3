//! `yici audit`: verify the log, checkpoints, exports and the audit benchmark.

use crate::storage::*;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use yici_core::audit::Action;
use yici_store::Store;
use yici_store::audit::AuditWriter;

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Recompute the tree from storage and check every checkpoint and its signature. Exits 1,
    /// naming the first bad entry, if anything was changed, removed, inserted or reordered.
    Verify {
        /// Check against this published public key (PEM) instead of the local key file.
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Write entries FROM..=TO with proofs against the latest checkpoint, verifiable with the
    /// public key alone.
    Export {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: u64,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Sign a fresh checkpoint first so that the newest entries are covered.
        #[arg(long)]
        checkpoint: bool,
    },
    /// Check an export file (or a downloaded proof) with the platform's public key.
    VerifyExport {
        file: PathBuf,
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Sequence pending entries and sign a checkpoint now.
    Checkpoint,
    /// Print the public key (PEM) that verifies checkpoints.
    PublicKey,
    /// Measure durable appends per second from concurrent writers, and bytes per entry.
    Bench {
        /// Entries to append.
        #[arg(long, default_value_t = 200_000)]
        entries: usize,
        /// Concurrent writers (simulated requests).
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
    },
}

pub(crate) async fn audit(storage: StorageArgs, command: AuditCommand) -> Result<()> {
    let store = storage.open().await?;
    match command {
        AuditCommand::Verify { public_key } => {
            let key = match public_key {
                Some(p) => yici_crypto::sm2::PublicKeyInfo::from_pem(&std::fs::read_to_string(&p)?)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
                None => store.audit_keys()?.public(),
            };
            let report = store.audit_verify(&key).await?;
            if report.ok() {
                out!(
                    "审计日志完好 / audit log intact: {} entries, {} checkpoints verified; {} entries pending sequencing, checked",
                    report.entries,
                    report.checkpoints,
                    report.pending
                );
                Ok(())
            } else {
                for p in &report.problems {
                    eprintln!("  {p}");
                }
                eprintln!(
                    "审计日志被篡改 / audit log tampered with: first bad entry {}",
                    report.first_bad.map(|b| b.to_string()).unwrap_or_default()
                );
                std::process::exit(1);
            }
        }
        AuditCommand::Export {
            from,
            to,
            out,
            checkpoint,
        } => {
            if checkpoint {
                store.audit_sequence_all().await?;
                store.audit_checkpoint().await?;
            }
            let export = store.audit_export(from, to).await?;
            let text = serde_json::to_string_pretty(&export)?;
            match out {
                Some(p) => {
                    std::fs::write(&p, text)?;
                    eprintln!("{} entries written to {}", export.entries.len(), p.display());
                }
                None => write_stdout(&format!("{text}\n"))?,
            }
            Ok(())
        }
        AuditCommand::VerifyExport { .. } => unreachable!("handled before the runtime starts"),
        AuditCommand::Checkpoint => {
            store.audit_sequence_all().await?;
            let cp = store.audit_checkpoint().await?;
            out!("{}", serde_json::to_string_pretty(&cp)?);
            Ok(())
        }
        AuditCommand::PublicKey => {
            print!("{}", store.audit_keys()?.public().to_pem());
            Ok(())
        }
        AuditCommand::Bench { entries, concurrency } => bench(store, entries, concurrency).await,
    }
}

/// `yici audit verify-export`: 0 when every entry is proved under a checkpoint signed by the
/// given key, 1 otherwise.
pub(crate) fn verify_export(file: &std::path::Path, public_key: &std::path::Path) -> ExitCode {
    let run = || -> Result<usize> {
        let export: yici_crypto::auditlog::Export = serde_json::from_slice(&std::fs::read(file)?)
            .with_context(|| format!("{} is not an audit export", file.display()))?;
        let key = yici_crypto::sm2::PublicKeyInfo::from_pem(&std::fs::read_to_string(public_key)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", public_key.display()))?;
        Ok(yici_crypto::auditlog::verify_export(&export, &key)?)
    };
    match run() {
        Ok(n) => {
            out!("核验通过 / verified: {n} entries are in the log signed by this key");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("核验失败 / verification failed: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Durable appends from `concurrency` concurrent writers through the group-commit writer,
/// then sequencing; prints entries per second and bytes per entry.
pub(crate) async fn bench(store: Store, entries: usize, concurrency: usize) -> Result<()> {
    use yici_core::audit::{Actor, AuditEvent};
    let workers = if store.dialect() == yici_store::Dialect::Sqlite {
        1
    } else {
        4
    };
    let writer = AuditWriter::start(store.clone(), workers);
    let before_bytes = store.audit_storage_bytes().await?;
    let before_size = store.audit_size().await? + store.audit_pending_count().await?;
    let bar = indicatif::ProgressBar::new(entries as u64);
    let started = std::time::Instant::now();
    let per_task = entries.div_ceil(concurrency.max(1));
    let mut tasks = Vec::new();
    for t in 0..concurrency.max(1) {
        let (writer, bar) = (writer.clone(), bar.clone());
        let n = per_task.min(entries.saturating_sub(t * per_task));
        tasks.push(tokio::spawn(async move {
            for i in 0..n {
                let mut e = AuditEvent::new(
                    yici_store::now_micros(),
                    Actor::platform(yici_core::audit::PlatformActor::Bench),
                    Action::ApplicantRead,
                    "applicant",
                    &format!("bench-{t}-{i}"),
                )
                .object(i)
                .subject(if i % 2 == 0 {
                    "11010519491231002X"
                } else {
                    "91350100M000100Y43"
                })
                .purpose("基准测试");
                e.actor.department_id = Some(1);
                e.actor.system_id = Some(1);
                writer.append(e).await?;
                bar.inc(1);
            }
            Ok::<_, yici_store::StoreError>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let append_secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let seq_started = std::time::Instant::now();
    let sequenced = store.audit_sequence_all().await?;
    let seq_secs = seq_started.elapsed().as_secs_f64();
    store.audit_checkpoint().await?;
    let bytes = store.audit_storage_bytes().await?.saturating_sub(before_bytes);
    let added = store.audit_size().await? - before_size;
    out!("backend: {}", store.dialect().name());
    out!("appended: {entries} entries from {concurrency} concurrent writers in {append_secs:.2} s");
    out!("durable appends: {:.0} entries/s", entries as f64 / append_secs);
    out!(
        "sequencing into the Merkle tree: {sequenced} entries in {seq_secs:.2} s ({:.0} entries/s)",
        sequenced as f64 / seq_secs.max(1e-9)
    );
    out!(
        "end to end (append + sequence): {:.0} entries/s",
        entries as f64 / (append_secs + seq_secs)
    );
    out!(
        "storage: {:.0} bytes per entry ({added} entries in the log now)",
        bytes as f64 / entries.max(1) as f64
    );
    Ok(())
}
