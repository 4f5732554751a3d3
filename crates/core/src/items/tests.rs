use super::*;
use std::collections::BTreeMap;

const ID_CARD: &str = "11330000MB0001038L001";
const MARRIAGE: &str = "11330000MB0001089W001";
const PROPERTY: &str = "11330000MB0001046F001";

fn known() -> Known {
    Known {
        certificate_types: [ID_CARD, MARRIAGE, PROPERTY].iter().map(|s| s.to_string()).collect(),
        resource_items: [("101001/000001".to_string(), "公民身份号码".to_string())]
            .into_iter()
            .collect(),
        items: ["000107001000".to_string()].into_iter().collect(),
        implementing: [4, 5, 6].into_iter().collect(),
    }
}

fn material(code: &str, name: &str, source: Source, when: &str) -> Material {
    Material {
        code: code.into(),
        name: name.into(),
        required: true,
        form: MaterialForm::Electronic,
        copies: 1,
        standard: String::new(),
        source,
        deferrable: false,
        applies_when: when.into(),
    }
}

fn step(stage: u32, department_id: i64, days: u32, lead: bool) -> Step {
    Step {
        stage,
        name: format!("环节{stage}-{department_id}"),
        department_id,
        days,
        signing: Signing::Any,
        required: true,
        lead,
        issues: None,
    }
}

/// 不动产转移登记 (二手房), in the shape the demo uses.
fn transfer() -> ItemVersion {
    ItemVersion {
        name: "不动产转移登记（二手房买卖）".into(),
        level: Level::City,
        applicant_types: vec![ApplicantType::Person, ApplicantType::Enterprise],
        case_type: CaseType::Promised,
        legal_limit: TimeLimit::working(30),
        promised_limit: TimeLimit::working(5),
        visits: 1,
        visits_reason: String::new(),
        depth: Depth::Acceptance,
        conditions: vec![Requirement {
            text: "买卖双方已签订房屋买卖合同".into(),
            applies_when: String::new(),
        }],
        legal_basis: "《不动产登记暂行条例》第十四条".into(),
        questions: vec![Question {
            code: "married".into(),
            text: "卖方是否已婚".into(),
            choices: vec![
                Choice {
                    code: "yes".into(),
                    label: "已婚".into(),
                },
                Choice {
                    code: "no".into(),
                    label: "未婚".into(),
                },
            ],
        }],
        materials: vec![
            material(
                "id_card",
                "身份证明",
                Source::Certificate {
                    type_code: ID_CARD.into(),
                },
                "",
            ),
            material(
                "title",
                "不动产权证书",
                Source::Certificate {
                    type_code: PROPERTY.into(),
                },
                "",
            ),
            material(
                "marriage",
                "婚姻关系证明",
                Source::Certificate {
                    type_code: MARRIAGE.into(),
                },
                "married = yes",
            ),
            material(
                "spouse_consent",
                "配偶同意出售的书面意见",
                Source::Applicant,
                "married = yes",
            ),
            material("contract", "房屋买卖合同", Source::Applicant, ""),
        ],
        process: vec![step(1, 4, 3, true), step(1, 5, 2, false), step(2, 6, 2, false)],
        fees: vec![Fee {
            name: "不动产登记费".into(),
            amount_fen: 8000,
            basis: "发改价格规〔2016〕2559号".into(),
        }],
        delivery: vec![Delivery::Window, Delivery::Electronic],
        scope: Scope::CityWide,
        windows: vec![],
        form: vec![FormField {
            element: "DE00001".into(),
            label: "姓名".into(),
            required: true,
        }],
        consult_phone: "12345".into(),
        complaint_phone: "12345".into(),
        themes: vec!["房产".into()],
    }
}

fn fields(p: &[crate::catalogue::FieldProblem]) -> Vec<&str> {
    p.iter().map(|p| p.field.as_str()).collect()
}

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn a_sound_version_has_no_problems() {
    assert_eq!(transfer().problems(&known()), vec![]);
}

#[test]
fn each_rule_is_a_field_problem() {
    let k = known();
    let mut v = transfer();
    v.promised_limit = TimeLimit::working(31);
    assert!(fields(&v.problems(&k)).contains(&"promised_limit"));
    // 22 working days are more than 30 calendar days.
    v.legal_limit = TimeLimit {
        days: 30,
        unit: DayUnit::Natural,
    };
    v.promised_limit = TimeLimit::working(22);
    assert!(fields(&v.problems(&k)).contains(&"promised_limit"));
    v.promised_limit = TimeLimit::working(21);
    assert!(!fields(&v.problems(&k)).contains(&"promised_limit"));

    // Day counts at the edge of u32 are refused, never overflowed.
    let mut v = transfer();
    v.legal_limit = TimeLimit {
        days: u32::MAX,
        unit: DayUnit::Natural,
    };
    v.promised_limit = TimeLimit::working(u32::MAX);
    v.process[0].days = u32::MAX;
    v.process[1].days = u32::MAX;
    let f = v.problems(&k);
    assert!(fields(&f).contains(&"legal_limit") && fields(&f).contains(&"process[0].days"));

    let mut v = transfer();
    v.visits = 2;
    assert_eq!(fields(&v.problems(&k)), ["visits_reason"]);
    v.visits_reason = "需现场核验房屋".into();
    assert_eq!(v.problems(&k), vec![]);

    let mut v = transfer();
    v.materials[0].source = Source::Certificate {
        type_code: "11330000MB0001038L999".into(),
    };
    v.materials[4].source = Source::Record {
        resource_code: "101001/000001".into(),
        key_item: "姓名".into(),
    };
    v.materials[3].applies_when = "divorced = yes".into();
    v.process[1].department_id = 99;
    assert_eq!(
        fields(&v.problems(&k)),
        [
            "materials[0].source",
            "materials[3].applies_when",
            "materials[4].source",
            "process[1].department_id"
        ]
    );

    let mut v = transfer();
    v.materials[2].applies_when = "married = maybe".into();
    v.process[0].days = 10;
    v.materials[1].code = "id_card".into();
    assert_eq!(
        fields(&v.problems(&k)),
        ["materials[1].code", "materials[2].applies_when", "process"]
    );
}

#[test]
fn the_guide_lists_exactly_what_applies_and_what_is_fetched() {
    let v = transfer();
    let married = guide(&v, &answers(&[("married", "yes")])).unwrap();
    let names: Vec<&str> = married.materials.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "身份证明",
            "不动产权证书",
            "婚姻关系证明",
            "配偶同意出售的书面意见",
            "房屋买卖合同"
        ]
    );
    assert_eq!(married.exempt(), 3);
    assert_eq!(
        married.materials[2].exempt_source,
        Some(Source::Certificate {
            type_code: MARRIAGE.into()
        })
    );
    assert_eq!(married.materials[3].exempt_source, None);
    assert_eq!(married.promise.zh, "最多跑一次");
    assert!(married.unanswered.is_empty());

    let single = guide(&v, &answers(&[("married", "no")])).unwrap();
    assert_eq!(single.materials.len(), 3);
    // Unanswered: what depends on the answer waits for it.
    let open = guide(&v, &answers(&[])).unwrap();
    assert_eq!(open.materials.len(), 3);
    assert_eq!(open.unanswered.len(), 1);

    let bad = guide(&v, &answers(&[("married", "maybe"), ("pets", "yes")])).unwrap_err();
    assert_eq!(fields(&bad), ["answer.married", "answer.pets"]);
}

#[test]
fn a_bundle_asks_each_question_and_each_held_document_once() {
    let a = transfer();
    let mut b = transfer();
    b.name = "存量房交易税费申报".into();
    b.visits = 0;
    b.promised_limit = TimeLimit::working(8);
    b.legal_limit = TimeLimit::working(30);
    b.materials = vec![
        material(
            "seller_id",
            "卖方身份证件",
            Source::Certificate {
                type_code: ID_CARD.into(),
            },
            "",
        ),
        material("contract", "房屋买卖合同", Source::Applicant, ""),
        material("invoice", "购房发票", Source::Applicant, ""),
    ];
    b.process = vec![step(1, 5, 3, false)];
    b.process[0].issues = Some(PROPERTY.into());
    let g = bundle_guide(
        "二手房转移登记",
        &[("转移登记", &a), ("税费", &b)],
        &answers(&[("married", "no")]),
    )
    .unwrap();
    let names: Vec<&str> = g.materials.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["身份证明", "不动产权证书", "房屋买卖合同", "购房发票"]);
    assert_eq!(g.materials[0].items, ["转移登记", "税费"]);
    assert_eq!(g.materials[2].items, ["转移登记", "税费"]);
    assert_eq!(g.promised_limit, TimeLimit::working(8));
    assert_eq!(g.visits, 1);
    assert_eq!(g.form.len(), 1, "one field per data element");
    assert_eq!(g.results, [PROPERTY]);
}

#[test]
fn the_promise_reads_as_people_say_it() {
    assert_eq!(Promise::of(0, "").zh, "零跑腿");
    assert_eq!(Promise::of(1, "").en, "At most one visit");
    assert_eq!(Promise::of(2, "现场勘验").zh, "需到现场2次：现场勘验");
}

#[test]
fn versions_move_draft_review_published_withdrawn() {
    use VersionStatus::*;
    assert_eq!(VersionStep::Submit.after(Draft), Some(Review));
    assert_eq!(VersionStep::Approve.after(Review), Some(Published));
    assert_eq!(VersionStep::Reject.after(Review), Some(Draft));
    assert_eq!(VersionStep::Withdraw.after(Published), Some(Withdrawn));
    assert_eq!(VersionStep::Approve.after(Draft), None);
    assert_eq!(VersionStep::Withdraw.after(Draft), None);
    for s in [Draft, Review, Published, Superseded, Withdrawn] {
        assert_eq!(VersionStatus::from_code(s.code()), Some(s));
    }
}
