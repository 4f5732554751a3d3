//! The seal authority's X.509 certificates (RFC 5280, GM/T 0015 algorithms): SM2 keys, SM2 with
//! SM3 signatures (OID `1.2.156.10197.1.501`) made with the distinguishing identifier
//! `1234567812345678`. The platform's root signs one certificate per department seal; OpenSSL 3
//! reads and verifies both (`openssl verify -CAfile ca.pem -vfyopt distid:1234567812345678`).

use crate::sm2::{KeyPair, PublicKeyInfo, Sm2Error};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::der::asn1::OctetString;
use x509_cert::der::pem::LineEnding;
use x509_cert::der::{Decode, DecodePem, Encode, EncodePem};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::Validity;
use x509_cert::{Certificate, TbsCertificate};

/// SM2 with SM3 (GM/T 0006).
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    #[error("certificate cannot be encoded or read: {0}")]
    Encoding(String),
    #[error("certificate is not signed with SM2 with SM3")]
    Algorithm,
    #[error("certificate signature does not verify against the issuer's key")]
    BadSignature,
    #[error("certificate issuer does not match the issuing certificate's subject")]
    WrongIssuer,
    #[error("the issuing certificate is not a certification authority's")]
    NotCa,
    #[error(transparent)]
    Key(#[from] Sm2Error),
}

fn enc(e: impl std::fmt::Display) -> PkiError {
    PkiError::Encoding(e.to_string())
}

/// An RFC 4514 attribute value with its special characters escaped.
fn rdn_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        let leading = i == 0 && (c == ' ' || c == '#');
        if leading || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    if out.ends_with(' ') {
        out.insert(out.len() - 1, '\\');
    }
    out
}

/// `CN=…, O=…, C=CN` for a seal holder or the authority.
pub fn name(common_name: &str, organisation: &str) -> Result<Name, PkiError> {
    Name::from_str(&format!(
        "CN={},O={},C=CN",
        rdn_value(common_name),
        rdn_value(organisation)
    ))
    .map_err(enc)
}

/// A key identifier: the first 20 bytes of SM3 over the public key's bits.
fn key_identifier(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<OctetString, PkiError> {
    OctetString::new(crate::sm3(spki.subject_public_key.raw_bytes())[..20].to_vec()).map_err(enc)
}

/// The certificate profile of the seal authority and of seal holders.
struct SealProfile {
    subject: Name,
    /// `None` for the self-signed root.
    issuer: Option<Name>,
    ca: bool,
}

impl BuilderProfile for SealProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut out: Vec<Extension> = Vec::new();
        let ski = SubjectKeyIdentifier(key_identifier(&spk).map_err(|_| der_error())?);
        out.push((&ski).to_extension(subject, &out)?);
        let akid = AuthorityKeyIdentifier {
            key_identifier: Some(key_identifier(&issuer_spk).map_err(|_| der_error())?),
            ..Default::default()
        };
        out.push((&akid).to_extension(subject, &out)?);
        let basic = BasicConstraints {
            ca: self.ca,
            path_len_constraint: self.ca.then_some(0),
        };
        out.push((&basic).to_extension(subject, &out)?);
        // The authority's root also signs every seal (SESeal's signedValue, a digital
        // signature), so its key carries that use too (RFC 5280 §4.2.1.3).
        let usage = if self.ca {
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyCertSign | KeyUsages::CRLSign)
        } else {
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
        };
        out.push((&usage).to_extension(subject, &out)?);
        Ok(out)
    }
}

fn der_error() -> x509_cert::der::Error {
    x509_cert::der::ErrorKind::Failed.into()
}

/// A positive random serial number of 16 bytes.
fn serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = crate::random_bytes(16);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::new(&bytes).map_err(enc)
}

/// Signs with DER-encoded `SEQUENCE { r, s }` signature values, as X.509 requires (the SM2
/// crate's own `Signature` encodes as the raw 64 bytes `r ‖ s`).
struct DerSigner<'a>(&'a ::sm2::dsa::SigningKey);

impl ::sm2::dsa::signature::Keypair for DerSigner<'_> {
    type VerifyingKey = ::sm2::dsa::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.0.verifying_key().clone()
    }
}

impl x509_cert::spki::SignatureAlgorithmIdentifier for DerSigner<'_> {
    type Params = x509_cert::der::AnyRef<'static>;
    const SIGNATURE_ALGORITHM_IDENTIFIER: x509_cert::spki::AlgorithmIdentifier<Self::Params> =
        <::sm2::dsa::SigningKey as x509_cert::spki::SignatureAlgorithmIdentifier>::SIGNATURE_ALGORITHM_IDENTIFIER;
}

impl ::sm2::dsa::signature::Signer<::sm2::dsa::DerSignature> for DerSigner<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<::sm2::dsa::DerSignature, ::sm2::dsa::signature::Error> {
        let s: ::sm2::dsa::Signature = self.0.try_sign(message)?;
        Ok(s.to_der())
    }
}

fn build(profile: SealProfile, subject_key: &PublicKeyInfo, signer: &KeyPair, days: u32) -> Result<Vec<u8>, PkiError> {
    let spki = SubjectPublicKeyInfoOwned::from_der(&subject_key.spki_der()).map_err(enc)?;
    let validity = Validity::from_now(Duration::from_secs(u64::from(days) * 86_400)).map_err(enc)?;
    let builder = CertificateBuilder::new(profile, serial()?, validity, spki).map_err(enc)?;
    let cert = builder
        .build::<_, ::sm2::dsa::DerSignature>(&DerSigner(signer.signing_key()))
        .map_err(enc)?;
    cert.to_der().map_err(enc)
}

/// The authority's self-signed root certificate (DER), valid for `days`.
pub fn issue_root(key: &KeyPair, common_name: &str, organisation: &str, days: u32) -> Result<Vec<u8>, PkiError> {
    let profile = SealProfile {
        subject: name(common_name, organisation)?,
        issuer: None,
        ca: true,
    };
    build(profile, &key.public(), key, days)
}

/// A seal holder's certificate (DER) for `subject_key`, signed by the root `issuer_key`, whose
/// certificate is `issuer_der`.
pub fn issue(
    issuer_key: &KeyPair,
    issuer_der: &[u8],
    subject_key: &PublicKeyInfo,
    common_name: &str,
    organisation: &str,
    days: u32,
) -> Result<Vec<u8>, PkiError> {
    let issuer = Certificate::from_der(issuer_der).map_err(enc)?;
    let profile = SealProfile {
        subject: name(common_name, organisation)?,
        issuer: Some(issuer.tbs_certificate().subject().clone()),
        ca: false,
    };
    build(profile, subject_key, issuer_key, days)
}

/// What a certificate says, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Hex, upper case.
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub ca: bool,
    pub public_key: PublicKeyInfo,
}

fn unix(t: &x509_cert::time::Time) -> i64 {
    t.to_unix_duration().as_secs() as i64
}

/// Read a DER certificate.
pub fn inspect(der: &[u8]) -> Result<CertInfo, PkiError> {
    let cert = Certificate::from_der(der).map_err(enc)?;
    let tbs = cert.tbs_certificate();
    let ca = tbs
        .get_extension::<BasicConstraints>()
        .map_err(enc)?
        .is_some_and(|(_, b)| b.ca);
    Ok(CertInfo {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: hex::encode_upper(tbs.serial_number().as_bytes()),
        not_before: unix(&tbs.validity().not_before),
        not_after: unix(&tbs.validity().not_after),
        ca,
        public_key: PublicKeyInfo::from_sec1(tbs.subject_public_key_info().subject_public_key.raw_bytes())?,
    })
}

/// Check that `der` was issued by the holder of `issuer_der`: names chain and the SM2 signature
/// over the to-be-signed part verifies with the issuer's key (distinguishing identifier
/// [`crate::sm2::DIST_ID`]). Validity periods are the caller's to compare with the time that matters.
pub fn verify_issued(der: &[u8], issuer_der: &[u8]) -> Result<(), PkiError> {
    let cert = Certificate::from_der(der).map_err(enc)?;
    let issuer = Certificate::from_der(issuer_der).map_err(enc)?;
    if cert.signature_algorithm().oid != SM2_WITH_SM3 || cert.tbs_certificate().signature().oid != SM2_WITH_SM3 {
        return Err(PkiError::Algorithm);
    }
    if cert.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return Err(PkiError::WrongIssuer);
    }
    let is_ca = issuer
        .tbs_certificate()
        .get_extension::<BasicConstraints>()
        .map_err(enc)?
        .is_some_and(|(_, b)| b.ca);
    let signs_certs = issuer
        .tbs_certificate()
        .get_extension::<KeyUsage>()
        .map_err(enc)?
        .is_some_and(|(_, k)| k.0.contains(KeyUsages::KeyCertSign));
    if !is_ca || !signs_certs {
        return Err(PkiError::NotCa);
    }
    let key = PublicKeyInfo::from_sec1(
        issuer
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes(),
    )?;
    let tbs = cert.tbs_certificate().to_der().map_err(enc)?;
    let signature = cert.signature().as_bytes().ok_or(PkiError::BadSignature)?;
    key.verify(&tbs, signature).map_err(|_| PkiError::BadSignature)
}

pub fn to_pem(der: &[u8]) -> Result<String, PkiError> {
    Certificate::from_der(der)
        .map_err(enc)?
        .to_pem(LineEnding::LF)
        .map_err(enc)
}

pub fn from_pem(pem: &str) -> Result<Vec<u8>, PkiError> {
    Certificate::from_pem(pem.as_bytes())
        .map_err(enc)?
        .to_der()
        .map_err(enc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sm2::DIST_ID;

    fn authority() -> (KeyPair, Vec<u8>) {
        let key = KeyPair::generate();
        let der = issue_root(&key, "浙江省电子印章根证书", "浙江省政务服务平台", 3650).unwrap();
        (key, der)
    }

    #[test]
    fn a_root_and_a_seal_certificate_chain() {
        let (root_key, root) = authority();
        let dept = KeyPair::generate();
        let cert = issue(
            &root_key,
            &root,
            &dept.public(),
            "衢州市市场监督管理局",
            "衢州市市场监督管理局",
            1825,
        )
        .unwrap();
        verify_issued(&root, &root).unwrap();
        verify_issued(&cert, &root).unwrap();
        let info = inspect(&cert).unwrap();
        assert!(!info.ca);
        assert_eq!(info.public_key, dept.public());
        assert!(info.subject.contains("衢州市市场监督管理局"), "{}", info.subject);
        assert!(info.issuer.contains("浙江省电子印章根证书"), "{}", info.issuer);
        assert!(info.not_after - info.not_before >= 1825 * 86_400 - 1);
        assert!(inspect(&root).unwrap().ca);
        assert_eq!(from_pem(&to_pem(&cert).unwrap()).unwrap(), cert);
    }

    #[test]
    fn a_certificate_from_another_authority_or_changed_fails() {
        let (root_key, root) = authority();
        let (_, other_root) = authority();
        let cert = issue(&root_key, &root, &KeyPair::generate().public(), "某局", "某局", 30).unwrap();
        // A seal holder's certificate cannot issue certificates.
        let holder = KeyPair::generate();
        let holder_cert = issue(&root_key, &root, &holder.public(), "某局", "某局", 30).unwrap();
        let below = issue(&holder, &holder_cert, &KeyPair::generate().public(), "某科", "某科", 30).unwrap();
        assert_eq!(verify_issued(&below, &holder_cert), Err(PkiError::NotCa));
        // Same names, different key: the signature fails.
        assert_eq!(verify_issued(&cert, &other_root), Err(PkiError::BadSignature));
        // One byte of the subject changed.
        let mut changed = cert.clone();
        let at = changed.windows(6).position(|w| w == "某局".as_bytes()).unwrap();
        changed[at + 2] ^= 1;
        assert!(verify_issued(&changed, &root).is_err());
    }

    #[test]
    fn names_with_special_characters_are_escaped() {
        let n = name("A,B+C=\"D\"", "O;P").unwrap();
        assert_eq!(n.to_string(), r#"CN=A\,B\+C=\"D\",O=O\;P,C=CN"#);
    }

    fn openssl(args: &[&str]) -> std::process::Output {
        std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs")
    }

    #[test]
    fn openssl_reads_and_verifies_the_chain() {
        let (root_key, root) = authority();
        let cert = issue(
            &root_key,
            &root,
            &KeyPair::generate().public(),
            "衢州市公安局",
            "衢州市公安局",
            365,
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("yici-pki-{}", crate::token::short_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        let leaf = dir.join("seal.pem");
        std::fs::write(&ca, to_pem(&root).unwrap()).unwrap();
        std::fs::write(&leaf, to_pem(&cert).unwrap()).unwrap();
        let text = openssl(&["x509", "-in", leaf.to_str().unwrap(), "-noout", "-text"]);
        assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("SM2-with-SM3") || text.contains("1.2.156.10197.1.501"),
            "{text}"
        );
        let distid = format!("distid:{DIST_ID}");
        let verify = openssl(&[
            "verify",
            "-CAfile",
            ca.to_str().unwrap(),
            "-vfyopt",
            &distid,
            leaf.to_str().unwrap(),
        ]);
        assert!(
            verify.status.success(),
            "{}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        );
        // Another authority's root does not verify it.
        let (_, other) = authority();
        std::fs::write(&ca, to_pem(&other).unwrap()).unwrap();
        let verify = openssl(&[
            "verify",
            "-CAfile",
            ca.to_str().unwrap(),
            "-vfyopt",
            &distid,
            leaf.to_str().unwrap(),
        ]);
        assert!(!verify.status.success());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
