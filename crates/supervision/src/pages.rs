//! The evaluation page of a case (好差评), the address of the QR code on the case's page: the
//! party's rating form while they have not rated the case, then their rating with its
//! rectification. Works without JavaScript; the form keeps its input and marks the field on
//! error, and a rating given follows POST-redirect-GET.

use crate::service::{self, EvaluationInput, EvaluationView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yici_core::authz::{Permission, Target};
use yici_core::cases::{EVALUATION_LEVELS, EvaluationChannel};
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, FieldView, FormView, Layout, RowView, TablePage, encode, fact, render};
use yici_web::{ApiResult, Auth};
use yici_window::WindowState;
use yici_window::service::cases::applicant_self;

/// The channel the page was reached through: `qr` from the code on the case's page.
#[derive(Debug, Default, Deserialize)]
pub struct Reached {
    #[serde(default)]
    pub channel: Option<String>,
}

/// A case's evaluation page.
pub async fn evaluate_page(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    Query(reached): Query<Reached>,
) -> ApiResult<Response> {
    let channel = reached
        .channel
        .as_deref()
        .and_then(EvaluationChannel::from_code)
        .unwrap_or(EvaluationChannel::Web);
    page(&state, &auth, &headers, &case_no, channel, None).await
}

/// A rating given through the page's form.
pub async fn evaluate_form(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let channel = EvaluationChannel::from_code(&field("channel")).unwrap_or(EvaluationChannel::Web);
    let input = EvaluationInput {
        // Nothing chosen is no level, which the service refuses by name.
        level: field("level").parse().unwrap_or(0),
        comment: field("comment"),
        channel: Some(channel.code().to_string()),
    };
    match service::evaluate(&state, &auth, &case_no, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{}/evaluate", encode(&case_no))).into_response()),
        Err(e) if matches!(e.kind, yici_service::Kind::Invalid | yici_service::Kind::Conflict) => {
            page(&state, &auth, &headers, &case_no, channel, Some((&e, &pairs))).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn page(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    case_no: &str,
    channel: EvaluationChannel,
    refused: Option<(&yici_service::Error, &[(String, String)])>,
) -> ApiResult<Response> {
    let c = yici_window::service::cases::readable(state, auth, case_no).await?;
    let given: Vec<EvaluationView> = service::evaluations(state, auth, case_no).await?;
    let l = Layout::new(auth, headers, "/me/cases", "评价办件", "Rate the service");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("评价", "Ratings"),
        &[
            lang.pick("评价等级", "Level"),
            lang.pick("评价内容", "Comment"),
            lang.pick("渠道", "Channel"),
            lang.pick("日期", "Date"),
            lang.pick("整改", "Rectification"),
        ],
    );
    t.l.title = lang.pick("好差评：", "Rate: ").to_string() + &c.name;
    t.crumbs.push((
        format!("/cases/{}", encode(&c.case_no)),
        lang.pick("办件详情", "Case").into(),
    ));
    t.intro.push(fact(lang, "办件编号", "Case number", &c.case_no));
    t.intro.push(lang.pick(
        "每件事可评价一次，评价提交后不能修改。“不满意”或“非常不满意”的评价，承办部门将在规定期限内核实、整改并答复您。",
        "Each case can be rated once, and a rating cannot be changed. The department verifies, rectifies and answers a dissatisfied rating within set working days.",
    ).to_string());
    for e in &given {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(format!("{}（{}）", e.level, e.level_name)),
                Cell::text(e.comment.clone()),
                Cell::text(e.channel_name.clone()),
                Cell::text(e.day.clone()),
                match &e.rectification {
                    // The rectification's page: its steps, and the appeal when it may be made.
                    Some(r) => Cell::link(
                        format!("{}，{}", r.step_name, lang.pick("核实期限 ", "verify by ")) + &r.due.verify,
                        format!("/evaluations/{}", e.id),
                    ),
                    None => Cell::text(lang.pick("无需整改", "none")),
                },
            ],
            actions: vec![],
        });
    }
    let party = yici_window::service::cases::party_of(auth, &c);
    if party && given.is_empty() {
        let levels: Vec<(String, String)> = EVALUATION_LEVELS
            .iter()
            .map(|(level, zh, en)| (level.to_string(), format!("{level} {}", lang.pick(zh, en))))
            .collect();
        let mut form = FormView::new(
            &format!("/cases/{}/evaluate", encode(&c.case_no)),
            lang.pick("评价本次服务", "Rate this service"),
            lang.pick("提交评价", "Submit the rating"),
            vec![
                FieldView::text("level", lang.pick("评价等级", "Level"), "", "").select(
                    std::iter::once((String::new(), lang.pick("请选择", "Choose").to_string()))
                        .chain(levels)
                        .collect(),
                ),
                FieldView::text(
                    "comment",
                    lang.pick("评价内容", "Comment"),
                    lang.pick("选填，不超过500字", "Optional, up to 500 characters"),
                    "",
                )
                .optional(),
            ],
        );
        form.hidden = vec![("channel".into(), channel.code().into())];
        let form = match refused {
            Some((e, pairs)) => {
                let mut form = form;
                for f in &mut form.fields {
                    if let Some((_, v)) = pairs.iter().find(|(k, _)| *k == f.name) {
                        f.value = v.clone();
                    }
                }
                form.with_error(e, lang)
            }
            None => form,
        };
        t.forms.push(form);
    }
    Ok(render(StatusCode::OK, &t))
}

/// A review with its rectification (`/evaluations/{id}`), for the party who gave it, the
/// evaluated department's staff and the supervisors over it; with the form of the next step
/// for whoever may take it: the department's approvers verify, rectify, answer and revisit; the
/// party appeals a verification that found the review unfounded; a supervisor decides the
/// appeal and may mark the review malicious.
pub async fn review_page(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    review(&state, &auth, &headers, id, None).await
}

/// A form of the review page: a rectification step, an appeal, its decision or a mark.
pub async fn review_form(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    // The role first: what the form holds is judged only for those who may send it.
    let permission = match action.as_str() {
        "verify" | "rectify" | "reply" | "revisit" => Permission::RectifyReviews,
        "decision" | "malicious" => Permission::SuperviseReviews,
        _ => Permission::Apply,
    };
    auth.require(permission, &Target::OwnScope)?;
    // A choice not made is none, which the service refuses by name.
    let yes_no = |name: &str| match field(name).as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let done = match action.as_str() {
        "verify" | "rectify" | "reply" | "revisit" => {
            let input = service::RectifyInput {
                note: field("note"),
                founded: yes_no("founded"),
                satisfied: yes_no("satisfied"),
            };
            service::rectify(&state, &auth, id, &action, input).await
        }
        "appeal" => {
            service::appeal(
                &state,
                &auth,
                id,
                service::AppealInput {
                    reason: field("reason"),
                },
            )
            .await
        }
        "decision" => match yes_no("upheld") {
            Some(upheld) => {
                let input = service::AppealDecisionInput {
                    upheld,
                    note: field("note"),
                };
                service::decide_appeal(&state, &auth, id, input).await
            }
            None => Err(yici_service::Error::field("upheld", "请选择", "Choose one")),
        },
        "malicious" => {
            let input = service::MaliciousInput {
                reason: field("reason"),
            };
            service::mark_malicious(&state, &auth, id, input).await
        }
        _ => Err(yici_service::Error::not_found("操作", "action")),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/evaluations/{id}")).into_response()),
        Err(e) if matches!(e.kind, yici_service::Kind::Invalid | yici_service::Kind::Conflict) => {
            review(&state, &auth, &headers, id, Some((&action, &e, &pairs))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A form of the review page refused: its action, the error and the input.
type Refused<'a> = (&'a str, &'a yici_service::Error, &'a [(String, String)]);

async fn review(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    refused: Option<Refused<'_>>,
) -> ApiResult<Response> {
    let e = service::evaluation(state, auth, id).await?;
    let l = Layout::new(
        auth,
        headers,
        "/supervision/reviews",
        "评价与整改",
        "Review and rectification",
    );
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("整改步骤", "Rectification steps"),
        &[
            lang.pick("步骤", "Step"),
            lang.pick("期限", "Deadline"),
            lang.pick("记录", "Record"),
        ],
    );
    if !e.case_no.is_empty() {
        t.crumbs.push((
            format!("/cases/{}", encode(&e.case_no)),
            lang.pick("办件详情", "Case").into(),
        ));
        t.intro.push(fact(lang, "办件编号", "Case number", &e.case_no));
    }
    t.intro.push(fact(
        lang,
        "评价",
        "Rating",
        &format!("{}（{}），{}，{}", e.level, e.level_name, e.channel_name, e.day),
    ));
    if !e.comment.is_empty() {
        t.intro.push(fact(lang, "评价内容", "Comment", &e.comment));
    }
    if let Some(reason) = &e.malicious_reason {
        t.intro.push(fact(lang, "认定为恶意评价", "Marked malicious", reason));
    }
    let Some(r) = &e.rectification else {
        t.intro.push(
            lang.pick("此评价无需整改。", "This rating needs no rectification.")
                .to_string(),
        );
        return Ok(render(StatusCode::OK, &t));
    };
    t.intro.push(fact(
        lang,
        "整改状态",
        "Rectification",
        &match (&r.due_now, r.overdue) {
            (Some(due), true) => format!(
                "{}（{} {due}，{}）",
                r.step_name,
                lang.pick("期限", "due"),
                lang.pick("已超期", "overdue")
            ),
            (Some(due), false) => format!("{}（{} {due}）", r.step_name, lang.pick("期限", "due")),
            (None, _) => r.step_name.clone(),
        },
    ));
    let yes_no = |b: Option<bool>, yes: (&str, &str), no: (&str, &str)| match b {
        Some(true) => lang.pick(yes.0, yes.1).to_string(),
        Some(false) => lang.pick(no.0, no.1).to_string(),
        None => String::new(),
    };
    let rows = [
        (
            ("核实", "Verification"),
            &r.due.verify,
            format!(
                "{} {}",
                yes_no(r.founded, ("属实", "founded"), ("不属实", "unfounded")),
                r.verify_note
            ),
        ),
        (("整改", "Rectification"), &r.due.rectify, r.rectify_note.clone()),
        (("反馈申请人", "Answer to the applicant"), &r.due.reply, r.reply.clone()),
        (
            ("回访", "Return visit"),
            &r.due.revisit,
            format!(
                "{} {}",
                yes_no(r.satisfied, ("满意", "satisfied"), ("不满意", "not satisfied")),
                r.revisit_note
            ),
        ),
    ];
    for ((zh, en), due, record) in rows {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(lang.pick(zh, en)),
                Cell::text(due.clone()),
                Cell::text(record.trim().to_string()),
            ],
            actions: vec![],
        });
    }
    if let Some(reason) = &r.appeal_reason {
        t.intro.push(fact(lang, "申诉理由", "Appeal", reason));
        if let Some(upheld) = r.appeal_upheld {
            let decided = if upheld {
                lang.pick("申诉成立，转入整改", "upheld: the review goes to rectification")
            } else {
                lang.pick("申诉不成立", "not upheld")
            };
            t.intro.push(fact(
                lang,
                "复核结果",
                "Decision",
                &format!("{decided} {}", r.appeal_note),
            ));
        }
    }

    // The form of the next step, for whoever may take it.
    let choose = |yes: (&str, &str), no: (&str, &str)| {
        vec![
            (String::new(), lang.pick("请选择", "Choose").to_string()),
            ("yes".to_string(), lang.pick(yes.0, yes.1).to_string()),
            ("no".to_string(), lang.pick(no.0, no.1).to_string()),
        ]
    };
    let note = |label: (&str, &str)| FieldView::text("note", lang.pick(label.0, label.1), "", "").kind("textarea");
    let action = |a: &str| format!("/evaluations/{id}/{a}");
    let rectifier = auth.require(Permission::RectifyReviews, &Target::OwnScope).is_ok();
    let supervisor = auth.require(Permission::SuperviseReviews, &Target::OwnScope).is_ok();
    let mut forms: Vec<(&str, FormView)> = Vec::new();
    match r.step.as_str() {
        "verify" if rectifier => forms.push((
            "verify",
            FormView::new(
                &action("verify"),
                lang.pick("核实", "Verify"),
                lang.pick("提交核实结果", "Record the verification"),
                vec![
                    FieldView::text("founded", lang.pick("核实结果", "Finding"), "", "")
                        .select(choose(("属实", "founded"), ("不属实", "unfounded"))),
                    note(("核实情况", "What was found")),
                ],
            ),
        )),
        "rectify" if rectifier => forms.push((
            "rectify",
            FormView::new(
                &action("rectify"),
                lang.pick("整改", "Rectify"),
                lang.pick("提交整改情况", "Record the rectification"),
                vec![note(("整改情况", "What was done"))],
            ),
        )),
        "reply" if rectifier => forms.push((
            "reply",
            FormView::new(
                &action("reply"),
                lang.pick("反馈申请人", "Answer the applicant"),
                lang.pick("提交反馈", "Send the answer"),
                vec![note(("反馈内容", "The answer"))],
            ),
        )),
        "revisit" if rectifier => forms.push((
            "revisit",
            FormView::new(
                &action("revisit"),
                lang.pick("回访", "Return visit"),
                lang.pick("提交回访结果", "Record the return visit"),
                vec![
                    FieldView::text(
                        "satisfied",
                        lang.pick("申请人是否满意", "Was the applicant satisfied"),
                        "",
                        "",
                    )
                    .select(choose(("满意", "satisfied"), ("不满意", "not satisfied"))),
                    note(("回访情况", "What the applicant said")),
                ],
            ),
        )),
        "appeal" if supervisor => forms.push((
            "decision",
            FormView::new(
                &action("decision"),
                lang.pick("申诉复核", "Decide the appeal"),
                lang.pick("提交复核结果", "Record the decision"),
                vec![
                    FieldView::text("upheld", lang.pick("复核结果", "Decision"), "", "").select(choose(
                        ("申诉成立（转入整改）", "upheld (to rectification)"),
                        ("申诉不成立", "not upheld"),
                    )),
                    note(("复核意见", "Why")),
                ],
            ),
        )),
        _ => {}
    }
    let own = applicant_self(auth).is_some();
    if own && r.founded == Some(false) && r.appeal_reason.is_none() && matches!(r.step.as_str(), "reply" | "revisit") {
        forms.push((
            "appeal",
            FormView::new(
                &action("appeal"),
                lang.pick("申诉复核", "Appeal"),
                lang.pick("提交申诉", "Appeal"),
                vec![
                    FieldView::text("reason", lang.pick("申诉理由", "Why the review was founded"), "", "")
                        .kind("textarea"),
                ],
            ),
        ));
    }
    if supervisor && e.malicious_reason.is_none() {
        forms.push((
            "malicious",
            FormView::new(
                &action("malicious"),
                lang.pick("认定恶意评价", "Mark as malicious"),
                lang.pick("认定", "Mark"),
                vec![FieldView::text("reason", lang.pick("认定理由", "Why"), "", "").kind("textarea")],
            ),
        ));
    }
    for (name, mut form) in forms {
        if let Some((_, err, pairs)) = refused.filter(|(f, ..)| *f == name) {
            for f in &mut form.fields {
                if let Some((_, v)) = pairs.iter().find(|(k, _)| *k == f.name) {
                    f.value = v.clone();
                }
            }
            form = form.with_error(err, lang);
        }
        t.forms.push(form);
    }
    let status = if refused.is_some() {
        yici_web::page::shown_again(StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        StatusCode::OK
    };
    Ok(render(status, &t))
}
