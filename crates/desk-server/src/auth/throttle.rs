//! Login throttling: at most N failed logins per email within a sliding window.
//!
//! In memory, per server process. With several instances (PostgreSQL deployments) each
//! keeps its own count, which bounds guessing at N × instances per window; a shared
//! counter can replace this behind the same three calls. No storage, no HTTP.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Emails tracked before stale entries are swept, so random emails cannot grow the map.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window_ms: i64) -> Self {
        Self {
            max_failures: max_failures.max(1) as usize,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds until the next attempt is allowed)` when the key is locked out.
    pub fn check(&self, key: &str, now: i64) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = map.get_mut(key) else {
            return Ok(());
        };
        Self::expire(times, now, self.window_ms);
        if times.len() < self.max_failures {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        let wait_ms = (oldest + self.window_ms - now).max(1000);
        Err(u64::try_from(wait_ms).unwrap_or(1000).div_ceil(1000))
    }

    pub fn record_failure(&self, key: &str, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > SWEEP_ABOVE {
            let window = self.window_ms;
            map.retain(|_, times| times.back().is_some_and(|last| now - last < window));
        }
        let times = map.entry(key.to_owned()).or_default();
        Self::expire(times, now, self.window_ms);
        times.push_back(now);
        // Only the most recent `max_failures` matter for the decision.
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }

    /// A successful login starts the count over.
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }

    fn expire(times: &mut VecDeque<i64>, now: i64, window_ms: i64) {
        while times.front().is_some_and(|t| now - t >= window_ms) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_reopens_after_the_window() {
        let throttle = LoginThrottle::new(3, 60_000);
        for i in 0..3 {
            assert!(
                throttle.check("a@x", i).is_ok(),
                "attempt {i} is under the limit"
            );
            throttle.record_failure("a@x", i);
        }
        let wait = throttle.check("a@x", 10).unwrap_err();
        assert!(
            (1..=60).contains(&wait),
            "locked out until the first failure ages out: {wait}s"
        );
        assert!(
            throttle.check("b@x", 10).is_ok(),
            "another email is not affected"
        );
        assert!(
            throttle.check("a@x", 60_000).is_ok(),
            "after the window the email may try again"
        );
    }

    #[test]
    fn success_clears_the_count() {
        let throttle = LoginThrottle::new(2, 60_000);
        throttle.record_failure("a@x", 0);
        throttle.record_failure("a@x", 1);
        throttle.clear("a@x");
        assert!(
            throttle.check("a@x", 2).is_ok(),
            "a successful login resets the failures"
        );
    }
}
