//! Property tests: a valid identifier with one character changed is no longer valid.
//!
//! Region codes carry no check digit (a neighbouring code may well exist), so for them the
//! property is that a six-digit value is accepted exactly when the shipped table lists it.

use proptest::prelude::*;
use yici_core::id::{CertificateId, CitizenId, OrgCode, RegionCode, Uscc, region_table};

const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn county_codes() -> Vec<String> {
    region_table().keys().cloned().collect()
}

fn region() -> impl Strategy<Value = String> {
    let codes = county_codes();
    (0..codes.len()).prop_map(move |i| codes[i].clone())
}

fn org_code_with(alphabet: &'static [u8]) -> impl Strategy<Value = String> {
    proptest::collection::vec(0..alphabet.len(), 8).prop_filter_map("check must be in alphabet", move |idx| {
        let body: String = idx.iter().map(|&i| alphabet[i] as char).collect();
        let with_check = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X"]
            .iter()
            .map(|c| format!("{body}{c}"))
            .find(|s| OrgCode::parse(s).is_ok())?;
        with_check
            .bytes()
            .all(|b| alphabet.contains(&b) || b == b'X')
            .then_some(with_check)
    })
}

fn uscc() -> impl Strategy<Value = Uscc> {
    let pairs = [
        ("9", "1"),
        ("9", "2"),
        ("9", "3"),
        ("1", "1"),
        ("1", "2"),
        ("5", "1"),
        ("5", "3"),
        ("Y", "1"),
    ];
    (0..pairs.len(), region(), org_code_with(USCC_ALPHABET)).prop_map(move |(p, r, o)| {
        Uscc::with_check(&format!("{}{}{}{}", pairs[p].0, pairs[p].1, r, o)).expect("generated USCC is valid")
    })
}

fn citizen() -> impl Strategy<Value = CitizenId> {
    (region(), 1930i32..2020, 1u32..13, 1u32..29, 0u32..1000).prop_map(|(r, y, m, d, seq)| {
        CitizenId::with_check(&format!("{r}{y:04}{m:02}{d:02}{seq:03}")).expect("generated ID is valid")
    })
}

/// Replace the character at `pos` by a different one from `alphabet`.
fn mutate(s: &str, pos: usize, pick: usize, alphabet: &[u8]) -> String {
    let mut bytes = s.as_bytes().to_vec();
    let candidates: Vec<u8> = alphabet.iter().copied().filter(|&b| b != bytes[pos]).collect();
    bytes[pos] = candidates[pick % candidates.len()];
    String::from_utf8(bytes).unwrap()
}

proptest! {
    #[test]
    fn uscc_single_substitution_is_detected(u in uscc(), pos in 0usize..18, pick in 0usize..64) {
        let changed = mutate(u.as_str(), pos, pick, USCC_ALPHABET);
        prop_assert!(Uscc::parse(&changed).is_err(), "{} -> {}", u, changed);
    }

    #[test]
    fn citizen_id_single_substitution_is_detected(id in citizen(), pos in 0usize..18, pick in 0usize..64) {
        let alphabet: &[u8] = if pos == 17 { b"0123456789X" } else { b"0123456789" };
        let changed = mutate(id.as_str(), pos, pick, alphabet);
        prop_assert!(CitizenId::parse(&changed).is_err(), "{} -> {}", id, changed);
    }

    /// GB 11714's MOD 11 cannot see a character swapped for one 11, 22 or 33 values away
    /// (`R` for `5`), so the property is stated for numeric codes and digit substitutions,
    /// which it always detects.
    #[test]
    fn org_code_single_digit_substitution_is_detected(code in org_code_with(b"0123456789"), pos in 0usize..9, pick in 0usize..64) {
        let alphabet: &[u8] = if pos == 8 { b"0123456789X" } else { b"0123456789" };
        let changed = mutate(&code, pos, pick, alphabet);
        prop_assert!(OrgCode::parse(&changed).is_err(), "{} -> {}", code, changed);
    }

    #[test]
    fn certificate_id_single_substitution_is_detected(
        u in uscc(), seq in 0u32..1000, issuer in uscc(), serial in "[0-9A-Z]{1,16}", version in 1u16..999,
        which in 0usize..1000, pick in 0usize..64,
    ) {
        let ty = format!("{}{seq:03}", u.as_str());
        let id = CertificateId::generate(&ty, issuer.as_str(), &serial, version).unwrap();
        let s = id.as_str();
        // Only the characters after the fixed root, and never the dots.
        let positions: Vec<usize> = s.char_indices().skip(15).filter(|(_, c)| *c != '.').map(|(i, _)| i).collect();
        let pos = positions[which % positions.len()];
        let changed = mutate(s, pos, pick, ALNUM);
        prop_assert!(CertificateId::parse(&changed).is_err(), "{} -> {}", s, changed);
    }

    #[test]
    fn six_digit_region_is_valid_exactly_when_listed(n in 100000u32..999999) {
        let code = n.to_string();
        prop_assert_eq!(RegionCode::parse(&code).is_ok(), region_table().contains_key(&code));
    }
}
