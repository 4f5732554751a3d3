//! The operators' seal pages and the public list of certificate types.

use crate::CertificatesState;
use crate::service::{ReasonInput, types};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use yici_core::authz::{Permission, Target};
use yici_web::extract::Form;
use yici_web::page::{Cell, FieldView, FormView, Layout, RowView, TablePage, format_date, render};
use yici_web::{ApiResult, Auth};

// Seals (operators)

pub async fn seals(State(state): State<CertificatesState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    auth.require(Permission::ReadSeals, &Target::OwnScope)?;
    let list = types::seals(&state, &auth, None).await?;
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
    State(state): State<CertificatesState>,
    auth: Auth,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    let id = f.get("department_id").and_then(|v| v.parse().ok()).unwrap_or(0);
    types::make_seal(&state, &auth, id).await?;
    Ok(Redirect::to("/seals").into_response())
}

pub async fn revoke_seal(
    State(state): State<CertificatesState>,
    auth: Auth,
    Form(f): Form<HashMap<String, String>>,
) -> ApiResult<Response> {
    let id = f.get("seal_id").and_then(|v| v.parse().ok()).unwrap_or(0);
    let reason = f.get("reason").cloned().unwrap_or_default();
    types::revoke_seal(&state, &auth, id, ReasonInput { reason }).await?;
    Ok(Redirect::to("/seals").into_response())
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
