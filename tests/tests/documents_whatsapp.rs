//! WhatsApp media into the bucket through the local stack: the webhook's `PENDING_FETCH` record
//! reaches the documents function through the table's stream (polled from moto, filtered as the
//! template says), the media comes from the loopback fake Graph API, and the bytes land in S3.

mod documents_support;

use documents_support::*;
use domain::document::DocumentState;
use integration_tests::Harness;
use shared::ports::RequestRepository;

#[tokio::test]
async fn a_jpeg_and_a_pdf_arrive_by_whatsapp_and_fill_their_slots() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (first, second) = two_required_slots(&request);
    let jpeg = jpeg_bytes(200_000);
    let pdf = pdf_bytes(300_000);
    let photo = whatsapp_document(&h, &request, first, &jpeg, "image/jpeg", None, None).await;
    let scan = whatsapp_document(
        &h,
        &request,
        second,
        &pdf,
        "application/pdf",
        Some("KK saya.pdf"),
        None,
    )
    .await;

    let photo = wait_for_state(&h, &request, &photo.document_id, DocumentState::Stored).await;
    let scan = wait_for_state(&h, &request, &scan.document_id, DocumentState::Stored).await;

    for (doc, bytes, ext) in [(&photo, &jpeg, "jpg"), (&scan, &pdf, "pdf")] {
        let key = doc.key.clone().expect("stored document has a key");
        assert_eq!(key, format!("requests/ABCD-EFGH/{}.{ext}", doc.document_id));
        let stored = object_bytes(&h, &key).await.expect("object in the bucket");
        assert_eq!(
            sha256_b64(&stored),
            sha256_b64(bytes),
            "hash of the stored bytes"
        );
        assert_eq!(doc.sha256.as_deref(), Some(sha256_b64(bytes).as_str()));
        assert_eq!(doc.size, Some(bytes.len() as u64));
        // The version written (and validated on the way in) is what downloads will sign.
        let current =
            h.s3.head_object()
                .bucket(h.bucket())
                .key(&key)
                .send()
                .await
                .unwrap();
        assert_eq!(doc.version_id.as_deref(), current.version_id());
        assert!(doc.version_id.is_some());
    }
    assert_eq!(scan.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(photo.content_type.as_deref(), Some("image/jpeg"));
    let head =
        h.s3.head_object()
            .bucket(h.bucket())
            .key(scan.key.clone().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(head.metadata().unwrap()["original-filename"], "KK saya.pdf");

    // Both slots are filled, in one write with the document each (version bumped twice).
    let after = h
        .store()
        .get_request(&request.ticket)
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.is_filled(first) && after.is_filled(second),
        "{:?}",
        after.slots
    );
    assert_eq!(after.version, request.version + 2);

    // The resident heard about each item, with what is still missing.
    let texts = outbox_texts(&h);
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("sudah kami terima"))
            .count(),
        2,
        "{texts:?}"
    );
}

#[tokio::test]
async fn a_hash_mismatch_is_rejected_and_nothing_is_stored() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    let jpeg = jpeg_bytes(50_000);
    let wrong = sha256_b64(b"some other file");
    let doc = whatsapp_document(&h, &request, slot, &jpeg, "image/jpeg", None, Some(wrong)).await;
    let doc = wait_for_state(&h, &request, &doc.document_id, DocumentState::Rejected).await;
    assert!(doc.failure.unwrap().contains("checksum"));
    assert_nothing_stored(&h, &request, slot).await;
    assert!(
        outbox_texts(&h).iter().any(|t| t.contains("rusak")),
        "resident asked to resend"
    );
}

#[tokio::test]
async fn an_exe_renamed_pdf_is_rejected_by_its_bytes() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    exe.resize(40_000, 0);
    let doc = whatsapp_document(
        &h,
        &request,
        slot,
        &exe,
        "application/pdf",
        Some("kk.pdf"),
        None,
    )
    .await;
    let doc = wait_for_state(&h, &request, &doc.document_id, DocumentState::Rejected).await;
    assert!(doc.failure.unwrap().contains("not a PDF"));
    assert_nothing_stored(&h, &request, slot).await;
    assert!(
        outbox_texts(&h)
            .iter()
            .any(|t| t.contains("JPG/PNG") && t.contains("PDF"))
    );
}

#[tokio::test]
async fn an_oversized_photo_is_rejected() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    let big = jpeg_bytes(6 * 1024 * 1024);
    let doc = whatsapp_document(&h, &request, slot, &big, "image/jpeg", None, None).await;
    let doc = wait_for_state(&h, &request, &doc.document_id, DocumentState::Rejected).await;
    assert!(doc.failure.unwrap().contains("5 MB"));
    assert_nothing_stored(&h, &request, slot).await;
    assert!(outbox_texts(&h).iter().any(|t| t.contains("5 MB")));
}

#[tokio::test]
async fn an_expired_media_url_is_fetched_again() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    h.stack.whatsapp.expire_next_media_downloads(1);
    let pdf = pdf_bytes(10_000);
    let doc = whatsapp_document(&h, &request, slot, &pdf, "application/pdf", None, None).await;
    let doc = wait_for_state(&h, &request, &doc.document_id, DocumentState::Stored).await;
    let stored = object_bytes(&h, doc.key.as_deref().unwrap()).await.unwrap();
    assert_eq!(stored, pdf);
}

/// moto answers a cancelled `TransactWriteItems` (here: a repeated delivery refused on its dedupe
/// record) by putting back a copy of the table taken before it, stream shard included. The local
/// stack's stream poller must go on reading the live stream after that; it once kept an iterator
/// on the discarded shard, and no document was fetched again.
#[tokio::test]
async fn a_photo_after_a_refused_duplicate_delivery_is_still_fetched() {
    let h = Harness::start().await;
    let request = seed_request(&h, "DUPE-SAFE").await;
    let (first, second) = two_required_slots(&request);

    // The poller is reading the stream: a first photo is stored.
    let before = jpeg_bytes(40_000);
    let before = whatsapp_document(&h, &request, first, &before, "image/jpeg", None, None).await;
    wait_for_state(&h, &request, &before.document_id, DocumentState::Stored).await;

    // Meta delivers one message twice; the second commit is cancelled.
    let delivery = integration_tests::payloads::text("6281234500001", "wamid.DUPE1", "halo");
    for _ in 0..2 {
        assert_eq!(h.post_webhook(&delivery).await.status(), 200);
    }

    let after = jpeg_bytes(60_000);
    let after = whatsapp_document(&h, &request, second, &after, "image/jpeg", None, None).await;
    wait_for_state(&h, &request, &after.document_id, DocumentState::Stored).await;
}
