//! Telling the resident: free text inside WhatsApp's 24-hour customer-service window, the
//! configured template outside it or when Meta answers 131047. The status change is already
//! committed when this runs, so a failed send is recorded (and shown in the detail), never
//! returned as an error.

use crate::Status;
use crate::context::Caller;
use domain::messages::notifications::{Notification, TemplateKind};
use domain::{ResidentId, TicketId};
use serde::Serialize;
use shared::config::Env;
use shared::ports::SendError;
use shared::ports::officer::{NotificationRecord, NotificationState};
use time::{Duration, OffsetDateTime};

/// WhatsApp's customer-service window (SPEC 6).
const WINDOW: Duration = Duration::hours(24);

/// Names of the pre-approved templates (configuration: they are registered in Meta's business
/// manager, per deployment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Templates {
    pub status_update: String,
    pub officer_message: String,
    pub language: String,
}

impl Templates {
    pub fn from_env(env: &Env) -> Self {
        Self {
            status_update: env.or_default("WHATSAPP_TEMPLATE_STATUS_UPDATE", "status_update"),
            officer_message: env.or_default("WHATSAPP_TEMPLATE_OFFICER_MESSAGE", "officer_message"),
            language: env.or_default("WHATSAPP_TEMPLATE_LANGUAGE", "id"),
        }
    }

    fn name(&self, kind: TemplateKind) -> &str {
        match kind {
            TemplateKind::StatusUpdate => &self.status_update,
            TemplateKind::OfficerMessage => &self.officer_message,
        }
    }
}

/// What the caller reports back to the officer.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub state: NotificationState,
    pub via: &'static str,
}

/// Whether the resident wrote in the last 24 hours; when the store cannot say, the template
/// path is taken (it works inside the window too).
async fn inside_window(app: &Status, resident: &ResidentId, now: OffsetDateTime) -> bool {
    match app.officer.last_inbound_at(resident).await {
        Ok(Some(last)) => now - last < WINDOW,
        Ok(None) => false,
        Err(err) => {
            tracing::warn!(error = %err, "conversation unreadable; sending a template");
            false
        }
    }
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
    let mut via = "template";
    let result = if inside_window(app, resident, now).await {
        match app.messenger.send(resident, &notification.reply()).await {
            Err(SendError::OutsideWindow) => send_template(app, resident, notification).await,
            other => {
                via = "text";
                other
            }
        }
    } else {
        send_template(app, resident, notification).await
    };
    let (state, graph_message_id, error) = match result {
        Ok(id) => (NotificationState::Sent, Some(id), None),
        Err(err) => {
            tracing::warn!(ticket = %ticket.as_str(), resident = %resident.masked(), error = %err, "notification not delivered");
            (NotificationState::Failed, None, Some(err.to_string()))
        }
    };
    let record = NotificationRecord {
        ticket: *ticket,
        notification_id: caller.id(now, &format!("ntf-{cause}")),
        at: now,
        cause: cause.to_owned(),
        via: via.to_owned(),
        template: (via == "template")
            .then(|| app.template_names.name(notification.template).to_owned()),
        state,
        graph_message_id,
        error,
    };
    if let Err(err) = app.officer.record_notification(&record).await {
        tracing::error!(ticket = %ticket.as_str(), error = %err, "notification record not stored");
    }
    Delivery { state, via }
}

async fn send_template(
    app: &Status,
    resident: &ResidentId,
    notification: &Notification,
) -> Result<String, SendError> {
    app.templates
        .send_template(
            resident,
            app.template_names.name(notification.template),
            &app.template_names.language,
            &notification.template_params,
        )
        .await
}
