//! Queries put together from optional filters: each value is bound to a numbered placeholder,
//! and only column names and placeholders are ever written into the SQL text.

use sqlx::AssertSqlSafe;

enum Bind {
    Int(i64),
    Text(String),
}

/// The values of a query being put together, in placeholder order.
#[derive(Default)]
pub(crate) struct Binds(Vec<Bind>);

impl Binds {
    /// Bind an integer; returns its placeholder (`$3`).
    pub(crate) fn int(&mut self, v: i64) -> String {
        self.0.push(Bind::Int(v));
        format!("${}", self.0.len())
    }

    /// Bind a text; returns its placeholder.
    pub(crate) fn text(&mut self, v: impl Into<String>) -> String {
        self.0.push(Bind::Text(v.into()));
        format!("${}", self.0.len())
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The query `sql` with the first `upto` values bound (a count query leaves out the paging
    /// values bound last).
    pub(crate) fn query(
        &self,
        sql: String,
        upto: usize,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in &self.0[..upto.min(self.0.len())] {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.clone()),
            };
        }
        q
    }
}

impl Binds {
    /// A page of `SELECT {columns} {from} ORDER BY {order}`, and how many rows `from` (a `FROM …
    /// WHERE …` over the values bound so far) holds in all: the count first, then the page, its
    /// limit and offset bound last.
    pub(crate) async fn page(
        mut self,
        pool: &sqlx::AnyPool,
        (columns, from, order): (&str, &str, &str),
        page: crate::Page,
    ) -> crate::Result<(Vec<sqlx::any::AnyRow>, i64)> {
        let counted = self.len();
        let total = crate::get_i64(
            &self
                .query(format!("SELECT COUNT(*) AS n {from}"), counted)
                .fetch_one(pool)
                .await?,
            "n",
        )?;
        let limit = self.int(page.limit);
        let offset = self.int(page.offset);
        let rows = self
            .query(
                format!("SELECT {columns} {from} ORDER BY {order} LIMIT {limit} OFFSET {offset}"),
                self.len(),
            )
            .fetch_all(pool)
            .await?;
        Ok((rows, total))
    }
}
