//! Access state kept in memory for the exchange's hot path.
//!
//! A lookup needs the calling system (from its token), the published resource, the system's
//! grants for it, the provider's endpoint and its code mappings. These change rarely, so they are
//! kept here instead of being read for every call. An entry is used only while
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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yici_core::catalogue::ResourceDraft;
use yici_core::catalogue::elements::FieldMapping;
use yici_core::sharing::Grant;
use yici_store::catalogue::Resource;
use yici_store::systems::System;
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

/// The cached access state.
#[derive(Default)]
pub struct AccessCache {
    /// Token digest → the system holding it and when the token expires.
    tokens: Memo<String, (System, i64)>,
    /// Resource code → the resource and its published version.
    resources: Memo<String, Arc<(Resource, ResourceDraft)>>,
    /// (system, resource) → the system's grants for the resource.
    grants: Memo<(i64, i64), Arc<Vec<Grant>>>,
    /// Resource → the provider's endpoint, if served in proxy mode.
    endpoints: Memo<i64, Option<String>>,
    /// Department → its code mappings.
    mappings: Memo<i64, Arc<Vec<FieldMapping>>>,
}

impl AccessCache {
    /// The system holding the unrevoked, unexpired token with `digest`.
    pub async fn system(&self, store: &Store, digest: &str, now: i64) -> Result<Option<System>> {
        let held = self
            .tokens
            .get(store, &digest.to_string(), || store.token_holder(digest))
            .await?;
        Ok(held.filter(|(_, expires_at)| *expires_at > now).map(|(s, _)| s))
    }

    /// The published resource with `code` and its published content.
    pub async fn resource(&self, store: &Store, code: &str) -> Result<Option<Arc<(Resource, ResourceDraft)>>> {
        self.resources
            .get(store, &code.to_string(), || async {
                let Some(r) = store.catalogue_resource_by_code(code).await? else {
                    return Ok(None);
                };
                Ok(store
                    .catalogue_published(r.id)
                    .await?
                    .map(|(r, v)| Arc::new((r, v.draft))))
            })
            .await
    }

    /// The grants of `system_id` for `resource_id` (valid or not).
    pub async fn grants(&self, store: &Store, system_id: i64, resource_id: i64) -> Result<Arc<Vec<Grant>>> {
        let grants = self
            .grants
            .get(store, &(system_id, resource_id), || async {
                Ok(Some(Arc::new(store.grants_for(system_id, resource_id).await?)))
            })
            .await?;
        Ok(grants.unwrap_or_default())
    }

    /// The provider endpoint of a resource served in proxy mode.
    pub async fn endpoint(&self, store: &Store, resource_id: i64) -> Result<Option<String>> {
        let endpoint = self
            .endpoints
            .get(store, &resource_id, || async {
                Ok(Some(store.endpoint(resource_id).await?))
            })
            .await?;
        Ok(endpoint.flatten())
    }

    /// The code mappings of a department.
    pub async fn mappings(&self, store: &Store, department_id: i64) -> Result<Arc<Vec<FieldMapping>>> {
        let mappings = self
            .mappings
            .get(store, &department_id, || async {
                Ok(Some(Arc::new(store.field_mappings(department_id).await?)))
            })
            .await?;
        Ok(mappings.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
            "region.upsert",
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
