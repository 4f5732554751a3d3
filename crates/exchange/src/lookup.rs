//! 按授权查询 — what department systems do with the exchange, and what providers put into it.
//!
//! A lookup (one key or a batch), a read of the change feed, and a subscription each need the
//! calling system's valid grant for the resource. A lookup states its purpose (and the case it
//! serves), returns only the granted items of the rows found, masked by the grant's profile,
//! counts against the grant's daily quota, and is one audit entry naming its data subjects.

use crate::ExchangeState;
use crate::upstream::UpstreamError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use yici_core::Lang;
use yici_core::audit::{Action, Outcome};
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::ResourceDraft;
use yici_core::clock::Clock;
use yici_core::sharing::{Grant, GrantRefusal, Release};
use yici_service::rows::RowError;
use yici_service::{Caller, Error, FieldError, Kind, Result};
use yici_store::catalogue::Resource;
use yici_store::outbox::Transport;

/// Most keys in one batch call.
pub const MAX_KEYS: usize = 1000;
/// Longest key value accepted.
pub const MAX_KEY_LEN: usize = 128;
/// Longest stated purpose, in characters.
pub const MAX_PURPOSE_LEN: usize = 200;
/// The longest case number the exchange records.
pub const MAX_CASE_LEN: usize = 64;
/// Most rows in one load.
pub const MAX_LOAD_ROWS: usize = 10_000;

/// The answer of a lookup.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Records {
    pub resource: String,
    /// The items returned (those of the grant).
    pub items: Vec<String>,
    pub records: Vec<BTreeMap<String, String>>,
    /// Keys asked for and not found.
    pub missing: Vec<String>,
}

/// Why a system calls: its stated purpose, and the case it serves if any.
#[derive(Debug, Clone, Default)]
pub struct CallPurpose {
    pub purpose: Option<String>,
    pub case: Option<String>,
    /// A case was given but could not be read (not text, badly encoded).
    pub case_unreadable: bool,
}

/// 400 `purpose_required`: no usable purpose was stated.
pub fn purpose_required() -> Error {
    Error::new(
        Kind::BadRequest,
        "purpose_required",
        "请在 X-Yici-Purpose 请求头中说明用途（不超过200字，不能为空白或含控制字符）",
        "State the purpose in the X-Yici-Purpose header (at most 200 characters, not blank, no control characters)",
    )
}

/// 400 `invalid_case`: the case number is unusable.
pub fn invalid_case() -> Error {
    Error::new(
        Kind::BadRequest,
        "invalid_case",
        format!("X-Yici-Case 请求头应为不超过{MAX_CASE_LEN}个字符的办件编号，不含控制字符"),
        format!(
            "The X-Yici-Case header must be a case number of at most {MAX_CASE_LEN} characters without control characters"
        ),
    )
}

impl CallPurpose {
    /// The purpose (required, at most 200 characters) and the case (at most 64).
    fn checked(self) -> Result<(String, Option<String>)> {
        let purpose = self
            .purpose
            .filter(|p| {
                !p.trim().is_empty() && p.chars().count() <= MAX_PURPOSE_LEN && !p.chars().any(char::is_control)
            })
            .ok_or_else(purpose_required)?;
        if self.case_unreadable
            || self
                .case
                .as_ref()
                .is_some_and(|c| c.chars().count() > MAX_CASE_LEN || c.chars().any(char::is_control))
        {
            return Err(invalid_case());
        }
        Ok((purpose, self.case))
    }
}

/// 429 for a grant whose daily quota is used up, with Retry-After until midnight in China.
pub fn quota_exceeded(daily_quota: i64, clock: &Clock) -> Error {
    let mut e = Error::new(
        Kind::TooMany,
        "quota_exceeded",
        format!("已达到授权的每日调用上限（{daily_quota}次）"),
        format!("The grant's daily quota of {daily_quota} lookups is used up"),
    );
    e.retry_after = Some(clock.seconds_to_midnight());
    e
}

/// Count `n` uses against a grant's daily quota: 429 when used up.
pub async fn take_quota(state: &ExchangeState, grant: &Grant, n: i64) -> Result<()> {
    let today = state.config.clock.today();
    if state
        .quotas
        .take(&state.store, grant.id, today, n, grant.daily_quota)
        .await?
    {
        metrics::counter!(
            "yici_exchange_calls_total",
            "resource_id" => grant.resource_id.to_string(),
            "system_id" => grant.system_id.to_string()
        )
        .increment(n.max(0) as u64);
        Ok(())
    } else {
        Err(quota_exceeded(grant.daily_quota, &state.config.clock))
    }
}

fn forbidden(refusal: &GrantRefusal) -> Error {
    Error::new(
        Kind::Forbidden,
        "grant_missing",
        refusal.message(Lang::Zh),
        refusal.message(Lang::En),
    )
}

/// The published resource with this code.
async fn resource_by_code(state: &ExchangeState, code: &str) -> Result<Arc<(Resource, ResourceDraft)>> {
    state
        .access
        .resource(&state.store, code)
        .await?
        .ok_or_else(|| Error::not_found(&format!("数据资源{code}"), &format!("resource {code}")))
}

/// The system's valid grant for the resource today, or a refusal naming what is missing. A
/// failing database is an error of its own, never a refusal.
pub async fn valid_grant(
    state: &ExchangeState,
    system_id: i64,
    resource_id: i64,
) -> yici_store::Result<std::result::Result<Grant, GrantRefusal>> {
    let grants = state.access.grants(&state.store, system_id, resource_id).await?;
    let today = state.config.clock.today();
    let mut last = GrantRefusal::NoGrant;
    for g in grants.iter() {
        match g.permits(today, &[]) {
            Ok(()) => return Ok(Ok(g.clone())),
            Err(e) => last = e,
        }
    }
    Ok(Err(last))
}

/// A hostile or oversized key is a 400, never a lookup.
fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || key.chars().any(char::is_control) {
        return Err(Error::bad_request(
            format!("查询键值无效：不能为空、不超过{MAX_KEY_LEN}字节、不含控制字符"),
            format!("Invalid key: it must be 1 to {MAX_KEY_LEN} bytes without control characters"),
        ));
    }
    Ok(())
}

/// A failing provider endpoint as an error.
fn upstream_error(e: UpstreamError) -> Error {
    match e {
        UpstreamError::Timeout => Error::new(
            Kind::GatewayTimeout,
            "upstream_timeout",
            "提供部门的接口响应超时，请稍后重试",
            "The provider's endpoint did not answer in time",
        ),
        UpstreamError::CircuitOpen(secs) => {
            let mut err = Error::new(
                Kind::Unavailable,
                "upstream_circuit_open",
                "提供部门的接口连续失败，已暂停调用，请稍后重试",
                "The provider's endpoint keeps failing; calls are paused for a while",
            );
            err.retry_after = Some(secs);
            err
        }
        UpstreamError::Unavailable(m) | UpstreamError::Invalid(m) => {
            tracing::warn!(error = %m, "provider endpoint failed");
            Error::new(
                Kind::BadGateway,
                "upstream_unavailable",
                "提供部门的接口暂不可用",
                "The provider's endpoint is unavailable",
            )
        }
    }
}

/// A provider's local code converted to the standard one, by its mapping rule for the item.
pub fn standard_value(mappings: &[yici_core::catalogue::elements::FieldMapping], item: &str, value: &str) -> String {
    mappings
        .iter()
        .find(|m| m.local_field == item)
        .and_then(|m| m.values.get(value))
        .cloned()
        .unwrap_or_else(|| value.to_string())
}

/// The provider department of a published resource, as the target of a steward's action.
async fn provider_target(state: &ExchangeState, resource_id: i64) -> Result<(Resource, ResourceDraft, Target)> {
    let (resource, version) = state
        .store
        .catalogue_published(resource_id)
        .await?
        .ok_or_else(|| Error::not_found("已发布的数据资源", "published resource"))?;
    let dept = state
        .store
        .department(resource.department_id)
        .await?
        .ok_or_else(|| Error::not_found("部门", "department"))?;
    let target = dept.target();
    Ok((resource, version.draft, target))
}

/// Serve a resource from the provider's own endpoint (proxy mode), or stop doing so (`None`).
pub async fn set_endpoint(state: &ExchangeState, caller: &Caller, resource_id: i64, url: Option<&str>) -> Result<()> {
    caller.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let (_, _, provider) = provider_target(state, resource_id).await?;
    caller.require(Permission::ManageCatalogue, &provider)?;
    let url = url.map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = url
        && !crate::upstream::valid_endpoint(u)
    {
        return Err(Error::field(
            "url",
            "接口地址应为 http:// 开头的有效地址（暂不支持 https）",
            "The endpoint must be a valid http:// address (https is not supported yet)",
        ));
    }
    state
        .store
        .endpoint_set(
            resource_id,
            url,
            &caller.event(Action::DatasetEndpoint, "catalogue_resource"),
        )
        .await?;
    Ok(())
}

/// A lookup: keys of a resource's key item, asked for one purpose.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The resource code (`101001/000001`).
    pub resource: String,
    /// The name the caller gave the key (a single lookup names the key item); checked.
    pub key_name: Option<String>,
    pub keys: Vec<String>,
    pub why: CallPurpose,
}

/// Look up `keys` for the calling system, under its grant.
pub async fn lookup(state: &ExchangeState, caller: &Caller, l: Lookup) -> Result<Records> {
    caller.require(Permission::CallExchange, &Target::OwnScope)?;
    let system_id = caller.system_id()?;
    let (purpose, case) = l.why.checked()?;
    let keys = l.keys;
    for k in &keys {
        check_key(k)?;
    }
    let found = resource_by_code(state, &l.resource).await?;
    let (resource, draft) = &*found;
    if let Some(name) = &l.key_name
        && draft.key_item().is_none_or(|k| &k.name != name)
    {
        let expected = draft.key_item().map(|k| k.name.as_str()).unwrap_or("");
        return Err(Error::new(
            Kind::BadRequest,
            "unknown_parameter",
            format!("查询参数“{name}”不是该资源的键信息项；应为“{expected}”"),
            format!("The query parameter '{name}' is not the resource's key item; use '{expected}'"),
        ));
    }
    if let Some(key_item) = draft.key_item() {
        for k in &keys {
            if let Err(reason) = key_item.check_value(k) {
                return Err(Error::new(
                    Kind::BadRequest,
                    "invalid_key",
                    format!("查询键值无效：{reason}"),
                    format!("Invalid key: {reason}"),
                ));
            }
        }
    }
    let grant = match valid_grant(state, system_id, resource.id).await? {
        Ok(g) => g,
        Err(refusal) => {
            return Err(forbidden(&refusal).recorded(
                caller
                    .event(Action::ExchangeRefuse, "catalogue_resource")
                    .object(&resource.code)
                    .purpose(purpose)
                    .outcome(Outcome::Refused, refusal.message(Lang::En)),
            ));
        }
    };
    take_quota(state, &grant, keys.len() as i64).await?;
    let release = Release::of_resource(&grant, draft);
    let rows = rows_of(state, resource, draft, &keys).await?;
    let mappings = state.access.mappings(&state.store, resource.department_id).await?;
    let found: std::collections::HashSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    let missing: Vec<String> = keys.iter().filter(|k| !found.contains(k.as_str())).cloned().collect();
    // The data subjects are the people and companies whose identifiers were asked for or returned.
    let mut subjects: Vec<String> = Vec::new();
    if draft.key_item().is_some_and(|k| k.names_subject()) {
        subjects.extend(keys.iter().cloned());
    }
    let records = rows
        .iter()
        .map(|row| release.row(&row.values, |item, v| standard_value(&mappings, item, v), &mut subjects))
        .collect();
    let read = Read {
        action: Action::ExchangeRead,
        resource: &resource.code,
        purpose: &purpose,
        case,
    };
    record_read(state, caller, read, subjects, &grant).await?;
    Ok(Records {
        resource: resource.code.clone(),
        items: release.items(),
        records,
        missing,
    })
}

/// A read under a grant, as its audit entry names it.
struct Read<'a> {
    action: Action,
    resource: &'a str,
    purpose: &'a str,
    case: Option<String>,
}

/// The audit entry of a read under `grant`: what was read, why, for which case, and whose data
/// (each data subject once).
async fn record_read(
    state: &ExchangeState,
    caller: &Caller,
    read: Read<'_>,
    mut subjects: Vec<String>,
    grant: &Grant,
) -> Result<()> {
    let mut event = caller
        .event(read.action, "catalogue_resource")
        .object(read.resource)
        .purpose(read.purpose);
    subjects.sort_unstable();
    subjects.dedup();
    event.subjects = subjects;
    event.case_ref = read.case;
    event.grant_ref = Some(grant.id.to_string());
    state.audit.append(event).await?;
    Ok(())
}

/// The rows of `keys`: from the exchange's own copy, or from the provider's endpoint (proxy mode).
async fn rows_of(
    state: &ExchangeState,
    resource: &Resource,
    draft: &ResourceDraft,
    keys: &[String],
) -> Result<Vec<yici_store::datasets::DataRow>> {
    Ok(match state.access.endpoint(&state.store, resource.id).await? {
        None => state.rows.lookup(resource.id, keys.to_vec()).await?,
        Some(endpoint) => {
            let key_item = draft.key_item().map(|i| i.name.clone()).unwrap_or_default();
            let mut rows = Vec::with_capacity(keys.len());
            for k in keys {
                match state.upstreams.fetch(&endpoint, &key_item, k).await {
                    Ok(Some(values)) => rows.push(yici_store::datasets::DataRow {
                        key: k.clone(),
                        version: 0,
                        values,
                    }),
                    Ok(None) => {}
                    Err(e) => return Err(upstream_error(e)),
                }
            }
            rows
        }
    })
}

/// What the one window got from the exchange for a case's material line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseFetch {
    /// The record was found; the items released under the grant.
    Found(Vec<String>),
    /// No record of that key.
    NotFound,
    /// No system of the department holds a valid grant: why.
    Refused(String),
    /// The line names an item other than the resource's key item, which lookups go by.
    NotByKey(String),
}

/// Look up the record of `key` (a value of `key_item`, which must be the resource's key item)
/// in resource `resource` for case `case_no`, under a valid grant
/// held by a system of department `department_id`: the grant's quota, items and masking and one
/// audit entry naming the data subject, the case and the grant, as a system's own lookup, made
/// by the one window for `caller` (the clerk, or the applicant online). Without such a grant it
/// is refused, and the refusal is an audit entry too. The caller has checked the party's consent.
pub async fn lookup_for_case(
    state: &ExchangeState,
    caller: &Caller,
    department_id: i64,
    (resource, key_item, key): (&str, Option<&str>, &str),
    (case_no, purpose): (&str, &str),
) -> Result<CaseFetch> {
    check_key(key)?;
    let found = resource_by_code(state, resource).await?;
    let (resource, draft) = &*found;
    let by = draft.key_item().map(|k| k.name.as_str()).unwrap_or_default();
    if key_item.is_some_and(|k| k != by) {
        return Ok(CaseFetch::NotByKey(by.to_string()));
    }
    if let Some(key_item) = draft.key_item()
        && key_item.check_value(key).is_err()
    {
        return Ok(CaseFetch::NotFound);
    }
    let mut grant = Err(GrantRefusal::NoGrant);
    for system in state.store.list_systems(Some(department_id)).await? {
        grant = valid_grant(state, system.id, resource.id).await?;
        if grant.is_ok() {
            break;
        }
    }
    let grant = match grant {
        Ok(g) => g,
        Err(refusal) => {
            let mut event = caller
                .event(Action::ExchangeRefuse, "catalogue_resource")
                .object(&resource.code)
                .purpose(purpose)
                .outcome(Outcome::Refused, refusal.message(Lang::En));
            event.case_ref = Some(case_no.to_string());
            state.audit.append(event).await?;
            return Ok(CaseFetch::Refused(refusal.message(Lang::Zh)));
        }
    };
    take_quota(state, &grant, 1).await?;
    let release = Release::of_resource(&grant, draft);
    let keys = [key.to_string()];
    let rows = rows_of(state, resource, draft, &keys).await?;
    let mappings = state.access.mappings(&state.store, resource.department_id).await?;
    let mut subjects: Vec<String> = Vec::new();
    if draft.key_item().is_some_and(|k| k.names_subject()) {
        subjects.push(key.to_string());
    }
    for row in &rows {
        release.row(&row.values, |item, v| standard_value(&mappings, item, v), &mut subjects);
    }
    let read = Read {
        action: Action::ExchangeRead,
        resource: &resource.code,
        purpose,
        case: Some(case_no.to_string()),
    };
    record_read(state, caller, read, subjects, &grant).await?;
    Ok(if rows.is_empty() {
        CaseFetch::NotFound
    } else {
        CaseFetch::Found(release.items())
    })
}

/// A batch lookup of up to 1,000 keys (repeated keys are asked once).
pub async fn batch(
    state: &ExchangeState,
    caller: &Caller,
    resource: &str,
    keys: Vec<String>,
    why: CallPurpose,
) -> Result<Records> {
    caller.require(Permission::CallExchange, &Target::OwnScope)?;
    if keys.is_empty() || keys.len() > MAX_KEYS {
        return Err(Error::bad_request(
            format!("一次查询1至{MAX_KEYS}个键值"),
            format!("Give 1 to {MAX_KEYS} keys"),
        ));
    }
    let mut keys = keys;
    keys.sort();
    keys.dedup();
    lookup(
        state,
        caller,
        Lookup {
            resource: resource.to_string(),
            key_name: None,
            keys,
            why,
        },
    )
    .await
}

/// One change of the feed, restricted to the grant's items and masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    pub position: i64,
    pub version: i64,
    pub record: BTreeMap<String, String>,
}

/// New and changed rows since `after`, at most `limit` (1 to 1,000), under the same grant rules
/// as lookups.
pub async fn changes(
    state: &ExchangeState,
    caller: &Caller,
    resource: &str,
    after: i64,
    limit: i64,
    why: CallPurpose,
) -> Result<Vec<ChangeView>> {
    caller.require(Permission::CallExchange, &Target::OwnScope)?;
    let system_id = caller.system_id()?;
    let (purpose, _) = why.checked()?;
    if !(1..=1000).contains(&limit) || after < 0 {
        return Err(Error::bad_request(
            "limit 应为1至1000，after 不小于0",
            "limit must be 1 to 1,000 and after at least 0",
        ));
    }
    let found = resource_by_code(state, resource).await?;
    let (resource, draft) = &*found;
    let grant = valid_grant(state, system_id, resource.id)
        .await?
        .map_err(|r| forbidden(&r))?;
    let mappings = state.access.mappings(&state.store, resource.department_id).await?;
    let release = Release::of_resource(&grant, draft);
    let rows = state.store.dataset_changes(resource.id, after, limit).await?;
    let mut subjects = Vec::new();
    let out: Vec<ChangeView> = rows
        .into_iter()
        .map(|c| ChangeView {
            position: c.seq,
            version: c.version,
            record: release.row(&c.values, |item, v| standard_value(&mappings, item, v), &mut subjects),
        })
        .collect();
    let read = Read {
        action: Action::ExchangeChanges,
        resource: &resource.code,
        purpose: &purpose,
        case: None,
    };
    record_read(state, caller, read, subjects, &grant).await?;
    Ok(out)
}

/// A new subscription; `secret` (shown once) verifies the `X-Yici-Signature` of deliveries:
/// `hmac-sm3=` + hex HMAC-SM3 of the body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookCreated {
    pub id: i64,
    pub secret: String,
}

/// A new NATS JetStream subscription: the changes arrive in `stream` on `subject`, each message
/// with `Nats-Msg-Id` and `X-Yici-Signature` (`hmac-sm3=` + hex HMAC-SM3 of the body with
/// `secret`, shown once).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StreamCreated {
    pub id: i64,
    pub stream: String,
    pub subject: String,
    pub secret: String,
}

/// The calling system's valid grant for a resource, before it subscribes to its changes.
async fn subscribable(state: &ExchangeState, caller: &Caller, resource: &str) -> Result<(i64, i64)> {
    caller.require(Permission::CallExchange, &Target::OwnScope)?;
    let system_id = caller.system_id()?;
    let found = resource_by_code(state, resource).await?;
    valid_grant(state, system_id, found.0.id)
        .await?
        .map_err(|r| forbidden(&r))?;
    Ok((system_id, found.0.id))
}

/// Record a subscription with a new signing secret; returns its id and the secret (shown once).
async fn add_subscription(
    state: &ExchangeState,
    caller: &Caller,
    (system_id, resource_id): (i64, i64),
    transport: Transport,
    url: &str,
) -> Result<(i64, String)> {
    let secret = yici_crypto::token::generate("whsec_").plaintext;
    let hook = state
        .store
        .webhook_add(
            system_id,
            resource_id,
            transport,
            url,
            &secret,
            &caller.event(Action::WebhookAdd, "webhook"),
        )
        .await?;
    Ok((hook.id, secret))
}

/// Subscribe the calling system to a resource's changes at `url` (it needs a valid grant).
pub async fn subscribe_webhook(
    state: &ExchangeState,
    caller: &Caller,
    resource: &str,
    url: &str,
) -> Result<WebhookCreated> {
    let target = subscribable(state, caller, resource).await?;
    let url = url.trim();
    if !crate::upstream::valid_endpoint(url) {
        return Err(Error::field(
            "url",
            "地址应为 http:// 开头的有效地址",
            "The address must be a valid http:// URL",
        ));
    }
    if let Err(why) = crate::upstream::webhook_target(url, &state.config.webhook_allow).await {
        return Err(Error::field(
            "url",
            format!("不能向平台内部网络地址推送（{why}）；确需推送时由平台运营方将其加入允许清单"),
            format!(
                "Changes are not pushed into the platform's own network ({why}); the operator can allow such a host"
            ),
        ));
    }
    let (id, secret) = add_subscription(state, caller, target, Transport::Webhook, url).await?;
    Ok(WebhookCreated { id, secret })
}

/// Subscribe the calling system to a resource's changes through NATS JetStream (when the
/// platform runs with `--nats`; it needs a valid grant).
pub async fn subscribe_stream(state: &ExchangeState, caller: &Caller, resource: &str) -> Result<StreamCreated> {
    let (system_id, resource_id) = subscribable(state, caller, resource).await?;
    let Some(nats) = state.nats.get() else {
        return Err(Error::new(
            Kind::Conflict,
            "nats_not_configured",
            "本平台未配置 NATS 推送，请改用 Webhook 订阅或按游标拉取变更",
            "This platform does not push to NATS; subscribe a webhook or read the changes by cursor",
        ));
    };
    let (id, secret) = add_subscription(state, caller, (system_id, resource_id), Transport::Nats, "").await?;
    Ok(StreamCreated {
        id,
        stream: nats.config().stream.clone(),
        subject: nats.config().subject(system_id, resource_id),
        secret,
    })
}

/// What a load did, with every bad row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoadReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub errors: Vec<RowError>,
}

/// Load rows into an aggregated resource (its provider's stewards): each row an object of data
/// item → value, checked against item types and identifier rules, upserted by the key item. By
/// default all or nothing; with `partial` the valid rows are loaded and the others reported.
pub async fn load(
    state: &ExchangeState,
    caller: &Caller,
    resource_id: i64,
    rows: &[BTreeMap<String, serde_json::Value>],
    partial: bool,
) -> Result<LoadReport> {
    caller.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let (_, draft, provider) = provider_target(state, resource_id).await?;
    caller.require(Permission::ManageCatalogue, &provider)?;
    if rows.len() > MAX_LOAD_ROWS {
        return Err(Error::bad_request(
            "一次最多上传10000行",
            "At most 10,000 rows per load",
        ));
    }
    let key_item = draft
        .key_item()
        .ok_or_else(|| Error::conflict("资源没有信息项", "The resource has no data items"))?
        .clone();
    let mut good = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 1;
        let mut err = |column: &str, message: String| {
            errors.push(RowError {
                row: line,
                column: column.to_string(),
                message,
            })
        };
        let mut values = BTreeMap::new();
        let mut bad = false;
        for (name, value) in row {
            let Some(item) = draft.items.iter().find(|it| &it.name == name) else {
                err(name, format!("资源中没有信息项“{name}”"));
                bad = true;
                continue;
            };
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Null => String::new(),
                _ => {
                    err(name, "值应为文本、数字或布尔值".into());
                    bad = true;
                    continue;
                }
            };
            match item.check_value(&text) {
                Ok(v) => {
                    values.insert(name.clone(), v);
                }
                Err(m) => {
                    err(name, m);
                    bad = true;
                }
            }
        }
        match values.get(&key_item.name).filter(|k| !k.is_empty()) {
            None if !bad => {
                err(&key_item.name, format!("缺少键信息项“{}”", key_item.name));
                bad = true;
            }
            Some(k) if !seen.insert(k.clone()) => {
                err(&key_item.name, format!("键值“{k}”在本次上传中重复"));
                bad = true;
            }
            _ => {}
        }
        if !bad {
            good.push((values[&key_item.name].clone(), values));
        }
    }
    let rejected = rows.len() - good.len();
    if !errors.is_empty() && !partial {
        let mut e = Error::validation(
            errors
                .iter()
                .map(|r| {
                    FieldError::new(
                        &format!("第{}行 {}", r.row, r.column),
                        r.message.clone(),
                        r.message.clone(),
                    )
                })
                .collect(),
        );
        e.zh = format!("上传未执行：{rejected} 行有误，所有行均未写入");
        e.en = format!("Nothing was loaded: {rejected} rows are invalid");
        return Err(e);
    }
    let count = state
        .store
        .dataset_load(
            resource_id,
            &good,
            &caller.event(Action::DatasetLoad, "catalogue_resource"),
        )
        .await?;
    Ok(LoadReport {
        inserted: count.inserted,
        updated: count.updated,
        unchanged: count.unchanged,
        rejected,
        errors,
    })
}

/// Input of a batch call.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BatchInput {
    /// Up to 1,000 key values.
    pub keys: Vec<String>,
}
