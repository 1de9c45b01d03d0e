//! The story of one request, lived through a working week on the local stack's movable clock
//! (`/_local/clock`): Monday a resident submits; Wednesday, their 24-hour window long closed, an
//! officer asks for a revision, which reaches them as a template; they answer and send the
//! corrected scan; Friday the officer approves and uploads the result, which reaches them as a
//! template carrying the document. Every step is audited and nothing is sent twice.

mod documents_support;
mod story_support;

use documents_support::{eventually, pdf_bytes, put_granted, sha256_b64};
use domain::RequestStatus;
use domain::document::DocumentState;
use integration_tests::{Harness, Resident};
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use std::collections::HashSet;
use story_support::*;
use time::{Duration, OffsetDateTime, Time, UtcOffset, Weekday};

/// Jakarta (WIB), where the office and its working days are.
const WIB: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("a valid offset"),
};

/// Moves the stack's clock to the next `weekday` at `hour`:00 in Jakarta (at least a minute on).
async fn until(h: &Harness, weekday: Weekday, hour: u8) -> OffsetDateTime {
    let now = h.now().to_offset(WIB);
    let at = Time::from_hms(hour, 0, 0).unwrap();
    let mut target = now.replace_time(at);
    while target.weekday() != weekday || target - now < Duration::minutes(1) {
        target += Duration::days(1);
    }
    let moved = h.advance_clock(target - now).await.to_offset(WIB);
    assert_eq!(moved.weekday(), weekday);
    moved
}

/// Messages the fake Graph API accepted for `phone`, oldest first.
fn sent_to(h: &Harness, phone: &str) -> Vec<fake_whatsapp::OutboundMessage> {
    h.stack
        .whatsapp
        .outbox()
        .into_iter()
        .filter(|m| m.to.as_deref() == Some(phone))
        .collect()
}

fn template_name(message: &fake_whatsapp::OutboundMessage) -> Option<&str> {
    message.body["template"]["name"].as_str()
}

/// The upload an officer app makes: a grant, then a PUT to its presigned URL.
async fn upload_result(officer: &Officer<'_>, ticket: domain::TicketId, pdf: Vec<u8>) {
    let response = officer
        .h
        .http
        .post(
            officer
                .h
                .url(&format!("/requests/{}/documents", ticket.as_str())),
        )
        .bearer_auth(&officer.token)
        .json(&json!({
            "slot": "result", "content_type": "application/pdf", "content_length": pdf.len()
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let grant: Value = response.json().await.unwrap();
    put_granted(officer.h, &grant, pdf).await;
}

#[tokio::test]
async fn one_request_from_monday_to_friday() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000501");
    let code = two_slot_service();
    let slots: Vec<&str> = domain::service(code)
        .required_slots()
        .map(|s| s.id)
        .collect();

    // Monday: the resident submits.
    until(&h, Weekday::Monday, 9).await;
    let ticket = register(&siti, code).await;
    documents_settled(&h, ticket).await;
    let submitted = h.store().get_request(&ticket).await.unwrap().unwrap();
    assert_eq!(submitted.status, RequestStatus::Submitted);
    let after_monday = sent_to(&h, &siti.phone).len();
    assert!(
        sent_to(&h, &siti.phone)
            .iter()
            .all(|m| m.r#type != "template"),
        "inside the window the conversation is free-form"
    );

    // Wednesday: 49 hours since the resident wrote. The officer's revision request reaches them
    // only as a template.
    until(&h, Weekday::Wednesday, 10).await;
    let officer = Officer::new(&h).await;
    let claimed = officer.act(ticket, json!({"action": "claim"})).await;
    assert_eq!(claimed["notification"]["via"], "template", "{claimed}");
    let revised = officer
        .act(
            ticket,
            json!({"action": "request_revision", "items": [
                {"slot": slots[0], "reason": "foto buram"},
            ]}),
        )
        .await;
    assert_eq!(revised["notification"]["via"], "template", "{revised}");
    assert_eq!(revised["notification"]["state"], "SENT", "{revised}");
    let wednesday: Vec<_> = sent_to(&h, &siti.phone)[after_monday..].to_vec();
    assert_eq!(wednesday.len(), 2, "the claim and the revision, once each");
    assert!(
        wednesday
            .iter()
            .all(|m| template_name(m) == Some("status_update")),
        "approved templates: {:?}",
        wednesday.iter().map(template_name).collect::<Vec<_>>()
    );
    assert!(
        integration_tests::reply_text(&wednesday[1].body).contains(ticket.as_str()),
        "{}",
        wednesday[1].body
    );

    // The resident answers that afternoon (their window opens again) and corrects the scan.
    h.advance_clock(Duration::hours(4)).await;
    let answer = siti.text("Baik, saya kirim ulang fotonya").await;
    assert!(answer.contains(ticket.as_str()), "{answer}");
    let corrected = siti.photo().await;
    assert!(corrected.contains("Kirim perbaikan"), "{corrected}");
    documents_settled(&h, ticket).await;
    let done = siti.press(&format!("resubmit:{}", ticket.as_str())).await;
    assert!(done.contains("kembali masuk antrean"), "{done}");
    let request = h.store().get_request(&ticket).await.unwrap().unwrap();
    assert_eq!(
        request.status,
        RequestStatus::Submitted,
        "the correction was accepted"
    );
    let documents = h.store().documents_of(&ticket).await.unwrap();
    let revised_slot: Vec<_> = documents.iter().filter(|d| d.slot == slots[0]).collect();
    assert_eq!(revised_slot.len(), 2, "the first scan and the correction");
    assert!(
        revised_slot
            .iter()
            .all(|d| d.state == DocumentState::Stored),
        "{revised_slot:?}"
    );
    let after_wednesday = sent_to(&h, &siti.phone).len();

    // Friday: the window closed again. Approval and the result reach the resident as templates,
    // the result with the document itself.
    until(&h, Weekday::Friday, 9).await;
    let officer = Officer::new(&h).await;
    officer.act(ticket, json!({"action": "claim"})).await;
    let approved = officer.act(ticket, json!({"action": "approve"})).await;
    assert_eq!(approved["notification"]["via"], "template", "{approved}");
    let pdf = pdf_bytes(40_000);
    upload_result(&officer, ticket, pdf.clone()).await;
    eventually("the request to be completed", || async {
        h.store()
            .get_request(&ticket)
            .await
            .unwrap()
            .unwrap()
            .status
            == RequestStatus::Completed
    })
    .await;
    let friday: Vec<_> = sent_to(&h, &siti.phone)[after_wednesday..].to_vec();
    let names: Vec<_> = friday.iter().map(template_name).collect();
    assert_eq!(
        names,
        [
            Some("status_update"),
            Some("status_update"),
            Some("result_document")
        ],
        "claim, approval, result"
    );
    let result = &friday[2];
    let header = &result.body["template"]["components"][0];
    assert_eq!(header["type"], "header");
    let link = header["parameters"][0]["document"]["link"]
        .as_str()
        .unwrap();
    let fetched = h.http.get(link).send().await.unwrap();
    assert!(fetched.status().is_success(), "{}", fetched.status());
    assert_eq!(
        sha256_b64(&fetched.bytes().await.unwrap()),
        sha256_b64(&pdf)
    );

    // A day later the retry sweep has nothing left to send.
    h.advance_clock(Duration::days(1)).await;
    let swept = documents::invoke(
        &h.stack.gateway.functions.documents,
        json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}),
    )
    .await
    .unwrap();
    assert_eq!(swept["due"], 0, "{swept}");

    // Nothing was sent twice: every message has its own id, every notification record was sent
    // once, and each one is in the outbox exactly once.
    let all = sent_to(&h, &siti.phone);
    let ids: HashSet<&str> = all.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), all.len());
    let detail = officer.detail(ticket).await;
    let notifications = detail["notifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 5, "{notifications:?}");
    for notification in notifications {
        assert_eq!(notification["state"], "SENT", "{notification}");
        let id = notification["graph_message_id"].as_str().unwrap();
        assert_eq!(
            all.iter().filter(|m| m.id == id).count(),
            1,
            "{notification}"
        );
    }
    let templates = all.iter().filter(|m| m.r#type == "template").count();
    assert_eq!(templates, 5, "two on Wednesday, three on Friday");

    // Everything audited, in order.
    let history: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    let expected = [
        "claim",
        "request_revision",
        "resubmitted",
        "claim",
        "approve",
        "result_delivered",
    ];
    let mut rest = history.iter();
    for step in expected {
        assert!(
            rest.any(|a| *a == step),
            "{step} missing or out of order in {history:?}"
        );
    }
    assert_eq!(detail["status"], "COMPLETED");
}
