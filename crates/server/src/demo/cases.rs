//! The demo's example cases of the one window, made through the window's service as the demo's
//! clerk, approvers and citizen would make them: a 二手房转移登记一件事 concluded and delivered
//! (不动产登记, 税务 and 房管 in parallel; the new 不动产权证书 issued to 张三), a transfer
//! waiting for supplements after a one-time notice, and two 企业开办一件事 applied for online
//! (one delivered with zero visits, one in parallel approval after its 营业执照). Seeding again finds them by their idempotency keys and
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

/// 张三 signed in (for an application online).
async fn citizen(state: &AppState) -> anyhow_like::Result<Caller> {
    let number = yici_core::org::ApplicantId::parse(DEMO_CITIZEN.0)
        .map_err(|e| yici_store::StoreError::Invalid(format!("demo citizen: {e}")))?;
    let a = match state.store.applicant_by_number(&number).await? {
        Some(a) => a,
        None => {
            state
                .store
                .sign_in_applicant(
                    &number,
                    DEMO_CITIZEN.1,
                    "demo",
                    &super::ev(yici_core::audit::Action::SessionSignIn, "applicant"),
                )
                .await?
        }
    };
    Ok(Caller {
        principal: Principal::Applicant { id: a.id },
        session: None,
        user: None,
        applicant: Some(a),
    })
}

/// Accept a received case at the window.
async fn accept(state: &AppState, clerk: &Caller, c: CaseView) -> anyhow_like::Result<CaseView> {
    if c.status != "received" {
        return Ok(c);
    }
    cases::step(
        &state.window,
        clerk,
        &c.case_no,
        "accept",
        StepInput {
            version: c.version,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| failed("accept", e).into())
}

/// Approve the open tasks of `c`, each by an approver of its department, stage after stage;
/// `stages` stages at most.
async fn approve(
    state: &AppState,
    approvers: &[Caller],
    mut c: CaseView,
    stages: usize,
) -> anyhow_like::Result<CaseView> {
    for _ in 0..stages {
        let open: Vec<_> = c.tasks.iter().filter(|t| t.status == "open").cloned().collect();
        if c.status != "processing" || open.is_empty() {
            break;
        }
        for t in open {
            let department = state
                .store
                .department(t.department_id)
                .await?
                .ok_or_else(|| yici_store::StoreError::Invalid("a task's department is missing".into()))?;
            let Some(approver) = approvers.iter().find(|a| {
                a.require(yici_core::authz::Permission::DecideTasks, &department.target())
                    .is_ok()
            }) else {
                continue;
            };
            c = cases::decide(
                &state.window,
                approver,
                t.id,
                DecideInput {
                    version: t.version,
                    approve: true,
                    opinion: "材料齐全，同意".into(),
                },
            )
            .await
            .map_err(|e| failed("decide", e))?;
        }
    }
    Ok(c)
}

/// Deliver an approved case electronically (into the holder's library).
async fn deliver(state: &AppState, clerk: &Caller, c: CaseView) -> anyhow_like::Result<CaseView> {
    if c.status != "approved" {
        return Ok(c);
    }
    cases::deliver(
        &state.window,
        clerk,
        &c.case_no,
        DeliverInput {
            version: c.version,
            mode: "electronic".into(),
            tracking: String::new(),
        },
    )
    .await
    .map_err(|e| failed("deliver", e).into())
}

/// 企业开办一件事 applied for online by 张三 (its legal representative), idempotent by `key`.
async fn business_start(state: &AppState, citizen: &Caller, key: &str, company: &str) -> anyhow_like::Result<CaseView> {
    let form = [
        ("company_name", company),
        ("company_type", "有限责任公司"),
        ("registered_capital", "50"),
        ("address", "浙江省衢州市柯城区荷花中路1号"),
        ("business_scope", "软件开发；信息技术咨询服务"),
    ];
    let input = ApplyInput {
        bundle: Some("business-start".into()),
        consent: true,
        // Handled by the 衢州 back office (就近办).
        window_region: Some("330800".into()),
        form: form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    };
    let (case, _) = cases::apply(&state.window, citizen, input, Some(key))
        .await
        .map_err(|e| failed(key, e))?;
    Ok(case)
}

/// Seed the example cases and list them in `dir/demo-credentials.json`. How many there are.
pub async fn seed(state: &AppState, dir: &Path) -> anyhow_like::Result<usize> {
    let clerk = staff(state, "window_clerk").await?;
    let mut approvers = Vec::new();
    for name in [
        "approver",
        "approver_tax",
        "approver_housing",
        "approver_market",
        "approver_police",
        "approver_hrss",
    ] {
        approvers.push(staff(state, name).await?);
    }
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

    // 1. 二手房转移登记一件事 at the 衢州 window: 不动产登记, 税务 and 房管 in parallel, the
    //    new 不动产权证书 issued to 张三, delivered electronically — one visit.
    let c = at_window(
        state,
        &clerk,
        "demo-transfer-done",
        (None, Some("second-hand-house".into())),
        &[("married", "yes")],
    )
    .await?;
    let c = accept(state, &clerk, c).await?;
    let c = approve(state, &approvers, c, 3).await?;
    let c = deliver(state, &clerk, c).await?;
    made.push((c, "second-hand-house".to_string()));

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

    // 3. 企业开办一件事 online with zero visits: the 营业执照 issued to the new company, then
    //    公章刻制, 税务 and 社保 in parallel, delivered electronically.
    let me = citizen(state).await?;
    let c = business_start(state, &me, "demo-business-start-done", "衢州一次网络科技有限公司").await?;
    let c = accept(state, &clerk, c).await?;
    let c = approve(state, &approvers, c, 3).await?;
    let c = deliver(state, &clerk, c).await?;
    made.push((c, "business-start".into()));

    // 4. Another in parallel approval: the licence issued, the other three departments at work.
    let c = business_start(state, &me, "demo-business-start", "衢州最多跑一次咨询有限公司").await?;
    let mut c = accept(state, &clerk, c).await?;
    if c.certificates.is_empty() {
        c = approve(state, &approvers, c, 1).await?;
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
