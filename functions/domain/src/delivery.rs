//! When a notification that WhatsApp could not take is tried again. Temporary failures (rate
//! limits, 5xx, timeouts) are retried with growing pauses for more than a day, so an outage of
//! Meta or of the office's connection never costs a resident their result; after that the
//! notification is given up and stays visible to officers as failed.

use time::{Duration, OffsetDateTime};

/// The pause after each failed attempt, in order: about a minute at first (most rate limits and
/// blips), then growing, past 24 hours in all.
pub const RETRY_PAUSES: [Duration; 11] = [
    Duration::minutes(1),
    Duration::minutes(2),
    Duration::minutes(5),
    Duration::minutes(10),
    Duration::minutes(30),
    Duration::hours(1),
    Duration::hours(2),
    Duration::hours(4),
    Duration::hours(8),
    Duration::hours(8),
    Duration::hours(8),
];

/// At least this long passes between the first attempt and giving up.
pub const RETRY_SPAN: Duration = Duration::hours(24);

/// How long one sweep holds a notification it is sending, so another sweep leaves it alone; a
/// sweep that died mid-send frees it again after this. Longer than the documents function's
/// timeout, so a lease never runs out under a sweep still at work.
pub const SEND_LEASE: Duration = Duration::minutes(6);

/// When to try again after `attempts` failed attempts (1-based) ending at `now`, or `None` to
/// give up.
pub fn next_attempt(attempts: u32, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_PAUSES.get(index).map(|pause| now + *pause)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-01 03:00 UTC);

    #[test]
    fn retries_last_more_than_a_day_with_growing_pauses_then_stop() {
        let mut at = T0;
        let mut attempts = 1;
        while let Some(next) = next_attempt(attempts, at) {
            assert!(next > at);
            at = next;
            attempts += 1;
        }
        assert!(at - T0 >= RETRY_SPAN, "gave up after {}", at - T0);
        assert_eq!(attempts as usize, RETRY_PAUSES.len() + 1);
        assert!(RETRY_PAUSES.windows(2).all(|w| w[0] <= w[1]));
        assert!(
            RETRY_PAUSES[0] <= Duration::minutes(1),
            "a blip is retried soon"
        );
        assert!(
            SEND_LEASE > Duration::minutes(5),
            "outlasts the documents timeout (300 s)"
        );
    }

    #[test]
    fn no_attempt_number_zero() {
        assert_eq!(next_attempt(0, T0), None);
        assert_eq!(next_attempt(1, T0), Some(T0 + Duration::minutes(1)));
        assert_eq!(next_attempt(12, T0), None);
    }
}
