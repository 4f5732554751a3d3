//! # yici-objects
//!
//! Files people upload (the materials of a case), stored once and addressed by their SM3
//! digest: the same bytes uploaded twice, by anyone, are one object. A local directory by
//! default; an S3-compatible store when `s3://bucket` is configured (its endpoint and keys from
//! the standard `AWS_*` environment variables). The type of a file is decided by its content,
//! never by its name.
#![forbid(unsafe_code)]

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;

/// The largest file accepted (20 MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// What a stored object is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The SM3 digest, hexadecimal: the object's name.
    pub sm3: String,
    pub media_type: &'static str,
    pub size: usize,
    /// Whether these bytes were stored now (false: they were there already).
    pub new: bool,
}

/// Why a file was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge(usize),
    /// The content is none of the accepted types (PDF, OFD, JPEG, PNG).
    UnknownType,
    /// The store failed; nothing was saved.
    Store(String),
}

/// The media type of `bytes` by their content: PDF, OFD (a zip with `OFD.xml`), JPEG, PNG.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"PK\x03\x04") && bytes.windows(7).take(4096).any(|w| w == b"OFD.xml") {
        Some("application/ofd")
    } else {
        None
    }
}

/// The object store.
#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Objects({})", self.store)
    }
}

impl Objects {
    /// Objects in directory `dir` (created when missing).
    pub fn local(dir: &std::path::Path) -> Result<Objects, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string())?;
        Ok(Objects { store: Arc::new(fs) })
    }

    /// Objects in `s3://bucket`, the endpoint and credentials from the environment.
    pub fn s3(url: &str) -> Result<Objects, String> {
        let bucket = url
            .strip_prefix("s3://")
            .filter(|b| !b.is_empty())
            .ok_or_else(|| format!("{url}: an S3 store is given as s3://bucket"))?;
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Objects { store: Arc::new(s3) })
    }

    fn path(sm3: &str) -> Path {
        // Two levels of directories keep any one of them small.
        Path::from(format!("{}/{}/{sm3}", &sm3[..2], &sm3[2..4]))
    }

    /// Store `bytes` once: checked for size and type, named by their SM3 digest.
    pub async fn put(&self, bytes: &[u8]) -> Result<Stored, Refused> {
        if bytes.is_empty() {
            return Err(Refused::Empty);
        }
        if bytes.len() > MAX_BYTES {
            return Err(Refused::TooLarge(bytes.len()));
        }
        let media_type = sniff(bytes).ok_or(Refused::UnknownType)?;
        let sm3 = yici_crypto::sm3_hex(bytes);
        let path = Self::path(&sm3);
        let new = match self.store.head(&path).await {
            Ok(meta) if meta.size == bytes.len() as u64 => false,
            _ => {
                self.store
                    .put(&path, PutPayload::from(bytes.to_vec()))
                    .await
                    .map_err(|e| Refused::Store(e.to_string()))?;
                true
            }
        };
        Ok(Stored {
            sm3,
            media_type,
            size: bytes.len(),
            new,
        })
    }

    /// The bytes of object `sm3`, checked against their digest; `None` when there is none.
    pub async fn get(&self, sm3: &str) -> Result<Option<Vec<u8>>, String> {
        if sm3.len() != 64 || !sm3.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match self.store.get(&Self::path(sm3)).await {
            Ok(r) => {
                let bytes = r.bytes().await.map_err(|e| e.to_string())?.to_vec();
                if yici_crypto::sm3_hex(&bytes) != sm3 {
                    return Err(format!("object {sm3} does not match its digest"));
                }
                Ok(Some(bytes))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(text: &str) -> Vec<u8> {
        format!("%PDF-1.7\n{text}\n%%EOF").into_bytes()
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("yici-objects-{}", std::process::id()));
        let objects = Objects::local(&dir).unwrap();
        let first = objects.put(&pdf("合同")).await.unwrap();
        assert!(first.new);
        assert_eq!(first.media_type, "application/pdf");
        assert_eq!(first.sm3, yici_crypto::sm3_hex(&pdf("合同")));
        let again = objects.put(&pdf("合同")).await.unwrap();
        assert!(!again.new, "never stored twice");
        assert_eq!(objects.get(&first.sm3).await.unwrap(), Some(pdf("合同")));
        assert_eq!(objects.get(&"0".repeat(64)).await.unwrap(), None);
        assert_eq!(objects.get("../../etc/passwd").await.unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn files_are_checked_by_content_and_size() {
        let dir = std::env::temp_dir().join(format!("yici-objects-refused-{}", std::process::id()));
        let objects = Objects::local(&dir).unwrap();
        assert_eq!(objects.put(b"").await, Err(Refused::Empty));
        assert_eq!(
            objects.put(b"MZ\x90\x00 an executable named contract.pdf").await,
            Err(Refused::UnknownType)
        );
        let big = [b"%PDF-".as_slice(), &vec![b'x'; MAX_BYTES]].concat();
        assert_eq!(objects.put(&big).await, Err(Refused::TooLarge(MAX_BYTES + 5)));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"PK\x03\x04....OFD.xml...."), Some("application/ofd"));
        assert_eq!(sniff(b"PK\x03\x04 a zip that is no OFD"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
