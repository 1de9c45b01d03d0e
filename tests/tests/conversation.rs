//! The resident conversation through the real webhook handler (via the local API Gateway
//! stand-in), against the emulator and the fake Graph API.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::catalog::{ServiceKind, services};
use domain::{RequestStatus, ServiceCode, TicketId};
use integration_tests::{Harness, Resident, fixture};
use shared::ports::RequestRepository;
use shared::ports::officer::NotificationRepository;

/// Ticket shown in a reply (`*XXXX-XXXX*`).
fn ticket_in(text: &str) -> TicketId {
    text.split('*')
        .find_map(|part| TicketId::parse(part).ok().filter(|_| part.len() == 9))
        .unwrap_or_else(|| panic!("no ticket in {text:?}"))
}

async fn register(resident: &Resident<'_>, code: ServiceCode, nik: &str) -> TicketId {
    let definition = domain::service(code);
    resident.text("halo").await;
    resident
        .choose(&format!("cat:{}", definition.category.as_str()))
        .await;
    let opened = resident.choose(&format!("svc:{}", code.as_str())).await;
    let ticket = ticket_in(&opened);
    let asked = resident.text("Siti Aminah").await;
    assert!(asked.contains("NIK"), "{asked}");
    let asked = resident.text(nik).await;
    assert!(asked.contains("kecamatan"), "{code}: {asked}");
    let mut asked = resident.choose("kec:170804").await;
    for field in definition.fields {
        asked = resident
            .text(&integration_tests::field_answer(field.kind))
            .await;
    }
    if definition.late_report_after_days.is_some() {
        assert!(asked.contains("tanggal"), "{asked}");
        resident.text("01-11-2026").await;
    }
    let mut last = String::new();
    for _ in 0..definition.required_slots().count() {
        last = resident.photo().await;
    }
    assert!(last.contains("Kirim permohonan sekarang"), "{code}: {last}");
    let done = resident.press("submit").await;
    assert!(done.contains("sudah kami terima"), "{done}");
    assert!(done.contains(ticket.as_str()));
    ticket
}

#[tokio::test]
async fn every_service_from_menu_to_status() {
    let h = Harness::start().await;
    for (i, definition) in services().iter().enumerate() {
        if definition.code == ServiceCode::KtpNew {
            continue; // suspended by default: covered below
        }
        let resident = Resident::new(&h, &format!("62812000000{i:02}"));
        let ticket = match definition.kind {
            ServiceKind::Registration => {
                register(&resident, definition.code, "1708014508900001").await
            }
            _ => {
                resident.text("menu").await;
                resident.choose("cat:aduan_konsultasi").await;
                resident
                    .choose(&format!("svc:{}", definition.code.as_str()))
                    .await;
                let opened = resident.text("Mohon info syarat pindah domisili").await;
                ticket_in(&opened)
            }
        };
        let stored = h
            .store()
            .get_request(&ticket)
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(
            stored.status,
            RequestStatus::Submitted,
            "{}",
            definition.code
        );
        assert_eq!(stored.service, definition.code);
        assert!(stored.due_date.is_some());
        let status = resident.text(&format!("status {}", ticket.as_str())).await;
        assert!(status.contains(ticket.as_str()), "{status}");
        assert!(status.contains("menunggu pemeriksaan"), "{status}");
        if definition.kind == ServiceKind::Registration {
            // Each required slot has a media reference waiting for the documents function.
            let documents = h
                .items_with_pk_prefix(&format!("REQ#{}", ticket.as_str()))
                .await
                .into_iter()
                .filter(|i| matches!(i.get("SK"), Some(AttributeValue::S(sk)) if sk.starts_with("DOC#")))
                .count();
            assert_eq!(
                documents,
                definition.required_slots().count(),
                "{}",
                definition.code
            );
        }
    }
}

#[tokio::test]
async fn a_suspended_service_answers_with_its_notice() {
    let h = Harness::start().await;
    let resident = Resident::new(&h, "6281200000100");
    resident.text("menu").await;
    resident.choose("cat:ktp_el").await;
    let reply = resident.choose("svc:KTP_NEW").await;
    assert!(reply.contains("tidak tersedia"), "{reply}");
    assert!(h.items_with_pk_prefix("REQ#").await.is_empty());
}

#[tokio::test]
async fn another_resident_cannot_read_a_ticket() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000201");
    let budi = Resident::new(&h, "6281200000202");
    let ticket = register(&siti, ServiceCode::KkNew, "1708014508900001").await;
    let foreign = budi.text(&format!("status {}", ticket.as_str())).await;
    let unknown = budi.text("status ZZZZ-ZZZZ").await;
    assert_eq!(foreign, unknown);
    assert!(!foreign.contains("KK baru"));
    assert!(!foreign.contains("Siti"));
}

#[tokio::test]
async fn invalid_niks_are_explained_and_a_duplicate_points_to_the_open_ticket() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000301");
    siti.text("menu").await;
    siti.choose("svc:KK_NEW").await;
    siti.text("Siti Aminah").await;
    for bad in [
        "17080145089",
        "9908014508900001",
        "1708017208900001",
        "1708014513900001",
        "1708013102900001",
        "1708014508900000",
    ] {
        let reply = siti.text(bad).await;
        assert!(reply.contains("ketik ulang NIK"), "{bad}: {reply}");
    }
    let ok = siti.text("1708014508900001").await;
    assert!(ok.contains("kecamatan"), "{ok}");

    // A relative's phone tries the same NIK and service while Siti's is open.
    let first = ticket_in(
        &h.stack
            .whatsapp
            .outbox()
            .iter()
            .map(|m| integration_tests::reply_text(&m.body))
            .find(|t| t.contains("dibuka"))
            .unwrap(),
    );
    let budi = Resident::new(&h, "6281200000302");
    budi.text("menu").await;
    budi.choose("svc:KK_NEW").await;
    budi.text("Siti Aminah").await;
    let reply = budi.text("1708014508900001").await;
    assert!(reply.contains(first.as_str()), "{reply}");
}

/// A birth as `resident` up to the date of birth; returns the reply to the date.
async fn birth(resident: &Resident<'_>, child: &str, born: &str) -> String {
    resident.text("menu").await;
    resident.choose("svc:BIRTH").await;
    resident.text("Siti Aminah").await;
    resident.text("1708014508900001").await;
    let asked = resident.choose("kec:170804").await;
    assert!(asked.contains("nama lengkap anak"), "{asked}");
    resident.text(child).await;
    resident.text(born).await
}

async fn submit_documents(resident: &Resident<'_>) -> TicketId {
    let mut last = String::new();
    for _ in 0..domain::service(ServiceCode::Birth).required_slots().count() {
        last = resident.photo().await;
    }
    assert!(last.contains("Kirim permohonan sekarang"), "{last}");
    let done = resident.press("submit").await;
    ticket_in(&done)
}

#[tokio::test]
async fn one_parent_files_twins_but_the_same_child_twice_is_refused() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000311");
    // Twins, by the same parent with the same NIK: two requests, each with its own guard item.
    let reply = birth(&siti, "Putri Aminah", "01-11-2026").await;
    assert!(reply.contains("Silakan kirim"), "{reply}");
    let first = submit_documents(&siti).await;
    let reply = birth(&siti, "Putra Aminah", "01-11-2026").await;
    assert!(reply.contains("Silakan kirim"), "{reply}");
    let twin = submit_documents(&siti).await;
    assert_ne!(first, twin);
    for ticket in [first, twin] {
        let stored = h.store().get_request(&ticket).await.unwrap().unwrap();
        assert_eq!(stored.status, RequestStatus::Submitted);
    }
    let guards = h
        .items_with_pk_prefix("OPEN#")
        .await
        .into_iter()
        .filter(|i| {
            matches!(i.get("ticket"), Some(AttributeValue::S(t)) if t == first.as_str() || t == twin.as_str())
        })
        .count();
    assert_eq!(guards, 2, "one guard item per child");

    // The first child again, retyped, from the other parent's phone: refused, pointing to it.
    let budi = Resident::new(&h, "6281200000312");
    let reply = birth(&budi, "putri  AMINAH", "1-11-2026").await;
    assert!(reply.contains(first.as_str()), "{reply}");
    assert!(
        reply.contains("Anak dengan nama dan tanggal lahir tersebut"),
        "{reply}"
    );
}

/// The texts of the replies one fixture produced.
async fn answered(h: &Harness, name: &str) -> Vec<String> {
    let before = h.stack.whatsapp.outbox().len();
    assert_eq!(h.post_webhook(&fixture(name)).await.status(), 200, "{name}");
    h.stack.whatsapp.outbox()[before..]
        .iter()
        .map(|m| integration_tests::reply_text(&m.body))
        .collect()
}

#[tokio::test]
async fn every_fixture_gets_the_expected_answer() {
    let h = Harness::start().await;
    for name in [
        "sticker.json",
        "audio_voice.json",
        "location.json",
        "unsupported.json",
    ] {
        let replies = answered(&h, name).await;
        assert!(!replies.is_empty(), "{name}");
        assert!(
            replies
                .iter()
                .any(|r| r.contains("teks, foto atau PDF") || r.contains("Selamat datang")),
            "{name}: {replies:?}"
        );
    }
    // A reaction (or taking one back) is not a message to answer.
    for name in ["reaction.json", "reaction_removed.json"] {
        assert!(answered(&h, name).await.is_empty(), "{name}");
    }
    for name in [
        "statuses.json",
        "status_failed.json",
        "value_errors.json",
        "system_number_change.json",
    ] {
        assert!(
            answered(&h, name).await.is_empty(),
            "{name}: no reply to delivery updates or system notices"
        );
    }
    let media = answered(&h, "image.json").await;
    assert!(
        media.iter().any(|r| r.contains("belum ada permohonan")),
        "{media:?}"
    );
}

#[tokio::test]
async fn a_number_change_moves_open_requests() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281234567890");
    let ticket = register(&siti, ServiceCode::KkNew, "1708014508900001").await;
    assert_eq!(
        h.post_webhook(&fixture("system_number_change.json"))
            .await
            .status(),
        200
    );
    let moved = h.store().get_request(&ticket).await.unwrap().unwrap();
    assert_eq!(moved.resident.key(), "wa:6281298765432");
    let new_phone = Resident::new(&h, "6281298765432");
    let status = new_phone.text("status").await;
    assert!(status.contains(ticket.as_str()), "{status}");
}

#[tokio::test]
async fn duplicates_of_a_media_message_store_one_document() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000401");
    siti.text("menu").await;
    let ticket = ticket_in(&siti.choose("svc:LEGALIZATION").await);
    siti.text("Siti Aminah").await;
    siti.text("1708014508900001").await;
    siti.choose("kec:170801").await;
    siti.text("Akta kelahiran").await;
    siti.text("2").await;
    let bytes = integration_tests::jpeg_bytes(7);
    let sha = integration_tests::base64_sha256(&bytes);
    let media = h.stack.whatsapp.register_media(bytes, "image/jpeg");
    let body = integration_tests::payloads::image(&siti.phone, "wamid.DUPMEDIA", &media, &sha);
    let responses = futures::future::join_all((0..10).map(|_| h.post_webhook(&body))).await;
    assert!(
        responses
            .iter()
            .all(|r| r.status() == 200 || r.status() == 503)
    );
    assert_eq!(h.post_webhook(&body).await.status(), 200);
    let documents = h
        .items_with_pk_prefix(&format!("REQ#{}", ticket.as_str()))
        .await
        .into_iter()
        .filter(|i| matches!(i.get("SK"), Some(AttributeValue::S(sk)) if sk.starts_with("DOC#")))
        .count();
    assert_eq!(documents, 1);
    let acks = h
        .stack
        .whatsapp
        .outbox()
        .iter()
        .filter(|m| integration_tests::reply_text(&m.body).starts_with("Terima kasih, *"))
        .count();
    assert_eq!(acks, 1, "one acknowledgement");
}

#[tokio::test]
async fn delivery_statuses_never_go_backwards_and_131047_closes_the_window() {
    let h = Harness::start().await;
    // A conversation exists for the resident the failed message was for.
    Resident::new(&h, "6281234567890").text("halo").await;
    for _ in 0..2 {
        // sent, read, delivered (out of order), twice over.
        assert_eq!(
            h.post_webhook(&fixture("statuses.json")).await.status(),
            200
        );
    }
    let out = h.items_with_pk_prefix("OUT#wamid.OUT0001").await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["delivery_status"].as_s().unwrap(), "read");

    assert_eq!(
        h.post_webhook(&fixture("status_failed.json"))
            .await
            .status(),
        200
    );
    let failed = h.items_with_pk_prefix("OUT#wamid.OUT0009").await;
    assert_eq!(failed[0]["delivery_status"].as_s().unwrap(), "failed");
    assert_eq!(failed[0]["error_code"].as_n().unwrap(), "131047");
    let conversation = h.items_with_pk_prefix("RES#wa:6281234567890").await;
    let inner = conversation[0]["conversation"].as_m().unwrap();
    assert!(
        inner.contains_key("window_closed_at"),
        "window marked closed"
    );
    // The status function's notifications therefore go out as templates.
    let resident = domain::ResidentId::Phone("6281234567890".into());
    assert_eq!(h.store().last_inbound_at(&resident).await.unwrap(), None);

    // The resident writes again: the window is open again.
    Resident::new(&h, "6281234567890").text("menu").await;
    let conversation = h.items_with_pk_prefix("RES#wa:6281234567890").await;
    assert!(
        !conversation[0]["conversation"]
            .as_m()
            .unwrap()
            .contains_key("window_closed_at")
    );
    assert!(
        h.store()
            .last_inbound_at(&resident)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn the_privacy_notice_is_agreed_once_and_the_agreement_kept() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000777");
    siti.auto_consent.set(false);
    siti.text("menu").await;
    let notice = siti.choose("svc:KK_NEW").await;
    assert!(notice.contains("UU 27/2022"), "{notice}");
    assert!(
        h.items_with_pk_prefix("REQ#").await.is_empty(),
        "nothing opened before the agreement"
    );
    let opened = siti.press("consent:KK_NEW").await;
    assert!(opened.contains("nama lengkap"), "{opened}");
    let consents: Vec<_> = h
        .items_with_pk_prefix("RES#wa:6281200000777")
        .await
        .into_iter()
        .filter(
            |i| matches!(i.get("SK"), Some(AttributeValue::S(sk)) if sk.starts_with("CONSENT#")),
        )
        .collect();
    assert_eq!(consents.len(), 1, "the agreement is kept as its own item");
    assert!(
        !consents[0].contains_key("expires_at"),
        "and outlives the conversation"
    );
    siti.press("menu").await;
    let second = siti.choose("svc:KIA").await;
    assert!(!second.contains("UU 27/2022"), "asked once: {second}");
}

/// Another office is `OFFICE_REGION_CODE` and nothing else: Kabupaten Bogor's 40 kecamatan
/// come as paged lists the strict fake Graph API accepts, and a typed name from a later page
/// is understood.
#[tokio::test]
async fn a_stack_for_kabupaten_bogor_pages_its_forty_kecamatan() {
    let h = Harness::start_with_env(&[("OFFICE_REGION_CODE", "3201")]).await;
    let resident = Resident::new(&h, "6281200000990");
    resident.text("halo").await;
    resident.choose("cat:kartu_keluarga").await;
    let opened = resident.choose("svc:KK_NEW").await;
    let ticket = ticket_in(&opened);
    resident.text("Siti Aminah").await;
    let asked = resident.text("3201014508900001").await;
    assert!(asked.contains("Kabupaten Bogor"), "{asked}");
    assert!(
        asked.contains("9. Sukamakmur") && asked.contains("Halaman 1 dari 5"),
        "{asked}"
    );
    let second = resident.choose("kecpage:1").await;
    assert!(
        second.contains("10. Parung") && second.contains("Halaman 2 dari 5"),
        "{second}"
    );
    let next = resident.text("Tenjolaya").await;
    assert!(!next.contains("tidak dikenali"), "{next}");
    let stored = h
        .store()
        .get_request(&ticket)
        .await
        .unwrap()
        .expect("draft");
    let applicant = stored.applicant.expect("applicant");
    assert_eq!(applicant.kecamatan.as_deref(), Some("320140"));
    assert!(!stored.nik_from_elsewhere, "a Bogor NIK in Bogor's office");
}
