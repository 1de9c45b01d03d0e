//! Queue cursors: opaque to the officer app, tamper-evident (HMAC-SHA256), and bound to the query
//! they continue, so a cursor cannot be replayed against other filters.
//!
//! The key is derived from the WhatsApp app secret the function already holds, so no extra secret
//! has to be provisioned; rotating that secret only invalidates open cursors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use shared::ports::officer::QueuePosition;

type HmacSha256 = Hmac<Sha256>;
/// Truncated MAC: 128 bits is plenty to detect tampering and keeps cursors short.
const MAC_BYTES: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Fingerprint of the query (status, order, filters) the cursor continues.
    pub query: String,
    pub position: QueuePosition,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor")]
pub struct CursorError;

pub fn derive_key(data_key: &str) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(data_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"status-queue-cursor-v1");
    mac.finalize().into_bytes().to_vec()
}

fn mac(key: &[u8], payload: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(payload.as_bytes());
    mac
}

pub fn encode(key: &[u8], cursor: &Cursor) -> String {
    let json = serde_json::to_vec(cursor).unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(json);
    let tag = mac(key, &payload).finalize().into_bytes();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&tag[..MAC_BYTES]))
}

pub fn decode(key: &[u8], raw: &str) -> Result<Cursor, CursorError> {
    let (payload, tag) = raw.split_once('.').ok_or(CursorError)?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| CursorError)?;
    mac(key, payload)
        .verify_truncated_left(&tag)
        .map_err(|_| CursorError)?;
    if tag.len() != MAC_BYTES {
        return Err(CursorError);
    }
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| CursorError)?;
    serde_json::from_slice(&json).map_err(|_| CursorError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::TicketId;

    fn cursor() -> Cursor {
        Cursor {
            query: "SUBMITTED|oldest".into(),
            position: QueuePosition {
                sort_key: "2026-11-28T02:00:00.000000Z#ABCD-EFGH".into(),
                ticket: TicketId::parse("ABCD-EFGH").unwrap(),
            },
        }
    }

    #[test]
    fn round_trips_and_refuses_tampering() {
        let key = derive_key("secret");
        let raw = encode(&key, &cursor());
        assert_eq!(decode(&key, &raw), Ok(cursor()));
        assert_eq!(decode(&derive_key("other"), &raw), Err(CursorError));
        let (payload, tag) = raw.split_once('.').unwrap();
        let mut forged = cursor();
        forged.position.sort_key = "0".into();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            decode(&key, &format!("{forged_payload}.{tag}")),
            Err(CursorError)
        );
        assert_eq!(decode(&key, payload), Err(CursorError));
        assert_eq!(decode(&key, &format!("{payload}.")), Err(CursorError));
        assert_eq!(decode(&key, "garbage"), Err(CursorError));
    }
}
