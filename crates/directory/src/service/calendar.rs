//! The working-day calendar: years in force, adding a year, and working-day arithmetic.

use crate::DirectoryState;
use chrono::NaiveDate;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::calendar::{ClockReading, WorkingClock, YearSchedule};
use yici_service::{Caller, Error, Result};

/// The years whose working days are known.
pub async fn years(state: &DirectoryState, auth: &Caller) -> Result<Vec<YearSchedule>> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    Ok(state.store.calendar_years().await?)
}

/// Add or replace a year's schedule (the State Council notice for that year).
pub async fn save_year(
    state: &DirectoryState,
    auth: &Caller,
    year: i32,
    schedule: YearSchedule,
) -> Result<YearSchedule> {
    auth.require(Permission::ManageCalendar, &Target::Platform)?;
    if schedule.year != year {
        return Err(Error::field(
            "year",
            format!("正文中的年份 {} 与地址中的 {year} 不一致", schedule.year),
            format!("year {} in the body does not match {year} in the path", schedule.year),
        ));
    }
    schedule.validate()?;
    state
        .store
        .save_calendar_year(&schedule, &auth.event(Action::CalendarSave, "calendar_year"))
        .await?;
    Ok(schedule)
}

/// The day `days` working days after `from`.
pub async fn add_working_days(state: &DirectoryState, auth: &Caller, from: NaiveDate, days: u32) -> Result<NaiveDate> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    if days > 2000 {
        return Err(Error::field(
            "days",
            "工作日数不能超过2000",
            "days must be at most 2,000",
        ));
    }
    let cal = state.store.working_calendar().await?;
    Ok(cal.add_working_days(from, days)?)
}

/// The working days from `from` to `to`.
pub async fn working_days_between(
    state: &DirectoryState,
    auth: &Caller,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    if (to - from).num_days().abs() > 3660 {
        return Err(Error::field(
            "to",
            "日期跨度不能超过10年",
            "the dates may be at most ten years apart",
        ));
    }
    let cal = state.store.working_calendar().await?;
    Ok(cal.working_days_between(from, to)?)
}

/// Read a working-day clock (with its pauses) on a given day.
pub async fn clock_reading(
    state: &DirectoryState,
    auth: &Caller,
    clock: &WorkingClock,
    today: NaiveDate,
) -> Result<ClockReading> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    if clock.limit > 2000 || clock.pauses.len() > 100 || (today - clock.started).num_days().abs() > 3660 {
        return Err(Error::field(
            "clock",
            "时限、暂停次数或日期跨度超出范围",
            "limit, pauses or date span out of range",
        ));
    }
    let cal = state.store.working_calendar().await?;
    Ok(clock.reading(&cal, today)?)
}
