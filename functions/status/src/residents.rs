//! `GET /residents/{resident}/export` and `POST /residents/{resident}/erase` (supervisor): the UU
//! PDP rights of access and erasure. `{resident}` is the resident key (`wa:<phone>` or
//! `user:<id>`). Erasure deletes the requests and everything personal under them and the
//! resident's conversation; audit events stay, keeping ids only. Scans and results (every
//! version) belong to the documents function (SPEC 2): erasure schedules their deletion in the
//! same write that erases each ticket, and the documents function purges the bucket from the
//! table's stream within seconds, well inside the law's 3x24 hours.

use crate::Status;
use crate::context::Caller;
use crate::error::ApiError;
use domain::ResidentId;
use domain::conversation::Conversation;
use domain::erasure::ObjectErasure;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;
use shared::http::json;
use shared::ports::AuditEvent;
use shared::ports::officer::{NotificationRecord, ThreadMessage};

#[derive(Serialize)]
struct ExportedRequest {
    request: domain::Request,
    history: Vec<AuditEvent>,
    messages: Vec<ThreadMessage>,
    notifications: Vec<NotificationRecord>,
    documents: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct Export {
    resident: String,
    #[serde(with = "time::serde::rfc3339")]
    exported_at: time::OffsetDateTime,
    conversation: Option<Conversation>,
    requests: Vec<ExportedRequest>,
}

/// What became of the resident's stored objects.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum ObjectDeletion {
    /// Recorded for the documents function, which deletes every version.
    Scheduled,
    /// No ticket, so no objects.
    None,
}

#[derive(Serialize)]
struct Erased {
    resident: String,
    erased_requests: usize,
    /// Tickets are not personal data: they let the caller follow the object deletion.
    erased_tickets: Vec<String>,
    object_deletion: ObjectDeletion,
    /// Names the scheduled deletions (`ERASE#<id>` items); the same id as the `erase` audit
    /// events.
    #[serde(skip_serializing_if = "Option::is_none")]
    erasure_id: Option<String>,
    erased_items: usize,
    #[serde(with = "time::serde::rfc3339")]
    erased_at: time::OffsetDateTime,
}

fn resident(raw: Option<&str>) -> Result<ResidentId, ApiError> {
    raw.and_then(|r| ResidentId::parse_key(r).ok())
        .ok_or_else(|| {
            ApiError::invalid("resident", "a resident key: wa:<phone> or user:<user id>")
        })
}

pub async fn export(
    app: &Status,
    caller: &Caller,
    raw: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    // A resident's data spans kecamatan (and their conversation belongs to none).
    caller.require_regency_supervisor()?;
    let resident = resident(raw)?;
    let requests = app.requests.requests_of_resident(&resident).await?;
    let now = app.clock.now();
    let mut exported = Vec::new();
    for request in requests {
        // The export is a read of personal data: audited per request before it is returned.
        app.requests
            .append_audit(&caller.event(&request.ticket, "export", now))
            .await?;
        let records = app.officer.ticket_records(&request.ticket).await?;
        exported.push(ExportedRequest {
            request: records.request.unwrap_or(request),
            history: records.events,
            messages: records.messages,
            notifications: records.notifications,
            documents: records.documents,
        });
    }
    let conversation = app.conversations.get_conversation(&resident, now).await?;
    tracing::info!(audit = "export", resident = %resident.masked(), officer = %caller.officer.subject, requests = exported.len(), "resident data exported");
    Ok(json(
        StatusCode::OK,
        &Export {
            resident: resident.key(),
            exported_at: now,
            conversation,
            requests: exported,
        },
    ))
}

pub async fn erase(
    app: &Status,
    caller: &Caller,
    raw: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    // A resident's data spans kecamatan (and their conversation belongs to none).
    caller.require_regency_supervisor()?;
    let resident = resident(raw)?;
    let requests = app.requests.requests_of_resident(&resident).await?;
    let now = app.clock.now();
    let erasure_id = caller.id(now, "erase");
    for request in &requests {
        // A booking still ahead gives its place back before the request's records go: a slot
        // counting an erased booking would stay full for no one.
        shared::appointments::withdraw_unwanted(app.appointments.as_ref(), &request.ticket, None)
            .await?;
        let mut event = caller.event(&request.ticket, "erase", now);
        event.from_status = Some(request.status.as_str().to_owned());
        let objects = ObjectErasure::of_ticket(erasure_id.clone(), request.ticket, now);
        app.erasure
            .erase_ticket(&request.ticket, &resident, &event, &objects)
            .await?;
    }
    let erased_items = app.erasure.erase_resident_items(&resident).await?;
    tracing::info!(audit = "erase", resident = %resident.masked(), officer = %caller.officer.subject, requests = requests.len(), %erasure_id, "resident data erased; object deletion scheduled");
    let (object_deletion, erasure_id) = if requests.is_empty() {
        (ObjectDeletion::None, None)
    } else {
        (ObjectDeletion::Scheduled, Some(erasure_id))
    };
    Ok(json(
        StatusCode::OK,
        &Erased {
            resident: resident.masked(),
            erased_requests: requests.len(),
            erased_tickets: requests
                .iter()
                .map(|r| r.ticket.as_str().to_owned())
                .collect(),
            object_deletion,
            erasure_id,
            erased_items,
            erased_at: now,
        },
    ))
}
