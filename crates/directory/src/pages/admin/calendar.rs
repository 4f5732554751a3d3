//! The working-day calendar.

use super::*;

pub async fn calendar(State(state): State<DirectoryState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    auth.require(Permission::ReadCalendar, &Target::OwnScope)?;
    let l = Layout::new(&auth, &headers, "/calendar", "工作日历", "Working-day calendar");
    let lang = l.lang;
    let mut page = TablePage::new(
        l,
        lang.pick("法定节假日和调休安排", "Public holidays and make-up working days"),
        &[
            lang.pick("年份", "Year"),
            lang.pick("节假日", "Holiday"),
            lang.pick("放假日期", "Days off"),
            lang.pick("调休上班", "Make-up working days"),
        ],
    );
    page.intro.push(
        lang.pick(
            "所有法定时限按工作日计算。平台运营可通过接口（PUT /api/v1/calendar/years/{年份}）或命令行（yici calendar add-year 文件）录入新的年度安排。",
            "Every legal time limit counts working days. Operators add a year through the API (PUT /api/v1/calendar/years/{year}) or the CLI (yici calendar add-year FILE).",
        )
        .into(),
    );
    for y in state.store.calendar_years().await? {
        let workdays: Vec<String> = y.workdays.iter().map(|d| d.to_string()).collect();
        page.intro.push(format!("{}：{}", y.year, y.source));
        for (i, h) in y.holidays.iter().enumerate() {
            page.rows.push(RowView {
                cells: vec![
                    Cell::text(y.year.to_string()),
                    Cell::text(&h.name),
                    Cell::text(format!("{} — {}", h.from, h.to)),
                    Cell::text(if i == 0 { workdays.join("、") } else { String::new() }),
                ],
                actions: vec![],
            });
        }
    }
    Ok(render(StatusCode::OK, &page))
}
