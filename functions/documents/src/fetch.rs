//! WhatsApp media into the bucket, driven by the table's stream: one record per document the
//! webhook recorded as `PENDING_FETCH`. Each record is processed on its own and reported in
//! `batchItemFailures` only when a later attempt can succeed.

use crate::validate::{
    Area, Rejection, Validated, Validator, metadata_filename, object_key, object_tags,
};
use crate::{Documents, ProcessError, commit_stored, notify, system_event};
use aws_lambda_events::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use domain::document::{Document, DocumentSource, DocumentState};
use domain::messages::documents::{ResendReason, resend_item};
use serde::Deserialize;
use shared::ports::documents::{ChunkStream, MediaError, MediaInfo, ObjectMeta, ObjectUpload};

/// The part of a stream record's new image the fetcher reads.
#[derive(Deserialize)]
struct StreamedItem {
    entity: String,
    document: Document,
}

/// Handles one batch of stream records.
pub async fn handle_stream(app: &Documents, event: DynamoDbEvent) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        if let Err(err) = process_record(app, &record).await {
            let id = record
                .change
                .sequence_number
                .clone()
                .unwrap_or_else(|| record.event_id.clone());
            tracing::warn!(error = %err, sequence = %id, "stream record will be retried");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(id);
            response.batch_item_failures.push(failure);
        }
    }
    response
}

async fn process_record(app: &Documents, record: &EventRecord) -> Result<(), ProcessError> {
    if record.event_name != "INSERT" {
        return Ok(());
    }
    // Object erasures come through the same stream trigger (their own filter), in the same
    // batches, so they are told apart record by record.
    if crate::erasure::is_object_erasure(record) {
        return crate::erasure::process_record(app, record).await;
    }
    if crate::archive::is_audit_event(record) {
        return crate::archive::process_record(app, record).await;
    }
    let item: StreamedItem = match serde_dynamo::from_item(record.change.new_image.clone()) {
        Ok(item) => item,
        // Not a document (the filter should not have let it through): nothing to do, ever.
        Err(err) => {
            tracing::warn!(error = %err, "stream record is not a document item; skipped");
            return Ok(());
        }
    };
    if item.entity != "DOCUMENT" || item.document.state != DocumentState::PendingFetch {
        return Ok(());
    }
    // The record's event id is the same on every redelivery of it (Lambda retries the record
    // as it was): the lease holder.
    let holder = format!("stream:{}", record.event_id);
    fetch_document(app, &item.document, &holder).await
}

/// Fetches, validates, stores and records one document; safe to call again for the same one.
/// `holder` names the delivery (see `DocumentRepository::claim_document`).
pub async fn fetch_document(
    app: &Documents,
    recorded: &Document,
    holder: &str,
) -> Result<(), ProcessError> {
    let now = app.clock.now();
    let ticket = recorded.ticket;
    let Some(document) = app
        .documents
        .claim_document(
            &ticket,
            &recorded.document_id,
            DocumentState::PendingFetch,
            holder,
            now,
            now + app.fetch_lease,
        )
        .await?
    else {
        // Already stored, rejected or failed: a duplicate record. Still pending: another
        // delivery holds the lease, so look again later.
        return match app
            .documents
            .get_document(&ticket, &recorded.document_id)
            .await?
        {
            Some(d) if d.state == DocumentState::PendingFetch => Err(ProcessError::Temporary(
                "document is being fetched by another delivery".into(),
            )),
            _ => Ok(()),
        };
    };
    let Some(request) = app.requests.get_request(&ticket).await? else {
        return give_up(app, document, "no request with this ticket", None).await;
    };
    // The webhook fills the slot and acknowledges the item when the message arrives; a second
    // "received" would only repeat it. Items it did not acknowledge are confirmed here.
    let acknowledged = request
        .slots
        .iter()
        .any(|s| s.document_id == document.document_id);
    match copy_media(app, &document, request.service).await {
        Ok((key, version, validated)) => {
            let request = commit_stored(
                app,
                document,
                &key,
                version,
                &validated,
                DocumentState::PendingFetch,
            )
            .await?;
            if let Some(request) = request.filter(|_| !acknowledged) {
                let slot = recorded.slot.clone();
                notify(
                    app,
                    &request,
                    recorded,
                    "document_received",
                    domain::messages::documents::item_received(&request, &slot),
                )
                .await;
            }
            Ok(())
        }
        Err(FetchError::Rejected(rejection)) => {
            tracing::info!(ticket = %ticket.as_str(), document = %document.document_id, reason = %rejection, "media rejected");
            let reason = rejection.resend_reason();
            let mut rejected = document.clone();
            rejected.state = DocumentState::Rejected;
            rejected.failure = Some(rejection.to_string());
            rejected.updated_at = now;
            finish(app, &rejected, "document_rejected").await?;
            notify(
                app,
                &request,
                &document,
                "document_rejected",
                resend_item(&request, &document.slot, reason),
            )
            .await;
            Ok(())
        }
        Err(FetchError::Gone) => {
            give_up(
                app,
                document,
                "media no longer available on WhatsApp",
                Some(&request),
            )
            .await
        }
        Err(FetchError::Temporary(reason)) if document.attempts >= app.max_fetch_attempts => {
            give_up(
                app,
                document,
                &format!(
                    "gave up after {} attempts: {reason}",
                    app.max_fetch_attempts
                ),
                Some(&request),
            )
            .await
        }
        Err(FetchError::Temporary(reason)) => {
            // Free the lease at once so the stream's retry does not have to wait for it.
            let mut pending = document.clone();
            pending.failure = Some(reason.clone());
            pending.updated_at = now;
            app.documents
                .finish_document(&pending, DocumentState::PendingFetch, None, &[])
                .await?;
            // Lambda retries a failed stream record as soon as this invocation ends: without a
            // pause, a rate limit of a second or two used up every attempt and the resident was
            // asked to send a photo again for nothing.
            tokio::time::sleep(retry_pause(app.fetch_retry_pause, document.attempts)).await;
            Err(ProcessError::Temporary(reason))
        }
    }
}

/// The longest pause after one failed attempt: with five attempts the pauses come to about half
/// a minute, and a batch of five such records still ends well inside the function's timeout.
const MAX_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_secs(16);

/// The pause after failed attempt number `attempts` (1-based): `first`, doubled per further
/// attempt, at most [`MAX_RETRY_PAUSE`] (or `first`, when that is longer).
pub fn retry_pause(first: std::time::Duration, attempts: u32) -> std::time::Duration {
    first
        .saturating_mul(1 << attempts.saturating_sub(1).min(16))
        .min(MAX_RETRY_PAUSE.max(first))
}

/// Marks the document failed and, when there is a request, asks the resident to send it again.
async fn give_up(
    app: &Documents,
    document: Document,
    reason: &str,
    request: Option<&domain::Request>,
) -> Result<(), ProcessError> {
    tracing::warn!(ticket = %document.ticket.as_str(), document = %document.document_id, reason, "media fetch failed for good");
    let mut failed = document.clone();
    failed.state = DocumentState::Failed;
    failed.failure = Some(reason.to_owned());
    failed.updated_at = app.clock.now();
    finish(app, &failed, "document_failed").await?;
    if let Some(request) = request {
        notify(
            app,
            request,
            &document,
            "document_failed",
            resend_item(request, &document.slot, ResendReason::Unavailable),
        )
        .await;
    }
    Ok(())
}

/// Records a rejected or failed document with its audit event and frees the slot it filled, so
/// the resident's next scan fills that item again (and a revision counts it as missing). A lost
/// race means another delivery already finished it; a request changed meanwhile is read again.
async fn finish(app: &Documents, document: &Document, action: &str) -> Result<(), ProcessError> {
    const ATTEMPTS: usize = 3;
    for _ in 0..ATTEMPTS {
        let request = app.requests.get_request(&document.ticket).await?;
        let freed = request
            .as_ref()
            .and_then(|r| without_document(r, document, app.clock.now()));
        let event = system_event(app, document, action, document.failure.clone());
        match app
            .documents
            .finish_document(
                document,
                DocumentState::PendingFetch,
                freed.as_ref().map(|(next, read)| (next, *read)),
                &[event],
            )
            .await
        {
            Ok(()) => return Ok(()),
            Err(shared::ports::StoreError::Conflict) => {
                match app
                    .documents
                    .get_document(&document.ticket, &document.document_id)
                    .await?
                {
                    Some(d) if d.state == DocumentState::PendingFetch => continue,
                    _ => return Ok(()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ProcessError::Temporary(
        "the request kept changing while a refused document was recorded".into(),
    ))
}

/// The request with `document` taken out of its slot (and the version read), when it fills one.
fn without_document(
    request: &domain::Request,
    document: &Document,
    now: time::OffsetDateTime,
) -> Option<(domain::Request, u64)> {
    let position = request
        .slots
        .iter()
        .position(|f| f.slot == document.slot && f.document_id == document.document_id)?;
    let mut next = request.clone();
    next.slots.remove(position);
    next.version = request.version + 1;
    next.updated_at = now;
    Some((next, request.version))
}

#[derive(Debug)]
enum FetchError {
    Rejected(Rejection),
    Gone,
    Temporary(String),
}

impl From<MediaError> for FetchError {
    fn from(err: MediaError) -> Self {
        match err {
            MediaError::Gone => FetchError::Gone,
            other => FetchError::Temporary(other.to_string()),
        }
    }
}

/// Downloads the media (re-fetching an expired URL once), validating and uploading as it goes.
/// Nothing is left in the bucket unless every check passed.
async fn copy_media(
    app: &Documents,
    document: &Document,
    service: domain::ServiceCode,
) -> Result<(String, Option<String>, Validated), FetchError> {
    let DocumentSource::WhatsApp {
        media_id,
        sha256,
        filename,
        ..
    } = &document.source
    else {
        return Err(FetchError::Gone);
    };
    let mut info: MediaInfo = app.media.media_info(media_id).await?;
    let body = match app.media.download(&info.url).await {
        Err(MediaError::UrlExpired) => {
            // URLs live 5 minutes (SPEC 6): ask for a fresh one, once.
            info = app.media.media_info(media_id).await?;
            app.media.download(&info.url).await?
        }
        other => other?,
    };
    // The checksum of the message itself; the media endpoint's when the message had none.
    let expected = if sha256.trim().is_empty() {
        &info.sha256
    } else {
        sha256
    };
    let mut validator = Validator::new(None, Some(expected));
    validator
        .check_declared_size(info.file_size)
        .map_err(FetchError::Rejected)?;
    let mut metadata = vec![("document-id".to_owned(), document.document_id.clone())];
    if let Some(name) = filename
        .as_deref()
        .map(metadata_filename)
        .filter(|n| !n.is_empty())
    {
        metadata.push(("original-filename".to_owned(), name));
    }
    let mut sink = Sink {
        app,
        document,
        metadata,
        tags: object_tags(Area::Scans, service),
        upload: None,
        held: Vec::new(),
        key: None,
    };
    match stream_into(body, &mut validator, info.file_size, &mut sink).await {
        Ok(()) => {}
        Err(err) => {
            sink.abort().await;
            return Err(err);
        }
    }
    let validated = match validator.finish() {
        Ok(v) => v,
        Err(rejection) => {
            sink.abort().await;
            return Err(FetchError::Rejected(rejection));
        }
    };
    // A file shorter than the sniffing window is only opened now.
    sink.open(validated.kind).await?;
    let key = sink.key.clone().unwrap_or_default();
    let version = sink.finish().await?;
    Ok((key, version, validated))
}

async fn stream_into(
    mut body: Box<dyn ChunkStream>,
    validator: &mut Validator,
    declared: Option<u64>,
    sink: &mut Sink<'_>,
) -> Result<(), FetchError> {
    while let Some(chunk) = body.next_chunk().await? {
        validator.push(&chunk).map_err(FetchError::Rejected)?;
        match validator.kind() {
            Some(kind) if sink.upload.is_none() => {
                validator
                    .check_declared_size(declared)
                    .map_err(FetchError::Rejected)?;
                sink.open(kind).await?;
                sink.write(&chunk).await?;
            }
            Some(_) => sink.write(&chunk).await?,
            // Fewer bytes than needed to tell the type: hold them (a few bytes at most).
            None => sink.held.extend_from_slice(&chunk),
        }
    }
    Ok(())
}

/// The upload of one document, opened once its kind (and so its key) is known.
struct Sink<'a> {
    app: &'a Documents,
    document: &'a Document,
    metadata: Vec<(String, String)>,
    /// The retention tag of the request's service, written with the bytes.
    tags: Vec<(String, String)>,
    upload: Option<Box<dyn ObjectUpload>>,
    held: Vec<u8>,
    key: Option<String>,
}

impl Sink<'_> {
    async fn open(&mut self, kind: crate::validate::FileKind) -> Result<(), FetchError> {
        if self.upload.is_some() {
            return Ok(());
        }
        // A voice note is a message on the thread, never the document a slot asks for.
        if kind == crate::validate::FileKind::Ogg
            && self.document.slot != domain::document::ATTACHMENT_SLOT
        {
            return Err(FetchError::Rejected(Rejection::WrongType));
        }
        let key = object_key(
            Area::Scans,
            &self.document.ticket,
            &self.document.document_id,
            kind,
        );
        let meta = ObjectMeta {
            content_type: kind.content_type().to_owned(),
            metadata: self.metadata.clone(),
            tags: self.tags.clone(),
        };
        let mut upload = self
            .app
            .objects
            .begin_upload(&key, &meta)
            .await
            .map_err(|e| FetchError::Temporary(e.to_string()))?;
        let held = std::mem::take(&mut self.held);
        if !held.is_empty() {
            upload
                .write(&held)
                .await
                .map_err(|e| FetchError::Temporary(e.to_string()))?;
        }
        self.upload = Some(upload);
        self.key = Some(key);
        Ok(())
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), FetchError> {
        match self.upload.as_mut() {
            Some(upload) => upload
                .write(chunk)
                .await
                .map_err(|e| FetchError::Temporary(e.to_string())),
            None => Err(FetchError::Temporary("upload not open".into())),
        }
    }

    /// The version written, which is the one validated on the way in.
    async fn finish(&mut self) -> Result<Option<String>, FetchError> {
        match self.upload.take() {
            Some(upload) => upload
                .finish()
                .await
                .map_err(|e| FetchError::Temporary(e.to_string())),
            None => Err(FetchError::Temporary("upload not open".into())),
        }
    }

    async fn abort(&mut self) {
        if let Some(upload) = self.upload.take()
            && let Err(err) = upload.abort().await
        {
            // The bucket's lifecycle rule removes incomplete multipart uploads after a day.
            tracing::warn!(error = %err, "aborting an upload failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pauses_between_attempts_double_up_to_a_bound() {
        let pauses: Vec<u64> = (1..=6)
            .map(|attempt| {
                u64::try_from(retry_pause(Duration::from_secs(2), attempt).as_millis()).unwrap()
            })
            .collect();
        assert_eq!(pauses, [2_000, 4_000, 8_000, 16_000, 16_000, 16_000]);
        // The four pauses before the default fifth and last attempt span a Graph API rate limit
        // of half a minute.
        let before_last: Duration = (1..5).map(|a| retry_pause(Duration::from_secs(2), a)).sum();
        assert_eq!(before_last, Duration::from_secs(30));
        assert_eq!(retry_pause(Duration::ZERO, 3), Duration::ZERO);
        assert_eq!(
            retry_pause(Duration::from_secs(40), 2),
            Duration::from_secs(40),
            "a first pause above the bound is kept, not cut"
        );
        assert_eq!(
            retry_pause(Duration::from_millis(1), u32::MAX),
            Duration::from_millis(65_536).min(MAX_RETRY_PAUSE)
        );
    }
}
