//! Officers' uploads land in the bucket directly (presigned PUT); the S3 `ObjectCreated` event
//! brings them here to be validated like WhatsApp media. An invalid object is deleted and the
//! reason recorded; a valid result document is delivered to the resident, completing the request.

use crate::validate::{Validated, Validator, parse_key};
use crate::{Documents, ProcessError, REQUEST_ATTEMPTS, commit_stored, system_event};
use aws_lambda_events::s3::S3Event;
use domain::document::{Document, DocumentSource, DocumentState, RESULT_SLOT};
use domain::messages::documents::{result_caption, result_filename, result_template_params};
use domain::{Request as ServiceRequest, RequestStatus, check_transition, service};
use shared::delivery;
use shared::ports::officer::{NotificationCondition, PendingMessage};
use shared::ports::{AuditEvent, StoreError};

/// The cause of the notification that carries the finished document (as the detail shows it).
pub const RESULT_CAUSE: &str = "result";

/// Handles one S3 notification. A temporary failure fails the invocation so Lambda retries it;
/// every step is idempotent, so objects already handled are skipped on the retry.
pub async fn handle_s3(app: &Documents, event: S3Event) -> Result<(), ProcessError> {
    let mut retry = None;
    for record in event.records {
        if !record
            .event_name
            .as_deref()
            .is_some_and(|n| n.starts_with("ObjectCreated"))
        {
            continue;
        }
        let object = &record.s3.object;
        let Some(key) = object
            .url_decoded_key
            .clone()
            .or_else(|| object.key.as_deref().map(decode_key))
        else {
            continue;
        };
        match process_object(app, &key, object.version_id.as_deref()).await {
            Ok(()) => {}
            Err(ProcessError::Permanent(reason)) => {
                tracing::error!(%key, %reason, "object could not be processed; not retried");
            }
            Err(err) => {
                tracing::warn!(%key, error = %err, "object will be retried");
                retry = Some(err);
            }
        }
    }
    retry.map_or(Ok(()), Err)
}

/// S3 notifications URL-encode keys (`+` for spaces).
fn decode_key(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match raw.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                    Some(Ok(b)) => {
                        out.push(b);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn process_object(
    app: &Documents,
    key: &str,
    version: Option<&str>,
) -> Result<(), ProcessError> {
    let Some(parsed) = parse_key(key) else {
        // Not a key this system builds: leave it to an operator rather than delete blindly.
        tracing::warn!(%key, "object outside the system's key layout; ignored");
        return Ok(());
    };
    let document = app
        .documents
        .get_document(&parsed.ticket, &parsed.document_id)
        .await?;
    match document {
        None => {
            // Nobody was granted this key: an object without a record is not kept.
            app.objects.delete(key, version).await?;
            tracing::warn!(%key, "object without a document record deleted");
            Ok(())
        }
        // WhatsApp media this function is fetching: the object lands before the record names
        // its key, so the event can arrive first. Not an intruder: leave it to the fetch.
        Some(d) if d.state == DocumentState::PendingFetch => Ok(()),
        Some(d) if d.key.as_deref() != Some(key) => {
            app.objects.delete(key, version).await?;
            tracing::warn!(%key, "object under a key that was not granted deleted");
            Ok(())
        }
        Some(d) if d.state == DocumentState::PendingUpload => {
            validate_upload(app, d, key, version, parsed.kind).await
        }
        // Another version under a validated document's key (the grant's `If-None-Match` stops
        // a second upload, so only a principal with its own S3 access wrote it): bytes nobody
        // checked, never signed (downloads name the validated version), and not kept.
        Some(d)
            if d.state == DocumentState::Stored
                && d.version_id.is_some()
                && version.is_some()
                && d.version_id.as_deref() != version =>
        {
            app.objects.delete(key, version).await?;
            tracing::warn!(%key, "unvalidated version under a stored document's key deleted");
            Ok(())
        }
        // A result whose delivery did not finish (a retried event of its validated version):
        // finish it. At most once per validated version: the notification is keyed by the
        // document, which has one.
        Some(d) if d.state == DocumentState::Stored && d.slot == RESULT_SLOT => {
            match app.requests.get_request(&d.ticket).await? {
                Some(request) => deliver_result(app, &d, request).await,
                None => Ok(()),
            }
        }
        // WhatsApp media this function wrote itself, or a duplicate event.
        Some(_) => Ok(()),
    }
}

async fn validate_upload(
    app: &Documents,
    granted: Document,
    key: &str,
    version: Option<&str>,
    kind: crate::validate::FileKind,
) -> Result<(), ProcessError> {
    let now = app.clock.now();
    let Some(claimed) = app
        .documents
        .claim_document(
            &granted.ticket,
            &granted.document_id,
            DocumentState::PendingUpload,
            // The object version: the same on S3's retries of this event.
            &format!("s3:{key}#{}", version.unwrap_or("null")),
            now,
            now + app.fetch_lease,
        )
        .await?
    else {
        return match app
            .documents
            .get_document(&granted.ticket, &granted.document_id)
            .await?
        {
            Some(d) if d.state == DocumentState::PendingUpload => Err(ProcessError::Temporary(
                "document is being validated by another delivery".into(),
            )),
            _ => Ok(()),
        };
    };
    let verdict = match read_and_validate(app, key, version, kind).await {
        Ok(v) => v,
        Err(err) => {
            // Free the lease so the retry can start at once.
            app.documents
                .finish_document(&claimed, DocumentState::PendingUpload, None, &[])
                .await?;
            return Err(err);
        }
    };
    match verdict {
        Err(reason) => {
            app.objects.delete(key, version).await?;
            tracing::info!(ticket = %claimed.ticket.as_str(), document = %claimed.document_id, %reason, "officer upload rejected and deleted");
            let mut rejected = claimed.clone();
            rejected.state = DocumentState::Rejected;
            rejected.failure = Some(reason);
            rejected.updated_at = now;
            let event = system_event(app, &rejected, "upload_rejected", rejected.failure.clone());
            match app
                .documents
                .finish_document(&rejected, DocumentState::PendingUpload, None, &[event])
                .await
            {
                Ok(()) | Err(StoreError::Conflict) => Ok(()),
                Err(e) => Err(e.into()),
            }
        }
        Ok(validated) => {
            let slot = claimed.slot.clone();
            let Some(request) = commit_stored(
                app,
                claimed,
                key,
                version.map(str::to_owned),
                &validated,
                DocumentState::PendingUpload,
            )
            .await?
            else {
                return Ok(());
            };
            if slot != RESULT_SLOT {
                return Ok(());
            }
            let stored = app
                .documents
                .get_document(&request.ticket, &parsed_id(key))
                .await?;
            match stored {
                Some(document) => deliver_result(app, &document, request).await,
                None => Ok(()),
            }
        }
    }
}

fn parsed_id(key: &str) -> String {
    parse_key(key).map(|p| p.document_id).unwrap_or_default()
}

/// Reads the object version the event names (not whatever is current by then: that version is
/// what is recorded and later signed) and checks it; `Ok(Err(reason))` for an invalid object.
async fn read_and_validate(
    app: &Documents,
    key: &str,
    version: Option<&str>,
    kind: crate::validate::FileKind,
) -> Result<Result<Validated, String>, ProcessError> {
    let Some(mut body) = app.objects.open(key, version).await? else {
        return Ok(Err(
            "the object disappeared before it could be checked".into()
        ));
    };
    // The grant fixed the type: the bytes must be that type (and S3 enforced the length).
    let mut validator = Validator::new(Some(kind), None);
    while let Some(chunk) = body.next_chunk().await? {
        if let Err(rejection) = validator.push(&chunk) {
            return Ok(Err(rejection.to_string()));
        }
    }
    Ok(validator.finish().map_err(|r| r.to_string()))
}

/// Sends the finished document to the resident (document message inside the 24-hour window,
/// the result template with the document as its header outside it), then completes the request
/// (audited). At most once per validated document: the notification record, keyed by the
/// document, is taken before the send, so a redelivered event sends nothing. A temporary failure
/// leaves the request `APPROVED` ("ready, not delivered") and the record to the retry sweep.
async fn deliver_result(
    app: &Documents,
    document: &Document,
    request: ServiceRequest,
) -> Result<(), ProcessError> {
    let kind = service(request.service).kind;
    if request.status == RequestStatus::Completed {
        return Ok(());
    }
    let Some(key) = document.key.as_deref() else {
        return Err(ProcessError::Permanent(
            "stored result without a key".into(),
        ));
    };
    if let Err(err) = check_transition(kind, request.status, RequestStatus::Completed) {
        let event = system_event(app, document, "result_not_delivered", Some(err.to_string()));
        app.requests.append_audit(&event).await?;
        return Ok(());
    }
    let now = app.clock.now();
    let extension = key.rsplit('.').next().unwrap_or("pdf");
    let pending = PendingMessage::Result {
        resident: request.resident.clone(),
        document_id: document.document_id.clone(),
        key: key.to_owned(),
        version: document.version_id.clone(),
        filename: result_filename(&request, extension),
        caption: result_caption(&request, &app.office),
        template_params: result_template_params(&request),
        officer: match &document.source {
            DocumentSource::Officer { officer, .. } => officer.clone(),
            DocumentSource::WhatsApp { .. } => "documents".into(),
        },
    };
    // Keyed by the document (its time and id), so a second delivery of the event finds it.
    let mut record = delivery::first_record(
        request.ticket,
        format!("{}-{RESULT_CAUSE}", document.document_id),
        document.created_at,
        RESULT_CAUSE,
    );
    record.next_attempt_at = Some(now + domain::delivery::SEND_LEASE);
    record.pending = Some(pending.clone());
    if !app
        .notifications
        .record_notification_if(&record, NotificationCondition::New)
        .await?
    {
        tracing::info!(ticket = %request.ticket.as_str(), document = %document.document_id, "result already being delivered");
        return Ok(());
    }
    if let Err(err) = crate::sweep::attempt_taken(app, record, pending, now).await {
        // The record holds a lease and is in the sweep's index: it is taken again after it.
        tracing::warn!(ticket = %request.ticket.as_str(), error = %err, "result delivery interrupted; the sweep will retry");
    }
    Ok(())
}

/// Completes the request once WhatsApp took its result (message `wamid`), audited.
pub(crate) async fn complete_after_result(
    app: &Documents,
    ticket: &domain::TicketId,
    document_id: &str,
    officer: &str,
    wamid: &str,
) -> Result<(), ProcessError> {
    let now = app.clock.now();
    let Some(mut current) = app.requests.get_request(ticket).await? else {
        return Ok(());
    };
    let kind = service(current.service).kind;
    for _ in 0..REQUEST_ATTEMPTS {
        if check_transition(kind, current.status, RequestStatus::Completed).is_err() {
            return Ok(());
        }
        let mut next = current.clone();
        next.status = RequestStatus::Completed;
        next.completed_at = Some(now);
        next.updated_at = now;
        next.version = current.version + 1;
        // The result went inside the window, or reopened nothing: the survey only inside it.
        let offer = shared::delivery::survey_to_offer(app.notifications.as_ref(), &next, now).await;
        let offered = offer.is_some();
        if offered {
            next.survey = offer;
        }
        let event = AuditEvent {
            ticket: current.ticket,
            event_id: format!("{document_id}-result_delivered"),
            at: now,
            actor: officer.to_owned(),
            role: "system".into(),
            action: "result_delivered".into(),
            from_status: Some(current.status.as_str().to_owned()),
            to_status: Some(RequestStatus::Completed.as_str().to_owned()),
            note: Some(format!(
                "document {document_id} sent as WhatsApp message {wamid}"
            )),
            source_ip: None,
            request_id: None,
        };
        match app
            .requests
            .update_request(&next, current.version, &[event])
            .await
        {
            Ok(()) => {
                tracing::info!(ticket = %next.ticket.as_str(), document = %document_id, "result delivered; request completed");
                if offered {
                    shared::delivery::send_survey_offer(app.messenger.as_ref(), &next).await;
                }
                return Ok(());
            }
            Err(StoreError::Conflict) => {
                current = match app.requests.get_request(ticket).await? {
                    Some(r) => r,
                    None => return Ok(()),
                };
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ProcessError::Temporary(
        "the request kept changing while completing it".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_notifications_are_decoded() {
        assert_eq!(
            decode_key("results/ABCD-EFGH/01.pdf"),
            "results/ABCD-EFGH/01.pdf"
        );
        assert_eq!(decode_key("a+b%2Fc"), "a b/c");
        assert_eq!(decode_key("bad%zz%4"), "bad%zz%4");
    }
}
