//! Opaque bearer tokens and session identifiers.
//!
//! A token is 32 random bytes, shown once as text with a readable prefix (`yici_sys_…`) and
//! stored only as the SM3 digest of that text. 256 bits of entropy make a slow hash unnecessary:
//! the digest is a lookup key, and a database leak does not reveal usable tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A freshly generated secret: `plaintext` goes to its holder once, `digest` to storage.
pub struct NewToken {
    pub plaintext: String,
    pub digest: String,
}

/// Never print the plaintext, not even in debug output.
impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("plaintext", &"<redacted>")
            .field("digest", &self.digest)
            .finish()
    }
}

/// Generate a token whose text starts with `prefix` (for example `yici_sys_`).
pub fn generate(prefix: &str) -> NewToken {
    let plaintext = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(crate::random_bytes(32)));
    let digest = digest(&plaintext);
    NewToken { plaintext, digest }
}

/// The storage key of a presented token.
pub fn digest(presented: &str) -> String {
    crate::sm3_hex(presented.as_bytes())
}

/// A short random identifier for non-secret uses (request ids, CSRF tokens are secret: use
/// [`generate`]).
pub fn short_id() -> String {
    hex::encode(crate::random_bytes(8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_stored_as_digest() {
        let a = generate("yici_sys_");
        let b = generate("yici_sys_");
        assert!(a.plaintext.starts_with("yici_sys_"));
        assert_ne!(a.plaintext, b.plaintext);
        assert_eq!(digest(&a.plaintext), a.digest);
        assert_eq!(a.digest.len(), 64);
        assert!(!format!("{a:?}").contains(&a.plaintext));
    }
}
