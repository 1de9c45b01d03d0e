//! WhatsApp Cloud API webhook bodies for tests, shaped like `tests/fixtures/whatsapp/`.

use serde_json::{Value, json};

fn envelope(from: &str, message: Value) -> Vec<u8> {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "310000000000001",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": "6282100000001",
                        "phone_number_id": "420000000000001"
                    },
                    "contacts": [{ "profile": { "name": "Warga Uji" }, "wa_id": from }],
                    "messages": [message]
                }
            }]
        }]
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

fn base(from: &str, wamid: &str, kind: &str) -> Value {
    json!({
        "from": from,
        "id": wamid,
        "timestamp": "1796000000",
        "type": kind,
    })
}

pub fn text(from: &str, wamid: &str, body: &str) -> Vec<u8> {
    let mut m = base(from, wamid, "text");
    m["text"] = json!({ "body": body });
    envelope(from, m)
}

pub fn list_reply(from: &str, wamid: &str, id: &str) -> Vec<u8> {
    let mut m = base(from, wamid, "interactive");
    m["interactive"] = json!({ "type": "list_reply", "list_reply": { "id": id, "title": id } });
    envelope(from, m)
}

pub fn button_reply(from: &str, wamid: &str, id: &str) -> Vec<u8> {
    let mut m = base(from, wamid, "interactive");
    m["interactive"] = json!({ "type": "button_reply", "button_reply": { "id": id, "title": id } });
    envelope(from, m)
}

/// An image message for media registered in the fake WhatsApp (`sha256` base64).
pub fn image(from: &str, wamid: &str, media_id: &str, sha256: &str) -> Vec<u8> {
    let mut m = base(from, wamid, "image");
    m["image"] = json!({ "id": media_id, "mime_type": "image/jpeg", "sha256": sha256 });
    envelope(from, m)
}

/// A text that replies to (quotes) one of our messages: WhatsApp's `context`.
pub fn text_quoting(from: &str, wamid: &str, body: &str, quoted: &str) -> Vec<u8> {
    let mut m = base(from, wamid, "text");
    m["text"] = json!({ "body": body });
    m["context"] = json!({ "from": "6282100000001", "id": quoted });
    envelope(from, m)
}

/// A voice note for media registered in the fake WhatsApp (`sha256` base64).
pub fn voice(from: &str, wamid: &str, media_id: &str, sha256: &str) -> Vec<u8> {
    let mut m = base(from, wamid, "audio");
    m["audio"] = json!({
        "id": media_id, "mime_type": "audio/ogg; codecs=opus", "sha256": sha256, "voice": true
    });
    envelope(from, m)
}

/// A number change WhatsApp reports without the new number (`system`, `user_changed_number`).
pub fn number_change_without_new_number(from: &str, wamid: &str) -> Vec<u8> {
    let mut m = base(from, wamid, "system");
    m["system"] = json!({
        "body": format!("User changed from {from} to a new number"),
        "type": "user_changed_number",
    });
    envelope(from, m)
}
