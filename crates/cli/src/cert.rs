//! `yici cert`: the electronic certificate library: seals, issuing, export, offline verification and the benchmark.

use crate::storage::*;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use yici_server::{AppState, ServerConfig};

#[derive(Subcommand)]
pub(crate) enum CertCommand {
    /// Print every certificate identifier, one per line.
    List,
    /// Write a certificate's files for offline verification into a directory: content.bin (the
    /// signed bytes), signature.der, signer.pem, seal.der, ca.pem, certificate.json,
    /// signature.ses, and the certificate as PDF/A-2b (certificate.pdf).
    Export {
        identifier: String,
        #[arg(long)]
        out: PathBuf,
        /// The platform's public address, printed in the PDF's QR code.
        #[arg(long, env = "YICI_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    /// Verify an exported certificate offline, with only its files (no database). Exits 0 when
    /// the seal signature holds, 1 when not.
    Verify {
        path: PathBuf,
        /// The published seal authority certificate (PEM) to trust; without it the export's own
        /// ca.pem is used and its fingerprint printed, to compare with the published one.
        #[arg(long)]
        ca: Option<PathBuf>,
    },
    /// Benchmark: certificates issued per second (bulk and one by one) and verifications per
    /// second, beside `openssl speed sm2` on all cores. Seeds the demo library into the data
    /// directory first (use an empty one).
    Bench {
        /// Certificates issued in bulk.
        #[arg(long, default_value_t = 20_000)]
        count: usize,
        /// Certificates issued one per request.
        #[arg(long, default_value_t = 2_000)]
        single: usize,
        /// Seconds `openssl speed sm2` runs per operation (0 skips it).
        #[arg(long, default_value_t = 3)]
        openssl_seconds: u32,
    },
}

/// `yici cert verify DIR`: 0 when the exported certificate's seal signature holds, 1 when not.
pub(crate) fn cert_verify(path: &std::path::Path, ca: Option<&std::path::Path>) -> ExitCode {
    let trusted = match ca.map(|p| {
        std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|pem| yici_crypto::pki::from_pem(&pem).map_err(|e| e.to_string()))
    }) {
        None => None,
        Some(Ok(der)) => Some(der),
        Some(Err(e)) => {
            eprintln!("无法读取根证书 / cannot read --ca: {e}");
            return ExitCode::from(2);
        }
    };
    let v = match yici_certificates::library::export::verify_dir(path, trusted.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("验证失败 / verification failed: {e}");
            return ExitCode::from(1);
        }
    };
    let c = &v.content;
    out!("签章有效 / seal signature valid");
    out!("证照标识 / identifier: {}", c.identifier);
    out!("证照类型 / type: {} ({})", c.type_name, c.type_code);
    out!("持证主体 / holder: {}", c.holder.name);
    out!(
        "发证机关 / issuer: {} ({}), {}",
        c.issuer.name,
        c.issuer.code,
        c.issuer.date
    );
    let until = c.valid_until.map_or("长期 / permanent".to_string(), |d| d.to_string());
    out!("有效期 / validity: {} – {until}", c.valid_from);
    out!("电子印章 / seal: {} ({})", v.seal_name, v.es_id);
    if ca.is_some() {
        out!("印章根证书 / seal authority: trusted (--ca), SM3 {}", v.ca_fingerprint);
    } else {
        out!(
            "印章根证书 / seal authority: the export's ca.pem, SM3 {} — compare with the published certificate, or pass --ca",
            v.ca_fingerprint
        );
    }
    out!("当前状态须在线核验 / the current status needs online verification");
    ExitCode::SUCCESS
}

pub(crate) async fn cert(storage: StorageArgs, command: CertCommand) -> Result<()> {
    use yici_certificates::library::export;
    match command {
        CertCommand::Verify { .. } => unreachable!("handled before the runtime starts"),
        CertCommand::Bench {
            count,
            single,
            openssl_seconds,
        } => {
            let store = storage.open().await?;
            yici_server::demo::seed(&store, &storage.data).await?;
            let config = ServerConfig {
                seal_key: load_seal_key(None, &storage.data)?,
                ..ServerConfig::default()
            };
            let state = AppState::new(store, config, None);
            yici_server::demo::certificates::seed(&state).await?;
            out!(
                "issuing {count} certificates in bulk and {single} one by one, then verifying them ({})",
                state.store.dialect().name()
            );
            let r = yici_server::bench::certificates::run(&state, count, single, openssl_seconds)
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            out!(
                "issued (bulk, {} per request)   {:>9.0} /s",
                yici_server::bench::certificates::BATCH,
                r.issue_per_s
            );
            out!("issued (one per request)        {:>9.0} /s", r.single_issue_per_s);
            out!(
                "verified (seal signature)       {:>9.0} /s   ({} certificates)",
                r.verify_per_s,
                r.verified
            );
            out!("verified (online path, with DB) {:>9.0} /s", r.online_verify_per_s);
            match r.openssl {
                Some((sign, verify)) => {
                    out!("openssl speed sm2 (all cores)   {sign:>9.0} sign/s   {verify:>9.0} verify/s");
                    out!(
                        "verification / OpenSSL verify   {:>9.2}",
                        r.verify_per_s / verify.max(1e-9)
                    );
                }
                None => out!("openssl speed sm2: not available"),
            }
            Ok(())
        }
        CertCommand::List => {
            let store = storage.open().await?;
            let mut offset = 0;
            let mut out = String::new();
            loop {
                let page = yici_store::Page { limit: 1000, offset };
                let ids = store.certificate_identifiers(page).await?;
                for id in &ids {
                    out.push_str(id);
                    out.push('\n');
                }
                write_stdout(&out)?;
                out.clear();
                if ids.len() < 1000 {
                    return Ok(());
                }
                offset += 1000;
            }
        }
        CertCommand::Export {
            identifier,
            out,
            public_url,
        } => {
            let store = storage.open().await?;
            let record = store
                .certificate(identifier.trim())
                .await?
                .ok_or_else(|| anyhow::anyhow!("没有该证照 / no certificate {identifier}"))?;
            let (ca, _) = store
                .seal_authority()
                .await?
                .ok_or_else(|| anyhow::anyhow!("印章根证书尚未建立 / no seal authority yet"))?;
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            for (name, bytes) in export::files(&record, &ca).map_err(|e| anyhow::anyhow!(e))? {
                std::fs::write(out.join(name), bytes).with_context(|| format!("cannot write {name}"))?;
            }
            let public_url = crate::serve::public_url_of(&public_url)?;
            let pdf = yici_certificates::library::render_pdf(&store, &public_url, &record, None)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.en))?;
            std::fs::write(out.join(export::PDF), pdf).context("cannot write certificate.pdf")?;
            out!("已导出 / exported {} to {}", record.identifier, out.display());
            Ok(())
        }
    }
}
