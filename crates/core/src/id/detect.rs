//! Recognise which identifier a value is and list its fields (`yici id check`).

use super::{
    CertificateId, CitizenId, IdError, IdKind, OrgCode, RegionCode, Uscc, uscc_category_name,
    uscc_registration_authority_name,
};
use crate::Lang;

/// One named field of a recognised identifier.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Field {
    pub key: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub value: String,
}

impl Field {
    fn new(key: &'static str, label_zh: &'static str, label_en: &'static str, value: impl Into<String>) -> Self {
        Field {
            key,
            label_zh,
            label_en,
            value: value.into(),
        }
    }
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.label_zh,
            Lang::En => self.label_en,
        }
    }
}

/// A value recognised as a valid identifier of `kind`, with its fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Detected {
    pub kind: IdKind,
    pub canonical: String,
    pub fields: Vec<Field>,
}

fn region_name(code: &str) -> String {
    if code == "100000" {
        return "中央（国家级）".to_string();
    }
    match RegionCode::parse(code) {
        Ok(r) => r.path_names().join(""),
        Err(_) => format!("{code}（未收录或已撤销的区划代码）"),
    }
}

/// Guess the kind from the shape of `value`, then validate it as that kind.
///
/// Eighteen characters that are all digits but the last are tried as a citizen ID number
/// first and as a credit code second; the error reported is that of the likelier kind.
pub fn detect(value: &str) -> Result<Detected, IdError> {
    let v = value.trim();
    let n = v.chars().count();
    if v.starts_with("1.2.156.") {
        let id = CertificateId::parse(v)?;
        return Ok(Detected {
            kind: IdKind::CertificateId,
            canonical: id.to_string(),
            fields: vec![
                Field::new("type_code", "证照类型代码", "certificate type code", id.type_code()),
                Field::new(
                    "defining_department",
                    "证照定义机构",
                    "defining department",
                    id.defining_department(),
                ),
                Field::new("issuer", "颁发机构代码", "issuer code", id.issuer()),
                Field::new("serial", "流水号", "serial", id.serial()),
                Field::new("version", "版本号", "version", format!("{:03}", id.version())),
                Field::new("check", "校验位", "check character", id.check().to_string()),
            ],
        });
    }
    let head17_digits = v.chars().take(17).all(|c| c.is_ascii_digit());
    let last_fits = v
        .chars()
        .nth(17)
        .is_some_and(|c| c.is_ascii_digit() || c == 'X' || c == 'x');
    if n == 15 || (n == 18 && head17_digits && last_fits) {
        let as_citizen = CitizenId::parse(v);
        if n == 18
            && as_citizen.is_err()
            && let Ok(u) = Uscc::parse(v)
        {
            return Ok(describe_uscc(&u));
        }
        let id = as_citizen?;
        let mut fields = vec![
            Field::new(
                "region",
                "地址码",
                "address code",
                format!("{} {}", id.region(), region_name(id.region())),
            ),
            Field::new("birth_date", "出生日期", "birth date", id.birth_date().to_string()),
            Field::new(
                "sex",
                "性别",
                "sex",
                format!("{} / {}", id.sex().name(Lang::Zh), id.sex().name(Lang::En)),
            ),
        ];
        if n == 15 {
            fields.push(Field::new(
                "upgraded",
                "升位后号码",
                "upgraded to 18 digits",
                id.as_str(),
            ));
        }
        return Ok(Detected {
            kind: IdKind::CitizenId,
            canonical: id.to_string(),
            fields,
        });
    }
    if n == 18 {
        return Ok(describe_uscc(&Uscc::parse(v)?));
    }
    if n == 9 || n == 10 {
        let code = OrgCode::parse(v)?;
        return Ok(Detected {
            kind: IdKind::OrgCode,
            canonical: code.hyphenated(),
            fields: vec![
                Field::new("body", "本体代码", "body", &code.as_str()[..8]),
                Field::new("check", "校验码", "check character", &code.as_str()[8..]),
            ],
        });
    }
    let code = RegionCode::parse(v)?;
    let mut fields = vec![
        Field::new(
            "level",
            "层级",
            "level",
            format!("{} / {}", code.level().name(Lang::Zh), code.level().name(Lang::En)),
        ),
        Field::new("path", "所属区划", "within", code.path_names().join(" / ")),
        Field::new(
            "statistical",
            "12位统计用代码",
            "12-digit statistical code",
            code.statistical(),
        ),
    ];
    if let Some(e) = code.entry() {
        fields.insert(0, Field::new("name", "名称", "name", e.name.clone()));
    }
    fields.push(Field::new(
        "table_date",
        "代码表日期",
        "code table date",
        super::region_table_date(),
    ));
    Ok(Detected {
        kind: IdKind::RegionCode,
        canonical: code.to_string(),
        fields,
    })
}

fn describe_uscc(u: &Uscc) -> Detected {
    let a = u.registration_authority();
    Detected {
        kind: IdKind::Uscc,
        canonical: u.to_string(),
        fields: vec![
            Field::new(
                "registration_authority",
                "登记管理部门",
                "registration authority",
                format!("{a} {}", uscc_registration_authority_name(a).unwrap_or("?")),
            ),
            Field::new(
                "category",
                "机构类别",
                "organisation category",
                format!(
                    "{} {}",
                    u.category(),
                    uscc_category_name(a, u.category()).unwrap_or("?")
                ),
            ),
            Field::new(
                "region",
                "登记管理机关行政区划",
                "region",
                format!("{} {}", u.region(), region_name(u.region())),
            ),
            Field::new(
                "org_code",
                "主体标识码（组织机构代码）",
                "organisation code",
                u.org_code(),
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_recognised() {
        assert_eq!(detect("11010519491231002X").unwrap().kind, IdKind::CitizenId);
        assert_eq!(detect("11100000000013338W").unwrap().kind, IdKind::Uscc);
        assert_eq!(detect("91350100M000100Y43").unwrap().kind, IdKind::Uscc);
        assert_eq!(detect("D2143569-X").unwrap().kind, IdKind::OrgCode);
        assert_eq!(detect("330106").unwrap().kind, IdKind::RegionCode);
        assert_eq!(detect("330106008001").unwrap().kind, IdKind::RegionCode);
        assert_eq!(
            detect("1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9")
                .unwrap()
                .kind,
            IdKind::CertificateId
        );
    }

    #[test]
    fn citizen_fields_name_region_birth_and_sex() {
        let d = detect("11010519491231002X").unwrap();
        let get = |k: &str| d.fields.iter().find(|f| f.key == k).unwrap().value.clone();
        assert!(get("region").contains("朝阳区"));
        assert_eq!(get("birth_date"), "1949-12-31");
        assert!(get("sex").starts_with('女'));
    }

    #[test]
    fn invalid_values_report_the_likely_kind() {
        assert_eq!(detect("110101199001011234").unwrap_err().kind, IdKind::CitizenId);
        assert_eq!(detect("91350203M0001QAY9B").unwrap_err().kind, IdKind::Uscc);
        assert_eq!(detect("abc").unwrap_err().kind, IdKind::RegionCode);
    }
}
