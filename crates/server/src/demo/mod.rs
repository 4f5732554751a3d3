//! `yici serve --demo`: a realistic Zhejiang-like province to try the platform with.
//!
//! Seeds the province, three cities with all their counties, a few townships and villages, the
//! main departments with valid credit codes, one user per role and a system per data-holding
//! department, then writes `demo-credentials.json` into the data directory. Seeding is
//! idempotent: a second run updates in place and keeps the passwords and tokens that the
//! credentials file already holds (issuing new ones only if those no longer work).

use serde::{Deserialize, Serialize};
use std::path::Path;
use yici_core::audit::Action;
use yici_core::audit::{Actor, AuditEvent};
use yici_core::id::{RegionCode, Uscc, region_table};
use yici_core::org::{DepartmentKind, Role, Scope};
use yici_store::departments::{Department, NewDepartment};
use yici_store::users::NewUser;
use yici_store::{Store, StoreError, now_micros};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Credentials {
    pub users: Vec<UserCredential>,
    pub systems: Vec<SystemCredential>,
    /// Example cases of the one window, completed and in progress (written by
    /// [`cases::seed`]).
    #[serde(default)]
    pub cases: Vec<cases::DemoCase>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserCredential {
    pub role: String,
    pub username: String,
    pub password: String,
    pub department: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SystemCredential {
    pub department: String,
    pub name: String,
    pub token: String,
    /// For systems that hold grants: one call the grants allow (returning masked values) and
    /// one they do not. Send them with `X-Yici-Purpose`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example_calls: Option<ExampleCalls>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExampleCalls {
    pub allowed: String,
    pub forbidden: String,
}

/// The province, its three cities, townships and villages (name, code).
const CITIES: [&str; 3] = ["330100", "330200", "330800"];
const TOWNSHIPS: [(&str, &str); 4] = [
    ("330106008000", "西湖街道"),
    ("330106109000", "三墩镇"),
    ("330212001000", "下应街道"),
    ("330802006000", "府山街道"),
];
const VILLAGES: [(&str, &str); 5] = [
    ("330106008001", "净寺社区"),
    ("330106008002", "三台山社区"),
    ("330106008003", "九溪社区"),
    ("330212001005", "东兴社区居委会"),
    ("330212001207", "河东村村委会"),
];

/// Departments: (key, name, region, organisation-code body, kind).
const DEPARTMENTS: [(&str, &str, &str, &str, DepartmentKind); 20] = [
    (
        "data",
        "浙江省数据资源管理局",
        "330000",
        "MB000101",
        DepartmentKind::Institution,
    ),
    (
        "market",
        "浙江省市场监督管理局",
        "330000",
        "MB000102",
        DepartmentKind::Government,
    ),
    (
        "police",
        "浙江省公安厅",
        "330000",
        "MB000103",
        DepartmentKind::Government,
    ),
    (
        "land",
        "浙江省自然资源厅（不动产登记）",
        "330000",
        "MB000104",
        DepartmentKind::Government,
    ),
    (
        "housing",
        "浙江省住房和城乡建设厅（房管）",
        "330000",
        "MB000105",
        DepartmentKind::Government,
    ),
    (
        "tax",
        "国家税务总局浙江省税务局",
        "330000",
        "MB000106",
        DepartmentKind::Vertical,
    ),
    (
        "hrss",
        "浙江省人力资源和社会保障厅",
        "330000",
        "MB000107",
        DepartmentKind::Government,
    ),
    (
        "civil",
        "浙江省民政厅",
        "330000",
        "MB000108",
        DepartmentKind::Government,
    ),
    (
        "fund",
        "浙江省住房公积金管理中心",
        "330000",
        "MB000109",
        DepartmentKind::Institution,
    ),
    (
        "health",
        "浙江省卫生健康委员会",
        "330000",
        "MB000110",
        DepartmentKind::Government,
    ),
    (
        "qz_data",
        "衢州市数据资源管理局",
        "330800",
        "MB000111",
        DepartmentKind::Institution,
    ),
    (
        "qz_market",
        "衢州市市场监督管理局",
        "330800",
        "MB000112",
        DepartmentKind::Government,
    ),
    (
        "qz_police",
        "衢州市公安局",
        "330800",
        "MB000113",
        DepartmentKind::Government,
    ),
    (
        "qz_land",
        "衢州市自然资源和规划局",
        "330800",
        "MB000114",
        DepartmentKind::Government,
    ),
    (
        "qz_housing",
        "衢州市住房和城乡建设局",
        "330800",
        "MB000115",
        DepartmentKind::Government,
    ),
    (
        "qz_tax",
        "国家税务总局衢州市税务局",
        "330800",
        "MB000116",
        DepartmentKind::Vertical,
    ),
    (
        "qz_hrss",
        "衢州市人力资源和社会保障局",
        "330800",
        "MB000117",
        DepartmentKind::Government,
    ),
    (
        "qz_civil",
        "衢州市民政局",
        "330800",
        "MB000118",
        DepartmentKind::Government,
    ),
    (
        "qz_fund",
        "衢州市住房公积金中心",
        "330800",
        "MB000119",
        DepartmentKind::Institution,
    ),
    (
        "qz_health",
        "衢州市卫生健康委员会",
        "330800",
        "MB000120",
        DepartmentKind::Government,
    ),
];

/// Users: (role, username, display name, department key, scope region or None for the department).
/// Besides `approver` (不动产登记), each department with a step in the demo bundles has an
/// approver, so that their cases can be approved in parallel.
const USERS: [(Role, &str, &str, &str, Option<&str>); 11] = [
    (Role::Operator, "operator", "王运营", "data", Some("330000")),
    (Role::DataSteward, "data_steward", "李数据", "market", None),
    (Role::CertIssuer, "cert_issuer", "赵证照", "market", None),
    (Role::WindowClerk, "window_clerk", "陈窗口", "qz_data", Some("330800")),
    (Role::Approver, "approver", "周审批", "land", None),
    (Role::Supervisor, "supervisor", "吴督察", "data", Some("330000")),
    (Role::Approver, "approver_tax", "钱税务", "tax", None),
    (Role::Approver, "approver_housing", "孙房管", "housing", None),
    (Role::Approver, "approver_market", "郑市场", "market", None),
    (Role::Approver, "approver_police", "冯公安", "police", None),
    (Role::Approver, "approver_hrss", "褚人社", "hrss", None),
];

/// Systems: (department key, name, purpose).
const SYSTEMS: [(&str, &str, &str); 5] = [
    ("market", "市场主体登记系统", "企业登记信息的提供与查询"),
    ("police", "人口信息管理系统", "户籍人口信息的提供与核验"),
    ("land", "不动产登记系统", "不动产权属信息的提供与查询"),
    ("qz_data", "衢州一窗受理平台", "综合窗口受理办件、调取共享材料"),
    ("hrss", "社会保障信息系统", "参保信息的提供与查询"),
];

/// An audit entry for a change made by the demo seeding.
pub(crate) fn ev(action: Action, object_type: &str) -> AuditEvent {
    AuditEvent::new(
        now_micros(),
        Actor::platform(yici_core::audit::PlatformActor::Demo),
        action,
        object_type,
        "demo-seed",
    )
}

/// Register a region unless it is already registered under this name (so that reseeding adds
/// nothing to the log).
async fn region(store: &Store, code: &RegionCode, name: &str) -> Result<(), StoreError> {
    match store.region(code.as_str()).await? {
        Some(r) if r.name == name => Ok(()),
        _ => store
            .upsert_region(code, name, &ev(Action::RegionSave, "region"))
            .await
            .map(|_| ()),
    }
}

/// A random password that meets the password rule.
fn new_password() -> String {
    format!("Yc-{}", &yici_crypto::token::generate("").plaintext[..14])
}

async fn seed_regions(store: &Store) -> Result<(), StoreError> {
    let table = region_table();
    region(
        store,
        &RegionCode::parse("330000").expect("Zhejiang is in the table"),
        "浙江省",
    )
    .await?;
    for city in CITIES {
        region(
            store,
            &RegionCode::parse(city).expect("city in table"),
            &table[city].name,
        )
        .await?;
        for county in table.values().filter(|e| e.parent.as_deref() == Some(city)) {
            region(
                store,
                &RegionCode::parse(&county.code).expect("county in table"),
                &county.name,
            )
            .await?;
        }
    }
    for (code, name) in TOWNSHIPS.iter().chain(VILLAGES.iter()) {
        region(store, &RegionCode::parse(code).expect("demo codes are valid"), name).await?;
    }
    Ok(())
}

/// Seed the demo province and write `dir/demo-credentials.json`.
pub async fn seed(store: &Store, dir: &Path) -> anyhow_like::Result<Credentials> {
    let file = dir.join("demo-credentials.json");
    let previous: Credentials = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    seed_regions(store).await?;

    let mut departments: Vec<(&str, Department)> = Vec::new();
    for (key, name, region, org, kind) in DEPARTMENTS {
        let d = NewDepartment {
            name: name.to_string(),
            uscc: Uscc::generate("11", region, org).expect("demo credit codes are valid"),
            region: RegionCode::parse(region).expect("demo regions are valid"),
            parent_id: None,
            kind,
        };
        let existing = store.department_by_uscc(d.uscc.as_str()).await?;
        let dept = match existing {
            Some(e) if e.name == d.name && e.region_code == d.region.as_str() && e.kind == d.kind.code() => e,
            _ => {
                store
                    .upsert_department(&d, &ev(Action::DepartmentCreate, "department"))
                    .await?
            }
        };
        departments.push((key, dept));
    }
    let dept = |key: &str| {
        departments
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, d)| d.clone())
            .expect("demo keys match")
    };

    let mut creds = Credentials::default();
    for (role, username, display, dept_key, region) in USERS {
        let d = dept(dept_key);
        let remembered = previous
            .users
            .iter()
            .find(|u| u.username == username)
            .map(|u| u.password.clone());
        let user = match store.user_credentials(username).await? {
            Some((user, hash)) => {
                let password = match remembered.filter(|p| yici_crypto::password::verify(p, &hash)) {
                    Some(p) => p,
                    None => {
                        let p = new_password();
                        store
                            .set_user_password(
                                user.id,
                                &yici_crypto::password::hash(&p),
                                &ev(Action::UserPassword, "user"),
                            )
                            .await?;
                        p
                    }
                };
                (user, password)
            }
            None => {
                let p = remembered.unwrap_or_else(new_password);
                let user = store
                    .create_user(
                        &NewUser {
                            username,
                            display_name: display,
                            password_hash: &yici_crypto::password::hash(&p),
                            department_id: Some(d.id),
                        },
                        &ev(Action::UserCreate, "user"),
                    )
                    .await?;
                (user, p)
            }
        };
        let scope = match region {
            Some(r) => Scope::Region {
                region: RegionCode::parse(r).expect("demo regions are valid"),
            },
            None => Scope::Department {
                department_id: d.id,
                region: d.region(),
            },
        };
        store
            .grant_role(user.0.id, role, &scope, &ev(Action::RoleGrant, "user_role"))
            .await?;
        creds.users.push(UserCredential {
            role: role.code().to_string(),
            username: username.to_string(),
            password: user.1,
            department: d.name.clone(),
        });
    }

    let now = now_micros();
    for (dept_key, name, purpose) in SYSTEMS {
        let d = dept(dept_key);
        let system = match store.system_by_name(d.id, name).await? {
            Some(s) => s,
            None => {
                store
                    .create_system(d.id, name, purpose, &ev(Action::SystemCreate, "system"))
                    .await?
            }
        };
        let remembered = previous
            .systems
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.token.clone());
        let valid = match &remembered {
            Some(t) => store
                .authenticate_system(&yici_crypto::token::digest(t), now)
                .await?
                .is_some_and(|s| s.id == system.id),
            None => false,
        };
        let token = match (valid, remembered) {
            (true, Some(t)) => t,
            _ => {
                let t = yici_crypto::token::generate("yici_sys_");
                let hint: String = t.plaintext.chars().take(14).collect();
                store
                    .issue_system_token(
                        system.id,
                        &t.digest,
                        &hint,
                        now + 365 * 86_400_000_000,
                        &ev(Action::TokenIssue, "system_token"),
                    )
                    .await?;
                t.plaintext
            }
        };
        let example_calls = previous
            .systems
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.example_calls.clone());
        creds.systems.push(SystemCredential {
            department: d.name.clone(),
            name: name.to_string(),
            token,
            example_calls,
        });
    }

    std::fs::create_dir_all(dir)?;
    std::fs::write(&file, serde_json::to_vec_pretty(&creds).expect("credentials serialise"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600));
    }
    Ok(creds)
}

pub mod cases;
pub mod certificates;
pub mod items;

/// Errors of seeding: storage or the credentials file.
pub mod anyhow_like {
    #[derive(Debug, thiserror::Error)]
    pub enum Error {
        #[error(transparent)]
        Store(#[from] yici_store::StoreError),
        #[error("cannot write the credentials file: {0}")]
        Io(#[from] std::io::Error),
        #[error("{0}")]
        Api(String),
    }
    impl From<yici_service::Error> for Error {
        fn from(e: yici_service::Error) -> Self {
            Error::Api(format!("{}: {}", e.code, e.en))
        }
    }
    impl From<yici_web::ApiError> for Error {
        fn from(e: yici_web::ApiError) -> Self {
            e.error.into()
        }
    }
    pub type Result<T> = std::result::Result<T, Error>;
}

/// The demo catalogue: templates in `data/demo-catalogue.tsv`, each published by its provider for
/// the province and, for provincial departments, for each demo city.
const CATALOGUE: &str = include_str!("../../data/demo-catalogue.tsv");
const CITY_NAMES: [&str; 3] = ["杭州市", "宁波市", "衢州市"];

fn item(spec: &str) -> yici_core::catalogue::DataItem {
    let mut f = spec.split(':');
    let name = f.next().unwrap_or_default().to_string();
    let element = f.next().filter(|e| *e != "-").map(str::to_string);
    let data_type = f.next().and_then(|t| t.parse().ok()).unwrap_or(1);
    let length = f.next().and_then(|l| l.parse().ok());
    yici_core::catalogue::DataItem {
        name,
        element,
        data_type,
        length,
        share_type: None,
    }
}

/// The drafts of the demo catalogue for the seeded departments.
pub async fn catalogue_drafts(store: &Store) -> Result<Vec<yici_core::catalogue::ResourceDraft>, StoreError> {
    let mut drafts = Vec::new();
    for line in CATALOGUE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let [
            key,
            classification,
            name,
            share,
            open,
            format_class,
            format_type,
            cycle,
            sensitivity,
            items,
            summary,
        ] = f[..]
        else {
            continue;
        };
        let Some((_, _, region, org, _)) = DEPARTMENTS.iter().find(|d| d.0 == key) else {
            continue;
        };
        let uscc = Uscc::generate("11", region, org).expect("demo credit codes are valid");
        let Some(dept) = store.department_by_uscc(uscc.as_str()).await? else {
            continue;
        };
        let share: i64 = share.parse().unwrap_or(1);
        let open: i64 = open.parse().unwrap_or(3);
        let variants: Vec<Option<&str>> = if key.starts_with("qz_") {
            vec![None]
        } else {
            std::iter::once(None)
                .chain(CITY_NAMES.iter().map(|c| Some(*c)))
                .collect()
        };
        for city in variants {
            drafts.push(yici_core::catalogue::ResourceDraft {
                classification: classification.to_string(),
                name: match city {
                    Some(c) => format!("{c}{name}"),
                    None => name.to_string(),
                },
                summary: match city {
                    Some(c) => format!("{c}范围内的{summary}"),
                    None => summary.to_string(),
                },
                provider_department_id: dept.id,
                format_class: format_class.parse().unwrap_or(3),
                format_type: format_type.to_string(),
                share_type: share,
                share_condition: if share == 2 {
                    "依法履职需要，经提供部门审核同意后共享，仅用于申请时载明的应用场景".into()
                } else {
                    String::new()
                },
                legal_basis: if share == 3 {
                    "《中华人民共和国个人信息保护法》第十三条、第三十四条".into()
                } else {
                    String::new()
                },
                share_mode: 1,
                open_type: open,
                open_condition: if open == 2 {
                    "经申请并签订数据利用协议后开放".into()
                } else {
                    String::new()
                },
                update_cycle: cycle.parse().unwrap_or(1),
                sensitivity: sensitivity.parse().unwrap_or(2),
                secret: false,
                related: vec![],
                items: items.split(',').map(item).collect(),
            });
        }
    }
    Ok(drafts)
}

/// Publish the demo catalogue (idempotent) and the shipped data elements.
pub async fn seed_catalogue(store: &Store) -> Result<usize, StoreError> {
    store.catalogue_seed_standards().await?;
    let drafts = catalogue_drafts(store).await?;
    for d in &drafts {
        if let Some(p) = d.problems().first() {
            return Err(StoreError::Invalid(format!("demo resource {}: {}", d.name, p.en)));
        }
    }
    store
        .catalogue_publish_new(&drafts, &ev(Action::CatalogueCreate, "catalogue_resource"))
        .await
}

/// The development identity provider of the demo: the demo citizen, the demo company and the
/// people of the demo population resource, each with the one name that signs them in.
pub fn identity_register() -> crate::identity::DevIdentityProvider {
    use yici_core::org::ApplicantId;
    let mut people: Vec<(ApplicantId, String)> = PEOPLE
        .iter()
        .filter_map(|(name, body, _)| {
            let id = yici_core::id::CitizenId::with_check(body).ok()?;
            Some((ApplicantId::Person(id), name.to_string()))
        })
        .collect();
    let (citizen, citizen_name) = certificates::DEMO_CITIZEN;
    let (company, company_name) = certificates::demo_company();
    for (number, name) in [(citizen.to_string(), citizen_name), (company, company_name)] {
        if let Ok(id) = ApplicantId::parse(&number) {
            people.push((id, name.to_string()));
        }
    }
    crate::identity::DevIdentityProvider::new(people.iter().map(|(id, name)| (id, name.as_str())))
}

/// Demo people in the population resource: (name, ID number body, address).
const PEOPLE: [(&str, &str, &str); 4] = [
    ("张三", "33010619800101001", "浙江省杭州市西湖区文三路90号"),
    ("李四", "33080219851212002", "浙江省衢州市柯城区府山街道1号"),
    ("王芳", "33021219900606004", "浙江省宁波市鄞州区下应街道8号"),
    // The demo citizen, whose 企业开办 the market system checks against these records.
    ("张三", "11010519491231002", "浙江省衢州市柯城区荷花中路1号"),
];

/// A grant made directly (a granted sharing request and its grant, as a provider's approval
/// records them): the demo and the benchmarks start from such grants.
#[derive(Debug, Clone)]
pub struct DirectGrant<'a> {
    pub provider_department_id: i64,
    pub consumer_department_id: i64,
    pub system_id: i64,
    pub resource_id: i64,
    pub items: &'a [&'a str],
    pub purpose: &'a str,
    pub legal_basis: &'a str,
    pub days: i64,
    pub daily_quota: i64,
}

impl DirectGrant<'_> {
    /// Record the request and its grant, starting today.
    pub async fn record(&self, store: &Store) -> Result<(), StoreError> {
        use yici_core::sharing::{Grant, RequestDraft, RequestStatus};
        let today = chrono::Utc::now().date_naive();
        let request = RequestDraft {
            resource_id: self.resource_id,
            consumer_department_id: self.consumer_department_id,
            system_id: self.system_id,
            items: self.items.iter().map(|i| i.to_string()).collect(),
            purpose: self.purpose.into(),
            legal_basis: self.legal_basis.into(),
            service_items: vec![],
            valid_from: today,
            valid_until: today + chrono::Duration::days(self.days),
        };
        let grant = Grant {
            id: 0,
            system_id: self.system_id,
            resource_id: self.resource_id,
            items: request.items.clone(),
            purpose: request.purpose.clone(),
            valid_from: request.valid_from,
            valid_until: request.valid_until,
            daily_quota: self.daily_quota,
            masking: yici_core::masking::MaskingProfile::Strict,
            revoked: false,
        };
        store
            .sharing_request_create(
                &request,
                self.provider_department_id,
                RequestStatus::Granted,
                today,
                Some(&grant),
                &ev(Action::SharingRequest, "sharing_request"),
            )
            .await?;
        Ok(())
    }
}

/// Exchange demo: load a few people into 人口基础信息, grant the market system name, ID number
/// and address (strictly masked), and write example calls into `demo-credentials.json`.
pub async fn seed_exchange(store: &Store, dir: &Path) -> anyhow_like::Result<()> {
    let uscc = |org: &str| Uscc::generate("11", "330000", org).expect("demo credit codes are valid");
    let (Some(police), Some(market)) = (
        store.department_by_uscc(uscc("MB000103").as_str()).await?,
        store.department_by_uscc(uscc("MB000102").as_str()).await?,
    ) else {
        return Ok(());
    };
    let Some(people) = store.catalogue_find(police.id, "人口基础信息").await? else {
        return Ok(());
    };
    let Some(land) = store.department_by_uscc(uscc("MB000104").as_str()).await? else {
        return Ok(());
    };
    let Some(estate) = store.catalogue_find(land.id, "不动产登记信息").await? else {
        return Ok(());
    };
    let rows: Vec<(String, std::collections::BTreeMap<String, String>)> = PEOPLE
        .iter()
        .map(|(name, body, address)| {
            let id = yici_core::id::CitizenId::with_check(body)
                .expect("demo ID numbers are valid")
                .to_string();
            let values = [
                ("姓名", name.to_string()),
                ("公民身份号码", id.clone()),
                ("住址", address.to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            (id, values)
        })
        .collect();
    store
        .dataset_load(people.id, &rows, &ev(Action::DatasetLoad, "catalogue_resource"))
        .await?;
    let Some(system) = store.system_by_name(market.id, "市场主体登记系统").await? else {
        return Ok(());
    };
    if store.grants_for(system.id, people.id).await?.is_empty() {
        DirectGrant {
            provider_department_id: police.id,
            consumer_department_id: market.id,
            system_id: system.id,
            resource_id: people.id,
            items: &["姓名", "公民身份号码", "住址"],
            purpose: "企业开办时核验法定代表人身份",
            legal_basis: "《市场主体登记管理条例》",
            days: 365,
            daily_quota: 100_000,
        }
        .record(store)
        .await?;
    }
    let file = dir.join("demo-credentials.json");
    let mut creds: Credentials = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let key = yici_web::page::encode("公民身份号码");
    let first = &rows[0].0;
    for s in &mut creds.systems {
        if s.name == "市场主体登记系统" {
            s.example_calls = Some(ExampleCalls {
                allowed: format!("/api/v1/exchange/{}/records?{key}={first}", people.code),
                forbidden: format!(
                    "/api/v1/exchange/{}/records?{}={}",
                    estate.code,
                    yici_web::page::encode("不动产单元号"),
                    "330106001001GB00001F00010001"
                ),
            });
        }
    }
    std::fs::write(&file, serde_json::to_vec_pretty(&creds).expect("credentials serialise"))?;
    Ok(())
}
