//! The bucket is versioned, so a key names whatever was written last (issue #17): validation
//! reads the version the S3 event names, the document records that version, downloads and the
//! result sent to the resident sign it, and a result is delivered once per validated version.
//! Against moto's versioning; S3 events are handed to the documents function directly so the
//! order of versions and events is the test's.

mod documents_support;

use documents_support::*;
use domain::RequestStatus;
use domain::document::DocumentState;
use integration_tests::Harness;
use serde_json::{Value, json};

const TICKET: &str = "ABCD-EFGH";

async fn grant(h: &Harness, token: &str, len: usize) -> Value {
    let response = h
        .http
        .post(h.url(&format!("/requests/{TICKET}/documents")))
        .bearer_auth(token)
        .json(&json!({
            "slot": "result", "content_type": "application/pdf", "content_length": len,
            "filename": "hasil.pdf"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// The current version of `key`.
async fn current_version(h: &Harness, key: &str) -> String {
    h.s3.head_object()
        .bucket(h.bucket())
        .key(key)
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned()
}

/// Writes `bytes` as a new version of `key` (outside the grant: a principal with its own S3
/// access), returning the version.
async fn overwrite(h: &Harness, key: &str, bytes: Vec<u8>) -> String {
    h.s3.put_object()
        .bucket(h.bucket())
        .key(key)
        .body(bytes.into())
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned()
}

/// What S3 notifies for one new version of `key`.
fn created(h: &Harness, key: &str, version: &str) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "ap-southeast-3",
        "eventTime": "2026-12-03T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "local"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"}, "responseElements": {},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "local",
            "bucket": {"name": h.bucket(), "ownerIdentity": {"principalId": "local"},
                "arn": format!("arn:aws:s3:::{}", h.bucket())},
            "object": {"key": key, "size": 1, "eTag": "e", "versionId": version, "sequencer": "01"}},
    }]})
}

async fn notify_s3(h: &Harness, key: &str, version: &str) {
    documents::invoke(
        &h.stack.gateway.functions.documents,
        created(h, key, version),
    )
    .await
    .unwrap();
}

async fn fetch(h: &Harness, url: &str) -> Vec<u8> {
    let response = h.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn the_validated_version_is_what_is_signed_and_delivered_once() {
    let h = Harness::start_without_events().await;
    let request = seed_request_in(&h, TICKET, RequestStatus::Approved).await;
    // Inside the 24-hour window the result goes as a document message with a link.
    integration_tests::Resident::new(&h, RESIDENT)
        .text("selamat pagi")
        .await;
    let token = h.token("officer-1", "petugas", "*").await;
    let pdf = pdf_bytes(60_000);
    let grant = grant(&h, &token, pdf.len()).await;
    let id = grant["document_id"].as_str().unwrap().to_owned();
    let key = format!("results/{TICKET}/{id}.pdf");
    put_granted(&h, &grant, pdf.clone()).await;
    let validated = current_version(&h, &key).await;
    // Before its event is handled, other bytes land under the key: the current version is no
    // longer the uploaded one. Validation must read the version its event names.
    let later = overwrite(&h, &key, b"not a pdf at all".to_vec()).await;
    notify_s3(&h, &key, &validated).await;

    let stored = document(&h, &request, &id).await;
    assert_eq!(
        (stored.state, stored.failure.as_deref()),
        (DocumentState::Stored, None)
    );
    assert_eq!(stored.version_id.as_deref(), Some(validated.as_str()));
    assert_eq!(stored.sha256.as_deref(), Some(sha256_b64(&pdf).as_str()));

    // The resident's link names the validated version and serves its bytes.
    let outbox = h.stack.whatsapp.outbox();
    let sent: Vec<_> = outbox.iter().filter(|m| m.r#type == "document").collect();
    assert_eq!(sent.len(), 1);
    let link = sent[0].body["document"]["link"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(link.contains(&format!("versionId={validated}")), "{link}");
    assert_eq!(sha256_b64(&fetch(&h, &link).await), sha256_b64(&pdf));

    // So does an officer's download.
    let response = h
        .http
        .get(h.url(&format!("/requests/{TICKET}/documents/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let url = body["url"]
        .as_str()
        .or_else(|| body["download"]["url"].as_str())
        .unwrap_or_else(|| panic!("no URL in {body}"))
        .to_owned();
    assert!(url.contains(&format!("versionId={validated}")), "{url}");
    assert_eq!(sha256_b64(&fetch(&h, &url).await), sha256_b64(&pdf));

    // The later version's own event: not validated, not delivered, and not kept.
    notify_s3(&h, &key, &later).await;
    // A redelivery of the validated version's event sends nothing either.
    notify_s3(&h, &key, &validated).await;
    let outbox = h.stack.whatsapp.outbox();
    assert_eq!(
        outbox.iter().filter(|m| m.r#type == "document").count(),
        1,
        "the result was delivered once"
    );
    let versions = versions_under(&h, &format!("results/{TICKET}/")).await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(current_version(&h, &key).await, validated);
    assert_eq!(
        document(&h, &request, &id).await.version_id.as_deref(),
        Some(validated.as_str())
    );
}
