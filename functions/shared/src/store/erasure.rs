//! Object erasure items: `ERASE#<erasure id>` / `OBJECTS#<ticket>`, entity `OBJECT_ERASURE`.
//! `status` writes one per erased ticket together with the ticket's table erasure; the
//! documents function's stream filter selects their inserts by the top-level `erasure_state`
//! (`PENDING`), purges the listed prefixes and sets it to `DONE`. Tickets and prefixes only: no
//! personal data, so the item may outlive the erasure for a while as the record that the bytes
//! went too.

use super::{DynamoStore, classify, keys};
use crate::ports::StoreError;
use crate::ports::erasure::ObjectErasureRepository;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::erasure::{ObjectErasure, ObjectErasureState};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The entity name the stream filter in template.yaml selects.
pub const OBJECT_ERASURE_ENTITY: &str = "OBJECT_ERASURE";
/// How long the record of a purge is kept. The stream retries a record for at most a day; after
/// that the item only shows when (and that) the bytes went, which the audit trail's `erase`
/// events already date.
const ERASURE_TTL_DAYS: i64 = 30;

#[derive(Serialize, Deserialize)]
pub(crate) struct ObjectErasureItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    /// Top level (not inside `erasure`) so the stream filter and the done-condition can name it.
    erasure_state: ObjectErasureState,
    erasure: ObjectErasure,
    expires_at: i64,
}

impl ObjectErasureItem {
    pub(crate) fn pending(erasure: &ObjectErasure) -> Self {
        Self {
            pk: keys::erasure_pk(&erasure.erasure_id),
            sk: keys::object_erasure_sk(&erasure.ticket),
            entity: OBJECT_ERASURE_ENTITY.into(),
            erasure_state: ObjectErasureState::Pending,
            erasure: erasure.clone(),
            expires_at: super::epoch_after_days(erasure.requested_at, ERASURE_TTL_DAYS),
        }
    }
}

/// The stored string of a state, as the stream filter and conditions see it.
fn state_value(state: ObjectErasureState) -> Result<AttributeValue, StoreError> {
    match serde_json::to_value(state) {
        Ok(serde_json::Value::String(s)) => Ok(AttributeValue::S(s)),
        _ => Err(StoreError::Invalid("erasure state is not a string".into())),
    }
}

#[async_trait]
impl ObjectErasureRepository for DynamoStore {
    async fn finish_object_erasure(
        &self,
        erasure: &ObjectErasure,
        deleted_versions: u64,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let done_at = at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                keys::erasure_pk(&erasure.erasure_id),
                &keys::object_erasure_sk(&erasure.ticket),
            )))
            .update_expression("SET #state = :done, done_at = :at, deleted_versions = :n")
            // Only a pending item: a repeated delivery must not overwrite the first count, and
            // an item already gone (TTL) must not be re-created as a stub.
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", "erasure_state")
            .expression_attribute_values(":done", state_value(ObjectErasureState::Done)?)
            .expression_attribute_values(":pending", state_value(ObjectErasureState::Pending)?)
            .expression_attribute_values(":at", AttributeValue::S(done_at))
            .expression_attribute_values(":n", AttributeValue::N(deleted_versions.to_string()))
            .send()
            .await
            .map_err(classify);
        match result {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
