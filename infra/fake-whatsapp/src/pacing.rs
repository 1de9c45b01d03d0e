//! Meta's two send-rate limits, as token buckets on the fake's clock (the local stack's movable
//! one, so a test can wait them out with `/_local/clock`).
//!
//! Figures from Meta's Cloud API documentation:
//! - throughput ("Throughput", WhatsApp Business Platform docs): "For each registered business
//!   phone number, Cloud API supports up to 80 messages per second (mps) by default", "inclusive
//!   of inbound and outbound messages"; beyond it "the API will return error code 130429";
//! - pair rate ("Pair rate limits", Cloud API overview): one business number may send a user
//!   1 message every 6 seconds, in bursts of up to 45 messages that borrow from the quota that
//!   follows; beyond it, error 131056.

use time::{Duration, OffsetDateTime};

/// The limits the fake enforces; [`Limits::META`] unless a test or the bench sets others.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Messages a phone number handles per second (inbound and outbound), 130429 beyond.
    pub throughput_per_second: u32,
    /// Messages one user may receive in one burst, 131056 beyond.
    pub pair_burst: u32,
    /// Then one more message each `pair_interval`.
    pub pair_interval: Duration,
}

impl Limits {
    /// Meta's documented defaults (see the module comment).
    pub const META: Self = Self {
        throughput_per_second: 80,
        pair_burst: 45,
        pair_interval: Duration::seconds(6),
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::META
    }
}

/// A token bucket: `capacity` tokens, one more every `interval`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bucket {
    tokens: f64,
    updated: OffsetDateTime,
}

impl Bucket {
    pub(crate) fn full(capacity: u32, now: OffsetDateTime) -> Self {
        Self {
            tokens: f64::from(capacity),
            updated: now,
        }
    }

    fn refill(&mut self, capacity: u32, interval: Duration, now: OffsetDateTime) {
        let elapsed = (now - self.updated).as_seconds_f64().max(0.0);
        let interval = interval.as_seconds_f64();
        if interval > 0.0 {
            self.tokens = (self.tokens + elapsed / interval).min(f64::from(capacity));
        }
        self.updated = self.updated.max(now);
    }

    /// Whether one token is there to take (without taking it).
    pub(crate) fn has_one(
        &mut self,
        capacity: u32,
        interval: Duration,
        now: OffsetDateTime,
    ) -> bool {
        self.refill(capacity, interval, now);
        self.tokens >= 1.0
    }

    /// Takes one token, going no lower than zero (inbound messages count against throughput
    /// but are never refused).
    pub(crate) fn take(&mut self, capacity: u32, interval: Duration, now: OffsetDateTime) {
        self.refill(capacity, interval, now);
        self.tokens = (self.tokens - 1.0).max(0.0);
    }
}

/// The interval of one token of a per-second rate.
pub(crate) fn per_second(rate: u32) -> Duration {
    Duration::seconds_f64(1.0 / f64::from(rate.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_one_per_interval() {
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let every = Duration::seconds(6);
        let mut bucket = Bucket::full(45, t0);
        for _ in 0..45 {
            assert!(bucket.has_one(45, every, t0));
            bucket.take(45, every, t0);
        }
        assert!(!bucket.has_one(45, every, t0), "the burst is spent");
        assert!(!bucket.has_one(45, every, t0 + Duration::seconds(5)));
        assert!(
            bucket.has_one(45, every, t0 + Duration::seconds(6)),
            "one more after 6 s"
        );
        bucket.take(45, every, t0 + Duration::seconds(6));
        assert!(!bucket.has_one(45, every, t0 + Duration::seconds(7)));
        // A long pause refills to the burst, never beyond it.
        let later = t0 + Duration::hours(1);
        for _ in 0..45 {
            assert!(bucket.has_one(45, every, later));
            bucket.take(45, every, later);
        }
        assert!(!bucket.has_one(45, every, later));
    }
}
