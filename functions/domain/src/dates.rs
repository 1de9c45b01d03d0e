//! Dates as residents type them: `17-08-2025`, `17/8/25`, `17.08.2025`, `17 08 2025`,
//! `17 Agustus 2025`, `17 agt 2025`, `17-agu-2025`, `17agustus2025`, `tgl 17 agustus 2025`,
//! `tanggal 17-8-2025`, and the ISO form `2025-08-17`.
//!
//! Month names in Bahasa Indonesia with their common abbreviations (`jan`, `feb`/`peb`, `mar`/
//! `mrt`, `apr`, `mei`, `jun`, `jul`, `agu`/`agt`/`ags`/`agust`, `sep`/`sept`, `okt`, `nov`/`nop`,
//! `des`), English ones, and one typo on names of five letters or more (`febuari`, `agustsu`).
//! A two-digit year is `20yy` when that date is not after `today`, otherwise `19yy` (the NIK's
//! century rule). Words such as `tgl`, `tanggal`, `lahir` or a day name around the date are
//! ignored; any other word makes the text not a date, so a sentence is never half-read.
//! The dates are of events that have happened: one after `today` is refused.

use time::{Date, Month};

use crate::intent::within_one_edit;

/// Month names and abbreviations; the first of each month is its full Bahasa name.
const MONTHS: &[(&str, u8)] = &[
    ("januari", 1),
    ("jan", 1),
    ("january", 1),
    ("janu", 1),
    ("februari", 2),
    ("feb", 2),
    ("pebruari", 2),
    ("peb", 2),
    ("february", 2),
    ("febr", 2),
    ("maret", 3),
    ("mar", 3),
    ("mrt", 3),
    ("march", 3),
    ("april", 4),
    ("apr", 4),
    ("mei", 5),
    ("may", 5),
    ("juni", 6),
    ("jun", 6),
    ("june", 6),
    ("juli", 7),
    ("jul", 7),
    ("july", 7),
    ("agustus", 8),
    ("agu", 8),
    ("agt", 8),
    ("ags", 8),
    ("agust", 8),
    ("agus", 8),
    ("agst", 8),
    ("aug", 8),
    ("august", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("okt", 10),
    ("oktober", 10),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("nopember", 11),
    ("nop", 11),
    ("desember", 12),
    ("des", 12),
    ("december", 12),
    ("dec", 12),
];

/// Words that may surround a date and say nothing about it.
const IGNORED: &[&str] = &[
    "tgl",
    "tggl",
    "tangal",
    "tanggal",
    "tanggalnya",
    "tgll",
    "lahir",
    "kelahiran",
    "meninggal",
    "wafat",
    "menikah",
    "nikah",
    "putusan",
    "cerai",
    "pada",
    "hari",
    "bulan",
    "tahun",
    "thn",
    "th",
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "sabtu",
    "minggu",
    "ahad",
    "yaitu",
    "adalah",
    "pak",
    "bu",
    "ya",
    "kemarin",
    "sekitar",
    "di",
];

/// The month a word names, if any (exact, or one typo on five letters or more).
fn month(word: &str) -> Option<u8> {
    if let Some((_, m)) = MONTHS.iter().find(|(name, _)| *name == word) {
        return Some(*m);
    }
    if word.len() < 5 {
        return None;
    }
    let mut found = None;
    for &(name, m) in MONTHS {
        if name.len() >= 5 && within_one_edit(word.as_bytes(), name.as_bytes()) {
            match found {
                None => found = Some(m),
                Some(other) if other == m => {}
                Some(_) => return None,
            }
        }
    }
    found
}

/// One piece of a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// Digits, with how many were typed (`08` is 2).
    Number(u32, usize),
    Month(u8),
}

/// Reads an event date typed by a resident; `None` when it is not a real date, is in the
/// future, or is before 1900.
pub fn parse(text: &str, today: Date) -> Option<Date> {
    let lower = text.trim().to_lowercase();
    let mut parts: [Option<Part>; 3] = [None; 3];
    let mut n = 0;
    for word in split(&lower) {
        let part = if word.bytes().all(|b| b.is_ascii_digit()) {
            if word.len() > 4 {
                return None;
            }
            Part::Number(word.parse().ok()?, word.len())
        } else if let Some(m) = month(word) {
            Part::Month(m)
        } else if IGNORED.contains(&word) {
            continue;
        } else {
            return None;
        };
        if n == parts.len() {
            return None;
        }
        parts[n] = Some(part);
        n += 1;
    }
    let [Some(a), Some(b), Some(c)] = parts else {
        return None;
    };
    let (day, month, year) = match (a, b, c) {
        // 2025-08-17
        (Part::Number(y, 4), Part::Number(m, 1..=2), Part::Number(d, 1..=2)) => {
            (d, u8::try_from(m).ok()?, Year::Full(y))
        }
        (Part::Number(d, 1..=2), Part::Number(m, 1..=2), Part::Number(y, digits)) => {
            (d, u8::try_from(m).ok()?, Year::typed(y, digits)?)
        }
        (Part::Number(d, 1..=2), Part::Month(m), Part::Number(y, digits)) => {
            (d, m, Year::typed(y, digits)?)
        }
        _ => return None,
    };
    let month = Month::try_from(month).ok()?;
    let day = u8::try_from(day).ok()?;
    let date = match year {
        Year::Full(y) => Date::from_calendar_date(i32::try_from(y).ok()?, month, day).ok()?,
        Year::Short(yy) => {
            let yy = i32::try_from(yy).ok()?;
            Date::from_calendar_date(2000 + yy, month, day)
                .ok()
                .filter(|d| *d <= today)
                .or_else(|| Date::from_calendar_date(1900 + yy, month, day).ok())?
        }
    };
    (date.year() >= 1900 && date <= today).then_some(date)
}

enum Year {
    Full(u32),
    Short(u32),
}

impl Year {
    fn typed(value: u32, digits: usize) -> Option<Year> {
        match digits {
            2 => Some(Year::Short(value)),
            4 => Some(Year::Full(value)),
            _ => None,
        }
    }
}

/// Splits on separators (`-`, `/`, `.`, `,`, spaces and anything not a letter or digit) and
/// between letters and digits (`17agt2025`).
fn split(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut pieces = Vec::new();
    let kind = |b: u8| {
        if b.is_ascii_digit() {
            1
        } else if b.is_ascii_alphabetic() {
            2
        } else {
            0
        }
    };
    for i in 0..=bytes.len() {
        let boundary = i == bytes.len()
            || kind(bytes[i]) == 0
            || (i > start && kind(bytes[i]) != kind(bytes[i - 1]));
        if boundary {
            if i > start && kind(bytes[start]) != 0 {
                pieces.push(&text[start..i]);
            }
            start = if i < bytes.len() && kind(bytes[i]) == 0 {
                i + 1
            } else {
                i
            };
        }
    }
    pieces.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 27);

    fn p(text: &str) -> Option<Date> {
        parse(text, TODAY)
    }

    #[test]
    fn numeric_forms() {
        let expected = Some(date!(2025 - 08 - 17));
        for text in [
            "17-08-2025",
            "17/08/2025",
            "17.08.2025",
            "17 08 2025",
            "17-8-2025",
            "17/8/25",
            "17 - 08 - 2025",
            "2025-08-17",
            " 17/08/2025 ",
            "17,08,2025",
        ] {
            assert_eq!(p(text), expected, "{text}");
        }
    }

    #[test]
    fn month_names_and_abbreviations() {
        let expected = Some(date!(2025 - 08 - 17));
        for text in [
            "17 Agustus 2025",
            "17 agustus 2025",
            "17 AGUSTUS 2025",
            "17 agt 2025",
            "17 agu 2025",
            "17 ags 2025",
            "17 agust 2025",
            "17-agu-2025",
            "17agustus2025",
            "17 Agustus 25",
            "tgl 17 agustus 2025",
            "tanggal 17-8-2025",
            "Tgl. 17 Agustus 2025",
            "lahir tanggal 17 agustus 2025",
            "minggu, 17 agustus 2025",
            "17 agusuts 2025",
            "17 agustsu 2025",
            "17 august 2025",
        ] {
            assert_eq!(p(text), expected, "{text}");
        }
        let months = [
            ("jan", 1),
            ("feb", 2),
            ("febuari", 2),
            ("pebruari", 2),
            ("mar", 3),
            ("mrt", 3),
            ("apr", 4),
            ("mei", 5),
            ("jun", 6),
            ("jul", 7),
            ("sep", 9),
            ("sept", 9),
            ("okt", 10),
            ("nov", 11),
            ("nop", 11),
            ("nopember", 11),
            ("des", 12),
            ("desember", 12),
        ];
        for (name, m) in months {
            let text = format!("3 {name} 2025");
            let expected = Date::from_calendar_date(2025, Month::try_from(m).unwrap(), 3).ok();
            assert_eq!(p(&text), expected, "{text}");
        }
    }

    #[test]
    fn two_digit_years_take_the_century_that_is_not_in_the_future() {
        assert_eq!(p("17/8/25"), Some(date!(2025 - 08 - 17)));
        assert_eq!(p("1/1/26"), Some(date!(2026 - 01 - 01)));
        // 27 December 2026 has not happened yet: 1926.
        assert_eq!(p("27/12/26"), Some(date!(1926 - 12 - 27)));
        assert_eq!(p("17/8/45"), Some(date!(1945 - 08 - 17)));
        assert_eq!(p("3 Desember 26"), Some(date!(1926 - 12 - 03)));
    }

    #[test]
    fn rejects() {
        for text in [
            "",
            "kemarin",
            "31-02-2025",
            "30 Februari 2024",
            "29-02-2025",
            "32-01-2025",
            "00-01-2025",
            "17-13-2025",
            "17-00-2025",
            "17 agustus 2027",
            "28-11-2026",
            "3 Desember 2026",
            "01-01-1899",
            "17 08 202",
            "17 08 20255",
            "17-08",
            "17 agustus",
            "agustus 2025",
            "17 08 2025 10",
            "17 bulan 8 2025 ok",
            "saya lahir 17 agustus 2025 di kepahiang",
            "1708014508900001",
            "17 xyz 2025",
            "08/17/2025",
            "ktp hilang",
        ] {
            assert_eq!(p(text), None, "{text}");
        }
        assert_eq!(p("29-02-2024"), Some(date!(2024 - 02 - 29)));
        assert_eq!(p("27-11-2026"), Some(TODAY));
    }
}
