//! Department systems and their tokens.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct SystemsQuery {
    department: Option<i64>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SystemForm {
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

/// The departments whose systems the principal may see: all for region-scoped operators and
/// stewards' own departments otherwise.
async fn visible_departments(
    state: &DirectoryState,
    auth: &Auth,
) -> ApiResult<Vec<yici_store::departments::Department>> {
    let all = state.store.list_departments(None, Page::all()).await?;
    Ok(all
        .into_iter()
        .filter(|d| auth.require(Permission::ReadSystems, &d.target()).is_ok())
        .collect())
}

fn system_form(l: &Layout, f: &SystemForm, departments: &[yici_store::departments::Department]) -> FormView {
    let options = departments.iter().map(|d| (d.id.to_string(), d.name.clone())).collect();
    FormView::new(
        "/admin/systems",
        l.t("登记应用系统", "Register a system"),
        l.t("登记", "Register"),
        vec![
            FieldView::text(
                "department_id",
                l.t("所属部门", "Department"),
                l.t("系统所属的部门", "The department that runs the system"),
                &f.department_id,
            )
            .select(options),
            FieldView::text(
                "name",
                l.t("系统名称", "System name"),
                l.t("如：人口信息查询系统", "For example: population look-up"),
                &f.name,
            ),
            FieldView::text(
                "description",
                l.t("用途说明", "Purpose"),
                l.t("可不填，不超过500字", "Optional, at most 500 characters"),
                &f.description,
            )
            .optional(),
        ],
    )
}

async fn systems_page(
    state: &DirectoryState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &SystemsQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let nq = NoticeQuery {
        notice: q.notice.clone(),
        ..Default::default()
    };
    let l = layout(auth, headers, "/admin/systems", "应用系统", "Systems", &nq);
    let lang = l.lang;
    let departments = visible_departments(state, auth).await?;
    let mut page = TablePage::new(
        l,
        lang.pick("部门应用系统", "Department systems"),
        &[
            lang.pick("编号", "No."),
            lang.pick("系统名称", "System"),
            lang.pick("所属部门", "Department"),
            lang.pick("用途", "Purpose"),
        ],
    );
    for d in departments.iter().filter(|d| q.department.is_none_or(|id| id == d.id)) {
        for s in state.store.list_systems(Some(d.id)).await? {
            page.rows.push(RowView {
                cells: vec![
                    Cell::text(s.id.to_string()),
                    Cell::link(&s.name, format!("/admin/systems/{}", s.id)),
                    Cell::text(&d.name),
                    Cell::text(&s.description),
                ],
                actions: vec![],
            });
        }
    }
    if auth.require(Permission::ManageSystems, &Target::OwnScope).is_ok() {
        let default = SystemForm {
            department_id: q.department.map(|d| d.to_string()).unwrap_or_default(),
            ..Default::default()
        };
        let default_form = system_form(&page.l, &default, &departments);
        page.forms.push(form.unwrap_or(default_form));
    }
    Ok(page)
}

pub async fn systems(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<SystemsQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadSystems, &Target::OwnScope)?;
    Ok(render(
        StatusCode::OK,
        &systems_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_system(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<SystemForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageSystems, &Target::OwnScope)?;
    let input = SystemInput {
        name: f.name.clone(),
        description: f.description.clone(),
    };
    let result = match f.department_id.trim().parse() {
        Ok(id) => crate::service::systems::create_system(&state, &auth, id, &input).await,
        Err(_) => Err(Error::field("department_id", "请选择所属部门", "Choose the department")),
    };
    match result {
        Ok(s) => Ok(redirect(&format!("/admin/systems/{}", s.id), "created")),
        Err(e) => {
            let departments = visible_departments(&state, &auth).await?;
            let l = Layout::new(&auth, &headers, "/admin/systems", "", "");
            let form = system_form(&l, &f, &departments).with_error(&e, current_lang());
            Ok(render(
                yici_web::page::shown_again(yici_web::error::status_of(e.kind)),
                &systems_page(&state, &auth, &headers, &SystemsQuery::default(), Some(form)).await?,
            ))
        }
    }
}

async fn system_page(
    state: &DirectoryState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    notice: Option<&str>,
    secret: Option<String>,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let (system, target) = system_target(state, id).await?;
    auth.require(Permission::ReadSystems, &target)?;
    let nq = NoticeQuery {
        notice: notice.map(str::to_string),
        ..Default::default()
    };
    let path = format!("/admin/systems/{id}");
    let l = layout(auth, headers, &path, "应用系统令牌", "System tokens", &nq);
    let lang = l.lang;
    let manage = auth.require(Permission::ManageSystems, &target).is_ok();
    let mut head = vec![
        lang.pick("编号", "No."),
        lang.pick("令牌前缀", "Token prefix"),
        lang.pick("签发日期", "Issued"),
        lang.pick("有效期至", "Expires"),
        lang.pick("状态", "Status"),
    ];
    if manage {
        head.push(lang.pick("操作", "Actions"));
    }
    let mut page = TablePage::new(
        l,
        &format!("{} — {}", system.name, lang.pick("访问令牌", "access tokens")),
        &head,
    );
    page.crumbs = vec![("/admin/systems".into(), lang.pick("应用系统", "Systems").into())];
    page.intro.push(
        lang.pick(
            "令牌只在签发时显示一次，平台仅保存其摘要。系统调用接口时在请求头中携带：Authorization: Bearer <令牌>。",
            "A token is shown once, when issued; the platform keeps only its digest. Systems send it as: Authorization: Bearer <token>.",
        )
        .into(),
    );
    page.secret = secret;
    let now = state.config.clock.now_micros();
    for t in state.store.system_tokens(id).await? {
        let status = match (t.revoked_at, t.expires_at <= now) {
            (Some(_), _) => lang.pick("已吊销", "Revoked"),
            (None, true) => lang.pick("已过期", "Expired"),
            (None, false) => lang.pick("有效", "Valid"),
        };
        let actions = if manage && t.revoked_at.is_none() {
            vec![(
                format!("/admin/systems/{id}/tokens/{}/revoke", t.id),
                lang.pick("吊销", "Revoke").to_string(),
            )]
        } else {
            vec![]
        };
        page.rows.push(RowView {
            cells: vec![
                Cell::text(t.id.to_string()),
                Cell::text(format!("{}…", t.hint)),
                Cell::text(format_date(t.created_at, lang)),
                Cell::text(format_date(t.expires_at, lang)),
                Cell::text(status),
            ],
            actions,
        });
    }
    if manage {
        let default_form = token_form(&page.l, id, "");
        page.forms.push(form.unwrap_or(default_form));
    }
    Ok(page)
}

fn token_form(l: &Layout, id: i64, days: &str) -> FormView {
    FormView::new(
        &format!("/admin/systems/{id}/tokens"),
        l.t("签发新令牌", "Issue a new token"),
        l.t("签发令牌", "Issue token"),
        vec![
            FieldView::text(
                "valid_days",
                l.t("有效天数", "Valid for (days)"),
                l.t("1至1095天，不填为365天", "1 to 1,095 days; 365 when left empty"),
                days,
            )
            .kind("number")
            .optional(),
        ],
    )
}

pub async fn system(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<NoticeOnly>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadSystems, &Target::OwnScope)?;
    Ok(render(
        StatusCode::OK,
        &system_page(&state, &auth, &headers, id, q.notice.as_deref(), None, None).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    valid_days: String,
}

pub async fn issue_token(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<TokenForm>,
) -> ApiResult<Response> {
    system_in_scope(&state, &auth, Permission::ManageSystems, id).await?;
    let days = match f.valid_days.trim() {
        "" => Ok(None),
        d => d.parse::<u32>().map(Some).map_err(|_| {
            ApiError::field(
                "valid_days",
                "有效天数应为1至1095的整数",
                "valid_days must be a whole number from 1 to 1,095",
            )
        }),
    };
    match days {
        Ok(days) => match crate::service::systems::issue_token(&state, &auth, id, days).await {
            // The token is rendered in this response only; it is never stored or shown again.
            Ok(t) => Ok(render(
                StatusCode::OK,
                &system_page(&state, &auth, &headers, id, None, Some(t.token), None).await?,
            )),
            Err(e) => token_error(&state, &auth, &headers, id, &f, e.into()).await,
        },
        Err(e) => token_error(&state, &auth, &headers, id, &f, e).await,
    }
}

async fn token_error(
    state: &DirectoryState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    f: &TokenForm,
    e: ApiError,
) -> ApiResult<Response> {
    let l = Layout::new(auth, headers, "/admin/systems", "", "");
    let form = token_form(&l, id, &f.valid_days).with_error(&e, current_lang());
    Ok(render(
        yici_web::page::shown_again(e.status),
        &system_page(state, auth, headers, id, None, None, Some(form)).await?,
    ))
}

pub async fn revoke_token(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path((id, token_id)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    crate::service::systems::revoke_token(&state, &auth, id, token_id).await?;
    Ok(redirect(&format!("/admin/systems/{id}"), "revoked"))
}
