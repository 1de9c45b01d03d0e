//! The `status` function: officers' view of the queue (SPEC 2, 5). Identity comes from the HTTP
//! API's JWT authorizer; every read of personal data is audit-logged.

use domain::TicketId;
use lambda_http::{Body, Request, RequestExt, Response, http::StatusCode};
use shared::clock::{Clock, SystemClock};
use shared::config::{ConfigError, Env};
use shared::http::{Problem, json};
use shared::identity::{IdentityError, Officer};
use shared::ports::{AuditEvent, RequestRepository};
use shared::store::DynamoStore;
use std::sync::Arc;

pub struct Status {
    pub requests: Arc<dyn RequestRepository>,
    pub clock: Arc<dyn Clock>,
}

impl Status {
    pub fn from_env(env: &Env, sdk: &shared::aws::SdkConfig) -> Result<Self, ConfigError> {
        let table = shared::config::table_name(env)?;
        Ok(Self {
            requests: Arc::new(DynamoStore::new(shared::aws::dynamodb_client(sdk), table)),
            clock: Arc::new(SystemClock),
        })
    }
}

/// The Lambda handler; every outcome is an HTTP response.
pub async fn handle(app: &Status, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    let officer = match Officer::from_request(&request) {
        Ok(o) => o,
        Err(err) => return Ok(refuse(&request, err)),
    };
    let ticket = request
        .path_parameters_ref()
        .and_then(|p| p.first("ticket"))
        .map(str::to_owned);
    Ok(match ticket {
        Some(ticket) => get_request(app, &officer, &request, &ticket).await,
        None => Problem::new(StatusCode::NOT_FOUND, "no such route").into_response(),
    })
}

/// 401 without identity, 403 for a caller outside the officer groups; both are logged with the
/// route (never with the token).
fn refuse(request: &Request, err: IdentityError) -> Response<Body> {
    let status = match err {
        IdentityError::Anonymous => StatusCode::UNAUTHORIZED,
        IdentityError::NotAnOfficer => StatusCode::FORBIDDEN,
    };
    tracing::warn!(
        audit = "access_denied",
        status = status.as_u16(),
        path = %request.uri().path(),
        reason = %err,
        "officer API access refused"
    );
    Problem::new(status, err.to_string()).into_response()
}

async fn get_request(
    app: &Status,
    officer: &Officer,
    request: &Request,
    raw: &str,
) -> Response<Body> {
    // An unparseable ticket gets the same answer as an unknown one.
    let not_found =
        || Problem::new(StatusCode::NOT_FOUND, "no request with this ticket").into_response();
    let Ok(ticket) = TicketId::parse(raw) else {
        return not_found();
    };
    let stored = match app.requests.get_request(&ticket).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(),
        Err(err) => return store_failure(err),
    };
    if let Some(scope) = &officer.kecamatan {
        let in_scope = stored
            .applicant
            .as_ref()
            .and_then(|a| a.kecamatan.as_ref())
            .is_some_and(|k| k == scope);
        if !in_scope {
            tracing::warn!(audit = "access_denied", ticket = %ticket.as_str(), officer = %officer.subject, "request outside the officer's kecamatan");
            return Problem::new(StatusCode::FORBIDDEN, "request is outside your kecamatan")
                .into_response();
        }
    }
    let event = read_event(app, officer, request, &ticket);
    if let Err(err) = app.requests.append_audit(&event).await {
        // No audit record, no personal data.
        return store_failure(err);
    }
    json(StatusCode::OK, &stored)
}

fn read_event(app: &Status, officer: &Officer, request: &Request, ticket: &TicketId) -> AuditEvent {
    let context = request.request_context_ref();
    let (source_ip, request_id) = match context {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
            (c.http.source_ip.clone(), c.request_id.clone())
        }
        _ => (None, None),
    };
    let event_id = request_id
        .clone()
        .unwrap_or_else(|| format!("{}", app.clock.now().unix_timestamp_nanos()));
    AuditEvent {
        ticket: *ticket,
        event_id,
        at: app.clock.now(),
        actor: officer.subject.clone(),
        role: officer.role().as_str().to_owned(),
        action: "read".into(),
        from_status: None,
        to_status: None,
        note: None,
        source_ip,
        request_id,
    }
}

fn store_failure(err: shared::ports::StoreError) -> Response<Body> {
    tracing::error!(error = %err, "store call failed");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily unavailable, try again",
    )
    .into_response()
}
