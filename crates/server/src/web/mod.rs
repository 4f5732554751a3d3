//! Server-rendered pages (askama), in Simplified Chinese with an English switch, usable without
//! JavaScript. Pages call the same validation and store functions as the API; authorisation is
//! the same [`crate::auth::Auth::require`].

mod account;
mod admin;
mod certificates;
mod oidc;

use crate::state::AppState;
use yici_web::Routes;
pub use yici_web::page::*;

pub fn routes() -> Routes<AppState> {
    Routes::new("")
        .get("/", account::home)
        .get("/login", account::login_page)
        .post("/login", account::login)
        .get("/login/applicant", account::applicant_page)
        .post("/login/applicant", account::applicant_login)
        .get("/login/applicant/oidc", oidc::start)
        .get("/login/applicant/oidc/callback", oidc::callback)
        .post("/logout", account::logout)
        .get("/prefs", yici_web::page::prefs)
        .get("/static/yici.css", yici_web::page::stylesheet)
        .get("/admin/regions", admin::regions)
        .post("/admin/regions", admin::create_region)
        .get("/admin/departments", admin::departments)
        .post("/admin/departments", admin::create_department)
        .get("/admin/systems", admin::systems)
        .post("/admin/systems", admin::create_system)
        .get("/admin/systems/{id}", admin::system)
        .post("/admin/systems/{id}/tokens", admin::issue_token)
        .post("/admin/systems/{id}/tokens/{token_id}/revoke", admin::revoke_token)
        .get("/admin/users", admin::users)
        .post("/admin/users", admin::create_user)
        .get("/admin/users/{id}", admin::user)
        .post("/admin/users/{id}/roles", admin::grant_role)
        .post("/admin/users/{id}/roles/{role_id}/revoke", admin::revoke_role)
        .post("/admin/users/{id}/disabled", admin::set_disabled)
        .get("/calendar", admin::calendar)
        .get("/me/certificates", certificates::mine)
        .get("/me/certificates/{identifier}", certificates::my_one)
        .post("/me/certificates/{identifier}/consents", certificates::my_consent)
        .post(
            "/me/certificates/{identifier}/consents/{id}/withdraw",
            certificates::my_withdraw,
        )
        .post("/me/certificates/{identifier}/show", certificates::my_show)
        .get("/verify", certificates::verify)
        .post("/verify", certificates::verify_post)
        .get("/shows/{token}", certificates::shown)
        .get("/certificates", certificates::list)
        .get("/certificates/new", certificates::new_form)
        .post("/certificates/new", certificates::issue)
        .get("/certificates/{identifier}", certificates::one)
        .post("/certificates/{identifier}/operations", certificates::operate)
        .post("/certificates/{identifier}/use-copies", certificates::use_copy)
        .get("/certificate-types", certificates::types)
        .get("/seals", certificates::seals)
        .post("/seals", certificates::make_seal)
        .post("/seals/revocation", certificates::revoke_seal)
}
