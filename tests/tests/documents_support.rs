//! Helpers shared by the documents tests: seeding requests, recording WhatsApp media the way the
//! webhook does (a `PENDING_FETCH` document item + media in the fake Graph API), waiting for the
//! pipeline, reading the bucket.
#![allow(dead_code)]

use base64::Engine as _;
use domain::document::{Document, DocumentSource, DocumentState};
use domain::{Request, RequestStatus, ResidentId, ServiceCode, TicketId, service};
use integration_tests::Harness;
use sha2::{Digest, Sha256};
use shared::ports::RequestRepository;
use shared::ports::documents::DocumentRepository;
use std::time::Duration;

pub const RESIDENT: &str = "6281234567890";

pub async fn seed_request(h: &Harness, ticket: &str) -> Request {
    seed_request_in(h, ticket, RequestStatus::Draft).await
}

pub async fn seed_request_in(h: &Harness, ticket: &str, status: RequestStatus) -> Request {
    seed_service_request(h, ticket, ServiceCode::KkAddMember, status).await
}

/// A request of `service` in `status`, as the webhook would have opened it.
pub async fn seed_service_request(
    h: &Harness,
    ticket: &str,
    service: ServiceCode,
    status: RequestStatus,
) -> Request {
    let mut request = Request::open(
        TicketId::parse(ticket).unwrap(),
        service,
        ResidentId::Phone(RESIDENT.into()),
        time::OffsetDateTime::now_utc(),
    );
    request.status = status;
    h.store().create_request(&request).await.unwrap();
    request
}

pub fn two_required_slots(request: &Request) -> (&'static str, &'static str) {
    let mut slots = service(request.service).required_slots();
    let first = slots.next().expect("a required slot").id;
    let second = slots.next().expect("two required slots").id;
    (first, second)
}

pub fn sha256_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// A JPEG header followed by filler: enough for the magic-byte check.
pub fn jpeg_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    bytes.extend((0..len.saturating_sub(bytes.len())).map(|i| (i % 251) as u8));
    bytes
}

pub fn pdf_bytes(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n1 0 obj <<>> endobj\n".to_vec();
    bytes.extend((0..len.saturating_sub(bytes.len() + 6)).map(|i| b'a' + (i % 26) as u8));
    bytes.extend_from_slice(b"\n%%EOF");
    bytes
}

pub fn new_document_id() -> String {
    format!(
        "{:013x}{:016x}",
        shared::store::millis(time::OffsetDateTime::now_utc()),
        rand_u64()
    )
}

fn rand_u64() -> u64 {
    // No rand dependency in the tests crate: the clock's nanoseconds and a counter suffice.
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    nanos.wrapping_mul(6364136223846793005) ^ N.fetch_add(1, Ordering::Relaxed)
}

/// The record the webhook writes for an image/document message.
pub fn pending_fetch(
    request: &Request,
    slot: &str,
    media_id: &str,
    mime_type: &str,
    sha256: &str,
    filename: Option<&str>,
) -> Document {
    let now = time::OffsetDateTime::now_utc();
    Document {
        ticket: request.ticket,
        document_id: new_document_id(),
        slot: slot.into(),
        state: DocumentState::PendingFetch,
        source: DocumentSource::WhatsApp {
            wamid: format!("wamid.TEST{}", rand_u64()),
            media_id: media_id.into(),
            mime_type: mime_type.into(),
            sha256: sha256.into(),
            filename: filename.map(str::to_owned),
            caption: None,
        },
        key: None,
        content_type: None,
        size: None,
        sha256: None,
        version_id: None,
        attempts: 0,
        failure: None,
        created_at: now,
        updated_at: now,
    }
}

/// Opens the resident's 24-hour window in the fake WhatsApp, as Meta does when they write: for
/// seeds that stand for a message the resident sent.
pub fn resident_wrote(h: &Harness, resident: &ResidentId) {
    let id = match resident {
        ResidentId::Phone(phone) => phone,
        ResidentId::User(user) => user,
    };
    h.stack.whatsapp.record_inbound(id);
}

/// Registers `bytes` in the fake WhatsApp and records the document as the webhook would (the
/// resident sent it, so their window opens).
pub async fn whatsapp_document(
    h: &Harness,
    request: &Request,
    slot: &str,
    bytes: &[u8],
    mime_type: &str,
    filename: Option<&str>,
    sha256: Option<String>,
) -> Document {
    resident_wrote(h, &request.resident);
    let media_id = h.stack.whatsapp.register_media(bytes.to_vec(), mime_type);
    let sha = sha256.unwrap_or_else(|| sha256_b64(bytes));
    let document = pending_fetch(request, slot, &media_id, mime_type, &sha, filename);
    h.store().create_document(&document).await.unwrap();
    document
}

/// PUTs `bytes` to an upload grant's presigned URL with exactly the headers the grant lists, as
/// an officer app does.
pub async fn put_granted(h: &Harness, grant: &serde_json::Value, bytes: Vec<u8>) {
    let status = put_granted_status(h, grant, bytes).await;
    assert!((200..300).contains(&status), "upload status {status}");
}

/// The status S3 answers a PUT to a grant's presigned URL.
pub async fn put_granted_status(h: &Harness, grant: &serde_json::Value, bytes: Vec<u8>) -> u16 {
    let mut put = h.http.put(grant["upload"]["url"].as_str().unwrap());
    for (name, value) in grant["upload"]["headers"].as_object().unwrap() {
        put = put.header(name, value.as_str().unwrap());
    }
    put.body(bytes).send().await.unwrap().status().as_u16()
}

pub async fn document(h: &Harness, request: &Request, id: &str) -> Document {
    h.store()
        .get_document(&request.ticket, id)
        .await
        .unwrap()
        .expect("document record")
}

pub async fn wait_for_state(
    h: &Harness,
    request: &Request,
    id: &str,
    state: DocumentState,
) -> Document {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let doc = document(h, request, id).await;
        if doc.state == state {
            return doc;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "document still {:?} (failure {:?}), expected {state:?}",
            doc.state,
            doc.failure
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn object_bytes(h: &Harness, key: &str) -> Option<Vec<u8>> {
    let object =
        h.s3.get_object()
            .bucket(h.bucket())
            .key(key)
            .send()
            .await
            .ok()?;
    Some(object.body.collect().await.ok()?.into_bytes().to_vec())
}

/// Every object version under a prefix (a rejected document must leave none).
pub async fn versions_under(h: &Harness, prefix: &str) -> Vec<String> {
    let out =
        h.s3.list_object_versions()
            .bucket(h.bucket())
            .prefix(prefix)
            .send()
            .await
            .unwrap();
    out.versions()
        .iter()
        .filter_map(|v| v.key().map(str::to_owned))
        .collect()
}

pub async fn assert_nothing_stored(h: &Harness, request: &Request, slot: &str) {
    assert!(
        versions_under(h, &format!("requests/{}/", request.ticket.as_str()))
            .await
            .is_empty(),
        "no object written"
    );
    let after = h
        .store()
        .get_request(&request.ticket)
        .await
        .unwrap()
        .unwrap();
    assert!(!after.is_filled(slot), "slot stays open");
    assert_eq!(after.version, request.version, "request untouched");
}

/// What the resident read in each outbound message: a text's body, or a template's body
/// parameters (seeded residents have no conversation in the table, so the functions send their
/// notices as templates).
pub fn outbox_texts(h: &Harness) -> Vec<String> {
    h.stack
        .whatsapp
        .outbox()
        .iter()
        .filter_map(|m| {
            m.body["text"]["body"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| {
                    let components = m.body["template"]["components"].as_array()?;
                    Some(
                        components
                            .iter()
                            .filter(|c| c["type"] == "body")
                            .flat_map(|c| c["parameters"].as_array().cloned().unwrap_or_default())
                            .filter_map(|p| p["text"].as_str().map(str::to_owned))
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                })
        })
        .collect()
}

/// Waits until `check` holds, or fails after a minute.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// DynamoDB JSON (`{"S": ...}`) of a plain JSON value, as stream records carry items.
pub fn dynamodb_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Value, json};
    match value {
        Value::Null => json!({ "NULL": true }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Number(n) => json!({ "N": n.to_string() }),
        Value::String(s) => json!({ "S": s }),
        Value::Array(items) => json!({ "L": items.iter().map(dynamodb_json).collect::<Vec<_>>() }),
        Value::Object(map) => json!({ "M": item_json(map) }),
    }
}

fn item_json(map: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    serde_json::Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), dynamodb_json(v)))
            .collect(),
    )
}

/// The stream record Lambda delivers for the insert of `document` (the real event shape).
pub fn insert_record(document: &Document, sequence: &str) -> serde_json::Value {
    let item = serde_json::json!({
        "PK": format!("REQ#{}", document.ticket.as_str()),
        "SK": format!("DOC#{}", document.document_id),
        "entity": "DOCUMENT",
        "doc_state": "PENDING_FETCH",
        "document": document,
    });
    let image = match &item {
        serde_json::Value::Object(map) => item_json(map),
        _ => unreachable!(),
    };
    serde_json::json!({
        "eventID": format!("event-{sequence}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ap-southeast-3",
        "eventSourceARN": "arn:aws:dynamodb:ap-southeast-3:000000000000:table/t/stream/x",
        "dynamodb": {
            "ApproximateCreationDateTime": 1.7e9,
            "Keys": { "PK": image["PK"], "SK": image["SK"] },
            "NewImage": image,
            "SequenceNumber": sequence,
            "SizeBytes": 512,
            "StreamViewType": "NEW_IMAGE",
        },
    })
}
