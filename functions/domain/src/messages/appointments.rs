//! Appointments at the counter as the resident reads them: days with room, times with room, the
//! confirmation with the place, what to bring and the code, changes and cancellations.

use super::date;
use crate::appointment::{Booking, Slot, Visit};
use crate::office::Place;
use crate::reply::{ListRow, ListSection, Reply};
use crate::{TicketId, service};
use time::Date;

/// `apd:<ticket>:<yyyy-mm-dd>`: a day picked from the list.
pub const DAY_PREFIX: &str = "apd:";
/// `apt:<ticket>:<yyyy-mm-dd>:<HH:MM>`: a time picked from the list.
pub const TIME_PREFIX: &str = "apt:";
/// `apc:<ticket>`: change the appointment (pick another day).
pub const CHANGE_PREFIX: &str = "apc:";
/// `apx:<ticket>`: cancel the appointment.
pub const CANCEL_PREFIX: &str = "apx:";

const WEEKDAYS: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];

fn day_name(d: Date) -> String {
    format!(
        "{}, {}",
        WEEKDAYS[usize::from(d.weekday().number_days_from_monday())],
        date(d)
    )
}

fn purpose(visit: Visit) -> &'static str {
    match visit {
        Visit::Recording => "perekaman data KTP-el",
        Visit::CardCollection => "pengambilan dokumen",
    }
}

/// The days with room, at most ten (a list's rows).
pub fn choose_day(ticket: TicketId, visit: Visit, place: Place<'_>, days: &[(Date, u32)]) -> Reply {
    let rows = days
        .iter()
        .map(|&(d, room)| ListRow {
            id: format!("{DAY_PREFIX}{}:{d}", ticket.as_str()),
            title: day_name(d),
            description: Some(format!("Sisa {room} tempat")),
        })
        .collect();
    let numbered: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(i, &(d, _))| format!("{}. {}", i + 1, day_name(d)))
        .collect();
    Reply::list(
        format!(
            "Jadwal kedatangan untuk {} (tiket *{}*) di {}. Pilih hari dari daftar atau ketik nomornya:\n{}",
            purpose(visit),
            ticket.as_str(),
            place.name,
            numbered.join("\n")
        ),
        "Pilih hari",
        vec![ListSection {
            title: "Hari".into(),
            rows,
        }],
    )
}

/// The times of `day` with room.
pub fn choose_time(ticket: TicketId, day: Date, slots: &[&Slot]) -> Reply {
    let rows = slots
        .iter()
        .map(|s| ListRow {
            id: format!("{TIME_PREFIX}{}:{day}:{}", ticket.as_str(), s.start),
            title: format!("Pukul {} WIB", s.start),
            description: Some(format!("Sisa {} tempat", s.room())),
        })
        .collect();
    let numbered: Vec<String> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. Pukul {} WIB", i + 1, s.start))
        .collect();
    Reply::list(
        format!(
            "Pilih jam kedatangan pada {} dari daftar, atau ketik nomornya atau jamnya (contoh: 09.00):\n{}",
            day_name(day),
            numbered.join("\n")
        ),
        "Pilih jam",
        vec![ListSection {
            title: "Jam".into(),
            rows,
        }],
    )
}

/// The appointment as booked (also when the resident asks about it again).
pub fn confirmed(booking: &Booking, place: Place<'_>) -> Reply {
    let ticket = booking.ticket.as_str();
    let definition = service(booking.service);
    let mut bring: Vec<String> = vec![format!(
        "nomor tiket *{ticket}* dan kode janji temu di atas"
    )];
    match booking.visit {
        Visit::Recording => bring.extend(
            definition
                .slots
                .iter()
                .filter(|s| s.required)
                .map(|s| format!("asli {}", s.label)),
        ),
        Visit::CardCollection => bring.extend(
            definition
                .slots
                .iter()
                .filter(|s| s.required)
                .take(1)
                .map(|s| format!("asli {}", s.label)),
        ),
    }
    let bring: Vec<String> = bring.iter().map(|b| format!("• {b}")).collect();
    Reply::buttons(
        format!(
            "Janji temu Bapak/Ibu untuk {} sudah tercatat.\n\nKode: *{}*\nHari: {}\nJam: {} WIB\nTempat: {}, {}\nJam layanan: {}\n\nMohon tunjukkan kode ini kepada petugas saat tiba, dan bawa:\n{}\n\nKami akan mengingatkan Bapak/Ibu sehari sebelumnya.",
            purpose(booking.visit),
            booking.code.as_str(),
            day_name(booking.date),
            booking.start,
            place.name,
            place.address,
            place.hours,
            bring.join("\n")
        ),
        [
            (format!("{CHANGE_PREFIX}{ticket}"), "Ubah jadwal".to_owned()),
            (format!("{CANCEL_PREFIX}{ticket}"), "Batal janji".to_owned()),
        ],
    )
}

/// No day within the next two weeks has room.
pub fn no_days(place: Place<'_>) -> Reply {
    Reply::text(format!(
        "Mohon maaf, jadwal kedatangan di {} untuk dua minggu ke depan sudah penuh atau belum dibuka. Silakan coba lagi dalam beberapa hari dengan mengetik *janji temu*.",
        place.name
    ))
}

/// The time (or day) picked filled up meanwhile.
pub fn slot_full() -> Reply {
    Reply::text(
        "Mohon maaf, jam tersebut baru saja penuh atau sudah lewat. Silakan pilih jam lain.",
    )
}

/// `janji temu` without a request that needs a visit now.
pub fn nothing_to_book() -> Reply {
    Reply::text(
        "Saat ini Bapak/Ibu tidak memiliki permohonan yang memerlukan kedatangan ke kantor. Janji temu dibuka untuk perekaman KTP-el dan pengambilan KTP-el atau KIA yang sudah selesai dicetak. Ketik *status* untuk melihat permohonan Bapak/Ibu.",
    )
}

pub fn cancelled(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Janji temu untuk tiket *{}* sudah dibatalkan. Bila Bapak/Ibu ingin membuat jadwal baru, ketik *janji temu*.",
        ticket.as_str()
    ))
}

pub fn nothing_to_cancel() -> Reply {
    Reply::text(
        "Bapak/Ibu tidak memiliki janji temu yang dapat dibatalkan. Ketik *janji temu* untuk membuat jadwal.",
    )
}

/// The day before: the appointment, where, and the code.
pub fn reminder(booking: &Booking, place: Place<'_>) -> Reply {
    Reply::text(format!(
        "Pengingat: besok, {}, pukul {} WIB, Bapak/Ibu memiliki janji temu untuk {} (tiket *{}*) di {}, {}. Tunjukkan kode *{}* kepada petugas saat tiba. Bila berhalangan, ketik *ubah jadwal* atau *batal janji*.",
        day_name(booking.date),
        booking.start,
        purpose(booking.visit),
        booking.ticket.as_str(),
        place.name,
        place.address,
        booking.code.as_str()
    ))
}

/// After a day passed without the resident: how to book again.
pub fn no_show(booking: &Booking) -> Reply {
    Reply::text(format!(
        "Kami mencatat Bapak/Ibu belum datang pada janji temu {} pukul {} WIB (tiket *{}*). Tidak apa-apa: Bapak/Ibu dapat membuat jadwal baru kapan saja dengan mengetik *janji temu*.",
        day_name(booking.date),
        booking.start,
        booking.ticket.as_str()
    ))
}

/// The request was closed (rejected, cancelled) while its appointment was still ahead: the
/// place was given back and nobody expects the resident.
pub fn withdrawn(booking: &Booking) -> String {
    format!(
        "Janji temu {} pukul {} WIB untuk {} (tiket *{}*) kami batalkan karena permohonannya sudah ditutup. Bapak/Ibu tidak perlu datang. Ketik *status {}* untuk melihat keterangannya.",
        day_name(booking.date),
        booking.start,
        purpose(booking.visit),
        booking.ticket.as_str(),
        booking.ticket.as_str()
    )
}

#[cfg(test)]
pub(crate) fn every_text() -> Vec<String> {
    use crate::appointment::{AppointmentCode, Attendance, PlaceId, SlotTime};
    use crate::office::Office;
    use time::macros::{date, datetime};
    let office = Office::default();
    let place = office.place_for(None);
    let ticket = TicketId::parse("ABCD-EFGH").unwrap();
    let day = date!(2026 - 12 - 10);
    let start = SlotTime::parse("08:30").unwrap();
    let slot = Slot {
        place: PlaceId::office(),
        date: day,
        start,
        capacity: 5,
        booked: 2,
    };
    let mut texts = vec![
        choose_day(ticket, Visit::Recording, place, &[(day, 3)])
            .body()
            .to_owned(),
        choose_time(ticket, day, &[&slot]).body().to_owned(),
        no_days(place).body().to_owned(),
        slot_full().body().to_owned(),
        nothing_to_book().body().to_owned(),
        cancelled(ticket).body().to_owned(),
        nothing_to_cancel().body().to_owned(),
    ];
    for (code, visit) in [
        (crate::ServiceCode::KtpNew, Visit::Recording),
        (crate::ServiceCode::Kia, Visit::CardCollection),
    ] {
        let booking = Booking {
            ticket,
            service: code,
            visit,
            place: PlaceId::office(),
            date: day,
            start,
            code: AppointmentCode::derive(&ticket, &PlaceId::office(), day, start),
            attendance: Attendance::Booked,
            booked_at: datetime!(2026-12-03 02:00 UTC),
            arrived_at: None,
            reminded: false,
        };
        texts.push(confirmed(&booking, place).body().to_owned());
        texts.push(reminder(&booking, place).body().to_owned());
        texts.push(no_show(&booking).body().to_owned());
        texts.push(withdrawn(&booking));
    }
    texts
}
