//! The first event each binary receives: a real request of the kind the function serves, which
//! reaches the emulator (and, for the webhook, the fake Graph API), built the way API Gateway
//! (HTTP API, payload format 2.0) builds it.

use domain::{Applicant, Nik, Request, RequestStatus, ResidentId, ServiceCode, TicketId};
use local_stack::authorizer::TokenAuthority;
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use std::collections::{BTreeMap, HashMap};

/// Officer requests are made as this (regency-wide) petugas.
const OFFICER: &str = "officer-cold-start";
/// A valid NIK of the local regency (the one the integration tests use).
const NIK: &str = "1708014508900001";
/// Requests seeded for the officers' queue.
const QUEUE_TICKETS: [&str; 5] = [
    "BNCH-AAAA",
    "BNCH-AAAB",
    "BNCH-AAAC",
    "BNCH-AAAD",
    "BNCH-AAAE",
];
/// The request officers upload documents to.
const UPLOAD_TICKET: &str = "BNCH-AAAF";

/// An HTTP API v2 request, as API Gateway sends it to a Lambda.
pub struct HttpEvent<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub route_key: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub path_parameters: &'a [(&'a str, &'a str)],
    pub body: Option<&'a str>,
    /// JWT authorizer claims, flattened to strings as API Gateway passes them.
    pub claims: Option<HashMap<String, String>>,
}

impl HttpEvent<'_> {
    pub fn to_json(&self, request_number: u64) -> Value {
        let now = time::OffsetDateTime::now_utc();
        let headers: BTreeMap<String, String> = self
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
            .collect();
        let mut context = json!({
            "accountId": "000000000000",
            "apiId": "coldstart",
            "domainName": "coldstart.execute-api.ap-southeast-3.amazonaws.com",
            "domainPrefix": "coldstart",
            "http": {
                "method": self.method,
                "path": self.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": format!("cold-start-{request_number}"),
            "routeKey": self.route_key,
            "stage": "$default",
            "time": now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default(),
            "timeEpoch": now.unix_timestamp() * 1000,
        });
        if let Some(claims) = &self.claims {
            context["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
        }
        let mut event = json!({
            "version": "2.0",
            "routeKey": self.route_key,
            "rawPath": self.path,
            "rawQueryString": "",
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": false,
        });
        if !self.path_parameters.is_empty() {
            let params: BTreeMap<&str, &str> = self.path_parameters.iter().copied().collect();
            event["pathParameters"] = json!(params);
        }
        if let Some(body) = self.body {
            event["body"] = json!(body);
        }
        event
    }
}

/// The claims API Gateway's JWT authorizer hands a Lambda for a regency-wide petugas: a token
/// issued and verified by the local stack's authorizer stand-in.
pub fn officer_claims() -> HashMap<String, String> {
    let authority = TokenAuthority::new(local_stack::LOCAL_JWT_SECRET.as_bytes());
    let token = authority
        .issue(&local_stack::authorizer::TokenRequest {
            subject: OFFICER.to_owned(),
            groups: vec!["petugas".to_owned()],
            name: Some("Petugas Uji".to_owned()),
            email: None,
            kecamatan: Some("*".to_owned()),
            token_use: local_stack::authorizer::TokenUse::Id,
        })
        .expect("the local authority issues tokens");
    authority
        .verify(Some(&format!("Bearer {token}")), &[])
        .expect("its own token verifies")
}

/// `GET /hello` for the hello-world baseline.
pub fn hello(n: u64) -> Value {
    HttpEvent {
        method: "GET",
        path: "/hello",
        route_key: "GET /hello",
        headers: &[("user-agent", "cold-start")],
        path_parameters: &[],
        body: None,
        claims: None,
    }
    .to_json(n)
}

/// A signed `POST /webhook` carrying the fixture's text message, from a sender never seen before
/// and with a wamid never seen before: a first message, not a duplicate.
pub fn webhook(fixture: &Value, app_secret: &str, n: u64) -> Value {
    let phone = format!("62899{:08}", n);
    let mut body = fixture.clone();
    let value = &mut body["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(phone);
    let message = &mut value["messages"][0];
    message["from"] = json!(phone);
    message["id"] = json!(format!("wamid.COLDSTART{n:010}"));
    message["timestamp"] = json!(time::OffsetDateTime::now_utc().unix_timestamp().to_string());
    let raw = body.to_string();
    let signature = webhook::signature::sign(app_secret.as_bytes(), raw.as_bytes());
    HttpEvent {
        method: "POST",
        path: "/webhook",
        route_key: "POST /webhook",
        headers: &[
            ("content-type", "application/json"),
            ("user-agent", "facebookexternalua"),
            ("x-hub-signature-256", &signature),
        ],
        path_parameters: &[],
        body: Some(&raw),
        claims: None,
    }
    .to_json(n)
}

/// `GET /requests` (the submitted queue) by an officer.
pub fn status(claims: &HashMap<String, String>, n: u64) -> Value {
    HttpEvent {
        method: "GET",
        path: "/requests",
        route_key: "GET /requests",
        headers: &[
            ("user-agent", "cold-start"),
            ("authorization", "Bearer (verified by API Gateway)"),
        ],
        path_parameters: &[],
        body: None,
        claims: Some(claims.clone()),
    }
    .to_json(n)
}

/// `POST /requests/{ticket}/documents` by an officer: reads the request, records the pending
/// upload and returns a presigned PUT.
pub fn documents(claims: &HashMap<String, String>, n: u64) -> Value {
    let slot = domain::service(ServiceCode::KkAddMember)
        .required_slots()
        .next()
        .expect("the service has a required slot")
        .id;
    let body = json!({
        "slot": slot,
        "content_type": "application/pdf",
        "content_length": 123_456,
        "filename": "scan.pdf",
    })
    .to_string();
    let path = format!("/requests/{UPLOAD_TICKET}/documents");
    HttpEvent {
        method: "POST",
        path: &path,
        route_key: "POST /requests/{ticket}/documents",
        headers: &[
            ("content-type", "application/json"),
            ("user-agent", "cold-start"),
            ("authorization", "Bearer (verified by API Gateway)"),
        ],
        path_parameters: &[("ticket", UPLOAD_TICKET)],
        body: Some(&body),
        claims: Some(claims.clone()),
    }
    .to_json(n)
}

/// The requests the officer events read: a short submitted queue and the upload's request.
pub async fn seed(store: &shared::store::DynamoStore) -> Result<(), String> {
    let now = time::OffsetDateTime::now_utc();
    for ticket in QUEUE_TICKETS.iter().chain([&UPLOAD_TICKET]) {
        let ticket = TicketId::parse(ticket).map_err(|e| format!("{ticket}: {e}"))?;
        let mut request = Request::open(
            ticket,
            ServiceCode::KkAddMember,
            ResidentId::Phone("6281234567890".into()),
            now,
        );
        request.status = RequestStatus::Submitted;
        request.submitted_at = Some(now);
        request.due_date = Some(now.date() + time::Duration::days(7));
        request.applicant = Some(Applicant {
            name: "Siti Aminah".into(),
            nik: Nik::parse(NIK, now.date()).map_err(|e| format!("NIK: {e}"))?,
            kecamatan: Some("170804".into()),
        });
        store
            .create_request(&request)
            .await
            .map_err(|e| format!("seeding {}: {e}", request.ticket.as_str()))?;
    }
    Ok(())
}
