//! The webhook through the local API Gateway stand-in, against the emulator and the fake Graph
//! API: handshake, signature, exactly-once effects and replies.

use integration_tests::{Harness, LOCAL_VERIFY_TOKEN, fixture};
use shared::ports::StoreError;

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
async fn a_lease_claimed_or_released_twice_after_a_lost_answer_stays_with_its_holder() {
    // The race a fault run once showed as one reply sent twice: delivery X's send fails, X
    // releases its lease but the answer is lost, delivery Y claims the reply and sends it, then
    // the SDK's retry of X's release lands. It must not free Y's lease, or a third delivery
    // claims the reply and sends it again.
    use shared::ports::ConversationRepository;
    let h = Harness::start().await;
    h.stack.whatsapp.fail_next_sends(1, 500, 2);
    assert_eq!(h.post_webhook(&fixture("text.json")).await.status(), 503);
    let store = h.store();
    let wamid = "wamid.TEXT0001";
    let owed = store.owed_replies(wamid).await.expect("owed replies");
    assert_eq!(owed.len(), 1, "the reply is still owed");
    assert_eq!(
        owed[0].lease_until_ms, 0,
        "the failed delivery released its lease"
    );

    let now = time::OffsetDateTime::now_utc();
    let lease = time::Duration::seconds(30);
    let claim = |holder: &'static str, at: time::OffsetDateTime| {
        let store = store.clone();
        async move {
            store
                .claim_reply(wamid, 0, holder, at, at + lease)
                .await
                .expect("claim")
        }
    };
    assert!(claim("x", now).await);
    // The SDK's retry of X's claim, its first answer lost: still X's.
    assert!(claim("x", now).await, "a retried claim is its holder's");
    assert!(!claim("y", now).await, "X holds it");
    // X's lease runs out; Y claims.
    let later = now + lease + time::Duration::seconds(1);
    assert!(claim("y", later).await);

    // X's stale release changes nothing: Y still holds the reply.
    store.release_reply(wamid, 0, "x").await.expect("release");
    assert!(
        !claim("z", later).await,
        "a third delivery must not get the reply Y is sending"
    );
    // Y's own release frees it.
    store.release_reply(wamid, 0, "y").await.expect("release");
    assert!(claim("z", later).await);
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

/// The real store, except that the first `failures` "reply sent" updates find it unavailable, as
/// in an outage that starts right after the Graph API accepted a reply.
struct StoreDownAfterSend {
    store: shared::store::DynamoStore,
    failures: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl shared::ports::ConversationRepository for StoreDownAfterSend {
    async fn get_conversation(
        &self,
        resident: &domain::ResidentId,
        now: time::OffsetDateTime,
    ) -> Result<Option<domain::conversation::Conversation>, StoreError> {
        self.store.get_conversation(resident, now).await
    }
    async fn commit_inbound(
        &self,
        commit: &shared::ports::InboundCommit,
    ) -> Result<shared::ports::CommitOutcome, StoreError> {
        self.store.commit_inbound(commit).await
    }
    async fn get_guard(
        &self,
        guard_id: &str,
    ) -> Result<Option<shared::ports::GuardRecord>, StoreError> {
        self.store.get_guard(guard_id).await
    }
    async fn owed_replies(&self, wamid: &str) -> Result<Vec<shared::ports::OwedReply>, StoreError> {
        self.store.owed_replies(wamid).await
    }
    async fn claim_reply(
        &self,
        wamid: &str,
        seq: u8,
        holder: &str,
        now: time::OffsetDateTime,
        lease_until: time::OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.store
            .claim_reply(wamid, seq, holder, now, lease_until)
            .await
    }
    async fn finish_reply(
        &self,
        wamid: &str,
        seq: u8,
        state: shared::ports::ReplyState,
        graph_message_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let left = self.failures.load(std::sync::atomic::Ordering::SeqCst);
        if left > 0 {
            self.failures
                .store(left - 1, std::sync::atomic::Ordering::SeqCst);
            return Err(StoreError::Unavailable("connection refused".into()));
        }
        self.store
            .finish_reply(wamid, seq, state, graph_message_id)
            .await
    }
    async fn release_reply(&self, wamid: &str, seq: u8, holder: &str) -> Result<(), StoreError> {
        self.store.release_reply(wamid, seq, holder).await
    }
    async fn ticket_of_outbound(
        &self,
        message_id: &str,
        now: time::OffsetDateTime,
    ) -> Result<Option<domain::TicketId>, StoreError> {
        self.store.ticket_of_outbound(message_id, now).await
    }
    async fn record_delivery(
        &self,
        update: &shared::ports::DeliveryUpdate,
    ) -> Result<bool, StoreError> {
        self.store.record_delivery(update).await
    }
    async fn close_window(
        &self,
        resident: &domain::ResidentId,
        at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.store.close_window(resident, at).await
    }
    async fn record_failed_inbound(
        &self,
        wamid: &str,
        resident: Option<&domain::ResidentId>,
        reason: &str,
        at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.store
            .record_failed_inbound(wamid, resident, reason, at)
            .await
    }
}

#[tokio::test]
async fn a_sent_reply_is_recorded_through_a_short_store_outage_and_never_sent_again() {
    // A 1 s lease, so a reply left unrecorded would visibly be sent again by the retries below.
    let h = Harness::start_with_env(&[("WEBHOOK_REPLY_LEASE_SECONDS", "1")]).await;
    let deployed = &h.stack.gateway.functions.webhook;
    let app = webhook::Webhook {
        secrets: deployed.secrets.clone(),
        conversations: std::sync::Arc::new(StoreDownAfterSend {
            store: h.store(),
            failures: std::sync::atomic::AtomicU32::new(3),
        }),
        requests: deployed.requests.clone(),
        services: deployed.services.clone(),
        appointments: deployed.appointments.clone(),
        messenger: deployed.messenger.clone(),
        clock: deployed.clock.clone(),
        reply_lease: deployed.reply_lease,
        idle_expiry: deployed.idle_expiry,
        region: deployed.region.clone(),
        office: deployed.office.clone(),
        holidays: deployed.holidays.clone(),
    };
    let body = fixture("text.json");
    // The handler is called directly, not through the local stack's /webhook: open the
    // resident's window as Meta does when they write.
    h.stack.whatsapp.record_webhook_body(&body);
    let post = || {
        let request = http::Request::builder()
            .method("POST")
            .uri("/webhook")
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                webhook::signature::sign(integration_tests::LOCAL_APP_SECRET.as_bytes(), &body),
            )
            .body(lambda_http::Body::from(body.clone()))
            .expect("request");
        webhook::handle(&app, request)
    };
    let first = post().await.expect("handler answers");
    assert_eq!(first.status(), 200, "recorded after the outage: no retry");
    assert_eq!(h.stack.whatsapp.outbox().len(), 1);

    // Meta's duplicate deliveries, well after the lease: the reply is recorded as sent.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    for _ in 0..2 {
        assert_eq!(post().await.expect("handler answers").status(), 200);
    }
    assert_eq!(h.stack.whatsapp.outbox().len(), 1, "exactly one reply");
}
