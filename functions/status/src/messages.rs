//! `POST /requests/{ticket}/messages`: an officer writes to the resident (answers to complaints
//! and consultations). The message is stored in the request's thread with its audit event, then
//! sent like any notification.

use crate::Status;
use crate::context::Caller;
use crate::error::{ApiError, parse_body};
use crate::notify::{self, Delivery};
use domain::TicketId;
use domain::messages::notifications;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use shared::http::json;
use shared::ports::officer::{MessageAuthor, ThreadMessage};

/// Leaves room in WhatsApp's 4096-character text for the greeting and the ticket.
pub const MESSAGE_MAX_CHARS: usize = 3500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    text: String,
}

#[derive(Serialize)]
struct Posted {
    message_id: String,
    notification: Delivery,
}

pub async fn post(
    app: &Status,
    caller: &Caller,
    ticket: TicketId,
    body: &Body,
) -> Result<Response<Body>, ApiError> {
    let body: MessageBody = parse_body(body)?;
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid("text", "required"));
    }
    if text.chars().count() > MESSAGE_MAX_CHARS {
        return Err(ApiError::invalid(
            "text",
            format!("at most {MESSAGE_MAX_CHARS} characters"),
        ));
    }
    // The request records that an officer waits for the resident's answer (the webhook then
    // routes the resident's next message to this ticket) and that the resident's earlier
    // messages are answered; a concurrent change of the request is read again.
    let mut attempts = 0;
    let (request, message) = loop {
        attempts += 1;
        let request = app
            .requests
            .get_request(&ticket)
            .await?
            .ok_or(ApiError::NotFound("no request with this ticket"))?;
        caller.check_scope(&request)?;
        let now = app.clock.now();
        let message = ThreadMessage {
            ticket,
            message_id: caller.id(now, "msg"),
            at: now,
            author: MessageAuthor::Officer,
            actor: caller.officer.subject.clone(),
            text: text.to_owned(),
        };
        let mut next = request.clone();
        next.awaiting_resident_reply = true;
        next.unanswered_messages = 0;
        // A complaint's first officer message is its answer (SP4N-LAPOR!'s 5 working days).
        if let Some(timeline) = next.complaint.as_mut() {
            timeline.record_answer(now);
        }
        next.version = request.version + 1;
        next.updated_at = now;
        // The audit event says a message was written, not what it says (that is in the thread).
        let event = caller.event(&ticket, "message", now);
        match app
            .officer
            .add_thread_message(&message, &event, &next, request.version)
            .await
        {
            Ok(()) => break (request, message),
            Err(shared::ports::StoreError::Conflict) if attempts < 3 => continue,
            Err(err) => return Err(err.into()),
        }
    };
    let notification = notifications::officer_message(&ticket, text);
    let delivery = notify::send(
        app,
        caller,
        &ticket,
        &request.resident,
        &notification,
        "message",
    )
    .await;
    Ok(json(
        StatusCode::CREATED,
        &Posted {
            message_id: message.message_id,
            notification: delivery,
        },
    ))
}
