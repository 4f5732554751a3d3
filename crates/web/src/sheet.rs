//! The spreadsheet reader of every import: the first sheet of an `.xlsx` file, or a UTF-8
//! `.csv` file, as rows of trimmed text. Merged cells are refused (each row must be whole), and
//! so are files too large or too long.

use yici_service::rows::{FileError, column_letter};

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most data rows accepted in one file.
pub const MAX_ROWS: usize = 50_000;
/// The widest sheet xlsx allows (column XFD).
const MAX_COLUMNS: u32 = 16_384;

/// The sheet as rows of text, row 0 being the header, and the merged regions found.
pub fn read_grid(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError(format!(
            "文件过大：{} 字节，上限为 {} 字节（10 MiB）",
            bytes.len(),
            MAX_FILE_BYTES
        )));
    }
    let lower = name.to_lowercase();
    let grid = if lower.ends_with(".xlsx") {
        read_xlsx(bytes)?
    } else if lower.ends_with(".csv") {
        read_csv(bytes)?
    } else {
        return Err(FileError("只支持 .xlsx 和 .csv 文件，请使用目录导入模板".into()));
    };
    if grid.len() > MAX_ROWS + 1 {
        return Err(FileError(format!(
            "数据行过多：{} 行，上限为 {MAX_ROWS} 行，请拆分文件",
            grid.len() - 1
        )));
    }
    Ok(grid)
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| FileError("CSV 文件必须是 UTF-8 编码（可在表格软件中另存为“CSV UTF-8”）".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let r = record.map_err(|e| FileError(format!("第{}行不是有效的 CSV：{e}", i + 1)))?;
        rows.push(r.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    // The xlsx reader is a dependency: a damaged file that trips an arithmetic check inside it
    // (seen with a file whose dimensions overflow) is refused like any unreadable file, never a
    // panic in a request.
    std::panic::catch_unwind(|| parse_xlsx(bytes))
        .unwrap_or_else(|_| Err(FileError("无法读取 xlsx 文件：文件已损坏".into())))
}

fn parse_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| FileError(format!("无法读取 xlsx 文件：{e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| FileError("xlsx 文件中没有工作表".into()))?
        .map_err(|e| FileError(format!("无法读取第一个工作表：{e}")))?;
    let merged = book.merge_cells_by_sheet_id(0).unwrap_or_default();
    if let Some(m) = merged.first() {
        return Err(FileError(format!(
            "第{}行{}列至第{}行{}列是合并单元格：请取消合并，并在每一行填写完整的资源信息",
            m.start.0 + 1,
            column_letter(m.start.1 as usize),
            m.end.0 + 1,
            column_letter(m.end.1 as usize)
        )));
    }
    let (row0, col0) = range.start().unwrap_or((0, 0));
    // A sheet said to start far down or far right is refused before anything is allocated.
    if row0 as usize > MAX_ROWS || col0 > MAX_COLUMNS {
        return Err(FileError(format!(
            "工作表的数据从第{}行第{}列开始，超出了可读取的范围",
            u64::from(row0) + 1,
            u64::from(col0) + 1
        )));
    }
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); row0 as usize];
    for r in range.rows() {
        let mut cells = vec![String::new(); col0 as usize];
        cells.extend(r.iter().map(|c| c.to_string().trim().to_string()));
        rows.push(cells);
    }
    Ok(rows)
}

/// A CSV cell of text people wrote or read: a leading = + - @ is escaped, so that spreadsheets
/// do not run it as a formula.
pub fn csv_text_cell(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@']) {
        csv_cell(&format!("'{v}"))
    } else {
        csv_cell(v)
    }
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
