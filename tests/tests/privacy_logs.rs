//! SPEC 8: no NIK, phone number, name or message text in the logs in clear. A whole resident
//! scenario (registration with a scan, a complaint, a status check) and an officer reading the
//! request run with the handlers' logs captured at the production level, then the capture is
//! searched for every piece of personal data the scenario used.

use integration_tests::{Harness, Resident};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

const PHONE: &str = "6281299990001";
const NIK: &str = "1708014508900001";
const NAME: &str = "Kartini Wulandari";
const COMPLAINT: &str = "Petugas kelurahan meminta uang rahasia sekali";

// One thread: the local stack's server tasks run where the capturing subscriber is installed.
#[tokio::test(flavor = "current_thread")]
async fn a_full_scenario_logs_no_personal_data_in_clear() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::start().await;
    let resident = Resident::new(&h, PHONE);
    resident.text("halo").await;
    resident.choose("svc:LEGALIZATION").await;
    resident.text(NAME).await;
    resident.text("1708 0145 0890 9999 1").await; // invalid: logged as a failure?
    resident.text(NIK).await;
    resident.choose("kec:170804").await;
    for field in domain::service(domain::ServiceCode::Legalization).fields {
        resident
            .text(&integration_tests::field_answer(field.kind))
            .await;
    }
    for _ in 0..domain::service(domain::ServiceCode::Legalization)
        .required_slots()
        .count()
    {
        resident.photo().await;
    }
    let done = resident.press("submit").await;
    assert!(done.contains("sudah kami terima"), "{done}");
    resident.text("status").await;
    resident.text("menu").await;
    resident.choose("svc:COMPLAINT").await;
    resident.text(COMPLAINT).await;
    // Let the documents function fetch the scan (stream delivery every 200 ms).
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    let ticket = h
        .items_with_pk_prefix("REQ#")
        .await
        .iter()
        .find_map(|i| {
            i["PK"]
                .as_s()
                .ok()
                .map(|pk| pk.trim_start_matches("REQ#").to_owned())
        })
        .expect("a request");
    let token = h.token("officer-1", "petugas", "*").await;
    let detail = h
        .http
        .get(h.url(&format!("/requests/{ticket}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("message committed"),
        "the capture works: {logs}"
    );
    for secret in [PHONE, NIK, NAME, COMPLAINT, "Warga Uji"] {
        assert!(
            !logs.contains(secret),
            "{secret:?} found in the logs:\n{logs}"
        );
    }
    // The masked forms are what operators see.
    assert!(logs.contains("6281*****0001"), "masked resident in logs");
}
