//! The `documents` function: every byte of every document (SPEC 2). This change serves officers'
//! presigned uploads; WhatsApp media fetching and S3 event validation build on it.

use domain::{Request as ServiceRequest, TicketId, service};
use lambda_http::{Body, Request, RequestExt, Response, http::StatusCode};
use serde::{Deserialize, Serialize};
use shared::clock::{Clock, SystemClock};
use shared::config::{ConfigError, Env};
use shared::http::{Problem, body_bytes, json};
use shared::identity::{IdentityError, Officer};
use shared::ports::{BlobStore, PresignedRequest, RequestRepository};
use shared::{blob::S3BlobStore, store::DynamoStore};
use std::sync::Arc;
use std::time::Duration;

/// Types accepted for scans and results; the declared type is checked again against the bytes
/// when the upload lands.
const ACCEPTED_TYPES: [(&str, &str, u64); 3] = [
    ("application/pdf", "pdf", 100 * 1024 * 1024),
    ("image/jpeg", "jpg", 5 * 1024 * 1024),
    ("image/png", "png", 5 * 1024 * 1024),
];
/// The slot name officers use for the finished document.
const RESULT_SLOT: &str = "result";

pub struct Documents {
    pub requests: Arc<dyn RequestRepository>,
    pub blobs: Arc<dyn BlobStore>,
    pub clock: Arc<dyn Clock>,
    pub presign_ttl: Duration,
}

impl Documents {
    pub fn from_env(env: &Env, sdk: &shared::aws::SdkConfig) -> Result<Self, ConfigError> {
        let table = shared::config::table_name(env)?;
        let bucket = env.required("BUCKET_NAME")?;
        let ttl_seconds: u64 = env.parsed("PRESIGN_TTL_SECONDS", 300)?;
        if !(60..=900).contains(&ttl_seconds) {
            return Err(ConfigError::Invalid {
                name: "PRESIGN_TTL_SECONDS",
                reason: "must be between 60 and 900 seconds: presigned URLs live minutes".into(),
            });
        }
        Ok(Self {
            requests: Arc::new(DynamoStore::new(shared::aws::dynamodb_client(sdk), table)),
            blobs: Arc::new(S3BlobStore::new(shared::aws::s3_client(sdk), bucket)),
            clock: Arc::new(SystemClock),
            presign_ttl: Duration::from_secs(ttl_seconds),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// An attachment slot of the request's service, or `result` for the finished document.
    pub slot: String,
    pub content_type: String,
    pub content_length: u64,
}

#[derive(Debug, Serialize)]
pub struct UploadGrant {
    pub document_id: String,
    pub key: String,
    pub upload: PresignedRequest,
}

/// The Lambda handler; every outcome is an HTTP response.
pub async fn handle(
    app: &Documents,
    request: Request,
) -> Result<Response<Body>, lambda_http::Error> {
    let officer = match Officer::from_request(&request) {
        Ok(o) => o,
        Err(err) => {
            let status = match err {
                IdentityError::Anonymous => StatusCode::UNAUTHORIZED,
                IdentityError::NotAnOfficer => StatusCode::FORBIDDEN,
            };
            tracing::warn!(audit = "access_denied", status = status.as_u16(), path = %request.uri().path(), "document API access refused");
            return Ok(Problem::new(status, err.to_string()).into_response());
        }
    };
    let ticket = request
        .path_parameters_ref()
        .and_then(|p| p.first("ticket"))
        .map(str::to_owned)
        .unwrap_or_default();
    Ok(create_upload(app, &officer, &ticket, body_bytes(request.body())).await)
}

async fn create_upload(
    app: &Documents,
    officer: &Officer,
    raw_ticket: &str,
    body: &[u8],
) -> Response<Body> {
    let not_found =
        || Problem::new(StatusCode::NOT_FOUND, "no request with this ticket").into_response();
    let Ok(ticket) = TicketId::parse(raw_ticket) else {
        return not_found();
    };
    let upload: UploadRequest = match serde_json::from_slice(body) {
        Ok(u) => u,
        Err(err) => {
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("invalid body: {err}"),
            )
            .with_field(field_of(&err))
            .into_response();
        }
    };
    let stored = match app.requests.get_request(&ticket).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(),
        Err(err) => {
            tracing::error!(error = %err, "store call failed");
            return Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable, try again",
            )
            .into_response();
        }
    };
    let prefix = match validate_slot(&stored, &upload.slot) {
        Ok(p) => p,
        Err(problem) => return problem.into_response(),
    };
    let Some((_, extension, max_size)) = ACCEPTED_TYPES
        .iter()
        .find(|(mime, _, _)| mime.eq_ignore_ascii_case(upload.content_type.trim()))
    else {
        return Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "content_type must be application/pdf, image/jpeg or image/png",
        )
        .with_field("content_type")
        .into_response();
    };
    if upload.content_length == 0 || upload.content_length > *max_size {
        return Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "content_length must be between 1 and {max_size} bytes for {}",
                upload.content_type
            ),
        )
        .with_field("content_length")
        .into_response();
    }
    let now = app.clock.now();
    // Keys are built by the system only: no user-supplied name or path reaches them.
    let document_id = document_id(now);
    let key = format!("{prefix}/{}/{document_id}.{extension}", ticket.as_str());
    let content_type = ACCEPTED_TYPES
        .iter()
        .find(|(_, ext, _)| ext == extension)
        .map_or("application/octet-stream", |(mime, _, _)| mime);
    match app
        .blobs
        .presign_upload(
            &key,
            content_type,
            upload.content_length,
            now,
            app.presign_ttl,
        )
        .await
    {
        Ok(presigned) => {
            tracing::info!(ticket = %ticket.as_str(), slot = %upload.slot, officer = %officer.subject, "upload granted");
            json(
                StatusCode::CREATED,
                &UploadGrant {
                    document_id,
                    key,
                    upload: presigned,
                },
            )
        }
        Err(err) => {
            tracing::error!(error = %err, "presigning failed");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable, try again",
            )
            .into_response()
        }
    }
}

/// `requests` for an attachment slot of the service, `results` for the finished document.
fn validate_slot(request: &ServiceRequest, slot: &str) -> Result<&'static str, Problem> {
    if slot == RESULT_SLOT {
        return Ok("results");
    }
    if service(request.service).slot(slot).is_some() {
        return Ok("requests");
    }
    let known: Vec<&str> = service(request.service)
        .slots
        .iter()
        .map(|s| s.id)
        .chain(std::iter::once(RESULT_SLOT))
        .collect();
    Err(Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!(
            "unknown slot for {}; expected one of: {}",
            request.service.as_str(),
            known.join(", ")
        ),
    )
    .with_field("slot"))
}

/// Time-ordered and unguessable: sorts by creation in listings, cannot be enumerated.
fn document_id(now: time::OffsetDateTime) -> String {
    let random: u64 = rand::random();
    format!("{:013x}{random:016x}", shared::store::millis(now))
}

/// Best-effort name of the field a JSON error is about, for the problem body.
fn field_of(err: &serde_json::Error) -> String {
    let message = err.to_string();
    for field in ["slot", "content_type", "content_length"] {
        if message.contains(&format!("`{field}`")) {
            return field.to_owned();
        }
    }
    "body".to_owned()
}
