//! The time every decision reads.
//!
//! Deadlines, validity, expiry and daily quotas depend on "now" and on "today in China". They
//! read it from a [`Clock`]: the system clock in a running platform, a clock a test sets (and
//! moves) when it needs a certain day.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// China Standard Time (UTC+8), the time of every date the platform decides by.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The date in China of an instant given in UTC microseconds (1970-01-01 when out of range).
pub fn china_date(micros: i64) -> NaiveDate {
    china_time(micros).date()
}

/// The wall-clock time in China of an instant given in UTC microseconds.
pub fn china_time(micros: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .with_timezone(&china())
        .naive_local()
}

/// The UTC microseconds at which `date` begins in China.
pub fn china_midnight(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(china())
        .single()
        .expect("UTC+8 has no gaps")
        .timestamp_micros()
}

/// The system clock, or a clock set by a test. Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock(None)
    }

    /// A clock standing at `micros` (UTC microseconds) until it is set or moved.
    pub fn fixed(micros: i64) -> Self {
        Clock(Some(Arc::new(AtomicI64::new(micros))))
    }

    /// A clock standing at the start of `date` in China.
    pub fn at_date(date: NaiveDate) -> Self {
        Clock::fixed(china_midnight(date))
    }

    /// Set a fixed clock to `micros`; a system clock cannot be set.
    pub fn set(&self, micros: i64) {
        match &self.0 {
            Some(t) => t.store(micros, Ordering::SeqCst),
            None => panic!("the system clock cannot be set"),
        }
    }

    /// Move a fixed clock on by `micros`.
    pub fn advance(&self, micros: i64) {
        self.set(self.now_micros() + micros);
    }

    /// Now, in UTC microseconds.
    pub fn now_micros(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => Utc::now().timestamp_micros(),
        }
    }

    /// Today's date in China.
    pub fn today(&self) -> NaiveDate {
        china_date(self.now_micros())
    }

    /// Now, as wall-clock time in China.
    pub fn china_now(&self) -> NaiveDateTime {
        china_time(self.now_micros())
    }

    /// Seconds from now to the next midnight in China (at least 1).
    pub fn seconds_to_midnight(&self) -> u32 {
        let next = china_midnight(self.today() + chrono::Duration::days(1));
        ((next - self.now_micros()) / 1_000_000).clamp(1, 86_400) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_date_in_china() {
        // 2026-11-30 16:30 UTC is 2026-12-01 00:30 in China.
        let t = DateTime::parse_from_rfc3339("2026-11-30T16:30:00Z")
            .unwrap()
            .timestamp_micros();
        let clock = Clock::fixed(t);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(clock.seconds_to_midnight(), 23 * 3600 + 30 * 60);
        clock.advance(-3600 * 1_000_000);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(clock.seconds_to_midnight(), 30 * 60);
    }

    #[test]
    fn midnight_in_china_is_four_pm_utc() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let m = china_midnight(d);
        assert_eq!(
            DateTime::from_timestamp_micros(m).unwrap().to_rfc3339(),
            "2025-12-31T16:00:00+00:00"
        );
        assert_eq!(china_date(m), d);
        assert_eq!(china_date(m - 1), d.pred_opt().unwrap());
        assert_eq!(Clock::at_date(d).today(), d);
    }

    #[test]
    fn clones_share_the_time() {
        let a = Clock::fixed(0);
        let b = a.clone();
        a.set(86_400_000_000);
        assert_eq!(b.now_micros(), 86_400_000_000);
    }
}
