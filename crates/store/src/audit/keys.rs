//! The platform's audit keys: the SM2 key that signs checkpoints, and the derived key that
//! turns data subjects into digests.

use std::path::Path;
use yici_crypto::sm2::{KeyPair, PublicKeyInfo};

/// Keys of the audit log. `Debug` shows only the public key id.
pub struct AuditKeys {
    signing: KeyPair,
    subject_key: [u8; 32],
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeys")
            .field("key_id", &self.signing.public().key_id())
            .finish_non_exhaustive()
    }
}

impl AuditKeys {
    pub fn new(signing: KeyPair) -> Self {
        let subject_key = yici_crypto::hmac_sm3(&signing.secret_bytes(), b"yici-audit-subject-key/1");
        AuditKeys { signing, subject_key }
    }

    /// Read the PKCS#8 PEM key at `path`, or create one there (mode 0600) if there is none.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(pem) => KeyPair::from_pkcs8_pem(&pem)
                .map(Self::new)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = KeyPair::generate();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                write_private(path, &key.to_pkcs8_pem())?;
                Ok(Self::new(key))
            }
            Err(e) => Err(e),
        }
    }

    pub fn signing(&self) -> &KeyPair {
        &self.signing
    }

    pub fn public(&self) -> PublicKeyInfo {
        self.signing.public()
    }

    /// The keyed digest (HMAC-SM3, hex) under which a data subject is stored and searched.
    pub fn subject_digest(&self, subject: &str) -> String {
        hex::encode(yici_crypto::hmac_sm3(&self.subject_key, subject.trim().as_bytes()))
    }
}

/// Write a new file readable only by its owner (fails if it exists).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text.as_bytes())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, text)
    }
}
