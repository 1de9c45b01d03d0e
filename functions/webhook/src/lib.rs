//! The `webhook` function: the resident conversation over WhatsApp (SPEC 2).
//!
//! `GET /webhook` answers Meta's verification handshake; `POST /webhook` verifies the signature,
//! then processes every message of the batch (`process`) and acknowledges delivery statuses
//! (`statuses`).

pub mod envelope;
pub mod inbound;
pub mod process;
pub mod signature;

use domain::region::Region;
use envelope::MessagesValue;
use lambda_http::{Body, Request, RequestExt, Response, http::Method, http::StatusCode};
use process::ProcessError;
use shared::clock::{Clock, SystemClock};
use shared::config::{ConfigError, Env, WhatsAppConfig};
use shared::http::{Problem, body_bytes, text};
use shared::ports::officer::ServiceConfigRepository;
use shared::ports::{ConversationRepository, Messenger, RequestRepository};
use shared::privacy::mask_wamid;
use shared::store::DynamoStore;
use shared::whatsapp::{SecretsProvider, WhatsApp};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use time::{Date, Duration};

/// How long one delivery may hold a reply before a retried delivery may send it instead
/// (`WEBHOOK_REPLY_LEASE_SECONDS`): longer than a Graph API call can take.
const DEFAULT_REPLY_LEASE_SECONDS: u16 = 30;
/// A half-finished flow starts over after this much silence (`CONVERSATION_IDLE_MINUTES`).
const DEFAULT_IDLE_MINUTES: u32 = 24 * 60;

pub struct Webhook {
    pub secrets: Arc<SecretsProvider>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub requests: Arc<dyn RequestRepository>,
    pub services: Arc<dyn ServiceConfigRepository>,
    pub appointments: Arc<dyn shared::ports::appointments::AppointmentRepository>,
    pub messenger: Arc<dyn Messenger>,
    pub clock: Arc<dyn Clock>,
    pub reply_lease: Duration,
    pub idle_expiry: Duration,
    pub region: Region,
    /// The office named in the greeting, with its hours.
    pub office: domain::office::Office,
    /// Days skipped when counting working days: national holidays and cuti bersama (bundled)
    /// and the local ones (`HOLIDAYS`, ISO dates).
    pub holidays: Vec<Date>,
}

impl Webhook {
    /// Wires the real adapters from configuration (`main` and the local stack).
    pub fn from_env(env: &Env, sdk: &shared::aws::SdkConfig) -> Result<Self, ConfigError> {
        let whatsapp = WhatsAppConfig::from_env(env)?;
        let table = shared::config::table_name(env)?;
        let WhatsApp { secrets, graph } = WhatsApp::new(&whatsapp, sdk)?;
        let region = shared::config::office_region(env)?;
        let store = Arc::new(DynamoStore::new(shared::aws::dynamodb_client(sdk), table));
        Ok(Self {
            secrets,
            conversations: store.clone(),
            requests: store.clone(),
            services: store.clone(),
            appointments: store,
            messenger: graph,
            clock: Arc::new(SystemClock),
            reply_lease: Duration::seconds(i64::from(
                env.parsed("WEBHOOK_REPLY_LEASE_SECONDS", DEFAULT_REPLY_LEASE_SECONDS)?,
            )),
            idle_expiry: Duration::minutes(i64::from(
                env.parsed("CONVERSATION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES)?,
            )),
            region,
            office: shared::config::office(env)?,
            holidays: shared::config::holidays(env)?,
        })
    }
}

/// The Lambda handler. Never fails the invocation: every outcome is an HTTP response.
pub async fn handle(app: &Webhook, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(match *request.method() {
        Method::GET => verify_subscription(app, &request).await,
        Method::POST => receive(app, &request).await,
        _ => Problem::new(StatusCode::METHOD_NOT_ALLOWED, "use GET or POST").into_response(),
    })
}

/// Meta's verification handshake: echo `hub.challenge` when the verify token matches.
async fn verify_subscription(app: &Webhook, request: &Request) -> Response<Body> {
    let params = request.query_string_parameters();
    let secrets = match app.secrets.get().await {
        Ok(s) => s,
        Err(err) => {
            tracing::error!(error = %err, "secrets unavailable");
            return text(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        }
    };
    let token_ok = params
        .first("hub.verify_token")
        .is_some_and(|t| bool::from(t.as_bytes().ct_eq(secrets.verify_token.as_bytes())));
    match (params.first("hub.mode"), params.first("hub.challenge")) {
        (Some("subscribe"), Some(challenge)) if token_ok => text(StatusCode::OK, challenge),
        _ => {
            tracing::warn!("webhook verification refused");
            text(StatusCode::FORBIDDEN, "forbidden")
        }
    }
}

async fn receive(app: &Webhook, request: &Request) -> Response<Body> {
    let secrets = match app.secrets.get().await {
        Ok(s) => s,
        Err(err) => {
            tracing::error!(error = %err, "secrets unavailable");
            return text(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        }
    };
    let body = body_bytes(request.body());
    let header = request
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if let Err(err) = signature::verify(secrets.app_secret.as_bytes(), body, header) {
        // Never log the body: it is unauthenticated and may carry personal data.
        tracing::warn!(reason = %err, bytes = body.len(), "webhook signature rejected");
        return Problem::new(StatusCode::UNAUTHORIZED, "invalid signature").into_response();
    }
    let envelope = match envelope::parse(body) {
        Ok(e) => e,
        Err(err) => {
            tracing::warn!(reason = %err, "webhook body rejected");
            return Problem::new(StatusCode::BAD_REQUEST, err.to_string()).into_response();
        }
    };
    let guard_key =
        process::GuardKeys::new(&secrets.data_key, secrets.data_key_previous.as_deref());

    let mut temporary_failures = 0usize;
    for change in envelope.entry.iter().flat_map(|e| &e.changes) {
        if change.field != "messages" {
            continue;
        }
        let value: MessagesValue = match serde_json::from_value(change.value.clone()) {
            Ok(v) => v,
            Err(err) => {
                tracing::warn!(reason = %err, "change value not understood; skipped");
                continue;
            }
        };
        for message in &value.messages {
            match process::message(app, &guard_key, &value, message).await {
                Ok(()) => {}
                Err(ProcessError::Temporary(reason)) => {
                    temporary_failures += 1;
                    tracing::warn!(wamid = %mask_wamid(&message.id), %reason, "message deferred to Meta's retry");
                }
                Err(ProcessError::Permanent(reason)) => {
                    tracing::error!(wamid = %mask_wamid(&message.id), %reason, "message failed permanently");
                    let resident = inbound::sender(message);
                    // When the resident sent it (as WhatsApp says), so that a redelivery of the
                    // same message names the same record.
                    let sent_at = message
                        .unix_time()
                        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                        .unwrap_or_else(|| app.clock.now());
                    if let Err(err) = app
                        .conversations
                        .record_failed_inbound(&message.id, resident.as_ref(), &reason, sent_at)
                        .await
                    {
                        temporary_failures += 1;
                        tracing::warn!(error = %err, "could not record failed message");
                    }
                }
            }
        }
        for status in &value.statuses {
            if let Err(err) = process::delivery_status(app, status).await {
                temporary_failures += 1;
                tracing::warn!(error = %err, "delivery status deferred to Meta's retry");
            }
        }
        if !value.errors.is_empty() {
            // Account-level errors (e.g. 130429 rate limit) concern no single message; they are
            // logged for operators, and the alarms on failed sends cover their effect.
            tracing::warn!(errors = %serde_json::Value::Array(value.errors.clone()), "WhatsApp reported errors");
        }
    }
    if temporary_failures > 0 {
        // Meta retries the whole POST; messages already committed are skipped by their dedupe
        // record, owed replies are resumed.
        return text(StatusCode::SERVICE_UNAVAILABLE, "retry later");
    }
    text(StatusCode::OK, "EVENT_RECEIVED")
}
