//! Lambda entry point of the `documents` function: wiring only. The function is invoked by the
//! HTTP API, S3 and the table's stream; `documents::invoke` tells the event shapes apart.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let sdk = shared::aws::sdk_config().await;
    let app = documents::Documents::from_env(&Env::process(), &sdk)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        documents::invoke(&app, event.payload)
    }))
    .await
}
