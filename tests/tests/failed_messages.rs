//! Inbound messages the webhook could not process for good: recorded without their text or
//! WhatsApp id, listed for regency-wide officers with the sender's tickets, marked handled once
//! (idempotently), expiring after 90 days and deleted with the resident's erasure.

use domain::{Request, RequestStatus, ResidentId, ServiceCode, TicketId};
use integration_tests::Harness;
use serde_json::{Value, json};
use shared::ports::RequestRepository;

const PHONE: &str = "6281298765432";
const WAMID: &str = "wamid.HBgNNjI4MTI5ODc2NTQzMhUCABIYFjNFQjBGQUlMRUQwMDAwMDAwMDAwMDA=";

/// A number change WhatsApp reports without the new number: the webhook cannot act on it and
/// records it as failed for good (200 to Meta, no retry storm).
fn number_change_without_new_number() -> Vec<u8> {
    integration_tests::payloads::number_change_without_new_number(PHONE, WAMID)
}

async fn call(h: &Harness, method: reqwest::Method, token: &str, path: &str) -> (u16, Value) {
    let response = h
        .http
        .request(method, h.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(h: &Harness, token: &str, path: &str) -> (u16, Value) {
    call(h, reqwest::Method::GET, token, path).await
}

async fn post(h: &Harness, token: &str, path: &str) -> (u16, Value) {
    call(h, reqwest::Method::POST, token, path).await
}

#[tokio::test]
async fn failed_messages_are_listed_handled_once_and_erased_with_the_resident() {
    let h = Harness::start().await;
    let resident = ResidentId::Phone(PHONE.into());
    let mut request = Request::open(
        TicketId::parse("KXMS-GABC").unwrap(),
        ServiceCode::KkNew,
        resident.clone(),
        time::OffsetDateTime::now_utc(),
    );
    request.status = RequestStatus::Submitted;
    request.submitted_at = Some(request.created_at);
    h.store().create_request(&request).await.unwrap();

    let response = h.post_webhook(&number_change_without_new_number()).await;
    assert_eq!(
        response.status(),
        200,
        "failed for good: Meta must not retry"
    );
    // A lost answer makes Meta deliver it again: still one record.
    assert_eq!(
        h.post_webhook(&number_change_without_new_number())
            .await
            .status(),
        200
    );

    let officer = h.token("petugas-1", "petugas", "*").await;
    let (status, page) = get(&h, &officer, "/failed-messages").await;
    assert_eq!(status, 200, "{page}");
    let messages = page["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1, "{page}");
    let entry = &messages[0];
    assert_eq!(entry["tickets"], json!(["KXMS-GABC"]), "{entry}");
    assert_eq!(entry["reason"], "number change without both numbers");
    let shown = entry["resident"].as_str().expect("masked sender");
    assert!(
        shown.starts_with("wa:") && !shown.contains(PHONE),
        "{shown}"
    );
    let text = page.to_string();
    assert!(!text.contains("wamid") && !text.contains(PHONE), "{text}");
    assert!(entry.get("handled").is_none());

    // Kept 90 days, in the resident's partition (so erasure reaches it).
    let stored = h.items_with_pk_prefix(&format!("RES#wa:{PHONE}")).await;
    let failed: Vec<_> = stored
        .iter()
        .filter(|i| i["SK"].as_s().is_ok_and(|sk| sk.starts_with("FAILED#")))
        .collect();
    assert_eq!(failed.len(), 1);
    let expires_at: i64 = failed[0]["expires_at"].as_n().unwrap().parse().unwrap();
    let received = time::OffsetDateTime::parse(
        entry["received_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        expires_at,
        (received + time::Duration::days(90)).unix_timestamp()
    );

    // An officer limited to one kecamatan (or to none) cannot see who wrote.
    let limited = h.token("petugas-2", "petugas", "170804").await;
    assert_eq!(get(&h, &limited, "/failed-messages").await.0, 403);
    let unscoped = h.token_without_kecamatan("petugas-4", "petugas").await;
    assert_eq!(get(&h, &unscoped, "/failed-messages").await.0, 403);

    let id = entry["id"].as_str().expect("id").to_owned();
    let (status, marked) = post(&h, &officer, &format!("/failed-messages/{id}/handled")).await;
    assert_eq!(status, 200, "{marked}");
    assert_eq!(marked["handled"]["by"], "petugas-1");
    // Another officer's later tap (or a retry) answers the first mark unchanged.
    let other = h.token("petugas-3", "petugas", "*").await;
    let (status, again) = post(&h, &other, &format!("/failed-messages/{id}/handled")).await;
    assert_eq!(status, 200);
    assert_eq!(again["handled"], marked["handled"]);
    assert_eq!(
        post(
            &h,
            &officer,
            "/failed-messages/1764756900123456-0123456789abcdef/handled"
        )
        .await
        .0,
        404
    );
    assert_eq!(
        post(&h, &officer, "/failed-messages/not-an-id/handled")
            .await
            .0,
        404
    );

    let (_, open) = get(&h, &officer, "/failed-messages").await;
    assert_eq!(open["messages"], json!([]), "{open}");
    let (_, handled) = get(&h, &officer, "/failed-messages?state=handled").await;
    assert_eq!(handled["messages"][0]["id"], id.as_str(), "{handled}");

    let supervisor = h.token("kabid", "supervisor", "*").await;
    let (status, erased) = post(&h, &supervisor, &format!("/residents/wa:{PHONE}/erase")).await;
    assert_eq!(status, 200, "{erased}");
    let (_, handled) = get(&h, &officer, "/failed-messages?state=handled").await;
    assert_eq!(
        handled["messages"],
        json!([]),
        "erased with the resident: {handled}"
    );
}

#[tokio::test]
async fn pages_of_failed_messages_continue_where_the_last_ended() {
    let h = Harness::start().await;
    let store = h.store();
    let start = time::OffsetDateTime::now_utc();
    for i in 0..5i64 {
        let resident = ResidentId::Phone(format!("62812000000{i:02}"));
        shared::ports::ConversationRepository::record_failed_inbound(
            &store,
            &format!("wamid.page{i}"),
            Some(&resident),
            "the engine kept asking for facts",
            start + time::Duration::seconds(i),
        )
        .await
        .unwrap();
    }
    let officer = h.token("petugas-1", "petugas", "*").await;
    let mut seen = Vec::new();
    let mut path = "/failed-messages?limit=2".to_owned();
    loop {
        let (status, page) = get(&h, &officer, &path).await;
        assert_eq!(status, 200, "{page}");
        for m in page["messages"].as_array().unwrap() {
            seen.push(m["received_at"].as_str().unwrap().to_owned());
        }
        match page["next_before"].as_str() {
            Some(before) => path = format!("/failed-messages?limit=2&before={before}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    let mut newest_first = seen.clone();
    newest_first.sort();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
}
