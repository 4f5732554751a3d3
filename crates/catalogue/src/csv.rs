//! The catalogue spreadsheet template (CSV and xlsx share it): one row per data item, the
//! resource's columns repeated on each of its rows. `docs/catalogue-template.csv` is the blank
//! template with an example.

use yici_core::Lang;
use yici_core::catalogue::dcat::DcatResource;
use yici_core::catalogue::{DataType, FormatClass, OpenType, ShareMode, ShareType, UpdateCycle};

/// The template's columns, in order.
pub const HEADERS: [&str; 23] = [
    "资源代码",
    "分类代码",
    "资源名称",
    "资源摘要",
    "提供方统一社会信用代码",
    "格式分类",
    "格式类型",
    "共享类型",
    "共享条件",
    "不予共享法律依据",
    "共享方式",
    "开放类型",
    "开放条件",
    "更新周期",
    "敏感级别",
    "是否涉密",
    "关联资源代码",
    "发布日期",
    "信息项名称",
    "数据元代码",
    "数据类型",
    "长度",
    "信息项共享类型",
];

fn cell(s: &str) -> String {
    yici_web::sheet::csv_cell(s)
}

fn date(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Published resources in the template's layout.
pub fn write(rows: &[DcatResource]) -> String {
    let mut out = HEADERS.join(",");
    out.push('\n');
    let name = |v: Option<&'static str>| v.unwrap_or("").to_string();
    for r in rows {
        let d = r.draft;
        for item in &d.items {
            let fields = [
                r.code.to_string(),
                d.classification.clone(),
                d.name.clone(),
                d.summary.clone(),
                r.provider_uscc.to_string(),
                name(FormatClass::from_code(d.format_class).map(|v| v.name(Lang::Zh))),
                d.format_type.clone(),
                name(ShareType::from_code(d.share_type).map(|v| v.name(Lang::Zh))),
                d.share_condition.clone(),
                d.legal_basis.clone(),
                name(ShareMode::from_code(d.share_mode).map(|v| v.name(Lang::Zh))),
                name(OpenType::from_code(d.open_type).map(|v| v.name(Lang::Zh))),
                d.open_condition.clone(),
                name(UpdateCycle::from_code(d.update_cycle).map(|v| v.name(Lang::Zh))),
                d.sensitivity.to_string(),
                if d.secret { "是".into() } else { "否".into() },
                d.related.join(";"),
                date(r.published_at),
                item.name.clone(),
                item.element.clone().unwrap_or_default(),
                name(DataType::from_code(item.data_type).map(|v| v.name(Lang::Zh))),
                item.length.map(|l| l.to_string()).unwrap_or_default(),
                name(item.share_type.and_then(ShareType::from_code).map(|v| v.name(Lang::Zh))),
            ];
            out.push_str(&fields.iter().map(|f| cell(f)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
    }
    out
}
