//! The officer routes (`status`, `documents`) through the local JWT authorizer.

use domain::{Applicant, Nik, Request, ResidentId, ServiceCode, TicketId};
use integration_tests::Harness;
use shared::ports::RequestRepository;
use shared::ports::officer::OfficerRepository;
use time::macros::{date, datetime};

async fn seed_request(h: &Harness, ticket: &str, kecamatan: &str) -> Request {
    let mut request = Request::open(
        TicketId::parse(ticket).unwrap(),
        ServiceCode::KkNew,
        ResidentId::Phone("6281234567890".into()),
        datetime!(2026-11-28 02:00 UTC),
    );
    request.applicant = Some(Applicant {
        name: "Siti Aminah".into(),
        nik: Nik::parse("1708014508900001", date!(2026 - 11 - 28)).unwrap(),
        kecamatan: Some(kecamatan.into()),
    });
    h.store().create_request(&request).await.unwrap();
    request
}

#[tokio::test]
async fn request_detail_needs_an_officer_token() {
    let h = Harness::start().await;
    seed_request(&h, "ABCD-EFGH", "170804").await;
    let url = h.url("/requests/ABCD-EFGH");

    let anonymous = h.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let forged = h
        .http
        .get(&url)
        .bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    let outsider = h.token("someone", "visitors", "*").await;
    let response = h.http.get(&url).bearer_auth(outsider).send().await.unwrap();
    assert_eq!(response.status(), 403);

    let other_district = h.token("officer-2", "petugas", "170801").await;
    let response = h
        .http
        .get(&url)
        .bearer_auth(other_district)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // None of the refused calls left an audit event.
    assert!(h.items_with_pk_prefix("REQ#ABCD-EFGH").await.len() == 1);
}

#[tokio::test]
async fn an_officer_reads_a_request_and_the_read_is_audited() {
    let h = Harness::start().await;
    let stored = seed_request(&h, "ABCD-EFGH", "170804").await;
    let token = h.token("officer-1", "petugas", "170804").await;

    let response = h
        .http
        .get(h.url("/requests/abcd efgh"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["ticket"], "ABCD-EFGH");
    assert_eq!(body["service"], "KK_NEW");
    assert_eq!(body["status"], "DRAFT");
    // Masked in the detail; whole only through the audited reveal.
    assert!(body["applicant"].get("nik").is_none(), "{body}");
    assert_eq!(body["applicant"]["nik_masked"], "1708********0001");
    // Everything else is the stored request.
    let mut body = body;
    body["applicant"]["nik"] = serde_json::json!("1708014508900001");
    let round_trip: Request = serde_json::from_value(body).unwrap();
    assert_eq!(round_trip, stored);

    let audit = h.items_with_pk_prefix("REQ#ABCD-EFGH").await;
    let events: Vec<_> = audit
        .iter()
        .filter(|i| matches!(i.get("SK"), Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) if sk.starts_with("EVT#")))
        .collect();
    assert_eq!(events.len(), 1, "one read event");
    let event = events[0]["event"].as_m().unwrap();
    assert_eq!(event["actor"].as_s().unwrap(), "officer-1");
    assert_eq!(event["action"].as_s().unwrap(), "read");
    assert_eq!(event["role"].as_s().unwrap(), "petugas");
}

#[tokio::test]
async fn unknown_and_malformed_tickets_are_404() {
    let h = Harness::start().await;
    let token = h.token("officer-1", "supervisor", "*").await;
    for ticket in ["ZZZZ-ZZZZ", "not-a-ticket", "0000-0000"] {
        let response = h
            .http
            .get(h.url(&format!("/requests/{ticket}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{ticket}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn an_officer_gets_a_presigned_upload_that_s3_honours() {
    let h = Harness::start().await;
    let mut request = seed_request(&h, "ABCD-EFGH", "170804").await;
    // A result is taken for an approved request only (tested in upload_requests_are_validated).
    request.status = domain::RequestStatus::Approved;
    request.version = 2;
    h.store().save_change(&request, 1, &[]).await.unwrap();
    let token = h.token("officer-1", "petugas", "*").await;
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();

    let response = h
        .http
        .post(h.url("/requests/ABCD-EFGH/documents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "slot": "result",
            "content_type": "application/pdf",
            "content_length": pdf.len(),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let grant: serde_json::Value = response.json().await.unwrap();
    let key = grant["key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with("results/ABCD-EFGH/") && key.ends_with(".pdf"),
        "{key}"
    );
    assert_eq!(grant["upload"]["method"], "PUT");

    let mut put = h.http.put(grant["upload"]["url"].as_str().unwrap());
    for (name, value) in grant["upload"]["headers"].as_object().unwrap() {
        put = put.header(name, value.as_str().unwrap());
    }
    let uploaded = put.body(pdf.clone()).send().await.unwrap();
    assert!(
        uploaded.status().is_success(),
        "upload status {}",
        uploaded.status()
    );

    let object =
        h.s3.get_object()
            .bucket(h.bucket())
            .key(&key)
            .send()
            .await
            .unwrap();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(bytes.as_ref(), pdf.as_slice());
}

#[tokio::test]
async fn upload_requests_are_validated() {
    let h = Harness::start().await;
    seed_request(&h, "ABCD-EFGH", "170804").await;
    let token = h.token("officer-1", "petugas", "*").await;
    let post = |ticket: &str, body: serde_json::Value| {
        h.http
            .post(h.url(&format!("/requests/{ticket}/documents")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let unknown = post("ZZZZ-ZZZZ", serde_json::json!({"slot": "result", "content_type": "application/pdf", "content_length": 10})).await.unwrap();
    assert_eq!(unknown.status(), 404);

    for (body, field) in [
        (
            serde_json::json!({"slot": "passport", "content_type": "application/pdf", "content_length": 10}),
            "slot",
        ),
        (
            serde_json::json!({"slot": "result", "content_type": "application/x-msdownload", "content_length": 10}),
            "content_type",
        ),
        (
            serde_json::json!({"slot": "result", "content_type": "image/jpeg", "content_length": 6_000_000}),
            "content_length",
        ),
        (
            serde_json::json!({"slot": "result", "content_type": "image/jpeg"}),
            "content_length",
        ),
    ] {
        let response = post("ABCD-EFGH", body).await.unwrap();
        assert_eq!(response.status(), 422);
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["field"], field);
    }

    // A well-formed result for a request that is not approved yet (a draft here).
    let early = post(
        "ABCD-EFGH",
        serde_json::json!({"slot": "result", "content_type": "application/pdf", "content_length": 10}),
    )
    .await
    .unwrap();
    assert_eq!(early.status(), 409);
    let problem: serde_json::Value = early.json().await.unwrap();
    assert_eq!(problem["field"], "slot", "{problem}");

    let anonymous = h
        .http
        .post(h.url("/requests/ABCD-EFGH/documents"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
