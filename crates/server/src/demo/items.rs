//! The demo's service items and bundles (一件事): the items of `data/demo-items.tsv`, defined,
//! implemented by their departments, reviewed and published, each material pointing at the demo
//! certificate types and catalogue resources wherever the government holds the document; and
//! the bundles 二手房转移登记, 新生儿出生一件事, 企业开办 and 退休一件事.

use super::{DEPARTMENTS, ev};
use yici_core::audit::Action;
use yici_core::id::Uscc;
use yici_core::items::{
    ApplicantType, BasicCode, CaseType, Choice, Delivery, Depth, ImplementationCode, ItemVersion, Known, Level,
    Material, MaterialForm, Question, Scope, ServiceWindow, Signing, Source, Step, TimeLimit, VersionStatus,
    VersionStep,
};
use yici_store::items::{Bundle, Implementation};
use yici_store::{Store, StoreError};

const ITEMS: &str = include_str!("../../data/demo-items.tsv");

/// The demo bundles: code, name, themes, and the basic codes of their items.
const BUNDLES: [(&str, &str, &str, &[&str]); 4] = [
    (
        "second-hand-house",
        "二手房转移登记一件事（含税费、水电气过户）",
        "房产",
        &["000712001000", "000412002000", "002012003000"],
    ),
    (
        "newborn",
        "新生儿出生一件事",
        "出生",
        &["000712004000", "000712005000", "000512006000", "000512007000"],
    ),
    (
        "business-start",
        "企业开办一件事",
        "开办企业",
        &["000712008000", "002012009000", "000712010000", "000712011000"],
    ),
    (
        "retirement",
        "退休一件事",
        "退休",
        &["000512012000", "000512013000", "000512014000"],
    ),
];

fn department_uscc(key: &str) -> Option<Uscc> {
    DEPARTMENTS
        .iter()
        .find(|d| d.0 == key)
        .and_then(|(_, _, region, org, _)| Uscc::generate("11", region, org).ok())
}

fn legal_basis(key: &str) -> &'static str {
    match key {
        "land" => "《不动产登记暂行条例》及其实施细则",
        "tax" => "《中华人民共和国税收征收管理法》",
        "housing" => "《城镇燃气管理条例》《电力供应与使用条例》",
        "health" => "《中华人民共和国母婴保健法》",
        "police" => "《中华人民共和国户口登记条例》《印铸刻字业暨印章管理暂行办法》",
        "hrss" => "《中华人民共和国社会保险法》",
        "market" => "《中华人民共和国市场主体登记管理条例》",
        "fund" => "《住房公积金管理条例》",
        _ => "《优化营商环境条例》",
    }
}

fn bad(line: &str, what: &str) -> StoreError {
    StoreError::Invalid(format!("demo item line '{line}': {what}"))
}

/// One implementation of a line of the table, read and resolved against what the store holds.
struct Row {
    basic: BasicCode,
    department: String,
    version: ItemVersion,
}

/// The department key a step of an implementer's process belongs to: a city body's steps are
/// its own city's counterparts where the city has one.
fn step_department(implementer: &str, key: &str) -> String {
    match implementer.strip_prefix("qz_") {
        Some(_) if DEPARTMENTS.iter().any(|d| d.0 == format!("qz_{key}")) => format!("qz_{key}"),
        _ => key.to_string(),
    }
}

async fn certificate_type(store: &Store, name: &str) -> Result<Option<String>, StoreError> {
    Ok(store
        .certificate_types(None)
        .await?
        .into_iter()
        .find(|t| t.definition.name == name)
        .map(|t| t.definition.code))
}

async fn resource_code(store: &Store, name: &str) -> Result<Option<String>, StoreError> {
    let (hits, _) = store
        .catalogue_search(
            &yici_store::catalogue::CatalogueFilter {
                query: Some(name.into()),
                ..Default::default()
            },
            yici_store::Page::new(Some(50), None),
        )
        .await?;
    Ok(hits.into_iter().find(|h| h.name == name).map(|h| h.code))
}

async fn source(store: &Store, line: &str, spec: &str) -> Result<Source, StoreError> {
    let mut parts = spec.splitn(3, ':');
    Ok(match (parts.next(), parts.next(), parts.next()) {
        (Some("a"), None, None) => Source::Applicant,
        (Some("c"), Some(name), None) => Source::Certificate {
            type_code: certificate_type(store, name)
                .await?
                .ok_or_else(|| bad(line, &format!("no certificate type {name}")))?,
        },
        (Some("r"), Some(name), Some(key)) => Source::Record {
            resource_code: resource_code(store, name)
                .await?
                .ok_or_else(|| bad(line, &format!("no resource {name}")))?,
            key_item: key.into(),
        },
        (Some("i"), Some(code), None) => Source::Result { item_code: code.into() },
        _ => return Err(bad(line, &format!("unreadable source {spec}"))),
    })
}

/// The implementations a line stands for: one per implementing department.
async fn read(store: &Store, line: &str) -> Result<Vec<Row>, StoreError> {
    let f: Vec<&str> = line.split('\t').collect();
    let [
        basic,
        name,
        implementers,
        visits,
        depth,
        legal,
        promised,
        case,
        applicants,
        themes,
        questions,
        materials,
        process,
    ] = f[..]
    else {
        return Err(bad(line, "13 columns expected"));
    };
    let (name, reason) = match name.split_once('[') {
        Some((n, r)) => (n, r.trim_end_matches(']')),
        None => (name, ""),
    };
    let mut rows = Vec::new();
    for dept in implementers.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let row = read_one(
            store,
            line,
            dept,
            [
                basic, name, reason, visits, depth, legal, promised, case, applicants, themes, questions, materials,
                process,
            ],
        )
        .await?;
        rows.push(row);
    }
    Ok(rows)
}

async fn read_one(store: &Store, line: &str, dept: &str, f: [&str; 13]) -> Result<Row, StoreError> {
    let [
        basic,
        name,
        reason,
        visits,
        depth,
        legal,
        promised,
        case,
        applicants,
        themes,
        questions,
        materials,
        process,
    ] = f;
    let basic = BasicCode::parse("code", basic).map_err(|p| bad(line, &p.en))?;
    let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad(line, "a number expected"));
    let mut qs = Vec::new();
    for q in questions.split(';').filter(|q| !q.trim().is_empty() && q.trim() != "-") {
        let mut parts = q.splitn(3, ':');
        let (Some(code), Some(text), Some(choices)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad(line, "a question is code:text:choices"));
        };
        qs.push(Question {
            code: code.into(),
            text: text.into(),
            choices: choices
                .split('/')
                .filter_map(|c| c.split_once('='))
                .map(|(c, l)| Choice {
                    code: c.into(),
                    label: l.into(),
                })
                .collect(),
        });
    }
    let mut ms = Vec::new();
    for m in materials.split(';').filter(|m| !m.trim().is_empty()) {
        let p: Vec<&str> = m.split('|').collect();
        let [code, mname, spec, when] = p[..] else {
            return Err(bad(line, "a material is code|name|source|when"));
        };
        let source = source(store, line, spec).await?;
        ms.push(Material {
            code: code.into(),
            name: mname.into(),
            required: true,
            form: if source.government_held() {
                MaterialForm::Electronic
            } else {
                MaterialForm::Original
            },
            copies: 1,
            standard: String::new(),
            source,
            deferrable: false,
            applies_when: when.into(),
        });
    }
    let mut steps = Vec::new();
    for s in process.split(';').filter(|s| !s.trim().is_empty()) {
        let p: Vec<&str> = s.split(':').collect();
        let [stage, key, days, issues] = p[..] else {
            return Err(bad(line, "a step is stage:department:days:certificate"));
        };
        let uscc = department_uscc(&step_department(dept, key)).ok_or_else(|| bad(line, "unknown department"))?;
        let d = store
            .department_by_uscc(uscc.as_str())
            .await?
            .ok_or_else(|| bad(line, "department not seeded"))?;
        steps.push(Step {
            stage: number(stage)?,
            name: format!("{}审核", d.name),
            department_id: d.id,
            days: number(days)?,
            signing: Signing::Any,
            required: true,
            lead: steps.is_empty(),
            issues: match issues.trim() {
                "" => None,
                n => Some(
                    certificate_type(store, n)
                        .await?
                        .ok_or_else(|| bad(line, &format!("no certificate type {n}")))?,
                ),
            },
        });
    }
    let depth = Depth::from_code(number(depth)? as i64).ok_or_else(|| bad(line, "depth 1–4"))?;
    let version = ItemVersion {
        name: name.into(),
        level: if dept.starts_with("qz_") {
            Level::City
        } else {
            Level::Province
        },
        applicant_types: applicants
            .split(',')
            .filter_map(|a| a.trim().parse::<i64>().ok().and_then(ApplicantType::from_code))
            .collect(),
        case_type: CaseType::from_code(number(case)? as i64).ok_or_else(|| bad(line, "case type 1 or 2"))?,
        legal_limit: TimeLimit::working(number(legal)?),
        promised_limit: TimeLimit::working(number(promised)?),
        visits: number(visits)?,
        visits_reason: reason.into(),
        depth,
        conditions: vec![],
        legal_basis: legal_basis(dept).into(),
        questions: qs,
        materials: ms,
        process: steps,
        fees: vec![],
        delivery: if depth == Depth::FullyOnline {
            vec![Delivery::Electronic, Delivery::Mail]
        } else {
            vec![Delivery::Window, Delivery::Electronic, Delivery::Mail]
        },
        scope: Scope::ProvinceWide,
        windows: vec![ServiceWindow {
            name: "各地政务服务中心综合受理窗口".into(),
            address: "就近的市、县（市、区）政务服务中心".into(),
            hours: "工作日 9:00—17:00".into(),
        }],
        form: vec![],
        consult_phone: "12345".into(),
        complaint_phone: "12345".into(),
        themes: themes
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
    };
    Ok(Row {
        basic,
        department: dept.into(),
        version,
    })
}

/// Seed the demo items and bundles (once): returns how many items are published.
pub async fn seed(store: &Store) -> Result<usize, StoreError> {
    let lines: Vec<&str> = ITEMS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    // Basic items first: a material may name another item's result.
    let mut rows = Vec::new();
    for line in &lines {
        for row in read(store, line).await? {
            if store.item_basic(row.basic.as_str()).await?.is_none() {
                store
                    .item_basic_put(
                        row.basic.as_str(),
                        &row.version.name,
                        row.basic.item_type(),
                        &ev(Action::ItemDefine, "service_item"),
                    )
                    .await?;
            }
            rows.push(row);
        }
    }
    let mut published = 0;
    for row in rows {
        let uscc = department_uscc(&row.department).ok_or_else(|| bad(&row.version.name, "unknown department"))?;
        let d = store
            .department_by_uscc(uscc.as_str())
            .await?
            .ok_or_else(|| bad(&row.version.name, "department not seeded"))?;
        let code = ImplementationCode::of(&uscc, '1', &row.basic);
        if store.item_implementation(code.as_str()).await?.is_none() {
            let imp = Implementation {
                code: code.as_str().into(),
                basic_code: row.basic.as_str().into(),
                department_id: d.id,
                region_code: d.region_code.clone(),
                co_departments: row
                    .version
                    .process
                    .iter()
                    .map(|s| s.department_id)
                    .filter(|id| *id != d.id)
                    .collect(),
            };
            store
                .item_implementation_create(&imp, &ev(Action::ItemImplement, "service_item"))
                .await?;
        }
        if store.item_published(code.as_str()).await?.is_some() {
            published += 1;
            continue;
        }
        let known = Known {
            certificate_types: store
                .certificate_types(None)
                .await?
                .into_iter()
                .map(|t| t.definition.code)
                .collect(),
            resource_items: row
                .version
                .materials
                .iter()
                .filter_map(|m| match &m.source {
                    Source::Record {
                        resource_code,
                        key_item,
                    } => Some((resource_code.clone(), key_item.clone())),
                    _ => None,
                })
                .collect(),
            items: store.item_basic_codes().await?.into_iter().collect(),
            implementing: std::iter::once(d.id)
                .chain(row.version.process.iter().map(|s| s.department_id))
                .collect(),
        };
        if let Some(p) = row.version.problems(&known).first() {
            return Err(bad(&row.version.name, &format!("{}: {}", p.field, p.en)));
        }
        let saved = store
            .item_version_save(code.as_str(), &row.version, &ev(Action::ItemEdit, "service_item"))
            .await?;
        let mut status = saved.status;
        for step in [VersionStep::Submit, VersionStep::Approve] {
            if step.after(status).is_some() {
                let action = if step == VersionStep::Submit {
                    Action::ItemSubmit
                } else {
                    Action::ItemApprove
                };
                status = store
                    .item_version_step(saved.id, step, "", &ev(action, "service_item"))
                    .await?
                    .status;
            }
        }
        if status == VersionStatus::Published {
            published += 1;
        }
    }
    for (code, name, theme, basics) in BUNDLES {
        let mut items = Vec::new();
        for b in basics {
            let line = lines
                .iter()
                .find(|l| l.starts_with(b))
                .ok_or_else(|| bad(code, "bundle item missing"))?;
            let dept = line
                .split('\t')
                .nth(2)
                .and_then(|d| d.split(',').next())
                .unwrap_or_default();
            let uscc = department_uscc(dept).ok_or_else(|| bad(code, "unknown department"))?;
            let basic = BasicCode::parse("code", b).map_err(|p| bad(code, &p.en))?;
            items.push(ImplementationCode::of(&uscc, '1', &basic).as_str().to_string());
        }
        store
            .bundle_put(
                &Bundle {
                    code: code.into(),
                    name: name.into(),
                    items,
                    description: String::new(),
                    themes: vec![theme.into()],
                },
                &ev(Action::BundleSave, "bundle"),
            )
            .await?;
    }
    Ok(published)
}
