//! The `webhook` function: the resident conversation over WhatsApp (SPEC 2).
//!
//! `GET /webhook` answers Meta's verification handshake; `POST /webhook` verifies the signature,
//! then for each message: read the conversation, run the pure engine, commit the outcome and the
//! message's dedupe record in one transaction, and send the replies.

pub mod envelope;
pub mod signature;

use domain::conversation::{self, Inbound};
use domain::{ResidentId, reply::Reply};
use envelope::{Message, MessagesValue};
use lambda_http::{Body, Request, RequestExt, Response, http::Method, http::StatusCode};
use shared::clock::{Clock, SystemClock};
use shared::config::{ConfigError, Env, WhatsAppConfig};
use shared::http::{Problem, body_bytes, text};
use shared::ports::{
    CommitOutcome, ConversationRepository, InboundCommit, Messenger, OwedReply, ReplyState,
    StoreError,
};
use shared::store::{DynamoStore, millis};
use shared::whatsapp::{GraphClient, SecretsProvider};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

/// How long one delivery may hold a reply before a retried delivery may send it instead
/// (`WEBHOOK_REPLY_LEASE_SECONDS`): longer than a Graph API call can take.
const DEFAULT_REPLY_LEASE_SECONDS: u16 = 30;
/// Attempts when another message of the same resident changes the conversation concurrently.
const CONVERSATION_ATTEMPTS: usize = 5;

pub struct Webhook {
    pub secrets: Arc<SecretsProvider>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub messenger: Arc<dyn Messenger>,
    pub clock: Arc<dyn Clock>,
    pub reply_lease: Duration,
}

impl Webhook {
    /// Wires the real adapters from configuration (`main` and the local stack).
    pub fn from_env(env: &Env, sdk: &shared::aws::SdkConfig) -> Result<Self, ConfigError> {
        let whatsapp = WhatsAppConfig::from_env(env)?;
        let table = shared::config::table_name(env)?;
        let secrets = Arc::new(SecretsProvider::new(whatsapp.secrets.clone(), sdk));
        let messenger =
            GraphClient::new(&whatsapp, secrets.clone()).map_err(|e| ConfigError::Invalid {
                name: "GRAPH_API_BASE_URL",
                reason: e.to_string(),
            })?;
        Ok(Self {
            secrets,
            conversations: Arc::new(DynamoStore::new(shared::aws::dynamodb_client(sdk), table)),
            messenger: Arc::new(messenger),
            clock: Arc::new(SystemClock),
            reply_lease: Duration::seconds(i64::from(
                env.parsed("WEBHOOK_REPLY_LEASE_SECONDS", DEFAULT_REPLY_LEASE_SECONDS)?,
            )),
        })
    }
}

/// Why one message could not be finished now.
#[derive(Debug, thiserror::Error)]
enum ProcessError {
    /// Let Meta retry the whole POST: store or WhatsApp down, a reply still owed.
    #[error("temporary: {0}")]
    Temporary(String),
    /// Retrying cannot help (a bug or bad data): record it for officers and answer 200.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<StoreError> for ProcessError {
    fn from(err: StoreError) -> Self {
        if err.is_transient() {
            ProcessError::Temporary(err.to_string())
        } else {
            ProcessError::Permanent(err.to_string())
        }
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
            match process_message(app, &value, message).await {
                Ok(()) => {}
                Err(ProcessError::Temporary(reason)) => {
                    temporary_failures += 1;
                    tracing::warn!(wamid = %message.id, %reason, "message deferred to Meta's retry");
                }
                Err(ProcessError::Permanent(reason)) => {
                    tracing::error!(wamid = %message.id, %reason, "message failed permanently");
                    let resident = sender(message);
                    if let Err(err) = app
                        .conversations
                        .record_failed_inbound(
                            &message.id,
                            resident.as_ref(),
                            &reason,
                            app.clock.now(),
                        )
                        .await
                    {
                        temporary_failures += 1;
                        tracing::warn!(error = %err, "could not record failed message");
                    }
                }
            }
        }
        if !value.statuses.is_empty() || !value.errors.is_empty() {
            tracing::info!(
                statuses = value.statuses.len(),
                errors = value.errors.len(),
                "delivery updates received"
            );
        }
    }
    if temporary_failures > 0 {
        // Meta retries the whole POST; messages already committed are skipped by their dedupe
        // record, owed replies are resumed.
        return text(StatusCode::SERVICE_UNAVAILABLE, "retry later");
    }
    text(StatusCode::OK, "EVENT_RECEIVED")
}

fn sender(message: &Message) -> Option<ResidentId> {
    ResidentId::from_sender(message.from.as_deref(), message.from_user_id.as_deref())
}

/// What the engine needs to know about one message.
fn inbound(message: &Message) -> Inbound {
    match message.kind.as_str() {
        "text" => Inbound::Text {
            body: message
                .text
                .as_ref()
                .map(|t| t.body.clone())
                .unwrap_or_default(),
        },
        "interactive" => message
            .interactive
            .as_ref()
            .and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref()))
            .map(|choice| Inbound::Choice {
                id: choice.id.clone(),
                title: choice.title.clone(),
            })
            .unwrap_or(Inbound::Unsupported),
        "button" => message
            .button
            .as_ref()
            .and_then(|b| {
                Some(Inbound::Choice {
                    id: b.payload.clone()?,
                    title: b.text.clone().unwrap_or_default(),
                })
            })
            .unwrap_or(Inbound::Unsupported),
        "image" | "document" => Inbound::Media,
        _ => Inbound::Unsupported,
    }
}

async fn process_message(
    app: &Webhook,
    value: &MessagesValue,
    message: &Message,
) -> Result<(), ProcessError> {
    // System notices (e.g. a number change) are not the resident talking: no reply.
    if message.kind == "system" {
        return Ok(());
    }
    let resident = sender(message)
        .ok_or_else(|| ProcessError::Permanent("message without a usable sender id".into()))?;
    let display_name = value
        .contact_for(message)
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.clone());
    let inbound = inbound(message);

    for _ in 0..CONVERSATION_ATTEMPTS {
        let now = app.clock.now();
        let state = app.conversations.get_conversation(&resident).await?;
        let outcome = conversation::step(
            state.as_ref(),
            &resident,
            display_name.as_deref(),
            &inbound,
            now,
        );
        let replies = owed_replies(
            &message.id,
            &resident,
            outcome.replies,
            now + app.reply_lease,
        );
        let commit = InboundCommit {
            wamid: message.id.clone(),
            received_at: now,
            previous_version: state.as_ref().map(|s| s.version),
            conversation: outcome.conversation,
            replies: replies.clone(),
            documents: Vec::new(),
        };
        match app.conversations.commit_inbound(&commit).await {
            Ok(CommitOutcome::Committed) => {
                tracing::info!(wamid = %message.id, resident = %resident, kind = %message.kind, "message committed");
                for reply in &replies {
                    deliver(app, reply).await?;
                }
                return Ok(());
            }
            Ok(CommitOutcome::Duplicate) => return resume_owed_replies(app, &message.id).await,
            // Another message of the same resident moved the conversation first: re-read.
            Err(StoreError::Conflict) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ProcessError::Temporary(
        "conversation kept changing concurrently".into(),
    ))
}

fn owed_replies(
    wamid: &str,
    to: &ResidentId,
    replies: Vec<Reply>,
    lease_until: OffsetDateTime,
) -> Vec<OwedReply> {
    replies
        .into_iter()
        .enumerate()
        .map(|(i, reply)| OwedReply {
            wamid: wamid.to_owned(),
            seq: u8::try_from(i).unwrap_or(u8::MAX),
            to: to.clone(),
            reply,
            state: ReplyState::Sending,
            lease_until_ms: millis(lease_until),
            graph_message_id: None,
        })
        .collect()
}

/// A duplicate delivery: the effects are committed, but a reply may still be owed if the
/// attempt that committed them could not send it.
async fn resume_owed_replies(app: &Webhook, wamid: &str) -> Result<(), ProcessError> {
    let mut still_owed = false;
    for reply in app.conversations.owed_replies(wamid).await? {
        if reply.state != ReplyState::Sending {
            continue;
        }
        let now = app.clock.now();
        if app
            .conversations
            .claim_reply(wamid, reply.seq, now, now + app.reply_lease)
            .await?
        {
            deliver(app, &reply).await?;
        } else {
            // Another delivery holds the lease and may yet fail: keep Meta retrying.
            still_owed = true;
        }
    }
    if still_owed {
        return Err(ProcessError::Temporary(
            "a reply is being sent by another delivery".into(),
        ));
    }
    Ok(())
}

async fn deliver(app: &Webhook, owed: &OwedReply) -> Result<(), ProcessError> {
    match app.messenger.send(&owed.to, &owed.reply).await {
        Ok(graph_id) => {
            app.conversations
                .finish_reply(&owed.wamid, owed.seq, ReplyState::Sent, Some(&graph_id))
                .await?;
            Ok(())
        }
        Err(err) if err.is_transient() => Err(ProcessError::Temporary(err.to_string())),
        Err(err) => {
            // Meta refuses this reply for good (e.g. outside the 24-hour window): record it so
            // it is not retried forever.
            tracing::warn!(wamid = %owed.wamid, seq = owed.seq, error = %err, "reply not deliverable");
            app.conversations
                .finish_reply(&owed.wamid, owed.seq, ReplyState::Failed, None)
                .await?;
            Ok(())
        }
    }
}
