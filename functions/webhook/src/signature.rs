//! `X-Hub-Signature-256` verification: HMAC-SHA256 of the exact bytes received, keyed with the
//! app secret, compared in constant time (SPEC 6).

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature header missing")]
    Missing,
    #[error("signature header malformed")]
    Malformed,
    #[error("signature does not match the body")]
    Mismatch,
}

/// Checks a `sha256=<hex>` header value against `body`.
pub fn verify(app_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_digest = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret).map_err(|_| SignatureError::Malformed)?;
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// `sha256=<lowercase hex>` for `body` (tests, the chat simulator, benchmarks).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_own_signature_and_rejects_tampering() {
        let body = br#"{"object":"whatsapp_business_account","x":"\u00e9"}"#;
        let header = sign(b"secret", body);
        assert_eq!(verify(b"secret", body, Some(&header)), Ok(()));
        assert_eq!(
            verify(b"other", body, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        let mut tampered = body.to_vec();
        tampered[3] ^= 1;
        assert_eq!(
            verify(b"secret", &tampered, Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn known_vector() {
        // echo -n 'abc' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign(b"key", b"abc"),
            "sha256=9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab"
        );
    }

    #[test]
    fn malformed_headers() {
        assert_eq!(verify(b"k", b"", None), Err(SignatureError::Missing));
        assert_eq!(
            verify(b"k", b"", Some("md5=abc")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"k", b"", Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"k", b"", Some("sha256=00")),
            Err(SignatureError::Mismatch)
        );
    }
}
