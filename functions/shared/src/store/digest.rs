//! The day's digest record (`DIGEST#<yyyy-mm-dd>` / `DIGEST`): taken by one run with a
//! conditional write, marked sent after the e-mail left; expires after 35 days.

use super::{DynamoStore, classify, keys};
use crate::ports::StoreError;
use crate::ports::digest::DigestLedger;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use time::{Date, Duration, OffsetDateTime};

const DIGEST_SK: &str = "DIGEST";
const TTL_DAYS: i64 = 35;

fn digest_pk(day: Date) -> String {
    format!("DIGEST#{day}")
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[async_trait]
impl DigestLedger for DynamoStore {
    async fn take_digest(
        &self,
        day: Date,
        now: OffsetDateTime,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(keys::PK, AttributeValue::S(digest_pk(day)))
            .item(keys::SK, AttributeValue::S(DIGEST_SK.to_owned()))
            .item("entity", AttributeValue::S("DIGEST".to_owned()))
            .item("digest_state", AttributeValue::S("SENDING".to_owned()))
            .item("taken_at", n(now.unix_timestamp()))
            .item(
                keys::EXPIRES_AT,
                n((now + Duration::days(TTL_DAYS)).unix_timestamp()),
            )
            // New, or a run that died holding it longer than the lease ago.
            .condition_expression(
                "attribute_not_exists(PK) OR (digest_state = :sending AND taken_at < :stale)",
            )
            .expression_attribute_values(":sending", AttributeValue::S("SENDING".to_owned()))
            .expression_attribute_values(":stale", n((now - lease).unix_timestamp()))
            .send()
            .await
            .map_err(classify);
        match result {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(err) => Err(err),
        }
    }

    async fn digest_sent(
        &self,
        day: Date,
        complaints: usize,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(digest_pk(day)))
            .key(keys::SK, AttributeValue::S(DIGEST_SK.to_owned()))
            .update_expression("SET digest_state = :sent, sent_at = :at, complaints = :n")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":sent", AttributeValue::S("SENT".to_owned()))
            .expression_attribute_values(":at", n(now.unix_timestamp()))
            .expression_attribute_values(":n", n(i64::try_from(complaints).unwrap_or(i64::MAX)))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }
}
