//! Every way an officer call can fail, mapped to HTTP in one place ([`ApiError::into_response`]):
//! RFC 9457 problem bodies naming the field, 4xx for anything a client causes, 503 for the store
//! or WhatsApp being down (SPEC 7).

use domain::officer_actions::{ActionError, ActionKind};
use lambda_http::{Body, Response, http::StatusCode};
use serde::Serialize;
use shared::http::Problem;
use shared::identity::IdentityError;
use shared::ports::{BlobError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    /// The body is not JSON at all.
    #[error("{detail}")]
    Malformed { field: String, detail: String },
    /// A field has a bad value.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    /// The request changed since the caller read it.
    #[error("the request changed since version {expected}; it is now at version {current}")]
    StaleVersion { expected: u64, current: u64 },
    #[error("{detail}")]
    NotAllowed {
        detail: String,
        current_version: u64,
        allowed_actions: Vec<ActionKind>,
    },
    /// What the client asks contradicts what is stored (a slot's bookings, an appointment's
    /// day): re-reading shows why.
    #[error("{0}")]
    Occupied(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("blob storage: {0}")]
    Blob(#[from] BlobError),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: field.into(),
            detail: detail.into(),
        }
    }

    pub fn from_action(err: ActionError, current_version: u64) -> Self {
        match err {
            ActionError::Invalid { field, message } => ApiError::invalid(field, message),
            ActionError::NotAllowed { ref allowed, .. } => ApiError::NotAllowed {
                detail: err.to_string(),
                current_version,
                allowed_actions: allowed.clone(),
            },
            ActionError::ClaimedByOther => {
                ApiError::Forbidden("the request is claimed by another officer")
            }
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            // An access token is a valid credential of the wrong kind for these routes (it has no
            // user attributes): 401, so the client knows to send the ID token.
            ApiError::Identity(IdentityError::Anonymous | IdentityError::NotAnIdToken) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Identity(IdentityError::NotAnOfficer) | ApiError::Forbidden(_) => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Malformed { .. } => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::StaleVersion { .. } | ApiError::NotAllowed { .. } | ApiError::Occupied(_) => {
                StatusCode::CONFLICT
            }
            // A conflict that survived our own re-read, or a store refusing our data: neither is
            // the client's doing, and both may pass.
            ApiError::Store(_) | ApiError::Blob(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        let mut body = ProblemBody {
            problem: Problem::new(status, self.public_detail()),
            allowed_actions: None,
        };
        match self {
            ApiError::Malformed { field, .. } | ApiError::Invalid { field, .. } => {
                body.problem = body.problem.with_field(field);
            }
            ApiError::StaleVersion { current, .. } => {
                body.problem.current_version = Some(current);
                body.problem = body.problem.with_field("expected_version");
            }
            ApiError::NotAllowed {
                current_version,
                allowed_actions,
                ..
            } => {
                body.problem.current_version = Some(current_version);
                body.problem = body.problem.with_field("action");
                body.allowed_actions = Some(allowed_actions);
            }
            ApiError::Store(err) => tracing::error!(error = %err, "store call failed"),
            ApiError::Blob(err) => tracing::error!(error = %err, "blob call failed"),
            _ => {}
        }
        let text = serde_json::to_string(&body).unwrap_or_default();
        let mut response = Response::new(Body::Text(text));
        *response.status_mut() = status;
        if let Ok(value) = "application/problem+json".parse() {
            response
                .headers_mut()
                .insert(lambda_http::http::header::CONTENT_TYPE, value);
        }
        response
    }

    /// What the client reads: internal failures are not described.
    fn public_detail(&self) -> String {
        match self {
            ApiError::Store(_) | ApiError::Blob(_) => "temporarily unavailable, try again".into(),
            other => other.to_string(),
        }
    }
}

#[derive(Serialize)]
struct ProblemBody {
    #[serde(flatten)]
    problem: Problem,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_actions: Option<Vec<ActionKind>>,
}

/// A JSON body parsed into `T`: 400 when it is not JSON, 422 naming the field otherwise.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &Body) -> Result<T, ApiError> {
    let bytes = shared::http::body_bytes(body);
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ApiError::Malformed {
            field: "body".into(),
            detail: "the body must be a JSON object".into(),
        })?;
    if !value.is_object() {
        return Err(ApiError::Malformed {
            field: "body".into(),
            detail: "the body must be a JSON object".into(),
        });
    }
    serde_json::from_value(value).map_err(|err| {
        let message = err.to_string();
        ApiError::invalid(field_of(&message), message)
    })
}

/// serde names the offending field in backquotes (`missing field `x``, `unknown field `x``);
/// type errors do not, so they point at the body.
fn field_of(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .filter(|f| !f.is_empty() && f.len() < 64)
        .unwrap_or("body")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_one_status() {
        assert_eq!(ApiError::from(IdentityError::Anonymous).status(), 401);
        assert_eq!(ApiError::from(IdentityError::NotAnOfficer).status(), 403);
        assert_eq!(ApiError::from(IdentityError::NotAnIdToken).status(), 401);
        assert_eq!(ApiError::invalid("x", "y").status(), 422);
        assert_eq!(
            ApiError::StaleVersion {
                expected: 1,
                current: 2
            }
            .status(),
            409
        );
        assert_eq!(ApiError::from(StoreError::Conflict).status(), 503);
        assert_eq!(ApiError::Occupied("booked".into()).status(), 409);
    }

    #[test]
    fn bodies_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct B {
            expected_version: u64,
        }
        let err = parse_body::<B>(&Body::Text("{}".into())).unwrap_err();
        assert!(matches!(err, ApiError::Invalid { ref field, .. } if field == "expected_version"));
        let err = parse_body::<B>(&Body::Text("nope".into())).unwrap_err();
        assert_eq!(err.status(), 400);
    }
}
