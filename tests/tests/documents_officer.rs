//! Officers' documents through the local stack: a presigned upload straight to S3, validated
//! when its `ObjectCreated` event arrives (the stack polls the bucket and delivers the real
//! `S3Event`), the result delivered to the resident, and audited presigned downloads.

mod documents_support;

use aws_sdk_dynamodb::types::AttributeValue;
use documents_support::*;
use domain::RequestStatus;
use domain::document::DocumentState;
use integration_tests::Harness;
use shared::ports::RequestRepository;

async fn grant(
    h: &Harness,
    token: &str,
    slot: &str,
    content_type: &str,
    len: usize,
) -> serde_json::Value {
    let response = h
        .http
        .post(h.url("/requests/ABCD-EFGH/documents"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "slot": slot, "content_type": content_type, "content_length": len, "filename": "../hasil akhir.pdf"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn audit_actions(h: &Harness) -> Vec<String> {
    h.items_with_pk_prefix("REQ#ABCD-EFGH")
        .await
        .iter()
        .filter(|i| matches!(i.get("SK"), Some(AttributeValue::S(sk)) if sk.starts_with("EVT#")))
        .filter_map(|i| i["event"].as_m().ok()?.get("action")?.as_s().ok().cloned())
        .collect()
}

#[tokio::test]
async fn an_officer_uploads_a_result_and_the_resident_receives_it() {
    let h = Harness::start().await;
    let request = seed_request_in(&h, "ABCD-EFGH", RequestStatus::Approved).await;
    // The resident wrote today: inside the 24-hour window the result is a document message.
    integration_tests::Resident::new(&h, RESIDENT)
        .text("selamat pagi, apakah sudah selesai?")
        .await;
    let token = h.token("officer-1", "petugas", "*").await;
    let pdf = pdf_bytes(120_000);
    let grant = grant(&h, &token, "result", "application/pdf", pdf.len()).await;
    let id = grant["document_id"].as_str().unwrap().to_owned();
    put_granted(&h, &grant, pdf.clone()).await;

    let stored = wait_for_state(&h, &request, &id, DocumentState::Stored).await;
    assert_eq!(stored.sha256.as_deref(), Some(sha256_b64(&pdf).as_str()));
    // The grant's URL lives on for minutes, but it cannot replace what was validated.
    let mut other = pdf_bytes(120_000);
    other[2000] ^= 0xff;
    assert_eq!(grant["upload"]["headers"]["if-none-match"], "*", "{grant}");
    assert_eq!(put_granted_status(&h, &grant, other).await, 412);
    eventually("the request to complete", || async {
        h.store()
            .get_request(&request.ticket)
            .await
            .unwrap()
            .unwrap()
            .status
            == RequestStatus::Completed
    })
    .await;

    let outbox = h.stack.whatsapp.outbox();
    let sent = outbox
        .iter()
        .find(|m| m.r#type == "document")
        .expect("a document message in the outbox");
    assert_eq!(sent.to.as_deref(), Some(RESIDENT));
    assert_eq!(sent.body["document"]["filename"], "KK-ABCD-EFGH.pdf");
    // The link WhatsApp fetches serves exactly the uploaded bytes.
    let link = sent.body["document"]["link"].as_str().unwrap();
    let fetched = h
        .http
        .get(link)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha256_b64(&fetched), sha256_b64(&pdf));

    let completed = h
        .store()
        .get_request(&request.ticket)
        .await
        .unwrap()
        .unwrap();
    assert!(completed.completed_at.is_some());
    let actions = audit_actions(&h).await;
    assert!(
        actions.contains(&"document_stored".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"result_delivered".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_invalid_upload_is_deleted_and_the_reason_recorded() {
    let h = Harness::start().await;
    let request = seed_request_in(&h, "ABCD-EFGH", RequestStatus::Approved).await;
    let token = h.token("officer-1", "petugas", "*").await;
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.resize(30_000, 7);
    let grant = grant(&h, &token, "result", "application/pdf", exe.len()).await;
    let id = grant["document_id"].as_str().unwrap().to_owned();
    let key = grant["key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with("results/ABCD-EFGH/") && !key.contains("hasil"),
        "{key}"
    );
    put_granted(&h, &grant, exe).await;

    let rejected = wait_for_state(&h, &request, &id, DocumentState::Rejected).await;
    assert!(rejected.failure.unwrap().contains("not a PDF"));
    eventually("the object to be deleted", || async {
        versions_under(&h, &key).await.is_empty()
    })
    .await;
    let after = h
        .store()
        .get_request(&request.ticket)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, RequestStatus::Approved, "nothing delivered");
    assert!(
        h.stack
            .whatsapp
            .outbox()
            .iter()
            .all(|m| m.r#type != "document")
    );
    assert!(
        audit_actions(&h)
            .await
            .contains(&"upload_rejected".to_owned())
    );
}

#[tokio::test]
async fn an_officer_downloads_a_scan_and_the_read_is_audited() {
    let h = Harness::start().await;
    let request = seed_request(&h, "ABCD-EFGH").await;
    let (slot, _) = two_required_slots(&request);
    let jpeg = jpeg_bytes(30_000);
    let doc = whatsapp_document(&h, &request, slot, &jpeg, "image/jpeg", None, None).await;
    wait_for_state(&h, &request, &doc.document_id, DocumentState::Stored).await;
    let token = h.token("officer-7", "petugas", "*").await;

    // An account without `custom:kecamatan` sees no request, and its refusal reads nothing.
    let unscoped = h.token_without_kecamatan("officer-8", "petugas").await;
    let refused = h
        .http
        .get(h.url(&format!(
            "/requests/ABCD-EFGH/documents/{}",
            doc.document_id
        )))
        .bearer_auth(&unscoped)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let response = h
        .http
        .get(h.url(&format!(
            "/requests/ABCD-EFGH/documents/{}",
            doc.document_id
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["download"]["method"], "GET");
    let url = body["download"]["url"].as_str().unwrap();
    let fetched = h.http.get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(fetched.as_ref(), jpeg.as_slice());

    let events: Vec<_> = h
        .items_with_pk_prefix("REQ#ABCD-EFGH")
        .await
        .into_iter()
        .filter(|i| {
            i.get("event")
                .and_then(|e| e.as_m().ok())
                .and_then(|e| e.get("action"))
                .is_some_and(|a| a.as_s().is_ok_and(|a| a == "document_read"))
        })
        .collect();
    assert_eq!(events.len(), 1, "one audited read");
    let event = events[0]["event"].as_m().unwrap();
    assert_eq!(event["actor"].as_s().unwrap(), "officer-7");
    assert!(event["note"].as_s().unwrap().contains(&doc.document_id));

    for (path, status) in [
        ("/requests/ABCD-EFGH/documents/ffff0000", 404),
        ("/requests/ABCD-EFGH/documents/..%2Fetc", 404),
        ("/requests/ZZZZ-ZZZZ/documents/ffff0000", 404),
    ] {
        let response = h
            .http
            .get(h.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
    }
    let anonymous = h
        .http
        .get(h.url(&format!(
            "/requests/ABCD-EFGH/documents/{}",
            doc.document_id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
