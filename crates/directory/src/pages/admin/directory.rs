//! Regions and departments.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct RegionForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

fn region_form(l: &Layout, f: &RegionForm) -> FormView {
    FormView::new(
        "/admin/regions",
        l.t("新增或更名行政区划", "Add or rename a region"),
        l.t("保存", "Save"),
        vec![
            FieldView::text("code", l.t("区划代码", "Region code"), l.t("6位行政区划代码，或乡镇、村的12位统计用区划代码；上级区划须已登记", "6-digit code, or the 12-digit statistical code for townships and villages; the parent must already be registered"), &f.code),
            FieldView::text("name", l.t("名称", "Name"), l.t("如：西湖区、三墩镇", "For example 西湖区 or 三墩镇"), &f.name),
        ],
    )
}

async fn regions_page(
    state: &DirectoryState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &NoticeQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let l = layout(auth, headers, "/admin/regions", "行政区划", "Regions", q);
    let lang = l.lang;
    let parent = q.parent.as_deref().filter(|p| !p.is_empty());
    let mut page = TablePage::new(l, "", &[]);
    page.caption = match parent {
        Some(p) => format!("{} {p}", lang.pick("下级区划：", "Regions below")),
        None => lang.pick("省级区划", "Top-level regions").to_string(),
    };
    page.head = [
        lang.pick("代码", "Code"),
        lang.pick("名称", "Name"),
        lang.pick("层级", "Level"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(p) = parent {
        let mut chain = Vec::new();
        let mut cur = state.store.region(p).await?;
        while let Some(r) = cur {
            chain.push((format!("/admin/regions?parent={}", r.code), r.name.clone()));
            cur = match &r.parent_code {
                Some(pc) => state.store.region(pc).await?,
                None => None,
            };
        }
        chain.push(("/admin/regions".into(), lang.pick("全部", "All").into()));
        chain.reverse();
        page.crumbs = chain;
    }
    for r in state.store.region_children(parent).await? {
        let level = yici_core::id::RegionLevel::from_code(r.level)
            .map(|lv| lv.name(lang))
            .unwrap_or("");
        page.rows.push(RowView {
            cells: vec![
                Cell::text(&r.code),
                Cell::link(&r.name, format!("/admin/regions?parent={}", r.code)),
                Cell::text(level),
            ],
            actions: vec![],
        });
    }
    let default_form = region_form(&page.l, &RegionForm::default());
    page.forms.push(form.unwrap_or(default_form));
    Ok(page)
}

pub async fn regions(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageRegions, &Target::OwnScope)?;
    Ok(render(
        StatusCode::OK,
        &regions_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_region(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<RegionForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageRegions, &Target::OwnScope)?;
    let input = RegionInput {
        code: f.code.clone(),
        name: f.name.clone(),
    };
    match regions::save_region(&state, &auth, &input).await {
        Ok(r) => Ok(redirect(
            &format!("/admin/regions?parent={}", r.parent_code.unwrap_or_default()),
            "saved",
        )),
        Err(e) => {
            let q = NoticeQuery::default();
            let l = Layout::new(&auth, &headers, "/admin/regions", "", "");
            let form = region_form(&l, &f).with_error(&e, current_lang());
            Ok(render(
                yici_web::page::shown_again(yici_web::error::status_of(e.kind)),
                &regions_page(&state, &auth, &headers, &q, Some(form)).await?,
            ))
        }
    }
}

// ---- departments ----

#[derive(Debug, Default, Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    kind: String,
}

fn kind_options(lang: Lang) -> Vec<(String, String)> {
    DepartmentKind::ALL
        .iter()
        .map(|k| (k.code().to_string(), k.name(lang).to_string()))
        .collect()
}

fn department_form(l: &Layout, f: &DepartmentForm) -> FormView {
    let kind = if f.kind.is_empty() {
        "government".to_string()
    } else {
        f.kind.clone()
    };
    let mut kind_field = FieldView::text("kind", l.t("部门类型", "Kind"), "", &kind).select(kind_options(l.lang));
    kind_field.hint = l
        .t(
            "政府组成部门、直属机构或事业单位、垂直管理部门或其他",
            "Government department, agency, vertically managed, or other",
        )
        .into();
    FormView::new(
        "/admin/departments",
        l.t("新增部门", "Add a department"),
        l.t("创建部门", "Create department"),
        vec![
            FieldView::text(
                "name",
                l.t("部门名称", "Name"),
                l.t("全称，如：杭州市市场监督管理局", "Full name"),
                &f.name,
            ),
            FieldView::text(
                "uscc",
                l.t("统一社会信用代码", "Unified social credit code"),
                l.t("18位，末位为校验码", "18 characters, the last is a check character"),
                &f.uscc,
            ),
            FieldView::text(
                "region_code",
                l.t("所在行政区划代码", "Region code"),
                l.t("6位代码，须已登记", "6-digit code, already registered"),
                &f.region_code,
            ),
            FieldView::text(
                "parent_id",
                l.t("上级部门编号", "Parent department number"),
                l.t("可不填", "Optional"),
                &f.parent_id,
            )
            .optional(),
            kind_field,
        ],
    )
}

fn department_input(f: &DepartmentForm) -> Result<DepartmentInput, Error> {
    let parent_id = match f.parent_id.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| {
            Error::field(
                "parent_id",
                "上级部门编号应为数字",
                "The parent department number must be a number",
            )
        })?),
    };
    Ok(DepartmentInput {
        name: f.name.clone(),
        uscc: f.uscc.clone(),
        region_code: f.region_code.clone(),
        parent_id,
        kind: f.kind.clone(),
    })
}

async fn departments_page(
    state: &DirectoryState,
    auth: &Auth,
    headers: &HeaderMap,
    q: &NoticeQuery,
    form: Option<FormView>,
) -> ApiResult<TablePage> {
    let l = layout(auth, headers, "/admin/departments", "部门", "Departments", q);
    let lang = l.lang;
    let region = q.region.as_deref().unwrap_or("").trim().to_string();
    let prefix = if region.is_empty() {
        None
    } else {
        Some(
            RegionCode::parse(&region)
                .map_err(|e| ApiError::validation(vec![yici_service::FieldError::id("region", &e)]))?
                .prefix(),
        )
    };
    let page_size = 50;
    let offset = q.offset.unwrap_or(0).max(0);
    let list = state
        .store
        .list_departments(prefix.as_deref(), Page::new(Some(page_size), Some(offset)))
        .await?;
    let mut page = TablePage::new(
        l,
        lang.pick("部门目录", "Department directory"),
        &[
            lang.pick("编号", "No."),
            lang.pick("名称", "Name"),
            lang.pick("统一社会信用代码", "Credit code"),
            lang.pick("行政区划", "Region"),
            lang.pick("类型", "Kind"),
        ],
    );
    page.filter = Some(FilterView {
        action: "/admin/departments".into(),
        submit: lang.pick("筛选", "Filter").into(),
        fields: vec![FieldView::text(
            "region",
            lang.pick("行政区划代码", "Region code"),
            "",
            &region,
        )],
    });
    if list.len() as i64 == page_size {
        page.more = Some(format!(
            "/admin/departments?region={}&offset={}",
            encode(&region),
            offset + page_size
        ));
    }
    for d in list {
        let kind = DepartmentKind::from_code(&d.kind).map(|k| k.name(lang)).unwrap_or("");
        let region_name = d.region().path_names().join("");
        page.rows.push(RowView {
            cells: vec![
                Cell::text(d.id.to_string()),
                Cell::link(&d.name, format!("/admin/systems?department={}", d.id)),
                Cell::text(&d.uscc),
                Cell::text(format!("{} {}", d.region_code, region_name)),
                Cell::text(kind),
            ],
            actions: vec![],
        });
    }
    let default_form = department_form(&page.l, &DepartmentForm::default());
    page.forms.push(form.unwrap_or(default_form));
    Ok(page)
}

pub async fn departments(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageDepartments, &Target::OwnScope)?;
    Ok(render(
        StatusCode::OK,
        &departments_page(&state, &auth, &headers, &q, None).await?,
    ))
}

pub async fn create_department(
    State(state): State<DirectoryState>,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<DepartmentForm>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageDepartments, &Target::OwnScope)?;
    let result = match department_input(&f) {
        Ok(input) => regions::create_department(&state, &auth, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect("/admin/departments", "created")),
        Err(e) => {
            let l = Layout::new(&auth, &headers, "/admin/departments", "", "");
            let form = department_form(&l, &f).with_error(&e, current_lang());
            Ok(render(
                yici_web::page::shown_again(yici_web::error::status_of(e.kind)),
                &departments_page(&state, &auth, &headers, &NoticeQuery::default(), Some(form)).await?,
            ))
        }
    }
}
