//! Ports of the officers' API (issue #5): the queue, a ticket's records, the conversation thread,
//! notification records, service configuration and the UU PDP erasure.

use super::{AuditEvent, StoreError};
use async_trait::async_trait;
use domain::erasure::ObjectErasure;
use domain::{Availability, Request, RequestStatus, ResidentId, ServiceCode, TicketId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Who wrote a message of a request's thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageAuthor {
    Officer,
    Resident,
}

/// One message of a request's conversation thread (`REQ#<ticket>` / `MSG#<time>#<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMessage {
    pub ticket: TicketId,
    pub message_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub author: MessageAuthor,
    /// Officer subject, or the resident key.
    pub actor: String,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationState {
    Sent,
    Failed,
    /// WhatsApp could not take it for now (rate limit, 5xx, timeout): tried again at
    /// `next_attempt_at` by the documents function's sweep.
    Retrying,
}

/// What a notification still owes the resident, kept only while it is retried (removed once it
/// is sent or given up, and never shown through the API).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PendingMessage {
    /// A text inside the 24-hour window, its template outside it.
    Notice {
        resident: ResidentId,
        notification: domain::messages::notifications::Notification,
    },
    /// The finished document: presigned anew for every attempt; the request is completed once
    /// WhatsApp accepts it.
    Result {
        resident: ResidentId,
        document_id: String,
        key: String,
        /// The validated version of `key`: what every attempt's link names.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        filename: String,
        caption: String,
        template_params: Vec<String>,
        /// Who uploaded it (the audit event of the completion names them).
        officer: String,
    },
}

impl PendingMessage {
    pub fn resident(&self) -> &ResidentId {
        match self {
            PendingMessage::Notice { resident, .. } | PendingMessage::Result { resident, .. } => {
                resident
            }
        }
    }
}

/// One attempt to send a notification, as officers see it on the ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `text`, `document` or `template`.
    pub via: String,
    /// `sent` or WhatsApp's error (never the message text).
    pub outcome: String,
}

/// What a conditional write of a notification record expects to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationCondition {
    /// No record with this key yet (a result is notified once per validated document).
    New,
    /// The record as read, `attempts` attempts made: whoever writes first owns the next attempt.
    Attempts(u32),
}

fn one() -> u32 {
    1
}

/// What happened to one notification to a resident (`REQ#<ticket>` / `NTF#<time>#<id>`): a failed
/// send never undoes the status change, it is recorded here and shown in the detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRecord {
    pub ticket: TicketId,
    pub notification_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The action or `message` that caused it.
    pub cause: String,
    /// `text` (inside the 24-hour window) or `template`.
    pub via: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    pub state: NotificationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_message_id: Option<String>,
    /// Why the send failed (WhatsApp error, never the message text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Attempts made (a sweep counts its attempt when it takes the record).
    #[serde(default = "one")]
    pub attempts: u32,
    /// While `RETRYING`: when the next attempt is due.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// While `RETRYING`: what to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingMessage>,
    /// Every attempt, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<Attempt>,
}

/// Everything stored under one ticket, read in one query.
#[derive(Clone, Debug, Default)]
pub struct TicketRecords {
    pub request: Option<Request>,
    pub events: Vec<AuditEvent>,
    pub messages: Vec<ThreadMessage>,
    pub notifications: Vec<NotificationRecord>,
    /// Document records of the documents function, as stored (minus keys).
    pub documents: Vec<serde_json::Value>,
}

/// A position in a status queue: the last request returned (its queue sort key and ticket).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePosition {
    pub sort_key: String,
    pub ticket: TicketId,
}

/// One page of a status queue as the store read it (before any filtering).
#[derive(Clone, Debug, Default)]
pub struct QueueBatch {
    pub requests: Vec<Request>,
    /// Where the next read starts; `None` when the queue is exhausted.
    pub next: Option<QueuePosition>,
}

/// A service's run-time configuration (`SVC#<code>` / `CONFIG`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSetting {
    pub code: ServiceCode,
    pub availability: Availability,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
}

/// Where every notice to a resident about a request is recorded, sent or not: the status
/// function's notifications and the documents function's notices about a scan.
#[async_trait]
pub trait NotificationRepository: Send + Sync {
    async fn record_notification(&self, record: &NotificationRecord) -> Result<(), StoreError>;
    /// Writes the record only if the stored one is as `condition` says; false when it is not
    /// (another delivery or sweep got there first).
    async fn record_notification_if(
        &self,
        record: &NotificationRecord,
        condition: NotificationCondition,
    ) -> Result<bool, StoreError>;
    /// Up to `limit` notifications in `RETRYING` whose next attempt is due at `now` (GSI1).
    async fn due_notifications(
        &self,
        now: OffsetDateTime,
        limit: i32,
    ) -> Result<Vec<NotificationRecord>, StoreError>;
    /// When the resident last wrote (the 24-hour customer-service window); `None` if never,
    /// forgotten, or WhatsApp has reported the window closed (131047) since.
    async fn last_inbound_at(
        &self,
        resident: &ResidentId,
    ) -> Result<Option<OffsetDateTime>, StoreError>;
}

/// The officers' reads and writes beyond [`super::RequestRepository`].
#[async_trait]
pub trait OfficerRepository: NotificationRepository {
    /// The request, its audit trail, thread, notifications and documents (one query).
    async fn ticket_records(&self, ticket: &TicketId) -> Result<TicketRecords, StoreError>;
    /// Up to `limit` requests of one status queue after `after` (GSI1 query, never a scan).
    async fn queue_batch(
        &self,
        status: RequestStatus,
        oldest_first: bool,
        after: Option<&QueuePosition>,
        limit: i32,
    ) -> Result<QueueBatch, StoreError>;
    /// Every request of one status queued (submitted, or created for drafts) in `[from, to)`.
    async fn queued_between(
        &self,
        status: RequestStatus,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Request>, StoreError>;
    /// Stores a thread message with its audit event and the request it changes (read at
    /// `expected_version`, e.g. now awaiting the resident's answer), in one transaction;
    /// `Conflict` when the request changed first.
    async fn add_thread_message(
        &self,
        message: &ThreadMessage,
        event: &AuditEvent,
        request: &Request,
        expected_version: u64,
    ) -> Result<(), StoreError>;
    /// Replaces a request whose stored version is `expected_version` and appends `events`, in one
    /// transaction; `Conflict` when someone changed it first. (Same contract as
    /// `RequestRepository::update_request`, whose condition names the reserved word `request`
    /// without an expression attribute name and is refused by DynamoDB.)
    async fn save_change(
        &self,
        request: &Request,
        expected_version: u64,
        events: &[AuditEvent],
    ) -> Result<(), StoreError>;
}

/// Service availability a supervisor changes at run time (read by the webhook too).
#[async_trait]
pub trait ServiceConfigRepository: Send + Sync {
    /// The stored availability, or the catalog default.
    async fn service_availability(&self, code: ServiceCode) -> Result<Availability, StoreError>;
    /// Every service, stored setting or catalog default, in catalog order (one batch read).
    async fn service_settings(&self) -> Result<Vec<ServiceSetting>, StoreError>;
    async fn put_service_setting(&self, setting: &ServiceSetting) -> Result<(), StoreError>;
}

/// Erasure of one resident's personal data from the table (UU PDP).
#[async_trait]
pub trait ErasureRepository: Send + Sync {
    /// Deletes the request and everything personal under its ticket (thread, notifications,
    /// documents); audit events stay, stripped of the resident's key and of free-text notes,
    /// and `event` records the erasure. `objects` is recorded in the same write, before anything
    /// is deleted: the deletion of the ticket's objects that the documents function owes (this
    /// function never touches the bucket), so a failure halfway still leaves it scheduled.
    async fn erase_ticket(
        &self,
        ticket: &TicketId,
        resident: &ResidentId,
        event: &AuditEvent,
        objects: &ObjectErasure,
    ) -> Result<(), StoreError>;
    /// Deletes everything under the resident's own partition (conversation and the like).
    async fn erase_resident_items(&self, resident: &ResidentId) -> Result<usize, StoreError>;
}

/// Sends pre-approved template messages (the only kind WhatsApp delivers outside the 24-hour
/// window).
#[async_trait]
pub trait TemplateMessenger: Send + Sync {
    /// Sends template `name` in `language` with these body parameters; returns WhatsApp's id.
    async fn send_template(
        &self,
        to: &ResidentId,
        name: &str,
        language: &str,
        body_params: &[String],
    ) -> Result<String, super::SendError>;
    /// Sends template `name` whose header is a document (fetched by WhatsApp from its link).
    async fn send_document_template(
        &self,
        to: &ResidentId,
        name: &str,
        language: &str,
        document: &super::documents::DocumentMessage,
        body_params: &[String],
    ) -> Result<String, super::SendError>;
}
