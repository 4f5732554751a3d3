//! Bulk import of catalogue resources from the spreadsheet template (.xlsx or .csv).
//!
//! The template has one row per data item and repeats the resource's columns on each of its
//! rows (`docs/catalogue-template.csv`, `.xlsx`). Every row is checked; every problem is reported
//! with its row, its column and the reason, in Chinese. By default a file is all or nothing;
//! with `partial`, valid resources are imported and the rows of invalid ones are kept in
//! quarantine for correction. Rows carrying a resource code update that resource; so does a
//! re-import of the same file, which never duplicates.

use crate::csv::HEADERS;
use serde::Serialize;
use std::collections::BTreeMap;
use yici_core::Lang;
use yici_core::catalogue::{
    DataItem, DataType, FormatClass, OpenType, ResourceDraft, ShareMode, ShareType, Status, Transition, UpdateCycle,
    parse_resource_code,
};
use yici_core::id::Uscc;
use yici_store::Store;

use yici_service::rows::column_letter;
pub use yici_service::rows::{FileError, RowError, refused};
pub use yici_web::sheet::{MAX_FILE_BYTES, MAX_ROWS, read_grid};

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub resources: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows kept for correction (partial imports only).
    pub quarantined: usize,
    /// Whether anything was written.
    pub written: bool,
    pub errors: Vec<RowError>,
}

fn col(i: usize) -> String {
    format!("{}（{}）", column_letter(i), HEADERS.get(i).copied().unwrap_or(""))
}

/// One resource of the file: its rows and what they say.
struct Group {
    rows: Vec<usize>,
    code: Option<String>,
    draft: ResourceDraft,
    provider_uscc: String,
    errors: Vec<RowError>,
}

fn get(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

/// The template column of a core rule's field.
fn column_of(field: &str) -> usize {
    let name = field.split('.').next_back().unwrap_or(field);
    let header = match name {
        "classification" => "分类代码",
        "name" if field.starts_with("items") => "信息项名称",
        "name" => "资源名称",
        "summary" => "资源摘要",
        "format_class" => "格式分类",
        "format_type" => "格式类型",
        "share_type" if field.starts_with("items") => "信息项共享类型",
        "share_type" => "共享类型",
        "share_condition" => "共享条件",
        "legal_basis" => "不予共享法律依据",
        "share_mode" => "共享方式",
        "open_type" => "开放类型",
        "open_condition" => "开放条件",
        "update_cycle" => "更新周期",
        "sensitivity" => "敏感级别",
        "data_type" => "数据类型",
        "length" => "长度",
        "items" => "信息项名称",
        _ if field.starts_with("related") => "关联资源代码",
        _ => "资源名称",
    };
    HEADERS.iter().position(|h| *h == header).unwrap_or(2)
}

/// Parse and check the grid against the template and the catalogue rules (no database).
fn parse(grid: &[Vec<String>]) -> Result<Vec<Group>, FileError> {
    let header = grid
        .first()
        .ok_or_else(|| FileError("文件是空的：第1行应为模板表头".into()))?;
    for (i, expected) in HEADERS.iter().enumerate() {
        let found = get(header, i);
        if found != *expected {
            return Err(FileError(format!(
                "表头不符合模板：第{}列应为“{expected}”，实际为“{found}”。请使用 docs/catalogue-template 中的模板",
                column_letter(i)
            )));
        }
    }
    if let Some((i, extra)) = header
        .iter()
        .enumerate()
        .skip(HEADERS.len())
        .find(|(_, h)| !h.is_empty())
    {
        return Err(FileError(format!(
            "表头不符合模板：第{}列“{extra}”不是模板中的列",
            column_letter(i)
        )));
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (r, row) in grid.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.is_empty()) {
            continue;
        }
        let line = r + 1;
        let mut errors = Vec::new();
        let mut err = |c: usize, m: String| {
            errors.push(RowError {
                row: line,
                column: col(c),
                message: m,
            })
        };
        let code = get(row, 0).to_string();
        let uscc = get(row, 4).to_string();
        if !code.is_empty()
            && let Err(p) = parse_resource_code(&code)
        {
            err(0, p.zh);
        }
        if let Err(e) = Uscc::parse(&uscc) {
            err(4, e.message(Lang::Zh));
        }
        for (i, h) in HEADERS.iter().enumerate() {
            let required = matches!(i, 1 | 2 | 3 | 4 | 5 | 6 | 7 | 10 | 11 | 13 | 14 | 18 | 20);
            if required && get(row, i).is_empty() {
                err(i, format!("“{h}”为必填项，不能为空"));
            }
        }
        let coded = |c: usize, v: Option<i64>, what: &str, err: &mut dyn FnMut(usize, String)| -> i64 {
            let text = get(row, c);
            match v {
                Some(v) => v,
                None => {
                    if !text.is_empty() {
                        err(c, format!("“{text}”不是有效的{what}"));
                    }
                    0
                }
            }
        };
        let format_class = coded(
            5,
            FormatClass::parse(get(row, 5)).map(|v| v.code()),
            "格式分类",
            &mut err,
        );
        let share_type = coded(7, ShareType::parse(get(row, 7)).map(|v| v.code()), "共享类型", &mut err);
        let share_mode = coded(
            10,
            ShareMode::parse(get(row, 10)).map(|v| v.code()),
            "共享方式",
            &mut err,
        );
        let open_type = coded(
            11,
            OpenType::parse(get(row, 11)).map(|v| v.code()),
            "开放类型",
            &mut err,
        );
        let update_cycle = coded(
            13,
            UpdateCycle::parse(get(row, 13)).map(|v| v.code()),
            "更新周期",
            &mut err,
        );
        let sensitivity = get(row, 14).parse::<i64>().unwrap_or_else(|_| {
            if !get(row, 14).is_empty() {
                err(14, format!("敏感级别“{}”应为1—4的数字", get(row, 14)));
            }
            0
        });
        let secret = match get(row, 15) {
            "是" | "Y" | "y" | "1" => true,
            "否" | "N" | "n" | "0" | "" => false,
            other => {
                err(15, format!("是否涉密应填“是”或“否”，实际为“{other}”"));
                false
            }
        };
        let data_type = coded(
            20,
            DataType::parse(get(row, 20)).map(|v| v.code()),
            "数据类型",
            &mut err,
        );
        let length = match get(row, 21) {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    err(21, format!("长度“{t}”应为整数"));
                    None
                }
            },
        };
        let item_share = match get(row, 22) {
            "" => None,
            t => match ShareType::parse(t) {
                Some(s) => Some(s.code()),
                None => {
                    err(22, format!("“{t}”不是有效的共享类型"));
                    None
                }
            },
        };
        let related: Vec<String> = get(row, 16)
            .split([';', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let draft = ResourceDraft {
            classification: get(row, 1).to_string(),
            name: get(row, 2).to_string(),
            summary: get(row, 3).to_string(),
            provider_department_id: 0,
            format_class,
            format_type: get(row, 6).to_string(),
            share_type,
            share_condition: get(row, 8).to_string(),
            legal_basis: get(row, 9).to_string(),
            share_mode,
            open_type,
            open_condition: get(row, 12).to_string(),
            update_cycle,
            sensitivity,
            secret,
            related,
            items: vec![],
        };
        let item = DataItem {
            name: get(row, 18).to_string(),
            element: Some(get(row, 19).to_string()).filter(|e| !e.is_empty()),
            data_type,
            length,
            share_type: item_share,
        };
        let key = if code.is_empty() {
            format!("{uscc}\u{1}{}", draft.name)
        } else {
            code.clone()
        };
        match index.get(&key) {
            Some(&g) => {
                let group = &mut groups[g];
                let mut first = group.draft.clone();
                first.items.clear();
                if first != draft || group.provider_uscc != uscc {
                    let differing = (0..18)
                        .find(|&c| c != 18 && get(&grid[group.rows[0] - 1], c) != get(row, c))
                        .unwrap_or(2);
                    err(
                        differing,
                        format!(
                            "与同一资源（第{}行）的“{}”不一致：同一资源的各行必须填写相同的资源信息",
                            group.rows[0], HEADERS[differing]
                        ),
                    );
                }
                group.rows.push(line);
                group.draft.items.push(item);
                group.errors.extend(errors);
            }
            None => {
                index.insert(key, groups.len());
                let mut draft = draft;
                draft.items.push(item);
                groups.push(Group {
                    rows: vec![line],
                    code: Some(code).filter(|c| !c.is_empty()),
                    draft,
                    provider_uscc: uscc,
                    errors,
                });
            }
        }
    }
    // The core rules, reported at the row and column they concern.
    for g in &mut groups {
        if !g.errors.is_empty() {
            continue;
        }
        let mut check = g.draft.clone();
        check.provider_department_id = 1;
        for p in check.problems() {
            let row = p
                .field
                .strip_prefix("items[")
                .and_then(|s| s.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| g.rows.get(i).copied())
                .unwrap_or(g.rows[0]);
            g.errors.push(RowError {
                row,
                column: col(column_of(&p.field)),
                message: p.zh,
            });
        }
    }
    Ok(groups)
}

/// Who imports: a check that the principal may catalogue a department's resources.
pub type MayCatalogue<'a> = &'a (dyn Fn(&yici_store::departments::Department) -> bool + Send + Sync);

/// Import `grid` (already read). Nothing is written when any row is wrong, unless `partial`.
pub async fn import(
    store: &Store,
    source: &str,
    grid: &[Vec<String>],
    partial: bool,
    may_catalogue: MayCatalogue<'_>,
    audit: &yici_core::audit::AuditEvent,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<ImportReport, ImportFailure> {
    let mut groups = parse(grid).map_err(ImportFailure::File)?;
    let mut report = ImportReport {
        rows: groups.iter().map(|g| g.rows.len()).sum(),
        resources: groups.len(),
        ..Default::default()
    };
    // Provider departments, permissions, data elements and existing resources.
    let elements = store.data_elements().await.map_err(ImportFailure::Store)?;
    let mut plan = Vec::new();
    for (i, g) in groups.iter_mut().enumerate() {
        progress(i + 1);
        if !g.errors.is_empty() {
            continue;
        }
        let provider_col = col(4);
        let Some(dept) = store
            .department_by_uscc(&g.provider_uscc)
            .await
            .map_err(ImportFailure::Store)?
        else {
            g.errors.push(RowError {
                row: g.rows[0],
                column: provider_col,
                message: format!("没有统一社会信用代码为{}的部门", g.provider_uscc),
            });
            continue;
        };
        if !may_catalogue(&dept) {
            g.errors.push(RowError {
                row: g.rows[0],
                column: provider_col,
                message: format!("您无权为“{}”编目", dept.name),
            });
            continue;
        }
        g.draft.provider_department_id = dept.id;
        for (k, item) in g.draft.items.iter().enumerate() {
            if let Some(e) = &item.element
                && !elements.iter().any(|d| &d.code == e)
            {
                g.errors.push(RowError {
                    row: g.rows[k],
                    column: col(19),
                    message: format!("数据元代码“{e}”不在数据元目录中"),
                });
            }
        }
        let existing = match &g.code {
            Some(code) => store
                .catalogue_resource_by_code(code)
                .await
                .map_err(ImportFailure::Store)?,
            None => store
                .catalogue_find(dept.id, g.draft.name.trim())
                .await
                .map_err(ImportFailure::Store)?,
        };
        if let Some(r) = &existing {
            if r.department_id != dept.id {
                g.errors.push(RowError {
                    row: g.rows[0],
                    column: col(0),
                    message: format!("资源代码{}已属于其他部门", r.code),
                });
                continue;
            }
            if r.draft.classification != g.draft.classification {
                g.errors.push(RowError {
                    row: g.rows[0],
                    column: col(1),
                    message: format!("资源{}的分类不能修改", r.code),
                });
                continue;
            }
            if r.status.after(Transition::Edit).is_none() {
                let status = r.status.name(Lang::Zh);
                g.errors.push(RowError {
                    row: g.rows[0],
                    column: col(0),
                    message: format!("资源{}当前为“{status}”，不能导入修改", r.code),
                });
                continue;
            }
        }
        if g.errors.is_empty() {
            plan.push((i, existing));
        }
    }
    for g in &groups {
        report.errors.extend(g.errors.iter().cloned());
    }
    report
        .errors
        .sort_by(|a, b| a.row.cmp(&b.row).then(a.column.cmp(&b.column)));
    if !report.errors.is_empty() && !partial {
        return Ok(report);
    }
    let mut changes = Vec::new();
    for (i, existing) in plan {
        let g = &groups[i];
        match existing {
            Some(r) if r.draft == g.draft && r.status != Status::Withdrawn => report.unchanged += 1,
            Some(r) => changes.push(yici_store::catalogue::ImportChange::Update {
                id: r.id,
                draft: g.draft.clone(),
            }),
            None => changes.push(yici_store::catalogue::ImportChange::Create {
                code: g.code.clone(),
                draft: g.draft.clone(),
            }),
        }
    }
    let quarantine: Vec<(usize, String, String)> = groups
        .iter()
        .filter(|g| !g.errors.is_empty())
        .flat_map(|g| {
            let problems = serde_json::to_string(&g.errors).expect("errors serialise");
            g.rows.iter().map(move |&r| {
                (
                    r,
                    serde_json::to_string(&grid[r - 1]).expect("row serialises"),
                    problems.clone(),
                )
            })
        })
        .collect();
    report.quarantined = quarantine.len();
    let (created, updated) = store
        .catalogue_import(source, &changes, &quarantine, audit)
        .await
        .map_err(ImportFailure::Store)?;
    report.created = created;
    report.updated = updated;
    report.written = created + updated + report.quarantined > 0;
    Ok(report)
}

/// Why an import could not run at all.
#[derive(Debug)]
pub enum ImportFailure {
    File(FileError),
    Store(yici_store::StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }

    // The spreadsheet reader against hostile files: arbitrary bytes, the shipped template with
    // bytes changed, and arbitrary grids of text are read or refused with a message, never a
    // panic; certificate imports likewise, for every demo type.
    mod hostile_files {
        use super::*;
        use proptest::prelude::*;

        const TEMPLATE: &[u8] = include_bytes!("../../../docs/catalogue-template.xlsx");

        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                ".{0,12}",
                proptest::sample::select(HEADERS.to_vec()).prop_map(str::to_string),
                "[0-9/]{0,12}",
                Just(String::new()),
            ]
        }

        fn grid() -> impl Strategy<Value = Vec<Vec<String>>> {
            let header = proptest::collection::vec(text(), 0..HEADERS.len() + 2).prop_map(|mut h| {
                // Often the right headers, so rows are read too.
                if h.len() % 2 == 0 {
                    h = HEADERS.iter().map(|s| s.to_string()).collect();
                }
                h
            });
            (
                header,
                proptest::collection::vec(proptest::collection::vec(text(), 0..HEADERS.len() + 2), 0..6),
            )
                .prop_map(|(h, rows)| std::iter::once(h).chain(rows).collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            #[test]
            fn arbitrary_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..4096), xlsx in any::<bool>()) {
                let _ = read_grid(if xlsx { "a.xlsx" } else { "a.csv" }, &bytes);
            }

            #[test]
            fn a_damaged_template_is_read_or_refused(edits in proptest::collection::vec((0..TEMPLATE.len(), any::<u8>()), 1..16)) {
                let mut bytes = TEMPLATE.to_vec();
                for (at, b) in edits {
                    bytes[at] = b;
                }
                let _ = read_grid("catalogue.xlsx", &bytes);
            }

            #[test]
            fn arbitrary_grids_are_parsed_or_refused(g in grid()) {
                let _ = parse(&g);
            }
        }
    }

    #[test]
    fn wrong_headers_are_refused_by_column() {
        let grid = vec![vec!["资源代码".to_string(), "分类".to_string()]];
        let e = parse(&grid).err().unwrap();
        assert!(e.0.contains("第B列应为“分类代码”"), "{}", e.0);
    }
}
