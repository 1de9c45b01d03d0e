//! Failed inbound messages. With a known sender the record lives in the resident's partition
//! (`RES#<resident>` / `FAILED#<id>`), so erasure's delete of that partition reaches it; without
//! one under the message (`WAMID#<wamid>` / `FAILED`). Either way it expires with the table's TTL
//! and is listed through GSI1: `FAILED_INBOUND` while open, `FAILED_HANDLED` once an officer
//! marked it, sorted by `<received at>#<id>`.

use super::{DynamoStore, classify, from_item, keys, to_item};
use crate::ports::StoreError;
use crate::ports::failed::{FailedMessage, FailedMessageRepository, FailedPage, Handled};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::ResidentId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub const FAILED_OPEN: &str = "FAILED_INBOUND";
pub const FAILED_HANDLED: &str = "FAILED_HANDLED";
/// Long enough for an office closed over Lebaran to find them; short enough not to keep who
/// wrote when for longer than it serves (UU 27/2022: storage limitation).
pub const FAILED_TTL_DAYS: i64 = 90;

#[derive(Serialize, Deserialize)]
struct FailedInboundItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resident: Option<ResidentId>,
    reason: String,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    handled_by: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    handled_at: Option<OffsetDateTime>,
    expires_at: i64,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
}

impl FailedInboundItem {
    fn message(&self) -> FailedMessage {
        FailedMessage {
            id: self.id.clone(),
            resident: self.resident.clone(),
            reason: self.reason.clone(),
            received_at: self.at,
            handled: match (&self.handled_by, self.handled_at) {
                (Some(by), Some(at)) => Some(Handled { by: by.clone(), at }),
                _ => None,
            },
        }
    }
}

/// The public id of the failed message `wamid` received at `at`: the time (so the index key can
/// be rebuilt from it) and a hash of the wamid (which encodes the sender's number, so it is never
/// shown).
pub fn failed_id(wamid: &str, at: OffsetDateTime) -> String {
    let micros = at.unix_timestamp_nanos() / 1_000;
    let digest = Sha256::digest(wamid.as_bytes());
    format!("{micros}-{}", hex::encode(&digest[..8]))
}

/// The GSI1 sort key of an id, `None` when the id is not one of ours.
fn sort_key_of(id: &str) -> Option<String> {
    let (micros, hash) = id.split_once('-')?;
    if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let micros: i128 = micros.parse().ok()?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1_000)?).ok()?;
    Some(format!("{}#{id}", keys::sortable_time(at)))
}

impl DynamoStore {
    pub(crate) async fn put_failed_inbound(
        &self,
        wamid: &str,
        resident: Option<&ResidentId>,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let id = failed_id(wamid, at);
        let (pk, sk) = match resident {
            Some(resident) => (keys::resident_pk(resident), format!("FAILED#{id}")),
            None => (keys::wamid_pk(wamid), keys::failed_sk().to_owned()),
        };
        let item = FailedInboundItem {
            pk,
            sk,
            entity: "FAILED_INBOUND".into(),
            gsi1sk: format!("{}#{id}", keys::sortable_time(at)),
            id,
            resident: resident.cloned(),
            reason: reason.to_owned(),
            at,
            handled_by: None,
            handled_at: None,
            expires_at: super::epoch_after_days(at, FAILED_TTL_DAYS),
            gsi1pk: FAILED_OPEN.into(),
        };
        // A redelivery of the same message failing again writes the same item (same id): Meta
        // does not redeliver after the 200 the webhook answers, but a lost answer does.
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map(|_| ())
            .or_else(|err| match classify(err) {
                StoreError::Conflict => Ok(()),
                other => Err(other),
            })
    }

    /// The item an id names, in either list.
    async fn failed_item(&self, id: &str) -> Result<Option<FailedInboundItem>, StoreError> {
        let Some(sort_key) = sort_key_of(id) else {
            return Ok(None);
        };
        for list in [FAILED_OPEN, FAILED_HANDLED] {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk AND GSI1SK = :sk")
                .expression_attribute_values(":pk", AttributeValue::S(list.into()))
                .expression_attribute_values(":sk", AttributeValue::S(sort_key.clone()))
                .send()
                .await
                .map_err(classify)?;
            if let Some(item) = page.items.unwrap_or_default().into_iter().next() {
                return from_item(item).map(Some);
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl FailedMessageRepository for DynamoStore {
    async fn failed_messages(
        &self,
        handled: bool,
        before: Option<&str>,
        limit: i32,
    ) -> Result<FailedPage, StoreError> {
        let list = if handled { FAILED_HANDLED } else { FAILED_OPEN };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .expression_attribute_values(":pk", AttributeValue::S(list.into()))
            .scan_index_forward(false)
            .limit(limit);
        query = match before.map(sort_key_of) {
            None => query.key_condition_expression("GSI1PK = :pk"),
            Some(Some(sort_key)) => query
                .key_condition_expression("GSI1PK = :pk AND GSI1SK < :before")
                .expression_attribute_values(":before", AttributeValue::S(sort_key)),
            Some(None) => return Err(StoreError::Invalid("not a failed message id".into())),
        };
        let page = query.send().await.map_err(classify)?;
        let messages = page
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<FailedInboundItem>(item).map(|i| i.message()))
            .collect::<Result<Vec<_>, _>>()?;
        let next_before = match page.last_evaluated_key {
            Some(_) => messages.last().map(|m| m.id.clone()),
            None => None,
        };
        Ok(FailedPage {
            messages,
            next_before,
        })
    }

    async fn mark_failed_handled(
        &self,
        id: &str,
        officer: &str,
        at: OffsetDateTime,
    ) -> Result<Option<FailedMessage>, StoreError> {
        for _ in 0..3 {
            let Some(listed) = self.failed_item(id).await? else {
                return Ok(None);
            };
            // The index is read eventually consistently: read the item itself.
            let Some(mut item) = self.get::<FailedInboundItem>(listed.pk, &listed.sk).await? else {
                return Ok(None);
            };
            if item.handled_by.is_some() {
                return Ok(Some(item.message()));
            }
            item.handled_by = Some(officer.to_owned());
            item.handled_at = Some(at);
            item.gsi1pk = FAILED_HANDLED.into();
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(to_item(&item)?))
                .condition_expression("GSI1PK = :open")
                .expression_attribute_values(":open", AttributeValue::S(FAILED_OPEN.into()))
                .send()
                .await;
            match put.map_err(classify) {
                Ok(_) => return Ok(Some(item.message())),
                // Another officer marked it meanwhile: read their mark.
                Err(StoreError::Conflict) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(StoreError::Conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_id_names_its_index_key_and_hides_the_wamid() {
        let at = datetime!(2026-12-03 10:15:00.123456 UTC);
        let id = failed_id("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA=", at);
        assert!(!id.contains("wamid"), "{id}");
        assert_eq!(id.len(), "1764756900123456".len() + 1 + 16, "{id}");
        assert_eq!(
            sort_key_of(&id).as_deref(),
            Some(format!("2026-12-03T10:15:00.123456Z#{id}").as_str())
        );
        assert_eq!(
            id,
            failed_id("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA=", at)
        );
    }

    #[test]
    fn ids_not_of_ours_name_nothing() {
        for id in [
            "",
            "x",
            "123",
            "123-zz",
            "abc-0123456789abcdef",
            "1-0123456789abcde",
        ] {
            assert_eq!(sort_key_of(id), None, "{id}");
        }
    }

    /// The status function accepts ids of up to 17 digits (`before`): the store keys them all.
    #[test]
    fn every_id_of_up_to_17_digits_has_a_sort_key() {
        for id in ["0-0123456789abcdef", "99999999999999999-0123456789ABCDEF"] {
            assert!(sort_key_of(id).is_some(), "{id}");
        }
    }
}
