//! Server-rendered pages (askama), in Simplified Chinese with an English switch, usable without
//! JavaScript. Pages call the same validation and store functions as the API; authorisation is
//! the same [`crate::auth::Auth::require`].

mod account;
mod admin;
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
}
