//! After submission: what the resident sends goes to the ticket that waits for it (revisions,
//! officers' questions, open complaints and consultations), and corrections go back to the
//! officers' queue.

use super::*;
use crate::officer_actions::{self, Action, Actor, RevisionItem};

const NIK: &str = "1708014508900001";

fn officer() -> Actor {
    Actor {
        subject: "officer-1".into(),
        supervisor: false,
    }
}

impl World {
    /// An officer action as the status function applies it (version-checked, pure rules).
    fn officer_acts(&mut self, ticket: TicketId, action: Action) {
        let applied =
            officer_actions::apply(&self.requests[&ticket], &action, &officer(), self.now)
                .expect("officer action allowed");
        self.requests.insert(ticket, applied.request);
    }

    /// An officer writes on the ticket (what `POST /requests/{ticket}/messages` records), sent
    /// as WhatsApp message `outbound_id`.
    fn officer_writes(&mut self, ticket: TicketId, outbound_id: &str) {
        let request = self.requests.get_mut(&ticket).unwrap();
        request.awaiting_resident_reply = true;
        request.unanswered_messages = 0;
        if let Some(timeline) = request.complaint.as_mut() {
            timeline.record_answer(self.now);
        }
        request.version += 1;
        self.outbound.insert(outbound_id.into(), ticket);
    }

    /// The documents function's verdict on every scan still pending.
    fn store_pending_documents(&mut self) {
        for d in &mut self.documents {
            if d.state == DocumentState::PendingFetch {
                d.state = DocumentState::Stored;
            }
        }
    }

    /// The documents function refuses the scan in `slot` and frees the slot.
    fn reject_scan_in(&mut self, ticket: TicketId, slot: &str) {
        let request = self.requests.get_mut(&ticket).unwrap();
        let fill = request
            .slots
            .iter()
            .position(|f| f.slot == slot)
            .expect("slot filled");
        let document_id = request.slots.remove(fill).document_id;
        request.version += 1;
        let document = self
            .documents
            .iter_mut()
            .find(|d| d.document_id == document_id)
            .unwrap();
        document.state = DocumentState::Rejected;
    }
}

/// A registration service with at least two required slots, available by default.
fn two_slot_service() -> ServiceCode {
    services()
        .iter()
        .find(|s| {
            s.kind == ServiceKind::Registration
                && s.required_slots().count() >= 2
                && s.default_availability().is_available()
        })
        .expect("a service with two required slots")
        .code
}

/// A request submitted, claimed and sent back for revision of `slots`.
fn under_revision(world: &mut World, slots: &[&str]) -> TicketId {
    let ticket = complete_registration(world, &siti(), two_slot_service(), NIK);
    world.store_pending_documents();
    world.officer_acts(ticket, Action::Claim);
    world.officer_acts(
        ticket,
        Action::RequestRevision(
            slots
                .iter()
                .map(|s| RevisionItem {
                    slot: (*s).into(),
                    reason: "foto buram, mohon difoto ulang".into(),
                })
                .collect(),
        ),
    );
    assert_eq!(world.requests[&ticket].status, RequestStatus::NeedsRevision);
    ticket
}

fn revision_slots() -> Vec<&'static str> {
    service(two_slot_service())
        .required_slots()
        .map(|s| s.id)
        .collect()
}

fn resubmit_button(ticket: TicketId) -> String {
    format!("resubmit:{}", ticket.as_str())
}

#[test]
fn a_revision_of_one_slot_goes_back_to_the_queue() {
    let mut world = World::new();
    let slot = revision_slots()[0];
    let ticket = under_revision(&mut world, &[slot]);
    let due_before = world.requests[&ticket].due_date;
    let docs_before = world.documents.len();

    // A reply in words goes to the ticket's thread, with what is still needed.
    let replies = world.text(&siti(), "Baik pak, ini saya kirim ulang");
    let text = bodies(&replies);
    assert!(text.contains(ticket.as_str()), "{text}");
    assert!(text.contains("masih kami perlukan"), "{text}");
    assert_eq!(world.thread.last().unwrap().ticket, ticket);
    assert_eq!(
        world.thread.last().unwrap().body,
        "Baik pak, ini saya kirim ulang"
    );

    // The corrected photo fills exactly the reopened slot; the button to resubmit follows.
    let replies = world.photo(&siti());
    assert_eq!(world.documents.len(), docs_before + 1);
    let document = world.documents.last().unwrap();
    assert_eq!((document.ticket, document.slot.as_str()), (ticket, slot));
    assert!(world.requests[&ticket].is_filled(slot));
    assert!(
        matches!(replies.as_slice(), [Reply::Buttons { buttons, .. }] if buttons[0].id == resubmit_button(ticket)),
        "{}",
        bodies(&replies)
    );

    // Tapped while the scan is still being checked: nothing changes yet.
    world.now += Duration::days(3);
    let early = world.choose(&siti(), &resubmit_button(ticket));
    assert!(
        bodies(&early).contains("masih kami periksa"),
        "{}",
        bodies(&early)
    );
    assert_eq!(world.requests[&ticket].status, RequestStatus::NeedsRevision);

    world.store_pending_documents();
    let done = world.choose(&siti(), &resubmit_button(ticket));
    assert!(
        bodies(&done).contains("kembali masuk antrean"),
        "{}",
        bodies(&done)
    );
    let request = &world.requests[&ticket];
    assert_eq!(request.status, RequestStatus::Submitted);
    assert_eq!(request.revision, None);
    assert_eq!(request.assigned_to, None);
    assert_eq!(request.resubmitted_at, Some(world.now));
    assert!(
        request.due_date > due_before,
        "due date counted from resubmission"
    );
    let event = world.events.last().unwrap();
    assert_eq!(event.action, "resubmitted");
    assert_eq!(event.from, Some(RequestStatus::NeedsRevision));
    assert_eq!(event.to, Some(RequestStatus::Submitted));
    // The officers can claim it again.
    assert_eq!(
        crate::officer_actions::ActionKind::allowed(ServiceKind::Registration, request.status),
        vec![crate::officer_actions::ActionKind::Claim]
    );
    // The button again does nothing twice.
    let again = world.choose(&siti(), &resubmit_button(ticket));
    assert_eq!(world.requests[&ticket].status, RequestStatus::Submitted);
    assert!(bodies(&again).contains(ticket.as_str()));
}

#[test]
fn a_revision_of_two_slots_survives_a_rejected_resend() {
    let mut world = World::new();
    let slots = revision_slots();
    assert!(slots.len() >= 2);
    let ticket = under_revision(&mut world, &[slots[0], slots[1]]);

    let first = world.photo(&siti());
    let text = bodies(&first);
    assert!(
        text.contains(service(two_slot_service()).slot(slots[1]).unwrap().label),
        "{text}"
    );
    assert!(world.requests[&ticket].is_filled(slots[0]));

    // The documents function refuses the first resend: the slot is free again and the next
    // photo lands there, not in another slot.
    world.reject_scan_in(ticket, slots[0]);
    world.photo(&siti());
    assert!(world.requests[&ticket].is_filled(slots[0]));
    assert!(!world.requests[&ticket].is_filled(slots[1]));
    let last = world.photo(&siti());
    assert!(world.requests[&ticket].revision_complete());
    assert!(
        matches!(last.as_slice(), [Reply::Buttons { .. }]),
        "{}",
        bodies(&last)
    );
    world.store_pending_documents();
    world.choose(&siti(), &resubmit_button(ticket));
    assert_eq!(world.requests[&ticket].status, RequestStatus::Submitted);
}

#[test]
fn an_answer_to_an_officer_reaches_the_thread() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:CONSULTATION");
    world.text(&siti(), "Saya mau pindah ke Bengkulu, syaratnya apa?");
    let ticket = *world.requests.keys().next().unwrap();
    world.text(&siti(), "selesai");
    world.now += Duration::days(2);
    world.officer_writes(ticket, "wamid.OUT1");

    let replies = world.text(&siti(), "Iya pak, sekeluarga 4 orang");
    let text = bodies(&replies);
    assert!(text.contains(ticket.as_str()), "{text}");
    assert!(!text.contains("Silakan pilih"), "not the main menu: {text}");
    let message = world.thread.last().unwrap();
    assert_eq!(
        (message.ticket, message.body.as_str()),
        (ticket, "Iya pak, sekeluarga 4 orang")
    );
    let request = &world.requests[&ticket];
    assert!(!request.awaiting_resident_reply);
    assert_eq!(request.unanswered_messages, 1);
    // An open consultation still takes what follows, photos included.
    world.photo(&siti());
    assert_eq!(world.documents.last().unwrap().ticket, ticket);
    assert_eq!(world.requests[&ticket].unanswered_messages, 2);
}

/// Thanks after the officer's answer is on the thread, but flags nothing to answer; a "yes" may
/// answer the officer's question and is counted.
#[test]
fn thanks_on_a_thread_reaches_the_officer_without_asking_for_an_answer() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:CONSULTATION");
    world.text(&siti(), "Akta anak saya hilang, bisa dicetak ulang?");
    let ticket = *world.requests.keys().next().unwrap();
    world.now += Duration::days(1);
    world.officer_writes(ticket, "wamid.OUT1");
    for thanks in [
        "makasih pak",
        "Terima kasih banyak bu 🙏",
        "trimakasih ya pak",
    ] {
        let replies = world.text(&siti(), thanks);
        assert!(
            bodies(&replies).contains(ticket.as_str()),
            "{}",
            bodies(&replies)
        );
        assert_eq!(world.thread.last().unwrap().body, thanks);
        assert_eq!(world.requests[&ticket].unanswered_messages, 0, "{thanks}");
    }
    world.text(&siti(), "iya pak, sudah saya bawa");
    assert_eq!(world.requests[&ticket].unanswered_messages, 1);
}

#[test]
fn a_resident_with_two_waiting_tickets_is_asked_and_nothing_is_lost() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:COMPLAINT");
    world.text(&siti(), "KTP saya belum jadi");
    let complaint = *world.requests.keys().next().unwrap();
    world.now += Duration::hours(1);
    let registration = complete_registration(&mut world, &siti(), ServiceCode::KkNew, NIK);
    world.store_pending_documents();
    world.officer_acts(registration, Action::Claim);
    world.officer_acts(
        registration,
        Action::RequestRevision(vec![RevisionItem {
            slot: OTHER_SLOT.into(),
            reason: "alamat lengkapnya di mana?".into(),
        }]),
    );
    world.text(&siti(), "menu");

    let asked = world.text(&siti(), "Jl. Merdeka no 5 RT 02");
    assert!(
        matches!(asked.as_slice(), [Reply::List { .. }]),
        "{}",
        bodies(&asked)
    );
    let text = bodies(&asked);
    assert!(
        text.contains(complaint.as_str()) && text.contains(registration.as_str()),
        "{text}"
    );
    // A second message while the list is open is held too.
    world.text(&siti(), "dekat masjid");
    let threads_before = world.thread.len();
    let delivered = world.choose(&siti(), &format!("tkt:{}", registration.as_str()));
    assert_eq!(world.thread.len(), threads_before + 2);
    let bodies_sent: Vec<&str> = world.thread[threads_before..]
        .iter()
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies_sent, ["Jl. Merdeka no 5 RT 02", "dekat masjid"]);
    assert!(
        world.thread[threads_before..]
            .iter()
            .all(|m| m.ticket == registration)
    );
    // The only item was outside the slots: answered, so the resident may resubmit.
    assert!(
        matches!(delivered.as_slice(), [Reply::Buttons { .. }]),
        "{}",
        bodies(&delivered)
    );
    // Later texts stay on the chosen ticket without asking again.
    world.text(&siti(), "rumah cat hijau");
    assert_eq!(world.thread.last().unwrap().ticket, registration);

    // A number picks from the list the resident saw.
    world.text(&siti(), "menu");
    world.text(&siti(), "apakah sudah diproses?");
    let waiting: Vec<TicketId> = {
        let Step::ChoosingTicket { .. } = world.conversations[&siti()].step else {
            panic!("asked again");
        };
        let mut all: Vec<&Request> = world
            .requests
            .values()
            .filter(|r| r.is_waiting_for_resident())
            .collect();
        all.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then(a.ticket.cmp(&b.ticket))
        });
        all.iter().map(|r| r.ticket).collect()
    };
    world.text(&siti(), "2");
    assert_eq!(world.thread.last().unwrap().ticket, waiting[1]);
    assert_eq!(world.thread.last().unwrap().body, "apakah sudah diproses?");
}

#[test]
fn a_quoted_reply_goes_to_that_messages_ticket_without_asking() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:COMPLAINT");
    world.text(&siti(), "Antrean di kantor lama sekali");
    let complaint = *world.requests.keys().next().unwrap();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:CONSULTATION");
    world.text(&siti(), "Cara ganti foto KTP?");
    let consultation = *world.requests.keys().find(|t| **t != complaint).unwrap();
    world.officer_writes(complaint, "wamid.OUT-COMPLAINT");
    world.text(&siti(), "menu");

    world.quoted = Some("wamid.OUT-COMPLAINT".into());
    let replies = world.text(&siti(), "Hari Senin pak, jam 9");
    world.quoted = None;
    assert!(
        bodies(&replies).contains(complaint.as_str()),
        "{}",
        bodies(&replies)
    );
    assert_eq!(world.thread.last().unwrap().ticket, complaint);
    let _ = consultation;
    // A quote of something that is not ours falls back to the usual routing (two waiting: ask).
    world.text(&siti(), "menu");
    world.quoted = Some("wamid.UNKNOWN".into());
    let replies = world.text(&siti(), "halo?");
    world.quoted = None;
    assert!(
        matches!(replies.as_slice(), [Reply::List { .. }]),
        "{}",
        bodies(&replies)
    );
}

#[test]
fn menu_status_and_new_services_still_work_with_a_waiting_ticket() {
    let mut world = World::new();
    let ticket = under_revision(&mut world, &[revision_slots()[0]]);
    let menu = world.text(&siti(), "menu");
    assert!(matches!(menu.as_slice(), [Reply::List { .. }]));
    let status = world.text(&siti(), "status");
    assert!(bodies(&status).contains(ticket.as_str()));
    // The menu's numbers still pick a category.
    world.text(&siti(), "2");
    assert!(matches!(
        world.conversations[&siti()].step,
        Step::ChoosingService { .. }
    ));
    world.choose(&siti(), "svc:KIA");
    assert!(world.draft_of(&siti()).is_some());
    // A photo while a new draft is being filled in goes to the draft, not the old ticket.
    world.text(&siti(), "Budi Kecil");
    world.text(&siti(), "1708010508150001");
    world.choose(&siti(), "kec:170801");
    let draft = world.draft_of(&siti()).unwrap().ticket;
    world.photo(&siti());
    assert_eq!(world.documents.last().unwrap().ticket, draft);
}

#[test]
fn starting_another_service_never_cancels_a_draft_silently() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KK_NEW");
    world.text(&siti(), "Siti Aminah");
    let first = world.draft_of(&siti()).unwrap().ticket;
    let asked = world.choose(&siti(), "svc:KIA");
    assert!(
        bodies(&asked).contains(first.as_str()),
        "{}",
        bodies(&asked)
    );
    assert_eq!(world.requests[&first].status, RequestStatus::Draft);
    assert_eq!(world.requests.len(), 1, "nothing opened yet");
    // Keeping it resumes where it stopped.
    let kept = world.choose(&siti(), &format!("keep:{}", first.as_str()));
    assert!(bodies(&kept).contains("NIK"), "{}", bodies(&kept));
    // Replacing it cancels exactly that draft and opens the new one.
    world.choose(&siti(), &format!("replace:{}:KIA", first.as_str()));
    assert_eq!(world.requests[&first].status, RequestStatus::Cancelled);
    let second = world.draft_of(&siti()).unwrap();
    assert_eq!(second.service, ServiceCode::Kia);
    // The same button again cannot cancel the newer draft.
    let second = second.ticket;
    world.choose(&siti(), &format!("replace:{}:KK_NEW", first.as_str()));
    assert_eq!(world.requests[&second].status, RequestStatus::Draft);
}

#[test]
fn a_message_after_the_idle_expiry_is_still_handled() {
    let mut world = World::new();
    let ticket = under_revision(&mut world, &[revision_slots()[0]]);
    world.text(&siti(), "menu");
    world.choose(&siti(), "cat:kk");
    world.now += Duration::days(3);
    let replies = world.text(&siti(), "Maaf pak baru sempat");
    assert_eq!(
        world.thread.last().unwrap().ticket,
        ticket,
        "{}",
        bodies(&replies)
    );
}

#[test]
fn closed_tickets_take_nothing_and_the_message_is_answered() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:COMPLAINT");
    world.text(&siti(), "Petugas tidak ramah");
    let ticket = *world.requests.keys().next().unwrap();
    world.officer_acts(ticket, Action::Claim);
    world.officer_acts(ticket, Action::Complete);
    let replies = world.text(&siti(), "terima kasih pak");
    assert_eq!(world.thread.len(), 1, "nothing added to a closed ticket");
    assert!(!replies.is_empty());
}

#[test]
fn asking_for_an_officer_again_joins_the_open_consultation() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:CONSULTATION");
    world.text(&siti(), "Cara urus akta kelahiran yang hilang?");
    let ticket = *world.requests.keys().next().unwrap();
    world.text(&siti(), "menu");
    let joined = world.choose(&siti(), "svc:CONSULTATION");
    assert!(
        bodies(&joined).contains(ticket.as_str()),
        "{}",
        bodies(&joined)
    );
    assert_eq!(world.requests.len(), 1, "no second consultation");
    world.text(&siti(), "Aktanya hilang waktu banjir pak");
    assert_eq!(world.thread.last().unwrap().ticket, ticket);
    // Once it is closed, a new one opens.
    world.officer_acts(ticket, Action::Claim);
    world.officer_acts(ticket, Action::Complete);
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:CONSULTATION");
    world.text(&siti(), "Pertanyaan baru soal KIA");
    assert_eq!(world.requests.len(), 2);
}

#[test]
fn a_voice_note_goes_to_the_thread_but_never_into_a_slot() {
    let mut world = World::new();
    let slot = revision_slots()[0];
    let ticket = under_revision(&mut world, &[slot]);
    let voice = MediaRef {
        media_id: "voice-1".into(),
        mime_type: "audio/ogg; codecs=opus".into(),
        sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
        filename: None,
        caption: None,
    };
    let replies = world.send(&siti(), Inbound::Media(voice.clone()));
    assert!(bodies(&replies).contains(ticket.as_str()));
    let document = world.documents.last().unwrap();
    assert_eq!(document.slot, ATTACHMENT_SLOT);
    assert!(
        !world.requests[&ticket].is_filled(slot),
        "the slot still waits for a scan"
    );
    // In a draft it is refused as a document.
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:KIA");
    world.text(&siti(), "Budi Kecil");
    world.text(&siti(), "1708010508150001");
    world.choose(&siti(), "kec:170801");
    let before = world.documents.len();
    let replies = world.send(&siti(), Inbound::Media(voice));
    assert!(
        bodies(&replies).contains("pesan suara"),
        "{}",
        bodies(&replies)
    );
    assert_eq!(world.documents.len(), before);
}

fn buttons(replies: &[Reply]) -> Vec<String> {
    replies
        .iter()
        .flat_map(|r| match r {
            Reply::Buttons { buttons, .. } => buttons.iter().map(|b| b.id.clone()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// A complaint is told its three deadlines when filed; once the answer deadline passed
/// unanswered, what the resident writes is still added to it and escalation is offered (a
/// button: never on a guess from the words); escalating twice or too early says why not.
#[test]
fn a_complaint_states_its_deadlines_and_can_be_escalated_once_they_pass() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:COMPLAINT");
    // Friday 27 November 2026: handled by Wednesday, answered by Friday, closed the next Friday.
    let opened = world.text(&siti(), "sudah 3 bulan KTP saya belum jadi, tolong dibantu");
    let text = bodies(&opened);
    for due in ["2 Desember 2026", "4 Desember 2026", "11 Desember 2026"] {
        assert!(text.contains(due), "{due}: {text}");
    }
    let ticket = *world.requests.keys().next().unwrap();
    let timeline = world.requests[&ticket].complaint.clone().expect("timeline");
    assert_eq!(world.requests[&ticket].due_date, Some(timeline.close_by));
    let esc = format!("esc:{}", ticket.as_str());

    // Before the answer deadline: added, nothing offered; the button (an old one) says why not.
    world.now = datetime!(2026-12-04 08:00 +7);
    let replies = world.text(&siti(), "pak, bagaimana aduan saya?");
    assert!(buttons(&replies).is_empty(), "{}", bodies(&replies));
    let early = world.choose(&siti(), &esc);
    assert!(
        bodies(&early).contains("masih dalam batas waktu"),
        "{}",
        bodies(&early)
    );
    assert!(
        world.requests[&ticket]
            .complaint
            .as_ref()
            .unwrap()
            .escalated_at
            .is_none()
    );

    // Monday 7 December, still unanswered: the message is added and escalation offered.
    world.now = datetime!(2026-12-07 09:00 +7);
    let before = world.thread.len();
    let replies = world.text(&siti(), "kok belum dijawab ya pak??");
    assert_eq!(world.thread.len(), before + 1);
    assert!(buttons(&replies).contains(&esc), "{}", bodies(&replies));
    let done = world.choose(&siti(), &esc);
    assert!(
        bodies(&done).contains("sudah kami teruskan kepada pimpinan"),
        "{}",
        bodies(&done)
    );
    let escalated = &world.requests[&ticket];
    assert_eq!(
        escalated.complaint.as_ref().unwrap().escalated_at,
        Some(world.now)
    );
    assert_eq!(escalated.status, RequestStatus::Submitted);

    // Once only: a second tap says when it was done, and the offer is not repeated.
    let again = world.choose(&siti(), &esc);
    assert!(
        bodies(&again).contains("sudah diteruskan"),
        "{}",
        bodies(&again)
    );
    let replies = world.text(&siti(), "terima kasih");
    assert!(buttons(&replies).is_empty(), "{}", bodies(&replies));
}

/// Someone else's ticket, or a ticket that is not a complaint, cannot be escalated.
#[test]
fn only_the_residents_own_complaint_can_be_escalated() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:COMPLAINT");
    world.text(&siti(), "pelayanan lambat");
    let ticket = *world.requests.keys().next().unwrap();
    world.now = datetime!(2026-12-08 09:00 +7);
    let replies = world.choose(&budi(), &format!("esc:{}", ticket.as_str()));
    assert!(
        !bodies(&replies).contains("teruskan kepada pimpinan"),
        "{}",
        bodies(&replies)
    );
    assert!(
        world.requests[&ticket]
            .complaint
            .as_ref()
            .unwrap()
            .escalated_at
            .is_none()
    );
}

/// A completed complaint whose survey was offered (what the status function records when it
/// completes a request inside the 24-hour window).
fn completed_with_survey(world: &mut World) -> TicketId {
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:COMPLAINT");
    world.text(&siti(), "antrean di kantor terlalu panjang");
    let ticket = *world.requests.keys().next().unwrap();
    world.officer_acts(ticket, Action::Claim);
    world.officer_acts(ticket, Action::Complete);
    let request = world.requests.get_mut(&ticket).unwrap();
    request.survey = Some(crate::survey::Survey::offered(world.now));
    ticket
}

#[test]
fn a_survey_is_answered_by_taps_and_typed_numbers_with_a_comment() {
    use crate::survey::SurveyState;
    let mut world = World::new();
    let ticket = completed_with_survey(&mut world);
    let t = ticket.as_str();
    let first = world.choose(&siti(), &format!("skm:{t}"));
    assert!(
        bodies(&first).contains("Survei kepuasan (1/9)"),
        "{}",
        bodies(&first)
    );
    world.choose(&siti(), "skmv:3");
    world.text(&siti(), "4");
    // Words are not a score: asked again, nothing recorded.
    let again = world.text(&siti(), "lumayan lah pak");
    assert!(
        bodies(&again).contains("Mohon pilih salah satu jawaban"),
        "{}",
        bodies(&again)
    );
    assert!(bodies(&again).contains("(3/9)"), "{}", bodies(&again));
    // "Not applicable" is refused where the element has no such answer.
    let refused = world.text(&siti(), "0");
    assert!(bodies(&refused).contains("(3/9)"), "{}", bodies(&refused));
    for score in ["3", "4", "3", "4", "4", "2"] {
        world.text(&siti(), score);
    }
    // Facilities: "not applicable" for a service given online.
    let last = world.choose(&siti(), "skmv:0");
    assert!(
        bodies(&last).contains("saran atau komentar"),
        "{}",
        bodies(&last)
    );
    let thanks = world.text(&siti(), "Mantap, cepat sekali. Terima kasih!");
    assert!(
        bodies(&thanks).contains("Terima kasih atas penilaian"),
        "{}",
        bodies(&thanks)
    );
    let survey = world.requests[&ticket].survey.clone().unwrap();
    assert_eq!(survey.state, SurveyState::Answered);
    assert_eq!(
        survey.scores,
        Some([
            Some(3),
            Some(4),
            Some(3),
            Some(4),
            Some(3),
            Some(4),
            Some(4),
            Some(2),
            None
        ])
    );
    assert_eq!(
        survey.comment.as_deref(),
        Some("Mantap, cepat sekali. Terima kasih!")
    );
    assert_eq!(world.conversations[&siti()].step, Step::MainMenu);
    // Once: an old button says so and changes nothing.
    let twice = world.choose(&siti(), &format!("skm:{t}"));
    assert!(bodies(&twice).contains("sudah diisi"), "{}", bodies(&twice));
}

#[test]
fn a_declined_or_abandoned_survey_stores_no_answers() {
    use crate::survey::SurveyState;
    let mut world = World::new();
    let ticket = completed_with_survey(&mut world);
    let declined = world.choose(&siti(), &format!("skmno:{}", ticket.as_str()));
    assert!(
        bodies(&declined).contains("Baik, terima kasih"),
        "{}",
        bodies(&declined)
    );
    assert_eq!(
        world.requests[&ticket].survey.as_ref().unwrap().state,
        SurveyState::Declined
    );

    let mut world = World::new();
    let ticket = completed_with_survey(&mut world);
    world.choose(&siti(), &format!("skm:{}", ticket.as_str()));
    world.text(&siti(), "3");
    world.text(&siti(), "3");
    // Silence past the idle expiry: the next message starts over, nothing was stored.
    world.now += Duration::days(2);
    let later = world.text(&siti(), "halo");
    assert_eq!(
        world.conversations[&siti()].step,
        Step::MainMenu,
        "{}",
        bodies(&later)
    );
    let survey = world.requests[&ticket].survey.clone().unwrap();
    assert_eq!(survey.state, SurveyState::Offered);
    assert_eq!(survey.scores, None);
    // Someone else's ticket is not theirs to rate.
    let other = world.choose(&budi(), &format!("skm:{}", ticket.as_str()));
    assert!(
        bodies(&other).contains("tidak tersedia"),
        "{}",
        bodies(&other)
    );
}
