//! Pure domain rules of the Disdukcapil WhatsApp service (SPEC sections 3, 4 and 5).
//!
//! This crate performs no I/O, reads no clock and owns no randomness source: callers pass
//! `today`, timestamps and random bits in, so every rule here is deterministic and testable.

pub mod appointment;
pub mod calendar;
pub mod catalog;
pub mod complaint;
mod ident;
pub mod kk;
pub mod nik;
pub mod status;
pub mod survey;
pub mod ticket;

pub use calendar::{JAKARTA_OFFSET, add_working_days, is_working_day, jakarta_date};
pub use catalog::{
    AttachmentSlot, Availability, Category, EventDate, Field, FieldKind, ScanRetention,
    ServiceCode, ServiceDefinition, ServiceKind, UnknownCategory, UnknownServiceCode, service,
    services, services_in,
};
pub use kk::{KkError, KkNumber};
pub use nik::{Nik, NikError, NikPart, Sex, is_known_province};
pub use status::{
    RequestStatus, TransitionError, UnknownStatus, allowed_next, check_transition, initial_status,
};
pub use ticket::{TicketError, TicketId};

pub mod conversation;
pub mod messages;
pub mod reply;
pub mod request;
pub mod resident;

pub use request::{Applicant, FieldAnswer, OpenRequestKey, Request, SlotFill};
pub use resident::ResidentId;
pub mod dates;
pub mod delivery;
pub mod document;
pub mod erasure;
pub mod intent;
pub mod office;
pub mod officer_actions;
pub mod person_name;
pub mod region;
