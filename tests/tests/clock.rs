//! The local stack's movable clock (`/_local/clock`): time moves forward only, and every part
//! of the stack lives through it (the 24-hour window closes for the functions and the fake Graph
//! API alike, an idle draft starts over, a conversation past its TTL is forgotten, a due date
//! passes).

mod story_support;

use integration_tests::{Harness, LOCAL_ACCESS_TOKEN, Resident};
use serde_json::{Value, json};
use shared::ports::ConversationRepository;
use story_support::*;
use time::{Duration, OffsetDateTime};

async fn clock(h: &Harness) -> Value {
    let response = h.http.get(h.url("/_local/clock")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn move_clock(h: &Harness, body: Value) -> reqwest::Response {
    h.http
        .post(h.url("/_local/clock"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn parse(now: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(
        now.as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

fn about(actual: OffsetDateTime, expected: OffsetDateTime) -> bool {
    (actual - expected).abs() < Duration::seconds(30)
}

#[tokio::test]
async fn the_clock_moves_forward_and_never_back() {
    let h = Harness::start().await;
    let start = clock(&h).await;
    assert_eq!(start["offset_seconds"], 0, "{start}");
    assert!(
        about(parse(&start["now"]), OffsetDateTime::now_utc()),
        "{start}"
    );

    let response = move_clock(&h, json!({"advance_seconds": 90_000})).await;
    assert_eq!(response.status(), 200);
    let moved: Value = response.json().await.unwrap();
    assert_eq!(moved["offset_seconds"], 90_000, "{moved}");
    let later = OffsetDateTime::now_utc() + Duration::seconds(90_000);
    assert!(about(parse(&moved["now"]), later), "{moved}");
    assert!(about(h.now(), later), "the functions read the same clock");

    // Time does not go back, and a body that is not a move changes nothing.
    for refused in [
        json!({"advance_seconds": -1}),
        json!({}),
        json!({"advance_seconds": "1 day"}),
        json!({"advance_seconds": 10, "rewind": true}),
        json!({"advance_seconds": i64::MAX}),
    ] {
        let response = move_clock(&h, refused.clone()).await;
        assert_eq!(response.status(), 400, "{refused}");
    }
    assert_eq!(clock(&h).await["offset_seconds"], 90_000);
    let moved = h.advance_clock(Duration::hours(1)).await;
    assert!(about(moved, later + Duration::hours(1)), "moves add up");
}

#[tokio::test]
async fn after_the_window_closes_an_officer_reaches_the_resident_by_template() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000401");
    let officer = Officer::new(&h).await;
    let ticket = register(&siti, two_slot_service()).await;
    documents_settled(&h, ticket).await;

    let claimed = officer.act(ticket, json!({"action": "claim"})).await;
    assert_eq!(claimed["notification"]["via"], "text", "{claimed}");

    h.advance_clock(Duration::hours(25)).await;
    // The fake Graph API lives on the same clock: a free-form message is refused (131047).
    let free_form = h
        .http
        .post(h.url(&format!(
            "/_local/graph/v25.0/{}/messages",
            local_stack::LOCAL_PHONE_NUMBER_ID
        )))
        .bearer_auth(LOCAL_ACCESS_TOKEN)
        .json(&json!({
            "messaging_product": "whatsapp", "to": siti.phone, "type": "text",
            "text": {"body": "Selamat pagi Bapak/Ibu"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(free_form.status(), 400);
    let error: Value = free_form.json().await.unwrap();
    assert_eq!(error["error"]["code"], 131047, "{error}");

    let before = h.stack.whatsapp.outbox().len();
    let written = officer
        .write(ticket, "Mohon Bapak/Ibu kirim ulang foto KK.")
        .await;
    assert_eq!(written["notification"]["via"], "template", "{written}");
    let sent: Vec<_> = h.stack.whatsapp.outbox()[before..]
        .iter()
        .filter(|m| m.to.as_deref() == Some(siti.phone.as_str()))
        .cloned()
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].r#type, "template");
}

#[tokio::test]
async fn an_idle_draft_starts_over_and_a_conversation_past_its_ttl_is_forgotten() {
    let h = Harness::start().await;
    let ayu = Resident::new(&h, "6281200000402");
    let resident = domain::ResidentId::Phone(ayu.phone.clone());
    ayu.text("menu").await;
    let draft = ticket_in(
        &ayu.choose(&format!("svc:{}", two_slot_service().as_str()))
            .await,
    );

    h.advance_clock(Duration::hours(25)).await;
    let answer = ayu.text("Ayu Lestari").await;
    assert!(
        answer.contains("Sesi percakapan sebelumnya telah berakhir"),
        "{answer}"
    );
    assert!(
        answer.contains(draft.as_str()),
        "the draft is kept: {answer}"
    );
    let kept = h
        .store()
        .get_conversation(&resident, h.now())
        .await
        .unwrap()
        .expect("a conversation");
    assert!(kept.version > 1, "{}", kept.version);

    // 30 days without a message: DynamoDB may not have deleted the item yet, but it is expired,
    // so it is read as absent and the next message starts a conversation anew over it.
    h.advance_clock(Duration::days(31)).await;
    assert!(
        h.store()
            .get_conversation(&resident, h.now())
            .await
            .unwrap()
            .is_none(),
        "expired by the stack's clock"
    );
    assert_eq!(
        h.items_with_pk_prefix(&format!("RES#wa:{}", ayu.phone))
            .await
            .iter()
            .filter(|i| i.get("SK").and_then(|s| s.as_s().ok()).map(String::as_str) == Some("CONV"))
            .count(),
        1,
        "the expired item is still stored (moto, like DynamoDB for up to two days, keeps it)"
    );
    let answer = ayu.text("menu").await;
    assert!(!answer.is_empty(), "the resident is answered");
    let fresh = h
        .store()
        .get_conversation(&resident, h.now())
        .await
        .unwrap()
        .expect("a new conversation");
    assert_eq!(fresh.version, 1, "a new conversation, not the expired one");
    assert!(fresh.draft.is_none(), "{:?}", fresh.draft);
}

#[tokio::test]
async fn a_request_becomes_overdue_when_its_due_date_passes() {
    let h = Harness::start().await;
    let budi = Resident::new(&h, "6281200000403");
    let officer = Officer::new(&h).await;
    let code = two_slot_service();
    let ticket = register(&budi, code).await;

    let overdue = |h: &Harness| {
        let token = officer.token.clone();
        let url = h.url("/requests?status=SUBMITTED&overdue=true");
        let http = h.http.clone();
        async move {
            let page: Value = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i["ticket"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    assert!(!overdue(&h).await.contains(&ticket.as_str().to_owned()));

    // Working days are at most 5 in 7 calendar days; two weeks of holidays to spare.
    let working = i64::from(domain::service(code).max_working_days);
    h.advance_clock(Duration::days(working / 5 * 7 + 7 + 14))
        .await;
    assert!(
        overdue(&h).await.contains(&ticket.as_str().to_owned()),
        "overdue once the due date passed"
    );
    let detail = officer.detail(ticket).await;
    assert_eq!(detail["overdue"], true, "{detail}");
}

#[tokio::test]
async fn a_quoted_notification_leads_to_its_ticket_for_90_days() {
    let h = Harness::start().await;
    let budi = Resident::new(&h, "6281200000404");
    let officer = Officer::new(&h).await;
    budi.text("menu").await;
    budi.choose("svc:CONSULTATION").await;
    let ticket = ticket_in(&budi.text("Syarat pindah domisili apa saja?").await);
    officer
        .write(ticket, "Apakah Bapak/Ibu pindah sekeluarga?")
        .await;
    let detail = officer.detail(ticket).await;
    let sent = detail["notifications"]
        .as_array()
        .and_then(|n| n.last())
        .and_then(|n| n["graph_message_id"].as_str())
        .expect("the notification's message id")
        .to_owned();
    let store = h.store();
    assert_eq!(
        store.ticket_of_outbound(&sent, h.now()).await.unwrap(),
        Some(ticket)
    );
    h.advance_clock(Duration::days(89)).await;
    assert_eq!(
        store.ticket_of_outbound(&sent, h.now()).await.unwrap(),
        Some(ticket)
    );
    h.advance_clock(Duration::days(2)).await;
    assert_eq!(
        store.ticket_of_outbound(&sent, h.now()).await.unwrap(),
        None,
        "past its TTL by the stack's clock, though still stored"
    );
}
