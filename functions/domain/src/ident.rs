//! Helpers shared by the 16-digit identifiers (NIK and KK number).

/// Removes the separators residents commonly type or paste inside a number
/// (spaces of any kind, dots, dashes). Anything else is kept so the caller can reject it.
pub(crate) fn strip_separators(input: &str) -> String {
    input
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-' | '\u{2010}'..='\u{2015}')))
        .collect()
}

/// Masks a 16-digit identifier as `PPKK********SSSS`, the only form allowed in logs (SPEC 8).
/// Works on any string so it can never panic; shorter strings are fully masked.
pub(crate) fn mask16(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    if chars.len() != 16 {
        return "*".repeat(chars.len());
    }
    let mut out = String::with_capacity(16);
    out.extend(&chars[..4]);
    out.push_str("********");
    out.extend(&chars[12..]);
    out
}

/// True when `s` is exactly 16 ASCII digits.
pub(crate) fn is_16_digits(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Value of two ASCII digits at `at` (caller guarantees they are digits).
pub(crate) fn two_digits(s: &str, at: usize) -> u8 {
    let b = s.as_bytes();
    match (b.get(at), b.get(at + 1)) {
        (Some(h), Some(l)) => h
            .wrapping_sub(b'0')
            .wrapping_mul(10)
            .wrapping_add(l.wrapping_sub(b'0')),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_common_separators() {
        assert_eq!(
            strip_separators(" 17.08-01\t45 08\u{a0}90 0001 "),
            "1708014508900001"
        );
        assert_eq!(strip_separators("17a8"), "17a8");
    }

    #[test]
    fn masks_only_well_formed_values() {
        assert_eq!(mask16("1708014508900001"), "1708********0001");
        assert_eq!(mask16("123"), "***");
    }
}
