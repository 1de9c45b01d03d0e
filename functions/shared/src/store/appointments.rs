//! Appointment slots, bookings and arrival codes (see ARCHITECTURE.md, "Table").
//!
//! A slot (`APPT#<place>#<date>` / `SLOT#<HH:MM>`) carries `capacity` and `booked`. A booking
//! takes a place with one `TransactWriteItems`: the slot's `booked` rises only under
//! `booked < capacity`, and the request's booking item (`REQ#<ticket>` / `APPT`) is written only
//! if it is still what the caller read. DynamoDB applies the whole transaction or nothing, so no
//! slot is ever booked beyond its capacity however many residents book at once. The token is
//! derived from the items (`request_token`), so the SDK's retry of a committed attempt is
//! answered as the first and books nothing twice.

use super::{DynamoStore, from_item, keys, to_item};
use crate::ports::StoreError;
use crate::ports::appointments::{AppointmentRepository, BookingRecord};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use domain::TicketId;
use domain::appointment::{AppointmentCode, Attendance, Booking, PlaceId, Slot, SlotTime};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Serialize, Deserialize)]
struct SlotItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    place: PlaceId,
    #[serde(with = "domain::request::iso_date")]
    date: Date,
    start: SlotTime,
    capacity: u16,
    booked: u16,
}

impl SlotItem {
    fn new(slot: &Slot) -> Self {
        Self {
            pk: keys::appointment_day_pk(&slot.place, slot.date),
            sk: keys::slot_sk(slot.start),
            entity: "APPT_SLOT".into(),
            place: slot.place.clone(),
            date: slot.date,
            start: slot.start,
            capacity: slot.capacity,
            booked: slot.booked,
        }
    }

    fn slot(self) -> Slot {
        Slot {
            place: self.place,
            date: self.date,
            start: self.start,
            capacity: self.capacity,
            booked: self.booked,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct BookingItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    /// In the day's list (GSI1) unless cancelled.
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
    booking: Booking,
    resident: domain::ResidentId,
    applicant_masked: String,
}

impl BookingItem {
    fn record(self) -> BookingRecord {
        BookingRecord {
            booking: self.booking,
            resident: self.resident,
            applicant_masked: self.applicant_masked,
        }
    }
}

impl BookingItem {
    fn new(record: &BookingRecord) -> Self {
        let booking = &record.booking;
        let listed = booking.attendance != Attendance::Cancelled;
        Self {
            pk: keys::request_pk(&booking.ticket),
            sk: keys::BOOKING.to_owned(),
            entity: "APPOINTMENT".into(),
            gsi1pk: listed.then(|| keys::appointment_day_pk(&booking.place, booking.date)),
            gsi1sk: listed.then(|| keys::booking_day_sk(booking.start, &booking.ticket)),
            booking: booking.clone(),
            resident: record.resident.clone(),
            applicant_masked: record.applicant_masked.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CodeItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    ticket: TicketId,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u16) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn attendance(value: Attendance) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn slot_key(place: &PlaceId, date: Date, start: SlotTime) -> super::Item {
    DynamoStore::key(keys::appointment_day_pk(place, date), &keys::slot_sk(start))
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

impl DynamoStore {
    /// `booked` moves by one: up only while below capacity, down only while above zero.
    fn slot_count(&self, booking: &Booking, up: bool) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(slot_key(&booking.place, booking.date, booking.start)))
            .expression_attribute_names("#booked", "booked")
            .expression_attribute_values(":one", n(1));
        // `capacity` is a DynamoDB reserved word, hence the names.
        let update = if up {
            update
                .update_expression("SET #booked = #booked + :one")
                .condition_expression("attribute_exists(PK) AND #booked < #capacity")
                .expression_attribute_names("#capacity", "capacity")
        } else {
            update
                .update_expression("SET #booked = #booked - :one")
                .condition_expression("#booked >= :one")
        };
        Ok(TransactWriteItem::builder()
            .update(update.build().map_err(invalid)?)
            .build())
    }

    /// The booking item, written only if the stored booking is still `read` (or absent).
    fn booking_put(
        &self,
        record: &BookingRecord,
        read: Option<&Booking>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&BookingItem::new(record))?));
        let put = match read {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(read) => put
                .condition_expression(
                    "#b.#code = :code AND #b.#attendance = :attendance AND #b.#reminded = :reminded",
                )
                .expression_attribute_names("#b", "booking")
                .expression_attribute_names("#code", "code")
                .expression_attribute_names("#attendance", "attendance")
                .expression_attribute_names("#reminded", "reminded")
                .expression_attribute_values(":code", s(read.code.as_str()))
                .expression_attribute_values(":attendance", attendance(read.attendance)?)
                .expression_attribute_values(":reminded", AttributeValue::Bool(read.reminded)),
        };
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(invalid)?)
            .build())
    }

    /// The arrival code names this ticket (a code derived again for the same ticket and slot
    /// rewrites its own item; another ticket's equal code, about one in a billion, is refused).
    fn code_put(&self, booking: &Booking) -> Result<TransactWriteItem, StoreError> {
        let item = CodeItem {
            pk: keys::appointment_code_pk(&booking.code),
            sk: keys::CODE.to_owned(),
            entity: "APPT_CODE".into(),
            ticket: booking.ticket,
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(PK) OR #ticket = :ticket")
            .expression_attribute_names("#ticket", "ticket")
            .expression_attribute_values(":ticket", s(booking.ticket.as_str()));
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(invalid)?)
            .build())
    }

    /// The items of a booking (or a change): the slot's count up under `booked < capacity`, the
    /// previous slot's down when it was still booked, the booking over the one read, its code.
    pub(crate) fn booking_items(
        &self,
        record: &BookingRecord,
        previous: Option<&Booking>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = vec![self.slot_count(&record.booking, true)?];
        if let Some(previous) = previous.filter(|p| p.attendance == Attendance::Booked) {
            if previous.place == record.booking.place
                && previous.date == record.booking.date
                && previous.start == record.booking.start
            {
                // `BookingPlan::Same`: there is nothing to write (and one transaction may not
                // touch the slot twice).
                return Err(StoreError::Invalid("a change to the same slot".into()));
            }
            items.push(self.slot_count(previous, false)?);
        }
        items.push(self.booking_put(record, previous)?);
        items.push(self.code_put(&record.booking)?);
        Ok(items)
    }

    /// The items of a cancellation: the slot's count down, the cancelled booking over `read`.
    pub(crate) fn cancel_items(
        &self,
        record: &BookingRecord,
        read: &Booking,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        Ok(vec![
            self.slot_count(read, false)?,
            self.booking_put(record, Some(read))?,
        ])
    }
}

#[async_trait]
impl AppointmentRepository for DynamoStore {
    async fn slots(&self, place: &PlaceId, date: Date) -> Result<Vec<Slot>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :slot)")
            .expression_attribute_values(":pk", s(keys::appointment_day_pk(place, date)))
            .expression_attribute_values(":slot", s(keys::SLOT_PREFIX))
            .consistent_read(true);
        self.query_items(query)
            .await?
            .into_iter()
            .map(|item| from_item::<SlotItem>(item).map(SlotItem::slot))
            .collect()
    }

    async fn put_slots(&self, read: &[Slot], slots: &[Slot]) -> Result<(), StoreError> {
        let withdrawn = read
            .iter()
            .filter(|old| old.capacity > 0 && !slots.iter().any(|s| s.start == old.start))
            .map(|old| Slot {
                capacity: 0,
                ..old.clone()
            });
        let mut items = Vec::new();
        for slot in slots.iter().cloned().chain(withdrawn) {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(&SlotItem::new(&slot))?));
            // Only over the count that was read: a booking in between makes this a conflict
            // instead of being overwritten.
            let put = match read.iter().find(|r| r.start == slot.start) {
                Some(old) => put
                    .condition_expression("#booked = :booked")
                    .expression_attribute_names("#booked", "booked")
                    .expression_attribute_values(":booked", n(old.booked)),
                None => put.condition_expression("attribute_not_exists(PK)"),
            };
            items.push(
                TransactWriteItem::builder()
                    .put(put.build().map_err(invalid)?)
                    .build(),
            );
        }
        if items.is_empty() {
            return Ok(());
        }
        self.transact(items).await
    }

    async fn booking(&self, ticket: &TicketId) -> Result<Option<BookingRecord>, StoreError> {
        let item: Option<BookingItem> = self.get(keys::request_pk(ticket), keys::BOOKING).await?;
        Ok(item.map(|i| i.record()))
    }

    async fn booking_by_code(
        &self,
        code: &AppointmentCode,
    ) -> Result<Option<BookingRecord>, StoreError> {
        let Some(named) = self
            .get::<CodeItem>(keys::appointment_code_pk(code), keys::CODE)
            .await?
        else {
            return Ok(None);
        };
        // A code item outlives a change of slot; only the request's current booking counts.
        Ok(self
            .booking(&named.ticket)
            .await?
            .filter(|r| &r.booking.code == code))
    }

    async fn book(
        &self,
        record: &BookingRecord,
        previous: Option<&Booking>,
    ) -> Result<(), StoreError> {
        let items = self.booking_items(record, previous)?;
        self.transact(items).await
    }

    async fn cancel_booking(
        &self,
        read: &BookingRecord,
        cancelled: &Booking,
    ) -> Result<(), StoreError> {
        let record = BookingRecord {
            booking: cancelled.clone(),
            ..read.clone()
        };
        let items = self.cancel_items(&record, &read.booking)?;
        self.transact(items).await
    }

    async fn update_booking(&self, read: &BookingRecord, next: &Booking) -> Result<(), StoreError> {
        let record = BookingRecord {
            booking: next.clone(),
            ..read.clone()
        };
        self.transact(vec![self.booking_put(&record, Some(&read.booking))?])
            .await
    }

    async fn day_bookings(
        &self,
        place: &PlaceId,
        date: Date,
    ) -> Result<Vec<BookingRecord>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(keys::appointment_day_pk(place, date)));
        self.query_items(query)
            .await?
            .into_iter()
            .map(|item| from_item::<BookingItem>(item).map(|i| i.record()))
            .collect()
    }
}
