//! # yici-crypto
//!
//! The cryptography Yici uses, behind small functions so that the rest of the code never picks
//! an algorithm or a parameter itself: SM3 digests, opaque random tokens (stored only as their
//! SM3 digest), and argon2id password hashes.
#![forbid(unsafe_code)]

pub mod password;
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
