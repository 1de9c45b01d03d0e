//! Lambda entry point of the `webhook` function: wiring only.

use lambda_http::{Error, service_fn};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let sdk = shared::aws::sdk_config().await;
    let app = webhook::Webhook::from_env(&Env::process(), &sdk)?;
    lambda_http::run(service_fn(|request| webhook::handle(&app, request))).await
}
