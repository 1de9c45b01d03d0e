//! `GET /requests/{ticket}`: the full request with history, thread, notifications and documents,
//! read in one query; the read is audit-logged before any personal data leaves.

use crate::Status;
use crate::context::Caller;
use crate::error::ApiError;
use domain::officer_actions::ActionKind;
use domain::{Request as ServiceRequest, ServiceKind, TicketId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;
use shared::http::json;
use shared::ports::AuditEvent;
use shared::ports::officer::{NotificationRecord, NotificationState, ThreadMessage};

/// The cause of the notification that carries the finished document.
pub const RESULT_CAUSE: &str = "result";

#[derive(Serialize)]
pub struct Detail {
    /// The stored request as is (full NIK: officers need it to process the request).
    #[serde(flatten)]
    pub request: ServiceRequest,
    pub service_name: &'static str,
    pub kind: ServiceKind,
    pub late_report: bool,
    pub overdue: bool,
    /// See `QueueItem::waiting_for_resident`; `unanswered_messages` comes with the request.
    pub waiting_for_resident: bool,
    pub allowed_actions: Vec<ActionKind>,
    /// What each slot id of this request's service means, as the resident was asked (the
    /// service's attachment slots, `lainnya`, free attachments and the result), for display.
    pub slot_labels: std::collections::BTreeMap<&'static str, String>,
    /// A complaint's deadlines today (`complaint` holds the dates and milestones as stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint_deadlines: Option<crate::queue::ComplaintDeadlines>,
    /// The finished document is stored but WhatsApp has not taken it yet ("siap, belum
    /// terkirim"): why, while the request waits in `APPROVED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_undelivered: Option<String>,
    pub history: Vec<AuditEvent>,
    pub messages: Vec<ThreadMessage>,
    pub notifications: Vec<NotificationRecord>,
    pub documents: Vec<serde_json::Value>,
}

fn slot_labels(
    definition: &domain::ServiceDefinition,
) -> std::collections::BTreeMap<&'static str, String> {
    let mut labels: std::collections::BTreeMap<&'static str, String> = definition
        .slots
        .iter()
        .map(|s| (s.id, s.label.to_owned()))
        .collect();
    labels.insert(domain::officer_actions::OTHER_SLOT, "Lainnya".to_owned());
    labels
        .entry(domain::document::ATTACHMENT_SLOT)
        .or_insert_with(|| "Lampiran".to_owned());
    labels.insert(domain::document::RESULT_SLOT, "Dokumen hasil".to_owned());
    labels
}

pub async fn get(
    app: &Status,
    caller: &Caller,
    ticket: TicketId,
) -> Result<Response<Body>, ApiError> {
    let records = app.officer.ticket_records(&ticket).await?;
    let request = records
        .request
        .ok_or(ApiError::NotFound("no request with this ticket"))?;
    caller.check_scope(&request)?;
    let now = app.clock.now();
    let read = caller.event(&ticket, "read", now);
    // No audit record, no personal data.
    app.requests.append_audit(&read).await?;
    // What a retried notification will send is the system's business, not the officer's.
    let notifications: Vec<NotificationRecord> = records
        .notifications
        .into_iter()
        .map(|mut n| {
            n.pending = None;
            n
        })
        .collect();
    let mut history = records.events;
    history.push(read);
    let today = domain::jakarta_date(now);
    let definition = domain::service(request.service);
    let detail = Detail {
        service_name: definition.name,
        kind: definition.kind,
        late_report: request.event_date.is_some_and(|event| {
            let reported = domain::jakarta_date(request.submitted_at.unwrap_or(request.created_at));
            definition.is_late_report(event, reported)
        }),
        overdue: request.is_overdue(today),
        waiting_for_resident: request.is_waiting_for_resident(),
        allowed_actions: ActionKind::allowed(definition.kind, request.status),
        slot_labels: slot_labels(definition),
        complaint_deadlines: crate::queue::ComplaintDeadlines::of(&request, today, &app.holidays),
        result_undelivered: (request.status == domain::RequestStatus::Approved)
            .then(|| {
                notifications
                    .iter()
                    .rev()
                    .find(|n| n.cause == RESULT_CAUSE)
                    .filter(|n| n.state != NotificationState::Sent)
                    .map(|n| n.error.clone().unwrap_or_else(|| "sending".to_owned()))
            })
            .flatten(),
        history,
        messages: records.messages,
        notifications,
        documents: records.documents,
        request,
    };
    // The NIK is shown masked; the whole number only through `POST /requests/{ticket}/nik`,
    // which records that this officer looked at it.
    let masked = detail.request.applicant.as_ref().map(|a| a.nik.masked());
    // A struct of strings and numbers always converts; a failure would be a bug, answered 503.
    let mut body = serde_json::to_value(&detail)
        .map_err(|e| ApiError::Store(shared::ports::StoreError::Invalid(e.to_string())))?;
    if let (Some(masked), Some(applicant)) = (
        masked,
        body.get_mut("applicant")
            .and_then(serde_json::Value::as_object_mut),
    ) {
        applicant.remove("nik");
        applicant.insert("nik_masked".into(), serde_json::Value::String(masked));
    }
    Ok(json(StatusCode::OK, &body))
}

#[derive(Serialize)]
struct RevealedNik {
    nik: String,
}

/// `POST /requests/{ticket}/nik`: the applicant's whole NIK, for an officer who must compare it
/// with a document; audited (`nik_revealed`) before it leaves.
pub async fn reveal_nik(
    app: &Status,
    caller: &Caller,
    ticket: TicketId,
) -> Result<Response<Body>, ApiError> {
    let request = app
        .requests
        .get_request(&ticket)
        .await?
        .ok_or(ApiError::NotFound("no request with this ticket"))?;
    caller.check_scope(&request)?;
    let Some(applicant) = request.applicant.as_ref() else {
        return Err(ApiError::NotFound("this request has no applicant NIK"));
    };
    let now = app.clock.now();
    app.requests
        .append_audit(&caller.event(&ticket, "nik_revealed", now))
        .await?;
    Ok(json(
        StatusCode::OK,
        &RevealedNik {
            nik: applicant.nik.as_str().to_owned(),
        },
    ))
}
