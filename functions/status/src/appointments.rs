//! Appointments at the counter (issue #19 §3): a regency-wide supervisor publishes a day's slots
//! at a place (`PUT /appointment-slots`); officers read them with their booked counts
//! (`GET /appointment-slots`), read the day's list (`GET /appointments`: code, ticket, service,
//! masked name, attendance) and mark each arrival (`POST /appointments/{code}/arrived`,
//! idempotent). The rules are `domain::appointment`'s; the store keeps a slot within capacity.

use crate::Status;
use crate::context::Caller;
use crate::error::{ApiError, parse_body};
use domain::ServiceCode;
use domain::appointment::{
    self, AppointmentCode, AppointmentError, Attendance, PlaceId, Slot, SlotTime,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use shared::http::json;
use shared::ports::StoreError;
use shared::ports::appointments::BookingRecord;
use time::{Date, OffsetDateTime};

#[derive(Serialize)]
struct SlotView {
    start: SlotTime,
    capacity: u16,
    booked: u16,
}

#[derive(Serialize)]
struct DaySlots {
    #[serde(with = "domain::request::iso_date")]
    date: Date,
    place: PlaceId,
    slots: Vec<SlotView>,
}

fn day_slots(place: PlaceId, date: Date, slots: Vec<Slot>) -> DaySlots {
    DaySlots {
        date,
        place,
        slots: slots
            .into_iter()
            // Withdrawn slots (capacity 0) are kept for their counts, not shown.
            .filter(|s| s.capacity > 0)
            .map(|s| SlotView {
                start: s.start,
                capacity: s.capacity,
                booked: s.booked,
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct AppointmentView {
    code: AppointmentCode,
    ticket: domain::TicketId,
    service: ServiceCode,
    #[serde(with = "domain::request::iso_date")]
    date: Date,
    start: SlotTime,
    place: PlaceId,
    applicant: String,
    attendance: Attendance,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    arrived_at: Option<OffsetDateTime>,
}

impl From<BookingRecord> for AppointmentView {
    fn from(r: BookingRecord) -> Self {
        let b = r.booking;
        Self {
            code: b.code,
            ticket: b.ticket,
            service: b.service,
            date: b.date,
            start: b.start,
            place: b.place,
            applicant: r.applicant_masked,
            attendance: b.attendance,
            arrived_at: b.arrived_at,
        }
    }
}

#[derive(Serialize)]
struct DayList {
    #[serde(with = "domain::request::iso_date")]
    date: Date,
    place: PlaceId,
    appointments: Vec<AppointmentView>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutBody {
    date: String,
    place: String,
    slots: Vec<PutSlot>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutSlot {
    start: String,
    capacity: u16,
}

fn parse_date(field: &'static str, raw: &str) -> Result<Date, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format).map_err(|_| ApiError::invalid(field, "a date like 2026-11-28"))
}

/// A place of this office: the syntax, then the profile.
fn parse_place(app: &Status, raw: &str) -> Result<PlaceId, ApiError> {
    let place = PlaceId::parse(raw)
        .ok()
        .filter(|p| appointment::place(&app.office, p).is_some())
        .ok_or_else(|| {
            ApiError::invalid(
                "place",
                "office, or the first kecamatan code of a service point (GET /office)",
            )
        })?;
    Ok(place)
}

/// `date` and `place` from the query string.
fn day_and_place(app: &Status, request: &Request) -> Result<(Date, PlaceId), ApiError> {
    let params = request.query_string_parameters_ref();
    let param = |name: &'static str| {
        params
            .and_then(|p| p.first(name))
            .ok_or_else(|| ApiError::invalid(name, "required"))
    };
    Ok((
        parse_date("date", param("date")?)?,
        parse_place(app, param("place")?)?,
    ))
}

fn publish_error(err: AppointmentError) -> ApiError {
    match err {
        AppointmentError::BelowBooked { .. } => ApiError::Occupied(err.to_string()),
        AppointmentError::DayOutOfRange => ApiError::invalid("date", err.to_string()),
        AppointmentError::BadTime => ApiError::invalid("start", err.to_string()),
        other => ApiError::invalid("slots", other.to_string()),
    }
}

pub async fn get_slots(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    caller.require_some_scope()?;
    let (date, place) = day_and_place(app, request)?;
    let slots = app.appointments.slots(&place, date).await?;
    Ok(json(StatusCode::OK, &day_slots(place, date, slots)))
}

pub async fn put_slots(
    app: &Status,
    caller: &Caller,
    body: &Body,
) -> Result<Response<Body>, ApiError> {
    // Slots are the office's capacity, across kecamatan.
    caller.require_regency_supervisor()?;
    let body: PutBody = parse_body(body)?;
    let date = parse_date("date", &body.date)?;
    let place = parse_place(app, &body.place)?;
    let wanted = body
        .slots
        .iter()
        .map(|s| {
            Ok((
                SlotTime::parse(&s.start).map_err(publish_error)?,
                s.capacity,
            ))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let today = domain::jakarta_date(app.clock.now());
    // A booking landing between the read and the write makes the write a conflict: read again
    // and decide again (a few times; a steady stream of bookings is not expected).
    for _ in 0..3 {
        let read = app.appointments.slots(&place, date).await?;
        let slots =
            appointment::publish(&place, date, &wanted, &read, today).map_err(publish_error)?;
        match app.appointments.put_slots(&read, &slots).await {
            Ok(()) => {
                tracing::info!(
                    audit = "appointment_slots",
                    place = place.as_str(),
                    date = %date,
                    slots = slots.len(),
                    officer = %caller.officer.subject,
                    request_id = caller.request_id.as_deref().unwrap_or(""),
                    "appointment slots published"
                );
                return Ok(json(StatusCode::OK, &day_slots(place, date, slots)));
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}

pub async fn list(
    app: &Status,
    caller: &Caller,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    caller.require_some_scope()?;
    let (date, place) = day_and_place(app, request)?;
    caller.check_place(&app.office, &place)?;
    let bookings = app.appointments.day_bookings(&place, date).await?;
    tracing::info!(
        audit = "appointments_read",
        place = place.as_str(),
        date = %date,
        count = bookings.len(),
        officer = %caller.officer.subject,
        "appointment list read"
    );
    let list = DayList {
        date,
        place,
        appointments: bookings.into_iter().map(AppointmentView::from).collect(),
    };
    Ok(json(StatusCode::OK, &list))
}

pub async fn arrived(
    app: &Status,
    caller: &Caller,
    code: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    caller.require_some_scope()?;
    let code = code
        .and_then(|c| AppointmentCode::parse(c).ok())
        .ok_or(ApiError::NotFound("no appointment with this code"))?;
    for _ in 0..3 {
        let record = app
            .appointments
            .booking_by_code(&code)
            .await?
            .ok_or(ApiError::NotFound("no appointment with this code"))?;
        caller.check_place(&app.office, &record.booking.place)?;
        let now = app.clock.now();
        let next = appointment::mark_arrived(&record.booking, now).map_err(|e| match e {
            AppointmentError::NotToday => ApiError::Occupied(
                "the appointment is on another day; it can be marked on its day only".into(),
            ),
            other => ApiError::Occupied(other.to_string()),
        })?;
        if next == record.booking {
            // Marked before: the same answer, nothing written.
            return Ok(json(StatusCode::OK, &AppointmentView::from(record)));
        }
        match app.appointments.update_booking(&record, &next).await {
            Ok(()) => {
                let mut event = caller.event(&next.ticket, "appointment_arrived", now);
                event.note = Some(format!(
                    "{} {} {}",
                    next.place.as_str(),
                    next.date,
                    next.start
                ));
                app.requests.append_audit(&event).await?;
                let view = AppointmentView::from(BookingRecord {
                    booking: next,
                    ..record
                });
                return Ok(json(StatusCode::OK, &view));
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}
