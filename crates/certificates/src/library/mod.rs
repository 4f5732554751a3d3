//! 电子证照库 — the seal authority, department seals and the certificates they seal.
//!
//! The platform runs the seal authority: an SM2 root certificate that certifies each
//! department's signing key and makes (signs) each department's GB/T 38540 seal. Every private
//! key is stored sealed with SM4-GCM under the platform's seal key ([`Certs::new`]), bound to
//! what it belongs to, and is opened only in memory here. A certificate's canonical content
//! ([`yici_core::certificate::Content`]) is sealed as an `SES_Signature` whose `dataHash` is
//! SM3 of that content; anyone holding the authority's certificate can verify it.

pub mod export;
pub mod import;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use yici_core::audit::Action;
use yici_core::audit::AuditEvent;
use yici_core::certificate::{CertificateType, Content, HolderInfo, IssuerInfo, Status, holder_code_type};
use yici_core::clock::Clock;
use yici_core::id::{CertificateId, RegionCode};
use yici_core::org::ApplicantId;
use yici_crypto::pki;
use yici_crypto::seal::{self, SealRequest, Verifier};
use yici_crypto::sealed::SealingKey;
use yici_crypto::sm2::KeyPair;
use yici_service::{Error, FieldError, Kind, Result as ApiResult};
use yici_store::Store;
use yici_store::certificates::{CertificateRecord, NewCertificate, NewSeal, SealRecord, SealStatus, StoredType};
use yici_store::departments::Department;

/// How long the authority's root certificate is valid.
const ROOT_DAYS: u32 = 20 * 365;
/// How long a department's seal and its signing certificate are valid.
pub const SEAL_DAYS: u32 = 5 * 365;
/// Size of the seal picture in millimetres.
const SEAL_MM: u32 = 42;
const AUTHORITY_CONTEXT: &[u8] = b"yici:seal-authority";
/// Characters of verification codes: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 8;
/// Most certificates one bulk issue takes.
pub const MAX_BATCH: usize = 5_000;

/// The seal authority, opened.
pub struct Authority {
    pub cert_der: Vec<u8>,
    key: KeyPair,
    /// Verifies seal signatures against this authority, remembering checked seals.
    pub verifier: Verifier,
}

/// A department's seal with its key opened.
struct Signer {
    seal: SealRecord,
    key: KeyPair,
}

/// The certificate library's keys and caches. One per server.
pub struct Certs {
    clock: Clock,
    key: SealingKey,
    authority: tokio::sync::OnceCell<Arc<Authority>>,
    /// Opened seal keys by seal id (a seal's key never changes; rotation makes a new seal).
    signers: Mutex<HashMap<i64, Arc<Signer>>>,
    /// Serials reserved from the store and not yet used, by department: `[next, end)`.
    serials: tokio::sync::Mutex<HashMap<i64, (i64, i64)>>,
}

/// Serials reserved from the store at a time (the unused rest of a block is a gap after a
/// restart; serials are never reused).
const SERIAL_BLOCK: i64 = 100;

impl std::fmt::Debug for Certs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Certs(…)")
    }
}

fn seal_context(es_id: &str) -> Vec<u8> {
    format!("yici:seal:{es_id}").into_bytes()
}

fn unreadable_key() -> Error {
    tracing::error!("a stored private key does not open with the configured seal key (YICI_SEAL_KEY)");
    Error::internal()
}

fn crypto_failure(what: &str, e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "{what}");
    Error::internal()
}

/// A fresh verification code (printed on the document, asked for by online verification).
pub fn verification_code() -> String {
    yici_crypto::random_bytes(CODE_LEN)
        .into_iter()
        .map(|b| CODE_ALPHABET[usize::from(b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// Compare a presented verification code with the stored one in constant time.
pub fn code_matches(presented: &str, stored: &str) -> bool {
    let p = presented.trim().to_ascii_uppercase();
    p.len() == stored.len() && p.bytes().zip(stored.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// One certificate to issue, as the issuer states it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct IssueRequest {
    pub type_code: String,
    /// The holder's ID number or credit code.
    pub holder_code: String,
    pub holder_name: String,
    /// 照面信息 by field name.
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    /// Default: today.
    pub valid_from: Option<NaiveDate>,
    /// Only for types whose validity the issuer sets.
    pub valid_until: Option<NaiveDate>,
    /// 证照编号; default: the serial.
    pub number: Option<String>,
    /// 管辖区域; default: the issuer's region.
    pub region: Option<String>,
    /// Issuing again with the same key returns the certificate issued the first time.
    pub issue_key: Option<String>,
}

/// A request that passed every check, ready to be numbered and sealed.
struct Checked {
    holder: ApplicantId,
    holder_name: String,
    data: BTreeMap<String, String>,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
    number: Option<String>,
    region: String,
    issue_key: Option<String>,
    /// What was asked for, as a digest (an issue key reused for something else is refused).
    digest: String,
}

fn problems_to_errors(problems: Vec<yici_core::catalogue::FieldProblem>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| FieldError::new(&p.field, p.zh, p.en))
        .collect()
}

/// Check a request against its type; every problem is listed.
fn check(
    t: &CertificateType,
    r: &IssueRequest,
    issuer: &Department,
    today: NaiveDate,
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let holder = match ApplicantId::parse(&r.holder_code) {
        Ok(h) if t.holder_kind.accepts(&h) => Some(h),
        Ok(_) => {
            errors.push(FieldError::new(
                "holder_code",
                format!("该类证照的持证主体应为{}", t.holder_kind.name(yici_core::Lang::Zh)),
                format!("holders of this type are {}s", t.holder_kind.code()),
            ));
            None
        }
        Err(e) => {
            errors.push(FieldError::id("holder_code", &e));
            None
        }
    };
    let name = r.holder_name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "holder_name",
            "持证主体名称为1至100个字",
            "the holder's name must be 1 to 100 characters",
        ));
    }
    let data = match t.check_data(&r.data) {
        Ok(d) => d,
        Err(p) => {
            errors.extend(problems_to_errors(p));
            BTreeMap::new()
        }
    };
    let valid_from = r.valid_from.unwrap_or(today);
    let valid_until = match t.validity.end(valid_from, r.valid_until) {
        Ok(end) => end,
        Err(p) => {
            errors.extend(problems_to_errors(vec![p]));
            None
        }
    };
    let number = r.number.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if number.is_some_and(|n| n.chars().count() > 64 || n.chars().any(char::is_control)) {
        errors.push(FieldError::new(
            "number",
            "证照编号不超过64个字",
            "the number is at most 64 characters",
        ));
    }
    let region = match r.region.as_deref() {
        None => issuer.region_code.clone(),
        Some(code) => match RegionCode::parse(code) {
            Ok(c) => c.to_string(),
            Err(e) => {
                errors.push(FieldError::id("region", &e));
                String::new()
            }
        },
    };
    let issue_key = r.issue_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if issue_key.is_some_and(|k| k.len() > 128) {
        errors.push(FieldError::new(
            "issue_key",
            "幂等键不超过128个字符",
            "the issue key is at most 128 characters",
        ));
    }
    match holder {
        Some(holder) if errors.is_empty() => Ok(Checked {
            digest: yici_crypto::sm3_hex(
                serde_json::json!([
                    t.code,
                    holder.as_str(),
                    name,
                    data,
                    r.valid_from,
                    r.valid_until,
                    number,
                    region
                ])
                .to_string()
                .as_bytes(),
            ),
            holder,
            holder_name: name.to_string(),
            data,
            valid_from,
            valid_until,
            number: number.map(str::to_string),
            region,
            issue_key: issue_key.map(str::to_string),
        }),
        _ => Err(errors),
    }
}

/// Every problem with one request for `issuer` (empty when it can be issued).
pub fn problems(t: &StoredType, issuer: &Department, r: &IssueRequest, today: NaiveDate) -> Vec<FieldError> {
    if t.department_id != issuer.id {
        return vec![FieldError::new(
            "type_code",
            "只能签发本部门定义的证照类型",
            "An issuer issues only its own department's types",
        )];
    }
    check(&t.definition, r, issuer, today).err().unwrap_or_default()
}

/// What checking a certificate found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub identifier: String,
    pub type_name: String,
    /// Whose certificate it is, masked: a person's name and number, an organisation's number.
    pub holder: String,
    /// Status code as of today (`01` valid … `07` revoked as a penalty).
    pub status: String,
    pub status_name: String,
    /// The seal signature verifies over the content, made with a seal of the authority.
    pub signature_valid: bool,
    /// The seal that signed it has not been revoked.
    pub seal_valid: bool,
    pub seal_name: String,
    pub issuer: IssuerInfo,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub version: i64,
    /// When the seal signature was made (Unix seconds), as the signer states it.
    pub signed_at: Option<i64>,
}

impl Certs {
    /// Unix seconds now, as a seal signature states its time.
    fn now_secs(&self) -> i64 {
        self.clock.now_micros().div_euclid(1_000_000)
    }

    pub fn new(key: SealingKey, clock: Clock) -> Self {
        Certs {
            key,
            clock,
            authority: Default::default(),
            signers: Default::default(),
            serials: Default::default(),
        }
    }

    /// The seal authority, set up on first use (one root for the whole deployment: instances
    /// sharing a database agree on the first one recorded).
    pub async fn authority(&self, store: &Store) -> ApiResult<Arc<Authority>> {
        self.authority
            .get_or_try_init(|| async {
                let (cert_der, sealed) = match store.seal_authority().await? {
                    Some(found) => found,
                    None => {
                        let key = KeyPair::generate();
                        let cert = pki::issue_root(&key, "Yici 电子印章根证书", "Yici 政务服务平台", ROOT_DAYS)
                            .map_err(|e| crypto_failure("cannot make the seal authority's root", e))?;
                        let sealed = self.key.seal(&key.secret_bytes(), AUTHORITY_CONTEXT);
                        let event = yici_service::context::request_event(
                            yici_store::now_micros(),
                            yici_core::audit::Actor::platform(yici_core::audit::PlatformActor::SealAuthority),
                            Action::SealAuthorityCreate,
                            "seal_authority",
                        );
                        store.seal_authority_init(&cert, &sealed, &event).await?
                    }
                };
                let secret = self
                    .key
                    .open(&sealed, AUTHORITY_CONTEXT)
                    .map_err(|_| unreadable_key())?;
                let key = KeyPair::from_bytes(&secret).map_err(|_| unreadable_key())?;
                Ok(Arc::new(Authority {
                    verifier: Verifier::new(&cert_der),
                    cert_der,
                    key,
                }))
            })
            .await
            .cloned()
    }

    /// Make a new seal for `department` (its first, or a rotation that retires the current
    /// one): a new SM2 key, its certificate from the authority, the picture and the seal.
    pub async fn make_seal(&self, store: &Store, department: &Department, audit: &AuditEvent) -> ApiResult<SealRecord> {
        let authority = self.authority(store).await?;
        let key = KeyPair::generate();
        let cert = pki::issue(
            &authority.key,
            &authority.cert_der,
            &key.public(),
            &format!("{}电子印章", department.name),
            &department.name,
            SEAL_DAYS,
        )
        .map_err(|e| crypto_failure("cannot certify a seal key", e))?;
        let info = pki::inspect(&cert).map_err(|e| crypto_failure("cannot read a seal certificate", e))?;
        let count = store.seals(Some(department.id)).await?.len();
        let es_id = format!("{}{:03}", department.uscc, count + 1);
        let picture = yici_render::seal::png(&department.name);
        let seal_der = seal::make_seal(
            &authority.key,
            &authority.cert_der,
            &SealRequest {
                es_id: &es_id,
                name: &department.name,
                signer_cert: &cert,
                picture_png: &picture,
                size_mm: SEAL_MM,
                created: info.not_before,
                valid_start: info.not_before,
                valid_end: info.not_after,
            },
        )
        .map_err(|e| crypto_failure("cannot make a seal", e))?;
        let new = NewSeal {
            department_id: department.id,
            key_sealed: self.key.seal(&key.secret_bytes(), &seal_context(&es_id)),
            es_id,
            name: department.name.clone(),
            cert_der: cert,
            seal_der,
            picture,
            valid_from: info.not_before,
            valid_until: info.not_after,
        };
        Ok(store.seal_add(&new, audit).await?)
    }

    /// The department's active seal, opened.
    async fn signer(&self, store: &Store, department_id: i64) -> ApiResult<Arc<Signer>> {
        let seal = store.seal_active(department_id).await?.ok_or_else(|| {
            Error::new(
                Kind::Conflict,
                "no_seal",
                "本部门尚无有效的电子印章，请联系平台运营方制发",
                "The department has no active seal; ask the platform operator to make one",
            )
        })?;
        let now = self.now_secs();
        if now < seal.valid_from || now > seal.valid_until {
            return Err(Error::new(
                Kind::Conflict,
                "seal_expired",
                "本部门的电子印章不在有效期内，请联系平台运营方更换印章",
                "The department's seal is outside its validity; ask the platform operator to rotate it",
            ));
        }
        if let Some(s) = self.signers.lock().expect("signer cache").get(&seal.id) {
            return Ok(s.clone());
        }
        let secret = self
            .key
            .open(&seal.key_sealed, &seal_context(&seal.es_id))
            .map_err(|_| unreadable_key())?;
        let key = KeyPair::from_bytes(&secret).map_err(|_| unreadable_key())?;
        let signer = Arc::new(Signer { seal, key });
        self.signers
            .lock()
            .expect("signer cache")
            .insert(signer.seal.id, signer.clone());
        Ok(signer)
    }

    /// Number, seal and record certificates of type `t` issued by `issuer`. Each request is
    /// checked on its own: the answer lists, per request, the certificate or every problem
    /// found. Valid requests are recorded in one transaction, each with its audit entry.
    pub async fn issue(
        &self,
        store: &Store,
        issuer: &Department,
        types: &HashMap<String, StoredType>,
        requests: &[IssueRequest],
        audit: &AuditEvent,
    ) -> ApiResult<Vec<Result<CertificateRecord, Vec<FieldError>>>> {
        let mut checked: Vec<Result<(Checked, &CertificateType), Vec<FieldError>>> = Vec::with_capacity(requests.len());
        for r in requests {
            checked.push(match types.get(&r.type_code) {
                None => Err(vec![FieldError::new(
                    "type_code",
                    "没有该证照类型",
                    "No such certificate type",
                )]),
                Some(t) if t.department_id != issuer.id => Err(problems(t, issuer, r, self.clock.today())),
                Some(t) => check(&t.definition, r, issuer, self.clock.today()).map(|c| (c, &t.definition)),
            });
        }
        let valid = checked.iter().filter(|c| c.is_ok()).count() as i64;
        if valid == 0 {
            return Ok(checked.into_iter().map(|c| Err(c.err().unwrap_or_default())).collect());
        }
        let signer = self.signer(store, issuer.id).await?;
        let mut serial = self.reserve_serials(store, issuer.id, valid).await?;
        let now = self.now_secs();
        let mut new = Vec::with_capacity(valid as usize);
        for (c, t) in checked.iter().flatten() {
            let serial_text = format!("{serial:010}");
            serial += 1;
            let id = CertificateId::generate(&t.code, &issuer.uscc, &serial_text, 1)
                .map_err(|e| crypto_failure("a generated identifier does not parse", e))?;
            let content = Content {
                v: 1,
                identifier: id.as_str().to_string(),
                type_code: t.code.clone(),
                type_name: t.name.clone(),
                number: c.number.clone().unwrap_or_else(|| serial_text.clone()),
                predecessor: None,
                holder: HolderInfo {
                    name: c.holder_name.clone(),
                    code: c.holder.as_str().to_string(),
                    code_type: holder_code_type(&c.holder).to_string(),
                },
                data: c.data.clone(),
                valid_from: c.valid_from,
                valid_until: c.valid_until,
                issuer: IssuerInfo {
                    name: issuer.name.clone(),
                    code: issuer.uscc.clone(),
                    date: self.clock.today(),
                },
                region: c.region.clone(),
            };
            let mut sealed = self.seal_content(&signer, content, c.issue_key.clone(), issuer.id, now)?;
            sealed.issue_digest = c.issue_key.as_ref().map(|_| c.digest.clone());
            new.push((sealed, audit.clone()));
        }
        let mut recorded = store.certificates_add(&new, None).await?.into_iter();
        Ok(checked
            .into_iter()
            .map(|c| c.map(|_| recorded.next().expect("one record per valid request")))
            .collect())
    }

    /// `count` consecutive serials of a department, from the reserved block when it has enough.
    async fn reserve_serials(&self, store: &Store, department_id: i64, count: i64) -> ApiResult<i64> {
        let mut blocks = self.serials.lock().await;
        if let Some((next, end)) = blocks.get_mut(&department_id)
            && *end - *next >= count
        {
            let first = *next;
            *next += count;
            return Ok(first);
        }
        let size = count.max(SERIAL_BLOCK);
        let first = store.certificate_serials(department_id, size).await?;
        blocks.insert(department_id, (first + count, first + size));
        Ok(first)
    }

    fn seal_content(
        &self,
        signer: &Signer,
        content: Content,
        issue_key: Option<String>,
        issuer_id: i64,
        now: i64,
    ) -> ApiResult<NewCertificate> {
        let bytes = content.canonical();
        let sealed = seal::sign(
            &signer.seal.seal_der,
            &signer.key,
            &signer.seal.cert_der,
            &bytes,
            &content.identifier,
            now,
        )
        .map_err(|e| crypto_failure("cannot seal a certificate", e))?;
        let id = CertificateId::parse(&content.identifier).map_err(|e| crypto_failure("identifier", e))?;
        Ok(NewCertificate {
            identifier: content.identifier.clone(),
            type_code: content.type_code.clone(),
            issuer_department_id: issuer_id,
            seal_id: signer.seal.id,
            holder_code: content.holder.code.clone(),
            holder_name: content.holder.name.clone(),
            number: content.number.clone(),
            version: i64::from(id.version()),
            predecessor: content.predecessor.clone(),
            valid_from: content.valid_from,
            valid_until: content.valid_until,
            content: bytes,
            signature: sealed.signature,
            verification_code: verification_code(),
            issue_key,
            issue_digest: None,
        })
    }

    /// A new version of `old` (change or renewal): the same serial and number, the next
    /// version, new data or validity, sealed with the issuer's current seal. The old version is
    /// cancelled in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn new_version(
        &self,
        store: &Store,
        issuer: &Department,
        t: &CertificateType,
        old: &CertificateRecord,
        old_status: Status,
        data: Option<&BTreeMap<String, String>>,
        valid_from: Option<NaiveDate>,
        valid_until: Option<NaiveDate>,
        audit: &AuditEvent,
    ) -> ApiResult<CertificateRecord> {
        let before = Content::parse(&old.content).map_err(|e| crypto_failure("stored content is unreadable", e))?;
        let request = IssueRequest {
            type_code: t.code.clone(),
            holder_code: before.holder.code.clone(),
            holder_name: before.holder.name.clone(),
            data: data.cloned().unwrap_or_else(|| before.data.clone()),
            valid_from: Some(valid_from.unwrap_or_else(|| self.clock.today())),
            valid_until,
            number: Some(before.number.clone()),
            region: Some(before.region.clone()),
            issue_key: None,
        };
        let c = check(t, &request, issuer, self.clock.today()).map_err(Error::validation)?;
        let prior = CertificateId::parse(&old.identifier).map_err(|e| crypto_failure("stored identifier", e))?;
        let version = prior.version() + 1;
        if version > 999 {
            return Err(Error::conflict(
                "证照版本已达上限",
                "The certificate has reached its last version",
            ));
        }
        let id = CertificateId::generate(&t.code, &issuer.uscc, prior.serial(), version)
            .map_err(|e| crypto_failure("a generated identifier does not parse", e))?;
        let content = Content {
            v: 1,
            identifier: id.as_str().to_string(),
            type_code: t.code.clone(),
            type_name: t.name.clone(),
            number: before.number.clone(),
            predecessor: Some(old.identifier.clone()),
            holder: before.holder.clone(),
            data: c.data,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            issuer: IssuerInfo {
                name: issuer.name.clone(),
                code: issuer.uscc.clone(),
                date: self.clock.today(),
            },
            region: before.region,
        };
        let signer = self.signer(store, issuer.id).await?;
        let new = self.seal_content(&signer, content, None, issuer.id, self.now_secs())?;
        let mut out = store
            .certificates_add(&[(new, audit.clone())], Some(old_status))
            .await?;
        Ok(out.remove(0))
    }

    /// Verify a stored certificate: its seal signature over its content, the seal's standing
    /// and the certificate's status as of today.
    pub async fn verify(&self, store: &Store, record: &CertificateRecord) -> ApiResult<Verification> {
        let authority = self.authority(store).await?;
        let verified = authority.verifier.verify(&record.signature, &record.content);
        let seal = store.seal(record.seal_id).await?;
        let content = Content::parse(&record.content).ok();
        let status = record.status.as_of(record.valid_until, self.clock.today());
        let lang = yici_service::context::current_lang();
        Ok(Verification {
            identifier: record.identifier.clone(),
            type_name: content.as_ref().map(|c| c.type_name.clone()).unwrap_or_default(),
            holder: content
                .as_ref()
                .map(|c| masked_holder(&c.holder.name, &c.holder.code))
                .unwrap_or_default(),
            status: status.code().to_string(),
            status_name: status.name(lang).to_string(),
            signature_valid: verified.is_ok() && content.is_some(),
            seal_valid: verified.is_ok() && seal.as_ref().is_some_and(|s| s.status != SealStatus::Revoked),
            seal_name: seal.map(|s| s.name).unwrap_or_default(),
            issuer: content.as_ref().map(|c| c.issuer.clone()).unwrap_or(IssuerInfo {
                name: String::new(),
                code: String::new(),
                date: record.valid_from,
            }),
            valid_from: record.valid_from,
            valid_until: record.valid_until,
            version: record.version,
            signed_at: verified.ok().map(|v| v.signed_at),
        })
    }
}

/// The note printed on a use copy (加注件).
#[derive(Debug, Clone)]
pub struct UseCopyNote {
    pub department: String,
    pub purpose: String,
    /// UTC microseconds.
    pub used_at: i64,
    pub valid_until: i64,
}

/// A holder as anyone verifying may see it: a person's name and number masked, an
/// organisation's name in full with its number masked.
pub fn masked_holder(name: &str, code: &str) -> String {
    match ApplicantId::parse(code) {
        Ok(id @ ApplicantId::Person(_)) => format!("{}（{}）", yici_core::org::mask_name(name), id.masked()),
        Ok(id) => format!("{name}（{}）", id.masked()),
        Err(_) => yici_core::org::mask_name(name),
    }
}

/// How long before a seal's signing certificate ends its department is reminded to make a new
/// seal (certificates sealed before then stay valid; new ones need a valid seal).
pub const SEAL_REMINDER_DAYS: i64 = 60;

/// Remind, once, the department of every active seal whose certificate ends within
/// [`SEAL_REMINDER_DAYS`] of `now` (UTC microseconds); returns how many were reminded.
pub async fn remind_expiring_seals(store: &yici_store::Store, now: i64) -> yici_store::Result<usize> {
    // A seal's validity is kept in seconds, as its X.509 certificate states it.
    let before = now.div_euclid(1_000_000) + SEAL_REMINDER_DAYS * 86_400;
    let mut reminded = 0;
    for seal in store.seals_expiring(before).await? {
        let message = format!(
            "电子印章“{}”的证书将于{}到期，请在此之前制作新印章，到期后将无法用它签发证照",
            seal.name,
            china_time(seal.valid_until.saturating_mul(1_000_000), false)
        );
        let event = yici_service::context::request_event(
            now,
            yici_core::audit::Actor::platform(yici_core::audit::PlatformActor::Deadlines),
            Action::SealRemind,
            "seal",
        )
        .object(seal.id);
        if store.seal_remind(seal.id, &message, &event).await? {
            reminded += 1;
        }
    }
    Ok(reminded)
}

fn china_time(micros: i64, with_time: bool) -> String {
    let t = yici_core::clock::china_time(micros);
    if with_time {
        t.format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d").to_string()
    }
}

/// The address a certificate's QR code carries: the verification page with its code.
pub fn verification_url(public_url: &str, identifier: &str, code: &str) -> String {
    format!(
        "{}/verify?id={}&code={}",
        public_url.trim_end_matches('/'),
        yici_web::page::encode(identifier),
        yici_web::page::encode(code)
    )
}

/// Render a certificate as PDF/A-2b (its type's fields as labelled rows, the seal picture, the
/// QR code), or a use copy of it with the note.
pub async fn render_pdf(
    store: &Store,
    public_url: &str,
    record: &CertificateRecord,
    note: Option<&UseCopyNote>,
) -> ApiResult<Vec<u8>> {
    let c = Content::parse(&record.content).map_err(|e| crypto_failure("stored content is unreadable", e))?;
    let t = store.certificate_type(&record.type_code).await?.map(|t| t.definition);
    let seal = store.seal(record.seal_id).await?;
    let mut rows = vec![
        ("持证主体".to_string(), c.holder.name.clone()),
        ("证件号码".to_string(), c.holder.code.clone()),
        ("证照编号".to_string(), c.number.clone()),
    ];
    match &t {
        Some(t) => rows.extend(
            t.shown_fields()
                .into_iter()
                .filter_map(|f| c.data.get(&f.name).map(|v| (f.label.clone(), v.clone()))),
        ),
        None => rows.extend(c.data.iter().map(|(k, v)| (k.clone(), v.clone()))),
    }
    let until = c.valid_until.map_or_else(|| "长期".to_string(), |d| d.to_string());
    rows.push(("有效期".to_string(), format!("{} 至 {until}", c.valid_from)));
    let now = chrono::Utc::now();
    use chrono::{Datelike, Timelike};
    let doc = yici_render::pdf::CertificateDoc {
        title: c.type_name.clone(),
        rows,
        issuer: c.issuer.name.clone(),
        issue_date: c.issuer.date.to_string(),
        identifier: c.identifier.clone(),
        // A use copy carries no verification code: the department's use ends with the copy's
        // validity, not with knowing the code.
        verification_code: if note.is_some() {
            String::new()
        } else {
            record.verification_code.clone()
        },
        verification_url: if note.is_some() {
            String::new()
        } else {
            verification_url(public_url, &record.identifier, &record.verification_code)
        },
        seal_png: seal.map(|s| s.picture).unwrap_or_default(),
        use_copy: note
            .map(|n| {
                vec![
                    format!("加注件 · 用证部门：{}", n.department),
                    format!("用证事由：{}", n.purpose),
                    format!("用证时间：{}", china_time(n.used_at, true)),
                    format!("有效期至：{}", china_time(n.valid_until, false)),
                ]
            })
            .unwrap_or_default(),
        created: (
            u16::try_from(now.year()).unwrap_or(2026),
            now.month() as u8,
            now.day() as u8,
            now.hour() as u8,
            now.minute() as u8,
            now.second() as u8,
        ),
    };
    tokio::task::spawn_blocking(move || yici_render::pdf::certificate(&doc))
        .await
        .map_err(|e| crypto_failure("PDF rendering stopped", e))?
        .map_err(|e| crypto_failure("cannot render a certificate PDF", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_codes_avoid_lookalikes_and_compare_exactly() {
        let code = verification_code();
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        assert!(code_matches(&code.to_ascii_lowercase(), &code));
        assert!(!code_matches(&code[..CODE_LEN - 1], &code));
        let mut other = code.clone().into_bytes();
        other[0] = if other[0] == b'2' { b'3' } else { b'2' };
        assert!(!code_matches(std::str::from_utf8(&other).unwrap(), &code));
        assert_ne!(verification_code(), verification_code());
    }
}
