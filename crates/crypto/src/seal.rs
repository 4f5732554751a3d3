//! Electronic seals and seal signatures (GB/T 38540-2020, version 4), in DER.
//!
//! The seal authority (the platform's root, see [`crate::pki`]) makes each department's seal: a
//! `SESeal` naming the department, listing the department's signing certificate, carrying the
//! seal picture, and signed by the authority over DER(`eSealInfo`). A department seals content
//! with an `SES_Signature`: `dataHash` is SM3 of the content, and the department's key signs
//! DER(`toSign`). All signatures are SM2 with SM3 and the distinguishing identifier
//! `1234567812345678`, so `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt
//! distid:1234567812345678` verifies the signature value over DER(`toSign`) with the signer's
//! public key.

use crate::pki::{self, SM2_WITH_SM3};
use crate::sm2::{KeyPair, PublicKeyInfo};
use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use std::time::Duration;

/// `header` of the seal information.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct SealHeader {
    /// Always `ES`.
    pub id: Ia5String,
    /// Always 4.
    pub version: u32,
    /// The maker's software: `yici`.
    pub vid: Ia5String,
}

/// `SES_ESPropertyInfo`: what seal, whose certificates, when valid.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct PropertyInfo {
    /// Seal type: 1 official seal (公章).
    pub seal_type: u32,
    pub name: String,
    /// 1: the list holds whole certificates.
    pub cert_list_type: u32,
    pub cert_list: Vec<OctetString>,
    pub create_date: GeneralizedTime,
    pub valid_start: GeneralizedTime,
    pub valid_end: GeneralizedTime,
}

/// `SES_ESPictureInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct PictureInfo {
    /// `PNG`.
    pub kind: Ia5String,
    pub data: OctetString,
    /// Millimetres.
    pub width: u32,
    pub height: u32,
}

/// `SES_SealInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct SealInfo {
    pub header: SealHeader,
    pub es_id: Ia5String,
    pub property: PropertyInfo,
    pub picture: PictureInfo,
}

/// `SESeal`.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct SeSeal {
    pub info: SealInfo,
    /// The maker's X.509 certificate (DER).
    pub cert: OctetString,
    pub sign_alg: ObjectIdentifier,
    pub signed_value: BitString,
}

/// `TBS_Sign`.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct TbsSign {
    /// Always 4.
    pub version: u32,
    pub eseal: SeSeal,
    pub time_info: GeneralizedTime,
    /// SM3 of the protected content.
    pub data_hash: BitString,
    /// What was sealed, for people (for example the certificate identifier).
    pub property_info: Ia5String,
}

/// `SES_Signature`.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub struct SesSignature {
    pub to_sign: TbsSign,
    /// The signer's X.509 certificate (DER).
    pub cert: OctetString,
    pub signature_alg: ObjectIdentifier,
    pub signature: BitString,
}

/// Why a seal or a sealed signature is refused, in the order they are checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("not a GB/T 38540 structure: {0}")]
    Structure(String),
    #[error("the signer's signature does not verify")]
    Signature,
    #[error("the signer's certificate is not one of the seal's")]
    SignerNotInSeal,
    #[error("the seal maker's signature does not verify")]
    SealSignature,
    #[error("the seal was not made by the seal authority")]
    NotMadeByAuthority,
    #[error("a certificate does not chain to the authority: {0}")]
    Chain(String),
    #[error("signed outside the seal's validity")]
    SealNotValidThen,
    #[error("signed outside the signer's certificate validity")]
    CertificateNotValidThen,
    #[error("the content does not match the signed hash")]
    ContentChanged,
}

fn structure(e: impl std::fmt::Display) -> SealError {
    SealError::Structure(e.to_string())
}

fn time(unix_secs: i64) -> Result<GeneralizedTime, SealError> {
    GeneralizedTime::from_unix_duration(Duration::from_secs(unix_secs.max(0) as u64)).map_err(structure)
}

fn unix(t: &GeneralizedTime) -> i64 {
    t.to_unix_duration().as_secs() as i64
}

fn ia5(text: &str) -> Result<Ia5String, SealError> {
    Ia5String::new(text).map_err(structure)
}

/// What the authority needs to make a seal.
#[derive(Debug, Clone)]
pub struct SealRequest<'a> {
    /// The seal's identifier (ASCII), for example the department's USCC and a sequence.
    pub es_id: &'a str,
    /// The department's name as the seal reads.
    pub name: &'a str,
    /// The department's signing certificate (DER).
    pub signer_cert: &'a [u8],
    pub picture_png: &'a [u8],
    /// Size of the picture in millimetres (42 for a round official seal).
    pub size_mm: u32,
    pub created: i64,
    pub valid_start: i64,
    pub valid_end: i64,
}

/// Make a seal (DER), signed by the authority `maker_key` whose certificate is `maker_cert`.
pub fn make_seal(maker_key: &KeyPair, maker_cert: &[u8], r: &SealRequest<'_>) -> Result<Vec<u8>, SealError> {
    let info = SealInfo {
        header: SealHeader {
            id: ia5("ES")?,
            version: 4,
            vid: ia5("yici")?,
        },
        es_id: ia5(r.es_id)?,
        property: PropertyInfo {
            seal_type: 1,
            name: r.name.to_string(),
            cert_list_type: 1,
            cert_list: vec![OctetString::new(r.signer_cert).map_err(structure)?],
            create_date: time(r.created)?,
            valid_start: time(r.valid_start)?,
            valid_end: time(r.valid_end)?,
        },
        picture: PictureInfo {
            kind: ia5("PNG")?,
            data: OctetString::new(r.picture_png).map_err(structure)?,
            width: r.size_mm,
            height: r.size_mm,
        },
    };
    let signed = maker_key.sign(&info.to_der().map_err(structure)?);
    SeSeal {
        info,
        cert: OctetString::new(maker_cert).map_err(structure)?,
        sign_alg: SM2_WITH_SM3,
        signed_value: BitString::from_bytes(&signed).map_err(structure)?,
    }
    .to_der()
    .map_err(structure)
}

/// A sealed signature: the `SES_Signature` (DER) and the bytes its signature value covers
/// (DER of `toSign`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub signature: Vec<u8>,
    pub signed_bytes: Vec<u8>,
    /// The SM2 signature value (DER `SEQUENCE { r, s }`) over `signed_bytes`.
    pub signature_value: Vec<u8>,
}

/// Seal `content` with `seal` (DER) and the signer's key and certificate, at `when`.
pub fn sign(
    seal: &[u8],
    signer_key: &KeyPair,
    signer_cert: &[u8],
    content: &[u8],
    property_info: &str,
    when: i64,
) -> Result<Sealed, SealError> {
    let eseal = SeSeal::from_der(seal).map_err(structure)?;
    let to_sign = TbsSign {
        version: 4,
        eseal,
        time_info: time(when)?,
        data_hash: BitString::from_bytes(&crate::sm3(content)).map_err(structure)?,
        property_info: ia5(property_info)?,
    };
    let signed_bytes = to_sign.to_der().map_err(structure)?;
    let signature_value = signer_key.sign(&signed_bytes);
    let signature = SesSignature {
        to_sign,
        cert: OctetString::new(signer_cert).map_err(structure)?,
        signature_alg: SM2_WITH_SM3,
        signature: BitString::from_bytes(&signature_value).map_err(structure)?,
    }
    .to_der()
    .map_err(structure)?;
    Ok(Sealed {
        signature,
        signed_bytes,
        signature_value,
    })
}

/// The pieces of a sealed signature that standard tools check: the signed bytes (DER of
/// `toSign`), the SM2 signature value over them, the signer's certificate and the seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    pub signed_bytes: Vec<u8>,
    pub signature_value: Vec<u8>,
    pub signer_cert: Vec<u8>,
    pub seal: Vec<u8>,
}

/// Take a sealed signature (DER) apart.
pub fn parts(signature: &[u8]) -> Result<Parts, SealError> {
    let s = SesSignature::from_der(signature).map_err(structure)?;
    Ok(Parts {
        signed_bytes: s.to_sign.to_der().map_err(structure)?,
        signature_value: s.signature.as_bytes().ok_or(SealError::Signature)?.to_vec(),
        signer_cert: s.cert.as_bytes().to_vec(),
        seal: s.to_sign.eseal.to_der().map_err(structure)?,
    })
}

/// Put a sealed signature back together from its parts; the seal must be the one the signed
/// bytes name. Verify the result with [`verify`].
pub fn assemble(p: &Parts) -> Result<Vec<u8>, SealError> {
    let to_sign = TbsSign::from_der(&p.signed_bytes).map_err(structure)?;
    if to_sign.eseal.to_der().map_err(structure)? != p.seal {
        return Err(SealError::Structure(
            "the seal is not the one the signed bytes name".into(),
        ));
    }
    SesSignature {
        to_sign,
        cert: OctetString::new(p.signer_cert.clone()).map_err(structure)?,
        signature_alg: SM2_WITH_SM3,
        signature: BitString::from_bytes(&p.signature_value).map_err(structure)?,
    }
    .to_der()
    .map_err(structure)
}

/// What a verified signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub es_id: String,
    pub seal_name: String,
    pub signer: String,
    pub signed_at: i64,
    pub property_info: String,
}

/// Verify a sealed signature over `content` against the authority's certificate `ca_cert`, in
/// the order of GB/T 38540: structure, the signer's signature, the signer's certificate in the
/// seal, the seal made and signed by the authority, the signer's chain to the authority, the
/// signing time inside the seal's, the authority's and the signer's validity, and the content's
/// hash. The signing time is the one the signer states (no time-stamp yet): a revoked seal or
/// certificate is the caller's to refuse from its own records.
pub fn verify(signature: &[u8], content: &[u8], ca_cert: &[u8]) -> Result<Verified, SealError> {
    verify_inner(signature, content, ca_cert, None)
}

/// A verifier for one authority that remembers which seal and signer certificate pairs it has
/// already checked (the authority made and signed the seal, the signer's chain), so verifying
/// many signatures made with one seal costs one SM2 verification each. Everything that depends
/// on the signature itself (its value, the signing time, the content hash) is checked every
/// time.
#[derive(Debug)]
pub struct Verifier {
    ca_cert: Vec<u8>,
    checked: std::sync::Mutex<std::collections::HashMap<[u8; 32], pki::CertInfo>>,
}

/// Pairs a [`Verifier`] remembers before it starts afresh.
const VERIFIER_MEMORY: usize = 4096;

impl Verifier {
    pub fn new(ca_cert: &[u8]) -> Self {
        Verifier {
            ca_cert: ca_cert.to_vec(),
            checked: Default::default(),
        }
    }
    pub fn ca_cert(&self) -> &[u8] {
        &self.ca_cert
    }
    /// As [`verify`], against this verifier's authority.
    pub fn verify(&self, signature: &[u8], content: &[u8]) -> Result<Verified, SealError> {
        verify_inner(signature, content, &self.ca_cert, Some(self))
    }
}

fn verify_inner(
    signature: &[u8],
    content: &[u8],
    ca_cert: &[u8],
    memory: Option<&Verifier>,
) -> Result<Verified, SealError> {
    let s = SesSignature::from_der(signature).map_err(structure)?;
    if s.signature_alg != SM2_WITH_SM3 || s.to_sign.eseal.sign_alg != SM2_WITH_SM3 || s.to_sign.version != 4 {
        return Err(SealError::Structure("not SM2 with SM3, version 4".into()));
    }
    let signer = pki::inspect(s.cert.as_bytes()).map_err(|e| SealError::Chain(e.to_string()))?;
    let signed_bytes = s.to_sign.to_der().map_err(structure)?;
    let value = s.signature.as_bytes().ok_or(SealError::Signature)?;
    signer
        .public_key
        .verify(&signed_bytes, value)
        .map_err(|_| SealError::Signature)?;
    let seal = &s.to_sign.eseal;
    if !seal
        .info
        .property
        .cert_list
        .iter()
        .any(|c| c.as_bytes() == s.cert.as_bytes())
    {
        return Err(SealError::SignerNotInSeal);
    }
    let pair_key = memory.map(|_| {
        let seal_der = seal.to_der().unwrap_or_default();
        let mut both = crate::sm3(&seal_der).to_vec();
        both.extend_from_slice(s.cert.as_bytes());
        crate::sm3(&both)
    });
    let remembered = match (memory, &pair_key) {
        (Some(m), Some(k)) => m.checked.lock().ok().and_then(|c| c.get(k).cloned()),
        _ => None,
    };
    let maker = match remembered {
        Some(maker) => maker,
        None => {
            let maker = check_seal(seal, ca_cert)?;
            pki::verify_issued(s.cert.as_bytes(), ca_cert).map_err(|e| SealError::Chain(e.to_string()))?;
            if let (Some(m), Some(k)) = (memory, pair_key)
                && let Ok(mut c) = m.checked.lock()
            {
                if c.len() >= VERIFIER_MEMORY {
                    c.clear();
                }
                c.insert(k, maker.clone());
            }
            maker
        }
    };
    let at = unix(&s.to_sign.time_info);
    let p = &seal.info.property;
    if at < unix(&p.valid_start) || at > unix(&p.valid_end) || at < maker.not_before || at > maker.not_after {
        return Err(SealError::SealNotValidThen);
    }
    if at < signer.not_before || at > signer.not_after {
        return Err(SealError::CertificateNotValidThen);
    }
    if s.to_sign.data_hash.as_bytes() != Some(&crate::sm3(content)[..]) {
        return Err(SealError::ContentChanged);
    }
    Ok(Verified {
        es_id: seal.info.es_id.to_string(),
        seal_name: p.name.clone(),
        signer: signer.subject,
        signed_at: at,
        property_info: s.to_sign.property_info.to_string(),
    })
}

fn verify_maker(maker: &PublicKeyInfo, seal: &SeSeal) -> Result<(), SealError> {
    let info = seal.info.to_der().map_err(structure)?;
    let value = seal.signed_value.as_bytes().ok_or(SealError::SealSignature)?;
    maker.verify(&info, value).map_err(|_| SealError::SealSignature)
}

/// A seal's own checks: its header, that the authority made it (the maker's certificate is the
/// authority's own, so a department holding a certificate cannot make seals), and the maker's
/// signature. Returns the maker's certificate.
fn check_seal(seal: &SeSeal, ca_cert: &[u8]) -> Result<pki::CertInfo, SealError> {
    let h = &seal.info.header;
    if h.id.as_str() != "ES"
        || h.version != 4
        || seal.info.property.cert_list_type != 1
        || seal.sign_alg != SM2_WITH_SM3
    {
        return Err(SealError::Structure(
            "not a version 4 seal listing whole certificates".into(),
        ));
    }
    if seal.cert.as_bytes() != ca_cert {
        return Err(SealError::NotMadeByAuthority);
    }
    pki::verify_issued(ca_cert, ca_cert).map_err(|e| SealError::Chain(e.to_string()))?;
    let maker = pki::inspect(ca_cert).map_err(|e| SealError::Chain(e.to_string()))?;
    verify_maker(&maker.public_key, seal)?;
    Ok(maker)
}

/// Verify a seal on its own (made by the authority, signed by it), and read it.
pub fn read_seal(seal: &[u8], ca_cert: &[u8]) -> Result<SeSeal, SealError> {
    let s = SeSeal::from_der(seal).map_err(structure)?;
    check_seal(&s, ca_cert)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        ca: Vec<u8>,
        seal: Vec<u8>,
        signer_key: KeyPair,
        signer_cert: Vec<u8>,
        now: i64,
    }

    fn fixture() -> Fixture {
        let ca_key = KeyPair::generate();
        let ca = pki::issue_root(&ca_key, "电子印章根证书", "浙江省政务服务平台", 3650).unwrap();
        let signer_key = KeyPair::generate();
        let signer_cert = pki::issue(&ca_key, &ca, &signer_key.public(), "衢州市公安局", "衢州市公安局", 365).unwrap();
        let info = pki::inspect(&signer_cert).unwrap();
        let seal = make_seal(
            &ca_key,
            &ca,
            &SealRequest {
                es_id: "11330800002493166X001",
                name: "衢州市公安局",
                signer_cert: &signer_cert,
                picture_png: b"\x89PNG\r\n\x1a\n",
                size_mm: 42,
                created: info.not_before,
                valid_start: info.not_before,
                valid_end: info.not_after,
            },
        )
        .unwrap();
        Fixture {
            ca,
            seal,
            signer_key,
            signer_cert,
            now: info.not_before + 60,
        }
    }

    #[test]
    fn a_sealed_content_verifies_and_names_its_seal() {
        let f = fixture();
        let read = read_seal(&f.seal, &f.ca).unwrap();
        assert_eq!(read.info.property.name, "衢州市公安局");
        assert_eq!(read.info.header.version, 4);
        let sealed = sign(
            &f.seal,
            &f.signer_key,
            &f.signer_cert,
            b"content",
            "1.2.156.3005.2.X",
            f.now,
        )
        .unwrap();
        let v = verify(&sealed.signature, b"content", &f.ca).unwrap();
        assert_eq!(v.seal_name, "衢州市公安局");
        assert_eq!(v.es_id, "11330800002493166X001");
        assert_eq!(v.signed_at, f.now);
        assert_eq!(v.property_info, "1.2.156.3005.2.X");
        // The signature value covers exactly the signed bytes, with the signer's public key.
        f.signer_key
            .public()
            .verify(&sealed.signed_bytes, &sealed.signature_value)
            .unwrap();
    }

    #[test]
    fn a_signature_comes_apart_and_back_together() {
        let f = fixture();
        let sealed = sign(&f.seal, &f.signer_key, &f.signer_cert, b"content", "x", f.now).unwrap();
        let p = parts(&sealed.signature).unwrap();
        assert_eq!(p.signed_bytes, sealed.signed_bytes);
        assert_eq!(p.signature_value, sealed.signature_value);
        assert_eq!(p.signer_cert, f.signer_cert);
        assert_eq!(p.seal, f.seal);
        assert_eq!(assemble(&p).unwrap(), sealed.signature);
        let other = fixture();
        let mixed = Parts {
            seal: other.seal.clone(),
            ..p.clone()
        };
        assert!(matches!(assemble(&mixed), Err(SealError::Structure(_))));
        let mut changed = p.clone();
        let last = changed.signed_bytes.len() - 1;
        changed.signed_bytes[last] ^= 1;
        let reassembled = assemble(&changed).unwrap();
        assert_eq!(verify(&reassembled, b"content", &f.ca), Err(SealError::Signature));
    }

    #[test]
    fn a_verifier_remembers_seals_but_checks_every_signature() {
        let f = fixture();
        let verifier = Verifier::new(&f.ca);
        for content in [&b"one"[..], b"two"] {
            let sealed = sign(&f.seal, &f.signer_key, &f.signer_cert, content, "x", f.now).unwrap();
            assert_eq!(
                verifier.verify(&sealed.signature, content).unwrap().seal_name,
                "衢州市公安局"
            );
            assert_eq!(
                verifier.verify(&sealed.signature, b"changed"),
                Err(SealError::ContentChanged)
            );
        }
        // A signature by a key the seal does not list is refused even after the seal was seen.
        let intruder = KeyPair::generate();
        let forged = sign(&f.seal, &intruder, &f.signer_cert, b"one", "x", f.now).unwrap();
        assert_eq!(verifier.verify(&forged.signature, b"one"), Err(SealError::Signature));
        // Another authority's verifier refuses the seal.
        let other = fixture();
        let sealed = sign(&f.seal, &f.signer_key, &f.signer_cert, b"one", "x", f.now).unwrap();
        assert_eq!(
            Verifier::new(&other.ca).verify(&sealed.signature, b"one"),
            Err(SealError::NotMadeByAuthority)
        );
    }

    #[test]
    fn every_kind_of_change_is_refused_and_named() {
        let f = fixture();
        let sealed = sign(&f.seal, &f.signer_key, &f.signer_cert, b"content", "x", f.now).unwrap();
        assert_eq!(
            verify(&sealed.signature, b"c0ntent", &f.ca),
            Err(SealError::ContentChanged)
        );
        let other = fixture();
        assert_eq!(
            verify(&sealed.signature, b"content", &other.ca),
            Err(SealError::NotMadeByAuthority),
            "another authority's root"
        );
        // Another key signing with this seal and certificate.
        let forged = sign(&f.seal, &KeyPair::generate(), &f.signer_cert, b"content", "x", f.now).unwrap();
        assert_eq!(verify(&forged.signature, b"content", &f.ca), Err(SealError::Signature));
        // A certificate that is not the seal's.
        let forged = sign(&f.seal, &other.signer_key, &other.signer_cert, b"content", "x", f.now).unwrap();
        assert_eq!(
            verify(&forged.signature, b"content", &f.ca),
            Err(SealError::SignerNotInSeal)
        );
        // Signed before the seal was valid.
        let early = sign(
            &f.seal,
            &f.signer_key,
            &f.signer_cert,
            b"content",
            "x",
            f.now - 86_400 * 30,
        )
        .unwrap();
        assert_eq!(
            verify(&early.signature, b"content", &f.ca),
            Err(SealError::SealNotValidThen)
        );
        // A changed byte anywhere in the signature structure.
        let mut changed = sealed.signature.clone();
        let at = changed.windows(3).position(|w| w == "衢".as_bytes()).unwrap();
        changed[at + 2] ^= 1;
        assert!(verify(&changed, b"content", &f.ca).is_err());
        assert!(matches!(
            verify(b"\x30\x03\x02\x01\x04", b"content", &f.ca),
            Err(SealError::Structure(_))
        ));
    }

    // The SES / ASN.1 decoder against hostile input: arbitrary bytes, and a valid sealed
    // signature and seal with bytes changed, cut or added, give an error, never a panic, and a
    // changed signature never verifies.
    mod decoder {
        use super::*;
        use proptest::prelude::*;
        use std::sync::LazyLock;

        static VALID: LazyLock<(Fixture, Vec<u8>)> = LazyLock::new(|| {
            let f = fixture();
            let sealed = sign(&f.seal, &f.signer_key, &f.signer_cert, b"content", "x", f.now).unwrap();
            let der = assemble(&parts(&sealed.signature).unwrap()).unwrap();
            (f, der)
        });

        /// Bytes of `base` with up to eight changes: a byte replaced, removed or inserted.
        fn mutated(base: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
            proptest::collection::vec((0..base.len(), any::<u8>(), 0u8..3), 1..8).prop_map(move |edits| {
                let mut b = base.to_vec();
                for (at, byte, kind) in edits {
                    let at = at.min(b.len().saturating_sub(1));
                    match kind {
                        0 if !b.is_empty() => b[at] = byte,
                        1 if !b.is_empty() => {
                            b.remove(at);
                        }
                        _ => b.insert(at, byte),
                    }
                }
                b
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn arbitrary_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
                let (f, _) = &*VALID;
                prop_assert!(parts(&bytes).is_err() || verify(&bytes, b"content", &f.ca).is_err());
                let _ = read_seal(&bytes, &f.ca);
                let _ = SeSeal::from_der(&bytes);
                let _ = TbsSign::from_der(&bytes);
            }

            #[test]
            fn a_changed_sealed_signature_never_verifies(bytes in mutated(&VALID.1)) {
                let (f, valid) = &*VALID;
                let result = verify(&bytes, b"content", &f.ca);
                if &bytes != valid {
                    // DER has one encoding per value, so any change that still decodes is a
                    // change of content, which the signatures catch.
                    prop_assert!(result.is_err());
                }
                if let Ok(p) = parts(&bytes) {
                    let _ = assemble(&p);
                }
            }

            #[test]
            fn a_changed_seal_is_refused_or_read_whole(bytes in mutated(&VALID.0.seal)) {
                let (f, _) = &*VALID;
                if bytes != f.seal {
                    prop_assert!(read_seal(&bytes, &f.ca).is_err());
                }
            }
        }
    }

    /// `openssl pkeyutl -verify` of an SM2 signature (distid 1234567812345678) over `file`.
    fn openssl_verify(public: &std::path::Path, file: &std::path::Path, sig: &std::path::Path) -> std::process::Output {
        std::process::Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(public)
            .arg("-in")
            .arg(file)
            .arg("-sigfile")
            .arg(sig)
            .args(["-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"])
            .output()
            .unwrap()
    }

    /// The root signs each seal, so a strict RFC 5280 reader must find that use in its key
    /// usage; OpenSSL verifies the seal's signature with the root's key.
    #[test]
    fn openssl_verifies_the_seal_makers_signature_under_a_root_allowed_to_sign() {
        let f = fixture();
        let dir = std::env::temp_dir().join(format!("yici-seal-root-{}", crate::token::short_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (ca, info, sig, public) = (
            dir.join("ca.pem"),
            dir.join("seal-info.der"),
            dir.join("seal-signature.der"),
            dir.join("ca-key.pem"),
        );
        std::fs::write(&ca, pki::to_pem(&f.ca).unwrap()).unwrap();
        let seal = SeSeal::from_der(&f.seal).unwrap();
        std::fs::write(&info, seal.info.to_der().unwrap()).unwrap();
        std::fs::write(&sig, seal.signed_value.raw_bytes()).unwrap();
        let run = |args: &[&str]| std::process::Command::new("openssl").args(args).output().unwrap();
        let text = run(&["x509", "-in", ca.to_str().unwrap(), "-noout", "-ext", "keyUsage"]);
        let text = String::from_utf8_lossy(&text.stdout);
        for usage in ["Digital Signature", "Certificate Sign", "CRL Sign"] {
            assert!(text.contains(usage), "{usage}: {text}");
        }
        let out = run(&["x509", "-in", ca.to_str().unwrap(), "-pubkey", "-noout"]);
        std::fs::write(&public, &out.stdout).unwrap();
        let verify = openssl_verify(&public, &info, &sig);
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn openssl_verifies_the_signature_value_over_the_signed_bytes() {
        let f = fixture();
        let sealed = sign(&f.seal, &f.signer_key, &f.signer_cert, b"content", "x", f.now).unwrap();
        let dir = std::env::temp_dir().join(format!("yici-seal-{}", crate::token::short_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (content, sig, signer, public) = (
            dir.join("content.bin"),
            dir.join("signature.der"),
            dir.join("signer.pem"),
            dir.join("signer-key.pem"),
        );
        std::fs::write(&content, &sealed.signed_bytes).unwrap();
        std::fs::write(&sig, &sealed.signature_value).unwrap();
        std::fs::write(&signer, pki::to_pem(&f.signer_cert).unwrap()).unwrap();
        let run = |args: &[&str]| std::process::Command::new("openssl").args(args).output().unwrap();
        let out = run(&["x509", "-in", signer.to_str().unwrap(), "-pubkey", "-noout"]);
        assert!(out.status.success());
        std::fs::write(&public, &out.stdout).unwrap();
        let verify = |file: &std::path::Path| openssl_verify(&public, file, &sig);
        let ok = verify(&content);
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        let mut bytes = sealed.signed_bytes.clone();
        bytes[40] ^= 1;
        std::fs::write(&content, &bytes).unwrap();
        assert!(!verify(&content).status.success(), "a changed byte fails");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
