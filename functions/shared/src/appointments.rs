//! Appointment steps more than one function takes: giving back the place of a booking its
//! request no longer needs (an officer closed the request, the daily run found it closed, the
//! resident's data is erased). The rule is `domain::appointment::still_wanted`.

use crate::ports::StoreError;
use crate::ports::appointments::AppointmentRepository;
use domain::appointment::{self, Booking};
use domain::{RequestStatus, TicketId};

/// Cancels the booking `ticket` holds when it no longer serves the request, now at `status`
/// (`None`: the request is being erased, so no booking ahead is wanted), giving its slot the
/// place back in the same transaction. Returns the booking withdrawn, if one was; a retry finds
/// it cancelled and withdraws nothing.
pub async fn withdraw_unwanted(
    appointments: &dyn AppointmentRepository,
    ticket: &TicketId,
    status: Option<RequestStatus>,
) -> Result<Option<Booking>, StoreError> {
    // Conflict: the resident changed or cancelled it, or an officer marked it, meanwhile.
    for _ in 0..3 {
        let Some(record) = appointments.booking(ticket).await? else {
            return Ok(None);
        };
        if status.is_some_and(|s| appointment::still_wanted(&record.booking, s)) {
            return Ok(None);
        }
        let Ok(Some(cancelled)) = appointment::cancel(&record.booking) else {
            // Cancelled already, or history (arrived, no-show): its slot holds nothing ahead.
            return Ok(None);
        };
        match appointments.cancel_booking(&record, &cancelled).await {
            Ok(()) => return Ok(Some(record.booking)),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}
