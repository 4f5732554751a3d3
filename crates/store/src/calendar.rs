//! Holiday calendar years. The shipped official years are the base; a stored year added by an
//! operator adds to them or replaces a shipped one.

use crate::{Result, Store, StoreError, get_str, now_micros};
use yici_core::audit::AuditEvent;
use yici_core::calendar::{WorkingCalendar, YearSchedule};

impl Store {
    /// Store a year's schedule after checking it. Saving a year again replaces it.
    pub async fn save_calendar_year(&self, s: &YearSchedule, audit: &AuditEvent) -> Result<()> {
        s.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let json = serde_json::to_string(s).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO calendar_years (year, schedule, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (year) DO UPDATE SET schedule = excluded.schedule, updated_at = excluded.updated_at",
        )
        .bind(s.year as i64)
        .bind(json)
        .bind(now_micros())
        .execute(&mut *tx)
        .await?;
        self.audit_in(&mut tx, &audit.clone().object(s.year)).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// The stored years (not the shipped ones).
    pub async fn stored_calendar_years(&self) -> Result<Vec<YearSchedule>> {
        let rows = sqlx::query("SELECT schedule FROM calendar_years ORDER BY year")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                serde_json::from_str(&get_str(r, "schedule")?)
                    .map_err(|e| StoreError::Invalid(format!("stored calendar year is unreadable: {e}")))
            })
            .collect()
    }

    /// Shipped years overlaid with the stored ones, as schedules.
    pub async fn calendar_years(&self) -> Result<Vec<YearSchedule>> {
        let mut years: std::collections::BTreeMap<i32, YearSchedule> =
            YearSchedule::shipped().into_iter().map(|s| (s.year, s)).collect();
        for s in self.stored_calendar_years().await? {
            years.insert(s.year, s);
        }
        Ok(years.into_values().collect())
    }

    /// The working calendar in force.
    pub async fn working_calendar(&self) -> Result<WorkingCalendar> {
        WorkingCalendar::new(self.calendar_years().await?).map_err(|e| StoreError::Invalid(e.to_string()))
    }
}
