//! The officers' API (issue #5) through the local stack's JWT authorizer, against the emulator and
//! the fake WhatsApp server.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::document::{Document, DocumentSource, DocumentState, RESULT_SLOT};
use domain::{Applicant, Nik, Request, RequestStatus, ResidentId, ServiceCode, TicketId};
use integration_tests::Harness;
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use shared::ports::documents::DocumentRepository;
use shared::ports::officer::{OfficerRepository, ServiceConfigRepository};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::macros::date;

const PHONE: &str = "6281234567890";
const NIK: &str = "1708014508900001";

fn resident() -> ResidentId {
    ResidentId::Phone(PHONE.into())
}

/// A request as the webhook leaves it once the resident submitted it.
fn submitted(ticket: &str, service: ServiceCode, kecamatan: &str, at: OffsetDateTime) -> Request {
    let mut r = Request::open(TicketId::parse(ticket).unwrap(), service, resident(), at);
    r.status = RequestStatus::Submitted;
    r.submitted_at = Some(at);
    r.due_date = Some(date!(2026 - 12 - 03));
    r.applicant = Some(Applicant {
        name: "Siti Aminah".into(),
        nik: Nik::parse(NIK, date!(2026 - 11 - 28)).unwrap(),
        kecamatan: Some(kecamatan.into()),
    });
    r
}

async fn seed(h: &Harness, ticket: &str, service: ServiceCode) -> Request {
    let r = submitted(ticket, service, "170804", OffsetDateTime::now_utc());
    h.store().create_request(&r).await.unwrap();
    r
}

async fn call(
    h: &Harness,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = h.http.request(method, h.url(path));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn action(h: &Harness, token: &str, ticket: &str, body: Value) -> (u16, Value) {
    call(
        h,
        "POST",
        &format!("/requests/{ticket}/actions"),
        Some(token),
        Some(body),
    )
    .await
}

/// The resident writes now (opens WhatsApp's 24-hour window), through the real webhook.
async fn resident_writes(h: &Harness) {
    let mut payload: Value =
        serde_json::from_slice(&integration_tests::fixture("text.json")).unwrap();
    let message = &mut payload["entry"][0]["changes"][0]["value"]["messages"][0];
    message["timestamp"] = json!(OffsetDateTime::now_utc().unix_timestamp().to_string());
    message["id"] = json!(format!(
        "wamid.status-{}",
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    let response = h.post_webhook(&serde_json::to_vec(&payload).unwrap()).await;
    assert_eq!(response.status(), 200);
}

/// Messages the status function sent about `ticket` (the webhook's menus are not about one).
fn notifications_about(h: &Harness, ticket: &str) -> Vec<fake_whatsapp::OutboundMessage> {
    h.stack
        .whatsapp
        .outbox()
        .into_iter()
        .filter(|m| m.body.to_string().contains(ticket))
        .collect()
}

fn text_of(m: &fake_whatsapp::OutboundMessage) -> String {
    match m.r#type.as_str() {
        "text" => m.body["text"]["body"].as_str().unwrap_or("").to_owned(),
        "interactive" => m.body["interactive"]["body"]["text"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        _ => m.body["template"].to_string(),
    }
}

/// (method, path, body, as a regency-wide petugas, as a regency-wide supervisor, as a petugas of
/// another kecamatan, as a supervisor of the request's kecamatan, as a supervisor whose account
/// has no kecamatan)
type MatrixRow = (&'static str, String, Option<Value>, [u16; 5]);

/// Every route with every kind of officer, each with their ID token (the one the officer app
/// sends) and with their access token, which carries no `custom:kecamatan` and is refused
/// everywhere (401): before, it passed, and a limited officer's access token saw everything.
#[tokio::test]
async fn authorization_matrix_for_every_route() {
    let h = Harness::start().await;
    seed(&h, "ABCD-EFGH", ServiceCode::KkNew).await;
    let officers = [
        ("officer-1", "petugas", Some("*")),
        ("boss", "supervisor", Some("*")),
        ("officer-2", "petugas", Some("170801")),
        ("kepala-seksi", "supervisor", Some("170804")),
        ("unset", "supervisor", None),
    ];
    let mut id_tokens = Vec::new();
    let mut access_tokens = Vec::new();
    for (subject, group, kecamatan) in officers {
        id_tokens.push(match kecamatan {
            Some(k) => h.token(subject, group, k).await,
            None => h.token_without_kecamatan(subject, group).await,
        });
        access_tokens.push(h.access_token(subject, group).await);
    }
    let outsider = h.token("someone", "visitors", "*").await;
    let resident_key = format!("wa:{PHONE}");

    let routes: Vec<MatrixRow> = vec![
        ("GET", "/requests".into(), None, [200, 200, 200, 200, 403]),
        (
            "GET",
            "/requests?kecamatan=170804".into(),
            None,
            [200, 200, 403, 200, 403],
        ),
        (
            "GET",
            "/requests/ABCD-EFGH".into(),
            None,
            [200, 200, 403, 200, 403],
        ),
        (
            "POST",
            "/requests/ABCD-EFGH/actions".into(),
            // A stale version: every authorised caller gets as far as the version check.
            Some(json!({"action": "claim", "expected_version": 99})),
            [409, 409, 403, 409, 403],
        ),
        (
            "POST",
            "/requests/ABCD-EFGH/messages".into(),
            Some(json!({"text": "Berkas sudah kami terima."})),
            [201, 201, 403, 201, 403],
        ),
        ("GET", "/stats".into(), None, [200, 200, 200, 200, 403]),
        ("GET", "/services".into(), None, [200, 200, 200, 200, 200]),
        // Regency-wide actions: only a regency-wide supervisor.
        (
            "PUT",
            "/services/LEGALIZATION".into(),
            Some(json!({"available": true})),
            [403, 200, 403, 403, 403],
        ),
        (
            "GET",
            format!("/residents/{resident_key}/export"),
            None,
            [403, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/residents/wa:6280000000000/erase".into(),
            None,
            [403, 200, 403, 403, 403],
        ),
    ];
    for (method, path, body, expected) in routes {
        let (anonymous, _) = call(&h, method, &path, None, body.clone()).await;
        assert_eq!(anonymous, 401, "anonymous {method} {path}");
        let (forged, _) = call(
            &h,
            method,
            &path,
            Some("eyJhbGciOiJIUzI1NiJ9.e30.x"),
            body.clone(),
        )
        .await;
        assert_eq!(forged, 401, "forged {method} {path}");
        let (wrong_group, problem) = call(&h, method, &path, Some(&outsider), body.clone()).await;
        assert_eq!(wrong_group, 403, "outsider {method} {path}");
        assert_eq!(problem["status"], 403);
        for (i, (who, _, kecamatan)) in officers.iter().enumerate() {
            let (status, answer) = call(&h, method, &path, Some(&id_tokens[i]), body.clone()).await;
            assert_eq!(
                status, expected[i],
                "{who} ({kecamatan:?}) ID token {method} {path}: {answer}"
            );
            let (status, answer) =
                call(&h, method, &path, Some(&access_tokens[i]), body.clone()).await;
            assert_eq!(status, 401, "{who} access token {method} {path}: {answer}");
            assert_eq!(answer["status"], 401);
        }
    }
}

/// A petugas limited to 170801 sees only that kecamatan's requests, whichever token they send:
/// with the access token (no `custom:kecamatan`) they used to see the whole regency.
#[tokio::test]
async fn a_limited_officer_never_sees_another_kecamatan() {
    let h = Harness::start().await;
    seed(&h, "ABCD-EFGH", ServiceCode::KkNew).await; // kecamatan 170804
    let limited = h.token("officer-2", "petugas", "170801").await;
    let access = h.access_token("officer-2", "petugas").await;
    let (status, queue) = call(&h, "GET", "/requests", Some(&limited), None).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(0), "{queue}");
    for path in ["/requests", "/requests/ABCD-EFGH", "/stats"] {
        let (status, body) = call(&h, "GET", path, Some(&access), None).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert!(
            body.get("items").is_none() && body.get("ticket").is_none(),
            "{body}"
        );
    }
    // A regency-wide officer's queue holds the same request.
    let regency = h.token("officer-1", "petugas", "*").await;
    let (_, queue) = call(&h, "GET", "/requests", Some(&regency), None).await;
    assert_eq!(queue["items"][0]["ticket"], "ABCD-EFGH", "{queue}");
}

/// An account without `custom:kecamatan` (or with an empty one) sees no request: a missing
/// attribute never means "the whole regency".
#[tokio::test]
async fn an_officer_without_a_kecamatan_sees_nothing_scoped() {
    let h = Harness::start().await;
    seed(&h, "ABCD-EFGH", ServiceCode::KkNew).await;
    let unset = h.token_without_kecamatan("officer-3", "petugas").await;
    let empty = h.token("officer-4", "petugas", "").await;
    for token in [&unset, &empty] {
        for path in ["/requests", "/requests/ABCD-EFGH", "/stats"] {
            let (status, body) = call(&h, "GET", path, Some(token), None).await;
            assert_eq!(status, 403, "{path}: {body}");
        }
        let (status, body) = call(
            &h,
            "POST",
            "/requests/ABCD-EFGH/actions",
            Some(token),
            Some(json!({"action": "claim", "expected_version": 1})),
        )
        .await;
        assert_eq!(status, 403, "{body}");
    }
    let stored = h
        .store()
        .get_request(&TicketId::parse("ABCD-EFGH").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1, "nothing changed");
}

/// A supervisor limited to the resident's own kecamatan cannot export, erase or change a
/// service: those act on the whole regency. Before, export and erasure were allowed when all
/// the resident's requests were in the supervisor's kecamatan.
#[tokio::test]
async fn a_limited_supervisor_cannot_export_erase_or_change_availability() {
    let h = Harness::start().await;
    seed(&h, "ABCD-EFGH", ServiceCode::KkNew).await; // kecamatan 170804
    let limited = h.token("kepala-seksi", "supervisor", "170804").await;
    let resident = format!("wa:{PHONE}");
    for (method, path, body) in [
        ("GET", format!("/residents/{resident}/export"), None),
        ("POST", format!("/residents/{resident}/erase"), None),
        (
            "PUT",
            "/services/KK_NEW".into(),
            Some(json!({"available": false, "notice": "tutup"})),
        ),
    ] {
        let (status, answer) = call(&h, method, &path, Some(&limited), body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    let stored = h
        .store()
        .get_request(&TicketId::parse("ABCD-EFGH").unwrap())
        .await
        .unwrap();
    assert!(stored.is_some(), "not erased");
    let (_, services) = call(
        &h,
        "GET",
        "/services",
        Some(&h.token("boss", "supervisor", "*").await),
        None,
    )
    .await;
    let kk = services
        .as_array()
        .and_then(|s| s.iter().find(|s| s["code"] == "KK_NEW"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(kk["available"], true, "{services}");
}

#[tokio::test]
async fn two_officers_race_to_claim_and_one_wins() {
    let h = Harness::start().await;
    seed(&h, "RACE-2345", ServiceCode::KkNew).await;
    let a = h.token("officer-a", "petugas", "*").await;
    let b = h.token("officer-b", "petugas", "*").await;
    let claim = json!({"action": "claim", "expected_version": 1});
    let (ra, rb) = tokio::join!(
        action(&h, &a, "RACE-2345", claim.clone()),
        action(&h, &b, "RACE-2345", claim.clone())
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{ra:?} {rb:?}");
    let loser = if ra.0 == 409 { &ra.1 } else { &rb.1 };
    assert_eq!(loser["current_version"], 2);
    assert_eq!(loser["field"], "expected_version");
    let stored = h
        .store()
        .get_request(&TicketId::parse("RACE-2345").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.status, RequestStatus::InReview);
    let winner = if ra.0 == 200 {
        "officer-a"
    } else {
        "officer-b"
    };
    assert_eq!(stored.assigned_to.as_deref(), Some(winner));
}

#[tokio::test]
async fn a_request_goes_from_submission_to_completion_and_the_resident_hears_each_step() {
    let h = Harness::start().await;
    resident_writes(&h).await;
    seed(&h, "LYFE-2345", ServiceCode::KkNew).await;
    let officer = h.token("officer-1", "petugas", "170804").await;
    let slot = domain::service(ServiceCode::KkNew).slots[0];

    // Transitions outside SPEC 5 are 409 with what is allowed.
    let (status, problem) = action(
        &h,
        &officer,
        "LYFE-2345",
        json!({"action": "approve", "expected_version": 1}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(problem["allowed_actions"], json!(["claim"]));
    // Malformed bodies name the field.
    let (status, problem) = action(
        &h,
        &officer,
        "LYFE-2345",
        json!({"action": "fly", "expected_version": 1}),
    )
    .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("action")));
    let (status, problem) = action(&h, &officer, "LYFE-2345", json!({"action": "claim"})).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (422, Some("expected_version"))
    );

    let steps = [
        json!({"action": "claim", "expected_version": 1}),
        json!({"action": "request_revision", "expected_version": 2, "items": [
            {"slot": slot.id, "reason": "foto buram"},
            {"slot": "lainnya", "reason": "lampirkan surat nikah"}
        ]}),
    ];
    for step in steps {
        let (status, body) = action(&h, &officer, "LYFE-2345", step.clone()).await;
        assert_eq!(status, 200, "{step}: {body}");
        assert_eq!(body["notification"]["state"], "SENT");
        assert_eq!(body["notification"]["via"], "text");
    }
    // The resident sends the missing items: the webhook moves it back to SUBMITTED.
    let store = h.store();
    let ticket = TicketId::parse("LYFE-2345").unwrap();
    let mut r = store.get_request(&ticket).await.unwrap().unwrap();
    r.status = RequestStatus::Submitted;
    r.version = 4;
    store.save_change(&r, 3, &[]).await.unwrap();

    // Outside the window (Meta answers 131047) the same change goes out as a template.
    h.stack.whatsapp.fail_next_sends(1, 400, 131047);
    let (status, body) = action(
        &h,
        &officer,
        "LYFE-2345",
        json!({"action": "claim", "expected_version": 4}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notification"]["via"], "template");
    for (version, step) in [(5, "approve"), (6, "complete")] {
        let (status, body) = action(
            &h,
            &officer,
            "LYFE-2345",
            json!({"action": step, "expected_version": version}),
        )
        .await;
        assert_eq!(status, 200, "{step}: {body}");
    }
    let sent = notifications_about(&h, "LYFE-2345");
    let texts: Vec<String> = sent.iter().map(text_of).collect();
    // The fifth is the completion; the sixth asks for the satisfaction survey (tests/tests/survey.rs).
    assert_eq!(sent.len(), 6, "{texts:#?}");
    assert!(texts[5].contains("survei kepuasan"), "{texts:#?}");
    assert!(texts[0].contains("sedang diperiksa"));
    assert!(
        texts[1].contains("foto buram") && texts[1].contains("lampirkan surat nikah"),
        "one message lists everything"
    );
    assert_eq!(sent[2].r#type, "template");
    assert_eq!(sent[2].body["template"]["name"], "status_update");
    assert!(texts[3].contains("disetujui"));
    assert!(texts[4].contains("selesai"));
    for m in &sent {
        assert_eq!(m.to.as_deref(), Some(PHONE));
    }

    // The detail shows history, notifications, and the read itself is audited.
    let (status, detail) = call(&h, "GET", "/requests/LYFE-2345", Some(&officer), None).await;
    assert_eq!(status, 200);
    assert_eq!(detail["status"], "COMPLETED");
    assert_eq!(detail["version"], 7);
    // Dates are ISO 8601, as the contract says (not `time`'s `[2026, 337]`).
    assert_eq!(detail["due_date"], "2026-12-03", "{}", detail["due_date"]);
    assert_eq!(detail["allowed_actions"], json!([]));
    let actions: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "claim",
            "request_revision",
            "claim",
            "approve",
            "complete",
            "read"
        ]
    );
    let first = &detail["history"][0];
    assert_eq!(first["actor"], "officer-1");
    assert_eq!(first["role"], "petugas");
    assert_eq!(
        (first["from_status"].as_str(), first["to_status"].as_str()),
        (Some("SUBMITTED"), Some("IN_REVIEW"))
    );
    assert!(first["source_ip"].is_string() && first["request_id"].is_string());
    assert_eq!(detail["notifications"].as_array().unwrap().len(), 5);
    // The NIK is masked in the detail; revealing it is its own audited read.
    assert!(detail["applicant"].get("nik").is_none(), "{detail}");
    assert_eq!(detail["applicant"]["nik_masked"], "1708********0001");
    let (status, revealed) =
        call(&h, "POST", "/requests/LYFE-2345/nik", Some(&officer), None).await;
    assert_eq!(status, 200, "{revealed}");
    assert_eq!(revealed["nik"], NIK);
    let (_, detail) = call(&h, "GET", "/requests/LYFE-2345", Some(&officer), None).await;
    let revealed_by: Vec<(&str, &str)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "nik_revealed")
        .map(|e| (e["actor"].as_str().unwrap(), e["role"].as_str().unwrap()))
        .collect();
    assert_eq!(revealed_by, [("officer-1", "petugas")]);
}

#[tokio::test]
async fn a_failed_send_keeps_the_change_and_is_visible_in_the_detail() {
    let h = Harness::start().await;
    seed(&h, "FALL-2345", ServiceCode::Complaint).await;
    let officer = h.token("officer-1", "petugas", "*").await;
    // Outside the window from the start: a template, and Meta refuses it for good.
    h.stack.whatsapp.fail_next_sends(1, 400, 100);
    let (status, body) = action(
        &h,
        &officer,
        "FALL-2345",
        json!({"action": "claim", "expected_version": 1}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "IN_REVIEW");
    assert_eq!(body["notification"]["state"], "FAILED");
    let (_, detail) = call(&h, "GET", "/requests/FALL-2345", Some(&officer), None).await;
    assert_eq!(detail["status"], "IN_REVIEW");
    let n = &detail["notifications"][0];
    assert_eq!(n["state"], "FAILED");
    assert_eq!(n["via"], "template");
    assert!(n["error"].as_str().unwrap().contains("100"));
}

#[tokio::test]
async fn a_nik_from_another_regency_is_flagged_in_the_detail() {
    let h = Harness::start().await;
    let mut r = submitted(
        "NKLU-ARXA",
        ServiceCode::KkNew,
        "170804",
        OffsetDateTime::now_utc(),
    );
    r.nik_from_elsewhere = true;
    h.store().create_request(&r).await.unwrap();
    seed(&h, "NKDA-LAMB", ServiceCode::KkNew).await;
    let boss = h.token("boss", "supervisor", "*").await;
    let (status, detail) = call(&h, "GET", "/requests/NKLU-ARXA", Some(&boss), None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["nik_from_elsewhere"], true, "{detail}");
    let (_, detail) = call(&h, "GET", "/requests/NKDA-LAMB", Some(&boss), None).await;
    assert_eq!(
        detail.get("nik_from_elsewhere"),
        None,
        "absent when false: {detail}"
    );
}

#[tokio::test]
async fn officers_write_to_the_resident_in_the_thread() {
    let h = Harness::start().await;
    resident_writes(&h).await;
    seed(&h, "MSGS-2345", ServiceCode::Consultation).await;
    let officer = h.token("officer-1", "petugas", "*").await;
    let (status, body) = call(
        &h,
        "POST",
        "/requests/MSGS-2345/messages",
        Some(&officer),
        Some(json!({"text": "Silakan datang hari Senin."})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notification"]["via"], "text");
    let sent = notifications_about(&h, "MSGS-2345");
    assert_eq!(sent.len(), 1);
    assert!(text_of(&sent[0]).contains("Silakan datang hari Senin."));
    let (_, detail) = call(&h, "GET", "/requests/MSGS-2345", Some(&officer), None).await;
    assert_eq!(detail["messages"][0]["text"], "Silakan datang hari Senin.");
    assert_eq!(detail["messages"][0]["author"], "officer");
    assert_eq!(detail["history"][0]["action"], "message");
    let (status, problem) = call(
        &h,
        "POST",
        "/requests/MSGS-2345/messages",
        Some(&officer),
        Some(json!({"text": "x".repeat(5000)})),
    )
    .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("text")));
    let (status, problem) = call(
        &h,
        "POST",
        "/requests/MSGS-2345/messages",
        Some(&officer),
        Some(json!({"txt": "x"})),
    )
    .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("txt")));
}

#[tokio::test]
async fn pagination_over_250_requests_returns_each_exactly_once() {
    let h = Harness::start().await;
    let store = h.store();
    let start = OffsetDateTime::now_utc() - time::Duration::days(1);
    let mut seeded = HashSet::new();
    for n in 0..250u64 {
        let ticket = TicketId::from_random(n * 7919 + 13);
        let mut r = submitted(
            ticket.as_str(),
            ServiceCode::KkNew,
            if n % 5 == 0 { "170801" } else { "170804" },
            start + time::Duration::seconds(n as i64),
        );
        r.ticket = ticket;
        store.create_request(&r).await.unwrap();
        seeded.insert(ticket.as_str().to_owned());
    }
    let officer = h.token("officer-1", "petugas", "*").await;
    for order in ["oldest", "newest"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/requests?status=SUBMITTED&limit=100&order={order}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, page) = call(&h, "GET", &path, Some(&officer), None).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            for item in page["items"].as_array().unwrap() {
                seen.push(item["ticket"].as_str().unwrap().to_owned());
                assert_eq!(item["applicant"]["nik_masked"], "1708********0001");
                assert!(item["applicant"].get("nik").is_none());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 250);
        assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), seeded);
        let mut sorted = seen.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 250);
    }
    // Filters: a kecamatan-scoped officer sees only theirs, across pages.
    let scoped = h.token("officer-2", "petugas", "170801").await;
    let (_, page) = call(&h, "GET", "/requests?limit=100", Some(&scoped), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert!(page["next_cursor"].is_null());
    // A tampered or foreign cursor is refused.
    let (_, first) = call(&h, "GET", "/requests?limit=10", Some(&officer), None).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let tampered = format!("A{}", &cursor[1..]);
    let (status, problem) = call(
        &h,
        "GET",
        &format!("/requests?limit=10&cursor={tampered}"),
        Some(&officer),
        None,
    )
    .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("cursor")));
    let (status, _) = call(
        &h,
        "GET",
        &format!("/requests?limit=10&order=newest&cursor={cursor}"),
        Some(&officer),
        None,
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn supervisors_suspend_a_service_and_the_webhook_store_sees_it() {
    let h = Harness::start().await;
    let boss = h.token("boss", "supervisor", "*").await;
    let (status, problem) = call(
        &h,
        "PUT",
        "/services/KTP_DATA_CHANGE",
        Some(&boss),
        Some(json!({"available": false})),
    )
    .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("notice")));
    let (status, _) = call(
        &h,
        "PUT",
        "/services/NOPE",
        Some(&boss),
        Some(json!({"available": true})),
    )
    .await;
    assert_eq!(status, 404);
    let notice = "Mohon maaf, layanan ini dihentikan sementara.";
    let (status, body) = call(
        &h,
        "PUT",
        "/services/KTP_DATA_CHANGE",
        Some(&boss),
        Some(json!({"available": false, "notice": notice})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let availability = h
        .store()
        .service_availability(ServiceCode::KtpDataChange)
        .await
        .unwrap();
    assert_eq!(availability.notice(), Some(notice));
    let (_, list) = call(&h, "GET", "/services", Some(&boss), None).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), ServiceCode::ALL.len());
    let changed = list
        .iter()
        .find(|s| s["code"] == "KTP_DATA_CHANGE")
        .unwrap();
    assert_eq!(
        (
            changed["available"].as_bool(),
            changed["updated_by"].as_str()
        ),
        (Some(false), Some("boss"))
    );
    let ktp_new = list.iter().find(|s| s["code"] == "KTP_NEW").unwrap();
    assert_eq!(
        ktp_new["available"], false,
        "the catalog default applies until changed"
    );
}

#[tokio::test]
async fn stats_count_a_date_range() {
    let h = Harness::start().await;
    let officer = h.token("officer-1", "petugas", "*").await;
    seed(&h, "STAT-2345", ServiceCode::Legalization).await;
    seed(&h, "STAT-2346", ServiceCode::Legalization).await;
    for step in ["claim", "approve", "complete"] {
        let version = match step {
            "claim" => 1,
            "approve" => 2,
            _ => 3,
        };
        let (status, _) = action(
            &h,
            &officer,
            "STAT-2345",
            json!({"action": step, "expected_version": version}),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, stats) = call(&h, "GET", "/stats", Some(&officer), None).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["total"], 2);
    assert_eq!(stats["by_status"]["COMPLETED"], 1);
    assert_eq!(stats["by_status"]["SUBMITTED"], 1);
    assert_eq!(stats["by_service"]["LEGALIZATION"], 2);
    assert!(stats["completion_hours_median"].is_number());
    let (status, problem) = call(
        &h,
        "GET",
        "/stats?from=2026-12-01&to=2026-11-01",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("from")));
    let (status, problem) = call(&h, "GET", "/stats?from=yesterday", Some(&officer), None).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("from")));
}

fn contains_personal_data(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::S(s) => {
            s.contains(PHONE)
                || s.contains(NIK)
                || s.contains("Siti Aminah")
                || s.contains("tolong")
        }
        AttributeValue::M(m) => m.values().any(contains_personal_data),
        AttributeValue::L(l) => l.iter().any(contains_personal_data),
        _ => false,
    }
}

/// A document as the documents function keeps it once its bytes are in the bucket: a `STORED`
/// record naming the key, so the function's `ObjectCreated` handling recognises the object and
/// keeps it (an object without a record is deleted as unknown).
fn stored_document(ticket: &str, id: &str, slot: &str, key: &str) -> Document {
    let now = OffsetDateTime::now_utc();
    Document {
        ticket: TicketId::parse(ticket).unwrap(),
        document_id: id.into(),
        slot: slot.into(),
        state: DocumentState::Stored,
        source: if slot == RESULT_SLOT {
            DocumentSource::Officer {
                officer: "officer-1".into(),
                filename: Some("kk-siti-aminah.pdf".into()),
            }
        } else {
            DocumentSource::WhatsApp {
                wamid: format!("wamid.{id}"),
                media_id: format!("media-{id}"),
                mime_type: "image/jpeg".into(),
                sha256: "c2Nhbg==".into(),
                filename: None,
                caption: Some("tolong dicek".into()),
            }
        },
        key: Some(key.into()),
        content_type: Some("image/jpeg".into()),
        size: Some(4),
        sha256: Some("c2Nhbg==".into()),
        version_id: None,
        attempts: 1,
        failure: None,
        created_at: now,
        updated_at: now,
    }
}

/// Every object version and delete marker in the bucket, as `key` / `marker:key`.
async fn bucket_contents(h: &Harness) -> Vec<String> {
    let listing =
        h.s3.list_object_versions()
            .bucket(h.bucket())
            .send()
            .await
            .unwrap();
    let versions = listing
        .versions()
        .iter()
        .filter_map(|v| v.key())
        .map(str::to_owned);
    let markers = listing
        .delete_markers()
        .iter()
        .filter_map(|m| m.key())
        .map(|k| format!("marker:{k}"));
    versions.chain(markers).collect()
}

/// The object erasure items (`ERASE#…`), once every one of them is `DONE`.
async fn object_erasures_done(h: &Harness) -> Option<Vec<HashMap<String, AttributeValue>>> {
    let items = h.items_with_pk_prefix("ERASE#").await;
    let done = !items.is_empty()
        && items.iter().all(|i| {
            i.get("erasure_state")
                .and_then(|s| s.as_s().ok())
                .map(String::as_str)
                == Some("DONE")
        });
    done.then_some(items)
}

#[tokio::test]
async fn export_then_erase_leaves_no_personal_data_of_the_resident() {
    // Events on, as deployed: the documents function sees every seeded object, and the purge
    // after erasure comes through the local stack's delivery of the table's stream.
    let h = Harness::start().await;
    let officer = h.token("officer-1", "petugas", "*").await;
    let boss = h.token("boss", "supervisor", "*").await;
    seed(&h, "ERAS-2345", ServiceCode::KkNew).await;
    seed(&h, "ERAS-2346", ServiceCode::Complaint).await;
    // Someone else's request stays untouched.
    let mut other = submitted(
        "KEEP-2345",
        ServiceCode::KkNew,
        "170804",
        OffsetDateTime::now_utc(),
    );
    other.resident = ResidentId::Phone("6289999999999".into());
    h.store().create_request(&other).await.unwrap();
    action(
        &h,
        &officer,
        "ERAS-2345",
        json!({"action": "claim", "expected_version": 1}),
    )
    .await;
    action(
        &h,
        &officer,
        "ERAS-2345",
        json!({"action": "reject", "expected_version": 2, "reason": "tolong kirim ulang"}),
    )
    .await;
    call(
        &h,
        "POST",
        "/requests/ERAS-2346/messages",
        Some(&officer),
        Some(json!({"text": "tolong lengkapi"})),
    )
    .await;
    // The result last: its arrival is what the test waits for below.
    let documents = [
        ("ERAS-2346", "0d2", "ktp", "requests/ERAS-2346/0d2.jpg"),
        ("KEEP-2345", "0d3", "ktp", "requests/KEEP-2345/0d3.jpg"),
        ("ERAS-2345", "0d1", "ktp", "requests/ERAS-2345/0d1.jpg"),
        ("ERAS-2345", "0e1", RESULT_SLOT, "results/ERAS-2345/0e1.pdf"),
    ];
    for (ticket, id, slot, key) in documents {
        h.store()
            .create_document(&stored_document(ticket, id, slot, key))
            .await
            .unwrap();
        for _ in 0..2 {
            // Two versions each: erasure must remove every version.
            h.s3.put_object()
                .bucket(h.bucket())
                .key(key)
                .body(b"scan".to_vec().into())
                .send()
                .await
                .unwrap();
        }
    }
    // The documents function handled the result (ERAS-2345 is rejected, so it records that the
    // result was not delivered) and kept it; the scans, notified in the same or earlier polls,
    // were recognised and kept too. From here on only the erasure may remove an object.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let records = h
            .store()
            .ticket_records(&TicketId::parse("ERAS-2345").unwrap())
            .await
            .unwrap();
        if records
            .events
            .iter()
            .any(|e| e.action == "result_not_delivered")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the result object was never handled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        bucket_contents(&h).await.len(),
        8,
        "every seeded version kept"
    );

    let (status, export) = call(
        &h,
        "GET",
        &format!("/residents/wa:{PHONE}/export"),
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["requests"].as_array().unwrap().len(), 2);
    assert!(export.to_string().contains(NIK));
    assert!(export.to_string().contains("tolong lengkapi"));
    let (status, problem) = call(&h, "GET", "/residents/nobody/export", Some(&boss), None).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("resident")));

    let (status, erased) = call(
        &h,
        "POST",
        &format!("/residents/wa:{PHONE}/erase"),
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["erased_requests"], 2);
    let mut tickets: Vec<&str> = erased["erased_tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    tickets.sort_unstable();
    assert_eq!(tickets, ["ERAS-2345", "ERAS-2346"]);
    assert_eq!(erased["object_deletion"], "scheduled");
    let erasure_id = erased["erasure_id"].as_str().unwrap().to_owned();
    assert!(!erased.to_string().contains(PHONE));

    // The documents function purges the bucket from the stream: bounded wait for it.
    let deadline = Instant::now() + Duration::from_secs(15);
    let erasures = loop {
        if let Some(items) = object_erasures_done(&h).await
            && bucket_contents(&h)
                .await
                .iter()
                .all(|k| k.starts_with("requests/KEEP-2345/"))
        {
            break items;
        }
        assert!(
            Instant::now() < deadline,
            "objects not purged in 15 s: {:?}",
            bucket_contents(&h).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(erasures.len(), 2, "one object erasure per ticket");
    let mut purged = 0;
    for item in &erasures {
        assert_eq!(item["PK"].as_s().unwrap(), &format!("ERASE#{erasure_id}"));
        assert_eq!(item["entity"].as_s().unwrap(), "OBJECT_ERASURE");
        assert!(item.contains_key("expires_at"), "erasure items expire");
        purged += item["deleted_versions"]
            .as_n()
            .unwrap()
            .parse::<u64>()
            .unwrap();
    }
    assert_eq!(
        purged, 6,
        "the purge, not anything else, deleted the six versions"
    );

    let mut remaining_events = 0;
    for item in h.items().await {
        let pk = item["PK"].as_s().unwrap().clone();
        if pk == "REQ#KEEP-2345" {
            continue;
        }
        assert!(
            !item.values().any(contains_personal_data),
            "personal data left in {pk} {:?}",
            item.get("SK")
        );
        if pk.starts_with("REQ#ERAS") {
            assert!(
                item["SK"].as_s().unwrap().starts_with("EVT#"),
                "only audit events stay: {pk}"
            );
            remaining_events += 1;
        }
    }
    assert!(remaining_events >= 4, "audit events keep ids");
    assert_eq!(
        bucket_contents(&h).await,
        ["requests/KEEP-2345/0d3.jpg", "requests/KEEP-2345/0d3.jpg"],
        "someone else's versions stay; no delete marker anywhere"
    );
    assert!(
        h.store()
            .get_request(&TicketId::parse("KEEP-2345").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    // Nothing is left to export.
    let (_, export) = call(
        &h,
        "GET",
        &format!("/residents/wa:{PHONE}/export"),
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(export["requests"], json!([]));
}

#[tokio::test]
async fn officers_read_the_office_its_kecamatan_and_service_points() {
    let h = Harness::start_without_events().await;
    let officer = h.token("officer-1", "petugas", "170804").await;
    let (status, office) = call(&h, "GET", "/office", Some(&officer), None).await;
    assert_eq!(status, 200, "{office}");
    assert_eq!(office["region_code"], "1708");
    assert_eq!(office["name"], "Disdukcapil Kabupaten Kepahiang");
    let kecamatan = office["kecamatan"].as_array().unwrap();
    assert_eq!(kecamatan.len(), 8, "{office}");
    assert_eq!(kecamatan[3], json!({"code": "170804", "name": "Kepahiang"}));
    assert_eq!(office["service_points"], json!([]));
    let (status, _) = call(&h, "GET", "/office", None, None).await;
    assert_eq!(status, 401);

    // Another office: its region, its profile, its service point with the kecamatan it serves.
    let profile = r#"{"name": "Disdukcapil Kabupaten Bogor", "address": "Cibinong",
        "hours": "Senin-Jumat 08.00-15.00", "service_points": [{"name": "MPP Cibinong",
        "address": "Cibinong City Mall", "hours": "Sabtu", "kecamatan": ["320101"]}]}"#;
    let bogor =
        Harness::start_with_env(&[("OFFICE_REGION_CODE", "3201"), ("OFFICE_PROFILE", profile)])
            .await;
    let officer = bogor.token("officer-1", "petugas", "*").await;
    let (status, office) = call(&bogor, "GET", "/office", Some(&officer), None).await;
    assert_eq!(status, 200, "{office}");
    assert_eq!(office["name"], "Disdukcapil Kabupaten Bogor");
    assert_eq!(office["kecamatan"].as_array().unwrap().len(), 40);
    assert_eq!(office["service_points"][0]["name"], "MPP Cibinong");
    assert_eq!(
        office["service_points"][0]["kecamatan"][0]["code"],
        "320101"
    );
    assert!(
        office["service_points"][0]["kecamatan"][0]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{office}"
    );
}
