//! Property tests: every parser of untrusted text answers arbitrary Unicode with a value or an
//! error, never a panic. The strategies build strings of the right lengths from digits, letters
//! and multi-byte characters, so a byte-index slice that lands inside a character is found.

use std::collections::BTreeMap;

use proptest::prelude::*;
use yici_core::catalogue::{Classification, parse_resource_code};
use yici_core::certificate::{Content, parse_date, parse_type_code};
use yici_core::id::{CertificateId, CitizenId, OrgCode, RegionCode, Uscc, detect};
use yici_core::masking::{ValueKind, mask};
use yici_core::org::{ApplicantId, mask_name, password_problem, valid_username};

/// Characters an identifier is made of, and characters that are not: multi-byte letters of
/// two, three and four bytes, combining marks, controls, spaces and full-width digits.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('0', '9'),
        2 => proptest::sample::select(vec!['X', 'x', 'A', 'Y', '-', '.', '/']),
        2 => proptest::sample::select(vec!['你', 'é', 'Ж', '𝟘', '\u{0301}', '０', '\u{00A0}', '\0', '\n', ' ', '％']),
        1 => any::<char>(),
    ]
}

/// Strings up to 30 characters, often of the lengths identifiers have.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(tricky_char(), 0..30),
        (prop_oneof![Just(6usize), Just(9), Just(12), Just(15), Just(17), Just(18), Just(21)])
            .prop_flat_map(|n| proptest::collection::vec(tricky_char(), n..=n)),
    ]
    .prop_map(|chars| chars.into_iter().collect())
}

/// Valid-looking prefixes followed by tricky characters: the parsers' later branches.
fn prefixed_text() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(vec![
            "",
            "11010519491231002",
            "1101051949123100",
            "110105491231002",
            "91330100MA2",
            "1.2.156.3005.2.",
            "1.2.156.3005.2.11100000000013338W001.",
            "330100",
            "33010",
            "101001",
            "101001/",
        ]),
        proptest::collection::vec(tricky_char(), 0..8),
    )
        .prop_map(|(head, tail)| format!("{head}{}", tail.into_iter().collect::<String>()))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![tricky_text(), prefixed_text(), ".*"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn identifier_parsers_never_panic(s in any_text()) {
        let _ = CitizenId::parse(&s);
        let _ = CitizenId::upgrade_15(&s);
        let _ = CitizenId::with_check(&s);
        let _ = Uscc::parse(&s);
        let _ = Uscc::parse_lenient(&s);
        let _ = Uscc::with_check(&s);
        let _ = OrgCode::parse(&s);
        let _ = RegionCode::parse(&s);
        let _ = CertificateId::parse(&s);
        let _ = ApplicantId::parse(&s);
        let _ = detect(&s);
    }

    #[test]
    fn parsed_values_are_usable(s in any_text()) {
        if let Ok(r) = RegionCode::parse(&s) {
            let _ = (r.level(), r.parent(), r.path_names(), r.statistical());
        }
        if let Ok(id) = CitizenId::parse(&s) {
            let _ = (id.region(), id.birth_date(), id.masked());
        }
        if let Ok(id) = ApplicantId::parse(&s) {
            let _ = (id.masked(), id.as_str());
        }
        if let Ok(c) = Classification::parse(&s) {
            let _ = c.class();
        }
    }

    #[test]
    fn code_and_text_parsers_never_panic(s in any_text()) {
        let _ = Classification::parse(&s);
        let _ = parse_resource_code(&s);
        let _ = parse_type_code(&s);
        let _ = parse_date(&s);
        let _ = valid_username(&s);
        let _ = password_problem(&s, yici_core::Lang::Zh);
        let _ = mask_name(&s);
        for kind in [ValueKind::IdNumber, ValueKind::Name, ValueKind::Phone, ValueKind::Address, ValueKind::Plain] {
            let _ = mask(kind, &s);
        }
        let _ = Content::parse(s.as_bytes());
        let _ = yici_core::audit::EntryContent::parse(s.as_bytes());
        let mut data = BTreeMap::new();
        data.insert(s.clone(), s.clone());
        let _ = serde_json::to_string(&data);
    }
}

/// The example of the defect report: a multi-byte character where the 17th byte falls.
#[test]
fn applicant_number_with_a_multi_byte_character_is_an_error() {
    for s in [
        "1234567890123456你",
        "1234567890123456你x",
        "11010519491231002你",
        "你11010519491231002",
    ] {
        assert!(ApplicantId::parse(s).is_err(), "{s}");
        assert!(detect(s).is_err(), "{s}");
    }
}

/// A lower-case check character `x` is the same number as with `X`.
#[test]
fn lower_case_x_in_a_citizen_id_is_normalised() {
    let id = ApplicantId::parse("11010519491231002x").expect("valid with a lower-case x");
    assert_eq!(id.as_str(), "11010519491231002X");
    assert_eq!(id.kind_code(), "person");
    assert_eq!(
        CitizenId::parse("11010519491231002x").expect("normalised").as_str(),
        "11010519491231002X"
    );
    assert_eq!(
        detect("11010519491231002x").expect("detected").canonical,
        "11010519491231002X"
    );
}
