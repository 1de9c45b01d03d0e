//! Kartu Keluarga number, SPEC section 4: 16 digits, the first 6 a region code.
//!
//! It is stored per request (it changes when families change), never as a permanent attribute
//! of a person. Like the NIK it is protected personal data, so `Debug`/`Display` are masked.
//!
//! Rules, kept deliberately loose so a real number is never refused: 16 digits after removing
//! spaces, dots and dashes; the first 2 digits a known province code; the 10 digits after the
//! region code not all zero. The rest of the region code and the date-like middle are not checked
//! (their layout is not reliable enough to reject on).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ident::{is_16_digits, mask16, strip_separators, two_digits};
use crate::nik::is_known_province;

/// A validated KK number: exactly 16 ASCII digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KkNumber(String);

/// Why a KK number was rejected. Never carries the number itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KkError {
    #[error("KK number must have 16 digits, found {found}")]
    Length { found: usize },
    #[error("KK number may contain only digits (and spaces, dots or dashes)")]
    NotDigits,
    #[error("unknown province code {code:02}")]
    Province { code: u8 },
    #[error("KK number must not end in ten zeros")]
    ZeroTail,
}

impl KkError {
    /// A short Bahasa explanation for the resident.
    pub fn resident_message(&self) -> String {
        match self {
            KkError::Length { found } => {
                format!("Nomor KK harus 16 angka, sedangkan yang Bapak/Ibu kirim {found} angka.")
            }
            KkError::NotDigits => "Nomor KK hanya boleh berisi angka.".to_owned(),
            KkError::Province { .. } => {
                "Kode wilayah pada nomor KK (angka ke-1 dan ke-2) tidak dikenal.".to_owned()
            }
            KkError::ZeroTail => {
                "Nomor KK tidak valid: 10 angka terakhir tidak boleh semuanya 0.".to_owned()
            }
        }
    }
}

impl KkNumber {
    /// Validates resident input (spaces, dots and dashes are ignored).
    pub fn parse(input: &str) -> Result<KkNumber, KkError> {
        let s = strip_separators(input);
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(KkError::NotDigits);
        }
        if s.len() != 16 {
            return Err(KkError::Length { found: s.len() });
        }
        let province = two_digits(&s, 0);
        if !is_known_province(province) {
            return Err(KkError::Province { code: province });
        }
        if s.bytes().skip(6).all(|b| b == b'0') {
            return Err(KkError::ZeroTail);
        }
        Ok(KkNumber(s))
    }

    /// The 16 digits, for storage only. Never log this; use [`KkNumber::masked`].
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits 1-2.
    pub fn province_code(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    /// Digits 1-6.
    pub fn region_code(&self) -> &str {
        self.0.get(..6).unwrap_or_default()
    }

    /// `1708********0001`.
    pub fn masked(&self) -> String {
        mask16(&self.0)
    }
}

impl fmt::Debug for KkNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KkNumber({})", self.masked())
    }
}

impl fmt::Display for KkNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for KkNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KkNumber {
    /// Stored data is trusted: only the shape (16 digits) is checked.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        if is_16_digits(&s) {
            Ok(KkNumber(s))
        } else {
            Err(serde::de::Error::custom("KK number must be 16 digits"))
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn valid_number() {
        let kk = KkNumber::parse("1708.0123-0415 0003").unwrap();
        assert_eq!(kk.as_str(), "1708012304150003");
        assert_eq!(kk.province_code(), "17");
        assert_eq!(kk.region_code(), "170801");
        assert_eq!(kk.masked(), "1708********0003");
        assert_eq!(format!("{kk}"), "1708********0003");
        assert_eq!(format!("{kk:?}"), "KkNumber(1708********0003)");
    }

    #[test]
    fn errors() {
        assert_eq!(
            KkNumber::parse("170801230415000"),
            Err(KkError::Length { found: 15 })
        );
        assert_eq!(KkNumber::parse("17080123041500x3"), Err(KkError::NotDigits));
        assert_eq!(
            KkNumber::parse("9908012304150003"),
            Err(KkError::Province { code: 99 })
        );
        assert_eq!(KkNumber::parse("1708010000000000"), Err(KkError::ZeroTail));
        assert!(KkNumber::parse("1708010000000001").is_ok());
        assert!(!KkError::ZeroTail.resident_message().is_empty());
    }

    #[test]
    fn serde_round_trip() {
        let kk = KkNumber::parse("1708012304150003").unwrap();
        let json = serde_json::to_string(&kk).unwrap();
        assert_eq!(json, "\"1708012304150003\"");
        assert_eq!(serde_json::from_str::<KkNumber>(&json).unwrap(), kk);
        assert!(serde_json::from_str::<KkNumber>("\"1708********0003\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = KkNumber::parse(&s);
        }

        #[test]
        fn masked_never_parses_and_hides_the_middle(s in "1[1-9][0-9]{14}") {
            if let Ok(kk) = KkNumber::parse(&s) {
                prop_assert!(KkNumber::parse(&kk.masked()).is_err());
                let debug = format!("{kk:?}");
                prop_assert!(!debug.contains(&s[4..12]));
            }
        }
    }
}
