//! Tracing set up for Lambda: JSON lines when Lambda's advanced logging asks for JSON
//! (`AWS_LAMBDA_LOG_FORMAT=json`), compact text otherwise; level from `AWS_LAMBDA_LOG_LEVEL`
//! or `RUST_LOG`.
//!
//! Nothing here logs personal data by itself; call sites use `crate::privacy` to mask.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| std::env::var("AWS_LAMBDA_LOG_LEVEL").ok())
        .map(|level| EnvFilter::new(level.to_lowercase()))
        .unwrap_or_else(|| EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .map(|v| v.eq_ignore_ascii_case("json"))
        .unwrap_or(false);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // Lambda adds its own timestamp to every line.
        .without_time();
    // `try_init` so tests and the local stack can call this more than once.
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.with_ansi(false).compact().try_init()
    };
}
