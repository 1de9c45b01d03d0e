//! Officer routes: `POST /requests/{ticket}/documents` (a presigned upload for one slot or the
//! result) and `GET /requests/{ticket}/documents/{document}` (a presigned download, audited).

use crate::Documents;
use crate::validate::{Area, FileKind, object_key, object_tags};
use domain::document::{Document, DocumentSource, DocumentState, RESULT_SLOT};
use domain::{Request as ServiceRequest, TicketId, service};
use lambda_http::{Body, Request, RequestExt, Response, http::Method, http::StatusCode};
use serde::{Deserialize, Serialize};
use shared::http::{Problem, body_bytes, json};
use shared::identity::{IdentityError, Officer};
use shared::ports::{AuditEvent, PresignedRequest};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// An attachment slot of the request's service, or `result` for the finished document.
    pub slot: String,
    pub content_type: String,
    pub content_length: u64,
    /// The file's name on the officer's machine: kept in the record, never in the key.
    #[serde(default)]
    pub filename: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct UploadGrant {
    pub document_id: String,
    pub key: String,
    pub upload: PresignedRequest,
}

#[derive(Debug, Serialize)]
pub struct DownloadGrant {
    pub document_id: String,
    pub slot: String,
    pub content_type: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub download: PresignedRequest,
}

/// The HTTP handler; every outcome is an HTTP response.
pub async fn handle(
    app: &Documents,
    request: Request,
) -> Result<Response<Body>, lambda_http::Error> {
    let officer = match Officer::from_request(&request) {
        Ok(o) => o,
        Err(err) => {
            // As the status function: an access token (no user attributes) is 401.
            let status = match err {
                IdentityError::Anonymous | IdentityError::NotAnIdToken => StatusCode::UNAUTHORIZED,
                IdentityError::NotAnOfficer => StatusCode::FORBIDDEN,
            };
            tracing::warn!(audit = "access_denied", status = status.as_u16(), path = %request.uri().path(), "document API access refused");
            return Ok(Problem::new(status, err.to_string()).into_response());
        }
    };
    let param = |name: &str| {
        request
            .path_parameters_ref()
            .and_then(|p| p.first(name))
            .map(str::to_owned)
    };
    let ticket = param("ticket").unwrap_or_default();
    Ok(match (request.method(), param("document")) {
        (&Method::POST, None) => {
            create_upload(app, &officer, &ticket, body_bytes(request.body())).await
        }
        (&Method::GET, Some(document)) => {
            download(app, &officer, &request, &ticket, &document).await
        }
        _ => Problem::new(StatusCode::NOT_FOUND, "no such route").into_response(),
    })
}

fn not_found() -> Response<Body> {
    Problem::new(StatusCode::NOT_FOUND, "no request with this ticket").into_response()
}

fn unavailable(err: impl std::fmt::Display) -> Response<Body> {
    tracing::error!(error = %err, "dependency call failed");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily unavailable, try again",
    )
    .into_response()
}

/// The request, if it exists and the officer may see it (same rule as the status function:
/// an officer scoped to a kecamatan sees only requests of that kecamatan, one without a
/// kecamatan sees none).
async fn visible_request(
    app: &Documents,
    officer: &Officer,
    raw_ticket: &str,
) -> Result<ServiceRequest, Response<Body>> {
    // An unparseable ticket gets the same answer as an unknown one.
    let ticket = TicketId::parse(raw_ticket).map_err(|_| not_found())?;
    let stored = match app.requests.get_request(&ticket).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(not_found()),
        Err(err) => return Err(unavailable(err)),
    };
    let kecamatan = stored
        .applicant
        .as_ref()
        .and_then(|a| a.kecamatan.as_deref());
    // Regency-wide staff see every request; without a kecamatan, none.
    if !officer.scope.covers(kecamatan) {
        tracing::warn!(audit = "access_denied", ticket = %ticket.as_str(), officer = %officer.subject, "request outside the officer's kecamatan");
        return Err(
            Problem::new(StatusCode::FORBIDDEN, "request is outside your kecamatan")
                .into_response(),
        );
    }
    Ok(stored)
}

async fn create_upload(
    app: &Documents,
    officer: &Officer,
    raw_ticket: &str,
    body: &[u8],
) -> Response<Body> {
    let upload = match parse_upload(body) {
        Ok(u) => u,
        Err(problem) => return problem.into_response(),
    };
    let stored = match visible_request(app, officer, raw_ticket).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let area = match validate_slot(&stored, &upload.slot) {
        Ok(a) => a,
        Err(problem) => return problem.into_response(),
    };
    let Some(kind) = FileKind::from_content_type(&upload.content_type)
        .filter(|k| FileKind::DOCUMENTS.contains(k))
    else {
        return Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "content_type must be application/pdf, image/jpeg or image/png",
        )
        .with_field("content_type")
        .into_response();
    };
    if upload.content_length == 0 || upload.content_length > kind.max_size() {
        return Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "content_length must be between 1 and {} bytes for {}",
                kind.max_size(),
                kind.content_type()
            ),
        )
        .with_field("content_length")
        .into_response();
    }
    // After the request's own faults (422), as for officer actions. The result is sent to the resident once validated: only a request it may complete (an
    // approved registration, a complaint or consultation being handled) takes one.
    if matches!(area, Area::Results)
        && let Err(err) = domain::check_transition(
            service(stored.service).kind,
            stored.status,
            domain::RequestStatus::Completed,
        )
    {
        return Problem::new(
            StatusCode::CONFLICT,
            format!("the result can be uploaded once the request is approved ({err})"),
        )
        .with_field("slot")
        .into_response();
    }
    let now = app.clock.now();
    // Keys are built by the system only: no user-supplied name or path reaches them.
    let document_id = document_id(now);
    let key = object_key(area, &stored.ticket, &document_id, kind);
    let record = Document {
        ticket: stored.ticket,
        document_id: document_id.clone(),
        slot: upload.slot.clone(),
        state: DocumentState::PendingUpload,
        source: DocumentSource::Officer {
            officer: officer.subject.clone(),
            filename: upload
                .filename
                .as_deref()
                .map(crate::validate::metadata_filename)
                .filter(|f| !f.is_empty()),
        },
        key: Some(key.clone()),
        content_type: Some(kind.content_type().to_owned()),
        size: Some(upload.content_length),
        sha256: None,
        version_id: None,
        attempts: 0,
        failure: None,
        created_at: now,
        updated_at: now,
    };
    // The record comes first: the S3 event of the upload finds what was granted.
    if let Err(err) = app.documents.create_document(&record).await {
        return unavailable(err);
    }
    match app
        .blobs
        .presign_upload(
            &key,
            kind.content_type(),
            upload.content_length,
            &object_tags(area, stored.service),
            now,
            app.presign_ttl,
        )
        .await
    {
        Ok(presigned) => {
            tracing::info!(ticket = %stored.ticket.as_str(), slot = %upload.slot, officer = %officer.subject, document = %document_id, "upload granted");
            json(
                StatusCode::CREATED,
                &UploadGrant {
                    document_id,
                    key,
                    upload: presigned,
                },
            )
        }
        Err(err) => unavailable(err),
    }
}

/// `Scans` for an attachment slot of the service, `Results` for the finished document.
fn validate_slot(request: &ServiceRequest, slot: &str) -> Result<Area, Problem> {
    let definition = service(request.service);
    if slot == RESULT_SLOT {
        return Ok(Area::Results);
    }
    if definition.slot(slot).is_some() {
        return Ok(Area::Scans);
    }
    let known: Vec<&str> = definition
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

async fn download(
    app: &Documents,
    officer: &Officer,
    request: &Request,
    raw_ticket: &str,
    raw_document: &str,
) -> Response<Body> {
    let stored = match visible_request(app, officer, raw_ticket).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let no_document =
        || Problem::new(StatusCode::NOT_FOUND, "no such document for this request").into_response();
    if raw_document.is_empty() || !raw_document.bytes().all(|b| b.is_ascii_hexdigit()) {
        return no_document();
    }
    let document = match app
        .documents
        .get_document(&stored.ticket, raw_document)
        .await
    {
        Ok(Some(d)) => d,
        Ok(None) => return no_document(),
        Err(err) => return unavailable(err),
    };
    let (DocumentState::Stored, Some(key)) = (document.state, document.key.as_deref()) else {
        return Problem::new(
            StatusCode::CONFLICT,
            "the document has no validated file (still pending, rejected or failed)",
        )
        .into_response();
    };
    let extension = key.rsplit('.').next().unwrap_or("bin");
    let filename = format!("{}-{}.{extension}", document.slot, stored.ticket.as_str());
    let now = app.clock.now();
    let presigned = match app
        .objects
        .presign_download(
            key,
            document.version_id.as_deref(),
            &filename,
            now,
            app.presign_ttl,
        )
        .await
    {
        Ok(p) => p,
        Err(err) => return unavailable(err),
    };
    // No audit record, no personal data.
    let event = read_event(app, officer, request, &stored.ticket, &document.document_id);
    if let Err(err) = app.requests.append_audit(&event).await {
        return unavailable(err);
    }
    json(
        StatusCode::OK,
        &DownloadGrant {
            document_id: document.document_id,
            slot: document.slot,
            content_type: document.content_type,
            size: document.size,
            sha256: document.sha256,
            download: presigned,
        },
    )
}

fn read_event(
    app: &Documents,
    officer: &Officer,
    request: &Request,
    ticket: &TicketId,
    document_id: &str,
) -> AuditEvent {
    let (source_ip, request_id) = match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
            (c.http.source_ip.clone(), c.request_id.clone())
        }
        _ => (None, None),
    };
    let now = app.clock.now();
    AuditEvent {
        ticket: *ticket,
        event_id: request_id
            .clone()
            .unwrap_or_else(|| format!("{}", now.unix_timestamp_nanos())),
        at: now,
        actor: officer.subject.clone(),
        role: officer.role().as_str().to_owned(),
        action: "document_read".into(),
        from_status: None,
        to_status: None,
        note: Some(format!("document {document_id}")),
        source_ip,
        request_id,
    }
}

/// Time-ordered and unguessable: sorts by creation in listings, cannot be enumerated.
pub fn document_id(now: time::OffsetDateTime) -> String {
    let random: u64 = rand::random();
    format!("{:013x}{random:016x}", shared::store::millis(now))
}

/// The upload body: 400 when it is not a JSON object at all (as the status function answers),
/// 422 naming the field when a field is missing, unknown or of the wrong type.
fn parse_upload(body: &[u8]) -> Result<UploadRequest, Problem> {
    let value = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| {
            Problem::new(StatusCode::BAD_REQUEST, "the body must be a JSON object")
                .with_field("body")
        })?;
    serde_json::from_value(value).map_err(|err| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("invalid body: {err}"),
        )
        .with_field(field_of(&err))
    })
}

/// Best-effort name of the field a JSON error is about, for the problem body.
fn field_of(err: &serde_json::Error) -> String {
    let message = err.to_string();
    for field in ["slot", "content_type", "content_length", "filename"] {
        if message.contains(&format!("`{field}`")) {
            return field.to_owned();
        }
    }
    "body".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_is_not_a_json_object_is_400_and_a_bad_field_422() {
        for body in [&b"nope"[..], b"", b"\x00", b"[]", b"42", b"\"slot\""] {
            let problem = parse_upload(body).unwrap_err();
            assert_eq!(problem.status, 400, "{body:?}");
            assert_eq!(problem.field.as_deref(), Some("body"));
        }
        let problem = parse_upload(br#"{"content_type": "application/pdf", "content_length": 1}"#)
            .unwrap_err();
        assert_eq!(
            (problem.status, problem.field.as_deref()),
            (422, Some("slot"))
        );
        let problem = parse_upload(
            br#"{"slot": "result", "content_type": "application/pdf", "content_length": 1, "x": 1}"#,
        )
        .unwrap_err();
        assert_eq!(problem.status, 422);
        let upload = parse_upload(
            br#"{"slot": "result", "content_type": "application/pdf", "content_length": 1}"#,
        )
        .unwrap();
        assert_eq!((upload.slot.as_str(), upload.content_length), ("result", 1));
    }
}
