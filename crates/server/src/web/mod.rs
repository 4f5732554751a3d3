//! Server-rendered pages (askama), in Simplified Chinese with an English switch, usable without
//! JavaScript. Pages call the same validation and store functions as the API; authorisation is
//! the same [`crate::auth::Auth::require`].

mod account;
mod admin;
mod audit;
mod catalogue;
mod certificates;
mod oidc;
mod sharing;

use crate::auth::Auth;
use crate::context::{LANG_COOKIE, MODE_COOKIE, cookie, current_lang, current_request_id};
use crate::error::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use yici_core::Lang;
use yici_core::authz::{Permission, Principal, Target, decide};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(account::home))
        .route("/login", get(account::login_page).post(account::login))
        .route(
            "/login/applicant",
            get(account::applicant_page).post(account::applicant_login),
        )
        .route("/login/applicant/oidc", get(oidc::start))
        .route("/login/applicant/oidc/callback", get(oidc::callback))
        .route("/logout", post(account::logout))
        .route("/prefs", get(prefs))
        .route("/static/yici.css", get(stylesheet))
        .route("/admin/regions", get(admin::regions).post(admin::create_region))
        .route(
            "/admin/departments",
            get(admin::departments).post(admin::create_department),
        )
        .route("/admin/systems", get(admin::systems).post(admin::create_system))
        .route("/admin/systems/{id}", get(admin::system))
        .route("/admin/systems/{id}/tokens", post(admin::issue_token))
        .route(
            "/admin/systems/{id}/tokens/{token_id}/revoke",
            post(admin::revoke_token),
        )
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}", get(admin::user))
        .route("/admin/users/{id}/roles", post(admin::grant_role))
        .route("/admin/users/{id}/roles/{role_id}/revoke", post(admin::revoke_role))
        .route("/admin/users/{id}/disabled", post(admin::set_disabled))
        .route("/calendar", get(admin::calendar))
        .route("/audit", get(audit::search))
        .route("/sharing/requests", get(sharing::requests))
        .route("/sharing/requests/{id}", get(sharing::one))
        .route("/sharing/requests/{id}/{action}", post(sharing::decide))
        .route("/sharing/grants", get(sharing::grants))
        .route("/notifications", get(sharing::notifications))
        .route("/catalogue", get(catalogue::public_catalogue))
        .route("/catalogue/{id}", get(catalogue::detail))
        .route("/gov/catalogue", get(catalogue::government_catalogue))
        .route(
            "/catalogue/drafts",
            get(catalogue::drafts).post(catalogue::create_draft),
        )
        .route(
            "/catalogue/drafts/{id}",
            get(catalogue::edit_form).post(catalogue::save_draft),
        )
        .route("/catalogue/drafts/{id}/{action}", post(catalogue::page_step))
        .route("/catalogue/review", get(catalogue::review))
        .route("/catalogue/statistics", get(catalogue::stats_page))
        .route("/me/certificates", get(certificates::mine))
        .route("/me/certificates/{identifier}", get(certificates::my_one))
        .route("/me/certificates/{identifier}/consents", post(certificates::my_consent))
        .route(
            "/me/certificates/{identifier}/consents/{id}/withdraw",
            post(certificates::my_withdraw),
        )
        .route("/me/certificates/{identifier}/show", post(certificates::my_show))
        .route("/verify", get(certificates::verify).post(certificates::verify_post))
        .route("/shows/{token}", get(certificates::shown))
        .route("/certificates", get(certificates::list))
        .route(
            "/certificates/new",
            get(certificates::new_form).post(certificates::issue),
        )
        .route("/certificates/{identifier}", get(certificates::one))
        .route("/certificates/{identifier}/operations", post(certificates::operate))
        .route("/certificates/{identifier}/use-copies", post(certificates::use_copy))
        .route("/certificate-types", get(certificates::types))
        .route("/seals", get(certificates::seals).post(certificates::make_seal))
        .route("/seals/revocation", post(certificates::revoke_seal))
        .route("/me/data-uses", get(audit::my_data_uses))
        .route("/me/data-uses/{id}/proof", get(audit::my_proof))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/yici.css"),
    )
        .into_response()
}

/// One entry of the main navigation.
pub struct NavItem {
    pub href: String,
    pub label: String,
    pub current: bool,
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
            nav: navigation(&auth.principal, path, lang),
            who,
            csrf: auth.csrf_token().to_string(),
            elderly: cookie(headers, MODE_COOKIE) == Some("elderly"),
            path: path.to_string(),
            notice: None,
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
    let Some(t) = chrono::DateTime::from_timestamp_micros(micros) else {
        return String::new();
    };
    let t = t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"));
    match lang {
        Lang::Zh => t.format("%Y年%m月%d日").to_string(),
        Lang::En => t.format("%Y-%m-%d").to_string(),
    }
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

/// The menu follows the permissions the principal actually has.
fn navigation(principal: &Principal, path: &str, lang: Lang) -> Vec<NavItem> {
    if matches!(principal, Principal::Anonymous) {
        return Vec::new();
    }
    let can = |p: Permission| decide(principal, p, &Target::OwnScope).is_ok();
    let mut items = vec![("/", "首页", "Home", true)];
    items.push(("/admin/regions", "行政区划", "Regions", can(Permission::ManageRegions)));
    items.push((
        "/admin/departments",
        "部门",
        "Departments",
        can(Permission::ManageDepartments),
    ));
    items.push(("/admin/systems", "应用系统", "Systems", can(Permission::ReadSystems)));
    items.push((
        "/admin/users",
        "用户与角色",
        "Users and roles",
        can(Permission::ReadUsers),
    ));
    items.push((
        "/calendar",
        "工作日历",
        "Working-day calendar",
        can(Permission::ReadCalendar),
    ));
    items.push(("/audit", "审计日志", "Audit log", can(Permission::ReadAudit)));
    items.push((
        "/me/data-uses",
        "谁用了我的数据",
        "Who used my data",
        can(Permission::ReadOwnDataUses),
    ));
    items.push((
        "/me/certificates",
        "我的证照",
        "My certificates",
        can(Permission::HoldCertificates),
    ));
    items.push((
        "/certificates",
        "电子证照",
        "Certificates",
        can(Permission::IssueCertificates) || can(Permission::UseCertificates),
    ));
    items.push((
        "/certificate-types",
        "证照类型",
        "Certificate types",
        can(Permission::ManageCertificateTypes),
    ));
    items.push(("/seals", "电子印章", "Seals", can(Permission::ReadSeals)));
    items.push((
        "/sharing/requests",
        "共享申请",
        "Sharing requests",
        can(Permission::ReadSharing),
    ));
    items.push(("/sharing/grants", "共享授权", "Grants", can(Permission::ReadSharing)));
    items.push((
        "/notifications",
        "消息通知",
        "Notifications",
        can(Permission::ReadSharing),
    ));
    items.push((
        "/gov/catalogue",
        "数据资源目录",
        "Data catalogue",
        can(Permission::ReadCatalogue),
    ));
    items.push((
        "/catalogue/drafts",
        "资源编目",
        "Cataloguing",
        can(Permission::ManageCatalogue),
    ));
    items.push((
        "/catalogue/review",
        "目录审核",
        "Catalogue review",
        can(Permission::ReviewCatalogue),
    ));
    items.push((
        "/catalogue/statistics",
        "目录统计",
        "Catalogue statistics",
        can(Permission::ReadCatalogue),
    ));
    items
        .into_iter()
        .filter(|(_, _, _, ok)| *ok)
        .map(|(href, zh, en, _)| NavItem {
            href: href.to_string(),
            label: lang.pick(zh, en).to_string(),
            current: path == href || (href != "/" && path.starts_with(href)),
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
    pub fn with_error(mut self, e: &ApiError, lang: Lang) -> Self {
        let first = self.fields.first().map(|f| f.name.clone()).unwrap_or_default();
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
                    self.errors.push((fe.field.clone(), msg));
                }
                None => self.errors.push((first.clone(), msg)),
            }
        }
        self
    }
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

/// The HTML page for an error, used for browsers instead of a problem document.
pub fn error_page(e: &ApiError, lang: Lang) -> Response {
    if e.status == StatusCode::UNAUTHORIZED && e.code == "unauthenticated" {
        return Redirect::to("/login").into_response();
    }
    let l = Layout {
        lang,
        title: lang
            .pick("无法完成请求", "The request could not be completed")
            .to_string(),
        nav: Vec::new(),
        who: None,
        csrf: String::new(),
        elderly: false,
        path: "/".into(),
        notice: None,
    };
    let page = ErrorPage {
        l,
        message: e.message(lang).to_string(),
        code: e.code.to_string(),
        request_id: current_request_id(),
    };
    render(e.status, &page)
}

#[derive(serde::Deserialize)]
struct PrefsQuery {
    lang: Option<String>,
    mode: Option<String>,
    back: Option<String>,
}

/// Remember the language or the display mode for this browser (a year), then go back.
async fn prefs(crate::extract::Query(q): crate::extract::Query<PrefsQuery>) -> Response {
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
