//! A resident's request: the aggregate officers work on and residents ask about.

use crate::{Nik, RequestStatus, ResidentId, ServiceCode, TicketId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The person the request is for (may differ from the resident who writes on WhatsApp, e.g. a
/// parent registering a birth).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    pub nik: Nik,
    /// Kecamatan code, e.g. `170804`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kecamatan: Option<String>,
}

/// A filled attachment slot: which document satisfies it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotFill {
    pub slot: String,
    pub document_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub ticket: TicketId,
    pub service: ServiceCode,
    pub status: RequestStatus,
    /// Optimistic-concurrency version, bumped by every change.
    pub version: u64,
    pub resident: ResidentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Applicant>,
    #[serde(default)]
    pub slots: Vec<SlotFill>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Date>,
    /// The officer who claimed it (`IN_REVIEW`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_at: Option<OffsetDateTime>,
    /// Date of the event being registered (birth, death, marriage, divorce), for the late-report
    /// flag of SPEC 3. Set by the conversation when it asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_date: Option<Date>,
}

impl Request {
    /// A new request in its first state, version 1.
    pub fn open(
        ticket: TicketId,
        service: ServiceCode,
        resident: ResidentId,
        now: OffsetDateTime,
    ) -> Self {
        let kind = crate::service(service).kind;
        Self {
            ticket,
            service,
            status: crate::initial_status(kind),
            version: 1,
            resident,
            applicant: None,
            slots: Vec::new(),
            created_at: now,
            updated_at: now,
            submitted_at: None,
            due_date: None,
            assigned_to: None,
            completed_at: None,
            event_date: None,
        }
    }

    /// Past its due date and still open.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status.is_open() && self.due_date.is_some_and(|due| due < today)
    }

    pub fn is_filled(&self, slot: &str) -> bool {
        self.slots.iter().any(|s| s.slot == slot)
    }

    /// Attachment slots of the service not yet filled, in the order they are asked for.
    pub fn missing_slots(&self) -> impl Iterator<Item = &'static crate::AttachmentSlot> + '_ {
        crate::service(self.service)
            .slots
            .iter()
            .filter(|slot| !self.is_filled(slot.id))
    }

    /// True when every required slot is filled.
    pub fn is_complete(&self) -> bool {
        crate::service(self.service)
            .required_slots()
            .all(|slot| self.is_filled(slot.id))
    }

    /// The late-report flag (SPEC 3): reported later than the service's limit after the event.
    pub fn is_late_report(&self) -> bool {
        let reported = crate::jakarta_date(self.submitted_at.unwrap_or(self.created_at));
        self.event_date
            .is_some_and(|event| crate::service(self.service).is_late_report(event, reported))
    }
}
