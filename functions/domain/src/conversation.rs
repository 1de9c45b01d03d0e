//! The conversation engine: a pure function from (state, inbound message, facts, now) to (new
//! state, replies, writes). No I/O: the webhook loads the conversation, calls [`step`], loads any
//! fact the engine asks for ([`Need`]) and calls again, then commits the [`Outcome`] in one
//! transaction.
//!
//! Flow of a registration: main menu → category → service (suspended services answer with their
//! notice) → a `DRAFT` request with its ticket → applicant name → NIK (validated; a second open
//! request for the same NIK and service is refused) → kecamatan → event date (birth, death,
//! marriage, divorce) → each attachment slot → submit. Complaints and consultations go straight to
//! a free-text thread.

use crate::catalog::{Availability, Category, ServiceKind, service, services_in};
use crate::complaint::ComplaintTimeline;
use crate::document::{ATTACHMENT_SLOT, Document, DocumentSource, DocumentState};
use crate::messages::{
    self as msg, CANCEL_ID, CANCEL_PREFIX, CATEGORY_PREFIX, CONSENT_PREFIX, DISTRICT_PAGE_PREFIX,
    DISTRICT_PREFIX, KEEP_PREFIX, REPLACE_PREFIX, RESUBMIT_PREFIX, SERVICE_PREFIX, SLOT_PREFIX,
    SUBMIT_ID, TICKET_PREFIX,
};
use crate::officer_actions::OTHER_SLOT;
use crate::person_name::{self, NameReading};
use crate::region::Region;
use crate::reply::Reply;
use crate::resident::ResidentId;
use crate::survey::SurveyState;
use crate::{
    Applicant, FieldAnswer, Nik, OpenRequestKey, Request, RequestStatus, ServiceCode, SlotFill,
    TicketId, add_working_days, check_transition, jakarta_date,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub resident: ResidentId,
    /// Bumped by every committed step; the store's optimistic check uses it.
    pub version: u64,
    pub step: Step,
    #[serde(with = "time::serde::rfc3339")]
    pub last_inbound_at: OffsetDateTime,
    /// The `DRAFT` request this resident is filling in, if any (kept when the resident wanders
    /// off to the menu, so `lanjut` can resume it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<TicketId>,
    /// Set when WhatsApp refused a message with 131047 (the 24-hour window is closed): until the
    /// resident writes again, notifications must be templates. Every inbound message clears it.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub window_closed_at: Option<OffsetDateTime>,
    /// The privacy notice the resident agreed to before giving personal data (UU 27/2022).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_consent: Option<PrivacyConsent>,
    /// A message the main menu could not place, answered with the offer to ask an officer: if
    /// the resident's next step takes the offer, it becomes the consultation's first message.
    /// Any other message drops it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unplaced: Option<Unplaced>,
}

/// A resident's message kept for the consultation offered in answer to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unplaced {
    pub wamid: String,
    pub body: String,
}

/// Agreement to one version of the privacy notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyConsent {
    pub version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Shown the main menu, waiting for a category.
    MainMenu,
    /// Shown the services of one category.
    ChoosingService {
        category: Category,
    },
    /// Draft open; waiting for the applicant's name.
    AskName,
    /// Name given; waiting for the NIK.
    AskNik {
        name: String,
    },
    /// Waiting for the kecamatan; `page` is the page of the list shown last (0 for the first,
    /// and the only one of a region with at most 10 kecamatan).
    AskDistrict {
        #[serde(default, skip_serializing_if = "is_zero")]
        page: usize,
    },
    /// Waiting for the answer to the service's question `field` (see `catalog::Field`).
    AskField {
        field: String,
    },
    AskEventDate,
    /// Waiting for attachments; `selected` is a slot the resident picked explicitly.
    CollectDocuments {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selected: Option<String>,
    },
    /// Complaint or consultation chosen; waiting for its first text.
    ThreadText {
        service: ServiceCode,
    },
    /// The resident's messages go to this ticket while it waits for them (see
    /// [`Request::is_waiting_for_resident`]).
    Thread {
        ticket: TicketId,
    },
    /// The privacy notice was shown before starting `service`; waiting for the agreement (the
    /// button, or a typed "setuju").
    PrivacyNotice {
        service: ServiceCode,
    },
    /// Several tickets wait for the resident: the messages sent meanwhile are held here until
    /// the resident picks the ticket they belong to.
    ChoosingTicket {
        held: Vec<Held>,
    },
    /// Answering the satisfaction survey of a completed `ticket`: `scores` so far, in element
    /// order (`None`: not applicable). Silence abandons it; nothing is stored until the end.
    Survey {
        ticket: TicketId,
        scores: Vec<Option<u8>>,
    },
    /// Every element answered; waiting for an optional comment.
    SurveyComment {
        ticket: TicketId,
        scores: Vec<Option<u8>>,
    },
    /// Shown the days with room for `ticket`'s appointment.
    AppointmentDay {
        ticket: TicketId,
    },
    /// Shown the times with room on `date`.
    AppointmentTime {
        ticket: TicketId,
        #[serde(with = "crate::request::iso_date")]
        date: Date,
    },
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A message kept until the resident says which ticket it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Held {
    Text { wamid: String, body: String },
    Media { wamid: String, media: MediaRef },
}

/// At most this many messages are held while the resident picks a ticket (the conversation is
/// one item; DynamoDB caps an item at 400 KB).
pub const HELD_MAX: usize = 20;

/// One inbound message, reduced to what the engine decides on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    Text {
        body: String,
    },
    /// A tap on a reply button or list row (`id` is ours), or a template quick-reply payload.
    Choice {
        id: String,
        title: String,
    },
    /// A photo or PDF to store.
    Media(MediaRef),
    /// Anything the service does not read: sticker, voice note, location, reaction, ...
    Unsupported {
        kind: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    pub media_id: String,
    pub mime_type: String,
    pub sha256: String,
    pub filename: Option<String>,
    pub caption: Option<String>,
}

impl MediaRef {
    /// A voice note (or other audio): it goes to a ticket's thread, never into a slot.
    pub fn is_audio(&self) -> bool {
        self.mime_type
            .trim()
            .to_ascii_lowercase()
            .starts_with("audio/")
    }
}

/// Everything about the moment and the office the engine needs, besides the message.
#[derive(Clone, Debug)]
pub struct Input<'a> {
    pub inbound: &'a Inbound,
    pub wamid: &'a str,
    /// The id of our message the resident quoted (WhatsApp's `context.id`), if any.
    pub quoted: Option<&'a str>,
    pub now: OffsetDateTime,
    pub display_name: Option<&'a str>,
    /// Fresh randomness for a ticket and document ids; a new value on every attempt, so a ticket
    /// collision is resolved by retrying.
    pub entropy: u64,
    pub region: &'a Region,
    /// The office, as residents are told about it (greeting, hours).
    pub office: &'a crate::office::Office,
    pub holidays: &'a [Date],
    /// After this long without a message, a half-finished flow starts over (the draft is kept).
    pub idle_expiry: Duration,
}

/// Data the engine needs beyond the conversation, loaded on demand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    Availability(ServiceCode),
    Request(TicketId),
    /// Is there an open request for this person (a NIK, or a child) and service?
    OpenRequest {
        key: OpenRequestKey,
        service: ServiceCode,
    },
    ResidentRequests,
    /// The documents recorded on a ticket (to tell stored scans from pending ones).
    Documents(TicketId),
    /// The ticket one of our outbound messages was about (a quoted reply).
    QuotedTicket(String),
    /// The appointment slots at a place on each day from `from` to `to` (inclusive).
    Slots {
        place: crate::appointment::PlaceId,
        from: Date,
        to: Date,
    },
    /// The booking a request holds, if any (current or past).
    Booking(TicketId),
}

/// What the open-request guard of one NIK and service says.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Guard {
    /// The ticket the guard item names, if the item exists.
    pub holder: Option<TicketId>,
    /// Whether that request is still open (a guard of an ended request is stale).
    pub holder_open: bool,
}

/// Facts loaded so far for one message.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub availability: BTreeMap<ServiceCode, Availability>,
    pub requests: BTreeMap<TicketId, Option<Request>>,
    pub guards: BTreeMap<(String, ServiceCode), Guard>,
    pub resident_requests: Option<Vec<Request>>,
    pub documents: BTreeMap<TicketId, Vec<Document>>,
    /// Outbound message id → the ticket it was about (`None`: not one of ours, or not a ticket's).
    pub quoted: BTreeMap<String, Option<TicketId>>,
    /// Appointment slots by place and day (an empty list: none published).
    pub slots: BTreeMap<(crate::appointment::PlaceId, Date), Vec<crate::appointment::Slot>>,
    pub bookings: BTreeMap<TicketId, Option<crate::appointment::Booking>>,
}

impl Facts {
    /// Records what the guard of `key` and `service` says: the ticket it names, and that
    /// ticket's request as read (`None` when there is no holder or the request is gone).
    pub fn record_guard(
        &mut self,
        key: &OpenRequestKey,
        service: ServiceCode,
        holder: Option<TicketId>,
        holder_request: Option<&Request>,
    ) {
        let holder_open = holder_request.is_some_and(|r| r.status.is_open());
        self.guards.insert(
            (key.as_str().to_owned(), service),
            Guard {
                holder,
                holder_open,
            },
        );
    }

    /// The guard of `key` and `service`, once loaded.
    pub fn guard(&self, key: &OpenRequestKey, service: ServiceCode) -> Option<&Guard> {
        self.guards.get(&(key.as_str().to_owned(), service))
    }
}

/// A store held in memory, answering each [`Need`] the way the webhook answers it from the table:
/// a service's set availability or its catalog default, a request as stored (or its absence),
/// a guard with its holder's request, the resident's requests. The engine's tests and the fuzz
/// world both load facts through it, so they check the engine against one reading of the store.
pub struct InMemoryStore<'a> {
    pub requests: &'a BTreeMap<TicketId, Request>,
    /// Guard holders by [`OpenRequestKey`] (its string) and service.
    pub guards: &'a BTreeMap<(String, ServiceCode), TicketId>,
    /// Availability set by a supervisor; services absent here have their catalog default.
    pub availability: &'a BTreeMap<ServiceCode, Availability>,
    pub documents: &'a [Document],
    /// Our outbound messages that name a ticket, by WhatsApp message id.
    pub outbound: &'a BTreeMap<String, TicketId>,
    /// Published appointment slots and requests' bookings.
    pub slots: &'a [crate::appointment::Slot],
    pub bookings: &'a [crate::appointment::Booking],
}

impl InMemoryStore<'_> {
    /// Adds to `facts` what `need` asks for, as `resident`.
    pub fn load(&self, need: Need, resident: &ResidentId, facts: &mut Facts) {
        match need {
            Need::Availability(code) => {
                let availability = self
                    .availability
                    .get(&code)
                    .cloned()
                    .unwrap_or_else(|| service(code).default_availability());
                facts.availability.insert(code, availability);
            }
            Need::Request(ticket) => {
                facts
                    .requests
                    .insert(ticket, self.requests.get(&ticket).cloned());
            }
            Need::OpenRequest { key, service } => {
                let holder = self
                    .guards
                    .get(&(key.as_str().to_owned(), service))
                    .copied();
                let holder_request = holder.and_then(|t| self.requests.get(&t));
                facts.record_guard(&key, service, holder, holder_request);
            }
            Need::ResidentRequests => {
                facts.resident_requests = Some(
                    self.requests
                        .values()
                        .filter(|r| &r.resident == resident)
                        .cloned()
                        .collect(),
                );
            }
            Need::Documents(ticket) => {
                facts.documents.insert(
                    ticket,
                    self.documents
                        .iter()
                        .filter(|d| d.ticket == ticket)
                        .cloned()
                        .collect(),
                );
            }
            Need::QuotedTicket(id) => {
                let ticket = self.outbound.get(&id).copied();
                facts.quoted.insert(id, ticket);
            }
            Need::Slots { place, from, to } => {
                let mut day = from;
                while day <= to {
                    let slots = self
                        .slots
                        .iter()
                        .filter(|s| s.place == place && s.date == day)
                        .cloned()
                        .collect();
                    facts.slots.insert((place.clone(), day), slots);
                    day += Duration::days(1);
                }
            }
            Need::Booking(ticket) => {
                let booking = self.bookings.iter().find(|b| b.ticket == ticket).cloned();
                facts.bookings.insert(ticket, booking);
            }
        }
    }
}

/// A change the webhook commits atomically with the conversation and the dedupe record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    CreateRequest(Request),
    UpdateRequest {
        request: Request,
        expected_version: u64,
    },
    /// Take the open-request guard; `replaces` is a stale holder to overwrite. Guards are never
    /// deleted: one naming an ended request is stale and simply replaced (see [`Guard`]), which
    /// keeps every release out of the transactions that end requests.
    ClaimGuard {
        key: OpenRequestKey,
        service: ServiceCode,
        ticket: TicketId,
        replaces: Option<TicketId>,
    },
    Document(Document),
    ThreadMessage(ThreadMessage),
    Event(RequestEvent),
    /// The resident agreed to the privacy notice: kept as evidence beside the conversation.
    PrivacyConsent(PrivacyConsent),
    /// Take a place in `booking`'s slot; the request's booking must still be `previous` (whose
    /// slot, if it is still booked, gets its place back). Fails the commit when the slot is full.
    Book {
        booking: crate::appointment::Booking,
        previous: Option<crate::appointment::Booking>,
        applicant_masked: String,
    },
    /// Cancel `previous` (giving its slot its place back): `cancelled` replaces it.
    CancelBooking {
        previous: crate::appointment::Booking,
        cancelled: crate::appointment::Booking,
        applicant_masked: String,
    },
}

/// A message in a request's thread (complaints, consultations, officers' answers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMessage {
    pub ticket: TicketId,
    /// The wamid for resident messages: unique and stable across retries.
    pub message_id: String,
    /// `resident` or an officer's subject.
    pub author: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A resident action for the request's audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestEvent {
    pub ticket: TicketId,
    pub at: OffsetDateTime,
    pub action: &'static str,
    pub from: Option<RequestStatus>,
    pub to: Option<RequestStatus>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub conversation: Conversation,
    pub replies: Vec<Reply>,
    pub writes: Vec<Write>,
}

/// Commands residents type. A command is a whole message (see [`command`]), never the first word
/// of a sentence: "Batas waktu berapa hari?" is a question, not `batal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Menu,
    Status,
    Cancel,
    Help,
    Resume,
    Submit,
    Done,
}

const KEYWORDS: [(&str, Command); 10] = [
    ("menu", Command::Menu),
    ("mulai", Command::Menu),
    ("status", Command::Status),
    ("cek", Command::Status),
    ("batal", Command::Cancel),
    ("bantuan", Command::Help),
    ("help", Command::Help),
    ("lanjut", Command::Resume),
    ("kirim", Command::Submit),
    ("selesai", Command::Done),
];

/// Words around a command that do not change it: "menu dong", "batal saja pak", "cek status ya".
const PADDING: [&str; 24] = [
    "dong", "donk", "saja", "aja", "ya", "yah", "yaa", "pak", "bu", "bapak", "ibu", "min", "admin",
    "kak", "mas", "mbak", "deh", "sih", "nih", "tolong", "mohon", "please", "lagi", "sekarang",
];

fn keyword(word: &str) -> Option<Command> {
    KEYWORDS
        .iter()
        .find_map(|(w, cmd)| (*w == word).then_some(*cmd))
}

/// Lower-case words of a message without the punctuation around them.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The command a whole message is, with its argument (`status abcd-2345` → Status, "abcd-2345").
///
/// In a free-text step (a name, a complaint, an answer to an officer) only the bare keyword
/// counts. Elsewhere polite padding is tolerated, and one typo when the message is that single
/// word.
fn command(text: &str, free_text: bool) -> Option<(Command, String)> {
    let all = words(text);
    let raw: Vec<&str> = text.split_whitespace().collect();
    if free_text {
        return match (all.as_slice(), raw.as_slice()) {
            ([only], _) => keyword(only).map(|cmd| (cmd, String::new())),
            // `status ABCD-EFGH` exactly: a ticket is no word of a sentence.
            ([first, _], [_, ticket])
                if keyword(first) == Some(Command::Status) && TicketId::parse(ticket).is_ok() =>
            {
                Some((Command::Status, (*ticket).to_owned()))
            }
            _ => None,
        };
    }
    // `status ABCD-EFGH` (also `cek`), padding allowed around it.
    if let [first, ticket, rest @ ..] = raw.as_slice()
        && matches!(keyword(&words(first).concat()), Some(Command::Status))
        && TicketId::parse(ticket.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')).is_ok()
        && words(&rest.join(" "))
            .iter()
            .all(|w| PADDING.contains(&w.as_str()))
    {
        let ticket = ticket.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        return Some((Command::Status, ticket.to_owned()));
    }
    let meaningful: Vec<&String> = all
        .iter()
        .filter(|w| !PADDING.contains(&w.as_str()))
        .collect();
    let [word] = meaningful.as_slice() else {
        return None;
    };
    if let Some(cmd) = keyword(word) {
        return Some((cmd, String::new()));
    }
    if all.len() != 1 {
        return None;
    }
    KEYWORDS.iter().find_map(|(w, cmd)| {
        let tolerance = usize::from(w.len() >= 4);
        (edit_distance(word, w) <= tolerance).then(|| (*cmd, String::new()))
    })
}

/// Edit distance counting a swap of two neighbouring letters as one typo (optimal string
/// alignment), since "mneu" is as common on a phone keyboard as "meni".
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(32).collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Whether a complaining message says what went wrong (not only "mau komplain"): worth offering
/// to send as the complaint itself.
fn describes_a_problem(body: &str) -> bool {
    body.split_whitespace().count() >= 6
}

/// A step in progress: the state being built and what it produces.
struct Turn<'a> {
    input: &'a Input<'a>,
    facts: &'a Facts,
    /// The message the previous answer offered to carry into a consultation (see
    /// [`Conversation::unplaced`]); kept only when the resident takes the offer.
    unplaced: Option<Unplaced>,
    conversation: Conversation,
    replies: Vec<Reply>,
    writes: Vec<Write>,
}

/// Advances a resident's conversation by one inbound message, or says which fact it needs first.
pub fn step(
    state: Option<&Conversation>,
    resident: &ResidentId,
    input: &Input,
    facts: &Facts,
) -> Result<Outcome, Need> {
    // A half-finished flow starts over after the idle expiry (the draft is kept for `lanjut`);
    // held messages and a ticket's thread do not expire. The message that arrived is still
    // handled, from the main menu.
    let expired = state.is_some_and(|s| {
        !matches!(
            s.step,
            Step::MainMenu | Step::Thread { .. } | Step::ChoosingTicket { .. }
        ) && input.now - s.last_inbound_at > input.idle_expiry
    });
    let mut turn = Turn {
        input,
        facts,
        unplaced: state.filter(|_| !expired).and_then(|s| s.unplaced.clone()),
        conversation: Conversation {
            resident: resident.clone(),
            version: state.map_or(1, |s| s.version + 1),
            step: state.map_or(Step::MainMenu, |s| s.step.clone()),
            last_inbound_at: input.now,
            draft: state.and_then(|s| s.draft),
            window_closed_at: None,
            privacy_consent: state.and_then(|s| s.privacy_consent.clone()),
            unplaced: None,
        },
        replies: Vec::new(),
        writes: Vec::new(),
    };
    if expired {
        turn.conversation.step = Step::MainMenu;
        turn.replies
            .push(msg::session_expired(turn.conversation.draft));
    }
    turn.dispatch()?;
    Ok(turn.finish())
}

impl<'a> Turn<'a> {
    fn finish(self) -> Outcome {
        Outcome {
            conversation: self.conversation,
            replies: self.replies,
            writes: self.writes,
        }
    }

    fn today(&self) -> Date {
        jakarta_date(self.input.now)
    }

    fn go(&mut self, step: Step) {
        self.conversation.step = step;
    }

    fn say(&mut self, reply: Reply) {
        self.replies.push(reply);
    }

    fn main_menu(&mut self) {
        // Messages held for a ticket choice are not dropped unsaid.
        if let Step::ChoosingTicket { held } = &self.conversation.step
            && !held.is_empty()
        {
            let count = held.len();
            self.say(msg::held_not_delivered(count));
        }
        self.go(Step::MainMenu);
        self.say(msg::main_menu(
            self.input.display_name,
            self.input.office,
            self.conversation.draft,
        ));
    }

    fn request(&self, ticket: TicketId) -> Result<Option<&'a Request>, Need> {
        self.facts
            .requests
            .get(&ticket)
            .map(Option::as_ref)
            .ok_or(Need::Request(ticket))
    }

    /// The draft being filled in, if it still is one.
    fn draft(&self) -> Result<Option<&'a Request>, Need> {
        let Some(ticket) = self.conversation.draft else {
            return Ok(None);
        };
        Ok(self.request(ticket)?.filter(|r| {
            r.status == RequestStatus::Draft && r.resident == self.conversation.resident
        }))
    }

    /// Steps where the resident writes freely: only a bare keyword is a command there.
    fn is_free_text_step(&self) -> bool {
        matches!(
            self.conversation.step,
            Step::AskName
                | Step::AskField { .. }
                | Step::ThreadText { .. }
                | Step::Thread { .. }
                | Step::SurveyComment { .. }
        )
    }

    fn dispatch(&mut self) -> Result<(), Need> {
        let inbound = self.input.inbound;
        // Before the commands: "batal janji" is not `batal`.
        if let Inbound::Text { body } = inbound
            && !self.is_free_text_step()
            && let Some(ask) = appointments::typed(body)
        {
            return self.on_appointment_words(ask);
        }
        if let Inbound::Text { body } = inbound
            && let Some((cmd, rest)) = command(body, self.is_free_text_step())
            && self.global_command(cmd, &rest)?
        {
            return Ok(());
        }
        if let Inbound::Choice { id, .. } = inbound
            && self.on_choice(id)?
        {
            return Ok(());
        }
        if let Inbound::Unsupported { kind } = inbound {
            // A reaction (or its removal) is not a message to answer.
            if kind == "reaction" {
                return Ok(());
            }
            self.say(msg::unsupported_input());
            if matches!(
                self.conversation.step,
                Step::AskName
                    | Step::AskNik { .. }
                    | Step::AskDistrict { .. }
                    | Step::AskField { .. }
                    | Step::AskEventDate
                    | Step::ThreadText { .. }
                    | Step::Survey { .. }
                    | Step::SurveyComment { .. }
            ) {
                self.repeat_question()?;
            }
            return Ok(());
        }
        if let Step::ChoosingTicket { held } = self.conversation.step.clone() {
            // A quoted reply needs no choice; the messages held meanwhile wait on.
            if self.route_quoted()? {
                self.go(Step::ChoosingTicket { held });
                return Ok(());
            }
            return self.on_choosing_ticket(held);
        }
        if self.route()? {
            return Ok(());
        }
        match self.conversation.step.clone() {
            Step::MainMenu | Step::Thread { .. } | Step::ChoosingTicket { .. } => {
                self.go(Step::MainMenu);
                self.on_main_menu()
            }
            Step::ChoosingService { category } => self.on_choosing_service(category),
            Step::PrivacyNotice { service } => self.on_privacy_notice(service),
            Step::AskName => self.on_name(),
            Step::AskNik { name } => self.on_nik(&name),
            Step::AskDistrict { page } => self.on_district(page),
            Step::AskField { field } => self.on_field(&field),
            Step::AskEventDate => self.on_event_date(),
            Step::CollectDocuments { selected } => self.on_documents(selected),
            Step::ThreadText { service } => self.on_thread_text(service),
            Step::Survey { ticket, scores } => self.on_survey_text(ticket, scores),
            Step::SurveyComment { ticket, scores } => self.on_survey_comment(ticket, scores),
            Step::AppointmentDay { ticket } => self.on_day_text(ticket),
            Step::AppointmentTime { ticket, date } => self.on_time_text(ticket, date),
        }
    }

    /// Buttons and list rows whose meaning does not depend on the step; false for the others.
    fn on_choice(&mut self, id: &str) -> Result<bool, Need> {
        if id == msg::MENU_ID {
            self.main_menu();
        } else if self.on_appointment_choice(id)? {
        } else if id == CANCEL_ID {
            self.ask_cancel()?;
        } else if let Some(ticket) = ticket_after(id, CANCEL_PREFIX) {
            self.cancel_draft(ticket)?;
        } else if ticket_after(id, KEEP_PREFIX).is_some() {
            self.repeat_question()?;
        } else if let Some(ticket) = ticket_after(id, RESUBMIT_PREFIX) {
            self.resubmit(ticket)?;
        } else if let Some(ticket) = ticket_after(id, msg::ESCALATE_PREFIX) {
            self.escalate(ticket)?;
        } else if let Some(ticket) = ticket_after(id, msg::survey::START_PREFIX) {
            self.start_survey(ticket)?;
        } else if let Some(ticket) = ticket_after(id, msg::survey::DECLINE_PREFIX) {
            self.decline_survey(ticket)?;
        } else if let Some(value) = id.strip_prefix(msg::survey::ANSWER_PREFIX)
            && let Step::Survey { ticket, scores } = self.conversation.step.clone()
        {
            self.answer_survey(ticket, scores, value.parse().ok())?;
        } else if id == msg::survey::SKIP_COMMENT_ID
            && let Step::SurveyComment { ticket, scores } = self.conversation.step.clone()
        {
            self.finish_survey(ticket, scores, None)?;
        } else if let Some(ticket) = ticket_after(id, TICKET_PREFIX) {
            let held = match &self.conversation.step {
                Step::ChoosingTicket { held } => held.clone(),
                _ => Vec::new(),
            };
            self.pick_ticket(ticket, held)?;
        } else if let Some(rest) = id.strip_prefix(REPLACE_PREFIX)
            && let Some((ticket, code)) = rest.split_once(':')
            && let Ok(ticket) = TicketId::parse(ticket)
            && let Ok(code) = code.parse()
        {
            self.choose_service(code, Some(ticket))?;
        } else if let Some(code) = id.strip_prefix(CONSENT_PREFIX)
            && let Ok(code) = code.parse()
        {
            self.consent_and_start(code)?;
        } else if let Some(code) = id.strip_prefix(CATEGORY_PREFIX)
            && let Ok(category) = code.parse()
        {
            self.choose_category(category);
        } else if let Some(code) = id.strip_prefix(SERVICE_PREFIX)
            && let Ok(code) = code.parse()
        {
            self.choose_service(code, None)?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    fn consent_and_start(&mut self, code: ServiceCode) -> Result<(), Need> {
        let consent = PrivacyConsent {
            version: msg::PRIVACY_NOTICE_VERSION,
            at: self.input.now,
        };
        self.conversation.privacy_consent = Some(consent.clone());
        self.writes.push(Write::PrivacyConsent(consent));
        self.choose_service(code, None)
    }

    /// A typed answer to the privacy notice: only a clear yes agrees; anything else shows it
    /// again (with the way back to the menu).
    fn on_privacy_notice(&mut self, code: ServiceCode) -> Result<(), Need> {
        const YES: [&str; 7] = ["setuju", "ya", "iya", "ok", "oke", "bersedia", "yes"];
        let agreed = self.text().is_some_and(|t| {
            let words = words(t);
            !words.is_empty()
                && words.iter().any(|w| YES.contains(&w.as_str()))
                && words
                    .iter()
                    .all(|w| YES.contains(&w.as_str()) || PADDING.contains(&w.as_str()))
        });
        if agreed {
            return self.consent_and_start(code);
        }
        self.say(msg::privacy_notice(service(code)));
        Ok(())
    }

    /// What the message is, held for a ticket.
    fn held(&self) -> Option<Held> {
        match self.input.inbound {
            Inbound::Text { body } if !body.trim().is_empty() => Some(Held::Text {
                wamid: self.input.wamid.to_owned(),
                body: body.trim().to_owned(),
            }),
            Inbound::Media(media) => Some(Held::Media {
                wamid: self.input.wamid.to_owned(),
                media: media.clone(),
            }),
            _ => None,
        }
    }

    /// Sends the message to the ticket waiting for it, when there is one: the quoted one, the
    /// thread the resident is in, or the only ticket waiting; with several, asks which. True when
    /// the message was taken care of.
    fn route(&mut self) -> Result<bool, Need> {
        let Some(held) = self.held() else {
            return Ok(false);
        };
        if self.route_quoted()? {
            return Ok(true);
        }
        match &self.conversation.step {
            Step::MainMenu | Step::Thread { .. } => {}
            // A menu shown is answered by its number; other steps of a draft take their input.
            Step::ChoosingService { .. } => return Ok(false),
            _ => return Ok(false),
        }
        if self.conversation.step == Step::MainMenu
            && let Held::Text { body, .. } = &held
            && numbered(body, Category::ALL.len()).is_some()
        {
            return Ok(false);
        }
        if let Step::Thread { ticket } = self.conversation.step
            && let Some(request) = self.request(ticket)?
            && request.is_waiting_for_resident()
        {
            self.deliver(request, vec![held]);
            return Ok(true);
        }
        let waiting = self.waiting_tickets()?;
        match waiting.as_slice() {
            [] => Ok(false),
            [only] => {
                self.deliver(only, vec![held]);
                Ok(true)
            }
            several => {
                let several: Vec<&Request> = several.to_vec();
                self.go(Step::ChoosingTicket { held: vec![held] });
                self.say(msg::choose_ticket(&several));
                Ok(true)
            }
        }
    }

    /// A reply quoting one of our messages about an open ticket goes to that ticket.
    fn route_quoted(&mut self) -> Result<bool, Need> {
        let (Some(quoted), Some(held)) = (self.input.quoted, self.held()) else {
            return Ok(false);
        };
        let ticket = match self.facts.quoted.get(quoted) {
            Some(ticket) => *ticket,
            None => return Err(Need::QuotedTicket(quoted.to_owned())),
        };
        if let Some(ticket) = ticket
            && let Some(request) = self.request(ticket)?
            && request.resident == self.conversation.resident
            && request.status.is_open()
            && request.status != RequestStatus::Draft
        {
            self.deliver(request, vec![held]);
            return Ok(true);
        }
        Ok(false)
    }

    /// The resident's tickets waiting for them, the most recently changed first.
    fn waiting_tickets(&self) -> Result<Vec<&'a Request>, Need> {
        let all = self
            .facts
            .resident_requests
            .as_ref()
            .ok_or(Need::ResidentRequests)?;
        let mut waiting: Vec<&Request> =
            all.iter().filter(|r| r.is_waiting_for_resident()).collect();
        waiting.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then(a.ticket.cmp(&b.ticket))
        });
        Ok(waiting)
    }

    /// Messages arriving while the resident has not picked a ticket yet are held too; a number
    /// picks from the list shown.
    fn on_choosing_ticket(&mut self, mut held: Vec<Held>) -> Result<(), Need> {
        let waiting = self.waiting_tickets()?;
        if waiting.is_empty() {
            // Nothing waits any more (answered or closed meanwhile): the resident is told the
            // held messages were not passed on, so nothing disappears unsaid.
            self.go(Step::MainMenu);
            self.say(msg::held_not_delivered(held.len()));
            return Ok(());
        }
        if let Inbound::Text { body } = self.input.inbound
            && let Some(i) = numbered(body, waiting.len())
        {
            return self.pick_ticket(waiting[i].ticket, held);
        }
        match self.held() {
            Some(message) if held.len() < HELD_MAX => held.push(message),
            Some(_) => {
                self.say(msg::held_full());
                self.say(msg::choose_ticket(&waiting));
                return Ok(());
            }
            None => {}
        }
        self.go(Step::ChoosingTicket { held });
        self.say(msg::choose_ticket(&waiting));
        Ok(())
    }

    fn pick_ticket(&mut self, ticket: TicketId, held: Vec<Held>) -> Result<(), Need> {
        match self.request(ticket)? {
            Some(request)
                if request.resident == self.conversation.resident
                    && request.is_waiting_for_resident() =>
            {
                if held.is_empty() {
                    self.go(Step::Thread { ticket });
                    self.say(msg::ticket_chosen(request));
                } else {
                    self.deliver(request, held);
                }
            }
            _ => {
                self.go(Step::MainMenu);
                self.say(msg::ticket_not_waiting(ticket));
                if !held.is_empty() {
                    self.say(msg::held_not_delivered(held.len()));
                }
            }
        }
        Ok(())
    }

    /// Puts the messages on the ticket: texts into its thread, scans into the slots under
    /// revision (in the officer's order), other files as attachments; then says so, naming the
    /// ticket, and what a revision still lacks.
    fn deliver(&mut self, request: &Request, held: Vec<Held>) {
        let mut next = request.clone();
        let mut received: Vec<String> = Vec::new();
        for message in &held {
            match message {
                Held::Text { wamid, body } => {
                    self.writes.push(Write::ThreadMessage(ThreadMessage {
                        ticket: next.ticket,
                        message_id: wamid.clone(),
                        author: "resident".into(),
                        body: body.clone(),
                        at: self.input.now,
                    }));
                    if let Some(revision) = next.revision.as_mut()
                        && !crate::intent::only_thanks(body)
                    {
                        revision.answered = true;
                    }
                }
                Held::Media { wamid, media } => {
                    let slot = if next.status == RequestStatus::NeedsRevision && !media.is_audio() {
                        next.revision_missing().first().map(|s| (*s).to_owned())
                    } else {
                        None
                    };
                    let document = self.document(
                        next.ticket,
                        slot.as_deref().unwrap_or(ATTACHMENT_SLOT),
                        media,
                        wamid,
                    );
                    match &slot {
                        Some(slot) => {
                            next.slots.retain(|s| &s.slot != slot);
                            next.slots.push(SlotFill {
                                slot: slot.clone(),
                                document_id: document.document_id.clone(),
                            });
                            received.push(msg::documents::slot_label(service(next.service), slot));
                        }
                        None => {
                            if let Some(revision) = next.revision.as_mut() {
                                revision.answered = true;
                            }
                            received.push(msg::documents::slot_label(
                                service(next.service),
                                ATTACHMENT_SLOT,
                            ));
                        }
                    }
                    self.writes.push(Write::Document(document));
                }
            }
        }
        next.awaiting_resident_reply = false;
        // A thanks is on the thread for the officer to read, but asks for no answer: it does not
        // flag the ticket again (e.g. after the officer's last word).
        let to_answer = held
            .iter()
            .filter(|m| !matches!(m, Held::Text { body, .. } if crate::intent::only_thanks(body)))
            .count();
        next.unanswered_messages = next
            .unanswered_messages
            .saturating_add(u32::try_from(to_answer).unwrap_or(u32::MAX));
        let next = self.update(next);
        self.go(Step::Thread {
            ticket: next.ticket,
        });
        if next.status == RequestStatus::NeedsRevision {
            self.say(msg::revision_progress(&next, &received));
        } else {
            self.say(msg::delivered_to_ticket(&next, held.len()));
        }
        // A complaint past its deadline: offered, never done on a guess from the words.
        if let Some(timeline) = &next.complaint
            && timeline.can_escalate(next.status.is_open(), self.today())
        {
            self.say(msg::escalation_offer(&next, timeline));
        }
    }

    /// The resident's own completed request whose survey may be answered, or why not (said).
    fn survey_request(&mut self, ticket: TicketId) -> Result<Option<&'a Request>, Need> {
        let request = match self.request(ticket)? {
            Some(r) if r.resident == self.conversation.resident => r,
            _ => {
                self.say(msg::survey::unavailable());
                return Ok(None);
            }
        };
        match request.survey.as_ref().map(|s| s.state) {
            Some(SurveyState::Offered | SurveyState::Declined)
                if request.status == RequestStatus::Completed =>
            {
                Ok(Some(request))
            }
            Some(SurveyState::Answered) => {
                self.say(msg::survey::already_answered(ticket));
                Ok(None)
            }
            _ => {
                self.say(msg::survey::unavailable());
                Ok(None)
            }
        }
    }

    fn start_survey(&mut self, ticket: TicketId) -> Result<(), Need> {
        if self.survey_request(ticket)?.is_some() {
            self.go(Step::Survey {
                ticket,
                scores: Vec::new(),
            });
            self.say(msg::survey::question(0));
        }
        Ok(())
    }

    fn decline_survey(&mut self, ticket: TicketId) -> Result<(), Need> {
        if let Some(request) = self.survey_request(ticket)? {
            if request.survey.as_ref().map(|s| s.state) == Some(SurveyState::Offered) {
                let mut next = request.clone();
                if let Some(survey) = next.survey.as_mut() {
                    survey.state = SurveyState::Declined;
                }
                self.update(next);
            }
            if matches!(
                self.conversation.step,
                Step::Survey { .. } | Step::SurveyComment { .. }
            ) {
                self.go(Step::MainMenu);
            }
            self.say(msg::survey::declined());
        }
        Ok(())
    }

    /// A score typed instead of picked: `1`-`4`, or `0` / "tidak berlaku" where allowed.
    fn on_survey_text(&mut self, ticket: TicketId, scores: Vec<Option<u8>>) -> Result<(), Need> {
        let typed = self.text().map(|t| {
            let t = t.trim().trim_end_matches('.').to_lowercase();
            match t.as_str() {
                "tidak berlaku" | "tdk berlaku" | "tidak ada" => Some(0),
                other => other.parse::<u8>().ok(),
            }
        });
        self.answer_survey(ticket, scores, typed.flatten())
    }

    fn answer_survey(
        &mut self,
        ticket: TicketId,
        mut scores: Vec<Option<u8>>,
        value: Option<u8>,
    ) -> Result<(), Need> {
        let Some(element) = crate::survey::ELEMENTS.get(scores.len()) else {
            return self.finish_survey(ticket, scores, None);
        };
        let score = match value {
            Some(v @ 1..=4) => Some(v),
            Some(0) if element.allows_not_applicable => None,
            _ => {
                self.say(msg::survey::answer_invalid());
                self.say(msg::survey::question(scores.len()));
                return Ok(());
            }
        };
        scores.push(score);
        if scores.len() < crate::survey::ELEMENTS.len() {
            let next = scores.len();
            self.go(Step::Survey { ticket, scores });
            self.say(msg::survey::question(next));
        } else {
            self.go(Step::SurveyComment { ticket, scores });
            self.say(msg::survey::comment_prompt());
        }
        Ok(())
    }

    fn on_survey_comment(&mut self, ticket: TicketId, scores: Vec<Option<u8>>) -> Result<(), Need> {
        let Some(text) = self.text() else {
            self.say(msg::text_expected());
            self.say(msg::survey::comment_prompt());
            return Ok(());
        };
        let comment: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(crate::survey::COMMENT_MAX_CHARS)
            .collect();
        self.finish_survey(ticket, scores, Some(comment).filter(|c| !c.is_empty()))
    }

    /// Stores the answers on the request (once), and thanks the resident.
    fn finish_survey(
        &mut self,
        ticket: TicketId,
        scores: Vec<Option<u8>>,
        comment: Option<String>,
    ) -> Result<(), Need> {
        self.go(Step::MainMenu);
        let Some(request) = self.survey_request(ticket)? else {
            return Ok(());
        };
        let Ok(scores) = <crate::survey::Scores>::try_from(scores) else {
            self.say(msg::survey::unavailable());
            return Ok(());
        };
        if crate::survey::validate(&scores).is_err() {
            self.say(msg::survey::unavailable());
            return Ok(());
        }
        let mut next = request.clone();
        let offered_at = request
            .survey
            .as_ref()
            .map_or(self.input.now, |s| s.offered_at);
        next.survey = Some(crate::survey::Survey {
            state: SurveyState::Answered,
            offered_at,
            answered_at: Some(self.input.now),
            scores: Some(scores),
            comment,
        });
        self.update(next);
        self.event(ticket, "survey_answered", None, None);
        self.say(msg::survey::thanks());
        Ok(())
    }

    /// The resident asks that a complaint past its deadline go to the supervisors (the button
    /// of [`msg::escalation_offer`]). Once; refused with the reason before the deadline.
    fn escalate(&mut self, ticket: TicketId) -> Result<(), Need> {
        let request = match self.request(ticket)? {
            Some(r) if r.resident == self.conversation.resident && r.complaint.is_some() => r,
            _ => {
                self.say(msg::status_not_found());
                return Ok(());
            }
        };
        let Some(timeline) = request.complaint.as_ref() else {
            return Ok(());
        };
        if !timeline.can_escalate(request.status.is_open(), self.today()) {
            self.say(msg::escalation_unavailable(request, timeline));
            return Ok(());
        }
        let mut next = request.clone();
        if let Some(timeline) = next.complaint.as_mut() {
            timeline.escalated_at = Some(self.input.now);
        }
        self.update(next);
        self.event(ticket, "escalated", None, None);
        self.say(msg::escalated(ticket));
        Ok(())
    }

    /// The resident sends the corrections back: every reopened slot must hold a stored scan.
    fn resubmit(&mut self, ticket: TicketId) -> Result<(), Need> {
        let request = match self.request(ticket)? {
            Some(r) if r.resident == self.conversation.resident => r,
            _ => {
                self.say(msg::status_not_found());
                return Ok(());
            }
        };
        if request.status != RequestStatus::NeedsRevision {
            self.say(msg::status_detail(request));
            return Ok(());
        }
        if !request.revision_complete() {
            self.go(Step::Thread { ticket });
            self.say(msg::revision_progress(request, &[]));
            return Ok(());
        }
        let documents = self
            .facts
            .documents
            .get(&ticket)
            .ok_or(Need::Documents(ticket))?;
        let revision_slots: Vec<&str> = request
            .revision
            .iter()
            .flat_map(|r| r.items.iter())
            .map(|i| i.slot.as_str())
            .filter(|s| *s != OTHER_SLOT)
            .collect();
        let unstored: Vec<&str> = revision_slots
            .iter()
            .copied()
            .filter(|slot| {
                let fill = request.slots.iter().find(|f| f.slot == *slot);
                !fill.is_some_and(|f| {
                    documents
                        .iter()
                        .any(|d| d.document_id == f.document_id && d.state == DocumentState::Stored)
                })
            })
            .collect();
        if !unstored.is_empty() {
            self.go(Step::Thread { ticket });
            self.say(msg::revision_still_checking(request, &unstored));
            return Ok(());
        }
        let kind = service(request.service).kind;
        if check_transition(kind, request.status, RequestStatus::Submitted).is_err() {
            self.say(msg::status_detail(request));
            return Ok(());
        }
        let note = request.revision.as_ref().map(|r| {
            r.items
                .iter()
                .map(|i| i.slot.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        });
        let mut next = request.clone();
        next.status = RequestStatus::Submitted;
        next.revision = None;
        next.assigned_to = None;
        next.awaiting_resident_reply = false;
        next.resubmitted_at = Some(self.input.now);
        // The service level counts from complete files: the corrected request gets the service's
        // full time again, from the day it came back.
        let due = add_working_days(
            self.today(),
            service(request.service).max_working_days,
            self.input.holidays,
        );
        next.due_date = Some(due);
        let next = self.update(next);
        self.writes.push(Write::Event(RequestEvent {
            ticket,
            at: self.input.now,
            action: "resubmitted",
            from: Some(RequestStatus::NeedsRevision),
            to: Some(RequestStatus::Submitted),
            note: note.map(|n| format!("corrected: {n}")),
        }));
        self.go(Step::MainMenu);
        self.say(msg::resubmitted(&next, due));
        Ok(())
    }

    /// Commands understood at any step; false when the word means something else here.
    fn global_command(&mut self, cmd: Command, rest: &str) -> Result<bool, Need> {
        match cmd {
            Command::Menu => self.main_menu(),
            Command::Help => self.say(msg::help()),
            Command::Status => self.status(rest)?,
            Command::Cancel => self.ask_cancel()?,
            Command::Resume => self.resume()?,
            // "kirim" and "selesai" only mean something inside a flow.
            Command::Submit => match self.conversation.step {
                Step::CollectDocuments { .. } => self.submit()?,
                _ => return Ok(false),
            },
            Command::Done => match self.conversation.step {
                Step::Thread { ticket } => {
                    self.go(Step::MainMenu);
                    self.say(msg::thread_closed(ticket));
                }
                _ => return Ok(false),
            },
        }
        Ok(true)
    }

    fn status(&mut self, rest: &str) -> Result<(), Need> {
        let rest = rest.trim();
        if rest.is_empty() {
            let all = self
                .facts
                .resident_requests
                .as_ref()
                .ok_or(Need::ResidentRequests)?;
            let open: Vec<&Request> = all.iter().filter(|r| r.status.is_open()).collect();
            self.say(msg::status_list(&open));
            return Ok(());
        }
        // Unknown tickets and other residents' tickets get the same answer (SPEC 7).
        let found = match TicketId::parse(rest) {
            Ok(ticket) => self
                .request(ticket)?
                .filter(|r| r.resident == self.conversation.resident),
            Err(_) => None,
        };
        self.say(match found {
            Some(request) => msg::status_detail(request),
            None => msg::status_not_found(),
        });
        Ok(())
    }

    fn event(
        &mut self,
        ticket: TicketId,
        action: &'static str,
        from: Option<RequestStatus>,
        to: Option<RequestStatus>,
    ) {
        self.writes.push(Write::Event(RequestEvent {
            ticket,
            at: self.input.now,
            action,
            from,
            to,
            note: None,
        }));
    }

    fn update(&mut self, mut request: Request) -> Request {
        let expected_version = request.version;
        request.version += 1;
        request.updated_at = self.input.now;
        self.writes.push(Write::UpdateRequest {
            request: request.clone(),
            expected_version,
        });
        request
    }

    /// `batal` (or the cancel button) asks first, naming the draft; nothing is cancelled on a
    /// word alone.
    fn ask_cancel(&mut self) -> Result<(), Need> {
        match self.draft()? {
            Some(draft) => self.say(msg::confirm_cancel(draft)),
            None => {
                self.conversation.draft = None;
                if let Step::ThreadText { .. } = self.conversation.step {
                    self.go(Step::MainMenu);
                }
                self.say(msg::nothing_to_cancel());
            }
        }
        Ok(())
    }

    /// The confirmation button: cancels `ticket` only while it is still the draft being filled
    /// in, so an old button never cancels a newer draft.
    fn cancel_draft(&mut self, ticket: TicketId) -> Result<(), Need> {
        let Some(draft) = self.draft()?.filter(|d| d.ticket == ticket) else {
            self.say(msg::cancel_stale(ticket));
            return Ok(());
        };
        let kind = service(draft.service).kind;
        if check_transition(kind, draft.status, RequestStatus::Cancelled).is_err() {
            self.say(msg::nothing_to_cancel());
            return Ok(());
        }
        let mut request = draft.clone();
        request.status = RequestStatus::Cancelled;
        let request = self.update(request);
        self.event(
            request.ticket,
            "cancelled_by_resident",
            Some(RequestStatus::Draft),
            Some(RequestStatus::Cancelled),
        );
        self.conversation.draft = None;
        self.go(Step::MainMenu);
        self.say(msg::cancelled(request.ticket));
        Ok(())
    }

    /// Asks again what the current step waits for (after "keep my draft", or a message of the
    /// wrong kind); outside a draft's steps, resumes the draft or shows the menu.
    fn repeat_question(&mut self) -> Result<(), Need> {
        match self.conversation.step.clone() {
            Step::AskNik { name } => self.with_draft(|turn, draft| {
                turn.say(msg::ask_nik(service(draft.service), &name));
                Ok(())
            }),
            Step::AskName
            | Step::AskDistrict { .. }
            | Step::AskField { .. }
            | Step::AskEventDate
            | Step::CollectDocuments { .. } => self.with_draft(|turn, draft| {
                let draft = draft.clone();
                turn.continue_draft(&draft);
                Ok(())
            }),
            Step::ThreadText { service: code } => {
                self.say(msg::thread_prompt(service(code)));
                Ok(())
            }
            Step::Survey { scores, .. } => {
                self.say(msg::survey::question(scores.len()));
                Ok(())
            }
            Step::SurveyComment { .. } => {
                self.say(msg::survey::comment_prompt());
                Ok(())
            }
            _ => match self.draft()? {
                Some(_) => self.resume(),
                None => {
                    self.main_menu();
                    Ok(())
                }
            },
        }
    }

    fn resume(&mut self) -> Result<(), Need> {
        match self.draft()? {
            Some(draft) => {
                let draft = draft.clone();
                self.continue_draft(&draft);
            }
            None => {
                self.conversation.draft = None;
                self.say(msg::nothing_to_resume());
            }
        }
        Ok(())
    }

    /// Moves to the first thing the draft still lacks and asks for it.
    fn continue_draft(&mut self, request: &Request) {
        let definition = service(request.service);
        match &request.applicant {
            None => {
                self.go(Step::AskName);
                self.say(msg::ask_name(definition));
            }
            Some(a) if a.kecamatan.is_none() => {
                self.go(Step::AskDistrict { page: 0 });
                self.say(msg::ask_district(self.input.region, 0));
            }
            Some(_) if request.next_field().is_some() => {
                if let Some(field) = request.next_field() {
                    self.go(Step::AskField {
                        field: field.id.to_owned(),
                    });
                    self.say(msg::ask_field(field));
                }
            }
            Some(_)
                if definition.late_report_after_days.is_some() && request.event_date.is_none() =>
            {
                self.go(Step::AskEventDate);
                self.say(msg::ask_event_date(definition));
            }
            Some(_) => {
                self.go(Step::CollectDocuments { selected: None });
                if request.is_complete() {
                    self.say(msg::no_open_slot(request));
                } else {
                    self.say(msg::documents_needed(request, request.is_late_report()));
                }
            }
        }
    }

    fn choose_category(&mut self, category: Category) {
        self.go(Step::ChoosingService { category });
        self.say(msg::category_menu(category));
    }

    fn on_main_menu(&mut self) -> Result<(), Need> {
        match self.input.inbound {
            Inbound::Text { body } => match numbered(body, Category::ALL.len()) {
                Some(i) => self.choose_category(Category::ALL[i]),
                None => return self.on_main_menu_text(body),
            },
            // Without a ticket waiting, a voice note cannot be placed: ask for text.
            Inbound::Media(media) if media.is_audio() => self.say(msg::unsupported_input()),
            Inbound::Media(_) => self.say(msg::media_without_request()),
            _ => self.main_menu(),
        }
        Ok(())
    }

    /// Free text at the main menu (where a first message lands): a question about a service is
    /// answered from the catalog, services are offered as buttons, anything else becomes an
    /// offer to ask an officer; only a greeting or thanks gets the menu (see `crate::intent`).
    fn on_main_menu_text(&mut self, body: &str) -> Result<(), Need> {
        let reading = crate::intent::read(body);
        if let crate::intent::Intent::Question { services, .. } = reading.intent() {
            for code in services.iter().flatten().map(|m| m.code) {
                if !self.facts.availability.contains_key(&code) {
                    return Err(Need::Availability(code));
                }
            }
        }
        // A complaint already described is kept to be sent as it is (one tap, `USE_EARLIER_ID`).
        let complaint_kept = reading.complains() && describes_a_problem(body);
        let context = msg::intent::Context {
            display_name: self.input.display_name,
            office: self.input.office,
            first_message: self.conversation.version == 1,
            paused_draft: self.conversation.draft,
            message_kept: complaint_kept,
        };
        match msg::intent::at_main_menu(&reading, &context, &self.facts.availability) {
            Some(reply) => self.say(reply),
            None => self.main_menu(),
        }
        // The consultation offered for a message nothing placed starts with that message.
        if matches!(reading.intent(), crate::intent::Intent::Unknown) || complaint_kept {
            self.conversation.unplaced = Some(Unplaced {
                wamid: self.input.wamid.to_owned(),
                body: body.trim().to_owned(),
            });
        }
        Ok(())
    }

    fn on_choosing_service(&mut self, category: Category) -> Result<(), Need> {
        let services: Vec<ServiceCode> = services_in(category).map(|s| s.code).collect();
        match self.input.inbound {
            Inbound::Text { body } => match numbered(body, services.len()) {
                Some(i) => self.choose_service(services[i], None),
                None => {
                    self.say(msg::category_menu(category));
                    Ok(())
                }
            },
            Inbound::Media(_) => {
                self.say(msg::media_without_request());
                Ok(())
            }
            _ => {
                self.say(msg::category_menu(category));
                Ok(())
            }
        }
    }

    /// Starts `code`. A draft being filled in is never cancelled silently: the resident is asked,
    /// and only the answer naming that draft (`replacing`) cancels it.
    fn choose_service(
        &mut self,
        code: ServiceCode,
        replacing: Option<TicketId>,
    ) -> Result<(), Need> {
        let definition = service(code);
        let availability = self
            .facts
            .availability
            .get(&code)
            .ok_or(Need::Availability(code))?;
        if let Availability::Suspended { notice } = availability {
            self.go(Step::MainMenu);
            self.say(msg::service_suspended(definition, notice));
            return Ok(());
        }
        // Before the first personal data is asked: what is collected and why, once per notice
        // version (UU 27/2022).
        if self
            .conversation
            .privacy_consent
            .as_ref()
            .is_none_or(|c| c.version < msg::PRIVACY_NOTICE_VERSION)
        {
            self.go(Step::PrivacyNotice { service: code });
            self.say(msg::privacy_notice(definition));
            if matches!(code, ServiceCode::Consultation | ServiceCode::Complaint) {
                self.conversation.unplaced = self.unplaced.clone();
            }
            return Ok(());
        }
        if definition.kind == ServiceKind::Consultation {
            // One conversation with the officers at a time: an open consultation is joined.
            let open = self
                .facts
                .resident_requests
                .as_ref()
                .ok_or(Need::ResidentRequests)?
                .iter()
                .filter(|r| r.service == code && r.status.is_open())
                .max_by_key(|r| r.updated_at);
            if let Some(open) = open {
                self.go(Step::Thread {
                    ticket: open.ticket,
                });
                self.say(msg::consultation_joined(open));
                return Ok(());
            }
            if let Some(unplaced) = self.unplaced.take() {
                self.open_thread(code, &unplaced.body, &unplaced.wamid);
                return Ok(());
            }
        }
        if definition.kind != ServiceKind::Registration {
            self.go(Step::ThreadText { service: code });
            match self.unplaced.clone() {
                Some(earlier) if definition.kind == ServiceKind::Complaint => {
                    self.say(msg::complaint_prompt_with_earlier(&earlier.body));
                    self.conversation.unplaced = Some(earlier);
                }
                _ => self.say(msg::thread_prompt(definition)),
            }
            return Ok(());
        }
        // One draft at a time keeps "lanjut" and "batal" unambiguous.
        if let Some(previous) = self.draft()? {
            if replacing != Some(previous.ticket) {
                self.say(msg::confirm_replace_draft(previous, definition));
                return Ok(());
            }
            let mut old = previous.clone();
            old.status = RequestStatus::Cancelled;
            let old = self.update(old);
            self.event(
                old.ticket,
                "cancelled_by_new_draft",
                Some(RequestStatus::Draft),
                Some(RequestStatus::Cancelled),
            );
        }
        let ticket = TicketId::from_random(self.input.entropy);
        let request = Request::open(
            ticket,
            code,
            self.conversation.resident.clone(),
            self.input.now,
        );
        self.writes.push(Write::CreateRequest(request));
        self.event(ticket, "opened", None, Some(RequestStatus::Draft));
        self.conversation.draft = Some(ticket);
        self.go(Step::AskName);
        self.say(msg::draft_opened(ticket, definition));
        Ok(())
    }

    /// Steps that need the draft: without one (cancelled elsewhere), back to the menu.
    fn with_draft(
        &mut self,
        then: impl FnOnce(&mut Self, &'a Request) -> Result<(), Need>,
    ) -> Result<(), Need> {
        match self.draft()? {
            Some(draft) => then(self, draft),
            None => {
                self.conversation.draft = None;
                self.main_menu();
                Ok(())
            }
        }
    }

    fn text(&self) -> Option<&'a str> {
        match self.input.inbound {
            Inbound::Text { body } => Some(body.as_str()),
            _ => None,
        }
    }

    fn on_name(&mut self) -> Result<(), Need> {
        self.with_draft(|turn, draft| {
            let Some(text) = turn.text() else {
                turn.say(msg::text_expected());
                turn.say(msg::ask_name(service(draft.service)));
                return Ok(());
            };
            match person_name::read(text) {
                NameReading::Name(name) => {
                    turn.say(msg::ask_nik(service(draft.service), &name));
                    turn.go(Step::AskNik { name });
                }
                NameReading::Social => turn.say(msg::name_still_needed(service(draft.service))),
                NameReading::Invalid => turn.say(msg::name_invalid()),
            }
            Ok(())
        })
    }

    fn on_nik(&mut self, name: &str) -> Result<(), Need> {
        self.with_draft(|turn, draft| {
            let Some(text) = turn.text() else {
                turn.say(msg::text_expected());
                turn.say(msg::ask_nik(service(draft.service), name));
                return Ok(());
            };
            let nik = match Nik::parse(text, turn.today()) {
                Ok(nik) => nik,
                Err(err) => {
                    turn.say(msg::nik_invalid(&err));
                    return Ok(());
                }
            };
            let mut request = draft.clone();
            // A regency renumbered since the NIK was issued is still the same place.
            request.nik_from_elsewhere =
                crate::region::current_regency(nik.regency_code()) != turn.input.region.code;
            request.applicant = Some(Applicant {
                name: name.to_owned(),
                nik,
                kecamatan: None,
            });
            if turn.refused_as_duplicate(draft, &request)? {
                return Ok(());
            }
            let request = turn.update(request);
            turn.continue_draft(&request);
            Ok(())
        })
    }

    /// The one-open-request guard (SPEC 3), checked when `changed` completes or changes what it
    /// is keyed on (see [`Request::open_request_key`]): a request already running for the same
    /// person (or child) and service cancels this draft and points to it; otherwise the guard is
    /// claimed in the same commit. True when the draft was refused.
    fn refused_as_duplicate(&mut self, draft: &Request, changed: &Request) -> Result<bool, Need> {
        let Some(key) = changed.open_request_key() else {
            return Ok(false);
        };
        if draft.open_request_key().as_ref() == Some(&key) {
            return Ok(false);
        }
        let guard = self
            .facts
            .guard(&key, draft.service)
            .ok_or_else(|| Need::OpenRequest {
                key: key.clone(),
                service: draft.service,
            })?;
        if let Some(holder) = guard
            .holder
            .filter(|h| guard.holder_open && *h != draft.ticket)
        {
            // Point to the request already running instead of opening a second one.
            let mut cancelled = draft.clone();
            cancelled.status = RequestStatus::Cancelled;
            let cancelled = self.update(cancelled);
            let keyed_on = match service(draft.service).open_request_key {
                crate::catalog::OpenRequestKey::ApplicantNik => "this NIK",
                crate::catalog::OpenRequestKey::Child => "this child",
            };
            self.writes.push(Write::Event(RequestEvent {
                ticket: cancelled.ticket,
                at: self.input.now,
                action: "cancelled_duplicate",
                from: Some(RequestStatus::Draft),
                to: Some(RequestStatus::Cancelled),
                note: Some(format!(
                    "open request {} exists for {keyed_on} and service",
                    holder.as_str()
                )),
            }));
            self.conversation.draft = None;
            self.go(Step::MainMenu);
            self.say(msg::duplicate_request(holder, service(draft.service)));
            return Ok(true);
        }
        self.writes.push(Write::ClaimGuard {
            key,
            service: draft.service,
            ticket: draft.ticket,
            replaces: guard.holder.filter(|h| *h != draft.ticket),
        });
        Ok(false)
    }

    fn on_field(&mut self, id: &str) -> Result<(), Need> {
        self.with_draft(|turn, draft| {
            let Some(field) = service(draft.service).field(id) else {
                let draft = draft.clone();
                turn.continue_draft(&draft);
                return Ok(());
            };
            let Some(text) = turn.text() else {
                turn.say(msg::text_expected());
                turn.say(msg::ask_field(field));
                return Ok(());
            };
            let Some(value) = field_answer(field.kind, text) else {
                turn.say(msg::field_invalid(field));
                return Ok(());
            };
            let mut request = draft.clone();
            request.answers.retain(|a| a.field != field.id);
            request.answers.push(FieldAnswer {
                field: field.id.to_owned(),
                value,
            });
            if turn.refused_as_duplicate(draft, &request)? {
                return Ok(());
            }
            let request = turn.update(request);
            turn.continue_draft(&request);
            Ok(())
        })
    }

    fn on_district(&mut self, page: usize) -> Result<(), Need> {
        /// Typed instead of tapping "Lainnya…".
        const MORE: [&str; 6] = [
            "lainnya",
            "lain",
            "berikutnya",
            "selanjutnya",
            "next",
            "lagi",
        ];
        let region = self.input.region;
        let next_page = match self.input.inbound {
            Inbound::Choice { id, .. } => id
                .strip_prefix(DISTRICT_PAGE_PREFIX)
                .and_then(|p| p.parse::<usize>().ok()),
            Inbound::Text { body } => {
                let words = words(body);
                (!words.is_empty() && words.iter().all(|w| MORE.contains(&w.as_str())))
                    .then_some(page.saturating_add(1))
            }
            _ => None,
        };
        if let Some(next) = next_page {
            let next = next % region.district_pages();
            self.go(Step::AskDistrict { page: next });
            self.say(msg::ask_district(region, next));
            return Ok(());
        }
        self.with_draft(|turn, draft| {
            let chosen = match turn.input.inbound {
                Inbound::Choice { id, .. } => id
                    .strip_prefix(DISTRICT_PREFIX)
                    .and_then(|code| turn.input.region.district(code)),
                Inbound::Text { body } => turn.input.region.find_district(body),
                _ => None,
            };
            let Some(district) = chosen else {
                turn.say(msg::district_unknown(turn.input.region));
                return Ok(());
            };
            let mut request = draft.clone();
            if let Some(applicant) = request.applicant.as_mut() {
                applicant.kecamatan = Some(district.code.clone());
            }
            let request = turn.update(request);
            turn.continue_draft(&request);
            Ok(())
        })
    }

    fn on_event_date(&mut self) -> Result<(), Need> {
        self.with_draft(|turn, draft| {
            let parsed = turn
                .text()
                .and_then(|text| parse_date(text, turn.today()))
                .filter(|d| *d <= turn.today());
            let Some(event_date) = parsed else {
                turn.say(msg::event_date_invalid());
                return Ok(());
            };
            let mut request = draft.clone();
            request.event_date = Some(event_date);
            // A birth's guard is keyed on the child, complete once the date of birth is known.
            if turn.refused_as_duplicate(draft, &request)? {
                return Ok(());
            }
            let request = turn.update(request);
            turn.continue_draft(&request);
            Ok(())
        })
    }

    fn on_documents(&mut self, selected: Option<String>) -> Result<(), Need> {
        self.with_draft(|turn, draft| {
            let definition = service(draft.service);
            match turn.input.inbound {
                Inbound::Media(media) if media.is_audio() => {
                    turn.say(msg::voice_is_not_a_document());
                    turn.say(msg::documents_needed(draft, false));
                }
                Inbound::Media(media) => {
                    let slot = selected
                        .as_deref()
                        .and_then(|id| definition.slot(id))
                        .or_else(|| draft.missing_slots().next());
                    let Some(slot) = slot else {
                        turn.say(msg::no_open_slot(draft));
                        return Ok(());
                    };
                    let document = turn.document(draft.ticket, slot.id, media, turn.input.wamid);
                    let mut request = draft.clone();
                    request.slots.retain(|s| s.slot != slot.id);
                    request.slots.push(SlotFill {
                        slot: slot.id.to_owned(),
                        document_id: document.document_id.clone(),
                    });
                    turn.writes.push(Write::Document(document));
                    let request = turn.update(request);
                    turn.go(Step::CollectDocuments { selected: None });
                    turn.say(msg::document_received(&request, slot));
                }
                Inbound::Choice { id, .. } if id == SUBMIT_ID => turn.submit_draft(draft),
                Inbound::Choice { id, .. } => match id
                    .strip_prefix(SLOT_PREFIX)
                    .and_then(|s| definition.slot(s))
                {
                    Some(slot) => {
                        turn.go(Step::CollectDocuments {
                            selected: Some(slot.id.to_owned()),
                        });
                        turn.say(msg::slot_selected(slot));
                    }
                    None => turn.say(msg::documents_needed(draft, false)),
                },
                _ => {
                    if draft.is_complete() {
                        turn.say(msg::no_open_slot(draft));
                    } else {
                        turn.say(msg::documents_needed(draft, false));
                    }
                }
            }
            Ok(())
        })
    }

    fn submit(&mut self) -> Result<(), Need> {
        self.with_draft(|turn, draft| {
            turn.submit_draft(draft);
            Ok(())
        })
    }

    fn submit_draft(&mut self, draft: &Request) {
        if !draft.is_complete() {
            self.say(msg::submit_incomplete(draft));
            return;
        }
        let mut request = draft.clone();
        request.status = RequestStatus::Submitted;
        request.submitted_at = Some(self.input.now);
        let due = add_working_days(
            self.today(),
            service(draft.service).max_working_days,
            self.input.holidays,
        );
        request.due_date = Some(due);
        let request = self.update(request);
        self.event(
            request.ticket,
            "submitted",
            Some(RequestStatus::Draft),
            Some(RequestStatus::Submitted),
        );
        self.conversation.draft = None;
        self.go(Step::MainMenu);
        self.say(msg::submitted(&request, due));
    }

    fn on_thread_text(&mut self, code: ServiceCode) -> Result<(), Need> {
        if let Inbound::Choice { id, .. } = self.input.inbound
            && id == msg::USE_EARLIER_ID
            && let Some(earlier) = self.unplaced.take()
        {
            self.open_thread(code, &earlier.body, &earlier.wamid);
            return Ok(());
        }
        let Some(text) = self.text().map(str::trim).filter(|t| !t.is_empty()) else {
            self.say(msg::thread_prompt(service(code)));
            return Ok(());
        };
        self.open_thread(code, text, self.input.wamid);
        Ok(())
    }

    /// Opens a complaint or consultation whose first message is `text` (message id `wamid`).
    fn open_thread(&mut self, code: ServiceCode, text: &str, wamid: &str) {
        let ticket = TicketId::from_random(self.input.entropy);
        let mut request = Request::open(
            ticket,
            code,
            self.conversation.resident.clone(),
            self.input.now,
        );
        let mut due = add_working_days(
            self.today(),
            service(code).max_working_days,
            self.input.holidays,
        );
        if service(code).kind == ServiceKind::Complaint {
            let timeline = ComplaintTimeline::filed(self.input.now, self.input.holidays);
            due = timeline.close_by;
            request.complaint = Some(timeline);
        }
        request.submitted_at = Some(self.input.now);
        request.due_date = Some(due);
        // The first message is the resident's, waiting for an officer's answer.
        request.unanswered_messages = 1;
        self.writes.push(Write::CreateRequest(request.clone()));
        self.event(ticket, "opened", None, Some(request.status));
        self.writes.push(Write::ThreadMessage(ThreadMessage {
            ticket,
            message_id: wamid.to_owned(),
            author: "resident".into(),
            body: text.to_owned(),
            at: self.input.now,
        }));
        self.go(Step::Thread { ticket });
        self.say(msg::thread_opened(&request, due));
    }

    /// A media reference for the documents function to fetch.
    fn document(&self, ticket: TicketId, slot: &str, media: &MediaRef, wamid: &str) -> Document {
        // Derived from the message alone (FNV-1a, two seeds): every retry of one message names
        // the same document, so even racing deliveries can only ever write one record.
        let fnv = |seed: u64| {
            wamid.bytes().fold(seed, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
            })
        };
        Document {
            ticket,
            document_id: format!(
                "{:016x}{:016x}",
                fnv(0xcbf2_9ce4_8422_2325),
                fnv(0x6c62_272e_07bb_0142)
            ),
            slot: slot.to_owned(),
            state: DocumentState::PendingFetch,
            source: DocumentSource::WhatsApp {
                wamid: wamid.to_owned(),
                media_id: media.media_id.clone(),
                mime_type: media.mime_type.clone(),
                sha256: media.sha256.clone(),
                filename: media.filename.clone(),
                caption: media.caption.clone(),
            },
            key: None,
            content_type: None,
            size: None,
            sha256: None,
            version_id: None,
            attempts: 0,
            failure: None,
            created_at: self.input.now,
            updated_at: self.input.now,
        }
    }
}

/// The ticket in a button id `<prefix><ticket>`.
fn ticket_after(id: &str, prefix: &str) -> Option<TicketId> {
    id.strip_prefix(prefix)
        .and_then(|t| TicketId::parse(t).ok())
}

/// "3" or "3." → index 2, when within `count`.
fn numbered(text: &str, count: usize) -> Option<usize> {
    let n: usize = text.trim().trim_end_matches('.').parse().ok()?;
    (1..=count).contains(&n).then(|| n - 1)
}

/// The answer to a field as stored, or `None` when it is not one.
fn field_answer(kind: crate::catalog::FieldKind, text: &str) -> Option<String> {
    use crate::catalog::FieldKind;
    match kind {
        // Thanks or a greeting is no name: the question is asked again, as for any other answer
        // that is not one.
        FieldKind::PersonName => match person_name::read(text) {
            NameReading::Name(name) => Some(name),
            NameReading::Social | NameReading::Invalid => None,
        },
        FieldKind::Text => {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (1..=200).contains(&text.chars().count()).then_some(text)
        }
        // "2", "2 lembar", "dua lembar" is not read: the question asks for the number.
        FieldKind::Count { max } => {
            let digits: String = text
                .trim()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let rest = text.trim()[digits.len()..].trim().to_lowercase();
            let n: u8 = digits.parse().ok()?;
            let unit = matches!(rest.as_str(), "" | "lembar" | "lbr" | "salinan" | "rangkap");
            ((1..=max).contains(&n) && unit).then(|| n.to_string())
        }
    }
}

/// An event date as residents type it (`17-08-2025`, `17/8/25`, `17 Agustus 2025`, ...), not
/// after `today`: see `crate::dates`.
fn parse_date(text: &str, today: Date) -> Option<Date> {
    crate::dates::parse(text, today)
}

mod appointments;
#[cfg(test)]
mod tests;
