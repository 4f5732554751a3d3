//! `yici serve`: the web server with its settings, the demo and the identity platform.

use crate::storage::*;
use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::sync::Arc;
use yici_server::{AppState, ServerConfig};

/// Applicant sign-in through the province's identity platform (OpenID Connect). Without
/// `--oidc-issuer` (and without `--demo`), applicants cannot sign in.
#[derive(clap::Args)]
pub(crate) struct OidcArgs {
    /// The identity platform's issuer identifier, exactly as it states it (https://…).
    #[arg(long, env = "YICI_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The client id Yici is registered under there.
    #[arg(long, env = "YICI_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// The client secret (client_secret_basic).
    #[arg(
        long,
        env = "YICI_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        requires = "oidc_issuer"
    )]
    oidc_client_secret: Option<String>,
    /// The callback address registered there. Default: the public address +
    /// /login/applicant/oidc/callback.
    #[arg(long, env = "YICI_OIDC_REDIRECT_URL")]
    oidc_redirect_url: Option<String>,
    /// The claim that carries the citizen ID number or credit code.
    #[arg(long, env = "YICI_OIDC_ID_CLAIM", default_value = "id_number")]
    oidc_id_claim: String,
    /// The claim that carries the name.
    #[arg(long, env = "YICI_OIDC_NAME_CLAIM", default_value = "name")]
    oidc_name_claim: String,
    /// Scopes to ask for besides openid, comma-separated.
    #[arg(long, env = "YICI_OIDC_SCOPES", value_delimiter = ',', default_value = "profile")]
    oidc_scopes: Vec<String>,
}

impl OidcArgs {
    /// The relying party's settings, if an issuer is configured.
    pub(crate) fn config(&self, public_url: &str) -> Result<Option<yici_server::yici_oidc::Config>> {
        let Some(issuer) = self.oidc_issuer.clone() else {
            return Ok(None);
        };
        let need = |v: &Option<String>, flag: &str| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("--oidc-issuer needs {flag} as well"))
        };
        Ok(Some(yici_server::yici_oidc::Config {
            issuer,
            client_id: need(&self.oidc_client_id, "--oidc-client-id")?,
            client_secret: need(&self.oidc_client_secret, "--oidc-client-secret")?,
            redirect_url: self
                .oidc_redirect_url
                .clone()
                .unwrap_or_else(|| format!("{public_url}/login/applicant/oidc/callback")),
            scopes: self
                .oidc_scopes
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            id_claim: self.oidc_id_claim.clone(),
            name_claim: self.oidc_name_claim.clone(),
        }))
    }
}

/// What the site says about itself in every page's footer and in its notices.
#[derive(clap::Args)]
pub(crate) struct SiteArgs {
    /// 主办单位: who runs the site.
    #[arg(long, env = "YICI_SITE_SPONSOR")]
    site_sponsor: Option<String>,
    /// 政府网站标识码.
    #[arg(long, env = "YICI_SITE_CODE")]
    site_code: Option<String>,
    /// ICP 备案号.
    #[arg(long, env = "YICI_SITE_ICP")]
    site_icp: Option<String>,
    /// Where people ask and complain (default: the 12345 hotline).
    #[arg(long, env = "YICI_SITE_CONTACT")]
    site_contact: Option<String>,
    /// A folder with the deployment's own privacy.txt, terms.txt and accessibility.txt
    /// (paragraphs separated by blank lines); each file that is there replaces the default.
    #[arg(long, env = "YICI_SITE_NOTICES")]
    site_notices: Option<std::path::PathBuf>,
}

impl SiteArgs {
    /// The site's settings; `demo` shows the demo banner on every page.
    pub(crate) fn site(&self, demo: bool) -> Result<yici_web::site::Site> {
        let mut site = yici_web::site::Site {
            demo,
            ..Default::default()
        };
        let set = |v: &Option<String>, to: &mut String| {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                *to = v.to_string();
            }
        };
        set(&self.site_sponsor, &mut site.sponsor);
        set(&self.site_code, &mut site.site_code);
        set(&self.site_icp, &mut site.icp);
        set(&self.site_contact, &mut site.contact);
        if let Some(dir) = &self.site_notices {
            let read = |name: &str| -> Result<Option<String>> {
                let path = dir.join(name);
                match std::fs::read_to_string(&path) {
                    Ok(text) => Ok(Some(text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(anyhow::anyhow!("--site-notices: cannot read {}: {e}", path.display())),
                }
            };
            site.privacy = read("privacy.txt")?;
            site.terms = read("terms.txt")?;
            site.accessibility = read("accessibility.txt")?;
        }
        Ok(site)
    }
}

/// Where the server listens, and the public address if one was given.
pub(crate) struct Listen {
    pub(crate) addr: SocketAddr,
    pub(crate) public_url: Option<String>,
}

/// A public address as given: `http://` or `https://` and a host, without spaces, a query or a
/// fragment; a trailing `/` is dropped.
pub(crate) fn public_url_of(given: &str) -> Result<String> {
    let url = given.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or("");
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '"' | '<' | '>'))
    {
        bail!("--public-url must be an address such as https://yici.example.gov.cn (given: {given:?})");
    }
    Ok(url.to_string())
}

/// The public address: the one given, or the one the server listens on (loopback when it
/// listens on every interface: then `true`, for a notice).
fn public_url(listen: &Listen, bound: SocketAddr) -> Result<(String, bool)> {
    if let Some(given) = &listen.public_url {
        return Ok((public_url_of(given)?, false));
    }
    let mut addr = bound;
    let unspecified = addr.ip().is_unspecified();
    if unspecified {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    Ok((format!("http://{addr}"), unspecified))
}

pub(crate) async fn serve(
    storage: StorageArgs,
    listen: Listen,
    demo: bool,
    mut config: ServerConfig,
    nats: Option<yici_server::yici_nats::NatsConfig>,
    oidc: OidcArgs,
) -> Result<()> {
    if let Some(n) = &nats {
        n.check().map_err(|e| anyhow::anyhow!("--nats: {e}"))?;
    }
    if let Some(given) = &listen.public_url {
        public_url_of(given)?;
    }
    let listener = tokio::net::TcpListener::bind(listen.addr)
        .await
        .with_context(|| format!("cannot listen on {}", listen.addr))?;
    let addr = listener.local_addr()?;
    let (public, guessed) = public_url(&listen, addr)?;
    config.public_url = public;
    let oidc = oidc.config(&config.public_url)?;
    let store = storage.open().await?;
    // SQLite is single-node: a second server on the same data directory is refused.
    let _lock = if store.dialect() == yici_store::Dialect::Sqlite {
        tracing::info!(data = %storage.data.display(), "using embedded SQLite (single node)");
        Some(single_node_lock(&storage.data)?)
    } else {
        None
    };
    store.catalogue_seed_standards().await?;
    if demo {
        let creds = yici_server::demo::seed(&store, &storage.data)
            .await
            .context("seeding the demo province failed")?;
        let added = yici_server::demo::seed_catalogue(&store)
            .await
            .context("seeding the demo catalogue failed")?;
        if added > 0 {
            out!("演示目录已发布 / demo catalogue published: {added} resources");
        }
        yici_server::demo::seed_exchange(&store, &storage.data)
            .await
            .context("seeding the demo exchange failed")?;
        out!(
            "演示数据已就绪 / demo data ready: {} users, {} systems; credentials in {}",
            creds.users.len(),
            creds.systems.len(),
            storage.data.join("demo-credentials.json").display()
        );
    }
    let identity: Option<Arc<dyn yici_server::identity::IdentityProvider>> = match demo {
        true => Some(Arc::new(yici_server::demo::identity_register())),
        false => None,
    };
    let state = AppState::new(store, config, identity);
    if demo {
        let held = yici_server::demo::certificates::seed(&state)
            .await
            .context("seeding the demo certificate library failed")?;
        out!("演示电子证照 / demo certificates: {held}");
        let items = yici_server::demo::items::seed(&state.store)
            .await
            .context("seeding the demo service items failed")?;
        out!("演示政务服务事项 / demo service items: {items}");
        let cases = yici_server::demo::cases::seed(&state, &storage.data)
            .await
            .context("seeding the demo cases failed")?;
        out!("演示办件 / demo cases: {cases}");
    }
    if let Some(n) = nats {
        let url = n.display_url();
        let push = yici_server::yici_nats::NatsPush::connect(n)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        let _ = state.nats.set(push);
        out!("变更推送 / change feed pushed to NATS JetStream at {url}");
    }
    if let Some(config) = oidc {
        let issuer = config.issuer.clone();
        let provider = yici_server::yici_oidc::Provider::discover(config)
            .await
            .with_context(|| format!("the identity platform {issuer} cannot be used"))?;
        let _ = state.oidc.set(Arc::new(provider));
        out!("申请人登录 / applicants sign in through {issuer}");
    } else if !demo {
        out!(
            "未配置统一身份认证平台：申请人暂不能登录 / no identity platform configured: applicants cannot sign in (see --oidc-issuer)"
        );
    }
    out!("Yici 正在运行 / listening on http://{addr}/");
    out!("对外地址 / public address: {}", state.config.public_url);
    if guessed {
        out!(
            "提示：监听所有网卡时请用 --public-url 设置对外地址 / note: set --public-url when listening on every interface"
        );
    }
    yici_server::serve_on(state, listener).await?;
    Ok(())
}

/// Hold an exclusive lock on DATA/yici.lock while serving from SQLite.
pub(crate) fn single_node_lock(data: &std::path::Path) -> Result<std::fs::File> {
    let path = data.join("yici.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => bail!(
            "SQLite 为单节点模式：数据目录 {} 已被另一个 yici serve 实例使用。多实例部署请使用 PostgreSQL（--database）。\n\
             SQLite is single-node: another `yici serve` is using {}. Run several instances on PostgreSQL (--database).",
            data.display(),
            data.display()
        ),
    }
}
