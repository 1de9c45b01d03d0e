//! The webhook's CPU path per message, without I/O: signature check over the raw body, envelope
//! parsing, mapping to the engine's input, and one engine step. Target: under 50 µs for a typical
//! text message (issue #3). Run: `cargo bench -p webhook --bench cpu_path`.

use criterion::{Criterion, criterion_group, criterion_main};
use domain::ResidentId;
use domain::conversation::{self, Conversation, Facts, Input, Step};
use domain::region::Region;
use std::hint::black_box;
use time::macros::datetime;
use webhook::envelope::{self, MessagesValue};
use webhook::{inbound, signature};

const TEXT: &[u8] = include_bytes!("../../../tests/fixtures/whatsapp/text.json");

fn cpu_path(c: &mut Criterion) {
    let secret = b"local-app-secret";
    let header = signature::sign(secret, TEXT);
    let office = domain::office::Office::default();
    let region = Region::load("1708").expect("bundled region"); // ok: the bundled fixture and region always parse
    let now = datetime!(2026-11-28 02:00 UTC);
    let state = Conversation {
        resident: ResidentId::Phone("6281234567890".into()),
        version: 7,
        step: Step::MainMenu,
        last_inbound_at: datetime!(2026-11-28 01:55 UTC),
        draft: None,
        window_closed_at: None,
        privacy_consent: None,
        unplaced: None,
    };
    // What the webhook loads for a text at the main menu: the resident's requests (none wait).
    let facts = Facts {
        resident_requests: Some(Vec::new()),
        ..Facts::default()
    };
    c.bench_function("webhook text message: verify + parse + engine step", |b| {
        b.iter(|| {
            signature::verify(secret, black_box(TEXT), Some(&header)).expect("signed"); // ok: the bundled fixture and region always parse
            let envelope = envelope::parse(black_box(TEXT)).expect("envelope"); // ok: the bundled fixture and region always parse
            for change in &envelope.entry[0].changes {
                let value: MessagesValue =
                    serde_json::from_value(change.value.clone()).expect("value"); // ok: the bundled fixture and region always parse
                for message in &value.messages {
                    let resident = inbound::sender(message).expect("sender"); // ok: the bundled fixture and region always parse
                    let inbound = inbound::inbound(message);
                    let input = Input {
                        inbound: &inbound,
                        wamid: &message.id,
                        quoted: None,
                        now,
                        display_name: Some("Siti Aminah"),
                        entropy: 42,
                        region: &region,
                        office: &office,
                        holidays: &[],
                        idle_expiry: time::Duration::hours(24),
                    };
                    let outcome = conversation::step(Some(&state), &resident, &input, &facts)
                        .expect("the main menu needs only the resident's requests"); // ok: the bundled fixture and region always parse
                    black_box(outcome);
                }
            }
        })
    });
}

criterion_group!(benches, cpu_path);
criterion_main!(benches);
