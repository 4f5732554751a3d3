//! Problems of files that arrive row by row (catalogue imports, data loads, certificate
//! batches): every problem is named by its row and column, in Chinese.

use crate::error::{Error, FieldError, Kind};
use serde::Serialize;

/// One problem: spreadsheet row (1 = header), column, reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// A file-level problem (not a row): the whole file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError(pub String);

impl From<FileError> for Error {
    fn from(e: FileError) -> Self {
        Error::new(Kind::Invalid, "import_refused", e.0.clone(), e.0)
    }
}

/// 422 `import_refused` for a file with row problems, each named by row and column; `what`
/// says, in both languages, what was therefore not written.
pub fn refused(errors: &[RowError], what_zh: &str, what_en: &str) -> Error {
    let mut e = Error::new(
        Kind::Invalid,
        "import_refused",
        format!("导入未执行：{} 处错误，{what_zh}", errors.len()),
        format!("{what_en}: {} problems", errors.len()),
    );
    e.errors = errors
        .iter()
        .map(|r| {
            FieldError::new(
                &format!("第{}行 {}", r.row, r.column),
                r.message.clone(),
                r.message.clone(),
            )
        })
        .collect();
    e
}

/// The spreadsheet letter of column `i` (from 0): A … Z, AA …
pub fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut s = String::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.insert(0, (b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
