//! Cold-start measurement (issue #6): each release binary is started again and again against a
//! loopback Lambda Runtime API, the way Lambda starts a new execution environment, and timed
//!
//! - **init**: spawn → its first `GET /2018-06-01/runtime/invocation/next`;
//! - **init + first invocation**: spawn → the `POST .../invocation/{id}/response` of the first
//!   event, a real request that reaches the emulator (moto, `AWS_ENDPOINT_URL`) and, for the
//!   webhook, a fake Graph API;
//!
//! beside a hello-world `lambda_http` binary built with the same profile, and **own** time: init +
//! first invocation less the time the binary waited on the emulator and the fake Graph API, which
//! it reaches through timing relays (`meter`). Each response must be a 2xx: an error path
//! measures nothing. Prints a Markdown table (median, p90, ratio to hello-world's median, zip size
//! of each `bootstrap`).
//!
//! `make cold-start` builds the binaries, starts moto and runs this; see `docs/bench/cold-start.md`.

mod events;
mod meter;
mod runtime_api;

use runtime_api::{Invocation, Report, RuntimeApi};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::Command;

const USAGE: &str = "\
usage: cold-start [--runs N] [--repeat R] [--warmup N] [--bin-dir DIR] [--only a,b]
                  [--fixture FILE] [--template FILE] [--log-dir DIR] [--secrets-manager] [--raw]
                  [--wrap 'CMD ARGS']

  --runs N            measured starts per binary (default 20)
  --repeat R          measure R times over (N starts per binary each) and also report each
                      ratio's median and range over the R measurements: on a shared machine one
                      measurement does not settle a 0.1x question (default 1). moto's pauses
                      grow with its heap (about 1.3 s by the tenth measurement) and the
                      functions give up on a call after 5 s: keep R near 10 per fresh emulator
  --warmup N          unmeasured starts per binary first (default 1)
  --bin-dir DIR       where the release binaries are (default target/release)
  --only LIST         a subset of hello-lambda,webhook,status,documents
  --fixture FILE      the webhook's text message (default tests/fixtures/whatsapp/text.json)
  --template FILE     template.yaml the table and bucket are created from
  --log-dir DIR       the binaries' stdout and stderr (default target/cold-start)
  --secrets-manager   give the functions WHATSAPP_SECRET_ARN (a secret created in the emulator),
                      as deployed, instead of the secrets as plain variables
  --env KEY=VALUE     one more variable for the three functions (not hello-world), set after
                      the tool's own so it wins; repeatable. For A/B runs of a setting, e.g.
                      one the SDK reads from the environment
  --raw               also print every sample (CSV)
  --wrap 'CMD ARGS'   run each binary under a command, e.g. --wrap 'strace -f -tt -o /tmp/s'
                      (diagnosis only: the times then include the wrapper; the process group
                      gets SIGTERM and up to 20 s to write its output before SIGKILL)

Needs AWS_ENDPOINT_URL: the moto server (see `make cold-start`).";

const REGION: &str = local_stack::LOCAL_REGION;
const BINARIES: [&str; 4] = ["hello-lambda", "webhook", "status", "documents"];
const HELLO: &str = "hello-lambda";

struct Options {
    runs: usize,
    repeat: usize,
    warmup: usize,
    bin_dir: PathBuf,
    only: Vec<String>,
    fixture: PathBuf,
    template: PathBuf,
    log_dir: PathBuf,
    secrets_manager: bool,
    env: Vec<(String, String)>,
    raw: bool,
    wrap: Vec<String>,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let root = repo_root();
    let mut options = Options {
        runs: 20,
        repeat: 1,
        warmup: 1,
        bin_dir: root.join("target/release"),
        only: BINARIES.iter().map(|b| (*b).to_owned()).collect(),
        fixture: root.join("tests/fixtures/whatsapp/text.json"),
        template: root.join("template.yaml"),
        log_dir: root.join("target/cold-start"),
        secrets_manager: false,
        env: Vec::new(),
        raw: false,
        wrap: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--runs" => {
                options.runs = value("--runs")?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a positive number")?;
            }
            "--repeat" => {
                options.repeat = value("--repeat")?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--repeat takes a positive number")?;
            }
            "--warmup" => {
                options.warmup = value("--warmup")?
                    .parse()
                    .map_err(|_| "--warmup takes a number")?;
            }
            "--bin-dir" => options.bin_dir = value("--bin-dir")?.into(),
            "--only" => {
                options.only = value("--only")?
                    .split(',')
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    .map(str::to_owned)
                    .collect();
                if let Some(unknown) = options
                    .only
                    .iter()
                    .find(|b| !BINARIES.contains(&b.as_str()))
                {
                    return Err(format!("unknown binary {unknown}"));
                }
            }
            "--fixture" => options.fixture = value("--fixture")?.into(),
            "--template" => options.template = value("--template")?.into(),
            "--log-dir" => options.log_dir = value("--log-dir")?.into(),
            "--secrets-manager" => options.secrets_manager = true,
            "--env" => {
                let pair = value("--env")?;
                let (key, val) = pair
                    .split_once('=')
                    .filter(|(key, _)| !key.is_empty())
                    .ok_or("--env takes KEY=VALUE")?;
                options.env.push((key.to_owned(), val.to_owned()));
            }
            "--raw" => options.raw = true,
            "--wrap" => {
                options.wrap = value("--wrap")?
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect();
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    // Hello-world is the yardstick of every ratio.
    if !options.only.iter().any(|b| b == HELLO) {
        options.only.insert(0, HELLO.to_owned());
    }
    Ok(options)
}

/// Everything the binaries run against.
struct Bench {
    runtime: RuntimeApi,
    runtime_addr: std::net::SocketAddr,
    reports: tokio::sync::mpsc::UnboundedReceiver<Report>,
    whatsapp: fake_whatsapp::FakeWhatsApp,
    /// Time the function waits on the emulator and the fake Graph API (both behind its relays).
    meter: meter::WaitMeter,
    /// Variables of each function (beyond the Lambda-provided ones).
    function_env: HashMap<&'static str, Vec<(String, String)>>,
    fixture: Value,
    claims: HashMap<String, String>,
    log_dir: PathBuf,
    /// Starts so far: numbers each start's request id, sender and message id.
    starts: u64,
    /// The emulator, and the table the functions use now.
    sdk: shared::aws::SdkConfig,
    template: local_stack::template::Template,
    table_base: String,
    table: String,
}

/// Gives the functions a new table, seeded like the first, and drops the old one: moto's
/// answers slow down as a table grows (a transaction copies it), and a later measurement should
/// not run against a slower emulator than the first.
async fn fresh_table(bench: &mut Bench, measurement: usize) -> Result<(), String> {
    let dynamodb = shared::aws::dynamodb_client(&bench.sdk);
    let new = format!("{}-{measurement}", bench.table_base);
    let old = std::mem::replace(&mut bench.table, new);
    local_stack::provision::create_table(&dynamodb, &bench.template, &bench.table)
        .await
        .map_err(|e| format!("creating the table: {e}"))?;
    events::seed(&shared::store::DynamoStore::new(
        dynamodb.clone(),
        &bench.table,
    ))
    .await?;
    for env in bench.function_env.values_mut() {
        for (name, value) in env.iter_mut() {
            if name == "TABLE_NAME" {
                value.clone_from(&bench.table);
            }
        }
    }
    dynamodb
        .delete_table()
        .table_name(&old)
        .send()
        .await
        .map_err(|e| format!("deleting table {old}: {e}"))?;
    Ok(())
}

/// One binary's samples.
#[derive(Default)]
struct Samples {
    init: Vec<Duration>,
    first: Vec<Duration>,
    /// Waiting on the emulator and the fake Graph API, within `first`.
    wait: Vec<Duration>,
    /// Requests to them.
    requests: Vec<u32>,
    /// On-CPU time of the process from exec to its response (user and kernel).
    cpu: Vec<Duration>,
    /// Minor page faults over the same span.
    faults: Vec<u64>,
}

/// One start of one binary.
struct Sample {
    init: Duration,
    first: Duration,
    wait: Duration,
    requests: u32,
    cpu: Duration,
    faults: u64,
}

/// What the kernel counted for a process so far: on-CPU time (`/proc/<pid>/schedstat`, in
/// nanoseconds, unlike the clock ticks of `stat`) and minor page faults (`/proc/<pid>/stat`).
fn process_usage(pid: u32) -> (Duration, u64) {
    let cpu = std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(Duration::ZERO, Duration::from_nanos);
    let faults = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| minor_faults(&s))
        .unwrap_or(0);
    (cpu, faults)
}

/// Field 10 (`minflt`) of `/proc/<pid>/stat`; the command name (field 2) may hold spaces, so
/// fields are counted after its closing parenthesis.
fn minor_faults(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(7)?.parse().ok()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(err) => {
            eprintln!("error: {err}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(err) = run(options).await {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

async fn run(mut options: Options) -> Result<(), String> {
    let emulator = std::env::var("AWS_ENDPOINT_URL")
        .map_err(|_| "AWS_ENDPOINT_URL is not set: start moto first (`make cold-start`)")?;
    // Absolute: the binaries run with the bin dir as their working directory.
    options.bin_dir = std::fs::canonicalize(&options.bin_dir)
        .map_err(|e| format!("{}: {e}", options.bin_dir.display()))?;
    for binary in &options.only {
        let path = options.bin_dir.join(binary);
        if !path.is_file() {
            return Err(format!(
                "{} is missing: cargo build --release -p webhook -p status -p documents -p hello-lambda",
                path.display()
            ));
        }
    }
    let mut bench = prepare(&options, &emulator).await?;
    let zips = options
        .only
        .iter()
        .map(|b| (b.clone(), zip_size(&options.bin_dir.join(b), b)))
        .collect::<HashMap<_, _>>();
    let mut measurements = Vec::with_capacity(options.repeat);
    for repeat in 0..options.repeat {
        if options.repeat > 1 {
            eprintln!("measurement {}/{}", repeat + 1, options.repeat);
        }
        // The warm-up starts (page cache, the emulator's first answers) belong to the first.
        let warmup = if repeat == 0 {
            options.warmup
        } else {
            fresh_table(&mut bench, repeat).await?;
            0
        };
        measurements.push(measure(&options, &mut bench, warmup).await?);
    }
    print_report(&options, &pooled(&measurements), &zips);
    if options.repeat > 1 {
        print_spread(&options, &measurements);
    }
    Ok(())
}

async fn prepare(options: &Options, emulator: &str) -> Result<Bench, String> {
    let fixture: Value = std::fs::read(&options.fixture)
        .map_err(|e| format!("{}: {e}", options.fixture.display()))
        .and_then(|raw| {
            serde_json::from_slice(&raw).map_err(|e| format!("{}: {e}", options.fixture.display()))
        })?;
    std::fs::create_dir_all(&options.log_dir)
        .map_err(|e| format!("{}: {e}", options.log_dir.display()))?;

    // A table and bucket of this run's own, from template.yaml, and the requests officers read.
    let unique = format!(
        "cold-start-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp()
    );
    let template = local_stack::template::Template::load(&options.template)
        .map_err(|e| format!("template: {e}"))?;
    let sdk = local_stack::emulator_sdk_config(emulator).await;
    local_stack::provision::create_table(&shared::aws::dynamodb_client(&sdk), &template, &unique)
        .await
        .map_err(|e| format!("creating the table: {e}"))?;
    local_stack::provision::create_bucket(&shared::aws::s3_client(&sdk), &template, &unique)
        .await
        .map_err(|e| format!("creating the bucket: {e}"))?;
    let store = shared::store::DynamoStore::new(shared::aws::dynamodb_client(&sdk), &unique);
    events::seed(&store).await?;

    let whatsapp =
        fake_whatsapp::FakeWhatsApp::new("http://127.0.0.1", local_stack::LOCAL_ACCESS_TOKEN);
    let graph = whatsapp
        .spawn()
        .await
        .map_err(|e| format!("fake Graph API: {e}"))?;
    // The functions reach both through relays that time their answers.
    let meter = meter::WaitMeter::default();
    let emulator_addr = emulator
        .strip_prefix("http://")
        .map(|a| a.trim_end_matches('/'))
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        .ok_or_else(|| format!("AWS_ENDPOINT_URL {emulator}: expected http://IP:PORT"))?;
    let emulator_relay = meter
        .relay(emulator_addr)
        .await
        .map_err(|e| format!("relay: {e}"))?;
    let graph_relay = meter
        .relay(graph)
        .await
        .map_err(|e| format!("relay: {e}"))?;
    let (runtime, runtime_addr, reports) = RuntimeApi::spawn()
        .await
        .map_err(|e| format!("runtime API: {e}"))?;

    let secrets: Vec<(String, String)> = if options.secrets_manager {
        let arn = aws_sdk_secretsmanager::Client::new(&sdk)
            .create_secret()
            .name(&unique)
            .secret_string(
                serde_json::json!({
                    "app_secret": local_stack::LOCAL_APP_SECRET,
                    "verify_token": local_stack::LOCAL_VERIFY_TOKEN,
                    "access_token": local_stack::LOCAL_ACCESS_TOKEN,
                    "data_key": local_stack::LOCAL_DATA_KEY,
                })
                .to_string(),
            )
            .send()
            .await
            .map_err(|e| {
                format!(
                    "creating the secret: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                )
            })?
            .arn
            .ok_or("the emulator returned no secret ARN")?;
        vec![("WHATSAPP_SECRET_ARN".into(), arn)]
    } else {
        vec![
            (
                "WHATSAPP_APP_SECRET".into(),
                local_stack::LOCAL_APP_SECRET.into(),
            ),
            (
                "WHATSAPP_VERIFY_TOKEN".into(),
                local_stack::LOCAL_VERIFY_TOKEN.into(),
            ),
            (
                "WHATSAPP_ACCESS_TOKEN".into(),
                local_stack::LOCAL_ACCESS_TOKEN.into(),
            ),
            (
                "WHATSAPP_DATA_KEY".into(),
                local_stack::LOCAL_DATA_KEY.into(),
            ),
        ]
    };
    // As template.yaml sets them, with the emulator's table and bucket and the fake Graph API.
    let common: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", format!("http://{emulator_relay}")),
        ("TABLE_NAME", unique.clone()),
        (
            "WHATSAPP_PHONE_NUMBER_ID",
            local_stack::LOCAL_PHONE_NUMBER_ID.into(),
        ),
        ("GRAPH_API_BASE_URL", format!("http://{graph_relay}")),
        ("GRAPH_API_VERSION", "v25.0".into()),
        ("OFFICE_REGION_CODE", "1708".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(secrets)
    .collect();
    let with = |extra: &[(&str, &str)]| {
        let mut env = common.clone();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        // Last, so that an --env wins over the tool's own value of the same variable.
        env.extend(options.env.iter().cloned());
        env
    };
    let function_env = HashMap::from([
        (HELLO, Vec::new()),
        ("webhook", with(&[])),
        (
            "status",
            with(&[
                ("WHATSAPP_TEMPLATE_STATUS_UPDATE", "status_update"),
                ("WHATSAPP_TEMPLATE_OFFICER_MESSAGE", "officer_message"),
                ("WHATSAPP_TEMPLATE_LANGUAGE", "id"),
            ]),
        ),
        (
            "documents",
            with(&[
                ("BUCKET_NAME", &unique),
                ("AUDIT_ARCHIVE_BUCKET", &unique),
                ("PRESIGN_TTL_SECONDS", "300"),
            ]),
        ),
    ]);
    Ok(Bench {
        runtime,
        runtime_addr,
        reports,
        whatsapp,
        meter,
        function_env,
        fixture,
        claims: events::officer_claims(),
        log_dir: options.log_dir.clone(),
        starts: 0,
        sdk,
        template,
        table_base: unique.clone(),
        table: unique,
    })
}

/// What Lambda itself puts into a `provided.al2023` environment (template.yaml: 256 MB, JSON
/// logs at INFO, X-Ray active), credentials included: a deployed function gets its role's
/// credentials as variables, so the SDK's chain stops at the first provider.
fn lambda_env(binary: &str, runtime_api: &std::net::SocketAddr) -> Vec<(String, String)> {
    let function = format!("adminduk-wa-{binary}");
    [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/11/28/[$LATEST]00000000000000000000000000000000".into(),
        ),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".into()),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO".into()),
        ("AWS_REGION", REGION.into()),
        ("AWS_DEFAULT_REGION", REGION.into()),
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("AWS_SESSION_TOKEN", "local".into()),
        ("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR".into()),
        ("AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129:2000".into()),
        ("_AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129".into()),
        ("_AWS_XRAY_DAEMON_PORT", "2000".into()),
        ("_HANDLER", "bootstrap".into()),
        ("LAMBDA_TASK_ROOT", "/var/task".into()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".into()),
        ("LANG", "en_US.UTF-8".into()),
        ("TZ", ":UTC".into()),
        ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin".into()),
        (
            "LD_LIBRARY_PATH",
            "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
                .into(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn measure(
    options: &Options,
    bench: &mut Bench,
    warmup: usize,
) -> Result<HashMap<String, Samples>, String> {
    let mut samples: HashMap<String, Samples> = HashMap::new();
    // Round-robin, so background load on the machine spreads over every binary alike.
    for round in 0..warmup + options.runs {
        for binary in &options.only {
            bench.starts += 1;
            let n = bench.starts;
            let sample = start_once(options, bench, binary, n).await?;
            if round >= warmup {
                let s = samples.entry(binary.clone()).or_default();
                s.init.push(sample.init);
                s.first.push(sample.first);
                s.wait.push(sample.wait);
                s.requests.push(sample.requests);
                s.cpu.push(sample.cpu);
                s.faults.push(sample.faults);
            }
        }
        eprint!("\rround {}/{}", round + 1, warmup + options.runs);
    }
    eprintln!();
    Ok(samples)
}

/// Starts `binary` once, hands it one event and times it.
async fn start_once(
    options: &Options,
    bench: &mut Bench,
    binary: &str,
    n: u64,
) -> Result<Sample, String> {
    let payload = match binary {
        "webhook" => events::webhook(&bench.fixture, local_stack::LOCAL_APP_SECRET, n),
        "status" => events::status(&bench.claims, n),
        "documents" => events::documents(&bench.claims, n),
        _ => events::hello(n),
    };
    let request_id = format!("{n:08x}-c01d-4000-8000-{:012x}", std::process::id());
    let generation = bench.runtime.arm(Invocation {
        request_id: request_id.clone(),
        function_arn: format!("arn:aws:lambda:{REGION}:000000000000:function:adminduk-wa-{binary}"),
        body: payload.to_string().into_bytes(),
        timeout: Duration::from_secs(15),
    });
    // Whatever the previous run left in the channel belongs to it.
    while bench.reports.try_recv().is_ok() {}
    let outbox_before = bench.whatsapp.outbox().len();
    let log_path = bench.log_dir.join(format!("{binary}.log"));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    let program = options.bin_dir.join(binary);
    let mut command = match options.wrap.split_first() {
        None => Command::new(&program),
        Some((wrapper, args)) => {
            let mut c = Command::new(wrapper);
            c.args(args).arg(&program);
            c
        }
    };
    command
        .env_clear()
        .envs(lambda_env(binary, &bench.runtime_addr))
        .envs(bench.function_env[binary].iter().cloned())
        .current_dir(&options.bin_dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Its own process group, so a wrapper (`--wrap`) goes down with what it runs.
        .process_group(0)
        .kill_on_drop(true);

    bench.meter.reset();
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("starting {binary}: {e}"))?;
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    let mut init = None;
    let outcome = loop {
        tokio::select! {
            report = bench.reports.recv() => match report {
                Some(Report::Next { generation: g, at }) if g == generation && init.is_none() => {
                    init = Some(at - started);
                }
                Some(Report::Next { .. }) => {}
                Some(Report::Response { request_id: id, body, at }) if id == request_id => {
                    let usage = child.id().map_or((Duration::ZERO, 0), process_usage);
                    break Ok((at - started, bench.meter.read(), body, usage));
                }
                Some(Report::Error { request_id: id, body }) if id == request_id => {
                    break Err(format!("invocation error: {}", String::from_utf8_lossy(&body)));
                }
                Some(Report::InitError { body }) => {
                    break Err(format!("init error: {}", String::from_utf8_lossy(&body)));
                }
                Some(_) => {}
                None => break Err("the runtime API stopped".into()),
            },
            status = child.wait() => {
                break Err(format!("exited before answering ({})", status.map(|s| s.to_string()).unwrap_or_default()));
            }
            () = &mut deadline => break Err("no response within 30 s".into()),
        }
    };
    if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
        // A wrapper (a profiler, strace) gets SIGTERM and a moment to write its output first;
        // a measured binary is killed outright.
        if !options.wrap.is_empty() {
            // SAFETY: kill(2) with the negated id of the process group this run created.
            unsafe {
                libc::kill(-pid, libc::SIGTERM);
            }
            let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
        }
        // SAFETY: as above.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
    let (first, (wait, requests), body, (cpu, faults)) =
        outcome.map_err(|e| format!("{binary} (run {n}): {e}; its log: {}", log_path.display()))?;
    let init = init.ok_or_else(|| format!("{binary}: answered without polling"))?;

    // A measurement of an error path is worthless.
    let response: Value = serde_json::from_slice(&body)
        .map_err(|e| format!("{binary}: response is not JSON: {e}"))?;
    let status = response["statusCode"].as_i64().unwrap_or(0);
    if !(200..300).contains(&status) {
        return Err(format!(
            "{binary} answered {status}, not a success: {}",
            response["body"]
        ));
    }
    if binary == "webhook" && bench.whatsapp.outbox().len() <= outbox_before {
        return Err("webhook answered 200 without sending the resident a reply".into());
    }
    Ok(Sample {
        init,
        first,
        wait,
        requests,
        cpu,
        faults,
    })
}

/// Median (mean of the two middle values for an even count).
fn median(values: &[Duration]) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2
    } else {
        v[mid]
    }
}

/// 90th percentile, nearest rank.
fn p90(values: &[Duration]) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    let rank = (v.len() * 9).div_ceil(10).max(1);
    v[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// A zip of the binary as `bootstrap`, the way `sam build` (cargo-lambda) packages it: one
/// deflated entry. Uses the `zip` command at its default level.
fn zip_size(binary: &Path, name: &str) -> Option<u64> {
    let dir = std::env::temp_dir().join(format!("cold-start-zip-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let size = (|| {
        std::fs::copy(binary, dir.join("bootstrap")).ok()?;
        let ok = std::process::Command::new("zip")
            .args(["-q", "-X", "bootstrap.zip", "bootstrap"])
            .current_dir(&dir)
            .status()
            .ok()?
            .success();
        ok.then(|| {
            std::fs::metadata(dir.join("bootstrap.zip"))
                .ok()
                .map(|m| m.len())
        })?
    })();
    let _ = std::fs::remove_dir_all(&dir);
    size
}

fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Init + first invocation less the waiting on the emulator and the fake Graph API, per start.
fn own(s: &Samples) -> Vec<Duration> {
    s.first
        .iter()
        .zip(&s.wait)
        .map(|(first, wait)| first.saturating_sub(*wait))
        .collect()
}

/// Every measurement's samples together, for the main tables.
fn pooled(measurements: &[HashMap<String, Samples>]) -> HashMap<String, Samples> {
    let mut all: HashMap<String, Samples> = HashMap::new();
    for measurement in measurements {
        for (binary, s) in measurement {
            let into = all.entry(binary.clone()).or_default();
            into.init.extend(&s.init);
            into.first.extend(&s.first);
            into.wait.extend(&s.wait);
            into.requests.extend(&s.requests);
            into.cpu.extend(&s.cpu);
            into.faults.extend(&s.faults);
        }
    }
    all
}

/// A binary's ratio to hello-world in each measurement: its median over hello-world's median of
/// the same measure in the same measurement.
fn ratios(
    measurements: &[HashMap<String, Samples>],
    binary: &str,
    measure: fn(&Samples) -> Vec<Duration>,
) -> Vec<f64> {
    measurements
        .iter()
        .map(|m| {
            median(&measure(&m[binary])).as_secs_f64() / median(&measure(&m[HELLO])).as_secs_f64()
        })
        .collect()
}

/// Median, smallest and largest.
fn spread(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    let median = if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    };
    (median, v[0], v[v.len() - 1])
}

fn print_spread(options: &Options, measurements: &[HashMap<String, Samples>]) {
    println!(
        "\nEach of the {} measurements on its own ({} starts per binary each): the ratios to \
         hello-world's medians of the same measurement, their median and range.\n",
        measurements.len(),
        options.runs
    );
    println!(
        "| binary | own ÷ hello, each | median | range | CPU ÷ hello, each | median | range |"
    );
    println!("|---|---|---:|---:|---|---:|---:|");
    let cpu = |s: &Samples| s.cpu.clone();
    for binary in options.only.iter().filter(|b| *b != HELLO) {
        let own_ratios = ratios(measurements, binary, own);
        let cpu_ratios = ratios(measurements, binary, cpu);
        let list = |v: &[f64]| {
            v.iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (own_median, own_min, own_max) = spread(&own_ratios);
        let (cpu_median, cpu_min, cpu_max) = spread(&cpu_ratios);
        println!(
            "| {binary} | {} | {own_median:.2}x | {own_min:.2}x to {own_max:.2}x | {} | {cpu_median:.2}x | {cpu_min:.2}x to {cpu_max:.2}x |",
            list(&own_ratios),
            list(&cpu_ratios),
        );
    }
}

fn print_report(
    options: &Options,
    samples: &HashMap<String, Samples>,
    zips: &HashMap<String, Option<u64>>,
) {
    let hello = &samples[HELLO];
    let (hello_init, hello_first, hello_own) = (
        median(&hello.init),
        median(&hello.first),
        median(&own(hello)),
    );
    let ratio = |d: Duration, base: Duration| d.as_secs_f64() / base.as_secs_f64();
    println!(
        "{} starts per binary (+{} warm-up), {}; times in ms from spawn; \
         own = init + first invocation less the time spent waiting on the emulator and the fake \
         Graph API.\n",
        options.runs * options.repeat,
        options.warmup,
        if options.secrets_manager {
            "secrets from Secrets Manager (emulator)"
        } else {
            "secrets as variables"
        }
    );
    println!(
        "| binary | init median | init p90 | init+first median | init+first p90 | waiting on dependencies (requests) | own median | own p90 | init ÷ hello | init+first ÷ hello | own ÷ hello | zip bytes |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for binary in &options.only {
        let s = &samples[binary];
        let own = own(s);
        let requests = s.requests.iter().max().copied().unwrap_or(0);
        println!(
            "| {binary} | {} | {} | {} | {} | {} ({requests}) | {} | {} | {:.2}x | {:.2}x | {:.2}x | {} |",
            ms(median(&s.init)),
            ms(p90(&s.init)),
            ms(median(&s.first)),
            ms(p90(&s.first)),
            ms(median(&s.wait)),
            ms(median(&own)),
            ms(p90(&own)),
            ratio(median(&s.init), hello_init),
            ratio(median(&s.first), hello_first),
            ratio(median(&own), hello_own),
            zips[binary].map_or_else(|| "n/a".into(), group_digits),
        );
    }
    let hello_cpu = median(&hello.cpu);
    println!(
        "\nOn-CPU time of the process from exec to its response (user and kernel, \
         /proc/<pid>/schedstat: no waiting in it, whatever the emulator does) and its minor page \
         faults:\n"
    );
    println!("| binary | CPU median | CPU p90 | CPU ÷ hello | page faults median |");
    println!("|---|---:|---:|---:|---:|");
    for binary in &options.only {
        let s = &samples[binary];
        let mut faults = s.faults.clone();
        faults.sort_unstable();
        println!(
            "| {binary} | {} | {} | {:.2}x | {} |",
            ms(median(&s.cpu)),
            ms(p90(&s.cpu)),
            ratio(median(&s.cpu), hello_cpu),
            faults.get(faults.len() / 2).copied().unwrap_or(0),
        );
    }
    if options.raw {
        println!("\nbinary,run,init_ms,init_first_ms,wait_ms,requests,cpu_ms,minor_faults");
        for binary in &options.only {
            let s = &samples[binary];
            for i in 0..s.init.len() {
                println!(
                    "{binary},{},{},{},{},{},{},{}",
                    i + 1,
                    ms(s.init[i]),
                    ms(s.first[i]),
                    ms(s.wait[i]),
                    s.requests[i],
                    ms(s.cpu[i]),
                    s.faults[i]
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_faults_are_read_past_a_command_name_with_spaces() {
        let stat = "4242 (my (odd) bin) S 1 4242 4242 0 -1 4194560 1234 0 5 0 7 3 0 0 20 0 1 0";
        assert_eq!(minor_faults(stat), Some(1234));
        assert_eq!(minor_faults("garbage"), None);
    }

    #[test]
    fn percentiles() {
        let v: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        assert_eq!(median(&v), Duration::from_micros(10_500));
        assert_eq!(p90(&v), Duration::from_millis(18));
        assert_eq!(p90(&v[..1]), Duration::from_millis(1));
        assert_eq!(median(&v[..3]), Duration::from_millis(2));
    }

    fn options(args: &[&str]) -> Result<Options, String> {
        parse_options(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn extra_variables_are_kept_in_order_and_split_at_the_first_equals() {
        let parsed = options(&["--env", "A=1", "--env", "B=x=y", "--env", "C="]).unwrap();
        assert_eq!(
            parsed.env,
            [("A", "1"), ("B", "x=y"), ("C", "")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(options(&[]).unwrap().env.is_empty());
        for bad in [&["--env", "NOVALUE"][..], &["--env", "=1"], &["--env"]] {
            assert!(options(bad).is_err(), "{bad:?}");
        }
    }

    fn samples(own_ms: &[u64], cpu_ms: &[u64]) -> Samples {
        Samples {
            first: own_ms
                .iter()
                .map(|ms| Duration::from_millis(ms + 10))
                .collect(),
            wait: own_ms.iter().map(|_| Duration::from_millis(10)).collect(),
            cpu: cpu_ms.iter().copied().map(Duration::from_millis).collect(),
            ..Samples::default()
        }
    }

    #[test]
    fn each_measurement_gives_its_own_ratio_to_its_own_hello_world() {
        let measurement = |hello: Samples, webhook: Samples| {
            HashMap::from([(HELLO.to_owned(), hello), ("webhook".to_owned(), webhook)])
        };
        let measurements = [
            measurement(
                samples(&[2, 2, 3], &[1, 1, 1]),
                samples(&[4, 4, 9], &[3, 3, 3]),
            ),
            measurement(
                samples(&[4, 4, 4], &[2, 2, 2]),
                samples(&[6, 6, 1], &[3, 3, 3]),
            ),
            measurement(
                samples(&[1, 2, 3], &[1, 1, 1]),
                samples(&[5, 3, 4], &[2, 2, 2]),
            ),
        ];
        // Medians: hello 2, 4, 2 ms; webhook 4, 6, 4 ms. The waiting is taken out of "own".
        let own_ratios = ratios(&measurements, "webhook", own);
        assert_eq!(own_ratios, [2.0, 1.5, 2.0]);
        assert_eq!(spread(&own_ratios), (2.0, 1.5, 2.0));
        let cpu_ratios = ratios(&measurements, "webhook", |s| s.cpu.clone());
        assert_eq!(cpu_ratios, [3.0, 1.5, 2.0]);
        assert_eq!(spread(&cpu_ratios), (2.0, 1.5, 3.0));
        assert_eq!(spread(&[1.0, 4.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
        // The main tables see every start of every measurement.
        let all = pooled(&measurements);
        assert_eq!(all["webhook"].first.len(), 9);
        assert_eq!(median(&own(&all["webhook"])), Duration::from_millis(4));
    }

    #[test]
    fn repeat_is_a_positive_count() {
        assert_eq!(options(&[]).unwrap().repeat, 1);
        assert_eq!(options(&["--repeat", "5"]).unwrap().repeat, 5);
        for bad in [&["--repeat", "0"][..], &["--repeat", "x"], &["--repeat"]] {
            assert!(options(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(3_470_005), "3,470,005");
        assert_eq!(group_digits(999), "999");
    }
}
