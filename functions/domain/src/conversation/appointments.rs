//! Booking an appointment in the conversation (issue #19 §3): `janji temu` / `jadwal` (or the
//! buttons of a confirmation) → the days with room in the next two weeks at the resident's place
//! → the times with room → the booking, written in the message's own transaction with the slot's
//! `booked < capacity` condition. A slot filled meanwhile fails the commit; the webhook reads
//! again and the engine, seeing it full, says so and offers the other times.

use super::{Need, PADDING, Step, Turn, Write, numbered, words};
use crate::Request;
use crate::appointment::{
    self as appt, Attendance, Booking, BookingPlan, PlaceId, Slot, SlotTime, Visit,
};
use crate::messages::appointments as msg;
use crate::{TicketId, jakarta_date};
use time::{Date, Duration};

/// How far ahead the days are offered.
pub(super) const SEARCH_DAYS: i64 = 14;

/// What a typed message about appointments asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ask {
    /// Book one, or show the one booked.
    Show,
    Change,
    Cancel,
}

/// `janji temu`, `jadwal`, `ubah jadwal`, `batal janji`… as whole messages, polite padding
/// tolerated.
pub(super) fn typed(text: &str) -> Option<Ask> {
    let words: Vec<String> = words(text)
        .into_iter()
        .filter(|w| !PADDING.contains(&w.as_str()))
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["janji" | "jadwal" | "booking"]
        | ["janji" | "jadwal", "temu" | "kedatangan" | "saya"]
        | ["buat" | "ambil" | "pesan", "janji" | "jadwal"]
        | ["buat" | "ambil" | "pesan", "janji", "temu"] => Some(Ask::Show),
        ["ubah" | "ganti" | "pindah", "janji" | "jadwal"]
        | ["ubah" | "ganti" | "pindah", "janji", "temu"] => Some(Ask::Change),
        ["batal" | "batalkan", "janji" | "jadwal"] | ["batal" | "batalkan", "janji", "temu"] => {
            Some(Ask::Cancel)
        }
        _ => None,
    }
}

impl<'a> Turn<'a> {
    fn day_slots(&self, place: &PlaceId, day: Date) -> Result<&'a [Slot], Need> {
        self.facts
            .slots
            .get(&(place.clone(), day))
            .map(Vec::as_slice)
            .ok_or(Need::Slots {
                place: place.clone(),
                from: day,
                to: day,
            })
    }

    fn booking_of(&self, ticket: TicketId) -> Result<Option<&'a Booking>, Need> {
        self.facts
            .bookings
            .get(&ticket)
            .map(Option::as_ref)
            .ok_or(Need::Booking(ticket))
    }

    /// The resident's newest request that needs a visit now.
    fn visit_request(&self) -> Result<Option<&'a Request>, Need> {
        let requests = self
            .facts
            .resident_requests
            .as_ref()
            .ok_or(Need::ResidentRequests)?;
        Ok(requests
            .iter()
            .filter(|r| r.resident == self.conversation.resident && bookable_request(r))
            .max_by_key(|r| r.created_at))
    }

    /// `ticket`'s request, if it is this resident's and needs a visit now.
    fn own_visit_request(&self, ticket: TicketId) -> Result<Option<&'a Request>, Need> {
        Ok(self
            .request(ticket)?
            .filter(|r| r.resident == self.conversation.resident && bookable_request(r)))
    }

    fn place_of(&self, request: &Request) -> PlaceId {
        appt::home_place(
            self.input.office,
            request
                .applicant
                .as_ref()
                .and_then(|a| a.kecamatan.as_deref()),
        )
    }

    fn say_place<F>(&mut self, place: &PlaceId, reply: F)
    where
        F: FnOnce(crate::office::Place<'_>) -> crate::reply::Reply,
    {
        let office = self.input.office;
        let named = appt::place(office, place).unwrap_or(office.place_for(None));
        self.say(reply(named));
    }

    pub(super) fn on_appointment_words(&mut self, ask: Ask) -> Result<(), Need> {
        // Messages held for a ticket choice are not dropped unsaid (as from the main menu).
        if let Step::ChoosingTicket { held } = &self.conversation.step
            && !held.is_empty()
        {
            let count = held.len();
            self.say(crate::messages::held_not_delivered(count));
        }
        let Some(request) = self.visit_request()? else {
            self.go(Step::MainMenu);
            self.say(msg::nothing_to_book());
            return Ok(());
        };
        let current = self
            .booking_of(request.ticket)?
            .filter(|b| b.attendance == Attendance::Booked);
        match (ask, current) {
            (Ask::Cancel, Some(_)) => self.cancel_appointment(request.ticket),
            (Ask::Cancel, None) => {
                self.go(Step::MainMenu);
                self.say(msg::nothing_to_cancel());
                Ok(())
            }
            (Ask::Show, Some(booking)) => {
                self.go(Step::MainMenu);
                let place = booking.place.clone();
                self.say_place(&place, |p| msg::confirmed(booking, p));
                Ok(())
            }
            _ => self.offer_days(request),
        }
    }

    /// Buttons and list rows of the appointment flow; false for other ids.
    pub(super) fn on_appointment_choice(&mut self, id: &str) -> Result<bool, Need> {
        if let Some(rest) = id.strip_prefix(msg::DAY_PREFIX)
            && let Some((ticket, day)) = rest.split_once(':')
            && let Ok(ticket) = TicketId::parse(ticket)
            && let Some(day) = parse_day(day)
        {
            self.pick_day(ticket, day)?;
        } else if let Some(rest) = id.strip_prefix(msg::TIME_PREFIX)
            && let Some((ticket, rest)) = rest.split_once(':')
            && let Some((day, time)) = rest.split_once(':')
            && let Ok(ticket) = TicketId::parse(ticket)
            && let Some(day) = parse_day(day)
            && let Ok(time) = SlotTime::parse(time)
        {
            self.pick_time(ticket, day, time)?;
        } else if let Some(ticket) = super::ticket_after(id, msg::CHANGE_PREFIX) {
            match self.own_visit_request(ticket)? {
                Some(request) => self.offer_days(request)?,
                None => self.say(msg::nothing_to_book()),
            }
        } else if let Some(ticket) = super::ticket_after(id, msg::CANCEL_PREFIX) {
            self.cancel_appointment(ticket)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// The days with room from today, at most ten.
    fn open_days(&self, place: &PlaceId) -> Result<Vec<(Date, u32)>, Need> {
        let today = jakarta_date(self.input.now);
        let last = today + Duration::days(SEARCH_DAYS - 1);
        let mut days = Vec::new();
        let mut day = today;
        while day <= last {
            let Some(slots) = self.facts.slots.get(&(place.clone(), day)) else {
                return Err(Need::Slots {
                    place: place.clone(),
                    from: today,
                    to: last,
                });
            };
            let room: u32 = slots
                .iter()
                .filter(|s| s.is_bookable(self.input.now))
                .map(|s| u32::from(s.room()))
                .sum();
            if room > 0 && days.len() < crate::reply::LIST_ROWS_MAX {
                days.push((day, room));
            }
            day += Duration::days(1);
        }
        Ok(days)
    }

    fn offer_days(&mut self, request: &Request) -> Result<(), Need> {
        let place = self.place_of(request);
        let days = self.open_days(&place)?;
        let ticket = request.ticket;
        let visit = appt::visit_for(request.service).unwrap_or(Visit::CardCollection);
        if days.is_empty() {
            self.go(Step::MainMenu);
            self.say_place(&place, msg::no_days);
        } else {
            self.go(Step::AppointmentDay { ticket });
            self.say_place(&place, |p| msg::choose_day(ticket, visit, p, &days));
        }
        Ok(())
    }

    fn open_times(&self, place: &PlaceId, day: Date) -> Result<Vec<&'a Slot>, Need> {
        Ok(self
            .day_slots(place, day)?
            .iter()
            .filter(|s| s.is_bookable(self.input.now))
            .take(crate::reply::LIST_ROWS_MAX)
            .collect())
    }

    fn pick_day(&mut self, ticket: TicketId, day: Date) -> Result<(), Need> {
        let Some(request) = self.own_visit_request(ticket)? else {
            self.go(Step::MainMenu);
            self.say(msg::nothing_to_book());
            return Ok(());
        };
        let place = self.place_of(request);
        let times = self.open_times(&place, day)?;
        if times.is_empty() {
            self.say(msg::slot_full());
            return self.offer_days(request);
        }
        self.go(Step::AppointmentTime { ticket, date: day });
        self.say(msg::choose_time(ticket, day, &times));
        Ok(())
    }

    fn pick_time(&mut self, ticket: TicketId, day: Date, time: SlotTime) -> Result<(), Need> {
        let Some(request) = self.own_visit_request(ticket)? else {
            self.go(Step::MainMenu);
            self.say(msg::nothing_to_book());
            return Ok(());
        };
        let place = self.place_of(request);
        let current = self.booking_of(ticket)?;
        let slot = self
            .day_slots(&place, day)?
            .iter()
            .find(|s| s.start == time);
        let plan = slot.map(|slot| {
            appt::plan_booking(
                &ticket,
                request.service,
                request.status,
                current,
                slot,
                self.input.now,
            )
        });
        let applicant_masked = masked_applicant(request);
        let booking = match plan {
            Some(Ok(BookingPlan::Same(booking))) => booking,
            Some(Ok(BookingPlan::New(booking))) => {
                self.writes.push(Write::Book {
                    booking: booking.clone(),
                    previous: current.cloned(),
                    applicant_masked,
                });
                booking
            }
            Some(Ok(BookingPlan::Change { previous, next })) => {
                self.writes.push(Write::Book {
                    booking: next.clone(),
                    previous: Some(previous),
                    applicant_masked,
                });
                next
            }
            Some(Err(appt::AppointmentError::Unavailable)) | None => {
                self.say(msg::slot_full());
                return self.pick_day(ticket, day);
            }
            Some(Err(_)) => {
                self.go(Step::MainMenu);
                self.say(msg::nothing_to_book());
                return Ok(());
            }
        };
        self.go(Step::MainMenu);
        self.say_place(&place, |p| msg::confirmed(&booking, p));
        Ok(())
    }

    fn cancel_appointment(&mut self, ticket: TicketId) -> Result<(), Need> {
        self.go(Step::MainMenu);
        let Some(request) = self
            .request(ticket)?
            .filter(|r| r.resident == self.conversation.resident)
        else {
            self.say(msg::nothing_to_cancel());
            return Ok(());
        };
        let current = self.booking_of(ticket)?;
        match current.map(appt::cancel) {
            Some(Ok(Some(cancelled))) => {
                self.writes.push(Write::CancelBooking {
                    previous: current.cloned().unwrap_or_else(|| cancelled.clone()),
                    cancelled,
                    applicant_masked: masked_applicant(request),
                });
                self.say(msg::cancelled(ticket));
            }
            // Cancelled before (a second tap): the same answer.
            Some(Ok(None)) => self.say(msg::cancelled(ticket)),
            _ => self.say(msg::nothing_to_cancel()),
        }
        Ok(())
    }

    /// A day typed as its number in the list shown.
    pub(super) fn on_day_text(&mut self, ticket: TicketId) -> Result<(), Need> {
        let Some(request) = self.own_visit_request(ticket)? else {
            self.main_menu();
            return Ok(());
        };
        let place = self.place_of(request);
        let days = self.open_days(&place)?;
        match self.text().and_then(|t| numbered(t, days.len())) {
            Some(i) => self.pick_day(ticket, days[i].0),
            None => self.offer_days(request),
        }
    }

    /// A time typed as its number in the list, or as people write a time (`9`, `09.00`,
    /// `jam 9:30`).
    pub(super) fn on_time_text(&mut self, ticket: TicketId, day: Date) -> Result<(), Need> {
        let Some(request) = self.own_visit_request(ticket)? else {
            self.main_menu();
            return Ok(());
        };
        let place = self.place_of(request);
        let times = self.open_times(&place, day)?;
        let text = self.text().unwrap_or_default();
        let picked = numbered(text, times.len())
            .map(|i| times[i].start)
            .or_else(|| typed_time(text).filter(|t| times.iter().any(|s| s.start == *t)));
        match picked {
            Some(time) => self.pick_time(ticket, day, time),
            None => self.pick_day(ticket, day),
        }
    }
}

fn bookable_request(request: &Request) -> bool {
    appt::visit_for(request.service).is_some_and(|v| appt::can_book(v, request.status))
}

fn masked_applicant(request: &Request) -> String {
    request
        .applicant
        .as_ref()
        .map(|a| appt::mask_name(&a.name))
        .unwrap_or_default()
}

fn parse_day(value: &str) -> Option<Date> {
    Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// `9`, `09`, `9.30`, `09:30`, `jam 9`, `pukul 09.30 wib` → a time; anything else → `None`. A
/// bare number is read as the list's row first (by the caller), then as an hour.
fn typed_time(text: &str) -> Option<SlotTime> {
    let words: Vec<String> = words(text)
        .into_iter()
        .filter(|w| !matches!(w.as_str(), "jam" | "pukul" | "wib"))
        .collect();
    let [time] = words.as_slice() else {
        return None;
    };
    let (hour, minute) = match time.split_once(['.', ':']) {
        Some((h, m)) => (h, m),
        None => (time.as_str(), "00"),
    };
    let hour: u8 = hour.parse().ok()?;
    if minute.len() != 2 {
        return None;
    }
    SlotTime::parse(&format!("{hour:02}:{minute}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appointment_words_as_people_type_them() {
        for text in [
            "janji temu",
            "Jadwal",
            "jadwal dong",
            "buat janji temu",
            "Janji temu pak",
        ] {
            assert_eq!(typed(text), Some(Ask::Show), "{text}");
        }
        for text in ["ubah jadwal", "ganti janji temu", "Pindah jadwal ya"] {
            assert_eq!(typed(text), Some(Ask::Change), "{text}");
        }
        for text in ["batal janji", "batalkan janji temu", "batal jadwal saja"] {
            assert_eq!(typed(text), Some(Ask::Cancel), "{text}");
        }
        for text in [
            "batal",
            "janji saya kapan ya selesai",
            "jadwal buka kantor",
            "",
        ] {
            assert_eq!(typed(text), None, "{text}");
        }
    }

    #[test]
    fn times_as_people_type_them() {
        let t = |s: &str| SlotTime::parse(s).ok();
        assert_eq!(typed_time("9"), t("09:00"));
        assert_eq!(typed_time("09.30"), t("09:30"));
        assert_eq!(typed_time("jam 9:30"), t("09:30"));
        assert_eq!(typed_time("Pukul 13.00 WIB"), t("13:00"));
        for bad in ["9.3", "25", "jam", "besok pagi", "9 atau 10"] {
            assert_eq!(typed_time(bad), None, "{bad}");
        }
    }
}
