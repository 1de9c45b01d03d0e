//! Telling the resident about a change or an officer's message (`shared::delivery`: free text
//! inside WhatsApp's 24-hour window, the configured template outside it or after a 131047). The
//! change is already committed when this runs, so a failed send is recorded (and shown in the
//! detail), never returned as an error; a temporary failure is kept for the documents function's
//! retry sweep.

use crate::Status;
use crate::context::Caller;
use domain::messages::notifications::Notification;
use domain::{ResidentId, TicketId};
use serde::Serialize;
use shared::delivery::{self, Channels, Outgoing};
use shared::ports::officer::{NotificationState, PendingMessage};

/// What the caller reports back to the officer.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub state: NotificationState,
    pub via: String,
}

pub async fn send(
    app: &Status,
    caller: &Caller,
    ticket: &TicketId,
    resident: &ResidentId,
    notification: &Notification,
    cause: &str,
) -> Delivery {
    let now = app.clock.now();
    let channels = Channels {
        messenger: app.messenger.as_ref(),
        templates: app.templates.as_ref(),
        documents: None,
        notifications: app.officer.as_ref(),
        names: &app.template_names,
    };
    let sent = channels
        .attempt(resident, Outgoing::Notice(notification), now)
        .await;
    if let Err(err) = &sent.result {
        tracing::warn!(ticket = %ticket.as_str(), resident = %resident.masked(), error = %err, "notification not delivered");
    }
    let mut record =
        delivery::first_record(*ticket, caller.id(now, &format!("ntf-{cause}")), now, cause);
    delivery::settle(
        &mut record,
        sent,
        PendingMessage::Notice {
            resident: resident.clone(),
            notification: notification.clone(),
        },
        now,
    );
    if let Err(err) = app.officer.record_notification(&record).await {
        tracing::error!(ticket = %ticket.as_str(), error = %err, "notification record not stored");
    }
    Delivery {
        state: record.state,
        via: record.via,
    }
}
