//! Where the data lives, and what every command shares.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use yici_store::Store;
use yici_store::audit::AuditKeys;

/// Where the data lives: an SQLite directory (default) or a PostgreSQL URL. Accepted before or
/// after the subcommand (`yici audit --data DIR verify`, `yici audit verify --data DIR`).
#[derive(Args, Clone)]
pub(crate) struct StorageArgs {
    /// Data directory for the embedded SQLite database and generated files.
    #[arg(long, global = true, env = "YICI_DATA", default_value = "./yici-data")]
    pub(crate) data: PathBuf,
    /// PostgreSQL URL (postgres://…); when given, used instead of SQLite.
    #[arg(long, global = true, env = "YICI_DATABASE_URL", hide_env_values = true)]
    pub(crate) database: Option<String>,
    /// The platform's SM2 key that signs audit checkpoints (PKCS#8 PEM); created if missing.
    /// Every instance of one deployment must use the same key. Default: DATA/audit-signing-key.pem.
    #[arg(long, global = true, env = "YICI_AUDIT_KEY")]
    pub(crate) audit_key: Option<PathBuf>,
}

impl StorageArgs {
    pub(crate) fn audit_key_path(&self) -> PathBuf {
        self.audit_key
            .clone()
            .unwrap_or_else(|| self.data.join("audit-signing-key.pem"))
    }

    fn audit_keys(&self) -> Result<Arc<AuditKeys>> {
        let path = self.audit_key_path();
        Ok(Arc::new(AuditKeys::load_or_create(&path).with_context(|| {
            format!("cannot read or create the audit key {}", path.display())
        })?))
    }

    pub(crate) async fn open(&self) -> Result<Store> {
        let keys = self.audit_keys()?;
        let store = match &self.database {
            Some(url) => Store::open(url).await.context("cannot open the PostgreSQL database")?,
            None => Store::open_dir(&self.data)
                .await
                .with_context(|| format!("cannot open the SQLite database in {}", self.data.display()))?,
        };
        Ok(store.with_audit_keys(keys))
    }
}

/// An audit entry for a change made from the command line, named with the operating-system user.
pub(crate) fn cli_event(action: yici_core::audit::Action, object_type: &str) -> yici_core::audit::AuditEvent {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    yici_core::audit::AuditEvent::new(
        yici_store::now_micros(),
        yici_core::audit::Actor::platform(yici_core::audit::PlatformActor::CommandLine(who)),
        action,
        object_type,
        &format!("cli-{}", yici_crypto::token::short_id()),
    )
}

/// Write to standard output; a reader that stops early (`| head`) is not an error.
/// One line of the command's output; when the reader has gone (a closed pipe) the command ends
/// here, quietly: there is no one left to tell.
pub(crate) fn print_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("{e}");
        std::process::exit(1);
    }
}

pub(crate) fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The seal key: given (hexadecimal), or read from DATA/seal-key, created there on first start.
/// Never printed.
pub(crate) fn load_seal_key(given: Option<&str>, data: &std::path::Path) -> Result<yici_crypto::sealed::SealingKey> {
    use yici_crypto::sealed::SealingKey;
    if let Some(hex) = given {
        return SealingKey::from_hex(hex).map_err(|e| anyhow::anyhow!("--seal-key / YICI_SEAL_KEY: {e}"));
    }
    let path = data.join("seal-key");
    match std::fs::read_to_string(&path) {
        Ok(text) => SealingKey::from_hex(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
            let key = SealingKey::generate();
            yici_store::audit::write_private(&path, &key.to_hex())
                .with_context(|| format!("cannot write the seal key {}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(anyhow::anyhow!("cannot read the seal key {}: {e}", path.display())),
    }
}
