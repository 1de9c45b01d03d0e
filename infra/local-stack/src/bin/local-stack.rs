//! `make run`: the whole system on 127.0.0.1:3000 against a moto emulator the Makefile started.

use local_stack::{StackConfig, start};
use std::collections::HashMap;
use std::net::SocketAddr;

const PASSED_THROUGH: [&str; 11] = [
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_DATA_KEY",
    "WHATSAPP_DATA_KEY_PREVIOUS",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
    "OFFICE_REGION_CODE",
    "OFFICE_PROFILE",
    "HOLIDAYS",
    "PRESIGN_TTL_SECONDS",
    "WEBHOOK_REPLY_LEASE_SECONDS",
];

#[tokio::main]
async fn main() -> std::process::ExitCode {
    shared::telemetry::init();
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let listen: SocketAddr = match var("LOCAL_LISTEN", "127.0.0.1:3000").parse() {
        Ok(a) => a,
        Err(err) => {
            eprintln!("LOCAL_LISTEN is not an address: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let overrides: HashMap<String, String> = PASSED_THROUGH
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|v| ((*name).to_owned(), v)))
        .collect();
    let config = StackConfig {
        emulator_url: var("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        table: var("TABLE_NAME", "adminduk-local"),
        bucket: var("BUCKET_NAME", "adminduk-local-documents"),
        template: var("TEMPLATE_PATH", "template.yaml").into(),
        listen,
        overrides,
        deliver_events: true,
        // The officers' console build; `make run` builds it first (a missing folder answers 404).
        console_dir: Some(var("CONSOLE_DIR", "console/dist").into()),
    };
    let stack = match start(config).await {
        Ok(s) => s,
        Err(err) => {
            eprintln!("local stack failed to start: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let base = &stack.base_url;
    println!("Local stack ready.");
    println!("  API (every template route)  {base}");
    println!(
        "  emulator (moto)             {}",
        stack.config.emulator_url
    );
    println!(
        "  table / bucket              {} / {}",
        stack.config.table, stack.config.bucket
    );
    println!("  fake Graph API              {base}/_local/graph");
    println!("  officers' console           {base}/console/");
    println!("Routes:");
    for route in &stack.gateway.routes {
        let auth = if route.requires_jwt {
            "officer JWT"
        } else {
            "public"
        };
        println!("  {:<40} {auth}", route.key());
    }
    println!("Try:");
    println!(
        "  curl '{base}/webhook?hub.mode=subscribe&hub.verify_token=local-verify-token&hub.challenge=42'"
    );
    println!("  make send FIXTURE=text.json      # a signed WhatsApp message");
    println!("  curl {base}/_local/outbox        # what the bot answered");
    println!(
        "  curl '{base}/_local/token?sub=officer-1&groups=petugas&kecamatan=*'  # an ID token"
    );
    println!(
        "  curl -d '{{\"advance_seconds\": 90000}}' -H 'content-type: application/json' {base}/_local/clock   # 25 hours on"
    );
    println!("Ctrl-C stops everything.");
    let _ = tokio::signal::ctrl_c().await;
    println!("stopping");
    std::process::ExitCode::SUCCESS
}
