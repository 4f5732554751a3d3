//! The figures of operations, for Prometheus: the depth of the queues (the change-feed outbox,
//! the audit entries waiting for the sequencer), the age of the last signed audit checkpoint,
//! the open and overdue cases and the overdue tasks (from the supervision facts).

use crate::{Result, Store, get_i64, get_opt_i64};

/// One reading of the figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationsFigures {
    /// Changes not yet fanned out to their subscribers.
    pub outbox_pending: i64,
    /// Audit entries not yet given a leaf of the log.
    pub audit_pending: i64,
    /// When the last checkpoint was signed (microseconds), if ever.
    pub last_checkpoint_at: Option<i64>,
    pub open_cases: i64,
    /// Open cases and tasks past their deadline (before `today`).
    pub overdue_cases: i64,
    pub overdue_tasks: i64,
}

impl Store {
    /// The figures now; `today` (YYYY-MM-DD) decides what is overdue.
    pub async fn operations_figures(&self, today: &str) -> Result<OperationsFigures> {
        let count = |sql: &'static str| async move { get_i64(&sqlx::query(sql).fetch_one(self.pool()).await?, "n") };
        let overdue = |sql: &'static str| async move {
            get_i64(&sqlx::query(sql).bind(today).fetch_one(self.pool()).await?, "n")
        };
        let last = sqlx::query("SELECT MAX(time) AS t FROM audit_checkpoints")
            .fetch_one(self.pool())
            .await?;
        Ok(OperationsFigures {
            outbox_pending: count("SELECT COUNT(*) AS n FROM outbox WHERE fanned_out = 0").await?,
            audit_pending: count("SELECT COUNT(*) AS n FROM audit_pending").await?,
            last_checkpoint_at: get_opt_i64(&last, "t")?,
            open_cases: count("SELECT COUNT(*) AS n FROM case_facts WHERE is_open = 1").await?,
            overdue_cases: overdue("SELECT COUNT(*) AS n FROM case_facts WHERE is_open = 1 AND due_day < $1").await?,
            overdue_tasks: overdue("SELECT COUNT(*) AS n FROM task_facts WHERE is_open = 1 AND due_day < $1").await?,
        })
    }
}
