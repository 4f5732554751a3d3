//! The home page at `/`: the directory's page, with what waits for the reader gathered from
//! every capability (requests to answer, resources to review, certificates to act on, messages;
//! for citizens and companies, their certificates and who used their data).

use crate::AppState;
use axum::extract::{FromRef, State};
use axum::http::HeaderMap;
use axum::response::Response;
use yici_core::authz::Principal;
use yici_web::Auth;
use yici_web::home::or_none;

pub async fn home(State(app): State<AppState>, auth: Auth, headers: HeaderMap) -> Response {
    let mut tiles = Vec::new();
    if !matches!(auth.principal, Principal::Anonymous) {
        let exchange = yici_exchange::ExchangeState::from_ref(&app);
        let catalogue = yici_catalogue::CatalogueState::from_ref(&app);
        let certificates = yici_certificates::CertificatesState::from_ref(&app);
        let audit = yici_audit::AuditState::from_ref(&app);
        tiles.extend(or_none(
            "certificates",
            yici_certificates::service::holding::home(&certificates, &auth).await,
        ));
        tiles.extend(or_none("audit", yici_audit::service::home(&audit, &auth).await));
        tiles.extend(or_none(
            "exchange",
            yici_exchange::sharing::home(&exchange, &auth).await,
        ));
        tiles.extend(or_none(
            "catalogue",
            yici_catalogue::service::home(&catalogue, &auth).await,
        ));
    }
    yici_directory::home(&auth, &headers, tiles)
}
