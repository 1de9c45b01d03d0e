//! A counting, fault-injecting HTTP proxy between the stack's AWS SDK clients and the emulator.
//!
//! Every call is named (`dynamodb:GetItem`, `s3:PutObject`, ...) and counted, which is how the
//! benchmark knows the calls per inbound message without instrumenting the functions. A fault
//! plan makes calls fail the way AWS does: throttling (DynamoDB `ThrottlingException`, S3
//! `SlowDown`), internal errors before the call reaches the emulator, and internal errors *after*
//! it was applied (the response is lost: the harshest case for idempotency). An outage closes the
//! listening socket and every open connection, so clients see connection refused, exactly as if
//! the emulator process had been killed, then listens again on the same port.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// Probabilities (0.0–1.0) of each injected fault, per call.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AwsFaultPlan {
    /// Throttled before reaching the emulator.
    pub throttle: f64,
    /// HTTP 500 before reaching the emulator.
    pub server_error: f64,
    /// Forwarded and applied, then answered with HTTP 500: the client cannot know it succeeded.
    pub lost_response: f64,
    pub seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Throttle,
    ServerError,
    LostResponse,
}

/// Injected fault counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AwsFaultCounts {
    pub throttle: u64,
    pub server_error: u64,
    pub lost_response: u64,
    /// Outages (listener and connections closed).
    pub outages: u64,
}

struct Inner {
    upstream: String,
    client: reqwest::Client,
    state: Mutex<ProxyState>,
    /// moto applies conditional writes and transactions without isolation between its request
    /// threads (two identical conditional puts can both succeed; a transaction can fail with
    /// "dictionary changed size during iteration"). DynamoDB is linearizable per item, so the
    /// proxy lets one DynamoDB call reach moto at a time: what the system sees is then what it
    /// would see in AWS.
    dynamodb_turn: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct ProxyState {
    plan: AwsFaultPlan,
    draws: u64,
    calls: BTreeMap<String, u64>,
    faults: AwsFaultCounts,
    recording: bool,
    recorded: Vec<RecordedCall>,
}

/// One application call as it reached the proxy, to be replayed against the emulator alone.
#[derive(Clone, Debug)]
pub struct RecordedCall {
    pub operation: String,
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
}

/// Operations that only the local stack makes, standing in for Lambda's event source mappings
/// (stream and bucket polling): AWS does not bill them to the application.
pub fn is_event_emulation(operation: &str) -> bool {
    operation.starts_with("streams:")
        || matches!(
            operation,
            "dynamodb:DescribeTable"
                | "s3:ListObjectVersions"
                | "s3:ListObjectsV2"
                | "s3:ListObjects"
        )
}

pub struct AwsProxy {
    inner: Arc<Inner>,
    addr: SocketAddr,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl AwsProxy {
    /// Listens on a free loopback port and forwards to `upstream` (the emulator's URL).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .map_err(std::io::Error::other)?,
            state: Mutex::new(ProxyState::default()),
            dynamodb_turn: tokio::sync::Mutex::new(()),
        });
        let server = tokio::spawn(serve(listener, inner.clone()));
        Ok(Self {
            inner,
            addr,
            server: Mutex::new(Some(server)),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_plan(&self, plan: AwsFaultPlan) {
        let mut state = self.inner.lock();
        state.plan = plan;
        state.draws = 0;
    }

    /// Calls seen since the last reset, by `service:Operation`.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.inner.lock().calls.clone()
    }

    pub fn faults(&self) -> AwsFaultCounts {
        self.inner.lock().faults
    }

    /// Starts keeping every application call (not event polling) for [`Self::take_recorded`].
    pub fn record(&self, on: bool) {
        self.inner.lock().recording = on;
    }

    pub fn take_recorded(&self) -> Vec<RecordedCall> {
        std::mem::take(&mut self.inner.lock().recorded)
    }

    pub fn reset_counts(&self) {
        let mut state = self.inner.lock();
        state.calls.clear();
        state.faults = AwsFaultCounts::default();
    }

    /// The emulator "dies" for `duration`: the port refuses connections and every open
    /// connection is closed mid-flight; then it comes back on the same port with its data.
    pub async fn outage(&self, duration: Duration) -> std::io::Result<()> {
        let server = self
            .server
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(server) = server {
            server.abort();
            let _ = server.await;
        }
        self.inner.lock().faults.outages += 1;
        tokio::time::sleep(duration).await;
        // The port was ours a moment ago; retry briefly in case the kernel still holds it.
        let mut attempt = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(err) if attempt < 50 => {
                    attempt += 1;
                    tracing::debug!(%err, "rebinding the proxy port");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => return Err(err),
            }
        };
        *self
            .server
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(tokio::spawn(serve(listener, self.inner.clone())));
        Ok(())
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, ProxyState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts the call and draws its fault.
    fn admit(&self, operation: &str) -> Option<Fault> {
        let mut state = self.lock();
        *state.calls.entry(operation.to_owned()).or_default() += 1;
        let plan = state.plan;
        if plan.throttle + plan.server_error + plan.lost_response <= 0.0 {
            return None;
        }
        state.draws += 1;
        let x = fake_whatsapp::seeded_unit(plan.seed, state.draws);
        let fault = if x < plan.throttle {
            state.faults.throttle += 1;
            Fault::Throttle
        } else if x < plan.throttle + plan.server_error {
            state.faults.server_error += 1;
            Fault::ServerError
        } else if x < plan.throttle + plan.server_error + plan.lost_response {
            state.faults.lost_response += 1;
            Fault::LostResponse
        } else {
            return None;
        };
        Some(fault)
    }
}

/// Accepts connections until aborted; aborting drops the listener and, with the `JoinSet`,
/// every connection task (their sockets close).
async fn serve(listener: TcpListener, inner: Arc<Inner>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let inner = inner.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let inner = inner.clone();
                        async move { Ok::<_, Infallible>(handle(&inner, request).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn handle(inner: &Inner, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let operation = operation(&request);
    let fault = inner.admit(&operation);
    let dynamo = !operation.starts_with("s3:");
    match fault {
        Some(Fault::Throttle) => return fault_response(dynamo, Fault::Throttle),
        Some(Fault::ServerError) => return fault_response(dynamo, Fault::ServerError),
        _ => {}
    }
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return plain(StatusCode::BAD_REQUEST, "request body not readable"),
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    {
        let mut state = inner.lock();
        if state.recording && !is_event_emulation(&operation) {
            state.recorded.push(RecordedCall {
                operation: operation.clone(),
                method: parts.method.clone(),
                path: path.to_owned(),
                headers: parts
                    .headers
                    .iter()
                    .filter(|(name, _)| !is_hop_header(name.as_str()))
                    .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
                    .collect(),
                body: body.clone(),
            });
        }
    }
    let mut forward = inner
        .client
        .request(parts.method.clone(), format!("{}{path}", inner.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if !is_hop_header(name.as_str()) {
            forward = forward.header(name, value);
        }
    }
    let turn = if dynamo {
        Some(inner.dynamodb_turn.lock().await)
    } else {
        None
    };
    let upstream = match forward.send().await {
        Ok(response) => response,
        Err(err) => return plain(StatusCode::BAD_GATEWAY, &format!("emulator: {err}")),
    };
    let status = upstream.status();
    let headers = upstream.headers().clone();
    let body = match upstream.bytes().await {
        Ok(body) => body,
        Err(err) => return plain(StatusCode::BAD_GATEWAY, &format!("emulator: {err}")),
    };
    drop(turn);
    if fault == Some(Fault::LostResponse) {
        return fault_response(dynamo, Fault::LostResponse);
    }
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !is_hop_header(name.as_str()) || name == "content-length" {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

fn is_hop_header(name: &str) -> bool {
    matches!(
        name,
        "host" | "content-length" | "transfer-encoding" | "connection" | "keep-alive"
    )
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() = status;
    response
}

/// The error AWS itself would answer.
fn fault_response(dynamo: bool, fault: Fault) -> Response<Full<Bytes>> {
    let (status, body, content_type) = match (dynamo, fault) {
        (true, Fault::Throttle) => (
            StatusCode::BAD_REQUEST,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#,
            "application/x-amz-json-1.0",
        ),
        (true, _) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}"#,
            "application/x-amz-json-1.0",
        ),
        (false, Fault::Throttle) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
            "application/xml",
        ),
        (false, _) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
            "application/xml",
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    response
}

/// `dynamodb:GetItem`, `streams:GetRecords`, `s3:PutObject`, ...
pub fn operation<B>(request: &Request<B>) -> String {
    if let Some(target) = request
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
    {
        let (service, op) = target.split_once('.').unwrap_or(("unknown", target));
        let service = if service.starts_with("DynamoDBStreams") {
            "streams"
        } else if service.starts_with("DynamoDB") {
            "dynamodb"
        } else {
            "other"
        };
        return format!("{service}:{op}");
    }
    let path = request.uri().path().trim_start_matches('/');
    let query = request.uri().query().unwrap_or("");
    let has_key = path.split_once('/').is_some_and(|(_, key)| !key.is_empty());
    let has = |name: &str| {
        query
            .split('&')
            .any(|pair| pair == name || pair.starts_with(&format!("{name}=")))
    };
    let method = request.method();
    let op = if has_key {
        match *method {
            Method::PUT if has("partNumber") => "UploadPart",
            Method::PUT if request.headers().contains_key("x-amz-copy-source") => "CopyObject",
            Method::PUT if has("tagging") => "PutObjectTagging",
            Method::PUT => "PutObject",
            Method::POST if has("uploads") => "CreateMultipartUpload",
            Method::POST if has("uploadId") => "CompleteMultipartUpload",
            Method::DELETE if has("uploadId") => "AbortMultipartUpload",
            Method::DELETE => "DeleteObject",
            Method::GET if has("tagging") => "GetObjectTagging",
            Method::GET => "GetObject",
            Method::HEAD => "HeadObject",
            _ => "OtherObject",
        }
    } else {
        match *method {
            Method::GET if has("versions") => "ListObjectVersions",
            Method::GET if has("list-type") => "ListObjectsV2",
            Method::GET => "ListObjects",
            Method::HEAD => "HeadBucket",
            Method::POST if has("delete") => "DeleteObjects",
            Method::PUT => "PutBucket",
            _ => "OtherBucket",
        }
    };
    format!("s3:{op}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, uri: &str, target: Option<&str>) -> Request<()> {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(t) = target {
            builder = builder.header("x-amz-target", t);
        }
        builder.body(()).expect("valid request")
    }

    #[test]
    fn calls_are_named_like_the_aws_operations() {
        let cases = [
            (
                request(
                    Method::POST,
                    "/",
                    Some("DynamoDB_20120810.TransactWriteItems"),
                ),
                "dynamodb:TransactWriteItems",
            ),
            (
                request(
                    Method::POST,
                    "/",
                    Some("DynamoDBStreams_20120810.GetRecords"),
                ),
                "streams:GetRecords",
            ),
            (
                request(
                    Method::PUT,
                    "/bucket/requests/T/doc.jpg?x-id=PutObject",
                    None,
                ),
                "s3:PutObject",
            ),
            (
                request(Method::GET, "/bucket/requests/T/doc.jpg", None),
                "s3:GetObject",
            ),
            (
                request(Method::HEAD, "/bucket/requests/T/doc.jpg", None),
                "s3:HeadObject",
            ),
            (
                request(Method::GET, "/bucket?versions&prefix=requests/", None),
                "s3:ListObjectVersions",
            ),
            (
                request(Method::GET, "/bucket?list-type=2", None),
                "s3:ListObjectsV2",
            ),
            (
                request(Method::POST, "/bucket/k?uploads", None),
                "s3:CreateMultipartUpload",
            ),
            (
                request(Method::PUT, "/bucket/k?partNumber=1&uploadId=u", None),
                "s3:UploadPart",
            ),
            (
                request(Method::POST, "/bucket?delete", None),
                "s3:DeleteObjects",
            ),
        ];
        for (request, expected) in cases {
            assert_eq!(operation(&request), expected, "{}", request.uri());
        }
    }
}
