//! # yici-certificates
//!
//! 电子证照 — electronic certificates and licences:
//! - [`library`]: the seal authority, department seals (GB/T 38540) and the certificates they
//!   seal; verification, PDF/A rendering, the offline export and the spreadsheet import;
//! - [`service`]: every operation, for every caller (API, pages, jobs, the command line and
//!   other capabilities): types and seals, issuing and the lifecycle, online verification and
//!   亮证, the holder's certificates and consents, and departments' use under the holder's
//!   consent or a sharing grant.
//!
//! Use under a grant releases the certificate through `yici_core::sharing::Release` and counts
//! against the grant's daily quota through the exchange's services: certificates depend on the
//! exchange, never the reverse.
#![forbid(unsafe_code)]

mod api;
pub mod library;
mod pages;
pub mod service;

use axum::extract::FromRef;
use std::sync::Arc;
use std::time::Duration;
use yici_core::authz::Permission;
use yici_core::clock::Clock;
use yici_service::jobs::Job;
use yici_store::Store;
use yici_store::audit::AuditWriter;
use yici_web::Routes;
use yici_web::menu::MenuEntry;

pub use library::{Certs, IssueRequest, Verification};

/// What the certificate library needs of the platform: cheap to clone.
#[derive(Clone)]
pub struct CertificatesState {
    pub store: Store,
    /// Group-committed audit entries (reads, verifications, refusals).
    pub audit: AuditWriter,
    /// The seal authority's and the departments' keys, opened in memory.
    pub certs: Arc<Certs>,
    /// The exchange, for use under a sharing grant (its quotas).
    pub exchange: yici_exchange::ExchangeState,
    /// The platform's public address: QR codes, 亮证 links and verification links use it.
    pub public_url: String,
    /// The time validity, consent and expiry are decided by.
    pub clock: Clock,
}

/// The routes: the API under `/api/v1` and the pages.
pub fn router<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    CertificatesState: FromRef<S>,
{
    use axum::extract::DefaultBodyLimit;
    use axum::http::Method;
    use axum::routing::post;
    let file_limit = || DefaultBodyLimit::max(yici_web::sheet::MAX_FILE_BYTES);
    Routes::new("/api/v1")
        .get("/certificate-types", api::list_types)
        .post("/certificate-types", api::put_type)
        .get("/certificate-types/{code}", api::get_type)
        .put("/certificate-types/{code}/resource", api::link_type)
        .get("/certificate-types/{code}/template.csv", api::import_template)
        .on(
            Method::POST,
            "/certificates/import",
            post(api::import).layer(file_limit()),
        )
        .get("/seal-authority/certificate", api::authority_certificate)
        .get("/seals", api::list_seals)
        .get("/certificate-consents", api::held_consents)
        .post("/departments/{id}/seals", api::make_seal)
        .post("/seals/{id}/revocation", api::revoke_seal)
        .get("/seals/{id}/picture", api::seal_picture)
        .get("/certificates", api::list)
        .post("/certificates", api::issue)
        .on(
            Method::POST,
            "/certificates/batch",
            post(api::issue_batch).layer(file_limit()),
        )
        .get("/certificates/{identifier}", api::get)
        .post("/certificates/{identifier}/operations", api::operate)
        .get("/certificates/{identifier}/verification", api::verification)
        .post("/certificates/{identifier}/use-copies", api::use_copy)
        .get("/certificates/{identifier}/pdf", api::pdf)
        .get("/certificates/{identifier}/use-copies/{id}/pdf", api::use_copy_pdf)
        .get("/me/certificates/{identifier}/pdf", api::my_pdf)
        .get("/certificate-shows/{token}", api::shown)
        .get("/me/certificates", api::my_certificates)
        .get("/me/certificates/{identifier}/consents", api::consents)
        .post("/me/certificates/{identifier}/consents", api::consent)
        .delete("/me/certificates/{identifier}/consents/{id}", api::withdraw_consent)
        .post("/me/certificates/{identifier}/show", api::show)
        .get("/me/certificates/{identifier}/uses", api::uses)
        .merge(
            Routes::new("")
                .get("/me/certificates", pages::holder::mine)
                .get("/me/certificates/{identifier}", pages::holder::my_one)
                .post("/me/certificates/{identifier}/consents", pages::holder::my_consent)
                .post(
                    "/me/certificates/{identifier}/consents/{id}/withdraw",
                    pages::holder::my_withdraw,
                )
                .post("/me/certificates/{identifier}/show", pages::holder::my_show)
                .get("/verify", pages::holder::verify)
                .post("/verify", pages::holder::verify_post)
                .get("/shows/{token}", pages::holder::shown)
                .get("/certificates", pages::issuer::list)
                .get("/certificates/new", pages::issuer::new_form)
                .post("/certificates/new", pages::issuer::issue)
                .get("/certificates/{identifier}", pages::issuer::one)
                .post("/certificates/{identifier}/operations", pages::issuer::operate)
                .post("/certificates/{identifier}/use-copies", pages::issuer::use_copy)
                .get("/certificate-types", pages::seals::types)
                .get("/seals", pages::seals::seals)
                .post("/seals", pages::seals::make_seal)
                .post("/seals/revocation", pages::seals::revoke_seal),
        )
}

/// The API's paths and schemas, merged into the platform's OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::list_types,
    api::get_type,
    api::put_type,
    api::link_type,
    api::import_template,
    api::authority_certificate,
    api::list_seals,
    api::make_seal,
    api::revoke_seal,
    api::seal_picture,
    api::issue,
    api::issue_batch,
    api::import,
    api::list,
    api::get,
    api::operate,
    api::pdf,
    api::use_copy_pdf,
    api::my_pdf,
    api::verification,
    api::shown,
    api::use_copy,
    api::my_certificates,
    api::consent,
    api::consents,
    api::held_consents,
    api::withdraw_consent,
    api::show,
    api::uses,
))]
pub struct ApiDoc;

/// The menu entries of the pages.
pub fn menu() -> Vec<MenuEntry> {
    use Permission::*;
    vec![
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
    ]
}

/// The jobs: every hour, remind departments whose seal's certificate is about to expire.
pub fn jobs(state: &CertificatesState) -> Vec<Job> {
    let state = state.clone();
    vec![Job::every("seal reminders", Duration::from_secs(3600), move || {
        let state = state.clone();
        async move {
            match library::remind_expiring_seals(&state.store, state.clock.now_micros()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminded = n, "seal expiry reminders sent"),
                Err(e) => tracing::warn!(error = %e, "seal expiry reminders not sent"),
            }
        }
    })]
}
