//! `make chat`: talk to the running local stack as a resident. Type text to send it; the bot's
//! replies are read from `/_local/outbox`. Commands:
//!   /pilih <id>      tap a list row or button (ids are shown in [brackets])
//!   /foto <file>     send a JPEG/PNG as a photo
//!   /pdf <file>      send a PDF as a document
//!   /maju <n><m|j|h> move the stack's clock forward n minutes, hours (jam) or days (hari),
//!                    for every function and the fake Graph API (`POST /_local/clock`)
//!   /keluar          quit

use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;
use std::io::{BufRead, Write};
use std::time::Duration;

struct Chat {
    http: reqwest::Client,
    base: String,
    phone: String,
    secret: String,
    sequence: u64,
    seen: usize,
}

impl Chat {
    fn wamid(&mut self) -> String {
        self.sequence += 1;
        format!(
            "wamid.CHAT.{}.{}.{}",
            self.phone,
            std::process::id(),
            self.sequence
        )
    }

    async fn post(&mut self, message: Value) -> Result<(), String> {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "local", "changes": [{ "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "6282100000001", "phone_number_id": "420000000000001" },
                "contacts": [{ "profile": { "name": "Warga Lokal" }, "wa_id": self.phone }],
                "messages": [message]
            }}]}]
        });
        let bytes = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(format!("{}/webhook", self.base))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                webhook::signature::sign(self.secret.as_bytes(), &bytes),
            )
            .body(bytes)
            .send()
            .await
            .map_err(|e| format!("is `make run` running? {e}"))?;
        if !response.status().is_success() {
            println!("(webhook answered {})", response.status());
        }
        Ok(())
    }

    fn message(&mut self, kind: &str, content: Value) -> Value {
        let mut m = json!({ "from": self.phone, "id": self.wamid(), "timestamp": time::OffsetDateTime::now_utc().unix_timestamp().to_string(), "type": kind });
        m[kind] = content;
        m
    }

    async fn send_file(&mut self, path: &str, kind: &str) -> Result<(), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let mime = match path.rsplit('.').next().map(str::to_lowercase).as_deref() {
            Some("pdf") => "application/pdf",
            Some("png") => "image/png",
            _ => "image/jpeg",
        };
        let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes));
        let registered: Value = self
            .http
            .post(format!("{}/_local/media", self.base))
            .header("content-type", mime)
            .body(bytes)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let id = registered["id"].as_str().unwrap_or_default().to_owned();
        let mut content = json!({ "id": id, "mime_type": mime, "sha256": sha });
        if kind == "document" {
            content["filename"] = json!(
                std::path::Path::new(path)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
            );
        }
        let message = self.message(kind, content);
        self.post(message).await
    }

    /// `POST /_local/clock`: prints the stack's new "now".
    async fn advance(&self, seconds: i64) -> Result<(), String> {
        let response = self
            .http
            .post(format!("{}/_local/clock", self.base))
            .json(&json!({ "advance_seconds": seconds }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {body}"));
        }
        let now: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        println!(
            "(jam lokal sekarang {})",
            now["now"].as_str().unwrap_or_default()
        );
        Ok(())
    }

    async fn show_replies(&mut self) {
        // Replies are sent after the webhook's commit; give them a moment.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let Ok(response) = self
            .http
            .get(format!("{}/_local/outbox", self.base))
            .send()
            .await
        else {
            return;
        };
        let outbox: Vec<Value> = response.json().await.unwrap_or_default();
        for message in outbox.iter().skip(self.seen) {
            if message["to"].as_str() != Some(self.phone.as_str()) {
                continue;
            }
            println!("\n🤖 {}", render(&message["body"]));
        }
        self.seen = outbox.len();
    }
}

/// `30m`, `25j`, `3h` (minutes, hours, days) → seconds.
fn duration_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let count: i64 = text[..text.len() - unit.len_utf8()].trim().parse().ok()?;
    let seconds = match unit {
        'm' => 60,
        'j' => 3600,
        'h' => 86_400,
        _ => return None,
    };
    count.checked_mul(seconds).filter(|s| *s >= 0)
}

fn render(body: &Value) -> String {
    if let Some(text) = body["text"]["body"].as_str() {
        return text.to_owned();
    }
    let interactive = &body["interactive"];
    let mut out = interactive["body"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for button in interactive["action"]["buttons"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.push_str(&format!(
            "\n  [{}] {}",
            button["reply"]["id"].as_str().unwrap_or(""),
            button["reply"]["title"].as_str().unwrap_or("")
        ));
    }
    for section in interactive["action"]["sections"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for row in section["rows"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "\n  [{}] {}",
                row["id"].as_str().unwrap_or(""),
                row["title"].as_str().unwrap_or("")
            ));
        }
    }
    if out.is_empty() {
        out = body.to_string();
    }
    out
}

#[tokio::main]
async fn main() {
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let mut chat = Chat {
        http: reqwest::Client::new(),
        base: var("LOCAL_URL", "http://127.0.0.1:3000"),
        phone: var("CHAT_PHONE", "6281234567890"),
        secret: var("WHATSAPP_APP_SECRET", local_stack::LOCAL_APP_SECRET),
        sequence: 0,
        seen: 0,
    };
    // Start after what is already in the outbox.
    if let Ok(response) = chat
        .http
        .get(format!("{}/_local/outbox", chat.base))
        .send()
        .await
    {
        chat.seen = response
            .json::<Vec<Value>>()
            .await
            .map(|o| o.len())
            .unwrap_or(0);
    }
    println!(
        "Chatting as +{} with {} (type /keluar to quit; /pilih <id>, /foto <file>, /pdf <file>, /maju <n><m|j|h>).",
        chat.phone, chat.base
    );
    let stdin = std::io::stdin();
    loop {
        print!("\n🧑 ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let line = line.trim();
        let result = if line.is_empty() {
            continue;
        } else if line == "/keluar" {
            break;
        } else if let Some(id) = line.strip_prefix("/pilih ") {
            let m = chat.message("interactive", json!({ "type": "list_reply", "list_reply": { "id": id.trim(), "title": id.trim() } }));
            chat.post(m).await
        } else if let Some(path) = line.strip_prefix("/foto ") {
            chat.send_file(path.trim(), "image").await
        } else if let Some(path) = line.strip_prefix("/pdf ") {
            chat.send_file(path.trim(), "document").await
        } else if let Some(by) = line.strip_prefix("/maju ") {
            match duration_seconds(by) {
                Some(seconds) => {
                    if let Err(err) = chat.advance(seconds).await {
                        println!("(error: {err})");
                    }
                }
                None => println!("(contoh: /maju 30m, /maju 25j, /maju 3h)"),
            }
            continue;
        } else {
            let m = chat.message("text", json!({ "body": line }));
            chat.post(m).await
        };
        match result {
            Ok(()) => chat.show_replies().await,
            Err(err) => println!("(error: {err})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn durations_are_read_in_minutes_hours_and_days() {
        assert_eq!(duration_seconds("30m"), Some(1800));
        assert_eq!(duration_seconds(" 25j "), Some(90_000));
        assert_eq!(duration_seconds("3h"), Some(259_200));
        assert_eq!(duration_seconds("-1h"), None);
        assert_eq!(duration_seconds("3"), None);
        assert_eq!(duration_seconds("jh"), None);
        assert_eq!(duration_seconds(""), None);
    }
}
