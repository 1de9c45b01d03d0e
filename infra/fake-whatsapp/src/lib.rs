//! A fake WhatsApp Cloud (Graph) API for integration tests and the local stack.
//!
//! It speaks the real request/response shapes (SPEC section 6), enforces the Cloud API message
//! limits so the application finds limit bugs locally rather than in production, records every
//! accepted outbound message, and serves registered media the way Meta does (metadata endpoint,
//! then a download URL that needs the bearer token and a `User-Agent`).
//!
//! Like Meta, it refuses by itself (synchronously, with Meta's HTTP status, Graph code and
//! wording):
//!
//! - a message that is not a template to a user who has not written to the business in the last
//!   24 hours (the customer-service window): 400, code 131047. The window is kept per WhatsApp id
//!   (`from` of inbound messages, or `from_user_id` for username-only senders, matched against a
//!   send's `to` or `recipient`) from what [`FakeWhatsApp::record_webhook_body`] (the local stack
//!   calls it for every webhook POST) and [`FakeWhatsApp::record_inbound`] saw. Mark-as-read calls
//!   need no window;
//! - a template that is not approved in that language (404, code 132001), with the wrong number
//!   of body parameters (400, 132000), without the document its DOCUMENT header needs or with a
//!   header the template does not have (400, 132012), or with a text parameter holding a new
//!   line, a tab or more than four consecutive spaces (400, 132018). The approved templates are
//!   the application's (`status_update`, `officer_message`, `result_document`, language `id`,
//!   as the deploy notes submit them) plus what tests add with [`FakeWhatsApp::register_template`];
//! - a message beyond Meta's send rates ([`Limits::META`], figures cited in `pacing.rs`): to one
//!   user beyond the pair rate (400, 131056), or beyond the phone number's throughput, inbound
//!   messages counted (400, 130429);
//! - a media download with a URL the media endpoint did not hand out for that media, or handed
//!   out [`MEDIA_URL_LIFETIME`] (5 minutes) ago or more by the fake's clock (404).
//!
//! Faults a test injects: failures before anything is sent (`fail_next_sends`, [`FaultPlan`]),
//! expired downloads (`expire_next_media_downloads`), and a send accepted and recorded whose
//! answer is lost (`lose_next_answers`).
//!
//! What it does not enforce, or enforces differently from Meta:
//!
//! - Meta reports a closed window either in the send's answer or only later, in a `failed` status
//!   webhook for a message it accepted (200 with a wamid); the fake always answers synchronously
//!   and never sends status webhooks, so the asynchronous path is tested only with fixture
//!   bodies;
//! - the window opens when the local stack receives the webhook (the fake's clock, which the
//!   local stack shares with the functions and moves with `/_local/clock`; not the message's
//!   `timestamp`), for any body posted to `/webhook`, signed or not (an unsigned body is
//!   refused by the webhook and sends nothing, but the window it opened stays open);
//! - a template's body text, its header text, buttons, category, quality rating and pausing are
//!   not modelled; only the count and the text rule of body parameters and a DOCUMENT header are;
//! - no business-portfolio messaging limit (unique users reached outside the window a day);
//! - the HTTP status of a rate refusal: the fake answers 131056 and 130429 with 400, where Meta
//!   may answer 429; the functions classify by the Graph code, so either reads the same.
//!
//! The `/_local/outbox` and `/_local/media` routes implement the fixed local contract of SPEC
//! section 9.

mod error;
mod pacing;
mod routes;
mod template;
mod validate;

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

pub use pacing::Limits;

/// First media id handed out; real media ids are 15–16 digit numeric strings.
const FIRST_MEDIA_ID: u64 = 1_000_000_000_000_001;

/// A media download URL works this long after the media endpoint handed it out (Meta: "URLs
/// expire after 5 minutes"; then the media id must be asked for a new one).
pub const MEDIA_URL_LIFETIME: time::Duration = time::Duration::minutes(5);

/// WhatsApp's customer-service window: free-form messages reach a user only this long after
/// their last message to the business.
pub const CUSTOMER_SERVICE_WINDOW: time::Duration = time::Duration::hours(24);

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
    /// Sends still to be accepted and recorded whose answer is then lost.
    lost_answers: usize,
    expired_downloads: usize,
    faults: FaultPlan,
    /// Draws made so far: the `n`th draw of a plan is always the same (reproducible runs).
    fault_draws: u64,
    injected: InjectedCounts,
    /// When each user (window key, see `window_key`) last wrote to the business.
    last_inbound: HashMap<String, OffsetDateTime>,
    templates: template::Registry,
    /// "Now" for windows and timestamps: the real clock unless the local stack shares its
    /// movable one (`set_clock`).
    clock: Clock,
    limits: Limits,
    /// Download URLs handed out by the media endpoint: URL token → (media id, when issued).
    media_urls: HashMap<String, (String, OffsetDateTime)>,
    next_media_url: u64,
    /// The phone number's throughput (130429), and each user's pair rate (131056, by window key).
    throughput: Option<pacing::Bucket>,
    pairs: HashMap<String, pacing::Bucket>,
}

/// Where the fake reads the time.
type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

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
                lost_answers: 0,
                expired_downloads: 0,
                faults: FaultPlan::default(),
                fault_draws: 0,
                injected: InjectedCounts::default(),
                last_inbound: HashMap::new(),
                templates: template::Registry::application_defaults(),
                clock: Arc::new(OffsetDateTime::now_utc),
                limits: Limits::META,
                media_urls: HashMap::new(),
                next_media_url: 1,
                throughput: None,
                pairs: HashMap::new(),
            })),
        }
    }

    /// Reads "now" from `clock` from here on (the local stack's movable clock, so a window
    /// closes when the stack's time passes 24 hours).
    pub fn set_clock(&self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) {
        self.lock().clock = Arc::new(clock);
    }

    /// The fake's "now".
    pub fn now(&self) -> OffsetDateTime {
        let clock = self.lock().clock.clone();
        clock()
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

    /// Fault injection: the next `count` message sends are accepted and recorded in the outbox
    /// as usual, but their answer is lost (the connection breaks after the status line, so the
    /// caller sees a network error where the wamid should have been): the caller cannot tell
    /// this from a send that never arrived, as with a timeout after Meta took the message.
    /// Consumed only by a send Meta would accept.
    pub fn lose_next_answers(&self, count: usize) {
        self.lock().lost_answers += count;
    }

    /// Takes one lost answer, if one is injected.
    pub(crate) fn take_lost_answer(&self) -> bool {
        let mut state = self.lock();
        let lost = state.lost_answers > 0;
        state.lost_answers = state.lost_answers.saturating_sub(1);
        lost
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

    /// Replaces the send-rate limits (Meta's by default, [`Limits::META`]); the buckets start
    /// full again.
    pub fn set_limits(&self, limits: Limits) {
        let mut state = self.lock();
        state.limits = limits;
        state.throughput = None;
        state.pairs.clear();
    }

    /// Admits one message to `recipient` at the fake's "now", or refuses it as Meta does when the
    /// phone number's throughput (130429) or the pair rate to that user (131056) is spent. An
    /// admitted message uses one token of each.
    pub(crate) fn admit_send(&self, recipient: &str) -> Result<(), error::GraphError> {
        let now = self.now();
        let key = window_key(recipient);
        let mut state = self.lock();
        let limits = state.limits;
        let every = pacing::per_second(limits.throughput_per_second);
        let throughput = state
            .throughput
            .get_or_insert_with(|| pacing::Bucket::full(limits.throughput_per_second, now));
        if !throughput.has_one(limits.throughput_per_second, every, now) {
            return Err(error::GraphError::refused(
                axum::http::StatusCode::BAD_REQUEST,
                130_429,
                None,
            ));
        }
        let pair = state
            .pairs
            .entry(key)
            .or_insert_with(|| pacing::Bucket::full(limits.pair_burst, now));
        if !pair.has_one(limits.pair_burst, limits.pair_interval, now) {
            return Err(error::GraphError::refused(
                axum::http::StatusCode::BAD_REQUEST,
                131_056,
                None,
            ));
        }
        pair.take(limits.pair_burst, limits.pair_interval, now);
        if let Some(throughput) = state.throughput.as_mut() {
            throughput.take(limits.throughput_per_second, every, now);
        }
        Ok(())
    }

    /// Records that the user `id` (a phone number as in a webhook's `from`, or a username-only
    /// user's `from_user_id`) wrote to the business now: their 24-hour window is open.
    pub fn record_inbound(&self, id: &str) {
        self.record_inbound_at(id, self.now());
    }

    /// Records `at` as the time of the user's last message, replacing what was recorded (even a
    /// later time), so a test can age a window: `now - 25 hours` closes it.
    pub fn record_inbound_at(&self, id: &str, at: OffsetDateTime) {
        let key = window_key(id);
        if key.is_empty() {
            return;
        }
        self.lock().last_inbound.insert(key, at);
    }

    /// Records the sender of every message in a webhook POST body (what Meta delivers when a
    /// user writes) as having written now. Lenient: a body that is not JSON or not shaped like a
    /// webhook records what it can and never fails; statuses record nothing.
    pub fn record_webhook_body(&self, body: &[u8]) {
        let Ok(json) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let now = self.now();
        let senders: Vec<String> = webhook_messages(&json)
            .into_iter()
            .flat_map(|message| {
                ["from", "from_user_id"]
                    .into_iter()
                    .filter_map(|key| message.get(key).and_then(Value::as_str))
                    .map(window_key)
                    .filter(|key| !key.is_empty())
            })
            .collect();
        let messages = webhook_messages(&json).len();
        let mut state = self.lock();
        // Inbound messages count against the number's throughput too (never refused here).
        let limits = state.limits;
        let every = pacing::per_second(limits.throughput_per_second);
        let throughput = state
            .throughput
            .get_or_insert_with(|| pacing::Bucket::full(limits.throughput_per_second, now));
        for _ in 0..messages {
            throughput.take(limits.throughput_per_second, every, now);
        }
        for sender in senders {
            state.last_inbound.insert(sender, now);
        }
    }

    /// Whether a free-form message may reach `id` at `now`.
    pub(crate) fn inside_window(&self, id: &str, now: OffsetDateTime) -> bool {
        self.lock()
            .last_inbound
            .get(&window_key(id))
            .is_some_and(|last| now - *last < CUSTOMER_SERVICE_WINDOW)
    }

    /// Approves a template: `body_params` text variables in its body, and a DOCUMENT header when
    /// `document_header` (else no header with variables). Replaces an earlier registration of
    /// the same name and language.
    pub fn register_template(
        &self,
        name: &str,
        language: &str,
        body_params: usize,
        document_header: bool,
    ) {
        self.lock()
            .templates
            .register(name, language, body_params, document_header);
    }

    /// Checks a validated `template` object against the approved templates.
    pub(crate) fn check_template(
        &self,
        template: &serde_json::Map<String, Value>,
    ) -> Result<(), error::GraphError> {
        self.lock().templates.check(template)
    }

    /// Forgets the outbox, registered media and pending fault injections. Id sequences keep
    /// counting, so a wamid or media id from before `clear` is never handed out again (the
    /// application deduplicates on wamids). Users' windows and the approved templates stay:
    /// they are Meta's state, not the test's.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.outbox.clear();
        state.media.clear();
        state.media_urls.clear();
        state.send_failures.clear();
        state.lost_answers = 0;
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

/// The key of a user's window: a phone number as its digits (Meta answers `+62 812-...` as
/// `62812...`), anything else (a username-only user's `ID.…`) trimmed as is.
pub(crate) fn window_key(id: &str) -> String {
    let id = id.trim();
    let phone_like = id
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    if phone_like && !digits.is_empty() {
        digits
    } else {
        id.to_owned()
    }
}

/// Every `entry[].changes[].value.messages[]` object of a webhook body.
fn webhook_messages(json: &Value) -> Vec<&Value> {
    fn array<'a>(value: Option<&'a Value>, key: &str) -> &'a [Value] {
        value
            .and_then(|v| v.get(key))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
    array(Some(json), "entry")
        .iter()
        .flat_map(|entry| array(Some(entry), "changes"))
        .flat_map(|change| array(change.get("value"), "messages"))
        .collect()
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
