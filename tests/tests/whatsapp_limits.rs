//! What the strict fake Graph API refuses or loses, and how the system lives with it as a
//! deployed one must: a paced reply (131056) or a send over the number's throughput (130429) is
//! retried later and arrives once; a send whose answer was lost is sent again (the documented
//! decision: the Graph API has no idempotency key, and a duplicate to the same resident is
//! better than a message never sent).
//!
//! These tests set limits far tighter than Meta's (one message, then one an hour) so that the
//! outcome does not depend on how fast the machine is; the fake's own tests hold Meta's figures.

mod documents_support;
mod story_support;

use documents_support::{eventually, pdf_bytes, put_granted};
use domain::RequestStatus;
use fake_whatsapp::Limits;
use integration_tests::{Harness, Resident, payloads};
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use shared::ports::documents::MediaError;
use shared::ports::officer::{NotificationState, OfficerRepository};
use story_support::*;
use time::Duration;

/// One message to a user, then one more an hour later.
const ONE_AN_HOUR: Limits = Limits {
    pair_burst: 1,
    pair_interval: Duration::hours(1),
    ..Limits::META
};

/// Messages the fake accepted for `phone`.
fn sent_to(h: &Harness, phone: &str) -> Vec<fake_whatsapp::OutboundMessage> {
    h.stack
        .whatsapp
        .outbox()
        .into_iter()
        .filter(|m| m.to.as_deref() == Some(phone))
        .collect()
}

/// Limits the fake to [`ONE_AN_HOUR`] and sends `phone` that one message (inside their window).
async fn spend_pair_rate(h: &Harness, phone: &str) {
    h.stack.whatsapp.set_limits(ONE_AN_HOUR);
    let spend = h
        .http
        .post(h.url(&format!(
            "/_local/graph/v25.0/{}/messages",
            local_stack::LOCAL_PHONE_NUMBER_ID
        )))
        .bearer_auth(integration_tests::LOCAL_ACCESS_TOKEN)
        .json(&json!({
            "messaging_product": "whatsapp", "to": phone,
            "type": "text", "text": {"body": "Pesan lain"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(spend.status(), 200);
}

async fn sweep(h: &Harness) -> Value {
    documents::invoke(
        &h.stack.gateway.functions.documents,
        json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_paced_reply_is_retried_by_metas_redelivery_and_arrives_once() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000601");
    siti.text("halo").await;
    h.stack.whatsapp.set_limits(ONE_AN_HOUR);
    siti.text("menu").await; // the one message this hour
    let before = sent_to(&h, &siti.phone).len();

    let body = payloads::text(&siti.phone, "wamid.PACED.1", "status");
    let paced = h.post_webhook(&body).await;
    assert_eq!(
        paced.status(),
        503,
        "131056 is temporary: Meta retries the delivery"
    );
    assert_eq!(sent_to(&h, &siti.phone).len(), before, "nothing sent yet");

    // Meta's redelivery an hour on (past the reply's lease and the pacing) sends what is owed.
    h.advance_clock(Duration::hours(1)).await;
    assert_eq!(h.post_webhook(&body).await.status(), 200);
    let replies = sent_to(&h, &siti.phone)[before..].to_vec();
    assert_eq!(replies.len(), 1, "{replies:?}");
    // A later redelivery of the same message sends nothing more.
    h.advance_clock(Duration::hours(1)).await;
    assert_eq!(h.post_webhook(&body).await.status(), 200);
    assert_eq!(sent_to(&h, &siti.phone).len(), before + 1);
}

#[tokio::test]
async fn a_paced_notification_waits_for_the_sweep_and_arrives_once() {
    let h = Harness::start().await;
    let budi = Resident::new(&h, "6281200000602");
    let ticket = register(&budi, two_slot_service()).await;
    documents_settled(&h, ticket).await;
    let officer = Officer::new(&h).await;
    let before = sent_to(&h, &budi.phone).len();

    // The resident has had their one message this hour: the claim's notice is paced (131056).
    spend_pair_rate(&h, &budi.phone).await;
    let before = before + 1;

    let claimed = officer.act(ticket, json!({"action": "claim"})).await;
    assert_eq!(claimed["notification"]["state"], "RETRYING", "{claimed}");
    assert_eq!(sent_to(&h, &budi.phone).len(), before);

    // The sweep's first pause is a minute; the pair rate frees a message after an hour.
    h.advance_clock(Duration::minutes(2)).await;
    let report = sweep(&h).await;
    assert_eq!(report["retrying"], 1, "{report}");
    h.advance_clock(Duration::hours(1)).await;
    let report = sweep(&h).await;
    assert_eq!(report["sent"], 1, "{report}");
    h.advance_clock(Duration::hours(2)).await;
    assert_eq!(sweep(&h).await["due"], 0);

    let records = h.store().ticket_records(&ticket).await.unwrap();
    let claim = records
        .notifications
        .iter()
        .find(|n| n.cause == "claim")
        .expect("the claim's notification");
    assert_eq!(claim.state, NotificationState::Sent);
    assert_eq!(sent_to(&h, &budi.phone).len(), before + 1, "once");
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_sent_again() {
    let h = Harness::start().await;
    let ayu = Resident::new(&h, "6281200000603");
    ayu.text("halo").await;
    let before = sent_to(&h, &ayu.phone).len();

    h.stack.whatsapp.lose_next_answers(1);
    let body = payloads::text(&ayu.phone, "wamid.LOST.1", "menu");
    assert_eq!(
        h.post_webhook(&body).await.status(),
        503,
        "an unknown outcome is temporary"
    );
    let sent = sent_to(&h, &ayu.phone)[before..].to_vec();
    assert_eq!(sent.len(), 1, "Meta took the reply");

    // Meta redelivers; the reply is still owed (its wamid never came back) and is sent again:
    // the resident reads the menu twice, which is the documented price of never losing it.
    h.advance_clock(Duration::minutes(1)).await;
    assert_eq!(h.post_webhook(&body).await.status(), 200);
    let sent = sent_to(&h, &ayu.phone)[before..].to_vec();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].body, sent[1].body, "the same reply");
    h.advance_clock(Duration::minutes(1)).await;
    assert_eq!(h.post_webhook(&body).await.status(), 200);
    assert_eq!(
        sent_to(&h, &ayu.phone).len(),
        before + 2,
        "then never again"
    );
}

#[tokio::test]
async fn a_result_whose_answer_was_lost_is_sent_again_and_completes_once() {
    let h = Harness::start().await;
    let request =
        documents_support::seed_request_in(&h, "ABCD-EFGH", RequestStatus::Approved).await;
    let phone = documents_support::RESIDENT;
    let token = h.token("officer-1", "petugas", "*").await;

    h.stack.whatsapp.lose_next_answers(1);
    let pdf = pdf_bytes(30_000);
    let response = h
        .http
        .post(h.url("/requests/ABCD-EFGH/documents"))
        .bearer_auth(&token)
        .json(&json!({
            "slot": "result", "content_type": "application/pdf", "content_length": pdf.len()
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let grant: Value = response.json().await.unwrap();
    put_granted(&h, &grant, pdf).await;
    eventually("the unknown outcome to be recorded", || async {
        h.store()
            .ticket_records(&request.ticket)
            .await
            .unwrap()
            .notifications
            .iter()
            // The record is written before the first send: wait for the attempt's entry.
            .any(|n| {
                n.cause == "result" && n.state == NotificationState::Retrying && !n.log.is_empty()
            })
    })
    .await;
    assert_eq!(sent_to(&h, phone).len(), 1, "Meta took the result");
    let waiting = h
        .store()
        .get_request(&request.ticket)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        waiting.status,
        RequestStatus::Approved,
        "not known to be delivered"
    );

    h.advance_clock(Duration::minutes(2)).await;
    assert_eq!(sweep(&h).await["sent"], 1);
    let done = h
        .store()
        .get_request(&request.ticket)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    h.advance_clock(Duration::hours(3)).await;
    assert_eq!(sweep(&h).await["due"], 0);
    let results: Vec<_> = sent_to(&h, phone)
        .into_iter()
        .filter(|m| m.body["template"]["name"] == "result_document" || m.r#type == "document")
        .collect();
    assert_eq!(results.len(), 2, "sent twice: the first answer was lost");
    let history = h
        .store()
        .ticket_records(&request.ticket)
        .await
        .unwrap()
        .events;
    assert_eq!(
        history
            .iter()
            .filter(|e| e.action == "result_delivered")
            .count(),
        1,
        "delivered once as far as the record goes"
    );
}

#[tokio::test]
async fn a_clock_move_runs_the_scheduled_sweep_at_once() {
    // The template's schedule runs (every real minute); a move of the clock runs it at once.
    let h = Harness::start_with_env(&[("LOCAL_RETRY_SWEEP", "template")]).await;
    let budi = Resident::new(&h, "6281200000604");
    let ticket = register(&budi, two_slot_service()).await;
    documents_settled(&h, ticket).await;
    spend_pair_rate(&h, &budi.phone).await;
    let claimed = Officer::new(&h)
        .await
        .act(ticket, json!({"action": "claim"}))
        .await;
    assert_eq!(claimed["notification"]["state"], "RETRYING", "{claimed}");

    h.advance_clock(Duration::minutes(61)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let records = h.store().ticket_records(&ticket).await.unwrap();
        if records
            .notifications
            .iter()
            .any(|n| n.cause == "claim" && n.state == NotificationState::Sent)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sweep did not run after the move: {:?}",
            records.notifications
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_expired_media_url_is_asked_for_again() {
    let h = Harness::start().await;
    let media = &h.stack.gateway.functions.documents.media;
    let bytes = integration_tests::jpeg_bytes(7);
    let id = h.stack.whatsapp.register_media(bytes.clone(), "image/jpeg");
    let info = media.media_info(&id).await.unwrap();

    // Five minutes on the stack's clock: Meta's URL no longer works.
    h.advance_clock(Duration::minutes(5)).await;
    let expired = media.download(&info.url).await;
    assert!(
        matches!(expired, Err(MediaError::UrlExpired)),
        "a 404 on a download is an expired URL"
    );
    let fresh = media.media_info(&id).await.unwrap();
    assert_ne!(fresh.url, info.url);
    let mut body = media.download(&fresh.url).await.unwrap();
    let mut downloaded = Vec::new();
    while let Some(chunk) = body.next_chunk().await.unwrap() {
        downloaded.extend(chunk);
    }
    assert_eq!(downloaded, bytes);
}
