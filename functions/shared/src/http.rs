//! HTTP helpers shared by the handlers: JSON responses and RFC 9457 problem details, so every
//! client error has the same machine-readable shape (SPEC section 7).

use lambda_http::{Body, Response, http::StatusCode};
use serde::Serialize;

/// An RFC 9457 problem document. `field` names the offending input when there is one.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            field: None,
            current_version: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn into_response(self) -> Response<Body> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_default();
        with_body(status, "application/problem+json", body)
    }
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(body) => with_body(status, "application/json", body),
        Err(err) => {
            tracing::error!(error = %err, "response serialisation failed");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    with_body(status, "text/plain; charset=utf-8", body.into())
}

fn with_body(status: StatusCode, content_type: &str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(lambda_http::http::header::CONTENT_TYPE, value);
    }
    response
}

/// The raw bytes of a request body, whatever form API Gateway delivered it in (lambda_http has
/// already decoded a base64 body into `Body::Binary`).
pub fn body_bytes(body: &Body) -> &[u8] {
    match body {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_is_rfc9457_json() {
        let response = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "slot is unknown")
            .with_field("slot")
            .into_response();
        assert_eq!(response.status(), 422);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let Body::Text(body) = response.body() else {
            panic!("text body expected")
        };
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(value["status"], 422);
        assert_eq!(value["field"], "slot");
        assert_eq!(value["title"], "Unprocessable Entity");
    }
}
