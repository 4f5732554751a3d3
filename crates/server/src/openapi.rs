//! The OpenAPI 3.1 description served at `/api/openapi.json`, browsable at `/api/docs`.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yici API",
        description = "一次 — the open platform for the 最多跑一次 (run at most once) reform.\n\n\
Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`: \
`bad_request`, `validation_failed`, `invalid_identifier`, `unauthenticated`, `invalid_credentials`, \
`invalid_token`, `identity_mismatch`, `forbidden`, `csrf_failed`, `not_found`, `method_not_allowed`, \
`conflict`, `too_many_attempts`, `quota_exceeded`, `import_refused`, `invalid_transition`, \
`no_seal`, `seal_expired`, `certificate_not_valid`, `payload_too_large`, `unsupported_media_type`, `request_timeout`, `calendar_year_missing`, \
`identity_unavailable`, `unavailable`, `internal`; for applicant sign-in \
`identity_provider_not_configured`, `use_identity_platform`, `sign_in_expired`, `identity_refused`, \
`identity_incomplete`; for the exchange `grant_missing`, `purpose_required`, `invalid_case`, \
`invalid_key`, `unknown_parameter`, `nats_not_configured`, `upstream_timeout`, \
`upstream_unavailable`, `upstream_circuit_open`; for cases `outside_scope` (the item cannot be \
handled at this window), \
`notice_not_once` (a second supplement notice beyond the first), `consent_required` (fetching \
for a case no party has consented to), `task_not_open`, \
`uploads_unavailable` (no store for uploads, or it failed: nothing saved); for evaluations \
`not_concluded` (a case is rated once concluded), `already_evaluated` (one evaluation per case \
and party, never changed); and \
`storage_unavailable` (503 with Retry-After: \
the storage refuses writes for now; nothing was saved). Messages are Chinese by default; send \
`Accept-Language: en` (or `?lang=en`) for English.\n\n\
Department systems authenticate with `Authorization: Bearer <token>`. People sign in at \
`/api/v1/session` and then send the session cookie with the returned CSRF token as `X-CSRF-Token` \
on every POST, PUT and DELETE.",
        license(name = "Apache-2.0 OR MIT")
    ),
    paths(
        crate::obs::healthz, crate::obs::readyz, crate::obs::metrics,
    ),
    components(schemas(yici_web::Problem, yici_web::error::ProblemField)),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "directory", description = "Regions and departments"),
        (name = "systems", description = "Department systems and their tokens"),
        (name = "users", description = "Users and scoped roles"),
        (name = "applicants", description = "Citizens and companies"),
        (name = "calendar", description = "Working days, holidays and clocks"),
        (name = "identifiers", description = "Checking identifiers"),
        (name = "catalogue", description = "The public data resource catalogue"),
        (name = "exchange", description = "The exchange API for department systems, and data loads"),
        (name = "sharing", description = "Sharing requests, grants and notifications"),
        (name = "certificates", description = "Electronic certificates, seals, verification and the holder's consent"),
        (name = "audit", description = "The tamper-evident audit log and who used my data"),
        (name = "items", description = "Service items, their guides and bundles (一件事)"),
        (name = "cases", description = "Cases of the one window: applications, acceptance, the one-time notice, parallel approval, visits"),
        (name = "supervision", description = "Evaluations of the service (好差评) and their rectifications"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// The whole description: the platform's own paths and each capability's, with the security
/// schemes and the common errors applied to every operation.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa::Modify;
    let mut doc = ApiDoc::openapi();
    doc.merge(yici_directory::ApiDoc::openapi());
    doc.merge(yici_audit::ApiDoc::openapi());
    doc.merge(yici_exchange::ApiDoc::openapi());
    doc.merge(yici_catalogue::ApiDoc::openapi());
    doc.merge(yici_certificates::ApiDoc::openapi());
    doc.merge(yici_window::ApiDoc::openapi());
    doc.merge(yici_supervision::ApiDoc::openapi());
    Security.modify(&mut doc);
    Errors.modify(&mut doc);
    doc
}

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "system_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("yici_session"))),
        );
    }
}

/// The answers every operation can give besides its own, written into each operation so that
/// the document lists every status a client can meet, as problem documents:
/// - any request: 401 (a bearer token that names no valid system), 408 (timeout), 413 (body
///   over the limit), 500 (internal, shown with the request id), 503 (storage unavailable);
/// - API operations: 403 (the policy, or a missing CSRF token);
/// - with parameters or a body: 400 (malformed) and 422 (invalid values);
/// - with a body: 415 (not JSON or a form);
/// - with path or query parameters (which name objects): 404;
/// - changes (POST, PUT, DELETE): 409 (conflicts with stored data).
///
/// Every response gets a description (OpenAPI requires one), and error responses are typed
/// `application/problem+json` (RFC 9457).
struct Errors;

fn reason(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        "303" => "See other",
        "400" => "Malformed request (unreadable JSON, query or path)",
        "401" => "Not signed in, or the bearer token is invalid, expired or revoked",
        "403" => "Not allowed by the authorisation policy, or the CSRF token is missing",
        "404" => "No such object (or not visible to the caller)",
        "408" => "The request took too long",
        "409" => "Conflicts with stored data or the object's state",
        "413" => "The request body is too large",
        "415" => "The body is not JSON (or a form where one is accepted)",
        "422" => "Invalid values; `errors` lists every field",
        "429" => "Too many requests; see Retry-After",
        "500" => "Internal error, shown with the request id",
        "502" => "A provider's endpoint failed",
        "503" => "Temporarily unavailable (storage, a provider, the identity service); see Retry-After",
        "504" => "A provider's endpoint did not answer in time",
        _ => "Response",
    }
}

impl utoipa::Modify for Errors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        // Operation ids are the handlers' names, which repeat across areas (`export`, `list`):
        // a repeated one is prefixed with its tag, so every id is unique as OpenAPI requires.
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for item in openapi.paths.paths.values() {
            for op in [&item.get, &item.post, &item.put, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                if let Some(id) = &op.operation_id {
                    *seen.entry(id.clone()).or_default() += 1;
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let tag = op.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
                if let Some(id) = op.operation_id.as_mut()
                    && seen.get(id.as_str()).is_some_and(|n| *n > 1)
                {
                    *id = format!("{tag}_{id}");
                }
            }
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/api/");
            let has_path_params = path.contains('{');
            for (change, op) in [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (true, item.put.as_mut()),
                (true, item.delete.as_mut()),
                (true, item.patch.as_mut()),
            ] {
                let Some(op) = op else { continue };
                let has_query = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
                let has_body = op.request_body.is_some();
                let mut codes = vec!["401", "408", "413", "500", "503"];
                if api {
                    codes.push("403");
                }
                if has_query || has_body || has_path_params {
                    codes.extend(["400", "422"]);
                }
                if has_body {
                    codes.push("415");
                }
                if has_path_params || has_query {
                    codes.push("404");
                }
                if change && api {
                    codes.push("409");
                }
                let responses = &mut op.responses.responses;
                for code in codes {
                    responses.entry(code.to_string()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(reason(code))
                                .content("application/problem+json", problem())
                                .build(),
                        )
                    });
                }
                for (code, response) in responses.iter_mut() {
                    let RefOr::T(response) = response else { continue };
                    if response.description.trim().is_empty() {
                        response.description = reason(code).to_string();
                    }
                    let error = code.starts_with('4') || code.starts_with('5');
                    if error && let Some(json) = response.content.shift_remove("application/json") {
                        response.content.insert("application/problem+json".to_string(), json);
                    }
                }
            }
        }
    }
}
