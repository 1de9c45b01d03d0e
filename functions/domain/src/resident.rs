//! Who a resident is on WhatsApp. Most residents have a phone number (`wa_id`); since 2026 users
//! with a username may have none, and are keyed and addressed by their `user_id` (SPEC 6).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ResidentId {
    /// WhatsApp id: the phone number in international form without `+`.
    Phone(String),
    /// Business-scoped user id, for senders without a phone number.
    User(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a resident key: expected `wa:<digits>` or `user:<id>`")]
pub struct ResidentKeyError;

impl ResidentId {
    /// Chooses the key for a sender: the phone number when WhatsApp gives one, else the user id.
    pub fn from_sender(wa_id: Option<&str>, user_id: Option<&str>) -> Option<Self> {
        match (wa_id.map(str::trim), user_id.map(str::trim)) {
            (Some(phone), _) if !phone.is_empty() && phone.bytes().all(|b| b.is_ascii_digit()) => {
                Some(Self::Phone(phone.to_owned()))
            }
            (_, Some(user)) if !user.is_empty() => Some(Self::User(user.to_owned())),
            _ => None,
        }
    }

    /// Stable storage key: `wa:6281234567890` or `user:ID.1122…`.
    pub fn key(&self) -> String {
        match self {
            Self::Phone(p) => format!("wa:{p}"),
            Self::User(u) => format!("user:{u}"),
        }
    }

    pub fn parse_key(key: &str) -> Result<Self, ResidentKeyError> {
        if let Some(phone) = key.strip_prefix("wa:")
            && !phone.is_empty()
            && phone.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(Self::Phone(phone.to_owned()));
        }
        if let Some(user) = key.strip_prefix("user:")
            && !user.is_empty()
        {
            return Ok(Self::User(user.to_owned()));
        }
        Err(ResidentKeyError)
    }

    /// Masked for logs: `wa:6281*****7890`.
    pub fn masked(&self) -> String {
        let (prefix, raw) = match self {
            Self::Phone(p) => ("wa:", p),
            Self::User(u) => ("user:", u),
        };
        let chars: Vec<char> = raw.chars().collect();
        let keep = if chars.len() > 8 { 4 } else { 0 };
        let masked: String = chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < keep || i + keep >= chars.len() && keep > 0 {
                    *c
                } else {
                    '*'
                }
            })
            .collect();
        format!("{prefix}{masked}")
    }
}

impl TryFrom<String> for ResidentId {
    type Error = ResidentKeyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_key(&value)
    }
}

impl From<ResidentId> for String {
    fn from(value: ResidentId) -> Self {
        value.key()
    }
}

/// Debug and Display mask: a phone number must never reach a log line in clear (SPEC 8).
impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_wins_over_user_id() {
        assert_eq!(
            ResidentId::from_sender(Some("6281234567890"), Some("ID.1")),
            Some(ResidentId::Phone("6281234567890".into()))
        );
        assert_eq!(
            ResidentId::from_sender(Some(""), Some("ID.1")),
            Some(ResidentId::User("ID.1".into()))
        );
        assert_eq!(
            ResidentId::from_sender(None, Some("ID.1")),
            Some(ResidentId::User("ID.1".into()))
        );
        assert_eq!(ResidentId::from_sender(None, None), None);
        assert_eq!(ResidentId::from_sender(Some("+62"), None), None);
    }

    #[test]
    fn key_round_trips() {
        for id in [
            ResidentId::Phone("6281234567890".into()),
            ResidentId::User("ID.11223344556677889900".into()),
        ] {
            assert_eq!(ResidentId::parse_key(&id.key()), Ok(id));
        }
        assert!(ResidentId::parse_key("wa:").is_err());
        assert!(ResidentId::parse_key("wa:12ab").is_err());
        assert!(ResidentId::parse_key("6281").is_err());
    }

    #[test]
    fn debug_is_masked() {
        let id = ResidentId::Phone("6281234567890".into());
        assert_eq!(format!("{id:?}"), "wa:6281*****7890");
        assert!(!format!("{id}").contains("12345"));
        assert_eq!(ResidentId::Phone("62812".into()).masked(), "wa:*****");
    }
}
