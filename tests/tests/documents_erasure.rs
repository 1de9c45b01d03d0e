//! The object half of a UU PDP erasure, in the documents function: the `OBJECT_ERASURE` item
//! `status` writes is delivered as the real `DynamoDbEvent` shape (built from the item as
//! stored), and every version and delete marker under the ticket's prefixes goes; nothing else
//! does. The whole path through the local stack's stream delivery is in `status_api.rs`
//! (`export_then_erase_leaves_no_personal_data_of_the_resident`).

use aws_sdk_dynamodb::types::AttributeValue;
use domain::erasure::ObjectErasure;
use domain::{ResidentId, TicketId};
use integration_tests::Harness;
use serde_json::{Value, json};
use shared::objects::S3ObjectEraser;
use shared::ports::AuditEvent;
use shared::ports::erasure::ObjectEraser;
use shared::ports::officer::ErasureRepository;
use std::collections::HashMap;

const TICKET: &str = "ABCD-EFGH";

/// The wire form of a stored attribute (`{"S": ...}`), as stream records carry it.
fn wire(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::L(items) => json!({ "L": items.iter().map(wire).collect::<Vec<_>>() }),
        AttributeValue::M(map) => json!({ "M": wire_item(map) }),
        other => panic!("attribute type not used by erasure items: {other:?}"),
    }
}

fn wire_item(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), wire(v))).collect())
}

/// The stream record Lambda delivers for the insert of `item`.
fn insert_record(item: &HashMap<String, AttributeValue>, sequence: &str) -> Value {
    let image = wire_item(item);
    json!({
        "eventID": format!("event-{sequence}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ap-southeast-3",
        "eventSourceARN": "arn:aws:dynamodb:ap-southeast-3:000000000000:table/t/stream/x",
        "dynamodb": {
            "ApproximateCreationDateTime": 1.7e9,
            "Keys": { "PK": image["PK"], "SK": image["SK"] },
            "NewImage": image,
            "SequenceNumber": sequence,
            "SizeBytes": 256,
            "StreamViewType": "NEW_IMAGE",
        },
    })
}

async fn put(h: &Harness, key: &str) {
    h.s3.put_object()
        .bucket(h.bucket())
        .key(key)
        .body(b"scan".to_vec().into())
        .send()
        .await
        .unwrap();
}

/// A plain delete in a versioned bucket: hides the object behind a delete marker.
async fn delete(h: &Harness, key: &str) {
    h.s3.delete_object()
        .bucket(h.bucket())
        .key(key)
        .send()
        .await
        .unwrap();
}

/// Every version and delete marker in the bucket, as `key` / `marker:key`, sorted.
async fn bucket_contents(h: &Harness) -> Vec<String> {
    let listing =
        h.s3.list_object_versions()
            .bucket(h.bucket())
            .send()
            .await
            .unwrap();
    let versions = listing
        .versions()
        .iter()
        .filter_map(|v| v.key())
        .map(str::to_owned);
    let markers = listing
        .delete_markers()
        .iter()
        .filter_map(|m| m.key())
        .map(|k| format!("marker:{k}"));
    let mut all: Vec<String> = versions.chain(markers).collect();
    all.sort();
    all
}

/// Objects of the erased ticket (versions and markers in both areas) and of others, among them
/// a key that shares the ticket's prefix up to the missing slash.
async fn seed_objects(h: &Harness) {
    for _ in 0..3 {
        put(h, &format!("requests/{TICKET}/01a.jpg")).await;
    }
    delete(h, &format!("requests/{TICKET}/01a.jpg")).await;
    put(h, &format!("requests/{TICKET}/01b.pdf")).await;
    for _ in 0..2 {
        put(h, &format!("results/{TICKET}/01c.pdf")).await;
    }
    delete(h, &format!("results/{TICKET}/01c.pdf")).await;
    put(h, "requests/ABCD-EFGJ/02a.jpg").await;
    put(h, &format!("requests/{TICKET}X/03a.jpg")).await;
    put(h, &format!("results/{TICKET}.pdf")).await;
}

fn kept() -> Vec<String> {
    let mut kept = vec![
        "requests/ABCD-EFGJ/02a.jpg".to_owned(),
        format!("requests/{TICKET}X/03a.jpg"),
        format!("results/{TICKET}.pdf"),
    ];
    kept.sort();
    kept
}

/// Erases the ticket's table data the way `status` does, which records the object erasure;
/// returns the item as stored.
async fn erase_ticket(h: &Harness) -> HashMap<String, AttributeValue> {
    let ticket = TicketId::parse(TICKET).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let event = AuditEvent {
        ticket,
        event_id: "req-1-erase".into(),
        at: now,
        actor: "boss".into(),
        role: "supervisor".into(),
        action: "erase".into(),
        from_status: None,
        to_status: None,
        note: None,
        source_ip: None,
        request_id: Some("req-1".into()),
    };
    h.store()
        .erase_ticket(
            &ticket,
            &ResidentId::Phone("6281234567890".into()),
            &event,
            &ObjectErasure::of_ticket("req-1-erase", ticket, now),
        )
        .await
        .unwrap();
    erasure_item(h).await
}

async fn erasure_item(h: &Harness) -> HashMap<String, AttributeValue> {
    let mut items = h.items_with_pk_prefix("ERASE#").await;
    assert_eq!(items.len(), 1, "one object erasure for one ticket");
    items.remove(0)
}

fn string(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    item[name].as_s().unwrap().clone()
}

#[tokio::test]
async fn the_purge_deletes_every_version_and_marker_once_and_a_second_delivery_is_a_no_op() {
    // Events off: the raw objects seeded here must stay until the purge, and the stream record
    // is delivered by this test alone.
    let h = Harness::start_without_events().await;
    seed_objects(&h).await;
    let item = erase_ticket(&h).await;
    assert_eq!(string(&item, "PK"), "ERASE#req-1-erase");
    assert_eq!(string(&item, "SK"), format!("OBJECTS#{TICKET}"));
    assert_eq!(string(&item, "entity"), "OBJECT_ERASURE");
    assert_eq!(string(&item, "erasure_state"), "PENDING");
    assert!(item["expires_at"].as_n().is_ok(), "a TTL");

    let app = &h.stack.gateway.functions.documents;
    let event = json!({ "Records": [insert_record(&item, "300")] });
    let first = documents::invoke(app, event.clone()).await.unwrap();
    assert_eq!(first["batchItemFailures"], json!([]));
    assert_eq!(
        bucket_contents(&h).await,
        kept(),
        "versions and markers gone"
    );
    let done = erasure_item(&h).await;
    assert_eq!(string(&done, "erasure_state"), "DONE");
    // 3 + marker, 1, 2 + marker.
    assert_eq!(done["deleted_versions"].as_n().unwrap(), "8");
    assert!(done.contains_key("done_at"));

    // The same record again (Lambda delivers at least once): nothing to delete, the first
    // count stands, no failure reported.
    let second = documents::invoke(app, event).await.unwrap();
    assert_eq!(second["batchItemFailures"], json!([]));
    assert_eq!(bucket_contents(&h).await, kept());
    assert_eq!(erasure_item(&h).await, done);
}

#[tokio::test]
async fn an_erasure_naming_a_prefix_beyond_its_ticket_deletes_nothing() {
    let h = Harness::start_without_events().await;
    seed_objects(&h).await;
    let before = bucket_contents(&h).await;
    let mut item = erase_ticket(&h).await;
    // A damaged or forged item: `requests/` would be every resident's scans.
    let mut erasure = item["erasure"].as_m().unwrap().clone();
    erasure.insert(
        "prefixes".into(),
        AttributeValue::L(vec![AttributeValue::S("requests/".into())]),
    );
    item.insert("erasure".into(), AttributeValue::M(erasure));

    let app = &h.stack.gateway.functions.documents;
    let response = documents::invoke(app, json!({ "Records": [insert_record(&item, "400")] }))
        .await
        .unwrap();
    assert_eq!(
        response["batchItemFailures"],
        json!([]),
        "not retried: it cannot get better"
    );
    assert_eq!(bucket_contents(&h).await, before, "nothing deleted");
    assert_eq!(string(&erasure_item(&h).await, "erasure_state"), "PENDING");
}

#[tokio::test]
async fn the_s3_eraser_pages_through_listings_and_deletes_in_batches() {
    let h = Harness::start_without_events().await;
    seed_objects(&h).await;
    // Pages and delete batches of 2, so 6 versions and 2 markers take several of each.
    let eraser = S3ObjectEraser::new(h.s3.clone(), h.bucket()).with_page_size(2);
    assert_eq!(
        eraser
            .erase_prefix(&format!("requests/{TICKET}/"))
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        eraser
            .erase_prefix(&format!("results/{TICKET}/"))
            .await
            .unwrap(),
        3
    );
    assert_eq!(bucket_contents(&h).await, kept());
    assert_eq!(
        eraser
            .erase_prefix(&format!("requests/{TICKET}/"))
            .await
            .unwrap(),
        0
    );
}
