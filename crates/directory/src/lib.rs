//! # yici-directory
//!
//! Who is who on the platform, and how they get in:
//! - regions (行政区划) and departments (部门), department systems (应用系统) and their tokens,
//!   staff accounts and their scoped roles, the applicant look-up at the window;
//! - the working-day calendar that every deadline counts in;
//! - sessions: staff sign in with a password (throttled), applicants through real-name
//!   verification ([`identity`]) or the province's identity platform (OpenID Connect).
//!
//! Every operation is in [`service`]; the API, the pages and the command line call it.
#![forbid(unsafe_code)]

mod api;
pub mod identity;
mod pages;

/// The home page, given what waits for the reader; the server serves it at `/` with the tiles
/// of every capability.
pub use pages::account::home;
pub mod service;
pub mod throttle;

use axum::extract::FromRef;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use yici_core::authz::Permission;
use yici_core::clock::Clock;
use yici_service::jobs::Job;
use yici_store::Store;
use yici_store::audit::AuditWriter;
use yici_web::Routes;
use yici_web::menu::MenuEntry;

/// The directory's settings.
#[derive(Debug, Clone)]
pub struct DirectoryConfig {
    /// The time sessions, tokens and the calendar are decided by.
    pub clock: Clock,
    /// How long a web session lasts without signing in again.
    pub session_ttl: Duration,
    /// Default validity of a newly issued system token.
    pub token_validity_days: u32,
    /// Mark cookies `Secure` (served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Wrong passwords for one username before it is locked out for `sign_in_lockout`.
    pub sign_in_max_failures: u32,
    pub sign_in_lockout: Duration,
    /// Seals the identity platform's pending sign-in in a cookie.
    pub seal_key: yici_crypto::sealed::SealingKey,
}

/// What the directory needs of the platform: cheap to clone.
#[derive(Clone)]
pub struct DirectoryState {
    pub store: Store,
    pub audit: AuditWriter,
    pub config: DirectoryConfig,
    /// Number-and-name verification (the demo's register); `None` outside the demo.
    pub identity: Option<Arc<dyn identity::IdentityProvider>>,
    /// The province's identity platform (OpenID Connect), when configured (set once after
    /// discovery at start).
    pub oidc: Arc<OnceLock<Arc<yici_oidc::Provider>>>,
    /// Wrong-password counts per username.
    pub sign_ins: Arc<throttle::SignInThrottle>,
}

/// The routes: the API under `/api/v1` and the pages.
pub fn router<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    DirectoryState: FromRef<S>,
{
    use pages::{account, admin, oidc};
    Routes::new("/api/v1")
        .post("/session", api::session::sign_in)
        .get("/session", api::session::current)
        .delete("/session", api::session::sign_out)
        .post("/session/applicant", api::session::sign_in_applicant)
        .get("/regions", api::directory::list_regions)
        .post("/regions", api::directory::create_region)
        .get("/regions/{code}", api::directory::get_region)
        .get("/departments", api::directory::list_departments)
        .post("/departments", api::directory::create_department)
        .get("/departments/{id}", api::directory::get_department)
        .put("/departments/{id}", api::directory::update_department)
        .get("/departments/{id}/systems", api::systems::list_systems)
        .post("/departments/{id}/systems", api::systems::create_system)
        .get("/systems/{id}/tokens", api::systems::list_tokens)
        .post("/systems/{id}/tokens", api::systems::issue_token)
        .delete("/systems/{id}/tokens/{token_id}", api::systems::revoke_token)
        .get("/users", api::users::list_users)
        .post("/users", api::users::create_user)
        .get("/users/{id}", api::users::get_user)
        .put("/users/{id}/disabled", api::users::set_disabled)
        .post("/users/{id}/roles", api::users::grant_role)
        .delete("/users/{id}/roles/{role_id}", api::users::revoke_role)
        .get("/applicants", api::applicants::find_applicant)
        .get("/calendar/years", api::calendar::list_years)
        .put("/calendar/years/{year}", api::calendar::put_year)
        .get("/calendar/add-working-days", api::calendar::add_working_days)
        .get("/calendar/working-days-between", api::calendar::working_days_between)
        .post("/calendar/clock", api::calendar::clock_reading)
        .get("/ids/check", api::ids::check)
        .merge(
            Routes::new("")
                .get("/login", account::login_page)
                .post("/login", account::login)
                .get("/login/applicant", account::applicant_page)
                .post("/login/applicant", account::applicant_login)
                .get("/login/applicant/oidc", oidc::start)
                .get("/login/applicant/oidc/callback", oidc::callback)
                .post("/logout", account::logout)
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
                .get("/calendar", admin::calendar),
        )
}

/// The API's paths and schemas, merged into the platform's OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::session::sign_in,
    api::session::sign_in_applicant,
    api::session::current,
    api::session::sign_out,
    api::directory::list_regions,
    api::directory::get_region,
    api::directory::create_region,
    api::directory::list_departments,
    api::directory::get_department,
    api::directory::create_department,
    api::directory::update_department,
    api::systems::list_systems,
    api::systems::create_system,
    api::systems::list_tokens,
    api::systems::issue_token,
    api::systems::revoke_token,
    api::users::list_users,
    api::users::get_user,
    api::users::create_user,
    api::users::set_disabled,
    api::users::grant_role,
    api::users::revoke_role,
    api::applicants::find_applicant,
    api::calendar::list_years,
    api::calendar::put_year,
    api::calendar::add_working_days,
    api::calendar::working_days_between,
    api::calendar::clock_reading,
    api::ids::check,
))]
pub struct ApiDoc;

/// The menu entries of the pages (home first).
pub fn menu() -> Vec<MenuEntry> {
    use Permission::*;
    vec![
        MenuEntry::new("/", "首页", "Home", &[]),
        MenuEntry::new("/admin/regions", "行政区划", "Regions", &[ManageRegions]),
        MenuEntry::new("/admin/departments", "部门", "Departments", &[ManageDepartments]),
        MenuEntry::new("/admin/systems", "应用系统", "Systems", &[ReadSystems]),
        MenuEntry::new("/admin/users", "用户与角色", "Users and roles", &[ReadUsers]),
        MenuEntry::new("/calendar", "工作日历", "Working-day calendar", &[ReadCalendar]),
    ]
}

/// The jobs: every ten minutes, remove expired sessions.
pub fn jobs(state: &DirectoryState) -> Vec<Job> {
    let state = state.clone();
    vec![Job::every("session purge", Duration::from_secs(600), move || {
        let state = state.clone();
        async move {
            match state.store.purge_sessions(state.config.clock.now_micros()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "session purge failed"),
            }
        }
    })]
}
