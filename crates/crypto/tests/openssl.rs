//! Cross-checks with OpenSSL 3: our SM2 signatures and HMAC-SM3 agree with an independent
//! implementation.

use std::process::Command;
use yici_crypto::sm2::KeyPair;

fn temp() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("yici-openssl-{}", yici_crypto::token::short_id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn openssl_verifies(pub_pem: &str, msg: &[u8], sig: &[u8]) -> bool {
    let d = temp();
    std::fs::write(d.join("pub.pem"), pub_pem).unwrap();
    std::fs::write(d.join("msg"), msg).unwrap();
    std::fs::write(d.join("sig.der"), sig).unwrap();
    let out = Command::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-in",
            "msg",
            "-sigfile",
            "sig.der",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
        ])
        .current_dir(&d)
        .output()
        .expect("openssl runs");
    let _ = std::fs::remove_dir_all(&d);
    out.status.success()
}

#[test]
fn openssl_verifies_our_sm2_signatures_and_rejects_a_changed_byte() {
    let key = KeyPair::generate();
    let msg = b"yici-audit-checkpoint/1\n42\n";
    let sig = key.sign(msg);
    assert!(openssl_verifies(&key.public().to_pem(), msg, &sig));
    let mut changed = msg.to_vec();
    changed[5] ^= 1;
    assert!(!openssl_verifies(&key.public().to_pem(), &changed, &sig));
}

#[test]
fn our_key_pem_is_readable_by_openssl_and_its_signatures_verify_here() {
    let key = KeyPair::generate();
    let d = temp();
    std::fs::write(d.join("key.pem"), key.to_pkcs8_pem()).unwrap();
    std::fs::write(d.join("msg"), b"signed by openssl").unwrap();
    let out = Command::new("openssl")
        .args([
            "pkeyutl",
            "-sign",
            "-inkey",
            "key.pem",
            "-in",
            "msg",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-out",
            "sig.der",
        ])
        .current_dir(&d)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sig = std::fs::read(d.join("sig.der")).unwrap();
    key.public().verify(b"signed by openssl", &sig).unwrap();
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn hmac_sm3_matches_openssl() {
    let out = Command::new("openssl")
        .args([
            "mac",
            "-digest",
            "SM3",
            "-macopt",
            "hexkey:6b6579",
            "-in",
            "/dev/stdin",
            "HMAC",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"The quick brown fox")?;
            c.wait_with_output()
        })
        .expect("openssl runs");
    let theirs = String::from_utf8_lossy(&out.stdout).trim().to_lowercase();
    assert_eq!(
        hex::encode(yici_crypto::hmac_sm3(b"key", b"The quick brown fox")),
        theirs
    );
}
