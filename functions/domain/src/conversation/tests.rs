//! Compiled only under `#[cfg(test)]` (see `mod tests` at the end of conversation.rs).
//!
//! The engine driven through whole conversations against an in-memory world that applies its
//! writes and answers its needs the way the webhook and the store do.

use super::*;
use crate::catalog::services;
use crate::reply::Reply;
use std::collections::BTreeMap;
use time::macros::datetime;

/// What the store would hold, reduced to what the engine reads.
struct World {
    conversations: BTreeMap<ResidentId, Conversation>,
    requests: BTreeMap<TicketId, Request>,
    guards: BTreeMap<(String, ServiceCode), TicketId>,
    availability: BTreeMap<ServiceCode, Availability>,
    documents: Vec<Document>,
    thread: Vec<ThreadMessage>,
    events: Vec<RequestEvent>,
    entropy: u64,
    now: OffsetDateTime,
    wamid: u64,
    /// Our outbound messages that name a ticket (a quoted reply's lookup).
    outbound: BTreeMap<String, TicketId>,
    /// The message the next inbound quotes.
    quoted: Option<String>,
    consents: Vec<PrivacyConsent>,
    /// Residents agree to the privacy notice when it is shown (`choose` taps "Setuju").
    auto_consent: bool,
    /// The office's region (`Region::load`), Kabupaten Kepahiang unless a test picks another.
    region: Region,
    /// Appointment slots (with their counts) and bookings, as the store keeps them.
    slots: Vec<crate::appointment::Slot>,
    bookings: Vec<crate::appointment::Booking>,
}

const NOW: OffsetDateTime = datetime!(2026-11-27 02:00 UTC);

impl World {
    fn new() -> Self {
        World {
            conversations: BTreeMap::new(),
            requests: BTreeMap::new(),
            guards: BTreeMap::new(),
            availability: BTreeMap::new(),
            documents: Vec::new(),
            thread: Vec::new(),
            events: Vec::new(),
            entropy: 0x5eed,
            now: NOW,
            wamid: 0,
            outbound: BTreeMap::new(),
            quoted: None,
            consents: Vec::new(),
            auto_consent: true,
            region: Region::load("1708").unwrap(),
            slots: Vec::new(),
            bookings: Vec::new(),
        }
    }

    /// A world whose office serves another regency or city.
    fn in_region(code: &str) -> Self {
        World {
            region: Region::load(code).unwrap(),
            ..World::new()
        }
    }

    /// Sends one inbound message; returns the replies.
    fn send(&mut self, resident: &ResidentId, inbound: Inbound) -> Vec<Reply> {
        let region = self.region.clone();
        self.wamid += 1;
        self.entropy = self
            .entropy
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wamid = format!("wamid.T{}", self.wamid);
        let input = Input {
            inbound: &inbound,
            wamid: &wamid,
            quoted: self.quoted.as_deref(),
            office: &crate::office::Office::default(),
            now: self.now,
            display_name: Some("Siti"),
            entropy: self.entropy,
            region: &region,
            holidays: &[],
            idle_expiry: Duration::hours(24),
        };
        let mut facts = Facts::default();
        let state = self.conversations.get(resident).cloned();
        for _ in 0..6 {
            match step(state.as_ref(), resident, &input, &facts) {
                Ok(outcome) => {
                    self.apply(outcome.writes);
                    self.conversations
                        .insert(resident.clone(), outcome.conversation);
                    return outcome.replies;
                }
                Err(need) => self.load(need, resident, &mut facts),
            }
        }
        panic!("engine kept asking for facts");
    }

    fn text(&mut self, resident: &ResidentId, body: &str) -> Vec<Reply> {
        self.send(resident, Inbound::Text { body: body.into() })
    }

    fn choose(&mut self, resident: &ResidentId, id: &str) -> Vec<Reply> {
        let replies = self.send(
            resident,
            Inbound::Choice {
                id: id.into(),
                title: String::new(),
            },
        );
        // The privacy notice comes before a first service; most tests agree at once.
        let consent = replies.iter().find_map(|r| match r {
            Reply::Buttons { buttons, .. } => buttons
                .iter()
                .find(|b| b.id.starts_with(CONSENT_PREFIX))
                .map(|b| b.id.clone()),
            _ => None,
        });
        match consent {
            Some(consent) if self.auto_consent => self.choose(resident, &consent),
            _ => replies,
        }
    }

    fn photo(&mut self, resident: &ResidentId) -> Vec<Reply> {
        self.send(
            resident,
            Inbound::Media(MediaRef {
                media_id: format!("media-{}", self.wamid),
                mime_type: "image/jpeg".into(),
                sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
                filename: None,
                caption: None,
            }),
        )
    }

    fn load(&self, need: Need, resident: &ResidentId, facts: &mut Facts) {
        InMemoryStore {
            requests: &self.requests,
            guards: &self.guards,
            availability: &self.availability,
            documents: &self.documents,
            outbound: &self.outbound,
            slots: &self.slots,
            bookings: &self.bookings,
        }
        .load(need, resident, facts);
    }

    fn apply(&mut self, writes: Vec<Write>) {
        for write in writes {
            match write {
                Write::CreateRequest(r) => {
                    assert!(!self.requests.contains_key(&r.ticket), "ticket reused");
                    self.requests.insert(r.ticket, r);
                }
                Write::UpdateRequest {
                    request,
                    expected_version,
                } => {
                    assert_eq!(
                        self.requests[&request.ticket].version, expected_version,
                        "stale update"
                    );
                    assert_eq!(request.version, expected_version + 1);
                    self.requests.insert(request.ticket, request);
                }
                Write::ClaimGuard {
                    key,
                    service,
                    ticket,
                    replaces,
                } => {
                    let key = (key.as_str().to_owned(), service);
                    assert_eq!(self.guards.get(&key).copied(), replaces, "guard condition");
                    self.guards.insert(key, ticket);
                }
                Write::Document(d) => self.documents.push(d),
                Write::ThreadMessage(m) => self.thread.push(m),
                Write::Event(e) => self.events.push(e),
                Write::PrivacyConsent(c) => self.consents.push(c),
                Write::Book {
                    booking, previous, ..
                } => {
                    // The store's conditions: the booking read is still the one stored, the
                    // slot has room; a change gives the old slot its place back.
                    let stored = self
                        .bookings
                        .iter()
                        .position(|b| b.ticket == booking.ticket);
                    assert_eq!(stored.map(|i| &self.bookings[i]), previous.as_ref());
                    let slot = self
                        .slots
                        .iter_mut()
                        .find(|s| booking.is_for(s))
                        .expect("a published slot");
                    assert!(slot.booked < slot.capacity, "booked beyond capacity");
                    slot.booked += 1;
                    if let Some(old) = previous
                        .as_ref()
                        .filter(|p| p.attendance == crate::appointment::Attendance::Booked)
                    {
                        let slot = self.slots.iter_mut().find(|s| old.is_for(s)).unwrap();
                        slot.booked -= 1;
                    }
                    match stored {
                        Some(i) => self.bookings[i] = booking,
                        None => self.bookings.push(booking),
                    }
                }
                Write::CancelBooking {
                    previous,
                    cancelled,
                    ..
                } => {
                    let i = self
                        .bookings
                        .iter()
                        .position(|b| b == &previous)
                        .expect("the booking read");
                    let slot = self.slots.iter_mut().find(|s| previous.is_for(s)).unwrap();
                    slot.booked -= 1;
                    self.bookings[i] = cancelled;
                }
            }
        }
    }

    fn draft_of(&self, resident: &ResidentId) -> Option<&Request> {
        self.conversations
            .get(resident)
            .and_then(|c| c.draft)
            .and_then(|t| self.requests.get(&t))
    }
}

fn siti() -> ResidentId {
    ResidentId::Phone("6281234567890".into())
}

fn budi() -> ResidentId {
    ResidentId::Phone("6285200001111".into())
}

fn bodies(replies: &[Reply]) -> String {
    replies
        .iter()
        .map(Reply::body)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// Drives one registration from the menu to submission; returns the ticket.
fn complete_registration(
    world: &mut World,
    resident: &ResidentId,
    code: ServiceCode,
    nik: &str,
) -> TicketId {
    world.text(resident, "halo");
    world.choose(
        resident,
        &format!("cat:{}", service(code).category.as_str()),
    );
    let opened = world.choose(resident, &format!("svc:{}", code.as_str()));
    let ticket = world.draft_of(resident).expect("draft opened").ticket;
    assert!(
        bodies(&opened).contains(ticket.as_str()),
        "ticket shown at once"
    );
    world.text(resident, "Siti Aminah");
    world.text(resident, nik);
    world.choose(resident, "kec:170804");
    for field in service(code).fields {
        let answer = match field.kind {
            crate::catalog::FieldKind::PersonName => "Putri Aminah",
            crate::catalog::FieldKind::Text => "akta kelahiran",
            crate::catalog::FieldKind::Count { .. } => "2",
        };
        world.text(resident, answer);
    }
    if service(code).late_report_after_days.is_some() {
        let asked = world.text(resident, "01-11-2026");
        assert!(
            bodies(&asked).contains("Silakan kirim"),
            "{}",
            bodies(&asked)
        );
    }
    let required = service(code).required_slots().count();
    let mut last = Vec::new();
    for _ in 0..required {
        last = world.photo(resident);
    }
    assert!(
        matches!(last.as_slice(), [Reply::Buttons { .. }]),
        "submit offered: {}",
        bodies(&last)
    );
    let done = world.choose(resident, SUBMIT_ID);
    assert!(
        bodies(&done).contains("sudah kami terima"),
        "{}",
        bodies(&done)
    );
    let request = &world.requests[&ticket];
    assert_eq!(request.status, RequestStatus::Submitted);
    assert!(request.due_date.is_some());
    ticket
}

#[test]
fn every_registration_service_goes_from_menu_to_submitted() {
    for definition in services()
        .iter()
        .filter(|s| s.kind == ServiceKind::Registration)
    {
        let mut world = World::new();
        world
            .availability
            .insert(definition.code, Availability::Available);
        let ticket =
            complete_registration(&mut world, &siti(), definition.code, "1708014508900001");
        let request = &world.requests[&ticket];
        assert_eq!(
            request.applicant.as_ref().unwrap().kecamatan.as_deref(),
            Some("170804")
        );
        assert_eq!(
            world.documents.len(),
            definition.required_slots().count(),
            "{}",
            definition.code
        );
        let status = world.text(
            &siti(),
            &format!("status {}", ticket.as_str().to_lowercase()),
        );
        assert!(
            bodies(&status).contains("Diterima, menunggu pemeriksaan"),
            "{}",
            definition.code
        );
    }
}

#[test]
fn complaints_and_consultations_open_a_thread() {
    for code in [ServiceCode::Complaint, ServiceCode::Consultation] {
        let mut world = World::new();
        world.text(&siti(), "menu");
        world.choose(&siti(), "cat:aduan_konsultasi");
        world.choose(&siti(), &format!("svc:{}", code.as_str()));
        let opened = world.text(&siti(), "KTP saya belum jadi sudah 3 bulan");
        let request = world
            .requests
            .values()
            .next()
            .expect("request created")
            .clone();
        assert_eq!(request.status, RequestStatus::Submitted);
        assert!(bodies(&opened).contains(request.ticket.as_str()));
        world.text(&siti(), "ini tambahan info");
        world.photo(&siti());
        assert_eq!(world.thread.len(), 2);
        assert_eq!(world.documents.len(), 1);
        assert_eq!(world.documents[0].slot, ATTACHMENT_SLOT);
        let closed = world.text(&siti(), "selesai");
        assert!(bodies(&closed).contains(request.ticket.as_str()));
        assert_eq!(world.conversations[&siti()].step, Step::MainMenu);
    }
}

#[test]
fn suspended_services_answer_with_their_notice_and_open_nothing() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "cat:ktp_el");
    let replies = world.choose(&siti(), "svc:KTP_NEW");
    assert!(bodies(&replies).contains("tidak tersedia"));
    assert!(world.requests.is_empty());

    world.availability.insert(
        ServiceCode::KkNew,
        Availability::Suspended {
            notice: "Sedang pemeliharaan sistem.".into(),
        },
    );
    let replies = world.choose(&siti(), "svc:KK_NEW");
    assert!(bodies(&replies).contains("Sedang pemeliharaan sistem."));
    assert!(world.requests.is_empty());
}

#[test]
fn invalid_niks_say_which_part_is_wrong_and_ask_again() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    for bad in [
        "12345",            // length
        "9908014508900001", // province
        "1708013208900001", // day 32 (male)
        "1708017208900001", // day 72 (female range ends at 71)
        "1708014513900001", // month 13
        "1708013102900001", // 31 February
        "1708014508900000", // serial 0000
    ] {
        let replies = world.text(&siti(), bad);
        assert!(
            bodies(&replies).contains("ketik ulang NIK"),
            "{bad}: {}",
            bodies(&replies)
        );
        assert!(
            matches!(world.conversations[&siti()].step, Step::AskNik { .. }),
            "{bad}"
        );
    }
    // Female (day + 40) and male forms both pass.
    world.text(&siti(), "1708 0145 0890 0001");
    assert_eq!(
        world.conversations[&siti()].step,
        Step::AskDistrict { page: 0 }
    );
}

#[test]
fn a_second_open_request_for_the_same_nik_and_service_points_to_the_first() {
    let mut world = World::new();
    let first = complete_registration(&mut world, &siti(), ServiceCode::KkNew, "1708014508900001");
    // Another resident (a relative's phone) tries the same NIK and service.
    world.text(&budi(), "menu");
    world.choose(&budi(), "svc:KK_NEW");
    world.text(&budi(), "Siti Aminah");
    let replies = world.text(&budi(), "1708014508900001");
    assert!(
        bodies(&replies).contains(first.as_str()),
        "{}",
        bodies(&replies)
    );
    let cancelled: Vec<_> = world
        .requests
        .values()
        .filter(|r| r.status == RequestStatus::Cancelled)
        .collect();
    assert_eq!(cancelled.len(), 1);
    assert!(world.draft_of(&budi()).is_none());
    // A different service for the same NIK is fine.
    world.text(&budi(), "menu");
    world.choose(&budi(), "svc:KK_LOST_DAMAGED");
    world.text(&budi(), "Siti Aminah");
    let replies = world.text(&budi(), "1708014508900001");
    assert!(
        bodies(&replies).contains("kecamatan"),
        "{}",
        bodies(&replies)
    );
}

#[test]
fn a_guard_of_an_ended_request_is_stale() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    world.text(&siti(), "1708014508900001");
    let first = world.draft_of(&siti()).unwrap().ticket;
    // An officer rejected it elsewhere: status changed, guard left behind.
    world.requests.get_mut(&first).unwrap().status = RequestStatus::Rejected;
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    let replies = world.text(&siti(), "1708014508900001");
    assert!(
        bodies(&replies).contains("kecamatan"),
        "{}",
        bodies(&replies)
    );
}

#[test]
fn status_never_shows_another_residents_ticket() {
    let mut world = World::new();
    let ticket = complete_registration(&mut world, &siti(), ServiceCode::KkNew, "1708014508900001");
    let foreign = world.text(&budi(), &format!("status {}", ticket.as_str()));
    let unknown = world.text(&budi(), "status ZZZZ-ZZZZ");
    assert_eq!(
        foreign, unknown,
        "same answer as a ticket that does not exist"
    );
    assert!(!bodies(&foreign).contains("KK baru"));
    let own = world.text(&siti(), "status");
    assert!(bodies(&own).contains(ticket.as_str()));
    let none = world.text(&budi(), "status");
    assert!(bodies(&none).contains("belum memiliki permohonan"));
}

#[test]
fn commands_are_whole_messages() {
    let cmd = |text: &str| command(text, false);
    for word in [
        "MENU",
        "Menu",
        "mneu",
        "menuu",
        "meni",
        "menu dong",
        "Menu ya pak!",
    ] {
        assert_eq!(cmd(word).map(|c| c.0), Some(Command::Menu), "{word}");
    }
    assert_eq!(
        cmd("status ABCD-2345"),
        Some((Command::Status, "ABCD-2345".to_owned()))
    );
    assert_eq!(
        cmd("cek abcd-2345 ya"),
        Some((Command::Status, "abcd-2345".to_owned()))
    );
    assert_eq!(cmd("Batall"), Some((Command::Cancel, String::new())));
    assert_eq!(
        cmd("batal saja pak"),
        Some((Command::Cancel, String::new()))
    );
    assert_eq!(cmd("bantuan!"), Some((Command::Help, String::new())));
    assert_eq!(cmd("cek"), Some((Command::Status, String::new())));
    // A typo counts only when the message is that one word.
    assert_eq!(cmd("stats ABCD-2345"), None);
    assert_eq!(cmd("batl dong"), None);
    assert_eq!(cmd("cak"), None, "short words must match exactly");
    assert_eq!(cmd("Siti Aminah"), None);
    // A keyword inside a sentence is not a command.
    for sentence in [
        "Batas waktu pengurusan berapa hari?",
        "batal nikah bisa diurus disini?",
        "menu nya mana ya",
        "status anak saya di kk salah",
        "Heli Saputra",
    ] {
        assert_eq!(cmd(sentence), None, "{sentence}");
    }
    // In a free-text step only the bare keyword is one.
    assert_eq!(command("heli", true), None);
    assert_eq!(command("Heli", false).map(|c| c.0), Some(Command::Help));
    assert_eq!(command("batal saja pak", true), None);
    assert_eq!(
        command("status ABCD-2345", true),
        Some((Command::Status, "ABCD-2345".to_owned()))
    );
    assert_eq!(command("status anak saya", true), None);
    assert_eq!(
        command("  Batal. ", true).map(|c| c.0),
        Some(Command::Cancel)
    );
}

#[test]
fn numbered_text_fallback_navigates_the_menus() {
    let mut world = World::new();
    world.text(&siti(), "halo");
    world.text(&siti(), "2"); // Kartu Keluarga
    assert_eq!(
        world.conversations[&siti()].step,
        Step::ChoosingService {
            category: Category::KartuKeluarga
        }
    );
    let notice = world.text(&siti(), "1"); // KK baru
    assert!(bodies(&notice).contains("UU 27/2022"));
    // Typed, as on a phone that shows no buttons.
    world.text(&siti(), "Setuju pak");
    assert_eq!(world.draft_of(&siti()).unwrap().service, ServiceCode::KkNew);
    world.text(&siti(), "Siti");
    world.text(&siti(), "1708014508900001");
    world.text(&siti(), "kepahiang");
    assert!(matches!(
        world.conversations[&siti()].step,
        Step::CollectDocuments { .. }
    ));
}

#[test]
fn cancel_ends_the_draft_and_releases_the_guard() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    world.text(&siti(), "1708014508900001");
    let ticket = world.draft_of(&siti()).unwrap().ticket;
    // The word alone cancels nothing: it asks, naming the ticket, with buttons carrying it.
    let asked = world.text(&siti(), "batal saja pak");
    assert!(
        bodies(&asked).contains(ticket.as_str()),
        "{}",
        bodies(&asked)
    );
    assert_eq!(world.requests[&ticket].status, RequestStatus::Draft);
    let keep = world.choose(&siti(), &format!("keep:{}", ticket.as_str()));
    assert_eq!(world.requests[&ticket].status, RequestStatus::Draft);
    assert!(!bodies(&keep).contains("dibatalkan"));
    world.text(&siti(), "batal");
    let replies = world.choose(&siti(), &format!("cancel:{}", ticket.as_str()));
    assert!(bodies(&replies).contains("dibatalkan"));
    assert_eq!(world.requests[&ticket].status, RequestStatus::Cancelled);
    // The same button again acts on nothing.
    let stale = world.choose(&siti(), &format!("cancel:{}", ticket.as_str()));
    assert!(bodies(&stale).contains("tidak dalam pengisian"));
    // The guard stays but is stale: the same NIK and service can be requested again.
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    let replies = world.text(&siti(), "1708014508900001");
    assert!(
        bodies(&replies).contains("kecamatan"),
        "{}",
        bodies(&replies)
    );
    let second = world.draft_of(&siti()).unwrap().ticket;
    // An old button never cancels the newer draft.
    let stale = world.choose(&siti(), &format!("cancel:{}", ticket.as_str()));
    assert!(bodies(&stale).contains("tidak dalam pengisian"));
    assert_eq!(world.requests[&second].status, RequestStatus::Draft);
    world.choose(&siti(), &format!("cancel:{}", second.as_str()));
    assert_eq!(world.requests[&second].status, RequestStatus::Cancelled);
    let again = world.text(&siti(), "batal");
    assert!(bodies(&again).contains("Tidak ada permohonan"));
}

#[test]
fn idle_conversations_expire_and_the_draft_can_be_resumed() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    let ticket = world.draft_of(&siti()).unwrap().ticket;
    world.now += Duration::hours(30);
    let replies = world.text(&siti(), "1708014508900001");
    assert!(bodies(&replies).contains("berakhir"));
    assert!(bodies(&replies).contains("lanjut"));
    assert_eq!(world.conversations[&siti()].step, Step::MainMenu);
    let resumed = world.text(&siti(), "lanjut");
    assert!(
        bodies(&resumed).contains("nama lengkap"),
        "{}",
        bodies(&resumed)
    );
    assert_eq!(world.draft_of(&siti()).unwrap().ticket, ticket);
}

#[test]
fn documents_fill_slots_in_order_or_the_picked_slot_and_list_what_is_missing() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KIA");
    world.text(&siti(), "Budi Kecil");
    world.text(&siti(), "1708010508150001");
    world.choose(&siti(), "kec:170801");
    let definition = service(ServiceCode::Kia);
    let last_required = definition.required_slots().last().unwrap();
    world.choose(&siti(), &format!("slot:{}", last_required.id));
    let replies = world.photo(&siti());
    let draft = world.draft_of(&siti()).unwrap();
    assert!(draft.is_filled(last_required.id));
    let text = bodies(&replies);
    assert!(text.contains("Masih diperlukan"));
    for slot in draft.missing_slots().filter(|s| s.required) {
        assert!(
            text.contains(slot.label),
            "all missing listed at once: {}",
            slot.label
        );
    }
    let early = world.text(&siti(), "kirim");
    assert!(bodies(&early).contains("belum dapat dikirim"));
}

#[test]
fn unsupported_and_stray_media_get_polite_answers() {
    let mut world = World::new();
    let replies = world.send(
        &siti(),
        Inbound::Unsupported {
            kind: "sticker".into(),
        },
    );
    assert!(bodies(&replies).contains("teks, foto atau PDF"));
    let replies = world.photo(&siti());
    assert!(bodies(&replies).contains("belum ada permohonan"));
    assert!(world.documents.is_empty());
}

#[test]
fn a_wrong_kind_of_message_repeats_the_question_and_a_reaction_gets_no_reply() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    let replies = world.photo(&siti());
    let text = bodies(&replies);
    assert!(text.contains("teks") && text.contains("NIK"), "{text}");
    let replies = world.send(
        &siti(),
        Inbound::Unsupported {
            kind: "location".into(),
        },
    );
    assert!(bodies(&replies).contains("NIK"), "{}", bodies(&replies));
    let replies = world.send(
        &siti(),
        Inbound::Unsupported {
            kind: "reaction".into(),
        },
    );
    assert!(replies.is_empty());
    assert!(matches!(
        world.conversations[&siti()].step,
        Step::AskNik { .. }
    ));
}

#[test]
fn the_privacy_notice_comes_before_any_personal_data_and_is_agreed_once() {
    let mut world = World::new();
    world.auto_consent = false;
    world.text(&siti(), "menu");
    let notice = world.choose(&siti(), "svc:KK_NEW");
    let text = bodies(&notice);
    assert!(
        text.contains("UU 27/2022") && text.contains("NIK"),
        "{text}"
    );
    assert!(text.contains("penghapusan"), "the right to erasure: {text}");
    assert!(
        world.requests.is_empty(),
        "nothing opened before the agreement"
    );
    // "No" leads back to the menu, nothing stored.
    world.choose(&siti(), "menu");
    assert!(world.requests.is_empty() && world.consents.is_empty());
    let opened = world.choose(&siti(), "svc:KK_NEW");
    assert!(bodies(&opened).contains("UU 27/2022"));
    let opened = world.choose(&siti(), "consent:KK_NEW");
    assert!(
        bodies(&opened).contains("nama lengkap"),
        "{}",
        bodies(&opened)
    );
    assert_eq!(world.requests.len(), 1);
    let consent = world.consents.last().unwrap();
    assert_eq!(consent.version, crate::messages::PRIVACY_NOTICE_VERSION);
    assert_eq!(consent.at, world.now);
    // Agreed once: the next service starts at once.
    world.choose(
        &siti(),
        &format!(
            "cancel:{}",
            world.draft_of(&siti()).unwrap().ticket.as_str()
        ),
    );
    let second = world.choose(&siti(), "svc:KIA");
    assert!(
        !bodies(&second).contains("UU 27/2022"),
        "{}",
        bodies(&second)
    );
    assert_eq!(world.consents.len(), 1);
}

#[test]
fn late_reports_are_flagged_not_refused() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:BIRTH");
    world.text(&siti(), "Siti Aminah");
    world.text(&siti(), "1708014508900001");
    world.choose(&siti(), "kec:170804");
    world.text(&siti(), "Bayi Siti");
    let replies = world.text(&siti(), "01-01-2026");
    assert!(
        bodies(&replies).contains("melewati batas waktu"),
        "{}",
        bodies(&replies)
    );
    assert!(world.draft_of(&siti()).unwrap().event_date.is_some());
    let future = {
        let mut w = World::new();
        w.text(&siti(), "menu");
        w.choose(&siti(), "svc:DEATH");
        w.text(&siti(), "Almarhum");
        w.text(&siti(), "1708010508500001");
        w.choose(&siti(), "kec:170804");
        w.text(&siti(), "01-01-2030")
    };
    assert!(bodies(&future).contains("masa depan"));
}

#[test]
fn versions_increase_by_one_per_committed_step() {
    let mut world = World::new();
    world.text(&siti(), "a");
    world.text(&siti(), "b");
    assert_eq!(world.conversations[&siti()].version, 2);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn inbound() -> impl Strategy<Value = Inbound> {
        prop_oneof![
            ".{0,64}".prop_map(|body| Inbound::Text { body }),
            prop_oneof![
                Just("menu".to_owned()),
                Just("status".to_owned()),
                Just("batal".to_owned()),
                Just("lanjut".to_owned()),
                Just("kirim".to_owned()),
                Just("1708014508900001".to_owned()),
                Just("1".to_owned()),
                Just("Siti".to_owned()),
            ]
            .prop_map(|body| Inbound::Text { body }),
            prop_oneof![
                Just("cat:kartu_keluarga".to_owned()),
                Just("svc:KK_NEW".to_owned()),
                Just("svc:COMPLAINT".to_owned()),
                Just("kec:170804".to_owned()),
                Just(SUBMIT_ID.to_owned()),
                Just(CANCEL_ID.to_owned()),
                ".{0,20}",
            ]
            .prop_map(|id| Inbound::Choice {
                id,
                title: String::new()
            }),
            Just(Inbound::Media(MediaRef {
                media_id: "m".into(),
                mime_type: "image/jpeg".into(),
                sha256: "x".into(),
                filename: None,
                caption: None,
            })),
            ".{0,10}".prop_map(|kind| Inbound::Unsupported { kind }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any sequence of messages: no panic, always a reply within WhatsApp's limits, and the
        /// world's invariants (no stale update, no reused ticket, guard conditions) hold, since
        /// `World::apply` asserts them.
        #[test]
        fn the_engine_never_panics_and_always_answers(messages in proptest::collection::vec(inbound(), 1..25)) {
            let mut world = World::new();
            for m in messages {
                let replies = world.send(&siti(), m);
                prop_assert!(!replies.is_empty());
                for r in &replies {
                    prop_assert!(r.body().chars().count() <= crate::reply::TEXT_MAX);
                }
                world.now += Duration::minutes(3);
            }
        }
    }
}

mod content;
mod threads;

mod free_text_commands {
    use super::*;
    use proptest::prelude::*;

    /// Words residents mix into free text, keywords and their typos included.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "menu",
                "status",
                "batal",
                "bantuan",
                "lanjut",
                "kirim",
                "selesai",
                "cek",
                "mulai",
                "help",
                "batas",
                "heli",
                "mulia",
                "meni",
                "pak",
                "dong",
                "saja",
                "ya",
                "KK",
                "anak",
                "Batal.",
                "MENU!",
                "status:",
                "ABCD-2345",
            ])
            .prop_map(str::to_owned),
            "[a-zA-Z]{1,9}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        /// In a free-text step (a name, a complaint, an answer to an officer) a message of two
        /// or more words is never a command, except `status <ticket>` exactly.
        #[test]
        fn no_sentence_is_a_command_in_a_free_text_step(words in prop::collection::vec(word(), 2..6)) {
            let text = words.join(" ");
            if let Some((cmd, rest)) = command(&text, true) {
                prop_assert_eq!(cmd, Command::Status, "{}", text);
                prop_assert_eq!(words.len(), 2, "{}", text);
                prop_assert!(TicketId::parse(&rest).is_ok(), "{}", text);
            }
        }

        /// A lone word in a free-text step is a command only when it is a keyword exactly
        /// (case and surrounding punctuation aside): no typo tolerance.
        #[test]
        fn a_lone_word_is_a_command_only_when_exact(w in word()) {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            let exact = KEYWORDS.iter().any(|(k, _)| *k == bare);
            prop_assert_eq!(command(&w, true).is_some(), exact, "{}", w);
        }
    }
}

/// The rows of the one list among `replies`: (id, title, description).
fn list_rows(replies: &[Reply]) -> Vec<(String, String, Option<String>)> {
    let lists: Vec<_> = replies
        .iter()
        .filter_map(|r| match r {
            Reply::List { sections, .. } => Some(sections),
            _ => None,
        })
        .collect();
    assert_eq!(lists.len(), 1, "one list: {}", bodies(replies));
    lists[0]
        .iter()
        .flat_map(|s| &s.rows)
        .map(|r| (r.id.clone(), r.title.clone(), r.description.clone()))
        .collect()
}

/// Opens a KK request and answers up to the kecamatan question; returns that question.
fn up_to_the_district_question(world: &mut World, nik: &str) -> Vec<Reply> {
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    let asked = world.text(&siti(), nik);
    assert_eq!(
        world.conversations[&siti()].step,
        Step::AskDistrict { page: 0 },
        "{}",
        bodies(&asked)
    );
    asked
}

fn chosen_district(world: &World) -> Option<String> {
    world
        .draft_of(&siti())
        .and_then(|r| r.applicant.as_ref())
        .and_then(|a| a.kecamatan.clone())
}

#[test]
fn kepahiang_kecamatan_fit_one_list_without_more() {
    let mut world = World::new();
    let asked = up_to_the_district_question(&mut world, "1708014508900001");
    let rows = list_rows(&asked);
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[0].0, "kec:170801");
    assert!(
        rows.iter().all(|(id, ..)| id.starts_with("kec:")),
        "no Lainnya row"
    );
    let body = bodies(&asked);
    assert!(body.contains("Kabupaten Kepahiang") && body.contains("8. Muara Kemumu"));
    assert!(
        !body.contains("Halaman") && !body.contains("Lainnya"),
        "{body}"
    );
    // "lainnya" on a one-page list shows that page again.
    let again = world.text(&siti(), "lainnya");
    assert_eq!(list_rows(&again).len(), 8);
    world.text(&siti(), "kaba wetan");
    assert_eq!(chosen_district(&world).as_deref(), Some("170806"));
}

#[test]
fn kota_bengkulu_kecamatan_by_list_number_and_name() {
    for (answer, expected) in [
        ("9", "177109"),
        ("Ratu Samban", "177107"),
        ("kec. gading cempaka", "177102"),
        ("Muara Bangkahulu", "177104"),
    ] {
        let mut world = World::in_region("1771");
        let asked = up_to_the_district_question(&mut world, "1771014508900001");
        assert_eq!(list_rows(&asked).len(), 9);
        assert!(bodies(&asked).contains("Kota Bengkulu"));
        world.text(&siti(), answer);
        assert_eq!(
            chosen_district(&world).as_deref(),
            Some(expected),
            "{answer}"
        );
    }
}

#[test]
fn kabupaten_bogor_kecamatan_are_paged_nine_at_a_time() {
    let mut world = World::in_region("3201");
    let asked = up_to_the_district_question(&mut world, "3201014508900001");
    let rows = list_rows(&asked);
    assert_eq!(rows.len(), 10, "9 kecamatan + Lainnya");
    assert_eq!(rows[0].0, "kec:320101");
    assert_eq!(rows[8].0, "kec:320109");
    assert_eq!(rows[9].0, "kecpage:1");
    assert_eq!(rows[9].1, "Lainnya…");
    assert_eq!(rows[9].2.as_deref(), Some("Kecamatan 10-18 dari 40"));
    let body = bodies(&asked);
    assert!(
        body.contains("1. Cibinong") && body.contains("9. Sukamakmur"),
        "{body}"
    );
    assert!(
        !body.contains("10. Parung") && body.contains("Halaman 1 dari 5"),
        "{body}"
    );

    // Tapping "Lainnya…" and typing "lainnya" both turn the page; the step remembers it.
    let second = world.choose(&siti(), "kecpage:1");
    assert_eq!(
        world.conversations[&siti()].step,
        Step::AskDistrict { page: 1 }
    );
    let rows = list_rows(&second);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0].0, "kec:320110");
    assert!(bodies(&second).contains("10. Parung") && bodies(&second).contains("Halaman 2 dari 5"));
    world.text(&siti(), "lainnya");
    let fourth = world.text(&siti(), "berikutnya");
    assert_eq!(
        world.conversations[&siti()].step,
        Step::AskDistrict { page: 3 }
    );
    assert_eq!(list_rows(&fourth)[0].0, "kec:320128");
    let fifth = world.text(&siti(), "Lainnya");
    let rows = list_rows(&fifth);
    assert_eq!(rows.len(), 5, "4 kecamatan + back to the start");
    assert_eq!(rows[3].0, "kec:320140");
    assert_eq!(rows[4].0, "kecpage:0");
    assert_eq!(rows[4].2.as_deref(), Some("Kembali ke kecamatan 1-9"));
    assert!(bodies(&fifth).contains("40. Tenjolaya"));
    let first_again = world.choose(&siti(), "kecpage:0");
    assert_eq!(list_rows(&first_again)[0].0, "kec:320101");
    assert_eq!(
        world.conversations[&siti()].step,
        Step::AskDistrict { page: 0 }
    );
    assert_eq!(chosen_district(&world), None);

    // A number typed means what the resident saw: numbers run on across pages.
    world.choose(&siti(), "kecpage:1");
    world.text(&siti(), "12");
    assert_eq!(
        chosen_district(&world).as_deref(),
        Some("320112"),
        "12. Kemang"
    );
}

#[test]
fn kabupaten_bogor_kecamatan_typed_by_name_on_any_page() {
    for (page, answer, expected) in [
        (0, "Tenjolaya", "320140"),
        (0, "gunung putri", "320102"),
        (4, "Cibinong", "320101"),
        (2, "Tjisarua", "320125"),
        (1, "Darmaga", "320130"),
        (3, "bojong gede", "320113"),
        (0, "kec. parung panjang", "320120"),
    ] {
        let mut world = World::in_region("3201");
        up_to_the_district_question(&mut world, "3201014508900001");
        if page > 0 {
            world.choose(&siti(), &format!("kecpage:{page}"));
        }
        world.text(&siti(), answer);
        assert_eq!(
            chosen_district(&world).as_deref(),
            Some(expected),
            "{answer}"
        );
    }
    let mut world = World::in_region("3201");
    up_to_the_district_question(&mut world, "3201014508900001");
    for unknown in ["41", "Gunung", "Kepahiang"] {
        let replies = world.text(&siti(), unknown);
        assert!(
            bodies(&replies).contains("ketik *lainnya*"),
            "{}",
            bodies(&replies)
        );
        assert_eq!(chosen_district(&world), None, "{unknown}");
    }
    world.choose(&siti(), "kec:320137");
    assert_eq!(chosen_district(&world).as_deref(), Some("320137"));
}

#[test]
fn the_district_step_keeps_its_page_and_reads_old_conversations() {
    let first: Step = serde_json::from_str(r#"{"step":"ask_district"}"#).unwrap();
    assert_eq!(first, Step::AskDistrict { page: 0 });
    assert_eq!(
        serde_json::to_string(&Step::AskDistrict { page: 0 }).unwrap(),
        r#"{"step":"ask_district"}"#
    );
    let third = Step::AskDistrict { page: 2 };
    let json = serde_json::to_string(&third).unwrap();
    assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), third);
}

#[test]
fn every_regions_kecamatan_question_fits_whatsapp_and_shows_every_kecamatan_once() {
    let mut regions = 0;
    for province in 11..=99u32 {
        for regency in 1..=99u32 {
            let code = format!("{province:02}{regency:02}");
            if crate::region::name_of(&code).is_none() {
                continue;
            }
            let region = Region::load(&code).unwrap();
            regions += 1;
            let mut seen = Vec::new();
            for page in 0..region.district_pages() {
                let reply = msg::ask_district(&region, page);
                let Reply::List { body, sections, .. } = &reply else {
                    panic!("{code}: not a list");
                };
                assert!(
                    body.chars().count() < crate::reply::INTERACTIVE_BODY_MAX,
                    "{code}"
                );
                assert!(!body.ends_with('…'), "{code}: body clipped");
                let rows: Vec<_> = sections.iter().flat_map(|s| &s.rows).collect();
                assert!(rows.len() <= crate::reply::LIST_ROWS_MAX, "{code}");
                seen.extend(
                    rows.iter()
                        .filter_map(|r| r.id.strip_prefix(DISTRICT_PREFIX))
                        .map(str::to_owned),
                );
            }
            let expected: Vec<String> = region.districts.iter().map(|d| d.code.clone()).collect();
            assert_eq!(seen, expected, "{code}");
        }
    }
    assert!(regions >= 514, "{regions}");
}

#[test]
fn a_nik_from_no_regency_is_refused_and_one_from_elsewhere_is_flagged() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    // 1799: Bengkulu has no regency 99.
    let refused = world.text(&siti(), "1799014508900001");
    assert!(
        bodies(&refused).contains("angka ke-1 sampai ke-6"),
        "{}",
        bodies(&refused)
    );
    assert!(matches!(
        world.conversations[&siti()].step,
        Step::AskNik { .. }
    ));

    // Kabupaten Bogor's NIK in Kepahiang's office: a resident who moved in.
    world.text(&siti(), "3201014508900001");
    assert_eq!(
        world.conversations[&siti()].step,
        Step::AskDistrict { page: 0 }
    );
    assert!(world.draft_of(&siti()).unwrap().nik_from_elsewhere);

    let mut world = World::new();
    up_to_the_district_question(&mut world, "1708014508900001");
    assert!(!world.draft_of(&siti()).unwrap().nik_from_elsewhere);

    let mut world = World::in_region("3201");
    up_to_the_district_question(&mut world, "1708014508900001");
    assert!(world.draft_of(&siti()).unwrap().nik_from_elsewhere);

    // Merauke (9301 since 2022) serving a NIK issued as 9101: the same regency.
    let mut world = World::in_region("9301");
    up_to_the_district_question(&mut world, "9101014508900001");
    assert!(!world.draft_of(&siti()).unwrap().nik_from_elsewhere);
}

/// Publishes `capacity` places at each of `times` on `day` at the office.
fn publish(world: &mut World, day: Date, times: &[&str], capacity: u16) {
    for t in times {
        world.slots.push(crate::appointment::Slot {
            place: crate::appointment::PlaceId::office(),
            date: day,
            start: crate::appointment::SlotTime::parse(t).unwrap(),
            capacity,
            booked: 0,
        });
    }
}

#[test]
fn an_approved_card_is_booked_changed_and_cancelled_in_the_conversation() {
    use crate::appointment::Attendance;
    let mut world = World::new();
    let ticket = complete_registration(&mut world, &siti(), ServiceCode::Kia, "1708014508900001");
    // Not yet approved: nothing to book.
    let early = world.text(&siti(), "janji temu");
    assert!(
        bodies(&early).contains("tidak memiliki permohonan"),
        "{}",
        bodies(&early)
    );
    world.requests.get_mut(&ticket).unwrap().status = RequestStatus::Approved;

    // Nothing published: told so.
    let none = world.text(&siti(), "janji temu");
    assert!(bodies(&none).contains("sudah penuh atau belum dibuka"));

    let day = jakarta_date(world.now) + Duration::days(3);
    publish(&mut world, day, &["08:00", "09:00"], 1);
    let days = list_rows(&world.text(&siti(), "jadwal dong"));
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].0, format!("apd:{}:{day}", ticket.as_str()));
    assert_eq!(days[0].2.as_deref(), Some("Sisa 2 tempat"));
    // The day typed as its number, then the time as people type it.
    let times = list_rows(&world.text(&siti(), "1"));
    assert_eq!(
        times.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(),
        ["Pukul 08:00 WIB", "Pukul 09:00 WIB"]
    );
    let confirmed = world.text(&siti(), "jam 9");
    let text = bodies(&confirmed);
    let booking = world.bookings[0].clone();
    assert!(
        text.contains(booking.code.as_str()) && text.contains("09:00"),
        "{text}"
    );
    assert!(text.contains("Bapak/Ibu") && !text.contains("Anda"));
    assert!(
        text.contains("Akta kelahiran anak"),
        "what to bring: {text}"
    );
    assert_eq!(world.slots[1].booked, 1);
    // The same tap again (a second tap, a retry): no second booking.
    world.choose(&siti(), &format!("apt:{}:{day}:09:00", ticket.as_str()));
    assert_eq!((world.slots[0].booked, world.slots[1].booked), (0, 1));

    // Another resident finds 09:00 full: only 08:00 is offered.
    world.requests.get_mut(&ticket).unwrap().status = RequestStatus::Approved;
    let other = complete_registration(&mut world, &budi(), ServiceCode::Kia, "1708015508900002");
    world.requests.get_mut(&other).unwrap().status = RequestStatus::Approved;
    world.text(&budi(), "janji temu");
    let full = world.choose(&budi(), &format!("apt:{}:{day}:09:00", other.as_str()));
    assert!(bodies(&full).contains("baru saja penuh"));
    assert_eq!(list_rows(&full).len(), 1);

    // Siti changes to 08:00 through the button: 09:00 gets its place back.
    world.choose(&siti(), &format!("apc:{}", ticket.as_str()));
    world.choose(&siti(), &format!("apd:{}:{day}", ticket.as_str()));
    world.choose(&siti(), &format!("apt:{}:{day}:08:00", ticket.as_str()));
    assert_eq!((world.slots[0].booked, world.slots[1].booked), (1, 0));
    assert_ne!(world.bookings[0].code, booking.code);

    // "batal janji" is not `batal`: the appointment is cancelled, the draft flow untouched.
    let cancelled = world.text(&siti(), "batal janji");
    assert!(bodies(&cancelled).contains("sudah dibatalkan"));
    assert_eq!(world.bookings[0].attendance, Attendance::Cancelled);
    assert_eq!((world.slots[0].booked, world.slots[1].booked), (0, 0));
    let again = world.text(&siti(), "batal janji");
    assert!(bodies(&again).contains("tidak memiliki janji temu"));
}

#[test]
fn messages_held_for_a_ticket_choice_are_not_dropped_unsaid_by_janji_temu() {
    let mut world = World::new();
    world.text(&siti(), "halo");
    let mut held = world.conversations[&siti()].clone();
    held.step = Step::ChoosingTicket {
        held: vec![Held::Text {
            wamid: "wamid.H1".into(),
            body: "apakah sudah selesai?".into(),
        }],
    };
    world.conversations.insert(siti(), held);
    let replies = world.text(&siti(), "janji temu");
    assert!(
        bodies(&replies).contains("1 pesan terakhir"),
        "{}",
        bodies(&replies)
    );
    assert_eq!(world.conversations[&siti()].step, Step::MainMenu);
}
