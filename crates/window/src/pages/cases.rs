//! The pages of cases: applying from a guide (what will be fetched shown before submitting),
//! the applicant's cases (我的办件), a case with its materials, tasks, timeline and the forms of
//! whoever may act on it now (accepting, the one-time notice listing every material at once,
//! visits, delivery, the approvers' decisions, the applicant's consent and supplements), the
//! clerk's queue and the approvers' inbox with each task's deadline by colour (in words, not
//! by colour alone). Every form works without JavaScript.

use crate::WindowState;
use crate::service::cases::{
    self, ApplyInput, CaseView, DecideInput, DeliverInput, PartyInput, StepInput, TaskView, VisitInput,
};
use crate::service::items::GuideView;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use yici_core::Lang;
use yici_core::authz::{Permission, Target};
use yici_store::cases::NoticeLine;
use yici_web::extract::{Form, Path, Query};
use yici_web::page::{Cell, ConfirmPage, FieldView, FormView, Layout, RowView, TablePage, encode, fact, render};
use yici_web::{ApiResult, Auth};

fn case_link(c: &CaseView) -> Cell {
    Cell::link(c.case_no.clone(), format!("/cases/{}", encode(&c.case_no)))
}

fn cases_table(mut t: TablePage, list: &[CaseView]) -> TablePage {
    for c in list {
        t.rows.push(RowView {
            cells: vec![
                case_link(c),
                Cell::text(c.name.clone()),
                Cell::text(c.status_name.clone()),
                Cell::text(t.l.date(c.received_at)),
                Cell::text(c.summary.text.clone()),
            ],
            actions: vec![],
        });
    }
    t
}

fn cases_head(lang: Lang) -> [&'static str; 5] {
    [
        lang.pick("办件编号", "Case number"),
        lang.pick("事项", "Service"),
        lang.pick("状态", "Status"),
        lang.pick("收件日期", "Received"),
        lang.pick("申请材料", "Materials"),
    ]
}

/// 我的办件: the signed-in applicant's cases.
pub async fn mine(State(state): State<WindowState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let list = cases::mine(&state, &auth).await?;
    let news = cases::notifications(&state, &auth).await?;
    let l = Layout::new(&auth, &headers, "/me/cases", "我的办件", "My cases");
    let lang = l.lang;
    let mut t = TablePage::new(l, lang.pick("我申请的办件", "Cases I applied for"), &cases_head(lang));
    for n in news.iter().take(5) {
        let when = t.l.date(n.at);
        t.intro
            .push(fact(lang, "消息", "News", &format!("{when} {}", n.message)));
    }
    t.intro.push(
        lang.pick(
            "政府部门已有的材料已共享获取，无需再交；每次获取都记录在“谁用了我的数据”中。",
            "What the government already holds was fetched and need not be brought; each fetch is listed in “Who used my data”.",
        )
        .to_string(),
    );
    Ok(render(StatusCode::OK, &cases_table(t, &list)))
}

/// The clerk's queue, by status (default: received).
#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
}

/// 窗口办件: the cases of the clerk's windows in one status.
pub async fn queue(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Response> {
    let status = q.status.as_deref().filter(|s| !s.is_empty()).unwrap_or("received");
    let list = cases::queue(&state, &auth, status).await?;
    let l = Layout::new(&auth, &headers, "/cases", "窗口办件", "Window cases");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("共 {} 件", list.len()),
            Lang::En => format!("{} cases", list.len()),
        },
        &cases_head(lang),
    );
    t.links = Some((
        lang.pick("按状态：", "By status:").to_string(),
        [
            ("received", "已收件", "received"),
            ("supplementing", "补正中", "awaiting supplements"),
            ("processing", "办理中", "being processed"),
            ("approved", "准予许可", "approved"),
            ("refused", "不予许可", "refused"),
        ]
        .iter()
        .map(|(code, zh, en)| (format!("/cases?status={code}"), lang.pick(zh, en).to_string()))
        .collect(),
    ));
    Ok(render(StatusCode::OK, &cases_table(t, &list)))
}

fn colour_name(t: &TaskView, lang: Lang) -> String {
    match t.colour.as_str() {
        "red" => lang.pick("已超期", "overdue"),
        "yellow" => lang.pick("即将到期", "due within a day"),
        _ => lang.pick("正常", "on time"),
    }
    .to_string()
}

/// 待办任务: the approvers' inbox, oldest first, each task with its deadline in words.
pub async fn inbox(State(state): State<WindowState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let tasks = cases::inbox(&state, &auth).await?;
    let l = Layout::new(&auth, &headers, "/tasks", "待办任务", "Tasks");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        &match lang {
            Lang::Zh => format!("待办 {} 项", tasks.len()),
            Lang::En => format!("{} open tasks", tasks.len()),
        },
        &[
            lang.pick("办件编号", "Case number"),
            lang.pick("环节", "Step"),
            lang.pick("部门", "Department"),
            lang.pick("截止日期", "Deadline"),
            lang.pick("时限", "Time"),
        ],
    );
    for (case_no, task) in &tasks {
        t.rows.push(RowView {
            cells: vec![
                Cell::link(case_no.clone(), format!("/cases/{}", encode(case_no))),
                Cell::text(task.name.clone()),
                Cell::text(task.department.clone()),
                Cell::text(task.deadline.clone().unwrap_or_default()),
                Cell::text(colour_name(task, lang)),
            ],
            actions: vec![],
        });
    }
    Ok(render(StatusCode::OK, &t))
}

/// One case: its facts, its materials, its tasks and its timeline.
pub async fn case(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> ApiResult<Response> {
    case_page(&state, &auth, &headers, &case_no, None).await
}

/// A refused action: which, why, and the fields it was given.
type Refused<'a> = (&'a str, &'a yici_service::Error, &'a [(String, String)]);

/// A case's page, with the forms of the actions the caller may take now; a refused action
/// shows its form again with the error and the input.
async fn case_page(
    state: &WindowState,
    auth: &Auth,
    headers: &HeaderMap,
    case_no: &str,
    refused: Option<Refused<'_>>,
) -> ApiResult<Response> {
    let c = cases::get(state, auth, case_no).await?;
    let can = cases::abilities(state, auth, &c).await?;
    let l = Layout::new(auth, headers, "/me/cases", "办件详情", "Case");
    let lang = l.lang;
    let mut t = TablePage::new(
        l,
        lang.pick("申请材料", "Materials"),
        &[
            lang.pick("材料", "Material"),
            lang.pick("必要", "Required"),
            lang.pick("来源", "Source"),
            lang.pick("说明", "Note"),
        ],
    );
    t.l.title = c.name.clone();
    t.intro.push(fact(lang, "办件编号", "Case number", &c.case_no));
    t.intro.push(fact(lang, "状态", "Status", &c.status_name));
    t.intro
        .push(fact(lang, "收件日期", "Received", &t.l.date(c.received_at)));
    if let Some(d) = &c.deadline {
        t.intro.push(fact(lang, "承诺办结日期", "Promised by", d));
    }
    t.intro.push(fact(lang, "申请材料", "Materials", &c.summary.text));
    t.intro.push(fact(
        lang,
        "到现场次数",
        "Visits",
        &match (lang, c.at_most_once) {
            (Lang::Zh, true) => format!("{} 次（最多跑一次）", c.visits),
            (Lang::Zh, false) => format!("{} 次", c.visits),
            (Lang::En, true) => format!("{} (at most once)", c.visits),
            (Lang::En, false) => c.visits.to_string(),
        },
    ));
    if !c.reason.is_empty() {
        t.intro.push(fact(lang, "理由", "Reason", &c.reason));
    }
    for task in &c.tasks {
        t.intro.push(fact(
            lang,
            "办理环节",
            "Step",
            &format!(
                "{}（{}，{}{}）",
                task.name,
                task.status_name,
                task.deadline.clone().unwrap_or_default(),
                if task.status == "open" {
                    format!("，{}", colour_name(task, lang))
                } else {
                    String::new()
                }
            ),
        ));
    }
    for e in &c.timeline {
        let step = yici_core::cases::CaseStep::from_code(&e.step)
            .map(|s| s.name(lang))
            .or_else(|| yici_core::cases::CaseNote::from_code(&e.step).map(|s| s.name(lang)))
            .map_or_else(|| e.step.clone(), str::to_string);
        let note = if e.note.is_empty() {
            String::new()
        } else {
            format!("：{}", e.note)
        };
        t.intro.push(fact(
            lang,
            "办理过程",
            "Timeline",
            &format!("{} {step}{note}", t.l.date(e.at)),
        ));
    }
    for r in &c.results {
        t.intro.push(fact(
            lang,
            "办理结果（电子证照）",
            "Result (e-certificate)",
            &format!("{}（{}）{}", r.type_name, r.department, r.identifier),
        ));
    }
    for m in &c.materials {
        t.rows.push(RowView {
            cells: vec![
                Cell::text(m.name.clone()),
                Cell::text(lang.pick(
                    if m.required { "是" } else { "否" },
                    if m.required { "yes" } else { "no" },
                )),
                Cell::text(m.source_name.clone()),
                Cell::text(if m.defect.is_empty() {
                    m.note.clone()
                } else {
                    m.defect.clone()
                }),
            ],
            actions: vec![],
        });
    }
    // 好差评: a concluded case is rated on its evaluation page; the QR code printed with the case
    // (its receipt) carries that page's address.
    if matches!(c.status.as_str(), "approved" | "refused" | "delivered" | "not_accepted") {
        let path = format!("/cases/{}/evaluate", encode(&c.case_no));
        let base = state
            .certificates
            .as_ref()
            .map(|s| s.public_url.trim_end_matches('/'))
            .unwrap_or("");
        t.qr = Some((
            yici_web::page::qr_svg(&format!("{base}{path}?channel=qr")),
            lang.pick("扫码评价本次服务（好差评）", "Scan to rate this service")
                .into(),
        ));
        if can.party {
            t.links = Some((
                lang.pick("评价", "Rating").into(),
                vec![(path, lang.pick("评价本次服务", "Rate this service").into())],
            ));
        }
    }
    for f in action_forms(&t.l, &c, &can) {
        let f = match refused {
            Some((what, e, pairs)) if f.action.ends_with(&format!("/{what}")) => {
                let mut f = f;
                for field in &mut f.fields {
                    let kept: Vec<&str> = pairs
                        .iter()
                        .filter(|(k, _)| *k == field.name)
                        .map(|(_, v)| v.as_str())
                        .collect();
                    if !kept.is_empty() {
                        field.value = kept.join("\n");
                    }
                }
                f.with_error(e, lang)
            }
            _ => f,
        };
        t.forms.push(f);
    }
    Ok(render(StatusCode::OK, &t))
}

/// `f` with the element id `id` (several forms of one page share field names).
fn with_id(mut f: FieldView, id: String) -> FieldView {
    f.id = id;
    f
}

/// The forms of the actions the caller may take on `c` now.
fn action_forms(l: &Layout, c: &CaseView, can: &cases::Abilities) -> Vec<FormView> {
    let lang = l.lang;
    let action = |what: &str| format!("/cases/{}/do/{what}", encode(&c.case_no));
    let version = vec![("version".to_string(), c.version.to_string())];
    let with_version = |mut f: FormView| {
        f.hidden = version.clone();
        f
    };
    let mut forms = Vec::new();
    let open = matches!(c.status.as_str(), "received" | "supplementing");
    if can.party && open && c.parties.iter().any(|p| !p.consented && !p.id_number.contains('*')) {
        forms.push(FormView::new(
            &action("consent"),
            lang.pick("同意共享获取我的材料", "Let the departments fetch my documents"),
            lang.pick("同意并获取", "Consent and fetch"),
            vec![],
        ));
    }
    if can.party && c.status == "supplementing" {
        forms.push(with_version(FormView::new(
            &action("supply"),
            lang.pick("补正完毕", "Supplements done"),
            lang.pick("提交补正", "Hand in the supplements"),
            vec![],
        )));
    }
    if can.receive && c.status == "received" {
        forms.push(with_version(FormView::new(
            &action("accept"),
            lang.pick("受理", "Accept"),
            lang.pick("受理", "Accept"),
            vec![],
        )));
        // The one-time notice: every material at once, each with its reason.
        let fields = c
            .materials
            .iter()
            .map(|m| {
                FieldView::text(
                    &format!("reason.{}", m.code),
                    &format!("{}（{}）", m.name, m.source_name),
                    lang.pick(
                        "缺少或不符合要求时写明原因，留空表示无需补正",
                        "Say what is missing or wrong; leave empty when it is fine",
                    ),
                    "",
                )
                .optional()
            })
            .collect();
        forms.push(with_version(FormView::new(
            &action("notice"),
            lang.pick(
                "一次性告知补正（一次列全）",
                "One-time notice (name everything at once)",
            ),
            lang.pick("发出补正告知", "Send the notice"),
            fields,
        )));
        forms.push(with_version(FormView::new(
            &action("not_accept"),
            lang.pick("不予受理", "Do not accept"),
            lang.pick("不予受理", "Do not accept"),
            vec![
                FieldView::text(
                    "reason",
                    lang.pick("理由", "Reason"),
                    lang.pick(
                        "告知申请人的理由和依据",
                        "The reason and its basis, told to the applicant",
                    ),
                    "",
                )
                .kind("textarea"),
            ],
        )));
    }
    for t in c.tasks.iter().filter(|t| can.decide.contains(&t.id)) {
        let mut f = FormView::new(
            &action(&format!("decide-{}", t.id)),
            &format!("{}：{}", lang.pick("审批", "Decide"), t.name),
            lang.pick("提交审批意见", "Give the decision"),
            vec![
                FieldView::text("decision", lang.pick("审批结果", "Decision"), "", "approve").select(vec![
                    ("approve".into(), lang.pick("同意", "Approve").into()),
                    ("refuse".into(), lang.pick("不同意", "Refuse").into()),
                ]),
                FieldView::text(
                    "opinion",
                    lang.pick("审批意见", "Opinion"),
                    lang.pick(
                        "不同意时必须写明理由，将告知申请人",
                        "Required when refusing: it is told to the applicant",
                    ),
                    "",
                )
                .kind("textarea")
                .optional(),
            ],
        );
        f.hidden = vec![("version".into(), t.version.to_string())];
        forms.push(f);
    }
    if can.receive && c.status == "approved" {
        forms.push(with_version(FormView::new(
            &action("deliver"),
            lang.pick("送达结果", "Deliver the result"),
            lang.pick("记录送达", "Record the delivery"),
            vec![
                FieldView::text("mode", lang.pick("送达方式", "How"), "", "electronic").select(
                    yici_core::cases::DeliveryMode::ALL
                        .iter()
                        .map(|m| (m.code().to_string(), m.name(lang).to_string()))
                        .collect(),
                ),
                FieldView::text(
                    "tracking",
                    lang.pick("邮寄单号", "Tracking number"),
                    lang.pick("邮寄送达时填写", "For delivery by mail"),
                    "",
                )
                .optional(),
            ],
        )));
    }
    if can.receive && !matches!(c.status.as_str(), "withdrawn" | "void") {
        forms.push(FormView::new(
            &action("visit"),
            lang.pick("记录到现场", "Record a visit"),
            lang.pick("记录", "Record"),
            vec![
                with_id(
                    FieldView::text("reason", lang.pick("到现场原因", "Why"), "", "").select(
                        yici_core::cases::VisitReason::ALL
                            .iter()
                            .map(|r| (r.code().to_string(), r.name(lang).to_string()))
                            .collect(),
                    ),
                    "visit-reason".into(),
                ),
                with_id(
                    FieldView::text("note", lang.pick("备注", "Note"), "", "").optional(),
                    "visit-note".into(),
                ),
            ],
        ));
    }
    forms
}

/// The value of form field `name` (trimmed; empty when absent).
fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// An action on a case from its page; the case again on success, or its page with the form,
/// its input and the error when refused for its input or the case's state.
pub async fn act(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Path((case_no, what)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let version: i64 = field(&pairs, "version").parse().unwrap_or(-1);
    let result = match what.as_str() {
        "accept" | "not_accept" | "notice" | "supply" => {
            let lines = pairs
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("reason.")
                        .filter(|_| !v.trim().is_empty())
                        .map(|code| NoticeLine {
                            line: code.to_string(),
                            reason: v.trim().to_string(),
                        })
                })
                .collect();
            let input = StepInput {
                version,
                reason: field(&pairs, "reason"),
                lines,
            };
            cases::step(&state, &auth, &case_no, &what, input).await
        }
        "consent" => cases::consent(&state, &auth, &case_no).await,
        "visit" => {
            let input = VisitInput {
                reason: field(&pairs, "reason"),
                note: field(&pairs, "note"),
            };
            cases::visit(&state, &auth, &case_no, input).await
        }
        "deliver" => {
            let input = DeliverInput {
                version,
                mode: field(&pairs, "mode"),
                tracking: field(&pairs, "tracking"),
            };
            cases::deliver(&state, &auth, &case_no, input).await
        }
        other => match other.strip_prefix("decide-").and_then(|id| id.parse::<i64>().ok()) {
            Some(task) => {
                let input = DecideInput {
                    version,
                    approve: field(&pairs, "decision") != "refuse",
                    opinion: field(&pairs, "opinion"),
                };
                cases::decide(&state, &auth, task, input).await
            }
            None => return Err(yici_service::Error::not_found("操作", "action").into()),
        },
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", encode(&c.case_no))).into_response()),
        Err(e) if matches!(e.kind, yici_service::Kind::Invalid | yici_service::Kind::Conflict) => {
            case_page(&state, &auth, &headers, &case_no, Some((&what, &e, &pairs))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The application form under a guide whose questions are all answered, for an applicant
/// signed in (for themselves) or a window clerk (for the applicant before them); `None` for
/// anyone else. The answers travel as hidden fields; a key makes a second submission return
/// the case made by the first.
pub(crate) fn apply_form(
    auth: &Auth,
    l: &Layout,
    (kind, code): (&str, &str),
    g: &GuideView,
    answers: &BTreeMap<String, String>,
    refused: Option<(&yici_service::Error, &[(String, String)])>,
) -> Option<FormView> {
    if !g.unanswered.is_empty() {
        return None;
    }
    let clerk = auth.require(Permission::ReceiveCases, &Target::OwnScope).is_ok();
    let applicant = auth.require(Permission::Apply, &Target::OwnScope).is_ok();
    if !clerk && !applicant {
        return None;
    }
    let lang = l.lang;
    let mut fields = Vec::new();
    if clerk {
        fields.push(
            FieldView::text(
                "applicant_name",
                lang.pick("申请人姓名或单位名称", "Applicant's name"),
                "",
                "",
            )
            .autocomplete("off"),
        );
        fields.push(
            FieldView::text(
                "applicant_id",
                lang.pick("申请人证件号码", "Applicant's ID number"),
                lang.pick(
                    "居民身份证号码或统一社会信用代码",
                    "Resident ID number or unified social credit code",
                ),
                "",
            )
            .autocomplete("off"),
        );
        fields.push(FieldView::text(
            "window_region",
            lang.pick("受理窗口所在区划代码", "Region code of the window"),
            lang.pick("六位区划代码，如 330800", "Six digits, such as 330800"),
            &cases::window_region_of(auth).unwrap_or_default(),
        ));
    }
    fields.push(
        FieldView::text(
            "co_name",
            lang.pick("共同申请人姓名", "Co-applicant's name"),
            lang.pick(
                "如买卖双方、配偶；没有则留空",
                "A seller or buyer, a spouse; leave empty if none",
            ),
            "",
        )
        .optional()
        .autocomplete("off"),
    );
    fields.push(
        FieldView::text(
            "co_id",
            lang.pick("共同申请人证件号码", "Co-applicant's ID number"),
            "",
            "",
        )
        .optional()
        .autocomplete("off"),
    );
    let deferrable: Vec<(String, String)> = g
        .materials
        .iter()
        .filter(|m| m.deferrable && m.exempt_source.is_none())
        .map(|m| (m.code.clone(), m.name.clone()))
        .collect();
    if !deferrable.is_empty() {
        fields.push(
            FieldView::text(
                "deferred",
                lang.pick("容缺后补的材料", "Materials to hand in later (容缺)"),
                lang.pick("受理后再补交", "Handed in after acceptance"),
                "",
            )
            .checkboxes(deferrable)
            .optional(),
        );
    }
    for f in &g.form {
        let mut field = FieldView::text(&format!("form.{}", f.element), &f.label, "", "");
        if !f.required {
            field = field.optional();
        }
        fields.push(field);
    }
    fields.push(
        FieldView::text(
            "consent",
            lang.pick("同意共享获取", "Consent"),
            if clerk {
                lang.pick(
                    "当事人已当面同意：政府部门已有的材料为本次申请共享获取，不必再交",
                    "The parties agreed here that what the departments hold is fetched for this application",
                )
            } else {
                lang.pick(
                    "我同意政府部门为本次申请共享获取其已有的我的材料，不必再交；每次获取都会记录",
                    "I agree that the departments fetch what they hold about me for this application; each fetch is recorded",
                )
            },
            "",
        )
        .checkboxes(vec![("yes".into(), lang.pick("同意", "I agree").into())])
        .optional(),
    );
    let mut form = FormView::new(
        "/cases/new",
        lang.pick("申请办理", "Apply"),
        lang.pick("下一步：核对将共享获取的材料", "Next: check what will be fetched"),
        fields,
    );
    form.hidden.push((kind.to_string(), code.to_string()));
    for (q, a) in answers {
        form.hidden.push((format!("answer.{q}"), a.clone()));
    }
    form.hidden.push((
        "key".into(),
        refused
            .map(|(_, pairs)| field(pairs, "key"))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| form_key(l)),
    ));
    if let Some((e, pairs)) = refused {
        for f in &mut form.fields {
            let kept: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| *k == f.name)
                .map(|(_, v)| v.as_str())
                .collect();
            if !kept.is_empty() {
                f.value = kept.join("\n");
            }
        }
        form = form.with_error(e, lang);
    }
    Some(form)
}

/// A fresh idempotency key for one application form.
fn form_key(l: &Layout) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(l.csrf.as_bytes());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("form-{:016x}", h.finish())
}

/// The application of a form's fields.
fn apply_input(pairs: &[(String, String)]) -> ApplyInput {
    let mut parties = Vec::new();
    let (name, id) = (field(pairs, "applicant_name"), field(pairs, "applicant_id"));
    if !name.is_empty() || !id.is_empty() {
        parties.push(PartyInput {
            role: Some("applicant".into()),
            id_number: id,
            name,
        });
    }
    let (name, id) = (field(pairs, "co_name"), field(pairs, "co_id"));
    if !name.is_empty() || !id.is_empty() {
        parties.push(PartyInput {
            role: Some("co_applicant".into()),
            id_number: id,
            name,
        });
    }
    let some = |k: &str| Some(field(pairs, k)).filter(|v| !v.is_empty());
    ApplyInput {
        item: some("item"),
        bundle: some("bundle"),
        answers: pairs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("answer.").map(|q| (q.to_string(), v.clone())))
            .collect(),
        parties,
        window_region: some("window_region"),
        deferred: pairs
            .iter()
            .filter(|(k, _)| k == "deferred")
            .map(|(_, v)| v.clone())
            .collect(),
        consent: field(pairs, "consent") == "yes",
        form: pairs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("form.").map(|f| (f.to_string(), v.trim().to_string())))
            .collect(),
    }
}

/// Applying from a guide: first what will be fetched and what is asked for, to confirm; then
/// the case, whose page follows. A refusal shows the guide again with the form, its input and
/// every problem.
pub async fn new_case(
    State(state): State<WindowState>,
    auth: Auth,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let input = apply_input(&pairs);
    let refused = |e: yici_service::Error| {
        let (state, auth, headers, pairs, input) = (&state, &auth, &headers, &pairs, &input);
        async move {
            if !matches!(e.kind, yici_service::Kind::Invalid | yici_service::Kind::Forbidden) {
                return Err(e.into());
            }
            match (&input.item, &input.bundle) {
                (Some(code), _) => {
                    super::item_page(state, auth, headers, code, input.answers.clone(), Some((&e, pairs))).await
                }
                (None, Some(code)) => {
                    super::bundle_page(state, auth, headers, code, input.answers.clone(), Some((&e, pairs))).await
                }
                _ => Err(e.into()),
            }
        }
    };
    if !yici_web::page::confirmed(&field(&pairs, "confirmed")) {
        let lines = match cases::preview(&state, &auth, &input).await {
            Ok(lines) => lines,
            Err(e) => return refused(e).await,
        };
        let l = Layout::new(&auth, &headers, "/me/cases", "核对申请", "Check the application");
        let lang = l.lang;
        let mut details = Vec::new();
        for p in &lines {
            let what = match (p.source.as_str(), p.found, input.consent) {
                ("fetch", Some(true), _) => match lang {
                    Lang::Zh => format!("将共享获取（已在您的证照库中找到“{}”）", p.source_name),
                    Lang::En => format!("will be fetched (your {} was found)", p.source_name),
                },
                ("fetch", Some(false), _) => match lang {
                    Lang::Zh => format!("未在您的证照库中找到“{}”，请准备上传", p.source_name),
                    Lang::En => format!("no {} of yours was found: have it ready to upload", p.source_name),
                },
                ("fetch", None, true) => match lang {
                    Lang::Zh => format!("将从“{}”共享获取", p.source_name),
                    Lang::En => format!("will be fetched from {}", p.source_name),
                },
                ("fetch", None, false) => lang
                    .pick(
                        "未同意共享获取，需要提供",
                        "not fetched without consent: to be handed in",
                    )
                    .to_string(),
                ("defer", ..) => lang.pick("容缺，受理后补交", "to hand in after acceptance").to_string(),
                _ => lang.pick("需要提供", "to be handed in").to_string(),
            };
            details.push(format!("{}：{what}", p.name));
        }
        let mut hidden: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "csrf_token").cloned().collect();
        hidden.retain(|(k, _)| k != "confirmed");
        let page = ConfirmPage {
            question: lang
                .pick("请核对：以下材料的来源", "Please check where each material comes from")
                .to_string(),
            details,
            action: "/cases/new".into(),
            hidden,
            yes: lang.pick("确认提交申请", "Submit the application").to_string(),
            back: match (&input.item, &input.bundle) {
                (Some(c), _) => format!("/items/{}", encode(c)),
                (None, Some(c)) => format!("/bundles/{}", encode(c)),
                _ => "/items".into(),
            },
            l,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    let key = Some(field(&pairs, "key")).filter(|k| !k.is_empty());
    match cases::apply(&state, &auth, input.clone(), key.as_deref()).await {
        Ok((c, _)) => Ok(Redirect::to(&format!("/cases/{}", encode(&c.case_no))).into_response()),
        Err(e) => refused(e).await,
    }
}
