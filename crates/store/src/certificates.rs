//! The electronic certificate library: the seal authority, department seals, certificate types,
//! certificates, holder consents, 亮证 tokens and uses.
//!
//! Private keys arrive here already sealed (SM4-GCM under the platform's seal key, see the
//! server's `certs` module): the store never sees a key in the clear.

use crate::{Page, Result, Store, StoreError, get_i64, get_opt_i64, get_opt_str, get_str, now_micros};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;
use yici_core::certificate::{CertificateType, Status};

/// A seal's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SealStatus {
    /// The department's current seal.
    Active,
    /// Replaced by a newer seal; certificates it sealed stay valid.
    Retired,
    /// Withdrawn: certificates it sealed no longer verify as valid.
    Revoked,
}

impl SealStatus {
    pub fn code(self) -> &'static str {
        match self {
            SealStatus::Active => "active",
            SealStatus::Retired => "retired",
            SealStatus::Revoked => "revoked",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [SealStatus::Active, SealStatus::Retired, SealStatus::Revoked]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A department's seal: its signing certificate, sealed key and GB/T 38540 seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealRecord {
    pub id: i64,
    pub department_id: i64,
    pub es_id: String,
    pub name: String,
    pub cert_der: Vec<u8>,
    pub key_sealed: Vec<u8>,
    pub seal_der: Vec<u8>,
    pub picture: Vec<u8>,
    pub valid_from: i64,
    pub valid_until: i64,
    pub status: SealStatus,
    pub status_reason: String,
    pub created_at: i64,
    pub changed_at: i64,
}

/// A seal to record.
#[derive(Debug, Clone)]
pub struct NewSeal {
    pub department_id: i64,
    pub es_id: String,
    pub name: String,
    pub cert_der: Vec<u8>,
    pub key_sealed: Vec<u8>,
    pub seal_der: Vec<u8>,
    pub picture: Vec<u8>,
    pub valid_from: i64,
    pub valid_until: i64,
}

/// A certificate type with the department that defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredType {
    pub department_id: i64,
    pub definition: CertificateType,
    /// The catalogue resource whose sharing grants let departments find these certificates.
    pub resource_id: Option<i64>,
    pub updated_at: i64,
}

/// A stored certificate (one version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    pub id: i64,
    pub identifier: String,
    pub type_code: String,
    pub issuer_department_id: i64,
    pub seal_id: i64,
    pub holder_code: String,
    pub holder_name: String,
    pub number: String,
    pub version: i64,
    pub predecessor: Option<String>,
    /// As recorded: an expired certificate is still `Valid` here; see [`Status::as_of`].
    pub status: Status,
    pub status_reason: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// The canonical content (the signed bytes' subject).
    pub content: Vec<u8>,
    /// The `SES_Signature` (DER).
    pub signature: Vec<u8>,
    pub verification_code: String,
    pub issued_at: i64,
    pub changed_at: i64,
}

/// A certificate to record.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    pub identifier: String,
    pub type_code: String,
    pub issuer_department_id: i64,
    pub seal_id: i64,
    pub holder_code: String,
    pub holder_name: String,
    pub number: String,
    pub version: i64,
    pub predecessor: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub content: Vec<u8>,
    pub signature: Vec<u8>,
    pub verification_code: String,
    /// The caller's key for this issue: issuing again with the same key returns the first
    /// certificate instead of a second one.
    pub issue_key: Option<String>,
    /// A digest of what was asked for under the key: the same key with a different request
    /// is a conflict, not a retry.
    pub issue_digest: Option<String>,
}

/// A holder's consent for a department to use one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub id: i64,
    pub certificate_id: i64,
    pub department_id: i64,
    pub purpose: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// One use of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateUse {
    pub id: i64,
    pub certificate_id: i64,
    /// `use_copy`, `view`, `verify` (online verification).
    pub kind: String,
    pub department_id: Option<i64>,
    /// Readable label of who used it.
    pub actor: String,
    pub purpose: String,
    pub case_ref: Option<String>,
    /// Until when a use copy is valid.
    pub valid_until: Option<i64>,
    pub used_at: i64,
}

fn bytes(row: &AnyRow, col: &str) -> Result<Vec<u8>> {
    Ok(row.try_get::<Vec<u8>, _>(col)?)
}

fn seal(row: &AnyRow) -> Result<SealRecord> {
    Ok(SealRecord {
        id: get_i64(row, "id")?,
        department_id: get_i64(row, "department_id")?,
        es_id: get_str(row, "es_id")?,
        name: get_str(row, "name")?,
        cert_der: bytes(row, "cert_der")?,
        key_sealed: bytes(row, "key_sealed")?,
        seal_der: bytes(row, "seal_der")?,
        picture: bytes(row, "picture")?,
        valid_from: get_i64(row, "valid_from")?,
        valid_until: get_i64(row, "valid_until")?,
        status: SealStatus::from_code(&get_str(row, "status")?)
            .ok_or_else(|| StoreError::Invalid("unknown seal status".into()))?,
        status_reason: get_str(row, "status_reason")?,
        created_at: get_i64(row, "created_at")?,
        changed_at: get_i64(row, "changed_at")?,
    })
}

fn stored_type(row: &AnyRow) -> Result<StoredType> {
    Ok(StoredType {
        department_id: get_i64(row, "department_id")?,
        definition: serde_json::from_str(&get_str(row, "definition")?)
            .map_err(|e| StoreError::Invalid(format!("stored certificate type is unreadable: {e}")))?,
        resource_id: get_opt_i64(row, "resource_id")?,
        updated_at: get_i64(row, "updated_at")?,
    })
}

fn date(text: &str) -> Result<NaiveDate> {
    text.parse()
        .map_err(|_| StoreError::Invalid("stored certificate date is unreadable".into()))
}

fn certificate(row: &AnyRow) -> Result<CertificateRecord> {
    Ok(CertificateRecord {
        id: get_i64(row, "id")?,
        identifier: get_str(row, "identifier")?,
        type_code: get_str(row, "type_code")?,
        issuer_department_id: get_i64(row, "issuer_department_id")?,
        seal_id: get_i64(row, "seal_id")?,
        holder_code: get_str(row, "holder_code")?,
        holder_name: get_str(row, "holder_name")?,
        number: get_str(row, "number")?,
        version: get_i64(row, "version")?,
        predecessor: get_opt_str(row, "predecessor")?,
        status: Status::from_code(&get_str(row, "status")?)
            .ok_or_else(|| StoreError::Invalid("unknown certificate status".into()))?,
        status_reason: get_str(row, "status_reason")?,
        valid_from: date(&get_str(row, "valid_from")?)?,
        valid_until: get_opt_str(row, "valid_until")?.map(|d| date(&d)).transpose()?,
        content: bytes(row, "content")?,
        signature: bytes(row, "signature")?,
        verification_code: get_str(row, "verification_code")?,
        issued_at: get_i64(row, "issued_at")?,
        changed_at: get_i64(row, "changed_at")?,
    })
}

fn consent(row: &AnyRow) -> Result<Consent> {
    Ok(Consent {
        id: get_i64(row, "id")?,
        certificate_id: get_i64(row, "certificate_id")?,
        department_id: get_i64(row, "department_id")?,
        purpose: get_str(row, "purpose")?,
        expires_at: get_i64(row, "expires_at")?,
        created_at: get_i64(row, "created_at")?,
        revoked_at: get_opt_i64(row, "revoked_at")?,
    })
}

fn certificate_use(row: &impl crate::exec::Columns) -> Result<CertificateUse> {
    Ok(CertificateUse {
        id: get_i64(row, "id")?,
        certificate_id: get_i64(row, "certificate_id")?,
        kind: get_str(row, "kind")?,
        department_id: get_opt_i64(row, "department_id")?,
        actor: get_str(row, "actor")?,
        purpose: get_str(row, "purpose")?,
        case_ref: get_opt_str(row, "case_ref")?,
        valid_until: get_opt_i64(row, "valid_until")?,
        used_at: get_i64(row, "used_at")?,
    })
}

macro_rules! seal_columns {
    () => {
        "id, department_id, es_id, name, cert_der, key_sealed, seal_der, picture, valid_from, valid_until, status, status_reason, created_at, changed_at"
    };
}
macro_rules! certificate_columns {
    () => {
        "id, identifier, type_code, issuer_department_id, seal_id, holder_code, holder_name, number, version, predecessor, status, status_reason, valid_from, valid_until, content, signature, verification_code, issued_at, changed_at"
    };
}

/// Which certificates to list.
#[derive(Debug, Clone, Default)]
pub struct CertificateFilter {
    pub issuer_department_id: Option<i64>,
    pub holder_code: Option<String>,
    pub type_code: Option<String>,
}

impl Store {
    /// The seal authority's certificate and sealed key, if it has been set up.
    pub async fn seal_authority(&self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let row = sqlx::query("SELECT cert_der, key_sealed FROM seal_authority WHERE id = 1")
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((bytes(&r, "cert_der")?, bytes(&r, "key_sealed")?)))
            .transpose()
    }

    /// Record the seal authority unless one is recorded already (another instance may have
    /// been first); returns the one recorded.
    pub async fn seal_authority_init(
        &self,
        cert_der: &[u8],
        key_sealed: &[u8],
        audit: &AuditEvent,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "INSERT INTO seal_authority (id, cert_der, key_sealed, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(cert_der)
        .bind(key_sealed)
        .bind(now_micros())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            self.audit_in(&mut tx, audit).await?;
        }
        let row = sqlx::query("SELECT cert_der, key_sealed FROM seal_authority WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok((bytes(&row, "cert_der")?, bytes(&row, "key_sealed")?))
    }

    /// Record a department's new seal; its current seal, if any, is retired in the same
    /// transaction (rotation).
    pub async fn seal_add(&self, s: &NewSeal, audit: &AuditEvent) -> Result<SealRecord> {
        let now = now_micros();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE seals SET status = 'retired', status_reason = $1, changed_at = $2 WHERE department_id = $3 AND status = 'active'")
            .bind(format!("replaced by {}", s.es_id))
            .bind(now)
            .bind(s.department_id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(concat!(
            "INSERT INTO seals (department_id, es_id, name, cert_der, key_sealed, seal_der, picture, valid_from, valid_until, status, created_at, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $10) RETURNING ",
            seal_columns!()
        ))
        .bind(s.department_id)
        .bind(&s.es_id)
        .bind(&s.name)
        .bind(&s.cert_der)
        .bind(&s.key_sealed)
        .bind(&s.seal_der)
        .bind(&s.picture)
        .bind(s.valid_from)
        .bind(s.valid_until)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "seal"))?;
        let record = seal(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(&record.es_id)).await?;
        self.commit(tx).await?;
        Ok(record)
    }

    /// Revoke a seal (revoking twice keeps the first reason).
    pub async fn seal_revoke(&self, id: i64, reason: &str, audit: &AuditEvent) -> Result<SealRecord> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "UPDATE seals SET status = 'revoked', status_reason = $1, changed_at = $2 WHERE id = $3 AND status <> 'revoked' RETURNING ",
            seal_columns!()
        ))
        .bind(reason)
        .bind(now_micros())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            drop(tx);
            return match self.seal(id).await? {
                Some(s) => Ok(s),
                None => Err(StoreError::NotFound("seal")),
            };
        };
        let record = seal(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(&record.es_id)).await?;
        self.commit(tx).await?;
        Ok(record)
    }

    /// Active seals whose signing certificate ends before `before` (Unix seconds, as seals'
    /// validity is kept) and whose department has not been reminded of it yet.
    pub async fn seals_expiring(&self, before: i64) -> Result<Vec<SealRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            seal_columns!(),
            " FROM seals WHERE status = 'active' AND reminded_at IS NULL AND valid_until < $1 ORDER BY valid_until"
        ))
        .bind(before)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(seal).collect()
    }

    /// Remind a seal's department, once, that the seal's certificate is about to expire: a
    /// notification linking to the seals page, and an audit entry, in one transaction. Returns
    /// whether this call reminded (false when already reminded or no longer active).
    pub async fn seal_remind(&self, id: i64, message: &str, audit: &AuditEvent) -> Result<bool> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE seals SET reminded_at = $1 WHERE id = $2 AND status = 'active' AND reminded_at IS NULL RETURNING department_id",
        )
        .bind(now_micros())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        self.notify(
            &mut tx,
            get_i64(&row, "department_id")?,
            "seal_expiring",
            message,
            "/seals",
        )
        .await?;
        self.audit_in(&mut tx, audit).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    pub async fn seal(&self, id: i64) -> Result<Option<SealRecord>> {
        let row = sqlx::query(concat!("SELECT ", seal_columns!(), " FROM seals WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(seal).transpose()
    }

    /// The department's active seal.
    pub async fn seal_active(&self, department_id: i64) -> Result<Option<SealRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            seal_columns!(),
            " FROM seals WHERE department_id = $1 AND status = 'active'"
        ))
        .bind(department_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(seal).transpose()
    }

    /// Seals, newest first, of one department or of all.
    pub async fn seals(&self, department_id: Option<i64>) -> Result<Vec<SealRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            seal_columns!(),
            " FROM seals WHERE ($1 IS NULL OR department_id = $1) ORDER BY id DESC"
        ))
        .bind(department_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(seal).collect()
    }

    /// Define or redefine a certificate type. A type belongs to the department that first
    /// defined it; another department's attempt is a conflict.
    pub async fn certificate_type_put(
        &self,
        department_id: i64,
        t: &CertificateType,
        audit: &AuditEvent,
    ) -> Result<StoredType> {
        let now = now_micros();
        let definition = serde_json::to_string(t).expect("types serialise");
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO certificate_types (code, department_id, name, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, definition = excluded.definition, updated_at = excluded.updated_at
             WHERE certificate_types.department_id = excluded.department_id
             RETURNING department_id, definition, resource_id, updated_at",
        )
        .bind(&t.code)
        .bind(department_id)
        .bind(&t.name)
        .bind(&definition)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "certificate type"))?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "certificate type {} belongs to another department",
                t.code
            )));
        };
        self.audit_in(&mut tx, &audit.clone().object(&t.code)).await?;
        self.commit(tx).await?;
        stored_type(&row)
    }

    pub async fn certificate_type(&self, code: &str) -> Result<Option<StoredType>> {
        let row = sqlx::query(
            "SELECT department_id, definition, resource_id, updated_at FROM certificate_types WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(stored_type).transpose()
    }

    /// Types of one department or of all, by code.
    pub async fn certificate_types(&self, department_id: Option<i64>) -> Result<Vec<StoredType>> {
        let rows = sqlx::query(
            "SELECT department_id, definition, resource_id, updated_at FROM certificate_types WHERE ($1 IS NULL OR department_id = $1) ORDER BY code",
        )
        .bind(department_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored_type).collect()
    }

    /// Name the catalogue resource under whose grants departments find certificates of a type
    /// (`None` removes the link).
    pub async fn certificate_type_link(
        &self,
        code: &str,
        resource_id: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<StoredType> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE certificate_types SET resource_id = $1, updated_at = $2 WHERE code = $3
             RETURNING department_id, definition, resource_id, updated_at",
        )
        .bind(resource_id)
        .bind(now_micros())
        .bind(code)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "link"))?
        .ok_or(StoreError::NotFound("certificate type"))?;
        let mut e = audit.clone().object(code);
        if let Some(r) = resource_id {
            e = e.object(r);
        }
        self.audit_in(&mut tx, &e).await?;
        self.commit(tx).await?;
        stored_type(&row)
    }

    /// A holder's certificates that a department (or one of its systems) may find under a
    /// sharing grant in force on `day` for the resource linked to the certificate's type, with
    /// the grant's id and purpose.
    pub async fn certificates_granted(
        &self,
        holder_code: &str,
        department_id: i64,
        system_id: Option<i64>,
        day: NaiveDate,
    ) -> Result<Vec<(CertificateRecord, i64, String)>> {
        let rows = sqlx::query(
            "SELECT c.id, c.identifier, c.type_code, c.issuer_department_id, c.seal_id, c.holder_code, c.holder_name, c.number, c.version,
                    c.predecessor, c.status, c.status_reason, c.valid_from, c.valid_until, c.content, c.signature, c.verification_code,
                    c.issued_at, c.changed_at, g.id AS grant_id, g.purpose AS grant_purpose
             FROM certificates c
             JOIN certificate_types t ON t.code = c.type_code
             JOIN grants g ON g.resource_id = t.resource_id
             JOIN systems s ON s.id = g.system_id
             WHERE c.holder_code = $1 AND s.department_id = $2 AND ($3 IS NULL OR g.system_id = $3)
               AND g.revoked_at IS NULL AND g.valid_from <= $4 AND g.valid_until >= $4
             ORDER BY c.id DESC, g.id",
        )
        .bind(holder_code)
        .bind(department_id)
        .bind(system_id)
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<(CertificateRecord, i64, String)> = Vec::new();
        for r in &rows {
            let c = certificate(r)?;
            if out.last().is_some_and(|(last, _, _)| last.id == c.id) {
                continue;
            }
            out.push((c, get_i64(r, "grant_id")?, get_str(r, "grant_purpose")?));
        }
        Ok(out)
    }

    /// Reserve `count` serial numbers of an issuing department; returns the first. Serials are
    /// never reused, so a reservation that is not used leaves a gap.
    pub async fn certificate_serials(&self, department_id: i64, count: i64) -> Result<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO certificate_serials (department_id, next_serial) VALUES ($1, $2 + 1)
             ON CONFLICT (department_id) DO UPDATE SET next_serial = certificate_serials.next_serial + $2
             RETURNING next_serial",
        )
        .bind(department_id)
        .bind(count)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(get_i64(&row, "next_serial")? - count)
    }

    /// Record certificates in one transaction, each with its audit entry. A certificate whose
    /// issue key was used before is not recorded again: the earlier one is returned in its
    /// place. A new version (`predecessor` set) cancels its predecessor, which must still have
    /// the status `expected` (a conflict otherwise: someone else changed it first).
    pub async fn certificates_add(
        &self,
        items: &[(NewCertificate, AuditEvent)],
        expected: Option<Status>,
    ) -> Result<Vec<CertificateRecord>> {
        let now = now_micros();
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(items.len());
        let mut events = Vec::with_capacity(items.len());
        // The seal must still be the department's active one (a revocation or rotation that
        // committed meanwhile wins; on PostgreSQL the row lock orders them).
        let mut seals: Vec<i64> = items.iter().map(|(c, _)| c.seal_id).collect();
        seals.sort_unstable();
        seals.dedup();
        for seal_id in seals {
            let n = sqlx::query("UPDATE seals SET changed_at = changed_at WHERE id = $1 AND status = 'active'")
                .bind(seal_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(
                    "the seal was revoked or replaced meanwhile".into(),
                ));
            }
        }
        for (c, audit) in items {
            if let Some(existing) = self.issued_with_key(&mut tx, c).await? {
                out.push(existing);
                continue;
            }
            if let Some(previous) = &c.predecessor {
                let expected = expected.unwrap_or(Status::Valid);
                let n = sqlx::query(
                    "UPDATE certificates SET status = $1, status_reason = $2, changed_at = $3 WHERE identifier = $4 AND status = $5",
                )
                .bind(Status::Cancelled.code())
                .bind(format!("replaced by {}", c.identifier))
                .bind(now)
                .bind(previous)
                .bind(expected.code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict(format!(
                        "certificate {previous} was changed meanwhile"
                    )));
                }
            }
            let row = sqlx::query(concat!(
                "INSERT INTO certificates (identifier, type_code, issuer_department_id, seal_id, holder_code, holder_name, number, version, predecessor, status,
                 valid_from, valid_until, content, signature, verification_code, issue_key, issued_at, changed_at, issue_digest)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)
                ON CONFLICT (issuer_department_id, issue_key) DO NOTHING RETURNING ",
                certificate_columns!()
            ))
            .bind(&c.identifier)
            .bind(&c.type_code)
            .bind(c.issuer_department_id)
            .bind(c.seal_id)
            .bind(&c.holder_code)
            .bind(&c.holder_name)
            .bind(&c.number)
            .bind(c.version)
            .bind(&c.predecessor)
            .bind(Status::Valid.code())
            .bind(c.valid_from.to_string())
            .bind(c.valid_until.map(|d| d.to_string()))
            .bind(&c.content)
            .bind(&c.signature)
            .bind(&c.verification_code)
            .bind(&c.issue_key)
            .bind(now)
            .bind(&c.issue_digest)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| crate::classify(e, "certificate"))?;
            let Some(row) = row else {
                // Another request with the same issue key committed first.
                let existing = self.issued_with_key(&mut tx, c).await?;
                out.push(existing.ok_or_else(|| StoreError::Conflict("certificate issue key".into()))?);
                continue;
            };
            out.push(certificate(&row)?);
            events.push(audit.clone().object(&c.identifier).subject(&c.holder_code));
        }
        self.audit_rows(&mut tx, &events).await?;
        self.commit(tx).await?;
        Ok(out)
    }

    /// The certificate issued earlier under `c`'s issue key, if any; a conflict when that key
    /// was used for a different request.
    async fn issued_with_key(
        &self,
        conn: &mut sqlx::AnyConnection,
        c: &NewCertificate,
    ) -> Result<Option<CertificateRecord>> {
        let Some(key) = &c.issue_key else { return Ok(None) };
        let row = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            ", issue_digest FROM certificates WHERE issuer_department_id = $1 AND issue_key = $2"
        ))
        .bind(c.issuer_department_id)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if get_opt_str(&row, "issue_digest")? != c.issue_digest {
            return Err(StoreError::Conflict(format!(
                "issue key {key} was used for a different certificate"
            )));
        }
        Ok(Some(certificate(&row)?))
    }

    /// Change a certificate's status from `from` to `to`; a conflict when it is no longer
    /// `from`.
    pub async fn certificate_set_status(
        &self,
        identifier: &str,
        from: Status,
        to: Status,
        reason: &str,
        audit: &AuditEvent,
    ) -> Result<CertificateRecord> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "UPDATE certificates SET status = $1, status_reason = $2, changed_at = $3 WHERE identifier = $4 AND status = $5 RETURNING ",
            certificate_columns!()
        ))
        .bind(to.code())
        .bind(reason)
        .bind(now_micros())
        .bind(identifier)
        .bind(from.code())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "certificate {identifier} was changed meanwhile"
            )));
        };
        let record = certificate(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(identifier).subject(&record.holder_code))
            .await?;
        self.commit(tx).await?;
        Ok(record)
    }

    pub async fn certificate(&self, identifier: &str) -> Result<Option<CertificateRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE identifier = $1"
        ))
        .bind(identifier)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(certificate).transpose()
    }

    /// Certificates, newest first.
    pub async fn certificates(&self, f: &CertificateFilter, page: Page) -> Result<Vec<CertificateRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE ($1 IS NULL OR issuer_department_id = $1) AND ($2 IS NULL OR holder_code = $2)
              AND ($3 IS NULL OR type_code = $3) ORDER BY id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(f.issuer_department_id)
        .bind(&f.holder_code)
        .bind(&f.type_code)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(certificate).collect()
    }

    /// What waits for an issuer, in counts only: its suspended certificates (to resume or end)
    /// and its valid ones whose validity ends between `today` and `soon`.
    pub async fn certificates_attention(&self, issuer: i64, today: NaiveDate, soon: NaiveDate) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN status = $2 THEN 1 ELSE 0 END), 0) AS suspended,
                    COALESCE(SUM(CASE WHEN status = $3 AND valid_until >= $4 AND valid_until <= $5 THEN 1 ELSE 0 END), 0) AS expiring
             FROM certificates WHERE issuer_department_id = $1",
        )
        .bind(issuer)
        .bind(Status::Suspended.code())
        .bind(Status::Valid.code())
        .bind(today.to_string())
        .bind(soon.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok((get_i64(&row, "suspended")?, get_i64(&row, "expiring")?))
    }

    /// Every identifier, oldest first (for `yici cert list`).
    pub async fn certificate_identifiers(&self, page: Page) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT identifier FROM certificates ORDER BY id LIMIT $1 OFFSET $2")
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| get_str(r, "identifier")).collect()
    }

    /// Record a holder's consent.
    pub async fn consent_add(
        &self,
        certificate_id: i64,
        department_id: i64,
        purpose: &str,
        expires_at: i64,
        audit: &AuditEvent,
    ) -> Result<Consent> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO certificate_consents (certificate_id, department_id, purpose, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, certificate_id, department_id, purpose, expires_at, created_at, revoked_at",
        )
        .bind(certificate_id)
        .bind(department_id)
        .bind(purpose)
        .bind(expires_at)
        .bind(now_micros())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "consent"))?;
        let c = consent(&row)?;
        self.audit_in(&mut tx, &audit.clone().object(c.id)).await?;
        self.commit(tx).await?;
        Ok(c)
    }

    /// Withdraw a consent (the first withdrawal time stays).
    pub async fn consent_revoke(&self, id: i64, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE certificate_consents SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(now_micros())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound("consent"));
        }
        self.audit_in(&mut tx, &audit.clone().object(id)).await?;
        self.commit(tx).await
    }

    pub async fn consents(&self, certificate_id: i64) -> Result<Vec<Consent>> {
        let rows = sqlx::query(
            "SELECT id, certificate_id, department_id, purpose, expires_at, created_at, revoked_at FROM certificate_consents
             WHERE certificate_id = $1 ORDER BY id DESC",
        )
        .bind(certificate_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(consent).collect()
    }

    /// The certificates a department may use by consent at `now`, optionally of one holder.
    pub async fn consented_certificates(
        &self,
        department_id: i64,
        holder_code: Option<&str>,
        now: i64,
    ) -> Result<Vec<(CertificateRecord, Consent)>> {
        let rows = sqlx::query(
            "SELECT c.id, c.identifier, c.type_code, c.issuer_department_id, c.seal_id, c.holder_code, c.holder_name, c.number, c.version,
                    c.predecessor, c.status, c.status_reason, c.valid_from, c.valid_until, c.content, c.signature, c.verification_code,
                    c.issued_at, c.changed_at, k.id AS consent_id, k.department_id, k.purpose, k.expires_at, k.created_at, k.revoked_at
             FROM certificate_consents k JOIN certificates c ON c.id = k.certificate_id
             WHERE k.department_id = $1 AND k.revoked_at IS NULL AND k.expires_at > $2 AND ($3 IS NULL OR c.holder_code = $3)
             ORDER BY k.id DESC",
        )
        .bind(department_id)
        .bind(now)
        .bind(holder_code)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let c = certificate(r)?;
                let k = Consent {
                    id: get_i64(r, "consent_id")?,
                    certificate_id: c.id,
                    department_id: get_i64(r, "department_id")?,
                    purpose: get_str(r, "purpose")?,
                    expires_at: get_i64(r, "expires_at")?,
                    created_at: get_i64(r, "created_at")?,
                    revoked_at: None,
                };
                Ok((c, k))
            })
            .collect()
    }

    /// Record a 亮证 token (its digest) for a certificate.
    pub async fn show_add(
        &self,
        token_digest: &str,
        certificate_id: i64,
        expires_at: i64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO certificate_shows (token_digest, certificate_id, expires_at, created_at) VALUES ($1, $2, $3, $4)")
            .bind(token_digest)
            .bind(certificate_id)
            .bind(expires_at)
            .bind(now_micros())
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::classify(e, "show token"))?;
        self.audit_in(&mut tx, audit).await?;
        self.commit(tx).await
    }

    /// The certificate a 亮证 token shows, while the token is valid.
    pub async fn show_certificate(&self, token_digest: &str, now: i64) -> Result<Option<CertificateRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE id = (SELECT certificate_id FROM certificate_shows WHERE token_digest = $1 AND expires_at > $2)"
        ))
        .bind(token_digest)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(certificate).transpose()
    }

    /// Record a use of a certificate with its audit entry, in one transaction.
    pub async fn certificate_use_add(&self, u: &CertificateUse, audit: &AuditEvent) -> Result<CertificateUse> {
        let mut recorded = self.certificate_uses_add(&[(u.clone(), audit.clone())]).await?;
        recorded.pop().ok_or(StoreError::NotFound("certificate use"))
    }

    /// Record several uses, each with its audit entry, in one transaction (a case's fetches).
    pub async fn certificate_uses_add(&self, uses: &[(CertificateUse, AuditEvent)]) -> Result<Vec<CertificateUse>> {
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(uses.len());
        for (u, audit) in uses {
            let recorded = self
                .certificate_use_in(&mut crate::exec::Conn::Pool(&mut tx), u)
                .await?;
            self.audit_in(&mut tx, &audit.clone().object(recorded.id)).await?;
            out.push(recorded);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(crate) async fn certificate_use_in(
        &self,
        conn: &mut crate::exec::Conn<'_>,
        u: &CertificateUse,
    ) -> Result<CertificateUse> {
        let row = crate::exec::sql(
            "INSERT INTO certificate_uses (certificate_id, kind, department_id, actor, purpose, case_ref, valid_until, used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING id, certificate_id, kind, department_id, actor, purpose, case_ref, valid_until, used_at",
        )
        .bind(u.certificate_id)
        .bind(&u.kind)
        .bind(u.department_id)
        .bind(&u.actor)
        .bind(&u.purpose)
        .bind(&u.case_ref)
        .bind(u.valid_until)
        .bind(u.used_at)
        .naming("certificate use")
        .fetch_one(conn)
        .await?;
        certificate_use(&row)
    }

    /// Every use of a certificate, newest first.
    pub async fn certificate_uses(&self, certificate_id: i64) -> Result<Vec<CertificateUse>> {
        let rows = sqlx::query(
            "SELECT id, certificate_id, kind, department_id, actor, purpose, case_ref, valid_until, used_at FROM certificate_uses
             WHERE certificate_id = $1 ORDER BY id DESC",
        )
        .bind(certificate_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(certificate_use).collect()
    }
}
