//! The state shared by every handler.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use yici_directory::identity::IdentityProvider;
use yici_store::Store;
use yici_store::audit::AuditWriter;

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
    /// How often the audit log's tree head is signed (when it has grown).
    pub checkpoint_interval: Duration,
    /// The platform's public address, used in exported IRIs and links.
    pub public_url: String,
    /// How long one call to a provider's endpoint may take (proxy mode).
    pub upstream_timeout: Duration,
    /// Retries of a failed call to a provider's endpoint.
    pub upstream_retries: u32,
    /// The key that seals every private key of the certificate library at rest. Every instance
    /// of one deployment needs the same key; the default is a fresh key (for tests).
    pub seal_key: yici_crypto::sealed::SealingKey,
    /// Wrong passwords for one username before it is locked out for `sign_in_lockout`.
    pub sign_in_max_failures: u32,
    pub sign_in_lockout: Duration,
    /// Hosts (or `host:port`) inside the platform's own network that webhooks may still be
    /// delivered to; every other loopback, private or link-local target is refused.
    pub webhook_allow: Vec<String>,
    /// The time every deadline, validity and expiry is decided by: the system clock, or a
    /// clock a test sets.
    pub clock: yici_core::clock::Clock,
    /// The site's sponsor, identifiers, contact and notices (the demo banner shows whenever
    /// the development identity register is active).
    pub site: yici_web::site::Site,
    /// Where uploaded materials are kept (none: uploads are refused as unavailable).
    pub objects: Option<yici_objects::Objects>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            session_ttl: Duration::from_secs(8 * 3600),
            token_validity_days: 365,
            secure_cookies: false,
            body_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            checkpoint_interval: Duration::from_secs(60),
            public_url: "http://127.0.0.1:8080".into(),
            upstream_timeout: Duration::from_secs(2),
            upstream_retries: 1,
            seal_key: yici_crypto::sealed::SealingKey::generate(),
            sign_in_max_failures: 5,
            sign_in_lockout: Duration::from_secs(15 * 60),
            webhook_allow: Vec::new(),
            clock: yici_core::clock::Clock::system(),
            site: yici_web::site::Site::default(),
            objects: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    /// Group-committed audit entries (reads of personal data, refusals).
    pub audit: AuditWriter,
    /// Group reads of aggregated rows for exchange lookups.
    pub rows: yici_store::reader::RowReader,
    /// Provider endpoints (proxy mode), with their circuit breakers.
    pub upstreams: Arc<yici_exchange::upstream::Upstreams>,
    pub config: ServerConfig,
    /// Number-and-name verification (the demo's register); `None` outside the demo.
    pub identity: Option<Arc<dyn IdentityProvider>>,
    pub metrics: PrometheusHandle,
    /// Daily grant quotas, counted in memory and flushed every second.
    pub quotas: Arc<yici_exchange::quota::Quotas>,
    /// Tokens, published resources, grants, endpoints and mappings, for the exchange.
    pub access: Arc<yici_exchange::cache::AccessCache>,
    /// The province's identity platform (OpenID Connect), when configured (set once after
    /// discovery at start).
    pub oidc: Arc<OnceLock<Arc<yici_oidc::Provider>>>,
    /// The change-feed push to NATS JetStream, when configured (set once after start).
    pub nats: Arc<std::sync::OnceLock<yici_nats::NatsPush>>,
    /// The certificate library's slice (its keys: seal authority, department seals).
    pub certificates: yici_certificates::CertificatesState,
    /// Who is asking: tokens and sessions resolved once per request.
    pub gate: yici_web::auth::Gate,
    /// The exchange's slice (the same rows, quotas, caches and NATS push as above).
    pub exchange: yici_exchange::ExchangeState,
    /// The directory's slice (the same identity provider and identity platform as above).
    pub directory: yici_directory::DirectoryState,
    /// The one window's slice (its memo of published items).
    pub window: yici_window::WindowState,
}

impl AppState {
    /// The state over `store`, which must carry its audit keys. Starts the audit writer, so
    /// it must be called inside a Tokio runtime.
    pub fn new(store: Store, config: ServerConfig, identity: Option<Arc<dyn IdentityProvider>>) -> Self {
        let workers = match store.dialect() {
            yici_store::Dialect::Sqlite => 1,
            yici_store::Dialect::Postgres => 4,
        };
        let audit = AuditWriter::start(store.clone(), workers);
        let rows = yici_store::reader::RowReader::start(store.clone(), 2 * workers);
        let upstreams = Arc::new(yici_exchange::upstream::Upstreams::new(
            config.upstream_timeout,
            config.upstream_retries,
        ));
        let mut site = config.site.clone();
        site.demo |= identity.as_ref().is_some_and(|i| i.name() == "dev");
        let gate = yici_web::auth::Gate::new(
            store.clone(),
            config.clock.clone(),
            config.body_limit,
            crate::menu(),
            site,
        );
        let exchange = yici_exchange::ExchangeState {
            store: store.clone(),
            audit: audit.clone(),
            rows: rows.clone(),
            upstreams: upstreams.clone(),
            quotas: Default::default(),
            access: Default::default(),
            nats: Default::default(),
            config: yici_exchange::ExchangeConfig {
                clock: config.clock.clone(),
                upstream_timeout: config.upstream_timeout,
                webhook_allow: config.webhook_allow.clone(),
            },
        };
        let certificates = yici_certificates::CertificatesState {
            store: store.clone(),
            audit: audit.clone(),
            certs: Arc::new(yici_certificates::Certs::new(
                config.seal_key.clone(),
                config.clock.clone(),
            )),
            exchange: exchange.clone(),
            public_url: config.public_url.clone(),
            clock: config.clock.clone(),
        };
        let oidc: Arc<OnceLock<Arc<yici_oidc::Provider>>> = Default::default();
        let directory = yici_directory::DirectoryState {
            store: store.clone(),
            audit: audit.clone(),
            config: yici_directory::DirectoryConfig {
                clock: config.clock.clone(),
                session_ttl: config.session_ttl,
                token_validity_days: config.token_validity_days,
                secure_cookies: config.secure_cookies,
                sign_in_max_failures: config.sign_in_max_failures,
                sign_in_lockout: config.sign_in_lockout,
                seal_key: config.seal_key.clone(),
            },
            identity: identity.clone(),
            oidc: oidc.clone(),
            sign_ins: Default::default(),
        };
        let mut window =
            yici_window::WindowState::new(store.clone(), config.clock.clone()).with_certificates(certificates.clone());
        window.objects = config.objects.clone();
        AppState(Arc::new(Inner {
            window,
            certificates,
            directory,
            store,
            audit,
            rows,
            upstreams,
            config,
            identity,
            metrics: metrics_handle(),
            quotas: exchange.quotas.clone(),
            access: exchange.access.clone(),
            nats: exchange.nats.clone(),
            exchange,
            oidc,
            gate,
        }))
    }
}

impl AppState {
    /// The exchange's slice of the state.
    pub fn exchange(&self) -> yici_exchange::ExchangeState {
        self.exchange.clone()
    }
}

impl axum::extract::FromRef<AppState> for yici_catalogue::CatalogueState {
    fn from_ref(s: &AppState) -> Self {
        yici_catalogue::CatalogueState {
            store: s.store.clone(),
            public_url: s.config.public_url.clone(),
        }
    }
}

impl axum::extract::FromRef<AppState> for yici_exchange::ExchangeState {
    fn from_ref(s: &AppState) -> Self {
        s.exchange()
    }
}

impl axum::extract::FromRef<AppState> for yici_directory::DirectoryState {
    fn from_ref(s: &AppState) -> Self {
        s.directory.clone()
    }
}

impl axum::extract::FromRef<AppState> for yici_certificates::CertificatesState {
    fn from_ref(s: &AppState) -> Self {
        s.certificates.clone()
    }
}

impl axum::extract::FromRef<AppState> for yici_window::WindowState {
    fn from_ref(s: &AppState) -> Self {
        s.window.clone()
    }
}

impl axum::extract::FromRef<AppState> for yici_audit::AuditState {
    fn from_ref(s: &AppState) -> Self {
        yici_audit::AuditState {
            store: s.store.clone(),
            audit: s.audit.clone(),
            checkpoint_interval: s.config.checkpoint_interval,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The process-wide metrics recorder (installed once, shared by every router in the process).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0])
                .expect("bucket list is not empty")
                .install_recorder()
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle())
        })
        .clone()
}
