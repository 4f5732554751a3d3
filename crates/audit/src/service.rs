//! The audit log's operations. Each takes the caller and typed values and returns the domain
//! result or an [`Error`]; authorisation is asked here, so every caller (API, page, command line)
//! gets the same answer.

use crate::AuditState;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Principal, Target};
use yici_crypto::auditlog::{Checkpoint, Export};
use yici_service::{Caller, Error, Result};
use yici_store::Page;
use yici_store::audit::{AuditFilter, LoggedEntry};

/// A search of the log. Empty filters mean "no filter"; times are UTC microseconds.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub department: Option<i64>,
    pub system: Option<i64>,
    /// An ID number or credit code whose entries to find.
    pub subject: Option<String>,
    /// An action code (`certificate.issue`).
    pub action: Option<String>,
    pub from: Option<i64>,
    /// Exclusive.
    pub to: Option<i64>,
}

/// Parse a time bound: UTC microseconds, an RFC 3339 time, or a date (midnight in China).
pub fn parse_time(field: &str, v: &str) -> Result<i64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Ok(t.timestamp_micros());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(yici_core::clock::china_midnight(d));
    }
    Err(Error::field(
        field,
        "时间格式应为 2026-11-27 或 RFC 3339",
        "Times are dates (2026-11-27) or RFC 3339",
    ))
}

/// The end of a range (exclusive): like [`parse_time`], except that a date ends with its day, so
/// that a search "to 2026-11-30" includes the 30th.
pub fn parse_end(field: &str, v: &str) -> Result<i64> {
    match chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        Ok(d) => Ok(yici_core::clock::china_midnight(d.succ_opt().unwrap_or(d))),
        Err(_) => parse_time(field, v),
    }
}

/// Entries matching `search`, newest first, cut to the part of the log the caller may see: a
/// reader scoped to a city or a department sees the entries of the departments there only.
pub async fn search(state: &AuditState, caller: &Caller, search: Search, page: Page) -> Result<Vec<LoggedEntry>> {
    caller.require(Permission::ReadAudit, &Target::OwnScope)?;
    if let (Some(f), Some(t)) = (search.from, search.to)
        && f > t
    {
        return Err(Error::field(
            "to",
            "结束时间早于开始时间",
            "The end of the range is before its start",
        ));
    }
    let filter = AuditFilter {
        department_id: search.department,
        system_id: search.system,
        subject: search.subject,
        action: search.action,
        from: search.from,
        to: search.to,
        within_departments: caller.departments_within(&state.store, Permission::ReadAudit).await?,
    };
    Ok(state.store.audit_search(&filter, page).await?)
}

/// The latest signed checkpoint.
pub async fn latest_checkpoint(state: &AuditState) -> Result<Checkpoint> {
    state
        .store
        .audit_latest_checkpoint()
        .await?
        .ok_or_else(|| Error::not_found("审计检查点", "checkpoint"))
}

/// Sign the current tree head now.
pub async fn make_checkpoint(state: &AuditState, caller: &Caller) -> Result<Checkpoint> {
    caller.require(Permission::ManageAudit, &Target::Platform)?;
    state.audit.sequence().await?;
    let cp = state.store.audit_checkpoint().await?;
    state
        .audit
        .append(caller.event(Action::AuditCheckpoint, "checkpoint").object(cp.size))
        .await?;
    Ok(cp)
}

/// The platform's SM2 public key (PEM) that signs checkpoints.
pub fn public_key_pem(state: &AuditState) -> Result<String> {
    Ok(state.store.audit_keys()?.public().to_pem())
}

/// The size of the checkpoint asked for, or of the latest.
async fn checkpoint_size(state: &AuditState, size: Option<u64>) -> Result<u64> {
    match size {
        Some(s) => match state.store.audit_checkpoint_at(s).await? {
            Some(_) => Ok(s),
            None => Err(Error::not_found(
                &format!("大小为{s}的检查点"),
                &format!("checkpoint of size {s}"),
            )),
        },
        None => Ok(latest_checkpoint(state).await?.size),
    }
}

/// Make sure entry `index` is covered by a checkpoint, making one if needed.
async fn covering_checkpoint(state: &AuditState, index: u64) -> Result<Checkpoint> {
    if let Some(cp) = state.store.audit_latest_checkpoint().await?
        && cp.size > index
    {
        return Ok(cp);
    }
    state.audit.sequence().await?;
    let cp = state.store.audit_checkpoint().await?;
    if cp.size > index {
        Ok(cp)
    } else {
        Err(Error::not_found("审计条目", "audit entry"))
    }
}

/// The inclusion proof of the entry at `index` against a checkpoint (the latest by default),
/// as a verifiable bundle. A scoped reader proves only the entries of the departments it reaches.
pub async fn inclusion_proof(state: &AuditState, caller: &Caller, index: u64, size: Option<u64>) -> Result<Export> {
    caller.require(Permission::ReadAudit, &Target::OwnScope)?;
    let size = checkpoint_size(state, size).await?;
    if index >= size {
        return Err(Error::not_found(
            &format!("序号为{index}的审计条目"),
            &format!("audit entry {index} in a tree of {size}"),
        ));
    }
    let cp = state
        .store
        .audit_checkpoint_at(size)
        .await?
        .ok_or_else(|| Error::not_found("审计检查点", "checkpoint"))?;
    let entry = state.store.audit_inclusion(index, size).await?;
    let department = entry
        .content_bytes()
        .ok()
        .and_then(|b| yici_core::audit::EntryContent::parse(&b).ok())
        .and_then(|c| c.actor.department_id);
    if let Some(within) = caller.departments_within(&state.store, Permission::ReadAudit).await?
        && !department.is_some_and(|d| within.contains(&d))
    {
        caller.require(Permission::ReadAudit, &Target::Platform)?;
    }
    Ok(Export::new(cp, vec![entry]))
}

/// The consistency proof between two tree sizes (RFC 9162 §2.1.4): open to anyone.
pub async fn consistency(state: &AuditState, from: u64, to: u64) -> Result<Vec<String>> {
    Ok(state.store.audit_consistency(from, to).await?)
}

/// Entries `from..=to` with proofs, verifiable with the public key alone. The export is the
/// whole log, every department's entries: a platform-wide reader's.
pub async fn export(state: &AuditState, caller: &Caller, from: u64, to: u64) -> Result<Export> {
    caller.require(Permission::ReadAudit, &Target::Platform)?;
    Ok(state.store.audit_export(from, to).await?)
}

/// The signed-in applicant's number, or 403.
fn own_number(caller: &Caller) -> Result<String> {
    caller.require(Permission::ReadOwnDataUses, &Target::OwnScope)?;
    caller
        .applicant
        .as_ref()
        .map(|a| a.applicant_id.as_str().to_string())
        .ok_or_else(Error::unauthenticated)
}

/// 谁用了我的数据 — accesses to the signed-in citizen's or company's data by others (their own
/// sign-ins and real-name verifications are not uses of their data).
pub async fn my_entries(state: &AuditState, caller: &Caller, page: Page) -> Result<Vec<LoggedEntry>> {
    let number = own_number(caller)?;
    let me = match caller.principal {
        Principal::Applicant { id } => Some(id),
        _ => None,
    };
    let filter = AuditFilter {
        subject: Some(number),
        ..Default::default()
    };
    let found = state.store.audit_search(&filter, page).await?;
    Ok(found
        .into_iter()
        .filter(|e| e.content.action != Action::ApplicantVerify.code())
        .filter(|e| e.content.actor.applicant_id.is_none() || e.content.actor.applicant_id != me)
        .collect())
}

/// The proof bundle of one entry about the signed-in applicant (404 for anyone else's).
pub async fn my_proof(state: &AuditState, caller: &Caller, id: i64) -> Result<Export> {
    let number = own_number(caller)?;
    let not_found = || Error::not_found("审计条目", "audit entry");
    if !state.store.audit_entry_concerns(id, &number).await? {
        return Err(not_found());
    }
    let mut entry = state.store.audit_entry(id).await?.ok_or_else(not_found)?;
    if entry.index.is_none() {
        state.audit.sequence().await?;
        entry = state.store.audit_entry(id).await?.ok_or_else(not_found)?;
    }
    let index = entry.index.ok_or_else(not_found)?;
    let cp = covering_checkpoint(state, index).await?;
    let proved = state.store.audit_inclusion(index, cp.size).await?;
    Ok(Export::new(cp, vec![proved]))
}

/// What waits for the reader on the home page: for a citizen or a company, how many times
/// departments used their data.
pub async fn home(state: &AuditState, caller: &Caller) -> Result<Vec<yici_web::home::Tile>> {
    if !matches!(caller.principal, Principal::Applicant { .. }) {
        return Ok(Vec::new());
    }
    let lang = yici_service::context::current_lang();
    let uses = my_entries(state, caller, Page::all()).await?;
    Ok(vec![
        yici_web::home::Tile::new(
            lang.pick("谁用了我的数据", "Who used my data"),
            uses.len() as i64,
            "/me/data-uses",
        )
        .note(lang.pick("次使用记录", "uses recorded")),
    ])
}
