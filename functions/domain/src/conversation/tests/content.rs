//! Service content the engine asks for: the child a birth is for (and keyed on), the document
//! and number of copies to legalise, the day a divorce became final.

use super::*;

const NIK: &str = "1708014508900001";

/// Starts a birth as `resident` and answers up to the date of birth; returns the replies to it.
fn birth_until_documents(
    world: &mut World,
    resident: &ResidentId,
    child: &str,
    born: &str,
) -> Vec<Reply> {
    world.text(resident, "menu");
    world.choose(resident, "svc:BIRTH");
    world.text(resident, "Siti Aminah");
    world.text(resident, NIK);
    let asked = world.choose(resident, "kec:170804");
    assert!(
        bodies(&asked).contains("nama lengkap anak"),
        "{}",
        bodies(&asked)
    );
    let asked = world.text(resident, child);
    assert!(
        bodies(&asked).contains("tanggal lahir anak"),
        "{}",
        bodies(&asked)
    );
    world.text(resident, born)
}

fn send_documents_and_submit(world: &mut World, resident: &ResidentId) -> TicketId {
    let draft = world.draft_of(resident).expect("draft").clone();
    for _ in 0..service(draft.service).required_slots().count() {
        world.photo(resident);
    }
    world.choose(resident, "submit");
    assert_eq!(
        world.requests[&draft.ticket].status,
        RequestStatus::Submitted
    );
    draft.ticket
}

#[test]
fn one_parent_files_twins_and_siblings_but_not_the_same_child_twice() {
    let mut world = World::new();
    let replies = birth_until_documents(&mut world, &siti(), "Putri Aminah", "01-11-2026");
    assert!(
        bodies(&replies).contains("Silakan kirim"),
        "{}",
        bodies(&replies)
    );
    let draft = world.draft_of(&siti()).unwrap();
    assert_eq!(draft.answer("child_name"), Some("Putri Aminah"));
    let first = send_documents_and_submit(&mut world, &siti());

    // Her twin, by the same parent with the same NIK: a second request.
    let replies = birth_until_documents(&mut world, &siti(), "Putra Aminah", "01-11-2026");
    assert!(
        bodies(&replies).contains("Silakan kirim"),
        "{}",
        bodies(&replies)
    );
    let twin = send_documents_and_submit(&mut world, &siti());
    assert_ne!(first, twin);

    // An older sibling, never registered: a third.
    let replies = birth_until_documents(&mut world, &siti(), "Putri Aminah", "02-03-2024");
    assert!(
        bodies(&replies).contains("Silakan kirim"),
        "{}",
        bodies(&replies)
    );
    send_documents_and_submit(&mut world, &siti());

    // The first child again, retyped, and by the other parent's phone: refused, pointing to it.
    for resident in [siti(), budi()] {
        let replies = birth_until_documents(&mut world, &resident, " putri  AMINAH.", "1-11-2026");
        assert!(
            bodies(&replies).contains(first.as_str())
                && bodies(&replies).contains("Anak dengan nama dan tanggal lahir tersebut"),
            "{}",
            bodies(&replies)
        );
        assert!(world.draft_of(&resident).is_none());
    }
    let submitted = world
        .requests
        .values()
        .filter(|r| r.service == ServiceCode::Birth && r.status == RequestStatus::Submitted)
        .count();
    assert_eq!(submitted, 3);
    // The parent's NIK holds no birth guard; every birth guard names a child.
    for (key, code) in world.guards.keys() {
        if *code == ServiceCode::Birth {
            assert!(key.starts_with("child:"), "{key}");
        }
    }
}

#[test]
fn legalisation_asks_which_document_and_how_many_copies() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    let opened = world.choose(&siti(), "svc:LEGALIZATION");
    // Documents signed electronically with a QR code need no legalisation.
    assert!(
        bodies(&opened).contains("(TTE)") && bodies(&opened).contains("kode QR"),
        "{}",
        bodies(&opened)
    );
    world.text(&siti(), "Siti Aminah");
    world.text(&siti(), NIK);
    let asked = world.choose(&siti(), "kec:170804");
    assert!(bodies(&asked).contains("Dokumen apa"), "{}", bodies(&asked));
    let asked = world.text(&siti(), "Akta kelahiran anak saya");
    assert!(
        bodies(&asked).contains("Berapa lembar"),
        "{}",
        bodies(&asked)
    );
    for wrong in ["0", "11", "dua", "2 akta"] {
        let replies = world.text(&siti(), wrong);
        assert!(
            bodies(&replies).contains("1 sampai 10"),
            "{wrong}: {}",
            bodies(&replies)
        );
        assert!(matches!(
            world.conversations[&siti()].step,
            Step::AskField { .. }
        ));
    }
    let replies = world.text(&siti(), "3 lembar");
    assert!(
        bodies(&replies).contains("Silakan kirim"),
        "{}",
        bodies(&replies)
    );
    let draft = world.draft_of(&siti()).unwrap();
    assert_eq!(
        draft.answer("legalised_document"),
        Some("Akta kelahiran anak saya")
    );
    assert_eq!(draft.answer("copies"), Some("3"));
    // A sentence in a field step is an answer, not a command; the bare command still is one.
    world.choose(&siti(), "svc:LEGALIZATION");
}

#[test]
fn a_field_step_repeats_its_question_and_resumes() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:LEGALIZATION");
    world.text(&siti(), "Siti Aminah");
    world.text(&siti(), NIK);
    world.choose(&siti(), "kec:170804");
    // "batal dulu deh" is an answer here (a free-text step), "batal" a command.
    let replies = world.text(&siti(), "batal");
    assert!(
        bodies(&replies).contains("Batalkan"),
        "{}",
        bodies(&replies)
    );
    let replies = world.send(
        &siti(),
        Inbound::Unsupported {
            kind: "sticker".into(),
        },
    );
    assert!(
        bodies(&replies).contains("Dokumen apa"),
        "{}",
        bodies(&replies)
    );
    world.text(&siti(), "menu");
    let replies = world.text(&siti(), "lanjut");
    assert!(
        bodies(&replies).contains("Dokumen apa"),
        "{}",
        bodies(&replies)
    );
}

#[test]
fn divorce_asks_for_the_day_the_decision_became_final() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:DIVORCE");
    world.text(&siti(), "Siti Aminah");
    world.text(&siti(), NIK);
    let asked = world.choose(&siti(), "kec:170804");
    assert!(
        bodies(&asked).contains("berkekuatan hukum tetap"),
        "{}",
        bodies(&asked)
    );
    // Pronounced long ago, final 30 days ago: the final date counts, so it is on time.
    let today = jakarta_date(NOW);
    let final_on = today - Duration::days(30);
    let typed = format!(
        "{:02}-{:02}-{}",
        final_on.day(),
        u8::from(final_on.month()),
        final_on.year()
    );
    let replies = world.text(&siti(), &typed);
    assert!(
        !bodies(&replies).contains("melewati batas waktu"),
        "{}",
        bodies(&replies)
    );
    let draft = world.draft_of(&siti()).unwrap();
    assert_eq!(draft.event_date, Some(final_on));
    assert!(!draft.is_late_report());
}

#[test]
fn a_message_nothing_placed_becomes_the_first_message_of_the_consultation_offered() {
    const QUESTION: &str = "bagaimana cara aktivasi IKD";
    let mut world = World::new();
    world.text(&siti(), "halo");
    let offered = world.text(&siti(), QUESTION);
    assert!(
        bodies(&offered).contains("Tanya petugas"),
        "{}",
        bodies(&offered)
    );
    // The privacy notice comes first; the question waits through it.
    world.auto_consent = false;
    let notice = world.choose(&siti(), "svc:CONSULTATION");
    assert!(
        bodies(&notice).contains("UU 27/2022"),
        "{}",
        bodies(&notice)
    );
    let opened = world.choose(&siti(), "consent:CONSULTATION");
    assert!(
        bodies(&opened).contains("sudah kami terima"),
        "{}",
        bodies(&opened)
    );
    let [first] = world.thread.as_slice() else {
        panic!("one thread message: {:?}", world.thread)
    };
    assert_eq!(first.body, QUESTION);
    let request = &world.requests[&first.ticket];
    assert_eq!(request.service, ServiceCode::Consultation);
    assert_eq!(request.unanswered_messages, 1);
    assert!(matches!(
        world.conversations[&siti()].step,
        Step::Thread { .. }
    ));
    assert_eq!(world.conversations[&siti()].unplaced, None);
}

#[test]
fn an_unplaced_message_is_dropped_when_the_resident_does_something_else() {
    let mut world = World::new();
    world.text(&siti(), "halo");
    world.text(&siti(), "xyzzy plugh");
    assert!(world.conversations[&siti()].unplaced.is_some());
    world.text(&siti(), "menu");
    assert_eq!(world.conversations[&siti()].unplaced, None);
    // Taking the consultation later asks for the question as usual.
    let asked = world.choose(&siti(), "svc:CONSULTATION");
    assert!(
        bodies(&asked).contains("Silakan tuliskan"),
        "{}",
        bodies(&asked)
    );
    assert!(world.thread.is_empty());
    // A recognised question is not carried either.
    world.text(&siti(), "menu");
    world.text(&siti(), "syarat akta kelahiran apa saja");
    assert_eq!(world.conversations[&siti()].unplaced, None);
}

/// A complaint typed before choosing to complain, as people write it: offered back with one tap
/// (through the privacy notice), sent only when tapped; a new text typed instead is the one sent;
/// a bare "mau komplain" is not offered back.
#[test]
fn a_complaint_described_before_choosing_is_sent_with_one_tap() {
    const COMPLAINT: &str = "pak sy mau komplain, ktp saya udh 3 bulan blm jadi jg";
    let mut world = World::new();
    world.text(&siti(), "assalamualaikum");
    let offered = world.text(&siti(), COMPLAINT);
    assert!(
        bodies(&offered).contains("pesan Bapak/Ibu tadi dapat langsung dikirim sebagai aduan"),
        "{}",
        bodies(&offered)
    );
    world.auto_consent = false;
    let notice = world.choose(&siti(), "svc:COMPLAINT");
    assert!(
        bodies(&notice).contains("UU 27/2022"),
        "{}",
        bodies(&notice)
    );
    let prompt = world.choose(&siti(), "consent:COMPLAINT");
    assert!(bodies(&prompt).contains(COMPLAINT), "{}", bodies(&prompt));
    assert!(world.thread.is_empty(), "nothing is filed before the tap");
    let filed = world.choose(&siti(), crate::messages::USE_EARLIER_ID);
    assert!(
        bodies(&filed).contains("ditindaklanjuti"),
        "{}",
        bodies(&filed)
    );
    let [first] = world.thread.as_slice() else {
        panic!("one thread message: {:?}", world.thread)
    };
    assert_eq!(first.body, COMPLAINT);
    assert_eq!(
        world.requests[&first.ticket].service,
        ServiceCode::Complaint
    );
    assert_eq!(world.conversations[&siti()].unplaced, None);

    // Typed anew instead: the new text is the complaint.
    let mut world = World::new();
    world.text(&budi(), "selamat siang");
    world.text(
        &budi(),
        "sy kecewa, akta anak sy salah nama dan sudah 2x bolak balik",
    );
    let prompt = world.choose(&budi(), "svc:COMPLAINT");
    assert!(
        bodies(&prompt).contains("Kirim pesan tadi"),
        "{}",
        bodies(&prompt)
    );
    world.text(&budi(), "Akta kelahiran anak saya salah tulis nama ibunya");
    let [first] = world.thread.as_slice() else {
        panic!("one thread message: {:?}", world.thread)
    };
    assert_eq!(
        first.body,
        "Akta kelahiran anak saya salah tulis nama ibunya"
    );
    // A tap on the old button afterwards files nothing more.
    let requests = world.requests.len();
    world.choose(&budi(), crate::messages::USE_EARLIER_ID);
    assert_eq!(world.requests.len(), requests);
    assert_eq!(world.thread.len(), 1);

    // Only "I want to complain": the usual prompt.
    let mut world = World::new();
    world.text(&siti(), "halo");
    let offered = world.text(&siti(), "mau komplain");
    assert!(
        bodies(&offered).contains("lalu tuliskan aduan"),
        "{}",
        bodies(&offered)
    );
    let prompt = world.choose(&siti(), "svc:COMPLAINT");
    assert!(
        bodies(&prompt).contains("Silakan tuliskan"),
        "{}",
        bodies(&prompt)
    );
    assert!(
        !bodies(&prompt).contains("Kirim pesan tadi"),
        "{}",
        bodies(&prompt)
    );
}

/// Thanks at the name question is not a name (it would be shown back as "atas nama terima
/// kasih" and reach the officer); "nama saya …" is the name without its lead-in; the child's
/// name is read the same way.
#[test]
fn names_are_read_as_residents_write_them() {
    let mut world = World::new();
    world.text(&siti(), "menu");
    world.choose(&siti(), "svc:BIRTH");
    for courtesy in ["terima kasih pak", "ok siap", "selamat pagi bu"] {
        let replies = world.text(&siti(), courtesy);
        assert!(
            bodies(&replies).contains("belum selesai") && !bodies(&replies).contains("NIK"),
            "{courtesy}: {}",
            bodies(&replies)
        );
        assert_eq!(world.conversations[&siti()].step, Step::AskName);
    }
    let replies = world.text(&siti(), "nama saya Siti Aminah, terima kasih");
    assert!(
        bodies(&replies).contains("atas nama Siti Aminah, sesuai"),
        "{}",
        bodies(&replies)
    );
    assert_eq!(
        world.conversations[&siti()].step,
        Step::AskNik {
            name: "Siti Aminah".to_owned()
        }
    );
    world.text(&siti(), NIK);
    world.choose(&siti(), "kec:170804");
    let replies = world.text(&siti(), "makasih");
    assert!(
        bodies(&replies).contains("nama lengkap anak"),
        "{}",
        bodies(&replies)
    );
    assert_eq!(world.draft_of(&siti()).unwrap().answer("child_name"), None);
    world.text(&siti(), "nama anak saya Putri Aminah");
    assert_eq!(
        world.draft_of(&siti()).unwrap().answer("child_name"),
        Some("Putri Aminah")
    );
}
