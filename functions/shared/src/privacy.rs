//! Masking for anything that might reach a log line (SPEC section 8): phone numbers and user ids
//! keep a few characters so an operator can correlate, never enough to identify.

/// `6281234567890` → `6281*****7890`; short values are fully masked.
pub fn mask_phone(value: &str) -> String {
    mask_middle(value, 4, 4)
}

/// A WhatsApp message id for logs. Real wamids are base64 whose first part encodes the
/// sender's phone number (`wamid.HBgLNjI4MTIz…`), so only the message-specific tail is kept:
/// enough to find the record (`WAMID#…` ends with it), not enough to recover the number.
pub fn mask_wamid(wamid: &str) -> String {
    let tail: String = {
        let chars: Vec<char> = wamid.chars().collect();
        chars[chars.len().saturating_sub(16)..].iter().collect()
    };
    format!("…{tail}")
}

/// A stable stand-in for a WhatsApp message id where one is stored for good (audit event ids and
/// request ids, which outlive an erasure): `m-` and 24 hex digits of its SHA-256, the same for
/// every delivery of the message, without the number the wamid encodes.
pub fn wamid_ref(wamid: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(wamid.as_bytes());
    format!("m-{}", hex::encode(&digest[..12]))
}

/// Keeps `keep_start` leading and `keep_end` trailing characters, masks the rest with `*`.
pub fn mask_middle(value: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_start || i >= chars.len() - keep_end {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_middle() {
        assert_eq!(mask_phone("6281234567890"), "6281*****7890");
        assert_eq!(mask_middle("1708010508900001", 4, 4), "1708********0001");
    }

    #[test]
    fn wamids_keep_only_their_tail() {
        let real = "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFDNBMDhEMUU2QjlFNUE2RjBBQ0Q5AA==";
        let masked = mask_wamid(real);
        assert_eq!(masked, "…NUE2RjBBQ0Q5AA==");
        assert!(!masked.contains("NjI4MTIz"), "the encoded number is gone");
        assert_eq!(mask_wamid("wamid.X"), "…wamid.X");
    }

    #[test]
    fn short_values_are_fully_masked() {
        assert_eq!(mask_phone("12345678"), "********");
        assert_eq!(mask_phone(""), "");
    }
}
