//! Access state kept in memory for the exchange's hot path.
//!
//! A lookup needs the published resource, the system's grants for it, the provider's endpoint
//! and its code mappings (the calling system itself comes from the web kit's token cache). These
//! change rarely, so they are kept here instead of being read for every call, each while it is
//! current ([`yici_service::memo`]: until the next committed change, and at most a second).

use std::sync::Arc;
use yici_core::catalogue::ResourceDraft;
use yici_core::catalogue::elements::FieldMapping;
use yici_core::sharing::Grant;
use yici_service::memo::Memo;
use yici_store::catalogue::Resource;
use yici_store::{Result, Store};

/// The cached access state.
#[derive(Default)]
pub struct AccessCache {
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
