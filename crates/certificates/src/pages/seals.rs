//! The operators' seal pages and the public list of certificate types.

use crate::CertificatesState;
use crate::service::{ReasonInput, types};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use yici_core::authz::{Permission, Target};
use yici_service::Kind;
use yici_web::extract::{Form, Query};
use yici_web::page::{
    Cell, ConfirmPage, FieldView, FormView, Layout, NoticeOnly, RowView, TablePage, format_date, render,
};
use yici_web::{ApiResult, Auth};

// Seals (operators)

pub async fn seals(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NoticeOnly>,
) -> ApiResult<Response> {
    seals_page(&state, &auth, &headers, q.notice.is_some(), None).await
}

/// A seal form the service refused: which form (`make` or `revoke`), what was sent, and why.
struct Refused<'a> {
    form: &'a str,
    input: &'a HashMap<String, String>,
    error: &'a yici_service::Error,
}

async fn seals_page(
    state: &CertificatesState,
    auth: &Auth,
    headers: &HeaderMap,
    notice: bool,
    refused: Option<Refused<'_>>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadSeals, &Target::OwnScope)?;
    let list = types::seals(state, auth, None).await?;
    let mut l = Layout::new(auth, headers, "/seals", "电子印章", "Seals");
    l.notice = notice.then(|| l.t("已处理。", "Done.").to_string());
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
    t.links = Some((
        lang.pick("验证方信任的证书：", "What verifiers trust:").to_string(),
        vec![(
            "/api/v1/seal-authority/certificate".to_string(),
            lang.pick("印章根证书（PEM）", "The seal authority's certificate (PEM)")
                .to_string(),
        )],
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
        let choose = || (String::new(), lang.pick("请选择", "Choose").to_string());
        let mut make = FormView::new(
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
                .select(std::iter::once(choose()).chain(options).collect()),
            ],
        );
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
                FieldView::text("seal_id", lang.pick("印章", "Seal"), "", "")
                    .select(std::iter::once(choose()).chain(seal_options).collect()),
                FieldView::text("reason", lang.pick("原因", "Reason"), "", ""),
            ],
        );
        revoke.fields[0].id = "revoke-seal".into();
        if let Some(r) = &refused {
            let form = if r.form == "make" { &mut make } else { &mut revoke };
            for f in &mut form.fields {
                f.value = r.input.get(&f.name).cloned().unwrap_or_default();
            }
            *form = std::mem::replace(form, FormView::new("", "", "", vec![])).with_error(r.error, lang);
        }
        t.forms.push(make);
        t.forms.push(revoke);
    }
    Ok(render(StatusCode::OK, &t))
}

/// The id a select sent, or the field's error.
fn chosen(f: &HashMap<String, String>, field: &str) -> Result<i64, yici_service::Error> {
    f.get(field)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| yici_service::Error::field(field, "请从列表中选择", "Choose one of the list"))
}

pub async fn make_seal(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageSeals, &Target::OwnScope)?;
    let made = match chosen(&f, "department_id") {
        Ok(id) => types::make_seal(&state, &auth, id).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match made {
        Ok(()) => Ok(Redirect::to("/seals?notice=done").into_response()),
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict | Kind::NotFound) => {
            let refused = Refused {
                form: "make",
                input: &f,
                error: &e,
            };
            seals_page(&state, &auth, &headers, false, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Revoke a seal: asked once more by name (certificates it sealed stay verifiable only up to
/// the revocation), then done.
pub async fn revoke_seal(
    State(state): State<CertificatesState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageSeals, &Target::OwnScope)?;
    let reason = f.get("reason").cloned().unwrap_or_default();
    let checked = chosen(&f, "seal_id").and_then(|id| {
        if reason.trim().is_empty() {
            Err(yici_service::Error::field(
                "reason",
                "吊销印章必须说明原因",
                "A revocation needs its reason",
            ))
        } else {
            Ok(id)
        }
    });
    let done = match checked {
        Ok(id) if !yici_web::page::confirmed(f.get("confirmed").map_or("", String::as_str)) => {
            let seal = types::seals(&state, &auth, None)
                .await?
                .into_iter()
                .find(|s| s.id == id && s.status != "revoked");
            match seal {
                Some(seal) => {
                    let l = Layout::new(&auth, &headers, "/seals", "吊销印章", "Revoke a seal");
                    let page = ConfirmPage {
                        question: format!("{}“{} {}”？", l.t("吊销印章", "Revoke the seal"), seal.es_id, seal.name),
                        details: vec![
                            l.t(
                                "吊销后该印章不能再签章，部门需制发新印章；原因将记入审计日志。",
                                "Once revoked it seals nothing more and the department needs a new seal; the reason is logged.",
                            )
                            .to_string(),
                        ],
                        action: "/seals/revocation".into(),
                        hidden: vec![("seal_id".into(), id.to_string()), ("reason".into(), reason.clone())],
                        yes: l.t("确认吊销", "Yes, revoke it").to_string(),
                        back: "/seals".into(),
                        l,
                    };
                    return Ok(render(StatusCode::OK, &page));
                }
                None => Err(yici_service::Error::field(
                    "seal_id",
                    "请从列表中选择",
                    "Choose one of the list",
                )),
            }
        }
        Ok(id) => types::revoke_seal(&state, &auth, id, ReasonInput { reason: reason.clone() })
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(Redirect::to("/seals?notice=done").into_response()),
        Err(e) if matches!(e.kind, Kind::Invalid | Kind::Conflict | Kind::NotFound) => {
            let refused = Refused {
                form: "revoke",
                input: &f,
                error: &e,
            };
            seals_page(&state, &auth, &headers, false, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Certificate types (public)

/// 证照类型目录: every type, its fields, validity and defining department, with the import
/// template of each.
pub async fn types(State(state): State<CertificatesState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let list = types::list(&state, None).await?;
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
                Cell::text(d.name_in(lang)),
                Cell::text(d.holder_kind.name(lang)),
                Cell::text(
                    d.fields
                        .iter()
                        .map(|f| f.label_in(lang))
                        .collect::<Vec<_>>()
                        .join(lang.pick("、", ", ")),
                ),
                Cell::text(d.validity.describe(lang)),
                Cell::text(names.get(&ty.department_id).cloned().unwrap_or_default()),
                Cell::link("CSV", format!("/api/v1/certificate-types/{}/template.csv", d.code)),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}
