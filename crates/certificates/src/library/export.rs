//! Export a certificate for offline verification, and verify an export with nothing but its
//! files and the authority's published certificate.
//!
//! | file | what |
//! |---|---|
//! | `content.bin` | the signed bytes: DER of the seal signature's `toSign` |
//! | `signature.der` | the SM2 signature value over `content.bin` (DER `SEQUENCE { r, s }`) |
//! | `signer.pem` | the issuing department's seal certificate |
//! | `seal.der` | the department's seal (GB/T 38540 `SESeal`) |
//! | `ca.pem` | the seal authority's root certificate |
//! | `certificate.json` | the certificate's canonical content; `toSign.dataHash` is its SM3 |
//! | `signature.ses` | the whole `SES_Signature` (DER) |
//! | `certificate.pdf` | the certificate as PDF/A-2b (written by `yici cert export`) |
//!
//! `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey
//! <(openssl x509 -in signer.pem -pubkey -noout) -in content.bin -sigfile signature.der`
//! verifies the signature with standard tools.

use std::path::Path;
use yici_core::certificate::Content;
use yici_crypto::{pki, seal};
use yici_store::certificates::CertificateRecord;

/// The files of an export, in order.
pub const FILES: [&str; 7] = [
    "content.bin",
    "signature.der",
    "signer.pem",
    "seal.der",
    "ca.pem",
    "certificate.json",
    "signature.ses",
];

/// The rendered certificate in an export.
pub const PDF: &str = "certificate.pdf";

/// The export of a stored certificate: (file name, bytes).
pub fn files(record: &CertificateRecord, ca_der: &[u8]) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let p = seal::parts(&record.signature).map_err(|e| e.to_string())?;
    let signer = pki::to_pem(&p.signer_cert).map_err(|e| e.to_string())?;
    let ca = pki::to_pem(ca_der).map_err(|e| e.to_string())?;
    Ok(vec![
        (FILES[0], p.signed_bytes),
        (FILES[1], p.signature_value),
        (FILES[2], signer.into_bytes()),
        (FILES[3], p.seal),
        (FILES[4], ca.into_bytes()),
        (FILES[5], record.content.clone()),
        (FILES[6], record.signature.clone()),
    ])
}

/// What an export verified offline says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offline {
    pub content: Content,
    /// SM3 of the authority certificate the export was verified against (hex), to compare with
    /// the published one when no trusted certificate was given.
    pub ca_fingerprint: String,
    pub seal_name: String,
    pub es_id: String,
    /// Unix seconds, as the signer states it.
    pub signed_at: i64,
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(name)).map_err(|e| format!("无法读取 {name} / cannot read {name}: {e}"))
}

fn pem(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    let text = String::from_utf8(read(dir, name)?).map_err(|_| format!("{name} 不是 PEM / {name} is not PEM"))?;
    pki::from_pem(&text).map_err(|e| format!("{name}: {e}"))
}

/// Verify an exported certificate with only its files: the signature value over the signed
/// bytes with the signer's key, the seal and the signer's chain to the authority, the validity
/// times, and that the signed hash is the hash of `certificate.json`. The authority is
/// `trusted_ca` (DER; the published certificate) when given, and the export's `ca.pem` must then
/// be that certificate; otherwise the export's own `ca.pem`, whose fingerprint the caller must
/// compare with the published one. Whether the certificate has since been suspended or revoked
/// only the online verification can tell.
pub fn verify_dir(dir: &Path, trusted_ca: Option<&[u8]>) -> Result<Offline, String> {
    let parts = seal::Parts {
        signed_bytes: read(dir, FILES[0])?,
        signature_value: read(dir, FILES[1])?,
        signer_cert: pem(dir, FILES[2])?,
        seal: read(dir, FILES[3])?,
    };
    let exported_ca = pem(dir, FILES[4])?;
    let ca = match trusted_ca {
        Some(trusted) if trusted != exported_ca.as_slice() => {
            return Err("ca.pem 不是所信任的印章根证书 / ca.pem is not the trusted seal authority certificate".into());
        }
        Some(trusted) => trusted.to_vec(),
        None => exported_ca,
    };
    let content = read(dir, FILES[5])?;
    let signature = seal::assemble(&parts).map_err(|e| format!("签章结构无效 / invalid signature structure: {e}"))?;
    // The whole signature, when present, must be the same as its parts.
    if let Ok(whole) = std::fs::read(dir.join(FILES[6]))
        && whole != signature
    {
        return Err("signature.ses 与其余文件不一致 / signature.ses does not match the other files".into());
    }
    let v = seal::verify(&signature, &content, &ca).map_err(|e| format!("验证失败 / verification failed: {e}"))?;
    let content = Content::parse(&content).map_err(|e| format!("certificate.json: {e}"))?;
    if v.property_info != content.identifier {
        return Err("签章所属证照标识与内容不符 / the signature names another certificate".into());
    }
    Ok(Offline {
        ca_fingerprint: yici_crypto::sm3_hex(&ca),
        content,
        seal_name: v.seal_name,
        es_id: v.es_id,
        signed_at: v.signed_at,
    })
}
