//! The staff's pages of the service items: the items a steward or operator works on, an item's
//! editing form (every rule's error next to its field), its version history with the review
//! steps, and the operators' review queue.
//!
//! The editing form says what the import template says, field by field, and is read by the same
//! reader: one syntax for lists (conditions, fees, windows, questions, process) on the page and
//! in the spreadsheet.

use crate::WindowState;
use crate::service::import;
use crate::service::items::{self, ItemVersionView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_core::items::{
    ApplicantType, CaseType, DayUnit, Delivery, Depth, ImplementationCode, ItemVersion, Level, MaterialForm,
    VersionStatus, VersionStep,
};
use yici_service::{Error, FieldError};
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, ConfirmPage, FieldView, FormView, Layout, NoticeOnly, RowView, TablePage, encode, render};
use yici_web::{ApiError, ApiResult, Auth};

/// The form field of each item column of the template (the first three are the item's codes,
/// fixed by the page).
const ITEM_FIELDS: [&str; 25] = [
    "",
    "",
    "",
    "name",
    "level",
    "applicant_types",
    "case_type",
    "legal_limit",
    "legal_unit",
    "promised_limit",
    "promised_unit",
    "visits",
    "visits_reason",
    "depth",
    "conditions",
    "legal_basis",
    "fees",
    "delivery",
    "scope",
    "windows",
    "consult_phone",
    "complaint_phone",
    "themes",
    "questions",
    "process",
];

/// The form field of each material column, after `materials[k].`.
const MATERIAL_FIELDS: [&str; 9] = [
    "code",
    "name",
    "required",
    "form",
    "copies",
    "standard",
    "source",
    "deferrable",
    "applies_when",
];

/// Blank material rows offered below the item's materials.
const BLANK_MATERIALS: usize = 3;

fn status_label(v: &ItemVersionView) -> String {
    v.status_name.clone()
}

fn manage_head(lang: Lang) -> [&'static str; 5] {
    [
        lang.pick("事项名称", "Item"),
        lang.pick("实施主体", "Handled by"),
        lang.pick("版本", "Version"),
        lang.pick("状态", "Status"),
        lang.pick("操作", "Actions"),
    ]
}

/// 事项管理: the items the caller works on, each with its latest version.
pub async fn manage(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(n): Query<NoticeOnly>,
) -> ApiResult<Response> {
    let list = items::manageable(&state, &auth).await?;
    let mut l = Layout::new(&auth, &headers, "/items/manage", "事项管理", "Manage items");
    l.notice = n.notice.map(|_| l.t("已保存。", "Saved.").to_string());
    let lang = l.lang;
    let steward = auth.require(Permission::ManageItems, &Target::OwnScope).is_ok();
    let reviewer = auth.require(Permission::ReviewItems, &Target::OwnScope).is_ok();
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("共 {} 个事项", list.len()),
            Lang::En => format!("{} items", list.len()),
        },
        &manage_head(lang),
    );
    if steward {
        t.intro.push(
            lang.pick(
                "批量编制实施清单：下载导入模板（docs/items-template.xlsx），或先导出已发布事项（导入模板格式）修改后，用“yici items import”或接口 POST /api/v1/items/import 导入。",
                "For many items, fill in the template (docs/items-template.xlsx), or export the published items in its form, edit and import them with `yici items import` or POST /api/v1/items/import.",
            )
            .to_string(),
        );
    }
    let mut links = vec![(
        "/api/v1/items/export?format=template".to_string(),
        lang.pick(
            "导出已发布事项（导入模板格式）",
            "Export the published items (template form)",
        )
        .to_string(),
    )];
    if reviewer {
        links.insert(
            0,
            (
                "/items/reviews".to_string(),
                lang.pick("待审核的事项", "Items waiting for review").to_string(),
            ),
        );
    }
    t.links = Some((lang.pick("相关：", "See also:").to_string(), links));
    for v in list {
        let code = encode(&v.code);
        let editable = steward
            && auth
                .require(
                    Permission::ManageItems,
                    &department_target(&state, v.department_id).await?,
                )
                .is_ok();
        t.rows.push(RowView {
            cells: vec![
                Cell::link(v.content.name.clone(), format!("/items/{code}/history")),
                Cell::text(v.department_name.clone()),
                Cell::text(v.version.to_string()),
                Cell::text(status_label(&v)),
                if editable {
                    Cell::link(lang.pick("编辑", "Edit"), format!("/items/{code}/edit"))
                } else {
                    Cell::link(lang.pick("版本记录", "Versions"), format!("/items/{code}/history"))
                },
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

async fn department_target(state: &WindowState, id: i64) -> Result<Target, ApiError> {
    let d = state
        .store
        .department(id)
        .await?
        .ok_or_else(|| ApiError::not_found("部门", "department"))?;
    Ok(d.target())
}

/// 事项审核: the versions waiting for the operator's review.
pub async fn reviews(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(n): Query<NoticeOnly>,
) -> ApiResult<Response> {
    let queue = items::review_queue(&state, &auth).await?;
    let mut l = Layout::new(&auth, &headers, "/items/reviews", "事项审核", "Item review");
    l.notice = n.notice.map(|_| l.t("已处理。", "Done.").to_string());
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("待审核 {} 个", queue.len()),
            Lang::En => format!("{} waiting", queue.len()),
        },
        &[
            lang.pick("事项名称", "Item"),
            lang.pick("实施主体", "Handled by"),
            lang.pick("版本", "Version"),
            lang.pick("承诺", "Promise"),
            lang.pick("操作", "Actions"),
        ],
    );
    t.intro.push(
        lang.pick(
            "打开事项，核对每个版本的内容后批准发布或退回修改（退回须说明理由）。",
            "Open an item, read the version, then publish it or send it back with the reason.",
        )
        .to_string(),
    );
    for v in queue {
        let href = format!("/items/{}/history", encode(&v.code));
        t.rows.push(RowView {
            cells: vec![
                Cell::link(v.content.name.clone(), href.clone()),
                Cell::text(v.department_name.clone()),
                Cell::text(v.version.to_string()),
                Cell::text(v.promise.clone()),
                Cell::link(lang.pick("审核", "Review"), href),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

/// The facts of a version, as lines.
fn facts(lang: Lang, v: &ItemVersion) -> Vec<String> {
    use yici_web::page::fact;
    let mut out = vec![
        fact(
            lang,
            "承诺",
            "Promise",
            &crate::service::items::promise_of(v.visits, &v.visits_reason, lang),
        ),
        fact(lang, "法定时限", "Legal time limit", &v.legal_limit.describe(lang)),
        fact(lang, "承诺时限", "Promised time", &v.promised_limit.describe(lang)),
        fact(lang, "网上办理深度", "Online", v.depth.name(lang)),
        fact(lang, "设定依据", "Legal basis", &v.legal_basis),
    ];
    for m in &v.materials {
        let source = if m.source.government_held() {
            lang.pick("免提交（政府部门已有）", "not asked for (held by the government)")
        } else {
            lang.pick("申请人提供", "brought by the applicant")
        };
        out.push(fact(lang, "材料", "Material", &format!("{}：{source}", m.name)));
    }
    for s in &v.process {
        out.push(fact(
            lang,
            "办理环节",
            "Step",
            &format!("{}（{}，{}）", s.name, s.signing.name(lang), s.days),
        ));
    }
    out
}

/// The reason of a review step given on the page, and the confirmation of a withdrawal.
#[derive(Debug, Default, serde::Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub confirmed: String,
}

/// An item's versions, oldest first, with the review steps the caller may take now.
pub async fn history(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(n): Query<NoticeOnly>,
) -> ApiResult<Response> {
    history_page(&state, &auth, &headers, &code, n.notice.is_some(), None).await
}

async fn history_page(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    code: &str,
    notice: bool,
    refused: Option<(i64, &str, &str, &Error)>,
) -> ApiResult<Response> {
    let versions = items::versions(state, auth, code).await?;
    let latest = versions
        .last()
        .ok_or_else(|| ApiError::not_found("政务服务事项", "service item"))?;
    let mut l = Layout::new(auth, headers, "/items/manage", "版本记录", "Versions");
    if notice {
        l.notice = Some(l.t("已处理。", "Done.").to_string());
    }
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("版本记录", "Versions"),
        &[
            lang.pick("版本", "Version"),
            lang.pick("状态", "Status"),
            lang.pick("更新时间", "Changed"),
            lang.pick("发布时间", "Published"),
            lang.pick("审核意见", "Review note"),
        ],
    );
    t.l.title = latest.content.name.clone();
    t.crumbs = vec![("/items/manage".into(), lang.pick("事项管理", "Manage items").into())];
    t.intro.push(yici_web::page::fact(lang, "实施编码", "Code", code));
    t.intro.push(yici_web::page::fact(
        lang,
        "实施主体",
        "Handled by",
        &latest.department_name,
    ));
    let path = encode(code);
    let mut links = Vec::new();
    if versions.iter().any(|v| v.status == "published") {
        links.push((format!("/items/{path}"), lang.pick("办事指南", "The guide").to_string()));
    }
    let target = department_target(state, latest.department_id).await?;
    let steward = auth.require(Permission::ManageItems, &target).is_ok();
    let reviewer = auth.require(Permission::ReviewItems, &target).is_ok();
    if steward {
        links.push((format!("/items/{path}/edit"), lang.pick("编辑", "Edit").to_string()));
    }
    t.links = Some((lang.pick("相关：", "See also:").to_string(), links));
    for v in &versions {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(v.version.to_string()),
                Cell::text(v.status_name.clone()),
                Cell::text(t.l.date(v.updated_at)),
                Cell::text(v.published_at.map(|p| t.l.date(p)).unwrap_or_default()),
                Cell::text(v.review_note.clone()),
            ],
            actions: vec![],
        });
    }
    // The version under way (draft or in review) is shown in full, with its steps.
    if let Some(open) = versions
        .iter()
        .rev()
        .find(|v| matches!(v.status.as_str(), "draft" | "review"))
    {
        let title = match lang {
            Lang::Zh => format!("第{}版（{}）", open.version, open.status_name),
            Lang::En => format!("Version {} ({})", open.version, open.status_name),
        };
        t.intro.push(title);
        t.intro.extend(facts(lang, &open.content));
    }
    let action = |v: i64, a: &str| format!("/items/{path}/versions/{v}/{a}");
    for v in &versions {
        let status = VersionStatus::from_code(&v.status);
        let mut forms = Vec::new();
        if steward && status == Some(VersionStatus::Draft) {
            forms.push(FormView::new(
                &action(v.version, "submit"),
                &match lang {
                    Lang::Zh => format!("提交第{}版审核", v.version),
                    Lang::En => format!("Submit version {} for review", v.version),
                },
                lang.pick("提交审核", "Submit for review"),
                vec![],
            ));
        }
        if reviewer && status == Some(VersionStatus::Review) {
            forms.push(FormView::new(
                &action(v.version, "approve"),
                &match lang {
                    Lang::Zh => format!("批准发布第{}版", v.version),
                    Lang::En => format!("Publish version {}", v.version),
                },
                lang.pick("批准发布", "Approve and publish"),
                vec![],
            ));
            forms.push(FormView::new(
                &action(v.version, "reject"),
                &match lang {
                    Lang::Zh => format!("退回第{}版", v.version),
                    Lang::En => format!("Send version {} back", v.version),
                },
                lang.pick("退回修改", "Send back"),
                vec![
                    FieldView::text(
                        "reason",
                        lang.pick("退回理由", "Reason"),
                        lang.pick("告诉编制人需要修改什么", "Tell the department what to change"),
                        "",
                    )
                    .kind("textarea"),
                ],
            ));
        }
        if steward && status == Some(VersionStatus::Published) {
            forms.push(FormView::new(
                &action(v.version, "withdraw"),
                lang.pick("撤销发布", "Withdraw"),
                lang.pick("撤销发布", "Withdraw"),
                vec![],
            ));
        }
        for mut f in forms {
            if let Some((version, step, reason, e)) = refused
                && version == v.version
                && f.action.ends_with(&format!("/{step}"))
            {
                for field in &mut f.fields {
                    field.value = reason.to_string();
                }
                f = f.with_error(e, lang);
            }
            t.forms.push(f);
        }
    }
    Ok(render(StatusCode::OK, &t))
}

/// A review step from the history page; the history again with the error when it is refused
/// for its input or the version's state.
pub async fn page_step(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path((code, version, action)): Path<(String, i64, String)>,
    Form(f): Form<StepForm>,
) -> ApiResult<Response> {
    let step = VersionStep::parse(&action).ok_or_else(|| ApiError::not_found("操作", "action"))?;
    if step == VersionStep::Withdraw && !yici_web::page::confirmed(&f.confirmed) {
        auth.require(Permission::ManageItems, &Target::OwnScope)?;
        let v = items::published(&state, &code).await?;
        let l = Layout::new(&auth, &headers, "/items/manage", "撤销发布", "Withdraw");
        let page = ConfirmPage {
            question: format!("{}“{}”？", l.t("撤销发布事项", "Withdraw the item"), v.content.name),
            details: vec![
                l.t(
                    "撤销后，该事项不再出现在办事指南中，也不能再据此受理申请；历史版本仍可查阅。",
                    "Once withdrawn, the item leaves the guide and no application can be made for it; its versions stay readable.",
                )
                .to_string(),
            ],
            action: format!("/items/{}/versions/{version}/withdraw", encode(&code)),
            hidden: vec![],
            yes: l.t("确认撤销发布", "Yes, withdraw").to_string(),
            back: format!("/items/{}/history", encode(&code)),
            l,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    match items::step(&state, &auth, &code, version, &action, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/items/{}/history?notice=done", encode(&code))).into_response()),
        Err(e) if matches!(e.kind, yici_service::Kind::Invalid | yici_service::Kind::Conflict) => {
            let reason = f.reason.clone();
            history_page(
                &state,
                &auth,
                &headers,
                &code,
                false,
                Some((version, &action, &reason, &e)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn options<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (name(*v).to_string(), name(*v).to_string()))
        .collect()
}

fn yes_no(lang: Lang) -> Vec<(String, String)> {
    vec![
        ("是".into(), lang.pick("是", "yes").into()),
        ("否".into(), lang.pick("否", "no").into()),
    ]
}

/// The editing form of an item from its template rows (`values` by field name override them:
/// the input being shown again).
fn edit_form(lang: Lang, action: &str, rows: &[Vec<String>], materials: usize) -> FormView {
    let zh = Lang::Zh;
    let cell = |r: usize, c: usize| rows.get(r).and_then(|row| row.get(c)).cloned().unwrap_or_default();
    let lines = |v: String| v.split(['、', '；']).collect::<Vec<_>>().join("\n");
    let label = |zh_label: &str, en: &str| lang.pick(zh_label, en).to_string();
    let mut fields = vec![
        FieldView::text("name", &label("事项名称", "Name"), "", &cell(0, 3)),
        FieldView::text("level", &label("行使层级", "Level"), "", &cell(0, 4))
            .select(options(Level::ALL, |v| v.name(zh))),
        FieldView::text("applicant_types", &label("服务对象", "Applicants"), "", &lines(cell(0, 5)))
            .checkboxes(options(ApplicantType::ALL, |v| v.name(zh))),
        FieldView::text("case_type", &label("办件类型", "Case type"), "", &cell(0, 6))
            .select(options(CaseType::ALL, |v| v.name(zh))),
        FieldView::text("legal_limit", &label("法定办结时限（天）", "Legal time limit (days)"), "", &cell(0, 7))
            .kind("number"),
        FieldView::text("legal_unit", &label("法定时限单位", "Unit"), "", &cell(0, 8))
            .select(options(DayUnit::ALL, |v| v.name(zh))),
        FieldView::text(
            "promised_limit",
            &label("承诺办结时限（天）", "Promised time (days)"),
            &label("不超过法定时限", "Not above the legal limit"),
            &cell(0, 9),
        )
        .kind("number"),
        FieldView::text("promised_unit", &label("承诺时限单位", "Unit"), "", &cell(0, 10))
            .select(options(DayUnit::ALL, |v| v.name(zh))),
        FieldView::text(
            "visits",
            &label("到办事现场次数", "On-site visits"),
            &label("0 为零跑腿，1 为最多跑一次", "0 zero visits, 1 at most once"),
            &cell(0, 11),
        )
        .kind("number"),
        FieldView::text(
            "visits_reason",
            &label("多次到现场理由", "Why more than one visit"),
            &label("到现场超过1次时必填", "Required above one visit"),
            &cell(0, 12),
        )
        .optional(),
        FieldView::text("depth", &label("网上办理深度", "Online depth"), "", &cell(0, 13)).select(
            Depth::ALL
                .iter()
                .map(|d| (d.code().to_string(), d.name(lang).to_string()))
                .collect(),
        ),
        FieldView::text(
            "conditions",
            &label("受理条件", "Conditions"),
            &label("每行一条；仅在某情形下适用的写作“条件|情形”", "One per line; “text|situation” when it applies in a situation"),
            &lines(cell(0, 14)),
        )
        .kind("textarea")
        .optional(),
        FieldView::text("legal_basis", &label("设定依据", "Legal basis"), "", &cell(0, 15)).kind("textarea"),
        FieldView::text(
            "fees",
            &label("收费", "Fees"),
            &label("“免费”，或“名称:金额（元）:依据”，多项用；分隔", "免费, or name:amount (yuan):basis, separated by ；"),
            &cell(0, 16),
        ),
        FieldView::text("delivery", &label("送达方式", "Delivery"), "", &lines(cell(0, 17)))
            .checkboxes(options(Delivery::ALL, |v| v.name(zh))),
        FieldView::text(
            "scope",
            &label("通办范围", "Where it can be handled"),
            &label("就近办、同城通办、全省通办，或区划代码（用、分隔）", "就近办, 同城通办, 全省通办, or region codes"),
            &cell(0, 18),
        ),
        FieldView::text(
            "windows",
            &label("办理地点", "Windows"),
            &label("每行一个：名称|地址|时间", "One per line: name|address|hours"),
            &lines(cell(0, 19)),
        )
        .kind("textarea")
        .optional(),
        FieldView::text("consult_phone", &label("咨询电话", "Questions phone"), "", &cell(0, 20)).optional(),
        FieldView::text("complaint_phone", &label("监督投诉电话", "Complaints phone"), "", &cell(0, 21)).optional(),
        FieldView::text(
            "themes",
            &label("主题", "Themes"),
            &label("如 出生、婚育、开办企业，用、分隔", "Such as 出生、婚育, separated by 、"),
            &cell(0, 22),
        )
        .optional(),
        FieldView::text(
            "questions",
            &label("情形问题", "Situation questions"),
            &label("每行一个：代码:问题:选项=标签/选项=标签", "One per line: code:question:choice=label/choice=label"),
            &lines(cell(0, 23)),
        )
        .kind("textarea")
        .optional(),
        FieldView::text(
            "process",
            &label("办理环节", "Process"),
            &label(
                "每行一个：阶段:环节名称:部门统一社会信用代码:工作日:会签或或签[:证照类型代码]；第一个为牵头部门",
                "One per line: stage:name:department credit code:working days:会签 or 或签[:certificate type]; the first leads",
            ),
            &lines(cell(0, 24)),
        )
        .kind("textarea"),
    ];
    for k in 0..materials {
        let c = |i: usize| cell(k, 25 + i);
        let n = k + 1;
        let name = |f: &str| format!("materials[{k}].{f}");
        let numbered = |zh_label: &str, en: &str| match lang {
            Lang::Zh => format!("材料{n}：{zh_label}"),
            Lang::En => format!("Material {n}: {en}"),
        };
        let required_value = if c(1).is_empty() { "是".to_string() } else { c(2) };
        fields.extend([
            FieldView::text(
                &name("code"),
                &numbered("编码", "code"),
                &label(
                    "小写字母、数字、下划线；可留空",
                    "lower-case letters, digits, _; may be left empty",
                ),
                &c(0),
            )
            .optional(),
            FieldView::text(
                &name("name"),
                &numbered("名称", "name"),
                &label("留空表示没有这项材料", "Leave empty for no material"),
                &c(1),
            )
            .optional(),
            FieldView::text(
                &name("required"),
                &numbered("是否必要", "required"),
                "",
                &required_value,
            )
            .select(yes_no(lang)),
            FieldView::text(&name("form"), &numbered("材料形式", "form"), "", &c(3))
                .select(options(MaterialForm::ALL, |v| v.name(zh))),
            FieldView::text(
                &name("copies"),
                &numbered("份数", "copies"),
                "",
                &if c(4).is_empty() { "1".into() } else { c(4) },
            )
            .kind("number"),
            FieldView::text(
                &name("standard"),
                &numbered("受理标准", "acceptance standard"),
                "",
                &c(5),
            )
            .optional(),
            FieldView::text(
                &name("source"),
                &numbered("来源", "source"),
                &label(
                    "申请人自备、证照:类型代码、数据:资源代码:信息项、事项:基本编码",
                    "申请人自备, 证照:type code, 数据:resource code:item, 事项:basic code",
                ),
                &if c(6).is_empty() {
                    "申请人自备".into()
                } else {
                    c(6)
                },
            ),
            FieldView::text(
                &name("deferrable"),
                &numbered("是否容缺", "may come later"),
                "",
                &if c(7).is_empty() { "否".into() } else { c(7) },
            )
            .select(yes_no(lang)),
            FieldView::text(
                &name("applies_when"),
                &numbered("适用情形", "applies when"),
                &label(
                    "如 married = yes；留空表示总是需要",
                    "Such as married = yes; empty: always",
                ),
                &c(8),
            )
            .optional(),
        ]);
    }
    FormView::new(
        action,
        lang.pick("编辑事项（保存为草稿）", "Edit the item (saved as a draft)"),
        lang.pick("保存草稿", "Save draft"),
        fields,
    )
}

/// The template rows of the form's input: the item's codes from `code`, the item's columns,
/// and one row per material with a name; and which form material each row holds.
fn rows_from_form(code: &ImplementationCode, f: &HashMap<String, Vec<String>>) -> (Vec<Vec<String>>, Vec<usize>) {
    let one = |name: &str| f.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
    let many = |name: &str, sep: &str| {
        f.get(name)
            .map(|v| {
                v.iter()
                    .flat_map(|s| s.lines())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(sep)
            })
            .unwrap_or_default()
    };
    let (uscc, rest) = code.as_str().split_at(18);
    let codes = vec![
        code.basic().as_str().to_string(),
        uscc.to_string(),
        rest.chars().take(1).collect(),
    ];
    let mut item = codes.clone();
    for name in &ITEM_FIELDS[3..] {
        item.push(match *name {
            "applicant_types" | "delivery" => many(name, "、"),
            "conditions" | "windows" | "questions" | "process" => many(name, "；"),
            other => one(other),
        });
    }
    let mut rows = Vec::new();
    let mut which = Vec::new();
    let mut k = 0;
    while f.contains_key(&format!("materials[{k}].name")) {
        let cells: Vec<String> = MATERIAL_FIELDS
            .iter()
            .map(|m| one(&format!("materials[{k}].{m}")))
            .collect();
        if !cells[1].trim().is_empty() {
            let mut row = if rows.is_empty() {
                item.clone()
            } else {
                codes
                    .iter()
                    .cloned()
                    .chain(std::iter::repeat_n(String::new(), 22))
                    .collect()
            };
            row.extend(cells);
            rows.push(row);
            which.push(k);
        }
        k += 1;
    }
    if rows.is_empty() {
        rows.push(item);
    }
    (rows, which)
}

/// The field of the form that a template cell's problem belongs to.
fn field_of(row: usize, column: usize, which: &[usize]) -> String {
    match column.checked_sub(ITEM_FIELDS.len()) {
        Some(m) => format!(
            "materials[{}].{}",
            row.checked_sub(1).and_then(|r| which.get(r)).copied().unwrap_or(0),
            MATERIAL_FIELDS.get(m).copied().unwrap_or("name")
        ),
        None => match ITEM_FIELDS.get(column).copied().unwrap_or("") {
            "" => "name".into(),
            f => f.into(),
        },
    }
}

async fn edit_page(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    code: &str,
    input: Option<(&HashMap<String, Vec<String>>, Error)>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageItems, &Target::OwnScope)?;
    let parsed =
        ImplementationCode::parse("code", code).map_err(|_| ApiError::not_found("政务服务事项", "service item"))?;
    let working = items::working_copy(state, auth, code).await?;
    let l = Layout::new(auth, headers, "/items/manage", "编辑事项", "Edit item");
    let lang = l.lang;
    let action = format!("/items/{}/edit", encode(code));
    let mut t = TablePage::new(l, "", &[]);
    t.crumbs = vec![
        ("/items/manage".into(), lang.pick("事项管理", "Manage items").into()),
        (
            format!("/items/{}/history", encode(code)),
            lang.pick("版本记录", "Versions").into(),
        ),
    ];
    if let Some(w) = &working {
        t.l.title = w.content.name.clone();
        t.intro.push(match (lang, w.status.as_str()) {
            (Lang::Zh, "draft") => format!("正在编辑第{}版草稿。保存后可在版本记录中提交审核。", w.version),
            (Lang::En, "draft") => format!(
                "Editing the draft of version {}. Submit it for review from the versions.",
                w.version
            ),
            (Lang::Zh, _) => format!(
                "当前为第{}版（{}）；保存将生成新版本草稿，现行版本在新版本发布前继续有效。",
                w.version, w.status_name
            ),
            (Lang::En, _) => format!(
                "Version {} is {}; saving makes a new draft version, the current one stays until it is published.",
                w.version, w.status_name
            ),
        });
    }
    let form = match input {
        None => {
            // The process names departments by credit code.
            let mut uscc: HashMap<i64, String> = HashMap::new();
            for s in working.iter().flat_map(|w| &w.content.process) {
                if let Some(d) = state.store.department(s.department_id).await? {
                    uscc.insert(d.id, d.uscc);
                }
            }
            let uscc_of = |id: i64| uscc.get(&id).cloned().unwrap_or_default();
            let rows = match &working {
                Some(w) => import::rows_of(&parsed, &w.content, &uscc_of),
                None => vec![],
            };
            let materials = working.as_ref().map_or(0, |w| w.content.materials.len());
            edit_form(lang, &action, &rows, materials + BLANK_MATERIALS)
        }
        Some((f, e)) => {
            let materials = (0..)
                .take_while(|k| f.contains_key(&format!("materials[{k}].name")))
                .count();
            let mut form = edit_form(lang, &action, &[], materials.max(1));
            for field in &mut form.fields {
                if let Some(v) = f.get(&field.name) {
                    field.value = v.join("\n");
                }
            }
            form.with_error(&e, lang)
        }
    };
    t.forms.push(form);
    Ok(render(StatusCode::OK, &t))
}

/// The editing form of an item: its working copy, or its latest version.
pub async fn edit(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    edit_page(&state, &auth, &headers, &code, None).await
}

/// Save the form as the item's draft; the form again, with every error next to its field.
pub async fn save(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    auth.require(Permission::ManageItems, &Target::OwnScope)?;
    let parsed =
        ImplementationCode::parse("code", &code).map_err(|_| ApiError::not_found("政务服务事项", "service item"))?;
    let mut f: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        if k != "csrf_token" {
            f.entry(k).or_default().push(v);
        }
    }
    let (rows, which) = rows_from_form(&parsed, &f);
    match import::save_rows(&state, &auth, &code, &rows).await? {
        Ok(()) => Ok(Redirect::to(&format!("/items/{}/history?notice=saved", encode(&code))).into_response()),
        Err(problems) => {
            let e = Error::validation(
                problems
                    .into_iter()
                    .map(|(row, column, message)| {
                        FieldError::new(&field_of(row, column, &which), message.clone(), message)
                    })
                    .collect(),
            );
            edit_page(&state, &auth, &headers, &code, Some((&f, e))).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::import::HEADERS;

    #[test]
    fn the_form_covers_the_template() {
        assert_eq!(ITEM_FIELDS.len() + MATERIAL_FIELDS.len(), HEADERS.len());
        assert_eq!(field_of(1, 31, &[0, 2]), "materials[0].source");
        assert_eq!(field_of(2, 26, &[0, 2]), "materials[2].name");
        assert_eq!(field_of(1, 9, &[]), "promised_limit");
        assert_eq!(field_of(1, 1, &[]), "name");
    }
}
