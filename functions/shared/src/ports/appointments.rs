//! Appointment slots and bookings (issue #19 §3). The rules are `domain::appointment`; this port
//! stores what they decide, with the conditions that keep a slot within its capacity whatever
//! runs at the same time.

use super::StoreError;
use async_trait::async_trait;
use domain::ResidentId;
use domain::appointment::{AppointmentCode, Booking, PlaceId, Slot};
use serde::{Deserialize, Serialize};
use time::Date;

/// A booking with what officers and reminders need besides the rules: who to remind and the
/// applicant's masked name for the day's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRecord {
    pub booking: Booking,
    pub resident: ResidentId,
    /// `Budi S****o`-like: enough for an officer to greet, never the whole name.
    pub applicant_masked: String,
}

#[async_trait]
pub trait AppointmentRepository: Send + Sync {
    /// The published slots of a day at a place (withdrawn ones, capacity 0, included), in time
    /// order, read consistently.
    async fn slots(&self, place: &PlaceId, date: Date) -> Result<Vec<Slot>, StoreError>;

    /// Writes a day's slots as read-then-decided by `domain::appointment::publish`: each slot
    /// only if its booked count is still the one read (`Conflict` otherwise, the caller
    /// re-reads), and each slot of `read` no longer published withdrawn (capacity 0).
    async fn put_slots(&self, read: &[Slot], slots: &[Slot]) -> Result<(), StoreError>;

    /// The booking a request holds (current or past), read consistently.
    async fn booking(&self, ticket: &domain::TicketId)
    -> Result<Option<BookingRecord>, StoreError>;

    /// The booking an arrival code names, if it is still that request's booking.
    async fn booking_by_code(
        &self,
        code: &AppointmentCode,
    ) -> Result<Option<BookingRecord>, StoreError>;

    /// Takes a place in `record`'s slot in one transaction: the slot's count goes up only while
    /// below its capacity, the booking is written only if the request's booking is still
    /// `previous` (none, or the one being changed, whose slot gets its place back in the same
    /// transaction). `Conflict`: the slot is full or something changed meanwhile.
    async fn book(
        &self,
        record: &BookingRecord,
        previous: Option<&Booking>,
    ) -> Result<(), StoreError>;

    /// Cancels the booking of `read` (as read) and gives its slot its place back, in one
    /// transaction; `Conflict` when the stored booking changed since.
    async fn cancel_booking(
        &self,
        read: &BookingRecord,
        cancelled: &Booking,
    ) -> Result<(), StoreError>;

    /// Records an arrival, a no-show or a reminder sent: `next` replaces `read` if the stored
    /// booking is still `read` (`Conflict` otherwise).
    async fn update_booking(&self, read: &BookingRecord, next: &Booking) -> Result<(), StoreError>;

    /// Every booking of a day at a place that was not cancelled, in time order.
    async fn day_bookings(
        &self,
        place: &PlaceId,
        date: Date,
    ) -> Result<Vec<BookingRecord>, StoreError>;
}
