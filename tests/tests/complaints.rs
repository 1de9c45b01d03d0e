//! A complaint held to its SP4N-LAPOR! deadlines through the local stack, on the movable clock:
//! told to the resident when filed, flagged in the officers' queue as each approaches and
//! passes, escalated by the resident once the answer is late, counted in the statistics.

mod story_support;

use integration_tests::{Harness, Resident};
use serde_json::{Value, json};
use story_support::*;
use time::macros::{format_description, offset, time};
use time::{Date, Duration};

async fn get(h: &Harness, token: &str, path: &str) -> Value {
    let response = h
        .http
        .get(h.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The tickets of a queue page.
async fn queue(h: &Harness, token: &str, query: &str) -> Vec<String> {
    get(h, token, &format!("/requests?{query}")).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ticket"].as_str().unwrap().to_owned())
        .collect()
}

fn date(value: &Value) -> Date {
    Date::parse(
        value.as_str().unwrap(),
        format_description!("[year]-[month]-[day]"),
    )
    .unwrap()
}

/// Moves the stack's clock to `day` at 09:00 in Jakarta.
async fn move_to(h: &Harness, day: Date) {
    let target = day.with_time(time!(09:00)).assume_offset(offset!(+7));
    let by = target - h.now();
    assert!(by > Duration::ZERO, "the clock only moves forward");
    h.advance_clock(by).await;
}

fn states(deadlines: &Value) -> Vec<String> {
    deadlines["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["state"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_complaint_crosses_each_deadline_on_the_moving_clock() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200000701");
    let officer = Officer::new(&h).await;
    let supervisor = h.token("spv-1", "supervisor", "*").await;

    siti.text("menu").await;
    siti.choose("svc:COMPLAINT").await;
    let opened = siti
        .text("sudah 3 bulan KTP saya belum jadi, tolong dibantu")
        .await;
    let ticket = ticket_in(&opened);
    let detail = officer.detail(ticket).await;
    let (handle_by, answer_by, close_by) = (
        date(&detail["complaint"]["handle_by"]),
        date(&detail["complaint"]["answer_by"]),
        date(&detail["complaint"]["close_by"]),
    );
    assert!(handle_by < answer_by && answer_by < close_by, "{detail}");
    assert_eq!(detail["due_date"], detail["complaint"]["close_by"]);
    let said = |d: Date| format!("{} {} {}", d.day(), indonesian_month(d), d.year());
    for due in [handle_by, answer_by, close_by] {
        assert!(opened.contains(&said(due)), "{}: {opened}", said(due));
    }
    assert_eq!(detail["complaint_deadlines"]["flag"], "pending", "{detail}");
    let t = ticket.as_str().to_owned();
    assert!(
        queue(&h, &officer.token, "deadline=due_soon")
            .await
            .is_empty()
    );

    // The day handling is due: flagged "due soon".
    move_to(&h, handle_by).await;
    assert_eq!(
        queue(&h, &officer.token, "deadline=due_soon").await,
        vec![t.clone()]
    );
    assert!(
        queue(&h, &officer.token, "deadline=missed")
            .await
            .is_empty()
    );

    // The next day, unclaimed: missed.
    move_to(&h, handle_by.next_day().unwrap()).await;
    assert_eq!(
        queue(&h, &officer.token, "deadline=missed").await,
        vec![t.clone()]
    );
    let detail = officer.detail(ticket).await;
    assert_eq!(states(&detail["complaint_deadlines"])[0], "missed");

    // Claimed late: handling "met late"; the flag is the next deadline's.
    officer.act(ticket, json!({"action": "claim"})).await;
    let detail = officer.detail(ticket).await;
    assert_eq!(states(&detail["complaint_deadlines"])[0], "met_late");
    assert_ne!(detail["complaint_deadlines"]["flag"], "missed");
    let items = get(
        &h,
        &officer.token,
        "/requests?status=IN_REVIEW&service=COMPLAINT",
    )
    .await;
    assert_eq!(
        items["items"][0]["complaint_deadlines"]["deadlines"][0]["state"],
        "met_late"
    );

    // After the answer deadline, still unanswered: the resident's message goes to the
    // complaint and escalation is offered; pressing it flags the complaint to supervisors.
    move_to(&h, answer_by.next_day().unwrap()).await;
    let replies = siti.text("pak kok belum ada jawaban??").await;
    assert!(
        replies.contains("belum dijawab sampai batas waktunya"),
        "{replies}"
    );
    assert!(
        queue(&h, &supervisor, "status=IN_REVIEW&escalated=true")
            .await
            .is_empty(),
        "offered, not done on a guess"
    );
    let escalated = siti.press(&format!("esc:{t}")).await;
    assert!(
        escalated.contains("sudah kami teruskan kepada pimpinan"),
        "{escalated}"
    );
    assert_eq!(
        queue(&h, &supervisor, "status=IN_REVIEW&escalated=true").await,
        vec![t.clone()]
    );
    let again = siti.press(&format!("esc:{t}")).await;
    assert!(again.contains("sudah diteruskan"), "{again}");

    // Answered late, closed on time.
    officer
        .write(ticket, "Mohon maaf, KTP-el Bapak/Ibu sudah dicetak.")
        .await;
    officer.act(ticket, json!({"action": "complete"})).await;
    let detail = officer.detail(ticket).await;
    assert_eq!(
        states(&detail["complaint_deadlines"]),
        ["met_late", "met_late", "met"],
        "{detail}"
    );
    assert!(detail["complaint"]["escalated_at"].is_string(), "{detail}");

    let today = h.now().to_offset(offset!(+7)).date();
    let stats = get(
        &h,
        &supervisor,
        &format!("/stats?from={}&to={today}", today - Duration::days(30)),
    )
    .await;
    let complaints = &stats["complaints"];
    assert_eq!(complaints["filed"], 1, "{stats}");
    assert_eq!(complaints["handled"]["late"], 1, "{stats}");
    assert_eq!(complaints["answered"]["late"], 1, "{stats}");
    assert_eq!(complaints["answered"]["on_time_share"], 0.0, "{stats}");
    assert_eq!(complaints["closed"]["on_time"], 1, "{stats}");
    assert_eq!(complaints["escalated"], 1, "{stats}");
    assert!(
        complaints["first_answer_hours_median"].as_f64().unwrap() > 24.0,
        "{stats}"
    );
}

fn indonesian_month(d: Date) -> &'static str {
    [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ][usize::from(u8::from(d.month())) - 1]
}
