//! 工作日历 — the working-day calendar that every legal time limit is counted in.
//!
//! Weekends, public holidays and make-up working days (调休) are data: one [`YearSchedule`] per
//! year, taken from the State Council's yearly notice. The official 2025 and 2026 schedules ship
//! with Yici; an operator adds later years. A date in a year that has no schedule is an error,
//! never a guess, so a deadline is never silently wrong.
//!
//! Counting follows the usual rule for time limits: the day of the event (receipt, start) is not
//! counted; the limit ends at the close of its last working day.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A named public holiday, possibly spanning several days (weekend days inside are off anyway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One year's schedule as published in the State Council notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearSchedule {
    pub year: i32,
    /// Where the schedule comes from (the notice's title and date).
    pub source: String,
    pub holidays: Vec<Holiday>,
    /// Weekend days that are working days (调休上班).
    pub workdays: Vec<NaiveDate>,
}

/// What is wrong with a calendar operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{0}年的节假日安排尚未录入，无法计算工作日")]
    YearNotCovered(i32),
    #[error("{0}")]
    Invalid(String),
}

impl CalendarError {
    pub fn message(&self, lang: crate::Lang) -> String {
        match (self, lang) {
            (CalendarError::YearNotCovered(y), crate::Lang::En) => {
                format!("the holiday schedule for {y} has not been entered; working days cannot be counted")
            }
            _ => self.to_string(),
        }
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl YearSchedule {
    /// The shipped official schedules.
    pub fn shipped() -> Vec<YearSchedule> {
        [
            include_str!("../data/calendar/2025.json"),
            include_str!("../data/calendar/2026.json"),
        ]
        .into_iter()
        .map(|s| serde_json::from_str(s).expect("shipped calendar data is valid JSON"))
        .collect()
    }

    /// Check that the schedule is self-consistent: every date in its year, ranges ordered,
    /// make-up days on weekends and outside holidays, nothing listed twice.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let bad = |m: String| Err(CalendarError::Invalid(m));
        if !(2000..=2100).contains(&self.year) {
            return bad(format!("年份 {} 超出可接受范围（2000—2100）", self.year));
        }
        if self.source.trim().is_empty() {
            return bad("必须注明来源（通知名称和日期）".into());
        }
        let mut off = BTreeSet::new();
        for h in &self.holidays {
            if h.name.trim().is_empty() {
                return bad("节假日名称不能为空".into());
            }
            if h.from.year() != self.year || h.to.year() != self.year {
                return bad(format!("{}的日期 {}—{} 不在 {} 年内", h.name, h.from, h.to, self.year));
            }
            if h.from > h.to {
                return bad(format!("{}的开始日期 {} 晚于结束日期 {}", h.name, h.from, h.to));
            }
            for d in h.from.iter_days().take_while(|d| *d <= h.to) {
                if !off.insert(d) {
                    return bad(format!("日期 {d} 在多个节假日中重复出现"));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for &d in &self.workdays {
            if d.year() != self.year {
                return bad(format!("调休上班日 {d} 不在 {} 年内", self.year));
            }
            if !is_weekend(d) {
                return bad(format!("调休上班日 {d} 不是周末，无需调休"));
            }
            if off.contains(&d) {
                return bad(format!("调休上班日 {d} 同时被列为节假日"));
            }
            if !seen.insert(d) {
                return bad(format!("调休上班日 {d} 重复"));
            }
        }
        Ok(())
    }
}

/// The calendar: the schedules of the years it covers.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>)>,
}

impl WorkingCalendar {
    pub fn new(schedules: impl IntoIterator<Item = YearSchedule>) -> Result<Self, CalendarError> {
        let mut cal = WorkingCalendar::default();
        for s in schedules {
            cal.add_year(&s)?;
        }
        Ok(cal)
    }

    /// A calendar with the shipped official schedules.
    pub fn shipped() -> Self {
        Self::new(YearSchedule::shipped()).expect("shipped calendar data is consistent")
    }

    /// Add or replace one year's schedule after validating it.
    pub fn add_year(&mut self, s: &YearSchedule) -> Result<(), CalendarError> {
        s.validate()?;
        let off = s
            .holidays
            .iter()
            .flat_map(|h| h.from.iter_days().take_while(move |d| *d <= h.to))
            .collect();
        self.years.insert(s.year, (off, s.workdays.iter().copied().collect()));
        Ok(())
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        let (off, on) = self
            .years
            .get(&d.year())
            .ok_or(CalendarError::YearNotCovered(d.year()))?;
        Ok(on.contains(&d) || (!is_weekend(d) && !off.contains(&d)))
    }

    /// The date on which `n` working days after `start` have passed (`start` itself not
    /// counted). `n = 0` gives `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().ok_or(CalendarError::YearNotCovered(d.year() + 1))?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        let (lo, hi, sign) = if from <= to { (from, to, 1) } else { (to, from, -1) };
        let mut count = 0;
        for d in lo.iter_days().skip(1).take_while(|d| *d <= hi) {
            if self.is_working_day(d)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }
}

/// A day as the platform writes it: `YYYY-MM-DD`.
pub fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A day written `YYYY-MM-DD`, if it is one.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A pause of a clock: the days in `(from, until]` do not count; an open pause has no `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub reason: String,
}

/// 计时器 — a working-day clock with a limit, started on a date, that pauses while the
/// applicant supplements materials (补正) or a special procedure runs (特别程序).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkingClock {
    pub started: NaiveDate,
    pub limit: u32,
    pub pauses: Vec<Pause>,
}

/// Where a clock stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClockReading {
    pub used: i64,
    pub remaining: i64,
    pub paused: bool,
    /// The last day of the limit; `None` while paused (it moves when the clock resumes).
    pub deadline: Option<NaiveDate>,
}

impl WorkingClock {
    pub fn start(started: NaiveDate, limit: u32) -> Self {
        WorkingClock {
            started,
            limit,
            pauses: Vec::new(),
        }
    }

    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.until.is_none())
    }

    /// Pause from `on`. Pausing a paused clock or before the last event is an error.
    pub fn pause(&mut self, on: NaiveDate, reason: &str) -> Result<(), CalendarError> {
        if self.is_paused() {
            return Err(CalendarError::Invalid("计时已暂停，不能重复暂停".into()));
        }
        if on < self.last_event() {
            return Err(CalendarError::Invalid(format!("暂停日期 {on} 早于上一次计时事件")));
        }
        self.pauses.push(Pause {
            from: on,
            until: None,
            reason: reason.to_string(),
        });
        Ok(())
    }

    /// Resume on `on`; the days of the pause up to and including `on` do not count.
    pub fn resume(&mut self, on: NaiveDate) -> Result<(), CalendarError> {
        match self.pauses.last_mut() {
            Some(p) if p.until.is_none() => {
                if on < p.from {
                    return Err(CalendarError::Invalid(format!("恢复日期 {on} 早于暂停日期 {}", p.from)));
                }
                p.until = Some(on);
                Ok(())
            }
            _ => Err(CalendarError::Invalid("计时未暂停，无需恢复".into())),
        }
    }

    fn last_event(&self) -> NaiveDate {
        self.pauses
            .last()
            .and_then(|p| p.until.or(Some(p.from)))
            .unwrap_or(self.started)
    }

    fn paused_on(&self, d: NaiveDate) -> bool {
        self.pauses.iter().any(|p| d > p.from && p.until.is_none_or(|u| d <= u))
    }

    /// The clock on `today`: working days used and left, and the deadline if running.
    pub fn reading(&self, cal: &WorkingCalendar, today: NaiveDate) -> Result<ClockReading, CalendarError> {
        let mut used = 0;
        for d in self.started.iter_days().skip(1).take_while(|d| *d <= today) {
            if !self.paused_on(d) && cal.is_working_day(d)? {
                used += 1;
            }
        }
        let paused = self.is_paused();
        let deadline = if paused { None } else { Some(self.deadline(cal)?) };
        Ok(ClockReading {
            used,
            remaining: self.limit as i64 - used,
            paused,
            deadline,
        })
    }

    /// The last day of the limit, skipping paused days; only meaningful while running.
    fn deadline(&self, cal: &WorkingCalendar) -> Result<NaiveDate, CalendarError> {
        let mut d = self.started;
        let mut left = self.limit;
        while left > 0 {
            d = d.succ_opt().ok_or(CalendarError::YearNotCovered(d.year() + 1))?;
            if !self.paused_on(d) && cal.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn shipped_years_follow_the_notices() {
        let cal = WorkingCalendar::shipped();
        // Spring Festival 2026 and its make-up Saturdays.
        assert!(!cal.is_working_day(d("2026-02-16")).unwrap());
        assert!(!cal.is_working_day(d("2026-02-23")).unwrap());
        assert!(cal.is_working_day(d("2026-02-14")).unwrap());
        assert!(cal.is_working_day(d("2026-02-28")).unwrap());
        // National Day 2025 runs to 8 October; Saturday 11 October is worked.
        assert!(!cal.is_working_day(d("2025-10-08")).unwrap());
        assert!(cal.is_working_day(d("2025-10-11")).unwrap());
        assert!(cal.is_working_day(d("2025-10-09")).unwrap());
        assert!(!cal.is_working_day(d("2025-10-12")).unwrap());
    }

    #[test]
    fn ten_working_days_across_national_day_2026() {
        let cal = WorkingCalendar::shipped();
        // Received Wednesday 30 September 2026: 1–7 October off, Saturday 10 October worked.
        let deadline = cal.add_working_days(d("2026-09-30"), 10).unwrap();
        assert_eq!(deadline, d("2026-10-20"));
        assert_eq!(cal.working_days_between(d("2026-09-30"), deadline).unwrap(), 10);
        assert_eq!(cal.working_days_between(deadline, d("2026-09-30")).unwrap(), -10);
    }

    #[test]
    fn uncovered_year_is_an_error_not_a_guess() {
        let cal = WorkingCalendar::shipped();
        assert_eq!(
            cal.is_working_day(d("2027-01-04")),
            Err(CalendarError::YearNotCovered(2027))
        );
        assert_eq!(
            cal.add_working_days(d("2026-12-28"), 10),
            Err(CalendarError::YearNotCovered(2027))
        );
    }

    #[test]
    fn schedule_validation_rejects_inconsistent_data() {
        let mut s = YearSchedule::shipped().remove(1);
        s.workdays.push(d("2026-03-02")); // a Monday
        assert!(s.validate().is_err());
        let mut s = YearSchedule::shipped().remove(1);
        s.holidays[0].to = d("2025-12-31");
        assert!(s.validate().is_err());
        let mut s = YearSchedule::shipped().remove(1);
        s.workdays.push(s.workdays[0]);
        assert!(s.validate().is_err());
    }

    #[test]
    fn clock_pauses_while_applicant_supplements() {
        let cal = WorkingCalendar::shipped();
        let mut c = WorkingClock::start(d("2026-11-02"), 5); // Monday
        assert_eq!(
            c.reading(&cal, d("2026-11-02")).unwrap().deadline,
            Some(d("2026-11-09"))
        );
        c.pause(d("2026-11-04"), "补正").unwrap(); // 2 days used
        let r = c.reading(&cal, d("2026-11-10")).unwrap();
        assert_eq!((r.used, r.remaining, r.paused, r.deadline), (2, 3, true, None));
        c.resume(d("2026-11-11")).unwrap(); // Wednesday; counting restarts on the 12th
        let r = c.reading(&cal, d("2026-11-11")).unwrap();
        assert_eq!(r.used, 2);
        assert_eq!(r.deadline, Some(d("2026-11-16")));
        assert!(c.resume(d("2026-11-12")).is_err());
        assert!(c.pause(d("2026-11-10"), "x").is_err());
    }

    #[test]
    fn overdue_clock_has_negative_remaining() {
        let cal = WorkingCalendar::shipped();
        let c = WorkingClock::start(d("2026-11-02"), 2);
        let r = c.reading(&cal, d("2026-11-06")).unwrap();
        assert_eq!(r.remaining, -2);
    }
}
