//! Delivering what the office owes a resident (notifications, notices about scans, finished
//! documents) through WhatsApp's rules: free-form inside the 24-hour customer-service window, an
//! approved template outside it or when Meta answers 131047; a temporary failure (429/130429,
//! 5xx, timeout) is kept in `RETRYING` with what to send and tried again by the documents
//! function's sweep (`domain::delivery` says when), every attempt logged on the record.

use crate::config::Env;
use crate::ports::Messenger;
use crate::ports::SendError;
use crate::ports::documents::{DocumentMessage, DocumentMessenger};
use crate::ports::officer::{
    Attempt, NotificationRecord, NotificationRepository, NotificationState, PendingMessage,
    TemplateMessenger,
};
use domain::ResidentId;
use domain::messages::notifications::{Notification, TemplateKind};
use time::{Duration, OffsetDateTime};

/// WhatsApp's customer-service window.
pub const WINDOW: Duration = Duration::hours(24);

/// Names of the pre-approved templates (configuration: registered in Meta's business manager,
/// per deployment; the deploy notes give their text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Templates {
    pub status_update: String,
    pub officer_message: String,
    /// Utility template with a DOCUMENT header: `{{1}}` ticket, `{{2}}` the document's name.
    pub result_document: String,
    pub language: String,
}

impl Templates {
    pub fn from_env(env: &Env) -> Self {
        Self {
            status_update: env.or_default("WHATSAPP_TEMPLATE_STATUS_UPDATE", "status_update"),
            officer_message: env.or_default("WHATSAPP_TEMPLATE_OFFICER_MESSAGE", "officer_message"),
            result_document: env.or_default("WHATSAPP_TEMPLATE_RESULT_DOCUMENT", "result_document"),
            language: env.or_default("WHATSAPP_TEMPLATE_LANGUAGE", "id"),
        }
    }

    pub fn name(&self, kind: TemplateKind) -> &str {
        match kind {
            TemplateKind::StatusUpdate => &self.status_update,
            TemplateKind::OfficerMessage => &self.officer_message,
        }
    }
}

/// The ways out to WhatsApp and the window's source of truth.
pub struct Channels<'a> {
    pub messenger: &'a dyn Messenger,
    pub templates: &'a dyn TemplateMessenger,
    /// Only the documents function sends documents.
    pub documents: Option<&'a dyn DocumentMessenger>,
    pub notifications: &'a dyn NotificationRepository,
    pub names: &'a Templates,
}

/// One message to send now.
pub enum Outgoing<'a> {
    Notice(&'a Notification),
    /// A finished document with a fresh link.
    Result {
        document: &'a DocumentMessage,
        template_params: &'a [String],
    },
}

/// What one attempt did.
pub struct Sent {
    pub via: &'static str,
    pub template: Option<String>,
    pub result: Result<String, SendError>,
}

/// Whether the resident wrote in the last 24 hours; when the store cannot say, `false` (the
/// template path works inside the window too; what has no template is not sent).
pub async fn inside_window(
    notifications: &dyn NotificationRepository,
    resident: &ResidentId,
    now: OffsetDateTime,
) -> bool {
    match notifications.last_inbound_at(resident).await {
        Ok(Some(last)) => now - last < WINDOW,
        Ok(None) => false,
        Err(err) => {
            tracing::warn!(error = %err, "conversation unreadable; taken as outside the window");
            false
        }
    }
}

/// The satisfaction survey is offered when a request is completed, only inside the 24-hour
/// window (an interactive message; never a paid template): `Some(survey)` to store with the
/// completion when it is open.
pub async fn survey_to_offer(
    notifications: &dyn NotificationRepository,
    request: &domain::Request,
    now: OffsetDateTime,
) -> Option<domain::survey::Survey> {
    if request.survey.is_some() {
        return None;
    }
    inside_window(notifications, &request.resident, now)
        .await
        .then(|| domain::survey::Survey::offered(now))
}

/// Sends the survey offer of a request completed with one (see [`survey_to_offer`]). A failure
/// is logged: the survey is optional, and the resident can still be asked by an officer.
pub async fn send_survey_offer(messenger: &dyn Messenger, request: &domain::Request) {
    if let Err(err) = messenger
        .send(&request.resident, &domain::messages::survey::offer(request))
        .await
    {
        tracing::warn!(ticket = %request.ticket.as_str(), resident = %request.resident.masked(), error = %err, "survey offer not delivered");
    }
}

impl Channels<'_> {
    async fn inside_window(&self, resident: &ResidentId, now: OffsetDateTime) -> bool {
        inside_window(self.notifications, resident, now).await
    }

    /// One attempt: free-form inside the window, the template outside it or after a 131047.
    pub async fn attempt(
        &self,
        resident: &ResidentId,
        outgoing: Outgoing<'_>,
        now: OffsetDateTime,
    ) -> Sent {
        let inside = self.inside_window(resident, now).await;
        match outgoing {
            Outgoing::Notice(notification) => {
                if inside {
                    match self.messenger.send(resident, &notification.reply()).await {
                        Err(SendError::OutsideWindow) => {}
                        result => {
                            return Sent {
                                via: "text",
                                template: None,
                                result,
                            };
                        }
                    }
                }
                let name = self.names.name(notification.template).to_owned();
                let result = self
                    .templates
                    .send_template(
                        resident,
                        &name,
                        &self.names.language,
                        &notification.template_params,
                    )
                    .await;
                Sent {
                    via: "template",
                    template: Some(name),
                    result,
                }
            }
            Outgoing::Result {
                document,
                template_params,
            } => {
                if inside && let Some(documents) = self.documents {
                    match documents.send_document(resident, document).await {
                        Err(SendError::OutsideWindow) => {}
                        result => {
                            return Sent {
                                via: "document",
                                template: None,
                                result,
                            };
                        }
                    }
                }
                let name = self.names.result_document.clone();
                let result = self
                    .templates
                    .send_document_template(
                        resident,
                        &name,
                        &self.names.language,
                        document,
                        template_params,
                    )
                    .await;
                Sent {
                    via: "template",
                    template: Some(name),
                    result,
                }
            }
        }
    }
}

/// Records the attempt's outcome on `record` (already counting this attempt): sent; kept for
/// another attempt with `pending` when the failure is temporary and the retries last; or failed.
pub fn settle(
    record: &mut NotificationRecord,
    sent: Sent,
    pending: PendingMessage,
    now: OffsetDateTime,
) {
    record.via = sent.via.to_owned();
    record.template = sent.template;
    let outcome = match &sent.result {
        Ok(_) => "sent".to_owned(),
        Err(err) => err.to_string(),
    };
    record.log.push(Attempt {
        at: now,
        via: sent.via.to_owned(),
        outcome,
    });
    match sent.result {
        Ok(id) => {
            record.state = NotificationState::Sent;
            record.graph_message_id = Some(id);
            record.error = None;
            record.next_attempt_at = None;
            record.pending = None;
        }
        Err(err) => {
            let next = err
                .is_transient()
                .then(|| domain::delivery::next_attempt(record.attempts, now))
                .flatten();
            record.error = Some(err.to_string());
            match next {
                Some(at) => {
                    record.state = NotificationState::Retrying;
                    record.next_attempt_at = Some(at);
                    record.pending = Some(pending);
                }
                None => {
                    record.state = NotificationState::Failed;
                    record.next_attempt_at = None;
                    record.pending = None;
                    if err.is_transient() {
                        record.error =
                            Some(format!("gave up after {} attempts: {err}", record.attempts));
                    }
                }
            }
        }
    }
}

/// A first record for a notification about to be attempted.
pub fn first_record(
    ticket: domain::TicketId,
    notification_id: String,
    at: OffsetDateTime,
    cause: &str,
) -> NotificationRecord {
    NotificationRecord {
        ticket,
        notification_id,
        at,
        cause: cause.to_owned(),
        via: String::new(),
        template: None,
        state: NotificationState::Retrying,
        graph_message_id: None,
        error: None,
        attempts: 1,
        next_attempt_at: None,
        pending: None,
        log: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 03:00 UTC);

    fn pending() -> PendingMessage {
        PendingMessage::Notice {
            resident: ResidentId::Phone("6281".into()),
            notification: Notification::from_text(
                &domain::TicketId::parse("ABCD-EFGH").unwrap(),
                "halo",
            ),
        }
    }

    fn record() -> NotificationRecord {
        first_record(
            domain::TicketId::parse("ABCD-EFGH").unwrap(),
            "n1".into(),
            NOW,
            "approve",
        )
    }

    fn sent(result: Result<String, SendError>) -> Sent {
        Sent {
            via: "text",
            template: None,
            result,
        }
    }

    #[test]
    fn a_temporary_failure_is_kept_with_what_to_send_then_given_up() {
        let mut r = record();
        settle(
            &mut r,
            sent(Err(SendError::Transient("429".into()))),
            pending(),
            NOW,
        );
        assert_eq!(r.state, NotificationState::Retrying);
        assert_eq!(r.next_attempt_at, Some(NOW + Duration::minutes(1)));
        assert!(r.pending.is_some());
        assert_eq!(r.log.len(), 1);
        r.attempts = 12;
        settle(
            &mut r,
            sent(Err(SendError::Transient("500".into()))),
            pending(),
            NOW,
        );
        assert_eq!(r.state, NotificationState::Failed);
        assert!(r.pending.is_none() && r.next_attempt_at.is_none());
        assert!(r.error.as_deref().unwrap().starts_with("gave up after 12"));
    }

    #[test]
    fn success_and_permanent_refusals_end_it() {
        let mut r = record();
        settle(&mut r, sent(Ok("wamid.X".into())), pending(), NOW);
        assert_eq!(r.state, NotificationState::Sent);
        assert_eq!(r.graph_message_id.as_deref(), Some("wamid.X"));
        assert!(r.pending.is_none());
        let mut r = record();
        let refused = SendError::Rejected {
            code: 131026,
            message: "undeliverable".into(),
        };
        settle(&mut r, sent(Err(refused)), pending(), NOW);
        assert_eq!(r.state, NotificationState::Failed);
        assert!(r.pending.is_none());
    }
}
