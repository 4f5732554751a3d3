//! Daily grant quotas counted in memory and flushed to the database every second.
//!
//! A lookup must not wait for a durable write of its quota count (the audit entry is the
//! durable record of the call): counts are taken here and added to `grant_usage` by the flush
//! job, which also reads back the total so that other instances' uses are seen within a second.
//! A crash loses at most the last second of counts: the quota can then be passed by that much.

use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Mutex;
use yici_store::{Store, StoreError};

#[derive(Debug, Default, Clone, Copy)]
struct Count {
    /// The total in the database when last read.
    stored: i64,
    /// Taken here and not yet flushed.
    pending: i64,
}

#[derive(Debug, Default)]
pub struct Quotas {
    counts: Mutex<HashMap<(i64, NaiveDate), Count>>,
}

impl Quotas {
    /// Take `n` uses of a grant on `day`; `Ok(false)` (and nothing taken) when that would pass
    /// `quota`.
    pub async fn take(
        &self,
        store: &Store,
        grant_id: i64,
        day: NaiveDate,
        n: i64,
        quota: i64,
    ) -> Result<bool, StoreError> {
        let key = (grant_id, day);
        let known = self.lock().contains_key(&key);
        if !known {
            let stored = store.grant_usage(grant_id, day).await?;
            self.lock().entry(key).or_insert(Count { stored, pending: 0 });
        }
        let mut counts = self.lock();
        let c = counts.entry(key).or_default();
        if c.stored + c.pending + n > quota {
            return Ok(false);
        }
        c.pending += n;
        Ok(true)
    }

    /// Add the pending counts to the database and read back every total (so that other
    /// instances' uses are seen); counts of days before `today` are dropped once written.
    pub async fn flush(&self, store: &Store, today: NaiveDate) -> Result<(), StoreError> {
        let taken: Vec<((i64, NaiveDate), i64)> = {
            let mut counts = self.lock();
            counts.retain(|(_, day), c| *day >= today || c.pending > 0);
            counts
                .iter_mut()
                .map(|(k, c)| (*k, std::mem::take(&mut c.pending)))
                .collect()
        };
        let mut failure = None;
        for (key, n) in taken {
            let total = if n > 0 {
                store.grant_usage_add(key.0, key.1, n).await
            } else {
                store.grant_usage(key.0, key.1).await
            };
            match total {
                Ok(total) => {
                    if let Some(c) = self.lock().get_mut(&key) {
                        c.stored = total;
                    }
                }
                Err(e) => {
                    // Kept for the next flush: nothing counted is lost.
                    self.lock().entry(key).or_default().pending += n;
                    failure = Some(e);
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(i64, NaiveDate), Count>> {
        self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
