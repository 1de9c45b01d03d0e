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
    // As the message catalog writes a date ("8 Desember 2026").
    let said = domain::messages::date;
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

/// An `application/x-www-form-urlencoded` body (SNS's query protocol).
fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A queue of the emulator subscribed to the digest topic, read over moto's HTTP API as a
/// supervisor's mailbox would be.
struct Mailbox<'h> {
    h: &'h Harness,
    queue_url: String,
}

impl<'h> Mailbox<'h> {
    fn auth(service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=test/20261203/ap-southeast-3/{service}/aws4_request, SignedHeaders=host, Signature=0"
        )
    }

    async fn sqs(&self, target: &str, body: Value) -> Value {
        let response = self
            .h
            .http
            .post(&self.h.stack.config.emulator_url)
            .header("authorization", Self::auth("sqs"))
            .header("x-amz-target", format!("AmazonSQS.{target}"))
            .header("content-type", "application/x-amz-json-1.0")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{target}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn subscribe(h: &'h Harness) -> Self {
        let name = format!("digest-{}", h.table());
        let mut mailbox = Mailbox {
            h,
            queue_url: String::new(),
        };
        let created = mailbox
            .sqs("CreateQueue", json!({ "QueueName": name }))
            .await;
        mailbox.queue_url = created["QueueUrl"].as_str().unwrap().to_owned();
        let topic = &h.stack.topics["ComplaintDigestTopic"];
        let endpoint = format!("arn:aws:sqs:ap-southeast-3:123456789012:{name}");
        let response = h
            .http
            .post(&h.stack.config.emulator_url)
            .header("authorization", Self::auth("sns"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("Action", "Subscribe"),
                ("Version", "2010-03-31"),
                ("TopicArn", topic.as_str()),
                ("Protocol", "sqs"),
                ("Endpoint", endpoint.as_str()),
            ]))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "Subscribe: {}",
            response.status()
        );
        mailbox
    }

    /// The (subject, body) of the e-mails received since the last call.
    async fn take(&self) -> Vec<(String, String)> {
        let received = self
            .sqs(
                "ReceiveMessage",
                json!({ "QueueUrl": self.queue_url, "MaxNumberOfMessages": 10 }),
            )
            .await;
        let mut mails = Vec::new();
        for message in received["Messages"].as_array().cloned().unwrap_or_default() {
            let envelope: Value = serde_json::from_str(message["Body"].as_str().unwrap()).unwrap();
            mails.push((
                envelope["Subject"].as_str().unwrap_or_default().to_owned(),
                envelope["Message"].as_str().unwrap_or_default().to_owned(),
            ));
            self.sqs(
                "DeleteMessage",
                json!({ "QueueUrl": self.queue_url, "ReceiptHandle": message["ReceiptHandle"] }),
            )
            .await;
        }
        mails
    }

    /// Waits for the next e-mail (the schedule runs in the background when the clock moves).
    async fn next(&self) -> (String, String) {
        for _ in 0..100 {
            if let Some(mail) = self.take().await.into_iter().next() {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no digest e-mail within 10 s");
    }
}

/// The supervisors' digest runs on its daily schedule when the stack's clock passes 08:00 WIB
/// of a working day: it lists the complaint past its deadline and the escalated one by ticket,
/// with no resident data, once a day however often it is invoked.
#[tokio::test]
async fn supervisors_get_one_digest_a_day_of_complaints_past_a_deadline() {
    let h = Harness::start().await;
    let mailbox = Mailbox::subscribe(&h).await;
    let siti = Resident::new(&h, "6281200000702");
    siti.text("menu").await;
    siti.choose("svc:COMPLAINT").await;
    let opened = siti
        .text("petugas di loket meminta uang, nama saya Siti")
        .await;
    let ticket = ticket_in(&opened);
    let officer = Officer::new(&h).await;
    let detail = officer.detail(ticket).await;
    let handle_by = date(&detail["complaint"]["handle_by"]);

    // Two working days on: past handling (the clock passes at least one 08:00 of a working day).
    let mut day = handle_by.next_day().unwrap();
    while matches!(
        day.weekday(),
        time::Weekday::Saturday | time::Weekday::Sunday
    ) {
        day = day.next_day().unwrap();
    }
    move_to(&h, day).await;
    let (subject, body) = mailbox.next().await;
    assert!(
        subject.contains("1 aduan melewati batas waktu"),
        "{subject}"
    );
    assert!(body.contains(ticket.as_str()), "{body}");
    assert!(body.contains("belum ditindaklanjuti"), "{body}");
    for private in ["6281200000702", "Siti", "uang"] {
        assert!(
            !body.contains(private) && !subject.contains(private),
            "{private}: {body}"
        );
    }

    // Invoked again the same day (EventBridge may, and a retry does): nothing more is sent.
    let report = documents::invoke(
        &h.stack.gateway.functions.documents,
        json!({"task": "complaint_digest"}),
    )
    .await
    .unwrap();
    assert_eq!(report["sent"], false, "{report}");
    assert_eq!(report["skipped"], "already_taken", "{report}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mailbox.take().await.is_empty(), "one digest a day");
}

/// The digest is published under the documents role's `ComplaintDigest` grant; without it the
/// local IAM refuses the Publish as SNS does (AuthorizationError), and the run fails for
/// EventBridge to retry rather than pretend it sent.
#[tokio::test]
async fn the_digest_publishes_only_under_its_grant() {
    let template =
        std::fs::read_to_string(local_stack::StackConfig::repo_template()).expect("template.yaml");
    let grant = "            - Sid: ComplaintDigest\n              Effect: Allow\n              Action: sns:Publish\n              Resource: !Ref ComplaintDigestTopic\n";
    assert!(
        template.contains(grant),
        "the grant moved; update this test"
    );
    let dir = std::env::temp_dir().join(format!("digest-iam-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("template.yaml");
    std::fs::write(&path, template.replace(grant, "")).expect("write template");

    for (h, granted) in [
        (Harness::start().await, true),
        (Harness::start_with_template(path).await, false),
    ] {
        let siti = Resident::new(&h, "6281200000703");
        siti.text("menu").await;
        siti.choose("svc:COMPLAINT").await;
        siti.text("loket tutup jam 10 pagi").await;
        h.advance_clock(Duration::days(8)).await;
        let result = documents::invoke(
            &h.stack.gateway.functions.documents,
            json!({"task": "complaint_digest"}),
        )
        .await;
        let used = h.stack.roles.used();
        let denied = h.stack.roles.denied();
        if granted {
            // Sent by this call or by the schedule the clock move woke.
            assert!(result.is_ok(), "{result:?}");
            assert!(
                used.keys().any(|k| k.ends_with("/ComplaintDigest")),
                "{used:?}"
            );
        } else {
            let published = denied.iter().any(|m| m.contains("sns:Publish"));
            assert!(published, "{denied:?}");
            if let Ok(report) = &result {
                // The schedule took the day first and failed; this call found it taken.
                assert_eq!(report["skipped"], "already_taken", "{report}");
            }
        }
    }
}
