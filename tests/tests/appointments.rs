//! Appointments (issue #19 §3) against moto through the store adapter: no slot booked beyond its
//! capacity however many residents book at once, a change and a cancellation giving places back,
//! a retried booking taking nothing twice.

use domain::appointment::{self, Attendance, BookingPlan, PlaceId, Slot, SlotTime};
use domain::{RequestStatus, ResidentId, ServiceCode, TicketId};
use futures::future::join_all;
use integration_tests::Harness;
use shared::ports::StoreError;
use shared::ports::appointments::{AppointmentRepository, BookingRecord};
use std::sync::Arc;
use time::Duration;
use time::macros::datetime;

fn t(s: &str) -> SlotTime {
    SlotTime::parse(s).unwrap()
}

fn ticket(n: u64) -> TicketId {
    TicketId::from_random(n * 7919 + 13)
}

/// The record booking `slot` for ticket `n` would write, as the webhook would plan it.
fn record(n: u64, current: Option<&BookingRecord>, slot: &Slot) -> (BookingRecord, BookingPlan) {
    let now = datetime!(2026-12-03 02:00 UTC);
    let plan = appointment::plan_booking(
        &ticket(n),
        ServiceCode::Kia,
        RequestStatus::Approved,
        current.map(|c| &c.booking),
        slot,
        now,
    )
    .unwrap();
    let booking = match &plan {
        BookingPlan::New(b) | BookingPlan::Same(b) => b.clone(),
        BookingPlan::Change { next, .. } => next.clone(),
    };
    let record = BookingRecord {
        booking,
        resident: ResidentId::from_sender(Some(&format!("62812{n:07}")), None).unwrap(),
        applicant_masked: "B*** S****o".into(),
    };
    (record, plan)
}

async fn publish(store: &impl AppointmentRepository, slots: &[(SlotTime, u16)]) -> Vec<Slot> {
    let place = PlaceId::office();
    let day = time::macros::date!(2026 - 12 - 10);
    let read = store.slots(&place, day).await.unwrap();
    let wanted = appointment::publish(
        &place,
        day,
        slots,
        &read,
        time::macros::date!(2026 - 12 - 03),
    )
    .unwrap();
    store.put_slots(&read, &wanted).await.unwrap();
    store.slots(&place, day).await.unwrap()
}

#[tokio::test]
async fn fifty_concurrent_bookings_of_ten_places_give_exactly_ten() {
    let h = Harness::start_without_events().await;
    let store = Arc::new(h.store());
    let slots = publish(store.as_ref(), &[(t("08:00"), 10)]).await;
    let slot = slots[0].clone();

    let attempts = (0..50u64).map(|n| {
        let store = store.clone();
        let slot = slot.clone();
        tokio::spawn(async move {
            let (record, _) = record(n, None, &slot);
            store.book(&record, None).await
        })
    });
    let results: Vec<Result<(), StoreError>> = join_all(attempts)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect();
    let booked = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(booked, 10, "{results:?}");
    // Every refusal is a refusal (full), not an outage.
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict))),
        "{results:?}"
    );
    let after = store.slots(&slot.place, slot.date).await.unwrap();
    assert_eq!((after[0].capacity, after[0].booked), (10, 10));
    let list = store.day_bookings(&slot.place, slot.date).await.unwrap();
    assert_eq!(list.len(), 10);
    // Each listed booking is found by its code.
    for record in &list {
        let found = store.booking_by_code(&record.booking.code).await.unwrap();
        assert_eq!(found.as_ref(), Some(record));
    }
}

#[tokio::test]
async fn change_cancel_and_retry_keep_the_counts_true() {
    let h = Harness::start_without_events().await;
    let store = h.store();
    let slots = publish(&store, &[(t("08:00"), 1), (t("09:00"), 1)]).await;
    let (eight, nine) = (&slots[0], &slots[1]);

    let (first, _) = record(1, None, eight);
    store.book(&first, None).await.unwrap();
    // The SDK's (or our) retry of the same transaction books nothing twice.
    store.book(&first, None).await.unwrap();
    let counts = |slots: Vec<Slot>| slots.iter().map(|s| s.booked).collect::<Vec<_>>();
    assert_eq!(
        counts(store.slots(&eight.place, eight.date).await.unwrap()),
        [1, 0]
    );

    // 08:00 is full for another request.
    let (other, _) = record(2, None, eight);
    assert!(matches!(
        store.book(&other, None).await,
        Err(StoreError::Conflict)
    ));

    // A change frees 08:00 and takes 09:00 in one transaction.
    let read = store.booking(&first.booking.ticket).await.unwrap().unwrap();
    let slots = store.slots(&eight.place, eight.date).await.unwrap();
    let (changed, plan) = record(1, Some(&read), &slots[1]);
    assert!(matches!(plan, BookingPlan::Change { .. }));
    assert_ne!(changed.booking.code, first.booking.code);
    store.book(&changed, Some(&read.booking)).await.unwrap();
    assert_eq!(
        counts(store.slots(&eight.place, eight.date).await.unwrap()),
        [0, 1]
    );
    // The old code names nothing any more; the new one names the booking.
    assert!(
        store
            .booking_by_code(&first.booking.code)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .booking_by_code(&changed.booking.code)
            .await
            .unwrap()
            .map(|r| r.booking.start),
        Some(nine.start)
    );
    // A cancellation from a stale read (the booking changed since) is refused, moving nothing.
    let stale = appointment::cancel(&read.booking).unwrap().unwrap();
    assert!(matches!(
        store.cancel_booking(&read, &stale).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        counts(store.slots(&eight.place, eight.date).await.unwrap()),
        [0, 1]
    );

    // Cancelling gives 09:00 back and takes the booking off the day's list.
    let cancelled = appointment::cancel(&changed.booking).unwrap().unwrap();
    store.cancel_booking(&changed, &cancelled).await.unwrap();
    assert_eq!(
        counts(store.slots(&eight.place, eight.date).await.unwrap()),
        [0, 0]
    );
    assert!(
        store
            .day_bookings(&eight.place, eight.date)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .booking(&first.booking.ticket)
            .await
            .unwrap()
            .unwrap()
            .booking
            .attendance,
        Attendance::Cancelled
    );

    // A republication may not drop or squeeze what is booked.
    let (again, _) = record(2, None, eight);
    store.book(&again, None).await.unwrap();
    let read = store.slots(&eight.place, eight.date).await.unwrap();
    let next = appointment::publish(
        &eight.place,
        eight.date,
        &[(t("08:00"), 3)],
        &read,
        eight.date - Duration::days(7),
    )
    .unwrap();
    store.put_slots(&read, &next).await.unwrap();
    let after = store.slots(&eight.place, eight.date).await.unwrap();
    assert_eq!(
        after
            .iter()
            .map(|s| (s.start, s.capacity, s.booked))
            .collect::<Vec<_>>(),
        [(t("08:00"), 3, 1), (t("09:00"), 0, 0)]
    );
    // Publishing over a count that moved meanwhile is a conflict, not an overwrite.
    let (third, _) = record(3, None, &after[0]);
    store.book(&third, None).await.unwrap();
    assert!(matches!(
        store.put_slots(&after, &next).await,
        Err(StoreError::Conflict)
    ));
}

/// The officers' side through the local stack: a supervisor publishes, the day's list shows the
/// booking with the masked name, an officer marks the arrival on the day (again: same answer).
#[tokio::test]
async fn officers_publish_slots_read_the_day_and_mark_arrivals() {
    use serde_json::{Value, json};
    let h = Harness::start().await;
    let boss = h.token("boss", "supervisor", "*").await;
    let local_boss = h.token("boss-2", "supervisor", "170804").await;
    let officer = h.token("officer-1", "petugas", "170804").await;
    let today = domain::jakarta_date(h.now());
    let day = today + Duration::days(2);
    let send = |method: reqwest::Method, path: String, token: String, body: Option<Value>| {
        let request = h.http.request(method, h.url(&path)).bearer_auth(token);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let publish = |token: &str, slots: Value| {
        send(
            reqwest::Method::PUT,
            "/appointment-slots".into(),
            token.to_owned(),
            Some(json!({"date": day.to_string(), "place": "office", "slots": slots})),
        )
    };

    // Only a regency-wide supervisor publishes.
    let wanted = json!([{"start": "09:00", "capacity": 2}, {"start": "08:00", "capacity": 1}]);
    assert_eq!(publish(&officer, wanted.clone()).await.0, 403);
    assert_eq!(publish(&local_boss, wanted.clone()).await.0, 403);
    let (status, body) = publish(&boss, wanted).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["slots"],
        json!([{"start": "08:00", "capacity": 1, "booked": 0},
               {"start": "09:00", "capacity": 2, "booked": 0}])
    );
    // Refused with what is wrong.
    for (slots, field) in [
        (json!([{"start": "8:00", "capacity": 1}]), "start"),
        (json!([{"start": "08:00", "capacity": 0}]), "slots"),
    ] {
        let (status, body) = publish(&boss, slots).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    let (status, body) = send(
        reqwest::Method::PUT,
        "/appointment-slots".into(),
        boss.clone(),
        Some(json!({"date": day.to_string(), "place": "999999", "slots": []})),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("place")));

    // A resident's booking (the store, as the webhook's conversation writes it).
    let store = h.store();
    let slots = store.slots(&PlaceId::office(), day).await.unwrap();
    let now = h.now();
    let Ok(BookingPlan::New(booking)) = appointment::plan_booking(
        &ticket(5),
        ServiceCode::KtpLostDamaged,
        RequestStatus::Approved,
        None,
        &slots[0],
        now,
    ) else {
        panic!("bookable")
    };
    let record = BookingRecord {
        booking,
        resident: ResidentId::from_sender(Some("6281234567890"), None).unwrap(),
        applicant_masked: "S*** A****h".into(),
    };
    store.book(&record, None).await.unwrap();
    let code = record.booking.code.as_str().to_owned();

    // The 08:00 slot is full: squeezing it below its booking is a conflict.
    let (status, body) = publish(&boss, json!([{"start": "09:00", "capacity": 2}])).await;
    assert_eq!(status, 409, "{body}");
    let query = format!("?date={day}&place=office");
    let (status, body) = send(
        reqwest::Method::GET,
        format!("/appointment-slots{query}"),
        officer.clone(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["slots"][0]["booked"], 1);

    let (status, list) = send(
        reqwest::Method::GET,
        format!("/appointments{query}"),
        officer.clone(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["appointments"],
        json!([{"code": code, "ticket": ticket(5).as_str(), "service": "KTP_LOST_DAMAGED",
                "date": day.to_string(), "start": "08:00", "place": "office",
                "applicant": "S*** A****h", "attendance": "BOOKED"}])
    );

    // Not before its day; on the day, typed in lower case, twice: one mark.
    let arrive = |code: String| {
        send(
            reqwest::Method::POST,
            format!("/appointments/{code}/arrived"),
            officer.clone(),
            None,
        )
    };
    assert_eq!(arrive(code.clone()).await.0, 409);
    assert_eq!(arrive("ZZZZZZ".into()).await.0, 404);
    let target = day
        .with_time(time::macros::time!(08:10))
        .assume_offset(time::macros::offset!(+7));
    h.advance_clock(target - h.now()).await;
    let (status, first) = arrive(code.to_ascii_lowercase()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["attendance"], "ARRIVED");
    let (status, again) = arrive(code.clone()).await;
    assert_eq!((status, &again), (200, &first));
    // Counted in the statistics of the day.
    let (status, stats) = send(
        reqwest::Method::GET,
        format!("/stats?from={day}&to={day}"),
        boss.clone(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(
        stats["appointments"],
        json!([{"date": day.to_string(), "place": "office", "booked": 1, "arrived": 1, "no_show": 0}])
    );
    // Audited on the ticket.
    let events = h
        .items_with_pk_prefix(&format!("REQ#{}", ticket(5).as_str()))
        .await
        .into_iter()
        .filter(|i| {
            matches!(i.get("SK"), Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) if sk.starts_with("EVT#"))
        })
        .count();
    assert_eq!(events, 1);
}

/// A resident books through WhatsApp (the webhook, its one transaction per message, the store's
/// condition), sees the code, and the officers' list shows the booking with the masked name;
/// `batal janji` gives the place back.
#[tokio::test]
async fn a_resident_books_by_whatsapp_and_the_officers_see_it() {
    use integration_tests::{Resident, seed_submitted};
    use serde_json::Value;
    use shared::ports::RequestRepository;
    let h = Harness::start().await;
    let submitted = seed_submitted(
        &h,
        "KTPA-2345",
        ServiceCode::KtpLostDamaged,
        "6281299990001",
        "Siti Aminah",
        "1708014508900001",
    )
    .await;
    let mut approved = submitted.clone();
    approved.status = RequestStatus::Approved;
    approved.version += 1;
    h.store()
        .update_request(&approved, submitted.version, &[])
        .await
        .unwrap();
    let day = domain::jakarta_date(h.now()) + Duration::days(2);
    let place = PlaceId::office();
    let wanted = appointment::publish(
        &place,
        day,
        &[(t("10:00"), 1)],
        &[],
        day - Duration::days(2),
    )
    .unwrap();
    h.store().put_slots(&[], &wanted).await.unwrap();

    let siti = Resident::new(&h, "6281299990001");
    let days = siti.text("janji temu").await;
    assert!(
        days.contains("Pilih hari") || days.contains("Jadwal kedatangan"),
        "{days}"
    );
    let times = siti.choose(&format!("apd:KTPA-2345:{day}")).await;
    assert!(times.contains("10:00"), "{times}");
    let confirmed = siti.choose(&format!("apt:KTPA-2345:{day}:10:00")).await;
    let booking = h
        .store()
        .booking(&TicketId::parse("KTPA-2345").unwrap())
        .await
        .unwrap()
        .expect("booked")
        .booking;
    assert!(confirmed.contains(booking.code.as_str()), "{confirmed}");
    assert!(confirmed.contains("Bapak/Ibu"));
    assert_eq!(h.store().slots(&place, day).await.unwrap()[0].booked, 1);

    let officer = h.token("officer-1", "petugas", "*").await;
    let list: Value = h
        .http
        .get(h.url(&format!("/appointments?date={day}&place=office")))
        .bearer_auth(officer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["appointments"][0]["code"], booking.code.as_str());
    assert_eq!(list["appointments"][0]["applicant"], "S*** A*****");

    let cancelled = siti.text("batal janji").await;
    assert!(cancelled.contains("sudah dibatalkan"), "{cancelled}");
    assert_eq!(h.store().slots(&place, day).await.unwrap()[0].booked, 0);
}

/// Texts the fake Graph API sent `phone` since `before`, waiting up to 10 s for one containing
/// `needle` (the daily run follows the clock's move on its own task).
async fn sent_containing(h: &Harness, phone: &str, before: usize, needle: &str) -> String {
    for _ in 0..100 {
        let found = h.stack.whatsapp.outbox()[before..]
            .iter()
            .filter(|m| m.to.as_deref() == Some(phone))
            .map(|m| integration_tests::reply_text(&m.body))
            .find(|t| t.contains(needle));
        if let Some(text) = found {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("nothing containing {needle:?} sent to the resident");
}

/// The daily run on the moving clock: the day before at 10:00 WIB the resident is reminded (by
/// template: their window closed), once; the day after an appointment without an arrival it is a
/// no-show, the resident is told how to book again, and the slot's count stays.
#[tokio::test]
async fn reminded_the_day_before_and_a_no_show_after_the_day() {
    use integration_tests::{Resident, seed_submitted};
    use shared::ports::RequestRepository;
    use time::macros::{offset, time};
    let h = Harness::start().await;
    let submitted = seed_submitted(
        &h,
        "KTPB-2345",
        ServiceCode::Kia,
        "6281299990002",
        "Budi Santoso",
        "1708011508900001",
    )
    .await;
    let mut approved = submitted.clone();
    approved.status = RequestStatus::Approved;
    approved.version += 1;
    h.store()
        .update_request(&approved, submitted.version, &[])
        .await
        .unwrap();
    let today = domain::jakarta_date(h.now());
    let day = today + Duration::days(3);
    let place = PlaceId::office();
    let wanted = appointment::publish(&place, day, &[(t("09:00"), 2)], &[], today).unwrap();
    h.store().put_slots(&[], &wanted).await.unwrap();
    let budi = Resident::new(&h, "6281299990002");
    budi.text("janji temu").await;
    budi.choose(&format!("apd:KTPB-2345:{day}")).await;
    budi.choose(&format!("apt:KTPB-2345:{day}:09:00")).await;
    let ticket = TicketId::parse("KTPB-2345").unwrap();
    let code = h
        .store()
        .booking(&ticket)
        .await
        .unwrap()
        .unwrap()
        .booking
        .code;

    let h = &h;
    let move_to = |date: time::Date, at: time::Time| {
        let target = date.with_time(at).assume_offset(offset!(+7));
        let by = target - h.now();
        async move { h.advance_clock(by).await }
    };
    let before = h.stack.whatsapp.outbox().len();
    move_to(day - Duration::days(1), time!(10:30)).await;
    let reminder = sent_containing(h, "6281299990002", before, code.as_str()).await;
    assert!(reminder.contains("Pengingat"), "{reminder}");
    assert!(
        h.store()
            .booking(&ticket)
            .await
            .unwrap()
            .unwrap()
            .booking
            .reminded
    );
    // Run again the same day: nothing more.
    let report = documents::invoke(
        &h.stack.gateway.functions.documents,
        serde_json::json!({"task": "appointment_reminders"}),
    )
    .await
    .unwrap();
    assert_eq!(report["reminded"], 0, "{report}");

    let before = h.stack.whatsapp.outbox().len();
    move_to(day + Duration::days(1), time!(10:30)).await;
    let told = sent_containing(h, "6281299990002", before, "janji temu").await;
    assert!(told.contains("belum datang"), "{told}");
    let record = h.store().booking(&ticket).await.unwrap().unwrap();
    assert_eq!(record.booking.attendance, Attendance::NoShow);
    // A no-show frees nothing retroactively.
    assert_eq!(h.store().slots(&place, day).await.unwrap()[0].booked, 1);
    let boss = h.token("boss", "supervisor", "*").await;
    let stats: serde_json::Value = h
        .http
        .get(h.url(&format!("/stats?from={day}&to={day}")))
        .bearer_auth(boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["appointments"][0]["no_show"], 1, "{stats}");
}

/// Publishes one 09:00 slot (room for `capacity`) at `place` on `day` and books it for `ticket`
/// of a card collection through the store, as the webhook's transaction would: the booking made.
async fn publish_and_book(
    h: &Harness,
    place: &PlaceId,
    day: time::Date,
    capacity: u16,
    ticket: TicketId,
    phone: &str,
) -> appointment::Booking {
    let store = h.store();
    let today = domain::jakarta_date(h.now());
    let wanted = appointment::publish(place, day, &[(t("09:00"), capacity)], &[], today).unwrap();
    store.put_slots(&[], &wanted).await.unwrap();
    let slot = store.slots(place, day).await.unwrap().remove(0);
    let Ok(BookingPlan::New(booking)) = appointment::plan_booking(
        &ticket,
        ServiceCode::KtpLostDamaged,
        RequestStatus::Approved,
        None,
        &slot,
        h.now(),
    ) else {
        panic!("bookable")
    };
    let record = BookingRecord {
        booking: booking.clone(),
        resident: ResidentId::from_sender(Some(phone), None).unwrap(),
        applicant_masked: "R*** W***".into(),
    };
    store.book(&record, None).await.unwrap();
    booking
}

/// A service point's day (applicants' masked names and codes) is read and marked by the officers
/// of the kecamatan it serves and by regency-wide staff; the office's by every officer.
#[tokio::test]
async fn a_service_points_day_belongs_to_its_own_officers() {
    let profile = r#"{"name": "Disdukcapil Kabupaten Kepahiang", "address": "Kepahiang",
        "hours": "Senin-Jumat", "service_points": [{"name": "UPT Kabawetan",
        "address": "Jl. Kabawetan", "hours": "Senin-Jumat", "kecamatan": ["170805", "170806"]}]}"#;
    let h = Harness::start_with_env(&[("OFFICE_PROFILE", profile)]).await;
    let point = PlaceId::parse("170805").unwrap();
    let day = domain::jakarta_date(h.now()) + Duration::days(2);
    let booking = publish_and_book(&h, &point, day, 2, ticket(9), "6281234500009").await;
    let code = booking.code.as_str().to_owned();

    let status_of = |token: String, method: reqwest::Method, path: String| {
        let request = h.http.request(method, h.url(&path)).bearer_auth(token);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let list = format!("/appointments?date={day}&place=170805");
    let arrive = format!("/appointments/{code}/arrived");
    let elsewhere = h.token("officer-4", "petugas", "170804").await;
    let served = h.token("officer-6", "petugas", "170806").await;
    let regency = h.token("officer-all", "petugas", "*").await;
    assert_eq!(
        status_of(elsewhere.clone(), reqwest::Method::GET, list.clone()).await,
        403
    );
    assert_eq!(
        status_of(elsewhere.clone(), reqwest::Method::POST, arrive.clone()).await,
        403
    );
    let office_list = format!("/appointments?date={day}&place=office");
    assert_eq!(
        status_of(elsewhere, reqwest::Method::GET, office_list).await,
        200
    );
    assert_eq!(
        status_of(served.clone(), reqwest::Method::GET, list.clone()).await,
        200
    );
    assert_eq!(status_of(regency, reqwest::Method::GET, list).await, 200);
    // The point's own officer marks the arrival on the day.
    let target = day
        .with_time(time::macros::time!(09:05))
        .assume_offset(time::macros::offset!(+7));
    h.advance_clock(target - h.now()).await;
    assert_eq!(status_of(served, reqwest::Method::POST, arrive).await, 200);
}

/// Erasing a resident deletes their booking: the slot it held gets its place back, so the day
/// does not stay full for no one.
#[tokio::test]
async fn erasing_a_resident_gives_their_booked_place_back() {
    use integration_tests::seed_submitted;
    let h = Harness::start().await;
    let phone = "6281299990077";
    let request = seed_submitted(
        &h,
        "KTPE-2345",
        ServiceCode::KtpLostDamaged,
        phone,
        "Rina Wati",
        "1708014508900001",
    )
    .await;
    let place = PlaceId::office();
    let day = domain::jakarta_date(h.now()) + Duration::days(2);
    publish_and_book(&h, &place, day, 1, request.ticket, phone).await;
    let store = h.store();
    assert_eq!(store.slots(&place, day).await.unwrap()[0].booked, 1);

    let boss = h.token("boss", "supervisor", "*").await;
    let erase = || {
        h.http
            .post(h.url(&format!("/residents/wa:{phone}/erase")))
            .bearer_auth(&boss)
            .send()
    };
    assert_eq!(erase().await.unwrap().status(), 200);
    assert_eq!(
        store.slots(&place, day).await.unwrap()[0].booked,
        0,
        "the erased booking's place is free again"
    );
    assert!(store.booking(&request.ticket).await.unwrap().is_none());
    // Erasing again finds nothing left to give back.
    assert_eq!(erase().await.unwrap().status(), 200);
    assert_eq!(store.slots(&place, day).await.unwrap()[0].booked, 0);
}

/// A request closed while its appointment is ahead: rejected by an officer, the place comes back
/// at once and the resident is told not to come; closed by other means (here, the store), the
/// daily run withdraws the booking instead of reminding anyone of it.
#[tokio::test]
async fn a_closed_requests_appointment_gives_its_place_back_and_is_not_reminded() {
    use integration_tests::{Resident, seed_submitted};
    use serde_json::json;
    use shared::ports::RequestRepository;
    use time::macros::{offset, time};
    let h = Harness::start().await;
    let today = domain::jakarta_date(h.now());
    let day = today + Duration::days(3);
    let place = PlaceId::office();
    let wanted = appointment::publish(&place, day, &[(t("09:00"), 2)], &[], today).unwrap();
    h.store().put_slots(&[], &wanted).await.unwrap();
    // Two KTP-el recordings booked by WhatsApp.
    for (ticket, phone, nik) in [
        ("KTPR-2345", "6281299990011", "1708014508900001"),
        ("KTPS-2345", "6281299990012", "1708011508900001"),
    ] {
        seed_submitted(&h, ticket, ServiceCode::KtpNew, phone, "Rina Wati", nik).await;
        let resident = Resident::new(&h, phone);
        resident.text("janji temu").await;
        resident.choose(&format!("apd:{ticket}:{day}")).await;
        let confirmed = resident.choose(&format!("apt:{ticket}:{day}:09:00")).await;
        assert!(confirmed.contains("09:00"), "{confirmed}");
    }
    assert_eq!(h.store().slots(&place, day).await.unwrap()[0].booked, 2);

    // An officer rejects the first: the place is free again and the resident told.
    let officer = h.token("officer-1", "petugas", "*").await;
    for body in [
        json!({"action": "claim", "expected_version": 1}),
        json!({"action": "reject", "expected_version": 2, "reason": "Data tidak sesuai"}),
    ] {
        let response = h
            .http
            .post(h.url("/requests/KTPR-2345/actions"))
            .bearer_auth(&officer)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{body}");
    }
    assert_eq!(h.store().slots(&place, day).await.unwrap()[0].booked, 1);
    let rejected = TicketId::parse("KTPR-2345").unwrap();
    let booking = h.store().booking(&rejected).await.unwrap().unwrap().booking;
    assert_eq!(booking.attendance, Attendance::Cancelled);
    let told = sent_containing(&h, "6281299990011", 0, "tidak perlu datang").await;
    assert!(told.contains("KTPR-2345"), "{told}");

    // The second is closed without an officer's action (the resident withdrew it elsewhere):
    // the day before, the run withdraws it instead of reminding.
    let second = TicketId::parse("KTPS-2345").unwrap();
    let read = h.store().get_request(&second).await.unwrap().unwrap();
    let mut closed = read.clone();
    closed.status = RequestStatus::Cancelled;
    closed.version += 1;
    h.store()
        .update_request(&closed, read.version, &[])
        .await
        .unwrap();
    let before = h.stack.whatsapp.outbox().len();
    let target = (day - Duration::days(1))
        .with_time(time!(10:30))
        .assume_offset(offset!(+7));
    h.advance_clock(target - h.now()).await;
    let told = sent_containing(&h, "6281299990012", before, "tidak perlu datang").await;
    assert!(!told.contains("Pengingat"), "{told}");
    assert_eq!(h.store().slots(&place, day).await.unwrap()[0].booked, 0);
    let report = documents::invoke(
        &h.stack.gateway.functions.documents,
        serde_json::json!({"task": "appointment_reminders"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (report["reminded"].as_u64(), report["withdrawn"].as_u64()),
        (Some(0), Some(0)),
        "{report}"
    );
    assert!(
        !h.stack.whatsapp.outbox()[before..]
            .iter()
            .any(|m| integration_tests::reply_text(&m.body).contains("Pengingat")),
        "nobody is reminded of a withdrawn appointment"
    );
}
