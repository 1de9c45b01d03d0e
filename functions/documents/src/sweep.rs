//! The retry sweep: on a schedule (every minute, `RetryNotifications` in template.yaml), the
//! notifications WhatsApp could not take for now (`RETRYING`, GSI1 `NTF_RETRY`) whose next
//! attempt is due are sent again: status notifications and officers' messages as text or
//! template, finished documents with a fresh presigned link. A sweep takes a record by counting
//! its attempt in a conditional write (so two sweeps never send the same one) and holds it for
//! `SEND_LEASE`; a sweep that dies mid-send leaves it to be taken again after the lease.
//!
//! What no stand-in can rule out: a send that WhatsApp accepted but whose answer was lost looks
//! like a timeout, and is sent again (Graph's send API has no idempotency key).

use crate::uploads::complete_after_result;
use crate::{Documents, ProcessError};
use domain::delivery::SEND_LEASE;
use shared::delivery::{self, Channels, Outgoing};
use shared::ports::documents::DocumentMessage;
use shared::ports::officer::{
    NotificationCondition, NotificationRecord, NotificationState, PendingMessage,
};
use time::OffsetDateTime;

/// Notifications one sweep takes at most: each send is bounded by the Graph client's timeout, so
/// a full batch stays well inside the function's.
const SWEEP_BATCH: i32 = 25;

/// What one sweep did (logged; the local stack and tests read it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub due: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Taken by another sweep first, or unreadable.
    pub skipped: usize,
}

pub async fn sweep(app: &Documents) -> Result<SweepReport, ProcessError> {
    let now = app.clock.now();
    let due = app
        .notifications
        .due_notifications(now, SWEEP_BATCH)
        .await?;
    let mut report = SweepReport {
        due: due.len(),
        ..SweepReport::default()
    };
    for record in due {
        let Some(pending) = record.pending.clone() else {
            report.skipped += 1;
            continue;
        };
        let mut taken = record.clone();
        taken.attempts = record.attempts + 1;
        taken.next_attempt_at = Some(now + SEND_LEASE);
        if !app
            .notifications
            .record_notification_if(&taken, NotificationCondition::Attempts(record.attempts))
            .await?
        {
            report.skipped += 1;
            continue;
        }
        match attempt_taken(app, taken, pending, now).await {
            Ok(NotificationState::Sent) => report.sent += 1,
            Ok(NotificationState::Retrying) => report.retrying += 1,
            Ok(NotificationState::Failed) => report.failed += 1,
            Err(err) => {
                // The record keeps its lease and is taken again once it runs out.
                tracing::warn!(ticket = %record.ticket.as_str(), error = %err, "notification retry interrupted");
                report.retrying += 1;
            }
        }
    }
    if report.due > 0 {
        tracing::info!(
            due = report.due,
            sent = report.sent,
            retrying = report.retrying,
            failed = report.failed,
            skipped = report.skipped,
            "notification sweep"
        );
    }
    Ok(report)
}

/// Makes the attempt the caller took `record` for (its `attempts` already count it), records
/// the outcome on the condition that nobody else took it meanwhile, and completes the request
/// once its result is delivered.
pub(crate) async fn attempt_taken(
    app: &Documents,
    mut record: NotificationRecord,
    pending: PendingMessage,
    now: OffsetDateTime,
) -> Result<NotificationState, ProcessError> {
    let channels = Channels {
        messenger: app.messenger.as_ref(),
        templates: app.templates.as_ref(),
        documents: Some(app.document_messenger.as_ref()),
        notifications: app.notifications.as_ref(),
        names: &app.template_names,
    };
    let sent = match &pending {
        PendingMessage::Notice {
            resident,
            notification,
        } => {
            channels
                .attempt(resident, Outgoing::Notice(notification), now)
                .await
        }
        PendingMessage::Result {
            resident,
            key,
            version,
            filename,
            caption,
            template_params,
            ..
        } => {
            // WhatsApp fetches the file from this link when it sends the message; it lives
            // minutes, so every attempt gets a fresh one, of the version that was validated.
            let link = app
                .objects
                .presign_download(key, version.as_deref(), filename, now, app.presign_ttl)
                .await?;
            let message = DocumentMessage {
                link: link.url,
                filename: filename.clone(),
                caption: caption.clone(),
            };
            channels
                .attempt(
                    resident,
                    Outgoing::Result {
                        document: &message,
                        template_params,
                    },
                    now,
                )
                .await
        }
    };
    // These messages are what the WhatsApp send-failure alarms count (template.yaml).
    if let Err(err) = &sent.result {
        match &pending {
            PendingMessage::Result { .. } => {
                tracing::warn!(ticket = %record.ticket.as_str(), resident = %pending.resident().masked(), error = %err, attempt = record.attempts, "result could not be sent");
            }
            PendingMessage::Notice { .. } => {
                tracing::warn!(ticket = %record.ticket.as_str(), resident = %pending.resident().masked(), error = %err, attempt = record.attempts, "notification not delivered");
            }
        }
    }
    let taken_at = record.attempts;
    delivery::settle(&mut record, sent, pending.clone(), now);
    if !app
        .notifications
        .record_notification_if(&record, NotificationCondition::Attempts(taken_at))
        .await?
    {
        tracing::warn!(ticket = %record.ticket.as_str(), "notification taken by another sweep meanwhile");
        return Ok(record.state);
    }
    if let PendingMessage::Result {
        document_id,
        officer,
        ..
    } = &pending
    {
        match (record.state, record.graph_message_id.as_deref()) {
            (NotificationState::Sent, Some(wamid)) => {
                complete_after_result(app, &record.ticket, document_id, officer, wamid).await?;
            }
            (NotificationState::Failed, _) => {
                // No personal data: ids and WhatsApp's reason.
                let event = shared::ports::AuditEvent {
                    ticket: record.ticket,
                    event_id: format!("{document_id}-result_delivery_failed"),
                    at: now,
                    actor: "documents".into(),
                    role: "system".into(),
                    action: "result_delivery_failed".into(),
                    from_status: None,
                    to_status: None,
                    note: Some(format!(
                        "document {document_id} ({}): {}",
                        domain::document::RESULT_SLOT,
                        record.error.as_deref().unwrap_or("not delivered")
                    )),
                    source_ip: None,
                    request_id: None,
                };
                app.requests.append_audit(&event).await?;
            }
            _ => {}
        }
    }
    Ok(record.state)
}
