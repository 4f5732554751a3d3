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
