//! Sign-in throttling: after [`DirectoryConfig::sign_in_max_failures`] wrong passwords for one
//! username within the lockout period, further attempts for that username are refused (429 with
//! `Retry-After`) until the period has passed, whatever the password. Counted in memory per
//! instance; a success clears the count.
//!
//! [`DirectoryConfig::sign_in_max_failures`]: crate::DirectoryConfig::sign_in_max_failures

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Usernames tracked at most; expired entries are dropped first when the map is full.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

fn key(username: &str) -> String {
    username.trim().to_lowercase()
}

impl SignInThrottle {
    /// How long `username` must still wait, if it is locked out.
    pub fn locked_for(&self, username: &str, now: Instant) -> Option<Duration> {
        let map = self.failures.lock().expect("throttle map");
        map.get(&key(username))
            .and_then(|f| f.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Count a wrong password; returns true when this failure starts a lockout.
    pub fn failed(&self, username: &str, now: Instant, max: u32, period: Duration) -> bool {
        let mut map = self.failures.lock().expect("throttle map");
        if map.len() >= MAX_TRACKED {
            map.retain(|_, f| now.duration_since(f.since) < period || f.locked_until.is_some_and(|u| u > now));
            if map.len() >= MAX_TRACKED {
                map.clear();
            }
        }
        let f = map.entry(key(username)).or_insert(Failures {
            count: 0,
            since: now,
            locked_until: None,
        });
        if now.duration_since(f.since) >= period && f.locked_until.is_none_or(|u| u <= now) {
            *f = Failures {
                count: 0,
                since: now,
                locked_until: None,
            };
        }
        f.count += 1;
        if f.count >= max && f.locked_until.is_none_or(|u| u <= now) {
            f.locked_until = Some(now + period);
            return true;
        }
        false
    }

    /// A successful sign-in clears the count.
    pub fn succeeded(&self, username: &str) {
        self.failures.lock().expect("throttle map").remove(&key(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_a_username_for_the_period_only() {
        let t = SignInThrottle::default();
        let start = Instant::now();
        let period = Duration::from_secs(900);
        for i in 0..4 {
            assert!(!t.failed("Operator", start + Duration::from_secs(i), 5, period));
        }
        assert_eq!(t.locked_for("operator", start), None);
        assert!(
            t.failed("operator ", start + Duration::from_secs(5), 5, period),
            "the fifth locks"
        );
        let wait = t.locked_for("OPERATOR", start + Duration::from_secs(6)).unwrap();
        assert!(wait > Duration::from_secs(890) && wait <= period, "{wait:?}");
        assert_eq!(
            t.locked_for("approver", start + Duration::from_secs(6)),
            None,
            "others are free"
        );
        assert_eq!(
            t.locked_for("operator", start + Duration::from_secs(906)),
            None,
            "the lock ends"
        );
        // Failures spread over more than the period do not add up.
        let t = SignInThrottle::default();
        for i in 0..10 {
            assert!(!t.failed("x", start + period * i, 5, period));
        }
        // A success clears the count.
        let t = SignInThrottle::default();
        for _ in 0..4 {
            t.failed("y", start, 5, period);
        }
        t.succeeded("y");
        assert!(!t.failed("y", start, 5, period));
    }
}
