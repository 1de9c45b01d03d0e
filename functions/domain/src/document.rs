//! A document tied to a request slot: a resident's scan (from WhatsApp) or an officer's upload.
//! The `documents` function owns its bytes; this is the record of where it is and what it is.

use crate::TicketId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The slot name of the finished document officers upload.
pub const RESULT_SLOT: &str = "result";
/// The slot of free attachments to complaints and consultations.
pub const ATTACHMENT_SLOT: &str = "attachment";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentState {
    /// WhatsApp media recorded by the webhook; the documents function fetches it from the stream.
    PendingFetch,
    /// An officer was given a presigned upload; the S3 event completes it.
    PendingUpload,
    /// Bytes in the bucket, validated (type by magic bytes, size, hash).
    Stored,
    /// Validation failed (wrong type, too big, hash mismatch): the slot stays open.
    Rejected,
    /// Fetching failed after bounded retries: the resident is asked to send it again.
    Failed,
}

/// Where the bytes come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocumentSource {
    WhatsApp {
        /// The inbound message that carried it.
        wamid: String,
        media_id: String,
        /// What WhatsApp declared; not trusted (checked against the bytes).
        mime_type: String,
        /// Base64 SHA-256 WhatsApp sent, verified after download.
        sha256: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    Officer {
        officer: String,
        /// The file name the officer gave, kept as metadata only: it never reaches a key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub ticket: TicketId,
    /// Unique per document (also the object key's file name): derived from the wamid for
    /// WhatsApp media, so every retry of one message names the same document; time-ordered and
    /// random for officer uploads.
    pub document_id: String,
    pub slot: String,
    pub state: DocumentState,
    pub source: DocumentSource,
    /// S3 key once known: built by the system only (`requests/<ticket>/<id>.<ext>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Base64 SHA-256 of the stored bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The S3 object version that was validated (the bucket is versioned): downloads and the
    /// result sent to the resident name it, so bytes written later under the key never reach
    /// anyone. `None` for documents stored before versions were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    /// Why it was rejected or failed, for officers and the resident message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
