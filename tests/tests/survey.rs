//! The satisfaction survey (SKM) through the local stack: offered when an officer completes a
//! request inside the resident's 24-hour window (never outside it: no template carries it),
//! answered, declined and abandoned on WhatsApp, and reported as the index and the office's CSV
//! tabulation.

mod story_support;

use integration_tests::{Harness, Resident};
use serde_json::{Value, json};
use story_support::*;
use time::Duration;

/// The button ids of the messages sent to `phone` since `from` (outbox index).
fn buttons_since(h: &Harness, phone: &str, from: usize) -> Vec<String> {
    h.stack.whatsapp.outbox()[from..]
        .iter()
        .filter(|m| m.to.as_deref() == Some(phone))
        .flat_map(|m| {
            m.body["interactive"]["action"]["buttons"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|b| b["reply"]["id"].as_str().map(str::to_owned))
        .collect()
}

/// A complaint filed by `resident`, claimed and completed by an officer; returns its ticket and
/// the outbox position before the completion.
async fn completed_complaint(
    h: &Harness,
    resident: &Resident<'_>,
    officer: &Officer<'_>,
) -> (domain::TicketId, usize) {
    resident.text("menu").await;
    resident.choose("svc:COMPLAINT").await;
    let opened = resident
        .text("jam buka loket tidak sesuai pengumuman")
        .await;
    let ticket = ticket_in(&opened);
    officer.act(ticket, json!({"action": "claim"})).await;
    let before = h.stack.whatsapp.outbox().len();
    officer.act(ticket, json!({"action": "complete"})).await;
    (ticket, before)
}

async fn get(h: &Harness, token: &str, path: &str) -> reqwest::Response {
    h.http
        .get(h.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_survey_is_offered_at_completion_answered_and_reported() {
    let h = Harness::start().await;
    let officer = Officer::new(&h).await;

    // Answered: taps and typed numbers, facilities "not applicable", a comment.
    let siti = Resident::new(&h, "6281200000801");
    let (ticket, before) = completed_complaint(&h, &siti, &officer).await;
    let t = ticket.as_str().to_owned();
    assert_eq!(
        buttons_since(&h, &siti.phone, before),
        vec![format!("skm:{t}"), format!("skmno:{t}")]
    );
    assert_eq!(officer.detail(ticket).await["survey"]["state"], "OFFERED");
    let first = siti.press(&format!("skm:{t}")).await;
    assert!(first.contains("Survei kepuasan (1/9)"), "{first}");
    for answer in ["3", "4", "3", "4", "3", "4", "4", "2"] {
        siti.text(answer).await;
    }
    let last = siti.choose("skmv:0").await;
    assert!(last.contains("saran atau komentar"), "{last}");
    let thanks = siti.text("Terima kasih, pelayanannya cepat").await;
    assert!(thanks.contains("Terima kasih atas penilaian"), "{thanks}");
    let detail = officer.detail(ticket).await;
    assert_eq!(detail["survey"]["state"], "ANSWERED", "{detail}");
    assert_eq!(
        detail["survey"]["scores"],
        json!([3, 4, 3, 4, 3, 4, 4, 2, null])
    );

    // Declined.
    let budi = Resident::new(&h, "6281200000802");
    let (declined, _) = completed_complaint(&h, &budi, &officer).await;
    let reply = budi.press(&format!("skmno:{}", declined.as_str())).await;
    assert!(reply.contains("Baik, terima kasih"), "{reply}");
    assert_eq!(
        officer.detail(declined).await["survey"]["state"],
        "DECLINED"
    );

    // Abandoned after two answers: still only offered, no scores.
    let rina = Resident::new(&h, "6281200000803");
    let (abandoned, _) = completed_complaint(&h, &rina, &officer).await;
    rina.press(&format!("skm:{}", abandoned.as_str())).await;
    rina.text("4").await;
    rina.text("4").await;
    let detail = officer.detail(abandoned).await;
    assert_eq!(detail["survey"]["state"], "OFFERED");
    assert!(detail["survey"].get("scores").is_none(), "{detail}");

    let stats: Value = get(&h, &officer.token, "/stats")
        .await
        .json()
        .await
        .unwrap();
    let survey = &stats["survey"];
    assert_eq!(survey["offered"], 3, "{stats}");
    assert_eq!(survey["declined"], 1, "{stats}");
    assert_eq!(survey["respondents"], 1, "{stats}");
    // (3+4+3+4+3+4+4+2) / 8 × 25 = 84.38: facilities not counted.
    assert_eq!(survey["ikm"], 84.38, "{stats}");
    assert_eq!(survey["grade"], "B", "{stats}");

    let response = get(&h, &officer.token, "/stats/survey").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.unwrap();
    assert!(
        csv.starts_with("No,Layanan,Tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9\r\n"),
        "{csv}"
    );
    assert!(csv.contains(",3,4,3,4,3,4,4,2,\r\n"), "{csv}");
    assert!(
        csv.contains("\"IKM unit pelayanan (x 25)\",,,84.38"),
        "{csv}"
    );
    for private in [t.as_str(), "6281200000801", "pelayanannya cepat"] {
        assert!(!csv.contains(private), "{private}: {csv}");
    }
}

/// Completed more than 24 hours after the resident last wrote: no survey (it would need a paid
/// template, which it never uses).
#[tokio::test]
async fn no_survey_outside_the_24_hour_window() {
    let h = Harness::start().await;
    let officer = Officer::new(&h).await;
    let siti = Resident::new(&h, "6281200000804");
    siti.text("menu").await;
    siti.choose("svc:COMPLAINT").await;
    let ticket = ticket_in(&siti.text("antrean terlalu lama").await);
    officer.act(ticket, json!({"action": "claim"})).await;
    h.advance_clock(Duration::hours(25)).await;
    let before = h.stack.whatsapp.outbox().len();
    officer.act(ticket, json!({"action": "complete"})).await;
    assert!(buttons_since(&h, &siti.phone, before).is_empty());
    let detail = officer.detail(ticket).await;
    assert_eq!(detail["status"], "COMPLETED");
    assert!(detail.get("survey").is_none(), "{detail}");
}
