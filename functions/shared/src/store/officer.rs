//! DynamoDB adapter of the officers' ports (issue #5): queue pages from GSI1, a ticket's records in
//! one query, thread messages, notification records, service configuration and erasure.

use super::{AuditItem, DynamoStore, Item, RequestItem, classify, from_item, keys, put, to_item};
use crate::ports::officer::{
    ErasureRepository, NotificationCondition, NotificationRecord, NotificationRepository,
    NotificationState, OfficerRepository, QueueBatch, QueuePosition, ServiceConfigRepository,
    ServiceSetting, ThreadMessage, TicketRecords,
};
use crate::ports::{AuditEvent, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use domain::erasure::ObjectErasure;
use domain::{Availability, Request, RequestStatus, ResidentId, ServiceCode, TicketId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;

/// BatchWriteItem takes at most 25 requests.
const BATCH_WRITE_MAX: usize = 25;
/// BatchWriteItem retries of unprocessed items before giving up (the caller may retry).
const BATCH_WRITE_ATTEMPTS: usize = 5;

#[derive(Serialize, Deserialize)]
pub(super) struct ThreadItem {
    #[serde(rename = "PK")]
    pub(super) pk: String,
    #[serde(rename = "SK")]
    pub(super) sk: String,
    pub(super) entity: String,
    pub(super) message: ThreadMessage,
}

#[derive(Serialize, Deserialize)]
struct NotificationItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    notification: NotificationRecord,
    /// `notification.attempts` at the top level, for conditions.
    #[serde(default)]
    attempts_made: u32,
    /// Present only while `RETRYING`, so GSI1 holds just the notifications still owed.
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
}

impl NotificationItem {
    fn new(record: &NotificationRecord) -> Self {
        let due = record
            .next_attempt_at
            .filter(|_| record.state == NotificationState::Retrying);
        Self {
            pk: keys::request_pk(&record.ticket),
            sk: keys::notification_sk(record.at, &record.notification_id),
            entity: "NOTIFICATION".into(),
            notification: record.clone(),
            attempts_made: record.attempts,
            gsi1pk: due.map(|_| keys::NOTIFICATION_RETRY_PK.to_owned()),
            gsi1sk: due
                .map(|at| keys::notification_retry_sk(at, &record.ticket, &record.notification_id)),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct ServiceItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    setting: ServiceSetting,
}

/// Only what the 24-hour window needs from the conversation item (owned by the webhook).
#[derive(Deserialize)]
struct ConversationWindow {
    conversation: WindowFields,
}

#[derive(Deserialize)]
struct WindowFields {
    #[serde(with = "time::serde::rfc3339")]
    last_inbound_at: OffsetDateTime,
    /// Set by the webhook when WhatsApp reported 131047; cleared by the resident's next message.
    #[serde(default, with = "time::serde::rfc3339::option")]
    window_closed_at: Option<OffsetDateTime>,
}

fn sk_of(item: &Item) -> &str {
    match item.get(keys::SK) {
        Some(AttributeValue::S(sk)) => sk,
        _ => "",
    }
}

fn key_of(item: &Item) -> Item {
    item.iter()
        .filter(|(k, _)| *k == keys::PK || *k == keys::SK)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl DynamoStore {
    /// Every item of one partition, consistently (a ticket's or a resident's).
    async fn partition(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        self.query_items(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(pk))
                .consistent_read(true),
        )
        .await
    }

    /// Writes puts and deletes in batches of 25, retrying what DynamoDB left unprocessed.
    async fn batch_write(&self, writes: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in writes.chunks(BATCH_WRITE_MAX) {
            let mut pending = chunk.to_vec();
            for attempt in 0.. {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(classify)?;
                pending = output
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if attempt + 1 >= BATCH_WRITE_ATTEMPTS {
                    return Err(StoreError::Unavailable("unprocessed batch writes".into()));
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
        }
        Ok(())
    }
}

fn delete_request(item: &Item) -> Result<WriteRequest, StoreError> {
    let delete = DeleteRequest::builder()
        .set_key(Some(key_of(item)))
        .build()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(WriteRequest::builder().delete_request(delete).build())
}

fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(WriteRequest::builder().put_request(put).build())
}

/// A document item as officers see it: everything but the table's keys.
fn document_view(item: Item) -> Result<serde_json::Value, StoreError> {
    let mut value: serde_json::Value = from_item(item)?;
    if let Some(map) = value.as_object_mut() {
        map.retain(|k, _| !(k == "PK" || k == "SK" || k.starts_with("GSI") || k == "entity"));
    }
    Ok(value)
}

#[async_trait]
impl NotificationRepository for DynamoStore {
    async fn record_notification(&self, record: &NotificationRecord) -> Result<(), StoreError> {
        self.put_unconditional(&NotificationItem::new(record))
            .await?;
        self.record_outbound_ticket(record).await
    }

    async fn record_notification_if(
        &self,
        record: &NotificationRecord,
        condition: NotificationCondition,
    ) -> Result<bool, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&NotificationItem::new(record))?));
        let put = match condition {
            NotificationCondition::New => put.condition_expression("attribute_not_exists(PK)"),
            NotificationCondition::Attempts(n) => put
                .condition_expression("attempts_made = :n")
                .expression_attribute_values(":n", AttributeValue::N(n.to_string())),
        };
        match put.send().await.map_err(classify) {
            Ok(_) => {
                self.record_outbound_ticket(record).await?;
                Ok(true)
            }
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn due_notifications(
        &self,
        now: OffsetDateTime,
        limit: i32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        // Every key of an instant up to `now` sorts below `<now>~` ('~' follows '#').
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk AND GSI1SK <= :due")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(keys::NOTIFICATION_RETRY_PK.to_owned()),
            )
            .expression_attribute_values(
                ":due",
                AttributeValue::S(format!("{}~", keys::sortable_time(now))),
            )
            .limit(limit)
            .send()
            .await
            .map_err(classify)?;
        page.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<NotificationItem>(item).map(|i| i.notification))
            .collect()
    }

    async fn last_inbound_at(
        &self,
        resident: &ResidentId,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let item: Option<ConversationWindow> =
            self.get(keys::resident_pk(resident), keys::CONV).await?;
        // A window WhatsApp reported closed is closed, whatever the clock says.
        Ok(item
            .filter(|c| c.conversation.window_closed_at.is_none())
            .map(|c| c.conversation.last_inbound_at))
    }
}

impl DynamoStore {
    /// A reply quoting a sent notification goes to its ticket (the webhook reads this item).
    async fn record_outbound_ticket(&self, record: &NotificationRecord) -> Result<(), StoreError> {
        // A reply quoting this notification goes to its ticket (the webhook reads this item).
        if let Some(id) = &record.graph_message_id {
            self.put_unconditional(&super::OutboundTicketItem {
                pk: keys::outbound_pk(id),
                sk: keys::TICKET.to_owned(),
                entity: "OUTBOUND_TICKET".into(),
                ticket: record.ticket,
                expires_at: super::epoch_after_days(record.at, super::OUTBOUND_TICKET_DAYS),
            })
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl OfficerRepository for DynamoStore {
    async fn ticket_records(&self, ticket: &TicketId) -> Result<TicketRecords, StoreError> {
        let mut records = TicketRecords::default();
        for item in self.partition(keys::request_pk(ticket)).await? {
            let sk = sk_of(&item).to_owned();
            if sk == keys::META {
                records.request = Some(from_item::<RequestItem>(item)?.request);
            } else if sk.starts_with(keys::AUDIT_PREFIX) {
                records.events.push(from_item::<AuditItem>(item)?.event);
            } else if sk.starts_with(keys::THREAD_PREFIX) {
                // Thread items may also be written by the webhook; one it shaped differently
                // is skipped rather than hiding the whole request.
                match from_item::<ThreadItem>(item) {
                    Ok(t) => records.messages.push(t.message),
                    Err(err) => tracing::warn!(error = %err, "undecodable thread item skipped"),
                }
            } else if sk.starts_with(keys::NOTIFICATION_PREFIX) {
                records
                    .notifications
                    .push(from_item::<NotificationItem>(item)?.notification);
            } else if sk.starts_with(keys::DOCUMENT_PREFIX) {
                records.documents.push(document_view(item)?);
            }
        }
        Ok(records)
    }

    async fn queue_batch(
        &self,
        status: RequestStatus,
        oldest_first: bool,
        after: Option<&QueuePosition>,
        limit: i32,
    ) -> Result<QueueBatch, StoreError> {
        let start = after.map(|p| {
            HashMap::from([
                (
                    keys::PK.to_owned(),
                    AttributeValue::S(keys::request_pk(&p.ticket)),
                ),
                (
                    keys::SK.to_owned(),
                    AttributeValue::S(keys::META.to_owned()),
                ),
                (
                    keys::GSI1PK.to_owned(),
                    AttributeValue::S(keys::queue_pk(status)),
                ),
                (
                    keys::GSI1SK.to_owned(),
                    AttributeValue::S(p.sort_key.clone()),
                ),
            ])
        });
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::queue_pk(status)))
            .scan_index_forward(oldest_first)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(classify)?;
        let requests = page
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<RequestItem>(item).map(|i| i.request))
            .collect::<Result<Vec<Request>, _>>()?;
        let next = match (&page.last_evaluated_key, requests.last()) {
            (Some(_), Some(last)) => Some(QueuePosition {
                sort_key: keys::request_queue_sk(last),
                ticket: last.ticket,
            }),
            _ => None,
        };
        Ok(QueueBatch { requests, next })
    }

    async fn queued_between(
        &self,
        status: RequestStatus,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Request>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk AND GSI1SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", AttributeValue::S(keys::queue_pk(status)))
            .expression_attribute_values(":from", AttributeValue::S(keys::queue_sk_from(from)))
            // Keys are `<time>#<ticket>`: every key of an instant before `to` sorts below it.
            .expression_attribute_values(":to", AttributeValue::S(keys::queue_sk_from(to)));
        self.query_requests(query).await
    }

    async fn add_thread_message(
        &self,
        message: &ThreadMessage,
        event: &AuditEvent,
        request: &Request,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let item = ThreadItem {
            pk: keys::request_pk(&message.ticket),
            sk: keys::thread_sk(message.at, &message.message_id),
            entity: "THREAD_MESSAGE".into(),
            message: message.clone(),
        };
        let items = vec![
            put(
                &self.table,
                to_item(&item)?,
                Some("attribute_not_exists(PK)"),
                None,
            )?,
            self.audit_put(event)?,
            put(
                &self.table,
                to_item(&super::RequestItem::new(request))?,
                Some("#request.version = :expected"),
                Some(("expected", AttributeValue::N(expected_version.to_string()))),
            )?,
        ];
        self.transact(items).await
    }

    async fn save_change(
        &self,
        request: &Request,
        expected_version: u64,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        crate::ports::RequestRepository::update_request(self, request, expected_version, events)
            .await
    }
}

#[async_trait]
impl ServiceConfigRepository for DynamoStore {
    async fn service_availability(&self, code: ServiceCode) -> Result<Availability, StoreError> {
        let item: Option<ServiceItem> = self.get(keys::service_pk(code), keys::CONFIG).await?;
        Ok(item
            .map(|i| i.setting.availability)
            .unwrap_or_else(|| domain::service(code).default_availability()))
    }

    async fn service_settings(&self) -> Result<Vec<ServiceSetting>, StoreError> {
        let mut stored: HashMap<ServiceCode, ServiceSetting> = HashMap::new();
        let mut request = KeysAndAttributes::builder().consistent_read(true);
        for code in ServiceCode::ALL {
            request = request.keys(DynamoStore::key(keys::service_pk(code), keys::CONFIG));
        }
        let mut pending = Some(
            request
                .build()
                .map_err(|e| StoreError::Invalid(e.to_string()))?,
        );
        // 20 keys fit one BatchGetItem (limit 100); unprocessed keys are asked again.
        for _ in 0..BATCH_WRITE_ATTEMPTS {
            let Some(keys_and_attributes) = pending.take() else {
                break;
            };
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, keys_and_attributes)
                .send()
                .await
                .map_err(classify)?;
            for item in output
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                let setting = from_item::<ServiceItem>(item)?.setting;
                stored.insert(setting.code, setting);
            }
            pending = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys().is_empty());
        }
        if pending.is_some() {
            return Err(StoreError::Unavailable("unprocessed batch reads".into()));
        }
        Ok(ServiceCode::ALL
            .into_iter()
            .map(|code| {
                stored.remove(&code).unwrap_or_else(|| ServiceSetting {
                    code,
                    availability: domain::service(code).default_availability(),
                    updated_by: None,
                    updated_at: None,
                })
            })
            .collect())
    }

    async fn put_service_setting(&self, setting: &ServiceSetting) -> Result<(), StoreError> {
        let item = ServiceItem {
            pk: keys::service_pk(setting.code),
            sk: keys::CONFIG.to_owned(),
            entity: "SERVICE_CONFIG".into(),
            setting: setting.clone(),
        };
        self.put_unconditional(&item).await
    }
}

/// What replaces the resident's key in audit events that survive erasure.
pub const ERASED_ACTOR: &str = "resident:erased";

#[async_trait]
impl ErasureRepository for DynamoStore {
    async fn erase_ticket(
        &self,
        ticket: &TicketId,
        resident: &ResidentId,
        event: &AuditEvent,
        objects: &ObjectErasure,
    ) -> Result<(), StoreError> {
        let resident_key = resident.key();
        // BatchWriteItem is neither ordered nor atomic, so the order is made here, one confirmed
        // step after the other. First the bytes are scheduled to go (the stream hands this item
        // to the documents function), before anything else is deleted.
        self.put_unconditional(&super::erasure::ObjectErasureItem::pending(objects))
            .await?;
        let mut writes = Vec::new();
        let mut request_item = None;
        for item in self.partition(keys::request_pk(ticket)).await? {
            if sk_of(&item) == keys::META {
                // Deleted last: a retried erase finds the ticket (GSI2 on this item) for as long
                // as anything of it is left.
                request_item = Some(item);
            } else if sk_of(&item).starts_with(keys::AUDIT_PREFIX) {
                // Audit events are kept (ids, actions, times) but lose whatever could identify
                // the resident: their key as actor, free-text notes, and the request id of an
                // event not an officer's (the webhook's is the WhatsApp message id, which
                // encodes the number).
                let mut audit = from_item::<AuditItem>(item)?;
                let names_resident = audit.event.actor == resident_key;
                let officers = audit.event.by_officer();
                let message_id = !officers && audit.event.request_id.is_some();
                if names_resident || audit.event.note.is_some() || message_id {
                    if names_resident {
                        audit.event.actor = ERASED_ACTOR.to_owned();
                    }
                    audit.event.note = None;
                    if !officers {
                        audit.event.request_id = None;
                    }
                    writes.push(put_request(to_item(&audit)?)?);
                }
            } else {
                writes.push(delete_request(&item)?);
            }
        }
        self.batch_write(writes).await?;
        if let Some(item) = request_item {
            self.batch_write(vec![delete_request(&item)?]).await?;
        }
        self.append_audit_event(event).await
    }

    async fn erase_resident_items(&self, resident: &ResidentId) -> Result<usize, StoreError> {
        let items = self.partition(keys::resident_pk(resident)).await?;
        let count = items.len();
        let writes = items
            .iter()
            .map(delete_request)
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(writes).await?;
        Ok(count)
    }
}

impl DynamoStore {
    async fn append_audit_event(&self, event: &AuditEvent) -> Result<(), StoreError> {
        crate::ports::RequestRepository::append_audit(self, event).await
    }
}
