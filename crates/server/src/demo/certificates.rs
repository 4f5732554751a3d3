//! The demo certificate library: 22 certificate types defined by the demo departments, a seal
//! for each defining department, and certificates for the demo citizen and company.
//!
//! Seeding is idempotent: types are saved only when they differ, seals are made only for
//! departments without an active one, and certificates carry issue keys so a second run finds
//! the ones issued by the first.

use super::anyhow_like;
use super::ev;
use crate::state::AppState;
use std::collections::{BTreeMap, HashMap};
use yici_certificates::IssueRequest;
use yici_core::audit::Action;
use yici_core::certificate::{CertificateType, FieldKind, FieldSpec, HolderKind, Layout, Template, ValidityRule};
use yici_core::id::Uscc;

/// The demo citizen (the standard's own example ID number) and company.
pub const DEMO_CITIZEN: (&str, &str) = ("11010519491231002X", "张三");
pub fn demo_company() -> (String, &'static str) {
    (
        Uscc::generate("91", "330106", "MA2KX001")
            .expect("demo credit codes are valid")
            .to_string(),
        "杭州一次科技有限公司",
    )
}

/// The English label of a demo field, for pages read in English.
fn english_label(label: &str) -> &'static str {
    match label {
        "不动产单元号" => "Property unit number",
        "主体业态" => "Kind of business",
        "权利类型" => "Type of right",
        "个人账号" => "Personal account",
        "住址" => "Address",
        "住所" => "Domicile",
        "使用地点" => "Place of use",
        "准驾车型" => "Permitted vehicle class",
        "出生" => "Date of birth",
        "出生地点" => "Place of birth",
        "出生日期" => "Date of birth",
        "初次领证日期" => "First issued on",
        "卡号" => "Card number",
        "原配偶姓名" => "Former spouse's name",
        "原配偶身份证件号" => "Former spouse's ID number",
        "发卡地" => "Issued in",
        "发证日期" => "Issued on",
        "号牌号码" => "Plate number",
        "坐落" => "Location",
        "实缴税额（元）" => "Tax paid (yuan)",
        "就业状态" => "Employment status",
        "居住地" => "Region of residence",
        "居住地址" => "Residential address",
        "性别" => "Sex",
        "成立日期" => "Established on",
        "户别" => "Household type",
        "户号" => "Household number",
        "户籍地" => "Registered region",
        "所属年度" => "Tax year",
        "执业机构" => "Practice institution",
        "执业类别" => "Practice category",
        "执业范围" => "Scope of practice",
        "新生儿姓名" => "Newborn's name",
        "月缴存额（元）" => "Monthly contribution (yuan)",
        "母亲姓名" => "Mother's name",
        "母亲身份证件号" => "Mother's ID number",
        "民族" => "Ethnic group",
        "法定代表人" => "Legal representative",
        "注册日期" => "Registered on",
        "注册资本（万元）" => "Registered capital (10,000 yuan)",
        "用途" => "Use",
        "登记日期" => "Registered on",
        "等级" => "Level",
        "类型" => "Type",
        "经营地址" => "Business address",
        "经营场所" => "Business premises",
        "经营范围" => "Business scope",
        "经营项目" => "Business activities",
        "缴存单位" => "Contributing employer",
        "职业（工种）" => "Occupation",
        "被收养人姓名" => "Adoptee's name",
        "设备代码" => "Equipment code",
        "设备名称" => "Equipment name",
        "证明权利或事项" => "Right or matter certified",
        "质量负责人" => "Quality officer",
        "车辆类型" => "Vehicle type",
        "车辆识别代号" => "Vehicle identification number",
        "连续缴存月数" => "Months contributed in a row",
        "配偶姓名" => "Spouse's name",
        "配偶身份证件号" => "Spouse's ID number",
        "面积（平方米）" => "Area (m²)",
        "项目名称" => "Project name",
        "预售面积（平方米）" => "Pre-sale area (m²)",
        _ => "",
    }
}

/// The English name of a demo type.
fn english_name(name: &str) -> &'static str {
    match name {
        "居民身份证" => "Resident identity card",
        "户口簿" => "Household register",
        "居住证" => "Residence permit",
        "驾驶证" => "Driving licence",
        "机动车行驶证" => "Vehicle licence",
        "结婚证" => "Marriage certificate",
        "离婚证" => "Divorce certificate",
        "收养登记证" => "Adoption registration certificate",
        "出生医学证明" => "Medical birth certificate",
        "医师执业证书" => "Physician practising certificate",
        "营业执照" => "Business licence",
        "食品经营许可证" => "Food business licence",
        "药品经营许可证" => "Pharmaceutical trading licence",
        "特种设备使用登记证" => "Special equipment registration",
        "不动产权证书" => "Real property certificate",
        "不动产登记证明" => "Real property registration proof",
        "社会保障卡" => "Social security card",
        "就业创业证" => "Employment and entrepreneurship card",
        "职业资格证书" => "Vocational qualification certificate",
        "住房公积金缴存证明" => "Housing provident fund contribution proof",
        "商品房预售许可证" => "Pre-sale permit for commercial housing",
        "完税证明" => "Tax payment certificate",
        _ => "",
    }
}

fn field(name: &str, label: &str, kind: FieldKind, required: bool) -> FieldSpec {
    FieldSpec {
        name: name.into(),
        label: label.into(),
        label_en: english_label(label).into(),
        kind,
        required,
        choices: vec![],
    }
}

fn choice(name: &str, label: &str, choices: &[&str]) -> FieldSpec {
    FieldSpec {
        name: name.into(),
        label: label.into(),
        label_en: english_label(label).into(),
        kind: FieldKind::Choice,
        required: true,
        choices: choices.iter().map(|c| c.to_string()).collect(),
    }
}

use FieldKind::{Date, Decimal, IdNumber, Integer, Region, Text};

/// One demo type: (defining department's organisation-code body, sequence, name, holder kind,
/// fields, validity, layout).
type TypeRow = (
    &'static str,
    u16,
    &'static str,
    HolderKind,
    Vec<FieldSpec>,
    ValidityRule,
    Layout,
);

fn types() -> Vec<TypeRow> {
    use HolderKind::{Organisation, Person};
    use ValidityRule::{IssuerSet, Months, Permanent, Years};
    vec![
        (
            "MB000103",
            1,
            "居民身份证",
            Person,
            vec![
                choice("sex", "性别", &["男", "女"]),
                field("ethnicity", "民族", Text, true),
                field("birth_date", "出生", Date, true),
                field("address", "住址", Text, true),
            ],
            IssuerSet,
            Layout::Card,
        ),
        (
            "MB000103",
            2,
            "户口簿",
            Person,
            vec![
                field("household_number", "户号", Text, true),
                choice("household_type", "户别", &["家庭户", "集体户"]),
                field("address", "住址", Text, true),
                field("region", "户籍地", Region, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000103",
            3,
            "居住证",
            Person,
            vec![
                field("address", "居住地址", Text, true),
                field("region", "居住地", Region, true),
            ],
            Years(1),
            Layout::Card,
        ),
        (
            "MB000103",
            4,
            "驾驶证",
            Person,
            vec![
                choice("class", "准驾车型", &["A1", "A2", "B1", "B2", "C1", "C2", "D", "E"]),
                field("first_issued", "初次领证日期", Date, true),
                field("address", "住址", Text, false),
            ],
            Years(6),
            Layout::Card,
        ),
        (
            "MB000103",
            5,
            "机动车行驶证",
            Person,
            vec![
                field("plate", "号牌号码", Text, true),
                field("vehicle_type", "车辆类型", Text, true),
                field("vin", "车辆识别代号", Text, true),
                field("registered_on", "注册日期", Date, true),
            ],
            Permanent,
            Layout::Card,
        ),
        (
            "MB000108",
            1,
            "结婚证",
            Person,
            vec![
                field("spouse_name", "配偶姓名", Text, true),
                field("spouse_id", "配偶身份证件号", IdNumber, true),
                field("registered_on", "登记日期", Date, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000108",
            2,
            "离婚证",
            Person,
            vec![
                field("former_spouse_name", "原配偶姓名", Text, true),
                field("former_spouse_id", "原配偶身份证件号", IdNumber, true),
                field("registered_on", "登记日期", Date, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000108",
            3,
            "收养登记证",
            Person,
            vec![
                field("child_name", "被收养人姓名", Text, true),
                field("registered_on", "登记日期", Date, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000110",
            1,
            "出生医学证明",
            Person,
            vec![
                field("child_name", "新生儿姓名", Text, true),
                choice("child_sex", "性别", &["男", "女"]),
                field("born_on", "出生日期", Date, true),
                field("birthplace", "出生地点", Text, true),
                field("mother_name", "母亲姓名", Text, true),
                field("mother_id", "母亲身份证件号", IdNumber, false),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000110",
            2,
            "医师执业证书",
            Person,
            vec![
                choice("category", "执业类别", &["临床", "中医", "口腔", "公共卫生"]),
                field("scope", "执业范围", Text, true),
                field("institution", "执业机构", Text, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000102",
            1,
            "营业执照",
            Organisation,
            vec![
                field("company_type", "类型", Text, true),
                field("legal_representative", "法定代表人", Text, true),
                field("registered_capital", "注册资本（万元）", Decimal, true),
                field("established_on", "成立日期", Date, true),
                field("address", "住所", Text, true),
                field("business_scope", "经营范围", Text, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000102",
            2,
            "食品经营许可证",
            Organisation,
            vec![
                field("premises", "经营场所", Text, true),
                choice(
                    "main_business",
                    "主体业态",
                    &["食品销售经营者", "餐饮服务经营者", "单位食堂"],
                ),
                field("items", "经营项目", Text, true),
            ],
            Years(5),
            Layout::Sheet,
        ),
        (
            "MB000102",
            3,
            "药品经营许可证",
            Organisation,
            vec![
                field("premises", "经营地址", Text, true),
                field("scope", "经营范围", Text, true),
                field("quality_officer", "质量负责人", Text, true),
            ],
            Years(5),
            Layout::Sheet,
        ),
        (
            "MB000102",
            4,
            "特种设备使用登记证",
            Organisation,
            vec![
                field("equipment", "设备名称", Text, true),
                field("registration_code", "设备代码", Text, true),
                field("location", "使用地点", Text, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000104",
            1,
            "不动产权证书",
            Person,
            vec![
                field("location", "坐落", Text, true),
                field("unit_number", "不动产单元号", Text, true),
                choice(
                    "right_type",
                    "权利类型",
                    &["国有建设用地使用权/房屋所有权", "集体土地使用权", "土地承包经营权"],
                ),
                field("area", "面积（平方米）", Decimal, true),
                field("usage", "用途", Text, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000104",
            2,
            "不动产登记证明",
            Person,
            vec![
                field("matter", "证明权利或事项", Text, true),
                field("location", "坐落", Text, true),
                field("unit_number", "不动产单元号", Text, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000107",
            1,
            "社会保障卡",
            Person,
            vec![
                field("card_number", "卡号", Text, true),
                field("issued_region", "发卡地", Region, true),
            ],
            Years(10),
            Layout::Card,
        ),
        (
            "MB000107",
            2,
            "就业创业证",
            Person,
            vec![
                choice("status", "就业状态", &["就业", "失业", "创业"]),
                field("registered_on", "登记日期", Date, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000107",
            3,
            "职业资格证书",
            Person,
            vec![
                field("occupation", "职业（工种）", Text, true),
                choice("level", "等级", &["五级", "四级", "三级", "二级", "一级"]),
                field("certified_on", "发证日期", Date, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
        (
            "MB000109",
            1,
            "住房公积金缴存证明",
            Person,
            vec![
                field("account", "个人账号", Text, true),
                field("employer", "缴存单位", Text, true),
                field("monthly_amount", "月缴存额（元）", Decimal, true),
                field("months", "连续缴存月数", Integer, true),
            ],
            Months(3),
            Layout::Sheet,
        ),
        (
            "MB000105",
            1,
            "商品房预售许可证",
            Organisation,
            vec![
                field("project", "项目名称", Text, true),
                field("location", "坐落", Text, true),
                field("area", "预售面积（平方米）", Decimal, true),
            ],
            Years(2),
            Layout::Sheet,
        ),
        (
            "MB000106",
            1,
            "完税证明",
            Person,
            vec![
                field("tax_year", "所属年度", Integer, true),
                field("amount", "实缴税额（元）", Decimal, true),
            ],
            Permanent,
            Layout::Sheet,
        ),
    ]
}

/// The demo types with their codes.
pub fn demo_types() -> Vec<CertificateType> {
    types()
        .into_iter()
        .map(
            |(org, seq, name, holder_kind, fields, validity, layout)| CertificateType {
                code: format!(
                    "{}{seq:03}",
                    Uscc::generate("11", "330000", org).expect("demo credit codes are valid")
                ),
                name: name.into(),
                name_en: english_name(name).into(),
                holder_kind,
                fields,
                validity,
                template: Template { layout, shown: vec![] },
            },
        )
        .collect()
}

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A demo certificate: type name, whether the company holds it, data, stated end date.
type DemoCertificate = (&'static str, bool, BTreeMap<String, String>, Option<&'static str>);

fn certificates() -> Vec<DemoCertificate> {
    vec![
        (
            "居民身份证",
            false,
            data(&[
                ("sex", "女"),
                ("ethnicity", "汉"),
                ("birth_date", "1949-12-31"),
                ("address", "浙江省杭州市西湖区西湖街道净寺社区1号"),
            ]),
            Some("2045-06-30"),
        ),
        (
            "户口簿",
            false,
            data(&[
                ("household_number", "330106012345"),
                ("household_type", "家庭户"),
                ("address", "浙江省杭州市西湖区西湖街道净寺社区1号"),
                ("region", "330106"),
            ]),
            None,
        ),
        (
            "结婚证",
            false,
            data(&[
                ("spouse_name", "李四"),
                ("spouse_id", "33010619900101123X"),
                ("registered_on", "2015-05-20"),
            ]),
            None,
        ),
        (
            "不动产权证书",
            false,
            data(&[
                ("location", "杭州市西湖区三墩镇某小区3幢2单元501室"),
                ("unit_number", "330106008001GB00001F00030501"),
                ("right_type", "国有建设用地使用权/房屋所有权"),
                ("area", "89.50"),
                ("usage", "住宅"),
            ]),
            None,
        ),
        (
            "社会保障卡",
            false,
            data(&[("card_number", "A33010612"), ("issued_region", "330106")]),
            None,
        ),
        (
            "住房公积金缴存证明",
            false,
            data(&[
                ("account", "330100000123"),
                ("employer", "杭州一次科技有限公司"),
                ("monthly_amount", "2400.00"),
                ("months", "36"),
            ]),
            None,
        ),
        (
            "营业执照",
            true,
            data(&[
                ("company_type", "有限责任公司"),
                ("legal_representative", "张三"),
                ("registered_capital", "100"),
                ("established_on", "2020-03-18"),
                ("address", "浙江省杭州市西湖区文三路100号"),
                ("business_scope", "软件开发；信息技术咨询服务"),
            ]),
            None,
        ),
        (
            "食品经营许可证",
            true,
            data(&[
                ("premises", "浙江省杭州市西湖区文三路100号一楼"),
                ("main_business", "餐饮服务经营者"),
                ("items", "热食类食品制售"),
            ]),
            None,
        ),
    ]
}

/// Seed the demo certificate library (needs the server state for the seal keys). Returns the
/// number of certificates the demo holds.
pub async fn seed(state: &AppState) -> anyhow_like::Result<usize> {
    let store = &state.store;
    let mut by_code: HashMap<String, (yici_store::departments::Department, CertificateType)> = HashMap::new();
    for t in demo_types() {
        let Some(d) = store.department_by_uscc(&t.code[..18]).await? else {
            continue;
        };
        let same = store
            .certificate_type(&t.code)
            .await?
            .is_some_and(|s| s.definition == t && s.department_id == d.id);
        if !same {
            store
                .certificate_type_put(d.id, &t, &ev(Action::CertificateTypeSave, "certificate_type"))
                .await?;
        }
        // The market's licences are found under grants for its catalogue resources.
        let resource = match t.name.as_str() {
            "营业执照" => Some("营业执照信息"),
            "食品经营许可证" => Some("食品经营许可信息"),
            _ => None,
        };
        if let Some(name) = resource
            && let Some(r) = store.catalogue_find(d.id, name).await?
            && store.certificate_type(&t.code).await?.and_then(|s| s.resource_id) != Some(r.id)
        {
            store
                .certificate_type_link(
                    &t.code,
                    Some(r.id),
                    &ev(Action::CertificateTypeLink, "certificate_type"),
                )
                .await?;
        }
        if store.seal_active(d.id).await?.is_none() {
            state
                .certificates
                .certs
                .make_seal(store, &d, &ev(Action::SealMake, "seal"))
                .await?;
        }
        by_code.insert(t.code.clone(), (d, t));
    }
    // The 衢州 counterparts issue results of the one window's cases (不动产权证书 for a
    // transfer, 营业执照 for a new business): each has its seal too.
    for d in store.list_departments(Some("3308"), yici_store::Page::all()).await? {
        if store.seal_active(d.id).await?.is_none() {
            state
                .certificates
                .certs
                .make_seal(store, &d, &ev(Action::SealMake, "seal"))
                .await?;
        }
    }
    let (company, company_name) = demo_company();
    let mut count = 0;
    for (i, (type_name, for_company, data, until)) in certificates().into_iter().enumerate() {
        let Some((d, t)) = by_code.values().find(|(_, t)| t.name == type_name) else {
            continue;
        };
        let (holder_code, holder_name) = if for_company {
            (company.clone(), company_name.to_string())
        } else {
            (DEMO_CITIZEN.0.to_string(), DEMO_CITIZEN.1.to_string())
        };
        let request = IssueRequest {
            type_code: t.code.clone(),
            holder_code,
            holder_name,
            data,
            valid_from: None,
            valid_until: until.and_then(|u| u.parse().ok()),
            number: None,
            region: None,
            issue_key: Some(format!("demo-{i}")),
        };
        let types = HashMap::from([(
            t.code.clone(),
            yici_store::certificates::StoredType {
                department_id: d.id,
                definition: t.clone(),
                resource_id: None,
                updated_at: 0,
            },
        )]);
        let issued = state
            .certificates
            .certs
            .issue(
                store,
                d,
                &types,
                &[request],
                &ev(Action::CertificateIssue, "certificate"),
            )
            .await?;
        match issued.into_iter().next() {
            Some(Ok(_)) => count += 1,
            Some(Err(errors)) => {
                return Err(anyhow_like::Error::Api(format!(
                    "demo certificate {type_name} is invalid: {errors:?}"
                )));
            }
            None => {}
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_type_and_field_reads_in_english() {
        for t in demo_types() {
            assert!(!t.name_en.is_empty(), "{} has no English name", t.name);
            for f in &t.fields {
                assert!(!f.label_en.is_empty(), "{}: {} has no English label", t.name, f.label);
                assert_eq!(f.label_in(yici_core::Lang::En), f.label_en);
                assert_eq!(f.label_in(yici_core::Lang::Zh), f.label);
            }
            assert!(t.problems().is_empty(), "{}: {:?}", t.name, t.problems());
        }
    }

    #[test]
    fn the_demo_types_are_valid_and_at_least_twenty() {
        let types = demo_types();
        assert!(types.len() >= 20, "{}", types.len());
        for t in &types {
            assert_eq!(t.problems(), vec![], "{}", t.name);
        }
        let mut codes: Vec<&str> = types.iter().map(|t| t.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), types.len(), "codes are unique");
        for name in [
            "居民身份证",
            "户口簿",
            "结婚证",
            "离婚证",
            "出生医学证明",
            "营业执照",
            "不动产权证书",
            "社会保障卡",
            "驾驶证",
            "食品经营许可证",
        ] {
            assert!(types.iter().any(|t| t.name == name), "{name}");
        }
    }

    #[test]
    fn the_demo_certificates_pass_their_schemas() {
        let types = demo_types();
        for (name, _, data, _) in certificates() {
            let t = types.iter().find(|t| t.name == name).expect("type exists");
            t.check_data(&data).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
    }

    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just(String::new()),
            "[a-z0-9_]{1,12}",
            "\\PC{0,20}",
            Just("data.name".to_string()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Any sheet is read or refused row by row for every demo certificate type, never a
        /// panic.
        #[test]
        fn arbitrary_grids_are_parsed_or_refused(g in proptest::collection::vec(proptest::collection::vec(text(), 0..12), 0..6)) {
            for t in demo_types() {
                let _ = yici_certificates::library::import::parse(&t, &g);
            }
        }
    }
}
