//! The certificate library benchmark: certificates issued per second (check, number, seal with
//! an SES_Signature, store with the audit entry) and verifications per second, beside
//! `openssl speed sm2` on the same machine as the ceiling.

use crate::AppState;
use crate::demo::certificates::DEMO_CITIZEN;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use yici_certificates::IssueRequest;
use yici_core::audit::Action;

/// The benchmark's figures.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub issued: usize,
    /// Bulk issue (batches of [`BATCH`]), two issuing tasks.
    pub issue_per_s: f64,
    /// One certificate per request and transaction, two issuing tasks.
    pub single_issue_per_s: f64,
    pub verified: usize,
    /// Seal signature verification (the signer's SM2 signature and the content hash; the seal
    /// itself once), on all cores.
    pub verify_per_s: f64,
    /// The online verification path: load the certificate and its seal, verify, derive status.
    pub online_verify_per_s: f64,
    /// `openssl speed sm2` on all cores: (sign/s, verify/s), if OpenSSL ran.
    pub openssl: Option<(f64, f64)>,
}

/// Certificates per bulk request.
pub const BATCH: usize = 500;

fn request(type_code: &str, i: usize) -> IssueRequest {
    IssueRequest {
        type_code: type_code.to_string(),
        holder_code: DEMO_CITIZEN.0.to_string(),
        holder_name: DEMO_CITIZEN.1.to_string(),
        data: [
            ("card_number", format!("B{i:08}")),
            ("issued_region", "330106".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        valid_from: None,
        valid_until: None,
        number: None,
        region: None,
        issue_key: None,
    }
}

/// Run `openssl speed` for SM2 on `cores` processes and read its sign/s and verify/s.
pub fn openssl_speed(cores: usize, seconds: u32) -> Option<(f64, f64)> {
    let out = std::process::Command::new("openssl")
        .args([
            "speed",
            "-seconds",
            &seconds.to_string(),
            "-multi",
            &cores.to_string(),
            "sm2",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "256 bits SM2 (CurveSM2)   0.0004s   0.0003s   2796.5   3091.0" (the last two numbers).
    let line = text.lines().rev().find(|l| l.contains("SM2 (CurveSM2)"))?;
    let numbers: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    match numbers.as_slice() {
        [.., sign, verify] => Some((*sign, *verify)),
        _ => None,
    }
}

/// Issue `count` social security cards (the demo citizen's) in bulk, then `single` one by one,
/// then verify them all. The state must hold the seeded demo certificate library.
pub async fn run(state: &AppState, count: usize, single: usize, openssl_seconds: u32) -> Result<Report, String> {
    let store = &state.store;
    let t = store
        .certificate_types(None)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|t| t.definition.name == "社会保障卡")
        .ok_or("the demo library is not seeded")?;
    let issuer = store
        .department(t.department_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no issuer")?;
    let types = Arc::new(HashMap::from([(t.definition.code.clone(), t.clone())]));
    let code = t.definition.code.clone();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let event = crate::demo::ev(Action::CertificateIssue, "certificate");

    let issue = |total: usize, per_request: usize| {
        let state = state.clone();
        let types = types.clone();
        let issuer = issuer.clone();
        let code = code.clone();
        let event = event.clone();
        async move {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for worker in 0..cores {
                let (state, types, issuer, code, event) = (
                    state.clone(),
                    types.clone(),
                    issuer.clone(),
                    code.clone(),
                    event.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    let mut ids = Vec::new();
                    let mut i = worker;
                    while i < total {
                        let batch: Vec<IssueRequest> = (i..total)
                            .step_by(cores)
                            .take(per_request)
                            .map(|n| request(&code, n))
                            .collect();
                        i += batch.len() * cores;
                        let out = state
                            .certificates
                            .certs
                            .issue(&state.store, &issuer, &types, &batch, &event)
                            .await
                            .map_err(|e| format!("{}: {}", e.code, e.en))?;
                        for r in out {
                            ids.push(r.map_err(|e| format!("{e:?}"))?.identifier);
                        }
                    }
                    Ok::<_, String>(ids)
                }));
            }
            let mut ids = Vec::new();
            for t in tasks {
                ids.extend(t.await.map_err(|e| e.to_string())??);
            }
            Ok::<_, String>((ids, started.elapsed().as_secs_f64()))
        }
    };
    let (mut ids, bulk_s) = issue(count, BATCH).await?;
    let (single_ids, single_s) = issue(single, 1).await?;
    ids.extend(single_ids);

    let mut records = Vec::with_capacity(ids.len());
    for id in &ids {
        records.push(
            store
                .certificate(id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("issued certificate missing")?,
        );
    }
    let authority = state.certificates.certs.authority(store).await.map_err(|e| e.en)?;
    let records = Arc::new(records);
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..cores {
        let (records, authority) = (records.clone(), authority.clone());
        workers.push(std::thread::spawn(move || {
            records
                .iter()
                .skip(w)
                .step_by(cores)
                .filter(|r| authority.verifier.verify(&r.signature, &r.content).is_ok())
                .count()
        }));
    }
    let verified: usize = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    let verify_s = started.elapsed().as_secs_f64();
    if verified != records.len() {
        return Err(format!(
            "{} of {} certificates failed to verify",
            records.len() - verified,
            records.len()
        ));
    }

    let online = records.len().min(5_000);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..cores {
        let (state, records) = (state.clone(), records.clone());
        tasks.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for r in records.iter().take(online).skip(w).step_by(cores) {
                let found = state.store.certificate(&r.identifier).await.ok().flatten();
                if let Some(c) = found
                    && state
                        .certificates
                        .certs
                        .verify(&state.store, &c)
                        .await
                        .is_ok_and(|v| v.signature_valid)
                {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut online_ok = 0;
    for t in tasks {
        online_ok += t.await.unwrap_or(0);
    }
    let online_s = started.elapsed().as_secs_f64();
    if online_ok != online {
        return Err(format!("{} online verifications failed", online - online_ok));
    }

    Ok(Report {
        issued: ids.len(),
        issue_per_s: count as f64 / bulk_s.max(1e-9),
        single_issue_per_s: single as f64 / single_s.max(1e-9),
        verified,
        verify_per_s: verified as f64 / verify_s.max(1e-9),
        online_verify_per_s: online as f64 / online_s.max(1e-9),
        openssl: (openssl_seconds > 0)
            .then(|| openssl_speed(cores, openssl_seconds))
            .flatten(),
    })
}
