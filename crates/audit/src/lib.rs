//! # yici-audit
//!
//! 审计日志 — the tamper-evident log as people and systems use it: checkpoints, inclusion and
//! consistency proofs and the public key for anyone; search and export for operators and
//! supervisors (cut to their scope); 谁用了我的数据 (who used my data) for citizens and companies,
//! with a proof of each entry they can check themselves. The log itself (entries, the Merkle
//! tree, signed checkpoints) is kept by `yici-store`; the jobs that sequence and sign it run here.
//!
//! - [`service`]: the operations, for the API, the pages and the command line;
//! - [`router`], [`ApiDoc`], [`menu`], [`jobs`]: what the server composes.
#![forbid(unsafe_code)]

mod api;
mod pages;
mod sequencing;
pub mod service;

use axum::extract::FromRef;
use std::time::Duration;
use yici_core::authz::Permission;
use yici_service::jobs::Job;
use yici_store::Store;
use yici_store::audit::AuditWriter;
use yici_web::Routes;
use yici_web::menu::MenuEntry;

pub use api::{ConsistencyProof, EntryView, SearchQuery};

/// What the audit capability needs of the platform.
#[derive(Clone)]
pub struct AuditState {
    pub store: Store,
    /// Group-committed entries (reads of personal data, refusals), and the sequencer.
    pub audit: AuditWriter,
    /// How often the tree head is signed (when the log has grown).
    pub checkpoint_interval: Duration,
}

/// The routes: the API under `/api/v1` and the pages.
pub fn router<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    AuditState: FromRef<S>,
{
    Routes::new("/api/v1")
        .get("/audit/entries", api::search)
        .get("/audit/entries/{index}/proof", api::inclusion_proof)
        .get("/audit/checkpoint", api::latest_checkpoint)
        .post("/audit/checkpoints", api::make_checkpoint)
        .get("/audit/public-key", api::public_key)
        .get("/audit/consistency", api::consistency)
        .get("/audit/export", api::export)
        .get("/me/data-uses", api::my_data_uses)
        .get("/me/data-uses/{id}/proof", api::my_proof)
        .merge(
            Routes::new("")
                .get("/audit", pages::search)
                .get("/me/data-uses", pages::my_data_uses)
                .get("/me/data-uses/{id}/proof", pages::my_proof),
        )
}

/// The API's paths and schemas, merged into the platform's OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::search,
    api::latest_checkpoint,
    api::make_checkpoint,
    api::public_key,
    api::inclusion_proof,
    api::consistency,
    api::export,
    api::my_data_uses,
    api::my_proof,
))]
pub struct ApiDoc;

/// The menu entries of the pages.
pub fn menu() -> Vec<MenuEntry> {
    vec![
        MenuEntry::new("/audit", "审计日志", "Audit log", &[Permission::ReadAudit]),
        MenuEntry::new(
            "/me/data-uses",
            "谁用了我的数据",
            "Who used my data",
            &[Permission::ReadOwnDataUses],
        ),
    ]
}

/// The jobs: the sequencer gives new entries their place in the tree soon after they commit;
/// the signer signs the tree head at the configured interval when the log has grown.
pub fn jobs(state: &AuditState) -> Vec<Job> {
    let sequencer = state.clone();
    let signer = state.clone();
    vec![
        Job::with_loop("audit sequencer", move |stop| sequencing::sequencer(sequencer, stop)),
        Job::with_loop("audit checkpoints", move |stop| sequencing::checkpoints(signer, stop)),
    ]
}
