//! The state shared by every handler.

use crate::identity::IdentityProvider;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Duration;
use yici_store::Store;

/// Server settings with the defaults a province would start from.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// How long a web session lasts without signing in again.
    pub session_ttl: Duration,
    /// Default validity of a newly issued system token.
    pub token_validity_days: u32,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Largest request body accepted.
    pub body_limit: usize,
    /// Longest time a request may take before it is answered with 408.
    pub request_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            session_ttl: Duration::from_secs(8 * 3600),
            token_validity_days: 365,
            secure_cookies: false,
            body_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: ServerConfig,
    pub identity: Arc<dyn IdentityProvider>,
    pub metrics: PrometheusHandle,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig, identity: Arc<dyn IdentityProvider>) -> Self {
        AppState(Arc::new(Inner {
            store,
            config,
            identity,
            metrics: crate::obs::metrics_handle(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
