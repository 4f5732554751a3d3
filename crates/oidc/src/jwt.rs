//! ID token checks (RFC 7519, RFC 7515, OpenID Connect Core §3.1.3.7): a compact JWS signed
//! with RS256 or ES256 by a key of the issuer's JWKS, then its claims.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::Deserialize;

/// Tolerated clock difference with the provider.
pub const SKEW_SECONDS: u64 = 60;

/// The issuer's public keys (RFC 7517).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One public key. Only the members used for RS256 and ES256 are read.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: Option<String>,
    #[serde(rename = "use")]
    pub use_: Option<String>,
    pub alg: Option<String>,
    pub n: Option<String>,
    pub e: Option<String>,
    pub crv: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
}

/// What a token must say.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub nonce: &'a str,
    /// Seconds since the Unix epoch.
    pub now: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a compact JWS")]
    Malformed,
    #[error("algorithm {0} is not accepted (RS256 or ES256 only)")]
    Algorithm(String),
    #[error("a critical header is not understood")]
    Critical,
    #[error("no key of the issuer matches the token")]
    UnknownKey,
    #[error("the signature does not verify")]
    Signature,
    #[error("the claim {0} is missing or wrong")]
    Claim(&'static str),
    #[error("the token has expired")]
    Expired,
    #[error("the token is issued in the future")]
    NotYetValid,
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

fn decode(part: &str) -> Result<Vec<u8>, TokenError> {
    B64URL.decode(part).map_err(|_| TokenError::Malformed)
}

/// Verify `token` and return its claims.
pub fn verify(
    token: &str,
    keys: &Jwks,
    expect: &Expect<'_>,
) -> Result<serde_json::Map<String, serde_json::Value>, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed);
    };
    let header: Header = serde_json::from_slice(&decode(h)?).map_err(|_| TokenError::Malformed)?;
    if header.crit.is_some() {
        return Err(TokenError::Critical);
    }
    let signature = decode(s)?;
    let signed = &token.as_bytes()[..h.len() + 1 + p.len()];
    let (kty, algorithm): (&str, &dyn ring::signature::VerificationAlgorithm) = match header.alg.as_str() {
        "RS256" => ("RSA", &ring::signature::RSA_PKCS1_2048_8192_SHA256),
        "ES256" => ("EC", &ring::signature::ECDSA_P256_SHA256_FIXED),
        other => return Err(TokenError::Algorithm(other.chars().take(20).collect())),
    };
    let candidates: Vec<&Jwk> = keys
        .keys
        .iter()
        .filter(|k| k.kty == kty)
        .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == header.alg))
        .filter(|k| match (&header.kid, &k.kid) {
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    if candidates.is_empty() {
        return Err(TokenError::UnknownKey);
    }
    let verified = candidates.iter().any(|k| {
        public_key(k).is_some_and(|key| match kty {
            "RSA" => ring::signature::RsaPublicKeyComponents { n: &key.0, e: &key.1 }
                .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, signed, &signature)
                .is_ok(),
            _ => ring::signature::UnparsedPublicKey::new(algorithm, &key.0)
                .verify(signed, &signature)
                .is_ok(),
        })
    });
    if !verified {
        return Err(TokenError::Signature);
    }
    let claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&decode(p)?).map_err(|_| TokenError::Malformed)?;
    check_claims(&claims, expect)?;
    Ok(claims)
}

/// The key material: (modulus, exponent) for RSA, (SEC1 uncompressed point, unused) for P-256.
fn public_key(k: &Jwk) -> Option<(Vec<u8>, Vec<u8>)> {
    match k.kty.as_str() {
        "RSA" => Some((B64URL.decode(k.n.as_ref()?).ok()?, B64URL.decode(k.e.as_ref()?).ok()?)),
        "EC" if k.crv.as_deref() == Some("P-256") => {
            let x = B64URL.decode(k.x.as_ref()?).ok()?;
            let y = B64URL.decode(k.y.as_ref()?).ok()?;
            if x.len() != 32 || y.len() != 32 {
                return None;
            }
            let mut point = vec![0x04];
            point.extend(x);
            point.extend(y);
            Some((point, Vec::new()))
        }
        _ => None,
    }
}

/// Equal bytes, compared in time that does not depend on where they differ.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn check_claims(claims: &serde_json::Map<String, serde_json::Value>, expect: &Expect<'_>) -> Result<(), TokenError> {
    let text = |name: &'static str| claims.get(name).and_then(|v| v.as_str());
    let number = |name: &'static str| claims.get(name).and_then(|v| v.as_u64());
    if text("iss") != Some(expect.issuer) {
        return Err(TokenError::Claim("iss"));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(serde_json::Value::String(a)) => vec![a.as_str()],
        Some(serde_json::Value::Array(list)) => list.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expect.audience) {
        return Err(TokenError::Claim("aud"));
    }
    // §3.1.3.7 (4, 5): with several audiences, the authorised party must be this client.
    if (audiences.len() > 1 || claims.contains_key("azp")) && text("azp") != Some(expect.audience) {
        return Err(TokenError::Claim("azp"));
    }
    let exp = number("exp").ok_or(TokenError::Claim("exp"))?;
    if exp + SKEW_SECONDS < expect.now {
        return Err(TokenError::Expired);
    }
    let iat = number("iat").ok_or(TokenError::Claim("iat"))?;
    if iat > expect.now + SKEW_SECONDS {
        return Err(TokenError::NotYetValid);
    }
    let nonce_ok = text("nonce").is_some_and(|n| same(n.as_bytes(), expect.nonce.as_bytes()));
    if !nonce_ok {
        return Err(TokenError::Claim("nonce"));
    }
    if text("sub").is_none_or(str::is_empty) {
        return Err(TokenError::Claim("sub"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

    struct Signer {
        pair: EcdsaKeyPair,
        kid: &'static str,
    }

    impl Signer {
        fn new(kid: &'static str) -> Self {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
            Signer { pair, kid }
        }
        fn jwk(&self) -> Jwk {
            let point = self.pair.public_key().as_ref();
            Jwk {
                kty: "EC".into(),
                kid: Some(self.kid.into()),
                use_: Some("sig".into()),
                alg: Some("ES256".into()),
                n: None,
                e: None,
                crv: Some("P-256".into()),
                x: Some(B64URL.encode(&point[1..33])),
                y: Some(B64URL.encode(&point[33..65])),
            }
        }
        fn sign(&self, header: serde_json::Value, claims: serde_json::Value) -> String {
            let input = format!(
                "{}.{}",
                B64URL.encode(header.to_string()),
                B64URL.encode(claims.to_string())
            );
            let sig = self
                .pair
                .sign(&ring::rand::SystemRandom::new(), input.as_bytes())
                .unwrap();
            format!("{input}.{}", B64URL.encode(sig.as_ref()))
        }
    }

    const NOW: u64 = 1_800_000_000;

    fn expect() -> Expect<'static> {
        Expect {
            issuer: "https://id.example",
            audience: "yici",
            nonce: "n-0S6_WzA2Mj",
            now: NOW,
        }
    }

    fn claims() -> serde_json::Value {
        serde_json::json!({
            "iss": "https://id.example", "aud": "yici", "sub": "alice", "nonce": "n-0S6_WzA2Mj",
            "iat": NOW - 5, "exp": NOW + 300, "id_number": "11010519491231002X"
        })
    }

    fn header(kid: &str) -> serde_json::Value {
        serde_json::json!({"alg": "ES256", "kid": kid})
    }

    #[test]
    fn a_token_of_the_issuers_key_verifies() {
        let s = Signer::new("k1");
        let keys = Jwks { keys: vec![s.jwk()] };
        let c = verify(&s.sign(header("k1"), claims()), &keys, &expect()).unwrap();
        assert_eq!(c["id_number"], "11010519491231002X");
    }

    #[test]
    fn a_token_signed_by_another_key_is_refused() {
        let issuer = Signer::new("k1");
        let forger = Signer::new("k1");
        let keys = Jwks {
            keys: vec![issuer.jwk()],
        };
        assert_eq!(
            verify(&forger.sign(header("k1"), claims()), &keys, &expect()),
            Err(TokenError::Signature)
        );
        assert_eq!(
            verify(&forger.sign(header("k2"), claims()), &keys, &expect()),
            Err(TokenError::UnknownKey)
        );
    }

    #[test]
    fn unsigned_and_hmac_tokens_are_refused() {
        let s = Signer::new("k1");
        let keys = Jwks { keys: vec![s.jwk()] };
        let body = B64URL.encode(claims().to_string());
        for alg in ["none", "HS256", "RS384", "ES384"] {
            let head = B64URL.encode(serde_json::json!({"alg": alg, "kid": "k1"}).to_string());
            let token = format!("{head}.{body}.");
            assert!(
                matches!(verify(&token, &keys, &expect()), Err(TokenError::Algorithm(_))),
                "{alg}"
            );
        }
        let crit = s.sign(
            serde_json::json!({"alg": "ES256", "kid": "k1", "crit": ["exp"]}),
            claims(),
        );
        assert_eq!(verify(&crit, &keys, &expect()), Err(TokenError::Critical));
    }

    #[test]
    fn claims_are_checked() {
        let s = Signer::new("k1");
        let keys = Jwks { keys: vec![s.jwk()] };
        let with = |k: &str, v: serde_json::Value| {
            let mut c = claims();
            c[k] = v;
            verify(&s.sign(header("k1"), c), &keys, &expect())
        };
        assert_eq!(
            with("iss", "https://evil.example".into()),
            Err(TokenError::Claim("iss"))
        );
        assert_eq!(with("aud", "other".into()), Err(TokenError::Claim("aud")));
        assert_eq!(
            with("aud", serde_json::json!(["yici", "other"])),
            Err(TokenError::Claim("azp"))
        );
        assert_eq!(with("nonce", "replayed".into()), Err(TokenError::Claim("nonce")));
        assert_eq!(with("exp", (NOW - 3600).into()), Err(TokenError::Expired));
        assert_eq!(with("iat", (NOW + 3600).into()), Err(TokenError::NotYetValid));
        assert_eq!(with("sub", "".into()), Err(TokenError::Claim("sub")));
        let mut c = claims();
        c["aud"] = serde_json::json!(["yici", "other"]);
        c["azp"] = "yici".into();
        assert!(verify(&s.sign(header("k1"), c), &keys, &expect()).is_ok());
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let keys = Jwks::default();
        for t in ["", "a", "a.b", "a.b.c.d", "!!.??.**", "eyJhbGciOiJFUzI1NiJ9.你.好"] {
            assert!(verify(t, &keys, &expect()).is_err(), "{t}");
        }
    }
}
