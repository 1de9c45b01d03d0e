//! The conversation engine (`domain::conversation::step`) driven by whole scripts of messages
//! from up to three residents, against an in-memory world that answers the engine's `Need`s and
//! applies its writes the way the webhook and the store do.
//!
//! Checked on every message, besides "no panic":
//! - the engine settles within the webhook's fact budget (`MAX_NEEDS` loads) and never asks for
//!   the same fact twice;
//! - `step` is deterministic (same state, input and facts → same outcome: retries are safe);
//! - every message gets at least one reply, and every reply is one the Cloud API accepts (the
//!   limits of `domain::reply`, plus non-empty fields and unique ids, as the fake Graph API checks),
//!   and every button/row id is one the engine itself dispatches on;
//! - the new conversation: same resident, version + 1, `last_inbound_at = now`, window reopened,
//!   and its step is consistent with its draft (see `check_state`);
//! - writes: only the resident's own requests; optimistic versions match the store; status
//!   changes follow `domain::check_transition`; a request submitted is complete; guard claims
//!   replace only the holder the store has (and only a stale one); document ids are unique;
//! - world invariants after every commit: at most one open request per (NIK, service), and it
//!   holds the guard;
//! - no reply shows another resident's ticket (SPEC 7), except the duplicate-NIK answer, which
//!   names the request that already runs for the NIK the resident just typed;
//! - the conversation and every written request survive a JSON round trip.

#![no_main]

use arbitrary::Arbitrary;
use domain::catalog::{Availability, Category, ServiceKind};
use domain::conversation::{
    Conversation, Facts, InMemoryStore, Inbound, Input, MediaRef, Need, Outcome, Step, Write, step,
};
use domain::document::{ATTACHMENT_SLOT, Document, DocumentState};
use domain::messages::{
    CANCEL_ID, CATEGORY_PREFIX, DISTRICT_PREFIX, SERVICE_PREFIX, SLOT_PREFIX, SUBMIT_ID,
};
use domain::region::Region;
use domain::reply::{self, Reply};
use domain::{
    Nik, OpenRequestKey, Request, RequestStatus, ResidentId, ServiceCode, TicketId, allowed_next,
    check_transition, initial_status, jakarta_date, service, services,
};
use libfuzzer_sys::fuzz_target;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use time::macros::datetime;
use time::{Date, Duration, OffsetDateTime};

/// `webhook::process::MAX_NEEDS`: the webhook calls `step` at most this many times per message,
/// so the engine must settle after at most `MAX_NEEDS - 1` loaded facts.
const MAX_NEEDS: usize = 6;
const MAX_ACTIONS: usize = 80;
const START: OffsetDateTime = datetime!(2026-11-27 02:00 UTC);
/// Valid NIKs (birth dates 1990 and 2015), for the `Register` macro.
const NIK_POOL: [&str; 3] = ["1708014508900001", "1708010508150001", "3171014508900002"];

// ---------------------------------------------------------------------------------------------
// Fuzz input

#[derive(Arbitrary, Debug)]
struct Script {
    display_name: DisplayName,
    idle: Idle,
    /// Public holidays, as day offsets from the start date.
    holidays: Vec<u8>,
    actions: Vec<Action>,
}

#[derive(Arbitrary, Debug)]
enum DisplayName {
    None,
    Siti,
    Blank,
    Any(String),
}

#[derive(Arbitrary, Debug)]
enum Idle {
    Day,
    Minutes(u16),
}

#[derive(Arbitrary, Debug)]
enum Action {
    Send { who: Who, message: Msg },
    Wait { minutes: u16 },
    /// An officer moves a submitted request along the lifecycle (never a draft).
    Officer { pick: u8, next: u8 },
    /// A supervisor changes a service's availability.
    Availability { service: u8, notice: Option<String> },
    /// A whole registration as one action (menu, service, name, NIK from a pool of three,
    /// district, event date when asked, optionally an explicit slot pick, every required
    /// document, submit), cut after `stop_after` messages. Each message is checked like any
    /// other; the macro only lets the fuzzer reach deep states and combine them (the same NIK
    /// twice, a new draft over an old one, an officer acting on a submitted request, ...).
    Register {
        who: Who,
        service: u8,
        nik: u8,
        pick_slot: bool,
        stop_after: u8,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Who {
    Siti,
    Budi,
    /// A sender with a username and no phone number.
    User,
}

#[derive(Arbitrary, Debug)]
enum Msg {
    /// A word residents really type (keywords, names, districts, NIKs, dates, numbers).
    Word(u8),
    Text(String),
    /// `"3"` or `"3."`.
    Number { n: u8, dot: bool },
    Nik(NikParts),
    Date { day: u8, month: u8, year: u16, sep: u8 },
    /// `status`, `status <a ticket of the world>` in some spelling, `status <garbage>`.
    Status(StatusArg),
    /// A tap on an id the service offers (or a stale, malformed one).
    Choice(u8),
    ChoiceAny { id: String, title: String },
    Media(Media),
    Unsupported(String),
}

#[derive(Arbitrary, Debug)]
struct NikParts {
    province: u8,
    regency: u8,
    district: u8,
    day: u8,
    month: u8,
    year: u8,
    serial: u16,
    spaced: bool,
}

#[derive(Arbitrary, Debug)]
enum StatusArg {
    Bare,
    Ticket { pick: u8, lower: bool, spaced: bool },
    Any(String),
}

#[derive(Arbitrary, Debug)]
struct Media {
    mime: u8,
    filename: Option<String>,
    caption: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

struct Vocabulary {
    region: Region,
    office: domain::office::Office,
    words: Vec<String>,
    choices: Vec<String>,
}

fn vocabulary() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| {
        let region = Region::load("1708").expect("bundled region");
        let mut words: Vec<String> = [
            "menu", "mulai", "status", "cek", "batal", "bantuan", "help", "lanjut", "kirim",
            "selesai", "tolong", "MENU", "mneu", "Batall", "stats", "bantuan!", "cak", "halo",
            "Siti Aminah", "Budi", "A", "O'Neil-Smith, Jr.", "  Siti   Aminah  ", "123",
            "kepahiang", "Kecamatan merigi", "kec. 170801", "170804", "9", "0",
            "1708014508900001", "1708 0145 0890 0001", "1708010508150001", "1708010508500001",
            "9908014508900001", "1708014513900000", "01-11-2026", "01-01-2030", "31/02/2026",
            "17.08.2026", "1 1 1900", "Putri Aminah", "putri aminah.", "3 lembar", "11", "status ZZZZ-ZZZZ", "status abcd 2345", "kirim sekarang",
            "", " ", "\u{1F600}", "é", "1.", "10",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        words.push("x".repeat(101));
        words.push("Nama".repeat(30));
        let mut choices: Vec<String> = vec![
            SUBMIT_ID.into(),
            CANCEL_ID.into(),
            "svc:".into(),
            "svc:nope".into(),
            "cat:".into(),
            "kec:".into(),
            "kec:999999".into(),
            "slot:".into(),
            "slot:nope".into(),
            "svc:kk_new".into(),
        ];
        for category in Category::ALL {
            choices.push(format!("{CATEGORY_PREFIX}{}", category.as_str()));
        }
        let mut slots = BTreeSet::new();
        for definition in services() {
            choices.push(format!("{SERVICE_PREFIX}{}", definition.code.as_str()));
            for slot in definition.slots {
                slots.insert(slot.id);
            }
        }
        for slot in slots {
            choices.push(format!("{SLOT_PREFIX}{slot}"));
        }
        for district in &region.districts {
            choices.push(format!("{DISTRICT_PREFIX}{}", district.code));
        }
        Vocabulary {
            region,
            office: domain::office::Office::default(),
            words,
            choices,
        }
    })
}

fn pick<T>(items: &[T], n: usize) -> Option<&T> {
    (!items.is_empty()).then(|| &items[n % items.len()])
}

// ---------------------------------------------------------------------------------------------
// The world: what the store holds, reduced to what the engine reads.

struct World {
    conversations: BTreeMap<ResidentId, Conversation>,
    requests: BTreeMap<TicketId, Request>,
    guards: BTreeMap<(String, ServiceCode), TicketId>,
    availability: BTreeMap<ServiceCode, Availability>,
    documents: BTreeMap<String, Document>,
    now: OffsetDateTime,
    entropy: u64,
    wamid: u64,
    display_name: Option<String>,
    idle_expiry: Duration,
    holidays: Vec<Date>,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn resident(who: Who) -> ResidentId {
    match who {
        Who::Siti => ResidentId::Phone("6281234567890".into()),
        Who::Budi => ResidentId::Phone("6285200001111".into()),
        Who::User => ResidentId::User("ID.11223344556677889900".into()),
    }
}

impl World {
    fn new(script: &Script) -> Self {
        let start = jakarta_date(START);
        World {
            conversations: BTreeMap::new(),
            requests: BTreeMap::new(),
            guards: BTreeMap::new(),
            availability: BTreeMap::new(),
            documents: BTreeMap::new(),
            now: START,
            entropy: 0x5eed,
            wamid: 0,
            display_name: match &script.display_name {
                DisplayName::None => None,
                DisplayName::Siti => Some("Siti".into()),
                DisplayName::Blank => Some("   ".into()),
                DisplayName::Any(s) => Some(s.clone()),
            },
            idle_expiry: match script.idle {
                Idle::Day => Duration::hours(24),
                Idle::Minutes(m) => Duration::minutes(i64::from(m)),
            },
            holidays: script
                .holidays
                .iter()
                .take(32)
                .map(|d| start + Duration::days(i64::from(*d)))
                .collect(),
        }
    }

    fn run(&mut self, action: &Action) {
        match action {
            Action::Wait { minutes } => self.now += Duration::minutes(i64::from(*minutes)),
            Action::Availability { service: s, notice } => {
                let Some(definition) = pick(services(), usize::from(*s)) else {
                    return;
                };
                let availability = match notice {
                    Some(notice) => Availability::Suspended {
                        notice: notice.clone(),
                    },
                    None => Availability::Available,
                };
                self.availability.insert(definition.code, availability);
            }
            Action::Officer { pick: p, next } => {
                let candidates: Vec<TicketId> = self
                    .requests
                    .values()
                    .filter(|r| r.status != RequestStatus::Draft)
                    .map(|r| r.ticket)
                    .collect();
                let Some(ticket) = pick(&candidates, usize::from(*p)).copied() else {
                    return;
                };
                let request = self.requests.get_mut(&ticket).expect("listed");
                let kind = service(request.service).kind;
                let Some(to) = pick(allowed_next(kind, request.status), usize::from(*next)) else {
                    return;
                };
                request.status = *to;
                request.version += 1;
                request.updated_at = self.now;
            }
            Action::Register {
                who,
                service: s,
                nik,
                pick_slot,
                stop_after,
            } => {
                let resident = resident(*who);
                let registrations: Vec<ServiceCode> = services()
                    .iter()
                    .filter(|d| d.kind == ServiceKind::Registration)
                    .map(|d| d.code)
                    .collect();
                let Some(code) = pick(&registrations, usize::from(*s)).copied() else {
                    return;
                };
                let definition = service(code);
                let text = |body: &str| Inbound::Text { body: body.into() };
                let choice = |id: String| Inbound::Choice {
                    id,
                    title: String::new(),
                };
                let mut script = vec![
                    text("menu"),
                    choice(format!("{SERVICE_PREFIX}{}", code.as_str())),
                    text("Siti Aminah"),
                    text(NIK_POOL[usize::from(*nik) % NIK_POOL.len()]),
                    choice(format!("{DISTRICT_PREFIX}170804")),
                ];
                for field in definition.fields {
                    script.push(text(match field.kind {
                        domain::catalog::FieldKind::Count { .. } => "2",
                        _ => "Putri Aminah",
                    }));
                }
                if definition.late_report_after_days.is_some() {
                    script.push(text("01-11-2026"));
                }
                let required: Vec<&str> = definition.required_slots().map(|s| s.id).collect();
                if *pick_slot && let Some(last) = required.last() {
                    script.push(choice(format!("{SLOT_PREFIX}{last}")));
                }
                for _ in &required {
                    script.push(Inbound::Media(MediaRef {
                        media_id: "media".into(),
                        mime_type: "image/jpeg".into(),
                        sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
                        filename: None,
                        caption: None,
                    }));
                }
                script.push(choice(SUBMIT_ID.into()));
                for inbound in script.into_iter().take(usize::from(*stop_after).max(1)) {
                    self.send(&resident, inbound);
                }
            }
            Action::Send { who, message } => {
                let resident = resident(*who);
                let inbound = self.inbound(&resident, message);
                self.send(&resident, inbound);
            }
        }
    }

    fn inbound(&self, resident: &ResidentId, message: &Msg) -> Inbound {
        let v = vocabulary();
        let text = |body: String| Inbound::Text { body };
        match message {
            Msg::Word(n) => text(pick(&v.words, usize::from(*n)).cloned().unwrap_or_default()),
            Msg::Text(s) => text(s.clone()),
            Msg::Number { n, dot } => text(format!("{n}{}", if *dot { "." } else { "" })),
            Msg::Nik(p) => {
                let digits = format!(
                    "{:02}{:02}{:02}{:02}{:02}{:02}{:04}",
                    p.province % 100,
                    p.regency % 100,
                    p.district % 100,
                    p.day % 100,
                    p.month % 100,
                    p.year % 100,
                    p.serial % 10000
                );
                if p.spaced {
                    text(format!(
                        "{} {} {} {}",
                        &digits[0..4],
                        &digits[4..8],
                        &digits[8..12],
                        &digits[12..16]
                    ))
                } else {
                    text(digits)
                }
            }
            Msg::Date {
                day,
                month,
                year,
                sep,
            } => {
                let sep = ['-', '/', '.', ' '][usize::from(*sep) % 4];
                text(format!(
                    "{:02}{sep}{:02}{sep}{}",
                    day % 40,
                    month % 14,
                    1890 + (year % 160)
                ))
            }
            Msg::Status(StatusArg::Bare) => text("status".into()),
            Msg::Status(StatusArg::Any(s)) => text(format!("status {s}")),
            Msg::Status(StatusArg::Ticket { pick: p, lower, spaced }) => {
                // Own tickets first half of the range, anyone's in the other.
                let own: Vec<TicketId> = self
                    .requests
                    .values()
                    .filter(|r| &r.resident == resident)
                    .map(|r| r.ticket)
                    .collect();
                let all: Vec<TicketId> = self.requests.keys().copied().collect();
                let ticket = if p % 2 == 0 {
                    pick(&own, usize::from(p / 2))
                } else {
                    pick(&all, usize::from(p / 2))
                };
                let mut s = ticket.map(|t| t.as_str().to_owned()).unwrap_or_default();
                if *spaced {
                    s = s.replace('-', " ");
                }
                if *lower {
                    s = s.to_lowercase();
                }
                text(format!("status {s}"))
            }
            Msg::Choice(n) => Inbound::Choice {
                id: pick(&v.choices, usize::from(*n)).cloned().unwrap_or_default(),
                title: String::new(),
            },
            Msg::ChoiceAny { id, title } => Inbound::Choice {
                id: id.clone(),
                title: title.clone(),
            },
            Msg::Media(m) => Inbound::Media(MediaRef {
                media_id: format!("media-{}", self.wamid),
                mime_type: ["image/jpeg", "image/png", "application/pdf", "video/mp4", ""]
                    [usize::from(m.mime) % 5]
                    .into(),
                sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
                filename: m.filename.clone(),
                caption: m.caption.clone(),
            }),
            Msg::Unsupported(kind) => Inbound::Unsupported { kind: kind.clone() },
        }
    }

    /// The webhook's `run_engine` + commit, with every check.
    fn send(&mut self, resident: &ResidentId, inbound: Inbound) {
        let v = vocabulary();
        self.wamid += 1;
        let wamid = format!("wamid.F{}", self.wamid);
        let state = self.conversations.get(resident).cloned();
        // A ticket collision is a failed conditional write in the store: the webhook retries
        // with fresh randomness.
        for _attempt in 0..4 {
            let entropy = splitmix(&mut self.entropy);
            let input = Input {
                inbound: &inbound,
                wamid: &wamid,
                quoted: None,
                now: self.now,
                display_name: self.display_name.as_deref(),
                entropy,
                region: &v.region,
                office: &v.office,
                holidays: &self.holidays,
                idle_expiry: self.idle_expiry,
            };
            let mut facts = Facts::default();
            let mut asked: Vec<Need> = Vec::new();
            let outcome = loop {
                match step(state.as_ref(), resident, &input, &facts) {
                    Ok(outcome) => break outcome,
                    Err(need) => {
                        assert!(!asked.contains(&need), "asked twice for {need:?}");
                        asked.push(need.clone());
                        assert!(
                            asked.len() < MAX_NEEDS,
                            "engine needs more facts than the webhook loads: {asked:?}"
                        );
                        self.load(need, resident, &mut facts);
                    }
                }
            };
            let again = step(state.as_ref(), resident, &input, &facts)
                .expect("second call with the same facts settles");
            assert_eq!(outcome, again, "step is not deterministic");
            let collision = outcome.writes.iter().any(|w| {
                matches!(w, Write::CreateRequest(r) if self.requests.contains_key(&r.ticket))
            });
            if collision {
                continue;
            }
            self.check_outcome(state.as_ref(), resident, &inbound, &outcome);
            self.commit(resident, outcome);
            self.check_world(resident);
            return;
        }
        panic!("ticket collisions four times in a row");
    }

    fn load(&self, need: Need, resident: &ResidentId, facts: &mut Facts) {
        let documents: Vec<Document> = self.documents.values().cloned().collect();
        InMemoryStore {
            requests: &self.requests,
            guards: &self.guards,
            availability: &self.availability,
            documents: &documents,
            outbound: &BTreeMap::new(),
            slots: &[],
            bookings: &[],
        }
        .load(need, resident, facts);
    }

    fn check_outcome(
        &self,
        state: Option<&Conversation>,
        resident: &ResidentId,
        inbound: &Inbound,
        outcome: &Outcome,
    ) {
        let conversation = &outcome.conversation;
        assert_eq!(&conversation.resident, resident);
        assert_eq!(conversation.version, state.map_or(1, |s| s.version + 1));
        assert_eq!(conversation.last_inbound_at, self.now);
        assert_eq!(conversation.window_closed_at, None, "a message reopens the window");

        assert!(!outcome.replies.is_empty(), "every message gets an answer");
        for reply in &outcome.replies {
            if let Err(e) = check_reply(reply) {
                panic!("reply Meta would refuse: {e}: {reply:#?}");
            }
        }
        self.check_privacy(resident, inbound, outcome);

        // Writes, against what the store holds before the commit.
        let mut versions: BTreeMap<TicketId, (u64, RequestStatus)> = self
            .requests
            .iter()
            .map(|(t, r)| (*t, (r.version, r.status)))
            .collect();
        let mut guards = self.guards.clone();
        let mut created: BTreeSet<TicketId> = BTreeSet::new();
        let owned = |ticket: &TicketId, created: &BTreeSet<TicketId>| {
            created.contains(ticket)
                || self
                    .requests
                    .get(ticket)
                    .is_some_and(|r| &r.resident == resident)
        };
        let mut document_ids = BTreeSet::new();
        for write in &outcome.writes {
            match write {
                Write::CreateRequest(r) => {
                    assert_eq!(&r.resident, resident, "request created for someone else");
                    assert!(!versions.contains_key(&r.ticket));
                    assert_eq!(r.version, 1);
                    assert_eq!(r.status, initial_status(service(r.service).kind));
                    assert_eq!(r.created_at, self.now);
                    round_trip(r);
                    versions.insert(r.ticket, (1, r.status));
                    created.insert(r.ticket);
                }
                Write::UpdateRequest {
                    request,
                    expected_version,
                } => {
                    assert!(owned(&request.ticket, &created), "updates another's request");
                    let (stored_version, stored_status) = versions[&request.ticket];
                    assert_eq!(stored_version, *expected_version, "stale expected version");
                    assert_eq!(request.version, expected_version + 1);
                    assert_eq!(&request.resident, resident);
                    if let Some(before) = self.requests.get(&request.ticket) {
                        assert_eq!(before.service, request.service);
                        assert_eq!(before.created_at, request.created_at);
                    }
                    let kind = service(request.service).kind;
                    if request.status != stored_status {
                        assert!(
                            check_transition(kind, stored_status, request.status).is_ok(),
                            "{stored_status:?} -> {:?}",
                            request.status
                        );
                    }
                    if request.status == RequestStatus::Submitted
                        && stored_status == RequestStatus::Draft
                    {
                        check_submittable(request, self.now);
                    }
                    round_trip(request);
                    versions.insert(request.ticket, (request.version, request.status));
                }
                Write::ClaimGuard {
                    key,
                    service: code,
                    ticket,
                    replaces,
                } => {
                    assert!(owned(ticket, &created), "claims a guard for another's request");
                    let key = (key.as_str().to_owned(), *code);
                    assert_eq!(guards.get(&key), replaces.as_ref(), "guard condition");
                    if let Some(old) = replaces {
                        let (_, status) = versions[old];
                        assert!(!status.is_open(), "replaces a guard whose holder is open");
                    }
                    guards.insert(key, *ticket);
                }
                Write::Document(d) => {
                    assert!(owned(&d.ticket, &created), "document for another's request");
                    assert!(!self.documents.contains_key(&d.document_id));
                    assert!(document_ids.insert(d.document_id.clone()), "document id twice");
                    assert_eq!(d.state, DocumentState::PendingFetch);
                    let code = self
                        .requests
                        .get(&d.ticket)
                        .map(|r| r.service)
                        .expect("documents go to existing requests");
                    let definition = service(code);
                    match definition.kind {
                        ServiceKind::Registration => assert!(
                            definition.slot(&d.slot).is_some(),
                            "unknown slot {}",
                            d.slot
                        ),
                        _ => assert_eq!(d.slot, ATTACHMENT_SLOT),
                    }
                }
                Write::ThreadMessage(m) => {
                    assert!(owned(&m.ticket, &created), "thread message on another's request");
                    assert_eq!(m.author, "resident");
                    let code = self
                        .requests
                        .get(&m.ticket)
                        .map(|r| r.service)
                        .or_else(|| {
                            outcome.writes.iter().find_map(|w| match w {
                                Write::CreateRequest(r) if r.ticket == m.ticket => {
                                    Some(r.service)
                                }
                                _ => None,
                            })
                        })
                        .expect("thread of an existing request");
                    assert_ne!(service(code).kind, ServiceKind::Registration);
                }
                // No appointment slot is published in this world: nothing can be booked.
                Write::Book { .. } | Write::CancelBooking { .. } => {
                    panic!("a booking without a published slot: {write:?}")
                }
                Write::PrivacyConsent(c) => {
                    assert_eq!(c.at, self.now);
                    assert!(
                        state.and_then(|s| s.privacy_consent.as_ref()).is_none(),
                        "agreed once"
                    );
                }
                Write::Event(e) => {
                    assert!(owned(&e.ticket, &created), "event on another's request");
                    assert_eq!(e.at, self.now);
                    if let Some(to) = e.to {
                        // Events are written after the change they record.
                        assert_eq!(versions.get(&e.ticket).map(|v| v.1), Some(to), "{e:?}");
                    }
                }
            }
        }
        // Every slot fill names a document written in the same step or earlier.
        for write in &outcome.writes {
            if let Write::UpdateRequest { request, .. } = write {
                for fill in &request.slots {
                    assert!(
                        document_ids.contains(&fill.document_id)
                            || self.documents.contains_key(&fill.document_id),
                        "slot filled with an unknown document"
                    );
                }
            }
        }
        round_trip(conversation);
    }

    /// No reply shows a ticket of another resident, unless the resident typed it themselves
    /// (names are echoed) or it is the open request for the NIK (or the child's date of birth)
    /// they just typed.
    fn check_privacy(&self, resident: &ResidentId, inbound: &Inbound, outcome: &Outcome) {
        let mut typed = String::new();
        match inbound {
            Inbound::Text { body } => typed.push_str(body),
            Inbound::Choice { id, title } => {
                typed.push_str(id);
                typed.push_str(title);
            }
            Inbound::Media(m) => {
                typed.push_str(m.caption.as_deref().unwrap_or_default());
                typed.push_str(m.filename.as_deref().unwrap_or_default());
            }
            Inbound::Unsupported { kind } => typed.push_str(kind),
        }
        typed.push_str(self.display_name.as_deref().unwrap_or_default());
        for a in self.availability.values() {
            if let Availability::Suspended { notice } = a {
                typed.push_str(notice);
            }
        }
        let typed = typed.to_uppercase();
        let today = jakarta_date(self.now);
        let mut keys: Vec<OpenRequestKey> = Vec::new();
        if let Inbound::Text { body } = inbound {
            if let Ok(nik) = Nik::parse(body, today) {
                keys.push(OpenRequestKey::nik(&nik));
            }
            // A birth is keyed on the child: the date of birth completes the key.
            let draft = self
                .conversations
                .get(resident)
                .and_then(|c| c.draft)
                .and_then(|t| self.requests.get(&t));
            if let Some(draft) = draft
                && let Some(name) = draft.answer(domain::catalog::CHILD_NAME_FIELD)
                && let Some(born) = domain::dates::parse(body, today)
            {
                keys.push(OpenRequestKey::child(name, born));
            }
        }
        let disclosed: BTreeSet<TicketId> = self
            .guards
            .iter()
            .filter(|((k, _), _)| keys.iter().any(|key| key.as_str() == k))
            .map(|(_, t)| *t)
            .collect();
        let texts: Vec<String> = outcome.replies.iter().flat_map(reply_strings).collect();
        for request in self.requests.values() {
            if &request.resident == resident || disclosed.contains(&request.ticket) {
                continue;
            }
            let ticket = request.ticket.as_str();
            if typed.contains(ticket) {
                // Typed by the resident ("status <their ticket>"): it may be echoed, but never
                // with its details (the same answer as a ticket that does not exist).
                let detail = format!("Tiket *{ticket}*");
                let listed = format!("• *{ticket}*");
                for text in &texts {
                    assert!(
                        !text.contains(&detail) && !text.contains(&listed),
                        "another resident's request described: {text}"
                    );
                }
                continue;
            }
            for text in &texts {
                assert!(
                    !text.to_uppercase().contains(ticket),
                    "another resident's ticket {ticket} shown: {text}"
                );
            }
        }
    }

    fn commit(&mut self, resident: &ResidentId, outcome: Outcome) {
        for write in outcome.writes {
            match write {
                Write::CreateRequest(r) => {
                    self.requests.insert(r.ticket, r);
                }
                Write::UpdateRequest { request, .. } => {
                    self.requests.insert(request.ticket, request);
                }
                Write::ClaimGuard {
                    key,
                    service,
                    ticket,
                    ..
                } => {
                    self.guards.insert((key.as_str().to_owned(), service), ticket);
                }
                Write::Document(d) => {
                    self.documents.insert(d.document_id.clone(), d);
                }
                Write::ThreadMessage(_)
                | Write::Event(_)
                | Write::PrivacyConsent(_)
                | Write::Book { .. }
                | Write::CancelBooking { .. } => {}
            }
        }
        self.conversations
            .insert(resident.clone(), outcome.conversation);
    }

    fn check_world(&self, resident: &ResidentId) {
        // One open request per NIK and service, and it holds the guard.
        let mut open: BTreeMap<(String, ServiceCode), TicketId> = BTreeMap::new();
        for request in self.requests.values() {
            let Some(applicant) = &request.applicant else {
                continue;
            };
            if !request.status.is_open() {
                continue;
            }
            let key = (applicant.nik.as_str().to_owned(), request.service);
            if let Some(other) = open.insert(key.clone(), request.ticket) {
                panic!(
                    "two open requests for one NIK and service: {} and {}",
                    other.as_str(),
                    request.ticket.as_str()
                );
            }
            assert_eq!(
                self.guards.get(&key),
                Some(&request.ticket),
                "open request without its guard"
            );
        }
        check_state(self, &self.conversations[resident]);
    }
}

/// The conversation's step agrees with its draft (the invariants `Step`'s docs describe).
fn check_state(world: &World, conversation: &Conversation) {
    let draft = conversation.draft.map(|t| {
        let r = world
            .requests
            .get(&t)
            .unwrap_or_else(|| panic!("draft {} does not exist", t.as_str()));
        assert_eq!(r.resident, conversation.resident, "draft of another resident");
        assert_eq!(r.status, RequestStatus::Draft, "conversation.draft is not a draft");
        r
    });
    let needs_date = |r: &Request| service(r.service).late_report_after_days.is_some();
    let has_district = |r: &Request| r.applicant.as_ref().is_some_and(|a| a.kecamatan.is_some());
    match &conversation.step {
        Step::MainMenu | Step::ChoosingService { .. } => {}
        Step::AskName => {
            let r = draft.expect("AskName without a draft");
            assert!(r.applicant.is_none(), "AskName with an applicant");
        }
        Step::AskNik { name } => {
            let r = draft.expect("AskNik without a draft");
            assert!(r.applicant.is_none(), "AskNik with an applicant");
            let n = name.chars().count();
            assert!((2..=100).contains(&n), "name of {n} characters kept");
        }
        Step::AskDistrict { .. } => {
            let r = draft.expect("AskDistrict without a draft");
            assert!(r.applicant.is_some() && !has_district(r));
        }
        Step::AskField { field } => {
            let r = draft.expect("AskField without a draft");
            assert!(has_district(r), "a question before the district");
            let asked = service(r.service).field(field).expect("unknown field asked");
            assert_eq!(r.next_field(), Some(asked), "not the first unanswered field");
        }
        Step::AskEventDate => {
            let r = draft.expect("AskEventDate without a draft");
            assert!(has_district(r) && needs_date(r) && r.event_date.is_none());
            assert!(r.next_field().is_none(), "the date before the questions");
        }
        Step::CollectDocuments { selected } => {
            let r = draft.expect("CollectDocuments without a draft");
            assert!(has_district(r), "documents before the district");
            assert!(!needs_date(r) || r.event_date.is_some(), "documents before the date");
            assert!(r.next_field().is_none(), "documents before the questions");
            if let Some(slot) = selected {
                assert!(service(r.service).slot(slot).is_some(), "unknown slot selected");
            }
        }
        Step::ThreadText { service: code } => {
            assert_ne!(service(*code).kind, ServiceKind::Registration);
        }
        // Any of the resident's tickets: a registration too, once it waits for the resident.
        Step::Thread { ticket } => {
            let r = world.requests.get(ticket).expect("thread of a missing ticket");
            assert_eq!(r.resident, conversation.resident);
        }
        Step::ChoosingTicket { held } => {
            assert!(!held.is_empty() && held.len() <= domain::conversation::HELD_MAX);
        }
        Step::PrivacyNotice { .. } => {
            assert!(conversation.privacy_consent.is_none(), "asked again after agreeing");
        }
        // The survey of one of the resident's completed tickets, never more answers than elements.
        Step::Survey { ticket, scores } | Step::SurveyComment { ticket, scores } => {
            let r = world.requests.get(ticket).expect("survey of a missing ticket");
            assert_eq!(r.resident, conversation.resident, "survey of another's ticket");
            assert_eq!(r.status, RequestStatus::Completed, "survey before completion");
            assert!(scores.len() <= domain::survey::ELEMENTS.len(), "too many answers");
        }
        // No appointment slot is published in this world: no day or time is ever offered.
        Step::AppointmentDay { .. } | Step::AppointmentTime { .. } => {
            panic!("an appointment step without a published slot")
        }
    }
}

/// What a submitted registration must have.
fn check_submittable(request: &Request, now: OffsetDateTime) {
    assert!(request.is_complete(), "submitted with required slots missing");
    let applicant = request.applicant.as_ref().expect("submitted without applicant");
    assert!(applicant.kecamatan.is_some(), "submitted without district");
    if service(request.service).late_report_after_days.is_some() {
        assert!(request.event_date.is_some(), "submitted without event date");
    }
    assert!(request.next_field().is_none(), "submitted with a question unanswered");
    assert_eq!(request.submitted_at, Some(now));
    let due = request.due_date.expect("submitted without due date");
    assert!(due >= jakarta_date(now), "due date in the past");
}

fn round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).expect("serialises");
    let back: T = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(&back, value, "JSON round trip changed it");
}

fn reply_strings(reply: &Reply) -> Vec<String> {
    match reply {
        Reply::Text { body } => vec![body.clone()],
        Reply::Buttons { body, buttons } => std::iter::once(body.clone())
            .chain(buttons.iter().flat_map(|b| [b.id.clone(), b.title.clone()]))
            .collect(),
        Reply::List {
            body,
            button,
            sections,
        } => std::iter::once(body.clone())
            .chain(std::iter::once(button.clone()))
            .chain(sections.iter().flat_map(|s| {
                std::iter::once(s.title.clone()).chain(s.rows.iter().flat_map(|r| {
                    [
                        r.id.clone(),
                        r.title.clone(),
                        r.description.clone().unwrap_or_default(),
                    ]
                }))
            }))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// The Cloud API's rules for the messages the service sends (as `infra/fake-whatsapp` checks).

fn chars_within(s: &str, max: usize, what: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    let n = s.chars().count();
    if n > max {
        return Err(format!("{what} has {n} characters, at most {max}"));
    }
    Ok(())
}

/// An id the engine dispatches on when it comes back as a tap.
fn known_id(id: &str) -> bool {
    id == SUBMIT_ID
        || id == CANCEL_ID
        || [CATEGORY_PREFIX, SERVICE_PREFIX, DISTRICT_PREFIX, SLOT_PREFIX]
            .iter()
            .any(|p| id.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
}

fn check_reply(reply: &Reply) -> Result<(), String> {
    match reply {
        Reply::Text { body } => chars_within(body, reply::TEXT_MAX, "text body"),
        Reply::Buttons { body, buttons } => {
            chars_within(body, reply::INTERACTIVE_BODY_MAX, "buttons body")?;
            if buttons.is_empty() || buttons.len() > reply::BUTTONS_MAX {
                return Err(format!("{} buttons", buttons.len()));
            }
            let mut ids = BTreeSet::new();
            for b in buttons {
                chars_within(&b.id, 256, "button id")?;
                chars_within(&b.title, reply::BUTTON_TITLE_MAX, "button title")?;
                if !ids.insert(&b.id) {
                    return Err(format!("button id {} twice", b.id));
                }
                if !known_id(&b.id) {
                    return Err(format!("button id {} is not one the engine reads", b.id));
                }
            }
            Ok(())
        }
        Reply::List {
            body,
            button,
            sections,
        } => {
            chars_within(body, reply::INTERACTIVE_BODY_MAX, "list body")?;
            chars_within(button, reply::LIST_BUTTON_MAX, "list button")?;
            if sections.is_empty() || sections.len() > 10 {
                return Err(format!("{} sections", sections.len()));
            }
            let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
            if rows > reply::LIST_ROWS_MAX {
                return Err(format!("{rows} rows"));
            }
            let mut ids = BTreeSet::new();
            for s in sections {
                if sections.len() > 1 || !s.title.is_empty() {
                    chars_within(&s.title, reply::SECTION_TITLE_MAX, "section title")?;
                }
                if s.rows.is_empty() {
                    return Err("section without rows".into());
                }
                for r in &s.rows {
                    chars_within(&r.id, 200, "row id")?;
                    chars_within(&r.title, reply::ROW_TITLE_MAX, "row title")?;
                    if let Some(d) = &r.description {
                        if d.chars().count() > reply::ROW_DESCRIPTION_MAX {
                            return Err(format!("row description {d:?} too long"));
                        }
                    }
                    if !ids.insert(&r.id) {
                        return Err(format!("row id {} twice", r.id));
                    }
                    if !known_id(&r.id) {
                        return Err(format!("row id {} is not one the engine reads", r.id));
                    }
                }
            }
            Ok(())
        }
    }
}

fuzz_target!(|script: Script| {
    let mut world = World::new(&script);
    for action in script.actions.iter().take(MAX_ACTIONS) {
        world.run(action);
    }
});
