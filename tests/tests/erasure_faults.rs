//! The erasure's order, proved by fault injection (issue #17): `BatchWriteItem` is neither
//! ordered nor atomic, so `status` erases a ticket in confirmed steps, the object erasure first
//! and the request item (`META`) last. An erase stopped part way (a DynamoDB outage, injected
//! in front of moto) leaves the ticket findable, and the supervisor's retry finishes it: nothing
//! of the resident is left, in the table or the bucket.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::document::{Document, DocumentSource, DocumentState};
use domain::{ResidentId, ServiceCode, TicketId};
use integration_tests::{Harness, seed_submitted};
use local_stack::idempotency;
use serde_json::Value;
use shared::ports::documents::DocumentRepository;
use shared::ports::{AuditEvent, RequestRepository};
use std::time::{Duration, Instant};

const PHONE: &str = "6281234501234";
const TICKET: &str = "FALT-2345";

async fn erase(h: &Harness, token: &str) -> (u16, Value) {
    let response = h
        .http
        .post(h.url(&format!("/residents/wa:{PHONE}/erase")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn sk(item: &std::collections::HashMap<String, AttributeValue>) -> String {
    item["SK"].as_s().cloned().unwrap_or_default()
}

/// The sort keys under the ticket's partition.
async fn ticket_items(h: &Harness) -> Vec<String> {
    let mut sks: Vec<String> = h
        .items_with_pk_prefix(&format!("REQ#{TICKET}"))
        .await
        .iter()
        .map(sk)
        .collect();
    sks.sort();
    sks
}

/// A request with what an erasure must remove or rewrite: a resident's audit event (their key,
/// their words), an officer's, a document and its object, the resident's own partition.
async fn seed(h: &Harness) {
    let request = seed_submitted(
        h,
        TICKET,
        ServiceCode::KkNew,
        PHONE,
        "Rina Marlina",
        "1708046003900002",
    )
    .await;
    let resident = ResidentId::Phone(PHONE.into());
    let now = time::OffsetDateTime::now_utc();
    h.store()
        .append_audit(&AuditEvent {
            ticket: request.ticket,
            event_id: "resident-said".into(),
            at: now,
            actor: resident.key(),
            role: "resident".into(),
            action: "message".into(),
            from_status: None,
            to_status: None,
            note: Some(format!("nomor saya {PHONE}")),
            source_ip: None,
            // As the webhook records it: the WhatsApp message id, which encodes the number.
            request_id: Some(format!("wamid.HBgN{PHONE}FQIAEhg")),
        })
        .await
        .unwrap();
    let key = format!("requests/{TICKET}/0f1.jpg");
    h.store()
        .create_document(&Document {
            ticket: TicketId::parse(TICKET).unwrap(),
            document_id: "0f1".into(),
            slot: "ktp".into(),
            state: DocumentState::Stored,
            source: DocumentSource::Officer {
                officer: "officer-1".into(),
                filename: None,
            },
            key: Some(key.clone()),
            content_type: Some("image/jpeg".into()),
            size: Some(4),
            sha256: None,
            version_id: None,
            attempts: 1,
            failure: None,
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
    h.s3.put_object()
        .bucket(h.bucket())
        .key(&key)
        .body(b"scan".to_vec().into())
        .send()
        .await
        .unwrap();
    h.dynamodb
        .put_item()
        .table_name(h.table())
        .item("PK", AttributeValue::S(format!("RES#wa:{PHONE}")))
        .item("SK", AttributeValue::S("CONSENT#v1".into()))
        .item("entity", AttributeValue::S("CONSENT".into()))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_erase_stopped_part_way_is_finished_by_its_retry() {
    let h = Harness::start().await;
    seed(&h).await;
    let officer = h.token("officer-1", "petugas", "*").await;
    let claimed = h
        .http
        .post(h.url(&format!("/requests/{TICKET}/actions")))
        .bearer_auth(&officer)
        .json(&serde_json::json!({"action": "claim", "expected_version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(claimed.status(), 200);
    let boss = h.token("boss", "supervisor", "*").await;
    let before = ticket_items(&h).await;
    assert!(before.contains(&"META".to_owned()), "{before:?}");
    assert!(before.contains(&"DOC#0f1".to_owned()), "{before:?}");

    // First attempt: the store fails at the ticket's first batch (its documents and the
    // rewritten events), every SDK attempt of it.
    idempotency::fail_calls(h.table(), "BatchWriteItem", 0, 3);
    let (status, problem) = erase(&h, &boss).await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(idempotency::failed_calls(h.table()), 3, "the fault fired");
    let after_first = ticket_items(&h).await;
    assert_eq!(after_first, before, "nothing of the ticket went");
    // The bytes were scheduled to go before anything else: the object erasure item is there.
    let erasures = h.items_with_pk_prefix("ERASE#").await;
    assert_eq!(erasures.len(), 1, "{erasures:?}");
    assert_eq!(sk(&erasures[0]), format!("OBJECTS#{TICKET}"));

    // Second attempt: the first batch passes, the request item's own delete fails.
    idempotency::fail_calls(h.table(), "BatchWriteItem", 1, 3);
    let (status, problem) = erase(&h, &boss).await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(idempotency::failed_calls(h.table()), 6);
    let after_second = ticket_items(&h).await;
    assert!(
        after_second.contains(&"META".to_owned()),
        "the request item goes last: {after_second:?}"
    );
    assert!(
        !after_second.contains(&"DOC#0f1".to_owned()),
        "{after_second:?}"
    );
    // The ticket is still found by the resident's index, so a retry reaches it.
    let found = h
        .store()
        .requests_of_resident(&ResidentId::Phone(PHONE.into()))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].ticket.as_str(), TICKET);

    // Third attempt, no fault: the ticket is found again and the erase completes.
    let (status, erased) = erase(&h, &boss).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["erased_tickets"], serde_json::json!([TICKET]));
    let left = ticket_items(&h).await;
    assert!(
        left.iter().all(|sk| sk.starts_with("EVT#")),
        "only audit events stay: {left:?}"
    );
    for item in h.items().await {
        let text = format!("{item:?}");
        assert!(
            !text.contains(PHONE),
            "the resident's number is left: {text}"
        );
        assert!(
            !text.contains("Rina"),
            "the resident's name is left: {text}"
        );
    }
    assert!(
        h.store()
            .requests_of_resident(&ResidentId::Phone(PHONE.into()))
            .await
            .unwrap()
            .is_empty()
    );
    // And the documents function purged the object from the stream.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let versions =
            h.s3.list_object_versions()
                .bucket(h.bucket())
                .prefix(format!("requests/{TICKET}/"))
                .send()
                .await
                .unwrap();
        if versions.versions().is_empty() && versions.delete_markers().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the object was not purged");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
