//! Request lifecycle, SPEC section 5. The whole transition table is [`allowed_next`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::catalog::ServiceKind;

/// Status of a request. Serialised as `DRAFT`, `SUBMITTED`, `IN_REVIEW`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestStatus {
    /// The resident is still sending items.
    Draft,
    /// Waiting in the officers' queue.
    Submitted,
    /// An officer claimed it.
    InReview,
    /// The officer listed what is missing or wrong; new items move it back to `Submitted`.
    NeedsRevision,
    /// Being produced.
    Approved,
    /// Result delivered or ready for pickup.
    Completed,
    /// Ended by an officer (a reason is required).
    Rejected,
    /// Ended by the resident.
    Cancelled,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 8] = [
        RequestStatus::Draft,
        RequestStatus::Submitted,
        RequestStatus::InReview,
        RequestStatus::NeedsRevision,
        RequestStatus::Approved,
        RequestStatus::Completed,
        RequestStatus::Rejected,
        RequestStatus::Cancelled,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Draft => "DRAFT",
            RequestStatus::Submitted => "SUBMITTED",
            RequestStatus::InReview => "IN_REVIEW",
            RequestStatus::NeedsRevision => "NEEDS_REVISION",
            RequestStatus::Approved => "APPROVED",
            RequestStatus::Completed => "COMPLETED",
            RequestStatus::Rejected => "REJECTED",
            RequestStatus::Cancelled => "CANCELLED",
        }
    }

    /// The request has ended; nothing can follow.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            RequestStatus::Completed | RequestStatus::Rejected | RequestStatus::Cancelled
        )
    }

    /// The request still counts as open (including drafts), e.g. for the one-open-request-per
    /// NIK-and-service guard.
    pub const fn is_open(self) -> bool {
        !self.is_terminal()
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a string is not a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown request status")]
pub struct UnknownStatus;

impl FromStr for RequestStatus {
    type Err = UnknownStatus;

    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        RequestStatus::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or(UnknownStatus)
    }
}

/// The status a new request starts in: registrations collect items as a draft first;
/// complaints and consultations are submitted with their first message.
pub const fn initial_status(kind: ServiceKind) -> RequestStatus {
    match kind {
        ServiceKind::Registration => RequestStatus::Draft,
        ServiceKind::Complaint | ServiceKind::Consultation => RequestStatus::Submitted,
    }
}

/// Every status `from` may move to for this kind of service. This match is the only
/// definition of the lifecycle.
pub const fn allowed_next(kind: ServiceKind, from: RequestStatus) -> &'static [RequestStatus] {
    use RequestStatus::*;
    match (kind, from) {
        (ServiceKind::Registration, Draft) => &[Submitted, Cancelled],
        (ServiceKind::Registration, Submitted) => &[InReview, Cancelled],
        // Back to SUBMITTED = the officer releases it to the queue.
        (ServiceKind::Registration, InReview) => &[NeedsRevision, Approved, Rejected, Submitted],
        (ServiceKind::Registration, NeedsRevision) => &[Submitted, Cancelled, Rejected],
        (ServiceKind::Registration, Approved) => &[Completed],
        (ServiceKind::Complaint | ServiceKind::Consultation, Submitted) => &[InReview],
        (ServiceKind::Complaint | ServiceKind::Consultation, InReview) => &[Completed, Submitted],
        _ => &[],
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} request cannot go from {from} to {to} (allowed: {})", list(.allowed))]
pub struct TransitionError {
    pub kind: ServiceKind,
    pub from: RequestStatus,
    pub to: RequestStatus,
    pub allowed: &'static [RequestStatus],
}

fn list(statuses: &[RequestStatus]) -> String {
    if statuses.is_empty() {
        return "none".to_owned();
    }
    statuses
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Ok` when `from → to` is allowed for this kind of service.
pub fn check_transition(
    kind: ServiceKind,
    from: RequestStatus,
    to: RequestStatus,
) -> Result<(), TransitionError> {
    let allowed = allowed_next(kind, from);
    if allowed.contains(&to) {
        Ok(())
    } else {
        Err(TransitionError {
            kind,
            from,
            to,
            allowed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::RequestStatus::*;
    use super::*;

    const KINDS: [ServiceKind; 3] = [
        ServiceKind::Registration,
        ServiceKind::Complaint,
        ServiceKind::Consultation,
    ];

    /// The SPEC section 5 lifecycle, written out independently of `allowed_next`.
    fn expected(kind: ServiceKind) -> &'static [(RequestStatus, RequestStatus)] {
        match kind {
            ServiceKind::Registration => &[
                (Draft, Submitted),
                (Draft, Cancelled),
                (Submitted, InReview),
                (Submitted, Cancelled),
                (InReview, NeedsRevision),
                (InReview, Approved),
                (InReview, Rejected),
                (InReview, Submitted),
                (NeedsRevision, Submitted),
                (NeedsRevision, Cancelled),
                (NeedsRevision, Rejected),
                (Approved, Completed),
            ],
            ServiceKind::Complaint | ServiceKind::Consultation => &[
                (Submitted, InReview),
                (InReview, Completed),
                (InReview, Submitted),
            ],
        }
    }

    #[test]
    fn transition_table_is_exactly_the_spec() {
        let mut checked = 0;
        for kind in KINDS {
            for from in RequestStatus::ALL {
                for to in RequestStatus::ALL {
                    let allowed = expected(kind).contains(&(from, to));
                    let result = check_transition(kind, from, to);
                    assert_eq!(result.is_ok(), allowed, "{kind}: {from} -> {to}");
                    assert_eq!(allowed_next(kind, from).contains(&to), allowed);
                    if let Err(e) = result {
                        assert_eq!((e.kind, e.from, e.to), (kind, from, to));
                        assert_eq!(e.allowed, allowed_next(kind, from));
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3 * 8 * 8);
    }

    #[test]
    fn terminal_states_go_nowhere() {
        for kind in KINDS {
            for s in RequestStatus::ALL.into_iter().filter(|s| s.is_terminal()) {
                assert!(allowed_next(kind, s).is_empty());
            }
        }
    }

    #[test]
    fn registration_in_review_cannot_jump_to_completed() {
        let err = check_transition(ServiceKind::Registration, InReview, Completed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "REGISTRATION request cannot go from IN_REVIEW to COMPLETED \
             (allowed: NEEDS_REVISION, APPROVED, REJECTED, SUBMITTED)"
        );
        let err = check_transition(ServiceKind::Complaint, Completed, Submitted).unwrap_err();
        assert!(err.to_string().ends_with("(allowed: none)"));
    }

    #[test]
    fn open_and_terminal() {
        let terminal: Vec<_> = RequestStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(terminal, [Completed, Rejected, Cancelled]);
        for s in RequestStatus::ALL {
            assert_eq!(s.is_open(), !s.is_terminal());
        }
    }

    #[test]
    fn initial_statuses_have_a_way_forward() {
        assert_eq!(initial_status(ServiceKind::Registration), Draft);
        assert_eq!(initial_status(ServiceKind::Complaint), Submitted);
        assert_eq!(initial_status(ServiceKind::Consultation), Submitted);
        for kind in KINDS {
            assert!(!allowed_next(kind, initial_status(kind)).is_empty());
        }
    }

    #[test]
    fn string_forms() {
        for s in RequestStatus::ALL {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
            assert_eq!(s.as_str().to_lowercase().parse(), Ok(s));
        }
        assert_eq!("in_review".parse(), Ok(InReview));
        assert_eq!("REVIEW".parse::<RequestStatus>(), Err(UnknownStatus));
    }
}
