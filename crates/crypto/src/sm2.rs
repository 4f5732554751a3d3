//! SM2 signatures with SM3 (GB/T 32918), always with the default distinguishing identifier
//! `1234567812345678` (ENTL `0080`). Signatures are DER `SEQUENCE { r, s }`, which OpenSSL 3
//! verifies with `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678`.

use ::sm2::dsa::signature::{Signer, Verifier};
use ::sm2::dsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use ::sm2::elliptic_curve::Generate;
use ::sm2::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use ::sm2::{PublicKey, SecretKey};

/// The distinguishing identifier used for every SM2 signature in Yici.
pub const DIST_ID: &str = "1234567812345678";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Sm2Error {
    #[error("not a valid SM2 key: {0}")]
    Key(String),
    #[error("signature is malformed")]
    Malformed,
    #[error("signature does not verify")]
    Invalid,
}

/// A private SM2 key that signs. `Debug` never shows the key.
pub struct KeyPair {
    secret: SecretKey,
    signing: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("key_id", &self.public().key_id())
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    pub fn generate() -> Self {
        Self::from_secret(SecretKey::generate()).expect("a generated key is valid")
    }

    fn from_secret(secret: SecretKey) -> Result<Self, Sm2Error> {
        let signing = SigningKey::new(DIST_ID, &secret).map_err(|e| Sm2Error::Key(e.to_string()))?;
        Ok(KeyPair { secret, signing })
    }

    /// From the 32-byte private scalar (big-endian).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Sm2Error> {
        let secret = SecretKey::from_slice(bytes).map_err(|e| Sm2Error::Key(e.to_string()))?;
        Self::from_secret(secret)
    }

    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, Sm2Error> {
        let secret = SecretKey::from_pkcs8_pem(pem).map_err(|e| Sm2Error::Key(e.to_string()))?;
        Self::from_secret(secret)
    }

    /// The private key as PKCS#8 PEM (handle as a secret).
    pub fn to_pkcs8_pem(&self) -> String {
        self.secret
            .to_pkcs8_pem(LineEnding::LF)
            .expect("an SM2 key encodes")
            .to_string()
    }

    /// Key material for deriving other secrets (for example the audit subject key).
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.secret.to_bytes().to_vec()
    }

    pub fn public(&self) -> PublicKeyInfo {
        PublicKeyInfo {
            key: self.secret.public_key(),
        }
    }

    /// The signing key, for building certificates.
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// Sign `message`: SM2 over `SM3(Z ‖ message)`; returns the DER signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.signing.sign(message);
        sig.to_der().to_vec()
    }
}

/// A public SM2 key that verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    key: PublicKey,
}

impl PublicKeyInfo {
    pub fn from_pem(pem: &str) -> Result<Self, Sm2Error> {
        PublicKey::from_public_key_pem(pem)
            .map(|key| PublicKeyInfo { key })
            .map_err(|e| Sm2Error::Key(e.to_string()))
    }

    /// From an uncompressed SEC1 point (`04 ‖ x ‖ y`).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, Sm2Error> {
        PublicKey::from_sec1_bytes(bytes)
            .map(|key| PublicKeyInfo { key })
            .map_err(|e| Sm2Error::Key(e.to_string()))
    }

    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .expect("an SM2 public key encodes")
    }

    /// The SubjectPublicKeyInfo (DER).
    pub fn spki_der(&self) -> Vec<u8> {
        self.key
            .to_public_key_der()
            .expect("an SM2 public key encodes")
            .as_bytes()
            .to_vec()
    }

    pub fn sec1(&self) -> Vec<u8> {
        self.key.to_sec1_bytes().to_vec()
    }

    /// A short stable name: the first 16 hex characters of SM3 over the SEC1 point.
    pub fn key_id(&self) -> String {
        crate::sm3_hex(&self.sec1())[..16].to_string()
    }

    /// Verify a DER signature over `message`.
    pub fn verify(&self, message: &[u8], der: &[u8]) -> Result<(), Sm2Error> {
        let der = DerSignature::try_from(der).map_err(|_| Sm2Error::Malformed)?;
        let sig = Signature::try_from(der).map_err(|_| Sm2Error::Malformed)?;
        let vk = VerifyingKey::new(DIST_ID, self.key).map_err(|e| Sm2Error::Key(e.to_string()))?;
        vk.verify(message, &sig).map_err(|_| Sm2Error::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GB/T 32918.5 annex vector: the standard's signature verifies with our distinguishing id.
    #[test]
    fn standard_signature_verifies() {
        let key = KeyPair::from_bytes(
            &hex::decode("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8").unwrap(),
        )
        .unwrap();
        let r = hex::decode("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3").unwrap();
        let s = hex::decode("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA").unwrap();
        let sig = Signature::from_scalars(
            <[u8; 32]>::try_from(r.as_slice()).unwrap(),
            <[u8; 32]>::try_from(s.as_slice()).unwrap(),
        )
        .unwrap();
        let der = sig.to_der().to_vec();
        key.public().verify(b"message digest", &der).unwrap();
        assert_eq!(key.public().verify(b"message digesT", &der), Err(Sm2Error::Invalid));
    }

    #[test]
    fn sign_verify_and_pem_round_trip() {
        let key = KeyPair::generate();
        let sig = key.sign(b"checkpoint");
        key.public().verify(b"checkpoint", &sig).unwrap();
        let again = KeyPair::from_pkcs8_pem(&key.to_pkcs8_pem()).unwrap();
        assert_eq!(again.public(), key.public());
        let public = PublicKeyInfo::from_pem(&key.public().to_pem()).unwrap();
        public.verify(b"checkpoint", &sig).unwrap();
        assert!(public.verify(b"checkpoint", &[0x30, 0x00]).is_err());
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }
}
