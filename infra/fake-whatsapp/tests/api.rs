//! End-to-end tests of the fake over real HTTP.

use fake_whatsapp::FakeWhatsApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const TOKEN: &str = "test-token";
const PHONE_NUMBER_ID: &str = "109876543210987";
/// The resident most tests write to; `Harness::start` opens their 24-hour window.
const RESIDENT: &str = "6281234567890";
const PAIR_RATE: &str = "(#131056) (Business Account, Consumer Account) pair rate limit hit";
/// A resident who never wrote to the business.
const STRANGER: &str = "6289999999999";

struct Harness {
    fake: FakeWhatsApp,
    base: String,
    // reqwest sends no User-Agent unless asked, which the 403 test relies on.
    client: reqwest::Client,
}

impl Harness {
    /// A fake to which `RESIDENT` has just written (free-form messages may reach them).
    async fn start() -> Self {
        let h = Self::start_without_inbound().await;
        h.fake.record_inbound(RESIDENT);
        h
    }

    /// A fake to which nobody has written.
    async fn start_without_inbound() -> Self {
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

    /// Asserts that Meta's own refusal `code` comes back with `status` and `message`, and that
    /// nothing was recorded.
    async fn assert_refused(&self, body: &Value, status: u16, code: i64, message: &str) -> Value {
        let before = self.fake.outbox().len();
        let (got, response) = self.send(body).await;
        assert_eq!(got.as_u16(), status, "{response}");
        let error = &response["error"];
        assert_eq!(error["code"], code, "{response}");
        assert_eq!(error["message"], message, "{response}");
        assert_eq!(error["type"], "OAuthException", "{response}");
        assert!(error["error_data"]["details"].is_string(), "{response}");
        assert!(error["fbtrace_id"].is_string(), "{response}");
        assert_eq!(self.fake.outbox().len(), before, "nothing recorded");
        response
    }

    /// The download URL the media endpoint hands out for `id`.
    async fn media_url(&self, id: &str) -> String {
        let metadata: Value = self
            .client
            .get(format!("{}/v25.0/{id}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("metadata")
            .json()
            .await
            .expect("metadata JSON");
        metadata["url"].as_str().expect("url").to_owned()
    }

    async fn download(&self, url: &str) -> StatusCode {
        self.client
            .get(url)
            .bearer_auth(TOKEN)
            .header("User-Agent", "adminduk-test/1.0")
            .send()
            .await
            .expect("download")
            .status()
    }

    /// Reads "now" from a clock the test moves (as the local stack's `/_local/clock` does).
    fn movable_clock(&self) -> Arc<AtomicI64> {
        let offset = Arc::new(AtomicI64::new(0));
        let read = offset.clone();
        self.fake.set_clock(move || {
            time::OffsetDateTime::now_utc() + time::Duration::seconds(read.load(Ordering::SeqCst))
        });
        offset
    }

    async fn assert_sent(&self, body: &Value) {
        let (status, response) = self.send(body).await;
        assert_eq!(status, StatusCode::OK, "{response}");
        assert!(response["messages"][0]["id"].is_string(), "{response}");
    }
}

fn text(body: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": RESIDENT,
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
        "to": RESIDENT,
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
        "to": RESIDENT,
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
    h.fake.record_inbound("ID.1234567890");
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
    assert!(
        url.starts_with(&format!("{}/_media/{id}?mid=", h.base)),
        "{url}"
    );

    // Only a URL the media endpoint handed out downloads anything.
    let guessed = h
        .client
        .get(format!("{}/_media/{id}", h.base))
        .bearer_auth(TOKEN)
        .header("User-Agent", "adminduk-test/1.0")
        .send()
        .await
        .expect("download");
    assert_eq!(guessed.status(), StatusCode::NOT_FOUND);

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
    let url = h.media_url(&id).await;
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
    assert!(
        url.starts_with(&format!("http://{addr}/_local/graph/_media/{id}?mid=")),
        "{url}"
    );
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

    // The resident's window survives `clear`.
    let (status, response) = h.send(&text("b")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(response["messages"][0]["id"], "wamid.OUT2");
    let new_media = h.fake.register_media(vec![2], "image/png");
    assert_ne!(old_media, new_media);
}

// The 24-hour customer-service window and the approved templates: what Meta refuses by itself.

const RE_ENGAGEMENT: &str = "(#131047) Re-engagement message";
const NO_TEMPLATE: &str = "(#132001) Template name does not exist in the translation";
const PARAM_COUNT: &str =
    "(#132000) Number of parameters does not match the expected number of params";
const PARAM_FORMAT: &str =
    "(#132012) Parameter format does not match format in the created template";
const PARAM_TEXT: &str = "(#132018) There was an issue with the parameters in your template";

fn text_to(to: &str, body: &str) -> Value {
    let mut message = text(body);
    message["to"] = json!(to);
    message
}

fn template_to(to: &str, name: &str, language: &str, components: Value) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components}
    })
}

fn body_params(params: &[&str]) -> Value {
    let parameters: Vec<Value> = params
        .iter()
        .map(|p| json!({"type": "text", "text": p}))
        .collect();
    json!({"type": "body", "parameters": parameters})
}

fn document_header(document: Value) -> Value {
    json!({"type": "header", "parameters": [{"type": "document", "document": document}]})
}

/// A status update as the application sends it (`shared::whatsapp::graph::encode_template`).
fn status_update(to: &str, params: &[&str]) -> Value {
    template_to(to, "status_update", "id", json!([body_params(params)]))
}

/// The finished document as the application sends it outside the window.
fn result_document(to: &str, header: Option<Value>, params: &[&str]) -> Value {
    let mut components: Vec<Value> = header.into_iter().collect();
    components.push(body_params(params));
    template_to(to, "result_document", "id", Value::Array(components))
}

fn pdf_link() -> Value {
    json!({"link": "https://bucket.example/requests/ABCD-EFGH/result.pdf?X-Amz-Signature=f",
           "filename": "KK-ABCD-EFGH.pdf"})
}

/// A webhook body as Meta delivers it: one phone sender and one username-only sender.
fn webhook_body(phone: &str, user_id: &str) -> Vec<u8> {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "310000000000001",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "6282100000001",
                                 "phone_number_id": PHONE_NUMBER_ID},
                    "contacts": [{"profile": {"name": "Siti"}, "wa_id": phone},
                                 {"profile": {"name": "Budi"}, "user_id": user_id}],
                    "messages": [
                        {"from": phone, "id": "wamid.IN1", "timestamp": "1780016580",
                         "type": "text", "text": {"body": "halo"}},
                        {"from_user_id": user_id, "id": "wamid.IN2", "timestamp": "1780016581",
                         "type": "text", "text": {"body": "menu"}}
                    ]
                }
            }]
        }]
    });
    serde_json::to_vec(&body).expect("JSON")
}

#[tokio::test]
async fn free_form_to_a_user_who_never_wrote_is_131047_and_records_nothing() {
    let h = Harness::start_without_inbound().await;
    let response = h
        .assert_refused(&text_to(STRANGER, "Halo"), 400, 131047, RE_ENGAGEMENT)
        .await;
    assert!(
        response["error"]["error_data"]["details"]
            .as_str()
            .is_some_and(|d| d.contains("24 hours")),
        "{response}"
    );
    // Every kind of non-template message needs the window, by phone number or by user id.
    let mut interactive = buttons(&["Ya", "Tidak"]);
    interactive["to"] = json!(STRANGER);
    h.assert_refused(&interactive, 400, 131047, RE_ENGAGEMENT)
        .await;
    let document = json!({"messaging_product": "whatsapp", "to": STRANGER, "type": "document",
                          "document": pdf_link()});
    h.assert_refused(&document, 400, 131047, RE_ENGAGEMENT)
        .await;
    let by_user_id = json!({"messaging_product": "whatsapp", "recipient": "ID.555",
                            "type": "text", "text": {"body": "Halo"}});
    h.assert_refused(&by_user_id, 400, 131047, RE_ENGAGEMENT)
        .await;

    // A read receipt is not a message: it needs no window.
    let (status, response) = h
        .send(
            &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert!(h.fake.outbox().is_empty());
}

#[tokio::test]
async fn inside_the_window_free_form_is_accepted_whatever_the_number_format() {
    let h = Harness::start_without_inbound().await;
    h.fake.record_inbound("+62 812-3456-7890");
    h.assert_sent(&text_to("6281234567890", "Halo")).await;
    h.assert_sent(&text_to("+6281234567890", "Halo")).await;
    assert_eq!(h.fake.outbox().len(), 2);
    // Someone else's window is theirs.
    h.assert_refused(&text_to(STRANGER, "Halo"), 400, 131047, RE_ENGAGEMENT)
        .await;
}

#[tokio::test]
async fn a_webhook_body_opens_the_window_of_every_sender() {
    let h = Harness::start_without_inbound().await;
    h.fake
        .record_webhook_body(&webhook_body(STRANGER, "ID.99887766554433221100"));
    h.assert_sent(&text_to(STRANGER, "Halo")).await;
    h.assert_sent(
        &json!({"messaging_product": "whatsapp", "recipient": "ID.99887766554433221100",
                          "type": "text", "text": {"body": "Halo"}}),
    )
    .await;

    // Statuses are not messages from the user; bodies that are not webhooks record nothing and
    // never fail.
    let statuses = json!({"object": "whatsapp_business_account", "entry": [{"changes": [{
        "field": "messages", "value": {"statuses": [{"id": "wamid.OUT1", "status": "delivered",
        "recipient_id": "6287777777777", "timestamp": "1780016580"}]}}]}]});
    h.fake
        .record_webhook_body(&serde_json::to_vec(&statuses).expect("JSON"));
    for garbage in [
        &b"{not json"[..],
        b"",
        b"[]",
        b"{\"entry\": 3}",
        b"{\"entry\": [{\"changes\": [{\"value\": {\"messages\": [{\"from\": 7}, 1]}}]}]}",
    ] {
        h.fake.record_webhook_body(garbage);
    }
    h.assert_refused(
        &text_to("6287777777777", "Halo"),
        400,
        131047,
        RE_ENGAGEMENT,
    )
    .await;
}

#[tokio::test]
async fn an_aged_window_is_refused_and_a_new_message_reopens_it() {
    let h = Harness::start_without_inbound().await;
    let now = time::OffsetDateTime::now_utc();
    h.fake
        .record_inbound_at(RESIDENT, now - time::Duration::hours(23));
    h.assert_sent(&text("Masih dalam 24 jam")).await;

    h.fake
        .record_inbound_at(RESIDENT, now - time::Duration::hours(24));
    h.assert_refused(&text("Lewat 24 jam"), 400, 131047, RE_ENGAGEMENT)
        .await;
    // Outside the window only a template reaches the resident.
    h.assert_sent(&status_update(
        RESIDENT,
        &["ABCD-EFGH", "Permohonan disetujui."],
    ))
    .await;

    h.fake.record_inbound(RESIDENT);
    h.assert_sent(&text("Terima kasih")).await;
    assert_eq!(h.fake.outbox().len(), 3);
}

#[tokio::test]
async fn the_applications_templates_are_accepted_outside_the_window() {
    let h = Harness::start_without_inbound().await;
    h.assert_sent(&status_update(
        STRANGER,
        &["ABCD-EFGH", "Permohonan disetujui."],
    ))
    .await;
    h.assert_sent(&template_to(
        STRANGER,
        "officer_message",
        "id",
        json!([body_params(&["ABCD-EFGH", "Mohon kirim ulang    KK."])]),
    ))
    .await;
    h.assert_sent(&result_document(
        STRANGER,
        Some(document_header(pdf_link())),
        &["ABCD-EFGH", "KK baru"],
    ))
    .await;
    // By user id too, and with an uploaded media id in place of the link.
    let mut by_user_id = result_document(
        "unused",
        Some(document_header(
            json!({"id": "1000000000000001", "filename": "KK.pdf"}),
        )),
        &["ABCD-EFGH", "KK baru"],
    );
    let object = by_user_id.as_object_mut().expect("object");
    object.remove("to");
    object.insert("recipient".into(), json!("ID.555"));
    h.assert_sent(&by_user_id).await;

    let outbox = h.fake.outbox();
    assert_eq!(outbox.len(), 4);
    assert!(outbox.iter().all(|m| m.r#type == "template"));
}

#[tokio::test]
async fn an_unknown_template_or_language_is_404_code_132001() {
    let h = Harness::start().await;
    let response = h
        .assert_refused(
            &template_to(RESIDENT, "hello_world", "id", json!([])),
            404,
            132001,
            NO_TEMPLATE,
        )
        .await;
    assert!(
        response["error"]["error_data"]["details"]
            .as_str()
            .is_some_and(|d| d.contains("hello_world")),
        "{response}"
    );
    h.assert_refused(
        &template_to(
            RESIDENT,
            "status_update",
            "en_US",
            json!([body_params(&["ABCD-EFGH", "Approved."])]),
        ),
        404,
        132001,
        NO_TEMPLATE,
    )
    .await;
}

#[tokio::test]
async fn a_wrong_number_of_body_parameters_is_400_code_132000() {
    let h = Harness::start().await;
    for params in [&[][..], &["ABCD-EFGH"], &["ABCD-EFGH", "a", "b"]] {
        h.assert_refused(&status_update(RESIDENT, params), 400, 132000, PARAM_COUNT)
            .await;
    }
    // No body component at all is zero parameters.
    h.assert_refused(
        &template_to(RESIDENT, "officer_message", "id", json!([])),
        400,
        132000,
        PARAM_COUNT,
    )
    .await;
    h.assert_refused(
        &result_document(RESIDENT, Some(document_header(pdf_link())), &["ABCD-EFGH"]),
        400,
        132000,
        PARAM_COUNT,
    )
    .await;
}

#[tokio::test]
async fn a_document_header_missing_or_unexpected_is_400_code_132012() {
    let h = Harness::start().await;
    let params = ["ABCD-EFGH", "KK baru"];
    // The DOCUMENT header is required, with a document that has a link.
    h.assert_refused(
        &result_document(RESIDENT, None, &params),
        400,
        132012,
        PARAM_FORMAT,
    )
    .await;
    h.assert_refused(
        &result_document(
            RESIDENT,
            Some(document_header(json!({"filename": "KK.pdf"}))),
            &params,
        ),
        400,
        132012,
        PARAM_FORMAT,
    )
    .await;
    h.assert_refused(
        &result_document(
            RESIDENT,
            Some(json!({"type": "header", "parameters": [
                {"type": "image", "image": {"link": "https://x.example/a.jpg"}}]})),
            &params,
        ),
        400,
        132012,
        PARAM_FORMAT,
    )
    .await;
    // A header sent to a template without one.
    h.assert_refused(
        &template_to(
            RESIDENT,
            "status_update",
            "id",
            json!([document_header(pdf_link()), body_params(&params)]),
        ),
        400,
        132012,
        PARAM_FORMAT,
    )
    .await;
}

#[tokio::test]
async fn a_text_parameter_with_a_new_line_tab_or_five_spaces_is_400_code_132018() {
    let h = Harness::start().await;
    for bad in [
        "Mohon kirim ulang:\nKK",
        "Mohon kirim ulang:\r\nKK",
        "Mohon\tkirim",
        "Mohon     kirim",
    ] {
        h.assert_refused(
            &status_update(RESIDENT, &["ABCD-EFGH", bad]),
            400,
            132018,
            PARAM_TEXT,
        )
        .await;
    }
    // Four consecutive spaces are still fine.
    h.assert_sent(&status_update(RESIDENT, &["ABCD-EFGH", "Mohon    kirim"]))
        .await;
}

#[tokio::test]
async fn a_registered_template_is_approved_in_its_language_only() {
    let h = Harness::start_without_inbound().await;
    h.fake.register_template("reminder", "en_US", 1, false);
    h.assert_sent(&template_to(
        STRANGER,
        "reminder",
        "en_US",
        json!([body_params(&["ABCD-EFGH"])]),
    ))
    .await;
    h.assert_refused(
        &template_to(
            STRANGER,
            "reminder",
            "id",
            json!([body_params(&["ABCD-EFGH"])]),
        ),
        404,
        132001,
        NO_TEMPLATE,
    )
    .await;
    // Registering again replaces the approved shape.
    h.fake.register_template("reminder", "en_US", 0, true);
    h.assert_refused(
        &template_to(
            STRANGER,
            "reminder",
            "en_US",
            json!([body_params(&["ABCD-EFGH"])]),
        ),
        400,
        132000,
        PARAM_COUNT,
    )
    .await;
    h.assert_sent(&template_to(
        STRANGER,
        "reminder",
        "en_US",
        json!([document_header(pdf_link())]),
    ))
    .await;
}

#[tokio::test]
async fn injected_failures_come_before_meta_own_refusals() {
    // An injected outage fails the send even when the fake would have refused it anyway, as a
    // real outage answers before Meta looks at the message.
    let h = Harness::start_without_inbound().await;
    h.fake.fail_next_sends(1, 500, 2);
    let (status, response) = h.send(&text_to(STRANGER, "Halo")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{response}");
    h.assert_refused(&text_to(STRANGER, "Halo"), 400, 131047, RE_ENGAGEMENT)
        .await;
}

#[tokio::test]
async fn a_media_url_expires_after_five_minutes_and_the_media_id_gives_a_new_one() {
    let h = Harness::start().await;
    let clock = h.movable_clock();
    let id = h
        .fake
        .register_media(b"\xff\xd8\xff jpeg".to_vec(), "image/jpeg");
    let url = h.media_url(&id).await;
    clock.fetch_add(4 * 60 + 59, Ordering::SeqCst);
    assert_eq!(
        h.download(&url).await,
        StatusCode::OK,
        "still valid at 4:59"
    );
    clock.fetch_add(1, Ordering::SeqCst);
    assert_eq!(
        h.download(&url).await,
        StatusCode::NOT_FOUND,
        "expired at 5:00"
    );
    let fresh = h.media_url(&id).await;
    assert_ne!(fresh, url, "a new URL");
    assert_eq!(h.download(&fresh).await, StatusCode::OK);
    // A URL of one media does not download another.
    let other = h
        .fake
        .register_media(b"%PDF-1.7".to_vec(), "application/pdf");
    let crossed = fresh.replace(&format!("/_media/{id}?"), &format!("/_media/{other}?"));
    assert_eq!(h.download(&crossed).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_user_gets_a_burst_of_45_then_one_message_every_6_seconds() {
    let h = Harness::start().await;
    let clock = h.movable_clock();
    h.fake.record_inbound(STRANGER);
    for i in 0..45 {
        h.assert_sent(&text(&format!("Pesan {i}"))).await;
    }
    let refused = h
        .assert_refused(
            &text("Pesan 46"),
            400,
            131056,
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        )
        .await;
    assert!(refused["error"]["error_data"]["details"].is_string());
    // Another user is not paced by this one's messages.
    h.assert_sent(&text_to(STRANGER, "Halo")).await;
    clock.fetch_add(5, Ordering::SeqCst);
    h.assert_refused(&text("Masih terlalu cepat"), 400, 131056, PAIR_RATE)
        .await;
    clock.fetch_add(1, Ordering::SeqCst);
    h.assert_sent(&text("Enam detik kemudian")).await;
    h.assert_refused(&text("Lagi"), 400, 131056, PAIR_RATE)
        .await;
    // A read receipt is not a message: never paced.
    let (status, _) = h
        .send(
            &json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_numbers_throughput_is_shared_by_every_user_and_counts_inbound_messages() {
    let h = Harness::start_without_inbound().await;
    let clock = h.movable_clock();
    h.fake.set_limits(fake_whatsapp::Limits {
        throughput_per_second: 4,
        ..fake_whatsapp::Limits::META
    });
    assert_eq!(fake_whatsapp::Limits::default().throughput_per_second, 80);
    // The two inbound messages use two of the four.
    h.fake.record_webhook_body(&webhook_body(RESIDENT, "ID.1"));
    h.fake.record_inbound(STRANGER);
    h.assert_sent(&text_to(RESIDENT, "Satu")).await;
    h.assert_sent(&text_to(STRANGER, "Dua")).await;
    h.assert_refused(
        &text_to(STRANGER, "Tiga"),
        400,
        130429,
        "(#130429) Rate limit hit",
    )
    .await;
    clock.fetch_add(1, Ordering::SeqCst);
    h.assert_sent(&text_to(STRANGER, "Sedetik kemudian")).await;
}

#[tokio::test]
async fn a_lost_answer_is_a_broken_connection_for_a_message_that_was_sent() {
    let h = Harness::start().await;
    h.fake.lose_next_answers(1);
    let response = h
        .client
        .post(format!("{}/v25.0/{PHONE_NUMBER_ID}/messages", h.base))
        .bearer_auth(TOKEN)
        .json(&text("Terkirim, tanpa jawaban"))
        .send()
        .await;
    let read = match response {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(err) => Err(err),
    };
    assert!(read.is_err(), "the caller never reads the wamid");
    let outbox = h.fake.outbox();
    assert_eq!(outbox.len(), 1, "yet the message was sent");
    assert_eq!(outbox[0].body["text"]["body"], "Terkirim, tanpa jawaban");
    // One fault, one message: the next send is answered.
    h.assert_sent(&text("Berikutnya")).await;
    assert_eq!(h.fake.outbox().len(), 2);
}
