//! # yici-crypto
//!
//! The cryptography Yici uses, behind small functions so that the rest of the code never picks
//! an algorithm or a parameter itself: SM3 digests, opaque random tokens (stored only as their
//! SM3 digest), and argon2id password hashes.
#![forbid(unsafe_code)]

pub mod auditlog;
pub mod merkle;
pub mod password;
pub mod pki;
pub mod seal;
pub mod sealed;
pub mod sm2;
pub mod token;

use sm3::{Digest, Sm3};

/// SM3 digest (GB/T 32905).
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// SM3 digest as lower-case hex.
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(sm3(data))
}

/// HMAC-SM3 (RFC 2104 with SM3, block size 64 bytes).
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sm3(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sm3::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = Sm3::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// `n` bytes from the operating system's cryptographic generator.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    rand::fill(&mut buf[..]);
    buf
}

#[cfg(test)]
mod tests {
    #[test]
    fn sm3_standard_vector() {
        assert_eq!(
            super::sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
