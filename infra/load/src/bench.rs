//! One benchmark run: start the stack behind the fault proxy, drive the crowd, check, replay.

use crate::aws_proxy::{AwsFaultPlan, AwsProxy};
use crate::raw;
use crate::report::{self, ms};
use crate::traffic::{Driver, Recorder, TrafficPlan};
use crate::verify::{Checker, Verdict};
use local_stack::StackConfig;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Options {
    pub residents: usize,
    pub concurrency: usize,
    pub officers: usize,
    pub duplicate_every: usize,
    pub faults: bool,
    pub outage_at: Duration,
    pub outage_for: Duration,
    pub deadline: Duration,
    pub drain: Duration,
    pub seed: u64,
    pub report: Option<String>,
    /// The emulator (moto) URL.
    pub emulator: String,
    /// Print a progress line every few seconds on stderr.
    pub progress: bool,
}

impl Options {
    pub fn new(emulator: impl Into<String>) -> Self {
        Self {
            residents: 16,
            concurrency: 8,
            officers: 2,
            duplicate_every: 7,
            faults: false,
            outage_at: Duration::from_secs(6),
            outage_for: Duration::from_secs(3),
            deadline: Duration::from_secs(120),
            drain: Duration::from_secs(120),
            seed: 1,
            report: None,
            emulator: emulator.into(),
            progress: false,
        }
    }
}

/// What a run found: the Markdown report and the exactly-once verdict.
pub struct Outcome {
    pub report: String,
    pub verdict: Verdict,
    pub failures: Vec<String>,
    pub aws_faults: crate::aws_proxy::AwsFaultCounts,
    pub graph_faults: fake_whatsapp::InjectedCounts,
}

pub async fn run(o: Options) -> Result<Outcome, String> {
    let emulator = o.emulator.clone();
    let proxy = Arc::new(
        AwsProxy::start(&emulator)
            .await
            .map_err(|e| format!("proxy: {e}"))?,
    );
    let run_id = std::process::id() % 10;
    let unique = format!(
        "bench-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp()
    );
    // A Graph call that hangs is abandoned after 1 s, so injected timeouts cost seconds, not
    // the production default's 5.
    let overrides = HashMap::new();
    let stack = local_stack::start(StackConfig {
        emulator_url: proxy.url(),
        table: unique.clone(),
        bucket: unique.clone(),
        template: StackConfig::repo_template(),
        listen: "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
        overrides,
        deliver_events: true,
        console_dir: None,
    })
    .await
    .map_err(|e| format!("local stack: {e}"))?;

    let aws_plan = AwsFaultPlan {
        throttle: 0.03,
        server_error: 0.02,
        lost_response: 0.01,
        seed: o.seed,
    };
    let graph_plan = fake_whatsapp::FaultPlan {
        rate_limited: 0.05,
        server_error: 0.03,
        timeout: 0.02,
        hang: Duration::from_secs(6),
        seed: o.seed,
    };
    proxy.reset_counts();
    proxy.record(true);
    if o.faults {
        proxy.set_plan(aws_plan);
        stack.whatsapp.set_fault_plan(graph_plan);
    }

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let recorder = Arc::new(Recorder::default());
    let driver = Arc::new(Driver {
        base_url: stack.base_url.clone(),
        http: http.clone(),
        whatsapp: stack.whatsapp.clone(),
        recorder: recorder.clone(),
        plan: TrafficPlan {
            residents: o.residents,
            concurrency: o.concurrency,
            officers: o.officers,
            duplicate_every: o.duplicate_every,
            delivery_deadline: o.deadline,
            run_id,
        },
    });

    // Officers: a clerk and a supervisor, reading while residents write.
    let stop = Arc::new(AtomicBool::new(false));
    let mut officers = Vec::new();
    for i in 0..o.officers {
        let groups = if i % 2 == 0 { "petugas" } else { "supervisor" };
        let token = token(
            &http,
            &stack.base_url,
            &format!("bench-officer-{i}"),
            groups,
        )
        .await?;
        let driver = driver.clone();
        let stop = stop.clone();
        officers.push(tokio::spawn(
            async move { driver.officer(token, stop).await },
        ));
    }

    let outage = o.faults.then(|| {
        let proxy = proxy.clone();
        let (at, duration) = (o.outage_at, o.outage_for);
        tokio::spawn(async move {
            tokio::time::sleep(at).await;
            proxy.outage(duration).await
        })
    });

    let started = Instant::now();
    let sequence = Arc::new(AtomicUsize::new(0));
    let progress = o.progress.then(|| {
        let (sequence, recorder) = (sequence.clone(), recorder.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let samples = recorder.samples();
                let refused = samples
                    .iter()
                    .filter(|s| s.route == crate::traffic::Route::Webhook && s.status != 200)
                    .count();
                eprintln!(
                    "load-bench: t={:>4.0} s, {} messages started, {} webhook answers other than 200",
                    started.elapsed().as_secs_f64(),
                    sequence.load(std::sync::atomic::Ordering::Relaxed),
                    refused
                );
            }
        })
    });
    let runs = {
        use futures::StreamExt;
        let driver = driver.clone();
        let sequence = &*sequence;
        futures::stream::iter(0..o.residents)
            .map(|n| {
                let driver = driver.clone();
                async move { driver.resident(n, sequence).await }
            })
            .buffer_unordered(o.concurrency)
            .collect::<Vec<_>>()
            .await
    };
    let traffic_elapsed = started.elapsed();
    if let Some(progress) = progress {
        progress.abort();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut officer_rounds = 0;
    for officer in officers {
        officer_rounds += officer.await.unwrap_or(0);
    }
    if let Some(outage) = outage {
        match outage.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("the emulator did not come back: {e}")),
            Err(e) => return Err(format!("outage task: {e}")),
        }
    }

    // Checks read the emulator directly, never through the faults.
    let direct = local_stack::emulator_sdk_config(&emulator).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&direct);
    let s3 = shared::aws::s3_client(&direct);
    let checker = Checker {
        store: shared::store::DynamoStore::new(dynamodb.clone(), &stack.config.table),
        dynamodb: dynamodb.clone(),
        s3: s3.clone(),
        table: stack.config.table.clone(),
        bucket: stack.config.bucket.clone(),
        events: stack.events.clone(),
        sdk: direct.clone(),
    };
    let verdict = checker
        .verdict(&runs, &stack.whatsapp, o.drain)
        .await
        .map_err(|e| format!("verification: {e}"))?;
    let calls = proxy.calls();
    let aws_faults = proxy.faults();
    let graph_faults = stack.whatsapp.injected_faults();
    proxy.set_plan(AwsFaultPlan::default());

    // The emulator alone: the same calls replayed straight at it (see `raw`).
    proxy.record(false);
    let recorded = proxy.take_recorded();
    let app_calls = recorded.len() as u64;
    let replay_name = format!("{unique}-replay");
    let template = local_stack::template::Template::load(&StackConfig::repo_template())
        .map_err(|e| format!("template: {e}"))?;
    local_stack::provision::create_table(&dynamodb, &template, &replay_name)
        .await
        .map_err(|e| format!("replay table: {e}"))?;
    local_stack::provision::create_bucket(&s3, &template, &replay_name)
        .await
        .map_err(|e| format!("replay bucket: {e}"))?;
    // Through the proxy (faults off), which serialises DynamoDB calls as it did for the system.
    let raw_rate = raw::replay(
        &http,
        &proxy.url(),
        &recorded,
        &raw::Retarget {
            table: (&stack.config.table, &replay_name),
            bucket: (&stack.config.bucket, &replay_name),
        },
        o.concurrency,
    )
    .await;

    let messages = verdict.messages_accepted;
    let throughput = messages as f64 / traffic_elapsed.as_secs_f64().max(1e-9);
    let calls_per_message = app_calls as f64 / messages.max(1) as f64;
    let allowed = raw_rate.per_second() / calls_per_message.max(1e-9);
    let failures = verdict.failures();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Load run: {} residents, concurrency {}, {} officers, faults {}\n",
        o.residents,
        o.concurrency,
        o.officers,
        if o.faults { "ON" } else { "off" }
    );
    let _ = writeln!(
        out,
        "- Accepted inbound messages: {messages} in {:.1} s = **{throughput:.1} messages/s** \
         ({} delivered twice at once by the sender; {officer_rounds} officer rounds)",
        traffic_elapsed.as_secs_f64(),
        verdict.messages_duplicated_by_sender
    );
    let _ = writeln!(
        out,
        "- Emulator alone (the run's {} application calls replayed, concurrency {}): {:.1} s = {:.0} calls/s ({} non-2xx) \
         → at {calls_per_message:.2} calls per message it allows {allowed:.1} messages/s",
        raw_rate.calls,
        o.concurrency,
        raw_rate.elapsed.as_secs_f64(),
        raw_rate.per_second(),
        raw_rate.errors
    );
    let medians: Vec<String> = raw_rate
        .medians
        .iter()
        .map(|(op, n, median)| format!("`{op}` ×{n} median {} ms", ms(*median)))
        .collect();
    let _ = writeln!(out, "  (emulator alone: {})", medians.join(", "));
    let _ = writeln!(
        out,
        "- **Throughput ratio (system / emulator bound): {:.2}**",
        throughput / allowed.max(1e-9)
    );
    if o.faults {
        let _ = writeln!(
            out,
            "- Injected AWS faults: {} throttles, {} 5xx before the call, {} 5xx after it was applied, \
             {} outage(s) of {} s at t={} s; Graph faults: {} × 429/130429, {} × 500, {} timeouts",
            aws_faults.throttle,
            aws_faults.server_error,
            aws_faults.lost_response,
            aws_faults.outages,
            o.outage_for.as_secs(),
            o.outage_at.as_secs(),
            graph_faults.rate_limited,
            graph_faults.server_error,
            graph_faults.timeout
        );
    }
    let _ = writeln!(
        out,
        "\n| route | calls | 2xx | p50 ms | p99 ms | max ms | other answers |\n|---|---:|---:|---:|---:|---:|---|"
    );
    for l in report::latencies(&recorder.samples()) {
        let other: Vec<String> = l.other.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            l.route.label(),
            l.count,
            l.ok,
            ms(l.p50),
            ms(l.p99),
            ms(l.max),
            if other.is_empty() {
                "-".into()
            } else {
                other.join(", ")
            }
        );
    }
    let _ = writeln!(out, "\n{}", report::calls_table(&calls, messages));
    let v = &verdict;
    let _ = writeln!(
        out,
        "| exactly-once check | expected | found | lost | duplicated |\n|---|---:|---:|---:|---:|"
    );
    let mut check_row =
        |check: &str, expected: usize, found: usize, lost: usize, duplicated: Option<usize>| {
            let duplicated = duplicated.map_or_else(|| "-".to_owned(), |d| d.to_string());
            let _ = writeln!(
                out,
                "| {check} | {expected} | {found} | {lost} | {duplicated} |"
            );
        };
    check_row(
        "inbound messages with their effect",
        v.messages_accepted + v.messages_lost,
        v.messages_accepted - v.messages_without_effect,
        v.messages_lost + v.messages_without_effect,
        None,
    );
    check_row(
        "requests submitted",
        v.requests_expected,
        v.requests_found - v.requests_not_submitted.min(v.requests_found),
        v.requests_lost + v.requests_not_submitted,
        Some(v.requests_duplicate),
    );
    check_row(
        "documents stored (object in the bucket)",
        v.documents_expected,
        v.documents_stored - v.objects_missing.min(v.documents_stored),
        v.documents_lost + v.objects_missing,
        Some(v.documents_duplicate),
    );
    check_row(
        "replies delivered",
        v.replies_recorded,
        v.outbox_messages.saturating_sub(v.notices_sent),
        v.replies_lost + v.replies_unsent,
        Some(v.replies_duplicate),
    );
    let _ = writeln!(
        out,
        "\nReplies recorded as refused for good (shown to officers): {}. Notices about scans from the documents function: {} sent (in the outbox, beside the replies), {} recorded as not sent. Documents settled {:.1} s after the last message.",
        v.replies_failed_recorded,
        v.notices_sent,
        v.notices_failed,
        v.documents_wait.as_secs_f64()
    );
    for document in &v.documents_not_stored {
        let _ = writeln!(out, "- not stored: {document}");
    }
    for event in &v.events_given_up {
        let _ = writeln!(
            out,
            "- given up after the last retry (failure queue): {event}"
        );
    }
    for message in &v.outbox_unaccounted {
        let _ = writeln!(out, "- sent without a reply record: {message}");
    }
    if failures.is_empty() {
        let _ = writeln!(out, "\n**Verdict: nothing lost, nothing twice.**");
    } else {
        let _ = writeln!(out, "\n**Verdict: FAILED** ({})", failures.join("; "));
    }
    if let Some(path) = &o.report {
        std::fs::write(path, &out).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(Outcome {
        report: out,
        verdict,
        failures,
        aws_faults,
        graph_faults,
    })
}

async fn token(
    http: &reqwest::Client,
    base_url: &str,
    subject: &str,
    groups: &str,
) -> Result<String, String> {
    let body: serde_json::Value = http
        .get(format!(
            // A regency-wide officer's ID token (`kecamatan=*`): the crowd spans every kecamatan.
            "{base_url}/_local/token?sub={subject}&groups={groups}&kecamatan=*"
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the local authorizer gave no token".into())
}
