//! The daily appointment run (issue #19 §3; `AppointmentReminders` in template.yaml, every day at
//! 10:00 WIB): tomorrow's bookings get their reminder, and the bookings of the past week whose day
//! ended without an arrival are marked no-shows and told how to book again. The rules are
//! `domain::appointment`'s (`reminder_due`, `is_no_show`).
//!
//! Each booking is marked first (a write conditional on the booking read, so a second run or a
//! concurrent one skips it), then the message is sent through `shared::delivery`: free text
//! inside the 24-hour window, the status-update template outside it, and a temporary failure is
//! left to the retry sweep like every notification. A no-show frees nothing: the slot's count
//! stays as booked, and the statistics count it.

use crate::{Documents, ProcessError};
use domain::appointment::{self, Attendance, Booking};
use domain::messages::appointments as msg;
use domain::reply::Reply;
use serde::Serialize;
use shared::ports::StoreError;
use shared::ports::appointments::BookingRecord;
use time::Duration;

/// The schedule's fixed input that names this task.
pub const TASK: &str = "appointment_reminders";
/// Days back a no-show is still looked for (a run missed over a long weekend).
const NO_SHOW_LOOKBACK_DAYS: i64 = 7;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AppointmentReport {
    pub reminded: usize,
    pub no_shows: usize,
    /// Bookings of requests closed (or erased) meanwhile, cancelled instead.
    pub withdrawn: usize,
}

pub async fn run(app: &Documents) -> Result<AppointmentReport, ProcessError> {
    let now = app.clock.now();
    let today = domain::jakarta_date(now);
    let tomorrow = appointment::reminder_day(now);
    let mut report = AppointmentReport::default();
    let places: Vec<_> = appointment::places(&app.office)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    for place in &places {
        for record in app.appointments.day_bookings(place, tomorrow).await? {
            if !appointment::reminder_due(&record.booking, now) {
                continue;
            }
            if withdrawn(app, &record, true).await? {
                report.withdrawn += 1;
                continue;
            }
            let next = Booking {
                reminded: true,
                ..record.booking.clone()
            };
            if take(app, &record, &next).await? {
                let named = appointment::place(&app.office, &next.place)
                    .unwrap_or(app.office.place_for(None));
                send(
                    app,
                    &record,
                    "appointment_reminder",
                    msg::reminder(&next, named),
                )
                .await;
                report.reminded += 1;
            }
        }
        for back in 1..=NO_SHOW_LOOKBACK_DAYS {
            let day = today - Duration::days(back);
            for record in app.appointments.day_bookings(place, day).await? {
                if !appointment::is_no_show(&record.booking, now) {
                    continue;
                }
                // A closed request's missed day is no one's absence: withdrawn, not told.
                if withdrawn(app, &record, false).await? {
                    report.withdrawn += 1;
                    continue;
                }
                let next = Booking {
                    attendance: Attendance::NoShow,
                    ..record.booking.clone()
                };
                if take(app, &record, &next).await? {
                    send(app, &record, "appointment_no_show", msg::no_show(&next)).await;
                    report.no_shows += 1;
                }
            }
        }
    }
    tracing::info!(
        reminded = report.reminded,
        no_shows = report.no_shows,
        withdrawn = report.withdrawn,
        "appointment run"
    );
    Ok(report)
}

/// Whether the booking's request was closed (rejected, cancelled) or erased since it was booked:
/// the booking is then cancelled, its place given back, and (`tell`) the resident told not to
/// come, instead of reminded or counted absent. Usually the officer's action did this already.
async fn withdrawn(
    app: &Documents,
    record: &BookingRecord,
    tell: bool,
) -> Result<bool, ProcessError> {
    let ticket = record.booking.ticket;
    let status = app.requests.get_request(&ticket).await?.map(|r| r.status);
    if status.is_some_and(|s| appointment::still_wanted(&record.booking, s)) {
        return Ok(false);
    }
    match shared::appointments::withdraw_unwanted(app.appointments.as_ref(), &ticket, status)
        .await?
    {
        Some(booking) => {
            if tell && status.is_some() {
                let text = msg::withdrawn(&booking);
                send(app, record, "appointment_withdrawn", Reply::text(text)).await;
            }
            Ok(true)
        }
        // Changed meanwhile (the resident cancelled, or a retry withdrew it): nothing to do.
        None => Ok(true),
    }
}

/// Records `next` over the booking read; `false` when another run (or the resident) changed it
/// first.
async fn take(app: &Documents, read: &BookingRecord, next: &Booking) -> Result<bool, ProcessError> {
    match app.appointments.update_booking(read, next).await {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Sends one message about the booking and records it under the request, sent or not (one
/// notice per booking code and cause: a retried run records the same one).
async fn send(app: &Documents, record: &BookingRecord, cause: &str, reply: Reply) {
    let booking = &record.booking;
    crate::notify_resident(
        app,
        booking.ticket,
        &record.resident,
        format!("{}-{cause}", booking.code.as_str()),
        cause,
        reply,
    )
    .await;
}
