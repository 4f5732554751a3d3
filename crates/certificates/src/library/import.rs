//! Bulk issue from a spreadsheet (.xlsx or .csv): one certificate per row, for one type.
//!
//! The header row names the columns: `holder_code` (持证主体证件号码), `holder_name`
//! (持证主体名称), each surface-data field by its name or its label, and optionally
//! `valid_from`, `valid_until`, `number` and `issue_key`. Every row is checked and every problem
//! reported with its row, column and reason. By default a file is all or nothing; with
//! `partial` the valid rows are issued and the others reported. Each row's issue key defaults to
//! a digest of the type and the row, so importing the same file again issues nothing twice.

use super::IssueRequest;
use std::collections::BTreeMap;
use yici_core::certificate::CertificateType;
use yici_service::FieldError;
use yici_service::rows::RowError;
use yici_service::rows::column_letter;

/// The standard columns besides the type's fields: (key, Chinese header).
const COLUMNS: [(&str, &str); 6] = [
    ("holder_code", "持证主体证件号码"),
    ("holder_name", "持证主体名称"),
    ("valid_from", "有效期起"),
    ("valid_until", "有效期止"),
    ("number", "证照编号"),
    ("issue_key", "幂等键"),
];

/// The template's header row for a type.
pub fn header(t: &CertificateType) -> Vec<String> {
    let mut h: Vec<String> = COLUMNS[..2].iter().map(|(_, zh)| zh.to_string()).collect();
    h.extend(t.fields.iter().map(|f| f.label.clone()));
    h.extend(COLUMNS[2..].iter().map(|(_, zh)| zh.to_string()));
    h
}

/// Rows read from a grid: the requests (with their spreadsheet row numbers) or the problems
/// that make the file unreadable as a whole (unknown columns, a missing holder column).
pub struct Parsed {
    pub requests: Vec<(usize, IssueRequest)>,
    /// Column keys in order (`holder_code`, `data.<field>` …), to name a problem's column.
    keys: Vec<String>,
    headers: Vec<String>,
    pub errors: Vec<RowError>,
}

impl Parsed {
    /// A row's problems as row errors.
    pub fn row_errors(&self, row: usize, errors: &[FieldError]) -> Vec<RowError> {
        errors
            .iter()
            .map(|e| {
                let column = self
                    .keys
                    .iter()
                    .position(|k| *k == e.field)
                    .map(|i| format!("{} {}", column_letter(i), self.headers[i]))
                    .unwrap_or_else(|| e.field.clone());
                RowError {
                    row,
                    column,
                    message: e.zh.clone(),
                }
            })
            .collect()
    }
}

/// Read the grid of a spreadsheet for type `t`.
pub fn parse(t: &CertificateType, grid: &[Vec<String>]) -> Parsed {
    let mut errors = Vec::new();
    let headers: Vec<String> = grid.first().cloned().unwrap_or_default();
    let keys: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = h.trim();
            if let Some((key, _)) = COLUMNS.iter().find(|(k, zh)| h == *k || h == *zh) {
                return key.to_string();
            }
            if let Some(f) = t.fields.iter().find(|f| h == f.name || h == f.label) {
                return format!("data.{}", f.name);
            }
            errors.push(RowError {
                row: 1,
                column: format!("{} {h}", column_letter(i)),
                message: format!("“{h}”不是该类证照的列；可用的列见模板"),
            });
            String::new()
        })
        .collect();
    for (key, zh) in &COLUMNS[..2] {
        if !keys.iter().any(|k| k == key) {
            errors.push(RowError {
                row: 1,
                column: String::new(),
                message: format!("缺少“{zh}”列"),
            });
        }
    }
    let mut requests = Vec::new();
    if errors.is_empty() {
        for (i, cells) in grid.iter().enumerate().skip(1) {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let cell = |key: &str| {
                keys.iter()
                    .position(|k| k == key)
                    .and_then(|p| cells.get(p))
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            let mut data = BTreeMap::new();
            for f in &t.fields {
                if let Some(v) = cell(&format!("data.{}", f.name)) {
                    data.insert(f.name.clone(), v);
                }
            }
            let row = i + 1;
            let mut bad_date = |key: &str| -> Option<chrono::NaiveDate> {
                let v = cell(key)?;
                let d = yici_core::certificate::parse_date(&v);
                if d.is_none() {
                    errors.push(RowError {
                        row,
                        column: key.to_string(),
                        message: format!("“{v}”不是日期（YYYY-MM-DD）"),
                    });
                }
                d
            };
            let valid_from = bad_date("valid_from");
            let valid_until = bad_date("valid_until");
            let key = cell("issue_key").unwrap_or_else(|| {
                let joined = format!("{}\u{1f}{}", t.code, cells.join("\u{1f}"));
                format!("row-{}", &yici_crypto::sm3_hex(joined.as_bytes())[..40])
            });
            requests.push((
                row,
                IssueRequest {
                    type_code: t.code.clone(),
                    holder_code: cell("holder_code").unwrap_or_default(),
                    holder_name: cell("holder_name").unwrap_or_default(),
                    data,
                    valid_from,
                    valid_until,
                    number: cell("number"),
                    region: None,
                    issue_key: Some(key),
                },
            ));
        }
    }
    Parsed {
        requests,
        keys,
        headers,
        errors,
    }
}
