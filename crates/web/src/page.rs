//! The page frame and what pages are made of: the layout with its menu, language switch and
//! 长辈版 (the large-print mode for older readers), forms that keep their input and mark their
//! errors, tables with filters and row actions, and error pages.

use crate::auth::Auth;
use crate::context::{LANG_COOKIE, MODE_COOKIE, cookie, current_lang, current_request_id};
use crate::error::ApiError;
use crate::menu::{NavItem, navigation};
use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::sync::Arc;
use yici_core::Lang;
use yici_core::authz::Principal;

/// The notice of a page shown after a successful action (post/redirect/get).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoticeOnly {
    pub notice: Option<String>,
}

/// What every page's frame needs.
pub struct Layout {
    pub lang: Lang,
    pub title: String,
    pub nav: Vec<NavItem>,
    pub who: Option<String>,
    pub csrf: String,
    pub elderly: bool,
    pub path: String,
    pub notice: Option<String>,
    /// The site's furniture: the footer and the demo banner.
    pub site: Arc<crate::site::Site>,
}

impl Layout {
    /// The frame for `path`, with navigation for what the principal may do.
    pub fn new(auth: &Auth, headers: &HeaderMap, path: &str, title_zh: &str, title_en: &str) -> Self {
        let lang = current_lang();
        let who = match (&auth.principal, &auth.user, &auth.applicant) {
            (Principal::User { .. }, Some(u), _) => Some(u.display_name.clone()),
            (Principal::Applicant { .. }, _, Some(a)) => Some(yici_core::org::mask_name(&a.name)),
            _ => None,
        };
        Layout {
            lang,
            title: lang.pick(title_zh, title_en).to_string(),
            nav: navigation(&auth.caller.principal, &auth.menu, path, lang),
            who,
            csrf: auth.csrf_token().to_string(),
            elderly: cookie(headers, MODE_COOKIE) == Some("elderly"),
            path: path.to_string(),
            notice: None,
            site: auth.site.clone(),
        }
    }

    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }

    pub fn lang_tag(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// A link that changes a display preference and comes back here.
    pub fn pref_link(&self, setting: &str) -> String {
        format!("/prefs?{setting}&back={}", encode(&self.path))
    }

    /// A date as `2026年11月26日` in Chinese, ISO in English, from UTC microseconds.
    pub fn date(&self, micros: i64) -> String {
        format_date(micros, self.lang)
    }
}

pub fn format_date(micros: i64, lang: Lang) -> String {
    format_day(yici_core::clock::china_date(micros), lang)
}

/// A day in the one form of each language: 2026年11月30日, 30 Nov 2026.
pub fn format_day(d: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%-m月%-d日").to_string(),
        Lang::En => d.format("%-d %b %Y").to_string(),
    }
}

/// A moment (UTC microseconds) as a day and a time in China: 2026年11月30日 09:05:00.
pub fn format_time(micros: i64, lang: Lang) -> String {
    let t = yici_core::clock::china_time(micros);
    format!("{} {}", format_day(t.date(), lang), t.format("%H:%M:%S"))
}

/// A validity in words: from a day, until a day or for good.
pub fn format_validity(from: chrono::NaiveDate, until: Option<chrono::NaiveDate>, lang: Lang) -> String {
    let until = until.map_or_else(|| lang.pick("长期", "permanent").to_string(), |d| format_day(d, lang));
    format!("{} – {until}", format_day(from, lang))
}

/// Percent-encode a path or query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A form field as rendered: label, hint, value kept across errors, and its error.
pub struct FieldView {
    /// The element id suffix (`f-<id>`); the name unless several forms share a field name.
    pub id: String,
    pub name: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub required: bool,
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
}

impl FieldView {
    pub fn text(name: &str, label: &str, hint: &str, value: &str) -> Self {
        FieldView {
            id: name.into(),
            name: name.into(),
            label: label.into(),
            hint: hint.into(),
            value: value.into(),
            kind: "text",
            autocomplete: "",
            required: true,
            options: Vec::new(),
            error: None,
        }
    }
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }
    pub fn autocomplete(mut self, a: &'static str) -> Self {
        self.autocomplete = a;
        self
    }
    pub fn select(mut self, options: Vec<(String, String)>) -> Self {
        self.options = options;
        self
    }
    /// A group of checkboxes, one per option; `value` holds the checked values, one per line.
    pub fn checkboxes(mut self, options: Vec<(String, String)>) -> Self {
        self.options = options;
        self.kind = "checkboxes";
        self
    }
    /// Whether the checkbox of `value` is checked.
    pub fn checks(&self, value: &str) -> bool {
        self.value.lines().any(|v| v == value)
    }
}

/// A whole form: fields, hidden values, and the error summary shown above it.
pub struct FormView {
    pub action: String,
    pub title: String,
    pub submit: String,
    pub fields: Vec<FieldView>,
    pub hidden: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
}

impl FormView {
    pub fn new(action: &str, title: &str, submit: &str, fields: Vec<FieldView>) -> Self {
        FormView {
            action: action.into(),
            title: title.into(),
            submit: submit.into(),
            fields,
            hidden: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Put an error's messages next to their fields and into the summary. Errors that name no
    /// field of this form are shown against the first field.
    pub fn with_error(mut self, e: &yici_service::Error, lang: Lang) -> Self {
        // The summary links to each field by its element id.
        let first = self.fields.first().map(|f| f.id.clone()).unwrap_or_default();
        if e.errors.is_empty() {
            let msg = e.message(lang).to_string();
            if let Some(f) = self.fields.first_mut() {
                f.error = Some(msg.clone());
            }
            self.errors.push((first, msg));
            return self;
        }
        for fe in &e.errors {
            let msg = fe.message(lang).to_string();
            match self.fields.iter_mut().find(|f| f.name == fe.field) {
                Some(f) => {
                    f.error = Some(msg.clone());
                    self.errors.push((f.id.clone(), msg));
                }
                None => self.errors.push((first.clone(), msg)),
            }
        }
        self
    }
}

/// One fact as a line: "资源：人口基础信息" in Chinese, "Resource: …" in English.
pub fn fact(lang: Lang, zh: &str, en: &str, value: &str) -> String {
    match lang {
        Lang::Zh => format!("{zh}：{value}"),
        Lang::En => format!("{en}: {value}"),
    }
}

/// The status of a form shown again with its errors: 200, because the reader gets a page (the
/// form, the input kept, the fields marked), not a failure. Only throttling keeps its 429, so
/// that clients back off.
pub fn shown_again(status: StatusCode) -> StatusCode {
    if status == StatusCode::TOO_MANY_REQUESTS {
        status
    } else {
        StatusCode::OK
    }
}

/// "Are you sure?" before a destructive action (撤销, 吊销, 注销, 申请撤销, withdrawing a
/// consent), without JavaScript: the form posts to the same action again with every field it
/// was given and `confirmed=1`; the other button goes back.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub l: Layout,
    pub question: String,
    pub details: Vec<String>,
    pub action: String,
    pub hidden: Vec<(String, String)>,
    pub yes: String,
    pub back: String,
}

/// Whether a form post carries the confirmation of [`ConfirmPage`].
pub fn confirmed(value: &str) -> bool {
    value == "1"
}

/// Render a template, answering 500 (logged) if rendering itself fails.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(request_id = %current_request_id(), error = %e, "template rendering failed");
            ApiError::internal().into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    message: String,
    code: String,
    request_id: String,
}

/// The HTML page for an error, used for browsers instead of a problem document: in the frame of
/// the caller's pages (menu, signed-in state, 长辈版) when the caller is known.
pub fn error_page(e: &ApiError, lang: Lang, caller: Option<(&Auth, &HeaderMap)>) -> Response {
    if e.status == StatusCode::UNAUTHORIZED && e.code == "unauthenticated" {
        return Redirect::to("/login").into_response();
    }
    let title = ("无法完成请求", "The request could not be completed");
    let l = match caller {
        Some((auth, headers)) => Layout::new(auth, headers, "", title.0, title.1),
        None => bare_layout(lang, title),
    };
    let page = ErrorPage {
        l,
        message: e.message(lang).to_string(),
        code: e.code.to_string(),
        request_id: current_request_id(),
    };
    render(e.status, &page)
}

fn bare_layout(lang: Lang, title: (&str, &str)) -> Layout {
    Layout {
        lang,
        title: lang.pick(title.0, title.1).to_string(),
        nav: Vec::new(),
        who: None,
        csrf: String::new(),
        elderly: false,
        path: "/".into(),
        notice: None,
        site: Arc::default(),
    }
}

#[derive(serde::Deserialize)]
pub struct PrefsQuery {
    lang: Option<String>,
    mode: Option<String>,
    back: Option<String>,
}

/// Remember the language or the display mode for this browser (a year), then go back.
pub async fn prefs(crate::extract::Query(q): crate::extract::Query<PrefsQuery>) -> Response {
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut res = Redirect::to(&back).into_response();
    let year = 365 * 24 * 3600;
    if let Some(lang) = q.lang.as_deref().and_then(Lang::from_tag) {
        let v = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age={year}; SameSite=Lax",
            if lang == Lang::En { "en" } else { "zh" }
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    if let Some(mode) = q.mode.as_deref().filter(|m| *m == "elderly" || *m == "standard")
        && let Ok(v) = HeaderValue::from_str(&format!("{MODE_COOKIE}={mode}; Path=/; Max-Age={year}; SameSite=Lax"))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The stylesheet of every page.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/yici.css"),
    )
        .into_response()
}

pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Self {
        Cell {
            text: t.into(),
            href: None,
        }
    }
    pub fn link(t: impl Into<String>, href: impl Into<String>) -> Self {
        Cell {
            text: t.into(),
            href: Some(href.into()),
        }
    }
}

pub struct RowView {
    pub cells: Vec<Cell>,
    /// Buttons that post to an action: (url, label).
    pub actions: Vec<(String, String)>,
}

/// A search form above a table (GET): text, date and list fields; empty fields mean "no
/// filter". A value it cannot use marks its field and keeps the input.
pub struct FilterView {
    pub action: String,
    pub submit: String,
    pub fields: Vec<FieldView>,
}

impl FilterView {
    /// Put an error's messages next to their fields (the first field when it names none).
    pub fn with_error(mut self, e: &yici_service::Error, lang: Lang) -> Self {
        let named: Vec<(String, String)> = if e.errors.is_empty() {
            let first = self.fields.first().map(|f| f.name.clone()).unwrap_or_default();
            vec![(first, e.message(lang).to_string())]
        } else {
            e.errors
                .iter()
                .map(|fe| (fe.field.clone(), fe.message(lang).to_string()))
                .collect()
        };
        for (field, msg) in named {
            let at = self.fields.iter().position(|f| f.name == field).unwrap_or(0);
            if let Some(f) = self.fields.get_mut(at) {
                f.error = Some(match f.error.take() {
                    Some(before) => format!("{before}；{msg}"),
                    None => msg,
                });
            }
        }
        self
    }

    /// Whether a field is marked.
    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }
}

#[derive(Template)]
#[template(path = "table.html")]
pub struct TablePage {
    pub l: Layout,
    pub crumbs: Vec<(String, String)>,
    pub intro: Vec<String>,
    /// Where to go from here, as links: a caption and (address, label) pairs.
    pub links: Option<(String, Vec<(String, String)>)>,
    pub secret: Option<String>,
    pub filter: Option<FilterView>,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<RowView>,
    pub more: Option<String>,
    pub forms: Vec<FormView>,
    /// A QR code to print with the page: its SVG (made by [`qr_svg`]) and its caption.
    pub qr: Option<(String, String)>,
}

/// A QR code (SVG) for `text`; empty when the text is too long for one.
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

impl TablePage {
    /// The heading of column `i`, which labels its cells when the table is stacked as cards on
    /// a narrow screen.
    pub fn label(&self, i: &usize) -> &str {
        self.head.get(*i).map_or("", String::as_str)
    }

    pub fn new(l: Layout, caption: &str, head: &[&str]) -> Self {
        TablePage {
            caption: caption.into(),
            head: head.iter().map(|h| h.to_string()).collect(),
            l,
            crumbs: Vec::new(),
            intro: Vec::new(),
            links: None,
            secret: None,
            filter: None,
            rows: Vec::new(),
            more: None,
            forms: Vec::new(),
            qr: None,
        }
    }
}
