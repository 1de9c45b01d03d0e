//! The keyed hashes the table stores instead of NIKs (open-request guards) use the secret's own
//! `data_key`, never Meta's app secret: rotating the app secret after a leak leaves every guard
//! valid, and a rotation of the data key keeps finding guards written under the previous key.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::{
    Applicant, Nik, OpenRequestKey, Request, RequestStatus, ResidentId, ServiceCode, TicketId,
};
use integration_tests::{Harness, Resident};
use local_stack::LOCAL_DATA_KEY;
use shared::ports::RequestRepository;
use time::macros::date;
use webhook::process::GuardKeys;

const NIK: &str = "1708014508900001";

fn nik() -> Nik {
    Nik::parse(NIK, date!(2026 - 11 - 28)).unwrap()
}

/// An open KK_NEW request of `NIK`, guarded under the data key `guard_key`.
async fn open_request_guarded_by(h: &Harness, guard_key: &GuardKeys) -> TicketId {
    let ticket = TicketId::parse("ABCD-EFGH").unwrap();
    let mut request = Request::open(
        ticket,
        ServiceCode::KkNew,
        ResidentId::Phone("6281200000401".into()),
        time::OffsetDateTime::now_utc(),
    );
    request.status = RequestStatus::Submitted;
    request.submitted_at = Some(request.created_at);
    request.applicant = Some(Applicant {
        name: "Siti Aminah".into(),
        nik: nik(),
        kecamatan: Some("170804".into()),
    });
    h.store().create_request(&request).await.unwrap();
    let client = aws_sdk_dynamodb::Client::new(&h.stack.sdk);
    client
        .put_item()
        .table_name(h.table())
        .item(
            "PK",
            AttributeValue::S(format!(
                "OPEN#{}",
                guard_key.current_id(&OpenRequestKey::nik(&nik()), ServiceCode::KkNew)
            )),
        )
        .item("SK", AttributeValue::S("GUARD".into()))
        .item("entity", AttributeValue::S("OPEN_GUARD".into()))
        .item("ticket", AttributeValue::S(ticket.as_str().to_owned()))
        .send()
        .await
        .unwrap();
    ticket
}

/// A relative's phone asks for the same service with the same NIK.
async fn same_nik_again(h: &Harness) -> String {
    let budi = Resident::new(h, "6281200000402");
    budi.text("menu").await;
    budi.choose("svc:KK_NEW").await;
    budi.text("Siti Aminah").await;
    budi.text(NIK).await
}

#[tokio::test]
async fn guards_are_keyed_by_the_data_key_not_the_app_secret() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000403");
    siti.text("menu").await;
    siti.choose("svc:KK_NEW").await;
    siti.text("Siti Aminah").await;
    siti.text(NIK).await;
    let guards: Vec<String> = h
        .items_with_pk_prefix("OPEN#")
        .await
        .iter()
        .filter_map(|i| i["PK"].as_s().ok().cloned())
        .collect();
    let expected = GuardKeys::new(LOCAL_DATA_KEY, None)
        .current_id(&OpenRequestKey::nik(&nik()), ServiceCode::KkNew);
    assert_eq!(guards, vec![format!("OPEN#{expected}")]);
    let from_app_secret = GuardKeys::new(integration_tests::LOCAL_APP_SECRET, None)
        .current_id(&OpenRequestKey::nik(&nik()), ServiceCode::KkNew);
    assert_ne!(expected, from_app_secret);
}

#[tokio::test]
async fn a_rotated_data_key_still_finds_guards_written_under_the_previous_one() {
    let h = Harness::start_with_env(&[
        ("WHATSAPP_DATA_KEY", "data-key-after-rotation"),
        ("WHATSAPP_DATA_KEY_PREVIOUS", LOCAL_DATA_KEY),
    ])
    .await;
    let ticket = open_request_guarded_by(&h, &GuardKeys::new(LOCAL_DATA_KEY, None)).await;
    let reply = same_nik_again(&h).await;
    assert!(reply.contains(ticket.as_str()), "{reply}");
}

#[tokio::test]
async fn without_the_previous_key_a_rotation_would_forget_open_requests() {
    // Why `data_key_previous` exists: the same rotation without it lets a duplicate through.
    let h = Harness::start_with_env(&[("WHATSAPP_DATA_KEY", "data-key-after-rotation")]).await;
    let ticket = open_request_guarded_by(&h, &GuardKeys::new(LOCAL_DATA_KEY, None)).await;
    let reply = same_nik_again(&h).await;
    assert!(!reply.contains(ticket.as_str()), "{reply}");
    assert!(reply.contains("kecamatan"), "{reply}");
}
