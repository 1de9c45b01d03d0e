//! Graph API client: sends replies to residents (`POST /{version}/{phone-number-id}/messages`).
//! Base URL and version are configuration so tests and the local stack point it at a fake.

mod media;

use super::SecretsProvider;
use crate::config::WhatsAppConfig;
use crate::ports::{Messenger, SendError};
use async_trait::async_trait;
use domain::{ResidentId, reply::Reply};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct GraphClient {
    http: reqwest::Client,
    messages_url: String,
    secrets: Arc<SecretsProvider>,
}

impl GraphClient {
    pub fn new(config: &WhatsAppConfig, secrets: Arc<SecretsProvider>) -> Result<Self, SendError> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .timeout(config.request_timeout)
            .user_agent(concat!("adminduk-whatsapp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SendError::Transient(e.to_string()))?;
        Ok(Self {
            http,
            messages_url: format!(
                "{}/{}/{}/messages",
                config.graph_base_url, config.graph_api_version, config.phone_number_id
            ),
            secrets,
        })
    }
}

/// TLS for the Graph API and its media host: rustls with aws-lc (as reqwest builds it), trusting
/// Mozilla's root store compiled in as ready-made trust anchors (`webpki-roots`). Cold start
/// (issue #6, docs/bench/cold-start.md): the platform's store meant reading and PEM-decoding
/// every file of the certificate directory, and even compiled-in certificates meant parsing 118
/// of them into anchors at every start; these anchors need no parsing at all.
fn tls_config() -> Result<rustls::ClientConfig, SendError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SendError::Transient(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // reqwest here speaks HTTP/1.1 only (no `http2` feature).
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
}

#[derive(Deserialize)]
struct SendResponse {
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: String,
}

/// Graph error codes that mean "later" rather than "never" (SPEC 6).
fn classify(status: u16, code: i64, message: String) -> SendError {
    match code {
        131047 => SendError::OutsideWindow,
        190 => SendError::Unauthorized,
        // Rate limits, "service temporarily unavailable", generic transient errors.
        4 | 80007 | 130429 | 131056 | 1 | 2 | 131000 | 131016 => SendError::Transient(message),
        _ if status == 429 || status >= 500 => SendError::Transient(message),
        _ => SendError::Rejected { code, message },
    }
}

/// The Cloud API JSON for one reply.
pub fn encode_reply(to: &ResidentId, reply: &Reply) -> Value {
    let mut body = match reply {
        Reply::Text { body } => json!({
            "type": "text",
            "text": { "preview_url": false, "body": body },
        }),
        Reply::Buttons { body, buttons } => json!({
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": { "text": body },
                "action": {
                    "buttons": buttons.iter().map(|b| json!({
                        "type": "reply",
                        "reply": { "id": b.id, "title": b.title },
                    })).collect::<Vec<_>>(),
                },
            },
        }),
        Reply::List {
            body,
            button,
            sections,
        } => json!({
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": { "text": body },
                "action": {
                    "button": button,
                    "sections": sections.iter().map(|s| json!({
                        "title": s.title,
                        "rows": s.rows.iter().map(|r| {
                            let mut row = json!({ "id": r.id, "title": r.title });
                            if let Some(d) = &r.description {
                                row["description"] = json!(d);
                            }
                            row
                        }).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                },
            },
        }),
    };
    body["messaging_product"] = json!("whatsapp");
    body["recipient_type"] = json!("individual");
    match to {
        ResidentId::Phone(phone) => body["to"] = json!(phone),
        // Residents known only by username are addressed by user id (SPEC 6).
        ResidentId::User(user) => body["recipient"] = json!(user),
    }
    body
}

/// The Cloud API JSON for a template message with body parameters.
pub fn encode_template(
    to: &ResidentId,
    name: &str,
    language: &str,
    body_params: &[String],
) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": "template",
        "template": {
            "name": name,
            "language": { "code": language },
            "components": [{
                "type": "body",
                "parameters": body_params.iter().map(|p| json!({ "type": "text", "text": p })).collect::<Vec<_>>(),
            }],
        },
    });
    match to {
        ResidentId::Phone(phone) => body["to"] = json!(phone),
        ResidentId::User(user) => body["recipient"] = json!(user),
    }
    body
}

#[async_trait]
impl crate::ports::officer::TemplateMessenger for GraphClient {
    async fn send_template(
        &self,
        to: &ResidentId,
        name: &str,
        language: &str,
        body_params: &[String],
    ) -> Result<String, SendError> {
        self.post(&encode_template(to, name, language, body_params))
            .await
    }

    async fn send_document_template(
        &self,
        to: &ResidentId,
        name: &str,
        language: &str,
        document: &crate::ports::documents::DocumentMessage,
        body_params: &[String],
    ) -> Result<String, SendError> {
        let mut body = encode_template(to, name, language, body_params);
        let header = json!({
            "type": "header",
            "parameters": [{
                "type": "document",
                "document": { "link": document.link, "filename": document.filename },
            }],
        });
        if let Some(components) = body["template"]["components"].as_array_mut() {
            components.insert(0, header);
        }
        self.post(&body).await
    }
}

#[async_trait]
impl Messenger for GraphClient {
    async fn send(&self, to: &ResidentId, reply: &Reply) -> Result<String, SendError> {
        self.post(&encode_reply(to, reply)).await
    }
}

impl GraphClient {
    /// Posts one message body (reply, template or document); returns WhatsApp's message id.
    async fn post(&self, message: &Value) -> Result<String, SendError> {
        let token = &self
            .secrets
            .get()
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?
            .access_token;
        let response = self
            .http
            .post(&self.messages_url)
            .bearer_auth(token)
            .json(message)
            .send()
            .await
            .map_err(|e| SendError::Transient(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SendError::Transient(e.without_url().to_string()))?;
        if (200..300).contains(&status) {
            let sent: SendResponse = serde_json::from_slice(&bytes)
                .map_err(|e| SendError::Transient(format!("unexpected Graph response: {e}")))?;
            return sent
                .messages
                .into_iter()
                .next()
                .map(|m| m.id)
                .ok_or_else(|| SendError::Transient("Graph response without message id".into()));
        }
        match serde_json::from_slice::<GraphErrorBody>(&bytes) {
            Ok(body) => Err(classify(status, body.error.code, body.error.message)),
            Err(_) => Err(classify(status, 0, format!("HTTP {status}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_trusts_mozillas_roots_and_speaks_http_1_1() {
        let tls = tls_config().expect("the TLS configuration builds");
        assert_eq!(tls.alpn_protocols, [b"http/1.1".to_vec()]);
        // Every root of Mozilla's store, DigiCert's current one among them (DigiCert issues
        // Meta's certificates).
        let roots = webpki_roots::TLS_SERVER_ROOTS;
        assert!(roots.len() > 100, "{}", roots.len());
        let has_root = |name: &[u8]| {
            roots.iter().any(|anchor| {
                anchor
                    .subject
                    .as_ref()
                    .windows(name.len())
                    .any(|w| w == name)
            })
        };
        assert!(has_root(b"DigiCert Global Root G2"));
        // reqwest takes it as its TLS backend.
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .build()
            .expect("reqwest accepts the preconfigured rustls backend");
    }

    #[test]
    fn username_users_get_recipient_not_to() {
        let body = encode_reply(&ResidentId::User("ID.1".into()), &Reply::text("halo"));
        assert_eq!(body["recipient"], "ID.1");
        assert!(body.get("to").is_none());
        let body = encode_reply(&ResidentId::Phone("628".into()), &Reply::text("halo"));
        assert_eq!(body["to"], "628");
        assert_eq!(body["text"]["body"], "halo");
    }

    #[test]
    fn error_codes_are_classified() {
        assert!(matches!(
            classify(400, 131047, String::new()),
            SendError::OutsideWindow
        ));
        assert!(classify(429, 130429, String::new()).is_transient());
        assert!(classify(500, 0, String::new()).is_transient());
        assert!(matches!(
            classify(401, 190, String::new()),
            SendError::Unauthorized
        ));
        assert!(!classify(400, 100, String::new()).is_transient());
    }
}
