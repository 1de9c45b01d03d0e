//! HTTP handlers: the Graph routes, the media download route and the `/_local` contract routes.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::error::GraphError;
use crate::validate::{self, Request};
use crate::{FakeWhatsApp, Fault, OutboundMessage};

/// Graph code of a free-form message outside the customer-service window.
const RE_ENGAGEMENT: i64 = 131_047;

/// Documents may be up to 100 MB (SPEC 6); leave room so the app's own size check is what fires.
const LOCAL_MEDIA_BODY_LIMIT: usize = 110 * 1024 * 1024;

pub(crate) fn graph_router(fake: FakeWhatsApp) -> Router {
    // matchit prefers the static `_media` segment over `{version}`, so these do not clash.
    Router::new()
        .route("/{version}/{phone_number_id}/messages", post(send_message))
        .route("/{version}/{media_id}", get(media_metadata))
        .route("/_media/{media_id}", get(download_media))
        .with_state(fake)
}

pub(crate) fn local_router(fake: FakeWhatsApp) -> Router {
    Router::new()
        .route("/_local/outbox", get(outbox))
        .route(
            "/_local/media",
            post(upload_media).layer(DefaultBodyLimit::max(LOCAL_MEDIA_BODY_LIMIT)),
        )
        .with_state(fake)
}

async fn send_message(
    State(fake): State<FakeWhatsApp>,
    Path((version, phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    check_version(&version)?;
    authorize(&fake, &headers)?;
    let json: Value = serde_json::from_slice(&body).map_err(|e| {
        GraphError::invalid_parameter(format!("The request body must be a JSON object: {e}"))
    })?;

    // Mark-as-read shares the endpoint but is not a send, so it does not consume an injected
    // failure (a test injecting "the next send fails" means the reply, not the read receipt).
    let is_mark_read = json.get("status").is_some();
    if !is_mark_read {
        let queued = fake.lock().send_failures.pop_front();
        if let Some(failure) = queued {
            return Err(GraphError::injected(
                failure.http_status,
                failure.graph_code,
            ));
        }
        injected_fault(&fake).await?;
    }

    let request = validate::validate(&json)
        .map_err(|invalid| GraphError::invalid_parameter(invalid.details()))?;
    let (to, recipient, r#type) = match request {
        Request::MarkRead => return Ok(Json(json!({ "success": true })).into_response()),
        Request::Message {
            to,
            recipient,
            r#type,
        } => (to, recipient, r#type),
    };

    let input = to.clone().or_else(|| recipient.clone()).unwrap_or_default();
    // What Meta refuses by itself once the body is well formed: unapproved or ill-filled
    // templates, and anything else outside the user's 24-hour window.
    let refusal = if r#type == "template" {
        json.get("template")
            .and_then(Value::as_object)
            .and_then(|template| fake.check_template(template).err())
    } else if fake.inside_window(&input, fake.now()) {
        None
    } else {
        Some(GraphError::refused(
            StatusCode::BAD_REQUEST,
            RE_ENGAGEMENT,
            None,
        ))
    };
    // Then the send rates (only a message Meta would otherwise take uses them up).
    let refusal = refusal.or_else(|| fake.admit_send(&input).err());
    if let Some(error) = refusal {
        // A test reading only the outbox would not see a refusal the application handled
        // quietly (a template fallback): say it in the log. No recipient or text (SPEC 8).
        tracing::warn!(code = error.code(), r#type = %r#type, "fake WhatsApp refused a send as Meta would");
        return Err(error);
    }
    // Meta answers with the normalised number (digits only, no `+` or spaces).
    let wa_id = match &to {
        Some(to) => {
            let digits: String = to.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() {
                to.clone()
            } else {
                digits
            }
        }
        None => input.clone(),
    };
    let received_at = fake.now().format(&Rfc3339).unwrap_or_default();

    let id = {
        let mut state = fake.lock();
        let id = format!("wamid.OUT{}", state.next_wamid);
        state.next_wamid += 1;
        state.outbox.push(OutboundMessage {
            id: id.clone(),
            phone_number_id,
            to,
            recipient,
            r#type: r#type.clone(),
            body: json,
            received_at,
        });
        id
    };
    // No recipient or text in the log: they are personal data (SPEC 8).
    tracing::debug!(wamid = %id, r#type = %r#type, "fake-whatsapp recorded outbound message");

    if fake.take_lost_answer() {
        tracing::warn!(wamid = %id, "fake WhatsApp sent a message and lost its answer (injected)");
        return Ok(lost_answer());
    }
    Ok(Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": input, "wa_id": wa_id }],
        "messages": [{ "id": id }],
    }))
    .into_response())
}

/// A 200 whose body breaks off: the client reads a connection error instead of the wamid.
fn lost_answer() -> Response {
    let broken = futures_util::stream::once(async {
        Err::<Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset after the message was accepted",
        ))
    });
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        axum::body::Body::from_stream(broken),
    )
        .into_response()
}

async fn media_metadata(
    State(fake): State<FakeWhatsApp>,
    Path((version, media_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    check_version(&version)?;
    authorize(&fake, &headers)?;
    let now = fake.now();
    let mut state = fake.lock();
    if !state.media.contains_key(&media_id) {
        return Err(unknown_media(&media_id));
    }
    // Each answer hands out a new URL, valid for `MEDIA_URL_LIFETIME` from now.
    let token = format!("{:x}", state.next_media_url);
    state.next_media_url += 1;
    state
        .media_urls
        .insert(token.clone(), (media_id.clone(), now));
    let media = state
        .media
        .get(&media_id)
        .ok_or_else(|| unknown_media(&media_id))?;
    Ok(Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("{}/_media/{media_id}?mid={token}", state.public_base_url),
        "mime_type": media.mime_type,
        "sha256": media.sha256_base64,
        "file_size": media.bytes.len(),
        "id": media_id,
    })))
}

#[derive(serde::Deserialize)]
struct MediaUrl {
    #[serde(default)]
    mid: Option<String>,
}

async fn download_media(
    State(fake): State<FakeWhatsApp>,
    Path(media_id): Path<String>,
    Query(url): Query<MediaUrl>,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    authorize(&fake, &headers)?;
    let has_user_agent = headers
        .get(USER_AGENT)
        .is_some_and(|ua| !ua.as_bytes().trim_ascii().is_empty());
    if !has_user_agent {
        return Err(GraphError::new(
            StatusCode::FORBIDDEN,
            10,
            "(#10) Permission denied",
            "A User-Agent header is required to download media.",
        ));
    }
    injected_fault(&fake).await?;
    let now = fake.now();
    let media = {
        let mut state = fake.lock();
        // Only a URL the media endpoint handed out for this media, within its lifetime.
        let issued = url
            .mid
            .as_ref()
            .and_then(|token| state.media_urls.get(token))
            .filter(|(id, _)| *id == media_id)
            .map(|(_, at)| *at);
        let Some(issued) = issued else {
            return Err(GraphError::not_found(
                "This media URL is not valid; fetch the media metadata for a URL.",
            ));
        };
        if now - issued >= crate::MEDIA_URL_LIFETIME {
            return Err(GraphError::not_found(
                "The media URL has expired; fetch the media metadata again for a new URL.",
            ));
        }
        if state.expired_downloads > 0 {
            state.expired_downloads -= 1;
            return Err(GraphError::not_found(
                "The media URL has expired; fetch the media metadata again for a new URL.",
            ));
        }
        state
            .media
            .get(&media_id)
            .cloned()
            .ok_or_else(|| unknown_media(&media_id))?
    };
    let content_type = HeaderValue::from_str(&media.mime_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok(([(CONTENT_TYPE, content_type)], media.bytes).into_response())
}

/// Applies the random fault plan to one call: an error, or a hang that ends in an error after
/// the caller has (normally) given up. Nothing is recorded or sent either way.
async fn injected_fault(fake: &FakeWhatsApp) -> Result<(), GraphError> {
    match fake.draw_fault() {
        None => Ok(()),
        Some(Fault::Reject(failure)) => Err(GraphError::injected(
            failure.http_status,
            failure.graph_code,
        )),
        Some(Fault::Hang(duration)) => {
            tokio::time::sleep(duration).await;
            Err(GraphError::injected(504, 2))
        }
    }
}

async fn outbox(State(fake): State<FakeWhatsApp>) -> Json<Vec<OutboundMessage>> {
    Json(fake.outbox())
}

async fn upload_media(
    State(fake): State<FakeWhatsApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    let mime_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            GraphError::invalid_parameter(
                "Param Content-Type is required: the MIME type of the media (e.g. image/jpeg)",
            )
        })?;
    let id = fake.register_media_bytes(body, mime_type);
    Ok(Json(json!({ "id": id })))
}

/// Graph versions look like `v25.0`.
fn check_version(version: &str) -> Result<(), GraphError> {
    let valid = version
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| is_digits(major) && is_digits(minor));
    if valid {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            2500,
            "Unknown path components",
            "The first path segment must be an API version such as v25.0.",
        ))
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn authorize(fake: &FakeWhatsApp, headers: &HeaderMap) -> Result<(), GraphError> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match presented {
        None => Err(GraphError::invalid_token(
            "An Authorization: Bearer <access token> header is required.",
        )),
        Some(token) if !token.is_empty() && token == fake.lock().access_token => Ok(()),
        Some(_) => Err(GraphError::invalid_token("The access token is invalid.")),
    }
}

fn unknown_media(media_id: &str) -> GraphError {
    // Only echo ids that look like ids, so arbitrary client input is not reflected back.
    let shown = if is_digits(media_id) && media_id.len() <= 32 {
        media_id
    } else {
        "(invalid id)"
    };
    GraphError::not_found(format!(
        "Unsupported get request. Object with ID '{shown}' does not exist."
    ))
}
