//! Audit pages: "who used my data" (谁用了我的数据) for citizens and companies, and the log
//! search for operators and supervisors.

use crate::AuditState;
use crate::api::SearchQuery;
use crate::service;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use yici_core::Lang;
use yici_core::audit::{Action, EntryContent, action_name};
use yici_core::authz::{Permission, Target};
use yici_service::Kind;
use yici_store::Page;
use yici_web::extract::{Path, Query};
use yici_web::page::{Cell, FilterView, RowView, TablePage};
use yici_web::page::{FieldView, Layout, encode, render};
use yici_web::{ApiResult, Auth};

/// Names of departments and systems, looked up once per page.
#[derive(Default)]
struct Names {
    departments: HashMap<i64, String>,
    systems: HashMap<i64, String>,
}

impl Names {
    async fn department(&mut self, state: &AuditState, id: Option<i64>) -> ApiResult<String> {
        let Some(id) = id else { return Ok(String::new()) };
        if let Some(n) = self.departments.get(&id) {
            return Ok(n.clone());
        }
        let name = state
            .store
            .department(id)
            .await?
            .map(|d| d.name)
            .unwrap_or_else(|| format!("#{id}"));
        self.departments.insert(id, name.clone());
        Ok(name)
    }
    async fn system(&mut self, state: &AuditState, id: Option<i64>) -> ApiResult<String> {
        let Some(id) = id else { return Ok(String::new()) };
        if let Some(n) = self.systems.get(&id) {
            return Ok(n.clone());
        }
        let name = state
            .store
            .system(id)
            .await?
            .map(|s| s.name)
            .unwrap_or_else(|| format!("#{id}"));
        self.systems.insert(id, name.clone());
        Ok(name)
    }
}

fn when(c: &EntryContent, lang: Lang) -> String {
    yici_web::page::format_time(c.time, lang)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct OffsetQuery {
    offset: Option<i64>,
}

/// 谁用了我的数据.
pub async fn my_data_uses(
    State(state): State<AuditState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<OffsetQuery>,
) -> ApiResult<Response> {
    let offset = q.offset.unwrap_or(0).max(0);
    let entries = service::my_entries(&state, &auth, Page::new(Some(50), Some(offset))).await?;
    let l = Layout::new(&auth, &headers, "/me/data-uses", "谁用了我的数据", "Who used my data");
    let lang = l.lang;
    let mut page = TablePage::new(
        l,
        lang.pick("使用我的数据的记录", "Uses of my data"),
        &[
            lang.pick("时间", "Time"),
            lang.pick("部门", "Department"),
            lang.pick("系统", "System"),
            lang.pick("操作", "Action"),
            lang.pick("用途", "Purpose"),
            lang.pick("关联办件或授权", "Case or grant"),
            lang.pick("结果", "Outcome"),
            lang.pick("核验凭证", "Proof"),
        ],
    );
    // In words for people; the commands are on the developers' page.
    page.intro.push(
        lang.pick(
            "这里列出政府部门和应用系统每一次使用您的数据的记录：谁、在何时、为了什么、办理哪件事。",
            "Every use of your data by a department or a system is listed here: who, when, why, and for which case.",
        )
        .into(),
    );
    page.intro.push(
        lang.pick(
            "每条记录都写入防篡改的审计日志：记录一旦写入，任何人都无法悄悄修改或删除。您可以下载每条记录的“核验凭证”，交给您信任的机构或技术人员，用平台公布的公钥独立核验这条记录确实在日志中、且未被改动。",
            "Each record is an entry of a tamper-evident audit log: once written, nobody can quietly change or remove it. You can download each record's proof and have anyone you trust check, with the platform's published key, that the record is in the log and unchanged.",
        )
        .into(),
    );
    page.links = Some((
        lang.pick("核验方法：", "How to check:").to_string(),
        vec![(
            "/developers".to_string(),
            lang.pick("开发者说明", "For developers").to_string(),
        )],
    ));
    let mut names = Names::default();
    let count = entries.len();
    for e in entries {
        let c = &e.content;
        let case = c.case_ref.clone().or_else(|| c.grant_ref.clone()).unwrap_or_default();
        page.rows.push(RowView {
            cells: vec![
                Cell::text(when(c, lang)),
                Cell::text(names.department(&state, c.actor.department_id).await?),
                Cell::text(names.system(&state, c.actor.system_id).await?),
                Cell::text(action_name(&c.action, lang)),
                Cell::text(c.purpose.clone().unwrap_or_default()),
                Cell::text(case),
                Cell::text(c.outcome.name(lang)),
                Cell::link(
                    lang.pick("下载证明", "Download proof"),
                    format!("/me/data-uses/{}/proof", e.id),
                ),
            ],
            actions: vec![],
        });
    }
    if count == 50 {
        page.more = Some(format!("/me/data-uses?offset={}", offset + 50));
    }
    Ok(render(StatusCode::OK, &page))
}

/// The proof bundle of one of my entries, as a download.
pub async fn my_proof(State(state): State<AuditState>, auth: Auth, Path(id): Path<i64>) -> ApiResult<Response> {
    let bundle = service::my_proof(&state, &auth, id).await?;
    let body = serde_json::to_vec_pretty(&bundle).expect("bundle serialises");
    let disposition = format!("attachment; filename=\"yici-audit-proof-{id}.json\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The log search for operators and supervisors.
pub async fn search(
    State(state): State<AuditState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Response> {
    let offset = q.offset.unwrap_or(0).max(0);
    // A value the search cannot use keeps the form, its input and the menu, with the field marked.
    let searched = match q.search() {
        Ok(s) => service::search(&state, &auth, s, Page::new(Some(50), Some(offset))).await,
        Err(e) => {
            auth.require(Permission::ReadAudit, &Target::OwnScope)?;
            Err(e)
        }
    };
    let (entries, refused) = match searched {
        Ok(entries) => (entries, None),
        Err(e) if e.kind == Kind::Invalid => (Vec::new(), Some(e)),
        Err(e) => return Err(e.into()),
    };
    let l = Layout::new(&auth, &headers, "/audit", "审计日志", "Audit log");
    let lang = l.lang;
    let mut page = TablePage::new(
        l,
        lang.pick("审计日志条目（新的在前）", "Audit log entries, newest first"),
        &[
            lang.pick("序号", "Index"),
            lang.pick("时间", "Time"),
            lang.pick("操作者", "Actor"),
            lang.pick("部门", "Department"),
            lang.pick("系统", "System"),
            lang.pick("操作", "Action"),
            lang.pick("对象", "Object"),
            lang.pick("用途", "Purpose"),
            lang.pick("结果", "Outcome"),
            lang.pick("请求编号", "Request id"),
        ],
    );
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let all = || (String::new(), lang.pick("全部", "All").to_string());
    // Departments and systems the reader's scope covers, and every action, by name.
    let within = auth.departments_within(&state.store, Permission::ReadAudit).await?;
    let covered = |id: i64| within.as_ref().is_none_or(|w| w.contains(&id));
    let departments = state.store.list_departments(None, Page::all()).await?;
    let systems = state.store.list_systems(None).await?;
    let department_options = std::iter::once(all())
        .chain(
            departments
                .iter()
                .filter(|d| covered(d.id))
                .map(|d| (d.id.to_string(), d.name.clone())),
        )
        .collect();
    let system_options = std::iter::once(all())
        .chain(systems.iter().filter(|s| covered(s.department_id)).map(|s| {
            let of = departments.iter().find(|d| d.id == s.department_id);
            let label = match of {
                Some(d) => format!("{}（{}）", s.name, d.name),
                None => s.name.clone(),
            };
            (s.id.to_string(), label)
        }))
        .collect();
    let action_options = std::iter::once(all())
        .chain(
            Action::ALL
                .iter()
                .map(|a| (a.code().to_string(), a.name(lang).to_string())),
        )
        .collect();
    let mut filter = FilterView {
        action: "/audit".into(),
        submit: lang.pick("查询", "Search").into(),
        fields: vec![
            FieldView::text("department", lang.pick("部门", "Department"), "", &text(&q.department))
                .select(department_options),
            FieldView::text("system", lang.pick("应用系统", "System"), "", &text(&q.system)).select(system_options),
            FieldView::text("subject", lang.pick("证件号码", "ID number"), "", &text(&q.subject)),
            FieldView::text("action", lang.pick("操作", "Action"), "", &text(&q.action)).select(action_options),
            FieldView::text("from", lang.pick("起始日期", "From"), "", &text(&q.from)).kind("date"),
            FieldView::text("to", lang.pick("截止日期", "To"), "", &text(&q.to)).kind("date"),
        ],
    };
    if let Some(e) = &refused {
        filter = filter.with_error(e, lang);
    }
    page.filter = Some(filter);
    let mut names = Names::default();
    let count = entries.len();
    for e in entries {
        let c = &e.content;
        page.rows.push(RowView {
            cells: vec![
                Cell::text(
                    e.index
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| lang.pick("待排序", "pending").into()),
                ),
                Cell::text(when(c, lang)),
                Cell::text(&c.actor.label),
                Cell::text(names.department(&state, c.actor.department_id).await?),
                Cell::text(names.system(&state, c.actor.system_id).await?),
                Cell::text(action_name(&c.action, lang)),
                Cell::text(format!(
                    "{} {}",
                    yici_core::audit::object_kind_name(&c.object_type, lang),
                    c.object_ids.join(",")
                )),
                Cell::text(c.purpose.clone().unwrap_or_default()),
                Cell::text(c.outcome.name(lang)),
                Cell::text(&c.request_id),
            ],
            actions: vec![],
        });
    }
    if count == 50 {
        let keep = |k: &str, v: &Option<String>| v.as_ref().map(|v| format!("&{k}={}", encode(v))).unwrap_or_default();
        page.more = Some(format!(
            "/audit?offset={}{}{}{}{}{}{}",
            offset + 50,
            keep("department", &q.department),
            keep("system", &q.system),
            keep("subject", &q.subject),
            keep("action", &q.action),
            keep("from", &q.from),
            keep("to", &q.to),
        ));
    }
    Ok(render(StatusCode::OK, &page))
}
