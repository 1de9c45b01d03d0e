//! Appointments for what must be done in person (issue #19 §3): KTP-el recording (biometrics are
//! taken at the counter) and the collection of finished KTP-el and KIA cards. A supervisor
//! publishes slots per day and place with a capacity each; a resident books one slot per
//! request and shows a short code on arrival; officers mark arrivals, and a booking whose day
//! passed without one is a no-show.
//!
//! Everything here is pure: the store enforces "never beyond capacity" with a conditional write,
//! these rules decide what is asked of it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::calendar::{JAKARTA_OFFSET, jakarta_date};
use crate::office::{Office, Place};
use crate::{RequestStatus, ServiceCode, TicketId};

/// Why a request brings the resident to a counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Visit {
    /// Biometric recording of a first KTP-el (photo, fingerprints, iris).
    Recording,
    /// Collecting a finished KTP-el or KIA card.
    CardCollection,
}

/// Which services need a visit, and for what. Every other service ends on WhatsApp (documents
/// delivered as files) and never offers an appointment.
pub fn visit_for(service: ServiceCode) -> Option<Visit> {
    match service {
        ServiceCode::KtpNew => Some(Visit::Recording),
        ServiceCode::KtpLostDamaged
        | ServiceCode::KtpDataChange
        | ServiceCode::KtpMoveIn
        | ServiceCode::Kia => Some(Visit::CardCollection),
        _ => None,
    }
}

/// Where an appointment takes place: the office itself (`office`) or one of its service points,
/// named by the first kecamatan it serves (six digits): stable while the profile lists the point,
/// whatever order the points are listed in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlaceId(String);

pub const OFFICE_PLACE: &str = "office";

impl PlaceId {
    pub fn office() -> Self {
        PlaceId(OFFICE_PLACE.to_owned())
    }

    /// The syntax only; whether the office has this place is [`place`]'s question.
    pub fn parse(value: &str) -> Result<Self, AppointmentError> {
        if value == OFFICE_PLACE || (value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()))
        {
            Ok(PlaceId(value.to_owned()))
        } else {
            Err(AppointmentError::UnknownPlace)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PlaceId {
    type Error = AppointmentError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PlaceId::parse(&value)
    }
}

impl From<PlaceId> for String {
    fn from(value: PlaceId) -> Self {
        value.0
    }
}

/// Every place of `office`: the office first, then its service points in profile order.
pub fn places(office: &Office) -> Vec<(PlaceId, Place<'_>)> {
    let mut all = vec![(
        PlaceId::office(),
        Place {
            name: &office.name,
            address: &office.address,
            hours: &office.hours,
        },
    )];
    for point in &office.service_points {
        if let Some(first) = point.kecamatan.first() {
            all.push((
                PlaceId(first.clone()),
                Place {
                    name: &point.name,
                    address: &point.address,
                    hours: &point.hours,
                },
            ));
        }
    }
    all
}

/// The place `id` names at `office`, if it has one.
pub fn place<'a>(office: &'a Office, id: &PlaceId) -> Option<Place<'a>> {
    places(office)
        .into_iter()
        .find(|(p, _)| p == id)
        .map(|(_, place)| place)
}

/// Whether an officer of `kecamatan` works `id`'s counter: the office's serves the whole
/// regency, a service point the kecamatan it serves. The day's list (applicants, codes) and the
/// arrival marks stay with the counter's own staff; regency-wide staff work every counter.
pub fn serves(office: &Office, id: &PlaceId, kecamatan: &str) -> bool {
    *id == PlaceId::office()
        || office
            .service_points
            .iter()
            .filter(|p| {
                p.kecamatan
                    .first()
                    .is_some_and(|first| first == id.as_str())
            })
            .any(|p| p.kecamatan.iter().any(|k| k == kecamatan))
}

/// Where a resident of `kecamatan` is sent by default: the service point serving it, else the
/// office (the same rule as card collection, `Office::place_for`).
pub fn home_place(office: &Office, kecamatan: Option<&str>) -> PlaceId {
    office
        .service_points
        .iter()
        .find(|p| kecamatan.is_some_and(|k| p.kecamatan.iter().any(|c| c == k)))
        .and_then(|p| p.kecamatan.first())
        .map_or_else(PlaceId::office, |k| PlaceId(k.clone()))
}

/// A slot's start, local time of the office (WIB), to the minute: `08:30`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SlotTime(Time);

impl SlotTime {
    pub fn parse(value: &str) -> Result<Self, AppointmentError> {
        let bytes = value.as_bytes();
        if bytes.len() != 5 || bytes[2] != b':' {
            return Err(AppointmentError::BadTime);
        }
        let number = |s: &str| s.parse::<u8>().map_err(|_| AppointmentError::BadTime);
        let (hour, minute) = (number(&value[..2])?, number(&value[3..])?);
        if !value[..2]
            .bytes()
            .chain(value[3..].bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(AppointmentError::BadTime);
        }
        Time::from_hms(hour, minute, 0)
            .map(SlotTime)
            .map_err(|_| AppointmentError::BadTime)
    }

    pub fn hour(self) -> u8 {
        self.0.hour()
    }

    pub fn minute(self) -> u8 {
        self.0.minute()
    }

    /// The instant this time starts on `date` in WIB.
    pub fn on(self, date: Date) -> OffsetDateTime {
        PrimitiveDateTime::new(date, self.0).assume_offset(JAKARTA_OFFSET)
    }
}

impl std::fmt::Display for SlotTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

impl TryFrom<String> for SlotTime {
    type Error = AppointmentError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        SlotTime::parse(&value)
    }
}

impl From<SlotTime> for String {
    fn from(value: SlotTime) -> Self {
        value.to_string()
    }
}

/// One published slot and how many bookings it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub place: PlaceId,
    #[serde(with = "crate::request::iso_date")]
    pub date: Date,
    pub start: SlotTime,
    pub capacity: u16,
    pub booked: u16,
}

impl Slot {
    pub fn room(&self) -> u16 {
        self.capacity.saturating_sub(self.booked)
    }

    /// Open for booking at `now`: not started yet, room left.
    pub fn is_bookable(&self, now: OffsetDateTime) -> bool {
        self.start.on(self.date) > now && self.room() > 0
    }
}

/// At most this many people in one slot, and slots in one day and place: an office hall, and a
/// day's list an officer can read.
pub const CAPACITY_MAX: u16 = 200;
pub const SLOTS_PER_DAY_MAX: usize = 24;
/// How far ahead slots may be published.
pub const PUBLISH_AHEAD_DAYS: i64 = 90;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppointmentError {
    #[error("no such place")]
    UnknownPlace,
    #[error("a time is HH:MM")]
    BadTime,
    #[error("not an appointment code")]
    BadCode,
    #[error("capacity must be 1 to {CAPACITY_MAX}")]
    Capacity,
    #[error("at most {SLOTS_PER_DAY_MAX} slots a day")]
    TooManySlots,
    #[error("slot {0} is listed twice")]
    DuplicateTime(SlotTime),
    #[error("the day has passed or is too far ahead")]
    DayOutOfRange,
    #[error("slot {time} holds {booked} bookings, more than the capacity asked")]
    BelowBooked { time: SlotTime, booked: u16 },
    #[error("this service needs no visit")]
    NoVisit,
    #[error("the request is not at a stage that needs a visit")]
    NotYet,
    #[error("the slot has started or is full")]
    Unavailable,
    #[error("the appointment is not on the day it is marked on")]
    NotToday,
    #[error("the appointment was already marked a no-show")]
    AlreadyNoShow,
    #[error("the appointment was cancelled")]
    Cancelled,
    #[error("there is no appointment to cancel")]
    NothingToCancel,
}

/// Checks a supervisor's publication of one day's slots at one place, replacing the day's slots:
/// the day is today or later (up to [`PUBLISH_AHEAD_DAYS`]), every capacity is 1 to
/// [`CAPACITY_MAX`], times are distinct, and no slot holding bookings is removed or given less
/// room than it already booked. Returns the slots to store, in time order, with their counts.
pub fn publish(
    place: &PlaceId,
    date: Date,
    wanted: &[(SlotTime, u16)],
    existing: &[Slot],
    today: Date,
) -> Result<Vec<Slot>, AppointmentError> {
    if date < today || date > today + Duration::days(PUBLISH_AHEAD_DAYS) {
        return Err(AppointmentError::DayOutOfRange);
    }
    if wanted.len() > SLOTS_PER_DAY_MAX {
        return Err(AppointmentError::TooManySlots);
    }
    let mut slots: Vec<Slot> = Vec::with_capacity(wanted.len());
    for &(start, capacity) in wanted {
        if capacity == 0 || capacity > CAPACITY_MAX {
            return Err(AppointmentError::Capacity);
        }
        if slots.iter().any(|s| s.start == start) {
            return Err(AppointmentError::DuplicateTime(start));
        }
        let booked = existing
            .iter()
            .find(|s| s.start == start)
            .map_or(0, |s| s.booked);
        if capacity < booked {
            return Err(AppointmentError::BelowBooked {
                time: start,
                booked,
            });
        }
        slots.push(Slot {
            place: place.clone(),
            date,
            start,
            capacity,
            booked,
        });
    }
    if let Some(dropped) = existing
        .iter()
        .find(|old| old.booked > 0 && !slots.iter().any(|s| s.start == old.start))
    {
        return Err(AppointmentError::BelowBooked {
            time: dropped.start,
            booked: dropped.booked,
        });
    }
    slots.sort_by_key(|s| s.start);
    Ok(slots)
}

/// The code a resident shows on arrival: six symbols of the ticket alphabet (no 0/O/1/I), derived
/// from the ticket and the slot, so a retried booking gets the same code and a changed one
/// another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppointmentCode(String);

pub const CODE_LEN: usize = 6;

impl AppointmentCode {
    pub fn derive(ticket: &TicketId, place: &PlaceId, date: Date, start: SlotTime) -> Self {
        let digest = Sha256::digest(
            format!(
                "appointment/1|{}|{}|{date}|{start}",
                ticket.as_str(),
                place.as_str()
            )
            .as_bytes(),
        );
        let alphabet = crate::ticket::ALPHABET;
        let code = digest[..CODE_LEN]
            .iter()
            .map(|b| char::from(alphabet[usize::from(b % 32)]))
            .collect();
        AppointmentCode(code)
    }

    /// As officers type it: case and spaces do not matter.
    pub fn parse(value: &str) -> Result<Self, AppointmentError> {
        let code: String = value
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if code.len() == CODE_LEN && code.bytes().all(|b| crate::ticket::ALPHABET.contains(&b)) {
            Ok(AppointmentCode(code))
        } else {
            Err(AppointmentError::BadCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AppointmentCode {
    type Error = AppointmentError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        AppointmentCode::parse(&value)
    }
}

impl From<AppointmentCode> for String {
    fn from(value: AppointmentCode) -> Self {
        value.0
    }
}

/// Where a booking stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Attendance {
    Booked,
    Arrived,
    NoShow,
    /// Cancelled by the resident: the slot got its place back.
    Cancelled,
}

/// One request's appointment (a request holds at most one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub ticket: TicketId,
    pub service: ServiceCode,
    pub visit: Visit,
    pub place: PlaceId,
    #[serde(with = "crate::request::iso_date")]
    pub date: Date,
    pub start: SlotTime,
    pub code: AppointmentCode,
    pub attendance: Attendance,
    #[serde(with = "time::serde::rfc3339")]
    pub booked_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub arrived_at: Option<OffsetDateTime>,
    /// Whether the day-before reminder went out (so a rerun of the schedule sends nothing).
    #[serde(default)]
    pub reminded: bool,
}

impl Booking {
    pub fn is_for(&self, slot: &Slot) -> bool {
        self.place == slot.place && self.date == slot.date && self.start == slot.start
    }
}

/// What booking `slot` for a request means, given the booking it already holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookingPlan {
    /// A new booking: take a place in the slot.
    New(Booking),
    /// The request already holds this very slot (a retry, a second tap): nothing to write.
    Same(Booking),
    /// A change: free the old slot and take the new one, in one transaction.
    Change { previous: Booking, next: Booking },
}

/// Whether `status` is a stage at which `visit` can be booked: a recording once the request is
/// in the queue (the recording is how it proceeds), a card once it is being made or ready.
pub fn can_book(visit: Visit, status: RequestStatus) -> bool {
    use RequestStatus as S;
    match visit {
        Visit::Recording => matches!(
            status,
            S::Submitted | S::InReview | S::NeedsRevision | S::Approved
        ),
        Visit::CardCollection => matches!(status, S::Approved | S::Completed),
    }
}

/// Whether `booking` still has a purpose for a request now at `status`: one still ahead
/// (`Booked`) only while its visit can be booked at that stage (a rejected or cancelled
/// request's appointment holds a place for no one, and must not be reminded); arrivals,
/// no-shows and cancellations are history and stay as they are.
pub fn still_wanted(booking: &Booking, status: RequestStatus) -> bool {
    booking.attendance != Attendance::Booked || can_book(booking.visit, status)
}

/// Plans booking `slot` for the request `ticket` of `service` at `status`, which holds `current`
/// (if any), at `now`.
pub fn plan_booking(
    ticket: &TicketId,
    service: ServiceCode,
    status: RequestStatus,
    current: Option<&Booking>,
    slot: &Slot,
    now: OffsetDateTime,
) -> Result<BookingPlan, AppointmentError> {
    let visit = visit_for(service).ok_or(AppointmentError::NoVisit)?;
    if !can_book(visit, status) {
        return Err(AppointmentError::NotYet);
    }
    if let Some(current) = current.filter(|c| c.is_for(slot) && c.attendance == Attendance::Booked)
    {
        return Ok(BookingPlan::Same(current.clone()));
    }
    if !slot.is_bookable(now) {
        return Err(AppointmentError::Unavailable);
    }
    let next = Booking {
        ticket: *ticket,
        service,
        visit,
        place: slot.place.clone(),
        date: slot.date,
        start: slot.start,
        code: AppointmentCode::derive(ticket, &slot.place, slot.date, slot.start),
        attendance: Attendance::Booked,
        booked_at: now,
        arrived_at: None,
        reminded: false,
    };
    Ok(match current {
        // A booking still ahead is changed; one that ended (arrived, no-show) is history and a
        // new one replaces it without freeing anything.
        Some(previous) if previous.attendance == Attendance::Booked => BookingPlan::Change {
            previous: previous.clone(),
            next,
        },
        _ => BookingPlan::New(next),
    })
}

/// Marks an arrival on the appointment's day. Marking it again keeps the first time.
pub fn mark_arrived(booking: &Booking, now: OffsetDateTime) -> Result<Booking, AppointmentError> {
    match booking.attendance {
        Attendance::Arrived => Ok(booking.clone()),
        Attendance::NoShow => Err(AppointmentError::AlreadyNoShow),
        Attendance::Cancelled => Err(AppointmentError::Cancelled),
        Attendance::Booked if jakarta_date(now) != booking.date => Err(AppointmentError::NotToday),
        Attendance::Booked => Ok(Booking {
            attendance: Attendance::Arrived,
            arrived_at: Some(now),
            ..booking.clone()
        }),
    }
}

/// The day whose appointments are reminded at `now`: tomorrow in WIB.
pub fn reminder_day(now: OffsetDateTime) -> Date {
    jakarta_date(now) + Duration::days(1)
}

/// Whether `booking` is owed its reminder at `now`.
pub fn reminder_due(booking: &Booking, now: OffsetDateTime) -> bool {
    booking.attendance == Attendance::Booked
        && !booking.reminded
        && booking.date == reminder_day(now)
}

/// Whether `booking` is a no-show at `now`: its day ended without an arrival.
pub fn is_no_show(booking: &Booking, now: OffsetDateTime) -> bool {
    booking.attendance == Attendance::Booked && booking.date < jakarta_date(now)
}

/// An applicant's name as the day's list shows it: each word's first letter, the rest starred
/// (`Siti Aminah` → `S*** A*****`), enough to call someone forward, never the whole name.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(String::from).unwrap_or_default();
            first + &"*".repeat(chars.count())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Per day and place: booked (every booking made, arrived or not), arrived, no-show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DayCounts {
    pub booked: u32,
    pub arrived: u32,
    pub no_show: u32,
}

pub fn count(bookings: &[Booking]) -> DayCounts {
    bookings.iter().fold(DayCounts::default(), |mut c, b| {
        match b.attendance {
            Attendance::Arrived => c.arrived += 1,
            Attendance::NoShow => c.no_show += 1,
            Attendance::Booked => {}
            Attendance::Cancelled => return c,
        }
        c.booked += 1;
        c
    })
}

/// Cancels the booking a request holds; `Ok(None)` when it is already cancelled (a retry).
pub fn cancel(booking: &Booking) -> Result<Option<Booking>, AppointmentError> {
    match booking.attendance {
        Attendance::Booked => Ok(Some(Booking {
            attendance: Attendance::Cancelled,
            ..booking.clone()
        })),
        Attendance::Cancelled => Ok(None),
        Attendance::Arrived | Attendance::NoShow => Err(AppointmentError::NothingToCancel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn t(s: &str) -> SlotTime {
        SlotTime::parse(s).unwrap()
    }

    fn ticket() -> TicketId {
        TicketId::parse("ABCD-EFGH").unwrap()
    }

    fn slot(start: &str, capacity: u16, booked: u16) -> Slot {
        Slot {
            place: PlaceId::office(),
            date: date!(2026 - 12 - 10),
            start: t(start),
            capacity,
            booked,
        }
    }

    #[test]
    fn only_recording_and_card_services_need_a_visit() {
        for code in ServiceCode::ALL {
            let expected = match code {
                ServiceCode::KtpNew => Some(Visit::Recording),
                ServiceCode::KtpLostDamaged
                | ServiceCode::KtpDataChange
                | ServiceCode::KtpMoveIn
                | ServiceCode::Kia => Some(Visit::CardCollection),
                _ => None,
            };
            assert_eq!(visit_for(code), expected, "{code:?}");
        }
        assert!(visit_for(ServiceCode::Birth).is_none());
    }

    #[test]
    fn booking_stages() {
        for status in RequestStatus::ALL {
            assert_eq!(
                can_book(Visit::CardCollection, status),
                matches!(status, RequestStatus::Approved | RequestStatus::Completed)
            );
            assert_eq!(
                can_book(Visit::Recording, status),
                !matches!(
                    status,
                    RequestStatus::Draft
                        | RequestStatus::Completed
                        | RequestStatus::Rejected
                        | RequestStatus::Cancelled
                )
            );
        }
    }

    #[test]
    fn times_and_places_parse_strictly() {
        assert_eq!(t("08:30").to_string(), "08:30");
        for bad in [
            "8:30", "08.30", "24:00", "08:60", "0830", "+8:30", "08:3x", "",
        ] {
            assert_eq!(
                SlotTime::parse(bad),
                Err(AppointmentError::BadTime),
                "{bad}"
            );
        }
        assert!(PlaceId::parse("office").is_ok());
        assert!(PlaceId::parse("170801").is_ok());
        for bad in ["Office", "17080", "1708011", "kantor", ""] {
            assert!(PlaceId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            t("08:00").on(date!(2026 - 12 - 10)),
            datetime!(2026-12-10 01:00 UTC)
        );
    }

    #[test]
    fn places_of_an_office() {
        let mut office = Office::default();
        assert_eq!(places(&office).len(), 1);
        office.service_points.push(crate::office::ServicePoint {
            name: "UPT Kabawetan".into(),
            address: "Jl. Kabawetan".into(),
            hours: "Senin–Jumat".into(),
            kecamatan: vec!["170805".into(), "170806".into()],
        });
        let ids: Vec<String> = places(&office)
            .into_iter()
            .map(|(id, _)| id.as_str().to_owned())
            .collect();
        assert_eq!(ids, ["office", "170805"]);
        let point = PlaceId::parse("170805").unwrap();
        assert_eq!(place(&office, &point).unwrap().name, "UPT Kabawetan");
        assert!(place(&office, &PlaceId::parse("170806").unwrap()).is_none());
        assert_eq!(home_place(&office, Some("170806")), point);
        assert_eq!(home_place(&office, Some("170801")), PlaceId::office());
        assert_eq!(home_place(&office, None), PlaceId::office());
        // Who works which counter: the office's serves everyone, a point its own kecamatan.
        for k in ["170801", "170805", "170806"] {
            assert!(serves(&office, &PlaceId::office(), k), "{k}");
        }
        assert!(serves(&office, &point, "170805"));
        assert!(
            serves(&office, &point, "170806"),
            "a point's second kecamatan"
        );
        assert!(!serves(&office, &point, "170801"));
        // An id no point has serves no one.
        assert!(!serves(
            &office,
            &PlaceId::parse("170806").unwrap(),
            "170806"
        ));
    }

    #[test]
    fn publishing_a_day() {
        let today = date!(2026 - 12 - 03);
        let day = date!(2026 - 12 - 10);
        let office = PlaceId::office();
        let published = publish(
            &office,
            day,
            &[(t("10:00"), 5), (t("08:00"), 3)],
            &[],
            today,
        )
        .unwrap();
        assert_eq!(
            published.iter().map(|s| s.start).collect::<Vec<_>>(),
            [t("08:00"), t("10:00")]
        );
        assert!(published.iter().all(|s| s.booked == 0 && s.date == day));
        // Today is allowed, yesterday and past the horizon are not.
        assert!(publish(&office, today, &[(t("08:00"), 1)], &[], today).is_ok());
        let err = |date, wanted: &[(SlotTime, u16)], existing: &[Slot]| {
            publish(&office, date, wanted, existing, today).unwrap_err()
        };
        assert_eq!(
            err(date!(2026 - 12 - 02), &[(t("08:00"), 1)], &[]),
            AppointmentError::DayOutOfRange
        );
        assert_eq!(
            err(today + Duration::days(91), &[(t("08:00"), 1)], &[]),
            AppointmentError::DayOutOfRange
        );
        assert_eq!(
            err(day, &[(t("08:00"), 0)], &[]),
            AppointmentError::Capacity
        );
        assert_eq!(
            err(day, &[(t("08:00"), CAPACITY_MAX + 1)], &[]),
            AppointmentError::Capacity
        );
        assert_eq!(
            err(day, &[(t("08:00"), 1), (t("08:00"), 2)], &[]),
            AppointmentError::DuplicateTime(t("08:00"))
        );
        let many: Vec<_> = (0..25)
            .map(|h| (SlotTime(Time::from_hms(h % 24, h / 24, 0).unwrap()), 1))
            .collect();
        assert_eq!(err(day, &many, &[]), AppointmentError::TooManySlots);
        // Replacing keeps the counts; it may not squeeze or drop a booked slot.
        let existing = [slot("08:00", 5, 4), slot("09:00", 5, 0)];
        let replaced = publish(&office, day, &[(t("08:00"), 4)], &existing, today).unwrap();
        assert_eq!(replaced[0].booked, 4);
        assert_eq!(
            err(day, &[(t("08:00"), 3)], &existing),
            AppointmentError::BelowBooked {
                time: t("08:00"),
                booked: 4
            }
        );
        assert_eq!(
            err(day, &[(t("09:00"), 3)], &existing),
            AppointmentError::BelowBooked {
                time: t("08:00"),
                booked: 4
            }
        );
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("Siti Aminah"), "S*** A*****");
        assert_eq!(mask_name("  Budi  "), "B***");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn codes_are_short_unambiguous_and_stable() {
        let day = date!(2026 - 12 - 10);
        let code = AppointmentCode::derive(&ticket(), &PlaceId::office(), day, t("08:00"));
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert!(code.as_str().bytes().all(|b| !b"01OI".contains(&b)));
        assert_eq!(
            code,
            AppointmentCode::derive(&ticket(), &PlaceId::office(), day, t("08:00"))
        );
        assert_ne!(
            code,
            AppointmentCode::derive(&ticket(), &PlaceId::office(), day, t("09:00"))
        );
        let lower = code.as_str().to_ascii_lowercase();
        let typed = format!(" {} {}", &lower[..3], &lower[3..]);
        assert_eq!(AppointmentCode::parse(&typed), Ok(code));
        for bad in ["ABCDE", "ABCDEFG", "ABCDE0", "ABCDEI"] {
            assert_eq!(AppointmentCode::parse(bad), Err(AppointmentError::BadCode));
        }
    }

    #[test]
    fn booking_plans() {
        let before = datetime!(2026-12-09 10:00 UTC);
        let eight = slot("08:00", 2, 0);
        let nine = slot("09:00", 2, 1);
        let plan = |current: Option<&Booking>, slot: &Slot, now| {
            plan_booking(
                &ticket(),
                ServiceCode::Kia,
                RequestStatus::Approved,
                current,
                slot,
                now,
            )
        };
        let BookingPlan::New(first) = plan(None, &eight, before).unwrap() else {
            panic!("a first booking is new")
        };
        assert_eq!(first.attendance, Attendance::Booked);
        assert_eq!(first.visit, Visit::CardCollection);
        assert_eq!(
            plan(Some(&first), &eight, before),
            Ok(BookingPlan::Same(first.clone()))
        );
        let Ok(BookingPlan::Change { previous, next }) = plan(Some(&first), &nine, before) else {
            panic!("another slot is a change")
        };
        assert_eq!(previous, first);
        assert_eq!(next.start, t("09:00"));
        // Full, started, not yet at the stage, no visit at all.
        assert_eq!(
            plan(None, &slot("08:00", 2, 2), before),
            Err(AppointmentError::Unavailable)
        );
        assert_eq!(
            plan(None, &eight, datetime!(2026-12-10 01:00 UTC)),
            Err(AppointmentError::Unavailable)
        );
        assert!(plan(None, &eight, datetime!(2026-12-10 00:59 UTC)).is_ok());
        assert_eq!(
            plan_booking(
                &ticket(),
                ServiceCode::Kia,
                RequestStatus::Submitted,
                None,
                &eight,
                before
            ),
            Err(AppointmentError::NotYet)
        );
        assert_eq!(
            plan_booking(
                &ticket(),
                ServiceCode::Birth,
                RequestStatus::Approved,
                None,
                &eight,
                before
            ),
            Err(AppointmentError::NoVisit)
        );
        // After a no-show, a new booking frees nothing.
        let missed = Booking {
            attendance: Attendance::NoShow,
            ..first.clone()
        };
        assert!(matches!(
            plan(Some(&missed), &nine, before),
            Ok(BookingPlan::New(_))
        ));
    }

    #[test]
    fn a_closed_request_wants_no_appointment_ahead() {
        use RequestStatus as S;
        let BookingPlan::New(recording) = plan_booking(
            &ticket(),
            ServiceCode::KtpNew,
            S::Submitted,
            None,
            &slot("08:00", 1, 0),
            datetime!(2026-12-01 03:00 UTC),
        )
        .unwrap() else {
            panic!()
        };
        for open in [S::Submitted, S::InReview, S::NeedsRevision, S::Approved] {
            assert!(still_wanted(&recording, open), "{open:?}");
        }
        for closed in [S::Rejected, S::Cancelled, S::Completed] {
            assert!(!still_wanted(&recording, closed), "{closed:?}");
        }
        let collection = Booking {
            visit: Visit::CardCollection,
            ..recording.clone()
        };
        assert!(
            still_wanted(&collection, S::Completed),
            "cards are collected once done"
        );
        assert!(!still_wanted(&collection, S::Rejected));
        // History stays: an arrival or a no-show is not undone by the request closing.
        for past in [
            Attendance::Arrived,
            Attendance::NoShow,
            Attendance::Cancelled,
        ] {
            let booking = Booking {
                attendance: past,
                ..recording.clone()
            };
            assert!(still_wanted(&booking, S::Rejected), "{past:?}");
        }
    }

    #[test]
    fn arrivals_reminders_and_no_shows() {
        let BookingPlan::New(booking) = plan_booking(
            &ticket(),
            ServiceCode::KtpNew,
            RequestStatus::Submitted,
            None,
            &slot("08:00", 1, 0),
            datetime!(2026-12-01 03:00 UTC),
        )
        .unwrap() else {
            panic!()
        };
        // The day before in WIB: 9 Dec 17:00 UTC is already 10 Dec in Kepahiang.
        assert!(reminder_due(&booking, datetime!(2026-12-09 02:00 UTC)));
        assert!(!reminder_due(&booking, datetime!(2026-12-09 17:00 UTC)));
        assert!(!reminder_due(&booking, datetime!(2026-12-08 02:00 UTC)));
        let reminded = Booking {
            reminded: true,
            ..booking.clone()
        };
        assert!(!reminder_due(&reminded, datetime!(2026-12-09 02:00 UTC)));

        assert_eq!(
            mark_arrived(&booking, datetime!(2026-12-09 02:00 UTC)),
            Err(AppointmentError::NotToday)
        );
        let arrived = mark_arrived(&booking, datetime!(2026-12-10 02:00 UTC)).unwrap();
        assert_eq!(arrived.attendance, Attendance::Arrived);
        assert_eq!(
            mark_arrived(&arrived, datetime!(2026-12-10 05:00 UTC)),
            Ok(arrived.clone())
        );

        assert!(!is_no_show(&booking, datetime!(2026-12-10 16:59 UTC)));
        assert!(is_no_show(&booking, datetime!(2026-12-10 17:00 UTC)));
        assert!(!is_no_show(&arrived, datetime!(2026-12-11 17:00 UTC)));
        let missed = Booking {
            attendance: Attendance::NoShow,
            ..booking.clone()
        };
        assert_eq!(
            mark_arrived(&missed, datetime!(2026-12-10 05:00 UTC)),
            Err(AppointmentError::AlreadyNoShow)
        );
        let cancelled = cancel(&booking).unwrap().unwrap();
        assert_eq!(cancelled.attendance, Attendance::Cancelled);
        assert_eq!(cancel(&cancelled), Ok(None));
        assert_eq!(cancel(&arrived), Err(AppointmentError::NothingToCancel));
        assert_eq!(
            mark_arrived(&cancelled, datetime!(2026-12-10 05:00 UTC)),
            Err(AppointmentError::Cancelled)
        );
        assert!(!is_no_show(&cancelled, datetime!(2026-12-11 17:00 UTC)));
        assert_eq!(
            count(&[booking, arrived, missed, cancelled]),
            DayCounts {
                booked: 3,
                arrived: 1,
                no_show: 1
            }
        );
    }
}
