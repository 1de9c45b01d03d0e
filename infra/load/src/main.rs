//! `load-bench`: many residents and officers at once against the local stack, optionally with
//! faults, then a check that nothing was lost or done twice. Loopback only, bounded in count
//! (`--residents`) and time (`--deadline` per message, `--drain` for the documents).
//!
//! Needs the moto emulator at `AWS_ENDPOINT_URL` (`make bench` starts one).

use load_bench::bench::{self, Options};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "load-bench [--residents 16] [--concurrency 8] [--officers 2] \
[--duplicate-every 7] [--faults] [--outage-at 6] [--outage-for 3] [--deadline 120] [--drain 120] \
[--seed 1] [--report FILE]";

fn options(emulator: String) -> Result<Options, String> {
    let mut o = Options::new(emulator);
    o.progress = true;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--faults" {
            o.faults = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: {value:?} is not a whole number"))
        };
        let count = || number().map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        match flag.as_str() {
            "--residents" => o.residents = count()?.clamp(1, 5_000),
            "--concurrency" => o.concurrency = count()?.clamp(1, 256),
            "--officers" => o.officers = count()?.min(32),
            "--duplicate-every" => o.duplicate_every = count()?,
            "--outage-at" => o.outage_at = Duration::from_secs(number()?),
            "--outage-for" => o.outage_for = Duration::from_secs(number()?.min(60)),
            "--deadline" => o.deadline = Duration::from_secs(number()?.clamp(1, 600)),
            "--drain" => o.drain = Duration::from_secs(number()?.min(600)),
            "--seed" => o.seed = number()?,
            "--report" => o.report = Some(value),
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> ExitCode {
    shared::telemetry::init();
    let Ok(emulator) = std::env::var("AWS_ENDPOINT_URL") else {
        eprintln!("AWS_ENDPOINT_URL is not set: start moto first (`make bench` does)");
        return ExitCode::from(2);
    };
    let options = match options(emulator) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match bench::run(options).await {
        Ok(outcome) => {
            println!("{}", outcome.report);
            if outcome.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("load-bench: {message}");
            ExitCode::from(2)
        }
    }
}
