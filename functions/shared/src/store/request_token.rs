//! The `ClientRequestToken` of a `TransactWriteItems`, derived from what it commits.
//!
//! DynamoDB remembers a token for 10 minutes: a repeat with the same token and the same items
//! is answered as the first call was, without applying anything again; a repeat with the same
//! token and other items is refused (`IdempotentParameterMismatchException`). Deriving the token
//! from the items (every table, key, attribute, condition and expression) gives exactly that: a
//! transaction sent again, by the SDK's retry after an attempt whose answer was lost or by our
//! own code, is recognised as the one already committed (a webhook commit keyed by its wamid's
//! dedupe record, an officer's change by its request id and version), and a different
//! transaction never shares a token.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// 32 hex characters (DynamoDB allows 1 to 36).
pub(crate) fn client_request_token(items: &[TransactWriteItem]) -> String {
    let mut hash = Canonical(Sha256::new());
    hash.tag(b"TransactWriteItems/1");
    hash.len(items.len());
    for item in items {
        if let Some(put) = item.put() {
            hash.tag(b"put");
            hash.str(put.table_name());
            hash.map(put.item());
            hash.expression(
                put.condition_expression(),
                put.expression_attribute_names(),
                put.expression_attribute_values(),
            );
        }
        if let Some(update) = item.update() {
            hash.tag(b"update");
            hash.str(update.table_name());
            hash.map(update.key());
            hash.str(update.update_expression());
            hash.expression(
                update.condition_expression(),
                update.expression_attribute_names(),
                update.expression_attribute_values(),
            );
        }
        if let Some(delete) = item.delete() {
            hash.tag(b"delete");
            hash.str(delete.table_name());
            hash.map(delete.key());
            hash.expression(
                delete.condition_expression(),
                delete.expression_attribute_names(),
                delete.expression_attribute_values(),
            );
        }
        if let Some(check) = item.condition_check() {
            hash.tag(b"check");
            hash.str(check.table_name());
            hash.map(check.key());
            hash.expression(
                Some(check.condition_expression()),
                check.expression_attribute_names(),
                check.expression_attribute_values(),
            );
        }
    }
    let digest = hash.0.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// An unambiguous encoding (every string length-prefixed, maps in key order) fed to the hash.
struct Canonical(Sha256);

impl Canonical {
    fn len(&mut self, n: usize) {
        self.0.update((n as u64).to_be_bytes());
    }

    fn tag(&mut self, tag: &[u8]) {
        self.bytes(tag);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.0.update(bytes);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.tag(b"some");
                self.str(s);
            }
            None => self.tag(b"none"),
        }
    }

    fn expression(
        &mut self,
        condition: Option<&str>,
        names: Option<&HashMap<String, String>>,
        values: Option<&HashMap<String, AttributeValue>>,
    ) {
        self.opt_str(condition);
        let mut names: Vec<_> = names.into_iter().flatten().collect();
        names.sort();
        self.len(names.len());
        for (k, v) in names {
            self.str(k);
            self.str(v);
        }
        match values {
            Some(values) => self.map(values),
            None => self.len(0),
        }
    }

    fn map(&mut self, map: &HashMap<String, AttributeValue>) {
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        self.len(entries.len());
        for (k, v) in entries {
            self.str(k);
            self.value(v);
        }
    }

    fn sorted(&mut self, mut items: Vec<&[u8]>) {
        // Sets are unordered.
        items.sort();
        self.len(items.len());
        for item in items {
            self.bytes(item);
        }
    }

    fn value(&mut self, value: &AttributeValue) {
        match value {
            AttributeValue::S(s) => {
                self.tag(b"S");
                self.str(s);
            }
            AttributeValue::N(n) => {
                self.tag(b"N");
                self.str(n);
            }
            AttributeValue::B(b) => {
                self.tag(b"B");
                self.bytes(b.as_ref());
            }
            AttributeValue::Bool(b) => {
                self.tag(b"BOOL");
                self.tag(if *b { b"1" } else { b"0" });
            }
            AttributeValue::Null(_) => self.tag(b"NULL"),
            AttributeValue::Ss(items) => {
                self.tag(b"SS");
                self.sorted(items.iter().map(|s| s.as_bytes()).collect());
            }
            AttributeValue::Ns(items) => {
                self.tag(b"NS");
                self.sorted(items.iter().map(|s| s.as_bytes()).collect());
            }
            AttributeValue::Bs(items) => {
                self.tag(b"BS");
                self.sorted(items.iter().map(|b| b.as_ref()).collect());
            }
            AttributeValue::L(items) => {
                self.tag(b"L");
                self.len(items.len());
                for item in items {
                    self.value(item);
                }
            }
            AttributeValue::M(map) => {
                self.tag(b"M");
                self.map(map);
            }
            // A kind added to the SDK later: its debug form still tells values apart.
            other => {
                self.tag(b"?");
                self.str(&format!("{other:?}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{Delete, Put};

    fn put(pk: &str, extra: &[(&str, AttributeValue)]) -> TransactWriteItem {
        let mut item: HashMap<String, AttributeValue> =
            HashMap::from([("PK".to_owned(), AttributeValue::S(pk.into()))]);
        for (k, v) in extra {
            item.insert((*k).to_owned(), v.clone());
        }
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name("t")
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(PK)")
                    .build()
                    .unwrap(),
            )
            .build()
    }

    #[test]
    fn the_same_items_give_the_same_token_whatever_the_map_order() {
        // Many attributes: two maps built apart iterate in different orders.
        let attrs: Vec<(String, AttributeValue)> = (0..40)
            .map(|i| (format!("a{i}"), AttributeValue::N(i.to_string())))
            .collect();
        let refs: Vec<(&str, AttributeValue)> =
            attrs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let mut reversed = refs.clone();
        reversed.reverse();
        let a = client_request_token(&[put("WAMID#1", &refs)]);
        let b = client_request_token(&[put("WAMID#1", &reversed)]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn any_difference_gives_another_token() {
        let base = client_request_token(&[put("WAMID#1", &[("v", AttributeValue::N("1".into()))])]);
        let others = [
            client_request_token(&[put("WAMID#2", &[("v", AttributeValue::N("1".into()))])]),
            client_request_token(&[put("WAMID#1", &[("v", AttributeValue::N("2".into()))])]),
            client_request_token(&[put("WAMID#1", &[("v", AttributeValue::S("1".into()))])]),
            client_request_token(&[put("WAMID#1", &[])]),
            client_request_token(&[
                put("WAMID#1", &[("v", AttributeValue::N("1".into()))]),
                put("WAMID#1", &[("v", AttributeValue::N("1".into()))]),
            ]),
            client_request_token(&[TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name("t")
                        .key("PK", AttributeValue::S("WAMID#1".into()))
                        .build()
                        .unwrap(),
                )
                .build()]),
        ];
        for other in others {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn sets_are_unordered() {
        let a = AttributeValue::Ss(vec!["x".into(), "y".into()]);
        let b = AttributeValue::Ss(vec!["y".into(), "x".into()]);
        assert_eq!(
            client_request_token(&[put("P", &[("s", a)])]),
            client_request_token(&[put("P", &[("s", b)])])
        );
    }
}
