//! What an officer may do to a request, as pure rules over the SPEC section 5 lifecycle.
//!
//! Each action names one target status; whether it is allowed is decided by
//! [`crate::status::allowed_next`] (the single lifecycle table) plus the one thing that table
//! cannot say: who makes the move. `NEEDS_REVISION → SUBMITTED` and `DRAFT → SUBMITTED` are the
//! resident's (new items), `CANCELLED` is the resident's, so no officer action produces them,
//! except `release`, which puts a claimed request back into the queue.

use crate::catalog::ServiceKind;
use crate::request::Request;
use crate::status::{RequestStatus, allowed_next};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Longest reason or revision note an officer may write (it is sent on WhatsApp).
pub const REASON_MAX_CHARS: usize = 1000;
/// A revision lists at most this many items (one message to the resident).
pub const REVISION_ITEMS_MAX: usize = 20;

/// The name of an action, as it appears on the wire and in audit events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Claim,
    Release,
    RequestRevision,
    Approve,
    Reject,
    Complete,
}

impl ActionKind {
    pub const ALL: [ActionKind; 6] = [
        ActionKind::Claim,
        ActionKind::Release,
        ActionKind::RequestRevision,
        ActionKind::Approve,
        ActionKind::Reject,
        ActionKind::Complete,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ActionKind::Claim => "claim",
            ActionKind::Release => "release",
            ActionKind::RequestRevision => "request_revision",
            ActionKind::Approve => "approve",
            ActionKind::Reject => "reject",
            ActionKind::Complete => "complete",
        }
    }

    /// The status the action moves a request to.
    pub const fn target(self) -> RequestStatus {
        match self {
            ActionKind::Claim => RequestStatus::InReview,
            ActionKind::Release => RequestStatus::Submitted,
            ActionKind::RequestRevision => RequestStatus::NeedsRevision,
            ActionKind::Approve => RequestStatus::Approved,
            ActionKind::Reject => RequestStatus::Rejected,
            ActionKind::Complete => RequestStatus::Completed,
        }
    }

    /// Whether an officer may take this action on a request of `kind` in `from`.
    pub fn is_allowed(self, kind: ServiceKind, from: RequestStatus) -> bool {
        let source_ok = match self {
            // Only a queued request can be claimed (NEEDS_REVISION waits for the resident).
            ActionKind::Claim => from == RequestStatus::Submitted,
            // Only a claimed request goes back to the queue; NEEDS_REVISION → SUBMITTED is the
            // resident sending new items.
            ActionKind::Release => from == RequestStatus::InReview,
            _ => true,
        };
        source_ok && allowed_next(kind, from).contains(&self.target())
    }

    /// Every action an officer may take now, in [`ActionKind::ALL`] order.
    pub fn allowed(kind: ServiceKind, from: RequestStatus) -> Vec<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .filter(|a| a.is_allowed(kind, from))
            .collect()
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the resident must fix: a slot of the service (or `lainnya` for anything else) and
/// why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionItem {
    pub slot: String,
    pub reason: String,
}

/// The slot id for a revision item that is not one of the service's slots.
pub const OTHER_SLOT: &str = "lainnya";

/// An officer action with its arguments, already shaped (the HTTP edge parses JSON into this).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Claim,
    Release,
    RequestRevision(Vec<RevisionItem>),
    Approve,
    Reject { reason: String },
    Complete,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Claim => ActionKind::Claim,
            Action::Release => ActionKind::Release,
            Action::RequestRevision(_) => ActionKind::RequestRevision,
            Action::Approve => ActionKind::Approve,
            Action::Reject { .. } => ActionKind::Reject,
            Action::Complete => ActionKind::Complete,
        }
    }
}

/// Who acts, as far as the rules care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub subject: String,
    /// Supervisors may act on a request another officer claimed.
    pub supervisor: bool,
}

/// Why an action cannot be applied. Each maps to one HTTP status at the edge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// Bad arguments (422), naming the field.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Not allowed from the current status (409), with what is allowed.
    #[error("{action} is not allowed while the request is {from}")]
    NotAllowed {
        action: ActionKind,
        from: RequestStatus,
        allowed: Vec<ActionKind>,
    },
    /// Another officer holds the claim (403).
    #[error("the request is claimed by another officer")]
    ClaimedByOther,
}

/// What an applied action changed; the caller stores `request` and an audit event from the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub request: Request,
    pub from: RequestStatus,
    pub to: RequestStatus,
    /// What the audit event records as the note (reason or revision list), officer-facing.
    pub note: Option<String>,
}

/// Checks the action's arguments without looking at the request (so a malformed body is 422
/// whatever the request's state).
pub fn validate(
    action: &Action,
    service: &crate::catalog::ServiceDefinition,
) -> Result<(), ActionError> {
    match action {
        Action::Reject { reason } => check_text("reason", reason),
        Action::RequestRevision(items) => {
            if items.is_empty() {
                return Err(invalid("items", "list at least one item to revise"));
            }
            if items.len() > REVISION_ITEMS_MAX {
                return Err(invalid(
                    "items",
                    format!("at most {REVISION_ITEMS_MAX} items"),
                ));
            }
            for item in items {
                if item.slot != OTHER_SLOT && service.slot(&item.slot).is_none() {
                    return Err(invalid(
                        "items.slot",
                        format!(
                            "unknown slot for {} (use one of the service's slots or {OTHER_SLOT})",
                            service.code
                        ),
                    ));
                }
                check_text("items.reason", &item.reason)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_text(field: &'static str, text: &str) -> Result<(), ActionError> {
    let len = text.trim().chars().count();
    if len == 0 {
        return Err(invalid(field, "required"));
    }
    if len > REASON_MAX_CHARS {
        return Err(invalid(
            field,
            format!("at most {REASON_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

fn invalid(field: &'static str, message: impl Into<String>) -> ActionError {
    ActionError::Invalid {
        field,
        message: message.into(),
    }
}

/// Applies an officer action to a request read at `request.version`; the result has the next
/// version. Pure: the caller stores it conditionally on the version it read.
pub fn apply(
    request: &Request,
    action: &Action,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Applied, ActionError> {
    let definition = crate::catalog::service(request.service);
    validate(action, definition)?;
    let kind = action.kind();
    let from = request.status;
    if !kind.is_allowed(definition.kind, from) {
        return Err(ActionError::NotAllowed {
            action: kind,
            from,
            allowed: ActionKind::allowed(definition.kind, from),
        });
    }
    // A claimed request is worked by its officer; a supervisor may step in.
    if from == RequestStatus::InReview
        && !actor.supervisor
        && request
            .assigned_to
            .as_deref()
            .is_some_and(|owner| owner != actor.subject)
    {
        return Err(ActionError::ClaimedByOther);
    }
    let to = kind.target();
    let mut next = request.clone();
    next.status = to;
    next.version = request.version + 1;
    next.updated_at = now;
    let mut note = None;
    match action {
        Action::Claim => {
            next.assigned_to = Some(actor.subject.clone());
            // A complaint is "handled" when first taken up (SP4N-LAPOR!'s 3 working days).
            if let Some(timeline) = next.complaint.as_mut() {
                timeline.record_handled(now);
            }
        }
        Action::Release => next.assigned_to = None,
        Action::RequestRevision(items) => {
            // The named slots are reopened: the resident's next scans go exactly there, and the
            // old documents stay on record (the audit trail and the officer still see them).
            next.slots
                .retain(|fill| !items.iter().any(|item| item.slot == fill.slot));
            next.revision = Some(crate::request::Revision {
                items: items
                    .iter()
                    .map(|i| RevisionItem {
                        slot: i.slot.clone(),
                        reason: i.reason.trim().to_owned(),
                    })
                    .collect(),
                requested_at: now,
                answered: false,
            });
            note = Some(
                items
                    .iter()
                    .map(|i| format!("{}: {}", i.slot, i.reason.trim()))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        Action::Approve => {}
        Action::Reject { reason } => note = Some(reason.trim().to_owned()),
        Action::Complete => next.completed_at = Some(now),
    }
    if to.is_terminal() {
        next.completed_at = next.completed_at.or(Some(now));
    }
    Ok(Applied {
        request: next,
        from,
        to,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ServiceCode;
    use crate::{ResidentId, TicketId};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-30 03:00 UTC);

    fn request(service: ServiceCode, status: RequestStatus) -> Request {
        let mut r = Request::open(
            TicketId::parse("ABCD-EFGH").unwrap(),
            service,
            ResidentId::Phone("6281234567890".into()),
            datetime!(2026-11-28 02:00 UTC),
        );
        r.status = status;
        r.version = 7;
        if status == RequestStatus::InReview {
            r.assigned_to = Some("officer-1".into());
        }
        r
    }

    fn officer(subject: &str) -> Actor {
        Actor {
            subject: subject.into(),
            supervisor: false,
        }
    }

    fn sample(kind: ActionKind) -> Action {
        match kind {
            ActionKind::Claim => Action::Claim,
            ActionKind::Release => Action::Release,
            ActionKind::RequestRevision => Action::RequestRevision(vec![RevisionItem {
                slot: OTHER_SLOT.into(),
                reason: "foto buram".into(),
            }]),
            ActionKind::Approve => Action::Approve,
            ActionKind::Reject => Action::Reject {
                reason: "bukan wilayah kami".into(),
            },
            ActionKind::Complete => Action::Complete,
        }
    }

    /// The officer part of SPEC 5, written out independently of `allowed_next`.
    fn expected(kind: ServiceKind, from: RequestStatus) -> &'static [ActionKind] {
        use ActionKind::*;
        use RequestStatus as S;
        match (kind, from) {
            (ServiceKind::Registration, S::Submitted) => &[Claim],
            (ServiceKind::Registration, S::InReview) => {
                &[Release, RequestRevision, Approve, Reject]
            }
            (ServiceKind::Registration, S::NeedsRevision) => &[Reject],
            (ServiceKind::Registration, S::Approved) => &[Complete],
            (ServiceKind::Complaint | ServiceKind::Consultation, S::Submitted) => &[Claim],
            (ServiceKind::Complaint | ServiceKind::Consultation, S::InReview) => {
                &[Release, Complete]
            }
            _ => &[],
        }
    }

    #[test]
    fn every_action_from_every_status_of_every_kind() {
        let services = [
            ServiceCode::KkNew,
            ServiceCode::Complaint,
            ServiceCode::Consultation,
        ];
        let mut checked = 0;
        for service in services {
            let kind = crate::service(service).kind;
            for from in RequestStatus::ALL {
                assert_eq!(
                    ActionKind::allowed(kind, from),
                    expected(kind, from),
                    "{kind} {from}"
                );
                for action in ActionKind::ALL {
                    let r = request(service, from);
                    let result = apply(&r, &sample(action), &officer("officer-1"), NOW);
                    if expected(kind, from).contains(&action) {
                        let applied = result.unwrap();
                        assert_eq!(applied.from, from);
                        assert_eq!(applied.to, action.target());
                        assert_eq!(applied.request.status, action.target());
                        assert_eq!(applied.request.version, 8);
                        assert_eq!(applied.request.updated_at, NOW);
                        assert!(crate::check_transition(kind, from, applied.to).is_ok());
                    } else {
                        assert_eq!(
                            result.unwrap_err(),
                            ActionError::NotAllowed {
                                action,
                                from,
                                allowed: expected(kind, from).to_vec()
                            }
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3 * 8 * 6);
    }

    #[test]
    fn a_complaint_is_handled_when_first_claimed() {
        let mut r = request(ServiceCode::Complaint, RequestStatus::Submitted);
        r.complaint = Some(crate::complaint::ComplaintTimeline::filed(NOW, &[]));
        let claimed = apply(&r, &Action::Claim, &officer("officer-2"), NOW).unwrap();
        assert_eq!(
            claimed.request.complaint.as_ref().unwrap().handled_at,
            Some(NOW)
        );
        let later = NOW + time::Duration::days(1);
        let released = apply(
            &claimed.request,
            &Action::Release,
            &officer("officer-2"),
            later,
        )
        .unwrap();
        let again = apply(
            &released.request,
            &Action::Claim,
            &officer("officer-3"),
            later,
        )
        .unwrap();
        assert_eq!(again.request.complaint.unwrap().handled_at, Some(NOW));
    }

    #[test]
    fn claim_and_release_set_and_clear_the_assignee() {
        let r = request(ServiceCode::KkNew, RequestStatus::Submitted);
        let claimed = apply(&r, &Action::Claim, &officer("officer-2"), NOW).unwrap();
        assert_eq!(claimed.request.assigned_to.as_deref(), Some("officer-2"));
        let released = apply(
            &claimed.request,
            &Action::Release,
            &officer("officer-2"),
            NOW,
        )
        .unwrap();
        assert_eq!(released.request.assigned_to, None);
        assert_eq!(released.request.version, 9);
    }

    #[test]
    fn another_officers_claim_is_respected_but_a_supervisor_may_act() {
        let r = request(ServiceCode::KkNew, RequestStatus::InReview);
        assert_eq!(
            apply(&r, &Action::Approve, &officer("officer-9"), NOW),
            Err(ActionError::ClaimedByOther)
        );
        let boss = Actor {
            subject: "boss".into(),
            supervisor: true,
        };
        assert!(apply(&r, &Action::Approve, &boss, NOW).is_ok());
    }

    #[test]
    fn reject_needs_a_reason_and_revision_needs_known_slots() {
        let r = request(ServiceCode::KkNew, RequestStatus::InReview);
        let me = officer("officer-1");
        for reason in ["", "   "] {
            assert!(matches!(
                apply(
                    &r,
                    &Action::Reject {
                        reason: reason.into()
                    },
                    &me,
                    NOW
                ),
                Err(ActionError::Invalid {
                    field: "reason",
                    ..
                })
            ));
        }
        let long = "x".repeat(REASON_MAX_CHARS + 1);
        assert!(matches!(
            apply(&r, &Action::Reject { reason: long }, &me, NOW),
            Err(ActionError::Invalid {
                field: "reason",
                ..
            })
        ));
        assert!(matches!(
            apply(&r, &Action::RequestRevision(vec![]), &me, NOW),
            Err(ActionError::Invalid { field: "items", .. })
        ));
        let bad_slot = vec![RevisionItem {
            slot: "passport".into(),
            reason: "x".into(),
        }];
        assert!(matches!(
            apply(&r, &Action::RequestRevision(bad_slot), &me, NOW),
            Err(ActionError::Invalid {
                field: "items.slot",
                ..
            })
        ));
        let slot = crate::service(ServiceCode::KkNew).slots[0].id;
        let good = vec![
            RevisionItem {
                slot: slot.into(),
                reason: "tidak terbaca".into(),
            },
            RevisionItem {
                slot: OTHER_SLOT.into(),
                reason: "lampirkan surat nikah".into(),
            },
        ];
        let applied = apply(&r, &Action::RequestRevision(good), &me, NOW).unwrap();
        assert_eq!(applied.to, RequestStatus::NeedsRevision);
        assert!(applied.note.unwrap().contains("tidak terbaca"));
        // Invalid arguments are reported even when the state would also refuse.
        let done = request(ServiceCode::KkNew, RequestStatus::Completed);
        assert!(matches!(
            apply(
                &done,
                &Action::Reject {
                    reason: String::new()
                },
                &me,
                NOW
            ),
            Err(ActionError::Invalid { .. })
        ));
    }

    #[test]
    fn a_revision_reopens_exactly_the_named_slots() {
        let mut r = request(ServiceCode::KkNew, RequestStatus::InReview);
        let slots: Vec<&str> = crate::service(ServiceCode::KkNew)
            .slots
            .iter()
            .map(|s| s.id)
            .collect();
        assert!(slots.len() >= 2, "the test needs two slots");
        r.slots = slots
            .iter()
            .map(|s| crate::SlotFill {
                slot: (*s).into(),
                document_id: format!("doc-{s}"),
            })
            .collect();
        let items = vec![
            RevisionItem {
                slot: slots[1].into(),
                reason: "  buram ".into(),
            },
            RevisionItem {
                slot: OTHER_SLOT.into(),
                reason: "jelaskan alamat".into(),
            },
        ];
        let applied = apply(
            &r,
            &Action::RequestRevision(items),
            &officer("officer-1"),
            NOW,
        )
        .unwrap();
        let next = applied.request;
        assert!(
            next.is_filled(slots[0]),
            "untouched slots keep their document"
        );
        assert!(!next.is_filled(slots[1]), "the named slot is reopened");
        assert_eq!(next.revision_missing(), vec![slots[1]]);
        let revision = next.revision.as_ref().unwrap();
        assert_eq!(revision.items[0].reason, "buram");
        assert_eq!(revision.requested_at, NOW);
        assert!(
            !next.revision_complete(),
            "the OTHER item still needs an answer"
        );
        assert!(next.is_waiting_for_resident());
    }

    #[test]
    fn ending_a_request_stamps_completion() {
        let r = request(ServiceCode::KkNew, RequestStatus::Approved);
        let done = apply(&r, &Action::Complete, &officer("x"), NOW).unwrap();
        assert_eq!(done.request.completed_at, Some(NOW));
        let r = request(ServiceCode::KkNew, RequestStatus::InReview);
        let rejected = apply(
            &r,
            &Action::Reject { reason: "x".into() },
            &officer("officer-1"),
            NOW,
        )
        .unwrap();
        assert_eq!(rejected.request.completed_at, Some(NOW));
        assert_eq!(rejected.note.as_deref(), Some("x"));
    }

    #[test]
    fn wire_names() {
        for a in ActionKind::ALL {
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.as_str())
            );
        }
    }
}
