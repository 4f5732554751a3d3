//! Values loaded from the store and kept in memory while they are current.
//!
//! An entry is used only while
//! - the store's generation is the one it was loaded under: every committed change made through
//!   this process (a revoked grant or token, a withdrawn resource, a new mapping) bumps it, so a
//!   change takes effect on the next call; and
//! - it is younger than [`MAX_AGE`]: a change made by another instance over the same database
//!   takes effect here within that time.
//!
//! Only what exists is kept (an unknown token or resource is read again every time, so guessing
//! does not fill memory), and each map is emptied when it reaches [`MAX_ENTRIES`].

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use yici_store::{Result, Store};

/// Longest time an entry is used without being read again.
pub const MAX_AGE: Duration = Duration::from_secs(1);
/// Most entries in one map.
pub const MAX_ENTRIES: usize = 10_000;

struct Entry<V> {
    generation: u64,
    loaded: Instant,
    value: V,
}

/// One map of loaded values.
pub struct Memo<K, V> {
    map: Mutex<HashMap<K, Entry<V>>>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Memo<K, V> {
    /// The current value for `key`, loaded by `load` when missing or stale. A `None` from `load`
    /// is returned and not kept.
    pub async fn get<F, Fut>(&self, store: &Store, key: &K, load: F) -> Result<Option<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<V>>>,
    {
        let generation = store.generation();
        if let Some(e) = self.lock().get(key)
            && e.generation == generation
            && e.loaded.elapsed() < MAX_AGE
        {
            return Ok(Some(e.value.clone()));
        }
        let value = load().await?;
        if let Some(v) = &value {
            let mut map = self.lock();
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                key.clone(),
                Entry {
                    generation,
                    loaded: Instant::now(),
                    value: v.clone(),
                },
            );
        }
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry<V>>> {
        // A panic while holding the lock cannot leave a half-written map: inserts are single calls.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use yici_core::audit::Action;

    async fn store() -> (yici_store::testkit::TempStore, Store) {
        let t = yici_store::testkit::sqlite().await;
        let store = t.store.clone();
        (t, store)
    }

    #[tokio::test]
    async fn a_value_is_loaded_once_until_the_store_changes() {
        let (_dir, store) = store().await;
        let memo: Memo<i64, i64> = Memo::default();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(Some(7))
        };
        assert_eq!(memo.get(&store, &1, load).await.unwrap(), Some(7));
        assert_eq!(memo.get(&store, &1, load).await.unwrap(), Some(7));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        // Any committed change through the store makes the entry stale.
        let event = yici_core::audit::AuditEvent::new(
            0,
            yici_core::audit::Actor::named("test"),
            Action::RegionUpsert,
            "region",
            "t",
        );
        store
            .upsert_region(&yici_core::id::RegionCode::parse("330000").unwrap(), "浙江省", &event)
            .await
            .unwrap();
        assert_eq!(memo.get(&store, &1, load).await.unwrap(), Some(7));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn nothing_is_kept_for_what_does_not_exist() {
        let (_dir, store) = store().await;
        let memo: Memo<i64, i64> = Memo::default();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        };
        assert_eq!(memo.get(&store, &1, load).await.unwrap(), None);
        assert_eq!(memo.get(&store, &1, load).await.unwrap(), None);
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        assert_eq!(memo.len(), 0);
    }

    #[tokio::test]
    async fn a_full_map_is_emptied_instead_of_growing() {
        let (_dir, store) = store().await;
        let memo: Memo<usize, usize> = Memo::default();
        for k in 0..MAX_ENTRIES + 10 {
            memo.get(&store, &k, || async move { Ok(Some(k)) }).await.unwrap();
        }
        assert!(memo.len() <= MAX_ENTRIES);
        assert_eq!(memo.len(), 10);
    }
}
