//! The audit archive (issue #17): every audit event reaches the documents function on the
//! table's stream and is copied, without personal data, to the Object Lock bucket of the
//! template (`AuditArchiveBucket`), which no function role may delete from. Through the local
//! stack's stream delivery and local IAM, against moto's Object Lock.

use domain::{ResidentId, ServiceCode, TicketId};
use integration_tests::{Harness, seed_submitted};
use serde_json::{Value, json};
use shared::audit_archive::ArchivedAuditEvent;
use shared::objects::S3AuditArchive;
use shared::ports::{AuditArchive, AuditEvent, RequestRepository};
use std::time::{Duration, Instant};

const PHONE: &str = "6281234509876";
const NAME: &str = "Sulastri Wahyuningsih";
const NIK: &str = "1708045501900003";

fn audit_bucket(h: &Harness) -> String {
    h.stack.config.audit_bucket()
}

async fn call(h: &Harness, method: &str, path: &str, token: &str) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = h
        .http
        .request(method, h.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Every archived object (key, bytes of its current version).
async fn archive(h: &Harness) -> Vec<(String, String)> {
    let listing =
        h.s3.list_objects_v2()
            .bucket(audit_bucket(h))
            .send()
            .await
            .unwrap();
    let mut out = Vec::new();
    for object in listing.contents() {
        let key = object.key().unwrap().to_owned();
        let body =
            h.s3.get_object()
                .bucket(audit_bucket(h))
                .key(&key)
                .send()
                .await
                .unwrap()
                .body
                .collect()
                .await
                .unwrap()
                .into_bytes();
        out.push((key, String::from_utf8(body.to_vec()).unwrap()));
    }
    out
}

/// Waits (bounded) until the archive holds an event for which `done` holds.
async fn wait_for(h: &Harness, what: &str, done: impl Fn(&ArchivedAuditEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let found = archive(h).await.iter().any(|(_, body)| {
            serde_json::from_str::<ArchivedAuditEvent>(body).is_ok_and(|event| done(&event))
        });
        if found {
            return;
        }
        assert!(Instant::now() < deadline, "not archived in 15 s: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_officers_read_is_archived_where_no_function_can_delete_it() {
    let h = Harness::start().await;
    seed_submitted(&h, "ARCH-2345", ServiceCode::KkNew, PHONE, NAME, NIK).await;
    let officer = h.token("officer-7", "petugas", "*").await;
    let (status, _) = call(&h, "GET", "/requests/ARCH-2345", &officer).await;
    assert_eq!(status, 200);
    wait_for(&h, "the officer's read", |e| {
        e.actor == "officer-7" && e.ticket.as_str() == "ARCH-2345"
    })
    .await;
    let objects = archive(&h).await;
    let (key, body) = objects
        .iter()
        .find(|(_, body)| body.contains("officer-7"))
        .unwrap()
        .clone();
    assert!(key.starts_with("audit/ARCH-2345/"), "{key}");
    let event: ArchivedAuditEvent = serde_json::from_str(&body).unwrap();
    assert_eq!(event.role, "petugas");
    assert!(!body.contains(PHONE), "{body}");

    // Locked as written, by the bucket's default retention (governance mode).
    let version =
        h.s3.head_object()
            .bucket(audit_bucket(&h))
            .key(&key)
            .send()
            .await
            .unwrap();
    assert_eq!(
        version.object_lock_mode().map(|m| m.as_str()),
        Some("GOVERNANCE")
    );
    let version_id = version.version_id().unwrap().to_owned();

    // The documents role, which writes the archive, may not delete from it (local IAM, as AWS)...
    let documents = shared::aws::s3_client(&h.stack.function_sdks["DocumentsFunction"]);
    for version in [None, Some(version_id.clone())] {
        let refused = documents
            .delete_object()
            .bucket(audit_bucket(&h))
            .key(&key)
            .set_version_id(version)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refused.as_service_error().and_then(|e| e.meta().code()),
            Some("AccessDenied")
        );
    }
    // ...nor read or unlock it; the other two roles may do nothing there at all.
    let refused = documents
        .get_object()
        .bucket(audit_bucket(&h))
        .key(&key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused.as_service_error().and_then(|e| e.meta().code()),
        Some("AccessDenied")
    );
    for function in ["StatusFunction", "WebhookFunction"] {
        let client = shared::aws::s3_client(&h.stack.function_sdks[function]);
        let refused = client
            .delete_object()
            .bucket(audit_bucket(&h))
            .key(&key)
            .version_id(&version_id)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refused.as_service_error().and_then(|e| e.meta().code()),
            Some("AccessDenied"),
            "{function}"
        );
    }
    // And whoever may delete objects (the unchecked client here) is stopped by the lock: the
    // version stays.
    let locked =
        h.s3.delete_object()
            .bucket(audit_bucket(&h))
            .key(&key)
            .version_id(&version_id)
            .send()
            .await;
    assert!(locked.is_err(), "a locked version was deleted");
    assert!(
        archive(&h).await.iter().any(|(k, _)| *k == key),
        "the archived event is gone"
    );
}

#[tokio::test]
async fn archiving_the_same_event_again_writes_nothing_new() {
    let h = Harness::start_without_events().await;
    let documents = shared::aws::s3_client(&h.stack.function_sdks["DocumentsFunction"]);
    let archive_port = S3AuditArchive::new(documents, audit_bucket(&h));
    let event = ArchivedAuditEvent::of(&AuditEvent {
        ticket: TicketId::parse("ARCH-2346").unwrap(),
        event_id: "req-1-view".into(),
        at: time::OffsetDateTime::now_utc(),
        actor: "officer-7".into(),
        role: "petugas".into(),
        action: "viewed".into(),
        from_status: None,
        to_status: None,
        note: None,
        source_ip: None,
        request_id: Some("req-1".into()),
    });
    // A redelivered stream record archives the same event twice: the second PUT is refused by
    // `If-None-Match: *` and counts as done, and no second locked version exists.
    archive_port.archive(&event).await.unwrap();
    archive_port.archive(&event).await.unwrap();
    let versions =
        h.s3.list_object_versions()
            .bucket(audit_bucket(&h))
            .send()
            .await
            .unwrap();
    assert_eq!(versions.versions().len(), 1, "{versions:?}");
    assert_eq!(versions.versions()[0].key(), Some(event.key().as_str()));
}

#[tokio::test]
async fn an_erased_residents_phone_and_words_never_reach_the_archive() {
    let h = Harness::start().await;
    let request = seed_submitted(&h, "ARCH-2347", ServiceCode::KkNew, PHONE, NAME, NIK).await;
    let resident = ResidentId::Phone(PHONE.into());
    // What the webhook records of a resident: their key as actor, their words as the note, and
    // an event id made of the WhatsApp message id.
    h.store()
        .append_audit(&AuditEvent {
            ticket: request.ticket,
            event_id: format!("wamid.HBgN{PHONE}FQIAEhg.0"),
            at: time::OffsetDateTime::now_utc(),
            actor: resident.key(),
            role: "resident".into(),
            action: "message".into(),
            from_status: None,
            to_status: None,
            note: Some(format!("saya {NAME}, nomor {PHONE}")),
            source_ip: None,
            // As the webhook records it: the WhatsApp message id.
            request_id: Some(format!("wamid.HBgN{PHONE}FQIAEhg")),
        })
        .await
        .unwrap();
    let officer = h.token("officer-7", "petugas", "*").await;
    let (status, _) = call(&h, "GET", "/requests/ARCH-2347", &officer).await;
    assert_eq!(status, 200);
    let boss = h.token("boss", "supervisor", "*").await;
    let (status, erased) = call(
        &h,
        "POST",
        &format!("/residents/{}/erase", resident.key()),
        &boss,
    )
    .await;
    assert_eq!(status, 200, "{erased}");
    wait_for(&h, "the erase event", |e| {
        e.action == "erase" || e.actor == "boss"
    })
    .await;
    wait_for(&h, "the resident's message", |e| e.action == "message").await;
    wait_for(&h, "the officer's read", |e| e.actor == "officer-7").await;
    let objects = archive(&h).await;
    for (key, body) in &objects {
        for personal in [PHONE, NAME, "Sulastri", NIK, "saya", "wamid"] {
            assert!(
                !key.contains(personal) && !body.contains(personal),
                "{personal} archived: {key} {body}"
            );
        }
    }
    let message = objects
        .iter()
        .map(|(_, body)| serde_json::from_str::<ArchivedAuditEvent>(body).unwrap())
        .find(|e| e.action == "message")
        .unwrap();
    assert_eq!(message.actor, shared::audit_archive::RESIDENT_ACTOR);
    assert_eq!(json!(message.role), json!("resident"));
}
