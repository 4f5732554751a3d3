use super::*;
use crate::id::RegionCode;
use chrono::NaiveDate;
use proptest::prelude::*;

fn qz() -> RegionCode {
    RegionCode::parse("330800").unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

#[test]
fn case_numbers_carry_region_day_serial_and_check() {
    let n = CaseNo::new(&qz(), day(), 123).unwrap();
    assert_eq!(n.as_str().len(), 21);
    assert!(n.as_str().starts_with("33080020261130000123"));
    assert_eq!(n.region(), "330800");
    assert_eq!(n.day(), day());
    assert_eq!(CaseNo::parse("case_no", n.as_str()).unwrap(), n);
    // People's spellings: spaces, hyphens, lower case.
    let spaced = format!(
        "{}-{} {}",
        &n.as_str()[..6],
        &n.as_str()[6..14],
        &n.as_str()[14..].to_lowercase()
    );
    assert_eq!(CaseNo::parse("case_no", &spaced).unwrap(), n);
    assert!(CaseNo::new(&qz(), day(), 0).is_err());
    assert!(CaseNo::new(&qz(), day(), MAX_SERIAL + 1).is_err());
}

#[test]
fn wrong_case_numbers_are_refused_with_their_reason() {
    let n = CaseNo::new(&qz(), day(), 7).unwrap();
    let s = n.as_str();
    for (bad, words) in [
        ("", "21"),
        ("33080020261130000007", "21"),
        ("3308002026113000000AX", "数字"),
        ("99990020261130000007X", "区划"),
        ("33080020261332000007X", "日期"),
    ] {
        let e = CaseNo::parse("case_no", bad).unwrap_err();
        assert!(e.zh.contains(words), "{bad}: {}", e.zh);
    }
    // A changed digit or two swapped neighbours are caught by the check character.
    let mut changed: Vec<char> = s.chars().collect();
    changed[17] = if changed[17] == '1' { '2' } else { '1' };
    assert!(
        CaseNo::parse("case_no", &changed.iter().collect::<String>())
            .unwrap_err()
            .zh
            .contains("校验位")
    );
    let mut swapped: Vec<char> = s.chars().collect();
    swapped.swap(14, 19);
    if swapped != s.chars().collect::<Vec<_>>() {
        assert!(CaseNo::parse("case_no", &swapped.iter().collect::<String>()).is_err());
    }
    assert!(CaseNo::parse("case_no", "长长长长长长长长长长长长长长长长长长长长长").is_err());
}

proptest! {
    #[test]
    fn any_text_is_read_or_refused(s in ".{0,40}") {
        let _ = CaseNo::parse("case_no", &s);
    }

    #[test]
    fn every_serial_round_trips(serial in 1u32..=MAX_SERIAL) {
        let n = CaseNo::new(&qz(), day(), serial).unwrap();
        prop_assert_eq!(CaseNo::parse("case_no", n.as_str()).unwrap(), n);
    }
}

#[test]
fn steps_follow_the_state_machine() {
    use CaseStatus as S;
    use CaseStep as T;
    assert_eq!(T::Submit.after(S::Draft), Some(S::Received));
    assert_eq!(T::Accept.after(S::Received), Some(S::Processing));
    assert_eq!(T::Notice.after(S::Received), Some(S::Supplementing));
    assert_eq!(T::Supply.after(S::Supplementing), Some(S::Received));
    assert_eq!(T::Approve.after(S::Received), Some(S::Approved), "即办件");
    assert_eq!(T::Refuse.after(S::Processing), Some(S::Refused));
    assert_eq!(T::Deliver.after(S::Refused), Some(S::Delivered));
    // Out of order: approve before acceptance is only the on-the-spot conclusion; nothing is
    // decided twice or after the end.
    assert_eq!(T::Accept.after(S::Processing), None);
    assert_eq!(T::Approve.after(S::Approved), None);
    assert_eq!(T::Refuse.after(S::Received), None);
    assert_eq!(T::Withdraw.after(S::Approved), None);
    assert_eq!(T::Deliver.after(S::Processing), None);
    assert_eq!(T::Void.after(S::Void), None);
    for s in CaseStatus::ALL {
        assert_eq!(CaseStatus::from_code(s.code()), Some(*s));
        if s.closed() && *s != S::Delivered {
            assert!(
                CaseStep::ALL
                    .iter()
                    .filter(|t| **t != T::Void)
                    .all(|t| t.after(*s).is_none()),
                "{s:?} is closed"
            );
        }
    }
    assert_eq!(T::Accept.event(), "case.accept");
}

#[test]
fn signing_rules_decide_tasks() {
    use crate::items::Signing;
    assert_eq!(task_outcome(Signing::Any, &[1, 2], &[], &[]), None);
    assert_eq!(task_outcome(Signing::Any, &[1, 2], &[2], &[]), Some(true));
    assert_eq!(task_outcome(Signing::All, &[1, 2], &[2], &[]), None);
    assert_eq!(task_outcome(Signing::All, &[1, 2], &[2, 1], &[]), Some(true));
    assert_eq!(task_outcome(Signing::All, &[1, 2], &[1], &[2]), Some(false));
    assert_eq!(
        task_outcome(Signing::All, &[], &[1], &[]),
        None,
        "会签 needs its assignees"
    );
}

#[test]
fn stages_open_one_after_another_and_a_refusal_ends_the_case() {
    let t = |stage, required, status| TaskState {
        stage,
        required,
        status,
    };
    use TaskStatus::*;
    assert_eq!(
        stage_outcome(&[t(1, true, Waiting), t(2, true, Waiting)]),
        StageOutcome::Open(1)
    );
    assert_eq!(
        stage_outcome(&[t(1, true, Open), t(1, true, Approved), t(2, true, Waiting)]),
        StageOutcome::Waiting
    );
    assert_eq!(
        stage_outcome(&[t(1, true, Approved), t(1, false, Open), t(2, true, Waiting)]),
        StageOutcome::Open(2),
        "an optional step does not hold the stage"
    );
    assert_eq!(
        stage_outcome(&[t(1, true, Approved), t(2, true, Approved)]),
        StageOutcome::Approved
    );
    assert_eq!(
        stage_outcome(&[t(1, true, Refused), t(1, true, Open), t(2, true, Waiting)]),
        StageOutcome::Refused
    );
    assert_eq!(
        stage_outcome(&[t(1, false, Refused), t(1, true, Approved)]),
        StageOutcome::Approved,
        "an optional step's refusal does not refuse the case"
    );
}

#[test]
fn a_second_notice_names_only_what_the_first_named_or_was_supplied_since() {
    let first = vec!["contract".to_string(), "photo".to_string()];
    assert!(notice_beyond_first(None, &[], &["anything".into()]).is_empty());
    assert!(notice_beyond_first(Some(&first), &[], &["photo".into()]).is_empty());
    assert!(notice_beyond_first(Some(&first), &["tax".into()], &["tax".into()]).is_empty());
    assert_eq!(
        notice_beyond_first(Some(&first), &[], &["photo".into(), "marriage".into()]),
        ["marriage"]
    );
}

#[test]
fn parties_are_people_or_organisations() {
    assert!(party_identifier("parties[0].id_number", "11010519491231002X").is_ok());
    assert!(party_identifier("parties[0].id_number", "11330000MB000102XL").is_ok());
    assert_eq!(
        party_identifier("parties[0].id_number", "12345").unwrap_err().field,
        "parties[0].id_number"
    );
}

#[test]
fn a_bundle_item_waits_for_what_it_needs_and_the_rest_run_in_parallel() {
    // 营业执照 first (one stage); 公章, 税务 and 社保 need it and then run together.
    assert_eq!(
        bundle_offsets(&[1, 1, 1, 1], &[vec![], vec![0], vec![0], vec![0]]),
        vec![0, 1, 1, 1]
    );
    // Nothing needed: everything at once.
    assert_eq!(bundle_offsets(&[2, 1, 1], &[vec![], vec![], vec![]]), vec![0, 0, 0]);
    // A chain adds up the stages before it.
    assert_eq!(bundle_offsets(&[2, 1, 1], &[vec![], vec![0], vec![1]]), vec![0, 2, 3]);
    // A cycle (or a need of itself, or of no item) is ignored rather than waited on forever.
    let cyclic = bundle_offsets(&[1, 1], &[vec![1], vec![0]]);
    assert!(cyclic.contains(&0), "{cyclic:?}");
    assert_eq!(bundle_offsets(&[1], &[vec![0, 7]]), vec![0]);
}

#[test]
fn a_registration_assigns_a_valid_code_of_its_own() {
    let a = CaseNo::new(&qz(), day(), 1).unwrap();
    let b = CaseNo::new(&qz(), day(), 2).unwrap();
    let later = CaseNo::new(&qz(), day().succ_opt().unwrap(), 1).unwrap();
    let (ua, ub, ul) = (
        a.registered_uscc().unwrap(),
        b.registered_uscc().unwrap(),
        later.registered_uscc().unwrap(),
    );
    assert!(ua.as_str().starts_with("91330800M"), "{}", ua.as_str());
    assert_ne!(ua, ub);
    assert_ne!(ua, ul);
    assert_eq!(a.registered_uscc().unwrap(), ua, "the same case, the same code");
    assert_eq!(crate::id::Uscc::parse(ua.as_str()).unwrap(), ua);
    assert_eq!(a.serial(), 1);
}
