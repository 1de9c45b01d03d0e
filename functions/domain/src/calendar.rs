//! Working-day arithmetic for due dates, in the office's time zone.

use time::{Date, OffsetDateTime, UtcOffset, Weekday, macros::offset};

/// Asia/Jakarta (WIB) is UTC+7 all year (Indonesia has no DST), so a fixed offset is exact.
pub const JAKARTA_OFFSET: UtcOffset = offset!(+7);

/// Monday to Friday and not one of `holidays` (public holidays and cuti bersama, supplied by
/// configuration).
pub fn is_working_day(date: Date, holidays: &[Date]) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(&date)
}

/// The date `days` working days after `start` (`start` itself is not counted, so a request
/// submitted on Friday with 1 day is due Monday). `0` returns `start` unchanged.
/// Saturates at the last representable date instead of panicking.
pub fn add_working_days(start: Date, days: u8, holidays: &[Date]) -> Date {
    let mut date = start;
    let mut remaining = days;
    while remaining > 0 {
        date = match date.next_day() {
            Some(next) => next,
            None => return date,
        };
        if is_working_day(date, holidays) {
            remaining -= 1;
        }
    }
    date
}

/// The calendar date in Jakarta at instant `at` (any offset).
pub fn jakarta_date(at: OffsetDateTime) -> Date {
    // Only fails at the edge of the representable range; keep the instant's own date there.
    at.checked_to_offset(JAKARTA_OFFSET)
        .map_or_else(|| at.date(), |t| t.date())
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn zero_days_is_start_even_on_a_weekend() {
        let saturday = date!(2026 - 11 - 28);
        assert_eq!(add_working_days(saturday, 0, &[]), saturday);
    }

    #[test]
    fn skips_weekends() {
        // 2026-11-27 is a Friday.
        let friday = date!(2026 - 11 - 27);
        assert_eq!(friday.weekday(), Weekday::Friday);
        assert_eq!(add_working_days(friday, 1, &[]), date!(2026 - 11 - 30));
        assert_eq!(add_working_days(friday, 3, &[]), date!(2026 - 12 - 02));
        assert_eq!(add_working_days(friday, 5, &[]), date!(2026 - 12 - 04));
        assert_eq!(add_working_days(friday, 6, &[]), date!(2026 - 12 - 07));
        // Starting on a weekend counts from Monday.
        assert_eq!(
            add_working_days(date!(2026 - 11 - 28), 1, &[]),
            date!(2026 - 11 - 30)
        );
        assert_eq!(
            add_working_days(date!(2026 - 11 - 29), 1, &[]),
            date!(2026 - 11 - 30)
        );
        // Midweek.
        let monday = date!(2026 - 11 - 30);
        assert_eq!(add_working_days(monday, 3, &[]), date!(2026 - 12 - 03));
        assert_eq!(add_working_days(monday, 14, &[]), date!(2026 - 12 - 18));
    }

    #[test]
    fn skips_holidays() {
        // Christmas 2026 is a Friday; cuti bersama on Thursday the 24th.
        let holidays = [date!(2026 - 12 - 24), date!(2026 - 12 - 25)];
        let tuesday = date!(2026 - 12 - 22);
        assert_eq!(
            add_working_days(tuesday, 1, &holidays),
            date!(2026 - 12 - 23)
        );
        assert_eq!(
            add_working_days(tuesday, 2, &holidays),
            date!(2026 - 12 - 28)
        );
        assert_eq!(
            add_working_days(tuesday, 3, &holidays),
            date!(2026 - 12 - 29)
        );
        // A holiday on a weekend changes nothing.
        let weekend_holiday = [date!(2026 - 12 - 26)];
        assert_eq!(
            add_working_days(tuesday, 4, &weekend_holiday),
            date!(2026 - 12 - 28)
        );
        // Starting on a holiday: the start is never counted anyway.
        assert_eq!(
            add_working_days(date!(2026 - 12 - 25), 1, &holidays),
            date!(2026 - 12 - 28)
        );
        assert!(!is_working_day(date!(2026 - 12 - 25), &holidays));
        assert!(is_working_day(date!(2026 - 12 - 23), &holidays));
    }

    #[test]
    fn saturates_instead_of_panicking() {
        assert_eq!(add_working_days(Date::MAX, 5, &[]), Date::MAX);
    }

    #[test]
    fn jakarta_date_is_utc_plus_seven() {
        assert_eq!(
            jakarta_date(datetime!(2026 - 11 - 27 16:59:59 UTC)),
            date!(2026 - 11 - 27)
        );
        assert_eq!(
            jakarta_date(datetime!(2026 - 11 - 27 17:00:00 UTC)),
            date!(2026 - 11 - 28)
        );
        assert_eq!(
            jakarta_date(datetime!(2026 - 11 - 28 06:59:59 +9)),
            date!(2026 - 11 - 28)
        );
        assert_eq!(
            jakarta_date(datetime!(2026 - 12 - 31 23:30:00 UTC)),
            date!(2027 - 01 - 01)
        );
    }
}
