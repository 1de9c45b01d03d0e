//! The local stand-in for API Gateway (HTTP API, payload format 2.0): matches a request against
//! the template's routes, runs the JWT check on officer routes, builds the exact Lambda event API
//! Gateway would send, and calls the real handler with it.

use crate::authorizer::TokenAuthority;
use crate::template::{FunctionId, Route};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Request};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shared::clock::{Clock, OffsetClock};

/// The three real handlers.
pub struct Functions {
    pub webhook: webhook::Webhook,
    pub documents: documents::Documents,
    pub status: status::Status,
}

impl Functions {
    pub async fn invoke(
        &self,
        function: FunctionId,
        request: Request,
    ) -> lambda_http::Response<Body> {
        let result = match function {
            FunctionId::Webhook => webhook::handle(&self.webhook, request).await,
            FunctionId::Documents => documents::handle(&self.documents, request).await,
            FunctionId::Status => status::handle(&self.status, request).await,
        };
        // A handler error is a failed invocation: API Gateway answers 500 with this body.
        result.unwrap_or_else(|err| {
            tracing::error!(error = %err, "handler failed");
            let mut response = lambda_http::Response::new(Body::Text(
                r#"{"message":"Internal Server Error"}"#.into(),
            ));
            *response.status_mut() = lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
    }
}

pub struct Gateway {
    pub routes: Vec<Route>,
    pub functions: Functions,
    pub tokens: TokenAuthority,
    /// The stack's "now" (`/_local/clock`): event times, and what the functions read once
    /// `start` gave them this clock.
    pub clock: OffsetClock,
    /// Woken when the clock moves, so the scheduled sweep runs at once for the time that passed.
    pub clock_moved: tokio::sync::Notify,
    request_counter: AtomicU64,
}

impl Gateway {
    pub fn new(routes: Vec<Route>, functions: Functions, tokens: TokenAuthority) -> Self {
        Self {
            routes,
            functions,
            tokens,
            clock: OffsetClock::new(),
            clock_moved: tokio::sync::Notify::new(),
            request_counter: AtomicU64::new(0),
        }
    }

    /// The same gateway reading `clock` (shared with the functions and the fake Graph API).
    pub fn with_clock(mut self, clock: OffsetClock) -> Self {
        self.clock = clock;
        self
    }

    pub async fn dispatch(
        self: Arc<Self>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        peer: Option<SocketAddr>,
        body: Bytes,
    ) -> Response {
        let path = uri.path().to_owned();
        let Some((route, params)) = self
            .routes
            .iter()
            .find_map(|r| r.matches(method.as_str(), &path).map(|p| (r, p)))
        else {
            return api_gateway_error(StatusCode::NOT_FOUND, "Not Found");
        };
        let claims = if route.requires_jwt {
            let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
            match self.tokens.verify(authorization, &route.scopes) {
                Ok(claims) => Some(claims),
                Err(err) => {
                    tracing::warn!(route = %route.key(), reason = %err, "JWT authorizer refused the request");
                    return api_gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized");
                }
            }
        } else {
            None
        };
        let sequence = self.request_counter.fetch_add(1, Ordering::Relaxed);
        let event = event_json(
            route,
            &params,
            &method,
            &uri,
            &headers,
            peer,
            &body,
            claims,
            sequence,
            self.clock.now(),
        );
        let request = match serde_json::from_value::<ApiGatewayV2httpRequest>(event) {
            Ok(e) => Request::from(LambdaRequest::ApiGatewayV2(e)),
            Err(err) => {
                tracing::error!(error = %err, "could not build the Lambda event");
                return api_gateway_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                );
            }
        };
        let response = self.functions.invoke(route.function, request).await;
        into_axum(response)
    }
}

/// The payload-format-2.0 event API Gateway would send for this request.
#[allow(clippy::too_many_arguments)]
fn event_json(
    route: &Route,
    params: &BTreeMap<String, String>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    body: &Bytes,
    claims: Option<std::collections::HashMap<String, String>>,
    sequence: u64,
    now: time::OffsetDateTime,
) -> Value {
    // API Gateway lowercases header names and joins repeated headers with commas.
    let mut header_map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        header_map
            .entry(name.as_str().to_ascii_lowercase())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let raw_query = uri.query().unwrap_or("").to_owned();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form_urlencoded_pairs(&raw_query) {
        query
            .entry(k)
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&v);
            })
            .or_insert(v);
    }
    let (body_value, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        ),
    };
    let mut context = json!({
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "127",
        "http": {
            "method": method.as_str(),
            "path": uri.path(),
            "protocol": "HTTP/1.1",
            "sourceIp": peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "127.0.0.1".into()),
            "userAgent": header_map.get("user-agent").cloned().unwrap_or_default(),
        },
        "requestId": format!("local-{}-{sequence}", now.unix_timestamp_nanos()),
        "routeKey": route.key(),
        "stage": "$default",
        "time": now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default(),
        "timeEpoch": now.unix_timestamp() * 1000,
    });
    if let Some(claims) = claims {
        context["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": route.key(),
        "rawPath": uri.path(),
        "rawQueryString": raw_query,
        "headers": header_map,
        "requestContext": context,
        "isBase64Encoded": is_base64,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !params.is_empty() {
        // API Gateway hands path parameters to the function percent-decoded.
        let decoded: BTreeMap<&String, String> = params
            .iter()
            .map(|(k, v)| (k, percent_decode(v, false)))
            .collect();
        event["pathParameters"] = json!(decoded);
    }
    if !body.is_empty() {
        event["body"] = body_value;
    }
    event
}

/// `a=1&b=x%20y` → pairs, percent- and plus-decoded.
fn form_urlencoded_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn percent_decode(input: &str, plus_is_space: bool) -> String {
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn api_gateway_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({ "message": message }).to_string(),
    )
        .into_response()
}

fn into_axum(response: lambda_http::Response<Body>) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    let mut out = Response::new(axum::body::Body::from(bytes));
    *out.status_mut() =
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &parts.headers {
        out.headers_mut().append(name.clone(), value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode() {
        assert_eq!(
            form_urlencoded_pairs("hub.mode=subscribe&hub.challenge=a%20b+c&x"),
            vec![
                ("hub.mode".into(), "subscribe".into()),
                ("hub.challenge".into(), "a b c".into()),
                ("x".into(), "".into())
            ]
        );
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("a+b%20c", false), "a+b c");
    }
}
