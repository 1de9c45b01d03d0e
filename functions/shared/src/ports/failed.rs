//! Inbound messages the webhook could not process for good (bad data, a bug): officers see them
//! in a list and mark each one handled once they have looked after the resident.

use super::StoreError;
use async_trait::async_trait;
use domain::ResidentId;
use serde::Serialize;
use time::OffsetDateTime;

/// One failed inbound message as officers see it: never its text (the webhook does not keep it)
/// and never the WhatsApp message id (which encodes the sender's number).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailedMessage {
    /// Opaque, stable id (`<received, µs since the epoch>-<16 hex digits>`).
    pub id: String,
    /// Who wrote, when WhatsApp said so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resident: Option<ResidentId>,
    /// Why processing stopped (a fixed phrase of the webhook, no personal data).
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handled: Option<Handled>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handled {
    /// The officer's subject.
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One page, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailedPage {
    pub messages: Vec<FailedMessage>,
    /// The id to pass as `before` for the next page; `None` on the last page.
    pub next_before: Option<String>,
}

#[async_trait]
pub trait FailedMessageRepository: Send + Sync {
    /// Up to `limit` messages received before the message `before` (newest first), open or
    /// handled.
    async fn failed_messages(
        &self,
        handled: bool,
        before: Option<&str>,
        limit: i32,
    ) -> Result<FailedPage, StoreError>;

    /// Marks one handled by `officer`. Marking it again returns the first mark unchanged;
    /// `Ok(None)` when there is no such message.
    async fn mark_failed_handled(
        &self,
        id: &str,
        officer: &str,
        at: OffsetDateTime,
    ) -> Result<Option<FailedMessage>, StoreError>;
}
