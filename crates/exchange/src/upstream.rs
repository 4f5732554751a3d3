//! Proxy mode: resources served from the provider department's own HTTP endpoint.
//!
//! The platform calls `GET {endpoint}?{key item}={value}`; the endpoint answers 200 with a JSON
//! object of data item → value, or 404 when it has no such row. Calls have a timeout and are
//! retried (a GET is idempotent); an endpoint that keeps failing is cut off for a while by a
//! circuit breaker so that callers get a quick answer instead of waiting on it. The answer then
//! goes through the same grant filter, conversion and masking as loaded rows.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Consecutive failures that open the circuit.
pub const FAILURES_TO_OPEN: u32 = 5;
/// How long an open circuit refuses calls.
pub const OPEN_FOR: Duration = Duration::from_secs(30);
/// Largest answer accepted from an endpoint.
const MAX_ANSWER: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamError {
    Timeout,
    Unavailable(String),
    /// The circuit is open; retry after this many seconds.
    CircuitOpen(u32),
    Invalid(String),
}

#[derive(Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
}

/// The client for provider endpoints, with one circuit breaker per endpoint.
pub struct Upstreams {
    client: Client<HttpConnector, Empty<Bytes>>,
    timeout: Duration,
    retries: u32,
    breakers: Mutex<HashMap<String, Breaker>>,
}

impl Upstreams {
    pub fn new(timeout: Duration, retries: u32) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        Upstreams {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
            retries,
            breakers: Mutex::new(HashMap::new()),
        }
    }

    fn check_open(&self, endpoint: &str) -> Result<(), UpstreamError> {
        let breakers = self.breakers.lock().expect("breaker lock");
        if let Some(until) = breakers.get(endpoint).and_then(|b| b.open_until)
            && until > Instant::now()
        {
            return Err(UpstreamError::CircuitOpen(
                (until - Instant::now()).as_secs().clamp(1, 3600) as u32,
            ));
        }
        Ok(())
    }

    fn record(&self, endpoint: &str, ok: bool) {
        let mut breakers = self.breakers.lock().expect("breaker lock");
        let b = breakers.entry(endpoint.to_string()).or_default();
        if ok {
            *b = Breaker::default();
        } else {
            b.failures += 1;
            if b.failures >= FAILURES_TO_OPEN {
                b.open_until = Some(Instant::now() + OPEN_FOR);
                b.failures = 0;
            }
        }
    }

    async fn attempt(&self, uri: &axum::http::Uri) -> Result<Option<BTreeMap<String, String>>, UpstreamError> {
        let call = async {
            let res = self
                .client
                .get(uri.clone())
                .await
                .map_err(|e| UpstreamError::Unavailable(e.to_string()))?;
            let status = res.status();
            if status == axum::http::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !status.is_success() {
                return Err(UpstreamError::Unavailable(format!("endpoint answered {status}")));
            }
            let body = http_body_util::Limited::new(res.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|e| UpstreamError::Invalid(e.to_string()))?
                .to_bytes();
            let value: BTreeMap<String, serde_json::Value> =
                serde_json::from_slice(&body).map_err(|e| UpstreamError::Invalid(format!("not a JSON object: {e}")))?;
            Ok(Some(
                value
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k,
                            match v {
                                serde_json::Value::String(s) => s,
                                serde_json::Value::Null => String::new(),
                                other => other.to_string(),
                            },
                        )
                    })
                    .collect(),
            ))
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| UpstreamError::Timeout)?
    }

    /// The row for `key` at `endpoint`, `None` when the endpoint has none.
    pub async fn fetch(
        &self,
        endpoint: &str,
        key_item: &str,
        key: &str,
    ) -> Result<Option<BTreeMap<String, String>>, UpstreamError> {
        self.check_open(endpoint)?;
        let sep = if endpoint.contains('?') { '&' } else { '?' };
        let uri: axum::http::Uri = format!(
            "{endpoint}{sep}{}={}",
            yici_web::page::encode(key_item),
            yici_web::page::encode(key)
        )
        .parse()
        .map_err(|e| UpstreamError::Invalid(format!("{e}")))?;
        let mut last = UpstreamError::Timeout;
        for attempt in 0..=self.retries {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            match self.attempt(&uri).await {
                Ok(found) => {
                    self.record(endpoint, true);
                    return Ok(found);
                }
                Err(UpstreamError::Invalid(e)) => {
                    self.record(endpoint, false);
                    return Err(UpstreamError::Invalid(e));
                }
                Err(e) => last = e,
            }
        }
        self.record(endpoint, false);
        Err(last)
    }
}

/// Whether `url` can be an endpoint: plain HTTP with a host (the platform calls departments on
/// the government extranet; TLS endpoints are not supported yet).
pub fn valid_endpoint(url: &str) -> bool {
    url.len() <= 500 && url.starts_with("http://") && url.parse::<axum::http::Uri>().is_ok_and(|u| u.host().is_some())
}

/// Whether the platform may deliver webhooks to `url`. Addresses inside the platform's own
/// network (loopback, private, link-local such as a cloud metadata service, shared, unique
/// local) are refused unless `allow` names the host (or `host:port`); a host name is resolved
/// and every address it has must be public. Checked when a subscription is made and again
/// before every delivery, so a name that later resolves inward is caught.
pub async fn webhook_target(url: &str, allow: &[String]) -> Result<(), String> {
    let uri: axum::http::Uri = url.parse().map_err(|_| "not a valid address".to_string())?;
    let host = uri
        .host()
        .ok_or("no host")?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(80);
    let named = |entry: &String| {
        entry.eq_ignore_ascii_case(host)
            || entry.rsplit_once(':').is_some_and(|(h, p)| {
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .eq_ignore_ascii_case(host)
                    && p == port.to_string()
            })
    };
    if allow.iter().any(named) {
        return Ok(());
    }
    let addresses: Vec<std::net::IpAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match tokio::time::timeout(Duration::from_secs(2), tokio::net::lookup_host((host, port))).await {
            Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
            _ => return Err(format!("the host {host} cannot be resolved")),
        },
    };
    match addresses.iter().find(|ip| !is_public(**ip)) {
        _ if addresses.is_empty() => Err(format!("the host {host} has no address")),
        Some(ip) => Err(format!("{ip} is not a public address")),
        None => Ok(()),
    }
}

/// Whether an address is on the public internet (or a government extranet reached through a
/// public-range address): not loopback, private, link-local, shared, multicast or reserved.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Deliver a signed change to a subscriber's webhook; `Ok` when it answers 2xx.
pub async fn post_signed(url: &str, body: Vec<u8>, signature: &str, timeout: Duration) -> Result<(), String> {
    use http_body_util::Full;
    static CLIENT: std::sync::OnceLock<Client<HttpConnector, Full<Bytes>>> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| Client::builder(TokioExecutor::new()).build(HttpConnector::new()));
    let req = axum::http::Request::post(url)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header("x-yici-signature", format!("hmac-sm3={signature}"))
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(timeout, client.request(req)).await {
        Err(_) => Err("timeout".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(res)) if res.status().is_success() => Ok(()),
        Ok(Ok(res)) => Err(format!("answered {}", res.status())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn webhooks_to_the_platforms_own_network_are_refused_unless_allowed() {
        for url in [
            "http://169.254.169.254/latest/meta-data",
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://10.1.2.3/hook",
            "http://172.16.0.1/hook",
            "http://192.168.1.1/hook",
            "http://100.64.0.1/hook",
            "http://0.0.0.0/hook",
            "http://[::1]/hook",
            "http://[fe80::1]/hook",
            "http://[fd00::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://203.0.113.5/hook",
        ] {
            assert!(webhook_target(url, &[]).await.is_err(), "{url}");
        }
        assert_eq!(webhook_target("http://8.8.8.8/hook", &[]).await, Ok(()));
        assert_eq!(
            webhook_target("http://127.0.0.1:9000/hook", &["127.0.0.1".into()]).await,
            Ok(())
        );
        assert_eq!(
            webhook_target("http://127.0.0.1:9000/hook", &["127.0.0.1:9000".into()]).await,
            Ok(())
        );
        assert!(
            webhook_target("http://127.0.0.1:9001/hook", &["127.0.0.1:9000".into()])
                .await
                .is_err()
        );
        assert_eq!(webhook_target("http://[::1]:80/hook", &["::1".into()]).await, Ok(()));
    }
}
