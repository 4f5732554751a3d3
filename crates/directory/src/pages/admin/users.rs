//! Users and their scoped roles.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    department_id: String,
}

fn user_form(l: &Layout, f: &UserForm, departments: &[yici_store::departments::Department]) -> FormView {
    let mut options = vec![(String::new(), l.t("（不属于具体部门）", "(no department)").to_string())];
    options.extend(departments.iter().map(|d| (d.id.to_string(), d.name.clone())));
    FormView::new(
        "/admin/users",
        l.t("新增用户", "Add a user"),
        l.t("创建用户", "Create user"),
        vec![
            FieldView::text(
                "username",
                l.t("用户名", "Username"),
                l.t(
                    "3至32位小写字母、数字或 . _ -，以字母开头",
                    "3 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter",
                ),
                &f.username,
            )
            .autocomplete("off"),
            FieldView::text(
                "display_name",
                l.t("姓名", "Name"),
                l.t("显示在页面和日志中", "Shown on pages and in the log"),
                &f.display_name,
            ),
            FieldView::text(
                "password",
                l.t("初始密码", "Initial password"),
                l.t(
                    "至少10位，包含字母、数字、符号中的两类",
                    "At least 10 characters mixing two of letters, digits and symbols",
                ),
                "",
            )
            .kind("password")
            .autocomplete("new-password"),
            FieldView::text(
                "department_id",
                l.t("所属部门", "Department"),
                l.t("可不选", "Optional"),
                &f.department_id,
            )
            .select(options)
            .optional(),
        ],
    )
}

async fn users_page(
    state: &DirectoryState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &NoticeQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let l = layout(auth, headers, "/admin/users", "用户与角色", "Users and roles", q);
    let lang = l.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let within = auth.departments_within(&state.store, Permission::ReadUsers).await?;
    let users = state
        .store
        .list_users(Page::new(Some(50), Some(offset)), within.as_deref())
        .await?;
    let departments = state.store.list_departments(None, Page::all()).await?;
    let mut page = TablePage::new(
        l,
        lang.pick("用户", "Users"),
        &[
            lang.pick("用户名", "Username"),
            lang.pick("姓名", "Name"),
            lang.pick("所属部门", "Department"),
            lang.pick("角色", "Roles"),
            lang.pick("状态", "Status"),
        ],
    );
    if users.len() == 50 {
        page.more = Some(format!("/admin/users?offset={}", offset + 50));
    }
    for u in users {
        let dept = u
            .department_id
            .and_then(|id| departments.iter().find(|d| d.id == id))
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let roles: Vec<String> = state
            .store
            .user_roles(u.id)
            .await?
            .iter()
            .filter_map(|r| Role::from_code(&r.role))
            .map(|r| r.name(lang).to_string())
            .collect();
        page.rows.push(RowView {
            cells: vec![
                Cell::link(&u.username, format!("/admin/users/{}", u.id)),
                Cell::text(&u.display_name),
                Cell::text(dept),
                Cell::text(roles.join("、")),
                Cell::text(if u.disabled {
                    lang.pick("已停用", "Disabled")
                } else {
                    lang.pick("正常", "Active")
                }),
            ],
            actions: vec![],
        });
    }
    if auth.require(Permission::ManageUsers, &Target::OwnScope).is_ok() {
        let default_form = user_form(&page.l, &UserForm::default(), &departments);
        page.forms.push(form.unwrap_or(default_form));
    }
    Ok(page)
}

pub async fn users(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ReadUsers, &Target::OwnScope)?;
    Ok(render(
        StatusCode::OK,
        &users_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_user(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageUsers, &Target::OwnScope)?;
    let result = async {
        let department_id = match f.department_id.trim() {
            "" => None,
            d => Some(
                d.parse::<i64>()
                    .map_err(|_| yici_service::Error::field("department_id", "请选择部门", "Choose a department"))?,
            ),
        };
        let input = UserInput {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            password: f.password.clone(),
            department_id,
        };
        create(&state, &auth, &input).await
    }
    .await;
    match result {
        Ok(u) => Ok(redirect(&format!("/admin/users/{}", u.id), "created")),
        Err(e) => {
            let departments = state.store.list_departments(None, Page::all()).await?;
            let l = Layout::new(&auth, &headers, "/admin/users", "", "");
            let form = user_form(&l, &f, &departments).with_error(&e, current_lang());
            Ok(render(
                yici_web::page::shown_again(yici_web::error::status_of(e.kind)),
                &users_page(&state, &auth, &headers, &NoticeQuery::default(), Some(form)).await?,
            ))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

fn role_form(
    l: &Layout,
    id: i64,
    f: &RoleForm,
    departments: &[yici_store::departments::Department],
    regions: &[yici_store::regions::Region],
) -> FormView {
    let roles = Role::ALL
        .iter()
        .map(|r| (r.code().to_string(), r.name(l.lang).to_string()))
        .collect();
    let mut scopes: Vec<(String, String)> = regions
        .iter()
        .map(|r| (format!("r:{}", r.code), format!("{} {}", l.t("区划", "Region"), r.name)))
        .collect();
    scopes.extend(departments.iter().map(|d| {
        (
            format!("d:{}", d.id),
            format!("{} {}", l.t("部门", "Department"), d.name),
        )
    }));
    FormView::new(
        &format!("/admin/users/{id}/roles"),
        l.t("授予角色", "Grant a role"),
        l.t("授予", "Grant"),
        vec![
            FieldView::text("role", l.t("角色", "Role"), "", &f.role).select(roles),
            FieldView::text(
                "scope",
                l.t("范围", "Scope"),
                l.t(
                    "角色只在该区划或部门内有效",
                    "The role applies only within this region or department",
                ),
                &f.scope,
            )
            .select(scopes),
        ],
    )
}

async fn user_page(
    state: &DirectoryState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    notice: Option<&str>,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found("用户", "user"))?;
    let nq = NoticeQuery {
        notice: notice.map(str::to_string),
        ..Default::default()
    };
    let path = format!("/admin/users/{id}");
    let l = layout(auth, headers, &path, "用户详情", "User", &nq);
    let lang = l.lang;
    let manage = user_in_scope(state, auth, Permission::ManageUsers, id).await.is_ok();
    let departments = state.store.list_departments(None, Page::all()).await?;
    let mut head = vec![lang.pick("角色", "Role"), lang.pick("范围", "Scope")];
    if manage {
        head.push(lang.pick("操作", "Actions"));
    }
    let mut page = TablePage::new(l, &format!("{}（{}）", user.display_name, user.username), &head);
    page.crumbs = vec![("/admin/users".into(), lang.pick("用户与角色", "Users and roles").into())];
    for r in state.store.user_roles(id).await? {
        let scope = match r.department_id {
            Some(d) => departments
                .iter()
                .find(|x| x.id == d)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            None => RegionCode::parse(&r.region_code)
                .map(|c| c.path_names().join(""))
                .unwrap_or_default(),
        };
        let actions = if manage {
            vec![(
                format!("/admin/users/{id}/roles/{}/revoke", r.id),
                lang.pick("撤销", "Remove").to_string(),
            )]
        } else {
            vec![]
        };
        let role = Role::from_code(&r.role)
            .map(|x| x.name(lang).to_string())
            .unwrap_or(r.role.clone());
        page.rows.push(RowView {
            cells: vec![Cell::text(role), Cell::text(scope)],
            actions,
        });
    }
    if manage {
        let regions = state
            .store
            .list_regions(Page::new(Some(200), Some(0)))
            .await?
            .into_iter()
            .filter(|r| r.level <= 3)
            .collect::<Vec<_>>();
        let default_form = role_form(&page.l, id, &RoleForm::default(), &departments, &regions);
        page.forms.push(form.unwrap_or(default_form));
        let (value, label) = if user.disabled {
            ("false", lang.pick("启用账号", "Enable account"))
        } else {
            ("true", lang.pick("停用账号", "Disable account"))
        };
        let mut toggle = FormView::new(
            &format!("/admin/users/{id}/disabled"),
            lang.pick("账号状态", "Account status"),
            label,
            vec![],
        );
        toggle.hidden.push(("disabled".into(), value.into()));
        page.forms.push(toggle);
    }
    Ok(page)
}

pub async fn user(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<NoticeOnly>,
) -> ApiResult<Response> {
    user_in_scope(&state, &auth, Permission::ReadUsers, id).await?;
    Ok(render(
        StatusCode::OK,
        &user_page(&state, &auth, &headers, id, q.notice.as_deref(), None).await?,
    ))
}

pub async fn grant_role(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> ApiResult<Response> {
    let input = match f.scope.split_once(':') {
        Some(("d", d)) => RoleInput {
            role: f.role.clone(),
            department_id: d.parse().ok(),
            region_code: None,
        },
        Some(("r", r)) => RoleInput {
            role: f.role.clone(),
            department_id: None,
            region_code: Some(r.to_string()),
        },
        _ => RoleInput {
            role: f.role.clone(),
            department_id: None,
            region_code: None,
        },
    };
    match grant(&state, &auth, id, &input).await {
        Ok(_) => Ok(redirect(&format!("/admin/users/{id}"), "granted")),
        Err(e) if matches!(e.kind, Kind::Forbidden | Kind::NotFound | Kind::Unauthenticated) => Err(e.into()),
        Err(e) => {
            let departments = state.store.list_departments(None, Page::all()).await?;
            let regions = state.store.list_regions(Page::new(Some(200), Some(0))).await?;
            let l = Layout::new(&auth, &headers, "/admin/users", "", "");
            let mut e = e;
            for fe in &mut e.errors {
                if fe.field == "department_id" || fe.field == "region_code" {
                    fe.field = "scope".into();
                }
            }
            let form = role_form(&l, id, &f, &departments, &regions).with_error(&e, current_lang());
            Ok(render(
                yici_web::page::shown_again(yici_web::error::status_of(e.kind)),
                &user_page(&state, &auth, &headers, id, None, Some(form)).await?,
            ))
        }
    }
}

pub async fn revoke_role(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path((id, role_id)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    crate::service::users::revoke_role(&state, &auth, id, role_id).await?;
    Ok(redirect(&format!("/admin/users/{id}"), "removed"))
}

#[derive(Debug, Default, Deserialize)]
pub struct DisabledForm {
    #[serde(default)]
    disabled: String,
}

pub async fn set_disabled(
    State(state): State<DirectoryState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<DisabledForm>,
) -> ApiResult<Response> {
    let disabled = f.disabled == "true";
    crate::service::users::set_disabled(&state, &auth, id, disabled).await?;
    Ok(redirect(
        &format!("/admin/users/{id}"),
        if disabled { "disabled" } else { "enabled" },
    ))
}
