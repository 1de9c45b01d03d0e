//! The fault-injection run at a size `make test` can afford: a few residents hold whole
//! conversations (with photos) while officers read, DynamoDB and S3 throttle and fail (before
//! and after applying a call), the emulator goes away and comes back, and the Graph API rate
//! limits, fails and hangs. Nothing may be lost or done twice. `make bench` runs the same at
//! scale (docs/performance.md).

use load_bench::bench::{self, Options};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_under_faults_loses_nothing_and_does_nothing_twice() {
    let emulator = std::env::var("AWS_ENDPOINT_URL").expect(
        "AWS_ENDPOINT_URL is not set: integration tests need the moto emulator (make test)",
    );
    // The handlers' logs show in a failing run's output: what went wrong, not only its count.
    shared::telemetry::init();
    let mut options = Options::new(emulator);
    options.residents = 5;
    options.concurrency = 5;
    options.officers = 1;
    options.duplicate_every = 4;
    options.faults = true;
    options.outage_at = Duration::from_secs(2);
    options.outage_for = Duration::from_secs(2);
    options.deadline = Duration::from_secs(150);
    // An upper bound, not a wait: the check ends as soon as every photo is settled. CI machines
    // are slower than a workstation: 20 s once ended there with a photo not yet fetched.
    options.drain = Duration::from_secs(90);

    let outcome = bench::run(options).await.expect("the run completes");

    assert!(
        outcome.failures.is_empty(),
        "{:?}\n{}",
        outcome.failures,
        outcome.report
    );
    let v = &outcome.verdict;
    assert_eq!(v.requests_found, 5, "{}", outcome.report);
    assert!(v.messages_duplicated_by_sender > 0, "{}", outcome.report);
    assert!(v.messages_accepted >= 5 * 10, "{}", outcome.report);
    // Every required photo went stream → documents → Graph → S3, once.
    assert!(v.documents_expected >= 5, "{}", outcome.report);
    assert_eq!(
        v.documents_stored, v.documents_expected,
        "{}",
        outcome.report
    );
    assert_eq!(
        v.outbox_messages,
        v.replies_sent + v.notices_sent,
        "{}",
        outcome.report
    );
    assert_eq!(v.replies_sent, v.replies_recorded, "{}", outcome.report);
    // The faults really happened (a run without them would prove nothing).
    let aws = outcome.aws_faults;
    assert_eq!(aws.outages, 1, "{}", outcome.report);
    assert!(
        aws.throttle + aws.server_error + aws.lost_response > 0,
        "{}",
        outcome.report
    );
    let graph = outcome.graph_faults;
    assert!(
        graph.rate_limited + graph.server_error + graph.timeout > 0,
        "{}",
        outcome.report
    );
}
