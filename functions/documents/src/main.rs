//! Lambda entry point of the `documents` function: wiring only. The function is invoked by the
//! HTTP API, S3 and the table's stream; `documents::invoke` tells the event shapes apart.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::config::Env;

// One event at a time: a current-thread runtime starts no worker threads and wakes no other
// thread per I/O event (256 MB buys a fraction of one vCPU). docs/bench/cold-start.md.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let sdk = shared::aws::sdk_config().await;
    let app = documents::Documents::from_env(&Env::process(), &sdk)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        documents::invoke(&app, event.payload)
    }))
    .await
}
