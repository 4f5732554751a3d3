//! `yici calendar`, `yici region` and `yici user`: the directory kept from the command line.

use crate::storage::*;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use std::io::Read;
use std::path::PathBuf;
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::calendar::YearSchedule;
use yici_core::id::RegionCode;
use yici_core::org::{Role, Scope, password_problem, valid_username};

#[derive(Subcommand)]
pub(crate) enum CalendarCommand {
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
pub(crate) enum RegionCommand {
    /// Register a region (its parent must be registered).
    Add { code: String, name: String },
    /// List the regions below CODE (or the top level).
    List { parent: Option<String> },
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
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

pub(crate) async fn calendar(storage: StorageArgs, command: CalendarCommand) -> Result<()> {
    let store = storage.open().await?;
    match command {
        CalendarCommand::List => {
            for y in store.calendar_years().await? {
                out!("{} — {}", y.year, y.source);
                for h in &y.holidays {
                    out!("  {}  {} — {}", h.name, h.from, h.to);
                }
                if !y.workdays.is_empty() {
                    let days: Vec<String> = y.workdays.iter().map(|d| d.to_string()).collect();
                    out!("  调休上班 / make-up working days: {}", days.join(", "));
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
                .save_calendar_year(&schedule, &cli_event(Action::CalendarSave, "calendar_year"))
                .await?;
            out!(
                "{} 年节假日安排已保存 / schedule for {} saved",
                schedule.year,
                schedule.year
            );
        }
        CalendarCommand::AddDays { from, days } => {
            let cal = store.working_calendar().await?;
            let d = cal
                .add_working_days(from, days)
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            out!("{d}");
        }
        CalendarCommand::Between { from, to } => {
            let cal = store.working_calendar().await?;
            let n = cal
                .working_days_between(from, to)
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            out!("{n}");
        }
    }
    Ok(())
}

pub(crate) async fn region(storage: StorageArgs, command: RegionCommand) -> Result<()> {
    let store = storage.open().await?;
    match command {
        RegionCommand::Add { code, name } => {
            let code = RegionCode::parse(&code).map_err(|e| anyhow::anyhow!("{}", e.message(Lang::Zh)))?;
            let r = store
                .upsert_region(&code, &name, &cli_event(Action::RegionSave, "region"))
                .await?;
            out!("{} {} (level {})", r.code, r.name, r.level);
        }
        RegionCommand::List { parent } => {
            for r in store.region_children(parent.as_deref()).await? {
                out!("{}\t{}", r.code, r.name);
            }
        }
    }
    Ok(())
}

pub(crate) async fn user(storage: StorageArgs, command: UserCommand) -> Result<()> {
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
                    &cli_event(Action::UserCreate, "user"),
                )
                .await?;
            store
                .grant_role(u.id, role, &scope, &cli_event(Action::RoleGrant, "user_role"))
                .await?;
            out!("user {} created with role {}", u.username, role.code());
            if generated {
                out!("password (shown once): {password}");
            }
        }
        UserCommand::List => {
            for u in store.list_users(yici_store::Page::all(), None).await? {
                let roles: Vec<String> = store.user_roles(u.id).await?.into_iter().map(|r| r.role).collect();
                out!("{}\t{}\t{}\t{}", u.id, u.username, u.display_name, roles.join(","));
            }
        }
    }
    Ok(())
}
