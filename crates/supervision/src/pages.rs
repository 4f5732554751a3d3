//! The evaluation page of a case (好差评), the address of the QR code on the case's page: the
//! party's rating form while they have not rated the case, then their rating with its
//! rectification. Works without JavaScript; the form keeps its input and marks the field on
//! error, and a rating given follows POST-redirect-GET.

use crate::service::{self, EvaluationInput, EvaluationView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yici_core::cases::{EVALUATION_LEVELS, EvaluationChannel};
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, FieldView, FormView, Layout, RowView, TablePage, encode, fact, render};
use yici_web::{ApiResult, Auth};
use yici_window::WindowState;

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
                Cell::text(
                    e.rectification
                        .as_ref()
                        .map(|r| format!("{}，{}", r.step_name, lang.pick("核实期限 ", "verify by ")) + &r.due.verify)
                        .unwrap_or_else(|| lang.pick("无需整改", "none").to_string()),
                ),
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
