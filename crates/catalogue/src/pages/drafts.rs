//! Cataloguing pages: the stewards' working copies and their edit form, the review steps, and
//! the operators' review queue.

use crate::CatalogueState;
use crate::service::{DraftQuery, drafts_for, step};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_core::catalogue::{
    DataItem, DataType, FormatClass, OpenType, ResourceDraft, ShareMode, ShareType, Status, Transition, UpdateCycle,
};
use yici_web::context::current_lang;
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, RowView, TablePage};
use yici_web::page::{FieldView, FormView, Layout, render};
use yici_web::{ApiError, ApiResult, Auth, FieldError};

use super::fields::{choices, options, text_of};

/// Blank item rows offered below the existing ones.
const SPARE_ITEMS: usize = 3;

/// The steward's form for a resource, with its item rows.
fn draft_form(l: &Layout, action: &str, d: &ResourceDraft, departments: &[(i64, String)]) -> FormView {
    let lang = l.lang;
    let v = |n: i64| n.to_string();
    let mut fields = vec![
        FieldView::text(
            "provider_department_id",
            lang.pick("提供部门", "Provider"),
            lang.pick("本部门", "Your department"),
            &v(d.provider_department_id),
        )
        .select(departments.iter().map(|(id, n)| (id.to_string(), n.clone())).collect()),
        FieldView::text(
            "classification",
            lang.pick("分类代码", "Classification"),
            lang.pick(
                "1位类 + 2位项 + 3位目（+ 细目），如 102001",
                "class + item + entry (+ sub-entry), e.g. 102001",
            ),
            &d.classification,
        ),
        FieldView::text(
            "name",
            lang.pick("资源名称", "Name"),
            lang.pick("不超过100字", "At most 100 characters"),
            &d.name,
        ),
        FieldView::text(
            "summary",
            lang.pick("资源摘要", "Summary"),
            lang.pick("说明内容、来源和用途", "What it holds, where from, what for"),
            &d.summary,
        ),
        FieldView::text(
            "format_class",
            lang.pick("格式分类", "Format class"),
            "",
            &v(d.format_class),
        )
        .select(options(choices!(FormatClass, lang), None)),
        FieldView::text(
            "format_type",
            lang.pick("格式类型", "Format type"),
            lang.pick("如 API、XLSX、PDF", "e.g. API, XLSX, PDF"),
            &d.format_type,
        ),
        FieldView::text("share_type", lang.pick("共享类型", "Share type"), "", &v(d.share_type))
            .select(options(choices!(ShareType, lang), None)),
        FieldView::text(
            "share_condition",
            lang.pick("共享条件", "Share condition"),
            lang.pick("有条件共享时必填", "Required when conditional"),
            &d.share_condition,
        )
        .optional(),
        FieldView::text(
            "legal_basis",
            lang.pick("不予共享的法律依据", "Legal basis for not sharing"),
            lang.pick("不予共享时必填", "Required when not shared"),
            &d.legal_basis,
        )
        .optional(),
        FieldView::text("share_mode", lang.pick("共享方式", "Share mode"), "", &v(d.share_mode))
            .select(options(choices!(ShareMode, lang), None)),
        FieldView::text("open_type", lang.pick("开放类型", "Open type"), "", &v(d.open_type))
            .select(options(choices!(OpenType, lang), None)),
        FieldView::text(
            "open_condition",
            lang.pick("开放条件", "Open condition"),
            lang.pick("有条件开放时必填", "Required when conditionally open"),
            &d.open_condition,
        )
        .optional(),
        FieldView::text(
            "update_cycle",
            lang.pick("更新周期", "Update cycle"),
            "",
            &v(d.update_cycle),
        )
        .select(options(choices!(UpdateCycle, lang), None)),
        FieldView::text(
            "sensitivity",
            lang.pick("敏感级别", "Sensitivity"),
            lang.pick("1（低）至4（高）", "1 (low) to 4 (high)"),
            &v(d.sensitivity),
        )
        .select((1..=4).map(|n| (n.to_string(), n.to_string())).collect()),
        FieldView::text(
            "secret",
            lang.pick("是否涉密", "Secret"),
            "",
            if d.secret { "1" } else { "0" },
        )
        .select(vec![
            ("0".into(), lang.pick("否", "No").into()),
            ("1".into(), lang.pick("是", "Yes").into()),
        ]),
    ];
    let blank = DataItem {
        name: String::new(),
        element: None,
        data_type: 1,
        length: None,
        share_type: None,
    };
    for (i, item) in d
        .items
        .iter()
        .chain(std::iter::repeat_n(&blank, SPARE_ITEMS))
        .enumerate()
    {
        let n = i + 1;
        let label = |zh: &str, en: &str| match lang {
            Lang::Zh => format!("信息项{n}{zh}"),
            Lang::En => format!("Item {n} {en}"),
        };
        fields.push(
            FieldView::text(
                &format!("item{i}_name"),
                &label("名称", "name"),
                lang.pick("不用的行留空", "Leave unused rows empty"),
                &item.name,
            )
            .optional(),
        );
        fields.push(
            FieldView::text(
                &format!("item{i}_element"),
                &label("数据元代码", "data element"),
                "",
                item.element.as_deref().unwrap_or(""),
            )
            .optional(),
        );
        fields.push(
            FieldView::text(
                &format!("item{i}_type"),
                &label("数据类型", "type"),
                "",
                &v(item.data_type),
            )
            .select(options(choices!(DataType, lang), None))
            .optional(),
        );
        fields.push(
            FieldView::text(
                &format!("item{i}_length"),
                &label("长度", "length"),
                "",
                &item.length.map(|l| l.to_string()).unwrap_or_default(),
            )
            .optional(),
        );
        let mut share = FieldView::text(
            &format!("item{i}_share"),
            &label("共享类型", "sharing"),
            lang.pick("留空则同资源", "Empty: as the resource"),
            &text_of(item.share_type),
        )
        .select(options(
            choices!(ShareType, lang),
            Some(lang.pick("同资源", "As the resource")),
        ));
        share.required = false;
        fields.push(share);
    }
    FormView::new(
        action,
        lang.pick("资源信息", "Resource"),
        lang.pick("保存草稿", "Save draft"),
        fields,
    )
}

/// Read the edit form into a draft; unparsable numbers become field errors.
fn draft_from_form(f: &HashMap<String, String>) -> Result<ResourceDraft, ApiError> {
    let s = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Vec::new();
    let mut n = |k: &str| -> i64 {
        match s(k).parse() {
            Ok(v) => v,
            Err(_) => {
                errors.push(FieldError::new(k, "请选择", "Choose a value"));
                0
            }
        }
    };
    let mut d = ResourceDraft {
        classification: s("classification"),
        name: s("name"),
        summary: s("summary"),
        provider_department_id: n("provider_department_id"),
        format_class: n("format_class"),
        format_type: s("format_type"),
        share_type: n("share_type"),
        share_condition: s("share_condition"),
        legal_basis: s("legal_basis"),
        share_mode: n("share_mode"),
        open_type: n("open_type"),
        open_condition: s("open_condition"),
        update_cycle: n("update_cycle"),
        sensitivity: n("sensitivity"),
        secret: s("secret") == "1",
        related: vec![],
        items: vec![],
    };
    let mut i = 0;
    while f.contains_key(&format!("item{i}_name")) && i < 500 {
        let name = s(&format!("item{i}_name"));
        if !name.is_empty() {
            let length = s(&format!("item{i}_length"));
            let length = if length.is_empty() {
                None
            } else {
                match length.parse() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        errors.push(FieldError::new(
                            &format!("item{i}_length"),
                            "长度应为整数",
                            "The length must be a whole number",
                        ));
                        None
                    }
                }
            };
            d.items.push(DataItem {
                name,
                element: Some(s(&format!("item{i}_element"))).filter(|e| !e.is_empty()),
                data_type: s(&format!("item{i}_type")).parse().unwrap_or(1),
                length,
                share_type: s(&format!("item{i}_share")).parse().ok(),
            });
        }
        i += 1;
    }
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Core field names (`items[2].name`) as form field names (`item2_name`), counting only filled rows.
fn form_error(mut e: ApiError, f: &HashMap<String, String>) -> ApiError {
    let filled: Vec<usize> = (0..500)
        .filter(|i| f.get(&format!("item{i}_name")).is_some_and(|v| !v.trim().is_empty()))
        .collect();
    for fe in &mut e.errors {
        if let Some(rest) = fe.field.strip_prefix("items[")
            && let Some((idx, field)) = rest.split_once("].")
            && let Ok(k) = idx.parse::<usize>()
        {
            let row = filled.get(k).copied().unwrap_or(k);
            let name = match field {
                "data_type" => "type",
                "share_type" => "share",
                other => other,
            };
            fe.field = format!("item{row}_{name}");
        } else if fe.field == "items" {
            fe.field = "item0_name".into();
        }
    }
    e
}

async fn steward_departments(state: &CatalogueState, auth: &Auth) -> ApiResult<Vec<(i64, String)>> {
    let all = state.store.list_departments(None, yici_store::Page::all()).await?;
    Ok(all
        .into_iter()
        .filter(|d| auth.require(Permission::ManageCatalogue, &d.target()).is_ok())
        .map(|d| (d.id, d.name))
        .collect())
}

/// The steward's working copies.
pub async fn drafts(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<yici_web::page::NoticeOnly>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let list = drafts_for(
        &state,
        &auth,
        &DraftQuery {
            limit: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let mut l = Layout::new(
        &auth,
        &headers,
        "/catalogue/drafts",
        "本部门数据资源编目",
        "My department's resources",
    );
    l.notice = q.notice.map(|_| l.t("已保存。", "Saved.").to_string());
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("编目草稿与已发布资源", "Drafts and published resources"),
        &[
            lang.pick("资源代码", "Code"),
            lang.pick("资源名称", "Name"),
            lang.pick("状态", "Status"),
            lang.pick("退回理由", "Review note"),
            lang.pick("操作", "Actions"),
        ],
    );
    t.intro.push(lang.pick("批量编目可使用导入模板（docs/catalogue-template.xlsx）并通过“yici catalog import”或接口上传。", "For many resources, fill in the template (docs/catalogue-template.xlsx) and import it with `yici catalog import` or the API.").into());
    for r in list {
        let mut actions = Vec::new();
        if r.status.after(Transition::Submit).is_some() {
            actions.push((
                format!("/catalogue/drafts/{}/submit", r.id),
                lang.pick("提交审核", "Submit").to_string(),
            ));
        }
        if r.status.after(Transition::RequestWithdraw).is_some() {
            actions.push((
                format!("/catalogue/drafts/{}/withdraw", r.id),
                lang.pick("申请撤销", "Request withdrawal").to_string(),
            ));
        }
        let editable = r.status.after(Transition::Edit).is_some();
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&r.code),
                if editable {
                    Cell::link(&r.draft.name, format!("/catalogue/drafts/{}", r.id))
                } else {
                    Cell::text(&r.draft.name)
                },
                Cell::text(r.status.name(lang)),
                Cell::text(&r.review_note),
            ],
            actions,
        });
    }
    let departments = steward_departments(&state, &auth).await?;
    let first = departments.first().map(|d| d.0).unwrap_or_default();
    let blank = blank_draft(first, 0);
    let mut form = draft_form(&t.l, "/catalogue/drafts", &blank, &departments);
    form.title = lang.pick("新建资源", "New resource").into();
    t.forms.push(form);
    Ok(render(StatusCode::OK, &t))
}

pub async fn create_draft(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let result = match draft_from_form(&f) {
        Ok(d) => crate::service::create(&state, &auth, &d)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/catalogue/drafts?notice=saved").into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(e),
        Err(e) => edit_page(&state, &auth, &headers, None, &f, form_error(e, &f)).await,
    }
}

/// Re-render the edit form with the entered values and the errors.
async fn edit_page(
    state: &CatalogueState,
    auth: &Auth,
    headers: &HeaderMap,
    id: Option<i64>,
    f: &HashMap<String, String>,
    e: ApiError,
) -> ApiResult<Response> {
    let action = id
        .map(|i| format!("/catalogue/drafts/{i}"))
        .unwrap_or_else(|| "/catalogue/drafts".into());
    let l = Layout::new(auth, headers, "/catalogue/drafts", "编辑数据资源", "Edit resource");
    let departments = steward_departments(state, auth).await?;
    let mut form = draft_form(&l, &action, &blank_draft(0, 20), &departments);
    for field in &mut form.fields {
        if let Some(v) = f.get(&field.name) {
            field.value = v.clone();
        }
    }
    let form = form.with_error(&e, current_lang());
    let mut t = TablePage::new(l, "", &[]);
    t.forms.push(form);
    Ok(render(yici_web::page::shown_again(e.status), &t))
}

/// An empty draft for the form, with `item_rows` blank item rows.
fn blank_draft(provider_department_id: i64, item_rows: usize) -> ResourceDraft {
    let item = DataItem {
        name: String::new(),
        element: None,
        data_type: 1,
        length: None,
        share_type: None,
    };
    ResourceDraft {
        classification: String::new(),
        name: String::new(),
        summary: String::new(),
        provider_department_id,
        format_class: 3,
        format_type: "API".into(),
        share_type: 1,
        share_condition: String::new(),
        legal_basis: String::new(),
        share_mode: 1,
        open_type: 3,
        open_condition: String::new(),
        update_cycle: 1,
        sensitivity: 1,
        secret: false,
        related: vec![],
        items: vec![item; item_rows],
    }
}

pub async fn edit_form(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let r = state
        .store
        .catalogue_resource(id)
        .await?
        .ok_or_else(|| ApiError::not_found("数据资源", "catalogue resource"))?;
    let d = state
        .store
        .department(r.department_id)
        .await?
        .ok_or_else(|| ApiError::not_found("部门", "department"))?;
    auth.require(Permission::ManageCatalogue, &d.target())?;
    let l = Layout::new(&auth, &headers, "/catalogue/drafts", "编辑数据资源", "Edit resource");
    let departments = vec![(d.id, d.name.clone())];
    let mut t = TablePage::new(l, "", &[]);
    t.intro.push(format!(
        "{}：{}（{}）",
        t.l.t("资源代码", "Code"),
        r.code,
        r.status.name(t.l.lang)
    ));
    let form = draft_form(&t.l, &format!("/catalogue/drafts/{id}"), &r.draft, &departments);
    t.forms.push(form);
    Ok(render(StatusCode::OK, &t))
}

pub async fn save_draft(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageCatalogue, &Target::OwnScope)?;
    let result = match draft_from_form(&f) {
        Ok(d) => step(&state, &auth, id, Transition::Edit, Some(&d), "")
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/catalogue/drafts?notice=saved").into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => edit_page(&state, &auth, &headers, Some(id), &f, form_error(e, &f)).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    /// `1` once the steward confirmed a withdrawal.
    #[serde(default)]
    confirmed: String,
}

/// Lifecycle buttons: submit and withdraw (stewards), approve and reject (operators).
pub async fn page_step(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ReasonForm>,
) -> ApiResult<Response> {
    let (t, back) = match action.as_str() {
        "submit" => (Transition::Submit, "/catalogue/drafts"),
        "withdraw" => (Transition::RequestWithdraw, "/catalogue/drafts"),
        "approve" => (Transition::Approve, "/catalogue/review"),
        "reject" => (Transition::Reject, "/catalogue/review"),
        _ => return Err(ApiError::not_found("操作", "action")),
    };
    // Withdrawing a published resource is asked for once more, by name.
    if t == Transition::RequestWithdraw && !yici_web::page::confirmed(&f.confirmed) {
        let r = crate::service::may_step(&state, &auth, id, t).await?;
        let l = Layout::new(&auth, &headers, "/catalogue/drafts", "申请撤销", "Request withdrawal");
        let page = yici_web::page::ConfirmPage {
            question: format!(
                "{}“{}”？",
                l.t("申请撤销数据资源", "Request the withdrawal of"),
                r.draft.name
            ),
            details: vec![
                l.t(
                    "撤销申请经平台审核通过后，资源将不再出现在目录中，依据它的共享授权也将停止使用。",
                    "Once the platform approves, the resource leaves the catalogue and the grants based on it stop.",
                )
                .to_string(),
            ],
            action: format!("/catalogue/drafts/{id}/withdraw"),
            hidden: vec![("reason".into(), f.reason.clone())],
            yes: l.t("确认申请撤销", "Yes, request withdrawal").to_string(),
            back: back.to_string(),
            l,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    match step(&state, &auth, id, t, None, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}?notice=done")).into_response()),
        // A rejection without its reason, or a step the state no longer allows, comes back on
        // the resource's review page.
        Err(e)
            if matches!(t, Transition::Approve | Transition::Reject)
                && matches!(e.kind, yici_service::Kind::Invalid | yici_service::Kind::Conflict) =>
        {
            review_page(&state, &auth, &headers, id, Some((&f.reason, &e))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A resource waiting for review, read in full before the decision: its facts and items, the
/// approve button and the rejection form.
pub async fn review_one(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    review_page(&state, &auth, &headers, id, None).await
}

async fn review_page(
    state: &CatalogueState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    refused: Option<(&str, &yici_service::Error)>,
) -> ApiResult<Response> {
    let r = crate::service::may_step(state, auth, id, Transition::Approve).await?;
    let provider = state
        .store
        .department(r.department_id)
        .await?
        .map(|d| format!("{}（{}）", d.name, d.uscc))
        .unwrap_or_default();
    let l = Layout::new(auth, headers, "/catalogue/review", "目录审核", "Catalogue review");
    let lang = l.lang;
    let mut t = TablePage::new(l, lang.pick("信息项", "Data items"), &super::item_head(lang));
    t.l.title = r.draft.name.clone();
    t.crumbs = vec![(
        "/catalogue/review".into(),
        lang.pick("目录审核", "Catalogue review").into(),
    )];
    let request = if r.status == Status::WithdrawPending {
        lang.pick("申请撤销（不再出现在目录中）", "withdrawal from the catalogue")
    } else {
        lang.pick("申请发布", "publication")
    };
    t.intro = vec![yici_web::page::fact(
        lang,
        "审核事项",
        "Asked for",
        &format!("{request}（{}）", r.status.name(lang)),
    )];
    t.intro.extend(super::facts(lang, &r.code, &provider, &r.draft));
    t.rows = super::item_rows(lang, &r.draft);
    let pending = matches!(r.status, Status::PendingReview | Status::WithdrawPending);
    if pending {
        t.forms.push(FormView::new(
            &format!("/catalogue/drafts/{id}/approve"),
            lang.pick("审核通过", "Approve"),
            &yici_web::page::fact(lang, "通过", "Approve", &r.draft.name),
            vec![],
        ));
        let mut reject = FormView::new(
            &format!("/catalogue/drafts/{id}/reject"),
            lang.pick("退回", "Reject"),
            &yici_web::page::fact(lang, "退回", "Reject", &r.draft.name),
            vec![FieldView::text(
                "reason",
                lang.pick("退回理由", "Reason"),
                lang.pick("告诉数据管理员需要修改什么", "Tell the steward what to change"),
                "",
            )],
        );
        if let Some((reason, e)) = refused {
            reject.fields[0].value = reason.to_string();
            reject = reject.with_error(e, lang);
        }
        t.forms.push(reject);
    } else if let Some((_, e)) = refused {
        t.l.notice = Some(e.message(lang).to_string());
    }
    Ok(render(StatusCode::OK, &t))
}

/// The operator's review queue: pending publications and withdrawals, each with its decision.
pub async fn review(
    State(state): State<CatalogueState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<yici_web::page::NoticeOnly>,
) -> ApiResult<Response> {
    auth.require(Permission::ReviewCatalogue, &Target::OwnScope)?;
    let queue = drafts_for(
        &state,
        &auth,
        &DraftQuery {
            queue: Some("pending".into()),
            limit: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let mut l = Layout::new(&auth, &headers, "/catalogue/review", "目录审核", "Catalogue review");
    l.notice = q.notice.map(|_| l.t("已处理。", "Done.").to_string());
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("待审核 {} 项", queue.len()),
            Lang::En => format!("{} waiting for review", queue.len()),
        },
        &[
            lang.pick("资源代码", "Code"),
            lang.pick("资源名称", "Name"),
            lang.pick("提供部门", "Provider"),
            lang.pick("申请事项", "Request"),
        ],
    );
    for r in &queue {
        let provider = state
            .store
            .department(r.department_id)
            .await?
            .map(|d| d.name)
            .unwrap_or_default();
        let request = if r.status == Status::WithdrawPending {
            lang.pick("撤销", "withdrawal")
        } else {
            lang.pick("发布", "publication")
        };
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&r.code),
                Cell::link(&r.draft.name, format!("/catalogue/review/{}", r.id)),
                Cell::text(provider),
                Cell::text(request),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}
