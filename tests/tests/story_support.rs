//! Helpers shared by the tests that follow a request through the local stack as a resident and
//! an officer would (threads, the multi-day lifecycle, the movable clock).
#![allow(dead_code)]

use domain::document::DocumentState;
use domain::{ServiceCode, TicketId};
use integration_tests::{Harness, Resident};
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use std::time::Duration;

pub const NIK: &str = "1708014508900001";

/// Ticket shown in a reply (`*XXXX-XXXX*`).
pub fn ticket_in(text: &str) -> TicketId {
    text.split('*')
        .find_map(|part| TicketId::parse(part).ok().filter(|_| part.len() == 9))
        .unwrap_or_else(|| panic!("no ticket in {text:?}"))
}

/// A registration service with two required slots.
pub fn two_slot_service() -> ServiceCode {
    domain::catalog::services()
        .iter()
        .find(|s| {
            s.kind == domain::ServiceKind::Registration
                && s.required_slots().count() >= 2
                && s.default_availability().is_available()
        })
        .expect("a two-slot service")
        .code
}

pub async fn register(resident: &Resident<'_>, code: ServiceCode) -> TicketId {
    let definition = domain::service(code);
    resident.text("menu").await;
    let opened = resident.choose(&format!("svc:{}", code.as_str())).await;
    let ticket = ticket_in(&opened);
    resident.text("Siti Aminah").await;
    resident.text(NIK).await;
    let mut asked = resident.choose("kec:170804").await;
    for field in definition.fields {
        asked = resident
            .text(&integration_tests::field_answer(field.kind))
            .await;
    }
    if definition.late_report_after_days.is_some() {
        assert!(asked.contains("tanggal"), "{asked}");
        resident.text("01-11-2026").await;
    }
    for _ in 0..definition.required_slots().count() {
        resident.photo().await;
    }
    let done = resident.press("submit").await;
    assert!(done.contains("sudah kami terima"), "{done}");
    ticket
}

pub struct Officer<'h> {
    pub h: &'h Harness,
    pub token: String,
}

impl<'h> Officer<'h> {
    pub async fn new(h: &'h Harness) -> Self {
        let token = h.token("officer-1", "petugas", "*").await;
        Self { h, token }
    }

    pub async fn detail(&self, ticket: TicketId) -> Value {
        let response = self
            .h
            .http
            .get(self.h.url(&format!("/requests/{}", ticket.as_str())))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn act(&self, ticket: TicketId, body: Value) -> Value {
        let version = self.detail(ticket).await["version"].clone();
        let mut body = body;
        body["expected_version"] = version;
        let response = self
            .h
            .http
            .post(
                self.h
                    .url(&format!("/requests/{}/actions", ticket.as_str())),
            )
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn write(&self, ticket: TicketId, text: &str) -> Value {
        let response = self
            .h
            .http
            .post(
                self.h
                    .url(&format!("/requests/{}/messages", ticket.as_str())),
            )
            .bearer_auth(&self.token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body
    }
}

/// Waits until every document of the ticket has left `PENDING_FETCH` (the documents function
/// reads the table's stream in the background).
pub async fn documents_settled(h: &Harness, ticket: TicketId) -> Vec<domain::document::Document> {
    for _ in 0..200 {
        let documents = h.store().documents_of(&ticket).await.unwrap();
        if documents
            .iter()
            .all(|d| d.state != DocumentState::PendingFetch)
        {
            return documents;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("documents of {} still pending", ticket.as_str());
}
