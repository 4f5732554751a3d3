//! # yici-nats
//!
//! Publishing the change feed to NATS JetStream. Every subscription has its own subject,
//! `{prefix}.s{system}.r{resource}`, in one stream that the platform creates if it is missing;
//! NATS permissions can then give each department system its own subjects only. A message
//! counts as delivered once the stream has acknowledged storing it, and carries
//! `Nats-Msg-Id`, so that a message published twice (after a crash between the acknowledgement
//! and the record of it) is stored once within the stream's duplicate window.
#![forbid(unsafe_code)]

use async_nats::jetstream;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Where and how to publish. `Debug` hides credentials in the address.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsConfig {
    /// `nats://host:port` of a server with JetStream enabled.
    pub url: String,
    /// The stream holding the change feed.
    pub stream: String,
    /// The first tokens of every subject (the stream takes `{prefix}.>`).
    pub subject_prefix: String,
}

impl std::fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsConfig")
            .field("url", &self.display_url())
            .field("stream", &self.stream)
            .field("subject_prefix", &self.subject_prefix)
            .finish()
    }
}

impl NatsConfig {
    /// The address without any `user:password@` or token part, for messages and logs.
    pub fn display_url(&self) -> String {
        match self.url.strip_prefix("nats://") {
            Some(rest) => match rest.rsplit_once('@') {
                Some((_, host)) => format!("nats://…@{host}"),
                None => self.url.clone(),
            },
            None => "(invalid address)".into(),
        }
    }

    pub const DEFAULT_STREAM: &'static str = "YICI_CHANGES";
    pub const DEFAULT_PREFIX: &'static str = "yici.changes";

    pub fn new(url: &str) -> Self {
        NatsConfig {
            url: url.to_string(),
            stream: Self::DEFAULT_STREAM.into(),
            subject_prefix: Self::DEFAULT_PREFIX.into(),
        }
    }

    /// The subject of a system's subscription to a resource.
    pub fn subject(&self, system_id: i64, resource_id: i64) -> String {
        format!("{}.s{system_id}.r{resource_id}", self.subject_prefix)
    }

    /// Stream names and subject tokens allow letters, digits, `-` and `_` (and `.` between the
    /// prefix's tokens); anything else is refused before it reaches the server.
    pub fn check(&self) -> Result<(), String> {
        let token_ok = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !self.url.starts_with("nats://") {
            return Err("the NATS address must start with nats://".into());
        }
        if !token_ok(&self.stream) {
            return Err("the stream name may hold only letters, digits, '-' and '_'".into());
        }
        if !self.subject_prefix.split('.').all(token_ok) {
            return Err("the subject prefix must be dot-separated tokens of letters, digits, '-' and '_'".into());
        }
        Ok(())
    }
}

/// A connection that publishes to the change-feed stream.
pub struct NatsPush {
    config: NatsConfig,
    client: async_nats::Client,
    context: jetstream::Context,
    stream: OnceCell<()>,
}

impl std::fmt::Debug for NatsPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsPush").field("config", &self.config).finish()
    }
}

impl NatsPush {
    /// Connect. When the server cannot be reached yet, the client keeps trying in the
    /// background and publishing fails (and is retried by the caller) until it can.
    pub async fn connect(config: NatsConfig) -> Result<NatsPush, String> {
        config.check()?;
        let client = async_nats::ConnectOptions::new()
            .name("yici")
            .connection_timeout(Duration::from_secs(5))
            .request_timeout(Some(Duration::from_secs(5)))
            .retry_on_initial_connect()
            .connect(config.url.trim_start_matches("nats://"))
            .await
            .map_err(|e| format!("cannot connect to NATS at {}: {e}", config.display_url()))?;
        let context = jetstream::new(client.clone());
        Ok(NatsPush {
            config,
            client,
            context,
            stream: OnceCell::new(),
        })
    }

    pub fn config(&self) -> &NatsConfig {
        &self.config
    }

    /// The stream, created on first use when missing (file storage, deduplication over two
    /// minutes).
    async fn ensure_stream(&self) -> Result<(), String> {
        self.stream
            .get_or_try_init(|| async {
                self.context
                    .get_or_create_stream(jetstream::stream::Config {
                        name: self.config.stream.clone(),
                        subjects: vec![format!("{}.>", self.config.subject_prefix)],
                        storage: jetstream::stream::StorageType::File,
                        duplicate_window: Duration::from_secs(120),
                        ..Default::default()
                    })
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("cannot create the JetStream stream {}: {e}", self.config.stream))
            })
            .await
            .copied()
    }

    /// Publish one message and wait until the stream has stored it.
    pub async fn publish(&self, subject: &str, message_id: &str, signature: &str, body: Vec<u8>) -> Result<(), String> {
        self.ensure_stream().await?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", message_id);
        headers.insert("X-Yici-Signature", signature);
        headers.insert("Content-Type", "application/json");
        let ack = self
            .context
            .publish_with_headers(subject.to_string(), headers, bytes::Bytes::from(body))
            .await
            .map_err(|e| format!("publishing to {subject} failed: {e}"))?;
        ack.await
            .map_err(|e| format!("the stream did not acknowledge {subject}: {e}"))?;
        Ok(())
    }

    /// Flush and close the connection.
    pub async fn close(&self) {
        let _ = self.client.flush().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_per_system_and_resource() {
        let c = NatsConfig::new("nats://127.0.0.1:4222");
        assert_eq!(c.subject(12, 7), "yici.changes.s12.r7");
        assert_eq!(c.check(), Ok(()));
    }

    #[test]
    fn credentials_never_show() {
        let c = NatsConfig::new("nats://yici:s3cret@nats.example:4222");
        assert_eq!(c.display_url(), "nats://…@nats.example:4222");
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(
            NatsConfig::new("nats://127.0.0.1:4222").display_url(),
            "nats://127.0.0.1:4222"
        );
    }

    #[test]
    fn bad_settings_are_refused_before_connecting() {
        let mut c = NatsConfig::new("127.0.0.1:4222");
        assert!(c.check().unwrap_err().contains("nats://"));
        c.url = "nats://127.0.0.1:4222".into();
        c.stream = "YICI CHANGES".into();
        assert!(c.check().is_err());
        c.stream = "YICI_CHANGES".into();
        for prefix in ["yici.>", "yici..changes", "yici.*", "", "省.changes"] {
            c.subject_prefix = prefix.into();
            assert!(c.check().is_err(), "{prefix}");
        }
        c.subject_prefix = "zj-gov.yici_changes".into();
        assert_eq!(c.check(), Ok(()));
    }
}
