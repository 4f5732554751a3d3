//! 共享交换 — the exchange API for department systems, and the providers' data loads.
//!
//! `GET /api/v1/exchange/{resource_code}/records?{key item}={value}` and `POST` with up to 1,000
//! keys. Each call needs the system's bearer token, `X-Yici-Purpose` and optionally
//! `X-Yici-Case`; it returns only the items of a valid grant, masked by the grant's profile,
//! counts against the grant's daily quota, and is one audit entry naming its data subjects.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use yici_core::Lang;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Principal, Target};
use yici_core::catalogue::ResourceDraft;
use yici_core::sharing::{Grant, GrantRefusal, Release};
use yici_store::catalogue::Resource;
use yici_store::outbox::Transport;

/// 429 for a grant whose daily quota is used up, with Retry-After until midnight in China.
pub fn quota_exceeded(daily_quota: i64, clock: &yici_core::clock::Clock) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "quota_exceeded",
        format!("已达到授权的每日调用上限（{daily_quota}次）"),
        format!("The grant's daily quota of {daily_quota} lookups is used up"),
    );
    e.retry_after = Some(clock.seconds_to_midnight());
    e
}

/// Most keys in one batch call.
pub const MAX_KEYS: usize = 1000;
/// Longest key value accepted.
pub const MAX_KEY_LEN: usize = 128;

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

fn forbidden(refusal: &GrantRefusal) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "grant_missing",
        refusal.message(Lang::Zh),
        refusal.message(Lang::En),
    )
}

/// The published resource with this code.
async fn resource_by_code(state: &AppState, code: &str) -> ApiResult<Arc<(Resource, ResourceDraft)>> {
    state
        .access
        .resource(&state.store, code)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("数据资源{code}"), &format!("resource {code}")))
}

/// The system's valid grant for the resource, or a refusal naming what is missing. A failing
/// database is an error of its own, never a refusal.
async fn valid_grant(
    state: &AppState,
    system_id: i64,
    resource_id: i64,
) -> yici_store::Result<Result<Grant, GrantRefusal>> {
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

/// A text header: UTF-8 bytes, or percent-encoded UTF-8 for clients limited to ASCII.
/// A text header, percent-decoded (non-ASCII text travels encoded), then trimmed: decoding
/// comes first, so an encoded space or line break is blank, not text. `Err` when the header is
/// not UTF-8, is badly encoded, or holds control characters.
fn header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ()> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let raw = std::str::from_utf8(value.as_bytes()).map_err(|_| ())?;
    // Non-ASCII text sent as it is (UTF-8) is taken as it is; ASCII may carry encoded text.
    let decoded = if raw.is_ascii() && raw.contains('%') {
        percent_decode(raw).ok_or(())?
    } else {
        raw.to_string()
    };
    let text = decoded.trim();
    if text.chars().any(char::is_control) {
        return Err(());
    }
    Ok(Some(text.to_string()).filter(|v| !v.is_empty()))
}

/// The call's stated purpose (`X-Yici-Purpose`, at most 200 characters), or a 400.
fn purpose(headers: &HeaderMap) -> ApiResult<String> {
    header(headers, "x-yici-purpose")
        .ok()
        .flatten()
        .filter(|p| p.chars().count() <= 200)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "purpose_required",
                "请在 X-Yici-Purpose 请求头中说明用途（不超过200字，不能为空白或含控制字符）",
                "State the purpose in the X-Yici-Purpose header (at most 200 characters, not blank, no control characters)",
            )
        })
}

/// The case the call serves (`X-Yici-Case`, optional, at most 64 characters), or a 400.
fn case_number(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match header(headers, "x-yici-case") {
        Ok(case) if case.as_ref().is_none_or(|c| c.chars().count() <= MAX_CASE_LEN) => Ok(case),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_case",
            format!("X-Yici-Case 请求头应为不超过{MAX_CASE_LEN}个字符的办件编号，不含控制字符"),
            format!(
                "The X-Yici-Case header must be a case number of at most {MAX_CASE_LEN} characters without control characters"
            ),
        )),
    }
}

/// The longest case number the exchange records.
const MAX_CASE_LEN: usize = 64;

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A hostile or oversized key is a 400, never a lookup.
fn check_key(key: &str) -> ApiResult<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || key.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            format!("查询键值无效：不能为空、不超过{MAX_KEY_LEN}字节、不含控制字符"),
            format!("Invalid key: it must be 1 to {MAX_KEY_LEN} bytes without control characters"),
        ));
    }
    Ok(())
}

/// A failing provider endpoint as a problem document.
fn upstream_error(e: crate::upstream::UpstreamError) -> ApiError {
    use crate::upstream::UpstreamError::*;
    match e {
        Timeout => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            "提供部门的接口响应超时，请稍后重试",
            "The provider's endpoint did not answer in time",
        ),
        CircuitOpen(secs) => {
            let mut err = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream_circuit_open",
                "提供部门的接口连续失败，已暂停调用，请稍后重试",
                "The provider's endpoint keeps failing; calls are paused for a while",
            );
            err.retry_after = Some(secs);
            err
        }
        Unavailable(m) | Invalid(m) => {
            tracing::warn!(error = %m, "provider endpoint failed");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
                "提供部门的接口暂不可用",
                "The provider's endpoint is unavailable",
            )
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndpointInput {
    /// `http://…` endpoint of the provider, or null to serve loaded rows again.
    pub url: Option<String>,
}

/// Serve a resource from the provider's own endpoint (proxy mode), or stop doing so.
#[utoipa::path(put, path = "/api/v1/datasets/{id}/endpoint", tag = "exchange", request_body = EndpointInput,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_endpoint(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(input): Json<EndpointInput>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let (resource, _) = state
        .store
        .catalogue_published(id)
        .await?
        .ok_or_else(|| ApiError::not_found("已发布的数据资源", "published resource"))?;
    let dept = state
        .store
        .department(resource.department_id)
        .await?
        .ok_or_else(|| ApiError::not_found("部门", "department"))?;
    auth.require(
        Permission::ManageCatalogue,
        &Target::Department {
            id: dept.id,
            region: dept.region(),
        },
    )?;
    let url = input.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = url
        && !crate::upstream::valid_endpoint(u)
    {
        return Err(ApiError::field(
            "url",
            "接口地址应为 http:// 开头的有效地址（暂不支持 https）",
            "The endpoint must be a valid http:// address (https is not supported yet)",
        ));
    }
    state
        .store
        .endpoint_set(id, url, &auth.event(Action::DatasetEndpoint, "catalogue_resource"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A provider's local code converted to the standard one, by its mapping rule for the item.
fn standard_value(mappings: &[yici_core::catalogue::elements::FieldMapping], item: &str, value: &str) -> String {
    mappings
        .iter()
        .find(|m| m.local_field == item)
        .and_then(|m| m.values.get(value))
        .cloned()
        .unwrap_or_else(|| value.to_string())
}

/// Look up `keys` for the calling system, under its grant.
async fn lookup(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    code: &str,
    key_name: Option<&str>,
    keys: Vec<String>,
) -> ApiResult<Records> {
    auth.require(Permission::CallExchange, &Target::OwnScope)?;
    let Principal::System { id: system_id, .. } = auth.principal else {
        return Err(ApiError::unauthenticated());
    };
    let purpose = purpose(headers)?;
    let case = case_number(headers)?;
    for k in &keys {
        check_key(k)?;
    }
    let found = resource_by_code(state, code).await?;
    let (resource, draft) = &*found;
    if let Some(name) = key_name
        && draft.key_item().is_none_or(|k| k.name != name)
    {
        let expected = draft.key_item().map(|k| k.name.as_str()).unwrap_or("");
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_parameter",
            format!("查询参数“{name}”不是该资源的键信息项；应为“{expected}”"),
            format!("The query parameter '{name}' is not the resource's key item; use '{expected}'"),
        ));
    }
    if let Some(key_item) = draft.key_item() {
        for k in &keys {
            if let Err(reason) = key_item.check_value(k) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
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
            let mut e = forbidden(&refusal);
            e.audit = Some(Box::new(
                auth.event(Action::ExchangeRefuse, "catalogue_resource")
                    .object(&resource.code)
                    .purpose(purpose)
                    .outcome(yici_core::audit::Outcome::Refused, refusal.message(Lang::En)),
            ));
            return Err(e);
        }
    };
    let today = state.config.clock.today();
    if !state
        .quotas
        .take(&state.store, grant.id, today, keys.len() as i64, grant.daily_quota)
        .await?
    {
        return Err(quota_exceeded(grant.daily_quota, &state.config.clock));
    }
    let release = Release::of_resource(&grant, draft);
    let rows = match state.access.endpoint(&state.store, resource.id).await? {
        None => state.rows.lookup(resource.id, keys.clone()).await?,
        Some(endpoint) => {
            let key_item = draft.key_item().map(|i| i.name.clone()).unwrap_or_default();
            let mut rows = Vec::with_capacity(keys.len());
            for k in &keys {
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
    };
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
    let mut event = auth
        .event(Action::ExchangeRead, "catalogue_resource")
        .object(&resource.code)
        .purpose(purpose);
    subjects.sort_unstable();
    subjects.dedup();
    event.subjects = subjects;
    event.case_ref = case;
    event.grant_ref = Some(grant.id.to_string());
    event.legal_basis = None;
    state.audit.append(event).await?;
    Ok(Records {
        resource: resource.code.clone(),
        items: release.items(),
        records,
        missing,
    })
}

/// One lookup by the resource's key item, given as the query parameter named after it.
#[utoipa::path(get, path = "/api/v1/exchange/{class}/{sequence}/records", tag = "exchange",
    params(("class" = String, Path, description = "classification code (first part of the resource code)"),
           ("sequence" = String, Path, description = "sequence (second part of the resource code)")),
    responses((status = 200, body = Records), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn get_records(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((class, sequence)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<axum::Json<Records>> {
    auth.require(Permission::CallExchange, &Target::OwnScope)?;
    let code = format!("{class}/{sequence}");
    let one = q.len() == 1;
    let Some((name, key)) = q.into_iter().next().filter(|_| one) else {
        return Err(ApiError::bad_request(
            "请以资源的键信息项为参数名给出一个查询值，例如 ?公民身份号码=…",
            "Give exactly one query parameter, named after the resource's key item",
        ));
    };
    Ok(axum::Json(
        lookup(&state, &auth, &headers, &code, Some(&name), vec![key]).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BatchInput {
    /// Up to 1,000 key values.
    pub keys: Vec<String>,
}

/// Batch lookup of up to 1,000 keys.
#[utoipa::path(post, path = "/api/v1/exchange/{class}/{sequence}/records", tag = "exchange", request_body = BatchInput,
    responses((status = 200, body = Records), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn post_records(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((class, sequence)): Path<(String, String)>,
    Json(input): Json<BatchInput>,
) -> ApiResult<axum::Json<Records>> {
    auth.require(Permission::CallExchange, &Target::OwnScope)?;
    if input.keys.is_empty() || input.keys.len() > MAX_KEYS {
        return Err(ApiError::bad_request(
            format!("一次查询1至{MAX_KEYS}个键值"),
            format!("Give 1 to {MAX_KEYS} keys"),
        ));
    }
    let mut keys = input.keys;
    keys.sort();
    keys.dedup();
    Ok(axum::Json(
        lookup(&state, &auth, &headers, &format!("{class}/{sequence}"), None, keys).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoadQuery {
    /// Load the valid rows and report the others (default: all or nothing).
    #[serde(default)]
    pub partial: bool,
}

/// What a load did, with every bad row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoadReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub errors: Vec<crate::import::RowError>,
}

/// Load rows into an aggregated resource (its provider's stewards): each row an object of data
/// item → value; checked against item types and identifier rules; upserted by the key item.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/rows", tag = "exchange", params(LoadQuery),
    request_body = Vec<Object>,
    responses((status = 200, body = LoadReport), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn load(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<LoadQuery>,
    Json(rows): Json<Vec<BTreeMap<String, serde_json::Value>>>,
) -> ApiResult<axum::Json<LoadReport>> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let (resource, v) = state
        .store
        .catalogue_published(id)
        .await?
        .ok_or_else(|| ApiError::not_found("已发布的数据资源", "published resource"))?;
    let dept = state
        .store
        .department(resource.department_id)
        .await?
        .ok_or_else(|| ApiError::not_found("部门", "department"))?;
    auth.require(
        Permission::ManageCatalogue,
        &Target::Department {
            id: dept.id,
            region: dept.region(),
        },
    )?;
    if rows.len() > 10_000 {
        return Err(ApiError::bad_request(
            "一次最多上传10000行",
            "At most 10,000 rows per load",
        ));
    }
    let draft = v.draft;
    let key_item = draft
        .key_item()
        .ok_or_else(|| ApiError::conflict("资源没有信息项", "The resource has no data items"))?
        .clone();
    let mut good = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 1;
        let mut err = |column: &str, message: String| {
            errors.push(crate::import::RowError {
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
    if !errors.is_empty() && !q.partial {
        let mut e = ApiError::validation(
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
        .dataset_load(id, &good, &auth.event(Action::DatasetLoad, "catalogue_resource"))
        .await?;
    Ok(axum::Json(LoadReport {
        inserted: count.inserted,
        updated: count.updated,
        unchanged: count.unchanged,
        rejected,
        errors,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Return changes after this position (0 for the beginning).
    #[serde(default)]
    pub after: i64,
    /// At most this many (1 to 1,000, default 100).
    pub limit: Option<i64>,
}

/// One change of the feed, restricted to the grant's items and masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    pub position: i64,
    pub version: i64,
    pub record: BTreeMap<String, String>,
}

/// New and changed rows since a position, under the same grant rules as lookups.
#[utoipa::path(get, path = "/api/v1/exchange/{class}/{sequence}/changes", tag = "exchange", params(ChangesQuery),
    responses((status = 200, body = Vec<ChangeView>), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn changes(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((class, sequence)): Path<(String, String)>,
    Query(q): Query<ChangesQuery>,
) -> ApiResult<axum::Json<Vec<ChangeView>>> {
    auth.require(Permission::CallExchange, &Target::OwnScope)?;
    let Principal::System { id: system_id, .. } = auth.principal else {
        return Err(ApiError::unauthenticated());
    };
    let purpose = purpose(&headers)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) || q.after < 0 {
        return Err(ApiError::bad_request(
            "limit 应为1至1000，after 不小于0",
            "limit must be 1 to 1,000 and after at least 0",
        ));
    }
    let found = resource_by_code(&state, &format!("{class}/{sequence}")).await?;
    let (resource, draft) = &*found;
    let grant = valid_grant(&state, system_id, resource.id)
        .await?
        .map_err(|r| forbidden(&r))?;
    let mappings = state.access.mappings(&state.store, resource.department_id).await?;
    let release = Release::of_resource(&grant, draft);
    let rows = state.store.dataset_changes(resource.id, q.after, limit).await?;
    let mut subjects = Vec::new();
    let out: Vec<ChangeView> = rows
        .into_iter()
        .map(|c| ChangeView {
            position: c.seq,
            version: c.version,
            record: release.row(&c.values, |item, v| standard_value(&mappings, item, v), &mut subjects),
        })
        .collect();
    let mut event = auth
        .event(Action::ExchangeChanges, "catalogue_resource")
        .object(&resource.code)
        .purpose(purpose);
    subjects.sort_unstable();
    subjects.dedup();
    event.subjects = subjects;
    event.grant_ref = Some(grant.id.to_string());
    state.audit.append(event).await?;
    Ok(axum::Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WebhookInput {
    /// `http://…` address that receives the changes.
    pub url: String,
}

/// A new subscription; `secret` (shown once) verifies the `X-Yici-Signature` of deliveries:
/// `hmac-sm3=` + hex HMAC-SM3 of the body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookCreated {
    pub id: i64,
    pub secret: String,
}

/// The calling system's valid grant for a resource, before it subscribes to its changes.
async fn subscribable(state: &AppState, auth: &Auth, class: &str, sequence: &str) -> ApiResult<(i64, i64)> {
    auth.require(Permission::CallExchange, &Target::OwnScope)?;
    let Principal::System { id: system_id, .. } = auth.principal else {
        return Err(ApiError::unauthenticated());
    };
    let found = resource_by_code(state, &format!("{class}/{sequence}")).await?;
    valid_grant(state, system_id, found.0.id)
        .await?
        .map_err(|r| forbidden(&r))?;
    Ok((system_id, found.0.id))
}

/// Record a subscription with a new signing secret; returns its id and the secret (shown once).
async fn add_subscription(
    state: &AppState,
    auth: &Auth,
    (system_id, resource_id): (i64, i64),
    transport: Transport,
    url: &str,
) -> ApiResult<(i64, String)> {
    let secret = yici_crypto::token::generate("whsec_").plaintext;
    let hook = state
        .store
        .webhook_add(
            system_id,
            resource_id,
            transport,
            url,
            &secret,
            &auth.event(Action::WebhookAdd, "webhook"),
        )
        .await?;
    Ok((hook.id, secret))
}

/// Subscribe the calling system to a resource's changes (it needs a valid grant).
#[utoipa::path(post, path = "/api/v1/exchange/{class}/{sequence}/webhooks", tag = "exchange", request_body = WebhookInput,
    responses((status = 201, body = WebhookCreated), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn subscribe(
    State(state): State<AppState>,
    auth: Auth,
    Path((class, sequence)): Path<(String, String)>,
    Json(input): Json<WebhookInput>,
) -> ApiResult<(StatusCode, axum::Json<WebhookCreated>)> {
    let (system_id, resource_id) = subscribable(&state, &auth, &class, &sequence).await?;
    if !crate::upstream::valid_endpoint(input.url.trim()) {
        return Err(ApiError::field(
            "url",
            "地址应为 http:// 开头的有效地址",
            "The address must be a valid http:// URL",
        ));
    }
    if let Err(why) = crate::upstream::webhook_target(input.url.trim(), &state.config.webhook_allow).await {
        return Err(ApiError::field(
            "url",
            format!("不能向平台内部网络地址推送（{why}）；确需推送时由平台运营方将其加入允许清单"),
            format!(
                "Changes are not pushed into the platform's own network ({why}); the operator can allow such a host"
            ),
        ));
    }
    let (id, secret) = add_subscription(
        &state,
        &auth,
        (system_id, resource_id),
        Transport::Webhook,
        input.url.trim(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(WebhookCreated { id, secret })))
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

/// Subscribe the calling system to a resource's changes through NATS JetStream (when the
/// platform runs with `--nats`; it needs a valid grant).
#[utoipa::path(post, path = "/api/v1/exchange/{class}/{sequence}/streams", tag = "exchange",
    responses((status = 201, body = StreamCreated), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn subscribe_stream(
    State(state): State<AppState>,
    auth: Auth,
    Path((class, sequence)): Path<(String, String)>,
) -> ApiResult<(StatusCode, axum::Json<StreamCreated>)> {
    let (system_id, resource_id) = subscribable(&state, &auth, &class, &sequence).await?;
    let Some(nats) = state.nats.get() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "nats_not_configured",
            "本平台未配置 NATS 推送，请改用 Webhook 订阅或按游标拉取变更",
            "This platform does not push to NATS; subscribe a webhook or read the changes by cursor",
        ));
    };
    let (id, secret) = add_subscription(&state, &auth, (system_id, resource_id), Transport::Nats, "").await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(StreamCreated {
            id,
            stream: nats.config().stream.clone(),
            subject: nats.config().subject(system_id, resource_id),
            secret,
        }),
    ))
}

/// One change as pushed to a webhook.
#[derive(Debug, Serialize)]
struct Pushed<'a> {
    resource: &'a str,
    position: i64,
    version: i64,
    record: BTreeMap<String, String>,
}

/// Fan out new changes and deliver what is due; returns (delivered, failed). Failed deliveries
/// are retried with a growing delay (2^attempts seconds, at most 5 minutes); a subscriber whose
/// grant has lapsed gets nothing more.
pub async fn relay_once(state: &AppState, now: i64) -> ApiResult<(usize, usize)> {
    state.store.outbox_fan_out(5000).await?;
    let (mut delivered, mut failed) = (0, 0);
    // After one failed publish to NATS, the pass leaves the other NATS deliveries due instead of
    // waiting for each to time out while webhooks queue behind them.
    let nats_down = std::sync::atomic::AtomicBool::new(false);
    // Each webhook address is checked (and its host resolved) once a pass, not per delivery.
    let mut checked = HashMap::<String, Result<(), String>>::new();
    for d in state.store.outbox_due(now, 200, state.nats.get().is_some()).await? {
        if d.webhook.transport == Transport::Nats && nats_down.load(std::sync::atomic::Ordering::Relaxed) {
            continue;
        }
        let target = match (d.webhook.transport, checked.get(&d.webhook.url)) {
            (Transport::Nats, _) => Ok(()),
            (Transport::Webhook, Some(verdict)) => verdict.clone(),
            (Transport::Webhook, None) => {
                let verdict = crate::upstream::webhook_target(&d.webhook.url, &state.config.webhook_allow).await;
                checked.insert(d.webhook.url.clone(), verdict.clone());
                verdict
            }
        };
        let outcome = async {
            let grant = valid_grant(state, d.webhook.system_id, d.webhook.resource_id)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|r| r.message(Lang::En))?;
            let (resource, draft) = match state.store.catalogue_published(d.webhook.resource_id).await {
                Ok(Some((r, v))) => (r, v.draft),
                _ => return Err("resource no longer published".to_string()),
            };
            let mappings = state
                .store
                .field_mappings(resource.department_id)
                .await
                .map_err(|e| e.to_string())?;
            // A pushed change records no subjects: its delivery is not a read by the consumer.
            let record = Release::of_resource(&grant, &draft).row(
                &d.change.values,
                |item, v| standard_value(&mappings, item, v),
                &mut Vec::new(),
            );
            let body = serde_json::to_vec(&Pushed {
                resource: &resource.code,
                position: d.change.seq,
                version: d.change.version,
                record,
            })
            .expect("JSON");
            let signature = hex::encode(yici_crypto::hmac_sm3(d.secret.as_bytes(), &body));
            match d.webhook.transport {
                Transport::Webhook => {
                    target?;
                    crate::upstream::post_signed(&d.webhook.url, body, &signature, state.config.upstream_timeout).await
                }
                Transport::Nats => {
                    let nats = state
                        .nats
                        .get()
                        .ok_or_else(|| "NATS is not configured on this instance".to_string())?;
                    let subject = nats.config().subject(d.webhook.system_id, d.webhook.resource_id);
                    let message_id = format!("{}-{}", d.webhook.id, d.change.seq);
                    let published = nats
                        .publish(&subject, &message_id, &format!("hmac-sm3={signature}"), body)
                        .await;
                    if published.is_err() {
                        nats_down.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    published
                }
            }
        }
        .await;
        match outcome {
            Ok(()) => {
                state.store.outbox_attempted(d.outbox_id, d.webhook.id, Ok(now)).await?;
                delivered += 1;
            }
            Err(e) => {
                let delay = 1_000_000i64 << d.attempts.clamp(0, 8).min(8);
                state
                    .store
                    .outbox_attempted(d.outbox_id, d.webhook.id, Err((now + delay.min(300_000_000), e)))
                    .await?;
                failed += 1;
            }
        }
    }
    Ok((delivered, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: &[u8]) -> Result<Option<String>, ()> {
        let mut h = HeaderMap::new();
        h.insert("x-yici-purpose", axum::http::HeaderValue::from_bytes(value).unwrap());
        header(&h, "x-yici-purpose")
    }

    #[test]
    fn headers_are_decoded_before_they_are_judged_blank() {
        assert_eq!(read(b"%E6%A0%B8%E9%AA%8C"), Ok(Some("核验".into())));
        assert_eq!(
            read("合格率100% 核验".as_bytes()),
            Ok(Some("合格率100% 核验".into())),
            "UTF-8 sent as is"
        );
        assert_eq!(read(b" %20 "), Ok(None));
        assert_eq!(read(b"%0a"), Ok(None), "a line break alone is blank");
        assert_eq!(read(b"a%0ab"), Err(()));
        assert_eq!(read(b"ok%00"), Err(()));
        assert_eq!(read(b"100% done"), Err(()), "a stray % in ASCII is a bad encoding");
        assert_eq!(read(b"%FF%FE"), Err(()), "not UTF-8 once decoded");
    }
}
