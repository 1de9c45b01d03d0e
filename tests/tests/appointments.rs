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
        store.cancel_booking(&read.booking, &stale).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        counts(store.slots(&eight.place, eight.date).await.unwrap()),
        [0, 1]
    );

    // Cancelling gives 09:00 back and takes the booking off the day's list.
    let cancelled = appointment::cancel(&changed.booking).unwrap().unwrap();
    store
        .cancel_booking(&changed.booking, &cancelled)
        .await
        .unwrap();
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
