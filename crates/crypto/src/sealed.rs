//! Secrets at rest (private keys of seals): SM4-GCM (RFC 8998) under a 128-bit key that comes
//! from configuration or the environment and never from the database. A sealed value is
//! `"s4g1" ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`; the caller binds it to its use with
//! associated data (for example the seal's identifier), so a sealed key moved to another row does
//! not open.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

const MAGIC: &[u8; 4] = b"s4g1";
const NONCE: usize = 12;
const TAG: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the sealing key must be 32 hexadecimal characters (128 bits)")]
    Key,
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value does not open with this key and context (wrong key, or changed)")]
    Open,
}

/// A 128-bit SM4 key. `Debug` never shows it.
#[derive(Clone)]
pub struct SealingKey([u8; 16]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    pub fn generate() -> Self {
        let mut k = [0u8; 16];
        k.copy_from_slice(&crate::random_bytes(16));
        SealingKey(k)
    }

    /// From 32 hexadecimal characters (surrounding white space is ignored).
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealError::Key)?;
        let k: [u8; 16] = bytes.try_into().map_err(|_| SealError::Key)?;
        Ok(SealingKey(k))
    }

    /// The key as hexadecimal, to write into a key file once (handle as a secret).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn cipher(&self) -> Sm4Gcm {
        Sm4Gcm::new_from_slice(&self.0).expect("SM4 takes 16-byte keys")
    }

    /// Encrypt and authenticate `plaintext`, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = crate::random_bytes(NONCE);
        let sealed = self
            .cipher()
            .encrypt(
                nonce.as_slice().try_into().expect("12-byte nonce"),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("SM4-GCM encrypts any length used here");
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypt a value made by [`SealingKey::seal`] with the same key and context.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < MAGIC.len() + NONCE + TAG || &sealed[..MAGIC.len()] != MAGIC {
            return Err(SealError::Malformed);
        }
        let (nonce, body) = sealed[MAGIC.len()..].split_at(NONCE);
        self.cipher()
            .decrypt(
                nonce.try_into().expect("12-byte nonce"),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_8998_sm4_gcm_vector() {
        let key = SealingKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let nonce = hex::decode("00001234567800000000ABCD").unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let plain = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let out = key
            .cipher()
            .encrypt(nonce.as_slice().try_into().unwrap(), Payload { msg: &plain, aad: &aad })
            .unwrap();
        assert_eq!(
            hex::encode_upper(&out),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D83DE3541E4C2B58177E065A9BF7B62EC"
        );
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let key = SealingKey::generate();
        let sealed = key.seal(b"private key", b"seal:1");
        assert_eq!(key.open(&sealed, b"seal:1").unwrap(), b"private key");
        assert_eq!(key.open(&sealed, b"seal:2"), Err(SealError::Open));
        assert_eq!(SealingKey::generate().open(&sealed, b"seal:1"), Err(SealError::Open));
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(&changed, b"seal:1"), Err(SealError::Open));
        assert_eq!(key.open(&sealed[..10], b"seal:1"), Err(SealError::Malformed));
        assert_ne!(key.seal(b"private key", b"seal:1"), sealed, "a fresh nonce each time");
    }

    #[test]
    fn keys_are_checked_and_never_shown() {
        assert_eq!(SealingKey::from_hex("00").unwrap_err(), SealError::Key);
        assert_eq!(
            SealingKey::from_hex("zz".repeat(16).as_str()).unwrap_err(),
            SealError::Key
        );
        let key = SealingKey::generate();
        assert_eq!(SealingKey::from_hex(&key.to_hex()).unwrap().0, key.0);
        assert!(!format!("{key:?}").contains(&key.to_hex()));
    }
}
