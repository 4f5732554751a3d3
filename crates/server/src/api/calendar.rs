//! The working-day calendar: years in force, adding a year, and working-day arithmetic.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::calendar::{ClockReading, WorkingClock, YearSchedule};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddQuery {
    /// The start date (not counted), `YYYY-MM-DD`.
    pub from: NaiveDate,
    /// Working days to add, 0 to 2,000.
    pub days: u32,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BetweenQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DateAnswer {
    pub date: NaiveDate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountAnswer {
    pub working_days: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ClockInput {
    pub clock: WorkingClock,
    /// The day to read the clock on.
    pub today: NaiveDate,
}

#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar",
    responses((status = 200, body = Vec<YearSchedule>)))]
pub async fn list_years(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Vec<YearSchedule>>> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    Ok(axum::Json(state.store.calendar_years().await?))
}

/// Add or replace a year's schedule (the State Council notice for that year).
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", request_body = YearSchedule,
    responses((status = 200, body = YearSchedule), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_year(
    State(state): State<AppState>,
    auth: Auth,
    Path(year): Path<i32>,
    Json(schedule): Json<YearSchedule>,
) -> ApiResult<axum::Json<YearSchedule>> {
    auth.require(Permission::ManageCalendar, &Target::Platform)?;
    if schedule.year != year {
        return Err(ApiError::field(
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
    Ok(axum::Json(schedule))
}

#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar", params(AddQuery),
    responses((status = 200, body = DateAnswer), (status = 422, body = crate::error::Problem)))]
pub async fn add_working_days(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AddQuery>,
) -> ApiResult<axum::Json<DateAnswer>> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    if q.days > 2000 {
        return Err(ApiError::field(
            "days",
            "工作日数不能超过2000",
            "days must be at most 2,000",
        ));
    }
    let cal = state.store.working_calendar().await?;
    Ok(axum::Json(DateAnswer {
        date: cal.add_working_days(q.from, q.days)?,
    }))
}

#[utoipa::path(get, path = "/api/v1/calendar/working-days-between", tag = "calendar", params(BetweenQuery),
    responses((status = 200, body = CountAnswer), (status = 422, body = crate::error::Problem)))]
pub async fn working_days_between(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<BetweenQuery>,
) -> ApiResult<axum::Json<CountAnswer>> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    if (q.to - q.from).num_days().abs() > 3660 {
        return Err(ApiError::field(
            "to",
            "日期跨度不能超过10年",
            "the dates may be at most ten years apart",
        ));
    }
    let cal = state.store.working_calendar().await?;
    Ok(axum::Json(CountAnswer {
        working_days: cal.working_days_between(q.from, q.to)?,
    }))
}

/// Read a working-day clock (with its pauses) on a given day.
#[utoipa::path(post, path = "/api/v1/calendar/clock", tag = "calendar", request_body = ClockInput,
    responses((status = 200, body = ClockReading), (status = 422, body = crate::error::Problem)))]
pub async fn clock_reading(
    State(state): State<AppState>,
    auth: Auth,
    Json(input): Json<ClockInput>,
) -> ApiResult<axum::Json<ClockReading>> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    if input.clock.limit > 2000
        || input.clock.pauses.len() > 100
        || (input.today - input.clock.started).num_days().abs() > 3660
    {
        return Err(ApiError::field(
            "clock",
            "时限、暂停次数或日期跨度超出范围",
            "limit, pauses or date span out of range",
        ));
    }
    let cal = state.store.working_calendar().await?;
    Ok(axum::Json(input.clock.reading(&cal, input.today)?))
}
