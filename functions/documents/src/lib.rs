//! The `documents` function: every byte of every document (SPEC 2). One Lambda, three triggers:
//!
//! - officer routes of the HTTP API (`http`): presigned uploads and downloads;
//! - the table's stream (`fetch`): WhatsApp media recorded by the webhook, fetched into S3, and
//!   (`erasure`) the objects of tickets erased by `status` (UU PDP), deleted with every version;
//!   (`archive`) every audit event, copied to the write-once audit archive;
//! - S3 `ObjectCreated` (`uploads`): officers' uploads validated, results delivered.
//!
//! [`invoke`] tells the three event shapes apart; `main` only wires.

pub mod appointments;
pub mod archive;
pub mod digest;
pub mod erasure;
pub mod fetch;
pub mod http;
pub mod sweep;
pub mod uploads;
pub mod validate;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::s3::S3Event;
use domain::document::{ATTACHMENT_SLOT, Document, DocumentState, RESULT_SLOT};
use domain::office::Office;
use domain::reply::Reply;
use domain::{Request as ServiceRequest, SlotFill};
use lambda_http::Body;
use lambda_http::request::LambdaRequest;
use serde_json::Value;
use shared::clock::{Clock, SystemClock};
use shared::config::{ConfigError, Env, WhatsAppConfig};
use shared::delivery::{self, Channels, Outgoing, Templates};
use shared::mail::SnsSupervisorMail;
use shared::objects::{S3AuditArchive, S3ObjectEraser};
use shared::ports::digest::{DigestLedger, SupervisorMail};
use shared::ports::documents::{DocumentMessenger, DocumentRepository, MediaSource, ObjectStore};
use shared::ports::erasure::{ObjectEraser, ObjectErasureRepository};
use shared::ports::officer::{
    NotificationRepository, OfficerRepository, PendingMessage, TemplateMessenger,
};
use shared::ports::{
    AuditArchive, AuditEvent, BlobStore, Messenger, RequestRepository, StoreError,
};
use shared::whatsapp::WhatsApp;
use shared::{blob::S3BlobStore, store::DynamoStore};
use std::sync::Arc;
use std::time::Duration;

pub use http::handle;

/// Fetch attempts before a resident is asked to send an item again. Fewer than the stream
/// mapping's deliveries (1 + `MaximumRetryAttempts`), so the function gives up (and says so)
/// before Lambda does.
const DEFAULT_MAX_FETCH_ATTEMPTS: u32 = 5;
/// The pause after a first failed fetch attempt, doubled after each further one (see
/// `fetch::retry_pause`).
const DEFAULT_FETCH_RETRY_PAUSE_MS: u64 = 2_000;
/// How long one delivery owns a document it is fetching: longer than a 100 MB download.
const FETCH_LEASE_SECONDS: i64 = 900;
/// Attempts when the request changes between reading and writing it.
const REQUEST_ATTEMPTS: usize = 5;

pub struct Documents {
    pub requests: Arc<dyn RequestRepository>,
    pub documents: Arc<dyn DocumentRepository>,
    pub blobs: Arc<dyn BlobStore>,
    pub objects: Arc<dyn ObjectStore>,
    /// Erasure (UU PDP): every version under an erased ticket's prefixes.
    pub eraser: Arc<dyn ObjectEraser>,
    pub erasures: Arc<dyn ObjectErasureRepository>,
    /// The write-once copy of every audit event (issue #17).
    pub audit_archive: Arc<dyn AuditArchive>,
    /// Every notice sent (or not) to a resident about a scan.
    pub notifications: Arc<dyn NotificationRepository>,
    pub media: Arc<dyn MediaSource>,
    pub messenger: Arc<dyn Messenger>,
    pub document_messenger: Arc<dyn DocumentMessenger>,
    pub templates: Arc<dyn TemplateMessenger>,
    pub template_names: Templates,
    /// Where residents collect cards, named in the result's caption.
    pub office: Office,
    pub clock: Arc<dyn Clock>,
    pub presign_ttl: Duration,
    pub max_fetch_attempts: u32,
    /// Lambda redelivers a failed stream record at once; this pause (doubled per attempt) is what
    /// spreads the attempts over a Graph API rate limit or outage.
    pub fetch_retry_pause: Duration,
    pub fetch_lease: time::Duration,
    /// Open complaints for the supervisors' daily digest (the status queues, GSI1).
    pub officer: Arc<dyn OfficerRepository>,
    pub digest_ledger: Arc<dyn DigestLedger>,
    /// Bookings to remind and to mark no-shows (issue #19 §3).
    pub appointments: Arc<dyn shared::ports::appointments::AppointmentRepository>,
    /// `None` without `COMPLAINT_DIGEST_TOPIC_ARN`: the digest is computed and logged, not sent.
    pub supervisor_mail: Option<Arc<dyn SupervisorMail>>,
    /// National holidays and cuti bersama plus `HOLIDAYS`: how many working days late.
    pub holidays: Vec<time::Date>,
}

impl Documents {
    pub fn from_env(env: &Env, sdk: &shared::aws::SdkConfig) -> Result<Self, ConfigError> {
        let table = shared::config::table_name(env)?;
        let bucket = env.required("BUCKET_NAME")?;
        let archive_bucket = env.required("AUDIT_ARCHIVE_BUCKET")?;
        let ttl_seconds: u64 = env.parsed("PRESIGN_TTL_SECONDS", 300)?;
        if !(60..=900).contains(&ttl_seconds) {
            return Err(ConfigError::Invalid {
                name: "PRESIGN_TTL_SECONDS",
                reason: "must be between 60 and 900 seconds: presigned URLs live minutes".into(),
            });
        }
        let max_fetch_attempts: u32 =
            env.parsed("DOCUMENTS_MAX_FETCH_ATTEMPTS", DEFAULT_MAX_FETCH_ATTEMPTS)?;
        if max_fetch_attempts == 0 {
            return Err(ConfigError::Invalid {
                name: "DOCUMENTS_MAX_FETCH_ATTEMPTS",
                reason: "must be at least 1".into(),
            });
        }
        let fetch_retry_pause_ms: u64 = env.parsed(
            "DOCUMENTS_FETCH_RETRY_PAUSE_MS",
            DEFAULT_FETCH_RETRY_PAUSE_MS,
        )?;
        if fetch_retry_pause_ms > 60_000 {
            return Err(ConfigError::Invalid {
                name: "DOCUMENTS_FETCH_RETRY_PAUSE_MS",
                reason: "must be at most 60000: the pauses add up inside the function's timeout"
                    .into(),
            });
        }
        let whatsapp = WhatsAppConfig::from_env(env)?;
        let WhatsApp { graph, .. } = WhatsApp::new(&whatsapp, sdk)?;
        let store = Arc::new(DynamoStore::new(shared::aws::dynamodb_client(sdk), table));
        let s3_client = shared::aws::s3_client(sdk);
        let eraser = Arc::new(S3ObjectEraser::new(s3_client.clone(), bucket.clone()));
        let audit_archive = Arc::new(S3AuditArchive::new(s3_client.clone(), archive_bucket));
        let s3 = Arc::new(S3BlobStore::new(s3_client, bucket));
        let supervisor_mail = env
            .optional("COMPLAINT_DIGEST_TOPIC_ARN")
            .filter(|arn| !arn.is_empty())
            .map(|arn| {
                Arc::new(SnsSupervisorMail::new(shared::aws::sns_client(sdk), arn))
                    as Arc<dyn SupervisorMail>
            });
        Ok(Self {
            requests: store.clone(),
            documents: store.clone(),
            erasures: store.clone(),
            officer: store.clone(),
            digest_ledger: store.clone(),
            appointments: store.clone(),
            supervisor_mail,
            holidays: shared::config::holidays(env)?,
            notifications: store,
            blobs: s3.clone(),
            objects: s3,
            eraser,
            audit_archive,
            media: graph.clone(),
            messenger: graph.clone(),
            templates: graph.clone(),
            document_messenger: graph,
            template_names: Templates::from_env(env),
            office: shared::config::office(env)?,
            clock: Arc::new(SystemClock),
            presign_ttl: Duration::from_secs(ttl_seconds),
            max_fetch_attempts,
            fetch_retry_pause: Duration::from_millis(fetch_retry_pause_ms),
            fetch_lease: time::Duration::seconds(FETCH_LEASE_SECONDS),
        })
    }
}

impl Documents {
    /// The same function reading another clock (tests and tools: a retry sweep an hour on).
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Self {
        Self {
            requests: self.requests.clone(),
            documents: self.documents.clone(),
            blobs: self.blobs.clone(),
            objects: self.objects.clone(),
            eraser: self.eraser.clone(),
            erasures: self.erasures.clone(),
            audit_archive: self.audit_archive.clone(),
            notifications: self.notifications.clone(),
            media: self.media.clone(),
            messenger: self.messenger.clone(),
            document_messenger: self.document_messenger.clone(),
            templates: self.templates.clone(),
            template_names: self.template_names.clone(),
            office: self.office.clone(),
            clock,
            presign_ttl: self.presign_ttl,
            max_fetch_attempts: self.max_fetch_attempts,
            fetch_retry_pause: self.fetch_retry_pause,
            fetch_lease: self.fetch_lease,
            officer: self.officer.clone(),
            digest_ledger: self.digest_ledger.clone(),
            appointments: self.appointments.clone(),
            supervisor_mail: self.supervisor_mail.clone(),
            holidays: self.holidays.clone(),
        }
    }
}

pub use shared::ports::ProcessError;

/// The event shapes this function is invoked with.
#[derive(Debug)]
pub enum Event {
    Http(Box<LambdaRequest>),
    S3(S3Event),
    Stream(DynamoDbEvent),
    /// The EventBridge schedule of the notification retry sweep.
    Schedule,
    /// The daily schedule of the supervisors' complaint digest (`{"task": "complaint_digest"}`,
    /// the schedule's fixed input in template.yaml).
    ComplaintDigest,
    /// The daily appointment run: reminders and no-shows (`{"task": "appointment_reminders"}`).
    Appointments,
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("unrecognised event shape")]
    Unknown,
    #[error("malformed {kind} event: {source}")]
    Malformed {
        kind: &'static str,
        source: serde_json::Error,
    },
}

impl Event {
    /// Tells the shapes apart by their distinguishing fields: `requestContext` (API Gateway),
    /// `Records[].eventSource` `aws:s3` or `aws:dynamodb`.
    pub fn parse(value: Value) -> Result<Self, EventError> {
        let malformed = |kind| move |source| EventError::Malformed { kind, source };
        if value.get("task").and_then(Value::as_str) == Some(digest::TASK) {
            return Ok(Event::ComplaintDigest);
        }
        if value.get("task").and_then(Value::as_str) == Some(appointments::TASK) {
            return Ok(Event::Appointments);
        }
        if value.get("source").and_then(Value::as_str) == Some("aws.events") {
            return Ok(Event::Schedule);
        }
        if value.get("requestContext").is_some() {
            return serde_json::from_value(value)
                .map(|r| Event::Http(Box::new(r)))
                .map_err(malformed("HTTP"));
        }
        let source = value
            .get("Records")
            .and_then(Value::as_array)
            .map(|records| {
                records
                    .first()
                    .and_then(|r| r.get("eventSource"))
                    .and_then(Value::as_str)
                    .unwrap_or("aws:dynamodb")
            });
        match source {
            Some("aws:s3") => serde_json::from_value(value)
                .map(Event::S3)
                .map_err(malformed("S3")),
            Some("aws:dynamodb") => serde_json::from_value(value)
                .map(Event::Stream)
                .map_err(malformed("DynamoDB stream")),
            _ => Err(EventError::Unknown),
        }
    }
}

/// The Lambda entry: any of the three event shapes in, the matching response out.
pub async fn invoke(app: &Documents, payload: Value) -> Result<Value, lambda_http::Error> {
    match Event::parse(payload)? {
        Event::Http(request) => {
            let response = handle(app, lambda_http::Request::from(*request)).await?;
            Ok(serde_json::to_value(http_response(response))?)
        }
        Event::S3(event) => {
            uploads::handle_s3(app, event).await?;
            Ok(Value::Null)
        }
        Event::Stream(event) => Ok(serde_json::to_value(
            fetch::handle_stream(app, event).await,
        )?),
        Event::Schedule => Ok(serde_json::to_value(sweep::sweep(app).await?)?),
        Event::ComplaintDigest => Ok(serde_json::to_value(digest::run(app).await?)?),
        Event::Appointments => Ok(serde_json::to_value(appointments::run(app).await?)?),
    }
}

/// The payload-2.0 response API Gateway expects for a handler's `http::Response`.
pub fn http_response(response: lambda_http::Response<Body>) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(parts.status.as_u16());
    out.is_base64_encoded = matches!(body, Body::Binary(_));
    out.body = match body {
        Body::Empty => None,
        other => Some(other),
    };
    out.headers = parts.headers;
    out
}

/// An audit event by the system about one document (no personal data: ids and reasons only).
pub(crate) fn system_event(
    app: &Documents,
    document: &Document,
    action: &str,
    note: Option<String>,
) -> AuditEvent {
    let now = app.clock.now();
    AuditEvent {
        ticket: document.ticket,
        event_id: format!("{}-{action}", document.document_id),
        at: now,
        actor: "documents".into(),
        role: "system".into(),
        action: action.into(),
        from_status: None,
        to_status: None,
        note: Some(match note {
            Some(n) => format!("document {} ({}): {n}", document.document_id, document.slot),
            None => format!("document {} ({})", document.document_id, document.slot),
        }),
        source_ip: None,
        request_id: None,
    }
}

/// The request with `document` filling its slot: a newer scan replaces an older one in the
/// same slot, except free attachments, which accumulate. Results fill no slot.
pub(crate) fn fill_slot(request: &ServiceRequest, document: &Document) -> Option<ServiceRequest> {
    if document.slot == RESULT_SLOT {
        return None;
    }
    // The webhook fills the slot when the media arrives; rewriting the same fill would only bump
    // the version and make the resident's next message retry its commit.
    let already = SlotFill {
        slot: document.slot.clone(),
        document_id: document.document_id.clone(),
    };
    if request.slots.contains(&already) {
        return None;
    }
    let mut next = request.clone();
    if document.slot != ATTACHMENT_SLOT {
        next.slots.retain(|s| s.slot != document.slot);
    }
    next.slots.push(SlotFill {
        slot: document.slot.clone(),
        document_id: document.document_id.clone(),
    });
    Some(next)
}

/// Records a validated document as stored and fills its slot, atomically; retried when the
/// request changes in between. `None` when another delivery already finished the document (or
/// the request is gone), else the request as it now stands.
pub(crate) async fn commit_stored(
    app: &Documents,
    claimed: Document,
    key: &str,
    version: Option<String>,
    validated: &validate::Validated,
    expected: DocumentState,
) -> Result<Option<ServiceRequest>, ProcessError> {
    let now = app.clock.now();
    let mut stored = claimed;
    stored.state = DocumentState::Stored;
    stored.key = Some(key.to_owned());
    stored.version_id = version;
    stored.content_type = Some(validated.kind.content_type().to_owned());
    stored.size = Some(validated.size);
    stored.sha256 = Some(validated.sha256.clone());
    stored.failure = None;
    stored.updated_at = now;
    let event = system_event(app, &stored, "document_stored", None);
    for _ in 0..REQUEST_ATTEMPTS {
        let Some(request) = app.requests.get_request(&stored.ticket).await? else {
            app.documents
                .finish_document(&stored, expected, None, std::slice::from_ref(&event))
                .await?;
            return Ok(None);
        };
        let updated = fill_slot(&request, &stored).map(|mut r| {
            r.version = request.version + 1;
            r.updated_at = now;
            r
        });
        let change = updated.as_ref().map(|r| (r, request.version));
        match app
            .documents
            .finish_document(&stored, expected, change, std::slice::from_ref(&event))
            .await
        {
            Ok(()) => return Ok(Some(updated.unwrap_or(request))),
            Err(StoreError::Conflict) => {
                let current = app
                    .documents
                    .get_document(&stored.ticket, &stored.document_id)
                    .await?;
                if current.is_none_or(|d| d.state != expected) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ProcessError::Temporary(
        "the request kept changing while recording a document".into(),
    ))
}

/// Tells the resident something about `document` and records the notice under the request
/// (see [`notify_resident`]).
pub(crate) async fn notify(
    app: &Documents,
    request: &ServiceRequest,
    document: &Document,
    cause: &str,
    reply: Reply,
) {
    notify_resident(
        app,
        request.ticket,
        &request.resident,
        format!("{}-{cause}", document.document_id),
        cause,
        reply,
    )
    .await;
}

/// Tells the resident something about ticket `ticket` and records the notice under the request,
/// sent or not, where officers see it beside the status function's notifications (no text: the
/// cause names it). `notification_id` is derived from what the notice is about, so a retried
/// event records the same notice. A temporary failure is left to the retry sweep; what the
/// notice is about is already committed either way. A failed send logs "resident notification
/// not sent", which the WhatsApp send-failure alarm counts (template.yaml).
pub(crate) async fn notify_resident(
    app: &Documents,
    ticket: domain::TicketId,
    resident: &domain::ResidentId,
    notification_id: String,
    cause: &str,
    reply: Reply,
) {
    let now = app.clock.now();
    let notification =
        domain::messages::notifications::Notification::from_text(&ticket, reply.body());
    let channels = Channels {
        messenger: app.messenger.as_ref(),
        templates: app.templates.as_ref(),
        documents: None,
        notifications: app.notifications.as_ref(),
        names: &app.template_names,
    };
    let sent = channels
        .attempt(resident, Outgoing::Notice(&notification), now)
        .await;
    if let Err(err) = &sent.result {
        tracing::warn!(error = %err, ticket = %ticket.as_str(), resident = %resident.masked(), cause, "resident notification not sent");
    }
    let mut record = delivery::first_record(ticket, notification_id, now, cause);
    delivery::settle(
        &mut record,
        sent,
        PendingMessage::Notice {
            resident: resident.clone(),
            notification,
        },
        now,
    );
    if let Err(err) = app.notifications.record_notification(&record).await {
        tracing::error!(ticket = %ticket.as_str(), error = %err, "notification record not stored");
    }
}
