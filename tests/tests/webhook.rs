//! The webhook through the local API Gateway stand-in, against the emulator and the fake Graph
//! API: handshake, signature, exactly-once effects and replies.

use integration_tests::{Harness, LOCAL_VERIFY_TOKEN, fixture};

#[tokio::test]
async fn handshake_echoes_the_challenge_only_for_the_right_token() {
    let h = Harness::start().await;
    let ok = h
        .http
        .get(h.url(&format!(
            "/webhook?hub.mode=subscribe&hub.verify_token={LOCAL_VERIFY_TOKEN}&hub.challenge=1158201444"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");

    let wrong = h
        .http
        .get(h.url("/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let missing = h.http.get(h.url("/webhook")).send().await.unwrap();
    assert_eq!(missing.status(), 403);
}

#[tokio::test]
async fn a_signed_text_is_stored_once_and_answered_with_the_menu_once() {
    let h = Harness::start().await;
    let body = fixture("text.json");

    let first = h.post_webhook(&body).await;
    assert_eq!(first.status(), 200);
    let outbox = h.stack.whatsapp.outbox();
    assert_eq!(outbox.len(), 1, "one reply");
    assert_eq!(outbox[0].to.as_deref(), Some("6281234567890"));
    assert_eq!(outbox[0].r#type, "interactive");
    assert_eq!(outbox[0].body["interactive"]["type"], "list");
    let body_text = outbox[0].body["interactive"]["body"]["text"]
        .as_str()
        .unwrap();
    assert!(body_text.contains("Siti Aminah"), "greets by profile name");
    let items_after_first = h.items().await.len();
    assert!(
        !h.items_with_pk_prefix("WAMID#wamid.TEXT0001")
            .await
            .is_empty()
    );
    assert_eq!(
        h.items_with_pk_prefix("RES#wa:6281234567890").await.len(),
        1
    );

    // The finished reply keeps its outcome but not the resident's number or the text.
    let reply = h.items_with_pk_prefix("WAMID#wamid.TEXT0001").await;
    let reply = reply
        .iter()
        .find(|i| i["SK"].as_s().is_ok_and(|sk| sk.starts_with("REPLY#")))
        .expect("reply record");
    let owed = reply["owed"].as_m().unwrap();
    assert_eq!(owed["state"].as_s().unwrap(), "SENT");
    assert!(!owed.contains_key("to") && !owed.contains_key("reply"));

    // Meta retries: same bytes again.
    let again = h.post_webhook(&body).await;
    assert_eq!(again.status(), 200);
    assert_eq!(h.stack.whatsapp.outbox().len(), 1, "no second reply");
    assert_eq!(
        h.items().await.len(),
        items_after_first,
        "nothing new stored"
    );
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_posts_get_401_and_store_nothing() {
    let h = Harness::start().await;
    let body = fixture("text.json");
    let unsigned = h
        .http
        .post(h.url("/webhook"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);

    let wrong = h
        .http
        .post(h.url("/webhook"))
        .header(
            "x-hub-signature-256",
            webhook::signature::sign(b"not-the-secret", &body),
        )
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    // A valid signature over different bytes (re-serialised JSON) must not pass either.
    let mut reserialised: serde_json::Value =
        serde_json::from_slice(&fixture("text_unicode.json")).unwrap();
    reserialised["object"] = "whatsapp_business_account".into();
    let original = fixture("text_unicode.json");
    let tampered = h
        .http
        .post(h.url("/webhook"))
        .header(
            "x-hub-signature-256",
            webhook::signature::sign(integration_tests::LOCAL_APP_SECRET.as_bytes(), &original),
        )
        .body(serde_json::to_vec(&reserialised).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 401);

    assert!(h.items().await.is_empty());
    assert!(h.stack.whatsapp.outbox().is_empty());
}

#[tokio::test]
async fn unicode_escaped_bodies_verify_over_the_exact_bytes() {
    let h = Harness::start().await;
    let response = h.post_webhook(&fixture("text_unicode.json")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(h.stack.whatsapp.outbox().len(), 1);
}

#[tokio::test]
async fn signed_garbage_gets_400_and_stores_nothing() {
    let h = Harness::start().await;
    assert_eq!(h.post_webhook(b"not json").await.status(), 400);
    assert_eq!(
        h.post_webhook(br#"{"object":"page","entry":[]}"#)
            .await
            .status(),
        400
    );
    assert!(h.items().await.is_empty());
}

#[tokio::test]
async fn twenty_concurrent_duplicates_take_effect_once_and_reply_once() {
    let h = Harness::start().await;
    let body = fixture("text.json");
    let responses = futures::future::join_all((0..20).map(|_| h.post_webhook(&body))).await;
    for r in &responses {
        // Losers may be told to retry while the winner still holds the reply lease.
        assert!(
            r.status() == 200 || r.status() == 503,
            "status {}",
            r.status()
        );
    }
    // Meta's retries of the deferred ones.
    for _ in 0..3 {
        assert_eq!(h.post_webhook(&body).await.status(), 200);
    }
    assert_eq!(h.stack.whatsapp.outbox().len(), 1, "exactly one reply");
    assert_eq!(h.items_with_pk_prefix("RES#").await.len(), 1);
}

#[tokio::test]
async fn a_failed_send_is_retried_by_meta_and_then_sent_once() {
    // The production lease (30 s): a send that certainly did not go out gives its lease up, so
    // Meta's very next retry sends the owed reply instead of waiting the lease out.
    let h = Harness::start().await;
    h.stack.whatsapp.fail_next_sends(1, 500, 2);
    let body = fixture("text.json");
    assert_eq!(h.post_webhook(&body).await.status(), 503, "Meta must retry");
    assert!(h.stack.whatsapp.outbox().is_empty());

    assert_eq!(h.post_webhook(&body).await.status(), 200);
    assert_eq!(h.stack.whatsapp.outbox().len(), 1);
    // Later retries find nothing owed: still one reply.
    assert_eq!(h.post_webhook(&body).await.status(), 200);
    assert_eq!(h.stack.whatsapp.outbox().len(), 1);
}

#[tokio::test]
async fn username_only_senders_are_answered_by_recipient_id() {
    let h = Harness::start().await;
    assert_eq!(
        h.post_webhook(&fixture("username_only_sender.json"))
            .await
            .status(),
        200
    );
    let outbox = h.stack.whatsapp.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        outbox[0].recipient.as_deref(),
        Some("ID.99887766554433221100")
    );
    assert_eq!(outbox[0].to, None);
}

#[tokio::test]
async fn every_fixture_is_accepted_with_200() {
    let h = Harness::start().await;
    for name in [
        "audio_voice.json",
        "batch.json",
        "button_template_reply.json",
        "document.json",
        "image.json",
        "interactive_button_reply.json",
        "interactive_list_reply.json",
        "location.json",
        "reaction.json",
        "reaction_removed.json",
        "status_failed.json",
        "statuses.json",
        "sticker.json",
        "system_number_change.json",
        "text.json",
        "text_unicode.json",
        "unsupported.json",
        "username_only_sender.json",
        "value_errors.json",
    ] {
        let response = h.post_webhook(&fixture(name)).await;
        assert_eq!(response.status(), 200, "{name}");
    }
    // Batch: both residents answered.
    let outbox = h.stack.whatsapp.outbox();
    assert!(
        outbox
            .iter()
            .any(|m| m.to.as_deref() == Some("6285200001111"))
    );
}
