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
        }
    }

    pub fn is_filled(&self, slot: &str) -> bool {
        self.slots.iter().any(|s| s.slot == slot)
    }
}
