//! `yici` — the command line of the Yici platform: run the server (with demo data), check
//! identifiers, maintain the working-day calendar, and administer regions and users.
#![forbid(unsafe_code)]

/// `println!` for the command's output: a reader that stops reading (`yici … | head`) ends the
/// command quietly instead of a panic on the closed pipe.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::storage::print_line(&format!($($t)*))
    };
}

mod audit;
mod cases;
mod catalog;
mod cert;
mod directory;
mod exchange;
mod ids;
mod items;
mod serve;
mod storage;
mod supervision;

use anyhow::Result;
use audit::{AuditCommand, audit, verify_export};
use cases::{CasesCommand, cases};
use catalog::{CatalogCommand, catalog};
use cert::{CertCommand, cert, cert_verify};
use clap::{Parser, Subcommand};
use directory::{CalendarCommand, RegionCommand, UserCommand, calendar, region, user};
use exchange::{ExchangeCommand, exchange};
use ids::{IdCommand, id_check};
use items::{ItemsCommand, items};
use serve::{OidcArgs, serve};
use std::net::SocketAddr;
use std::process::ExitCode;
use storage::{StorageArgs, load_seal_key};
use supervision::{SupervisionCommand, supervision};
use yici_core::Lang;
use yici_server::ServerConfig;

#[derive(Parser)]
#[command(name = "yici", version, about = "一次 (Yici) — 最多跑一次 government services platform", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (API, pages, docs).
    Serve {
        #[command(flatten)]
        storage: StorageArgs,
        /// Address to listen on.
        #[arg(long, env = "YICI_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The address people and systems reach the platform at (https://…): QR codes on
        /// certificates, 亮证 links, the catalogue's IRIs and the identity platform's callback
        /// use it. Default: the address the server listens on.
        #[arg(long, env = "YICI_PUBLIC_URL")]
        public_url: Option<String>,
        /// Seed the demo province and write DATA/demo-credentials.json.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served over HTTPS).
        #[arg(long, env = "YICI_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Seconds between signed audit checkpoints (when the log has grown).
        #[arg(long, env = "YICI_CHECKPOINT_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        checkpoint_interval: u64,
        /// Also push the change feed to NATS JetStream at this address (nats://host:port).
        #[arg(long, env = "YICI_NATS_URL")]
        nats: Option<String>,
        /// The JetStream stream of the change feed (created when missing).
        #[arg(long, env = "YICI_NATS_STREAM", default_value = "YICI_CHANGES")]
        nats_stream: String,
        /// The first tokens of the change feed's subjects.
        #[arg(long, env = "YICI_NATS_SUBJECT_PREFIX", default_value = "yici.changes")]
        nats_subject_prefix: String,
        /// The 128-bit SM4 key (32 hexadecimal characters) that seals the certificate library's
        /// private keys at rest. Every instance of one deployment needs the same key. Default:
        /// the key in DATA/seal-key, created on first start.
        #[arg(long, env = "YICI_SEAL_KEY", hide_env_values = true)]
        seal_key: Option<String>,
        /// Hosts (or host:port) inside the platform's own network that change-feed webhooks
        /// may be delivered to, comma-separated; other loopback, private and link-local
        /// addresses are refused.
        #[arg(long, env = "YICI_WEBHOOK_ALLOW", value_delimiter = ',')]
        webhook_allow: Vec<String>,
        /// Where uploaded materials are kept, content-addressed by SM3: `s3://bucket` (endpoint
        /// and keys from the AWS_* environment variables) or a directory. Default: DATA/objects.
        #[arg(long, env = "YICI_OBJECT_STORE")]
        object_store: Option<String>,
        #[command(flatten)]
        oidc: Box<OidcArgs>,
        #[command(flatten)]
        site: Box<crate::serve::SiteArgs>,
    },
    /// Identifiers: check and explain.
    Id {
        #[command(subcommand)]
        command: IdCommand,
    },
    /// The working-day calendar.
    Calendar {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Regions of the directory.
    Region {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: RegionCommand,
    },
    /// User accounts.
    User {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The public data resource catalogue.
    Catalog {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// 共享交换 — the data exchange.
    Exchange {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: ExchangeCommand,
    },
    /// 政务服务事项 — service items, guides and bundles.
    Items {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: ItemsCommand,
    },
    /// 办件 — the one window's cases.
    Cases {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// 督察考核 — supervision: the metrics' daily sums and their benchmark.
    Supervision {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: SupervisionCommand,
    },
    /// 电子证照 — the electronic certificate library.
    Cert {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: CertCommand,
    },
    /// List every route the server answers, one `METHOD /path` per line (`--pages`: only the
    /// pages people open, GET outside `/api`), for checks that must cover them all.
    Routes {
        #[arg(long)]
        pages: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let json = std::env::var("YICI_LOG_FORMAT").as_deref() == Ok("json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Id {
        command: IdCommand::Check { value, en },
    } = &cli.command
    {
        return id_check(value, if *en { Lang::En } else { Lang::Zh });
    }
    if let Command::Audit {
        command: AuditCommand::VerifyExport { file, public_key },
        ..
    } = &cli.command
    {
        return verify_export(file, public_key);
    }
    if let Command::Cert {
        command: CertCommand::Verify { path, ca },
        ..
    } = &cli.command
    {
        return cert_verify(path, ca.as_deref());
    }
    if let Command::Routes { pages } = &cli.command {
        let routes = yici_server::routes();
        for (method, path) in routes.table() {
            if !*pages || (method.as_str() == "GET" && !path.starts_with("/api/")) {
                out!("{method} {path}");
            }
        }
        return ExitCode::SUCCESS;
    }
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve {
            storage,
            listen,
            public_url,
            demo,
            secure_cookies,
            checkpoint_interval,
            nats,
            nats_stream,
            nats_subject_prefix,
            seal_key,
            webhook_allow,
            object_store,
            oidc,
            site,
        } => {
            let seal_key = load_seal_key(seal_key.as_deref(), &storage.data)?;
            let objects = match object_store.as_deref() {
                Some(url) if url.starts_with("s3://") => yici_objects::Objects::s3(url),
                Some(dir) => yici_objects::Objects::local(std::path::Path::new(dir)),
                None => yici_objects::Objects::local(&storage.data.join("objects")),
            }
            .map_err(|e| anyhow::anyhow!("--object-store: {e}"))?;
            let config = ServerConfig {
                seal_key,
                secure_cookies,
                webhook_allow: webhook_allow
                    .into_iter()
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
                    .collect(),
                checkpoint_interval: std::time::Duration::from_secs(checkpoint_interval),
                site: site.site(demo)?,
                objects: Some(objects),
                ..ServerConfig::default()
            };
            let nats = nats.map(|url| yici_server::yici_nats::NatsConfig {
                url,
                stream: nats_stream,
                subject_prefix: nats_subject_prefix,
            });
            let listen = crate::serve::Listen {
                addr: listen,
                public_url,
            };
            serve(storage, listen, demo, config, nats, *oidc).await
        }
        Command::Id { .. } | Command::Routes { .. } => unreachable!("handled before the runtime starts"),
        Command::Calendar { storage, command } => calendar(storage, command).await,
        Command::Region { storage, command } => region(storage, command).await,
        Command::User { storage, command } => user(storage, command).await,
        Command::Audit { storage, command } => audit(storage, command).await,
        Command::Catalog { storage, command } => catalog(storage, command).await,
        Command::Exchange { storage, command } => exchange(storage, command).await,
        Command::Cert { storage, command } => cert(storage, command).await,
        Command::Items { storage, command } => items(storage, command).await,
        Command::Cases { storage, command } => cases(storage, command).await,
        Command::Supervision { storage, command } => supervision(storage, command).await,
        Command::Migrate { storage } => {
            let store = storage.open().await?;
            out!("migrations applied ({})", store.dialect().name());
            Ok(())
        }
    }
}
