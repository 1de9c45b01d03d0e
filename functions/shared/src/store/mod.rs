//! DynamoDB adapter for the request and conversation ports: one table, generic `PK`/`SK` keys,
//! sparse GSIs (see ARCHITECTURE.md). Items are (de)serialised with `serde_dynamo`.

pub mod appointments;
pub mod digest;
pub(crate) mod documents;
pub mod erasure;
pub mod failed;
pub mod keys;
pub mod officer;
mod request_token;

use crate::ports::{
    AuditEvent, Change, CommitOutcome, ConversationRepository, DeliveryUpdate, GuardRecord,
    InboundCommit, OwedReply, ReplyState, RequestRepository, StoreError,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    error::{ProvideErrorMetadata, SdkError},
    types::{AttributeValue, Put, TransactWriteItem},
};
use domain::{Request, ResidentId, TicketId, conversation::Conversation};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use time::OffsetDateTime;

type Item = HashMap<String, AttributeValue>;

/// When a reply's sending lease may move (`set_reply_lease`).
enum LeaseCondition {
    /// A claim: the current lease ended before this instant (epoch milliseconds), or the
    /// claimant already holds it.
    ExpiredBefore(i64),
    /// A release: the claimant still holds the lease.
    Held,
}

/// Dedupe records outlive Meta's 7-day retry window by a day.
const DEDUPE_TTL_DAYS: i64 = 8;
/// Idle conversations are forgotten after this; requests are not.
const CONVERSATION_TTL_DAYS: i64 = 30;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// Moves the sending lease of a reply still `SENDING` to `until_ms` for `holder`, under
    /// `condition`. `Ok(false)` when the condition failed: the reply is finished, or leased to
    /// another delivery.
    async fn set_reply_lease(
        &self,
        wamid: &str,
        seq: u8,
        holder: &str,
        until_ms: i64,
        condition: LeaseCondition,
    ) -> Result<bool, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::wamid_pk(wamid), &keys::reply_sk(seq))))
            .update_expression("SET owed.lease_until_ms = :until, owed.lease_holder = :holder")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":until", AttributeValue::N(until_ms.to_string()))
            .expression_attribute_values(":holder", AttributeValue::S(holder.to_owned()))
            .expression_attribute_values(":sending", AttributeValue::S("SENDING".into()));
        let update = match condition {
            // Its own holder: the SDK's retry of a claim whose answer was lost.
            LeaseCondition::ExpiredBefore(now) => update
                .condition_expression(
                    "owed.#state = :sending AND (owed.lease_until_ms < :now OR owed.lease_holder = :holder)",
                )
                .expression_attribute_values(":now", AttributeValue::N(now.to_string())),
            LeaseCondition::Held => {
                update.condition_expression("owed.#state = :sending AND owed.lease_holder = :holder")
            }
        };
        match update.send().await.map_err(classify) {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: String, sk: &str) -> Item {
        HashMap::from([
            (keys::PK.to_owned(), AttributeValue::S(pk)),
            (keys::SK.to_owned(), AttributeValue::S(sk.to_owned())),
        ])
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        output.item.map(from_item).transpose()
    }
}

/// Stored shape of a request: the aggregate plus its keys.
#[derive(Serialize, Deserialize)]
struct RequestItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    #[serde(rename = "GSI2PK")]
    gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    gsi2sk: String,
    entity: String,
    request: Request,
}

impl RequestItem {
    fn new(request: &Request) -> Self {
        let queued_at = request.submitted_at.unwrap_or(request.created_at);
        Self {
            pk: keys::request_pk(&request.ticket),
            sk: keys::META.to_owned(),
            gsi1pk: keys::queue_pk(request.status),
            gsi1sk: keys::queue_sk(queued_at, &request.ticket),
            gsi2pk: keys::resident_pk(&request.resident),
            gsi2sk: keys::queue_sk(request.created_at, &request.ticket),
            entity: "REQUEST".into(),
            request: request.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct AuditItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    event: AuditEvent,
}

#[derive(Serialize, Deserialize)]
struct ConversationItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    version: u64,
    conversation: Conversation,
    expires_at: i64,
}

/// `OUT#<message id>` / `TICKET`: which ticket a notification we sent was about, so a reply
/// quoting it reaches that ticket. No personal data; expires with the window a quote is useful.
#[derive(Serialize, Deserialize)]
pub(crate) struct OutboundTicketItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub ticket: TicketId,
    pub expires_at: i64,
}

/// Days a quoted notification still leads to its ticket.
pub(crate) const OUTBOUND_TICKET_DAYS: i64 = 90;

/// The evidence of one agreement to the privacy notice: which version, when.
#[derive(Serialize, Deserialize)]
struct ConsentItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    consent: domain::conversation::PrivacyConsent,
}

#[derive(Serialize, Deserialize)]
struct DedupeItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    #[serde(with = "time::serde::rfc3339")]
    received_at: OffsetDateTime,
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct ReplyItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    owed: OwedReply,
    expires_at: i64,
}

fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn epoch_after_days(at: OffsetDateTime, days: i64) -> i64 {
    (at + time::Duration::days(days)).unix_timestamp()
}

/// Maps SDK errors onto what the handler decides on: a failed condition is a conflict, a
/// validation error is our bug, everything else (throttling, 5xx, network) is transient.
fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().map(str::to_owned);
    match code.as_deref() {
        Some("ConditionalCheckFailedException") => StoreError::Conflict,
        // The same token with other items within DynamoDB's 10 minutes. Tokens are derived from
        // the items (`request_token`), so this is not expected; it passes once the window does.
        Some("IdempotentParameterMismatchException") => {
            StoreError::Unavailable("IdempotentParameterMismatchException".to_owned())
        }
        Some("ValidationException") | Some("SerializationException") => {
            StoreError::Invalid(err.message().unwrap_or("validation failed").to_owned())
        }
        Some(other) => StoreError::Unavailable(other.to_owned()),
        None => {
            StoreError::Unavailable(aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string())
        }
    }
}

#[async_trait]
impl RequestRepository for DynamoStore {
    async fn get_request(&self, ticket: &TicketId) -> Result<Option<Request>, StoreError> {
        let item: Option<RequestItem> = self.get(keys::request_pk(ticket), keys::META).await?;
        Ok(item.map(|i| i.request))
    }

    async fn create_request(&self, request: &Request) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&RequestItem::new(request))?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let item = AuditItem {
            pk: keys::request_pk(&event.ticket),
            sk: keys::audit_sk(event.at, &event.event_id),
            entity: "AUDIT".into(),
            event: event.clone(),
        };
        // A single put: no transaction needed for one item.
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(classify)
        {
            // The same event id at the same instant is a retry of a write that landed.
            Ok(_) | Err(StoreError::Conflict) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn update_request(
        &self,
        request: &Request,
        expected_version: u64,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        let mut items = vec![put(
            &self.table,
            to_item(&RequestItem::new(request))?,
            Some("#request.version = :expected"),
            Some(("expected", AttributeValue::N(expected_version.to_string()))),
        )?];
        for event in events {
            items.push(self.audit_put(event)?);
        }
        self.transact(items).await
    }

    async fn documents_of(
        &self,
        ticket: &TicketId,
    ) -> Result<Vec<domain::document::Document>, StoreError> {
        let mut documents = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :doc)")
                .expression_attribute_values(":pk", AttributeValue::S(keys::request_pk(ticket)))
                .expression_attribute_values(
                    ":doc",
                    AttributeValue::S(keys::DOCUMENT_PREFIX.to_owned()),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(classify)?;
            for item in page.items.unwrap_or_default() {
                documents.push(from_item::<documents::DocumentItem>(item)?.document);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(documents);
            }
        }
    }

    async fn requests_of_resident(
        &self,
        resident: &ResidentId,
    ) -> Result<Vec<Request>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI2")
            .key_condition_expression("GSI2PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::resident_pk(resident)))
            .scan_index_forward(false);
        self.query_requests(query).await
    }
}

/// A transaction cancelled because a condition (or a concurrent transaction) failed.
fn is_condition_failure<R>(
    err: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
            c.cancellation_reasons().iter().any(|r| {
                matches!(
                    r.code(),
                    Some("ConditionalCheckFailed" | "TransactionConflict")
                )
            })
        }
        _ => false,
    }
}

/// `OPEN#<keyed hash of NIK and service>` / `GUARD`: which request holds the pair.
#[derive(Serialize, Deserialize)]
struct GuardItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    ticket: TicketId,
}

impl DynamoStore {
    /// A put that may overwrite (records whose latest version is the truth).
    pub(crate) async fn put_unconditional<T: Serialize>(&self, item: &T) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(item)?))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Every item a query returns, page after page.
    pub(crate) async fn query_items(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(classify)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Every request a query returns, page after page.
    pub(crate) async fn query_requests(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Request>, StoreError> {
        self.query_items(query)
            .await?
            .into_iter()
            .map(|item| from_item::<RequestItem>(item).map(|i| i.request))
            .collect()
    }

    /// One transaction; a failed condition (or a concurrent transaction) is a `Conflict` the
    /// caller resolves by re-reading.
    pub(crate) async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        // Derived from the items and kept by the SDK across its own retries: when an attempt
        // committed but its answer was lost (the 2 s attempt limit), DynamoDB answers the retry
        // as it answered the first, instead of failing its conditions against our own write,
        // which read as a concurrent change (an officer's 409 for a saved change).
        let token = request_token::client_request_token(&items);
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .client_request_token(token)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Err(StoreError::Conflict),
            Err(err) => Err(classify(err)),
        }
    }

    fn change_item(&self, change: &Change) -> Result<TransactWriteItem, StoreError> {
        match change {
            Change::CreateRequest(request) => put(
                &self.table,
                to_item(&RequestItem::new(request))?,
                Some("attribute_not_exists(PK)"),
                None,
            ),
            Change::UpdateRequest {
                request,
                expected_version,
            } => put(
                &self.table,
                to_item(&RequestItem::new(request))?,
                Some("#request.version = :expected"),
                Some(("expected", AttributeValue::N(expected_version.to_string()))),
            ),
            Change::ClaimGuard {
                guard_id,
                ticket,
                replaces,
            } => {
                let item = GuardItem {
                    pk: keys::guard_pk(guard_id),
                    sk: keys::GUARD.to_owned(),
                    entity: "OPEN_GUARD".into(),
                    ticket: *ticket,
                };
                match replaces {
                    None => put(
                        &self.table,
                        to_item(&item)?,
                        Some("attribute_not_exists(PK)"),
                        None,
                    ),
                    Some(stale) => put(
                        &self.table,
                        to_item(&item)?,
                        Some("#ticket = :stale"),
                        Some(("stale", AttributeValue::S(stale.as_str().to_owned()))),
                    ),
                }
            }
            Change::Document(document) => documents::new_document_put(&self.table, document),
            Change::ThreadMessage(message) => {
                let item = officer::ThreadItem {
                    pk: keys::request_pk(&message.ticket),
                    sk: keys::thread_sk(message.at, &message.message_id),
                    entity: "THREAD_MESSAGE".into(),
                    message: message.clone(),
                };
                put(
                    &self.table,
                    to_item(&item)?,
                    Some("attribute_not_exists(PK)"),
                    None,
                )
            }
            Change::Audit(event) => self.audit_put(event),
            Change::Book { .. } | Change::CancelBooking { .. } => Err(StoreError::Invalid(
                "an appointment change is several items".into(),
            )),
            // Unconditional: agreeing to the same version again changes nothing that matters.
            Change::PrivacyConsent { resident, consent } => put(
                &self.table,
                to_item(&ConsentItem {
                    pk: keys::resident_pk(resident),
                    sk: keys::consent_sk(consent.version),
                    entity: "PRIVACY_CONSENT".into(),
                    consent: consent.clone(),
                })?,
                None,
                None,
            ),
        }
    }

    fn audit_put(&self, event: &AuditEvent) -> Result<TransactWriteItem, StoreError> {
        let item = AuditItem {
            pk: keys::request_pk(&event.ticket),
            sk: keys::audit_sk(event.at, &event.event_id),
            entity: "AUDIT".into(),
            event: event.clone(),
        };
        put(
            &self.table,
            to_item(&item)?,
            Some("attribute_not_exists(PK)"),
            None,
        )
    }
}

#[async_trait]
impl ConversationRepository for DynamoStore {
    async fn get_conversation(
        &self,
        resident: &ResidentId,
        now: OffsetDateTime,
    ) -> Result<Option<Conversation>, StoreError> {
        let item: Option<ConversationItem> =
            self.get(keys::resident_pk(resident), keys::CONV).await?;
        Ok(item
            .filter(|i| i.expires_at > now.unix_timestamp())
            .map(|i| i.conversation))
    }

    async fn commit_inbound(&self, commit: &InboundCommit) -> Result<CommitOutcome, StoreError> {
        let dedupe = DedupeItem {
            pk: keys::wamid_pk(&commit.wamid),
            sk: keys::WAMID.to_owned(),
            entity: "DEDUPE".into(),
            received_at: commit.received_at,
            expires_at: epoch_after_days(commit.received_at, DEDUPE_TTL_DAYS),
        };
        let mut items = vec![put(
            &self.table,
            to_item(&dedupe)?,
            Some("attribute_not_exists(PK)"),
            None,
        )?];

        let conversation = ConversationItem {
            pk: keys::resident_pk(&commit.conversation.resident),
            sk: keys::CONV.to_owned(),
            entity: "CONVERSATION".into(),
            version: commit.conversation.version,
            conversation: commit.conversation.clone(),
            expires_at: epoch_after_days(commit.received_at, CONVERSATION_TTL_DAYS),
        };
        let conversation_put = match commit.previous_version {
            // An expired conversation reads as none but may still be stored (see
            // `get_conversation`): the new one replaces it.
            None => put(
                &self.table,
                to_item(&conversation)?,
                Some("attribute_not_exists(PK) OR expires_at <= :now"),
                Some((
                    "now",
                    AttributeValue::N(commit.received_at.unix_timestamp().to_string()),
                )),
            )?,
            Some(version) => put(
                &self.table,
                to_item(&conversation)?,
                Some("version = :expected"),
                Some(("expected", AttributeValue::N(version.to_string()))),
            )?,
        };
        items.push(conversation_put);

        for change in &commit.changes {
            match change {
                // Several items each (the slot counts, the booking, its code).
                Change::Book { record, previous } => {
                    items.extend(self.booking_items(record, previous.as_ref())?);
                }
                Change::CancelBooking { record, previous } => {
                    items.extend(self.cancel_items(record, previous)?);
                }
                _ => items.push(self.change_item(change)?),
            }
        }
        for owed in &commit.replies {
            let reply = ReplyItem {
                pk: keys::wamid_pk(&commit.wamid),
                sk: keys::reply_sk(owed.seq),
                entity: "REPLY".into(),
                owed: owed.clone(),
                expires_at: epoch_after_days(commit.received_at, DEDUPE_TTL_DAYS),
            };
            items.push(put(&self.table, to_item(&reply)?, None, None)?);
        }

        // Idempotent across the SDK's retries (see `transact`): a commit whose answer was lost
        // is not read back as a duplicate of itself. The items hold the wamid's dedupe record,
        // so no other message's commit shares the token.
        let token = request_token::client_request_token(&items);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .client_request_token(token)
            .send()
            .await;
        match result {
            Ok(_) => Ok(CommitOutcome::Committed),
            Err(err) => {
                // Which condition failed tells a duplicate from a lost race.
                let reasons: Vec<Option<String>> = err
                    .as_service_error()
                    .and_then(|e| match e {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                            Some(c.cancellation_reasons().iter().map(|r| r.code().map(str::to_owned)).collect())
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                let failed = |i: usize| {
                    reasons
                        .get(i)
                        .and_then(|r| r.as_deref())
                        .is_some_and(|c| c == "ConditionalCheckFailed")
                };
                if failed(0) {
                    Ok(CommitOutcome::Duplicate)
                } else if (1..reasons.len()).any(failed) {
                    // The conversation, a request or a guard changed since it was read (or a
                    // fresh ticket was taken): the caller re-reads and decides again.
                    Err(StoreError::Conflict)
                } else if reasons
                    .iter()
                    .any(|r| r.as_deref() == Some("TransactionConflict"))
                {
                    // A concurrent transaction on the same items: the caller retries.
                    Err(StoreError::Conflict)
                } else {
                    Err(classify(err))
                }
            }
        }
    }

    async fn get_guard(&self, guard_id: &str) -> Result<Option<GuardRecord>, StoreError> {
        let item: Option<GuardItem> = self.get(keys::guard_pk(guard_id), keys::GUARD).await?;
        Ok(item.map(|g| GuardRecord { ticket: g.ticket }))
    }

    async fn owed_replies(&self, wamid: &str) -> Result<Vec<OwedReply>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :reply)")
            // Finished replies no longer hold their text or recipient (see `finish_reply`).
            .filter_expression("owed.#state = :sending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":pk", AttributeValue::S(keys::wamid_pk(wamid)))
            .expression_attribute_values(":reply", AttributeValue::S("REPLY#".into()))
            .expression_attribute_values(":sending", AttributeValue::S("SENDING".into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<ReplyItem>(item).map(|r| r.owed))
            .collect()
    }

    async fn claim_reply(
        &self,
        wamid: &str,
        seq: u8,
        holder: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.set_reply_lease(
            wamid,
            seq,
            holder,
            millis(lease_until),
            LeaseCondition::ExpiredBefore(millis(now)),
        )
        .await
    }

    async fn finish_reply(
        &self,
        wamid: &str,
        seq: u8,
        state: ReplyState,
        graph_message_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = match state {
            ReplyState::Sending => "SENDING",
            ReplyState::Sent => "SENT",
            ReplyState::Failed => "FAILED",
        };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::wamid_pk(wamid), &keys::reply_sk(seq))))
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#to", "to")
            .expression_attribute_values(":state", AttributeValue::S(state.into()));
        // A finished reply keeps only its outcome: its text and recipient are personal data that
        // nothing needs any more (only owed replies are ever re-sent), so they do not linger
        // for the 8 days the dedupe record lives.
        update = match graph_message_id {
            Some(id) => update
                .update_expression(
                    "SET owed.#state = :state, owed.graph_message_id = :id REMOVE owed.reply, owed.#to",
                )
                .expression_attribute_values(":id", AttributeValue::S(id.into())),
            None => update.update_expression("SET owed.#state = :state REMOVE owed.reply, owed.#to"),
        };
        update.send().await.map_err(classify)?;
        Ok(())
    }

    async fn release_reply(&self, wamid: &str, seq: u8, holder: &str) -> Result<(), StoreError> {
        // Ok(false): finished, or claimed by another delivery since: nothing to release.
        self.set_reply_lease(wamid, seq, holder, 0, LeaseCondition::Held)
            .await
            .map(|_| ())
    }

    async fn record_delivery(&self, update: &DeliveryUpdate) -> Result<bool, StoreError> {
        let status = serde_json::to_value(update.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::outbound_pk(&update.message_id), keys::STATUS)))
            .update_expression(
                "SET entity = :entity, delivery_status = :status, delivery_rank = :rank, updated_at = :at, expires_at = :ttl",
            )
            .condition_expression("attribute_not_exists(delivery_rank) OR delivery_rank < :rank")
            .expression_attribute_values(":entity", AttributeValue::S("DELIVERY".into()))
            .expression_attribute_values(":status", AttributeValue::S(status))
            .expression_attribute_values(":rank", AttributeValue::N(update.status.rank().to_string()))
            .expression_attribute_values(":at", AttributeValue::S(keys::sortable_time(update.at)))
            .expression_attribute_values(
                ":ttl",
                AttributeValue::N(epoch_after_days(update.at, CONVERSATION_TTL_DAYS).to_string()),
            );
        if let Some(code) = update.error_code {
            request = request
                .update_expression(
                    "SET entity = :entity, delivery_status = :status, delivery_rank = :rank, updated_at = :at, expires_at = :ttl, error_code = :code",
                )
                .expression_attribute_values(":code", AttributeValue::N(code.to_string()));
        }
        match request.send().await.map_err(classify) {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn ticket_of_outbound(
        &self,
        message_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TicketId>, StoreError> {
        let item: Option<OutboundTicketItem> = self
            .get(keys::outbound_pk(message_id), keys::TICKET)
            .await?;
        Ok(item
            .filter(|i| i.expires_at > now.unix_timestamp())
            .map(|i| i.ticket))
    }

    async fn close_window(
        &self,
        resident: &ResidentId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let at = at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::resident_pk(resident), keys::CONV)))
            .update_expression("SET conversation.window_closed_at = :at")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":at", AttributeValue::S(at))
            .send()
            .await
            .map_err(classify);
        match result {
            // No conversation: nothing to mark (notifications then use templates anyway).
            Ok(_) | Err(StoreError::Conflict) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn record_failed_inbound(
        &self,
        wamid: &str,
        resident: Option<&ResidentId>,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.put_failed_inbound(wamid, resident, reason, at).await
    }
}

pub fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn put(
    table: &str,
    item: Item,
    condition: Option<&str>,
    value: Option<(&str, AttributeValue)>,
) -> Result<TransactWriteItem, StoreError> {
    let mut put = Put::builder().table_name(table).set_item(Some(item));
    if let Some(condition) = condition {
        put = put.condition_expression(condition);
        // `request` and `ticket` are DynamoDB reserved words: conditions name them as
        // `#request` / `#ticket`.
        for name in ["request", "ticket"] {
            if condition.contains(&format!("#{name}")) {
                put = put.expression_attribute_names(format!("#{name}"), name);
            }
        }
    }
    if let Some((name, value)) = value {
        put = put.expression_attribute_values(format!(":{name}"), value);
    }
    let put = put
        .build()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}
