//! Home, sign-in and sign-out pages.

use crate::DirectoryState;
use crate::service::sessions::{
    applicant_actor, check_password, invalid_credentials, start_session, user_actor, verify_applicant,
};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yici_core::audit::Action;
use yici_core::authz::roles_of;
use yici_service::context::current_lang;
use yici_store::sessions::SessionPrincipal;
use yici_web::ApiError;
use yici_web::Auth;
use yici_web::auth::{clear_session_cookie, session_cookie};
use yici_web::extract::{Form, Query};
use yici_web::home::Tile;
use yici_web::page::{FieldView, FormView, Layout, render};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    roles: Vec<String>,
    /// What waits for the reader, from every capability.
    tiles: Vec<Tile>,
    /// Whether the reader is a citizen or a company (their services, not staff shortcuts).
    applicant: bool,
}

/// The home page: for visitors, the ways in; for a signed-in reader, what waits for them (the
/// counts every capability gave, each linking to its list) and their services or shortcuts.
pub fn home(auth: &Auth, headers: &HeaderMap, tiles: Vec<Tile>) -> Response {
    let l = Layout::new(auth, headers, "/", "首页", "Home");
    let lang = l.lang;
    let roles = roles_of(&auth.principal)
        .into_iter()
        .map(|r| r.name(lang).to_string())
        .collect();
    let applicant = matches!(auth.principal, yici_core::authz::Principal::Applicant { .. });
    render(
        StatusCode::OK,
        &HomePage {
            l,
            roles,
            tiles,
            applicant,
        },
    )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    intro: Option<String>,
    /// Sign-in through the province's identity platform (OpenID Connect), when configured.
    platform: Option<PlatformLink>,
    /// The form, unless the identity platform is the only way in.
    form: Option<FormView>,
}

struct PlatformLink {
    href: String,
    label: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// A local path to go to after signing in; anything else (another site, `//host`, `/\host`,
/// the sign-in pages themselves) goes home.
pub(super) fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") && !next.starts_with("/login") {
        next.to_string()
    } else {
        "/".into()
    }
}

fn login_form(l: &Layout, username: &str, next: &str) -> FormView {
    let mut form = FormView::new(
        "/login",
        l.t("工作人员登录", "Staff sign-in"),
        l.t("登录", "Sign in"),
        vec![
            FieldView::text(
                "username",
                l.t("用户名", "Username"),
                l.t(
                    "由平台运营分配的工作账号",
                    "The staff account given to you by the platform operator",
                ),
                username,
            )
            .autocomplete("username"),
            FieldView::text(
                "password",
                l.t("密码", "Password"),
                l.t("区分大小写", "Case-sensitive"),
                "",
            )
            .kind("password")
            .autocomplete("current-password"),
        ],
    );
    form.hidden.push(("next".into(), safe_next(next)));
    form
}

pub async fn login_page(auth: Auth, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let l = Layout::new(&auth, &headers, "/login", "工作人员登录", "Staff sign-in");
    let form = login_form(&l, "", q.next.as_deref().unwrap_or("/"));
    render(
        StatusCode::OK,
        &LoginPage {
            l,
            intro: None,
            platform: None,
            form: Some(form),
        },
    )
}

pub(super) fn signed_in(state: &DirectoryState, cookie: &str, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(cookie, state.config.session_ttl.as_secs(), state.config.secure_cookies),
    );
    res
}

pub async fn login(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let user = if f.username.len() > 64 || f.password.len() > 256 {
        Ok(None)
    } else {
        check_password(&state, &f.username, &f.password)
            .await
            .map_err(ApiError::from)
    };
    let result = match user {
        Ok(Some(u)) => start_session(&state, SessionPrincipal::User(u.id), user_actor(&u))
            .await
            .map_err(ApiError::from),
        Ok(None) => Err(invalid_credentials().into()),
        Err(e) => Err(e),
    };
    match result {
        Ok((cookie, _)) => signed_in(&state, &cookie, &safe_next(&f.next)),
        Err(e) => {
            let l = Layout::new(&auth, &headers, "/login", "工作人员登录", "Staff sign-in");
            let form = login_form(&l, &f.username, &f.next).with_error(&e, current_lang());
            render(
                yici_web::page::shown_again(e.status),
                &LoginPage {
                    l,
                    intro: None,
                    platform: None,
                    form: Some(form),
                },
            )
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ApplicantForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
}

fn applicant_form(l: &Layout, f: &ApplicantForm) -> FormView {
    FormView::new(
        "/login/applicant",
        l.t("个人/法人登录", "Citizen / company sign-in"),
        l.t("实名核验并登录", "Verify and sign in"),
        vec![
            FieldView::text(
                "id_number",
                l.t("证件号码", "ID number"),
                l.t(
                    "18位公民身份号码，或18位统一社会信用代码",
                    "18-character citizen ID number or unified social credit code",
                ),
                &f.id_number,
            ),
            FieldView::text(
                "name",
                l.t("姓名或单位名称", "Name"),
                l.t(
                    "与证件上的姓名（名称）一致",
                    "As on the ID document or business licence",
                ),
                &f.name,
            ),
        ],
    )
}

/// The applicant sign-in page: the identity platform's button when one is configured, the
/// number-and-name form where a verification register is (the demo), and a clear notice when
/// there is neither.
fn applicant_login_page(state: &DirectoryState, l: Layout, form: Option<FormView>) -> LoginPage {
    let platform = state.oidc.get().map(|_| PlatformLink {
        href: "/login/applicant/oidc".into(),
        label: l
            .t("通过统一身份认证平台登录", "Sign in through the identity platform")
            .into(),
    });
    let form = state.identity.as_ref().and(form);
    let intro = match (&platform, &form) {
        (_, Some(_)) => l.t(
            "使用公民身份号码（个人）或统一社会信用代码（企业和其他组织）登录，平台将进行实名核验。",
            "Sign in with your citizen ID number (people) or unified social credit code (companies and organisations); the platform verifies your real name.",
        ),
        (Some(_), None) => l.t(
            "个人和企业通过省统一身份认证平台实名登录。",
            "People and companies sign in with their real name through the province's identity platform.",
        ),
        (None, None) => l.t(
            "本平台尚未接入实名认证（统一身份认证平台），暂不能以申请人身份登录；请联系平台运营方。",
            "No identity platform is configured yet, so applicants cannot sign in; please contact the platform operator.",
        ),
    };
    LoginPage {
        intro: Some(intro.to_string()),
        l,
        platform,
        form,
    }
}

pub async fn applicant_page(State(state): State<DirectoryState>, auth: Auth, headers: HeaderMap) -> Response {
    let l = Layout::new(
        &auth,
        &headers,
        "/login/applicant",
        "个人/法人登录",
        "Citizen / company sign-in",
    );
    let form = applicant_form(&l, &ApplicantForm::default());
    render(StatusCode::OK, &applicant_login_page(&state, l, Some(form)))
}

pub async fn applicant_login(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<ApplicantForm>,
) -> Response {
    let result: Result<(String, String), ApiError> = match verify_applicant(&state, &f.id_number, &f.name).await {
        Ok(a) => start_session(&state, SessionPrincipal::Applicant(a.id), applicant_actor(a.id))
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok((cookie, _)) => signed_in(&state, &cookie, "/"),
        Err(e) => {
            let l = Layout::new(
                &auth,
                &headers,
                "/login/applicant",
                "个人/法人登录",
                "Citizen / company sign-in",
            );
            let form = applicant_form(&l, &f).with_error(&e, current_lang());
            let mut page = applicant_login_page(&state, l, Some(form));
            if page.form.is_none() {
                page.intro = Some(e.message(current_lang()).to_string());
            }
            render(yici_web::page::shown_again(e.status), &page)
        }
    }
}

pub async fn logout(State(state): State<DirectoryState>, auth: Auth) -> Response {
    if let Some(s) = &auth.session
        && let Err(e) = state
            .store
            .delete_session(&s.digest, &auth.event(Action::SessionSignOut, "session"))
            .await
    {
        return ApiError::from(e).into_response();
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(header::SET_COOKIE, clear_session_cookie());
    res
}
