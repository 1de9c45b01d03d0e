//! NIK (Nomor Induk Kependudukan), SPEC section 4: `PPKKCC DDMMYY SSSS`.
//!
//! NIK is protected personal data (UU PDP): `Debug` and `Display` print only the masked form,
//! so a stray `{:?}` in a log cannot leak it. Use [`Nik::as_str`] only to store it.
//!
//! # Century rule
//! The NIK carries a two-digit year. [`Nik::parse`] picks `20YY` when that is a real date not
//! after `today`, otherwise `19YY` (when that is a real date not after `today`). With today =
//! 2026-11-28, `…50` means 1950 and `…20` means 2020. A consequence is that people aged 100 or
//! more are read as babies, and that a date later this year (e.g. `…151226` on 2026-11-28) is
//! read as 1926 rather than rejected: we prefer never refusing a real NIK (e.g. of a
//! deceased 99-year-old) over catching that typo. Hence [`NikError::FutureDate`] only occurs
//! when both centuries are after `today`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

use crate::ident::{is_16_digits, mask16, strip_separators, two_digits};

/// Province codes in use (SPEC section 4).
pub fn is_known_province(code: u8) -> bool {
    matches!(code, 11..=19 | 21 | 31..=36 | 51..=53 | 61..=65 | 71..=76 | 81..=82 | 91..=96)
}

/// A validated NIK: exactly 16 ASCII digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

/// Sex encoded in the NIK day field (female day + 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sex {
    Male,
    Female,
}

/// Why a NIK was rejected; one variant per rule. Never carries the NIK itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("NIK must have 16 digits, found {found}")]
    Length { found: usize },
    #[error("NIK may contain only digits (and spaces, dots or dashes)")]
    NotDigits,
    #[error("unknown province code {code:02}")]
    Province { code: u8 },
    /// Digits 1-6 are no kecamatan of Indonesia's current regions (`crate::region`).
    #[error("digits 1-6 are no kecamatan code")]
    District,
    #[error("birth day must be 01-31 (male) or 41-71 (female)")]
    Day,
    #[error("birth month must be 01-12")]
    Month,
    #[error("birth date is not a real calendar date")]
    Date,
    #[error("birth date is in the future")]
    FutureDate,
    #[error("serial number must not be 0000")]
    Serial,
}

/// The part of the NIK a [`NikError`] is about, so the resident can be told what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NikPart {
    /// The number as a whole (length or non-digit characters).
    Whole,
    /// Digits 1-2.
    Province,
    /// Digits 1-6 (province, regency or city, kecamatan).
    District,
    /// Digits 7-8.
    BirthDay,
    /// Digits 9-10.
    BirthMonth,
    /// Digits 7-12 taken together.
    BirthDate,
    /// Digits 13-16.
    Serial,
}

impl NikPart {
    /// 1-based inclusive digit positions, `None` for the whole number.
    pub const fn positions(self) -> Option<(u8, u8)> {
        match self {
            NikPart::Whole => None,
            NikPart::Province => Some((1, 2)),
            NikPart::District => Some((1, 6)),
            NikPart::BirthDay => Some((7, 8)),
            NikPart::BirthMonth => Some((9, 10)),
            NikPart::BirthDate => Some((7, 12)),
            NikPart::Serial => Some((13, 16)),
        }
    }

    /// Bahasa name of the part, for messages to residents.
    pub const fn label(self) -> &'static str {
        match self {
            NikPart::Whole => "NIK",
            NikPart::Province => "kode provinsi (angka ke-1 dan ke-2)",
            NikPart::District => "kode wilayah (angka ke-1 sampai ke-6)",
            NikPart::BirthDay => "tanggal lahir (angka ke-7 dan ke-8)",
            NikPart::BirthMonth => "bulan lahir (angka ke-9 dan ke-10)",
            NikPart::BirthDate => "tanggal lahir (angka ke-7 sampai ke-12)",
            NikPart::Serial => "nomor urut (4 angka terakhir)",
        }
    }
}

impl NikError {
    /// Which part of the NIK is wrong.
    pub const fn part(&self) -> NikPart {
        match self {
            NikError::Length { .. } | NikError::NotDigits => NikPart::Whole,
            NikError::Province { .. } => NikPart::Province,
            NikError::District => NikPart::District,
            NikError::Day => NikPart::BirthDay,
            NikError::Month => NikPart::BirthMonth,
            NikError::Date | NikError::FutureDate => NikPart::BirthDate,
            NikError::Serial => NikPart::Serial,
        }
    }

    /// A short Bahasa explanation for the resident (the caller adds "please send it again").
    pub fn resident_message(&self) -> String {
        match self {
            NikError::Length { found } => {
                format!("NIK harus 16 angka, sedangkan yang Bapak/Ibu kirim {found} angka.")
            }
            NikError::NotDigits => "NIK hanya boleh berisi angka.".to_owned(),
            NikError::Province { .. } => {
                "Kode provinsi pada NIK (angka ke-1 dan ke-2) tidak dikenal.".to_owned()
            }
            NikError::District => "Kode wilayah pada NIK (angka ke-1 sampai ke-6) tidak dikenal: \
                                    tidak ada kabupaten/kota atau kecamatan dengan kode itu."
                .to_owned(),
            NikError::Day => "Tanggal lahir pada NIK (angka ke-7 dan ke-8) tidak valid.".to_owned(),
            NikError::Month => {
                "Bulan lahir pada NIK (angka ke-9 dan ke-10) tidak valid.".to_owned()
            }
            NikError::Date => {
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) bukan tanggal yang benar."
                    .to_owned()
            }
            NikError::FutureDate => {
                "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) belum terjadi.".to_owned()
            }
            NikError::Serial => {
                "Nomor urut pada NIK (4 angka terakhir) tidak boleh 0000.".to_owned()
            }
        }
    }
}

/// Words residents write before or after a NIK, and nothing else.
const LABEL_WORDS: [&str; 17] = [
    "nik", "niknya", "no", "nomor", "nomer", "nmr", "saya", "sy", "pemohon", "adalah", "yaitu",
    "pak", "bu", "ya", "kak", "min", "ktp",
];

/// The digits part of `input` when what surrounds it is only label words and punctuation
/// ("NIK: 1708…", "No. NIK 1708…", "1708… pak"); otherwise `input` unchanged, so that any
/// other text is still reported as not digits.
fn strip_label(input: &str) -> &str {
    let (Some(first), Some(last)) = (
        input.find(|c: char| c.is_ascii_digit()),
        input.rfind(|c: char| c.is_ascii_digit()),
    ) else {
        return input;
    };
    let only_labels = |part: &str| {
        part.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .all(|w| LABEL_WORDS.iter().any(|l| l.eq_ignore_ascii_case(w)))
    };
    if only_labels(&input[..first]) && only_labels(&input[last + 1..]) {
        &input[first..=last]
    } else {
        input
    }
}

impl Nik {
    /// Validates resident input. Spaces, dots and dashes are ignored, and so are words residents
    /// write around the number ("NIK: …", "nik saya … pak"); `today` (Asia/Jakarta date)
    /// decides the century and rejects future dates, see the module docs.
    pub fn parse(input: &str, today: Date) -> Result<Nik, NikError> {
        let s = strip_separators(strip_label(input));
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        if s.len() != 16 {
            return Err(NikError::Length { found: s.len() });
        }
        let province = two_digits(&s, 0);
        if !is_known_province(province) {
            return Err(NikError::Province { code: province });
        }
        // A resident who moved keeps the NIK of the kecamatan that issued it: any kecamatan
        // of the country is accepted here, the office's own or not (see `Request`), and so are
        // the codes of regencies renumbered since (`region::is_nik_district`).
        if !s.get(..6).is_some_and(crate::region::is_nik_district) {
            return Err(NikError::District);
        }
        resolve_birth_date(&s, today)?;
        if s.ends_with("0000") {
            return Err(NikError::Serial);
        }
        Ok(Nik(s))
    }

    /// The 16 digits, for storage only. Never log this; use [`Nik::masked`].
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits 1-2, e.g. `17` (Bengkulu).
    pub fn province_code(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    /// Digits 1-4, e.g. `1708` (Kabupaten Kepahiang).
    pub fn regency_code(&self) -> &str {
        self.0.get(..4).unwrap_or_default()
    }

    /// Digits 1-6, e.g. `170801` (Kecamatan Bermani Ilir).
    pub fn district_code(&self) -> &str {
        self.0.get(..6).unwrap_or_default()
    }

    /// Birth date under the century rule of the module docs. `None` only for a stored NIK
    /// whose date part is not valid relative to `today` (parsed NIKs always have one).
    pub fn birth_date(&self, today: Date) -> Option<Date> {
        resolve_birth_date(&self.0, today).ok()
    }

    pub fn sex(&self) -> Sex {
        if two_digits(&self.0, 6) > 40 {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// `1708********0001`: the only form allowed in logs and officer lists.
    pub fn masked(&self) -> String {
        mask16(&self.0)
    }
}

/// Applies the day, month, calendar and century rules to the `DDMMYY` digits.
fn resolve_birth_date(s: &str, today: Date) -> Result<Date, NikError> {
    let day = match two_digits(s, 6) {
        d @ 1..=31 => d,
        d @ 41..=71 => d - 40,
        _ => return Err(NikError::Day),
    };
    let month = Month::try_from(two_digits(s, 8)).map_err(|_| NikError::Month)?;
    let yy = i32::from(two_digits(s, 10));
    let candidates = [2000 + yy, 1900 + yy].map(|y| Date::from_calendar_date(y, month, day).ok());
    if candidates.iter().all(Option::is_none) {
        return Err(NikError::Date);
    }
    candidates
        .into_iter()
        .flatten()
        .find(|d| *d <= today)
        .ok_or(NikError::FutureDate)
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for Nik {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Nik {
    /// Stored data is trusted: only the shape (16 digits) is checked, not the date.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        if is_16_digits(&s) {
            Ok(Nik(s))
        } else {
            // The message deliberately omits the value.
            Err(serde::de::Error::custom("NIK must be 16 digits"))
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 28);

    fn parse(s: &str) -> Result<Nik, NikError> {
        Nik::parse(s, TODAY)
    }

    #[test]
    fn female_example() {
        let nik = parse("1708014508900001").unwrap();
        assert_eq!(nik.as_str(), "1708014508900001");
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.birth_date(TODAY), Some(date!(1990 - 08 - 05)));
        assert_eq!(nik.province_code(), "17");
        assert_eq!(nik.regency_code(), "1708");
        assert_eq!(nik.district_code(), "170801");
        assert_eq!(nik.masked(), "1708********0001");
    }

    #[test]
    fn male_example() {
        let nik = parse("1708010508900001").unwrap();
        assert_eq!(nik.sex(), Sex::Male);
        assert_eq!(nik.birth_date(TODAY), Some(date!(1990 - 08 - 05)));
    }

    #[test]
    fn day_boundaries() {
        assert!(parse("1708010101900001").is_ok());
        assert!(parse("1708013101900001").is_ok());
        assert!(parse("1708014101900001").is_ok());
        assert!(parse("1708017101900001").is_ok());
        for bad in ["00", "32", "40", "72", "99"] {
            assert_eq!(
                parse(&format!("170801{bad}01900001")),
                Err(NikError::Day),
                "{bad}"
            );
        }
    }

    #[test]
    fn separators_are_stripped() {
        let expected = parse("1708014508900001").unwrap();
        for input in [
            "1708 0145 0890 0001",
            "17.08.01.450890.0001",
            "17-08-01-450890-0001",
            "  1708014508900001\n",
            "17.08 01-45 08 90 0001",
            "1708-0145-0890-0001",
            "1708 – 0145 – 0890 – 0001",
            "NIK: 1708014508900001",
            "nik saya 1708 0145 0890 0001",
            "No. NIK 1708.0145.0890.0001",
            "NIK pemohon: 17-08-01-45-08-90-0001.",
            "1708014508900001 pak",
            "nik 1708014508900001 ya bu",
        ] {
            assert_eq!(parse(input), Ok(expected.clone()), "{input:?}");
        }
        // Other words around the number are still not a NIK.
        for input in [
            "kk 1708014508900001",
            "NIK anak 1708014508900001",
            "1708014508900001 dan 1708014508900002",
            "NIK: 1708O14508900001",
            "nik saya",
        ] {
            assert!(parse(input).is_err(), "{input:?}");
        }
        assert_eq!(parse("nik saya"), Err(NikError::NotDigits));
        assert_eq!(
            parse("NIK: 1708 0145 0890 001"),
            Err(NikError::Length { found: 15 })
        );
    }

    #[test]
    fn every_error_variant() {
        assert_eq!(
            parse("170801450890001"),
            Err(NikError::Length { found: 15 })
        );
        assert_eq!(
            parse("17080145089000012"),
            Err(NikError::Length { found: 17 })
        );
        assert_eq!(parse(""), Err(NikError::Length { found: 0 }));
        assert_eq!(parse("17080145089O0001"), Err(NikError::NotDigits));
        assert_eq!(parse("1708/01450890001"), Err(NikError::NotDigits));
        assert_eq!(
            parse("2008014508900001"),
            Err(NikError::Province { code: 20 })
        );
        assert_eq!(
            parse("1008014508900001"),
            Err(NikError::Province { code: 10 })
        );
        assert_eq!(
            parse("9708014508900001"),
            Err(NikError::Province { code: 97 })
        );
        // Digits 1-4 must be a regency or city of Indonesia (any, not only ours), digits 5-6 a
        // kecamatan: today's, or a code retired since the NIK was issued (accepted).
        assert_eq!(parse("1799014508900001"), Err(NikError::District));
        assert_eq!(parse("1708004508900001"), Err(NikError::District));
        assert_eq!(parse("1700014508900001"), Err(NikError::District));
        assert!(parse("1708994508900001").is_ok());
        assert_eq!(
            parse("3201404508900001").map(|n| n.regency_code().to_owned()),
            Ok("3201".into())
        );
        assert_eq!(
            parse("9101014508900001").map(|n| n.district_code().to_owned()),
            Ok("910101".into())
        );
        assert_eq!(NikError::District.part(), NikPart::District);
        assert_eq!(NikPart::District.positions(), Some((1, 6)));
        assert!(
            NikError::District
                .resident_message()
                .contains("angka ke-1 sampai ke-6")
        );
        assert_eq!(parse("1708013508900001"), Err(NikError::Day));
        assert_eq!(parse("1708010513900001"), Err(NikError::Month));
        assert_eq!(parse("1708010500900001"), Err(NikError::Month));
        assert_eq!(parse("1708013102900001"), Err(NikError::Date));
        assert_eq!(parse("1708017102900001"), Err(NikError::Date));
        assert_eq!(parse("1708013104900001"), Err(NikError::Date));
        assert_eq!(parse("1708014508900000"), Err(NikError::Serial));
        assert_eq!(
            Nik::parse("1708014508960001", date!(1995 - 01 - 01)),
            Err(NikError::FutureDate)
        );
    }

    #[test]
    fn parts_point_at_the_right_digits() {
        assert_eq!(NikError::Length { found: 3 }.part(), NikPart::Whole);
        assert_eq!(NikError::NotDigits.part(), NikPart::Whole);
        assert_eq!(NikError::Province { code: 1 }.part(), NikPart::Province);
        assert_eq!(NikError::Day.part(), NikPart::BirthDay);
        assert_eq!(NikError::Month.part(), NikPart::BirthMonth);
        assert_eq!(NikError::Date.part(), NikPart::BirthDate);
        assert_eq!(NikError::FutureDate.part(), NikPart::BirthDate);
        assert_eq!(NikError::Serial.part(), NikPart::Serial);
        assert_eq!(NikPart::Province.positions(), Some((1, 2)));
        assert_eq!(NikPart::Serial.positions(), Some((13, 16)));
        assert!(NikError::Serial.resident_message().contains("0000"));
    }

    #[test]
    fn every_known_province_is_accepted() {
        let known: Vec<u8> = (0..=99).filter(|c| is_known_province(*c)).collect();
        let expected: Vec<u8> = [11..=19, 21..=21, 31..=36, 51..=53, 61..=65, 71..=76]
            .into_iter()
            .chain([81..=82, 91..=96])
            .flatten()
            .collect();
        assert_eq!(known, expected);
        for code in known {
            let district = crate::region::district_codes()
                .find(|d| d.starts_with(&format!("{code:02}")))
                .unwrap();
            assert!(parse(&format!("{district}4508900001")).is_ok(), "{code}");
        }
    }

    #[test]
    fn century_disambiguation() {
        let born_1950 = parse("1708010101500001").unwrap();
        assert_eq!(born_1950.birth_date(TODAY), Some(date!(1950 - 01 - 01)));
        let born_2020 = parse("1708010101200001").unwrap();
        assert_eq!(born_2020.birth_date(TODAY), Some(date!(2020 - 01 - 01)));
        // Today itself is 20YY.
        let born_today = parse("1708012811260001").unwrap();
        assert_eq!(born_today.birth_date(TODAY), Some(TODAY));
        // Tomorrow in 2026 is not yet possible, so it is read as 1926.
        let tomorrow = parse("1708012911260001").unwrap();
        assert_eq!(tomorrow.birth_date(TODAY), Some(date!(1926 - 11 - 29)));
    }

    #[test]
    fn future_date_rejected() {
        let today = date!(1999 - 06 - 01);
        // 2000-01-01 and 1900-01-01: 2000 is future, so 1900.
        assert!(Nik::parse("1708010101000001", today).is_ok());
        // 29 Feb 00: 2000 is in the future and 1900 was not a leap year.
        assert_eq!(
            Nik::parse("1708012902000001", today),
            Err(NikError::FutureDate)
        );
        // Both 1999-06-02 and 2099-06-02 are after today.
        assert_eq!(
            Nik::parse("1708010206990001", today),
            Err(NikError::FutureDate)
        );
        assert!(Nik::parse("1708010106990001", today).is_ok());
    }

    #[test]
    fn leap_days() {
        assert_eq!(
            parse("1708012902040001").unwrap().birth_date(TODAY),
            Some(date!(2004 - 02 - 29))
        );
        assert_eq!(
            parse("1708016902880001").unwrap().birth_date(TODAY),
            Some(date!(1988 - 02 - 29))
        );
        // 2000 is a leap year (1900 is not, but 2000 wins).
        assert_eq!(
            parse("1708012902000001").unwrap().birth_date(TODAY),
            Some(date!(2000 - 02 - 29))
        );
        assert_eq!(parse("1708012902010001"), Err(NikError::Date));
        assert_eq!(parse("1708016902230001"), Err(NikError::Date));
    }

    #[test]
    fn debug_and_display_are_masked() {
        let nik = parse("1708014508900001").unwrap();
        let debug = format!("{nik:?}");
        let display = format!("{nik}");
        let pretty = format!("{:#?}", Some(&nik));
        for out in [&debug, &display, &pretty, &nik.masked()] {
            assert!(!out.contains("01450890"), "{out}");
            assert!(out.contains("1708********0001"), "{out}");
        }
    }

    #[test]
    fn serde_stores_full_digits_and_checks_shape_only() {
        let nik = parse("1708014508900001").unwrap();
        let json = serde_json::to_string(&nik).unwrap();
        assert_eq!(json, "\"1708014508900001\"");
        assert_eq!(serde_json::from_str::<Nik>(&json).unwrap(), nik);
        // No date check on stored data.
        assert!(serde_json::from_str::<Nik>("\"1708019999990000\"").is_ok());
        let err = serde_json::from_str::<Nik>("\"170801450890000\"").unwrap_err();
        assert!(!err.to_string().contains("170801"));
        assert!(serde_json::from_str::<Nik>("\"1708********0001\"").is_err());
        assert!(serde_json::from_str::<Nik>("17080145").is_err());
    }

    fn valid_nik() -> impl Strategy<Value = String> {
        (
            proptest::sample::select(crate::region::district_codes().collect::<Vec<_>>()),
            1u8..=28,
            any::<bool>(),
            1u8..=12,
            0u8..=99,
            1u16..10000,
        )
            .prop_map(|(ppkkcc, day, female, month, yy, serial)| {
                let dd = if female { day + 40 } else { day };
                format!("{ppkkcc}{dd:02}{month:02}{yy:02}{serial:04}")
            })
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Nik::parse(&s, TODAY);
        }

        #[test]
        fn sixteen_digits_parse_or_give_a_located_error(s in "[0-9]{16}") {
            match Nik::parse(&s, TODAY) {
                Ok(nik) => {
                    prop_assert_eq!(nik.as_str(), s.as_str());
                    let born = nik.birth_date(TODAY);
                    prop_assert!(born.is_some_and(|d| d <= TODAY));
                }
                Err(e) => {
                    let shape_error = matches!(e, NikError::Length { .. } | NikError::NotDigits);
                    prop_assert!(!shape_error);
                    prop_assert_ne!(e.part(), NikPart::Whole);
                }
            }
        }

        #[test]
        fn valid_niks_parse_and_mask(s in valid_nik()) {
            let nik = Nik::parse(&s, TODAY);
            prop_assert!(nik.is_ok(), "{:?}", nik);
            let nik = nik.unwrap();
            let masked = nik.masked();
            prop_assert_eq!(&masked[..4], &s[..4]);
            prop_assert_eq!(&masked[12..], &s[12..]);
            prop_assert_eq!(&masked[4..12], "********");
            prop_assert_eq!(format!("{nik}"), masked.clone());
            let debug = format!("{nik:?}");
            prop_assert!(!debug.contains(&s[4..12]));
            prop_assert!(Nik::parse(&masked, TODAY).is_err());
        }

        #[test]
        fn parsing_a_masked_string_always_fails(s in "[0-9]{4}\\*{8}[0-9]{4}") {
            prop_assert_eq!(Nik::parse(&s, TODAY), Err(NikError::NotDigits));
        }
    }
}
