//! The audit archive (issue #17): a copy of every audit event, written once to a bucket under
//! S3 Object Lock (governance mode) that no function role may delete, so the office can prove
//! who read or changed what even if the table's events were tampered with.
//!
//! The copy is made from the table's stream by the documents function. It carries no personal
//! data that an erasure (UU PDP) would have to remove, because a locked object cannot be
//! rewritten: the officer's subject, role, action, statuses and time are kept, and an officer's
//! source IP and API request id; a resident actor becomes [`RESIDENT_ACTOR`]; free-text notes
//! are dropped; the event id is replaced by its SHA-256, and the request id of any event not an
//! officer's is dropped (the webhook's are the WhatsApp message id, which encodes the phone
//! number). Everything here is pure: the adapter is `objects::S3AuditArchive`.

use crate::ports::AuditEvent;
use crate::store::keys;
use domain::TicketId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Every archived object is under this prefix (the only one the documents role may write).
pub const ARCHIVE_PREFIX: &str = "audit/";
/// What stands for a resident who acted (their key is personal data).
pub const RESIDENT_ACTOR: &str = "resident";

/// One audit event as archived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedAuditEvent {
    pub ticket: TicketId,
    /// Hex SHA-256 of the table event's id: an auditor links the two by hashing the table's.
    pub event_ref: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The officer's subject, `system`-kind actors as they are, or [`RESIDENT_ACTOR`].
    pub actor: String,
    pub role: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_status: Option<String>,
    /// The officer's address (never a resident's: residents reach us through Meta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// The officer's API request id; absent for everyone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Whether an actor names a resident: the role says so, or the actor is a resident key
/// (`wa:<phone>`, `user:<id>`), as the webhook writes it.
fn is_resident(event: &AuditEvent) -> bool {
    event.role == "resident" || domain::ResidentId::parse_key(&event.actor).is_ok()
}

impl ArchivedAuditEvent {
    /// The archived form of `event`, without what identifies a resident.
    pub fn of(event: &AuditEvent) -> Self {
        let resident = is_resident(event);
        let officer = !resident && event.by_officer();
        Self {
            ticket: event.ticket,
            event_ref: hex::encode(Sha256::digest(event.event_id.as_bytes())),
            at: event.at,
            actor: if resident {
                RESIDENT_ACTOR.to_owned()
            } else {
                event.actor.clone()
            },
            role: event.role.clone(),
            action: event.action.clone(),
            from_status: event.from_status.clone(),
            to_status: event.to_status.clone(),
            source_ip: event.source_ip.clone().filter(|_| officer),
            request_id: event.request_id.clone().filter(|_| officer),
        }
    }

    /// `audit/<ticket>/<time>-<event ref>.json`: a function of the table item's key, so a
    /// redelivered stream record names the same object (written once: `If-None-Match: *`), and
    /// listing a ticket's prefix reads its events in time order.
    pub fn key(&self) -> String {
        format!(
            "{ARCHIVE_PREFIX}{}/{}-{}.json",
            self.ticket.as_str(),
            keys::sortable_time(self.at),
            self.event_ref
        )
    }

    pub fn to_json(&self) -> Vec<u8> {
        // A struct of strings serializes infallibly.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn event(actor: &str, role: &str) -> AuditEvent {
        AuditEvent {
            ticket: TicketId::parse("ABCD-EFGH").unwrap(),
            event_id: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA.0".into(),
            at: datetime!(2026-11-28 09:05:01.5 UTC),
            actor: actor.into(),
            role: role.into(),
            action: "submitted".into(),
            from_status: Some("DRAFT".into()),
            to_status: Some("SUBMITTED".into()),
            note: Some("Bapak Budi, 081234567890".into()),
            source_ip: Some("203.0.113.9".into()),
            request_id: Some("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA".into()),
        }
    }

    #[test]
    fn a_resident_actor_its_note_and_address_are_not_archived() {
        for (actor, role) in [
            ("wa:6281234567890", "resident"),
            ("wa:6281234567890", "system"),
            ("user:abc", "resident"),
            ("someone", "resident"),
        ] {
            let archived = ArchivedAuditEvent::of(&event(actor, role));
            let json = String::from_utf8(archived.to_json()).unwrap();
            assert_eq!(archived.actor, RESIDENT_ACTOR, "{actor} {role}");
            assert_eq!((archived.source_ip, archived.request_id), (None, None));
            for personal in ["6281234567890", "Budi", "081234567890", "wamid", "HBgN"] {
                assert!(!json.contains(personal), "{personal} in {json}");
            }
            assert!(json.contains("\"action\":\"submitted\""), "{json}");
        }
    }

    /// The webhook's number-change event is the system's, with the wamid as its request id.
    #[test]
    fn a_system_event_keeps_no_request_id() {
        let archived = ArchivedAuditEvent::of(&event("system", "system"));
        assert_eq!(archived.actor, "system");
        assert_eq!((archived.source_ip, archived.request_id), (None, None));
    }

    #[test]
    fn an_officer_event_keeps_who_where_and_when() {
        let mut officer = event("officer-7", "petugas");
        officer.request_id = Some("req-1".into());
        let archived = ArchivedAuditEvent::of(&officer);
        assert_eq!(archived.actor, "officer-7");
        assert_eq!(archived.role, "petugas");
        assert_eq!(archived.source_ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(archived.request_id.as_deref(), Some("req-1"));
        assert_eq!(archived.to_status.as_deref(), Some("SUBMITTED"));
        let back: ArchivedAuditEvent = serde_json::from_slice(&archived.to_json()).unwrap();
        assert_eq!(back, archived);
    }

    #[test]
    fn the_key_is_the_same_for_the_same_event_and_differs_between_events() {
        // (The key holds no request id or actor: only the ticket, the time and the event's hash.)
        let one = ArchivedAuditEvent::of(&event("officer-7", "petugas"));
        let again = ArchivedAuditEvent::of(&event("officer-7", "petugas"));
        assert_eq!(one.key(), again.key());
        assert!(
            one.key()
                .starts_with("audit/ABCD-EFGH/2026-11-28T09:05:01.500000Z-"),
            "{}",
            one.key()
        );
        assert!(one.key().ends_with(".json"));
        let mut other = event("officer-7", "petugas");
        other.event_id.push('1');
        assert_ne!(ArchivedAuditEvent::of(&other).key(), one.key());
    }
}
