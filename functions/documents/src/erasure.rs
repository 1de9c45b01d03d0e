//! The object half of a UU PDP erasure. `status` erases a resident's table data and records,
//! per erased ticket, an `OBJECT_ERASURE` item listing the ticket's key prefixes; the stream
//! delivers its insert here (same event source mapping as the media fetch, selected by its own
//! filter). Every object version and delete marker under the prefixes is deleted, then the item
//! is marked done. Safe to deliver again: a second purge finds nothing and the done-mark is
//! conditional on the item still being pending.

use crate::{Documents, ProcessError};
use aws_lambda_events::dynamodb::EventRecord;
use domain::erasure::{ObjectErasure, ObjectErasureState};
use serde::Deserialize;
use shared::store::erasure::OBJECT_ERASURE_ENTITY;

/// The part of a stream record's new image the purge reads.
#[derive(Deserialize)]
struct StreamedErasure {
    erasure_state: ObjectErasureState,
    erasure: ObjectErasure,
}

/// Whether a stream record is an object erasure (by its `entity`), rather than a document.
pub fn is_object_erasure(record: &EventRecord) -> bool {
    matches!(
        record.change.new_image.get("entity"),
        Some(serde_dynamo::AttributeValue::S(entity)) if entity == OBJECT_ERASURE_ENTITY
    )
}

/// Handles one inserted erasure item. Only a `Temporary` error is returned (the stream delivers
/// the record again); one a retry cannot fix is logged as an error for an operator, since it is
/// an erasure that did not happen, and not retried.
pub async fn process_record(app: &Documents, record: &EventRecord) -> Result<(), ProcessError> {
    let outcome =
        match serde_dynamo::from_item::<_, StreamedErasure>(record.change.new_image.clone()) {
            Ok(item) if item.erasure_state == ObjectErasureState::Pending => {
                purge(app, &item.erasure).await
            }
            Ok(_) => Ok(()),
            Err(e) => Err(ProcessError::Permanent(format!(
                "undecodable object erasure: {e}"
            ))),
        };
    match outcome {
        Err(ProcessError::Permanent(reason)) => {
            tracing::error!(%reason, "object erasure cannot be carried out; not retried");
            Ok(())
        }
        other => other,
    }
}

/// Deletes every version under the erasure's prefixes and marks it done; returns nothing new on
/// a repeated call.
pub async fn purge(app: &Documents, erasure: &ObjectErasure) -> Result<(), ProcessError> {
    let prefixes = erasure
        .checked_prefixes()
        .map_err(|e| ProcessError::Permanent(e.to_string()))?;
    let mut deleted = 0;
    for prefix in prefixes {
        deleted += app.eraser.erase_prefix(prefix).await?;
    }
    let finished = app
        .erasures
        .finish_object_erasure(erasure, deleted, app.clock.now())
        .await?;
    // Ticket and counts only: the item holds no personal data and neither does this line.
    tracing::info!(
        audit = "object_erasure",
        erasure = %erasure.erasure_id,
        ticket = %erasure.ticket.as_str(),
        deleted_versions = deleted,
        first_delivery = finished,
        "objects of an erased ticket deleted"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::validate::Area;

    #[test]
    fn the_erasure_areas_are_the_areas_keys_are_built_in() {
        assert_eq!(
            domain::erasure::OBJECT_AREAS,
            [Area::Scans.prefix(), Area::Results.prefix()]
        );
    }
}
