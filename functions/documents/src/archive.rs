//! The audit archive (issue #17): every audit event inserted into the table reaches this
//! function on the stream (its own filter, `entity = AUDIT`) and is copied, without personal
//! data (`shared::audit_archive`), to the archive bucket, where Object Lock keeps it from every
//! function role and from the erasure that rewrites the table's events.

use crate::{Documents, ProcessError};
use aws_lambda_events::dynamodb::EventRecord;
use serde::Deserialize;
use shared::audit_archive::ArchivedAuditEvent;
use shared::ports::AuditEvent;

/// The `entity` of audit items (`store::AuditItem`).
const AUDIT_ENTITY: &str = "AUDIT";

#[derive(Deserialize)]
struct StreamedAudit {
    event: AuditEvent,
}

/// Whether a stream record is an audit event (by its `entity`).
pub fn is_audit_event(record: &EventRecord) -> bool {
    matches!(
        record.change.new_image.get("entity"),
        Some(serde_dynamo::AttributeValue::S(entity)) if entity == AUDIT_ENTITY
    )
}

/// Archives one inserted audit event. Every failure is returned as temporary: an event not
/// archived must not be dropped quietly, so the record is retried and, past the mapping's
/// retries, lands in the failure queue, whose alarm an operator answers.
pub async fn process_record(app: &Documents, record: &EventRecord) -> Result<(), ProcessError> {
    let item: StreamedAudit = serde_dynamo::from_item(record.change.new_image.clone())
        .map_err(|e| ProcessError::Temporary(format!("undecodable audit event: {e}")))?;
    let archived = ArchivedAuditEvent::of(&item.event);
    app.audit_archive.archive(&archived).await.map_err(|e| {
        tracing::error!(error = %e, ticket = %archived.ticket.as_str(), "audit event not archived");
        ProcessError::Temporary(e.to_string())
    })
}
