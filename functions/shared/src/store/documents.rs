//! Document items: `REQ#<ticket>` / `DOC#<document id>`. The top-level `doc_state` attribute
//! duplicates `document.state` so the stream's event filter can select media waiting to be
//! fetched without parsing nested maps; `lease_until_ms` and `lease_holder` (top level, absent
//! when free) keep a duplicate or concurrent delivery from fetching the same media twice, while
//! letting a redelivery of the same event take its own lease back.

use super::{DynamoStore, Item, RequestItem, classify, from_item, keys, millis, put, to_item};
use crate::ports::documents::DocumentRepository;
use crate::ports::{AuditEvent, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use domain::document::{Document, DocumentState};
use domain::{Request, TicketId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Serialize, Deserialize)]
pub(crate) struct DocumentItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub doc_state: DocumentState,
    pub document: Document,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_holder: Option<String>,
}

impl DocumentItem {
    pub fn new(document: &Document) -> Self {
        Self {
            pk: keys::request_pk(&document.ticket),
            sk: keys::document_sk(&document.document_id),
            entity: "DOCUMENT".into(),
            doc_state: document.state,
            document: document.clone(),
            lease_until_ms: None,
            lease_holder: None,
        }
    }

    pub fn to_item(&self) -> Result<Item, StoreError> {
        to_item(self)
    }
}

/// A conditional put of a new document record, for use inside a transaction.
pub(crate) fn new_document_put(
    table: &str,
    document: &Document,
) -> Result<TransactWriteItem, StoreError> {
    put(
        table,
        DocumentItem::new(document).to_item()?,
        Some("attribute_not_exists(PK)"),
        None,
    )
}

/// The stored string of a state (`PENDING_FETCH`), as the stream filter and conditions see it.
fn state_value(state: DocumentState) -> Result<AttributeValue, StoreError> {
    match serde_json::to_value(state) {
        Ok(serde_json::Value::String(s)) => Ok(AttributeValue::S(s)),
        _ => Err(StoreError::Invalid("document state is not a string".into())),
    }
}

#[async_trait]
impl DocumentRepository for DynamoStore {
    async fn get_document(
        &self,
        ticket: &TicketId,
        document_id: &str,
    ) -> Result<Option<Document>, StoreError> {
        let item: Option<DocumentItem> = self
            .get(keys::request_pk(ticket), &keys::document_sk(document_id))
            .await?;
        Ok(item.map(|i| i.document))
    }

    async fn create_document(&self, document: &Document) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(DocumentItem::new(document).to_item()?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn claim_document(
        &self,
        ticket: &TicketId,
        document_id: &str,
        state: DocumentState,
        holder: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<Option<Document>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                keys::request_pk(ticket),
                &keys::document_sk(document_id),
            )))
            .update_expression(
                "SET #doc.#attempts = #doc.#attempts + :one, #lease = :until, #holder = :holder",
            )
            .condition_expression(
                "#state = :state AND (attribute_not_exists(#lease) OR #lease < :now OR #holder = :holder)",
            )
            .expression_attribute_names("#holder", "lease_holder")
            .expression_attribute_values(":holder", AttributeValue::S(holder.to_owned()))
            .expression_attribute_names("#doc", "document")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_names("#lease", "lease_until_ms")
            .expression_attribute_names("#state", "doc_state")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(
                ":until",
                AttributeValue::N(millis(lease_until).to_string()),
            )
            .expression_attribute_values(":now", AttributeValue::N(millis(now).to_string()))
            .expression_attribute_values(":state", state_value(state)?)
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(classify);
        match result {
            Ok(output) => match output.attributes {
                Some(item) => Ok(Some(from_item::<DocumentItem>(item)?.document)),
                None => Err(StoreError::Invalid(
                    "claimed document has no attributes".into(),
                )),
            },
            Err(StoreError::Conflict) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn finish_document(
        &self,
        document: &Document,
        expected: DocumentState,
        request: Option<(&Request, u64)>,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        // The whole record is replaced (dropping the lease) only if it is still in the state the
        // caller read: a duplicate delivery that finished first makes this a `Conflict`.
        let document_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(DocumentItem::new(document).to_item()?))
            .condition_expression("#state = :expected")
            .expression_attribute_names("#state", "doc_state")
            .expression_attribute_values(":expected", state_value(expected)?)
            .build()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().put(document_put).build()];
        if let Some((request, expected_version)) = request {
            // `request` is a reserved word in expressions: it goes through a name placeholder.
            let request_put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(&RequestItem::new(request))?))
                .condition_expression("#req.#version = :version")
                .expression_attribute_names("#req", "request")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(
                    ":version",
                    AttributeValue::N(expected_version.to_string()),
                )
                .build()
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            items.push(TransactWriteItem::builder().put(request_put).build());
        }
        for event in events {
            items.push(self.audit_put(event)?);
        }
        self.transact(items).await
    }
}
