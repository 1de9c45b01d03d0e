//! Document items: `REQ#<ticket>` / `DOC#<document id>`. The top-level `doc_state` attribute
//! duplicates `document.state` so the stream's event filter can select media waiting to be
//! fetched without parsing nested maps.

use super::{Item, keys, put, to_item};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use domain::document::{Document, DocumentState};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub(crate) struct DocumentItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub doc_state: DocumentState,
    pub document: Document,
}

impl DocumentItem {
    pub fn new(document: &Document) -> Self {
        Self {
            pk: keys::request_pk(&document.ticket),
            sk: keys::document_sk(&document.document_id),
            entity: "DOCUMENT".into(),
            doc_state: document.state,
            document: document.clone(),
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
