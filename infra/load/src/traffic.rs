//! The simulated crowd: residents holding whole conversations (menu to submitted request, with
//! a photo per required document) and officers reading the queue at the same time. The webhook
//! is driven the way Meta drives it: signed POSTs, some delivered twice at once, and any answer
//! other than 200 retried with backoff (Meta keeps retrying for days; the run gives up after a
//! deadline and counts the message as lost).

use domain::ServiceCode;
use domain::catalog::{ServiceDefinition, ServiceKind, services};
use fake_whatsapp::FakeWhatsApp;
use integration_tests::{LOCAL_APP_SECRET, base64_sha256, jpeg_bytes, payloads};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Routes whose latency the report shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    Webhook,
    Queue,
    Detail,
    Stats,
}

impl Route {
    pub fn label(self) -> &'static str {
        match self {
            Route::Webhook => "POST /webhook",
            Route::Queue => "GET /requests",
            Route::Detail => "GET /requests/{ticket}",
            Route::Stats => "GET /stats",
        }
    }
}

/// One HTTP call as the client saw it.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub route: Route,
    /// 0 when no HTTP answer came (connection error, client timeout).
    pub status: u16,
    pub elapsed: Duration,
}

#[derive(Clone, Debug)]
pub struct TrafficPlan {
    pub residents: usize,
    /// Residents talking at the same moment.
    pub concurrency: usize,
    pub officers: usize,
    /// Every `n`th delivery is sent twice at once (0: never), as Meta sometimes does.
    pub duplicate_every: usize,
    /// How long one message is retried before it counts as lost.
    pub delivery_deadline: Duration,
    /// Distinguishes the wamids and phone numbers of two runs against one table.
    pub run_id: u32,
}

/// What one resident did.
#[derive(Clone, Debug)]
pub struct ResidentRun {
    pub phone: String,
    pub service: ServiceCode,
    /// Messages whose delivery was finally acknowledged with 200.
    pub accepted: Vec<String>,
    /// Messages still refused at the deadline.
    pub lost: Vec<String>,
    /// Of those accepted, how many were also delivered a second time concurrently.
    pub duplicated: usize,
}

#[derive(Default)]
pub struct Recorder {
    samples: Mutex<Vec<Sample>>,
}

impl Recorder {
    fn record(&self, route: Route, status: u16, started: Instant) {
        self.samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Sample {
                route,
                status,
                elapsed: started.elapsed(),
            });
    }

    pub fn samples(&self) -> Vec<Sample> {
        self.samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// One step of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Text(String),
    Choose(String),
    Press(String),
    Photo,
}

/// Registration services a resident can open with the default configuration, in catalog order.
pub fn registrations() -> Vec<&'static ServiceDefinition> {
    services()
        .iter()
        .filter(|d| d.kind == ServiceKind::Registration && d.code != ServiceCode::KtpNew)
        .collect()
}

/// The whole conversation of resident `n` applying for `service`: menu, category, service,
/// agreement to the privacy notice, name, NIK, kecamatan, (the service's questions), (event date), one photo per required document, submit, status.
pub fn script(service: &ServiceDefinition, n: usize) -> Vec<Step> {
    let mut steps = vec![
        Step::Text("halo".into()),
        Step::Choose(format!("cat:{}", service.category.as_str())),
        Step::Choose(format!("svc:{}", service.code.as_str())),
        // The privacy notice comes before the first personal data.
        Step::Press(format!("consent:{}", service.code.as_str())),
        Step::Text(name(n)),
        Step::Text(nik(n)),
        Step::Choose("kec:170804".into()),
    ];
    // The service's questions (a birth's child, the document and copies to legalise).
    for field in service.fields {
        steps.push(Step::Text(match field.kind {
            domain::catalog::FieldKind::Count { .. } => "2".into(),
            // One child per resident, so no birth is refused as the same child twice.
            domain::catalog::FieldKind::PersonName => format!("Putri {}", child_tag(n)),
            domain::catalog::FieldKind::Text => "akta kelahiran".into(),
        }));
    }
    if service.late_report_after_days.is_some() {
        steps.push(Step::Text("01-11-2026".into()));
    }
    steps.extend(std::iter::repeat_n(
        Step::Photo,
        service.required_slots().count(),
    ));
    steps.push(Step::Press("submit".into()));
    steps.push(Step::Text("status".into()));
    steps
}

/// A plausible name (letters only, as the conversation requires), varied per resident.
pub fn name(n: usize) -> String {
    const GIVEN: [&str; 8] = [
        "Siti", "Budi", "Ayu", "Rahmat", "Dewi", "Agus", "Nur", "Yanti",
    ];
    const FAMILY: [&str; 8] = [
        "Aminah",
        "Santoso",
        "Lestari",
        "Hidayat",
        "Purnama",
        "Saputra",
        "Wulandari",
        "Kurniawan",
    ];
    format!("{} {}", GIVEN[n % 8], FAMILY[(n / 8) % 8])
}

/// `n` in letters (names accept only letters): a distinct child's name per resident.
pub fn child_tag(mut n: usize) -> String {
    let mut out = String::from("A");
    loop {
        out.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return out;
        }
    }
}

/// A distinct, well-formed NIK of Kabupaten Kepahiang per resident (so no open-request guard
/// joins two residents).
pub fn nik(n: usize) -> String {
    format!("170801450890{:04}", n % 9_999 + 1)
}

pub fn phone(run_id: u32, n: usize) -> String {
    format!("6281{:01}{:08}", run_id % 10, n)
}

pub struct Driver {
    pub base_url: String,
    pub http: reqwest::Client,
    pub whatsapp: FakeWhatsApp,
    pub recorder: Arc<Recorder>,
    pub plan: TrafficPlan,
}

impl Driver {
    /// Delivers one webhook body as Meta does until it is acknowledged or the deadline passes.
    async fn deliver(&self, body: &[u8]) -> bool {
        let signature = webhook::signature::sign(LOCAL_APP_SECRET.as_bytes(), body);
        let deadline = Instant::now() + self.plan.delivery_deadline;
        let mut backoff = Duration::from_millis(200);
        loop {
            let started = Instant::now();
            let result = self
                .http
                .post(format!("{}/webhook", self.base_url))
                .header("content-type", "application/json")
                .header("x-hub-signature-256", &signature)
                .body(body.to_vec())
                .send()
                .await;
            let status = result.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
            self.recorder.record(Route::Webhook, status, started);
            if status == 200 {
                return true;
            }
            if Instant::now() + backoff > deadline {
                return false;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(4));
        }
    }

    /// One resident's whole conversation, each step after the previous one was acknowledged
    /// (a person reads the reply before answering).
    pub async fn resident(
        &self,
        n: usize,
        sequence: &std::sync::atomic::AtomicUsize,
    ) -> ResidentRun {
        let catalog = registrations();
        let service = catalog[n % catalog.len()];
        let phone = phone(self.plan.run_id, n);
        let mut run = ResidentRun {
            phone: phone.clone(),
            service: service.code,
            accepted: Vec::new(),
            lost: Vec::new(),
            duplicated: 0,
        };
        for (i, step) in script(service, n).into_iter().enumerate() {
            let wamid = format!("wamid.LOAD{}.{n}.{i}", self.plan.run_id);
            let body = match step {
                Step::Text(text) => payloads::text(&phone, &wamid, &text),
                Step::Choose(id) => payloads::list_reply(&phone, &wamid, &id),
                Step::Press(id) => payloads::button_reply(&phone, &wamid, &id),
                Step::Photo => {
                    let bytes = jpeg_bytes(u32::try_from(n * 64 + i).unwrap_or(u32::MAX));
                    let sha = base64_sha256(&bytes);
                    let media = self.whatsapp.register_media(bytes, "image/jpeg");
                    payloads::image(&phone, &wamid, &media, &sha)
                }
            };
            let k = sequence.fetch_add(1, Ordering::Relaxed) + 1;
            let twice =
                self.plan.duplicate_every > 0 && k.is_multiple_of(self.plan.duplicate_every);
            let ok = if twice {
                let (a, b) = futures::join!(self.deliver(&body), self.deliver(&body));
                a && b
            } else {
                self.deliver(&body).await
            };
            if ok {
                run.accepted.push(wamid);
                run.duplicated += usize::from(twice);
            } else {
                run.lost.push(wamid);
                // The resident would not go on without the reply.
                break;
            }
        }
        run
    }

    async fn get(&self, route: Route, path: &str, token: &str) -> Option<serde_json::Value> {
        let started = Instant::now();
        let result = self
            .http
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(token)
            .send()
            .await;
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.json().await.ok();
                self.recorder.record(route, status, started);
                body.filter(|_| status == 200)
            }
            Err(_) => {
                self.recorder.record(route, 0, started);
                None
            }
        }
    }

    /// An officer working the queue until `stop`: the queue, a few requests in it, the stats.
    pub async fn officer(&self, token: String, stop: Arc<AtomicBool>) -> u64 {
        let mut rounds = 0;
        while !stop.load(Ordering::Relaxed) {
            rounds += 1;
            let tickets: Vec<String> = self
                .get(Route::Queue, "/requests?limit=20", &token)
                .await
                .and_then(|page| {
                    page["items"].as_array().map(|items| {
                        items
                            .iter()
                            .filter_map(|i| i["ticket"].as_str().map(str::to_owned))
                            .take(3)
                            .collect()
                    })
                })
                .unwrap_or_default();
            for ticket in tickets {
                self.get(Route::Detail, &format!("/requests/{ticket}"), &token)
                    .await;
            }
            self.get(Route::Stats, "/stats", &token).await;
            // An officer reads what they opened.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        rounds
    }
}

/// Status codes seen per route.
pub fn status_counts(samples: &[Sample]) -> BTreeMap<(Route, u16), u64> {
    let mut counts = BTreeMap::new();
    for s in samples {
        *counts.entry((s.route, s.status)).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_ends_submitted_and_asks_for_each_document() {
        for (n, service) in registrations().into_iter().enumerate() {
            let steps = script(service, n);
            let photos = steps.iter().filter(|s| **s == Step::Photo).count();
            assert_eq!(photos, service.required_slots().count(), "{}", service.code);
            assert_eq!(
                steps[steps.len() - 2],
                Step::Press("submit".into()),
                "{}",
                service.code
            );
            let today = time::macros::date!(2026 - 11 - 28);
            assert!(domain::Nik::parse(&nik(n), today).is_ok(), "{}", nik(n));
            assert!(
                name(n).chars().all(|c| c.is_alphabetic() || c == ' '),
                "the conversation accepts only letters in a name"
            );
        }
    }

    #[test]
    fn residents_of_one_run_have_distinct_numbers_and_niks() {
        let phones: std::collections::HashSet<_> = (0..500).map(|n| phone(3, n)).collect();
        let niks: std::collections::HashSet<_> = (0..500).map(nik).collect();
        assert_eq!(phones.len(), 500);
        assert_eq!(niks.len(), 500);
    }
}
