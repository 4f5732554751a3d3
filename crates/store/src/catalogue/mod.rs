//! Catalogue storage: resources with their working copy and review status, every published
//! version, the full-text index of what is published, data elements and mapping rules.

mod search;
mod standards;

pub use search::{CatalogueFilter, SearchHit, Stat};

use crate::{Page, Result, Store, StoreError, classify, get_i64, get_opt_i64, get_str, now_micros};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;
use yici_core::catalogue::{Classification, ResourceDraft, Status, Transition, resource_code};

/// A resource as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub id: i64,
    pub code: String,
    pub department_id: i64,
    pub region_code: String,
    pub status: Status,
    /// The working copy.
    pub draft: ResourceDraft,
    /// The reason of the last rejection, if any.
    pub review_note: String,
    pub published_version: Option<i64>,
    pub published_at: Option<i64>,
    pub withdrawn: bool,
}

/// A published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub version: i64,
    pub published_at: i64,
    pub draft: ResourceDraft,
}

macro_rules! resource_columns {
    () => {
        "id, code, department_id, region_code, status, content, review_note, published_version, published_at, withdrawn"
    };
}

fn parse_draft(text: &str) -> Result<ResourceDraft> {
    serde_json::from_str(text).map_err(|e| StoreError::Invalid(format!("stored resource is unreadable: {e}")))
}

fn resource(row: &AnyRow) -> Result<Resource> {
    Ok(Resource {
        id: get_i64(row, "id")?,
        code: get_str(row, "code")?,
        department_id: get_i64(row, "department_id")?,
        region_code: get_str(row, "region_code")?,
        status: Status::from_code(get_i64(row, "status")?)
            .ok_or_else(|| StoreError::Invalid("unknown status".into()))?,
        draft: parse_draft(&get_str(row, "content")?)?,
        review_note: get_str(row, "review_note")?,
        published_version: get_opt_i64(row, "published_version")?,
        published_at: get_opt_i64(row, "published_at")?,
        withdrawn: get_i64(row, "withdrawn")? != 0,
    })
}

fn json(d: &ResourceDraft) -> String {
    serde_json::to_string(d).expect("drafts serialise")
}

/// The text indexed for search: name, summary, data items and the provider's name.
fn index_body(d: &ResourceDraft, provider: &str) -> String {
    let items: Vec<&str> = d.items.iter().map(|i| i.name.as_str()).collect();
    yici_search::index_text(&format!("{} {} {} {}", d.name, d.summary, items.join(" "), provider))
}

impl Store {
    async fn resource_in(&self, conn: &mut AnyConnection, id: i64) -> Result<Resource> {
        let row = sqlx::query(concat!(
            "SELECT ",
            resource_columns!(),
            " FROM catalogue_resources WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("catalogue resource"))?;
        resource(&row)
    }

    pub async fn catalogue_resource(&self, id: i64) -> Result<Option<Resource>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            resource_columns!(),
            " FROM catalogue_resources WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(resource).transpose()
    }

    pub async fn catalogue_resource_by_code(&self, code: &str) -> Result<Option<Resource>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            resource_columns!(),
            " FROM catalogue_resources WHERE code = $1"
        ))
        .bind(code)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(resource).transpose()
    }

    /// Create a resource as a draft. Its code is the classification and the next sequence
    /// number in it, or `code` when given (imports keep the codes departments already use).
    /// The draft must have passed [`ResourceDraft::problems`].
    pub async fn catalogue_create(
        &self,
        d: &ResourceDraft,
        code: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<Resource> {
        let mut tx = self.begin().await?;
        let r = self.catalogue_create_in(&mut tx, d, code, audit).await?;
        self.commit(tx).await?;
        Ok(r)
    }

    pub(crate) async fn catalogue_create_in(
        &self,
        conn: &mut AnyConnection,
        d: &ResourceDraft,
        code: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<Resource> {
        let classification = Classification::parse(&d.classification).map_err(|p| StoreError::Invalid(p.en))?;
        let dept = sqlx::query("SELECT region_code FROM departments WHERE id = $1")
            .bind(d.provider_department_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("department {} does not exist", d.provider_department_id)))?;
        let region = get_str(&dept, "region_code")?;
        let (code, sequence) = match code {
            Some(c) => {
                let (cls, seq) = yici_core::catalogue::parse_resource_code(c).map_err(|p| StoreError::Invalid(p.en))?;
                if cls != classification {
                    return Err(StoreError::Invalid(format!(
                        "resource code {c} does not belong to classification {}",
                        classification.as_str()
                    )));
                }
                (c.to_string(), seq as i64)
            }
            None => {
                let row = sqlx::query(
                    "SELECT COALESCE(MAX(sequence), 0) AS n FROM catalogue_resources WHERE classification = $1",
                )
                .bind(classification.as_str())
                .fetch_one(&mut *conn)
                .await?;
                let next = get_i64(&row, "n")? + 1;
                (resource_code(&classification, next as u32), next)
            }
        };
        let now = now_micros();
        let row = sqlx::query(concat!(
            "INSERT INTO catalogue_resources (code, classification, sequence, department_id, region_code, status, content, name, class,
             share_type, open_type, format_class, update_cycle, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING ",
            resource_columns!()
        ))
        .bind(&code)
        .bind(classification.as_str())
        .bind(sequence)
        .bind(d.provider_department_id)
        .bind(&region)
        .bind(Status::Draft.code())
        .bind(json(d))
        .bind(d.name.trim())
        .bind(classification.class().code())
        .bind(d.share_type)
        .bind(d.open_type)
        .bind(d.format_class)
        .bind(d.update_cycle)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| classify(e, "a resource with this code"))?;
        let r = resource(&row)?;
        self.audit_in(conn, &audit.clone().object(&r.code)).await?;
        Ok(r)
    }

    /// Apply a lifecycle step. `draft` is the new working copy for [`Transition::Edit`];
    /// `note` is the reason of a rejection. Out-of-order steps are refused and change nothing.
    pub async fn catalogue_transition(
        &self,
        id: i64,
        t: Transition,
        draft: Option<&ResourceDraft>,
        note: &str,
        audit: &AuditEvent,
    ) -> Result<Resource> {
        let mut tx = self.begin().await?;
        let r = self.catalogue_transition_in(&mut tx, id, t, draft, note, audit).await?;
        self.commit(tx).await?;
        Ok(r)
    }

    pub(crate) async fn catalogue_transition_in(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        t: Transition,
        draft: Option<&ResourceDraft>,
        note: &str,
        audit: &AuditEvent,
    ) -> Result<Resource> {
        let current = self.resource_in(conn, id).await?;
        let next = current
            .status
            .after(t)
            .ok_or_else(|| StoreError::Conflict(format!("cannot {:?} a resource in state {:?}", t, current.status)))?;
        let now = now_micros();
        match t {
            Transition::Edit => {
                let d = draft.ok_or_else(|| StoreError::Invalid("an edit needs the new content".into()))?;
                if d.classification != current.draft.classification
                    || d.provider_department_id != current.draft.provider_department_id
                {
                    return Err(StoreError::Invalid(
                        "the classification and the provider of a resource cannot change".into(),
                    ));
                }
                sqlx::query("UPDATE catalogue_resources SET status = $1, content = $2, updated_at = $3 WHERE id = $4")
                    .bind(next.code())
                    .bind(json(d))
                    .bind(now)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            Transition::Approve if current.status.approval_publishes() => {
                let version = current.published_version.unwrap_or(0) + 1;
                let d = &current.draft;
                sqlx::query("INSERT INTO catalogue_versions (resource_id, version, content, published_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(version)
                    .bind(json(d))
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(
                    "UPDATE catalogue_resources SET status = $1, published_version = $2, published_at = $3, withdrawn = 0, review_note = '',
                     name = $4, share_type = $5, open_type = $6, format_class = $7, update_cycle = $8, updated_at = $3 WHERE id = $9",
                )
                .bind(next.code())
                .bind(version)
                .bind(now)
                .bind(d.name.trim())
                .bind(d.share_type)
                .bind(d.open_type)
                .bind(d.format_class)
                .bind(d.update_cycle)
                .bind(id)
                .execute(&mut *conn)
                .await?;
                let provider = sqlx::query("SELECT name FROM departments WHERE id = $1")
                    .bind(d.provider_department_id)
                    .fetch_one(&mut *conn)
                    .await?;
                self.fts_put(conn, id, &index_body(d, &get_str(&provider, "name")?))
                    .await?;
            }
            Transition::Approve => {
                sqlx::query("UPDATE catalogue_resources SET status = $1, withdrawn = 1, updated_at = $2 WHERE id = $3")
                    .bind(next.code())
                    .bind(now)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                self.fts_delete(conn, id).await?;
            }
            Transition::Reject => {
                let note = note.trim();
                if note.is_empty() || note.chars().count() > 500 {
                    return Err(StoreError::Invalid(
                        "a rejection needs its reason (at most 500 characters)".into(),
                    ));
                }
                sqlx::query(
                    "UPDATE catalogue_resources SET status = $1, review_note = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(next.code())
                .bind(note)
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
            Transition::Submit | Transition::RequestWithdraw => {
                sqlx::query("UPDATE catalogue_resources SET status = $1, updated_at = $2 WHERE id = $3")
                    .bind(next.code())
                    .bind(now)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        let mut event = audit.clone().object(&current.code);
        if t == Transition::Reject {
            event.detail = Some(note.trim().to_string());
        }
        self.audit_in(conn, &event).await?;
        self.resource_in(conn, id).await
    }

    /// Every published version of a resource, oldest first.
    pub async fn catalogue_versions(&self, id: i64) -> Result<Vec<Version>> {
        let rows = sqlx::query(
            "SELECT version, content, published_at FROM catalogue_versions WHERE resource_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Version {
                    version: get_i64(r, "version")?,
                    published_at: get_i64(r, "published_at")?,
                    draft: parse_draft(&get_str(r, "content")?)?,
                })
            })
            .collect()
    }

    /// Working copies by status and/or department (stewards' lists, the review queue).
    pub async fn catalogue_list(
        &self,
        statuses: &[Status],
        department_id: Option<i64>,
        page: Page,
    ) -> Result<Vec<Resource>> {
        let mut sql = String::from(concat!(
            "SELECT ",
            resource_columns!(),
            " FROM catalogue_resources WHERE 1 = 1"
        ));
        let mut n = 0;
        if !statuses.is_empty() {
            sql.push_str(" AND status IN (");
            for i in 0..statuses.len() {
                n += 1;
                sql.push_str(&format!("{}${n}", if i > 0 { ", " } else { "" }));
            }
            sql.push(')');
        }
        if department_id.is_some() {
            n += 1;
            sql.push_str(&format!(" AND department_id = ${n}"));
        }
        sql.push_str(&format!(
            " ORDER BY updated_at DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        ));
        // Only numbered placeholders are interpolated.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in statuses {
            q = q.bind(s.code());
        }
        if let Some(d) = department_id {
            q = q.bind(d);
        }
        let rows = q.bind(page.limit).bind(page.offset).fetch_all(self.pool()).await?;
        rows.iter().map(resource).collect()
    }

    /// The published content of a resource (its latest version), if any and not withdrawn.
    pub async fn catalogue_published(&self, id: i64) -> Result<Option<(Resource, Version)>> {
        let Some(r) = self.catalogue_resource(id).await? else {
            return Ok(None);
        };
        let Some(v) = r.published_version.filter(|_| !r.withdrawn) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT version, content, published_at FROM catalogue_versions WHERE resource_id = $1 AND version = $2",
        )
        .bind(id)
        .bind(v)
        .fetch_one(self.pool())
        .await?;
        let version = Version {
            version: v,
            published_at: get_i64(&row, "published_at")?,
            draft: parse_draft(&get_str(&row, "content")?)?,
        };
        Ok(Some((r, version)))
    }

    /// Create, submit and approve each draft whose provider has no resource of that name yet,
    /// all in one transaction (demo and bulk seeding). Returns how many were added.
    pub async fn catalogue_publish_new(&self, drafts: &[ResourceDraft], audit: &AuditEvent) -> Result<usize> {
        let mut tx = self.begin().await?;
        let mut added = 0;
        for d in drafts {
            let exists = sqlx::query("SELECT id FROM catalogue_resources WHERE department_id = $1 AND name = $2")
                .bind(d.provider_department_id)
                .bind(d.name.trim())
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                continue;
            }
            let step = |action: yici_core::audit::Action| {
                let mut e = audit.clone();
                e.action = action;
                e
            };
            let r = self
                .catalogue_create_in(&mut tx, d, None, &step(yici_core::audit::Action::CatalogueCreate))
                .await?;
            self.catalogue_transition_in(
                &mut tx,
                r.id,
                Transition::Submit,
                None,
                "",
                &step(yici_core::audit::Action::CatalogueSubmit),
            )
            .await?;
            self.catalogue_transition_in(
                &mut tx,
                r.id,
                Transition::Approve,
                None,
                "",
                &step(yici_core::audit::Action::CatalogueApprove),
            )
            .await?;
            added += 1;
        }
        self.commit(tx).await?;
        Ok(added)
    }

    /// The resource of `department_id` named `name`, if any.
    pub async fn catalogue_find(&self, department_id: i64, name: &str) -> Result<Option<Resource>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            resource_columns!(),
            " FROM catalogue_resources WHERE department_id = $1 AND name = $2"
        ))
        .bind(department_id)
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(resource).transpose()
    }

    /// Apply an import in one transaction: create and update working copies and keep the
    /// quarantined rows `(row number, raw row JSON, problems JSON)`. Returns (created, updated).
    pub async fn catalogue_import(
        &self,
        source: &str,
        changes: &[ImportChange],
        quarantine: &[(usize, String, String)],
        audit: &AuditEvent,
    ) -> Result<(usize, usize)> {
        let mut tx = self.begin().await?;
        let (mut created, mut updated) = (0, 0);
        for c in changes {
            match c {
                ImportChange::Create { code, draft } => {
                    let mut e = audit.clone();
                    e.action = yici_core::audit::Action::CatalogueCreate;
                    self.catalogue_create_in(&mut tx, draft, code.as_deref(), &e).await?;
                    created += 1;
                }
                ImportChange::Update { id, draft } => {
                    let mut e = audit.clone();
                    e.action = yici_core::audit::Action::CatalogueEdit;
                    self.catalogue_transition_in(&mut tx, *id, Transition::Edit, Some(draft), "", &e)
                        .await?;
                    updated += 1;
                }
            }
        }
        let now = now_micros();
        for (row, raw, problems) in quarantine {
            sqlx::query("INSERT INTO catalogue_quarantine (source, row_number, raw, problems, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(source)
                .bind(*row as i64)
                .bind(raw)
                .bind(problems)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx).await?;
        Ok((created, updated))
    }

    /// Quarantined rows, newest first: (id, source, row number, raw JSON, problems JSON).
    pub async fn catalogue_quarantine(&self, page: Page) -> Result<Vec<(i64, String, i64, String, String)>> {
        let rows = sqlx::query("SELECT id, source, row_number, raw, problems FROM catalogue_quarantine ORDER BY id DESC LIMIT $1 OFFSET $2")
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    get_i64(r, "id")?,
                    get_str(r, "source")?,
                    get_i64(r, "row_number")?,
                    get_str(r, "raw")?,
                    get_str(r, "problems")?,
                ))
            })
            .collect()
    }
}

/// One change of an import.
#[derive(Debug, Clone)]
pub enum ImportChange {
    Create { code: Option<String>, draft: ResourceDraft },
    Update { id: i64, draft: ResourceDraft },
}
