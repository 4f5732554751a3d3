//! Sharing pages: requests addressed to my department, requests filed by it and the operators'
//! coordination queue; one request with its answer forms; the request form reached from a
//! resource; grants and notifications.

use crate::ExchangeState;
use crate::sharing::{self, DecisionInput};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::ShareType;
use yici_core::sharing::{Decision, RequestDraft};
use yici_service::{FieldError, Kind};
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, RowView, TablePage};
use yici_web::page::{FieldView, FormView, Layout, render};
use yici_web::{ApiError, ApiResult, Auth};

#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    view: Option<String>,
    notice: Option<String>,
}

/// The view people land on: operators coordinate, others answer.
fn default_view(auth: &Auth) -> String {
    if auth.require(Permission::CoordinateSharing, &Target::OwnScope).is_ok() {
        "escalated".into()
    } else {
        "incoming".into()
    }
}

/// Requests: `incoming` (to answer), `outgoing` (filed), `escalated` (operators). Each links to
/// its page, where it is answered.
pub async fn requests(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    let view = q.view.clone().unwrap_or_else(|| default_view(&auth));
    let list = sharing::list(&state, &auth, Some(&view), yici_store::Page::new(Some(200), None)).await?;
    let mut l = Layout::new(&auth, &headers, "/sharing/requests", "共享申请", "Sharing requests");
    l.notice = q.notice.is_some().then(|| l.t("已处理。", "Done.").to_string());
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
        ],
    );
    let mut views: Vec<(String, String)> = [
        (
            "incoming",
            lang.pick("向本部门提出的申请", "Addressed to my department"),
        ),
        ("outgoing", lang.pick("本部门提交的申请", "Filed by my department")),
        ("escalated", lang.pick("待协调的申请", "Awaiting coordination")),
    ]
    .iter()
    .map(|(v, label)| (format!("/sharing/requests?view={v}"), label.to_string()))
    .collect();
    if auth.require(Permission::RequestSharing, &Target::OwnScope).is_ok() {
        views.push((
            "/gov/catalogue".into(),
            lang.pick(
                "申请共享（在目录中选择资源）",
                "Request data (choose a resource in the catalogue)",
            )
            .into(),
        ));
    }
    t.links = Some((lang.pick("视图：", "Views:").to_string(), views));
    for r in &list {
        let resource = state
            .store
            .catalogue_resource(r.request.resource_id)
            .await?
            .map(|x| x.draft.name)
            .unwrap_or_default();
        let href = format!("/sharing/requests/{}", r.id);
        t.rows.push(RowView {
            cells: vec![
                Cell::link(r.id.to_string(), &href),
                Cell::link(resource, &href),
                Cell::text(r.request.items.join("、")),
                Cell::text(&r.request.purpose),
                Cell::text(yici_web::page::format_day(r.deadline, lang)),
                Cell::text(&r.status_name),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

/// The decision forms of a request, with what was typed and why it was refused.
struct Refused<'a> {
    action: &'a str,
    input: &'a DecisionForm,
    error: &'a yici_service::Error,
}

/// One request: who asks (department, system), for what purpose, on which legal basis, which
/// items, and, for whoever may answer it now, the forms to grant or refuse.
async fn request_page(
    state: &ExchangeState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    notice: Option<&str>,
    refused: Option<Refused<'_>>,
) -> ApiResult<Response> {
    let r = sharing::get(state, auth, id).await?;
    let mut l = Layout::new(
        auth,
        headers,
        &format!("/sharing/requests/{id}"),
        "共享申请",
        "Sharing request",
    );
    l.notice = notice.map(|n| match n {
        "filed" => l
            .t("申请已提交，等待提供部门答复。", "Filed; the provider will answer.")
            .to_string(),
        _ => l.t("已处理。", "Done.").to_string(),
    });
    let lang = l.lang;
    let v = &r.view;
    let mut t = TablePage::new(
        l,
        lang.pick("申请的信息项", "Items asked for"),
        &[lang.pick("信息项", "Item")],
    );
    t.l.title = match lang {
        yici_core::Lang::Zh => format!("共享申请 {id}：{}", r.resource_name),
        yici_core::Lang::En => format!("Sharing request {id}: {}", r.resource_name),
    };
    t.crumbs = vec![(
        "/sharing/requests".into(),
        lang.pick("共享申请", "Sharing requests").into(),
    )];
    let attr = |zh: &str, en: &str, v: &str| yici_web::page::fact(lang, zh, en, v);
    t.intro = vec![
        attr("状态", "Status", &v.status_name),
        attr("申请部门", "Requesting department", &r.consumer_department_name),
        attr("应用系统", "System", &r.system_name),
        attr("提供部门", "Provider", &r.provider_department_name),
        attr("用途", "Purpose", &v.request.purpose),
        attr("法律依据", "Legal basis", &v.request.legal_basis),
        attr(
            "服务的政务服务事项",
            "Service items served",
            &if v.request.service_items.is_empty() {
                lang.pick("未填写", "none given").to_string()
            } else {
                v.request.service_items.join("、")
            },
        ),
        attr(
            "使用期限",
            "Period of use",
            &yici_web::page::format_validity(v.request.valid_from, Some(v.request.valid_until), lang),
        ),
        attr("答复期限", "Answer due", &yici_web::page::format_day(v.deadline, lang)),
    ];
    if !v.decision_note.is_empty() {
        t.intro.push(attr("说明", "Note", &v.decision_note));
    }
    t.links = Some((
        lang.pick("相关：", "See also:").to_string(),
        vec![(
            format!("/catalogue/{}", v.request.resource_id),
            lang.pick("资源的目录信息", "The resource in the catalogue").to_string(),
        )],
    ));
    for item in &v.request.items {
        t.rows.push(RowView {
            cells: vec![Cell::text(item)],
            actions: vec![],
        });
    }
    if r.answerable {
        let asked: Vec<(String, String)> = v.request.items.iter().map(|i| (i.clone(), i.clone())).collect();
        let mut approve = FormView::new(
            &format!("/sharing/requests/{id}/approve"),
            lang.pick("授权", "Grant"),
            lang.pick("授权", "Grant"),
            vec![
                FieldView::text(
                    "items",
                    lang.pick("授权的信息项", "Items granted"),
                    lang.pick("可只授权一部分", "A subset may be granted"),
                    &v.request.items.join("\n"),
                )
                .checkboxes(asked),
                FieldView::text("masking", lang.pick("脱敏规则", "Masking"), "", "strict").select(
                    yici_core::masking::MaskingProfile::ALL
                        .iter()
                        .map(|m| (m.code().to_string(), m.name(lang).to_string()))
                        .collect(),
                ),
            ],
        );
        let mut refuse = FormView::new(
            &format!("/sharing/requests/{id}/refuse"),
            lang.pick("拒绝", "Refuse"),
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
        if let Some(e) = &refused {
            if e.action == "approve" {
                approve.fields[0].value = e.input.items.join("\n");
                approve.fields[1].value = e.input.masking.clone();
                approve = approve.with_error(e.error, lang);
            } else {
                refuse.fields[0].value = e.input.reasons.clone();
                refuse = refuse.with_error(e.error, lang);
            }
        }
        t.forms.push(approve);
        t.forms.push(refuse);
    } else if let Some(e) = &refused {
        // Answered meanwhile (by a colleague, say): why nothing happened, above the facts.
        t.intro.insert(
            0,
            format!("{}{}", lang.pick("未能处理：", "Not done: "), e.error.message(lang)),
        );
    }
    Ok(render(StatusCode::OK, &t))
}

pub async fn one(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    request_page(&state, &auth, &headers, id, q.notice.as_deref(), None).await
}

/// A decision as posted: the checked items (one `items` per box, or one list separated by
/// commas), the masking profile and the reasons of a refusal.
#[derive(Debug, Default)]
pub struct DecisionForm {
    items: Vec<String>,
    masking: String,
    reasons: String,
}

impl DecisionForm {
    fn read(pairs: Vec<(String, String)>) -> Self {
        let mut f = DecisionForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "items" => f.items.extend(split_list(&v)),
                "masking" => f.masking = v,
                "reasons" => f.reasons = v,
                _ => {}
            }
        }
        f
    }
}

/// A list typed in one box: separated by 、 or commas, blanks dropped.
fn split_list(v: &str) -> Vec<String> {
    v.split(['、', ',', '，', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Grant or refuse from the request's page; what the rules refuse comes back on its form.
pub async fn decide(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let f = DecisionForm::read(pairs);
    let decision = match action.as_str() {
        "approve" => Decision::Approve { items: f.items.clone() },
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
        Ok(_) => Ok(Redirect::to(&format!("/sharing/requests/{id}?notice=done")).into_response()),
        // An answer the rules refuse (no reason, items not asked for, already answered) comes
        // back on its form.
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => {
            let refused = Refused {
                action: &action,
                input: &f,
                error: &e,
            };
            request_page(&state, &auth, &headers, id, None, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    resource: Option<String>,
}

/// The request form as posted.
#[derive(Debug, Default)]
struct RequestForm {
    resource: String,
    system: String,
    items: Vec<String>,
    purpose: String,
    legal_basis: String,
    service_items: String,
    valid_from: String,
    valid_until: String,
}

impl RequestForm {
    fn read(pairs: Vec<(String, String)>) -> Self {
        let mut f = RequestForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "resource_id" => f.resource = v,
                "system_id" => f.system = v,
                "items" => f.items.extend(split_list(&v)),
                "purpose" => f.purpose = v,
                "legal_basis" => f.legal_basis = v,
                "service_items" => f.service_items = v,
                "valid_from" => f.valid_from = v,
                "valid_until" => f.valid_until = v,
                _ => {}
            }
        }
        f
    }

    /// The request it stands for, or every field that cannot be read.
    fn draft(&self, consumer_department_id: i64, resource_id: i64) -> Result<RequestDraft, yici_service::Error> {
        let mut errors = Vec::new();
        let mut date = |field: &str, v: &str| {
            chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| {
                    errors.push(FieldError::new(
                        field,
                        "请填写日期，格式如 2026-12-31",
                        "Give a date such as 2026-12-31",
                    ))
                })
                .ok()
        };
        let valid_from = date("valid_from", &self.valid_from);
        let valid_until = date("valid_until", &self.valid_until);
        let system_id = self.system.trim().parse::<i64>().ok();
        if system_id.is_none() {
            errors.push(FieldError::new("system_id", "请选择应用系统", "Choose a system"));
        }
        match (valid_from, valid_until, system_id) {
            (Some(valid_from), Some(valid_until), Some(system_id)) if errors.is_empty() => Ok(RequestDraft {
                resource_id,
                consumer_department_id,
                system_id,
                items: self.items.clone(),
                purpose: self.purpose.trim().to_string(),
                legal_basis: self.legal_basis.trim().to_string(),
                service_items: split_list(&self.service_items),
                valid_from,
                valid_until,
            }),
            _ => Err(yici_service::Error::validation(errors)),
        }
    }
}

/// The published resource a request is for, with its provider's name and the items that may be
/// asked for (those shared, on condition or not).
async fn requestable(state: &ExchangeState, raw: &str) -> ApiResult<(i64, String, String, Vec<String>)> {
    let not_found = || ApiError::not_found("数据资源", "resource");
    let id: i64 = raw.trim().parse().map_err(|_| not_found())?;
    let (resource, published) = state.store.catalogue_published(id).await?.ok_or_else(not_found)?;
    let provider = state
        .store
        .department(resource.department_id)
        .await?
        .map(|d| d.name)
        .unwrap_or_default();
    let d = &published.draft;
    let items = d
        .items
        .iter()
        .filter(|i| {
            ShareType::from_code(i.share_type.unwrap_or(d.share_type)).is_some_and(|s| s != ShareType::NotShared)
        })
        .map(|i| i.name.clone())
        .collect();
    Ok((id, d.name.clone(), provider, items))
}

/// The request form, filled with `f` and marked with `error`.
async fn request_form(
    state: &ExchangeState,
    auth: &Auth,
    headers: &HeaderMap,
    f: &RequestForm,
    error: Option<&yici_service::Error>,
) -> ApiResult<Response> {
    let department = auth.user.as_ref().and_then(|u| u.department_id).ok_or_else(|| {
        ApiError::from(yici_service::Error::field(
            "system_id",
            "您的账号不属于具体部门，不能以部门名义申请共享",
            "Your account belongs to no department, so it cannot request data for one",
        ))
    })?;
    let (resource_id, name, provider, items) = requestable(state, &f.resource).await?;
    let l = Layout::new(auth, headers, "/sharing/requests", "申请共享", "Request data");
    let lang = l.lang;
    let systems: Vec<(String, String)> = state
        .store
        .list_systems(Some(department))
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect();
    let mut form = FormView::new(
        "/sharing/requests",
        lang.pick("共享申请", "Sharing request"),
        lang.pick("提交申请", "File the request"),
        vec![
            FieldView::text(
                "system_id",
                lang.pick("使用数据的应用系统", "System that will use the data"),
                lang.pick("授权发给这个系统", "The grant goes to this system"),
                &f.system,
            )
            .select(
                std::iter::once((String::new(), lang.pick("请选择", "Choose").to_string()))
                    .chain(systems)
                    .collect(),
            ),
            FieldView::text(
                "items",
                lang.pick("申请的信息项", "Items asked for"),
                lang.pick("只申请办事所必需的信息项", "Ask only for what the service needs"),
                &f.items.join("\n"),
            )
            .checkboxes(items.iter().map(|i| (i.clone(), i.clone())).collect()),
            FieldView::text(
                "purpose",
                lang.pick("用途（应用场景）", "Purpose"),
                lang.pick(
                    "例如：办理二手房转移登记时核验权利人",
                    "For example: checking the owner in a property transfer",
                ),
                &f.purpose,
            ),
            FieldView::text(
                "legal_basis",
                lang.pick("法律依据", "Legal basis"),
                lang.pick("法律、法规或规章的名称和条款", "The law or regulation and its article"),
                &f.legal_basis,
            ),
            FieldView::text(
                "service_items",
                lang.pick("服务的政务服务事项编码", "Service item codes served"),
                lang.pick("可不填；多个用逗号分隔", "Optional; separate several by commas"),
                &f.service_items,
            )
            .optional(),
            FieldView::text("valid_from", lang.pick("使用开始日期", "Use from"), "", &f.valid_from).kind("date"),
            FieldView::text(
                "valid_until",
                lang.pick("使用结束日期", "Use until"),
                lang.pick("最长三年", "Three years at most"),
                &f.valid_until,
            )
            .kind("date"),
        ],
    );
    form.hidden.push(("resource_id".into(), resource_id.to_string()));
    if let Some(e) = error {
        // Per-item problems (`items[2]`) belong to the item boxes.
        let mut e = e.clone();
        for fe in &mut e.errors {
            if let Some(base) = fe.field.split('[').next().filter(|b| b.len() < fe.field.len()) {
                fe.field = base.to_string();
            }
        }
        form = form.with_error(&e, lang);
    }
    let mut t = TablePage::new(l, "", &[]);
    t.crumbs = vec![(format!("/catalogue/{resource_id}"), name.clone())];
    t.intro = vec![
        yici_web::page::fact(lang, "资源", "Resource", &name),
        yici_web::page::fact(lang, "提供部门", "Provider", &provider),
        lang.pick(
            "提供部门应在10个工作日内答复；无条件共享的资源提交后即获授权。",
            "The provider answers within 10 working days; unconditionally shared resources are granted at once.",
        )
        .to_string(),
    ];
    t.forms.push(form);
    Ok(render(StatusCode::OK, &t))
}

/// The request form for a resource (`?resource=`), from its catalogue page.
pub async fn new_request(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::RequestSharing, &Target::OwnScope)?;
    let today = state.config.clock.today();
    let f = RequestForm {
        resource: q.resource.unwrap_or_default(),
        valid_from: today.to_string(),
        valid_until: (today + chrono::Days::new(364)).to_string(),
        ..Default::default()
    };
    request_form(&state, &auth, &headers, &f, None).await
}

/// File a request from the form; what the rules refuse comes back on it, the input kept.
pub async fn file(
    State(state): State<ExchangeState>,
    auth: Auth,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    auth.require(Permission::RequestSharing, &Target::OwnScope)?;
    let f = RequestForm::read(pairs);
    let (resource_id, ..) = requestable(&state, &f.resource).await?;
    let department = auth.user.as_ref().and_then(|u| u.department_id).unwrap_or(0);
    let created = match f.draft(department, resource_id) {
        Ok(draft) => sharing::create(&state, &auth, draft).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(r) => Ok(Redirect::to(&format!("/sharing/requests/{}?notice=filed", r.id)).into_response()),
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => {
            request_form(&state, &auth, &headers, &f, Some(&e)).await
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
