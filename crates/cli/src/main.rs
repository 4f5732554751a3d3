//! `yici` — the command line of the Yici platform: run the server (with demo data), check
//! identifiers, maintain the working-day calendar, and administer regions and users.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use yici_core::Lang;
use yici_core::calendar::YearSchedule;
use yici_core::id::{RegionCode, detect};
use yici_core::org::{Role, Scope, password_problem, valid_username};
use yici_server::{AppState, ServerConfig};
use yici_store::Store;
use yici_store::audit::{AuditKeys, AuditWriter};

#[derive(Parser)]
#[command(name = "yici", version, about = "一次 (Yici) — 最多跑一次 government services platform", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: an SQLite directory (default) or a PostgreSQL URL. Accepted before or
/// after the subcommand (`yici audit --data DIR verify`, `yici audit verify --data DIR`).
#[derive(Args, Clone)]
struct StorageArgs {
    /// Data directory for the embedded SQLite database and generated files.
    #[arg(long, global = true, env = "YICI_DATA", default_value = "./yici-data")]
    data: PathBuf,
    /// PostgreSQL URL (postgres://…); when given, used instead of SQLite.
    #[arg(long, global = true, env = "YICI_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// The platform's SM2 key that signs audit checkpoints (PKCS#8 PEM); created if missing.
    /// Every instance of one deployment must use the same key. Default: DATA/audit-signing-key.pem.
    #[arg(long, global = true, env = "YICI_AUDIT_KEY")]
    audit_key: Option<PathBuf>,
}

impl StorageArgs {
    fn audit_key_path(&self) -> PathBuf {
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

    async fn open(&self) -> Result<Store> {
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

/// Applicant sign-in through the province's identity platform (OpenID Connect). Without
/// `--oidc-issuer` (and without `--demo`), applicants cannot sign in.
#[derive(clap::Args)]
struct OidcArgs {
    /// The identity platform's issuer identifier, exactly as it states it (https://…).
    #[arg(long, env = "YICI_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The client id Yici is registered under there.
    #[arg(long, env = "YICI_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// The client secret (client_secret_basic).
    #[arg(
        long,
        env = "YICI_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        requires = "oidc_issuer"
    )]
    oidc_client_secret: Option<String>,
    /// The callback address registered there. Default: the listening address +
    /// /login/applicant/oidc/callback.
    #[arg(long, env = "YICI_OIDC_REDIRECT_URL")]
    oidc_redirect_url: Option<String>,
    /// The claim that carries the citizen ID number or credit code.
    #[arg(long, env = "YICI_OIDC_ID_CLAIM", default_value = "id_number")]
    oidc_id_claim: String,
    /// The claim that carries the name.
    #[arg(long, env = "YICI_OIDC_NAME_CLAIM", default_value = "name")]
    oidc_name_claim: String,
    /// Scopes to ask for besides openid, comma-separated.
    #[arg(long, env = "YICI_OIDC_SCOPES", value_delimiter = ',', default_value = "profile")]
    oidc_scopes: Vec<String>,
}

impl OidcArgs {
    /// The relying party's settings, if an issuer is configured.
    fn config(&self, listen: SocketAddr) -> Result<Option<yici_server::yici_oidc::Config>> {
        let Some(issuer) = self.oidc_issuer.clone() else {
            return Ok(None);
        };
        let need = |v: &Option<String>, flag: &str| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("--oidc-issuer needs {flag} as well"))
        };
        Ok(Some(yici_server::yici_oidc::Config {
            issuer,
            client_id: need(&self.oidc_client_id, "--oidc-client-id")?,
            client_secret: need(&self.oidc_client_secret, "--oidc-client-secret")?,
            redirect_url: self
                .oidc_redirect_url
                .clone()
                .unwrap_or_else(|| format!("http://{listen}/login/applicant/oidc/callback")),
            scopes: self
                .oidc_scopes
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            id_claim: self.oidc_id_claim.clone(),
            name_claim: self.oidc_name_claim.clone(),
        }))
    }
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
        #[command(flatten)]
        oidc: Box<OidcArgs>,
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
    /// 电子证照 — the electronic certificate library.
    Cert {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(subcommand)]
        command: CertCommand,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum CertCommand {
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

#[derive(Subcommand)]
enum IdCommand {
    /// Detect the kind of identifier and print its fields. Exits 0 when valid, 1 when not.
    Check {
        value: String,
        /// Print in English.
        #[arg(long)]
        en: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// List the years in force with their holidays.
    List,
    /// Add or replace a year from a JSON file (same shape as the shipped data/calendar/*.json).
    AddYear { file: PathBuf },
    /// The date N working days after FROM (FROM not counted).
    AddDays {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        days: u32,
    },
    /// Working days in (FROM, TO].
    Between {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        to: chrono::NaiveDate,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
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
        /// The platform's public address, used in the exported IRIs.
        #[arg(long, env = "YICI_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
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

#[derive(Subcommand)]
enum ExchangeCommand {
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

#[derive(Subcommand)]
enum AuditCommand {
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

#[derive(Subcommand)]
enum RegionCommand {
    /// Register a region (its parent must be registered).
    Add { code: String, name: String },
    /// List the regions below CODE (or the top level).
    List { parent: Option<String> },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with one role. The password is read from standard input
    /// (first line) or generated and printed once.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        /// operator, data_steward, cert_issuer, window_clerk, approver or supervisor.
        #[arg(long)]
        role: String,
        /// Scope the role to this region …
        #[arg(long, conflicts_with = "department")]
        region: Option<String>,
        /// … or to this department (by id).
        #[arg(long)]
        department: Option<i64>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
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

/// `yici id check`: 0 valid, 1 invalid (with the reason).
fn id_check(value: &str, lang: Lang) -> ExitCode {
    match detect(value) {
        Ok(d) => {
            println!("{}: {}", lang.pick("类型", "kind"), d.kind.name(lang));
            println!("{}: {}", lang.pick("规范形式", "canonical"), d.canonical);
            for f in &d.fields {
                println!("{}: {}", f.label(lang), f.value);
            }
            println!("{}", lang.pick("结果：有效", "result: valid"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            if e.legacy_hint {
                eprintln!(
                    "{}",
                    lang.pick(
                        "警告：可能是早期试点代码，校验未通过",
                        "warning: possibly an early pilot code; it fails the check"
                    )
                );
            }
            eprintln!("{}: {}", lang.pick("无效", "invalid"), e.message(lang));
            ExitCode::from(1)
        }
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve {
            storage,
            listen,
            demo,
            secure_cookies,
            checkpoint_interval,
            nats,
            nats_stream,
            nats_subject_prefix,
            seal_key,
            webhook_allow,
            oidc,
        } => {
            let oidc = oidc.config(listen)?;
            let seal_key = load_seal_key(seal_key.as_deref(), &storage.data)?;
            let config = ServerConfig {
                seal_key,
                secure_cookies,
                webhook_allow: webhook_allow
                    .into_iter()
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
                    .collect(),
                checkpoint_interval: std::time::Duration::from_secs(checkpoint_interval),
                ..ServerConfig::default()
            };
            let nats = nats.map(|url| yici_server::yici_nats::NatsConfig {
                url,
                stream: nats_stream,
                subject_prefix: nats_subject_prefix,
            });
            serve(storage, listen, demo, config, nats, oidc).await
        }
        Command::Id { .. } => unreachable!("handled before the runtime starts"),
        Command::Calendar { storage, command } => calendar(storage, command).await,
        Command::Region { storage, command } => region(storage, command).await,
        Command::User { storage, command } => user(storage, command).await,
        Command::Audit { storage, command } => audit(storage, command).await,
        Command::Catalog { storage, command } => catalog(storage, command).await,
        Command::Exchange { storage, command } => exchange(storage, command).await,
        Command::Cert { storage, command } => cert(storage, command).await,
        Command::Migrate { storage } => {
            let store = storage.open().await?;
            println!("migrations applied ({})", store.dialect().name());
            Ok(())
        }
    }
}

/// The seal key: given (hexadecimal), or read from DATA/seal-key, created there on first start.
/// Never printed.
fn load_seal_key(given: Option<&str>, data: &std::path::Path) -> Result<yici_crypto::sealed::SealingKey> {
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

/// `yici cert verify DIR`: 0 when the exported certificate's seal signature holds, 1 when not.
fn cert_verify(path: &std::path::Path, ca: Option<&std::path::Path>) -> ExitCode {
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
    let v = match yici_server::certs::export::verify_dir(path, trusted.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("验证失败 / verification failed: {e}");
            return ExitCode::from(1);
        }
    };
    let c = &v.content;
    println!("签章有效 / seal signature valid");
    println!("证照标识 / identifier: {}", c.identifier);
    println!("证照类型 / type: {} ({})", c.type_name, c.type_code);
    println!("持证主体 / holder: {}", c.holder.name);
    println!(
        "发证机关 / issuer: {} ({}), {}",
        c.issuer.name, c.issuer.code, c.issuer.date
    );
    let until = c.valid_until.map_or("长期 / permanent".to_string(), |d| d.to_string());
    println!("有效期 / validity: {} – {until}", c.valid_from);
    println!("电子印章 / seal: {} ({})", v.seal_name, v.es_id);
    if ca.is_some() {
        println!("印章根证书 / seal authority: trusted (--ca), SM3 {}", v.ca_fingerprint);
    } else {
        println!(
            "印章根证书 / seal authority: the export's ca.pem, SM3 {} — compare with the published certificate, or pass --ca",
            v.ca_fingerprint
        );
    }
    println!("当前状态须在线核验 / the current status needs online verification");
    ExitCode::SUCCESS
}

async fn cert(storage: StorageArgs, command: CertCommand) -> Result<()> {
    use yici_server::certs::export;
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
            println!(
                "issuing {count} certificates in bulk and {single} one by one, then verifying them ({})",
                state.store.dialect().name()
            );
            let r = yici_server::certs::bench::run(&state, count, single, openssl_seconds)
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            println!(
                "issued (bulk, {} per request)   {:>9.0} /s",
                yici_server::certs::bench::BATCH,
                r.issue_per_s
            );
            println!("issued (one per request)        {:>9.0} /s", r.single_issue_per_s);
            println!(
                "verified (seal signature)       {:>9.0} /s   ({} certificates)",
                r.verify_per_s, r.verified
            );
            println!("verified (online path, with DB) {:>9.0} /s", r.online_verify_per_s);
            match r.openssl {
                Some((sign, verify)) => {
                    println!("openssl speed sm2 (all cores)   {sign:>9.0} sign/s   {verify:>9.0} verify/s");
                    println!(
                        "verification / OpenSSL verify   {:>9.2}",
                        r.verify_per_s / verify.max(1e-9)
                    );
                }
                None => println!("openssl speed sm2: not available"),
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
            let pdf = yici_server::certs::render_pdf(&store, &public_url, &record, None)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.en))?;
            std::fs::write(out.join(export::PDF), pdf).context("cannot write certificate.pdf")?;
            println!("已导出 / exported {} to {}", record.identifier, out.display());
            Ok(())
        }
    }
}

async fn serve(
    storage: StorageArgs,
    listen: SocketAddr,
    demo: bool,
    config: ServerConfig,
    nats: Option<yici_server::yici_nats::NatsConfig>,
    oidc: Option<yici_server::yici_oidc::Config>,
) -> Result<()> {
    if let Some(n) = &nats {
        n.check().map_err(|e| anyhow::anyhow!("--nats: {e}"))?;
    }
    let store = storage.open().await?;
    // SQLite is single-node: a second server on the same data directory is refused.
    let _lock = if store.dialect() == yici_store::Dialect::Sqlite {
        tracing::info!(data = %storage.data.display(), "using embedded SQLite (single node)");
        Some(single_node_lock(&storage.data)?)
    } else {
        None
    };
    store.catalogue_seed_standards().await?;
    if demo {
        let creds = yici_server::demo::seed(&store, &storage.data)
            .await
            .context("seeding the demo province failed")?;
        let added = yici_server::demo::seed_catalogue(&store)
            .await
            .context("seeding the demo catalogue failed")?;
        if added > 0 {
            println!("演示目录已发布 / demo catalogue published: {added} resources");
        }
        yici_server::demo::seed_exchange(&store, &storage.data)
            .await
            .context("seeding the demo exchange failed")?;
        println!(
            "演示数据已就绪 / demo data ready: {} users, {} systems; credentials in {}",
            creds.users.len(),
            creds.systems.len(),
            storage.data.join("demo-credentials.json").display()
        );
    }
    let identity: Option<Arc<dyn yici_server::identity::IdentityProvider>> = match demo {
        true => Some(Arc::new(yici_server::demo::identity_register())),
        false => None,
    };
    let state = AppState::new(store, config, identity);
    if demo {
        let held = yici_server::demo::certificates::seed(&state)
            .await
            .context("seeding the demo certificate library failed")?;
        println!("演示电子证照 / demo certificates: {held}");
    }
    if let Some(n) = nats {
        let url = n.display_url();
        let push = yici_server::yici_nats::NatsPush::connect(n)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        let _ = state.nats.set(push);
        println!("变更推送 / change feed pushed to NATS JetStream at {url}");
    }
    if let Some(config) = oidc {
        let issuer = config.issuer.clone();
        let provider = yici_server::yici_oidc::Provider::discover(config)
            .await
            .with_context(|| format!("the identity platform {issuer} cannot be used"))?;
        let _ = state.oidc.set(Arc::new(provider));
        println!("申请人登录 / applicants sign in through {issuer}");
    } else if !demo {
        println!(
            "未配置统一身份认证平台：申请人暂不能登录 / no identity platform configured: applicants cannot sign in (see --oidc-issuer)"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("Yici 正在运行 / listening on http://{addr}/");
    yici_server::serve_on(state, listener).await?;
    Ok(())
}

async fn calendar(storage: StorageArgs, command: CalendarCommand) -> Result<()> {
    let store = storage.open().await?;
    match command {
        CalendarCommand::List => {
            for y in store.calendar_years().await? {
                println!("{} — {}", y.year, y.source);
                for h in &y.holidays {
                    println!("  {}  {} — {}", h.name, h.from, h.to);
                }
                if !y.workdays.is_empty() {
                    let days: Vec<String> = y.workdays.iter().map(|d| d.to_string()).collect();
                    println!("  调休上班 / make-up working days: {}", days.join(", "));
                }
            }
        }
        CalendarCommand::AddYear { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let schedule: YearSchedule = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid year schedule", file.display()))?;
            schedule
                .validate()
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            store
                .save_calendar_year(&schedule, &cli_event("calendar.save", "calendar_year"))
                .await?;
            println!(
                "{} 年节假日安排已保存 / schedule for {} saved",
                schedule.year, schedule.year
            );
        }
        CalendarCommand::AddDays { from, days } => {
            let cal = store.working_calendar().await?;
            let d = cal
                .add_working_days(from, days)
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            println!("{d}");
        }
        CalendarCommand::Between { from, to } => {
            let cal = store.working_calendar().await?;
            let n = cal
                .working_days_between(from, to)
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            println!("{n}");
        }
    }
    Ok(())
}

async fn region(storage: StorageArgs, command: RegionCommand) -> Result<()> {
    let store = storage.open().await?;
    match command {
        RegionCommand::Add { code, name } => {
            let code = RegionCode::parse(&code).map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            let r = store
                .upsert_region(&code, &name, &cli_event("region.save", "region"))
                .await?;
            println!("{} {} (level {})", r.code, r.name, r.level);
        }
        RegionCommand::List { parent } => {
            for r in store.region_children(parent.as_deref()).await? {
                println!("{}\t{}", r.code, r.name);
            }
        }
    }
    Ok(())
}

async fn user(storage: StorageArgs, command: UserCommand) -> Result<()> {
    let store = storage.open().await?;
    match command {
        UserCommand::Add {
            username,
            name,
            role,
            region,
            department,
            password_stdin,
        } => {
            if !valid_username(&username) {
                bail!("用户名为3至32位小写字母、数字或 . _ -，以字母开头 / invalid username");
            }
            let role = Role::from_code(&role).with_context(|| format!("unknown role {role}"))?;
            let scope = match (region, department) {
                (Some(r), None) => Scope::Region {
                    region: RegionCode::parse(&r).map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?,
                },
                (None, Some(d)) => {
                    let dept = store
                        .department(d)
                        .await?
                        .with_context(|| format!("department {d} does not exist"))?;
                    Scope::Department {
                        department_id: d,
                        region: dept.region(),
                    }
                }
                _ => bail!("give --region or --department"),
            };
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                (s.lines().next().unwrap_or("").to_string(), false)
            } else {
                (
                    format!("Yc-{}", &yici_crypto::token::generate("").plaintext[..14]),
                    true,
                )
            };
            if let Some(p) = password_problem(&password, Lang::Zh) {
                bail!("{p}");
            }
            let department_id = match &scope {
                Scope::Department { department_id, .. } => Some(*department_id),
                Scope::Region { .. } => None,
            };
            let u = store
                .create_user(
                    &yici_store::users::NewUser {
                        username: &username,
                        display_name: &name,
                        password_hash: &yici_crypto::password::hash(&password),
                        department_id,
                    },
                    &cli_event("user.create", "user"),
                )
                .await?;
            store
                .grant_role(u.id, role, &scope, &cli_event("role.grant", "user_role"))
                .await?;
            println!("user {} created with role {}", u.username, role.code());
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::List => {
            for u in store.list_users(yici_store::Page::all(), None).await? {
                let roles: Vec<String> = store.user_roles(u.id).await?.into_iter().map(|r| r.role).collect();
                println!("{}\t{}\t{}\t{}", u.id, u.username, u.display_name, roles.join(","));
            }
        }
    }
    Ok(())
}

/// Hold an exclusive lock on DATA/yici.lock while serving from SQLite.
fn single_node_lock(data: &std::path::Path) -> Result<std::fs::File> {
    let path = data.join("yici.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => bail!(
            "SQLite 为单节点模式：数据目录 {} 已被另一个 yici serve 实例使用。多实例部署请使用 PostgreSQL（--database）。\n\
             SQLite is single-node: another `yici serve` is using {}. Run several instances on PostgreSQL (--database).",
            data.display(),
            data.display()
        ),
    }
}

async fn audit(storage: StorageArgs, command: AuditCommand) -> Result<()> {
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
                println!(
                    "审计日志完好 / audit log intact: {} entries, {} checkpoints verified; {} entries pending sequencing, checked",
                    report.entries, report.checkpoints, report.pending
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
            println!("{}", serde_json::to_string_pretty(&cp)?);
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
fn verify_export(file: &std::path::Path, public_key: &std::path::Path) -> ExitCode {
    let run = || -> Result<usize> {
        let export: yici_crypto::auditlog::Export = serde_json::from_slice(&std::fs::read(file)?)
            .with_context(|| format!("{} is not an audit export", file.display()))?;
        let key = yici_crypto::sm2::PublicKeyInfo::from_pem(&std::fs::read_to_string(public_key)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", public_key.display()))?;
        Ok(yici_crypto::auditlog::verify_export(&export, &key)?)
    };
    match run() {
        Ok(n) => {
            println!("核验通过 / verified: {n} entries are in the log signed by this key");
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
async fn bench(store: Store, entries: usize, concurrency: usize) -> Result<()> {
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
                    Actor::named("bench"),
                    "applicant.read",
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
    println!("backend: {}", store.dialect().name());
    println!("appended: {entries} entries from {concurrency} concurrent writers in {append_secs:.2} s");
    println!("durable appends: {:.0} entries/s", entries as f64 / append_secs);
    println!(
        "sequencing into the Merkle tree: {sequenced} entries in {seq_secs:.2} s ({:.0} entries/s)",
        sequenced as f64 / seq_secs.max(1e-9)
    );
    println!(
        "end to end (append + sequence): {:.0} entries/s",
        entries as f64 / (append_secs + seq_secs)
    );
    println!(
        "storage: {:.0} bytes per entry ({added} entries in the log now)",
        bytes as f64 / entries.max(1) as f64
    );
    Ok(())
}

/// An audit entry for a change made from the command line, named with the operating-system user.
fn cli_event(action: &str, object_type: &str) -> yici_core::audit::AuditEvent {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    yici_core::audit::AuditEvent::new(
        yici_store::now_micros(),
        yici_core::audit::Actor::named(&format!("cli:{who}")),
        action,
        object_type,
        &format!("cli-{}", yici_crypto::token::short_id()),
    )
}

async fn exchange(storage: StorageArgs, command: ExchangeCommand) -> Result<()> {
    let store = storage.open().await?;
    let ExchangeCommand::Bench {
        calls,
        rows,
        concurrency,
    } = command;
    println!(
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
        println!(
            "{name:<22} {:>9.0} calls/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} calls, {} failed, {:.1} s)",
            run.rate(),
            run.p50_ms,
            run.p99_ms,
            run.calls,
            run.failures,
            run.seconds
        );
    };
    println!("response body: {} bytes", r.body_bytes);
    line("bare handler", &r.bare);
    line("exchange lookup", &r.exchange);
    line("exchange at half rate", &r.paced);
    println!(
        "ratio exchange/bare: {:.3}",
        r.exchange.rate() / r.bare.rate().max(1e-9)
    );
    if let (Some(first), Some(last), Some(max)) = (r.rss_kib.first(), r.rss_kib.last(), r.rss_kib.iter().max()) {
        println!(
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
        println!(
            "resident memory at each tenth of the lookups (MiB): {}",
            tenths.join(" ")
        );
    }
    Ok(())
}

async fn catalog(storage: StorageArgs, command: CatalogCommand) -> Result<()> {
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
            println!("共 {total} 条 / {total} matches");
            for h in hits {
                let share = yici_core::catalogue::ShareType::from_code(h.share_type)
                    .map(|s| s.name(Lang::Zh))
                    .unwrap_or("");
                println!("{}\t{}\t{}", h.code, h.name, share);
            }
        }
        CatalogCommand::Export { format, base_url } => {
            let text = yici_server::api::catalogue::export_text(&store, &format, &base_url)
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
            let grid = yici_server::import::read_grid(&name, &bytes).map_err(|e| anyhow::anyhow!("{}", e.0))?;
            let bar = indicatif::ProgressBar::new(grid.len().saturating_sub(1) as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 资源 {msg}").expect("valid template"),
            );
            let tick = |n: usize| bar.set_position(n as u64);
            let report = yici_server::import::import(
                &store,
                &name,
                &grid,
                partial,
                &|_| true,
                &cli_event("catalogue.import", "catalogue_resource"),
                &tick,
            )
            .await
            .map_err(|f| match f {
                yici_server::import::ImportFailure::File(e) => anyhow::anyhow!("{}", e.0),
                yici_server::import::ImportFailure::Store(e) => anyhow::anyhow!("{e}"),
            })?;
            bar.finish_and_clear();
            for e in &report.errors {
                eprintln!("第{}行 {}：{}", e.row, e.column, e.message);
            }
            println!(
                "{} 行，{} 个资源：新增 {}，更新 {}，未变 {}，隔离 {} 行",
                report.rows, report.resources, report.created, report.updated, report.unchanged, report.quarantined
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
            println!("{n} resources published");
        }
    }
    Ok(())
}

/// Write to standard output; a reader that stops early (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Fill the catalogue with generated resources (from the demo templates, for every county of
/// the country's table) and time searches.
async fn catalog_bench(
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
    println!("generating {wanted} resources with {items_per} data items each ({existing} already there)");
    let bar = indicatif::ProgressBar::new(wanted as u64);
    let event = cli_event("catalogue.create", "catalogue_resource");
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
    let at = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(latencies.len() - 1)]
    };
    let total = store
        .catalogue_search(&Default::default(), yici_store::Page::new(Some(1), None))
        .await?
        .1;
    println!("backend: {}", store.dialect().name());
    println!(
        "catalogue: {total} published resources, about {} data items",
        total as usize * items_per
    );
    println!(
        "{queries} searches (20 per page, with the total count): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.95),
        at(0.99),
        latencies[latencies.len() - 1]
    );
    println!("average matches per search: {}", found / queries.max(1) as i64);
    Ok(())
}
