//! Sharing requests, grants, quota usage and the parties' notifications.

use crate::{Page, Result, Store, StoreError, get_i64, get_opt_i64, get_str, now_micros};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use yici_core::audit::AuditEvent;
use yici_core::masking::MaskingProfile;
use yici_core::sharing::{Grant, RequestDraft, RequestStatus};

/// A stored sharing request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharingRequest {
    pub id: i64,
    pub provider_department_id: i64,
    pub status: RequestStatus,
    /// The last day of the provider's answer period.
    pub deadline: NaiveDate,
    pub decision_note: String,
    pub request: RequestDraft,
    pub created_at: i64,
}

/// A notification for a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub message: String,
    pub link: String,
    pub created_at: i64,
    pub read: bool,
}

fn date(row: &AnyRow, col: &str) -> Result<NaiveDate> {
    get_str(row, col)?
        .parse()
        .map_err(|_| StoreError::Invalid(format!("stored date in {col} is unreadable")))
}

fn request(row: &AnyRow) -> Result<SharingRequest> {
    Ok(SharingRequest {
        id: get_i64(row, "id")?,
        provider_department_id: get_i64(row, "provider_department_id")?,
        status: RequestStatus::from_code(get_i64(row, "status")?)
            .ok_or_else(|| StoreError::Invalid("unknown request status".into()))?,
        deadline: date(row, "deadline")?,
        decision_note: get_str(row, "decision_note")?,
        request: serde_json::from_str(&get_str(row, "content")?)
            .map_err(|e| StoreError::Invalid(format!("stored request is unreadable: {e}")))?,
        created_at: get_i64(row, "created_at")?,
    })
}

fn grant(row: &AnyRow) -> Result<Grant> {
    Ok(Grant {
        id: get_i64(row, "id")?,
        system_id: get_i64(row, "system_id")?,
        resource_id: get_i64(row, "resource_id")?,
        items: serde_json::from_str(&get_str(row, "items")?)
            .map_err(|e| StoreError::Invalid(format!("stored grant is unreadable: {e}")))?,
        purpose: get_str(row, "purpose")?,
        valid_from: date(row, "valid_from")?,
        valid_until: date(row, "valid_until")?,
        daily_quota: get_i64(row, "daily_quota")?,
        masking: MaskingProfile::from_code(&get_str(row, "masking")?).unwrap_or(MaskingProfile::Strict),
        revoked: get_opt_i64(row, "revoked_at")?.is_some(),
    })
}

macro_rules! request_columns {
    () => {
        "id, provider_department_id, status, deadline, decision_note, content, created_at"
    };
}
macro_rules! grant_columns {
    () => {
        "id, system_id, resource_id, items, purpose, valid_from, valid_until, daily_quota, masking, revoked_at"
    };
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub provider_department_id: Option<i64>,
    pub consumer_department_id: Option<i64>,
    pub status: Option<RequestStatus>,
}

impl Store {
    /// Add a notification to a department's list, inside the caller's transaction.
    pub(crate) async fn notify(
        &self,
        conn: &mut AnyConnection,
        department_id: i64,
        kind: &str,
        message: &str,
        link: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO notifications (department_id, kind, message, link, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(department_id)
        .bind(kind)
        .bind(message)
        .bind(link)
        .bind(now_micros())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn insert_grant(&self, conn: &mut AnyConnection, request_id: Option<i64>, g: &Grant) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO grants (request_id, system_id, resource_id, items, purpose, valid_from, valid_until, daily_quota, masking, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(request_id)
        .bind(g.system_id)
        .bind(g.resource_id)
        .bind(serde_json::to_string(&g.items).expect("items serialise"))
        .bind(&g.purpose)
        .bind(g.valid_from.to_string())
        .bind(g.valid_until.to_string())
        .bind(g.daily_quota)
        .bind(g.masking.code())
        .bind(now_micros())
        .fetch_one(&mut *conn)
        .await?;
        get_i64(&row, "id")
    }

    /// Record a new request in `status`; `grant` is issued with it when the resource is shared
    /// unconditionally. The provider (or, when granted, the consumer) is notified.
    pub async fn sharing_request_create(
        &self,
        r: &RequestDraft,
        provider_department_id: i64,
        status: RequestStatus,
        deadline: NaiveDate,
        grant: Option<&Grant>,
        audit: &AuditEvent,
    ) -> Result<SharingRequest> {
        let mut tx = self.begin().await?;
        let now = now_micros();
        let row = sqlx::query(concat!(
            "INSERT INTO sharing_requests (resource_id, provider_department_id, consumer_department_id, system_id, content, status, deadline, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ",
            request_columns!()
        ))
        .bind(r.resource_id)
        .bind(provider_department_id)
        .bind(r.consumer_department_id)
        .bind(r.system_id)
        .bind(serde_json::to_string(r).expect("requests serialise"))
        .bind(status.code())
        .bind(deadline.to_string())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "sharing request"))?;
        let created = request(&row)?;
        let link = format!("/sharing/requests/{}", created.id);
        if let Some(g) = grant {
            let id = self.insert_grant(&mut tx, Some(created.id), g).await?;
            let mut e = audit.clone();
            e.action = yici_core::audit::Action::GrantIssue;
            self.audit_in(&mut tx, &e.object(id)).await?;
            self.notify(
                &mut tx,
                r.consumer_department_id,
                "granted",
                "共享申请已获授权（无条件共享）",
                &link,
            )
            .await?;
        } else {
            self.notify(
                &mut tx,
                provider_department_id,
                "request",
                &format!("收到共享申请，请于{deadline}前答复"),
                &link,
            )
            .await?;
        }
        self.audit_in(&mut tx, &audit.clone().object(created.id)).await?;
        self.commit(tx).await?;
        Ok(created)
    }

    pub async fn sharing_request(&self, id: i64) -> Result<Option<SharingRequest>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM sharing_requests WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(request).transpose()
    }

    pub async fn sharing_requests(&self, f: &RequestFilter, page: Page) -> Result<Vec<SharingRequest>> {
        let mut sql = String::from(concat!(
            "SELECT ",
            request_columns!(),
            " FROM sharing_requests WHERE 1 = 1"
        ));
        let mut binds = Vec::new();
        for (col, v) in [
            ("provider_department_id", f.provider_department_id),
            ("consumer_department_id", f.consumer_department_id),
            ("status", f.status.map(|s| s.code())),
        ] {
            if let Some(v) = v {
                binds.push(v);
                sql.push_str(&format!(" AND {col} = ${}", binds.len()));
            }
        }
        sql.push_str(&format!(
            " ORDER BY id DESC LIMIT ${} OFFSET ${}",
            binds.len() + 1,
            binds.len() + 2
        ));
        // Only column names and numbered placeholders are interpolated.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(page.limit).bind(page.offset).fetch_all(self.pool()).await?;
        rows.iter().map(request).collect()
    }

    /// Record a decision: the new status and note, and the grant it issues, if any. Only a
    /// request still in `from` changes (a concurrent decision makes this one a conflict).
    pub async fn sharing_request_decide(
        &self,
        id: i64,
        from: RequestStatus,
        to: RequestStatus,
        note: &str,
        grant: Option<&Grant>,
        audit: &AuditEvent,
    ) -> Result<SharingRequest> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE sharing_requests SET status = $1, decision_note = $2, updated_at = $3 WHERE id = $4 AND status = $5")
            .bind(to.code())
            .bind(note.trim())
            .bind(now_micros())
            .bind(id)
            .bind(from.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("the request was decided meanwhile".into()));
        }
        let row = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM sharing_requests WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let r = request(&row)?;
        let link = format!("/sharing/requests/{id}");
        if let Some(g) = grant {
            let gid = self.insert_grant(&mut tx, Some(id), g).await?;
            let mut e = audit.clone();
            e.action = yici_core::audit::Action::GrantIssue;
            self.audit_in(&mut tx, &e.object(gid)).await?;
        }
        let message = match to {
            RequestStatus::Granted => "共享申请已获全部授权".to_string(),
            RequestStatus::PartiallyGranted => "共享申请已获部分授权".to_string(),
            RequestStatus::Escalated => format!("共享申请被提供部门拒绝，已提交平台协调：{}", note.trim()),
            RequestStatus::Refused => format!("经协调，维持不予共享：{}", note.trim()),
            _ => "共享申请状态已更新".to_string(),
        };
        self.notify(
            &mut tx,
            r.request.consumer_department_id,
            to.name(yici_core::Lang::En),
            &message,
            &link,
        )
        .await?;
        let mut e = audit.clone().object(id);
        e.detail = Some(note.trim().to_string()).filter(|n| !n.is_empty());
        self.audit_in(&mut tx, &e).await?;
        self.commit(tx).await?;
        Ok(r)
    }

    /// Pending requests whose answer period ends on or before `day` and that have not been
    /// reminded yet (for reminders), or that are past it (for escalation).
    pub async fn sharing_requests_due(&self, day: NaiveDate) -> Result<Vec<SharingRequest>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM sharing_requests WHERE status = $1 AND deadline <= $2 ORDER BY id"
        ))
        .bind(RequestStatus::Pending.code())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(request).collect()
    }

    /// Mark a request reminded (once) and notify its provider.
    pub async fn sharing_request_remind(&self, id: i64, message: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE sharing_requests SET reminded = 1 WHERE id = $1 AND reminded = 0 AND status = $2")
            .bind(id)
            .bind(RequestStatus::Pending.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            let r = sqlx::query("SELECT provider_department_id FROM sharing_requests WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            self.notify(
                &mut tx,
                get_i64(&r, "provider_department_id")?,
                "reminder",
                message,
                &format!("/sharing/requests/{id}"),
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(n > 0)
    }

    /// The grants a system holds for a resource, newest first.
    pub async fn grants_for(&self, system_id: i64, resource_id: i64) -> Result<Vec<Grant>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            grant_columns!(),
            " FROM grants WHERE system_id = $1 AND resource_id = $2 ORDER BY id DESC"
        ))
        .bind(system_id)
        .bind(resource_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(grant).collect()
    }

    pub async fn grant(&self, id: i64) -> Result<Option<Grant>> {
        let row = sqlx::query(concat!("SELECT ", grant_columns!(), " FROM grants WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(grant).transpose()
    }

    /// Every grant, optionally of one resource: who holds what.
    pub async fn grants(&self, resource_id: Option<i64>, page: Page) -> Result<Vec<Grant>> {
        let rows = match resource_id {
            Some(r) => {
                sqlx::query(concat!(
                    "SELECT ",
                    grant_columns!(),
                    " FROM grants WHERE resource_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(r)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(concat!(
                    "SELECT ",
                    grant_columns!(),
                    " FROM grants ORDER BY id DESC LIMIT $1 OFFSET $2"
                ))
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(grant).collect()
    }

    /// Revoke a grant (revoking twice keeps the first time).
    pub async fn grant_revoke(&self, id: i64, audit: &AuditEvent) -> Result<Grant> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE grants SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(now_micros())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound("grant"));
        }
        self.audit_in(&mut tx, &audit.clone().object(id)).await?;
        let row = sqlx::query(concat!("SELECT ", grant_columns!(), " FROM grants WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        self.commit(tx).await?;
        grant(&row)
    }

    /// Uses of a grant counted on `day`.
    pub async fn grant_usage(&self, grant_id: i64, day: NaiveDate) -> Result<i64> {
        let row = sqlx::query("SELECT used FROM grant_usage WHERE grant_id = $1 AND day = $2")
            .bind(grant_id)
            .bind(day.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map_or(Ok(0), |r| get_i64(&r, "used"))
    }

    /// Add `n` uses of a grant on `day` (counted in memory and flushed); returns the total.
    pub async fn grant_usage_add(&self, grant_id: i64, day: NaiveDate, n: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO grant_usage (grant_id, day, used) VALUES ($1, $2, $3)
             ON CONFLICT (grant_id, day) DO UPDATE SET used = grant_usage.used + excluded.used RETURNING used",
        )
        .bind(grant_id)
        .bind(day.to_string())
        .bind(n)
        .fetch_one(self.pool())
        .await?;
        get_i64(&row, "used")
    }

    pub async fn notifications(&self, department_id: i64, page: Page) -> Result<Vec<Notification>> {
        let rows = sqlx::query("SELECT id, kind, message, link, created_at, read_at FROM notifications WHERE department_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3")
            .bind(department_id)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Notification {
                    id: get_i64(r, "id")?,
                    kind: get_str(r, "kind")?,
                    message: get_str(r, "message")?,
                    link: get_str(r, "link")?,
                    created_at: get_i64(r, "created_at")?,
                    read: get_opt_i64(r, "read_at")?.is_some(),
                })
            })
            .collect()
    }
}
