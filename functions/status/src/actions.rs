//! `POST /requests/{ticket}/actions`: claim, release, request_revision, approve, reject, complete.
//! The rules are `domain::officer_actions`; here: parse, read, check scope and version, apply,
//! store conditionally on the version with the audit event (one transaction), then notify.

use crate::Status;
use crate::context::Caller;
use crate::error::{ApiError, parse_body};
use crate::notify::{self, Delivery};
use domain::messages::notifications;
use domain::officer_actions::{self, Action, ActionKind, Actor, RevisionItem};
use domain::{RequestStatus, TicketId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use shared::http::json;
use shared::identity::Role;
use shared::ports::StoreError;

/// The body as sent; each field is typed below so a bad value names its own field (serde's
/// messages for enums and nested lists do not say which field failed).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActionBody {
    action: Option<serde_json::Value>,
    expected_version: Option<serde_json::Value>,
    #[serde(default)]
    reason: Option<serde_json::Value>,
    #[serde(default)]
    items: Option<serde_json::Value>,
}

pub struct ActionBody {
    pub action: ActionKind,
    pub expected_version: u64,
    pub reason: Option<String>,
    pub items: Option<Vec<RevisionItem>>,
}

fn field<T: serde::de::DeserializeOwned>(
    name: &'static str,
    value: Option<serde_json::Value>,
    expected: &str,
) -> Result<Option<T>, ApiError> {
    value
        .filter(|v| !v.is_null())
        .map(|v| {
            serde_json::from_value(v).map_err(|_| ApiError::invalid(name, expected.to_owned()))
        })
        .transpose()
}

impl ActionBody {
    pub fn parse(body: &Body) -> Result<Self, ApiError> {
        let raw: RawActionBody = parse_body(body)?;
        let actions = ActionKind::ALL.map(|a| a.as_str()).join(", ");
        Ok(Self {
            action: field("action", raw.action, &format!("one of {actions}"))?
                .ok_or_else(|| ApiError::invalid("action", "required"))?,
            expected_version: field(
                "expected_version",
                raw.expected_version,
                "the version you read, a non-negative integer",
            )?
            .ok_or_else(|| ApiError::invalid("expected_version", "required"))?,
            reason: field("reason", raw.reason, "a string")?,
            items: field("items", raw.items, "a list of {slot, reason}")?,
        })
    }

    pub fn into_action(self) -> Result<Action, ApiError> {
        Ok(match self.action {
            ActionKind::Claim => Action::Claim,
            ActionKind::Release => Action::Release,
            ActionKind::Approve => Action::Approve,
            ActionKind::Complete => Action::Complete,
            ActionKind::Reject => Action::Reject {
                reason: self.reason.unwrap_or_default(),
            },
            ActionKind::RequestRevision => {
                Action::RequestRevision(self.items.ok_or_else(|| {
                    ApiError::invalid("items", "list the slots to revise and why")
                })?)
            }
        })
    }
}

#[derive(Serialize)]
struct ActionResult {
    ticket: String,
    status: RequestStatus,
    version: u64,
    assigned_to: Option<String>,
    allowed_actions: Vec<ActionKind>,
    notification: Delivery,
}

pub async fn post(
    app: &Status,
    caller: &Caller,
    ticket: TicketId,
    body: &Body,
) -> Result<Response<Body>, ApiError> {
    let body = ActionBody::parse(body)?;
    let expected = body.expected_version;
    let action = body.into_action()?;

    let current = app
        .requests
        .get_request(&ticket)
        .await?
        .ok_or(ApiError::NotFound("no request with this ticket"))?;
    caller.check_scope(&current)?;
    let definition = domain::service(current.service);
    // Bad arguments are reported before the version: fixing them is the officer's next step.
    officer_actions::validate(&action, definition)
        .map_err(|e| ApiError::from_action(e, current.version))?;
    if current.version != expected {
        return Err(ApiError::StaleVersion {
            expected,
            current: current.version,
        });
    }
    let now = app.clock.now();
    let actor = Actor {
        subject: caller.officer.subject.clone(),
        supervisor: caller.officer.has(Role::Supervisor),
    };
    let mut applied = officer_actions::apply(&current, &action, &actor, now)
        .map_err(|e| ApiError::from_action(e, current.version))?;
    // A completed request asks for the satisfaction survey, inside the 24-hour window only.
    let mut survey_offered = false;
    if applied.to == RequestStatus::Completed
        && let Some(survey) =
            shared::delivery::survey_to_offer(app.officer.as_ref(), &applied.request, now).await
    {
        applied.request.survey = Some(survey);
        survey_offered = true;
    }

    let mut event = caller.event(&ticket, action.kind().as_str(), now);
    event.from_status = Some(applied.from.as_str().to_owned());
    event.to_status = Some(applied.to.as_str().to_owned());
    event.note = applied.note.clone();
    match app
        .officer
        .save_change(&applied.request, expected, &[event])
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            // Someone changed it between our read and our write: tell the caller where it is now.
            let now_at = app
                .requests
                .get_request(&ticket)
                .await?
                .map_or(expected + 1, |r| r.version);
            return Err(ApiError::StaleVersion {
                expected,
                current: now_at,
            });
        }
        Err(err) => return Err(err.into()),
    }

    let (reason, items) = match &action {
        Action::Reject { reason } => (Some(reason.as_str()), &[][..]),
        Action::RequestRevision(items) => (None, items.as_slice()),
        _ => (None, &[][..]),
    };
    let notification =
        notifications::for_status(&ticket, definition, applied.from, applied.to, reason, items);
    let delivery = notify::send(
        app,
        caller,
        &ticket,
        &applied.request.resident,
        &notification,
        action.kind().as_str(),
    )
    .await;
    if survey_offered {
        shared::delivery::send_survey_offer(app.messenger.as_ref(), &applied.request).await;
    }
    if !applied.request.status.is_open() {
        withdraw_appointment(app, caller, &applied.request).await;
    }
    let result = ActionResult {
        ticket: ticket.as_str().to_owned(),
        status: applied.request.status,
        version: applied.request.version,
        assigned_to: applied.request.assigned_to.clone(),
        allowed_actions: ActionKind::allowed(definition.kind, applied.request.status),
        notification: delivery,
    };
    Ok(json(StatusCode::OK, &result))
}

/// A request closed with its appointment still ahead gives the place back at once, and the
/// resident is told not to come. The change is committed already: a failure here is logged, and
/// the daily appointment run withdraws the booking before it would remind anyone of it.
async fn withdraw_appointment(app: &Status, caller: &Caller, request: &domain::Request) {
    match shared::appointments::withdraw_unwanted(
        app.appointments.as_ref(),
        &request.ticket,
        Some(request.status),
    )
    .await
    {
        Ok(Some(booking)) => {
            let text = domain::messages::appointments::withdrawn(&booking);
            let notice =
                domain::messages::notifications::Notification::from_text(&request.ticket, &text);
            notify::send(
                app,
                caller,
                &request.ticket,
                &request.resident,
                &notice,
                "appointment_withdrawn",
            )
            .await;
        }
        Ok(None) => {}
        Err(err) => {
            tracing::warn!(ticket = %request.ticket.as_str(), error = %err, "appointment of a closed request not withdrawn; the daily run will");
        }
    }
}
