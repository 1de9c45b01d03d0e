//! Lambda entry point of the `documents` function: wiring only.

use lambda_http::{Error, service_fn};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let sdk = shared::aws::sdk_config().await;
    let app = documents::Documents::from_env(&Env::process(), &sdk)?;
    lambda_http::run(service_fn(|request| documents::handle(&app, request))).await
}
