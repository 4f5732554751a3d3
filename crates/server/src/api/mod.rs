//! The JSON API under `/api/v1`. Handlers are thin: they validate input with the core's
//! parsers, ask [`crate::auth::Auth::require`], and call the store.

pub mod applicants;
pub mod audit;
pub mod calendar;
pub mod catalogue;
pub mod catalogue_csv;
pub mod certificates;
pub mod directory;
pub mod exchange;
pub mod ids;
pub mod session;
pub mod sharing;
pub mod systems;
pub mod users;

use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post, put};

pub use yici_web::{PageQuery, Paged};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/session",
            post(session::sign_in).get(session::current).delete(session::sign_out),
        )
        .route("/session/applicant", post(session::sign_in_applicant))
        .route("/regions", get(directory::list_regions).post(directory::create_region))
        .route("/regions/{code}", get(directory::get_region))
        .route(
            "/departments",
            get(directory::list_departments).post(directory::create_department),
        )
        .route(
            "/departments/{id}",
            get(directory::get_department).put(directory::update_department),
        )
        .route(
            "/departments/{id}/systems",
            get(systems::list_systems).post(systems::create_system),
        )
        .route(
            "/systems/{id}/tokens",
            get(systems::list_tokens).post(systems::issue_token),
        )
        .route("/systems/{id}/tokens/{token_id}", delete(systems::revoke_token))
        .route("/users", get(users::list_users).post(users::create_user))
        .route("/users/{id}", get(users::get_user))
        .route("/users/{id}/disabled", put(users::set_disabled))
        .route("/users/{id}/roles", post(users::grant_role))
        .route("/users/{id}/roles/{role_id}", delete(users::revoke_role))
        .route("/applicants", get(applicants::find_applicant))
        .route("/calendar/years", get(calendar::list_years))
        .route("/calendar/years/{year}", put(calendar::put_year))
        .route("/calendar/add-working-days", get(calendar::add_working_days))
        .route("/calendar/working-days-between", get(calendar::working_days_between))
        .route("/calendar/clock", post(calendar::clock_reading))
        .route("/ids/check", get(ids::check))
        .route("/audit/entries", get(audit::search))
        .route("/audit/entries/{index}/proof", get(audit::inclusion_proof))
        .route("/audit/checkpoint", get(audit::latest_checkpoint))
        .route("/audit/checkpoints", post(audit::make_checkpoint))
        .route("/audit/public-key", get(audit::public_key))
        .route("/audit/consistency", get(audit::consistency))
        .route("/audit/export", get(audit::export))
        .route("/catalogue/resources", get(catalogue::search_government))
        .route("/catalogue/resources/{id}", get(catalogue::get_resource))
        .route("/catalogue/resources/{id}/versions", get(catalogue::versions))
        .route(
            "/catalogue/drafts",
            get(catalogue::list_drafts).post(catalogue::create_draft),
        )
        .route("/catalogue/drafts/{id}", put(catalogue::edit))
        .route("/catalogue/drafts/{id}/{action}", post(catalogue::review_step))
        .route("/catalogue/export", get(catalogue::export))
        .route(
            "/catalogue/import",
            post(catalogue::import).layer(axum::extract::DefaultBodyLimit::max(crate::import::MAX_FILE_BYTES)),
        )
        .route("/catalogue/statistics", get(catalogue::stats))
        .route("/catalogue/elements", get(catalogue::elements))
        .route(
            "/departments/{id}/field-mappings",
            get(catalogue::mappings).put(catalogue::put_mapping),
        )
        .route("/public/catalogue/resources", get(catalogue::search_public))
        .route("/public/catalogue/resources/{id}", get(catalogue::get_public_resource))
        .route("/sharing/requests", get(sharing::list).post(sharing::create))
        .route("/sharing/requests/{id}/decision", post(sharing::decide))
        .route("/sharing/grants", get(sharing::grants))
        .route("/sharing/grants/{id}", delete(sharing::revoke))
        .route("/notifications", get(sharing::notifications))
        .route("/datasets/{id}/endpoint", put(exchange::set_endpoint))
        .route(
            "/exchange/{class}/{sequence}/records",
            get(exchange::get_records).post(exchange::post_records),
        )
        .route("/exchange/{class}/{sequence}/changes", get(exchange::changes))
        .route("/exchange/{class}/{sequence}/webhooks", post(exchange::subscribe))
        .route("/exchange/{class}/{sequence}/streams", post(exchange::subscribe_stream))
        .route(
            "/datasets/{id}/rows",
            post(exchange::load).layer(axum::extract::DefaultBodyLimit::max(crate::import::MAX_FILE_BYTES)),
        )
        .route(
            "/certificate-types",
            get(certificates::list_types).post(certificates::put_type),
        )
        .route("/certificate-types/{code}", get(certificates::get_type))
        .route("/certificate-types/{code}/resource", put(certificates::link_type))
        .route(
            "/certificate-types/{code}/template.csv",
            get(certificates::import_template),
        )
        .route(
            "/certificates/import",
            post(certificates::import).layer(axum::extract::DefaultBodyLimit::max(crate::import::MAX_FILE_BYTES)),
        )
        .route("/seal-authority/certificate", get(certificates::authority_certificate))
        .route("/seals", get(certificates::list_seals))
        .route("/certificate-consents", get(certificates::held_consents))
        .route("/departments/{id}/seals", post(certificates::make_seal))
        .route("/seals/{id}/revocation", post(certificates::revoke_seal))
        .route("/seals/{id}/picture", get(certificates::seal_picture))
        .route("/certificates", get(certificates::list).post(certificates::issue))
        .route(
            "/certificates/batch",
            post(certificates::issue_batch).layer(axum::extract::DefaultBodyLimit::max(crate::import::MAX_FILE_BYTES)),
        )
        .route("/certificates/{identifier}", get(certificates::get))
        .route("/certificates/{identifier}/operations", post(certificates::operate))
        .route(
            "/certificates/{identifier}/verification",
            get(certificates::verification),
        )
        .route("/certificates/{identifier}/use-copies", post(certificates::use_copy))
        .route("/certificates/{identifier}/pdf", get(certificates::pdf))
        .route(
            "/certificates/{identifier}/use-copies/{id}/pdf",
            get(certificates::use_copy_pdf),
        )
        .route("/me/certificates/{identifier}/pdf", get(certificates::my_pdf))
        .route("/certificate-shows/{token}", get(certificates::shown))
        .route("/me/certificates", get(certificates::my_certificates))
        .route(
            "/me/certificates/{identifier}/consents",
            get(certificates::consents).post(certificates::consent),
        )
        .route(
            "/me/certificates/{identifier}/consents/{id}",
            delete(certificates::withdraw_consent),
        )
        .route("/me/certificates/{identifier}/show", post(certificates::show))
        .route("/me/certificates/{identifier}/uses", get(certificates::uses))
        .route("/me/data-uses", get(audit::my_data_uses))
        .route("/me/data-uses/{id}/proof", get(audit::my_proof))
}
