//! The working-day calendar: years in force, adding a year, and working-day arithmetic.

use crate::DirectoryState;
use crate::service::calendar;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yici_core::calendar::{ClockReading, WorkingClock, YearSchedule};
use yici_web::extract::{Json, Path, Query};
use yici_web::{ApiResult, Auth, Problem};

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
pub async fn list_years(State(state): State<DirectoryState>, auth: Auth) -> ApiResult<axum::Json<Vec<YearSchedule>>> {
    Ok(axum::Json(calendar::years(&state, &auth).await?))
}

/// Add or replace a year's schedule (the State Council notice for that year).
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", request_body = YearSchedule,
    responses((status = 200, body = YearSchedule), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_year(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(year): Path<i32>,
    Json(schedule): Json<YearSchedule>,
) -> ApiResult<axum::Json<YearSchedule>> {
    Ok(axum::Json(calendar::save_year(&state, &auth, year, schedule).await?))
}

#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar", params(AddQuery),
    responses((status = 200, body = DateAnswer), (status = 422, body = Problem)))]
pub async fn add_working_days(
    State(state): State<DirectoryState>,
    auth: Auth,
    Query(q): Query<AddQuery>,
) -> ApiResult<axum::Json<DateAnswer>> {
    let date = calendar::add_working_days(&state, &auth, q.from, q.days).await?;
    Ok(axum::Json(DateAnswer { date }))
}

#[utoipa::path(get, path = "/api/v1/calendar/working-days-between", tag = "calendar", params(BetweenQuery),
    responses((status = 200, body = CountAnswer), (status = 422, body = Problem)))]
pub async fn working_days_between(
    State(state): State<DirectoryState>,
    auth: Auth,
    Query(q): Query<BetweenQuery>,
) -> ApiResult<axum::Json<CountAnswer>> {
    let working_days = calendar::working_days_between(&state, &auth, q.from, q.to).await?;
    Ok(axum::Json(CountAnswer { working_days }))
}

/// Read a working-day clock (with its pauses) on a given day.
#[utoipa::path(post, path = "/api/v1/calendar/clock", tag = "calendar", request_body = ClockInput,
    responses((status = 200, body = ClockReading), (status = 422, body = Problem)))]
pub async fn clock_reading(
    State(state): State<DirectoryState>,
    auth: Auth,
    Json(input): Json<ClockInput>,
) -> ApiResult<axum::Json<ClockReading>> {
    Ok(axum::Json(
        calendar::clock_reading(&state, &auth, &input.clock, input.today).await?,
    ))
}
