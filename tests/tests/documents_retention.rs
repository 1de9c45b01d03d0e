//! Per-service scan retention (SPEC 8) through the local stack: every object the documents
//! function writes or presigns carries the `retention` tag of its service's class (catalog data),
//! and the bucket, created from template.yaml, expires each class after its own period.

mod documents_support;

use documents_support::*;
use domain::document::{DocumentState, RESULT_SLOT};
use domain::{RequestStatus, ScanRetention, ServiceCode, services};
use integration_tests::Harness;

/// A service of this class that takes attachments (the catalog decides which).
fn service_of(class: ScanRetention) -> (ServiceCode, &'static str) {
    let definition = services()
        .iter()
        .find(|s| s.scan_retention == class && !s.slots.is_empty())
        .unwrap_or_else(|| panic!("a service with {class} retention and a slot"));
    (definition.code, definition.slots[0].id)
}

/// The object's tags, as `key=value` strings.
async fn tags(h: &Harness, key: &str) -> Vec<String> {
    let out =
        h.s3.get_object_tagging()
            .bucket(h.bucket())
            .key(key)
            .send()
            .await
            .unwrap();
    out.tag_set()
        .iter()
        .map(|t| format!("{}={}", t.key(), t.value()))
        .collect()
}

#[tokio::test]
async fn whatsapp_scans_carry_the_retention_tag_of_their_service() {
    let h = Harness::start().await;
    let tickets = ["ABCD-EFGH", "JKLM-NPQR", "STUV-WXYZ"];
    let mut fetched = Vec::new();
    for (class, ticket) in ScanRetention::ALL.into_iter().zip(tickets) {
        let (code, slot) = service_of(class);
        let request = seed_service_request(&h, ticket, code, RequestStatus::Draft).await;
        let photo = jpeg_bytes(40_000);
        let doc = whatsapp_document(&h, &request, slot, &photo, "image/jpeg", None, None).await;
        fetched.push((class, request, doc));
    }
    for (class, request, doc) in &fetched {
        let stored = wait_for_state(&h, request, &doc.document_id, DocumentState::Stored).await;
        let key = stored.key.expect("stored document has a key");
        assert!(key.starts_with("requests/"), "{key}");
        assert_eq!(
            tags(&h, &key).await,
            [format!("retention={class}")],
            "{}",
            request.service
        );
    }
}

#[tokio::test]
async fn a_scan_too_large_for_one_put_is_tagged_through_its_multipart_upload() {
    let h = Harness::start().await;
    let (code, slot) = service_of(ScanRetention::Long);
    let request = seed_service_request(&h, "ABCD-EFGH", code, RequestStatus::Draft).await;
    // Above the adapter's 8 MiB part size: CreateMultipartUpload carries the tags.
    let pdf = pdf_bytes(9 * 1024 * 1024);
    let doc = whatsapp_document(&h, &request, slot, &pdf, "application/pdf", None, None).await;
    let stored = wait_for_state(&h, &request, &doc.document_id, DocumentState::Stored).await;
    let key = stored.key.expect("stored document has a key");
    assert_eq!(
        object_bytes(&h, &key).await.map(|b| b.len()),
        Some(pdf.len())
    );
    assert_eq!(tags(&h, &key).await, ["retention=long"]);
}

/// An upload grant for `slot` of ticket ABCD-EFGH.
async fn grant(h: &Harness, slot: &str, content_type: &str, len: usize) -> serde_json::Value {
    let token = h.token("officer-1", "petugas", "*").await;
    let response = h
        .http
        .post(h.url("/requests/ABCD-EFGH/documents"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "slot": slot, "content_type": content_type, "content_length": len,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// The grant tells the client to send the tag, and the signature covers it (so an upload
/// without it, or with another class, is refused by S3).
fn assert_tag_is_signed(grant: &serde_json::Value, expected: &str) {
    assert_eq!(grant["upload"]["headers"]["x-amz-tagging"], expected);
    let url = reqwest::Url::parse(grant["upload"]["url"].as_str().unwrap()).unwrap();
    let signed = url
        .query_pairs()
        .find(|(k, _)| k == "X-Amz-SignedHeaders")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    assert!(
        signed.split(';').any(|h| h == "x-amz-tagging"),
        "signed headers: {signed}"
    );
}

#[tokio::test]
async fn officer_uploads_carry_the_retention_tag_of_the_service_or_of_results() {
    let h = Harness::start().await;
    let (code, slot) = service_of(ScanRetention::Long);
    let request = seed_service_request(&h, "ABCD-EFGH", code, RequestStatus::Approved).await;

    let cases = [
        (
            slot,
            "image/jpeg",
            jpeg_bytes(30_000),
            "requests/",
            "retention=long",
        ),
        (
            RESULT_SLOT,
            "application/pdf",
            pdf_bytes(20_000),
            "results/",
            "retention=result",
        ),
    ];
    for (slot, content_type, bytes, prefix, tag) in cases {
        let grant = grant(&h, slot, content_type, bytes.len()).await;
        assert_tag_is_signed(&grant, tag);
        put_granted(&h, &grant, bytes).await;
        let id = grant["document_id"].as_str().unwrap();
        let stored = wait_for_state(&h, &request, id, DocumentState::Stored).await;
        let key = stored.key.expect("stored document has a key");
        assert!(key.starts_with(prefix), "{key}");
        assert_eq!(tags(&h, &key).await, [tag]);
    }
}

/// A parameter's default in template.yaml.
fn template_default(name: &str) -> i32 {
    let text = std::fs::read_to_string(local_stack::StackConfig::repo_template()).unwrap();
    let template: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let value = &template["Parameters"][name]["Default"];
    value
        .as_i64()
        .and_then(|v| i32::try_from(v).ok())
        .unwrap_or_else(|| panic!("{name} has a numeric default"))
}

#[tokio::test]
async fn the_bucket_expires_each_retention_class_after_the_template_period() {
    let h = Harness::start_without_events().await;
    let config =
        h.s3.get_bucket_lifecycle_configuration()
            .bucket(h.bucket())
            .send()
            .await
            .unwrap();
    let rules = config.rules();
    let days = |rule: &aws_sdk_s3::types::LifecycleRule| rule.expiration().and_then(|e| e.days());

    for class in ScanRetention::ALL {
        let parameter = match class {
            ScanRetention::Short => "ScanRetentionShortDays",
            ScanRetention::Standard => "ScanRetentionStandardDays",
            ScanRetention::Long => "ScanRetentionLongDays",
        };
        let matching: Vec<_> = rules
            .iter()
            .filter(|r| {
                r.filter().and_then(|f| f.and()).is_some_and(|and| {
                    and.prefix() == Some("requests/")
                        && and.tags().len() == 1
                        && and.tags()[0].key() == "retention"
                        && and.tags()[0].value() == class.as_str()
                })
            })
            .collect();
        assert_eq!(matching.len(), 1, "one rule for {class}: {rules:?}");
        assert_eq!(
            days(matching[0]),
            Some(template_default(parameter)),
            "{class}"
        );
    }

    let by_prefix = |prefix: &str| {
        let found: Vec<_> = rules
            .iter()
            .filter(|r| r.filter().and_then(|f| f.prefix()) == Some(prefix))
            .collect();
        assert_eq!(found.len(), 1, "one prefix-only rule for {prefix}");
        days(found[0])
    };
    // Untagged scans are kept as long as the longest class: a shorter catch-all would cut
    // long-kept scans (S3 applies the shortest matching expiration).
    let long = template_default("ScanRetentionLongDays");
    assert_eq!(by_prefix("requests/"), Some(long));
    assert!(template_default("ScanRetentionStandardDays") <= long);
    assert!(template_default("ScanRetentionShortDays") <= long);
    assert_eq!(
        by_prefix("results/"),
        Some(template_default("ResultRetentionDays"))
    );
}
