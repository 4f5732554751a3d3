//! The departments' pages: issuers see their department's certificates, issue and run the
//! lifecycle; other departments find a holder's certificates shared with them and request use
//! copies.

use super::{CertificatePage, QrView, certificate_rows, face, list_head, qr_svg, verification_url};
use crate::service::{CertificateView, OperationInput, UseCopyInput, UseCopyView, issuing, using};
use crate::{CertificatesState, IssueRequest};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_core::certificate::CertificateType;
use yici_service::{Error, Kind};
use yici_store::Page;
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, FieldView, FilterView, FormView, Layout, RowView, TablePage, encode, format_date, render};
use yici_web::{ApiError, ApiResult, Auth};

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListForm {
    holder: Option<String>,
}

/// Issuers: the department's certificates. Other departments: a holder's certificates shared
/// with them.
pub async fn list(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<ListForm>,
) -> ApiResult<Response> {
    let issuer = auth.require(Permission::IssueCertificates, &Target::OwnScope).is_ok();
    if !issuer {
        auth.require(Permission::UseCertificates, &Target::OwnScope)?;
    }
    let holder = q.holder.clone().filter(|h| !h.trim().is_empty());
    let l = Layout::new(&auth, &headers, "/certificates", "电子证照", "Certificates");
    let lang = l.lang;
    if !issuer && holder.is_none() {
        return held_consents(state, auth, l).await;
    }
    let find = using::Find {
        holder: holder.clone(),
        type_code: None,
        page: Page::new(Some(200), None),
    };
    let found = using::find(&state, &auth, find).await?;
    let caption = if issuer {
        lang.pick("本部门签发的证照", "Certificates issued by my department")
    } else {
        lang.pick("持证人授权本部门使用的证照", "Certificates shared with my department")
    };
    let mut t = TablePage::new(l, caption, &list_head(lang));
    t.filter = Some(holder_filter(lang, holder.as_deref().unwrap_or("")));
    if issuer {
        let d = state
            .store
            .department(auth.user.as_ref().and_then(|u| u.department_id).unwrap_or(0))
            .await?;
        let types = state.store.certificate_types(d.map(|d| d.id)).await?;
        t.links = Some((
            lang.pick("签发新证照：", "Issue a certificate:").to_string(),
            types
                .iter()
                .map(|t| {
                    (
                        format!("/certificates/new?type={}", encode(&t.definition.code)),
                        t.definition.name_in(lang).to_string(),
                    )
                })
                .collect(),
        ));
    }
    t.rows = certificate_rows(&found, &super::type_names(&state, lang).await?, "/certificates", lang);
    Ok(render(StatusCode::OK, &t))
}

/// The search by holder's number on the department's certificates page.
fn holder_filter(lang: Lang, holder: &str) -> FilterView {
    FilterView {
        action: "/certificates".into(),
        submit: lang.pick("查询", "Find").into(),
        fields: vec![FieldView::text(
            "holder",
            lang.pick("持证主体证件号码", "Holder's number"),
            "",
            holder,
        )],
    }
}

/// The consents the department holds (holders masked), with the search by holder's number.
async fn held_consents(state: CertificatesState, auth: Auth, l: Layout) -> ApiResult<Response> {
    let lang = l.lang;
    let held = using::held_consents(&state, &auth).await?;
    let head = [
        lang.pick("证照", "Certificate"),
        lang.pick("持证主体", "Holder"),
        lang.pick("证件号码", "Number"),
        lang.pick("用途", "Purpose"),
        lang.pick("授权至", "Consent until"),
    ];
    let mut t = TablePage::new(
        l,
        lang.pick("持证人授权本部门使用的证照", "Certificates shared with my department"),
        &head,
    );
    t.intro.push(
        lang.pick(
            "下表为当前有效的授权，持证人信息已脱敏。按持证主体的完整证件号码查询可调取证照，每次调取都会告知持证人。",
            "The consents in force, holders masked. Find a certificate by the holder's full number; every use is shown to the holder.",
        )
        .to_string(),
    );
    t.filter = Some(holder_filter(lang, ""));
    t.rows = held
        .iter()
        .map(|k| RowView {
            cells: vec![
                Cell::text(&k.type_name),
                Cell::text(&k.holder_name),
                Cell::text(&k.holder_code),
                Cell::text(&k.purpose),
                Cell::text(format_date(k.expires_at - 1, lang)),
            ],
            actions: vec![],
        })
        .collect();
    Ok(render(StatusCode::OK, &t))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    #[serde(rename = "type")]
    type_code: Option<String>,
}

fn issue_form(t: &CertificateType, lang: Lang, values: &BTreeMap<String, String>) -> FormView {
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut fields = vec![
        FieldView::text(
            "holder_code",
            lang.pick("持证主体证件号码", "Holder's number"),
            "",
            &v("holder_code"),
        ),
        FieldView::text(
            "holder_name",
            lang.pick("持证主体名称", "Holder's name"),
            "",
            &v("holder_name"),
        ),
    ];
    for f in &t.fields {
        let mut field = FieldView::text(
            &format!("data.{}", f.name),
            f.label_in(lang),
            f.kind.name(lang),
            &v(&format!("data.{}", f.name)),
        );
        field.id = format!("data-{}", f.name);
        if f.kind == yici_core::certificate::FieldKind::Date {
            field = field.kind("date");
        }
        if !f.choices.is_empty() {
            field = field.select(f.choices.iter().map(|c| (c.clone(), c.clone())).collect());
        }
        if !f.required {
            field = field.optional();
        }
        fields.push(field);
    }
    if t.validity == yici_core::certificate::ValidityRule::IssuerSet {
        fields.push(
            FieldView::text(
                "valid_until",
                lang.pick("有效期至", "Valid until"),
                "",
                &v("valid_until"),
            )
            .kind("date"),
        );
    }
    let mut form = FormView::new(
        "/certificates/new",
        &format!("{}{}", lang.pick("签发：", "Issue: "), t.name_in(lang)),
        lang.pick("签发", "Issue"),
        fields,
    );
    form.hidden.push(("type".into(), t.code.clone()));
    form
}

pub async fn new_form(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NewQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::IssueCertificates, &Target::OwnScope)?;
    let t = state
        .store
        .certificate_type(q.type_code.as_deref().unwrap_or(""))
        .await?
        .ok_or_else(|| ApiError::not_found("证照类型", "certificate type"))?;
    issue_page(&auth, &headers, &t.definition, &BTreeMap::new(), None)
}

fn issue_page(
    auth: &Auth,
    headers: &HeaderMap,
    t: &CertificateType,
    values: &BTreeMap<String, String>,
    error: Option<&Error>,
) -> ApiResult<Response> {
    let l = Layout::new(auth, headers, "/certificates", "签发证照", "Issue a certificate");
    let lang = l.lang;
    let mut page = CertificatePage::new(l);
    page.crumbs
        .push(("/certificates".into(), lang.pick("电子证照", "Certificates").into()));
    let mut form = issue_form(t, lang, values);
    if let Some(e) = error {
        form = form.with_error(e, lang);
    }
    page.forms.push(form);
    Ok(render(StatusCode::OK, &page))
}

pub async fn issue(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Form(values): Form<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    auth.require(Permission::IssueCertificates, &Target::OwnScope)?;
    let code = values.get("type").cloned().unwrap_or_default();
    let t = state
        .store
        .certificate_type(&code)
        .await?
        .ok_or_else(|| ApiError::not_found("证照类型", "certificate type"))?;
    let data = values
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("data.").map(|k| (k.to_string(), v.clone())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let request = IssueRequest {
        type_code: code,
        holder_code: values.get("holder_code").cloned().unwrap_or_default(),
        holder_name: values.get("holder_name").cloned().unwrap_or_default(),
        data,
        valid_from: None,
        valid_until: values.get("valid_until").and_then(|d| d.parse().ok()),
        number: None,
        region: None,
        issue_key: None,
    };
    match issuing::issue(&state, &auth, request).await {
        Ok(c) => Ok(Redirect::to(&format!("/certificates/{}", encode(&c.identifier))).into_response()),
        Err(e) if e.kind == Kind::Invalid => issue_page(&auth, &headers, &t.definition, &values, Some(&e)),
        Err(e) => Err(e.into()),
    }
}

/// One certificate for its issuer (with the lifecycle actions) or for a department it was
/// shared with (with the use-copy request).
#[derive(Debug, Default, serde::Deserialize)]
pub struct OneQuery {
    /// A use copy just requested (POST-redirect-GET): shown while it is valid.
    copy: Option<String>,
}

pub async fn one(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Query(q): Query<OneQuery>,
) -> ApiResult<Response> {
    let c = using::get(&state, &auth, &identifier).await?;
    let copy = match q.copy.as_deref().and_then(|id| id.parse().ok()) {
        // An expired or unknown use copy is simply not shown.
        Some(id) => using::use_copy_of(&state, &auth, &identifier, id).await.ok(),
        None => None,
    };
    department_page(&state, &auth, &headers, c, copy, None).await
}

async fn department_page(
    state: &CertificatesState,
    auth: &Auth,
    headers: &HeaderMap,
    c: CertificateView,
    copy: Option<UseCopyView>,
    error: Option<Refused<'_>>,
) -> ApiResult<Response> {
    let path = format!("/certificates/{}", encode(&c.identifier));
    let mut l = Layout::new(auth, headers, &path, "电子证照", "Certificate");
    let lang = l.lang;
    l.title = super::type_name(state, &c.type_code, &c.type_name, lang).await?;
    let mut page = CertificatePage::new(l);
    page.crumbs
        .push(("/certificates".into(), lang.pick("电子证照", "Certificates").into()));
    let mut f = face(state, &c, lang).await?;
    if let Some(u) = &copy {
        page.links.push((
            u.pdf_url.clone(),
            lang.pick("下载加注件（PDF）", "Download the use copy (PDF)").into(),
        ));
        f.watermark = Some(format!(
            "{}{}；{}{}；{}{}；{}{}",
            lang.pick("加注件 · 用证部门：", "Use copy · department: "),
            u.department,
            lang.pick("事由：", "purpose: "),
            u.purpose,
            lang.pick("用证时间：", "used: "),
            format_date(u.used_at, lang),
            lang.pick("有效期至：", "valid until: "),
            format_date(u.valid_until, lang),
        ));
    }
    if let Some(code) = &c.verification_code {
        page.qr = Some(QrView {
            svg: qr_svg(&verification_url(state, &c.identifier, code)),
            caption: lang.pick("扫码核验真伪", "Scan to verify").into(),
        });
    }
    page.face = Some(f);
    if c.verification_code.is_some() {
        page.links.push((
            format!("/api/v1/certificates/{}/pdf", encode(&c.identifier)),
            lang.pick("下载证照（PDF）", "Download (PDF)").into(),
        ));
        // Only what the certificate's state allows (no 恢复使用 on a valid certificate).
        let current = yici_core::certificate::Status::from_code(&c.status);
        // An error of an operation not offered now (or not named) goes on the first form.
        let mut refused = error.as_ref();
        for (op, zh, en) in [
            ("suspend", "暂停使用", "Suspend"),
            ("resume", "恢复使用", "Resume"),
            ("revoke", "撤销", "Revoke"),
            ("revoke_penalty", "吊销", "Revoke as a penalty"),
            ("cancel", "注销", "Cancel"),
        ] {
            let allowed = current
                .zip(yici_core::certificate::Operation::from_code(op))
                .is_some_and(|(status, operation)| operation.apply(status).is_ok());
            if !allowed {
                continue;
            }
            let mut form = FormView::new(
                &format!("{path}/operations"),
                lang.pick(zh, en),
                lang.pick(zh, en),
                vec![FieldView::text("reason", lang.pick("原因", "Reason"), "", "").kind("text")],
            );
            for field in &mut form.fields {
                field.id = format!("{op}-reason");
            }
            form.hidden.push(("operation".into(), op.into()));
            page.forms.push(form);
        }
        if let Some(r) = refused.take() {
            let offered = page
                .forms
                .iter()
                .position(|f| f.hidden.iter().any(|(k, v)| k == "operation" && *v == r.form));
            if let Some(i) = offered.or((!page.forms.is_empty()).then_some(0)) {
                let form = std::mem::replace(&mut page.forms[i], FormView::new("", "", "", vec![]));
                page.forms[i] = r.apply(form, lang);
            }
        }
    } else {
        let mut form = FormView::new(
            &format!("{path}/use-copies"),
            lang.pick("调取加注件（用证）", "Request a use copy"),
            lang.pick("调取", "Request"),
            vec![
                FieldView::text("purpose", lang.pick("用证事由", "Purpose"), "", ""),
                FieldView::text("case_ref", lang.pick("办件编号", "Case"), "", "").optional(),
            ],
        );
        if let Some(r) = &error {
            form = r.apply(form, lang);
        }
        page.forms.push(form);
    }
    Ok(render(StatusCode::OK, &page))
}

/// A form the service refused: which (`use_copy` or an operation's code), what was typed in
/// each field, and why.
struct Refused<'a> {
    form: &'a str,
    typed: Vec<(&'static str, String)>,
    error: &'a Error,
}

impl Refused<'_> {
    /// The form with the typed values back in their fields and the errors marked.
    fn apply(&self, mut form: FormView, lang: Lang) -> FormView {
        for f in &mut form.fields {
            if let Some((_, v)) = self.typed.iter().find(|(k, _)| *k == f.name) {
                f.value = v.clone();
            }
        }
        form.with_error(self.error, lang)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct OperationForm {
    #[serde(default)]
    operation: String,
    #[serde(default)]
    reason: String,
    /// `1` once the issuer confirmed an operation that ends the certificate.
    #[serde(default)]
    confirmed: String,
}

pub async fn operate(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Form(f): Form<OperationForm>,
) -> ApiResult<Response> {
    let op = f.operation.clone();
    // 撤销, 吊销 and 注销 end the certificate: asked once more (a missing reason is reported on
    // the form first).
    let ends = matches!(op.as_str(), "revoke" | "revoke_penalty" | "cancel");
    if ends && !f.reason.trim().is_empty() && !yici_web::page::confirmed(&f.confirmed) {
        let (_, c) = crate::service::issuing::issued(&state, &auth, &identifier).await?;
        let name = yici_core::certificate::Operation::from_code(&op)
            .map(|o| o.name(yici_service::context::current_lang()))
            .unwrap_or_default();
        let l = Layout::new(&auth, &headers, "/certificates", "电子证照", "Certificate");
        let page = yici_web::page::ConfirmPage {
            question: format!("{}{name}？", l.t("确认", "Confirm: ")),
            details: vec![
                format!("{}{}", l.t("证照标识：", "Identifier: "), c.identifier),
                format!("{}{}", l.t("原因：", "Reason: "), f.reason.trim()),
                l.t(
                    "此操作不能撤回，持证人和用证部门将看到证照的新状态。",
                    "This cannot be undone; the holder and the departments using it will see the new status.",
                )
                .to_string(),
            ],
            action: format!("/certificates/{}/operations", encode(&identifier)),
            hidden: vec![("operation".into(), op.clone()), ("reason".into(), f.reason.clone())],
            yes: format!("{}{name}", l.t("确认", "Yes, ")),
            back: format!("/certificates/{}", encode(&identifier)),
            l,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    let reason = f.reason.clone();
    let input = OperationInput {
        operation: f.operation,
        reason: f.reason,
        data: None,
        valid_from: None,
        valid_until: None,
    };
    match issuing::operate(&state, &auth, &identifier, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/certificates/{}", encode(&c.identifier))).into_response()),
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => {
            let c = using::get(&state, &auth, &identifier).await?;
            let refused = Refused {
                form: &op,
                typed: vec![("reason", reason)],
                error: &e,
            };
            department_page(&state, &auth, &headers, c, None, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct UseCopyForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    case_ref: String,
}

pub async fn use_copy(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Form(f): Form<UseCopyForm>,
) -> ApiResult<Response> {
    let typed = vec![("purpose", f.purpose.clone()), ("case_ref", f.case_ref.clone())];
    let input = UseCopyInput {
        purpose: f.purpose,
        case_ref: Some(f.case_ref).filter(|c| !c.trim().is_empty()),
    };
    match using::use_copy(&state, &auth, &identifier, input).await {
        // POST-redirect-GET: a reload shows the use copy again, it never makes a second one.
        Ok(copy) => {
            let to = format!("/certificates/{}?copy={}", encode(&identifier), copy.use_id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict) => {
            let c = using::get(&state, &auth, &identifier).await?;
            let refused = Refused {
                form: "use_copy",
                typed,
                error: &e,
            };
            department_page(&state, &auth, &headers, c, None, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}
