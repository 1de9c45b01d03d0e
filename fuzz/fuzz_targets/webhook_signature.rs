//! `webhook::signature::verify` (the `X-Hub-Signature-256` check) against an independent oracle.
//!
//! For arbitrary (secret, body, header):
//! - `verify` never panics;
//! - its verdict equals the oracle's: `Missing` without a header; `Malformed` unless the trimmed
//!   header is `sha256=` followed by an even number of hex digits; otherwise `Ok` exactly when
//!   those bytes are HMAC-SHA256(secret, body), else `Mismatch`.
//!
//! For the correct header of (secret, body), computed here with `hmac` directly:
//! - it verifies, also with surrounding whitespace or upper-case hex (`verify` trims and
//!   `hex::decode` accepts both cases), and `signature::sign` produces exactly it;
//! - any single-byte change to the body fails (`Mismatch`);
//! - any single-byte change to the header fails, unless it only changes the case of a hex digit
//!   (the same digest) — a change that is not valid UTF-8 cannot reach `verify` as a header;
//! - dropping or appending a byte of the body, or flipping a byte of the secret, fails.

#![no_main]

use arbitrary::Arbitrary;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use webhook::signature::{SignatureError, sign, verify};

#[derive(Arbitrary, Debug)]
struct Case {
    secret: Vec<u8>,
    body: Vec<u8>,
    /// A header as an attacker could send it.
    header: Option<String>,
    /// Where to change one byte of the body, the header and the secret, and with what.
    body_at: usize,
    header_at: usize,
    secret_at: usize,
    xor: u8,
    upper: bool,
    padding: Padding,
}

#[derive(Arbitrary, Debug)]
enum Padding {
    None,
    Spaces,
    Tabs,
    Newline,
}

fn mac(secret: &[u8], body: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// What `verify` must answer, derived from the header text alone.
fn oracle(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let Some(header) = header else {
        return Err(SignatureError::Missing);
    };
    let Some(digits) = header.trim().strip_prefix("sha256=") else {
        return Err(SignatureError::Malformed);
    };
    if digits.len() % 2 != 0 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SignatureError::Malformed);
    }
    let bytes: Vec<u8> = digits
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).expect("ascii");
            u8::from_str_radix(s, 16).expect("hex digits")
        })
        .collect();
    if bytes == mac(secret, body) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fuzz_target!(|case: Case| {
    let Case {
        secret,
        body,
        header,
        body_at,
        header_at,
        secret_at,
        xor,
        upper,
        padding,
    } = case;
    let xor = xor.max(1);

    // Arbitrary header: never panics, and agrees with the oracle.
    assert_eq!(
        verify(&secret, &body, header.as_deref()),
        oracle(&secret, &body, header.as_deref()),
        "header {header:?}"
    );

    // The correct header.
    let digest = mac(&secret, &body);
    let good = format!("sha256={}", hex::encode(digest));
    assert_eq!(sign(&secret, &body), good);
    assert_eq!(verify(&secret, &body, Some(&good)), Ok(()));
    let mut variant = if upper {
        format!("sha256={}", hex::encode_upper(digest))
    } else {
        good.clone()
    };
    variant = match padding {
        Padding::None => variant,
        Padding::Spaces => format!("  {variant}  "),
        Padding::Tabs => format!("\t{variant}\t"),
        Padding::Newline => format!("{variant}\r\n"),
    };
    assert_eq!(verify(&secret, &body, Some(&variant)), Ok(()), "{variant:?}");

    // One byte of the body changed.
    if !body.is_empty() {
        let mut tampered = body.clone();
        tampered[body_at % body.len()] ^= xor;
        assert_eq!(
            verify(&secret, &tampered, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&secret, &body[..body.len() - 1], Some(&good)),
            Err(SignatureError::Mismatch)
        );
    }
    let mut longer = body.clone();
    longer.push(xor);
    assert_eq!(
        verify(&secret, &longer, Some(&good)),
        Err(SignatureError::Mismatch)
    );

    // One byte of the header changed.
    let mut bytes = good.clone().into_bytes();
    let at = header_at % bytes.len();
    let original = bytes[at];
    bytes[at] ^= xor;
    if let Ok(tampered) = String::from_utf8(bytes) {
        let changed = tampered.as_bytes()[at];
        let case_only = at >= "sha256=".len()
            && original.is_ascii_alphabetic()
            && changed.eq_ignore_ascii_case(&original);
        let verdict = verify(&secret, &body, Some(&tampered));
        if case_only {
            assert_eq!(verdict, Ok(()), "{tampered:?}");
        } else {
            assert!(verdict.is_err(), "tampered header accepted: {tampered:?}");
        }
    }

    // One byte of the secret changed. (Keys are zero-padded to the block size, so appending a
    // zero byte would NOT change the MAC; flipping a byte always does.)
    if !secret.is_empty() {
        let mut other = secret.clone();
        other[secret_at % secret.len()] ^= xor;
        assert_eq!(
            verify(&other, &body, Some(&good)),
            Err(SignatureError::Mismatch)
        );
    }
});
