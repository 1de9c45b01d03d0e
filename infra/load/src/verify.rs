//! After a run: did every accepted message have its effect exactly once, and did every resident
//! get each reply exactly once? Read straight from the emulator (not through the fault proxy) and
//! from the fake WhatsApp's outbox.

use crate::traffic::ResidentRun;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::document::DocumentState;
use domain::{RequestStatus, ResidentId, TicketId};
use fake_whatsapp::FakeWhatsApp;
use shared::ports::RequestRepository;
use shared::ports::officer::{NotificationState, OfficerRepository};
use shared::store::{DynamoStore, keys};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// The counts a run is judged by; every `*_lost`/`*_duplicate` must be zero.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Verdict {
    pub residents: usize,
    pub messages_accepted: usize,
    pub messages_duplicated_by_sender: usize,
    /// Deliveries still refused at the deadline.
    pub messages_lost: usize,
    /// Accepted, but no trace of them in the table.
    pub messages_without_effect: usize,
    pub requests_expected: usize,
    pub requests_found: usize,
    pub requests_duplicate: usize,
    pub requests_lost: usize,
    pub requests_not_submitted: usize,
    pub documents_expected: usize,
    pub documents_stored: usize,
    /// Document records beyond one per required slot.
    pub documents_duplicate: usize,
    /// Required documents never stored (missing record, or record not `Stored`).
    pub documents_lost: usize,
    pub objects_missing: usize,
    pub replies_recorded: usize,
    pub replies_sent: usize,
    /// Recorded as refused for good by Meta (shown to officers, not retried).
    pub replies_failed_recorded: usize,
    /// Still owed at the end (neither sent nor recorded as failed).
    pub replies_unsent: usize,
    pub outbox_messages: usize,
    /// Notification records of the run's requests marked sent: in the outbox, accounted for by
    /// their record, not replies to a message (the documents function's notices about a scan;
    /// the run's officers only read, so the status function sends none).
    pub notices_sent: usize,
    /// Notices recorded as not sent (shown to officers in the request's detail).
    pub notices_failed: usize,
    /// Outbox messages no reply record accounts for, or accounted for twice.
    pub replies_duplicate: usize,
    /// Replies recorded as sent that never reached the outbox.
    pub replies_lost: usize,
    pub documents_wait: Duration,
    /// Each document record of the run not `Stored` at the end: state, attempts, reason, and
    /// how often its stream record reached the documents function.
    pub documents_not_stored: Vec<String>,
    /// Events the local event sources gave up on after their last retry (deployed, messages in
    /// the `DocumentsFetchFailures` queue for operators).
    pub events_given_up: Vec<String>,
    /// Outbox messages no reply or notice record accounts for: message id and the start of the
    /// text.
    pub outbox_unaccounted: Vec<String>,
}

impl Verdict {
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let mut check = |name: &str, value: usize| {
            if value != 0 {
                failures.push(format!("{name}: {value}"));
            }
        };
        check("messages lost", self.messages_lost);
        check("messages without effect", self.messages_without_effect);
        check("requests duplicated", self.requests_duplicate);
        check("requests lost", self.requests_lost);
        check("requests not submitted", self.requests_not_submitted);
        check("documents duplicated", self.documents_duplicate);
        check("documents lost", self.documents_lost);
        check("objects missing", self.objects_missing);
        check("replies unsent", self.replies_unsent);
        check("replies duplicated", self.replies_duplicate);
        check("replies lost", self.replies_lost);
        failures
    }
}

pub struct Checker {
    pub store: DynamoStore,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub table: String,
    pub bucket: String,
    pub events: std::sync::Arc<local_stack::events::EventLog>,
    /// The emulator, reached directly (for the stream's own records of an unprocessed item).
    pub sdk: shared::aws::SdkConfig,
}

impl Checker {
    /// Waits (bounded) for the documents function to store every photo, then checks everything.
    pub async fn verdict(
        &self,
        runs: &[ResidentRun],
        whatsapp: &FakeWhatsApp,
        wait: Duration,
    ) -> Result<Verdict, String> {
        let mut verdict = Verdict {
            residents: runs.len(),
            ..Verdict::default()
        };
        let started = Instant::now();
        let mut requests = HashMap::new();
        for run in runs {
            verdict.messages_accepted += run.accepted.len();
            verdict.messages_lost += run.lost.len();
            verdict.messages_duplicated_by_sender += run.duplicated;
            if run.lost.is_empty() {
                verdict.requests_expected += 1;
            }
            let resident = ResidentId::from_sender(Some(&run.phone), None)
                .ok_or_else(|| format!("unusable phone {}", run.phone))?;
            let found = self
                .store
                .requests_of_resident(&resident)
                .await
                .map_err(|e| e.to_string())?;
            verdict.requests_found += found.len();
            verdict.requests_duplicate += found.len().saturating_sub(1);
            match found.into_iter().next() {
                Some(request) => {
                    if request.status != RequestStatus::Submitted {
                        verdict.requests_not_submitted += 1;
                    }
                    requests.insert(run.phone.clone(), request);
                }
                None if run.lost.is_empty() => verdict.requests_lost += 1,
                None => {}
            }
        }
        // A request no resident of the run owns would be a duplicate under another key.
        let all = self.count_requests().await?;
        verdict.requests_duplicate += all.saturating_sub(verdict.requests_found);

        // Documents arrive asynchronously (stream → documents function → Graph → S3).
        let mut documents = BTreeMap::new();
        loop {
            documents.clear();
            let mut pending = false;
            for (phone, request) in &requests {
                let docs = self.documents(&request.ticket).await?;
                pending |= docs
                    .iter()
                    .any(|doc| doc.state == DocumentState::PendingFetch);
                documents.insert(phone.clone(), docs);
            }
            if !pending || started.elapsed() > wait {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        verdict.documents_wait = started.elapsed();
        verdict.events_given_up = self.events.given_up();
        // What the table's stream holds, for the report on a document left unstored.
        let mut held = None;
        for (phone, request) in &requests {
            let expected = domain::service(request.service).required_slots().count();
            let docs = documents.get(phone).map(Vec::as_slice).unwrap_or_default();
            verdict.documents_expected += expected;
            let stored: Vec<&Option<String>> = docs
                .iter()
                .filter(|doc| doc.state == DocumentState::Stored)
                .map(|doc| &doc.key)
                .collect();
            for doc in docs.iter().filter(|doc| doc.state != DocumentState::Stored) {
                let (pk, sk) = (
                    keys::request_pk(&doc.ticket),
                    keys::document_sk(&doc.document_id),
                );
                // Read once, at the first document left unstored.
                if held.is_none() {
                    held = Some(
                        local_stack::events::stream_records_held(&self.sdk, &self.table).await,
                    );
                }
                let held = match &held {
                    Some(Ok(by_item)) => by_item
                        .get(&local_stack::events::item_key_of(&pk, &sk))
                        .map(|records| records.join(", "))
                        .unwrap_or_default(),
                    Some(Err(e)) => format!("unreadable: {e}"),
                    None => String::new(),
                };
                verdict.documents_not_stored.push(format!(
                    "{} {}: {:?} after {} attempt(s), its stream record delivered {} time(s){}; \
                     records read by the poller: [{}]; records the stream holds: [{}]",
                    doc.ticket,
                    doc.slot,
                    doc.state,
                    doc.attempts,
                    self.events.stream_deliveries(&pk, &sk),
                    doc.failure
                        .as_deref()
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default(),
                    self.events.stream_records_read(&pk, &sk).join(", "),
                    held,
                ));
            }
            verdict.documents_stored += stored.len();
            verdict.documents_duplicate += docs.len().saturating_sub(expected);
            verdict.documents_lost += expected.saturating_sub(stored.len());
            for key in stored {
                if !self.object_exists(key.as_deref()).await? {
                    verdict.objects_missing += 1;
                }
            }
        }

        // Replies: every record's Graph id must be in the outbox once, and nothing else there.
        let outbox = whatsapp.outbox();
        let mut outbox_by_phone: HashMap<&str, Vec<_>> = HashMap::new();
        for message in &outbox {
            if let Some(to) = message.to.as_deref() {
                outbox_by_phone.entry(to).or_default().push(message);
            }
        }
        for run in runs {
            let mut recorded = HashSet::new();
            for wamid in &run.accepted {
                let replies = self.reply_records(wamid).await?;
                if replies.is_empty() {
                    verdict.messages_without_effect += 1;
                }
                for (state, graph_id) in replies {
                    verdict.replies_recorded += 1;
                    match (state.as_str(), graph_id) {
                        ("SENT", Some(id)) => {
                            verdict.replies_sent += 1;
                            if !recorded.insert(id) {
                                verdict.replies_duplicate += 1;
                            }
                        }
                        ("FAILED", _) => verdict.replies_failed_recorded += 1,
                        _ => verdict.replies_unsent += 1,
                    }
                }
            }
            if let Some(request) = requests.get(&run.phone) {
                let records = self
                    .store
                    .ticket_records(&request.ticket)
                    .await
                    .map_err(|e| e.to_string())?;
                for notice in records.notifications {
                    match (notice.state, notice.graph_message_id) {
                        (NotificationState::Sent, Some(id)) => {
                            verdict.notices_sent += 1;
                            if !recorded.insert(id) {
                                verdict.replies_duplicate += 1;
                            }
                        }
                        _ => verdict.notices_failed += 1,
                    }
                }
            }
            let delivered = outbox_by_phone
                .get(run.phone.as_str())
                .cloned()
                .unwrap_or_default();
            verdict.outbox_messages += delivered.len();
            let delivered_set: HashSet<&str> = delivered.iter().map(|m| m.id.as_str()).collect();
            for message in delivered
                .iter()
                .filter(|m| !recorded.contains(m.id.as_str()))
            {
                verdict.replies_duplicate += 1;
                // Only the few unaccounted messages are described: id, time, start of the text.
                let text: String = integration_tests::reply_text(&message.body)
                    .chars()
                    .take(60)
                    .collect();
                verdict
                    .outbox_unaccounted
                    .push(format!("{} {}: {text}", message.id, message.received_at));
            }
            verdict.replies_lost += recorded
                .iter()
                .filter(|id| !delivered_set.contains(id.as_str()))
                .count();
        }
        Ok(verdict)
    }

    /// Each document record of a request, as officers see them.
    async fn documents(
        &self,
        ticket: &TicketId,
    ) -> Result<Vec<domain::document::Document>, String> {
        let records = self
            .store
            .ticket_records(ticket)
            .await
            .map_err(|e| e.to_string())?;
        records
            .documents
            .into_iter()
            .map(|view| {
                serde_json::from_value(view["document"].clone())
                    .map_err(|e| format!("document record: {e}"))
            })
            .collect()
    }

    /// (state, Graph message id) of every reply recorded for an inbound message.
    async fn reply_records(&self, wamid: &str) -> Result<Vec<(String, Option<String>)>, String> {
        let page = self
            .dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :reply)")
            .expression_attribute_values(":pk", AttributeValue::S(format!("WAMID#{wamid}")))
            .expression_attribute_values(":reply", AttributeValue::S("REPLY#".into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
        Ok(page
            .items
            .unwrap_or_default()
            .iter()
            .map(|item| {
                let owed = item.get("owed").and_then(|o| o.as_m().ok());
                let field = |name: &str| {
                    owed.and_then(|o| o.get(name))
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                };
                (
                    field("state").unwrap_or_default(),
                    field("graph_message_id"),
                )
            })
            .collect())
    }

    async fn count_requests(&self) -> Result<usize, String> {
        let mut count = 0;
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(PK, :req) AND SK = :meta")
                .expression_attribute_values(":req", AttributeValue::S("REQ#".into()))
                .expression_attribute_values(":meta", AttributeValue::S("META".into()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
            count += usize::try_from(page.count).unwrap_or(0);
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(count);
            }
        }
    }

    async fn object_exists(&self, key: Option<&str>) -> Result<bool, String> {
        let Some(key) = key else { return Ok(false) };
        match self
            .s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
            Err(err) => Err(aws_sdk_s3::error::DisplayErrorContext(err).to_string()),
        }
    }
}
