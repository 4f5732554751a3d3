//! The audit log's published formats: signed checkpoints and export bundles, and their
//! verification with nothing but the platform's public key.
//!
//! A **checkpoint** signs the note
//! ```text
//! yici-audit-checkpoint/1
//! <key id>
//! <tree size>
//! <root hash, hex>
//! <time, UTC microseconds>
//! ```
//! with SM2/SM3 (distinguishing id `1234567812345678`, DER signature).
//!
//! An **export** (`yici-audit-export/1`, JSON) carries a checkpoint and entries, each with its
//! index, its content (base64) and its inclusion proof (hex hashes) in the checkpoint's tree.
//! A verifier checks the signature, then recomputes each leaf
//! `SM3(0x00 ‖ index u64 BE ‖ content)` and walks its proof to the signed root (RFC 9162).

use crate::merkle::{self, Hash};
use crate::sm2::PublicKeyInfo;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

pub const EXPORT_FORMAT: &str = "yici-audit-export/1";

/// A signed tree head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checkpoint {
    pub size: u64,
    /// Root hash, hex.
    pub root: String,
    /// UTC microseconds.
    pub time: i64,
    pub key_id: String,
    /// DER SM2 signature over [`Checkpoint::note`], base64.
    pub signature: String,
}

impl Checkpoint {
    /// The signed text.
    pub fn note(key_id: &str, size: u64, root: &Hash, time: i64) -> String {
        format!(
            "yici-audit-checkpoint/1\n{key_id}\n{size}\n{}\n{time}\n",
            hex::encode(root)
        )
    }

    pub fn sign(key: &crate::sm2::KeyPair, size: u64, root: &Hash, time: i64) -> Self {
        let key_id = key.public().key_id();
        let sig = key.sign(Self::note(&key_id, size, root, time).as_bytes());
        Checkpoint {
            size,
            root: hex::encode(root),
            time,
            key_id,
            signature: B64.encode(sig),
        }
    }

    pub fn root_hash(&self) -> Result<Hash, VerifyError> {
        hex::decode(&self.root)
            .ok()
            .and_then(|b| <Hash>::try_from(b.as_slice()).ok())
            .ok_or(VerifyError::Malformed("root hash"))
    }

    /// Check the signature with `key`; a checkpoint of another key is refused by name.
    pub fn verify(&self, key: &PublicKeyInfo) -> Result<(), VerifyError> {
        if self.key_id != key.key_id() {
            return Err(VerifyError::OtherKey {
                found: self.key_id.clone(),
                expected: key.key_id(),
            });
        }
        let root = self.root_hash()?;
        let sig = B64
            .decode(&self.signature)
            .map_err(|_| VerifyError::Malformed("signature"))?;
        key.verify(Self::note(&self.key_id, self.size, &root, self.time).as_bytes(), &sig)
            .map_err(|_| VerifyError::BadSignature { size: self.size })
    }
}

/// One exported entry with its inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvedEntry {
    pub index: u64,
    /// The entry content (canonical JSON), base64.
    pub content: String,
    /// Inclusion proof in the checkpoint's tree, hex hashes from the leaf upwards.
    pub proof: Vec<String>,
}

impl ProvedEntry {
    pub fn content_bytes(&self) -> Result<Vec<u8>, VerifyError> {
        B64.decode(&self.content)
            .map_err(|_| VerifyError::Malformed("entry content"))
    }
}

/// A file a third party can verify with the public key alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Export {
    pub format: String,
    /// How to check it, in words.
    pub method: String,
    pub checkpoint: Checkpoint,
    pub entries: Vec<ProvedEntry>,
}

impl Export {
    pub fn new(checkpoint: Checkpoint, entries: Vec<ProvedEntry>) -> Self {
        Export {
            format: EXPORT_FORMAT.into(),
            method: "leaf = SM3(0x00 || index as u64 big-endian || content); node = SM3(0x01 || left || right); \
                     inclusion proofs per RFC 9162 2.1.3; checkpoint signature: SM2 with SM3, distid 1234567812345678, \
                     DER, over the checkpoint note"
                .into(),
            checkpoint,
            entries,
        }
    }
}

/// Why a checkpoint, proof or export does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("unknown format {0}")]
    Format(String),
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("checkpoint signed by key {found}, not by the platform key {expected}")]
    OtherKey { found: String, expected: String },
    #[error("the signature of the checkpoint of size {size} does not verify")]
    BadSignature { size: u64 },
    #[error("entry {index} is not in the signed tree (changed, or proof altered)")]
    NotIncluded { index: u64 },
    #[error("entry index {index} is beyond the checkpoint's tree size {size}")]
    OutOfRange { index: u64, size: u64 },
}

fn hashes(hex_list: &[String]) -> Result<Vec<Hash>, VerifyError> {
    hex_list
        .iter()
        .map(|h| {
            hex::decode(h)
                .ok()
                .and_then(|b| <Hash>::try_from(b.as_slice()).ok())
                .ok_or(VerifyError::Malformed("proof hash"))
        })
        .collect()
}

/// Verify an export (or a single-entry proof bundle) with the platform's public key.
pub fn verify_export(export: &Export, key: &PublicKeyInfo) -> Result<usize, VerifyError> {
    if export.format != EXPORT_FORMAT {
        return Err(VerifyError::Format(export.format.clone()));
    }
    export.checkpoint.verify(key)?;
    let root = export.checkpoint.root_hash()?;
    let size = export.checkpoint.size;
    for e in &export.entries {
        if e.index >= size {
            return Err(VerifyError::OutOfRange { index: e.index, size });
        }
        let leaf = merkle::leaf_hash(e.index, &e.content_bytes()?);
        if !merkle::verify_inclusion(e.index, size, &leaf, &hashes(&e.proof)?, &root) {
            return Err(VerifyError::NotIncluded { index: e.index });
        }
    }
    Ok(export.entries.len())
}

/// Verify a consistency proof between two checkpoints signed by `key`.
pub fn verify_checkpoints_consistent(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: &[String],
    key: &PublicKeyInfo,
) -> Result<(), VerifyError> {
    old.verify(key)?;
    new.verify(key)?;
    if merkle::verify_consistency(
        old.size,
        new.size,
        &old.root_hash()?,
        &new.root_hash()?,
        &hashes(proof)?,
    ) {
        Ok(())
    } else {
        Err(VerifyError::NotIncluded { index: old.size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of docs/audit.md, byte for byte.
    #[test]
    fn the_checkpoint_note_is_the_documented_bytes() {
        let note = Checkpoint::note("3f1c0e6a9b2d4c57", 0, &merkle::empty_root(), 1_796_000_000_000_000);
        assert_eq!(
            note,
            "yici-audit-checkpoint/1\n3f1c0e6a9b2d4c57\n0\n1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b\n1796000000000000\n"
        );
        assert_eq!(note.len(), 125);
        assert_eq!(
            crate::sm3_hex(note.as_bytes()),
            "ab8ac4b4216132ec154db7bd0f89c70b6ab3643daa72dcf26a6d08e78a189f16"
        );
    }
    use crate::merkle::{Frontier, inclusion_proof};
    use std::collections::HashMap;

    fn export_of(n: u64, key: &crate::sm2::KeyPair) -> Export {
        let mut f = Frontier::default();
        let mut nodes = HashMap::new();
        let contents: Vec<Vec<u8>> = (0..n).map(|i| format!("{{\"entry\":{i}}}").into_bytes()).collect();
        for (i, c) in contents.iter().enumerate() {
            for (l, idx, h) in f.push(merkle::leaf_hash(i as u64, c)) {
                nodes.insert((l, idx), h);
            }
        }
        let cp = Checkpoint::sign(key, n, &f.root(), 7);
        let entries = (0..n)
            .map(|i| ProvedEntry {
                index: i,
                content: B64.encode(&contents[i as usize]),
                proof: inclusion_proof(&nodes, i, n).iter().map(hex::encode).collect(),
            })
            .collect();
        Export::new(cp, entries)
    }

    #[test]
    fn exports_verify_and_any_tampering_fails() {
        let key = crate::sm2::KeyPair::generate();
        let pk = key.public();
        let e = export_of(13, &key);
        assert_eq!(verify_export(&e, &pk), Ok(13));

        let mut changed = e.clone();
        changed.entries[4].content = B64.encode(b"{\"entry\":40}");
        assert_eq!(verify_export(&changed, &pk), Err(VerifyError::NotIncluded { index: 4 }));

        let mut moved = e.clone();
        moved.entries[2].index = 3;
        assert!(verify_export(&moved, &pk).is_err());

        let mut resized = e.clone();
        resized.checkpoint.size = 12;
        assert_eq!(
            verify_export(&resized, &pk),
            Err(VerifyError::BadSignature { size: 12 })
        );

        let other = crate::sm2::KeyPair::generate();
        assert!(matches!(
            verify_export(&e, &other.public()),
            Err(VerifyError::OtherKey { .. })
        ));
    }
}
