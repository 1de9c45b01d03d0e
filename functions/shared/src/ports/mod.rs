//! The ports the handlers depend on. Each has one real adapter in this crate (DynamoDB, S3, the
//! Graph API); handlers hold them as trait objects so unit tests of pure logic can substitute.

pub mod appointments;
pub mod digest;
pub mod documents;
pub mod erasure;
pub mod failed;
pub mod officer;

use async_trait::async_trait;
use domain::{Request, ResidentId, TicketId, conversation::Conversation, reply::Reply};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Why a store call failed, in the terms a handler decides on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Throttling, a 5xx, a timeout, the network: the caller should let the client retry.
    #[error("store temporarily unavailable: {0}")]
    Unavailable(String),
    /// A conditional write lost a race (another writer changed the item first).
    #[error("conflicting concurrent write")]
    Conflict,
    /// An item that cannot be decoded or a request the store refuses: retrying will not help.
    #[error("store rejected the data: {0}")]
    Invalid(String),
}

impl StoreError {
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Conflict)
    }
}

/// Why a message, record or event could not be finished now, in the terms an event handler
/// decides on: retry (5xx to Meta, `batchItemFailures` to Lambda) or record and move on.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Store, S3 or WhatsApp down, or a race lost: let the sender deliver it again.
    #[error("temporary: {0}")]
    Temporary(String),
    /// Retrying cannot help (bad data, a bug): record it, never retry it.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<StoreError> for ProcessError {
    fn from(err: StoreError) -> Self {
        if err.is_transient() {
            ProcessError::Temporary(err.to_string())
        } else {
            ProcessError::Permanent(err.to_string())
        }
    }
}

impl From<BlobError> for ProcessError {
    fn from(err: BlobError) -> Self {
        match err {
            BlobError::Unavailable(m) => ProcessError::Temporary(m),
            BlobError::Invalid(m) => ProcessError::Permanent(m),
        }
    }
}

/// One entry of a request's append-only audit trail (SPEC 5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub ticket: TicketId,
    /// Unique per event; part of the sort key so a retried write cannot duplicate it.
    pub event_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Officer subject, or the resident key for resident actions.
    pub actor: String,
    /// `petugas`, `supervisor`, `resident` or `system`.
    pub role: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl AuditEvent {
    /// Whether an officer acted (`petugas`, `supervisor`), as opposed to a resident or the system.
    pub fn by_officer(&self) -> bool {
        [
            crate::identity::Role::Petugas,
            crate::identity::Role::Supervisor,
        ]
        .iter()
        .any(|r| r.as_str() == self.role)
    }
}

/// Requests and their audit trail.
#[async_trait]
pub trait RequestRepository: Send + Sync {
    async fn get_request(&self, ticket: &TicketId) -> Result<Option<Request>, StoreError>;
    /// Stores a new request; `Conflict` when the ticket is already taken.
    async fn create_request(&self, request: &Request) -> Result<(), StoreError>;
    /// Appends an audit event; never overwrites one.
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// Replaces a request whose stored version is `expected_version` (the caller has already
    /// bumped `request.version`), appending `events` in the same transaction. `Conflict` when
    /// someone else changed it first.
    async fn update_request(
        &self,
        request: &Request,
        expected_version: u64,
        events: &[AuditEvent],
    ) -> Result<(), StoreError>;
    /// A resident's requests, newest first (GSI2).
    async fn requests_of_resident(&self, resident: &ResidentId)
    -> Result<Vec<Request>, StoreError>;
    /// Every document recorded on a ticket (consistent read of its `DOC#` items).
    async fn documents_of(
        &self,
        ticket: &TicketId,
    ) -> Result<Vec<domain::document::Document>, StoreError>;
}

/// A reply the system owes a resident for one inbound message, stored with the message's dedupe
/// record so a retried delivery can finish sending what an earlier attempt could not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedReply {
    pub wamid: String,
    pub seq: u8,
    pub to: ResidentId,
    pub reply: Reply,
    pub state: ReplyState,
    /// While `Sending`, no other delivery may send it before this instant (Unix milliseconds,
    /// a number so the store can compare it in a condition).
    pub lease_until_ms: i64,
    /// Which delivery holds the lease: a token drawn afresh for each delivery of the message,
    /// so a claim or release the SDK retries after a lost answer recognises its own lease.
    #[serde(default)]
    pub lease_holder: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_message_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReplyState {
    Sending,
    Sent,
    Failed,
}

/// Everything one inbound message changes, committed atomically with its dedupe record.
#[derive(Clone, Debug)]
pub struct InboundCommit {
    pub wamid: String,
    pub received_at: OffsetDateTime,
    /// The conversation as it was read (`None` = first contact), for the optimistic check.
    pub previous_version: Option<u64>,
    pub conversation: Conversation,
    pub replies: Vec<OwedReply>,
    pub changes: Vec<Change>,
}

/// One item a committed message writes besides its conversation and replies.
#[derive(Clone, Debug)]
pub enum Change {
    /// Fails the commit (`Conflict`) if the ticket exists: the caller retries with a new ticket.
    CreateRequest(Request),
    UpdateRequest {
        request: Request,
        expected_version: u64,
    },
    /// The open-request guard of one NIK and service; `guard_id` is a keyed hash, never the NIK.
    ClaimGuard {
        guard_id: String,
        ticket: TicketId,
        replaces: Option<TicketId>,
    },
    /// A media reference the documents function will fetch (`PENDING_FETCH`).
    Document(domain::document::Document),
    ThreadMessage(officer::ThreadMessage),
    Audit(AuditEvent),
    /// The resident agreed to a version of the privacy notice (`RES#<resident>` /
    /// `CONSENT#<version>`, no TTL: the evidence outlives the conversation; erasure deletes it).
    PrivacyConsent {
        resident: ResidentId,
        consent: domain::conversation::PrivacyConsent,
    },
    /// An appointment booked or changed (`AppointmentRepository::book`'s items): fails the
    /// commit (`Conflict`) when the slot is full or the booking changed since it was read.
    Book {
        record: appointments::BookingRecord,
        previous: Option<domain::appointment::Booking>,
    },
    /// An appointment cancelled: `record` (cancelled) replaces `previous`, whose slot gets its
    /// place back.
    CancelBooking {
        record: appointments::BookingRecord,
        previous: domain::appointment::Booking,
    },
}

/// The open-request guard as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardRecord {
    pub ticket: TicketId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed,
    /// The wamid was already processed: nothing was written.
    Duplicate,
}

/// Conversation state and exactly-once processing of inbound messages.
#[async_trait]
pub trait ConversationRepository: Send + Sync {
    /// `None` when there is none, or when its TTL passed at `now`: DynamoDB deletes an expired
    /// item only within about two days, so a read must not trust one (`now` from the function's
    /// clock, which the local stack can move).
    async fn get_conversation(
        &self,
        resident: &ResidentId,
        now: OffsetDateTime,
    ) -> Result<Option<Conversation>, StoreError>;
    /// `Conflict` when the conversation changed since it was read (another message of the same
    /// resident won); `Duplicate` when the wamid was already processed.
    async fn commit_inbound(&self, commit: &InboundCommit) -> Result<CommitOutcome, StoreError>;
    /// The ticket holding an open-request guard, if any.
    async fn get_guard(&self, guard_id: &str) -> Result<Option<GuardRecord>, StoreError>;
    /// Replies recorded for an inbound message (to finish a send a crashed attempt left).
    async fn owed_replies(&self, wamid: &str) -> Result<Vec<OwedReply>, StoreError>;
    /// Takes the sending lease of a reply whose lease expired, for `holder`; false when another
    /// delivery holds it or it was sent. Idempotent: a claim retried after its answer was lost
    /// finds its own holder and succeeds.
    async fn claim_reply(
        &self,
        wamid: &str,
        seq: u8,
        holder: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    async fn finish_reply(
        &self,
        wamid: &str,
        seq: u8,
        state: ReplyState,
        graph_message_id: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Gives up the sending lease after a send that certainly did not go out (a transient Graph
    /// error), so Meta's next retry of the message sends it at once instead of waiting out the
    /// lease. No effect once the reply is finished or another delivery claimed it: a release
    /// retried after its answer was lost must not free that delivery's lease.
    async fn release_reply(&self, wamid: &str, seq: u8, holder: &str) -> Result<(), StoreError>;
    /// Applies a delivery status of an outbound message (`OUT#<id>`): only a later state wins, so
    /// duplicates and out-of-order updates change nothing. Returns whether it was applied.
    async fn record_delivery(&self, update: &DeliveryUpdate) -> Result<bool, StoreError>;
    /// The ticket one of our outbound messages was about (`OUT#<id>` / `TICKET`), for a reply
    /// that quotes it; `None` once its TTL passed at `now` (see `get_conversation`).
    async fn ticket_of_outbound(
        &self,
        message_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TicketId>, StoreError>;
    /// Marks the resident's 24-hour window closed (after a 131047), if they have a conversation.
    async fn close_window(
        &self,
        resident: &ResidentId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    /// Records a message whose processing failed permanently, for officers to see (SPEC 7).
    async fn record_failed_inbound(
        &self,
        wamid: &str,
        resident: Option<&ResidentId>,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;
}

/// A delivery status from WhatsApp for a message we sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryUpdate {
    pub message_id: String,
    pub status: DeliveryStatus,
    pub at: OffsetDateTime,
    pub error_code: Option<i64>,
}

/// Ordered: a status only replaces an earlier one (`read` never goes back to `delivered`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Played,
    Failed,
}

impl DeliveryStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "played" => Self::Played,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    pub fn rank(self) -> u8 {
        self as u8 + 1
    }
}

/// Why a message could not be sent through WhatsApp.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Rate limit, Meta 5xx, timeout, network: try again later.
    #[error("WhatsApp temporarily unavailable: {0}")]
    Transient(String),
    /// Outside the 24-hour window (131047): only a template can reach the resident now.
    #[error("outside the customer-service window")]
    OutsideWindow,
    /// The access token is invalid or expired (190): ops must rotate it.
    #[error("WhatsApp access token rejected")]
    Unauthorized,
    /// Anything else Meta refuses; retrying the same message will not help.
    #[error("WhatsApp rejected the message (code {code}): {message}")]
    Rejected { code: i64, message: String },
}

impl SendError {
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient(_) | SendError::Unauthorized)
    }
}

/// Sends messages to residents.
#[async_trait]
pub trait Messenger: Send + Sync {
    /// Sends one reply; returns the outbound message id WhatsApp assigned.
    async fn send(&self, to: &ResidentId, reply: &Reply) -> Result<String, SendError>;
}

/// A pre-authorised HTTP request a client performs directly against blob storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    /// Headers the client must send exactly as given (they are part of the signature).
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob storage unavailable: {0}")]
    Unavailable(String),
    #[error("blob request invalid: {0}")]
    Invalid(String),
}

/// The write-once copy of audit events (`audit_archive`): a bucket no function may delete from.
#[async_trait]
pub trait AuditArchive: Send + Sync {
    /// Writes the event's copy unless its key already holds one (a redelivered stream record):
    /// both are `Ok`. The object is never replaced: Object Lock keeps every version anyway.
    async fn archive(
        &self,
        event: &crate::audit_archive::ArchivedAuditEvent,
    ) -> Result<(), BlobError>;
}

/// Document bytes at rest (the bucket).
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// A presigned PUT limited to one key, one content type and one exact length, that stores
    /// the object with `tags` (signed too: the client must send them as given).
    async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        content_length: u64,
        tags: &[(String, String)],
        now: OffsetDateTime,
        ttl: std::time::Duration,
    ) -> Result<PresignedRequest, BlobError>;
}
