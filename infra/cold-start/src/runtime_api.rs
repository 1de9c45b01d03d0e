//! A minimal Lambda Runtime API on loopback: one invocation handed out per measured run, and a
//! report (with the instant it arrived) for every call the runtime client makes.
//!
//! Routes (`2018-06-01`): `GET invocation/next`, `POST invocation/{id}/response`,
//! `POST invocation/{id}/error`, `POST init/error`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// The event of one measured run.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub request_id: String,
    pub function_arn: String,
    pub body: Vec<u8>,
    /// The function's timeout, for `Lambda-Runtime-Deadline-Ms`.
    pub timeout: Duration,
}

/// What the runtime client did, and when the server saw it.
#[derive(Debug)]
pub enum Report {
    /// `GET /next`; `generation` is the run that was armed when it arrived.
    Next {
        generation: u64,
        at: Instant,
    },
    Response {
        request_id: String,
        body: Bytes,
        at: Instant,
    },
    Error {
        request_id: String,
        body: Bytes,
    },
    InitError {
        body: Bytes,
    },
}

struct Slot {
    generation: u64,
    pending: Option<Invocation>,
}

struct Inner {
    slot: Mutex<Slot>,
    generation: watch::Sender<u64>,
    reports: mpsc::UnboundedSender<Report>,
}

#[derive(Clone)]
pub struct RuntimeApi {
    inner: Arc<Inner>,
}

impl RuntimeApi {
    /// Serves the API on `127.0.0.1:0` in a background task.
    pub async fn spawn() -> std::io::Result<(Self, SocketAddr, mpsc::UnboundedReceiver<Report>)> {
        let (reports, receiver) = mpsc::unbounded_channel();
        let api = Self {
            inner: Arc::new(Inner {
                slot: Mutex::new(Slot {
                    generation: 0,
                    pending: None,
                }),
                generation: watch::Sender::new(0),
                reports,
            }),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(api.clone());
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("runtime API server stopped: {err}");
            }
        });
        Ok((api, addr, receiver))
    }

    /// Makes `invocation` the one event the next `GET /next` receives, and ends any long poll
    /// left over from an earlier run. Returns the run's generation.
    pub fn arm(&self, invocation: Invocation) -> u64 {
        let generation = {
            let mut slot = self.lock();
            slot.generation += 1;
            slot.pending = Some(invocation);
            slot.generation
        };
        self.inner.generation.send_replace(generation);
        generation
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.inner
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn report(&self, report: Report) {
        // The receiver lives as long as the measurement; a closed channel only means it is over.
        let _ = self.inner.reports.send(report);
    }
}

async fn next(State(api): State<RuntimeApi>) -> Response {
    let at = Instant::now();
    let (generation, pending) = {
        let mut slot = api.lock();
        (slot.generation, slot.pending.take())
    };
    api.report(Report::Next { generation, at });
    let Some(invocation) = pending else {
        // The runtime polls again after its response: hold the poll (as Lambda does while the
        // environment is frozen) until the next run is armed, then send the stale poller away.
        let mut changes = api.inner.generation.subscribe();
        let _ = changes.wait_for(|g| *g != generation).await;
        return StatusCode::GONE.into_response();
    };
    let deadline = time::OffsetDateTime::now_utc() + invocation.timeout;
    let deadline_ms = deadline.unix_timestamp_nanos() / 1_000_000;
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("content-type", "application/json".into());
    set(
        "lambda-runtime-aws-request-id",
        invocation.request_id.clone(),
    );
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        invocation.function_arn.clone(),
    );
    set(
        "lambda-runtime-trace-id",
        format!(
            "Root=1-{:08x}-{:0>24};Parent={:016x};Sampled=0",
            deadline.unix_timestamp(),
            generation,
            generation
        ),
    );
    (StatusCode::OK, headers, invocation.body).into_response()
}

async fn response(
    State(api): State<RuntimeApi>,
    Path(request_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    api.report(Report::Response {
        request_id,
        body,
        at,
    });
    StatusCode::ACCEPTED
}

async fn error(
    State(api): State<RuntimeApi>,
    Path(request_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    api.report(Report::Error { request_id, body });
    StatusCode::ACCEPTED
}

async fn init_error(State(api): State<RuntimeApi>, body: Bytes) -> StatusCode {
    api.report(Report::InitError { body });
    StatusCode::ACCEPTED
}
