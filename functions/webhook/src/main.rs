//! Lambda entry point of the `webhook` function: wiring only.

use lambda_http::{Error, service_fn};
use shared::config::Env;

// One event at a time: a current-thread runtime starts no worker threads and wakes no other
// thread per I/O event (256 MB buys a fraction of one vCPU). docs/bench/cold-start.md.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let sdk = shared::aws::sdk_config().await;
    let app = webhook::Webhook::from_env(&Env::process(), &sdk)?;
    lambda_http::run(service_fn(|request| webhook::handle(&app, request))).await
}
