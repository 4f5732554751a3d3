//! Administration pages: regions, departments, systems and their tokens, users and roles, the
//! working-day calendar. Each page is a table with the forms that act on it.

mod calendar;
mod directory;
mod systems;
mod users;

pub use calendar::*;
pub use directory::*;
pub use systems::*;
pub use users::*;

use crate::DirectoryState;
use crate::service::regions::{self, DepartmentInput, RegionInput};
use crate::service::systems::{SystemInput, system_in_scope, system_target};
use crate::service::users::{RoleInput, UserInput, create, grant, user_in_scope};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_core::id::RegionCode;
use yici_core::org::{DepartmentKind, Role};
use yici_service::context::current_lang;
use yici_service::{Error, Kind};
use yici_store::Page;
use yici_web::Auth;
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, FieldView, FilterView, FormView, Layout, RowView, TablePage, encode, format_date, render};
use yici_web::{ApiError, ApiResult};

/// Notices shown after a successful action (post/redirect/get).
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
    pub parent: Option<String>,
    pub region: Option<String>,
    pub offset: Option<i64>,
}

fn notice_text(code: &str, lang: Lang) -> Option<String> {
    let (zh, en) = match code {
        "saved" => ("已保存。", "Saved."),
        "created" => ("已创建。", "Created."),
        "revoked" => ("已吊销。", "Revoked."),
        "granted" => ("已授予角色。", "Role granted."),
        "removed" => ("已撤销角色。", "Role removed."),
        "disabled" => (
            "账号已停用，其登录会话已结束。",
            "Account disabled; its sessions have ended.",
        ),
        "enabled" => ("账号已启用。", "Account enabled."),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_string())
}

fn layout(auth: &Auth, headers: &HeaderMap, path: &str, zh: &str, en: &str, q: &NoticeQuery) -> Layout {
    let mut l = Layout::new(auth, headers, path, zh, en);
    l.notice = q.notice.as_deref().and_then(|n| notice_text(n, l.lang));
    l
}

fn redirect(to: &str, notice: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}notice={notice}")).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeOnly {
    pub notice: Option<String>,
}
