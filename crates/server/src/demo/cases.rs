//! The demo's example cases of the one window, made through the window's service as the demo's
//! clerk and approver would make them: a 不动产转移登记 concluded and delivered (its new
//! 不动产权证书 issued to 张三), one waiting for supplements after a one-time notice, and a
//! 企业开办一件事 in parallel approval. Seeding again finds them by their idempotency keys and
//! changes nothing. They are listed in `demo-credentials.json` under `"cases"`.

use super::anyhow_like;
use super::certificates::DEMO_CITIZEN;
use crate::AppState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use yici_core::authz::Principal;
use yici_service::Caller;
use yici_store::cases::NoticeLine;
use yici_window::service::cases::{self, ApplyInput, CaseView, DecideInput, DeliverInput, PartyInput, StepInput};

/// A demo case as listed in `demo-credentials.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCase {
    pub case_no: String,
    /// The item's implementation code or the bundle's code.
    pub item_or_bundle: String,
    pub status: String,
    pub applicant: DemoApplicant,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoApplicant {
    pub id_number: String,
    pub name: String,
}

fn failed(what: &str, e: yici_service::Error) -> yici_store::StoreError {
    yici_store::StoreError::Invalid(format!("demo case {what}: {}", e.describe(yici_core::Lang::En)))
}

async fn staff(state: &AppState, username: &str) -> anyhow_like::Result<Caller> {
    let (user, _) = state
        .store
        .user_credentials(username)
        .await?
        .ok_or_else(|| yici_store::StoreError::Invalid(format!("demo user {username} missing")))?;
    let grants = state
        .store
        .user_roles(user.id)
        .await?
        .iter()
        .filter_map(|r| r.grant())
        .collect();
    Ok(Caller {
        principal: Principal::User {
            id: user.id,
            username: user.username.clone(),
            grants,
        },
        session: None,
        user: Some(user),
        applicant: None,
    })
}

/// Apply at the 衢州 window for 张三 (idempotent by `key`).
async fn at_window(
    state: &AppState,
    clerk: &Caller,
    key: &str,
    subject: (Option<String>, Option<String>),
    answers: &[(&str, &str)],
) -> anyhow_like::Result<CaseView> {
    let input = ApplyInput {
        item: subject.0,
        bundle: subject.1,
        answers: answers
            .iter()
            .map(|(q, a)| (q.to_string(), a.to_string()))
            .collect::<BTreeMap<_, _>>(),
        parties: vec![PartyInput {
            role: Some("applicant".into()),
            id_number: DEMO_CITIZEN.0.into(),
            name: DEMO_CITIZEN.1.into(),
        }],
        window_region: Some("330800".into()),
        consent: true,
        ..Default::default()
    };
    let (case, _) = cases::apply(&state.window, clerk, input, Some(key))
        .await
        .map_err(|e| failed(key, e))?;
    Ok(case)
}

/// Seed the example cases and list them in `dir/demo-credentials.json`. How many there are.
pub async fn seed(state: &AppState, dir: &Path) -> anyhow_like::Result<usize> {
    let clerk = staff(state, "window_clerk").await?;
    let approver = staff(state, "approver").await?;
    let window = &state.window;
    let transfer = state
        .store
        .items_published()
        .await?
        .into_iter()
        .find(|v| v.content.name == "不动产转移登记（二手房买卖）" && v.region_code == "330000")
        .map(|v| v.implementation_code)
        .ok_or_else(|| yici_store::StoreError::Invalid("the demo transfer item is missing".into()))?;
    let mut made = Vec::new();

    // 1. A transfer concluded: accepted, approved (the new 不动产权证书 issued), delivered.
    let mut c = at_window(
        state,
        &clerk,
        "demo-transfer-done",
        (Some(transfer.clone()), None),
        &[("married", "yes")],
    )
    .await?;
    if c.status == "received" {
        c = cases::step(
            window,
            &clerk,
            &c.case_no,
            "accept",
            StepInput {
                version: c.version,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| failed("accept", e))?;
    }
    if c.status == "processing"
        && let Some(t) = c.tasks.iter().find(|t| t.status == "open")
    {
        c = cases::decide(
            window,
            &approver,
            t.id,
            DecideInput {
                version: t.version,
                approve: true,
                opinion: "材料齐全，准予转移登记".into(),
            },
        )
        .await
        .map_err(|e| failed("decide", e))?;
    }
    if c.status == "approved" {
        c = cases::deliver(
            window,
            &clerk,
            &c.case_no,
            DeliverInput {
                version: c.version,
                mode: "electronic".into(),
                tracking: String::new(),
            },
        )
        .await
        .map_err(|e| failed("deliver", e))?;
    }
    made.push((c, transfer.clone()));

    // 2. A transfer waiting for supplements after its one-time notice.
    let mut c = at_window(
        state,
        &clerk,
        "demo-transfer-notice",
        (Some(transfer.clone()), None),
        &[("married", "yes")],
    )
    .await?;
    if c.status == "received" {
        c = cases::step(
            window,
            &clerk,
            &c.case_no,
            "notice",
            StepInput {
                version: c.version,
                lines: vec![
                    NoticeLine {
                        line: "spouse".into(),
                        reason: "请提交配偶同意出售的书面意见（需本人签字）".into(),
                    },
                    NoticeLine {
                        line: "contract".into(),
                        reason: "请上传买卖双方签字的房屋买卖合同".into(),
                    },
                ],
                ..Default::default()
            },
        )
        .await
        .map_err(|e| failed("notice", e))?;
    }
    made.push((c, transfer));

    // 3. 企业开办一件事 in parallel approval.
    let mut c = at_window(
        state,
        &clerk,
        "demo-business-start",
        (None, Some("business-start".into())),
        &[],
    )
    .await?;
    if c.status == "received" {
        c = cases::step(
            window,
            &clerk,
            &c.case_no,
            "accept",
            StepInput {
                version: c.version,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| failed("accept", e))?;
    }
    made.push((c, "business-start".into()));

    let file = dir.join("demo-credentials.json");
    let mut creds: super::Credentials = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    creds.cases = made
        .iter()
        .map(|(c, subject)| DemoCase {
            case_no: c.case_no.clone(),
            item_or_bundle: subject.clone(),
            status: c.status.clone(),
            applicant: DemoApplicant {
                id_number: DEMO_CITIZEN.0.into(),
                name: DEMO_CITIZEN.1.into(),
            },
        })
        .collect();
    std::fs::write(&file, serde_json::to_vec_pretty(&creds).expect("credentials serialise"))?;
    Ok(made.len())
}
