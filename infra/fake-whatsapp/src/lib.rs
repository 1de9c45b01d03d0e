//! A fake WhatsApp Cloud (Graph) API for integration tests and the local stack.
//!
//! It speaks the real request/response shapes (SPEC section 6), enforces the Cloud API message
//! limits so the application finds limit bugs locally rather than in production, records every
//! accepted outbound message, and serves registered media the way Meta does (metadata endpoint,
//! then a download URL that needs the bearer token and a `User-Agent`).
//!
//! The `/_local/outbox` and `/_local/media` routes implement the fixed local contract of SPEC
//! section 9.

mod error;
mod routes;
mod validate;

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// First media id handed out; real media ids are 15–16 digit numeric strings.
const FIRST_MEDIA_ID: u64 = 1_000_000_000_000_001;

/// An in-memory fake of the WhatsApp Cloud API. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct FakeWhatsApp {
    state: Arc<Mutex<State>>,
}

/// One message accepted by the send-message endpoint.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct OutboundMessage {
    /// The wamid we returned, `wamid.OUT<sequence>`.
    pub id: String,
    pub phone_number_id: String,
    /// The `to` field, when the message was addressed by phone number.
    pub to: Option<String>,
    /// The `recipient` field, when the message was addressed by user id (username users).
    pub recipient: Option<String>,
    /// `text`, `interactive`, `document`, `template`, `image`, ...
    pub r#type: String,
    /// The full JSON body as received.
    pub body: serde_json::Value,
    /// RFC 3339.
    pub received_at: String,
}

struct State {
    public_base_url: String,
    access_token: String,
    outbox: Vec<OutboundMessage>,
    media: HashMap<String, Media>,
    next_wamid: u64,
    next_media_id: u64,
    send_failures: VecDeque<InjectedFailure>,
    expired_downloads: usize,
    faults: FaultPlan,
    /// Draws made so far: the `n`th draw of a plan is always the same (reproducible runs).
    fault_draws: u64,
    injected: InjectedCounts,
}

/// Random faults on every message send and media download, for load and fault-injection runs:
/// each call independently fails with these probabilities (0.0–1.0), drawn from a seeded
/// sequence so that a run is reproducible.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultPlan {
    /// HTTP 429 with Graph code 130429 (the Cloud API's throughput limit).
    pub rate_limited: f64,
    /// HTTP 500 with Graph code 2 (service temporarily unavailable).
    pub server_error: f64,
    /// The call hangs for `hang` and then fails without having sent anything: the caller's
    /// own timeout should fire first.
    pub timeout: f64,
    pub hang: std::time::Duration,
    pub seed: u64,
}

/// How many faults a [`FaultPlan`] injected so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct InjectedCounts {
    pub rate_limited: u64,
    pub server_error: u64,
    pub timeout: u64,
}

/// What one call drew from the plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Fault {
    Reject(InjectedFailure),
    Hang(std::time::Duration),
}

#[derive(Clone)]
struct Media {
    // `Bytes` so that a download of a 100 MB document does not copy it.
    bytes: Bytes,
    mime_type: String,
    sha256_base64: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct InjectedFailure {
    http_status: u16,
    graph_code: i64,
}

impl FakeWhatsApp {
    /// `public_base_url`: the URL under which this router is reachable from the caller's point of
    /// view, without trailing slash, e.g. `http://127.0.0.1:3000/_local/graph` or
    /// `http://127.0.0.1:45123`. Media download URLs returned by the media endpoint are built
    /// from it.
    pub fn new(public_base_url: impl Into<String>, access_token: impl Into<String>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                public_base_url: normalise_base_url(public_base_url.into()),
                access_token: access_token.into(),
                outbox: Vec::new(),
                media: HashMap::new(),
                next_wamid: 1,
                next_media_id: FIRST_MEDIA_ID,
                send_failures: VecDeque::new(),
                expired_downloads: 0,
                faults: FaultPlan::default(),
                fault_draws: 0,
                injected: InjectedCounts::default(),
            })),
        }
    }

    /// Changes the base of media download URLs (needed when the port is only known after binding).
    pub fn set_public_base_url(&self, url: impl Into<String>) {
        self.lock().public_base_url = normalise_base_url(url.into());
    }

    /// Graph routes plus the media download route (everything except `/_local/outbox` and
    /// `/_local/media`). Can be nested under a prefix, as long as `public_base_url` includes it.
    pub fn graph_router(&self) -> axum::Router {
        routes::graph_router(self.clone())
    }

    /// The two local contract routes: `GET /_local/outbox`, `POST /_local/media`.
    pub fn local_router(&self) -> axum::Router {
        routes::local_router(self.clone())
    }

    /// Serves [`Self::graph_router`] and [`Self::local_router`] together on `127.0.0.1:0` in a
    /// background tokio task; returns the bound address and sets `public_base_url` to
    /// `http://ADDR`.
    pub async fn spawn(&self) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        self.set_public_base_url(format!("http://{addr}"));
        let app = self.graph_router().merge(self.local_router());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "fake-whatsapp server stopped");
            }
        });
        Ok(addr)
    }

    /// Every accepted outbound message, oldest first.
    pub fn outbox(&self) -> Vec<OutboundMessage> {
        self.lock().outbox.clone()
    }

    /// Stores media as if a user had sent it; returns its numeric media id.
    pub fn register_media(&self, bytes: Vec<u8>, mime_type: &str) -> String {
        self.register_media_bytes(Bytes::from(bytes), mime_type)
    }

    pub(crate) fn register_media_bytes(&self, bytes: Bytes, mime_type: &str) -> String {
        // Hash outside the lock: documents can be 100 MB.
        let sha256_base64 =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
        let media = Media {
            bytes,
            mime_type: mime_type.trim().to_owned(),
            sha256_base64,
        };
        let mut state = self.lock();
        let id = state.next_media_id.to_string();
        state.next_media_id += 1;
        state.media.insert(id.clone(), media);
        id
    }

    /// Fault injection: the next `count` calls to the send-message endpoint fail with this HTTP
    /// status and Graph error code (e.g. 429 + 130429, 500 + 1 or 2, 400 + 131047, 401 + 190).
    ///
    /// Calls queue up: `fail_next_sends(1, 429, 130429)` then `fail_next_sends(1, 500, 2)` makes
    /// the next send fail with 429 and the one after with 500. An injected failure is consumed
    /// only by an authenticated message send (not by a mark-as-read call), and before the body
    /// is validated, as a real rate limit or outage would be.
    pub fn fail_next_sends(&self, count: usize, http_status: u16, graph_code: i64) {
        let failure = InjectedFailure {
            http_status,
            graph_code,
        };
        self.lock()
            .send_failures
            .extend(std::iter::repeat_n(failure, count));
    }

    /// Replaces the random fault plan (the default plan injects nothing).
    pub fn set_fault_plan(&self, plan: FaultPlan) {
        let mut state = self.lock();
        state.faults = plan;
        state.fault_draws = 0;
    }

    /// Faults injected by the plan so far.
    pub fn injected_faults(&self) -> InjectedCounts {
        self.lock().injected
    }

    /// Draws the fault (if any) for one send or media download.
    pub(crate) fn draw_fault(&self) -> Option<Fault> {
        let mut state = self.lock();
        let plan = state.faults;
        if plan.rate_limited + plan.server_error + plan.timeout <= 0.0 {
            return None;
        }
        state.fault_draws += 1;
        let x = seeded_unit(plan.seed, state.fault_draws);
        if x < plan.rate_limited {
            state.injected.rate_limited += 1;
            Some(Fault::Reject(InjectedFailure {
                http_status: 429,
                graph_code: 130429,
            }))
        } else if x < plan.rate_limited + plan.server_error {
            state.injected.server_error += 1;
            Some(Fault::Reject(InjectedFailure {
                http_status: 500,
                graph_code: 2,
            }))
        } else if x < plan.rate_limited + plan.server_error + plan.timeout {
            state.injected.timeout += 1;
            Some(Fault::Hang(plan.hang))
        } else {
            None
        }
    }

    /// The next `count` media-download GETs return 404 (as an expired media URL does).
    /// Consumed only by downloads that pass the token and `User-Agent` checks.
    pub fn expire_next_media_downloads(&self, count: usize) {
        self.lock().expired_downloads += count;
    }

    /// Forgets the outbox, registered media and pending fault injections. Id sequences keep
    /// counting, so a wamid or media id from before `clear` is never handed out again (the
    /// application deduplicates on wamids).
    pub fn clear(&self) {
        let mut state = self.lock();
        state.outbox.clear();
        state.media.clear();
        state.send_failures.clear();
        state.expired_downloads = 0;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters for a fake, so recover from poisoning instead of failing every later request.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for FakeWhatsApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Deliberately omits the access token and message contents.
        let state = self.lock();
        f.debug_struct("FakeWhatsApp")
            .field("public_base_url", &state.public_base_url)
            .field("outbox_len", &state.outbox.len())
            .field("media_len", &state.media.len())
            .finish_non_exhaustive()
    }
}

/// The `n`th number of a seeded sequence, uniform in [0, 1) (SplitMix64: tiny, no dependency,
/// good enough to spread faults). Public so other fault injectors draw the same way.
pub fn seeded_unit(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn normalise_base_url(url: String) -> String {
    url.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod fault_plan_tests {
    use super::*;

    fn draws(fake: &FakeWhatsApp, n: usize) -> Vec<Option<Fault>> {
        (0..n).map(|_| fake.draw_fault()).collect()
    }

    #[test]
    fn the_default_plan_injects_nothing() {
        let fake = FakeWhatsApp::new("http://x", "t");
        assert!(draws(&fake, 1000).iter().all(Option::is_none));
        assert_eq!(fake.injected_faults(), InjectedCounts::default());
    }

    #[test]
    fn a_plan_injects_each_fault_at_about_its_rate_and_replays_identically() {
        let plan = FaultPlan {
            rate_limited: 0.10,
            server_error: 0.05,
            timeout: 0.02,
            hang: std::time::Duration::from_millis(5),
            seed: 7,
        };
        let fake = FakeWhatsApp::new("http://x", "t");
        fake.set_fault_plan(plan);
        let first = draws(&fake, 20_000);
        let counts = fake.injected_faults();
        assert!((1_700..2_300).contains(&counts.rate_limited), "{counts:?}");
        assert!((800..1_200).contains(&counts.server_error), "{counts:?}");
        assert!((300..500).contains(&counts.timeout), "{counts:?}");
        fake.set_fault_plan(plan);
        assert_eq!(draws(&fake, 20_000), first, "same seed, same faults");
    }
}
