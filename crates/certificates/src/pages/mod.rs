//! Certificate pages: the holder's own certificates (share with consent, 亮证 QR, uses), public
//! verification and shown certificates, the issuers' list, issue form and lifecycle actions,
//! the departments' use under consent, and the operators' seals.

pub mod holder;
pub mod issuer;
pub mod seals;

use crate::CertificatesState;
use crate::library::Verification;
use crate::service::CertificateView;
use askama::Template;
use yici_core::Lang;
use yici_core::certificate::CertificateType;
use yici_web::ApiResult;
use yici_web::page::{Cell, FormView, Layout, RowView, encode};

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

impl Section {
    /// The heading of column `i` (cells are labelled by it on a narrow screen).
    pub fn label(&self, i: &usize) -> &str {
        self.head.get(*i).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    pub l: Layout,
    pub crumbs: Vec<(String, String)>,
    pub intro: Vec<String>,
    pub verification: Option<Verification>,
    /// The verified certificate's validity, in the reader's words.
    pub validity: String,
    pub face: Option<Face>,
    pub qr: Option<QrView>,
    pub sections: Vec<Section>,
    pub forms: Vec<FormView>,
    /// Links shown under the certificate (downloads): address and label.
    pub links: Vec<(String, String)>,
}

impl CertificatePage {
    pub fn new(l: Layout) -> Self {
        CertificatePage {
            l,
            crumbs: vec![],
            intro: vec![],
            verification: None,
            validity: String::new(),
            face: None,
            qr: None,
            sections: vec![],
            forms: vec![],
            links: vec![],
        }
    }
}

pub use yici_web::page::qr_svg;

/// The address the QR code on a certificate carries.
pub fn verification_url(state: &CertificatesState, identifier: &str, code: &str) -> String {
    crate::library::verification_url(&state.public_url, identifier, code)
}

pub(crate) async fn face(state: &CertificatesState, c: &CertificateView, lang: Lang) -> ApiResult<Face> {
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
                    rows.push((f.label_in(lang).to_string(), v.clone()));
                }
            }
        }
        None => rows.extend(c.data.iter().map(|(k, v)| (k.clone(), v.clone()))),
    }
    rows.push((
        lang.pick("有效期", "Validity").to_string(),
        yici_web::page::format_validity(c.valid_from, c.valid_until, lang),
    ));
    rows.push((lang.pick("发证机关", "Issuer").to_string(), c.issuer_name.clone()));
    rows.push((lang.pick("版本", "Version").to_string(), format!("{:03}", c.version)));
    Ok(Face {
        type_name: t
            .as_ref()
            .map_or_else(|| c.type_name.clone(), |t| t.name_in(lang).to_string()),
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

/// The name of every type in `lang`, by code (English where the type gives one).
pub(crate) async fn type_names(
    state: &CertificatesState,
    lang: Lang,
) -> ApiResult<std::collections::HashMap<String, String>> {
    Ok(state
        .store
        .certificate_types(None)
        .await?
        .into_iter()
        .map(|t| (t.definition.code.clone(), t.definition.name_in(lang).to_string()))
        .collect())
}

/// The title of a certificate's page: its type's name in `lang`.
pub(crate) async fn type_name(state: &CertificatesState, code: &str, official: &str, lang: Lang) -> ApiResult<String> {
    Ok(state
        .store
        .certificate_type(code)
        .await?
        .map_or_else(|| official.to_string(), |t| t.definition.name_in(lang).to_string()))
}

pub(crate) fn certificate_rows(
    list: &[CertificateView],
    names: &std::collections::HashMap<String, String>,
    base: &str,
    lang: Lang,
) -> Vec<RowView> {
    list.iter()
        .map(|c| RowView {
            cells: vec![
                Cell::link(
                    names.get(&c.type_code).unwrap_or(&c.type_name),
                    format!("{base}/{}", encode(&c.identifier)),
                ),
                Cell::text(&c.holder_name),
                Cell::text(&c.number),
                Cell::text(&c.status_name),
                Cell::text(c.valid_until.map_or_else(
                    || lang.pick("长期", "permanent").to_string(),
                    |d| yici_web::page::format_day(d, lang),
                )),
                Cell::text(&c.issuer_name),
            ],
            actions: vec![],
        })
        .collect()
}

pub(crate) fn list_head(lang: Lang) -> Vec<&'static str> {
    vec![
        lang.pick("证照", "Certificate"),
        lang.pick("持证主体", "Holder"),
        lang.pick("编号", "Number"),
        lang.pick("状态", "Status"),
        lang.pick("有效期至", "Valid until"),
        lang.pick("发证机关", "Issuer"),
    ]
}
