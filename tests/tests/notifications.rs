//! Notifications and results that arrive: inside the 24-hour window as free-form messages,
//! outside it as approved templates (the result as a template with a DOCUMENT header), and after
//! temporary WhatsApp failures through the documents function's retry sweep, exactly once.

mod documents_support;

use documents_support::*;
use domain::RequestStatus;
use integration_tests::{Harness, Resident};
use serde_json::{Value, json};
use shared::clock::FixedClock;
use shared::ports::RequestRepository;
use shared::ports::officer::{NotificationState, OfficerRepository};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

async fn act(h: &Harness, token: &str, ticket: &str, body: Value) -> Value {
    let mut body = body;
    body["expected_version"] = detail(h, token, ticket).await["version"].clone();
    let response = h
        .http
        .post(h.url(&format!("/requests/{ticket}/actions")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn detail(h: &Harness, token: &str, ticket: &str) -> Value {
    h.http
        .get(h.url(&format!("/requests/{ticket}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The documents function's retry sweep as EventBridge runs it, `after` from now.
async fn sweep_after(h: &Harness, after: Duration) -> Value {
    let app = h
        .stack
        .gateway
        .functions
        .documents
        .with_clock(Arc::new(FixedClock(OffsetDateTime::now_utc() + after)));
    documents::invoke(
        &app,
        json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}),
    )
    .await
    .unwrap()
}

async fn upload_result(h: &Harness, token: &str, ticket: &str) -> Vec<u8> {
    let pdf = pdf_bytes(60_000);
    let response = h
        .http
        .post(h.url(&format!("/requests/{ticket}/documents")))
        .bearer_auth(token)
        .json(&json!({
            "slot": "result", "content_type": "application/pdf", "content_length": pdf.len()
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let grant: Value = response.json().await.unwrap();
    put_granted(h, &grant, pdf.clone()).await;
    pdf
}

async fn status_of(h: &Harness, ticket: &domain::TicketId) -> RequestStatus {
    h.store().get_request(ticket).await.unwrap().unwrap().status
}

#[tokio::test]
async fn a_status_notification_that_fails_twice_arrives_once() {
    let h = Harness::start().await;
    let request = seed_request_in(&h, "ABCD-EFGH", RequestStatus::Submitted).await;
    let token = h.token("officer-1", "petugas", "*").await;
    let before = h.stack.whatsapp.outbox().len();

    h.stack.whatsapp.fail_next_sends(1, 429, 130429);
    let claimed = act(&h, &token, "ABCD-EFGH", json!({"action": "claim"})).await;
    assert_eq!(claimed["notification"]["state"], "RETRYING", "{claimed}");
    assert_eq!(
        h.stack.whatsapp.outbox().len(),
        before,
        "nothing accepted yet"
    );

    // Not due yet: nothing is sent.
    let report = sweep_after(&h, Duration::seconds(10)).await;
    assert_eq!(report["due"], 0, "{report}");

    h.stack.whatsapp.fail_next_sends(1, 500, 2);
    let report = sweep_after(&h, Duration::minutes(2)).await;
    assert_eq!(report["retrying"], 1, "{report}");
    let report = sweep_after(&h, Duration::minutes(10)).await;
    assert_eq!(report["sent"], 1, "{report}");
    // Nothing is left to send, however often the sweep runs.
    let report = sweep_after(&h, Duration::hours(30)).await;
    assert_eq!(report["due"], 0, "{report}");

    let sent: Vec<_> = h.stack.whatsapp.outbox()[before..]
        .iter()
        .filter(|m| m.to.as_deref() == Some(RESIDENT))
        .cloned()
        .collect();
    assert_eq!(sent.len(), 1, "exactly one message reached the resident");
    let records = h.store().ticket_records(&request.ticket).await.unwrap();
    let record = records
        .notifications
        .iter()
        .find(|n| n.cause == "claim")
        .expect("claim notification");
    assert_eq!(record.state, NotificationState::Sent);
    assert_eq!(record.attempts, 3);
    assert_eq!(record.log.len(), 3, "every attempt stays visible");
    assert!(record.pending.is_none(), "nothing to send kept once sent");
    let shown = detail(&h, &token, "ABCD-EFGH").await;
    let shown = shown["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["cause"] == "claim")
        .unwrap()
        .clone();
    assert!(shown.get("pending").is_none(), "{shown}");
    assert_eq!(shown["log"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_result_outside_the_window_is_a_template_with_the_document() {
    let h = Harness::start().await;
    let request = seed_request_in(&h, "ABCD-EFGH", RequestStatus::Approved).await;
    let token = h.token("officer-1", "petugas", "*").await;
    let pdf = upload_result(&h, &token, "ABCD-EFGH").await;
    eventually("the request to complete", || async {
        status_of(&h, &request.ticket).await == RequestStatus::Completed
    })
    .await;
    let outbox = h.stack.whatsapp.outbox();
    let sent = outbox
        .iter()
        .find(|m| m.r#type == "template" && m.body["template"]["name"] == "result_document")
        .expect("the result template");
    let components = sent.body["template"]["components"].as_array().unwrap();
    let header = &components[0];
    assert_eq!(header["type"], "header");
    let document = &header["parameters"][0]["document"];
    assert_eq!(document["filename"], "KK-ABCD-EFGH.pdf");
    let fetched = h
        .http
        .get(document["link"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha256_b64(&fetched), sha256_b64(&pdf));
    assert_eq!(components[1]["parameters"][0]["text"], "ABCD-EFGH");
    assert!(
        outbox.iter().all(|m| m.r#type != "document"),
        "no free-form document outside the window"
    );
}

#[tokio::test]
async fn a_result_waits_approved_through_failures_and_is_delivered_once() {
    let h = Harness::start().await;
    let request = seed_request_in(&h, "ABCD-EFGH", RequestStatus::Approved).await;
    Resident::new(&h, RESIDENT).text("halo pak").await;
    let token = h.token("officer-1", "petugas", "*").await;
    let before = h.stack.whatsapp.outbox().len();
    h.stack.whatsapp.fail_next_sends(1, 503, 2);
    upload_result(&h, &token, "ABCD-EFGH").await;
    eventually("the failed attempt to be recorded", || async {
        h.store()
            .ticket_records(&request.ticket)
            .await
            .unwrap()
            .notifications
            .iter()
            .any(|n| {
                n.cause == "result" && n.state == NotificationState::Retrying && !n.log.is_empty()
            })
    })
    .await;
    assert_eq!(
        status_of(&h, &request.ticket).await,
        RequestStatus::Approved
    );
    let shown = detail(&h, &token, "ABCD-EFGH").await;
    assert!(
        shown["result_undelivered"]
            .as_str()
            .is_some_and(|r| r.contains("temporarily")),
        "ready, not delivered, with the reason: {shown}"
    );

    let report = sweep_after(&h, Duration::minutes(2)).await;
    assert_eq!(report["sent"], 1, "{report}");
    assert_eq!(
        status_of(&h, &request.ticket).await,
        RequestStatus::Completed
    );
    sweep_after(&h, Duration::hours(2)).await;
    let results: Vec<_> = h.stack.whatsapp.outbox()[before..]
        .iter()
        .filter(|m| m.r#type == "document" || m.body["template"]["name"] == "result_document")
        .cloned()
        .collect();
    assert_eq!(results.len(), 1, "the result reached the resident once");
    let shown = detail(&h, &token, "ABCD-EFGH").await;
    assert!(shown.get("result_undelivered").is_none());
    let history: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        history.iter().filter(|a| **a == "result_delivered").count(),
        1,
        "{history:?}"
    );
}
