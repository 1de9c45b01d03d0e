//! The WhatsApp Cloud API webhook body (SPEC 6). Every list is iterated: one POST may batch many
//! entries, changes, messages and statuses. Fields the service does not use yet are kept as raw
//! JSON rather than dropped, so nothing Meta sends is lost when it is recorded.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub field: String,
    /// Parsed as [`MessagesValue`] only when `field == "messages"`.
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessagesValue {
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// One malformed item must not drop its neighbours: items are parsed one by one.
    #[serde(default, deserialize_with = "lenient")]
    pub messages: Vec<Message>,
    #[serde(default, deserialize_with = "lenient")]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub errors: Vec<Value>,
}

/// A delivery update of a message we sent.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    /// The outbound message's id.
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub recipient_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<StatusError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusError {
    #[serde(default)]
    pub code: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub display_phone_number: Option<String>,
    #[serde(default)]
    pub phone_number_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    #[serde(default)]
    pub profile: Option<Profile>,
    #[serde(default)]
    pub wa_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    pub id: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub from_user_id: Option<String>,
    /// Unix seconds, as a string.
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<Text>,
    #[serde(default)]
    pub interactive: Option<Interactive>,
    #[serde(default)]
    pub button: Option<Button>,
    #[serde(default)]
    pub image: Option<Media>,
    #[serde(default)]
    pub document: Option<Media>,
    /// A voice note or audio file.
    #[serde(default)]
    pub audio: Option<Media>,
    #[serde(default)]
    pub system: Option<System>,
    /// Set when the resident replied to (quoted) a message: its id is one of ours for a reply to
    /// a notification.
    #[serde(default)]
    pub context: Option<Context>,
}

/// The message a reply quotes.
#[derive(Debug, Clone, Deserialize)]
pub struct Context {
    #[serde(default)]
    pub id: Option<String>,
}

/// An image or document: what the documents function needs to fetch and verify it.
#[derive(Debug, Clone, Deserialize)]
pub struct Media {
    pub id: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Base64 SHA-256 of the file.
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
}

/// `system` messages, e.g. a resident changed their number.
#[derive(Debug, Clone, Deserialize)]
pub struct System {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The new WhatsApp id after `user_changed_number`.
    #[serde(default)]
    pub wa_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Text {
    pub body: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Interactive {
    #[serde(default)]
    pub button_reply: Option<ReplyChoice>,
    #[serde(default)]
    pub list_reply: Option<ReplyChoice>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReplyChoice {
    pub id: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Button {
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("not a WhatsApp Business Account webhook")]
    NotWhatsApp,
}

/// A list whose unreadable items are skipped (and counted in the log) instead of failing the
/// whole list.
fn lenient<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let raw: Vec<Value> = Vec::deserialize(deserializer)?;
    let total = raw.len();
    let items: Vec<T> = raw
        .into_iter()
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect();
    if items.len() < total {
        tracing::warn!(
            skipped = total - items.len(),
            "unreadable webhook items skipped"
        );
    }
    Ok(items)
}

pub fn parse(body: &[u8]) -> Result<Envelope, EnvelopeError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(EnvelopeError::NotJson)?;
    if envelope.object != "whatsapp_business_account" {
        return Err(EnvelopeError::NotWhatsApp);
    }
    Ok(envelope)
}

impl Message {
    pub fn unix_time(&self) -> Option<i64> {
        self.timestamp.as_deref()?.trim().parse().ok()
    }
}

impl MessagesValue {
    /// The contact entry describing the sender of `message` (matched on wa_id or user id).
    pub fn contact_for(&self, message: &Message) -> Option<&Contact> {
        self.contacts.iter().find(|c| {
            (message.from.is_some() && c.wa_id == message.from)
                || (message.from_user_id.is_some() && c.user_id == message.from_user_id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/whatsapp");

    #[test]
    fn every_fixture_parses_with_all_its_items() {
        let mut messages = 0;
        let mut statuses = 0;
        for entry in std::fs::read_dir(FIXTURES).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            let envelope = parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for change in envelope.entry.iter().flat_map(|e| &e.changes) {
                let value: MessagesValue = serde_json::from_value(change.value.clone())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                messages += value.messages.len();
                statuses += value.statuses.len();
                for m in &value.messages {
                    let _ = crate::inbound::inbound(m);
                }
            }
        }
        // 17 fixtures with one message each, batch.json with two; statuses.json (3),
        // status_failed.json (1) and batch.json (1).
        assert_eq!((messages, statuses), (17, 5));
    }

    #[test]
    fn a_malformed_item_does_not_drop_its_neighbours() {
        let value: MessagesValue = serde_json::from_value(serde_json::json!({
            "messages": [
                { "from": "628", "type": "text" },
                { "from": "628", "id": "wamid.OK", "type": "text", "text": { "body": "menu" } }
            ],
            "statuses": [ { "status": "read" }, { "id": "wamid.OUT1", "status": "sent" } ]
        }))
        .expect("value");
        assert_eq!(value.messages.len(), 1);
        assert_eq!(value.messages[0].id, "wamid.OK");
        assert_eq!(value.statuses.len(), 1);
    }

    #[test]
    fn media_fields_are_kept() {
        let bytes = std::fs::read(format!("{FIXTURES}/document.json")).expect("fixture");
        let envelope = parse(&bytes).expect("parses");
        let value: MessagesValue =
            serde_json::from_value(envelope.entry[0].changes[0].value.clone()).expect("value");
        let document = value.messages[0].document.as_ref().expect("document");
        assert_eq!(document.filename.as_deref(), Some("buku nikah.pdf"));
        assert_eq!(document.caption.as_deref(), Some("Surat nikah"));
        assert_eq!(
            document.sha256.as_deref(),
            Some("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn arbitrary_envelopes_never_panic(
            kind in "[a-z_]{0,12}",
            body in ".{0,40}",
            from in proptest::option::of("[0-9+ ]{0,16}"),
            id in ".{0,20}",
        ) {
            let raw = serde_json::json!({
                "object": "whatsapp_business_account",
                "entry": [{ "changes": [{ "field": "messages", "value": {
                    "messages": [{ "id": id, "from": from, "type": kind, "text": { "body": body },
                                   "interactive": { "list_reply": { "id": body } } }],
                    "statuses": [{ "id": id, "status": kind }]
                }}]}]
            });
            let bytes = serde_json::to_vec(&raw).unwrap_or_default();
            if let Ok(envelope) = parse(&bytes) {
                for change in &envelope.entry[0].changes {
                    if let Ok(value) = serde_json::from_value::<MessagesValue>(change.value.clone()) {
                        for m in &value.messages {
                            let _ = crate::inbound::inbound(m);
                            let _ = crate::inbound::sender(m);
                        }
                    }
                }
            }
        }
    }
}
