//! Graph API error responses:
//! `{"error":{"message","type","code","error_data":{"messaging_product","details"},"fbtrace_id"}}`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Graph code for an invalid parameter.
pub(crate) const INVALID_PARAMETER: i64 = 100;
/// Graph code for an invalid or expired access token.
pub(crate) const INVALID_TOKEN: i64 = 190;

#[derive(Debug, thiserror::Error)]
#[error("{message} ({details})")]
pub(crate) struct GraphError {
    status: StatusCode,
    code: i64,
    message: String,
    details: String,
}

impl GraphError {
    pub(crate) fn new(
        status: StatusCode,
        code: i64,
        message: impl Into<String>,
        details: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: details.into(),
        }
    }

    /// 400, code 100, naming the offending field in `details`.
    pub(crate) fn invalid_parameter(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            INVALID_PARAMETER,
            "(#100) Invalid parameter",
            details,
        )
    }

    /// 401, code 190, as Graph answers a missing or wrong bearer token.
    pub(crate) fn invalid_token(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            INVALID_TOKEN,
            "Invalid OAuth access token - Cannot parse access token",
            details,
        )
    }

    pub(crate) fn not_found(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            INVALID_PARAMETER,
            "(#100) Unsupported get request. Object does not exist, cannot be loaded due to \
             missing permissions, or does not support this operation",
            details,
        )
    }

    /// A failure injected with `fail_next_sends`, worded like the real error for that code.
    pub(crate) fn injected(http_status: u16, code: i64) -> Self {
        // An out-of-range status is a test-setup mistake; a 500 still makes the send fail.
        let status = StatusCode::from_u16(http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match wording(code) {
            Some((message, details)) => Self::new(status, code, message, details),
            None => Self::new(
                status,
                code,
                format!("(#{code}) Injected failure"),
                "Failure injected by fail_next_sends.",
            ),
        }
    }

    /// A refusal the fake makes by itself, with Meta's message for `code` and `details` saying
    /// what exactly was refused (Meta's own details when `None`).
    pub(crate) fn refused(status: StatusCode, code: i64, details: Option<String>) -> Self {
        let (message, default_details) =
            wording(code).unwrap_or(("An unknown error occurred", "Something went wrong."));
        Self::new(
            status,
            code,
            message,
            details.unwrap_or_else(|| default_details.to_owned()),
        )
    }

    pub(crate) fn code(&self) -> i64 {
        self.code
    }
}

/// Meta's message and details for the Graph and Cloud API codes the fake answers with.
fn wording(code: i64) -> Option<(&'static str, &'static str)> {
    Some(match code {
        1 => (
            "An unknown error occurred",
            "Please retry your request later.",
        ),
        2 => (
            "Service temporarily unavailable",
            "Please retry your request later.",
        ),
        4 => (
            "(#4) Application request limit reached",
            "The app has reached its API call rate limit.",
        ),
        190 => (
            "Error validating access token: Session has expired",
            "The access token has expired.",
        ),
        130_429 => (
            "(#130429) Rate limit hit",
            "Cloud API message throughput has been reached.",
        ),
        131_000 => ("(#131000) Something went wrong", "Something went wrong."),
        131_026 => (
            "(#131026) Message undeliverable",
            "Unable to deliver message.",
        ),
        131_047 => (
            "(#131047) Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the \
             customer last replied to this number.",
        ),
        131_048 => (
            "(#131048) Spam rate limit hit",
            "Message failed to send because there are restrictions on how many messages \
             can be sent from this phone number.",
        ),
        131_056 => (
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "Too many messages sent from the sender phone number to the same recipient \
             phone number in a short period of time.",
        ),
        132_000 => (
            "(#132000) Number of parameters does not match the expected number of params",
            "The number of variable parameter values included in the request did not match \
             the number of variable parameters defined in the template.",
        ),
        132_001 => (
            "(#132001) Template name does not exist in the translation",
            "The template does not exist in the specified language or the template has not \
             been approved.",
        ),
        132_012 => (
            "(#132012) Parameter format does not match format in the created template",
            "Variable parameter values formatted incorrectly: they must match the format \
             specified in the approved template.",
        ),
        132_018 => (
            "(#132018) There was an issue with the parameters in your template",
            "A text parameter may not contain new lines, tabs or more than 4 consecutive \
             spaces.",
        ),
        _ => return None,
    })
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "message": self.message,
                "type": "OAuthException",
                "code": self.code,
                "error_data": {
                    "messaging_product": "whatsapp",
                    "details": self.details,
                },
                "fbtrace_id": next_fbtrace_id(),
            }
        });
        (self.status, Json(body)).into_response()
    }
}

/// Real trace ids are opaque strings that differ per request; a counter is enough here.
fn next_fbtrace_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("AFakeTrace{:010}", NEXT.fetch_add(1, Ordering::Relaxed))
}
