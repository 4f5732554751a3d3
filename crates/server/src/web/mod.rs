//! Server-rendered pages (askama), in Simplified Chinese with an English switch, usable without
//! JavaScript. Pages call the same validation and store functions as the API; authorisation is
//! the same [`crate::auth::Auth::require`].

mod account;
mod admin;
mod audit;
mod catalogue;
mod certificates;
mod oidc;
mod sharing;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use yici_core::authz::Permission;
pub use yici_web::page::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(account::home))
        .route("/login", get(account::login_page).post(account::login))
        .route(
            "/login/applicant",
            get(account::applicant_page).post(account::applicant_login),
        )
        .route("/login/applicant/oidc", get(oidc::start))
        .route("/login/applicant/oidc/callback", get(oidc::callback))
        .route("/logout", post(account::logout))
        .route("/prefs", get(yici_web::page::prefs))
        .route("/static/yici.css", get(yici_web::page::stylesheet))
        .route("/admin/regions", get(admin::regions).post(admin::create_region))
        .route(
            "/admin/departments",
            get(admin::departments).post(admin::create_department),
        )
        .route("/admin/systems", get(admin::systems).post(admin::create_system))
        .route("/admin/systems/{id}", get(admin::system))
        .route("/admin/systems/{id}/tokens", post(admin::issue_token))
        .route(
            "/admin/systems/{id}/tokens/{token_id}/revoke",
            post(admin::revoke_token),
        )
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}", get(admin::user))
        .route("/admin/users/{id}/roles", post(admin::grant_role))
        .route("/admin/users/{id}/roles/{role_id}/revoke", post(admin::revoke_role))
        .route("/admin/users/{id}/disabled", post(admin::set_disabled))
        .route("/calendar", get(admin::calendar))
        .route("/audit", get(audit::search))
        .route("/sharing/requests", get(sharing::requests))
        .route("/sharing/requests/{id}", get(sharing::one))
        .route("/sharing/requests/{id}/{action}", post(sharing::decide))
        .route("/sharing/grants", get(sharing::grants))
        .route("/notifications", get(sharing::notifications))
        .route("/catalogue", get(catalogue::public_catalogue))
        .route("/catalogue/{id}", get(catalogue::detail))
        .route("/gov/catalogue", get(catalogue::government_catalogue))
        .route(
            "/catalogue/drafts",
            get(catalogue::drafts).post(catalogue::create_draft),
        )
        .route(
            "/catalogue/drafts/{id}",
            get(catalogue::edit_form).post(catalogue::save_draft),
        )
        .route("/catalogue/drafts/{id}/{action}", post(catalogue::page_step))
        .route("/catalogue/review", get(catalogue::review))
        .route("/catalogue/statistics", get(catalogue::stats_page))
        .route("/me/certificates", get(certificates::mine))
        .route("/me/certificates/{identifier}", get(certificates::my_one))
        .route("/me/certificates/{identifier}/consents", post(certificates::my_consent))
        .route(
            "/me/certificates/{identifier}/consents/{id}/withdraw",
            post(certificates::my_withdraw),
        )
        .route("/me/certificates/{identifier}/show", post(certificates::my_show))
        .route("/verify", get(certificates::verify).post(certificates::verify_post))
        .route("/shows/{token}", get(certificates::shown))
        .route("/certificates", get(certificates::list))
        .route(
            "/certificates/new",
            get(certificates::new_form).post(certificates::issue),
        )
        .route("/certificates/{identifier}", get(certificates::one))
        .route("/certificates/{identifier}/operations", post(certificates::operate))
        .route("/certificates/{identifier}/use-copies", post(certificates::use_copy))
        .route("/certificate-types", get(certificates::types))
        .route("/seals", get(certificates::seals).post(certificates::make_seal))
        .route("/seals/revocation", post(certificates::revoke_seal))
        .route("/me/data-uses", get(audit::my_data_uses))
        .route("/me/data-uses/{id}/proof", get(audit::my_proof))
}

/// The menu of the pages, in order: each entry shows for a principal who holds one of its
/// permissions anywhere in its scope.
pub fn menu() -> Vec<MenuEntry> {
    use Permission::*;
    vec![
        MenuEntry::new("/", "首页", "Home", &[]),
        MenuEntry::new("/admin/regions", "行政区划", "Regions", &[ManageRegions]),
        MenuEntry::new("/admin/departments", "部门", "Departments", &[ManageDepartments]),
        MenuEntry::new("/admin/systems", "应用系统", "Systems", &[ReadSystems]),
        MenuEntry::new("/admin/users", "用户与角色", "Users and roles", &[ReadUsers]),
        MenuEntry::new("/calendar", "工作日历", "Working-day calendar", &[ReadCalendar]),
        MenuEntry::new("/audit", "审计日志", "Audit log", &[ReadAudit]),
        MenuEntry::new(
            "/me/data-uses",
            "谁用了我的数据",
            "Who used my data",
            &[ReadOwnDataUses],
        ),
        MenuEntry::new("/me/certificates", "我的证照", "My certificates", &[HoldCertificates]),
        MenuEntry::new(
            "/certificates",
            "电子证照",
            "Certificates",
            &[IssueCertificates, UseCertificates],
        ),
        MenuEntry::new(
            "/certificate-types",
            "证照类型",
            "Certificate types",
            &[ManageCertificateTypes],
        ),
        MenuEntry::new("/seals", "电子印章", "Seals", &[ReadSeals]),
        MenuEntry::new("/sharing/requests", "共享申请", "Sharing requests", &[ReadSharing]),
        MenuEntry::new("/sharing/grants", "共享授权", "Grants", &[ReadSharing]),
        MenuEntry::new("/notifications", "消息通知", "Notifications", &[ReadSharing]),
        MenuEntry::new("/gov/catalogue", "数据资源目录", "Data catalogue", &[ReadCatalogue]),
        MenuEntry::new("/catalogue/drafts", "资源编目", "Cataloguing", &[ManageCatalogue]),
        MenuEntry::new("/catalogue/review", "目录审核", "Catalogue review", &[ReviewCatalogue]),
        MenuEntry::new(
            "/catalogue/statistics",
            "目录统计",
            "Catalogue statistics",
            &[ReadCatalogue],
        ),
    ]
}
