//! The JSON API under `/api/v1`. Handlers are thin: they validate input with the core's
//! parsers, ask [`crate::auth::Auth::require`], and call the store.

pub mod applicants;
pub mod calendar;
pub mod directory;
pub mod ids;
pub mod session;
pub mod systems;
pub mod users;

use crate::state::AppState;
use yici_web::Routes;

pub use yici_web::{PageQuery, Paged};

pub fn routes() -> Routes<AppState> {
    Routes::new("/api/v1")
        .post("/session", session::sign_in)
        .get("/session", session::current)
        .delete("/session", session::sign_out)
        .post("/session/applicant", session::sign_in_applicant)
        .get("/regions", directory::list_regions)
        .post("/regions", directory::create_region)
        .get("/regions/{code}", directory::get_region)
        .get("/departments", directory::list_departments)
        .post("/departments", directory::create_department)
        .get("/departments/{id}", directory::get_department)
        .put("/departments/{id}", directory::update_department)
        .get("/departments/{id}/systems", systems::list_systems)
        .post("/departments/{id}/systems", systems::create_system)
        .get("/systems/{id}/tokens", systems::list_tokens)
        .post("/systems/{id}/tokens", systems::issue_token)
        .delete("/systems/{id}/tokens/{token_id}", systems::revoke_token)
        .get("/users", users::list_users)
        .post("/users", users::create_user)
        .get("/users/{id}", users::get_user)
        .put("/users/{id}/disabled", users::set_disabled)
        .post("/users/{id}/roles", users::grant_role)
        .delete("/users/{id}/roles/{role_id}", users::revoke_role)
        .get("/applicants", applicants::find_applicant)
        .get("/calendar/years", calendar::list_years)
        .put("/calendar/years/{year}", calendar::put_year)
        .get("/calendar/add-working-days", calendar::add_working_days)
        .get("/calendar/working-days-between", calendar::working_days_between)
        .post("/calendar/clock", calendar::clock_reading)
        .get("/ids/check", ids::check)
}
