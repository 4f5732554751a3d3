//! Sharing pages: requests addressed to my department (with the answer form), requests filed by
//! it, the operators' coordination queue, grants, and notifications.

use crate::ExchangeState;
use crate::sharing::{self, DecisionInput};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use yici_core::authz::{Permission, Target};
use yici_core::sharing::{Decision, RequestStatus};
use yici_service::Kind;
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, RowView, TablePage};
use yici_web::page::{FieldView, FormView, Layout, render};
use yici_web::{ApiError, ApiResult, Auth};

#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    view: Option<String>,
    notice: Option<String>,
}

/// A decision the service refused, shown again on its form: the request, which form
/// (`approve` or `refuse`), what was typed, and why.
struct Refused<'a> {
    id: i64,
    action: &'a str,
    input: &'a DecisionForm,
    error: &'a yici_service::Error,
}

/// The view people land on: operators coordinate, others answer.
fn default_view(auth: &Auth) -> String {
    if auth.require(Permission::CoordinateSharing, &Target::OwnScope).is_ok() {
        "escalated".into()
    } else {
        "incoming".into()
    }
}

/// Requests: `incoming` (to answer), `outgoing` (filed), `escalated` (operators).
pub async fn requests(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    let view = q.view.clone().unwrap_or_else(|| default_view(&auth));
    let notice = q.notice.is_some();
    requests_page(&state, &auth, &headers, &view, notice, None).await
}

async fn requests_page(
    state: &ExchangeState,
    auth: &Auth,
    headers: &HeaderMap,
    view: &str,
    notice: bool,
    refused: Option<Refused<'_>>,
) -> ApiResult<Response> {
    let view = view.to_string();
    let list = sharing::list(state, auth, Some(&view), yici_store::Page::new(Some(200), None)).await?;
    let mut l = Layout::new(auth, headers, "/sharing/requests", "共享申请", "Sharing requests");
    l.notice = notice.then(|| l.t("已处理。", "Done.").to_string());
    let lang = l.lang;
    let caption = match view.as_str() {
        "outgoing" => lang.pick("本部门提交的申请", "Requests filed by my department"),
        "escalated" => lang.pick("待协调的申请", "Requests awaiting coordination"),
        _ => lang.pick("向本部门提出的申请", "Requests addressed to my department"),
    };
    let mut t = TablePage::new(
        l,
        caption,
        &[
            lang.pick("编号", "No."),
            lang.pick("资源", "Resource"),
            lang.pick("申请的信息项", "Items"),
            lang.pick("用途", "Purpose"),
            lang.pick("答复期限", "Deadline"),
            lang.pick("状态", "Status"),
            lang.pick("说明", "Note"),
        ],
    );
    t.links = Some((
        lang.pick("视图：", "Views:").to_string(),
        [
            (
                "incoming",
                lang.pick("向本部门提出的申请", "Addressed to my department"),
            ),
            ("outgoing", lang.pick("本部门提交的申请", "Filed by my department")),
            ("escalated", lang.pick("待协调的申请", "Awaiting coordination")),
        ]
        .iter()
        .map(|(v, label)| (format!("/sharing/requests?view={v}"), label.to_string()))
        .collect(),
    ));
    for r in &list {
        let resource = state
            .store
            .catalogue_resource(r.request.resource_id)
            .await?
            .map(|x| x.draft.name)
            .unwrap_or_default();
        t.rows.push(RowView {
            cells: vec![
                Cell::text(r.id.to_string()),
                Cell::text(resource),
                Cell::text(r.request.items.join("、")),
                Cell::text(&r.request.purpose),
                Cell::text(yici_web::page::format_day(r.deadline, lang)),
                Cell::text(&r.status_name),
                Cell::text(&r.decision_note),
            ],
            actions: vec![],
        });
        let answerable = matches!(
            (view.as_str(), r.status),
            ("incoming", RequestStatus::Pending) | ("escalated", RequestStatus::Escalated)
        );
        if answerable {
            let id = r.id;
            let mut approve = FormView::new(
                &format!("/sharing/requests/{id}/approve"),
                &format!(
                    "{} {id}：{}",
                    lang.pick("授权申请", "Grant request"),
                    resource_label(&r.request.items)
                ),
                lang.pick("授权", "Grant"),
                vec![
                    FieldView::text(
                        "items",
                        lang.pick("授权的信息项", "Items granted"),
                        lang.pick(
                            "用顿号或逗号分隔；可只授权一部分",
                            "Separated by commas; a subset is allowed",
                        ),
                        &r.request.items.join("、"),
                    ),
                    FieldView::text("masking", lang.pick("脱敏规则", "Masking"), "", "strict").select(vec![
                        (
                            "strict".into(),
                            lang.pick("严格：全部个人信息脱敏", "Strict: mask all personal data")
                                .into(),
                        ),
                        (
                            "standard".into(),
                            lang.pick("标准：姓名不脱敏", "Standard: names in full").into(),
                        ),
                        (
                            "none".into(),
                            lang.pick("不脱敏（须有法律依据）", "None (legal basis required)")
                                .into(),
                        ),
                    ]),
                ],
            );
            for f in &mut approve.fields {
                f.id = format!("{}-{id}", f.name);
            }
            if let Some(r) = refused.as_ref().filter(|r| r.id == id && r.action == "approve") {
                approve.fields[0].value = r.input.items.clone();
                approve.fields[1].value = r.input.masking.clone();
                approve = approve.with_error(r.error, lang);
            }
            t.forms.push(approve);
            let mut refuse = FormView::new(
                &format!("/sharing/requests/{id}/refuse"),
                &format!("{} {id}", lang.pick("拒绝申请", "Refuse request")),
                lang.pick("拒绝", "Refuse"),
                vec![FieldView::text(
                    "reasons",
                    lang.pick("拒绝理由", "Reasons"),
                    lang.pick(
                        "须说明理由；拒绝后提交平台协调",
                        "Required; a refusal goes to coordination",
                    ),
                    "",
                )],
            );
            refuse.fields[0].id = format!("reasons-{id}");
            if let Some(r) = refused.as_ref().filter(|r| r.id == id && r.action == "refuse") {
                refuse.fields[0].value = r.input.reasons.clone();
                refuse = refuse.with_error(r.error, lang);
            }
            t.forms.push(refuse);
        }
    }
    let status = match refused {
        Some(r) => yici_web::error::status_of(r.error.kind),
        None => StatusCode::OK,
    };
    Ok(render(status, &t))
}

fn resource_label(items: &[String]) -> String {
    items.join("、")
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    items: String,
    #[serde(default)]
    masking: String,
    #[serde(default)]
    reasons: String,
}

/// Grant or refuse from the page; errors come back as a page.
pub async fn decide(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<DecisionForm>,
) -> ApiResult<Response> {
    let decision = match action.as_str() {
        "approve" => Decision::Approve {
            items: f
                .items
                .split(['、', ',', '，'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        },
        "refuse" => Decision::Refuse {
            reasons: f.reasons.clone(),
        },
        _ => return Err(ApiError::not_found("操作", "action")),
    };
    let masking = Some(f.masking.clone()).filter(|m| !m.is_empty());
    let input = DecisionInput {
        decision,
        daily_quota: None,
        masking,
    };
    match sharing::decide(&state, &auth, id, input).await {
        Ok(_) => Ok(Redirect::to("/sharing/requests?notice=done").into_response()),
        // An answer the rules refuse (no reason, items not asked for) comes back on its form.
        Err(e) if matches!(e.kind, Kind::Invalid) => {
            let refused = Refused {
                id,
                action: &action,
                input: &f,
                error: &e,
            };
            requests_page(&state, &auth, &headers, &default_view(&auth), false, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Who holds what.
pub async fn grants(State(state): State<ExchangeState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    // The same list as the API's, cut to the reader's scope.
    let grants = sharing::grants(&state, &auth, None, yici_store::Page::new(Some(200), None)).await?;
    let l = Layout::new(&auth, &headers, "/sharing/grants", "共享授权", "Grants");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("授权清单：谁可以读取什么", "Who may read what"),
        &[
            lang.pick("编号", "No."),
            lang.pick("应用系统", "System"),
            lang.pick("资源", "Resource"),
            lang.pick("信息项", "Items"),
            lang.pick("用途", "Purpose"),
            lang.pick("有效期", "Valid"),
            lang.pick("每日上限", "Daily quota"),
            lang.pick("脱敏", "Masking"),
            lang.pick("状态", "Status"),
        ],
    );
    for g in grants {
        let system = state
            .store
            .system(g.system_id)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let resource = state
            .store
            .catalogue_resource(g.resource_id)
            .await?
            .map(|r| r.draft.name)
            .unwrap_or_default();
        t.rows.push(RowView {
            cells: vec![
                Cell::text(g.id.to_string()),
                Cell::text(system),
                Cell::text(resource),
                Cell::text(g.items.join("、")),
                Cell::text(&g.purpose),
                Cell::text(yici_web::page::format_validity(g.valid_from, Some(g.valid_until), lang)),
                Cell::text(g.daily_quota.to_string()),
                Cell::text(g.masking.name(lang)),
                Cell::text(if g.revoked {
                    lang.pick("已撤销", "Revoked")
                } else {
                    lang.pick("有效", "Valid")
                }),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

/// My department's notifications.
pub async fn notifications(State(state): State<ExchangeState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let list = sharing::notifications(&state, &auth, yici_store::Page::new(Some(100), None)).await?;
    let l = Layout::new(&auth, &headers, "/notifications", "消息通知", "Notifications");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("本部门的消息", "My department's messages"),
        &[lang.pick("时间", "Time"), lang.pick("消息", "Message")],
    );
    for n in list {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(yici_web::page::format_date(n.created_at, lang)),
                Cell::link(n.message, n.link),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

/// Links in notifications name one request; the list shows it with its forms.
pub async fn one(Path(_id): Path<i64>) -> Response {
    Redirect::to("/sharing/requests").into_response()
}
