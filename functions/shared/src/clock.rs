//! Time as a port, so the domain and the handlers can be tested at any instant.

use time::OffsetDateTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that always says the same instant (tests, benchmarks).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The real clock moved forward by a shared offset (the local stack's `POST /_local/clock`):
/// every clone reads the same offset, so the functions, the stand-ins and the tests living
/// through days all agree on "now". Time only moves forward, as it does deployed.
#[derive(Clone, Debug, Default)]
pub struct OffsetClock {
    offset_seconds: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

/// A refused move of an [`OffsetClock`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClockError {
    #[error("time does not go back: advance_seconds must not be negative")]
    Backwards,
    #[error("advance_seconds is too large")]
    TooFar,
}

/// How far a clock may be moved in all (a century): far beyond any test, and far inside
/// `OffsetDateTime`'s range, so `now` can never overflow.
const MAX_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 3600;

impl OffsetClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// How far this clock is ahead of the real one.
    pub fn offset_seconds(&self) -> i64 {
        self.offset_seconds
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Moves "now" forward by `seconds` for every clone; returns the new offset.
    pub fn advance(&self, seconds: i64) -> Result<i64, ClockError> {
        if seconds < 0 {
            return Err(ClockError::Backwards);
        }
        let mut result = Err(ClockError::TooFar);
        // A compare-and-swap loop so that two concurrent advances both count, and neither can
        // pass the limit.
        let _ = self.offset_seconds.fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |current| {
                let next = current
                    .checked_add(seconds)
                    .filter(|next| *next <= MAX_OFFSET_SECONDS);
                result = next.ok_or(ClockError::TooFar);
                next
            },
        );
        result
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.offset_seconds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_moves_every_clone_forward_and_never_back() {
        let clock = OffsetClock::new();
        let clone = clock.clone();
        let before = SystemClock.now();
        assert_eq!(clock.advance(3 * 24 * 3600), Ok(3 * 24 * 3600));
        assert_eq!(clone.offset_seconds(), 3 * 24 * 3600);
        let moved = clone.now() - before;
        assert!(moved >= time::Duration::days(3), "{moved}");
        assert!(
            moved < time::Duration::days(3) + time::Duration::minutes(1),
            "{moved}"
        );
        assert_eq!(clock.advance(-1), Err(ClockError::Backwards));
        assert_eq!(clock.advance(0), Ok(3 * 24 * 3600));
        assert_eq!(clock.advance(i64::MAX), Err(ClockError::TooFar));
        assert_eq!(
            clone.offset_seconds(),
            3 * 24 * 3600,
            "a refused move changes nothing"
        );
    }
}
