//! Test harness: a local stack (real handlers, API Gateway stand-in, fake WhatsApp) against the
//! moto emulator `make test` started (`AWS_ENDPOINT_URL`), with a table and bucket of its own per
//! test so tests run in parallel without seeing each other's data.

pub mod payloads;

use aws_sdk_dynamodb::types::AttributeValue;
use local_stack::{RunningStack, StackConfig};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

pub use local_stack::{LOCAL_ACCESS_TOKEN, LOCAL_APP_SECRET, LOCAL_DATA_KEY, LOCAL_VERIFY_TOKEN};

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Harness {
    pub stack: RunningStack,
    pub http: reqwest::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
}

fn emulator_url() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL is not set: integration tests need the moto emulator. Run `make test`."
        )
    })
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(true, &[]).await
    }

    /// A stack whose bucket and stream events are not delivered (tests that seed raw objects).
    pub async fn start_without_events() -> Self {
        Self::start_with(false, &[]).await
    }

    /// A stack whose handlers see these extra environment values.
    pub async fn start_with_env(values: &[(&str, &str)]) -> Self {
        Self::start_with(true, values).await
    }

    /// A stack built from another template (e.g. a role without a grant, tests/tests/iam.rs).
    pub async fn start_with_template(template: PathBuf) -> Self {
        Self::start_from(template, true, &[]).await
    }

    async fn start_with(deliver_events: bool, values: &[(&str, &str)]) -> Self {
        Self::start_from(StackConfig::repo_template(), deliver_events, values).await
    }

    async fn start_from(template: PathBuf, deliver_events: bool, values: &[(&str, &str)]) -> Self {
        // Handler logs show in a failing test's output (`RUST_LOG=warn` for more).
        shared::telemetry::init();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let unique = format!(
            "{}-{}-{n}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
        );
        let config = StackConfig {
            emulator_url: emulator_url(),
            table: format!("test-{unique}"),
            bucket: format!("test-{unique}"),
            template,
            listen: "127.0.0.1:0".parse().expect("literal address"),
            // Tests run the retry sweep themselves, at the instant they choose.
            overrides: std::iter::once(("LOCAL_RETRY_SWEEP", "off"))
                .chain(values.iter().copied())
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            deliver_events,
            console_dir: None,
        };
        let stack = local_stack::start(config)
            .await
            .expect("local stack starts");
        let dynamodb = aws_sdk_dynamodb::Client::new(&stack.sdk);
        let s3 = shared::aws::s3_client(&stack.sdk);
        Self {
            stack,
            http: reqwest::Client::new(),
            dynamodb,
            s3,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.stack.base_url)
    }

    pub fn table(&self) -> &str {
        &self.stack.config.table
    }

    pub fn bucket(&self) -> &str {
        &self.stack.config.bucket
    }

    /// POSTs `body` to the webhook, signed with the local app secret.
    pub async fn post_webhook(&self, body: &[u8]) -> reqwest::Response {
        self.http
            .post(self.url("/webhook"))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                webhook::signature::sign(LOCAL_APP_SECRET.as_bytes(), body),
            )
            .body(body.to_vec())
            .send()
            .await
            .expect("webhook answers")
    }

    /// An officer's ID token from the local authorizer (what the officer app must send), with
    /// `custom:kecamatan` = `kecamatan`: a code, or `*` for regency-wide staff.
    pub async fn token(&self, subject: &str, groups: &str, kecamatan: &str) -> String {
        self.issue_token(&[
            ("sub", subject),
            ("groups", groups),
            ("kecamatan", kecamatan),
        ])
        .await
    }

    /// An ID token of a user whose `custom:kecamatan` is not set.
    pub async fn token_without_kecamatan(&self, subject: &str, groups: &str) -> String {
        self.issue_token(&[("sub", subject), ("groups", groups)])
            .await
    }

    /// The same user's Cognito access token: `client_id`, `scope`, groups, no attributes.
    pub async fn access_token(&self, subject: &str, groups: &str) -> String {
        self.issue_token(&[("sub", subject), ("groups", groups), ("use", "access")])
            .await
    }

    /// `GET /_local/token` with these query parameters.
    pub async fn issue_token(&self, query: &[(&str, &str)]) -> String {
        let body: serde_json::Value = self
            .http
            .get(
                reqwest::Url::parse_with_params(&self.url("/_local/token"), query)
                    .expect("token URL"),
            )
            .send()
            .await
            .expect("token route answers")
            .json()
            .await
            .expect("token JSON");
        body["token"].as_str().expect("token string").to_owned()
    }

    /// Every item in the table (small test tables only).
    pub async fn items(&self) -> Vec<HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(self.table())
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// Items whose PK starts with `prefix`.
    pub async fn items_with_pk_prefix(&self, prefix: &str) -> Vec<HashMap<String, AttributeValue>> {
        self.items()
            .await
            .into_iter()
            .filter(
                |i| matches!(i.get("PK"), Some(AttributeValue::S(pk)) if pk.starts_with(prefix)),
            )
            .collect()
    }

    pub fn store(&self) -> shared::store::DynamoStore {
        shared::store::DynamoStore::new(self.dynamodb.clone(), self.table())
    }

    /// Moves the stack's "now" forward through `POST /_local/clock` (every function and the fake
    /// Graph API live through the time); returns the new "now".
    pub async fn advance_clock(&self, by: time::Duration) -> time::OffsetDateTime {
        let response = self
            .http
            .post(self.url("/_local/clock"))
            .json(&serde_json::json!({ "advance_seconds": by.whole_seconds() }))
            .send()
            .await
            .expect("clock route answers");
        assert_eq!(response.status(), 200, "the clock moved");
        let state: serde_json::Value = response.json().await.expect("clock JSON");
        let now = state["now"].as_str().expect("now");
        time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339 now")
    }

    /// The stack's "now" (`GET /_local/clock`).
    pub fn now(&self) -> time::OffsetDateTime {
        shared::clock::Clock::now(&self.stack.clock)
    }
}

/// A resident talking to the local stack: numbered wamids, replies read from the outbox.
pub struct Resident<'h> {
    pub harness: &'h Harness,
    pub phone: String,
    sent: std::cell::Cell<u32>,
    /// Agrees to the privacy notice whenever it is shown (see [`Resident::post`]).
    pub auto_consent: std::cell::Cell<bool>,
}

impl<'h> Resident<'h> {
    pub fn new(harness: &'h Harness, phone: &str) -> Self {
        Self {
            harness,
            phone: phone.to_owned(),
            sent: std::cell::Cell::new(0),
            auto_consent: std::cell::Cell::new(true),
        }
    }

    fn next_wamid(&self) -> String {
        self.sent.set(self.sent.get() + 1);
        // Unique across `Resident` values of the same phone: a reused wamid is a duplicate.
        format!(
            "wamid.T{}.{}",
            NEXT.fetch_add(1, Ordering::Relaxed),
            self.sent.get()
        )
    }

    /// Posts a body and returns the texts of the replies it produced. When a reply is the
    /// privacy notice and `auto_consent` is on (the default), the resident taps "Setuju" and the
    /// replies to that tap follow (the notice itself is tested in tests/tests/conversation.rs).
    pub async fn post(&self, body: Vec<u8>) -> Vec<String> {
        let before = self.harness.stack.whatsapp.outbox().len();
        let response = self.harness.post_webhook(&body).await;
        assert_eq!(response.status(), 200, "webhook status");
        let sent: Vec<fake_whatsapp::OutboundMessage> = self.harness.stack.whatsapp.outbox()
            [before..]
            .iter()
            .filter(|m| m.to.as_deref() == Some(self.phone.as_str()))
            .cloned()
            .collect();
        let mut texts: Vec<String> = sent.iter().map(|m| reply_text(&m.body)).collect();
        let consent = sent.iter().find_map(|m| {
            m.body["interactive"]["action"]["buttons"]
                .as_array()?
                .iter()
                .filter_map(|b| b["reply"]["id"].as_str())
                .find(|id| id.starts_with("consent:"))
                .map(str::to_owned)
        });
        if let Some(consent) = consent.filter(|_| self.auto_consent.get()) {
            let tap = payloads::button_reply(&self.phone, &self.next_wamid(), &consent);
            texts.extend(Box::pin(self.post(tap)).await);
        }
        texts
    }

    pub async fn text(&self, body: &str) -> String {
        self.post(payloads::text(&self.phone, &self.next_wamid(), body))
            .await
            .join("\n---\n")
    }

    pub async fn choose(&self, id: &str) -> String {
        self.post(payloads::list_reply(&self.phone, &self.next_wamid(), id))
            .await
            .join("\n---\n")
    }

    pub async fn press(&self, id: &str) -> String {
        self.post(payloads::button_reply(&self.phone, &self.next_wamid(), id))
            .await
            .join("\n---\n")
    }

    /// A text replying to (quoting) our message `quoted`.
    pub async fn reply_to(&self, quoted: &str, body: &str) -> String {
        self.post(payloads::text_quoting(
            &self.phone,
            &self.next_wamid(),
            body,
            quoted,
        ))
        .await
        .join("\n---\n")
    }

    /// A photo whose declared checksum does not match its bytes (damaged on the way): the
    /// documents function refuses it.
    pub async fn damaged_photo(&self) -> String {
        let bytes = jpeg_bytes(self.sent.get() + 1000);
        let media_id = self
            .harness
            .stack
            .whatsapp
            .register_media(bytes, "image/jpeg");
        self.post(payloads::image(
            &self.phone,
            &self.next_wamid(),
            &media_id,
            &base64_sha256(b"other bytes"),
        ))
        .await
        .join("\n---\n")
    }

    /// Registers a short Ogg/Opus recording in the fake WhatsApp and sends it as a voice note.
    pub async fn voice_note(&self) -> String {
        let mut bytes = b"OggS\x00\x02".to_vec();
        bytes.resize(4_000 + self.sent.get() as usize, 0x4f);
        self.send_media(bytes, "audio/ogg", payloads::voice).await
    }

    /// Registers `bytes` in the fake WhatsApp and sends the message `payload` builds for them.
    async fn send_media(
        &self,
        bytes: Vec<u8>,
        mime_type: &str,
        payload: fn(&str, &str, &str, &str) -> Vec<u8>,
    ) -> String {
        let sha = base64_sha256(&bytes);
        let media_id = self.harness.stack.whatsapp.register_media(bytes, mime_type);
        self.post(payload(&self.phone, &self.next_wamid(), &media_id, &sha))
            .await
            .join("\n---\n")
    }

    /// Registers a JPEG in the fake WhatsApp and sends it as a photo.
    pub async fn photo(&self) -> String {
        let bytes = jpeg_bytes(self.sent.get());
        self.send_media(bytes, "image/jpeg", payloads::image).await
    }
}

/// The text a resident reads in an outbound message body: a text's body, an interactive
/// message's body text, or a template's name followed by its body parameters' texts, one a line
/// (`status_update\nABCD-EFGH\nPermohonan ... disetujui.`).
pub fn reply_text(body: &serde_json::Value) -> String {
    if let Some(text) = body["text"]["body"]
        .as_str()
        .or_else(|| body["interactive"]["body"]["text"].as_str())
    {
        return text.to_owned();
    }
    let Some(name) = body["template"]["name"].as_str() else {
        return String::new();
    };
    let components = body["template"]["components"].as_array();
    let params = components
        .into_iter()
        .flatten()
        .filter(|c| {
            c["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("body"))
        })
        .flat_map(|c| c["parameters"].as_array().into_iter().flatten())
        .filter_map(|p| p["text"].as_str());
    std::iter::once(name)
        .chain(params)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A small but real JPEG (SOI, APP0, EOI markers), distinct per `n`.
pub fn jpeg_bytes(n: u32) -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    bytes.extend_from_slice(&n.to_be_bytes());
    bytes.extend(std::iter::repeat_n(0x42, 256));
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

pub fn base64_sha256(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

/// A fixture file from `tests/fixtures/whatsapp/`, byte for byte.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/whatsapp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// An answer to one of a service's questions (`domain::catalog::Field`) that the conversation
/// accepts. Each name is new (letters only), so births by the same parent are different
/// children and none is refused as the same child twice.
pub fn field_answer(kind: domain::catalog::FieldKind) -> String {
    use domain::catalog::FieldKind;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NAMES: AtomicUsize = AtomicUsize::new(0);
    match kind {
        FieldKind::PersonName => {
            format!("Putri {}", letters(NAMES.fetch_add(1, Ordering::Relaxed)))
        }
        FieldKind::Text => "Akta kelahiran".to_owned(),
        FieldKind::Count { .. } => "2".to_owned(),
    }
}

/// `n` written with letters (`0` → "Aa", `1` → "Ab", ...), for names that must be letters.
pub fn letters(mut n: usize) -> String {
    let mut out = String::from("A");
    loop {
        out.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return out;
        }
    }
}

/// A request as the webhook leaves it once the resident submitted it: `SUBMITTED` now, due
/// 2026-12-03, with an applicant of kecamatan 170804 (`name`, `nik`), stored in the harness's
/// table. Tests change what they need before or after.
pub async fn seed_submitted(
    h: &Harness,
    ticket: &str,
    service: domain::ServiceCode,
    phone: &str,
    name: &str,
    nik: &str,
) -> domain::Request {
    use shared::ports::RequestRepository;
    let at = time::OffsetDateTime::now_utc();
    let mut r = domain::Request::open(
        domain::TicketId::parse(ticket).expect("a ticket id"),
        service,
        domain::ResidentId::Phone(phone.into()),
        at,
    );
    r.status = domain::RequestStatus::Submitted;
    r.submitted_at = Some(at);
    r.due_date = Some(time::macros::date!(2026 - 12 - 03));
    r.applicant = Some(domain::Applicant {
        name: name.into(),
        nik: domain::Nik::parse(nik, time::macros::date!(2026 - 11 - 28)).expect("a NIK"),
        kecamatan: Some("170804".into()),
    });
    h.store().create_request(&r).await.expect("request stored");
    r
}
