//! The one window's change feed: every transition of a case (its timeline row, written in the
//! transition's transaction) is an event. Department systems read the events of the cases
//! their department takes part in by position; the relay publishes every event to NATS
//! JetStream on `{prefix}.cases.{region}.{step}`, once (the message id is the position, so a
//! retry or a second instance is deduplicated by the stream). Events carry no personal data.

use crate::WindowState;
use serde::Serialize;
use yici_core::authz::Principal;
use yici_core::authz::{Permission, Target};
use yici_service::{Caller, Error, Result};
use yici_store::cases::FeedEvent;

/// Most events in one read.
pub const MAX_FEED: i64 = 500;

/// How long a transaction may still be open after writing its event: events younger than this
/// are not read yet, so that a reader never passes one that commits later with a smaller
/// position.
pub const SETTLE_MICROS: i64 = 2_000_000;

/// The events after position `after`: a system reads its department's cases; province staff
/// with rights over every case read them all.
pub async fn read(state: &WindowState, caller: &Caller, after: i64, limit: Option<i64>) -> Result<Vec<FeedEvent>> {
    let department = match &caller.principal {
        Principal::System { department_id, .. } => {
            caller.require(Permission::CallExchange, &Target::OwnScope)?;
            Some(*department_id)
        }
        _ => {
            caller.require(Permission::ReadCases, &Target::Platform)?;
            None
        }
    };
    let limit = limit.unwrap_or(100);
    if !(1..=MAX_FEED).contains(&limit) || after < 0 {
        return Err(Error::bad_request(
            format!("after 不能为负，limit 为1至{MAX_FEED}"),
            format!("after may not be negative and limit is 1 to {MAX_FEED}"),
        ));
    }
    let before = state.clock.now_micros() - SETTLE_MICROS;
    Ok(state.store.case_feed(after, before, department, limit).await?)
}

/// Publish the events not yet published to NATS JetStream; how many. Nothing when NATS is not
/// configured; an event whose publication fails stays for the next pass.
pub async fn relay_once(state: &WindowState) -> Result<usize> {
    let Some(nats) = state.certificates.as_ref().and_then(|c| c.exchange.nats.get()) else {
        return Ok(0);
    };
    let events = state.store.case_feed_unpushed(200).await?;
    let mut pushed = Vec::with_capacity(events.len());
    for e in &events {
        let subject = format!("{}.cases.{}.{}", nats.config().subject_prefix, e.region_code, e.step);
        let body = serde_json::to_vec(e).map_err(|_| Error::internal())?;
        match nats
            .publish(&subject, &format!("case-event-{}", e.position), "", body)
            .await
        {
            Ok(()) => pushed.push(e.position),
            Err(err) => {
                tracing::warn!(error = %err, "case events not published to NATS");
                break;
            }
        }
    }
    state.store.case_feed_pushed(&pushed).await?;
    Ok(pushed.len())
}

/// A new webhook on the feed: its id, the secret its deliveries are signed with (shown once),
/// and the position it starts after.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookCreated {
    pub id: i64,
    pub secret: String,
    pub position: i64,
}

/// Subscribe the calling system to the transitions of its department's cases at `url`, from
/// now on. Each delivery is a POST of one event with `X-Yici-Signature: hmac-sm3=<hex>` (HMAC-SM3
/// of the body with the secret), in order, at least once. Addresses inside the platform's own
/// network are refused unless the operator allows them.
pub async fn subscribe(state: &WindowState, caller: &Caller, url: &str) -> Result<WebhookCreated> {
    caller.require(Permission::CallExchange, &Target::OwnScope)?;
    let (system_id, department_id) = match &caller.principal {
        Principal::System { id, department_id } => (*id, *department_id),
        _ => {
            return Err(Error::new(
                yici_service::Kind::Forbidden,
                "forbidden",
                "只有部门的应用系统可以订阅办件变更",
                "Only a department's system subscribes to case changes",
            ));
        }
    };
    let url = url.trim();
    if !yici_exchange::upstream::valid_endpoint(url) {
        return Err(Error::field(
            "url",
            "地址应为 http:// 开头的有效地址",
            "The address must be a valid http:// URL",
        ));
    }
    let allow = state
        .certificates
        .as_ref()
        .map(|c| c.exchange.config.webhook_allow.clone())
        .unwrap_or_default();
    if let Err(why) = yici_exchange::upstream::webhook_target(url, &allow).await {
        return Err(Error::field(
            "url",
            format!("不能向平台内部网络地址推送（{why}）；确需推送时由平台运营方将其加入允许清单"),
            format!(
                "Changes are not pushed into the platform's own network ({why}); the operator can allow such a host"
            ),
        ));
    }
    let secret = yici_crypto::token::generate("whsec_").plaintext;
    let hook = state
        .store
        .case_webhook_add(
            (system_id, department_id),
            url,
            &secret,
            &caller.event(yici_core::audit::Action::WebhookAdd, "case_webhook"),
        )
        .await?;
    Ok(WebhookCreated {
        id: hook.id,
        secret,
        position: hook.position,
    })
}

/// Deliver what is due to each webhook, in order: (delivered, failed). A failure stops that
/// webhook's pass and is tried again after 2^attempts seconds (at most 5 minutes), from the
/// same position.
pub async fn relay_webhooks(state: &WindowState) -> Result<(usize, usize)> {
    let Some(certs) = &state.certificates else {
        return Ok((0, 0));
    };
    let (allow, timeout) = (
        &certs.exchange.config.webhook_allow,
        certs.exchange.config.upstream_timeout,
    );
    let now = state.clock.now_micros();
    let (mut delivered, mut failed) = (0, 0);
    for hook in state.store.case_webhooks_due(now).await? {
        let events = state
            .store
            .case_feed(hook.position, now - SETTLE_MICROS, Some(hook.department_id), 100)
            .await?;
        if events.is_empty() {
            continue;
        }
        let mut at = hook.position;
        let mut error = None;
        if let Err(why) = yici_exchange::upstream::webhook_target(&hook.url, allow).await {
            error = Some(why);
        } else {
            for e in &events {
                let body = serde_json::to_vec(e).map_err(|_| Error::internal())?;
                let signature: String = yici_crypto::hmac_sm3(hook.secret.as_bytes(), &body)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                match yici_exchange::upstream::post_signed(&hook.url, body, &signature, timeout).await {
                    Ok(()) => {
                        at = e.position;
                        delivered += 1;
                    }
                    Err(why) => {
                        error = Some(why);
                        break;
                    }
                }
            }
        }
        if at > hook.position {
            state
                .store
                .case_webhook_attempted(hook.id, hook.position, Ok(at))
                .await?;
        }
        if let Some(why) = error {
            failed += 1;
            let delay = 1_000_000i64 << hook.attempts.clamp(0, 8);
            state
                .store
                .case_webhook_attempted(hook.id, at, Err((now + delay.min(300_000_000), why)))
                .await?;
        }
    }
    Ok((delivered, failed))
}
