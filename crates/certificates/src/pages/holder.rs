//! The holder's pages (my certificates: share with consent, 亮证 QR, uses) and the public ones
//! (verification with the printed code, a shown certificate).

use super::{CertificatePage, Face, QrView, Section, certificate_rows, face, list_head, qr_svg, verification_url};
use crate::CertificatesState;
use crate::service::{ConsentInput, holding};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use yici_core::Lang;
use yici_service::{Error, Kind};
use yici_store::Page;
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, FieldView, FormView, Layout, RowView, TablePage, encode, format_date, render};
use yici_web::{ApiResult, Auth};

// ---------------------------------------------------------------------------------------------
// The holder

/// 我的证照.
pub async fn mine(State(state): State<CertificatesState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let list = holding::my_certificates(&state, &auth, Page::new(None, None)).await?;
    let l = Layout::new(&auth, &headers, "/me/certificates", "我的证照", "My certificates");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("我持有的电子证照", "Certificates I hold"),
        &list_head(lang),
    );
    t.intro.push(
        lang.pick(
            "政府部门已签发的证照，办事时无需再提交纸质材料。点击证照可亮证、授权部门使用并查看使用记录。",
            "Certificates issued to you; you need not hand them in on paper. Open one to show it, share it with a department and see its uses.",
        )
        .to_string(),
    );
    t.rows = certificate_rows(&list, &super::type_names(&state, lang).await?, "/me/certificates", lang);
    Ok(render(StatusCode::OK, &t))
}

fn consent_form(
    state_departments: &[(String, String)],
    today: chrono::NaiveDate,
    lang: Lang,
    identifier: &str,
    input: Option<&ConsentForm>,
) -> FormView {
    let until = (today + chrono::Duration::days(30)).to_string();
    FormView::new(
        &format!("/me/certificates/{}/consents", encode(identifier)),
        lang.pick("授权部门使用此证照", "Share this certificate with a department"),
        lang.pick("授权", "Share"),
        vec![
            FieldView::text(
                "department_id",
                lang.pick("使用部门", "Department"),
                "",
                input.map(|i| i.department_id.as_str()).unwrap_or(""),
            )
            // Nothing is chosen for the holder: the department is picked, not defaulted.
            .select(
                std::iter::once((
                    String::new(),
                    lang.pick("请选择部门", "Choose a department").to_string(),
                ))
                .chain(state_departments.iter().cloned())
                .collect(),
            ),
            FieldView::text(
                "purpose",
                lang.pick("用途", "Purpose"),
                lang.pick("例如：办理不动产抵押登记", "For example: a mortgage registration"),
                input.map(|i| i.purpose.as_str()).unwrap_or(""),
            ),
            FieldView::text(
                "expires_on",
                lang.pick("授权截止日期", "Shared until"),
                lang.pick("最长一年", "At most one year"),
                input.map(|i| i.expires_on.as_str()).unwrap_or(&until),
            )
            .kind("date"),
        ],
    )
}

async fn department_options(state: &CertificatesState) -> ApiResult<Vec<(String, String)>> {
    Ok(state
        .store
        .list_departments(None, yici_store::Page::all())
        .await?
        .into_iter()
        .map(|d| (d.id.to_string(), d.name))
        .collect())
}

/// One of my certificates: its face, QR for verification, 亮证, consents and uses.
#[derive(Debug, Default, serde::Deserialize)]
pub struct MyQuery {
    /// A 亮证 token just made (POST-redirect-GET): shown as a QR code while it is valid.
    show: Option<String>,
}

pub async fn my_one(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Query(q): Query<MyQuery>,
) -> ApiResult<Response> {
    let show = match q.show.as_deref() {
        Some(token) => holding::show_link(&state, &auth, &identifier, token).await?,
        None => None,
    };
    my_page(&state, &auth, &headers, &identifier, None, show).await
}

async fn my_page(
    state: &CertificatesState,
    auth: &Auth,
    headers: &HeaderMap,
    identifier: &str,
    consent_input: Option<(&ConsentForm, &Error)>,
    show: Option<String>,
) -> ApiResult<Response> {
    let c = holding::my_certificate(state, auth, identifier).await?;
    let path = format!("/me/certificates/{}", encode(identifier));
    let mut l = Layout::new(auth, headers, &path, "我的证照", "My certificate");
    let lang = l.lang;
    l.title = super::type_name(state, &c.type_code, &c.type_name, lang).await?;
    let mut page = CertificatePage::new(l);
    page.crumbs.push((
        "/me/certificates".into(),
        lang.pick("我的证照", "My certificates").into(),
    ));
    page.face = Some(face(state, &c, lang).await?);
    page.qr = Some(match &show {
        Some(s) => QrView {
            svg: qr_svg(s),
            caption: lang
                .pick(
                    "亮证码：请向工作人员出示，5分钟内有效",
                    "Show code: valid for 5 minutes",
                )
                .into(),
        },
        None => QrView {
            svg: qr_svg(&verification_url(
                state,
                &c.identifier,
                c.verification_code.as_deref().unwrap_or(""),
            )),
            caption: lang.pick("扫码核验真伪", "Scan to verify").into(),
        },
    });
    if let Some(s) = &show {
        page.intro
            .push(format!("{}{}", lang.pick("亮证链接：", "Show link: "), s));
    }
    page.forms.push(FormView::new(
        &format!("{path}/show"),
        lang.pick("亮证", "Show this certificate"),
        lang.pick("生成亮证码", "Make a show code"),
        vec![],
    ));
    let departments = department_options(state).await?;
    let mut form = consent_form(
        &departments,
        state.clock.today(),
        lang,
        &c.identifier,
        consent_input.map(|(i, _)| i),
    );
    if let Some((_, e)) = consent_input {
        form = form.with_error(e, lang);
    }
    page.forms.push(form);
    let consents = holding::consents(state, auth, &c.identifier).await?;
    page.sections.push(Section {
        caption: lang.pick("授权记录", "Consents").into(),
        head: vec![
            lang.pick("部门", "Department").into(),
            lang.pick("用途", "Purpose").into(),
            lang.pick("截止", "Until").into(),
            lang.pick("状态", "State").into(),
        ],
        rows: consents
            .iter()
            .map(|k| RowView {
                cells: vec![
                    Cell::text(&k.department_name),
                    Cell::text(&k.purpose),
                    Cell::text(format_date(k.expires_at - 1, lang)),
                    Cell::text(if k.revoked {
                        lang.pick("已撤回", "withdrawn")
                    } else {
                        lang.pick("有效", "active")
                    }),
                ],
                actions: if k.revoked {
                    vec![]
                } else {
                    vec![(
                        format!("{path}/consents/{}/withdraw", k.id),
                        lang.pick("撤回授权", "Withdraw").to_string(),
                    )]
                },
            })
            .collect(),
    });
    let uses = holding::uses(state, auth, &c.identifier).await?;
    page.sections.push(Section {
        caption: lang
            .pick("使用记录（谁在何时为何用了此证照）", "Uses (who, when, why)")
            .into(),
        head: vec![
            lang.pick("时间", "When").into(),
            lang.pick("使用方", "Who").into(),
            lang.pick("方式", "How").into(),
            lang.pick("事由", "Purpose").into(),
            lang.pick("办件", "Case").into(),
        ],
        rows: uses
            .iter()
            .map(|u| RowView {
                cells: vec![
                    Cell::text(format_date(u.used_at, lang)),
                    Cell::text(&u.who),
                    Cell::text(match u.kind.as_str() {
                        "use_copy" => lang.pick("调取加注件", "use copy"),
                        "verify" => lang.pick("在线核验", "verified online"),
                        _ => lang.pick("查看", "viewed"),
                    }),
                    Cell::text(&u.purpose),
                    Cell::text(u.case_ref.clone().unwrap_or_default()),
                ],
                actions: vec![],
            })
            .collect(),
    });
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    expires_on: String,
}

pub async fn my_consent(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Form(f): Form<ConsentForm>,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let department_id = f.department_id.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.push(yici_service::FieldError::new(
            "department_id",
            "请选择部门",
            "Choose a department",
        ));
        0
    });
    let expires_on = f.expires_on.trim().parse().unwrap_or_else(|_| {
        errors.push(yici_service::FieldError::new(
            "expires_on",
            "请填写日期（YYYY-MM-DD）",
            "Give a date (YYYY-MM-DD)",
        ));
        chrono::NaiveDate::MIN
    });
    let result = if errors.is_empty() {
        let input = ConsentInput {
            department_id,
            purpose: f.purpose.clone(),
            expires_on,
        };
        holding::consent(&state, &auth, &identifier, input).await.map(|_| ())
    } else {
        Err(Error::validation(errors))
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/me/certificates/{}", encode(&identifier))).into_response()),
        Err(e) if e.kind == Kind::Invalid => my_page(&state, &auth, &headers, &identifier, Some((&f, &e)), None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirmed: String,
}

/// Withdraw a consent, once confirmed.
pub async fn my_withdraw(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Path((identifier, id)): Path<(String, i64)>,
    Form(f): Form<ConfirmForm>,
) -> ApiResult<Response> {
    if !yici_web::page::confirmed(&f.confirmed) {
        let consent = holding::consents(&state, &auth, &identifier)
            .await?
            .into_iter()
            .find(|k| k.id == id && !k.revoked)
            .ok_or_else(|| yici_service::Error::not_found("授权", "consent"))?;
        let path = format!("/me/certificates/{}", encode(&identifier));
        let l = Layout::new(&auth, &headers, &path, "我的证照", "My certificate");
        let page = yici_web::page::ConfirmPage {
            question: format!(
                "{}{}{}",
                l.t("撤回对“", "Withdraw the consent given to "),
                consent.department_name,
                l.t("”的授权？", "?")
            ),
            details: vec![
                format!("{}{}", l.t("用途：", "Purpose: "), consent.purpose),
                l.t(
                    "撤回后，该部门不能再查看或调取此证照；已经发生的使用记录保留。",
                    "Once withdrawn, the department can no longer see or use this certificate; past uses stay recorded.",
                )
                .to_string(),
            ],
            action: format!("{path}/consents/{id}/withdraw"),
            hidden: vec![],
            yes: l.t("确认撤回授权", "Yes, withdraw it").to_string(),
            back: path,
            l,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    holding::withdraw_consent(&state, &auth, &identifier, id).await?;
    Ok(Redirect::to(&format!("/me/certificates/{}", encode(&identifier))).into_response())
}

/// Make a 亮证 token, then show it on the certificate's page (POST-redirect-GET: a reload makes
/// no second token).
pub async fn my_show(
    State(state): State<CertificatesState>,
    auth: Auth,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    let token = holding::show(&state, &auth, &identifier).await?;
    let to = format!("/me/certificates/{}?show={}", encode(&identifier), encode(&token.token));
    Ok(Redirect::to(&to).into_response())
}

// ---------------------------------------------------------------------------------------------
// Public: verification and shown certificates

#[derive(Debug, Default, serde::Deserialize)]
pub struct VerifyQuery {
    id: Option<String>,
    code: Option<String>,
}

/// 证照核验: anyone with the identifier and the printed code.
pub async fn verify(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<VerifyQuery>,
) -> ApiResult<Response> {
    let l = Layout::new(&auth, &headers, "/verify", "电子证照核验", "Verify a certificate");
    let lang = l.lang;
    let mut page = CertificatePage::new(l);
    page.intro.push(
        lang.pick(
            "输入证照上印制的证照标识和核验码，或扫描证照上的二维码。",
            "Enter the identifier and the verification code printed on the certificate, or scan its QR code.",
        )
        .into(),
    );
    let id = q.id.clone().unwrap_or_default();
    let code = q.code.clone().unwrap_or_default();
    let mut form = FormView::new(
        "/verify",
        lang.pick("核验", "Verify"),
        lang.pick("核验", "Verify"),
        vec![
            FieldView::text("id", lang.pick("证照标识", "Identifier"), "1.2.156.3005.2.…", &id),
            FieldView::text(
                "code",
                lang.pick("核验码", "Verification code"),
                lang.pick("8位字母数字", "8 letters and digits"),
                &code,
            ),
        ],
    );
    let mut status = StatusCode::OK;
    if !id.is_empty() {
        match holding::verification(&state, &auth, id.trim(), Some(&code)).await {
            Ok(v) => {
                page.validity = yici_web::page::format_validity(v.valid_from, v.valid_until, lang);
                page.verification = Some(v);
            }
            Err(e) => {
                status = yici_web::page::shown_again(yici_web::error::status_of(e.kind));
                form = form.with_error(&e, lang);
            }
        }
    }
    page.forms.push(form);
    Ok(render(status, &page))
}

/// The form on `/verify` is sent with GET (it changes nothing); browsers posting it are sent on.
pub async fn verify_post(Form(q): Form<HashMap<String, String>>) -> Response {
    let id = q.get("id").map(String::as_str).unwrap_or("");
    let code = q.get("code").map(String::as_str).unwrap_or("");
    Redirect::to(&format!("/verify?id={}&code={}", encode(id), encode(code))).into_response()
}

/// A certificate shown by its holder (亮证).
pub async fn shown(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let s = holding::shown(&state, &auth, &token).await?;
    let mut l = Layout::new(&auth, &headers, "/shows", "亮证", "Shown certificate");
    let lang = l.lang;
    l.title = super::type_name(&state, &s.type_code, &s.type_name, lang).await?;
    let mut page = CertificatePage::new(l);
    let mut rows = vec![
        (lang.pick("持证主体", "Holder").to_string(), s.holder_name.clone()),
        (
            lang.pick("证件号码", "Holder number").to_string(),
            s.holder_code.clone(),
        ),
    ];
    // The surface data under the labels of the type's schema, in its order.
    let t = state.store.certificate_type(&s.type_code).await?.map(|t| t.definition);
    match &t {
        Some(t) => rows.extend(
            t.shown_fields()
                .into_iter()
                .filter_map(|f| s.data.get(&f.name).map(|v| (f.label_in(lang).to_string(), v.clone()))),
        ),
        None => rows.extend(s.data.iter().map(|(k, v)| (k.clone(), v.clone()))),
    }
    rows.push((lang.pick("发证机关", "Issuer").to_string(), s.issuer_name.clone()));
    page.intro.push(if s.signature_valid && s.seal_valid {
        lang.pick(
            "电子签章有效，证照由发证机关签发且未被篡改。",
            "The seal signature is valid: issued by the issuer and unchanged.",
        )
        .into()
    } else {
        lang.pick("电子签章无效！", "The seal signature is NOT valid!").into()
    });
    page.face = Some(Face {
        type_name: t.as_ref().map_or(s.type_name, |t| t.name_in(lang).to_string()),
        layout: "card",
        status: s.status,
        status_name: s.status_name,
        status_reason: String::new(),
        rows,
        issuer: s.issuer_name,
        seal_picture: Some(s.seal_picture_url),
        identifier: s.identifier,
        code: None,
        watermark: None,
    });
    Ok(render(StatusCode::OK, &page))
}
