//! The stream handler's batch semantics, invoked directly with the real `DynamoDbEvent` shape
//! (as Lambda's event source mapping would), next to the local stack's own delivery of the same
//! records: duplicates store nothing twice, and failures are reported per record.

mod documents_support;

use documents_support::*;
use domain::document::DocumentState;
use integration_tests::Harness;
use serde_json::json;
use shared::ports::RequestRepository;
use shared::ports::documents::DocumentRepository;
use shared::ports::officer::{NotificationRecord, NotificationState, OfficerRepository};

#[tokio::test]
async fn a_duplicate_stream_record_stores_nothing_twice() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    let pdf = pdf_bytes(20_000);
    let doc = whatsapp_document(&h, &request, slot, &pdf, "application/pdf", None, None).await;
    let event = |sequence: &str| json!({ "Records": [insert_record(&doc, sequence)] });
    let app = &h.stack.gateway.functions.documents;

    // The stack's own poller delivers the insert too: four deliveries race for one document.
    // They are different records (Lambda never hands one record to two invocations at once: a
    // shard's batches go one after the other), as when an operator re-inserts a pending
    // document while its first record is still being processed.
    let (a, b, c) = tokio::join!(
        documents::invoke(app, event("100")),
        documents::invoke(app, event("101")),
        documents::invoke(app, event("102")),
    );
    for response in [a, b, c] {
        response.expect("the invocation itself succeeds");
    }
    let stored = wait_for_state(&h, &request, &doc.document_id, DocumentState::Stored).await;
    // A late duplicate, after everything finished: a no-op, not a failure.
    let late = documents::invoke(app, event("100")).await.unwrap();
    assert_eq!(late["batchItemFailures"], json!([]));

    let key = stored.key.unwrap();
    assert_eq!(
        versions_under(&h, &key).await.len(),
        1,
        "one object version"
    );
    let after = h
        .store()
        .get_request(&request.ticket)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.slots.iter().filter(|s| s.slot == slot).count(), 1);
    assert_eq!(after.version, request.version + 1, "slot filled once");
    let received = outbox_texts(&h)
        .iter()
        .filter(|t| t.contains("sudah kami terima"))
        .count();
    assert_eq!(received, 1, "the resident is told once");
}

#[tokio::test]
async fn failures_are_reported_per_record() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (first, second) = two_required_slots(&request);
    // Another delivery holds the second document's lease (taken right after the insert, well
    // before the stack's 200 ms poller looks): it cannot be finished now.
    let busy = whatsapp_document(
        &h,
        &request,
        second,
        &jpeg_bytes(5_000),
        "image/jpeg",
        None,
        None,
    )
    .await;
    let now = time::OffsetDateTime::now_utc();
    h.store()
        .claim_document(
            &request.ticket,
            &busy.document_id,
            DocumentState::PendingFetch,
            "another delivery",
            now,
            now + time::Duration::minutes(10),
        )
        .await
        .unwrap()
        .expect("lease taken");
    let good = whatsapp_document(
        &h,
        &request,
        first,
        &pdf_bytes(5_000),
        "application/pdf",
        None,
        None,
    )
    .await;
    // The stack's own delivery of the first record has stored it; the batch re-delivers it.
    wait_for_state(&h, &request, &good.document_id, DocumentState::Stored).await;

    let event = json!({ "Records": [insert_record(&good, "200"), insert_record(&busy, "201")] });
    let response = documents::invoke(&h.stack.gateway.functions.documents, event)
        .await
        .unwrap();
    assert_eq!(
        response["batchItemFailures"],
        json!([{ "itemIdentifier": "201" }]),
        "only the record that can succeed later is retried"
    );
    wait_for_state(&h, &request, &good.document_id, DocumentState::Stored).await;
    assert_eq!(
        document(&h, &request, &busy.document_id).await.state,
        DocumentState::PendingFetch
    );
}

#[tokio::test]
async fn media_that_never_downloads_is_marked_failed_and_the_resident_asked_again() {
    let h = Harness::start_with_env(&[("DOCUMENTS_FETCH_RETRY_PAUSE_MS", "50")]).await;
    let (request, slot, doc) = a_document_that_never_downloads(&h).await;
    let failed = wait_for_state(&h, &request, &doc.document_id, DocumentState::Failed).await;
    assert_eq!(failed.attempts, 5, "bounded retries (the default)");
    // The document is marked failed before the resident is asked again: wait for the message.
    eventually("the request to send the file again", || async {
        outbox_texts(&h)
            .iter()
            .any(|t| t.contains("tidak dapat kami unduh"))
    })
    .await;
    assert_nothing_stored(&h, &request, slot).await;
    // The notice is recorded for officers, with the id WhatsApp gave the message.
    let notice = wait_for_notice(&h, &request, "document_failed").await;
    assert_eq!(notice.state, NotificationState::Sent);
    let id = notice.graph_message_id.expect("sent with an id");
    assert!(h.stack.whatsapp.outbox().iter().any(|m| m.id == id));
}

#[tokio::test]
async fn a_notice_the_resident_could_not_be_sent_is_recorded_for_officers() {
    let h = Harness::start_with_env(&[("DOCUMENTS_FETCH_RETRY_PAUSE_MS", "50")]).await;
    // Meta refuses every send for good (131026: the message is undeliverable).
    h.stack.whatsapp.fail_next_sends(1000, 400, 131_026);
    let (request, _, doc) = a_document_that_never_downloads(&h).await;
    wait_for_state(&h, &request, &doc.document_id, DocumentState::Failed).await;
    let notice = wait_for_notice(&h, &request, "document_failed").await;
    assert_eq!(notice.state, NotificationState::Failed);
    assert_eq!(notice.graph_message_id, None);
    assert!(
        notice
            .error
            .as_deref()
            .is_some_and(|e| e.contains("131026")),
        "{:?}",
        notice.error
    );
    // Officers see it in the request's detail.
    let token = h.token("officer-1", "petugas", "*").await;
    let detail: serde_json::Value = h
        .http
        .get(h.url(&format!("/requests/{}", request.ticket.as_str())))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        detail["notifications"].as_array().is_some_and(|all| all
            .iter()
            .any(|n| n["cause"] == "document_failed" && n["state"] == "FAILED")),
        "{detail}"
    );
}

/// A request with a WhatsApp document recorded in its first required slot whose every download
/// answers 404, even right after a fresh URL. (Tests using it start the stack with short pauses
/// between fetch attempts: their schedule is unit-tested in `fetch::retry_pause`.)
async fn a_document_that_never_downloads(
    h: &Harness,
) -> (domain::Request, &'static str, domain::document::Document) {
    let request = seed_request(h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    h.stack.whatsapp.expire_next_media_downloads(1000);
    let doc = whatsapp_document(
        h,
        &request,
        slot,
        &pdf_bytes(5_000),
        "application/pdf",
        None,
        None,
    )
    .await;
    (request, slot, doc)
}

/// The notice with this cause recorded under the request, once the documents function wrote it.
async fn wait_for_notice(
    h: &Harness,
    request: &domain::Request,
    cause: &str,
) -> NotificationRecord {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let records = h.store().ticket_records(&request.ticket).await.unwrap();
        if let Some(notice) = records.notifications.into_iter().find(|n| n.cause == cause) {
            return notice;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {cause} notice recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_redelivered_record_takes_back_the_lease_its_first_delivery_left() {
    // Events are delivered by hand here: the first delivery of record 300 claimed the document
    // and then lost its store connection (or its answer, or the function timed out), leaving
    // the 15-minute lease behind. Lambda's retry of the same record must not wait it out.
    let h = Harness::start_without_events().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    let doc = whatsapp_document(
        &h,
        &request,
        slot,
        &jpeg_bytes(5_000),
        "image/jpeg",
        None,
        None,
    )
    .await;
    let record = insert_record(&doc, "300");
    let holder = format!("stream:{}", record["eventID"].as_str().unwrap());
    let now = time::OffsetDateTime::now_utc();
    h.store()
        .claim_document(
            &request.ticket,
            &doc.document_id,
            DocumentState::PendingFetch,
            &holder,
            now,
            now + time::Duration::minutes(15),
        )
        .await
        .unwrap()
        .expect("first delivery's lease");

    let response = documents::invoke(
        &h.stack.gateway.functions.documents,
        json!({ "Records": [record] }),
    )
    .await
    .unwrap();
    assert_eq!(response["batchItemFailures"], json!([]), "{response}");
    let stored = document(&h, &request, &doc.document_id).await;
    assert_eq!(stored.state, DocumentState::Stored);
    assert_eq!(stored.attempts, 2, "both deliveries counted");
}
