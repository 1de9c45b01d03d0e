//! The media half of the Graph API client: looking up and downloading what residents send
//! (SPEC 6: `GET /{version}/{media-id}`, then `GET url` with the token and a `User-Agent`), and
//! sending a finished document.

use super::{GraphClient, GraphErrorBody, classify};
use crate::ports::SendError;
use crate::ports::documents::{
    ChunkStream, DocumentMessage, DocumentMessenger, MediaError, MediaInfo, MediaSource,
};
use async_trait::async_trait;
use domain::ResidentId;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// A download may be 100 MB: it gets far longer than the per-call timeout of a message send.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Deserialize)]
struct MediaResponse {
    url: String,
    #[serde(default)]
    mime_type: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    file_size: Option<Value>,
}

/// `file_size` arrives as a number or a string (SPEC 6).
fn parse_size(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl GraphClient {
    /// `{base}/{version}`, from the messages URL `{base}/{version}/{phone}/messages`.
    fn versioned_base(&self) -> &str {
        let mut parts = self.messages_url.rsplitn(3, '/');
        let _messages = parts.next();
        let _phone = parts.next();
        parts.next().unwrap_or(&self.messages_url)
    }

    async fn token(&self) -> Result<String, MediaError> {
        self.secrets
            .get()
            .await
            .map(|s| s.access_token.clone())
            .map_err(|e| MediaError::Transient(e.to_string()))
    }
}

fn media_failure(status: u16, bytes: &[u8]) -> MediaError {
    let (code, message) = match serde_json::from_slice::<GraphErrorBody>(bytes) {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (0, format!("HTTP {status}")),
    };
    match classify(status, code, message) {
        SendError::Transient(m) => MediaError::Transient(m),
        // An expired token is fixed by ops rotating it: later attempts can succeed.
        SendError::Unauthorized => MediaError::Transient("access token rejected".into()),
        other => MediaError::Rejected(other.to_string()),
    }
}

struct GraphBody(reqwest::Response);

#[async_trait]
impl ChunkStream for GraphBody {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, MediaError> {
        self.0
            .chunk()
            .await
            .map(|c| c.map(|b| b.to_vec()))
            .map_err(|e| MediaError::Transient(e.without_url().to_string()))
    }
}

#[async_trait]
impl MediaSource for GraphClient {
    async fn media_info(&self, media_id: &str) -> Result<MediaInfo, MediaError> {
        // Media ids are numeric; anything else must not be spliced into a URL.
        if media_id.is_empty() || !media_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MediaError::Gone);
        }
        let token = self.token().await?;
        let response = self
            .http
            .get(format!("{}/{media_id}", self.versioned_base()))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| MediaError::Transient(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| MediaError::Transient(e.without_url().to_string()))?;
        if status == 404 {
            return Err(MediaError::Gone);
        }
        if !(200..300).contains(&status) {
            return Err(media_failure(status, &bytes));
        }
        let media: MediaResponse = serde_json::from_slice(&bytes)
            .map_err(|e| MediaError::Transient(format!("unexpected Graph response: {e}")))?;
        Ok(MediaInfo {
            url: media.url,
            mime_type: media.mime_type,
            sha256: media.sha256,
            file_size: parse_size(media.file_size.as_ref()),
        })
    }

    async fn download(&self, url: &str) -> Result<Box<dyn ChunkStream>, MediaError> {
        // The bearer token goes only to URLs of the scheme the Graph API itself uses (https in
        // production), never downgraded to plain HTTP.
        let scheme = |u: &str| u.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if scheme(url).is_none() || scheme(url) != scheme(&self.messages_url) {
            return Err(MediaError::Rejected(
                "media URL with an unexpected scheme".into(),
            ));
        }
        let token = self.token().await?;
        // The client's User-Agent is set for every request: Meta refuses downloads without one.
        let response = self
            .http
            .get(url)
            .bearer_auth(token)
            .timeout(DOWNLOAD_TIMEOUT)
            .send()
            .await
            .map_err(|e| MediaError::Transient(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        if status == 404 {
            return Err(MediaError::UrlExpired);
        }
        if !(200..300).contains(&status) {
            let bytes = response.bytes().await.unwrap_or_default();
            return Err(media_failure(status, &bytes));
        }
        Ok(Box::new(GraphBody(response)))
    }
}

/// The Cloud API JSON for a document message fetched by WhatsApp from `link`.
pub fn encode_document(to: &ResidentId, document: &DocumentMessage) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": "document",
        "document": {
            "link": document.link,
            "filename": document.filename,
            "caption": document.caption,
        },
    });
    match to {
        ResidentId::Phone(phone) => body["to"] = json!(phone),
        ResidentId::User(user) => body["recipient"] = json!(user),
    }
    body
}

#[async_trait]
impl DocumentMessenger for GraphClient {
    async fn send_document(
        &self,
        to: &ResidentId,
        document: &DocumentMessage,
    ) -> Result<String, SendError> {
        // Same endpoint, token and error mapping as every other message (`GraphClient::post`).
        self.post(&encode_document(to, document)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_come_as_numbers_or_strings() {
        assert_eq!(parse_size(Some(&json!(42))), Some(42));
        assert_eq!(parse_size(Some(&json!("42"))), Some(42));
        assert_eq!(parse_size(Some(&json!("x"))), None);
        assert_eq!(parse_size(None), None);
    }

    #[test]
    fn documents_are_sent_by_link() {
        let body = encode_document(
            &ResidentId::Phone("628".into()),
            &DocumentMessage {
                link: "https://x/y".into(),
                filename: "kk.pdf".into(),
                caption: "c".into(),
            },
        );
        assert_eq!(body["type"], "document");
        assert_eq!(body["document"]["link"], "https://x/y");
        assert_eq!(body["to"], "628");
    }
}
