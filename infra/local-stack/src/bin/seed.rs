//! `seed <ticket> <phone> [service]`: stores one request as the webhook leaves it once a resident
//! submitted it (`SUBMITTED`, applicant of kecamatan 170804) in the running local stack's table,
//! so checks that drive the officer API over HTTP (the schemathesis contract run,
//! infra/contract.sh) reach real records. Reads `AWS_ENDPOINT_URL` and `TABLE_NAME` as the stack
//! does.

use domain::{Applicant, Nik, Request, RequestStatus, ResidentId, ServiceCode, TicketId};
use shared::ports::RequestRepository;
use std::process::ExitCode;

/// A synthetic NIK of kecamatan 170804 (born 1990-08-05, a woman): no real person's.
const NIK: &str = "1708014508900001";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (ticket, phone, service) = match args.as_slice() {
        [t, p] => (t, p, "KK_NEW"),
        [t, p, s] => (t, p, s.as_str()),
        _ => {
            eprintln!("usage: seed <ticket> <phone digits> [service code]");
            return ExitCode::FAILURE;
        }
    };
    let (Ok(ticket), Ok(service)) = (TicketId::parse(ticket), service.parse::<ServiceCode>())
    else {
        eprintln!("not a ticket id or a service code");
        return ExitCode::FAILURE;
    };
    if phone.is_empty() || !phone.bytes().all(|b| b.is_ascii_digit()) {
        eprintln!("the phone number is digits");
        return ExitCode::FAILURE;
    }
    let now = time::OffsetDateTime::now_utc();
    let Ok(nik) = Nik::parse(NIK, now.date()) else {
        eprintln!("the built-in NIK does not parse");
        return ExitCode::FAILURE;
    };
    let mut request = Request::open(ticket, service, ResidentId::Phone(phone.clone()), now);
    request.status = RequestStatus::Submitted;
    request.submitted_at = Some(now);
    request.due_date = Some(now.date() + time::Duration::days(7));
    request.applicant = Some(Applicant {
        name: "Siti Aminah".into(),
        nik,
        kecamatan: Some("170804".into()),
    });
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5000".into());
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "adminduk-local".into());
    let sdk = local_stack::emulator_sdk_config(&endpoint).await;
    let store = shared::store::DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    match store.create_request(&request).await {
        Ok(()) => {
            println!("{}", ticket.as_str());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("could not store the request: {err}");
            ExitCode::FAILURE
        }
    }
}
