//! The change feed's delivery: new changes fan out to every subscription of their resource and
//! are delivered, signed, to webhooks or NATS JetStream; failures are retried with a growing
//! delay, and a subscriber whose grant has lapsed gets nothing more.

use crate::ExchangeState;
use crate::lookup::{standard_value, valid_grant};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use yici_core::Lang;
use yici_core::sharing::Release;
use yici_service::Result;
use yici_store::outbox::Transport;

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
pub async fn relay_once(state: &ExchangeState, now: i64) -> Result<(usize, usize)> {
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
