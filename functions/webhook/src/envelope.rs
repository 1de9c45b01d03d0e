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
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
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
    #[serde(default)]
    pub system: Option<System>,
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
