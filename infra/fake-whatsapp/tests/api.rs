//! End-to-end tests of the fake over real HTTP.

use fake_whatsapp::FakeWhatsApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const TOKEN: &str = "test-token";
const PHONE_NUMBER_ID: &str = "109876543210987";

struct Harness {
    fake: FakeWhatsApp,
    base: String,
    // reqwest sends no User-Agent unless asked, which the 403 test relies on.
    client: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        let fake = FakeWhatsApp::new("http://unused.invalid", TOKEN);
        let addr = fake.spawn().await.expect("spawn fake");
        Self {
            fake,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
        }
    }

    async fn send_with_token(&self, token: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/v25.0/{PHONE_NUMBER_ID}/messages", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("send request");
        let status = response.status();
        (status, response.json().await.expect("JSON response"))
    }

    async fn send(&self, body: &Value) -> (StatusCode, Value) {
        self.send_with_token(TOKEN, body).await
    }

    /// Asserts a 400 Graph error whose details name `field`, and that nothing was recorded.
    async fn assert_rejected(&self, body: &Value, field: &str) {
        let before = self.fake.outbox().len();
        let (status, response) = self.send(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{response}");
        assert_eq!(response["error"]["code"], 100, "{response}");
        let details = response["error"]["error_data"]["details"]
            .as_str()
            .expect("details string");
        assert!(
            details.contains(field),
            "details {details:?} should name {field:?}"
        );
        assert_eq!(self.fake.outbox().len(), before);
    }
}

fn text(body: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "text",
        "text": {"body": body}
    })
}

fn buttons(titles: &[&str]) -> Value {
    let buttons: Vec<Value> = titles
        .iter()
        .enumerate()
        .map(
            |(i, title)| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": title}}),
        )
        .collect();
    json!({
        "messaging_product": "whatsapp",
        "to": "6281234567890",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Lanjutkan permohonan?"},
            "action": {"buttons": buttons}
        }
    })
}

fn list(rows: Vec<Value>) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "to": "6281234567890",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "header": {"type": "text", "text": "Layanan Adminduk"},
            "body": {"text": "Pilih layanan"},
            "footer": {"text": "Disdukcapil"},
            "action": {"button": "Lihat layanan", "sections": [{"title": "Layanan", "rows": rows}]}
        }
    })
}

fn row(i: usize) -> Value {
    json!({"id": format!("r{i}"), "title": format!("Layanan {i}"), "description": "Keterangan"})
}

#[tokio::test]
async fn text_send_is_recorded_in_outbox() {
    let h = Harness::start().await;
    let (status, response) = h.send(&text("Halo, permohonan Anda diterima.")).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(
        response,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
            "messages": [{"id": "wamid.OUT1"}]
        })
    );

    let outbox = h.fake.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].id, "wamid.OUT1");
    assert_eq!(outbox[0].phone_number_id, PHONE_NUMBER_ID);
    assert_eq!(outbox[0].to.as_deref(), Some("6281234567890"));
    assert_eq!(outbox[0].recipient, None);
    assert_eq!(outbox[0].r#type, "text");
    assert_eq!(outbox[0].body, text("Halo, permohonan Anda diterima."));
    assert!(
        time::OffsetDateTime::parse(
            &outbox[0].received_at,
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );

    // The same list over the local contract route, oldest first.
    h.send(&buttons(&["Ya", "Tidak"])).await;
    let listed: Vec<fake_whatsapp::OutboundMessage> = h
        .client
        .get(format!("{}/_local/outbox", h.base))
        .send()
        .await
        .expect("outbox request")
        .json()
        .await
        .expect("outbox JSON");
    assert_eq!(listed, h.fake.outbox());
    assert_eq!(listed[1].id, "wamid.OUT2");
    assert_eq!(listed[1].r#type, "interactive");
}

#[tokio::test]
async fn recipient_instead_of_to_is_accepted() {
    let h = Harness::start().await;
    let body = json!({
        "messaging_product": "whatsapp",
        "recipient": "ID.1234567890",
        "type": "text",
        "text": {"body": "Halo"}
    });
    let (status, response) = h.send(&body).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(response["contacts"][0]["input"], "ID.1234567890");
    let outbox = h.fake.outbox();
    assert_eq!(outbox[0].recipient.as_deref(), Some("ID.1234567890"));
    assert_eq!(outbox[0].to, None);
}

#[tokio::test]
async fn unicode_text_of_4096_chars_is_accepted_and_4097_rejected() {
    let h = Harness::start().await;
    // Multi-byte characters: 4096 chars is well over 4096 bytes.
    let ok: String = "é🙂".repeat(2048);
    assert_eq!(ok.chars().count(), 4096);
    let (status, response) = h.send(&text(&ok)).await;
    assert_eq!(status, StatusCode::OK, "{response}");

    h.assert_rejected(&text(&"a".repeat(4097)), "text.body")
        .await;
    assert_eq!(h.fake.outbox().len(), 1);
}

#[tokio::test]
async fn interactive_limits_are_enforced() {
    let h = Harness::start().await;
    h.assert_rejected(
        &buttons(&["A", "B", "C", "D"]),
        "interactive.action.buttons",
    )
    .await;
    h.assert_rejected(&buttons(&["Ya", &"x".repeat(21)]), "buttons[1].reply.title")
        .await;
    h.assert_rejected(&buttons(&[]), "interactive.action.buttons")
        .await;

    h.assert_rejected(&list((0..11).map(row).collect()), "rows")
        .await;
    let mut long_title = row(0);
    long_title["title"] = json!("x".repeat(25));
    h.assert_rejected(&list(vec![long_title]), "rows[0].title")
        .await;
    let mut long_description = row(0);
    long_description["description"] = json!("x".repeat(73));
    h.assert_rejected(&list(vec![row(1), long_description]), "rows[1].description")
        .await;
    let mut long_label = list(vec![row(0)]);
    long_label["interactive"]["action"]["button"] = json!("x".repeat(21));
    h.assert_rejected(&long_label, "interactive.action.button")
        .await;

    // Exactly at every limit is fine.
    let (status, response) = h.send(&buttons(&["x".repeat(20).as_str(), "B", "C"])).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    let mut at_limit: Vec<Value> = (0..10).map(row).collect();
    at_limit[0]["title"] = json!("x".repeat(24));
    at_limit[0]["description"] = json!("x".repeat(72));
    let (status, response) = h.send(&list(at_limit)).await;
    assert_eq!(status, StatusCode::OK, "{response}");
}

#[tokio::test]
async fn malformed_bodies_get_graph_errors() {
    let h = Harness::start().await;
    let response = h
        .client
        .post(format!("{}/v25.0/{PHONE_NUMBER_ID}/messages", h.base))
        .bearer_auth(TOKEN)
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], 100);
    assert!(body["error"]["fbtrace_id"].is_string());

    h.assert_rejected(
        &json!({"messaging_product": "whatsapp", "to": "1", "type": "document", "document": {}}),
        "document.link",
    )
    .await;
    h.assert_rejected(
        &json!({"messaging_product": "whatsapp", "to": "1", "type": "template",
                "template": {"name": "status_update", "language": {}}}),
        "template.language.code",
    )
    .await;
    h.assert_rejected(
        &json!({"to": "1", "text": {"body": "x"}}),
        "messaging_product",
    )
    .await;
    h.assert_rejected(&json!([1, 2, 3]), "body").await;
}

#[tokio::test]
async fn wrong_or_missing_token_is_401_code_190() {
    let h = Harness::start().await;
    let (status, response) = h.send_with_token("wrong", &text("Halo")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(response["error"]["code"], 190);
    assert_eq!(response["error"]["type"], "OAuthException");

    let response = h
        .client
        .post(format!("{}/v25.0/{PHONE_NUMBER_ID}/messages", h.base))
        .json(&text("Halo"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], 190);
    assert!(h.fake.outbox().is_empty());
}

#[tokio::test]
async fn bad_version_segment_is_rejected() {
    let h = Harness::start().await;
    let response = h
        .client
        .post(format!("{}/latest/{PHONE_NUMBER_ID}/messages", h.base))
        .bearer_auth(TOKEN)
        .json(&text("Halo"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(h.fake.outbox().is_empty());
}

#[tokio::test]
async fn injected_failures_record_nothing_then_sends_succeed() {
    let h = Harness::start().await;
    h.fake.fail_next_sends(2, 429, 130429);
    h.fake.fail_next_sends(1, 500, 2);
    h.fake.fail_next_sends(1, 400, 131047);
    h.fake.fail_next_sends(1, 401, 190);

    for (status, code) in [
        (429, 130429),
        (429, 130429),
        (500, 2),
        (400, 131047),
        (401, 190),
    ] {
        let (got_status, response) = h.send(&text("Halo")).await;
        assert_eq!(got_status.as_u16(), status, "{response}");
        let error = &response["error"];
        assert_eq!(error["code"], code, "{response}");
        assert!(error["message"].is_string());
        assert!(error["type"].is_string());
        assert!(error["error_data"]["details"].is_string());
        assert!(error["fbtrace_id"].is_string());
    }
    assert!(h.fake.outbox().is_empty());

    let (status, response) = h.send(&text("Halo")).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(response["messages"][0]["id"], "wamid.OUT1");
    assert_eq!(h.fake.outbox().len(), 1);
}

#[tokio::test]
async fn mark_read_is_accepted_and_does_not_consume_injected_failures() {
    let h = Harness::start().await;
    h.fake.fail_next_sends(1, 500, 1);
    let (status, response) = h
        .send(
            &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(response, json!({"success": true}));
    assert!(h.fake.outbox().is_empty());

    let (status, _) = h.send(&text("Halo")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn media_round_trip() {
    let h = Harness::start().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let response = h
        .client
        .post(format!("{}/_local/media", h.base))
        .header("Content-Type", "application/pdf")
        .body(bytes.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::OK);
    let id = response.json::<Value>().await.expect("JSON")["id"]
        .as_str()
        .expect("id string")
        .to_owned();
    assert!(
        id.len() >= 15 && id.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );

    let metadata: Value = h
        .client
        .get(format!("{}/v25.0/{id}", h.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("metadata")
        .json()
        .await
        .expect("metadata JSON");
    use base64::Engine as _;
    let expected_sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
    assert_eq!(metadata["sha256"], expected_sha);
    assert_eq!(metadata["mime_type"], "application/pdf");
    assert_eq!(metadata["file_size"], bytes.len());
    assert_eq!(metadata["id"], id.as_str());
    assert_eq!(metadata["messaging_product"], "whatsapp");
    let url = metadata["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("{}/_media/{id}", h.base));

    let download = h
        .client
        .get(&url)
        .bearer_auth(TOKEN)
        .header("User-Agent", "adminduk-test/1.0")
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(
        download.bytes().await.expect("bytes").as_ref(),
        bytes.as_slice()
    );

    // Meta rejects downloads without a User-Agent.
    let no_ua = h
        .client
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("download");
    assert_eq!(no_ua.status(), StatusCode::FORBIDDEN);
    let no_token = h
        .client
        .get(&url)
        .header("User-Agent", "adminduk-test/1.0")
        .send()
        .await
        .expect("download");
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_download_is_404_then_the_next_works() {
    let h = Harness::start().await;
    let id = h
        .fake
        .register_media(b"\xff\xd8\xff jpeg".to_vec(), "image/jpeg");
    let url = format!("{}/_media/{id}", h.base);
    h.fake.expire_next_media_downloads(1);

    let get = || {
        h.client
            .get(&url)
            .bearer_auth(TOKEN)
            .header("User-Agent", "adminduk-test/1.0")
            .send()
    };
    let expired = get().await.expect("download");
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    let fresh = get().await.expect("download");
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(fresh.headers()["content-type"], "image/jpeg");
    assert_eq!(
        fresh.bytes().await.expect("bytes").as_ref(),
        b"\xff\xd8\xff jpeg"
    );
}

#[tokio::test]
async fn unknown_media_is_404_code_100() {
    let h = Harness::start().await;
    let response = h
        .client
        .get(format!("{}/v25.0/999", h.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("metadata");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], 100);
}

#[tokio::test]
async fn local_media_requires_content_type() {
    let h = Harness::start().await;
    let response = h
        .client
        .post(format!("{}/_local/media", h.base))
        .body(vec![1u8, 2, 3])
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON error");
    assert!(body["error"]["message"].is_string());
}

#[tokio::test]
async fn local_media_accepts_bodies_over_the_axum_default_limit() {
    let h = Harness::start().await;
    let bytes = vec![7u8; 5 * 1024 * 1024];
    let response = h
        .client
        .post(format!("{}/_local/media", h.base))
        .header("Content-Type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn graph_router_can_be_nested_under_a_prefix() {
    let fake = FakeWhatsApp::new("http://placeholder", TOKEN);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    fake.set_public_base_url(format!("http://{addr}/_local/graph/"));
    let app = axum::Router::new()
        .nest("/_local/graph", fake.graph_router())
        .merge(fake.local_router());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let id = fake.register_media(b"hello".to_vec(), "text/plain");
    let client = reqwest::Client::new();
    let metadata: Value = client
        .get(format!("http://{addr}/_local/graph/v25.0/{id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("metadata")
        .json()
        .await
        .expect("JSON");
    let url = metadata["url"].as_str().expect("url");
    assert_eq!(url, format!("http://{addr}/_local/graph/_media/{id}"));
    let body = client
        .get(url)
        .bearer_auth(TOKEN)
        .header("User-Agent", "t")
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(body.as_ref(), b"hello");
}

#[tokio::test]
async fn clear_forgets_everything_but_never_reuses_ids() {
    let h = Harness::start().await;
    h.send(&text("a")).await;
    let old_media = h.fake.register_media(vec![1], "image/png");
    h.fake.fail_next_sends(1, 500, 1);
    h.fake.clear();
    assert!(h.fake.outbox().is_empty());

    let (status, response) = h.send(&text("b")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(response["messages"][0]["id"], "wamid.OUT2");
    let new_media = h.fake.register_media(vec![2], "image/png");
    assert_ne!(old_media, new_media);
}
