//! Ticket ids, SPEC section 4: short, easy to read aloud and type on a phone.
//!
//! 8 symbols from a 32-symbol alphabet without 0/O and 1/I (40 bits), shown as `XXXX-XXXX`.
//! Uniqueness is the store's job (conditional write); the caller supplies the random bits and
//! retries with new bits on a collision.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The symbols, in value order (index = 5-bit value).
pub const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

const SYMBOLS: usize = 8;
const BITS: u32 = 40;
const MASK: u64 = (1 << BITS) - 1;

/// A ticket id, always canonical: 8 alphabet symbols with a dash in the middle.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId([u8; SYMBOLS + 1]);

/// Why a string is not a ticket id. Tickets are not personal data, so the symbol is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("a ticket has 8 symbols, found {found}")]
    Length { found: usize },
    #[error("{symbol:?} is not a ticket symbol")]
    InvalidSymbol { symbol: char },
}

fn symbol_value(c: char) -> Option<u8> {
    let upper = c.to_ascii_uppercase();
    ALPHABET
        .iter()
        .position(|&s| char::from(s) == upper)
        .and_then(|i| u8::try_from(i).ok())
}

impl TicketId {
    /// Builds a ticket from the low 40 bits of `bits` (higher bits are ignored). The caller
    /// supplies the randomness, e.g. `rand::random::<u64>()`.
    pub fn from_random(bits: u64) -> TicketId {
        let bits = bits & MASK;
        let mut out = [b'-'; SYMBOLS + 1];
        for i in 0..SYMBOLS {
            let shift = BITS - 5 * (i as u32 + 1);
            let value = ((bits >> shift) & 0x1f) as usize;
            let pos = if i < 4 { i } else { i + 1 };
            out[pos] = ALPHABET[value];
        }
        TicketId(out)
    }

    /// The 40-bit value this ticket encodes (inverse of [`TicketId::from_random`]).
    pub fn to_bits(&self) -> u64 {
        self.0
            .iter()
            .filter(|&&b| b != b'-')
            .filter_map(|&b| symbol_value(char::from(b)))
            .fold(0u64, |acc, v| (acc << 5) | u64::from(v))
    }

    /// Accepts what residents type: any case, spaces or no dash in the middle, and stray
    /// punctuation around it (`"#abcd efgh."`).
    pub fn parse(input: &str) -> Result<TicketId, TicketError> {
        let core = input.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let mut values = Vec::with_capacity(SYMBOLS);
        for c in core.chars() {
            if c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}') {
                continue;
            }
            match symbol_value(c) {
                Some(v) => values.push(v),
                None => return Err(TicketError::InvalidSymbol { symbol: c }),
            }
        }
        if values.len() != SYMBOLS {
            return Err(TicketError::Length {
                found: values.len(),
            });
        }
        let bits = values
            .iter()
            .fold(0u64, |acc, &v| (acc << 5) | u64::from(v));
        Ok(TicketId::from_random(bits))
    }

    /// Canonical `XXXX-XXXX`.
    pub fn as_str(&self) -> &str {
        // Always ASCII by construction, so the fallback is unreachable.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketId({})", self.as_str())
    }
}

impl FromStr for TicketId {
    type Err = TicketError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TicketId::parse(s)
    }
}

impl Serialize for TicketId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TicketId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        TicketId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn alphabet_has_no_confusable_symbols() {
        assert_eq!(ALPHABET.len(), 32);
        for bad in [b'0', b'O', b'1', b'I'] {
            assert!(!ALPHABET.contains(&bad));
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 32);
    }

    #[test]
    fn known_values() {
        assert_eq!(TicketId::from_random(0).as_str(), "2222-2222");
        assert_eq!(TicketId::from_random(MASK).as_str(), "ZZZZ-ZZZZ");
        assert_eq!(TicketId::from_random(u64::MAX).as_str(), "ZZZZ-ZZZZ");
        assert_eq!(TicketId::from_random(1).as_str(), "2222-2223");
        assert_eq!(TicketId::from_random(1 << 35).as_str(), "3222-2222");
    }

    #[test]
    fn lenient_parsing() {
        let t = TicketId::parse("ABCD-EFGH").unwrap();
        assert_eq!(t.as_str(), "ABCD-EFGH");
        for input in [
            "abcd-efgh",
            "ABCDEFGH",
            "abcd efgh",
            " #ABCD-EFGH. ",
            "(abcd-efgh)",
            "\"AbCd EfGh\"!",
            "ABCD\u{2013}EFGH",
            "A B C D E F G H",
        ] {
            assert_eq!(TicketId::parse(input), Ok(t), "{input:?}");
        }
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            TicketId::parse("ABCD-EFG0"),
            Err(TicketError::InvalidSymbol { symbol: '0' })
        );
        assert_eq!(
            TicketId::parse("ABCD-EFGI"),
            Err(TicketError::InvalidSymbol { symbol: 'I' })
        );
        assert_eq!(
            TicketId::parse("ABCD-EFG"),
            Err(TicketError::Length { found: 7 })
        );
        assert_eq!(
            TicketId::parse("ABCD-EFGHJ"),
            Err(TicketError::Length { found: 9 })
        );
        assert_eq!(TicketId::parse(""), Err(TicketError::Length { found: 0 }));
        assert_eq!(
            TicketId::parse("--."),
            Err(TicketError::Length { found: 0 })
        );
        assert_eq!(
            TicketId::parse("AB.CD-EFGH"),
            Err(TicketError::InvalidSymbol { symbol: '.' })
        );
    }

    #[test]
    fn serde_uses_canonical_string() {
        let t = TicketId::parse("abcd efgh").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"ABCD-EFGH\"");
        assert_eq!(
            serde_json::from_str::<TicketId>("\"ABCD-EFGH\"").unwrap(),
            t
        );
        assert!(serde_json::from_str::<TicketId>("\"ABCD-EFG0\"").is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(bits in any::<u64>()) {
            let t = TicketId::from_random(bits);
            prop_assert_eq!(TicketId::parse(&t.to_string()), Ok(t));
            prop_assert_eq!(TicketId::parse(&t.as_str().to_lowercase()), Ok(t));
            prop_assert_eq!(TicketId::parse(&t.as_str().replace('-', "")), Ok(t));
            prop_assert_eq!(t.to_bits(), bits & MASK);
        }

        #[test]
        fn from_random_uses_only_the_alphabet(bits in any::<u64>()) {
            let t = TicketId::from_random(bits);
            let s = t.as_str();
            prop_assert_eq!(s.len(), 9);
            prop_assert_eq!(s.as_bytes()[4], b'-');
            for (i, b) in s.bytes().enumerate() {
                if i != 4 {
                    prop_assert!(ALPHABET.contains(&b));
                    prop_assert!(!matches!(b, b'0' | b'O' | b'1' | b'I'));
                }
            }
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(t) = TicketId::parse(&s) {
                prop_assert_eq!(TicketId::parse(t.as_str()), Ok(t));
            }
        }
    }
}
