//! Certificate pages: the holder's own certificates (share with consent, 亮证 QR, uses), public
//! verification and shown certificates, the issuers' list, issue form and lifecycle actions,
//! the departments' use under consent, and the operators' seals.

use super::{FieldView, FormView, Layout, encode, format_date, render};
use crate::api::certificates::{
    self as api, CertificateQuery, CertificateView, ConsentInput, OperationInput, UseCopyInput,
};
use crate::auth::Auth;
use crate::certs::{IssueRequest, Verification};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Form, Json, Path, Query};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::{BTreeMap, HashMap};
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_core::certificate::CertificateType;
use yici_web::page::{Cell, FilterView, RowView, TablePage};

/// The certificate's face as printed.
pub struct Face {
    pub type_name: String,
    pub layout: &'static str,
    pub status: String,
    pub status_name: String,
    pub status_reason: String,
    pub rows: Vec<(String, String)>,
    pub issuer: String,
    pub seal_picture: Option<String>,
    pub identifier: String,
    pub code: Option<String>,
    pub watermark: Option<String>,
}

pub struct QrView {
    pub svg: String,
    pub caption: String,
}

pub struct Section {
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<RowView>,
}

#[derive(Template)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    pub l: Layout,
    pub crumbs: Vec<(String, String)>,
    pub intro: Vec<String>,
    pub verification: Option<Verification>,
    pub face: Option<Face>,
    pub qr: Option<QrView>,
    pub sections: Vec<Section>,
    pub forms: Vec<FormView>,
    /// Links shown under the certificate (downloads): address and label.
    pub links: Vec<(String, String)>,
}

impl CertificatePage {
    fn new(l: Layout) -> Self {
        CertificatePage {
            l,
            crumbs: vec![],
            intro: vec![],
            verification: None,
            face: None,
            qr: None,
            sections: vec![],
            forms: vec![],
            links: vec![],
        }
    }
}

/// A QR code (SVG) for `text`.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// The address the QR code on a certificate carries.
pub fn verification_url(state: &AppState, identifier: &str, code: &str) -> String {
    crate::certs::verification_url(&state.config.public_url, identifier, code)
}

async fn face(state: &AppState, c: &CertificateView, lang: Lang) -> ApiResult<Face> {
    let t: Option<CertificateType> = state.store.certificate_type(&c.type_code).await?.map(|t| t.definition);
    let record = state.store.certificate(&c.identifier).await?;
    let mut rows = vec![
        (lang.pick("持证主体", "Holder").to_string(), c.holder_name.clone()),
        (
            lang.pick("证件号码", "Holder number").to_string(),
            c.holder_code.clone(),
        ),
        (lang.pick("证照编号", "Number").to_string(), c.number.clone()),
    ];
    match &t {
        Some(t) => {
            for f in t.shown_fields() {
                if let Some(v) = c.data.get(&f.name) {
                    rows.push((f.label.clone(), v.clone()));
                }
            }
        }
        None => rows.extend(c.data.iter().map(|(k, v)| (k.clone(), v.clone()))),
    }
    let until = c
        .valid_until
        .map_or_else(|| lang.pick("长期", "permanent").to_string(), |d| d.to_string());
    rows.push((
        lang.pick("有效期", "Validity").to_string(),
        format!("{} – {until}", c.valid_from),
    ));
    rows.push((lang.pick("发证机关", "Issuer").to_string(), c.issuer_name.clone()));
    rows.push((lang.pick("版本", "Version").to_string(), format!("{:03}", c.version)));
    Ok(Face {
        type_name: c.type_name.clone(),
        layout: match t.map(|t| t.template.layout) {
            Some(yici_core::certificate::Layout::Card) => "card",
            _ => "sheet",
        },
        status: c.status.clone(),
        status_name: c.status_name.clone(),
        status_reason: c.status_reason.clone(),
        rows,
        issuer: c.issuer_name.clone(),
        seal_picture: record.map(|r| format!("/api/v1/seals/{}/picture", r.seal_id)),
        identifier: c.identifier.clone(),
        code: c.verification_code.clone(),
        watermark: None,
    })
}

fn certificate_rows(list: &[CertificateView], base: &str) -> Vec<RowView> {
    list.iter()
        .map(|c| RowView {
            cells: vec![
                Cell::link(&c.type_name, format!("{base}/{}", encode(&c.identifier))),
                Cell::text(&c.holder_name),
                Cell::text(&c.number),
                Cell::text(&c.status_name),
                Cell::text(c.valid_until.map_or("长期".to_string(), |d| d.to_string())),
                Cell::text(&c.issuer_name),
            ],
            actions: vec![],
        })
        .collect()
}

fn list_head(lang: Lang) -> Vec<&'static str> {
    vec![
        lang.pick("证照", "Certificate"),
        lang.pick("持证主体", "Holder"),
        lang.pick("编号", "Number"),
        lang.pick("状态", "Status"),
        lang.pick("有效期至", "Valid until"),
        lang.pick("发证机关", "Issuer"),
    ]
}

// ---------------------------------------------------------------------------------------------
// The holder

/// 我的证照.
pub async fn mine(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let list = api::my_certificates(State(state.clone()), auth.clone(), Query(Default::default()))
        .await?
        .0;
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
    t.rows = certificate_rows(&list, "/me/certificates");
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
            .select(state_departments.to_vec()),
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

async fn department_options(state: &AppState) -> ApiResult<Vec<(String, String)>> {
    Ok(state
        .store
        .list_departments(None, yici_store::Page::all())
        .await?
        .into_iter()
        .map(|d| (d.id.to_string(), d.name))
        .collect())
}

/// One of my certificates: its face, QR for verification, 亮证, consents and uses.
pub async fn my_one(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    my_page(&state, &auth, &headers, &identifier, None, None).await
}

async fn my_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    identifier: &str,
    consent_input: Option<(&ConsentForm, &ApiError)>,
    show: Option<api::ShowToken>,
) -> ApiResult<Response> {
    let c = api::my_certificate(state, auth, identifier).await?;
    let path = format!("/me/certificates/{}", encode(identifier));
    let mut l = Layout::new(auth, headers, &path, "我的证照", "My certificate");
    l.title = c.type_name.clone();
    let lang = l.lang;
    let mut page = CertificatePage::new(l);
    page.crumbs.push((
        "/me/certificates".into(),
        lang.pick("我的证照", "My certificates").into(),
    ));
    page.face = Some(face(state, &c, lang).await?);
    page.qr = Some(match &show {
        Some(s) => QrView {
            svg: qr_svg(&s.url),
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
            .push(format!("{}{}", lang.pick("亮证链接：", "Show link: "), s.url));
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
        state.config.clock.today(),
        lang,
        &c.identifier,
        consent_input.map(|(i, _)| i),
    );
    if let Some((_, e)) = consent_input {
        form = form.with_error(e, lang);
    }
    page.forms.push(form);
    let consents = api::consents(State(state.clone()), auth.clone(), Path(c.identifier.clone()))
        .await?
        .0;
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
    let uses = api::uses(State(state.clone()), auth.clone(), Path(c.identifier.clone()))
        .await?
        .0;
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
                        _ => lang.pick("查看", "viewed"),
                    }),
                    Cell::text(&u.purpose),
                    Cell::text(u.case_ref.clone().unwrap_or_default()),
                ],
                actions: vec![],
            })
            .collect(),
    });
    let status = if consent_input.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
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
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Form(f): Form<ConsentForm>,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let department_id = f.department_id.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.push(crate::error::FieldError::new(
            "department_id",
            "请选择部门",
            "Choose a department",
        ));
        0
    });
    let expires_on = f.expires_on.trim().parse().unwrap_or_else(|_| {
        errors.push(crate::error::FieldError::new(
            "expires_on",
            "请填写日期（YYYY-MM-DD）",
            "Give a date (YYYY-MM-DD)",
        ));
        chrono::NaiveDate::MIN
    });
    let result = if errors.is_empty() {
        api::consent(
            State(state.clone()),
            auth.clone(),
            Path(identifier.clone()),
            Json(ConsentInput {
                department_id,
                purpose: f.purpose.clone(),
                expires_on,
            }),
        )
        .await
        .map(|_| ())
    } else {
        Err(ApiError::validation(errors))
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/me/certificates/{}", encode(&identifier))).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            my_page(&state, &auth, &headers, &identifier, Some((&f, &e)), None).await
        }
        Err(e) => Err(e),
    }
}

pub async fn my_withdraw(
    State(state): State<AppState>,
    auth: Auth,
    Path((identifier, id)): Path<(String, i64)>,
) -> ApiResult<Response> {
    api::withdraw_consent(State(state), auth, Path((identifier.clone(), id))).await?;
    Ok(Redirect::to(&format!("/me/certificates/{}", encode(&identifier))).into_response())
}

pub async fn my_show(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    let (_, token) = api::show(State(state.clone()), auth.clone(), Path(identifier.clone())).await?;
    my_page(&state, &auth, &headers, &identifier, None, Some(token.0)).await
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
    State(state): State<AppState>,
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
        match api::verification(
            State(state.clone()),
            auth.clone(),
            Path(id.trim().to_string()),
            Query(api::CodeQuery { code: Some(code) }),
        )
        .await
        {
            Ok(v) => page.verification = Some(v.0),
            Err(e) => {
                status = e.status;
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
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let s = api::shown(State(state.clone()), auth.clone(), Path(token)).await?.0;
    let mut l = Layout::new(&auth, &headers, "/shows", "亮证", "Shown certificate");
    l.title = s.type_name.clone();
    let lang = l.lang;
    let mut page = CertificatePage::new(l);
    let mut rows = vec![
        (lang.pick("持证主体", "Holder").to_string(), s.holder_name.clone()),
        (
            lang.pick("证件号码", "Holder number").to_string(),
            s.holder_code.clone(),
        ),
    ];
    rows.extend(s.data.iter().map(|(k, v)| (k.clone(), v.clone())));
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
        type_name: s.type_name,
        layout: "card",
        status: s.status,
        status_name: s.status_name,
        status_reason: String::new(),
        rows,
        issuer: s.issuer_name,
        seal_picture: None,
        identifier: String::new(),
        code: None,
        watermark: None,
    });
    Ok(render(StatusCode::OK, &page))
}

// ---------------------------------------------------------------------------------------------
// Departments: issuers and users

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListForm {
    holder: Option<String>,
}

/// Issuers: the department's certificates. Other departments: a holder's certificates shared
/// with them.
pub async fn list(
    State(state): State<AppState>,
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
    let found = api::list(
        State(state.clone()),
        auth.clone(),
        Query(CertificateQuery {
            holder: holder.clone(),
            type_code: None,
            limit: Some(200),
            offset: None,
        }),
    )
    .await?
    .0;
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
        t.intro.push(format!(
            "{}{}",
            lang.pick("签发新证照：", "Issue a certificate: "),
            types
                .iter()
                .map(|t| format!("/certificates/new?type={}", t.definition.code))
                .collect::<Vec<_>>()
                .join(" · ")
        ));
    }
    t.rows = certificate_rows(&found, "/certificates");
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
async fn held_consents(state: AppState, auth: Auth, l: Layout) -> ApiResult<Response> {
    let lang = l.lang;
    let held = api::held_consents(State(state), auth).await?.0;
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
            &f.label,
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
        &format!("{}{}", lang.pick("签发：", "Issue: "), t.name),
        lang.pick("签发", "Issue"),
        fields,
    );
    form.hidden.push(("type".into(), t.code.clone()));
    form
}

pub async fn new_form(
    State(state): State<AppState>,
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
    error: Option<&ApiError>,
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
    Ok(render(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &page,
    ))
}

pub async fn issue(
    State(state): State<AppState>,
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
    match api::issue(State(state), auth.clone(), HeaderMap::new(), Json(request)).await {
        Ok((_, c)) => Ok(Redirect::to(&format!("/certificates/{}", encode(&c.0.identifier))).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            issue_page(&auth, &headers, &t.definition, &values, Some(&e))
        }
        Err(e) => Err(e),
    }
}

/// One certificate for its issuer (with the lifecycle actions) or for a department it was
/// shared with (with the use-copy request).
pub async fn one(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    let c = api::get(State(state.clone()), auth.clone(), Path(identifier.clone()))
        .await?
        .0;
    department_page(&state, &auth, &headers, c, None, None).await
}

async fn department_page(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    c: CertificateView,
    copy: Option<api::UseCopyView>,
    error: Option<(&str, &ApiError)>,
) -> ApiResult<Response> {
    let path = format!("/certificates/{}", encode(&c.identifier));
    let mut l = Layout::new(auth, headers, &path, "电子证照", "Certificate");
    l.title = c.type_name.clone();
    let lang = l.lang;
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
        for (op, zh, en) in [
            ("suspend", "暂停使用", "Suspend"),
            ("resume", "恢复使用", "Resume"),
            ("revoke", "撤销", "Revoke"),
            ("revoke_penalty", "吊销", "Revoke as a penalty"),
            ("cancel", "注销", "Cancel"),
        ] {
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
            if let Some((_, e)) = error.filter(|(which, _)| *which == op) {
                form = form.with_error(e, lang);
            }
            page.forms.push(form);
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
        if let Some((_, e)) = error {
            form = form.with_error(e, lang);
        }
        page.forms.push(form);
    }
    let status = error.map_or(StatusCode::OK, |(_, e)| e.status);
    Ok(render(status, &page))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct OperationForm {
    #[serde(default)]
    operation: String,
    #[serde(default)]
    reason: String,
}

pub async fn operate(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Form(f): Form<OperationForm>,
) -> ApiResult<Response> {
    let op = f.operation.clone();
    let input = OperationInput {
        operation: f.operation,
        reason: f.reason,
        data: None,
        valid_from: None,
        valid_until: None,
    };
    match api::operate(
        State(state.clone()),
        auth.clone(),
        Path(identifier.clone()),
        Json(input),
    )
    .await
    {
        Ok(c) => Ok(Redirect::to(&format!("/certificates/{}", encode(&c.0.identifier))).into_response()),
        Err(e) if matches!(e.status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT) => {
            let c = api::get(State(state.clone()), auth.clone(), Path(identifier)).await?.0;
            department_page(&state, &auth, &headers, c, None, Some((op.as_str(), &e))).await
        }
        Err(e) => Err(e),
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
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    Form(f): Form<UseCopyForm>,
) -> ApiResult<Response> {
    let input = UseCopyInput {
        purpose: f.purpose,
        case_ref: Some(f.case_ref).filter(|c| !c.trim().is_empty()),
    };
    let result = api::use_copy(
        State(state.clone()),
        auth.clone(),
        Path(identifier.clone()),
        Json(input),
    )
    .await;
    let c = api::get(State(state.clone()), auth.clone(), Path(identifier)).await?.0;
    match result {
        Ok((_, copy)) => department_page(&state, &auth, &headers, c, Some(copy.0), None).await,
        Err(e) if matches!(e.status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT) => {
            department_page(&state, &auth, &headers, c, None, Some(("use_copy", &e))).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Seals (operators)

pub async fn seals(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    auth.require(Permission::ReadSeals, &Target::OwnScope)?;
    let list = api::list_seals(
        State(state.clone()),
        auth.clone(),
        Query(api::SealQuery { department_id: None }),
    )
    .await?
    .0;
    let l = Layout::new(&auth, &headers, "/seals", "电子印章", "Seals");
    let lang = l.lang;
    let mut names = HashMap::new();
    for d in state.store.list_departments(None, yici_store::Page::all()).await? {
        names.insert(d.id, d.name);
    }
    let mut t = TablePage::new(
        l,
        lang.pick("各部门的电子印章", "Departments' seals"),
        &[
            lang.pick("印章编码", "Seal code"),
            lang.pick("部门", "Department"),
            lang.pick("状态", "Status"),
            lang.pick("有效期至", "Valid until"),
            lang.pick("印模", "Picture"),
        ],
    );
    t.intro.push(format!(
        "{}/api/v1/seal-authority/certificate",
        lang.pick(
            "印章根证书（验证方信任的证书）：",
            "The seal authority's certificate (what verifiers trust): "
        )
    ));
    for s in &list {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&s.es_id),
                Cell::text(names.get(&s.department_id).cloned().unwrap_or_default()),
                Cell::text(match s.status.as_str() {
                    "active" => lang.pick("在用", "active"),
                    "retired" => lang.pick("已更换", "retired"),
                    _ => lang.pick("已吊销", "revoked"),
                }),
                Cell::text(format_date(s.valid_until * 1_000_000, lang)),
                Cell::link(lang.pick("查看", "View"), &s.picture_url),
            ],
            actions: vec![],
        });
    }
    if auth.require(Permission::ManageSeals, &Target::OwnScope).is_ok() {
        let options: Vec<(String, String)> = names.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
        t.forms.push(FormView::new(
            "/seals",
            lang.pick("制发或更换印章", "Make or rotate a seal"),
            lang.pick("制发", "Make"),
            vec![
                FieldView::text(
                    "department_id",
                    lang.pick("部门", "Department"),
                    lang.pick("原在用印章将停用", "The current seal is retired"),
                    "",
                )
                .select(options),
            ],
        ));
        let seal_options: Vec<(String, String)> = list
            .iter()
            .filter(|s| s.status != "revoked")
            .map(|s| (s.id.to_string(), format!("{} {}", s.es_id, s.name)))
            .collect();
        let mut revoke = FormView::new(
            "/seals/revocation",
            lang.pick("吊销印章", "Revoke a seal"),
            lang.pick("吊销", "Revoke"),
            vec![
                FieldView::text("seal_id", lang.pick("印章", "Seal"), "", "").select(seal_options),
                FieldView::text("reason", lang.pick("原因", "Reason"), "", ""),
            ],
        );
        revoke.fields[0].id = "revoke-seal".into();
        t.forms.push(revoke);
    }
    Ok(render(StatusCode::OK, &t))
}

pub async fn make_seal(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    let id = f.get("department_id").and_then(|v| v.parse().ok()).unwrap_or(0);
    let _made = api::make_seal(State(state), auth, Path(id)).await?;
    Ok(Redirect::to("/seals").into_response())
}

pub async fn revoke_seal(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    let id = f.get("seal_id").and_then(|v| v.parse().ok()).unwrap_or(0);
    let reason = f.get("reason").cloned().unwrap_or_default();
    let _revoked = api::revoke_seal(State(state), auth, Path(id), Json(api::ReasonInput { reason })).await?;
    Ok(Redirect::to("/seals").into_response())
}

// ---------------------------------------------------------------------------------------------
// Certificate types (public)

/// 证照类型目录: every type, its fields, validity and defining department, with the import
/// template of each.
pub async fn types(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let list = api::list_types(State(state.clone()), Query(api::TypeQuery { department_id: None }))
        .await?
        .0;
    let l = Layout::new(&auth, &headers, "/certificate-types", "证照类型", "Certificate types");
    let lang = l.lang;
    let mut names = HashMap::new();
    for d in state.store.list_departments(None, yici_store::Page::all()).await? {
        names.insert(d.id, d.name);
    }
    let mut t = TablePage::new(
        l,
        lang.pick("电子证照类型目录", "Certificate types"),
        &[
            lang.pick("类型代码", "Code"),
            lang.pick("名称", "Name"),
            lang.pick("持证主体", "Holder"),
            lang.pick("照面信息", "Fields"),
            lang.pick("有效期", "Validity"),
            lang.pick("定义部门", "Defined by"),
            lang.pick("批量签发模板", "Import template"),
        ],
    );
    for ty in &list {
        let d = &ty.definition;
        t.rows.push(RowView {
            cells: vec![
                Cell::text(&d.code),
                Cell::text(&d.name),
                Cell::text(d.holder_kind.name(lang)),
                Cell::text(d.fields.iter().map(|f| f.label.as_str()).collect::<Vec<_>>().join("、")),
                Cell::text(d.validity.describe(lang)),
                Cell::text(names.get(&ty.department_id).cloned().unwrap_or_default()),
                Cell::link("CSV", format!("/api/v1/certificate-types/{}/template.csv", d.code)),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}
