//! Percentiles and the Markdown report.

use crate::traffic::{Route, Sample};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Nearest-rank percentile (`q` in 0–1) of sorted durations.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub struct RouteLatency {
    pub route: Route,
    pub count: usize,
    pub ok: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Answers other than 2xx, by status (0: no answer).
    pub other: BTreeMap<u16, usize>,
}

/// Latency of successful calls per route (failed attempts are counted, not timed: a retried
/// webhook delivery is two samples, one refused and one accepted).
pub fn latencies(samples: &[Sample]) -> Vec<RouteLatency> {
    let mut by_route: BTreeMap<Route, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        by_route.entry(s.route).or_default().push(s);
    }
    by_route
        .into_iter()
        .map(|(route, samples)| {
            let mut ok: Vec<Duration> = samples
                .iter()
                .filter(|s| (200..300).contains(&s.status))
                .map(|s| s.elapsed)
                .collect();
            ok.sort();
            let mut other = BTreeMap::new();
            for s in samples.iter().filter(|s| !(200..300).contains(&s.status)) {
                *other.entry(s.status).or_default() += 1;
            }
            RouteLatency {
                route,
                count: samples.len(),
                ok: ok.len(),
                p50: percentile(&ok, 0.50),
                p99: percentile(&ok, 0.99),
                max: ok.last().copied().unwrap_or_default(),
                other,
            }
        })
        .collect()
}

pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

pub use crate::aws_proxy::is_event_emulation;

/// Calls per accepted message, application calls only, as a Markdown table.
pub fn calls_table(calls: &BTreeMap<String, u64>, messages: usize) -> String {
    let per = |n: u64| n as f64 / messages.max(1) as f64;
    let mut out = String::from("| call | count | per inbound message |\n|---|---:|---:|\n");
    let (mut dynamo, mut s3, mut emulation) = (0, 0, 0);
    for (operation, count) in calls {
        if is_event_emulation(operation) {
            emulation += count;
            continue;
        }
        if operation.starts_with("s3:") {
            s3 += count;
        } else {
            dynamo += count;
        }
        let _ = writeln!(out, "| `{operation}` | {count} | {:.2} |", per(*count));
    }
    let _ = writeln!(
        out,
        "| **DynamoDB total** | {dynamo} | **{:.2}** |",
        per(dynamo)
    );
    let _ = writeln!(out, "| **S3 total** | {s3} | **{:.2}** |", per(s3));
    let _ = writeln!(
        out,
        "| (local event-source polling, not counted above) | {emulation} | {:.2} |",
        per(emulation)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&sorted[..1], 0.99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn polling_is_kept_apart_from_application_calls() {
        let calls = BTreeMap::from([
            ("dynamodb:GetItem".to_owned(), 10),
            ("streams:GetRecords".to_owned(), 99),
            ("s3:PutObject".to_owned(), 5),
        ]);
        let table = calls_table(&calls, 5);
        assert!(
            table.contains("| **DynamoDB total** | 10 | **2.00** |"),
            "{table}"
        );
        assert!(table.contains("| **S3 total** | 5 | **1.00** |"), "{table}");
        assert!(!table.contains("streams:GetRecords"), "{table}");
    }
}
