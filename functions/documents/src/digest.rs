//! The supervisors' daily complaint digest: on a schedule (working days at 08:00 WIB,
//! `ComplaintDigest` in template.yaml), the open complaints past an SP4N-LAPOR! deadline or
//! escalated by the resident are e-mailed to the supervisors through an SNS topic. The choice of
//! complaints and the text are pure (`domain::complaint::digest`,
//! `domain::messages::digest`); this module reads the queues, holds the day's ledger and sends.
//!
//! One e-mail per Jakarta day: a run takes the day in the table first (a conditional write), so
//! a second invocation of the same schedule sends nothing; a run that fails to send leaves the
//! day to a retry once its lease passed. A run that dies after the send and before recording it
//! sends the day's e-mail again after the lease (SNS has no idempotency key for Publish).

use crate::{Documents, ProcessError};
use domain::{Request, RequestStatus, ServiceCode};
use serde::Serialize;
use shared::ports::digest::NotifyError;
use shared::ports::officer::QueuePosition;

/// The schedule's fixed input that names this task.
pub const TASK: &str = "complaint_digest";
/// How long a run owns the day before another may take it over: far longer than one Publish,
/// shorter than Lambda's first retry of a failed asynchronous invocation (about a minute).
pub const DIGEST_LEASE: time::Duration = time::Duration::seconds(50);
/// Requests read per queue query, and queries per status at most (5,000 open requests of one
/// status; more than a regency's office holds open, well inside the function's timeout).
const BATCH: i32 = 100;
const MAX_BATCHES: usize = 50;

/// What one run did (returned to the invoker, and logged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DigestReport {
    pub day: String,
    pub complaints: usize,
    pub sent: bool,
    /// Why nothing was sent: `nothing_due`, `already_taken`, `no_topic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<&'static str>,
}

/// The open complaints (submitted or being handled), from the status queues.
async fn open_complaints(app: &Documents) -> Result<Vec<Request>, ProcessError> {
    let mut complaints = Vec::new();
    for status in [RequestStatus::Submitted, RequestStatus::InReview] {
        let mut after: Option<QueuePosition> = None;
        for _ in 0..MAX_BATCHES {
            let batch = app
                .officer
                .queue_batch(status, true, after.as_ref(), BATCH)
                .await?;
            complaints.extend(
                batch
                    .requests
                    .into_iter()
                    .filter(|r| r.service == ServiceCode::Complaint),
            );
            match batch.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    Ok(complaints)
}

pub async fn run(app: &Documents) -> Result<DigestReport, ProcessError> {
    let now = app.clock.now();
    let today = domain::jakarta_date(now);
    let complaints = open_complaints(app).await?;
    let entries = domain::complaint::digest(&complaints, today, &app.holidays);
    let mut report = DigestReport {
        day: today.to_string(),
        complaints: entries.len(),
        sent: false,
        skipped: None,
    };
    let Some(mail) = domain::messages::digest::complaint_digest(&entries, today, &app.office.name)
    else {
        report.skipped = Some("nothing_due");
        tracing::info!(day = %report.day, "complaint digest: nothing past a deadline");
        return Ok(report);
    };
    let Some(sender) = &app.supervisor_mail else {
        report.skipped = Some("no_topic");
        tracing::warn!(
            day = %report.day,
            complaints = report.complaints,
            "complaint digest not sent: COMPLAINT_DIGEST_TOPIC_ARN is not set"
        );
        return Ok(report);
    };
    if !app
        .digest_ledger
        .take_digest(today, now, DIGEST_LEASE)
        .await?
    {
        report.skipped = Some("already_taken");
        tracing::info!(day = %report.day, "complaint digest already sent or being sent today");
        return Ok(report);
    }
    sender
        .send(&mail.subject, &mail.body)
        .await
        .map_err(|err| match err {
            NotifyError::Unavailable(m) => ProcessError::Temporary(m),
            NotifyError::Refused(m) => ProcessError::Permanent(m),
        })?;
    app.digest_ledger
        .digest_sent(today, entries.len(), now)
        .await?;
    report.sent = true;
    tracing::info!(
        day = %report.day,
        complaints = report.complaints,
        "complaint digest sent"
    );
    Ok(report)
}
