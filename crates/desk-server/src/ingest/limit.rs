//! Ingestion rate limits: a bridge that loops, or a customer who floods a chat, must not
//! bury every other customer's messages or the database behind them.
//!
//! Token buckets, each holding at most a minute's allowance and refilled continuously:
//! per sender (the ingest secret's id) for every request, and for a message also per
//! conversation `(channel, conversation_id)` and per customer (`platform_user_id`), so one
//! customer cannot use up their bridge's allowance. A request takes one token from each
//! of its buckets or from none: a refused request costs nothing, and since it is refused
//! before its nonce is recorded, the sender may send the same signed request again after
//! `Retry-After`.
//!
//! The buckets live in this instance's memory. Behind a load balancer with `n`
//! instances a sender gets up to `n` times the rate; the limits bound a runaway, they
//! are not a quota. Must not depend on HTTP or on a storage backend.

use std::collections::HashMap;
use std::sync::Mutex;

/// Allowances per minute (0: no limit of that kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestLimits {
    pub per_sender: u32,
    pub per_conversation: u32,
    pub per_customer: u32,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self {
            // 100 a second, sustained, from one bridge.
            per_sender: 6000,
            // A chatty customer writes a few lines a minute; 30 is a flood.
            per_conversation: 30,
            per_customer: 60,
        }
    }
}

/// Which bucket a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Sender,
    Conversation,
    Customer,
}

impl Bucket {
    fn per_minute(self, limits: &IngestLimits) -> u32 {
        match self {
            Bucket::Sender => limits.per_sender,
            Bucket::Conversation => limits.per_conversation,
            Bucket::Customer => limits.per_customer,
        }
    }
}

/// Above this many buckets, full ones (as good as absent) are dropped.
const SWEEP_ABOVE: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Level {
    tokens: f64,
    at_ms: i64,
}

pub struct IngestLimiter {
    limits: IngestLimits,
    buckets: Mutex<HashMap<(Bucket, String), Level>>,
}

impl IngestLimiter {
    pub fn new(limits: IngestLimits) -> Self {
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from each of `keys`' buckets at `now_ms`, or, when any is empty,
    /// none, answering the whole seconds until all hold one again.
    pub fn take(&self, keys: &[(Bucket, &str)], now_ms: i64) -> Result<(), u64> {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait_ms: f64 = 0.0;
        let mut levels = Vec::with_capacity(keys.len());
        for &(bucket, key) in keys {
            let per_minute = bucket.per_minute(&self.limits);
            if per_minute == 0 {
                continue;
            }
            let capacity = f64::from(per_minute);
            let per_ms = capacity / 60_000.0;
            let level = map
                .get(&(bucket, key.to_owned()))
                .map(|l| Level {
                    tokens: (l.tokens + (now_ms - l.at_ms).max(0) as f64 * per_ms).min(capacity),
                    at_ms: now_ms,
                })
                .unwrap_or(Level {
                    tokens: capacity,
                    at_ms: now_ms,
                });
            if level.tokens < 1.0 {
                wait_ms = wait_ms.max((1.0 - level.tokens) / per_ms);
            }
            levels.push(((bucket, key), level, capacity));
        }
        if wait_ms > 0.0 {
            return Err(((wait_ms / 1000.0).ceil() as u64).max(1));
        }
        if map.len() > SWEEP_ABOVE {
            let limits = self.limits;
            map.retain(|(bucket, _), l| {
                let capacity = f64::from(bucket.per_minute(&limits));
                let per_ms = capacity / 60_000.0;
                l.tokens + (now_ms - l.at_ms).max(0) as f64 * per_ms < capacity
            });
        }
        for ((bucket, key), level, _) in levels {
            map.insert(
                (bucket, key.to_owned()),
                Level {
                    tokens: level.tokens - 1.0,
                    at_ms: now_ms,
                },
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn limiter(per_sender: u32, per_conversation: u32, per_customer: u32) -> IngestLimiter {
        IngestLimiter::new(IngestLimits {
            per_sender,
            per_conversation,
            per_customer,
        })
    }

    #[test]
    fn a_minutes_allowance_at_once_then_refills_steadily() {
        let l = limiter(60, 0, 0);
        for i in 0..60 {
            assert_eq!(
                l.take(&[(Bucket::Sender, "bridge")], 0),
                Ok(()),
                "request {i}"
            );
        }
        assert_eq!(
            l.take(&[(Bucket::Sender, "bridge")], 0),
            Err(1),
            "the 61st in the same instant waits a second"
        );
        assert_eq!(l.take(&[(Bucket::Sender, "bridge")], 999), Err(1));
        assert_eq!(
            l.take(&[(Bucket::Sender, "bridge")], 1000),
            Ok(()),
            "one a second after"
        );
        assert_eq!(l.take(&[(Bucket::Sender, "bridge")], 1000), Err(1));
        assert_eq!(
            l.take(&[(Bucket::Sender, "other")], 1000),
            Ok(()),
            "per sender"
        );
        for _ in 0..60 {
            assert_eq!(l.take(&[(Bucket::Sender, "bridge")], 2 * MINUTE), Ok(()));
        }
    }

    #[test]
    fn a_flooding_conversation_is_held_back_alone_and_a_refusal_costs_nothing() {
        let l = limiter(100, 3, 10);
        fn msg<'a>(conv: &'a str, customer: &'a str) -> [(Bucket, &'a str); 3] {
            [
                (Bucket::Sender, "bridge"),
                (Bucket::Conversation, conv),
                (Bucket::Customer, customer),
            ]
        }
        for _ in 0..3 {
            assert_eq!(l.take(&msg("chat-1", "u1"), 0), Ok(()));
        }
        assert_eq!(
            l.take(&msg("chat-1", "u1"), 0),
            Err(20),
            "3 a minute: one per 20 s"
        );
        for _ in 0..50 {
            assert_eq!(l.take(&msg("chat-1", "u1"), 0), Err(20));
        }
        // The refused ones took nothing from the sender: 97 are left for everyone else.
        for i in 0..97 {
            let conv = format!("chat-{}", i + 2);
            let customer = format!("u{}", i + 2);
            assert_eq!(l.take(&msg(&conv, &customer), 0), Ok(()), "customer {i}");
        }
        assert_eq!(
            l.take(&msg("chat-x", "ux"), 0),
            Err(1),
            "the sender's minute is used"
        );
    }

    #[test]
    fn one_customer_across_many_conversations_is_limited_too() {
        let l = limiter(0, 100, 2);
        let msg = |conv: &'static str| [(Bucket::Conversation, conv), (Bucket::Customer, "u1")];
        assert_eq!(l.take(&msg("a"), 0), Ok(()));
        assert_eq!(l.take(&msg("b"), 0), Ok(()));
        assert_eq!(l.take(&msg("c"), 0), Err(30));
    }

    #[test]
    fn no_limit_when_an_allowance_is_zero_and_full_buckets_are_swept() {
        let l = limiter(0, 0, 0);
        for _ in 0..10_000 {
            assert_eq!(l.take(&[(Bucket::Sender, "bridge")], 0), Ok(()));
        }
        let l = limiter(10, 0, 0);
        for i in 0..=SWEEP_ABOVE {
            l.take(&[(Bucket::Sender, &i.to_string())], 0).unwrap();
        }
        l.take(&[(Bucket::Sender, "late")], 10 * MINUTE).unwrap();
        assert_eq!(
            l.buckets.lock().unwrap().len(),
            1,
            "buckets refilled since are forgotten"
        );
    }
}
