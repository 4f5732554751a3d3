//! The one window's change feed: every transition of a case (its timeline row, written in the
//! transition's transaction) is an event. Department systems read the events of the cases
//! their department takes part in by position; the relay publishes every event to NATS
//! JetStream on `{prefix}.cases.{region}.{step}`, once (the message id is the position, so a
//! retry or a second instance is deduplicated by the stream). Events carry no personal data.

use crate::WindowState;
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
