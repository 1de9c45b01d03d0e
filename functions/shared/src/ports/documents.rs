//! Ports of the `documents` function: document records, WhatsApp media, streamed object storage
//! and sending a finished document. One real adapter each (DynamoDB, the Graph API, S3).

use super::{AuditEvent, BlobError, PresignedRequest, SendError, StoreError};
use async_trait::async_trait;
use domain::document::{Document, DocumentState};
use domain::{Request, ResidentId, TicketId};
use time::OffsetDateTime;

/// Document records (`REQ#<ticket>` / `DOC#<id>`).
#[async_trait]
pub trait DocumentRepository: Send + Sync {
    async fn get_document(
        &self,
        ticket: &TicketId,
        document_id: &str,
    ) -> Result<Option<Document>, StoreError>;
    /// Stores a new record; `Conflict` when the id is taken.
    async fn create_document(&self, document: &Document) -> Result<(), StoreError>;
    /// Takes the processing lease of a document still in `state` whose lease is free or already
    /// `holder`'s (a duplicate or concurrent delivery finds it held by another) and counts the
    /// attempt. `holder` names the event being processed, the same on each of its redeliveries:
    /// a retry after a lost answer or a crash takes the lease back at once instead of waiting it
    /// out. Returns the record as claimed, or `None` when it is no longer in `state` or another
    /// holder has it.
    async fn claim_document(
        &self,
        ticket: &TicketId,
        document_id: &str,
        state: DocumentState,
        holder: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<Option<Document>, StoreError>;
    /// Replaces a document that is still in `expected` and, in the same transaction, the request
    /// when given (optimistic check on `expected_version`) and the audit events. `Conflict` when
    /// the document left `expected` or the request changed.
    async fn finish_document(
        &self,
        document: &Document,
        expected: DocumentState,
        request: Option<(&Request, u64)>,
        events: &[AuditEvent],
    ) -> Result<(), StoreError>;
}

/// What the Graph API says about one media id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaInfo {
    /// Download URL; expires after 5 minutes.
    pub url: String,
    pub mime_type: String,
    /// Base64 SHA-256.
    pub sha256: String,
    pub file_size: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// 404 on the media id (older than 7 days, or unknown): it will never come back.
    #[error("media not found")]
    Gone,
    /// 404 on the download URL: fetch the media id again for a new URL.
    #[error("media URL expired")]
    UrlExpired,
    /// Network, 5xx, rate limit, timeout, expired token: try again later.
    #[error("WhatsApp media temporarily unavailable: {0}")]
    Transient(String),
    /// Anything else Meta refuses.
    #[error("WhatsApp refused the media request: {0}")]
    Rejected(String),
}

/// A body read piece by piece, so no document is ever held whole in memory.
#[async_trait]
pub trait ChunkStream: Send {
    /// The next piece, `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, MediaError>;
}

/// An object's body read piece by piece.
#[async_trait]
pub trait ObjectStream: Send {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, BlobError>;
}

/// WhatsApp media (residents' photos and PDFs).
#[async_trait]
pub trait MediaSource: Send + Sync {
    async fn media_info(&self, media_id: &str) -> Result<MediaInfo, MediaError>;
    async fn download(&self, url: &str) -> Result<Box<dyn ChunkStream>, MediaError>;
}

/// Everything stored with an object besides its bytes (known before the first byte is written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    pub content_type: String,
    /// User metadata (`x-amz-meta-*`); values ASCII only.
    pub metadata: Vec<(String, String)>,
    /// Object tags, set in the same write as the bytes: the bucket's lifecycle rules expire
    /// objects by their tags, so an object must never exist without them.
    pub tags: Vec<(String, String)>,
}

/// An object being written. Nothing is visible under the key before `finish`; `abort` leaves
/// nothing behind, so a rejected document is never half-written.
#[async_trait]
pub trait ObjectUpload: Send {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError>;
    /// Makes the object visible; returns the version S3 gave it (`None` in an unversioned
    /// bucket).
    async fn finish(self: Box<Self>) -> Result<Option<String>, BlobError>;
    async fn abort(self: Box<Self>) -> Result<(), BlobError>;
}

/// Streamed reads and writes of document bytes, and short-lived links to them.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    async fn begin_upload(
        &self,
        key: &str,
        meta: &ObjectMeta,
    ) -> Result<Box<dyn ObjectUpload>, BlobError>;
    /// `None` when there is no such object (or no such `version` of it); without a version, the
    /// current one.
    async fn open(
        &self,
        key: &str,
        version: Option<&str>,
    ) -> Result<Option<Box<dyn ObjectStream>>, BlobError>;
    /// Removes the object, or only `version` of it (an invalid upload leaves no version behind).
    async fn delete(&self, key: &str, version: Option<&str>) -> Result<(), BlobError>;
    /// A presigned GET of `version` (the validated one) or, without one, of the current
    /// object; `filename` becomes the download's `Content-Disposition`.
    async fn presign_download(
        &self,
        key: &str,
        version: Option<&str>,
        filename: &str,
        now: OffsetDateTime,
        ttl: std::time::Duration,
    ) -> Result<PresignedRequest, BlobError>;
}

/// A finished document for a resident: WhatsApp fetches it from `link`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentMessage {
    pub link: String,
    pub filename: String,
    pub caption: String,
}

/// Sends documents (not covered by `Reply`, which is what the conversation says).
#[async_trait]
pub trait DocumentMessenger: Send + Sync {
    async fn send_document(
        &self,
        to: &ResidentId,
        document: &DocumentMessage,
    ) -> Result<String, SendError>;
}
