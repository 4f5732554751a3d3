//! The few HTTP calls of a relying party: GET a JSON document, POST a form. HTTPS through
//! rustls with the system's trusted roots (an agency's own CA included when installed there);
//! plain HTTP is only ever used for addresses on this machine (checked by the caller). No
//! redirects are followed, every call has a deadline and every answer a size limit.

use crate::Error;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as Legacy;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_ANSWER: usize = 1024 * 1024;

pub struct Client {
    inner: Legacy<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Client {
    pub fn new() -> Result<Self, Error> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| Error::Config(format!("the system's trusted certificates cannot be read: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Client {
            inner: Legacy::builder(TokioExecutor::new()).build(connector),
        })
    }

    pub async fn get(&self, url: &str, authorization: Option<&str>) -> Result<Vec<u8>, Error> {
        let mut builder = http::Request::get(url).header("accept", "application/json");
        if let Some(a) = authorization {
            builder = builder.header("authorization", a);
        }
        let request = builder
            .body(Full::new(Bytes::new()))
            .map_err(|e| Error::Provider(format!("{url}: {e}")))?;
        self.send(url, request).await
    }

    pub async fn post_form(&self, url: &str, authorization: &str, body: String) -> Result<Vec<u8>, Error> {
        let request = http::Request::post(url)
            .header("authorization", authorization)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Error::Provider(format!("{url}: {e}")))?;
        self.send(url, request).await
    }

    /// Send and read the answer. A token endpoint answers errors with 400 and a JSON body,
    /// which the caller reads; other statuses outside 2xx are failures.
    async fn send(&self, url: &str, request: http::Request<Full<Bytes>>) -> Result<Vec<u8>, Error> {
        let response = tokio::time::timeout(TIMEOUT, self.inner.request(request))
            .await
            .map_err(|_| Error::Provider(format!("{url}: no answer within {} s", TIMEOUT.as_secs())))?
            .map_err(|e| Error::Provider(format!("{url}: {e}")))?;
        let status = response.status();
        let body = tokio::time::timeout(TIMEOUT, Limited::new(response.into_body(), MAX_ANSWER).collect())
            .await
            .map_err(|_| Error::Provider(format!("{url}: the answer did not arrive in time")))?
            .map_err(|e| Error::Provider(format!("{url}: {e}")))?
            .to_bytes();
        if status.is_success() || status == http::StatusCode::BAD_REQUEST || status == http::StatusCode::UNAUTHORIZED {
            Ok(body.to_vec())
        } else {
            Err(Error::Provider(format!("{url} answered {status}")))
        }
    }
}
