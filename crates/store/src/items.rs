//! 政务服务事项: basic items, their implementations by bodies, the versions of each
//! implementation (draft → review → published → superseded or withdrawn; every version stays
//! readable), the full-text index of published versions, and bundles (一件事).

use crate::{Dialect, Page, Result, Store, StoreError, get_i64, get_opt_i64, get_str, now_micros};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AssertSqlSafe};
use yici_core::audit::AuditEvent;
use yici_core::items::{ItemType, ItemVersion, VersionStatus, VersionStep};

/// A basic item (基本目录), defined at province level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BasicItem {
    pub code: String,
    pub name: String,
    pub item_type: i64,
}

/// An implementation of a basic item by a body (实施清单的一项).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Implementation {
    pub code: String,
    pub basic_code: String,
    pub department_id: i64,
    pub region_code: String,
    /// Other departments taking part (their steps in the process).
    pub co_departments: Vec<i64>,
}

/// One version of an implementation, with its content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionRecord {
    pub id: i64,
    pub implementation_code: String,
    pub version: i64,
    pub status: VersionStatus,
    pub department_id: i64,
    pub region_code: String,
    pub item_type: i64,
    pub content: ItemVersion,
    pub review_note: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

/// Narrowing a search of published items; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub query: Option<String>,
    pub department_id: Option<i64>,
    /// Region code prefix of the implementing body (`33`, `3308`, …).
    pub region_prefix: Option<String>,
    pub level: Option<i64>,
    pub item_type: Option<i64>,
    pub applicant_type: Option<i64>,
    pub theme: Option<String>,
    /// 0, 1, or 2 for "more than one".
    pub visits: Option<i64>,
    pub depth: Option<i64>,
}

/// One published item found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemHit {
    /// The implementation code.
    pub code: String,
    pub basic_code: String,
    pub name: String,
    pub version: i64,
    pub department_id: i64,
    pub region_code: String,
    pub item_type: i64,
    pub level: i64,
    pub visits: i64,
    pub depth: i64,
}

/// A bundle (一件事): items of several departments handled as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bundle {
    pub code: String,
    pub name: String,
    /// The implementation codes of its items, in order.
    pub items: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub themes: Vec<String>,
}

macro_rules! version_columns {
    () => {
        "id, implementation_code, version, status, department_id, region_code, item_type, content, review_note, created_at, updated_at, published_at"
    };
}

fn version(row: &sqlx::any::AnyRow) -> Result<VersionRecord> {
    let status = get_str(row, "status")?;
    let content = get_str(row, "content")?;
    Ok(VersionRecord {
        id: get_i64(row, "id")?,
        implementation_code: get_str(row, "implementation_code")?,
        version: get_i64(row, "version")?,
        status: VersionStatus::from_code(&status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown item version status {status}")))?,
        department_id: get_i64(row, "department_id")?,
        region_code: get_str(row, "region_code")?,
        item_type: get_i64(row, "item_type")?,
        content: serde_json::from_str(&content)
            .map_err(|e| StoreError::Invalid(format!("stored item version does not read: {e}")))?,
        review_note: get_str(row, "review_note")?,
        created_at: get_i64(row, "created_at")?,
        updated_at: get_i64(row, "updated_at")?,
        published_at: get_opt_i64(row, "published_at")?,
    })
}

fn implementation(row: &sqlx::any::AnyRow) -> Result<Implementation> {
    Ok(Implementation {
        code: get_str(row, "code")?,
        basic_code: get_str(row, "basic_code")?,
        department_id: get_i64(row, "department_id")?,
        region_code: get_str(row, "region_code")?,
        co_departments: get_str(row, "co_departments")?
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
    })
}

/// A list as stored for filtering with LIKE: `,1,2,`.
fn listed<T: ToString>(values: impl IntoIterator<Item = T>) -> String {
    let inner: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
    format!(",{},", inner.join(","))
}

/// An item as found by a search.
fn hit(r: &sqlx::any::AnyRow) -> Result<ItemHit> {
    Ok(ItemHit {
        code: get_str(r, "implementation_code")?,
        basic_code: get_str(r, "basic_code")?,
        name: get_str(r, "name")?,
        version: get_i64(r, "version")?,
        department_id: get_i64(r, "department_id")?,
        region_code: get_str(r, "region_code")?,
        item_type: get_i64(r, "item_type")?,
        level: get_i64(r, "level")?,
        visits: get_i64(r, "visits")?,
        depth: get_i64(r, "depth")?,
    })
}

/// The filter's conditions on the columns a version and its facets share, for table alias `t`.
fn facet_conditions(binds: &mut crate::dynamic::Binds, t: &str, filter: &ItemFilter) -> Vec<String> {
    let mut conditions = Vec::new();
    let ints = [
        ("department_id", filter.department_id),
        ("level", filter.level),
        ("item_type", filter.item_type),
        ("depth", filter.depth),
    ];
    for (col, v) in ints {
        if let Some(v) = v {
            conditions.push(format!("{t}.{col} = {}", binds.int(v)));
        }
    }
    match filter.visits {
        Some(n) if n >= 2 => conditions.push(format!("{t}.visits >= 2")),
        Some(n) => conditions.push(format!("{t}.visits = {}", binds.int(n))),
        None => {}
    }
    if let Some(a) = filter.applicant_type {
        conditions.push(format!("{t}.applicant_types LIKE {}", binds.text(format!("%,{a},%"))));
    }
    if let Some(theme) = &filter.theme {
        let theme = theme.replace(['%', '_', ','], "");
        conditions.push(format!("{t}.themes LIKE {}", binds.text(format!("%,{theme},%"))));
    }
    if let Some(prefix) = &filter.region_prefix {
        conditions.push(format!("{t}.region_code LIKE {}", binds.text(format!("{prefix}%"))));
    }
    conditions
}

/// The text indexed for search: name, themes, materials, conditions and the body's name.
fn index_body(v: &ItemVersion, body: &str) -> String {
    // The name counts three times: an item named by the words ranks above one that only asks
    // for a material of that name.
    let mut text = format!("{0} {0} {0} {1} {2}", v.name, v.themes.join(" "), body);
    for m in &v.materials {
        text.push(' ');
        text.push_str(&m.name);
    }
    for c in &v.conditions {
        text.push(' ');
        text.push_str(&c.text);
    }
    yici_search::index_text(&text)
}

impl Store {
    /// Define or rename a basic item.
    pub async fn item_basic_put(
        &self,
        code: &str,
        name: &str,
        item_type: ItemType,
        audit: &AuditEvent,
    ) -> Result<BasicItem> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO service_items (code, name, item_type, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, item_type = excluded.item_type",
        )
        .bind(code)
        .bind(name)
        .bind(item_type.code())
        .bind(now_micros())
        .execute(&mut *tx)
        .await?;
        self.audit_in(&mut tx, &audit.clone().object(code)).await?;
        self.commit(tx).await?;
        Ok(BasicItem {
            code: code.into(),
            name: name.into(),
            item_type: item_type.code(),
        })
    }

    pub async fn item_basic(&self, code: &str) -> Result<Option<BasicItem>> {
        let row = sqlx::query("SELECT code, name, item_type FROM service_items WHERE code = $1")
            .bind(code)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok(BasicItem {
                code: get_str(&r, "code")?,
                name: get_str(&r, "name")?,
                item_type: get_i64(&r, "item_type")?,
            })
        })
        .transpose()
    }

    /// Every basic code (for checking `result(item)` sources).
    pub async fn item_basic_codes(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT code FROM service_items ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| get_str(r, "code")).collect()
    }

    /// Register a body's implementation of a basic item.
    pub async fn item_implementation_create(&self, i: &Implementation, audit: &AuditEvent) -> Result<Implementation> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO item_implementations (code, basic_code, department_id, region_code, co_departments, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&i.code)
        .bind(&i.basic_code)
        .bind(i.department_id)
        .bind(&i.region_code)
        .bind(listed(&i.co_departments))
        .bind(now_micros())
        .execute(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "an implementation with this code"))?;
        self.audit_in(&mut tx, &audit.clone().object(&i.code)).await?;
        self.commit(tx).await?;
        Ok(i.clone())
    }

    pub async fn item_implementation(&self, code: &str) -> Result<Option<Implementation>> {
        let row = sqlx::query(
            "SELECT code, basic_code, department_id, region_code, co_departments FROM item_implementations WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(implementation).transpose()
    }

    /// Save the working copy of an implementation: the open draft is replaced; with none open,
    /// a new draft version follows the latest (editing a published item makes a new version).
    /// A version in review cannot be edited (409).
    pub async fn item_version_save(
        &self,
        code: &str,
        content: &ItemVersion,
        audit: &AuditEvent,
    ) -> Result<VersionRecord> {
        let mut tx = self.begin().await?;
        let id = self.item_version_save_in(&mut tx, code, content).await?;
        self.audit_in(&mut tx, &audit.clone().object(code)).await?;
        let saved = self.item_version_in(&mut tx, id).await?;
        self.commit(tx).await?;
        Ok(saved)
    }

    /// Save the working copy of implementation `code` inside a transaction; the version's id.
    async fn item_version_save_in(&self, tx: &mut AnyConnection, code: &str, content: &ItemVersion) -> Result<i64> {
        let imp = sqlx::query(
            "SELECT code, basic_code, department_id, region_code, co_departments FROM item_implementations WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("item implementation"))?;
        let imp = implementation(&imp)?;
        let basic = sqlx::query("SELECT item_type FROM service_items WHERE code = $1")
            .bind(&imp.basic_code)
            .fetch_one(&mut *tx)
            .await?;
        let item_type = get_i64(&basic, "item_type")?;
        let open = sqlx::query(
            "SELECT id, status FROM item_versions WHERE implementation_code = $1 AND status IN ('draft', 'review')",
        )
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        let now = now_micros();
        let json = serde_json::to_string(content).expect("item versions serialise");
        let applicants = listed(content.applicant_types.iter().map(|a| a.code()));
        let themes = listed(&content.themes);
        match open {
            Some(row) if get_str(&row, "status")? == "review" => Err(StoreError::Conflict(
                "the version is in review; it cannot be edited now".into(),
            )),
            Some(row) => {
                let id = get_i64(&row, "id")?;
                sqlx::query(
                    "UPDATE item_versions SET name = $1, level = $2, visits = $3, depth = $4, applicant_types = $5, themes = $6,
                     content = $7, updated_at = $8 WHERE id = $9 AND status = 'draft'",
                )
                .bind(content.name.trim())
                .bind(content.level.code())
                .bind(content.visits as i64)
                .bind(content.depth.code())
                .bind(&applicants)
                .bind(&themes)
                .bind(&json)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                Ok(id)
            }
            None => {
                let row = sqlx::query(
                    "SELECT COALESCE(MAX(version), 0) AS n FROM item_versions WHERE implementation_code = $1",
                )
                .bind(code)
                .fetch_one(&mut *tx)
                .await?;
                let next = get_i64(&row, "n")? + 1;
                let row = sqlx::query(
                    "INSERT INTO item_versions (implementation_code, version, status, name, department_id, region_code, item_type,
                     level, visits, depth, applicant_types, themes, content, created_at, updated_at)
                     VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
                )
                .bind(code)
                .bind(next)
                .bind(content.name.trim())
                .bind(imp.department_id)
                .bind(&imp.region_code)
                .bind(item_type)
                .bind(content.level.code())
                .bind(content.visits as i64)
                .bind(content.depth.code())
                .bind(&applicants)
                .bind(&themes)
                .bind(&json)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| crate::classify(e, "a version of this implementation"))?;
                get_i64(&row, "id")
            }
        }
    }

    /// Import implementation lists in one transaction: each implementation is registered when
    /// new (or its co-implementing departments brought up to date), its content saved as the
    /// working copy, and, with `submit`, sent for review. Each item is one audit entry. All or
    /// nothing: a conflict (a version went into review meanwhile) writes none of them.
    pub async fn items_import(&self, items: &[ImportedItem], submit: bool, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = now_micros();
        for item in items {
            let i = &item.implementation;
            sqlx::query(
                "INSERT INTO item_implementations (code, basic_code, department_id, region_code, co_departments, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (code) DO UPDATE SET co_departments = excluded.co_departments",
            )
            .bind(&i.code)
            .bind(&i.basic_code)
            .bind(i.department_id)
            .bind(&i.region_code)
            .bind(listed(&i.co_departments))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::classify(e, "an implementation"))?;
            let id = self.item_version_save_in(&mut tx, &i.code, &item.content).await?;
            if submit {
                sqlx::query(
                    "UPDATE item_versions SET status = 'review', review_note = '', updated_at = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            self.audit_in(&mut tx, &audit.clone().object(&i.code)).await?;
        }
        self.commit(tx).await
    }

    async fn item_version_in(&self, conn: &mut AnyConnection, id: i64) -> Result<VersionRecord> {
        let row = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM item_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("item version"))?;
        version(&row)
    }

    pub async fn item_version(&self, id: i64) -> Result<Option<VersionRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM item_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(version).transpose()
    }

    /// Every version of an implementation, oldest first.
    pub async fn item_versions(&self, code: &str) -> Result<Vec<VersionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM item_versions WHERE implementation_code = $1 ORDER BY version"
        ))
        .bind(code)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version).collect()
    }

    /// The published version of an implementation, if any.
    pub async fn item_published(&self, code: &str) -> Result<Option<VersionRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM item_versions WHERE implementation_code = $1 AND status = 'published'"
        ))
        .bind(code)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(version).transpose()
    }

    /// Versions in `statuses` of the departments given (all when `None`), newest first.
    pub async fn item_versions_in(
        &self,
        statuses: &[VersionStatus],
        departments: Option<&[i64]>,
    ) -> Result<Vec<VersionRecord>> {
        let list = statuses
            .iter()
            .map(|s| format!("'{}'", s.code()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(AssertSqlSafe(format!(
            concat!(
                "SELECT ",
                version_columns!(),
                " FROM item_versions WHERE status IN ({}) ORDER BY updated_at DESC, id DESC"
            ),
            list
        )))
        .fetch_all(self.pool())
        .await?;
        let all = rows.iter().map(version).collect::<Result<Vec<_>>>()?;
        Ok(match departments {
            None => all,
            Some(d) => all.into_iter().filter(|v| d.contains(&v.department_id)).collect(),
        })
    }

    /// Take a lifecycle step on version `id`, which must still be in `from` (else 409, nothing
    /// written). Approving publishes it: the version published before is superseded and the
    /// index follows, in the same transaction. `note` is a rejection's reason.
    pub async fn item_version_step(
        &self,
        id: i64,
        step: VersionStep,
        note: &str,
        audit: &AuditEvent,
    ) -> Result<VersionRecord> {
        let mut tx = self.begin().await?;
        let current = self.item_version_in(&mut tx, id).await?;
        let next = step.after(current.status).ok_or_else(|| {
            StoreError::Conflict(format!("cannot {step:?} a version that is {}", current.status.code()))
        })?;
        let now = now_micros();
        let changed = sqlx::query(
            "UPDATE item_versions SET status = $1, review_note = $2, updated_at = $3, published_at = $4
             WHERE id = $5 AND status = $6",
        )
        .bind(next.code())
        .bind(if step == VersionStep::Reject { note.trim() } else { "" })
        .bind(now)
        .bind(if next == VersionStatus::Published {
            Some(now)
        } else {
            current.published_at
        })
        .bind(id)
        .bind(current.status.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict("the version was changed meanwhile".into()));
        }
        match next {
            VersionStatus::Published => {
                let previous = sqlx::query(
                    "SELECT id FROM item_versions WHERE implementation_code = $1 AND status = 'published' AND id <> $2",
                )
                .bind(&current.implementation_code)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                for p in previous {
                    let pid = get_i64(&p, "id")?;
                    sqlx::query("UPDATE item_versions SET status = 'superseded', updated_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(pid)
                        .execute(&mut *tx)
                        .await?;
                    self.item_fts_delete(&mut tx, pid).await?;
                }
                let body = sqlx::query("SELECT name FROM departments WHERE id = $1")
                    .bind(current.department_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| get_str(&r, "name"))
                    .transpose()?
                    .unwrap_or_default();
                self.item_fts_put(&mut tx, id, &index_body(&current.content, &body))
                    .await?;
            }
            VersionStatus::Withdrawn => self.item_fts_delete(&mut tx, id).await?,
            _ => {}
        }
        let mut event = audit.clone().object(&current.implementation_code);
        if step == VersionStep::Reject {
            event.detail = Some(note.trim().to_string());
        }
        self.audit_in(&mut tx, &event).await?;
        let after = self.item_version_in(&mut tx, id).await?;
        self.commit(tx).await?;
        Ok(after)
    }

    async fn item_fts_put(&self, conn: &mut AnyConnection, id: i64, body: &str) -> Result<()> {
        self.item_fts_delete(conn, id).await?;
        let sql = match self.dialect() {
            Dialect::Sqlite => "INSERT INTO item_fts (rowid, body) VALUES ($1, $2)",
            Dialect::Postgres => {
                "INSERT INTO item_fts (version_id, body, search) VALUES ($1, $2, to_tsvector('simple', $2))"
            }
        };
        sqlx::query(sql).bind(id).bind(body).execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO item_facets (version_id, department_id, region_code, item_type, level, visits, depth, applicant_types, themes)
             SELECT id, department_id, region_code, item_type, level, visits, depth, applicant_types, themes
             FROM item_versions WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    async fn item_fts_delete(&self, conn: &mut AnyConnection, id: i64) -> Result<()> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "DELETE FROM item_fts WHERE rowid = $1",
            Dialect::Postgres => "DELETE FROM item_fts WHERE version_id = $1",
        };
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM item_facets WHERE version_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Published items matching `filter`, best match first (by name without a query), and the
    /// number of all matches.
    pub async fn items_search(&self, filter: &ItemFilter, page: Page) -> Result<(Vec<ItemHit>, i64)> {
        let words = filter
            .query
            .as_deref()
            .map(yici_search::query_words)
            .unwrap_or_default();
        if !words.is_empty() && self.dialect() == Dialect::Sqlite {
            return self.items_search_sqlite(&words, filter, page).await;
        }
        let mut binds = crate::dynamic::Binds::default();
        let mut from =
            String::from(" FROM item_versions v JOIN item_implementations i ON i.code = v.implementation_code");
        let mut conditions = vec!["v.status = 'published'".to_string()];
        let mut order = "v.name, v.id".to_string();
        if !words.is_empty() {
            let p = binds.text(words.join(" "));
            from.push_str(" JOIN item_fts f ON f.version_id = v.id");
            conditions.push(format!("f.search @@ plainto_tsquery('simple', {p})"));
            order = format!("ts_rank(f.search, plainto_tsquery('simple', {p})) DESC, v.id");
        }
        conditions.extend(facet_conditions(&mut binds, "v", filter));
        let where_ = format!(" WHERE {}", conditions.join(" AND "));
        let count_sql = format!("SELECT COUNT(*) AS n{from}{where_}");
        let limit = binds.int(page.limit);
        let offset = binds.int(page.offset);
        // The count comes with the page (one pass over the matches); only a page past the end
        // asks for it separately.
        let sql = format!(
            "SELECT v.implementation_code, i.basic_code, v.name, v.version, v.department_id, v.region_code, v.item_type, v.level, v.visits, v.depth, COUNT(*) OVER () AS total{from}{where_} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let rows = binds.query(sql, binds.len()).fetch_all(self.pool()).await?;
        let total = match rows.first() {
            Some(r) => get_i64(r, "total")?,
            None if page.offset == 0 => 0,
            None => get_i64(
                &binds.query(count_sql, binds.len() - 2).fetch_one(self.pool()).await?,
                "n",
            )?,
        };
        let hits = rows.iter().map(hit).collect::<Result<Vec<_>>>()?;
        Ok((hits, total))
    }

    /// The SQLite search with words: the full-text index ranks its matches (bm25) and the
    /// narrow facets filter them, without reading the versions' wide rows; only the page's
    /// versions are read, by id.
    async fn items_search_sqlite(
        &self,
        words: &[String],
        filter: &ItemFilter,
        page: Page,
    ) -> Result<(Vec<ItemHit>, i64)> {
        let mut binds = crate::dynamic::Binds::default();
        let expr = words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut conditions = vec![format!("item_fts MATCH {}", binds.text(expr))];
        let facets = facet_conditions(&mut binds, "x", filter);
        // CROSS JOIN keeps the index's matches as the outer loop.
        let from = if facets.is_empty() {
            " FROM item_fts".to_string()
        } else {
            conditions.extend(facets);
            " FROM item_fts CROSS JOIN item_facets x ON x.version_id = item_fts.rowid".to_string()
        };
        let where_ = format!(" WHERE {}", conditions.join(" AND "));
        let total = get_i64(
            &binds
                .query(format!("SELECT COUNT(*) AS n{from}{where_}"), binds.len())
                .fetch_one(self.pool())
                .await?,
            "n",
        )?;
        let limit = binds.int(page.limit);
        let offset = binds.int(page.offset);
        let ids: Vec<i64> = binds
            .query(
                format!("SELECT item_fts.rowid AS id{from}{where_} ORDER BY bm25(item_fts), item_fts.rowid LIMIT {limit} OFFSET {offset}"),
                binds.len(),
            )
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| get_i64(r, "id"))
            .collect::<Result<_>>()?;
        if ids.is_empty() {
            return Ok((Vec::new(), total));
        }
        let mut by_id = crate::dynamic::Binds::default();
        let list: Vec<String> = ids.iter().map(|id| by_id.int(*id)).collect();
        let rows = by_id
            .query(
                format!(
                    "SELECT v.id, v.implementation_code, i.basic_code, v.name, v.version, v.department_id, v.region_code, v.item_type, v.level, v.visits, v.depth
                     FROM item_versions v JOIN item_implementations i ON i.code = v.implementation_code
                     WHERE v.status = 'published' AND v.id IN ({})",
                    list.join(", ")
                ),
                by_id.len(),
            )
            .fetch_all(self.pool())
            .await?;
        let mut found: std::collections::HashMap<i64, ItemHit> = std::collections::HashMap::new();
        for r in &rows {
            found.insert(get_i64(r, "id")?, hit(r)?);
        }
        Ok((ids.iter().filter_map(|id| found.remove(id)).collect(), total))
    }

    /// Define or replace a bundle.
    pub async fn bundle_put(&self, b: &Bundle, audit: &AuditEvent) -> Result<Bundle> {
        let mut tx = self.begin().await?;
        let now = now_micros();
        sqlx::query(
            "INSERT INTO bundles (code, name, content, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, content = excluded.content, updated_at = excluded.updated_at",
        )
        .bind(&b.code)
        .bind(&b.name)
        .bind(serde_json::to_string(b).expect("bundles serialise"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.audit_in(&mut tx, &audit.clone().object(&b.code)).await?;
        self.commit(tx).await?;
        Ok(b.clone())
    }

    pub async fn bundles(&self) -> Result<Vec<Bundle>> {
        let rows = sqlx::query("SELECT content FROM bundles ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                serde_json::from_str(&get_str(r, "content")?)
                    .map_err(|e| StoreError::Invalid(format!("stored bundle does not read: {e}")))
            })
            .collect()
    }

    pub async fn bundle(&self, code: &str) -> Result<Option<Bundle>> {
        Ok(self.bundles().await?.into_iter().find(|b| b.code == code))
    }
}

impl Store {
    /// Every published version (one per implementation), by implementation code.
    pub async fn items_published(&self) -> Result<Vec<VersionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM item_versions WHERE status = 'published' ORDER BY implementation_code"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version).collect()
    }
}

/// One item of an import: its implementation (new or existing) and the content to save.
#[derive(Debug, Clone)]
pub struct ImportedItem {
    pub implementation: Implementation,
    pub content: ItemVersion,
}

/// One item to publish in a batch: its basic item, the implementation and the version.
#[derive(Debug, Clone)]
pub struct Publication {
    pub basic: BasicItem,
    pub implementation: Implementation,
    pub content: ItemVersion,
}

impl Store {
    /// Publish many items at once, in one transaction (imports and benchmarks): each basic item
    /// and implementation is created when missing, and each content becomes the next version,
    /// published, superseding the one published before. The batch is one audit entry naming
    /// how many items it published. Returns that number.
    pub async fn items_publish_many(&self, items: &[Publication], audit: &AuditEvent) -> Result<usize> {
        let mut tx = self.begin().await?;
        let now = now_micros();
        let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        for p in items {
            sqlx::query(
                "INSERT INTO service_items (code, name, item_type, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING",
            )
            .bind(&p.basic.code)
            .bind(&p.basic.name)
            .bind(p.basic.item_type)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let i = &p.implementation;
            sqlx::query(
                "INSERT INTO item_implementations (code, basic_code, department_id, region_code, co_departments, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
            )
            .bind(&i.code)
            .bind(&i.basic_code)
            .bind(i.department_id)
            .bind(&i.region_code)
            .bind(listed(&i.co_departments))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::classify(e, "an implementation"))?;
            let previous =
                sqlx::query("SELECT id FROM item_versions WHERE implementation_code = $1 AND status = 'published'")
                    .bind(&i.code)
                    .fetch_all(&mut *tx)
                    .await?;
            for row in previous {
                let pid = get_i64(&row, "id")?;
                sqlx::query("UPDATE item_versions SET status = 'superseded', updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(pid)
                    .execute(&mut *tx)
                    .await?;
                self.item_fts_delete(&mut tx, pid).await?;
            }
            let next = get_i64(
                &sqlx::query("SELECT COALESCE(MAX(version), 0) AS n FROM item_versions WHERE implementation_code = $1")
                    .bind(&i.code)
                    .fetch_one(&mut *tx)
                    .await?,
                "n",
            )? + 1;
            let c = &p.content;
            let row = sqlx::query(
                "INSERT INTO item_versions (implementation_code, version, status, name, department_id, region_code, item_type,
                 level, visits, depth, applicant_types, themes, content, created_at, updated_at, published_at)
                 VALUES ($1, $2, 'published', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13) RETURNING id",
            )
            .bind(&i.code)
            .bind(next)
            .bind(c.name.trim())
            .bind(i.department_id)
            .bind(&i.region_code)
            .bind(p.basic.item_type)
            .bind(c.level.code())
            .bind(c.visits as i64)
            .bind(c.depth.code())
            .bind(listed(c.applicant_types.iter().map(|a| a.code())))
            .bind(listed(&c.themes))
            .bind(serde_json::to_string(c).expect("item versions serialise"))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let id = get_i64(&row, "id")?;
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(i.department_id) {
                let name = sqlx::query("SELECT name FROM departments WHERE id = $1")
                    .bind(i.department_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| get_str(&r, "name"))
                    .transpose()?
                    .unwrap_or_default();
                slot.insert(name);
            }
            self.item_fts_put(&mut tx, id, &index_body(c, &names[&i.department_id]))
                .await?;
        }
        let mut event = audit.clone().object(format!("{} items", items.len()));
        event.detail = Some(format!("published {} items in one batch", items.len()));
        self.audit_in(&mut tx, &event).await?;
        self.commit(tx).await?;
        Ok(items.len())
    }
}
