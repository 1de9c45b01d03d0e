//! After submission, through the local stack (webhook, documents from the table's stream, status
//! API) against the emulator and the fake Graph API: revisions, answers to officers, several
//! waiting tickets and quoted replies.

mod story_support;

use domain::RequestStatus;
use domain::document::DocumentState;
use integration_tests::{Harness, Resident};
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use story_support::*;

fn messages_of(detail: &Value) -> Vec<(String, String)> {
    detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["author"].as_str().unwrap_or_default().to_owned(),
                m["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_revision_of_two_slots_with_a_refused_resend_goes_back_to_the_queue() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000101");
    let officer = Officer::new(&h).await;
    let code = two_slot_service();
    let slots: Vec<&str> = domain::service(code)
        .required_slots()
        .map(|s| s.id)
        .collect();
    let ticket = register(&siti, code).await;
    documents_settled(&h, ticket).await;
    officer.act(ticket, json!({"action": "claim"})).await;
    officer
        .act(
            ticket,
            json!({"action": "request_revision", "items": [
                {"slot": slots[0], "reason": "foto buram"},
                {"slot": slots[1], "reason": "terpotong"},
            ]}),
        )
        .await;
    let detail = officer.detail(ticket).await;
    assert_eq!(detail["status"], "NEEDS_REVISION");
    assert_eq!(detail["waiting_for_resident"], true);
    assert_eq!(detail["revision"]["items"].as_array().unwrap().len(), 2);

    // Words first: they reach the ticket's thread, and the resident reads what is missing.
    let answer = siti.text("Baik pak, ini saya kirim ulang").await;
    assert!(answer.contains(ticket.as_str()), "{answer}");
    assert!(answer.contains("masih kami perlukan"), "{answer}");
    let detail = officer.detail(ticket).await;
    assert!(
        messages_of(&detail).contains(&(
            "resident".to_owned(),
            "Baik pak, ini saya kirim ulang".to_owned()
        )),
        "{}",
        detail["messages"]
    );
    assert_eq!(detail["unanswered_messages"], 1);

    // A damaged resend is refused by the documents function: its slot is free again and the
    // resident is asked for that item by name.
    siti.damaged_photo().await;
    let documents = documents_settled(&h, ticket).await;
    assert!(
        documents
            .iter()
            .any(|d| d.state == DocumentState::Rejected && d.slot == slots[0])
    );
    let request = h.store().get_request(&ticket).await.unwrap().unwrap();
    assert!(
        !request.is_filled(slots[0]),
        "the refused scan's slot is free"
    );
    let label = domain::service(code).slot(slots[0]).unwrap().label;
    assert!(
        h.stack
            .whatsapp
            .outbox()
            .iter()
            .any(|m| integration_tests::reply_text(&m.body).contains(label)
                && integration_tests::reply_text(&m.body).contains("rusak")),
        "asked again for {label}"
    );

    let first = siti.photo().await;
    assert!(
        first.contains(domain::service(code).slot(slots[1]).unwrap().label),
        "{first}"
    );
    let second = siti.photo().await;
    assert!(second.contains("Kirim perbaikan"), "{second}");
    documents_settled(&h, ticket).await;
    let done = siti.press(&format!("resubmit:{}", ticket.as_str())).await;
    assert!(done.contains("kembali masuk antrean"), "{done}");

    let detail = officer.detail(ticket).await;
    assert_eq!(detail["status"], "SUBMITTED");
    assert_eq!(detail["allowed_actions"], json!(["claim"]));
    assert!(detail.get("revision").is_none());
    let history: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(history.contains(&"resubmitted"), "{history:?}");
    assert!(history.contains(&"document_rejected"), "{history:?}");
    let request = h.store().get_request(&ticket).await.unwrap().unwrap();
    assert_eq!(request.status, RequestStatus::Submitted);
    assert!(slots.iter().all(|s| request.is_filled(s)));
}

#[tokio::test]
async fn an_answer_to_an_officer_and_a_quoted_reply_reach_their_tickets() {
    let h = Harness::start().await;
    let budi = Resident::new(&h, "6281200000202");
    let officer = Officer::new(&h).await;
    budi.text("menu").await;
    budi.choose("svc:CONSULTATION").await;
    let consultation = ticket_in(&budi.text("Mau pindah ke Bengkulu, syaratnya apa?").await);
    budi.text("selesai").await;
    budi.text("menu").await;
    budi.choose("svc:COMPLAINT").await;
    let complaint = ticket_in(&budi.text("Antrean di kantor lama sekali").await);
    budi.text("menu").await;

    officer
        .write(consultation, "Apakah Bapak/Ibu pindah sekeluarga?")
        .await;
    let detail = officer.detail(consultation).await;
    assert_eq!(detail["awaiting_resident_reply"], true);
    let notification = detail["notifications"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let quoted = notification["graph_message_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Two tickets wait (the open complaint, the consultation with a question): a plain text
    // asks which; a reply quoting the officer's message goes straight to its ticket.
    let asked = budi.text("halo pak").await;
    assert!(
        asked.contains(consultation.as_str()) && asked.contains(complaint.as_str()),
        "{asked}"
    );
    let answered = budi.reply_to(&quoted, "Iya pak, sekeluarga 4 orang").await;
    assert!(answered.contains(consultation.as_str()), "{answered}");
    let detail = officer.detail(consultation).await;
    assert_eq!(
        messages_of(&detail).last().unwrap(),
        &(
            "resident".to_owned(),
            "Iya pak, sekeluarga 4 orang".to_owned()
        )
    );
    assert!(detail.get("awaiting_resident_reply").is_none());
    assert_eq!(detail["unanswered_messages"], 1);

    // "halo pak" was held while the list was open: picking the complaint delivers it.
    budi.choose(&format!("tkt:{}", complaint.as_str())).await;
    let detail = officer.detail(complaint).await;
    let texts: Vec<String> = messages_of(&detail).into_iter().map(|m| m.1).collect();
    assert_eq!(
        texts,
        ["Antrean di kantor lama sekali", "halo pak"],
        "the complaint's thread"
    );

    // Officers see the flags in the queue.
    let queue: Value = h
        .http
        .get(h.url("/requests?status=SUBMITTED"))
        .bearer_auth(&officer.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ticket"] == complaint.as_str())
        .expect("complaint queued");
    assert_eq!(item["waiting_for_resident"], true);
    assert_eq!(item["unanswered_messages"], 2);
}

#[tokio::test]
async fn a_voice_note_reaches_the_thread_and_never_fills_a_slot() {
    let h = Harness::start().await;
    let ayu = Resident::new(&h, "6281200000303");
    ayu.text("menu").await;
    ayu.choose("svc:CONSULTATION").await;
    let ticket = ticket_in(&ayu.text("Bagaimana cara ganti nama di KK?").await);
    let answered = ayu.voice_note().await;
    assert!(answered.contains(ticket.as_str()), "{answered}");
    let documents = documents_settled(&h, ticket).await;
    let voice = documents.last().expect("the voice note is recorded");
    assert_eq!(voice.slot, domain::document::ATTACHMENT_SLOT);
    assert_eq!(voice.state, DocumentState::Stored, "{voice:?}");
    assert_eq!(voice.content_type.as_deref(), Some("audio/ogg"));

    // In a draft, a voice note is not a document: nothing is stored, the items are asked again.
    let code = two_slot_service();
    ayu.text("menu").await;
    let draft = ticket_in(&ayu.choose(&format!("svc:{}", code.as_str())).await);
    ayu.text("Ayu Lestari").await;
    ayu.text(NIK).await;
    let mut asked = ayu.choose("kec:170804").await;
    for field in domain::service(code).fields {
        asked = ayu.text(&integration_tests::field_answer(field.kind)).await;
    }
    if domain::service(code).late_report_after_days.is_some() {
        assert!(asked.contains("tanggal"), "{asked}");
        ayu.text("01-11-2026").await;
    }
    let refused = ayu.voice_note().await;
    assert!(refused.contains("pesan suara"), "{refused}");
    assert!(h.store().documents_of(&draft).await.unwrap().is_empty());
}
