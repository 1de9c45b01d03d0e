//! A resident's request: the aggregate officers work on and residents ask about.

use crate::catalog::ServiceKind;
use crate::officer_actions::{OTHER_SLOT, RevisionItem};
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

/// What an officer asked the resident to correct (`NEEDS_REVISION`). The named slots were emptied
/// when it was asked; it is cleared when the resident resubmits (the audit trail keeps it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub items: Vec<RevisionItem>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The resident wrote or sent something since: answers an item outside the slots
    /// ([`OTHER_SLOT`]), which no scan can fill.
    #[serde(default)]
    pub answered: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
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
    /// What the resident must correct while `NEEDS_REVISION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
    /// An officer wrote on the ticket and the resident has not answered yet.
    #[serde(default, skip_serializing_if = "is_false")]
    pub awaiting_resident_reply: bool,
    /// Messages and attachments from the resident since an officer last wrote: the officers'
    /// "unanswered" flag and count.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unanswered_messages: u32,
    /// When the resident last sent the corrections back (`NEEDS_REVISION → SUBMITTED`).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub resubmitted_at: Option<OffsetDateTime>,
    /// The applicant's NIK was issued outside the office's regency or city (a resident who
    /// moved in): allowed, and shown to officers as "NIK dari luar daerah". Set with the NIK.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nik_from_elsewhere: bool,
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
            revision: None,
            awaiting_resident_reply: false,
            unanswered_messages: 0,
            resubmitted_at: None,
            nik_from_elsewhere: false,
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

    /// Whether what the resident sends now belongs to this ticket: corrections are asked for, an
    /// officer's message waits for an answer, or a complaint or consultation is still open.
    pub fn is_waiting_for_resident(&self) -> bool {
        match self.status {
            RequestStatus::NeedsRevision => true,
            RequestStatus::Draft => false,
            status if status.is_terminal() => false,
            _ => {
                self.awaiting_resident_reply
                    || crate::service(self.service).kind != ServiceKind::Registration
            }
        }
    }

    /// Slots named by the pending revision that hold no document yet, in the officer's order.
    pub fn revision_missing(&self) -> Vec<&str> {
        self.revision.as_ref().map_or_else(Vec::new, |revision| {
            let mut missing: Vec<&str> = Vec::new();
            for item in &revision.items {
                let slot = item.slot.as_str();
                if slot != OTHER_SLOT && !self.is_filled(slot) && !missing.contains(&slot) {
                    missing.push(slot);
                }
            }
            missing
        })
    }

    /// Every correction asked for has been sent: each named slot holds a document and an item
    /// outside the slots has had an answer.
    pub fn revision_complete(&self) -> bool {
        self.revision.as_ref().is_some_and(|revision| {
            let other_ok =
                revision.answered || !revision.items.iter().any(|i| i.slot == OTHER_SLOT);
            other_ok && self.revision_missing().is_empty()
        })
    }

    /// The late-report flag (SPEC 3): reported later than the service's limit after the event.
    pub fn is_late_report(&self) -> bool {
        let reported = crate::jakarta_date(self.submitted_at.unwrap_or(self.created_at));
        self.event_date
            .is_some_and(|event| crate::service(self.service).is_late_report(event, reported))
    }
}
