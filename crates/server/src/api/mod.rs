//! The JSON API under `/api/v1`. Handlers are thin: they validate input with the core's
//! parsers, ask [`crate::auth::Auth::require`], and call the store.

pub mod applicants;
pub mod calendar;
pub mod certificates;
pub mod directory;
pub mod ids;
pub mod session;
pub mod systems;
pub mod users;

use crate::state::AppState;
use axum::http::Method;
use axum::routing::post;
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
        .get("/certificate-types", certificates::list_types)
        .post("/certificate-types", certificates::put_type)
        .get("/certificate-types/{code}", certificates::get_type)
        .put("/certificate-types/{code}/resource", certificates::link_type)
        .get("/certificate-types/{code}/template.csv", certificates::import_template)
        .on(
            Method::POST,
            "/certificates/import",
            post(certificates::import).layer(axum::extract::DefaultBodyLimit::max(yici_web::sheet::MAX_FILE_BYTES)),
        )
        .get("/seal-authority/certificate", certificates::authority_certificate)
        .get("/seals", certificates::list_seals)
        .get("/certificate-consents", certificates::held_consents)
        .post("/departments/{id}/seals", certificates::make_seal)
        .post("/seals/{id}/revocation", certificates::revoke_seal)
        .get("/seals/{id}/picture", certificates::seal_picture)
        .get("/certificates", certificates::list)
        .post("/certificates", certificates::issue)
        .on(
            Method::POST,
            "/certificates/batch",
            post(certificates::issue_batch)
                .layer(axum::extract::DefaultBodyLimit::max(yici_web::sheet::MAX_FILE_BYTES)),
        )
        .get("/certificates/{identifier}", certificates::get)
        .post("/certificates/{identifier}/operations", certificates::operate)
        .get("/certificates/{identifier}/verification", certificates::verification)
        .post("/certificates/{identifier}/use-copies", certificates::use_copy)
        .get("/certificates/{identifier}/pdf", certificates::pdf)
        .get(
            "/certificates/{identifier}/use-copies/{id}/pdf",
            certificates::use_copy_pdf,
        )
        .get("/me/certificates/{identifier}/pdf", certificates::my_pdf)
        .get("/certificate-shows/{token}", certificates::shown)
        .get("/me/certificates", certificates::my_certificates)
        .get("/me/certificates/{identifier}/consents", certificates::consents)
        .post("/me/certificates/{identifier}/consents", certificates::consent)
        .delete(
            "/me/certificates/{identifier}/consents/{id}",
            certificates::withdraw_consent,
        )
        .post("/me/certificates/{identifier}/show", certificates::show)
        .get("/me/certificates/{identifier}/uses", certificates::uses)
}
