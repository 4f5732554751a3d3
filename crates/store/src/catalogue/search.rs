//! Searching the published catalogue with the database's own full-text index, and counting it.
//!
//! Text is segmented with jieba before it is indexed and before it is searched
//! (`yici-search`); SQLite matches the words with FTS5, PostgreSQL with a `simple` tsvector.

use crate::{Dialect, Page, Result, Store, get_i64, get_opt_i64, get_str};
use serde::Serialize;
use sqlx::AnyConnection;

/// Narrowing a search; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct CatalogueFilter {
    pub query: Option<String>,
    pub department_id: Option<i64>,
    /// Region code prefix of the provider (`33`, `3301`, …).
    pub region_prefix: Option<String>,
    pub class: Option<i64>,
    pub share_type: Option<i64>,
    pub open_type: Option<i64>,
    pub format_class: Option<i64>,
    pub update_cycle: Option<i64>,
    /// Only resources open to the public (open types 1 and 2): the public catalogue.
    pub public_only: bool,
}

/// One published resource found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub region_code: String,
    pub share_type: i64,
    pub open_type: i64,
    pub format_class: i64,
    pub update_cycle: i64,
    pub published_at: Option<i64>,
}

/// A count of published resources in one department by share and open type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stat {
    pub department_id: i64,
    pub region_code: String,
    pub share_type: i64,
    pub open_type: i64,
    pub count: i64,
}

impl Store {
    /// Put a resource's segmented text into the index (replacing what was there).
    pub(crate) async fn fts_put(&self, conn: &mut AnyConnection, id: i64, body: &str) -> Result<()> {
        self.fts_delete(conn, id).await?;
        let sql = match self.dialect() {
            Dialect::Sqlite => "INSERT INTO catalogue_fts (rowid, body) VALUES ($1, $2)",
            Dialect::Postgres => {
                "INSERT INTO catalogue_fts (resource_id, body, search) VALUES ($1, $2, to_tsvector('simple', $2))"
            }
        };
        sqlx::query(sql).bind(id).bind(body).execute(&mut *conn).await?;
        Ok(())
    }

    pub(crate) async fn fts_delete(&self, conn: &mut AnyConnection, id: i64) -> Result<()> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "DELETE FROM catalogue_fts WHERE rowid = $1",
            Dialect::Postgres => "DELETE FROM catalogue_fts WHERE resource_id = $1",
        };
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
        Ok(())
    }

    /// Published resources matching `filter`, best match first (newest first without a query),
    /// and the number of all matches.
    pub async fn catalogue_search(&self, filter: &CatalogueFilter, page: Page) -> Result<(Vec<SearchHit>, i64)> {
        let words = filter
            .query
            .as_deref()
            .map(yici_search::query_words)
            .unwrap_or_default();
        let mut binds = crate::dynamic::Binds::default();
        let mut from = String::from(" FROM catalogue_resources r");
        let mut conditions = vec![
            "r.published_version IS NOT NULL".to_string(),
            "r.withdrawn = 0".to_string(),
        ];
        let mut order = "r.published_at DESC, r.id DESC".to_string();
        if !words.is_empty() {
            match self.dialect() {
                Dialect::Sqlite => {
                    let expr = words
                        .iter()
                        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let p = binds.text(expr);
                    from.push_str(" JOIN catalogue_fts f ON f.rowid = r.id");
                    conditions.push(format!("f.body MATCH {p}"));
                    order = "f.rank, r.id".into();
                }
                Dialect::Postgres => {
                    let p = binds.text(words.join(" "));
                    from.push_str(" JOIN catalogue_fts f ON f.resource_id = r.id");
                    conditions.push(format!("f.search @@ plainto_tsquery('simple', {p})"));
                    order = format!("ts_rank(f.search, plainto_tsquery('simple', {p})) DESC, r.id");
                }
            }
        }
        let ints = [
            ("r.department_id", filter.department_id),
            ("r.class", filter.class),
            ("r.share_type", filter.share_type),
            ("r.open_type", filter.open_type),
            ("r.format_class", filter.format_class),
            ("r.update_cycle", filter.update_cycle),
        ];
        for (col, v) in ints {
            if let Some(v) = v {
                conditions.push(format!("{col} = {}", binds.int(v)));
            }
        }
        if let Some(prefix) = &filter.region_prefix {
            conditions.push(format!("r.region_code LIKE {}", binds.text(format!("{prefix}%"))));
        }
        if filter.public_only {
            conditions.push("r.open_type IN (1, 2)".into());
        }
        let where_ = format!(" WHERE {}", conditions.join(" AND "));
        let count_sql = format!("SELECT COUNT(*) AS n{from}{where_}");
        let limit = binds.int(page.limit);
        let offset = binds.int(page.offset);
        let sql = format!(
            "SELECT r.id, r.code, r.name, r.department_id, r.region_code, r.share_type, r.open_type, r.format_class, r.update_cycle, r.published_at{from}{where_} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let total = get_i64(
            &binds.query(count_sql, binds.len() - 2).fetch_one(self.pool()).await?,
            "n",
        )?;
        let rows = binds.query(sql, binds.len()).fetch_all(self.pool()).await?;
        let hits = rows
            .iter()
            .map(|r| {
                Ok(SearchHit {
                    id: get_i64(r, "id")?,
                    code: get_str(r, "code")?,
                    name: get_str(r, "name")?,
                    department_id: get_i64(r, "department_id")?,
                    region_code: get_str(r, "region_code")?,
                    share_type: get_i64(r, "share_type")?,
                    open_type: get_i64(r, "open_type")?,
                    format_class: get_i64(r, "format_class")?,
                    update_cycle: get_i64(r, "update_cycle")?,
                    published_at: get_opt_i64(r, "published_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((hits, total))
    }

    /// Published resources counted by department (with its region), share type and open type.
    pub async fn catalogue_stats(&self) -> Result<Vec<Stat>> {
        let rows = sqlx::query(
            "SELECT department_id, region_code, share_type, open_type, COUNT(*) AS n FROM catalogue_resources
             WHERE published_version IS NOT NULL AND withdrawn = 0
             GROUP BY department_id, region_code, share_type, open_type ORDER BY department_id, share_type, open_type",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Stat {
                    department_id: get_i64(r, "department_id")?,
                    region_code: get_str(r, "region_code")?,
                    share_type: get_i64(r, "share_type")?,
                    open_type: get_i64(r, "open_type")?,
                    count: get_i64(r, "n")?,
                })
            })
            .collect()
    }
}
