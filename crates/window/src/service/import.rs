//! Bulk import of implementation lists (实施清单) from the spreadsheet template (.xlsx or .csv).
//!
//! The template (`docs/items-template.csv`, `.xlsx`) has one row per material and repeats the
//! item's columns on each of its rows, as the catalogue's template does; later rows of an item
//! may leave the item's columns empty. Every row is read and checked against the same rules as
//! an item saved by hand; every problem is reported with its row, its column and the reason, in
//! Chinese. A file is all or nothing by default; with `partial`, the valid items are imported and
//! the others reported. Each item becomes the working copy (draft) of its implementation, or is
//! sent for review with `submit`; importing the same file again changes nothing.

use super::items::known;
use crate::WindowState;
use serde::Serialize;
use std::collections::BTreeMap;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Target};
use yici_core::id::Uscc;
use yici_core::items::{
    ApplicantType, BasicCode, CaseType, Choice, DayUnit, Delivery, Depth, Fee, ImplementationCode, ItemVersion, Level,
    Material, MaterialForm, Question, Requirement, Scope, ServiceWindow, Signing, Source, Step, TimeLimit,
    VersionStatus,
};
use yici_service::rows::{RowError, column_letter, refused};
use yici_service::{Caller, Error, Result};
use yici_store::departments::Department;
use yici_store::items::{Implementation, ImportedItem};

/// The template's columns, in order.
pub const HEADERS: [&str; 34] = [
    "基本编码",
    "实施主体统一社会信用代码",
    "实施编码序号",
    "事项名称",
    "行使层级",
    "服务对象",
    "办件类型",
    "法定办结时限",
    "法定时限单位",
    "承诺办结时限",
    "承诺时限单位",
    "到办事现场次数",
    "多次到现场理由",
    "网上办理深度",
    "受理条件",
    "设定依据",
    "收费",
    "送达方式",
    "通办范围",
    "办理地点",
    "咨询电话",
    "监督投诉电话",
    "主题",
    "情形问题",
    "办理环节",
    "材料编码",
    "材料名称",
    "是否必要",
    "材料形式",
    "份数",
    "受理标准",
    "材料来源",
    "是否容缺",
    "适用情形",
];

/// The first column of the material's part of a row.
const MATERIAL: usize = 25;

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ItemImportReport {
    pub rows: usize,
    pub items: usize,
    /// Implementations registered by this import.
    pub created: usize,
    /// Items whose working copy was saved (new implementations included).
    pub saved: usize,
    /// Items whose latest version already says what the file says.
    pub unchanged: usize,
    /// Items left out because of their errors (partial imports only).
    pub skipped: usize,
    /// Whether the saved items were sent for review.
    pub submitted: bool,
    /// Whether anything was written.
    pub written: bool,
    pub errors: Vec<RowError>,
}

fn col(i: usize) -> String {
    format!("{}（{}）", column_letter(i), HEADERS.get(i).copied().unwrap_or(""))
}

/// Cell `i`, trimmed; the quote that exports put before a leading = + - @ (so that
/// spreadsheets do not run it as a formula) is taken off.
fn get(row: &[String], i: usize) -> &str {
    let c = row.get(i).map(String::as_str).unwrap_or("").trim();
    match c.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => c,
    }
}

/// The template column of a core rule's field (`materials[2].source`, `legal_limit` …).
fn column_of(field: &str) -> usize {
    let head = field.split(['[', '.']).next().unwrap_or(field);
    let last = field.rsplit('.').next().unwrap_or(field);
    let name = match (head, last) {
        ("materials", "code") => "材料编码",
        ("materials", "name") => "材料名称",
        ("materials", "form") => "材料形式",
        ("materials", "copies") => "份数",
        ("materials", "standard") => "受理标准",
        ("materials", "source") => "材料来源",
        ("materials", "applies_when") => "适用情形",
        ("materials", _) => "材料名称",
        ("conditions", _) => "受理条件",
        ("questions", _) => "情形问题",
        ("process", _) => "办理环节",
        ("fees", _) => "收费",
        ("delivery", _) => "送达方式",
        ("scope", _) => "通办范围",
        ("windows", _) => "办理地点",
        ("themes", _) => "主题",
        ("form", _) => "材料名称",
        ("legal_limit", _) => "法定办结时限",
        ("promised_limit", _) => "承诺办结时限",
        ("visits", _) => "到办事现场次数",
        ("visits_reason", _) => "多次到现场理由",
        ("depth", _) => "网上办理深度",
        ("legal_basis", _) => "设定依据",
        ("applicant_types", _) => "服务对象",
        ("case_type", _) => "办件类型",
        ("consult_phone", _) => "咨询电话",
        ("complaint_phone", _) => "监督投诉电话",
        _ => "事项名称",
    };
    HEADERS.iter().position(|h| *h == name).unwrap_or(3)
}

/// The index in brackets of a field (`materials[2].source` → 2).
fn index_of(field: &str) -> Option<usize> {
    field.split_once('[')?.1.split(']').next()?.parse().ok()
}

/// One item of the file: its rows and what they say.
struct Group {
    rows: Vec<usize>,
    basic: Option<BasicCode>,
    uscc: String,
    sequence: char,
    /// The item's columns as first given.
    head: Vec<String>,
    first_row: usize,
    content: Option<ItemVersion>,
    /// Process steps as read: the credit code of each step's department.
    step_departments: Vec<String>,
    errors: Vec<RowError>,
}

/// Lists in one cell are separated by `；`, `;` or new lines.
fn entries(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(['；', ';', '\n']).map(str::trim).filter(|s| !s.is_empty())
}

/// Small lists (applicant types, delivery, themes) are separated by `、`, `，` or `,` too.
fn names(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(['、', '，', ',', '；', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn yes_no(cell: &str) -> Option<bool> {
    match cell {
        "是" | "Y" | "y" | "yes" | "1" => Some(true),
        "否" | "N" | "n" | "no" | "0" | "" => Some(false),
        _ => None,
    }
}

/// Reads one row's cells for an item, reporting each problem against the row.
struct Reader<'a> {
    row: &'a [String],
    line: usize,
    errors: Vec<RowError>,
}

impl Reader<'_> {
    fn cell(&self, i: usize) -> &str {
        get(self.row, i)
    }

    fn fail(&mut self, i: usize, message: String) {
        self.errors.push(RowError {
            row: self.line,
            column: col(i),
            message,
        });
    }

    fn number(&mut self, i: usize, default: Option<u32>) -> u32 {
        let c = self.cell(i).to_string();
        if c.is_empty()
            && let Some(d) = default
        {
            return d;
        }
        match c.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                self.fail(i, format!("应为非负整数，实际为“{c}”"));
                0
            }
        }
    }

    fn coded<T>(&mut self, i: usize, parse: fn(&str) -> Option<T>, what: &str, default: Option<T>) -> Option<T> {
        let c = self.cell(i).to_string();
        if c.is_empty()
            && let Some(d) = default
        {
            return Some(d);
        }
        let v = parse(&c);
        if v.is_none() {
            self.fail(i, format!("“{c}”不是有效的{what}"));
        }
        v
    }

    fn unit(&mut self, i: usize) -> DayUnit {
        self.coded(i, DayUnit::parse, "时限单位（工作日或自然日）", Some(DayUnit::Working))
            .unwrap_or(DayUnit::Working)
    }

    fn flag(&mut self, i: usize) -> bool {
        let c = self.cell(i).to_string();
        yes_no(&c).unwrap_or_else(|| {
            self.fail(i, format!("应填“是”或“否”，实际为“{c}”"));
            false
        })
    }

    /// Everything of the item but its materials.
    fn item(&mut self) -> (ItemVersion, Vec<String>) {
        let level = self.coded(4, Level::parse, "行使层级", Some(Level::City));
        let mut applicant_types = Vec::new();
        for n in names(self.cell(5)).map(str::to_string).collect::<Vec<_>>() {
            match applicant(&n) {
                Some(a) => applicant_types.push(a),
                None => self.fail(5, format!("“{n}”不是服务对象（自然人、企业法人、个人、法人 …）")),
            }
        }
        let case_type = self.coded(
            6,
            CaseType::parse,
            "办件类型（即办件或承诺件）",
            Some(CaseType::Promised),
        );
        let legal_limit = TimeLimit {
            days: self.number(7, Some(0)),
            unit: self.unit(8),
        };
        let promised_limit = TimeLimit {
            days: self.number(9, Some(0)),
            unit: self.unit(10),
        };
        let visits = self.number(11, None);
        let depth = self.coded(13, Depth::parse, "网上办理深度（1–4）", None);
        let conditions = entries(self.cell(14))
            .map(|t| match t.split_once('|') {
                Some((text, when)) => Requirement {
                    text: text.trim().into(),
                    applies_when: when.trim().into(),
                },
                None => Requirement {
                    text: t.into(),
                    applies_when: String::new(),
                },
            })
            .collect();
        let fees = self.fees();
        let mut delivery = Vec::new();
        for n in names(self.cell(17)).map(str::to_string).collect::<Vec<_>>() {
            match delivery_of(&n) {
                Some(d) if !delivery.contains(&d) => delivery.push(d),
                Some(_) => {}
                None => self.fail(17, format!("“{n}”不是送达方式（窗口领取、邮寄送达、电子送达）")),
            }
        }
        let scope = scope_of(self.cell(18));
        let windows = entries(self.cell(19))
            .map(|w| {
                let mut p = w.splitn(3, '|').map(str::trim);
                ServiceWindow {
                    name: p.next().unwrap_or("").into(),
                    address: p.next().unwrap_or("").into(),
                    hours: p.next().unwrap_or("").into(),
                }
            })
            .collect();
        let questions = self.questions();
        let (process, departments) = self.process();
        let v = ItemVersion {
            name: self.cell(3).into(),
            level: level.unwrap_or(Level::City),
            applicant_types,
            case_type: case_type.unwrap_or(CaseType::Promised),
            legal_limit,
            promised_limit,
            visits,
            visits_reason: self.cell(12).into(),
            depth: depth.unwrap_or(Depth::Information),
            conditions,
            legal_basis: self.cell(15).into(),
            questions,
            materials: Vec::new(),
            process,
            fees,
            delivery,
            scope,
            windows,
            form: Vec::new(),
            consult_phone: self.cell(20).into(),
            complaint_phone: self.cell(21).into(),
            themes: names(self.cell(22)).map(str::to_string).collect(),
        };
        (v, departments)
    }

    /// `免费`, or `名称:金额（元）:依据` entries.
    fn fees(&mut self) -> Vec<Fee> {
        let cell = self.cell(16).to_string();
        if cell.is_empty() || cell == "免费" || cell == "不收费" {
            return Vec::new();
        }
        let mut fees = Vec::new();
        for e in entries(&cell) {
            let mut p = e.splitn(3, [':', '：']).map(str::trim);
            let (name, amount, basis) = (p.next().unwrap_or(""), p.next(), p.next().unwrap_or(""));
            match amount.and_then(yuan_to_fen) {
                Some(amount_fen) => fees.push(Fee {
                    name: name.into(),
                    amount_fen,
                    basis: basis.into(),
                }),
                None => self.fail(16, format!("收费“{e}”应写作“名称:金额（元）:依据”，或填“免费”")),
            }
        }
        fees
    }

    /// `代码:问题:选项=标签/选项=标签` entries.
    fn questions(&mut self) -> Vec<Question> {
        let cell = self.cell(23).to_string();
        let mut qs = Vec::new();
        for e in entries(&cell) {
            let mut p = e.splitn(3, [':', '：']).map(str::trim);
            let (Some(code), Some(text), Some(choices)) = (p.next(), p.next(), p.next()) else {
                self.fail(23, format!("情形问题“{e}”应写作“代码:问题:选项=标签/选项=标签”"));
                continue;
            };
            let mut list = Vec::new();
            for c in choices.split('/').map(str::trim).filter(|c| !c.is_empty()) {
                match c.split_once('=') {
                    Some((code, label)) => list.push(Choice {
                        code: code.trim().into(),
                        label: label.trim().into(),
                    }),
                    None => self.fail(23, format!("选项“{c}”应写作“代码=标签”")),
                }
            }
            qs.push(Question {
                code: code.into(),
                text: text.into(),
                choices: list,
            });
        }
        qs
    }

    /// `阶段:环节名称:部门统一社会信用代码:工作日:会签或或签[:证照类型代码]` entries; the
    /// departments' credit codes are resolved later.
    fn process(&mut self) -> (Vec<Step>, Vec<String>) {
        let cell = self.cell(24).to_string();
        let mut steps = Vec::new();
        let mut departments = Vec::new();
        for e in entries(&cell) {
            let p: Vec<&str> = e.split([':', '：']).map(str::trim).collect();
            let (stage, name, uscc, days, signing, issues) = match p[..] {
                [a, b, c, d, e] => (a, b, c, d, e, None),
                [a, b, c, d, e, f] => (a, b, c, d, e, Some(f)),
                _ => {
                    self.fail(
                        24,
                        format!(
                            "办理环节“{e}”应写作“阶段:环节名称:部门统一社会信用代码:工作日:会签或或签[:证照类型代码]”"
                        ),
                    );
                    continue;
                }
            };
            let (Ok(stage), Ok(days)) = (stage.parse::<u32>(), days.parse::<u32>()) else {
                self.fail(24, format!("办理环节“{e}”的阶段和工作日应为整数"));
                continue;
            };
            let Some(signing) = Signing::parse(signing) else {
                self.fail(24, format!("办理环节“{e}”的签批方式应为“会签”或“或签”"));
                continue;
            };
            departments.push(uscc.to_string());
            steps.push(Step {
                stage,
                name: name.into(),
                department_id: 0,
                days,
                signing,
                required: true,
                lead: false,
                issues: issues.filter(|s| !s.is_empty()).map(str::to_string),
            });
        }
        (steps, departments)
    }

    /// The material of the row.
    fn material(&mut self, k: usize) -> Option<Material> {
        let name = self.cell(MATERIAL + 1).to_string();
        if k == 0 && (MATERIAL..HEADERS.len()).all(|i| self.cell(i).is_empty()) {
            // An item without materials: its one row has none.
            return None;
        }
        if name.is_empty() {
            self.fail(MATERIAL + 1, "材料名称不能为空".into());
            return None;
        }
        let required = yes_no(self.cell(MATERIAL + 2)).unwrap_or_else(|| {
            let c = self.cell(MATERIAL + 2).to_string();
            self.fail(MATERIAL + 2, format!("应填“是”或“否”，实际为“{c}”"));
            true
        });
        let form = self.coded(
            MATERIAL + 3,
            MaterialForm::parse,
            "材料形式（原件、复印件、电子件）",
            Some(MaterialForm::Original),
        );
        let copies = self.number(MATERIAL + 4, Some(1));
        let source = source_of(self.cell(MATERIAL + 6));
        if source.is_none() {
            let c = self.cell(MATERIAL + 6).to_string();
            self.fail(
                MATERIAL + 6,
                format!("材料来源“{c}”应为“申请人自备”“证照:类型代码”“数据:资源代码:信息项”或“事项:基本编码”"),
            );
        }
        let deferrable = self.flag(MATERIAL + 7);
        let code = match self.cell(MATERIAL) {
            "" => format!("m{}", k + 1),
            c => c.to_string(),
        };
        Some(Material {
            code,
            name,
            required,
            form: form.unwrap_or(MaterialForm::Original),
            copies,
            standard: self.cell(MATERIAL + 5).into(),
            source: source.unwrap_or(Source::Applicant),
            deferrable,
            applies_when: self.cell(MATERIAL + 8).into(),
        })
    }
}

fn applicant(n: &str) -> Option<ApplicantType> {
    match n {
        "个人" => Some(ApplicantType::Person),
        "法人" | "企业" => Some(ApplicantType::Enterprise),
        _ => ApplicantType::parse(n),
    }
}

fn delivery_of(n: &str) -> Option<Delivery> {
    match n {
        "窗口" => Some(Delivery::Window),
        "邮寄" => Some(Delivery::Mail),
        "电子" => Some(Delivery::Electronic),
        _ => Delivery::parse(n),
    }
}

fn scope_of(cell: &str) -> Scope {
    match cell {
        "" | "就近办" | "本地" => Scope::Local,
        "同城通办" | "全市" | "全市通办" => Scope::CityWide,
        "全省通办" | "全省" => Scope::ProvinceWide,
        regions => Scope::Regions(names(regions).map(str::to_string).collect()),
    }
}

fn source_of(cell: &str) -> Option<Source> {
    let p: Vec<&str> = cell.split([':', '：']).map(str::trim).collect();
    match p[..] {
        [""] | ["申请人自备"] | ["自备"] => Some(Source::Applicant),
        ["证照", code] if !code.is_empty() => Some(Source::Certificate { type_code: code.into() }),
        ["数据", code, item] if !code.is_empty() && !item.is_empty() => Some(Source::Record {
            resource_code: code.into(),
            key_item: item.into(),
        }),
        ["事项", code] if !code.is_empty() => Some(Source::Result { item_code: code.into() }),
        _ => None,
    }
}

/// `12.50` yuan as 1250 fen; at most two decimals, never negative.
fn yuan_to_fen(text: &str) -> Option<i64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || frac.chars().count() > 2 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// Read the grid against the template (no database).
fn parse(grid: &[Vec<String>]) -> std::result::Result<Vec<Group>, yici_service::rows::FileError> {
    use yici_service::rows::FileError;
    let header = grid
        .first()
        .ok_or_else(|| FileError("文件是空的：第1行应为模板表头".into()))?;
    for (i, expected) in HEADERS.iter().enumerate() {
        let found = get(header, i);
        if found != *expected {
            return Err(FileError(format!(
                "表头不符合模板：第{}列应为“{expected}”，实际为“{found}”。请使用 docs/items-template 中的模板",
                column_letter(i)
            )));
        }
    }
    if let Some((i, extra)) = header
        .iter()
        .enumerate()
        .skip(HEADERS.len())
        .find(|(_, h)| !h.trim().is_empty())
    {
        return Err(FileError(format!(
            "表头不符合模板：第{}列“{extra}”不是模板中的列",
            column_letter(i)
        )));
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<(String, String, char), usize> = BTreeMap::new();
    for (r, row) in grid.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = r + 1;
        let mut reader = Reader {
            row,
            line,
            errors: Vec::new(),
        };
        let basic_text = reader.cell(0).to_string();
        let uscc = reader.cell(1).to_string();
        let sequence = match reader.cell(2).chars().collect::<Vec<_>>()[..] {
            [] => '1',
            [c] if c.is_ascii_digit() || c.is_ascii_uppercase() => c,
            _ => {
                reader.fail(2, "实施编码序号为1位数字或大写字母".into());
                '1'
            }
        };
        let key = (basic_text.clone(), uscc.clone(), sequence);
        let g = match index.get(&key) {
            Some(&g) => g,
            None => {
                let basic = match BasicCode::parse("basic_code", &basic_text) {
                    Ok(b) => Some(b),
                    Err(p) => {
                        reader.fail(0, p.zh);
                        None
                    }
                };
                if Uscc::parse(&uscc).is_err() {
                    reader.fail(1, format!("“{uscc}”不是有效的统一社会信用代码"));
                }
                // An item's columns are given on its first row; a row that starts an item
                // without them is one error, not one per empty column.
                let (content, step_departments) = if reader.cell(3).is_empty() {
                    reader.fail(
                        3,
                        "该事项的第一行应填写事项信息（事项名称、时限、到现场次数等）；请检查基本编码、统一社会信用代码和序号是否与上一行一致".into(),
                    );
                    (None, Vec::new())
                } else {
                    let (c, d) = reader.item();
                    (Some(c), d)
                };
                groups.push(Group {
                    rows: Vec::new(),
                    basic,
                    uscc: uscc.clone(),
                    sequence,
                    head: row.iter().take(MATERIAL).cloned().collect(),
                    first_row: line,
                    content,
                    step_departments,
                    errors: Vec::new(),
                });
                index.insert(key, groups.len() - 1);
                groups.len() - 1
            }
        };
        let group = &mut groups[g];
        if group.first_row != line {
            // The item's columns of a later row are empty or say the same.
            for i in 3..MATERIAL {
                let c = get(row, i);
                if !c.is_empty() && c != get(&group.head, i) {
                    reader.fail(i, format!("与第{}行同一事项的内容不一致", group.first_row));
                }
            }
        }
        let k = group.rows.len();
        if let Some(m) = reader.material(k)
            && let Some(c) = group.content.as_mut()
        {
            c.materials.push(m);
        }
        group.rows.push(line);
        group.errors.extend(reader.errors);
    }
    Ok(groups)
}

/// Resolve a group's departments and check it against the rules and what the store holds. The
/// implementation and content to save, or nothing (its errors are in the group).
async fn resolve(
    state: &WindowState,
    may_edit: MayEdit<'_>,
    g: &mut Group,
    departments: &mut BTreeMap<String, Option<Department>>,
) -> Result<Option<ImportedItem>> {
    async fn department(
        state: &WindowState,
        cache: &mut BTreeMap<String, Option<Department>>,
        uscc: &str,
    ) -> Result<Option<Department>> {
        if let Some(d) = cache.get(uscc) {
            return Ok(d.clone());
        }
        let d = state.store.department_by_uscc(uscc).await?;
        cache.insert(uscc.to_string(), d.clone());
        Ok(d)
    }
    let fail = |g: &mut Group, row: usize, column: usize, message: String| {
        g.errors.push(RowError {
            row,
            column: col(column),
            message,
        })
    };
    let first = g.first_row;
    let (Some(basic), Some(mut content)) = (g.basic.clone(), g.content.take()) else {
        return Ok(None);
    };
    let Some(d) = department(state, departments, &g.uscc).await? else {
        fail(g, first, 1, format!("没有统一社会信用代码为{}的部门", g.uscc));
        return Ok(None);
    };
    if !may_edit(&d) {
        fail(g, first, 1, format!("您无权编辑“{}”的实施清单", d.name));
        return Ok(None);
    }
    if state.store.item_basic(basic.as_str()).await?.is_none() {
        fail(g, first, 0, format!("省级基本目录中没有基本编码为{basic}的事项"));
        return Ok(None);
    }
    let mut co = Vec::new();
    let mut unknown_step = false;
    for (i, uscc) in g.step_departments.clone().iter().enumerate() {
        match department(state, departments, uscc).await? {
            Some(s) => {
                if let Some(step) = content.process.get_mut(i) {
                    step.department_id = s.id;
                    // The first step listed is the lead department's.
                    step.lead = i == 0;
                }
                if s.id != d.id && !co.contains(&s.id) {
                    co.push(s.id);
                }
            }
            None => {
                unknown_step = true;
                fail(g, first, 24, format!("办理环节中没有统一社会信用代码为{uscc}的部门"));
            }
        }
    }
    if unknown_step {
        return Ok(None);
    }
    let uscc = Uscc::parse(&d.uscc).map_err(|_| Error::internal())?;
    let code = ImplementationCode::of(&uscc, g.sequence, &basic);
    let existing = state.store.item_implementation(code.as_str()).await?;
    let implementation = Implementation {
        code: code.as_str().to_string(),
        basic_code: basic.as_str().to_string(),
        department_id: d.id,
        region_code: d.region_code.clone(),
        co_departments: co,
    };
    let problems = content.problems(&known(state, &implementation, &content).await?);
    for p in problems {
        let row = match (p.field.starts_with("materials"), index_of(&p.field)) {
            (true, Some(i)) => g.rows.get(i).copied().unwrap_or(first),
            _ => first,
        };
        fail(g, row, column_of(&p.field), p.zh);
    }
    if existing.is_some() {
        let versions = state.store.item_versions(code.as_str()).await?;
        if versions.iter().any(|v| v.status == VersionStatus::Review) {
            fail(g, first, 0, format!("事项{code}有版本正在审核，审核完成前不能导入修改"));
        }
    }
    if !g.errors.is_empty() {
        return Ok(None);
    }
    content.name = content.name.trim().to_string();
    Ok(Some(ImportedItem {
        implementation,
        content,
    }))
}

/// Whether the item's latest version (draft or published) already says `content`, with the
/// same co-implementing departments.
async fn unchanged(state: &WindowState, item: &ImportedItem) -> Result<bool> {
    let Some(existing) = state.store.item_implementation(&item.implementation.code).await? else {
        return Ok(false);
    };
    let versions = state.store.item_versions(&item.implementation.code).await?;
    let latest = versions
        .iter()
        .rev()
        .find(|v| matches!(v.status, VersionStatus::Draft | VersionStatus::Published));
    Ok(existing.co_departments == item.implementation.co_departments
        && latest.is_some_and(|v| v.content == item.content))
}

/// Who imports: whether they may edit a department's implementation list.
pub type MayEdit<'a> = &'a (dyn Fn(&Department) -> bool + Send + Sync);

/// Import `grid` (already read): the implementing departments' stewards, for their own
/// departments. Nothing is written when any row is wrong, unless `partial`; with `submit`, the
/// saved items go to review.
pub async fn import(
    state: &WindowState,
    caller: &Caller,
    grid: &[Vec<String>],
    partial: bool,
    submit: bool,
) -> Result<ItemImportReport> {
    caller.require(Permission::ManageItems, &Target::OwnScope)?;
    let may = |d: &Department| caller.require(Permission::ManageItems, &d.target()).is_ok();
    import_as(
        state,
        &may,
        &caller.event(Action::ItemEdit, "service_item"),
        grid,
        partial,
        submit,
    )
    .await
}

/// The import for whoever `may_edit` allows, each item audited as `audit` (the command line
/// imports for any department).
pub async fn import_as(
    state: &WindowState,
    may_edit: MayEdit<'_>,
    audit: &yici_core::audit::AuditEvent,
    grid: &[Vec<String>],
    partial: bool,
    submit: bool,
) -> Result<ItemImportReport> {
    let mut groups = parse(grid)?;
    let mut report = ItemImportReport {
        rows: groups.iter().map(|g| g.rows.len()).sum(),
        items: groups.len(),
        submitted: submit,
        ..Default::default()
    };
    let mut departments = BTreeMap::new();
    let mut plan = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for g in groups.iter_mut() {
        // A group with cells that could not be read is still checked against the rules, so
        // that every problem of the file is named at once.
        if let Some(item) = resolve(state, may_edit, g, &mut departments).await? {
            if !seen.insert(item.implementation.code.clone()) {
                let first = g.first_row;
                g.errors.push(RowError {
                    row: first,
                    column: col(0),
                    message: format!("事项{}在文件中出现了两次", item.implementation.code),
                });
                continue;
            }
            if unchanged(state, &item).await? {
                report.unchanged += 1;
            } else {
                if state
                    .store
                    .item_implementation(&item.implementation.code)
                    .await?
                    .is_none()
                {
                    report.created += 1;
                }
                plan.push(item);
            }
        }
    }
    for g in &groups {
        report.errors.extend(g.errors.iter().cloned());
    }
    report
        .errors
        .sort_by(|a, b| a.row.cmp(&b.row).then(a.column.cmp(&b.column)));
    report.skipped = groups.iter().filter(|g| !g.errors.is_empty()).count();
    if !report.errors.is_empty() && !partial {
        return Err(refused(&report.errors, "文件中的事项均未导入", "Nothing was imported"));
    }
    if !plan.is_empty() {
        state.store.items_import(&plan, submit, audit).await?;
    }
    report.saved = plan.len();
    report.written = !plan.is_empty();
    Ok(report)
}

/// The template's rows of a version (without the header): the item's columns on the first
/// row, one row per material. `uscc_of` names each department of the process by its credit
/// code. Read back by the import, they give the same version.
pub fn rows_of(code: &ImplementationCode, v: &ItemVersion, uscc_of: &dyn Fn(i64) -> String) -> Vec<Vec<String>> {
    let lang = yici_core::Lang::Zh;
    let join = |parts: Vec<String>, sep: &str| parts.join(sep);
    let limit_unit = |l: &TimeLimit| l.unit.name(lang).to_string();
    let (uscc, rest) = code.as_str().split_at(18);
    let sequence: String = rest.chars().take(1).collect();
    let item: Vec<String> = vec![
        code.basic().as_str().to_string(),
        uscc.to_string(),
        sequence,
        v.name.clone(),
        v.level.name(lang).into(),
        join(
            v.applicant_types.iter().map(|a| a.name(lang).to_string()).collect(),
            "、",
        ),
        v.case_type.name(lang).into(),
        v.legal_limit.days.to_string(),
        limit_unit(&v.legal_limit),
        v.promised_limit.days.to_string(),
        limit_unit(&v.promised_limit),
        v.visits.to_string(),
        v.visits_reason.clone(),
        v.depth.code().to_string(),
        join(
            v.conditions
                .iter()
                .map(|c| match c.applies_when.is_empty() {
                    true => c.text.clone(),
                    false => format!("{}|{}", c.text, c.applies_when),
                })
                .collect(),
            "；",
        ),
        v.legal_basis.clone(),
        if v.fees.is_empty() {
            "免费".into()
        } else {
            join(
                v.fees
                    .iter()
                    .map(|f| {
                        format!(
                            "{}:{}.{:02}:{}",
                            f.name,
                            f.amount_fen / 100,
                            f.amount_fen % 100,
                            f.basis
                        )
                    })
                    .collect(),
                "；",
            )
        },
        join(v.delivery.iter().map(|d| d.name(lang).to_string()).collect(), "、"),
        match &v.scope {
            Scope::Local => "就近办".into(),
            Scope::CityWide => "同城通办".into(),
            Scope::ProvinceWide => "全省通办".into(),
            Scope::Regions(r) => r.join("、"),
        },
        join(
            v.windows
                .iter()
                .map(|w| format!("{}|{}|{}", w.name, w.address, w.hours))
                .collect(),
            "；",
        ),
        v.consult_phone.clone(),
        v.complaint_phone.clone(),
        v.themes.join("、"),
        join(
            v.questions
                .iter()
                .map(|q| {
                    let choices: Vec<String> = q.choices.iter().map(|c| format!("{}={}", c.code, c.label)).collect();
                    format!("{}:{}:{}", q.code, q.text, choices.join("/"))
                })
                .collect(),
            "；",
        ),
        join(
            v.process
                .iter()
                .map(|st| {
                    let mut e = format!(
                        "{}:{}:{}:{}:{}",
                        st.stage,
                        st.name,
                        uscc_of(st.department_id),
                        st.days,
                        st.signing.name(lang)
                    );
                    if let Some(t) = &st.issues {
                        e.push(':');
                        e.push_str(t);
                    }
                    e
                })
                .collect(),
            "；",
        ),
    ];
    let yes = |b: bool| if b { "是" } else { "否" }.to_string();
    let material = |m: &Material| -> Vec<String> {
        vec![
            m.code.clone(),
            m.name.clone(),
            yes(m.required),
            m.form.name(lang).into(),
            m.copies.to_string(),
            m.standard.clone(),
            match &m.source {
                Source::Applicant => "申请人自备".into(),
                Source::Certificate { type_code } => format!("证照:{type_code}"),
                Source::Record {
                    resource_code,
                    key_item,
                } => format!("数据:{resource_code}:{key_item}"),
                Source::Result { item_code } => format!("事项:{item_code}"),
            },
            yes(m.deferrable),
            m.applies_when.clone(),
        ]
    };
    let blank = || vec![String::new(); MATERIAL - 3];
    let mut rows = Vec::new();
    for (k, m) in v.materials.iter().enumerate() {
        let mut row = if k == 0 {
            item.clone()
        } else {
            item[..3].iter().cloned().chain(blank()).collect()
        };
        row.extend(material(m));
        rows.push(row);
    }
    if rows.is_empty() {
        rows.push(item);
    }
    rows
}

/// Read and check one item given as template rows (the header excluded): the item to save, or
/// its problems by row (1 = the item's first row) and column index.
async fn read_item(
    state: &WindowState,
    may_edit: MayEdit<'_>,
    rows: &[Vec<String>],
) -> Result<std::result::Result<ImportedItem, Vec<(usize, usize, String)>>> {
    let grid: Vec<Vec<String>> = std::iter::once(HEADERS.iter().map(|h| h.to_string()).collect())
        .chain(rows.iter().cloned())
        .collect();
    let mut groups = parse(&grid)?;
    let problems = |g: &Group| {
        g.errors
            .iter()
            .map(|e| {
                let column = HEADERS
                    .iter()
                    .position(|h| e.column.contains(&format!("（{h}）")))
                    .unwrap_or(3);
                (e.row.saturating_sub(1), column, e.message.clone())
            })
            .collect::<Vec<_>>()
    };
    let Some(g) = groups.first_mut() else {
        return Ok(Err(vec![(1, 3, "事项名称不能为空".into())]));
    };
    if let Some(item) = resolve(state, may_edit, g, &mut BTreeMap::new()).await? {
        return Ok(Ok(item));
    }
    Ok(Err(problems(g)))
}

/// Save item `code` as given in template rows (the page's form): its department's stewards.
/// The working copy, or the problems by row and column.
pub async fn save_rows(
    state: &WindowState,
    caller: &Caller,
    code: &str,
    rows: &[Vec<String>],
) -> Result<std::result::Result<(), Vec<(usize, usize, String)>>> {
    caller.require(Permission::ManageItems, &Target::OwnScope)?;
    let imp = state
        .store
        .item_implementation(code)
        .await?
        .ok_or_else(|| Error::not_found("政务服务事项", "service item"))?;
    let d = state
        .store
        .department(imp.department_id)
        .await?
        .ok_or_else(|| Error::not_found("部门", "department"))?;
    caller.require(Permission::ManageItems, &d.target())?;
    let may = |d: &Department| caller.require(Permission::ManageItems, &d.target()).is_ok();
    match read_item(state, &may, rows).await? {
        Ok(item) if item.implementation.code != code => Ok(Err(vec![(1, 0, "实施编码与该事项不符".into())])),
        Ok(item) => {
            state
                .store
                .items_import(
                    std::slice::from_ref(&item),
                    false,
                    &caller.event(Action::ItemEdit, "service_item"),
                )
                .await?;
            Ok(Ok(()))
        }
        Err(problems) => Ok(Err(problems)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts() {
        assert_eq!(yuan_to_fen("12.5"), Some(1250));
        assert_eq!(yuan_to_fen("80"), Some(8000));
        assert_eq!(yuan_to_fen("0.05"), Some(5));
        assert_eq!(yuan_to_fen("1.234"), None);
        assert_eq!(yuan_to_fen("-3"), None);
        assert_eq!(yuan_to_fen("九"), None);
        assert_eq!(yuan_to_fen("99999999999999999999"), None);
    }

    #[test]
    fn sources_are_read() {
        assert_eq!(source_of("申请人自备"), Some(Source::Applicant));
        assert_eq!(
            source_of("证照:11330000MB0001089W001"),
            Some(Source::Certificate {
                type_code: "11330000MB0001089W001".into()
            })
        );
        assert_eq!(
            source_of("数据：R1：身份证号"),
            Some(Source::Record {
                resource_code: "R1".into(),
                key_item: "身份证号".into()
            })
        );
        assert_eq!(source_of("证照:"), None);
        assert_eq!(source_of("网上下载"), None);
    }

    #[test]
    fn fields_find_their_columns() {
        assert_eq!(HEADERS[column_of("materials[3].source")], "材料来源");
        assert_eq!(HEADERS[column_of("promised_limit")], "承诺办结时限");
        assert_eq!(HEADERS[column_of("process[0].department_id")], "办理环节");
        assert_eq!(HEADERS[column_of("visits_reason")], "多次到现场理由");
        assert_eq!(index_of("materials[12].name"), Some(12));
        assert_eq!(index_of("name"), None);
    }

    #[test]
    fn a_wrong_header_refuses_the_file() {
        let grid = vec![vec!["基本编码".to_string(), "部门".to_string()]];
        let e = parse(&grid).err().expect("refused");
        assert!(e.0.contains("第B列"), "{}", e.0);
        assert!(parse(&[]).is_err());
    }
}
