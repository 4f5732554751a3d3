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
use yici_server::identity::DevIdentityProvider;
use yici_server::{AppState, ServerConfig};
use yici_store::Store;

#[derive(Parser)]
#[command(name = "yici", version, about = "一次 (Yici) — 最多跑一次 government services platform", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: an SQLite directory (default) or a PostgreSQL URL.
#[derive(Args, Clone)]
struct StorageArgs {
    /// Data directory for the embedded SQLite database and generated files.
    #[arg(long, env = "YICI_DATA", default_value = "./yici-data")]
    data: PathBuf,
    /// PostgreSQL URL (postgres://…); when given, used instead of SQLite.
    #[arg(long, env = "YICI_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
}

impl StorageArgs {
    async fn open(&self) -> Result<Store> {
        let store = match &self.database {
            Some(url) => Store::open(url)
                .await
                .context("cannot open the PostgreSQL database")?,
            None => Store::open_dir(&self.data).await.with_context(|| {
                format!("cannot open the SQLite database in {}", self.data.display())
            })?,
        };
        Ok(store)
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
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
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
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
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
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
        } => serve(storage, listen, demo, secure_cookies).await,
        Command::Id { .. } => unreachable!("handled before the runtime starts"),
        Command::Calendar { storage, command } => calendar(storage, command).await,
        Command::Region { storage, command } => region(storage, command).await,
        Command::User { storage, command } => user(storage, command).await,
        Command::Migrate { storage } => {
            let store = storage.open().await?;
            println!("migrations applied ({})", store.dialect().name());
            Ok(())
        }
    }
}

async fn serve(
    storage: StorageArgs,
    listen: SocketAddr,
    demo: bool,
    secure_cookies: bool,
) -> Result<()> {
    let store = storage.open().await?;
    if store.dialect() == yici_store::Dialect::Sqlite {
        tracing::info!(data = %storage.data.display(), "using embedded SQLite (single node)");
    }
    if demo {
        let creds = yici_server::demo::seed(&store, &storage.data)
            .await
            .context("seeding the demo province failed")?;
        println!(
            "演示数据已就绪 / demo data ready: {} users, {} systems; credentials in {}",
            creds.users.len(),
            creds.systems.len(),
            storage.data.join("demo-credentials.json").display()
        );
    }
    let config = ServerConfig {
        secure_cookies,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, config, Arc::new(DevIdentityProvider));
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
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let schedule: YearSchedule = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid year schedule", file.display()))?;
            schedule
                .validate()
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            store.save_calendar_year(&schedule).await?;
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
            let code =
                RegionCode::parse(&code).map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            let r = store.upsert_region(&code, &name).await?;
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
                    region: RegionCode::parse(&r)
                        .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?,
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
                .create_user(&yici_store::users::NewUser {
                    username: &username,
                    display_name: &name,
                    password_hash: &yici_crypto::password::hash(&password),
                    department_id,
                })
                .await?;
            store.grant_role(u.id, role, &scope).await?;
            println!("user {} created with role {}", u.username, role.code());
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::List => {
            for u in store.list_users(yici_store::Page::all()).await? {
                let roles: Vec<String> = store
                    .user_roles(u.id)
                    .await?
                    .into_iter()
                    .map(|r| r.role)
                    .collect();
                println!(
                    "{}\t{}\t{}\t{}",
                    u.id,
                    u.username,
                    u.display_name,
                    roles.join(",")
                );
            }
        }
    }
    Ok(())
}
