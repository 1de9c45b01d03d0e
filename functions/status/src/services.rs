//! `GET /services` and `PUT /services/{code}` (supervisor): availability and notice of each
//! service, stored as `SVC#<code>` / `CONFIG` so the webhook reads the change on its next message,
//! without a redeploy.

use crate::Status;
use crate::context::Caller;
use crate::error::{ApiError, parse_body};
use domain::{Availability, Category, ServiceCode, ServiceKind};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use shared::http::json;
use shared::ports::officer::ServiceSetting;

/// The notice is sent to residents on WhatsApp as part of a text message.
pub const NOTICE_MAX_CHARS: usize = 1000;

#[derive(Serialize)]
struct ServiceView {
    code: ServiceCode,
    name: &'static str,
    kind: ServiceKind,
    category: Category,
    max_working_days: u8,
    available: bool,
    notice: Option<String>,
    updated_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    updated_at: Option<time::OffsetDateTime>,
}

impl From<ServiceSetting> for ServiceView {
    fn from(s: ServiceSetting) -> Self {
        let d = domain::service(s.code);
        Self {
            code: s.code,
            name: d.name,
            kind: d.kind,
            category: d.category,
            max_working_days: d.max_working_days,
            available: s.availability.is_available(),
            notice: s.availability.notice().map(str::to_owned),
            updated_by: s.updated_by,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutBody {
    available: bool,
    #[serde(default)]
    notice: Option<String>,
}

pub async fn list(app: &Status, _caller: &Caller) -> Result<Response<Body>, ApiError> {
    let settings = app.services.service_settings().await?;
    let views: Vec<ServiceView> = settings.into_iter().map(ServiceView::from).collect();
    Ok(json(StatusCode::OK, &views))
}

pub async fn put(
    app: &Status,
    caller: &Caller,
    code: Option<&str>,
    body: &Body,
) -> Result<Response<Body>, ApiError> {
    // A service's availability holds for every kecamatan.
    caller.require_regency_supervisor()?;
    let code: ServiceCode = code
        .and_then(|c| c.parse().ok())
        .ok_or(ApiError::NotFound("no such service"))?;
    let body: PutBody = parse_body(body)?;
    let availability = if body.available {
        Availability::Available
    } else {
        let notice = body.notice.as_deref().map(str::trim).unwrap_or_default();
        if notice.is_empty() {
            return Err(ApiError::invalid(
                "notice",
                "a suspended service needs a notice for residents",
            ));
        }
        if notice.chars().count() > NOTICE_MAX_CHARS {
            return Err(ApiError::invalid(
                "notice",
                format!("at most {NOTICE_MAX_CHARS} characters"),
            ));
        }
        Availability::Suspended {
            notice: notice.to_owned(),
        }
    };
    let setting = ServiceSetting {
        code,
        availability,
        updated_by: Some(caller.officer.subject.clone()),
        updated_at: Some(app.clock.now()),
    };
    app.services.put_service_setting(&setting).await?;
    tracing::info!(
        audit = "service_config",
        service = %code,
        available = setting.availability.is_available(),
        officer = %caller.officer.subject,
        request_id = caller.request_id.as_deref().unwrap_or(""),
        "service availability changed"
    );
    Ok(json(StatusCode::OK, &ServiceView::from(setting)))
}
