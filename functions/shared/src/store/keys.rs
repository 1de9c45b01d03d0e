//! Key layout of the single table (see ARCHITECTURE.md, "Table"). Every key string is built here
//! and nowhere else.

use domain::{RequestStatus, ResidentId, TicketId};
use time::OffsetDateTime;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
/// Epoch seconds; the table's TTL attribute.
pub const EXPIRES_AT: &str = "expires_at";

pub const META: &str = "META";
pub const CONV: &str = "CONV";
pub const WAMID: &str = "WAMID";
pub const GUARD: &str = "GUARD";
pub const STATUS: &str = "STATUS";
/// `OUT#<message id>` / `TICKET`: the ticket an outbound notification was about.
pub const TICKET: &str = "TICKET";

pub fn request_pk(ticket: &TicketId) -> String {
    format!("REQ#{}", ticket.as_str())
}

pub fn audit_sk(at: OffsetDateTime, event_id: &str) -> String {
    format!("EVT#{}#{event_id}", sortable_time(at))
}

pub fn queue_pk(status: RequestStatus) -> String {
    format!("QUEUE#{}", status.as_str())
}

pub fn queue_sk(at: OffsetDateTime, ticket: &TicketId) -> String {
    format!("{}#{}", sortable_time(at), ticket.as_str())
}

pub fn resident_pk(resident: &ResidentId) -> String {
    format!("RES#{}", resident.key())
}

pub fn wamid_pk(wamid: &str) -> String {
    format!("WAMID#{wamid}")
}

pub fn reply_sk(seq: u8) -> String {
    format!("REPLY#{seq:03}")
}

/// Delivery status of one outbound WhatsApp message, by the id WhatsApp gave it.
pub fn outbound_pk(message_id: &str) -> String {
    format!("OUT#{message_id}")
}

pub fn guard_pk(guard_id: &str) -> String {
    format!("OPEN#{guard_id}")
}

pub fn document_sk(document_id: &str) -> String {
    format!("DOC#{document_id}")
}

pub fn failed_sk() -> &'static str {
    "FAILED"
}

/// RFC 3339 UTC with fixed-width fractional seconds, so string order is time order.
pub fn sortable_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

// Officers' API (issue #5).

pub const CONFIG: &str = "CONFIG";
pub const THREAD_PREFIX: &str = "MSG#";
pub const NOTIFICATION_PREFIX: &str = "NTF#";
pub const AUDIT_PREFIX: &str = "EVT#";
pub const DOCUMENT_PREFIX: &str = "DOC#";

/// A resident's agreement to one version of the privacy notice (under `RES#<resident>`).
pub fn consent_sk(version: u32) -> String {
    format!("CONSENT#v{version}")
}

/// GSI1 partition of notifications waiting for their next attempt (sparse: only `RETRYING`).
pub const NOTIFICATION_RETRY_PK: &str = "NTF_RETRY";

/// GSI1 sort key of a notification to retry: due time first, so a query up to "now" finds the
/// due ones.
pub fn notification_retry_sk(
    due: OffsetDateTime,
    ticket: &TicketId,
    notification_id: &str,
) -> String {
    format!(
        "{}#{}#{notification_id}",
        sortable_time(due),
        ticket.as_str()
    )
}

/// A message of a request's conversation thread.
pub fn thread_sk(at: OffsetDateTime, message_id: &str) -> String {
    format!("{THREAD_PREFIX}{}#{message_id}", sortable_time(at))
}

/// The record of one notification sent (or not) to the resident.
pub fn notification_sk(at: OffsetDateTime, notification_id: &str) -> String {
    format!(
        "{NOTIFICATION_PREFIX}{}#{notification_id}",
        sortable_time(at)
    )
}

/// A service's run-time configuration item (`SVC#<code>` / `CONFIG`).
pub fn service_pk(code: domain::ServiceCode) -> String {
    format!("SVC#{}", code.as_str())
}

/// The queue sort key of a request: submission time, or creation time for drafts.
pub fn request_queue_sk(request: &domain::Request) -> String {
    queue_sk(
        request.submitted_at.unwrap_or(request.created_at),
        &request.ticket,
    )
}

/// Lower bound of queue sort keys at or after `at` (for time-range queries).
pub fn queue_sk_from(at: OffsetDateTime) -> String {
    sortable_time(at)
}

// UU PDP erasure: object deletions the documents function owes (status schedules them).

pub const OBJECT_ERASURE_PREFIX: &str = "OBJECTS#";

/// One erasure of a resident; its items list the tickets whose objects must go.
pub fn erasure_pk(erasure_id: &str) -> String {
    format!("ERASE#{erasure_id}")
}

/// The object deletion owed for one erased ticket.
pub fn object_erasure_sk(ticket: &TicketId) -> String {
    format!("{OBJECT_ERASURE_PREFIX}{}", ticket.as_str())
}

// Appointments (issue #19 §3). Slots and arrival codes share the `APPT#` prefix (a place id and
// a date are joined by `#`, a code has none, so the two never meet); a request's booking lives
// in its own partition, so an erasure of the ticket takes it.

/// A day's slots at a place, and (GSI1) the day's bookings there.
pub fn appointment_day_pk(place: &domain::appointment::PlaceId, date: time::Date) -> String {
    format!("APPT#{}#{date}", place.as_str())
}

pub fn slot_sk(start: domain::appointment::SlotTime) -> String {
    format!("SLOT#{start}")
}

pub const SLOT_PREFIX: &str = "SLOT#";
/// A request's booking (`REQ#<ticket>` / `APPT`).
pub const BOOKING: &str = "APPT";
/// An arrival code (`APPT#<code>` / `CODE`): which ticket's booking it names.
pub const CODE: &str = "CODE";

pub fn appointment_code_pk(code: &domain::appointment::AppointmentCode) -> String {
    format!("APPT#{}", code.as_str())
}

/// GSI1 sort key of a booking in its day's list: time, then ticket.
pub fn booking_day_sk(start: domain::appointment::SlotTime, ticket: &TicketId) -> String {
    format!("{start}#{}", ticket.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sortable_time_orders_lexically() {
        let a = sortable_time(datetime!(2026-11-28 09:05:01.5 UTC));
        let b = sortable_time(datetime!(2026-11-28 10:00:00 +07:00));
        assert_eq!(a, "2026-11-28T09:05:01.500000Z");
        assert_eq!(b, "2026-11-28T03:00:00.000000Z");
        assert!(b < a);
    }
}
