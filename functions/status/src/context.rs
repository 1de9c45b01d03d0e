//! The caller of one officer request: identity from the authorizer's claims, source IP and request
//! id from the API Gateway context, and the audit events they produce.

use crate::error::ApiError;
use domain::{Request as ServiceRequest, TicketId};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use shared::identity::{Officer, Role, Scope};
use shared::ports::AuditEvent;
use time::OffsetDateTime;

pub struct Caller {
    pub officer: Officer,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
}

impl Caller {
    pub fn from_request(request: &Request) -> Result<Self, ApiError> {
        let officer = Officer::from_request(request)?;
        let (source_ip, request_id) = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(c)) => {
                (c.http.source_ip.clone(), c.request_id.clone())
            }
            _ => (None, None),
        };
        Ok(Self {
            officer,
            source_ip,
            request_id,
        })
    }

    pub fn require_supervisor(&self) -> Result<(), ApiError> {
        if self.officer.has(Role::Supervisor) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("this route is for supervisors"))
        }
    }

    /// Export, erasure and service availability act on the whole regency: a supervisor limited
    /// to one kecamatan (or to none) may not use them.
    pub fn require_regency_supervisor(&self) -> Result<(), ApiError> {
        self.require_supervisor()?;
        if self.officer.scope == Scope::Regency {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this route is for regency-wide supervisors",
            ))
        }
    }

    /// 403 unless the officer may see requests at all (regency-wide, or one kecamatan).
    pub fn require_some_scope(&self) -> Result<(), ApiError> {
        if self.officer.scope == Scope::Nothing {
            Err(ApiError::Forbidden("your account has no kecamatan"))
        } else {
            Ok(())
        }
    }

    /// 403 unless the request is in the officer's scope: regency-wide staff see every request,
    /// a kecamatan officer that kecamatan's, an officer without a kecamatan none.
    pub fn check_scope(&self, request: &ServiceRequest) -> Result<(), ApiError> {
        self.require_some_scope()?;
        let kecamatan = request
            .applicant
            .as_ref()
            .and_then(|a| a.kecamatan.as_deref());
        if self.officer.scope.covers(kecamatan) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("request is outside your kecamatan"))
        }
    }

    /// 403 unless the officer works `place`'s counter (`domain::appointment::serves`): its day
    /// list names applicants, so a kecamatan officer reads and marks only their own counter's
    /// (and the office's, which serves everyone).
    pub fn check_place(
        &self,
        office: &domain::office::Office,
        place: &domain::appointment::PlaceId,
    ) -> Result<(), ApiError> {
        self.require_some_scope()?;
        match &self.officer.scope {
            Scope::Kecamatan(own) if !domain::appointment::serves(office, place, own) => Err(
                ApiError::Forbidden("this counter serves other kecamatan than yours"),
            ),
            _ => Ok(()),
        }
    }

    /// A fresh id for an item this call writes: the API Gateway request id is unique per call;
    /// `suffix` separates several items of one call.
    pub fn id(&self, now: OffsetDateTime, suffix: &str) -> String {
        match &self.request_id {
            Some(id) => format!("{id}-{suffix}"),
            None => format!("{}-{suffix}", now.unix_timestamp_nanos()),
        }
    }

    pub fn event(&self, ticket: &TicketId, action: &str, now: OffsetDateTime) -> AuditEvent {
        AuditEvent {
            ticket: *ticket,
            event_id: self.id(now, action),
            at: now,
            actor: self.officer.subject.clone(),
            role: self.officer.role().as_str().to_owned(),
            action: action.to_owned(),
            from_status: None,
            to_status: None,
            note: None,
            source_ip: self.source_ip.clone(),
            request_id: self.request_id.clone(),
        }
    }
}
