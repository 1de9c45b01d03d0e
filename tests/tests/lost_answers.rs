//! A `TransactWriteItems` that committed but whose answer was lost (the deployed SDK gives an
//! attempt 2 s, then retries): the retry carries the same `ClientRequestToken`, and DynamoDB (the
//! local stack's `idempotency` layer in front of moto) answers it as the first. Without the token,
//! the retry fails its own conditions: the webhook reads its message as a duplicate and never
//! replies, the officer gets 409 for a change that was saved and the resident hears nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::{RequestStatus, ServiceCode, TicketId};
use integration_tests::{Harness, fixture};
use local_stack::idempotency;
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use time::OffsetDateTime;

const PHONE: &str = "6281234567890";

#[tokio::test]
async fn a_message_whose_commit_answer_was_lost_is_answered_once_and_not_read_as_a_duplicate() {
    let h = Harness::start().await;
    idempotency::lose_next_transact_answer(h.table());
    let body = fixture("text.json");

    let response = h.post_webhook(&body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(idempotency::lost_answers(h.table()), 1, "the fault fired");
    assert_eq!(
        idempotency::replayed_answers(h.table()),
        1,
        "the SDK's retry was answered from the token"
    );
    let outbox = h.stack.whatsapp.outbox();
    assert_eq!(outbox.len(), 1, "exactly one reply: {outbox:?}");
    assert_eq!(outbox[0].to.as_deref(), Some(PHONE));

    // The state advanced once: a new conversation at its first version, one dedupe record, one
    // reply, sent.
    let conversation = h.items_with_pk_prefix(&format!("RES#wa:{PHONE}")).await;
    assert_eq!(conversation.len(), 1);
    assert_eq!(conversation[0]["version"], AttributeValue::N("1".into()));
    let records = h.items_with_pk_prefix("WAMID#wamid.TEXT0001").await;
    let replies: Vec<_> = records
        .iter()
        .filter(|i| i["SK"].as_s().is_ok_and(|sk| sk.starts_with("REPLY#")))
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(
        replies[0]["owed"].as_m().unwrap()["state"],
        AttributeValue::S("SENT".into())
    );

    // Meta's own retry of the delivery is a duplicate, as before.
    assert_eq!(h.post_webhook(&body).await.status(), 200);
    assert_eq!(h.stack.whatsapp.outbox().len(), 1, "no second reply");
}

/// A request as the webhook leaves it once the resident submitted it.
async fn seed(h: &Harness, ticket: &str) {
    integration_tests::seed_submitted(
        h,
        ticket,
        ServiceCode::KkNew,
        PHONE,
        "Siti Aminah",
        "1708014508900001",
    )
    .await;
}

/// The resident writes now (opens WhatsApp's 24-hour window), through the real webhook.
async fn resident_writes(h: &Harness) {
    let mut payload: Value = serde_json::from_slice(&fixture("text.json")).unwrap();
    let message = &mut payload["entry"][0]["changes"][0]["value"]["messages"][0];
    message["timestamp"] = json!(OffsetDateTime::now_utc().unix_timestamp().to_string());
    let response = h.post_webhook(&serde_json::to_vec(&payload).unwrap()).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_officer_action_whose_answer_was_lost_succeeds_and_notifies_once() {
    let h = Harness::start().await;
    resident_writes(&h).await;
    seed(&h, "LATE-2345").await;
    let token = h.token("officer-1", "petugas", "*").await;
    let about_ticket = || {
        h.stack
            .whatsapp
            .outbox()
            .into_iter()
            .filter(|m| m.body.to_string().contains("LATE-2345"))
            .count()
    };
    assert_eq!(about_ticket(), 0);

    idempotency::lose_next_transact_answer(h.table());
    let response = h
        .http
        .post(h.url("/requests/LATE-2345/actions"))
        .bearer_auth(&token)
        .json(&json!({"action": "claim", "expected_version": 1}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(idempotency::lost_answers(h.table()), 1, "the fault fired");
    assert_eq!(status, 200, "the saved change is a success: {body}");
    assert_eq!(body["status"], "IN_REVIEW");
    assert_eq!(body["version"], 2);
    assert_eq!(about_ticket(), 1, "the resident is told once");

    let stored = h
        .store()
        .get_request(&TicketId::parse("LATE-2345").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2, "changed once");
    assert_eq!(stored.status, RequestStatus::InReview);
    let claims = h
        .items_with_pk_prefix("REQ#LATE-2345")
        .await
        .into_iter()
        .filter(|i| {
            i["SK"].as_s().is_ok_and(|sk| sk.starts_with("EVT#"))
                && i["event"]
                    .as_m()
                    .is_ok_and(|e| e.get("action") == Some(&AttributeValue::S("claim".into())))
        })
        .count();
    assert_eq!(claims, 1, "one audit event");
}
