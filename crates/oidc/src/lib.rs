//! OpenID Connect sign-in for applicants (统一身份认证): the authorization-code flow with PKCE.
//!
//! A province points Yici at its identity platform (the issuer), registers Yici there as a
//! confidential client, and names the claim that carries the citizen's ID number or the
//! company's credit code. The flow:
//!
//! 1. [`Provider::discover`] reads the issuer's discovery document and signing keys once at
//!    start; the issuer it states must be exactly the one configured.
//! 2. [`Provider::begin`] makes a fresh `state`, `nonce` and PKCE verifier (S256) and the
//!    address to send the browser to. The caller keeps the [`Pending`] login (Yici seals it
//!    into a short-lived cookie, so any instance can finish it).
//! 3. [`Provider::finish`] checks the returned `state` (and `iss`, RFC 9207), redeems the code
//!    with the verifier, verifies the ID token (signature RS256 or ES256 with a key of the
//!    issuer's JWKS, issuer, audience, authorised party, expiry, nonce) and reads the claims,
//!    from the ID token or, when absent there, from the userinfo endpoint.
//!
//! Written on `ring`'s signature checks rather than a JWT or OIDC crate: those bring the `rsa`
//! crate with an open advisory (RUSTSEC-2023-0071) and some forty crates, for the few checks a
//! relying party needs. Tokens with `alg: none`, HMAC algorithms or critical headers are refused.

#![forbid(unsafe_code)]

mod client;
pub mod jwt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};
use std::sync::RwLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use jwt::{Jwks, TokenError};

/// How long a started sign-in may take before its callback is refused.
pub const LOGIN_TTL: Duration = Duration::from_secs(600);

/// A relying party's settings.
#[derive(Clone)]
pub struct Config {
    /// The issuer identifier, exactly as the provider states it (no trailing slash added).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends the browser back (Yici's `/login/applicant/oidc/callback`).
    pub redirect_url: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The claim that carries the ID number or credit code.
    pub id_claim: String,
    /// The claim that carries the person's or company's name.
    pub name_claim: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("id_claim", &self.id_claim)
            .field("name_claim", &self.name_claim)
            .finish()
    }
}

/// Why a sign-in could not be completed. The texts are for logs and operators; people see a
/// general message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[error("the identity provider could not be reached or answered badly: {0}")]
    Provider(String),
    #[error("the sign-in has expired or was not started here")]
    State,
    #[error("the identity provider refused: {0}")]
    Refused(String),
    #[error("the ID token is not valid: {0}")]
    Token(#[from] TokenError),
    #[error("the identity provider did not give the claim {0}")]
    MissingClaim(String),
}

/// A started sign-in, kept by the caller until the browser comes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// Seconds since the Unix epoch.
    pub expires_at: u64,
    /// Where to go once signed in (a local path).
    pub next: String,
}

/// What the browser brought back to the callback.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// RFC 9207: the issuer that answered.
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The signed-in person or company, as the provider vouches for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    /// The value of the configured ID claim, as given (the caller validates it).
    pub id_number: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// A discovered identity provider.
pub struct Provider {
    config: Config,
    meta: Metadata,
    keys: RwLock<(Jwks, SystemTime)>,
    http: client::Client,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.meta.issuer)
            .finish_non_exhaustive()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn random_token() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source works");
    B64URL.encode(bytes)
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    B64URL.encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()))
}

/// Whether `url` may be used: HTTPS, or plain HTTP to this machine only (tests, a local proxy).
fn acceptable(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "https" => u.host().is_some(),
        Ok(u) if u.scheme() == "http" => {
            matches!(
                u.host(),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback()
            ) || matches!(u.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
                || u.host_str() == Some("localhost")
        }
        _ => false,
    }
}

impl Provider {
    /// Read the issuer's discovery document and signing keys.
    pub async fn discover(config: Config) -> Result<Provider, Error> {
        for (name, value) in [
            ("issuer", &config.issuer),
            ("client id", &config.client_id),
            ("client secret", &config.client_secret),
            ("redirect URL", &config.redirect_url),
            ("ID claim", &config.id_claim),
        ] {
            if value.trim().is_empty() {
                return Err(Error::Config(format!("the {name} is empty")));
            }
        }
        if !acceptable(&config.issuer) {
            return Err(Error::Config(format!(
                "the issuer {} must be an https:// address (http:// only on this machine)",
                config.issuer
            )));
        }
        let http = client::Client::new()?;
        let discovery = format!(
            "{}/.well-known/openid-configuration",
            config.issuer.trim_end_matches('/')
        );
        let meta: Metadata = serde_json::from_slice(&http.get(&discovery, None).await?)
            .map_err(|e| Error::Provider(format!("discovery document: {e}")))?;
        if meta.issuer != config.issuer {
            return Err(Error::Config(format!(
                "the provider names itself {} but {} is configured",
                meta.issuer, config.issuer
            )));
        }
        for url in [&meta.authorization_endpoint, &meta.token_endpoint, &meta.jwks_uri] {
            if !acceptable(url) {
                return Err(Error::Provider(format!("endpoint {url} is not an https:// address")));
            }
        }
        if let Some(methods) = &meta.code_challenge_methods_supported
            && !methods.iter().any(|m| m == "S256")
        {
            return Err(Error::Provider("the provider does not support PKCE with S256".into()));
        }
        let keys = Self::fetch_keys(&http, &meta.jwks_uri).await?;
        Ok(Provider {
            config,
            meta,
            keys: RwLock::new((keys, SystemTime::now())),
            http,
        })
    }

    async fn fetch_keys(http: &client::Client, uri: &str) -> Result<Jwks, Error> {
        serde_json::from_slice(&http.get(uri, None).await?).map_err(|e| Error::Provider(format!("JWKS: {e}")))
    }

    pub fn issuer(&self) -> &str {
        &self.meta.issuer
    }

    /// Start a sign-in: the address to send the browser to and the login to keep.
    pub fn begin(&self, next: &str) -> (String, Pending) {
        let pending = Pending {
            state: random_token(),
            nonce: random_token(),
            verifier: random_token(),
            expires_at: now() + LOGIN_TTL.as_secs(),
            next: next.to_string(),
        };
        let mut scopes = vec!["openid".to_string()];
        scopes.extend(self.config.scopes.iter().filter(|s| *s != "openid").cloned());
        let mut url = url::Url::parse(&self.meta.authorization_endpoint).expect("checked at discovery");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_url)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &pkce_challenge(&pending.verifier))
            .append_pair("code_challenge_method", "S256");
        (url.into(), pending)
    }

    /// Finish a sign-in started with [`Provider::begin`].
    pub async fn finish(&self, pending: &Pending, callback: &Callback) -> Result<Identity, Error> {
        let state_ok = callback
            .state
            .as_deref()
            .is_some_and(|s| jwt::same(s.as_bytes(), pending.state.as_bytes()));
        if !state_ok || pending.expires_at < now() {
            return Err(Error::State);
        }
        if let Some(iss) = &callback.iss
            && iss != &self.meta.issuer
        {
            return Err(Error::Refused(format!("the answer came from {iss}")));
        }
        if let Some(error) = &callback.error {
            return Err(Error::Refused(format!(
                "{error}{}",
                callback
                    .error_description
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )));
        }
        let code = callback.code.as_deref().filter(|c| !c.is_empty()).ok_or(Error::State)?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.config.redirect_url)
            .append_pair("code_verifier", &pending.verifier)
            .finish();
        // client_secret_basic: both parts form-encoded first (RFC 6749 §2.3.1).
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(&self.config.client_id),
            enc(&self.config.client_secret)
        ));
        let answer = self
            .http
            .post_form(&self.meta.token_endpoint, &format!("Basic {basic}"), body)
            .await?;
        let tokens: TokenResponse =
            serde_json::from_slice(&answer).map_err(|e| Error::Provider(format!("token response: {e}")))?;
        if let Some(error) = tokens.error {
            return Err(Error::Refused(format!(
                "{error}{}",
                tokens.error_description.map(|d| format!(": {d}")).unwrap_or_default()
            )));
        }
        let id_token = tokens
            .id_token
            .ok_or_else(|| Error::Provider("no ID token in the answer".into()))?;
        let claims = self.verify(&id_token, &pending.nonce).await?;
        let subject = claims
            .get("sub")
            .and_then(|v| v.as_str())
            .ok_or(TokenError::Claim("sub"))?
            .to_string();
        let mut id_number = claim_text(&claims, &self.config.id_claim);
        let mut name = claim_text(&claims, &self.config.name_claim);
        if (id_number.is_none() || name.is_none())
            && let (Some(endpoint), Some(access)) = (&self.meta.userinfo_endpoint, &tokens.access_token)
        {
            let info: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(&self.http.get(endpoint, Some(&format!("Bearer {access}"))).await?)
                    .map_err(|e| Error::Provider(format!("userinfo: {e}")))?;
            // OpenID Connect Core §5.3.2: the userinfo subject must be the ID token's.
            if info.get("sub").and_then(|v| v.as_str()) != Some(subject.as_str()) {
                return Err(Error::Provider("userinfo names another subject".into()));
            }
            id_number = id_number.or_else(|| claim_text(&info, &self.config.id_claim));
            name = name.or_else(|| claim_text(&info, &self.config.name_claim));
        }
        Ok(Identity {
            subject,
            id_number: id_number.ok_or_else(|| Error::MissingClaim(self.config.id_claim.clone()))?,
            name: name.ok_or_else(|| Error::MissingClaim(self.config.name_claim.clone()))?,
        })
    }

    /// Verify an ID token with the issuer's keys, fetching them again once when the token
    /// names a key not yet known (the provider rotated its keys), at most once a minute.
    async fn verify(&self, token: &str, nonce: &str) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        let expect = jwt::Expect {
            issuer: &self.meta.issuer,
            audience: &self.config.client_id,
            nonce,
            now: now(),
        };
        let first = {
            let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
            jwt::verify(token, &keys.0, &expect)
        };
        match first {
            Err(TokenError::UnknownKey) => {
                let fetched_at = self.keys.read().unwrap_or_else(|e| e.into_inner()).1;
                if fetched_at.elapsed().unwrap_or_default() < Duration::from_secs(60) {
                    return Err(TokenError::UnknownKey.into());
                }
                let fresh = Self::fetch_keys(&self.http, &self.meta.jwks_uri).await?;
                let result = jwt::verify(token, &fresh, &expect);
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = (fresh, SystemTime::now());
                Ok(result?)
            }
            other => Ok(other?),
        }
    }
}

/// A claim as text (strings as they are, numbers written out), if present and not empty.
fn claim_text(claims: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn only_https_or_this_machine_is_acceptable() {
        assert!(acceptable("https://id.zj.gov.cn"));
        assert!(acceptable("http://127.0.0.1:4000"));
        assert!(acceptable("http://[::1]:4000"));
        assert!(acceptable("http://localhost:4000"));
        assert!(!acceptable("http://id.zj.gov.cn"));
        assert!(!acceptable("ftp://id.zj.gov.cn"));
        assert!(!acceptable("not a url"));
    }

    #[test]
    fn the_client_secret_is_never_printed() {
        let c = Config {
            issuer: "https://id.example".into(),
            client_id: "yici".into(),
            client_secret: "s3cret-value".into(),
            redirect_url: "https://yici.example/login/applicant/oidc/callback".into(),
            scopes: vec![],
            id_claim: "id_number".into(),
            name_claim: "name".into(),
        };
        assert!(!format!("{c:?}").contains("s3cret-value"));
    }
}
