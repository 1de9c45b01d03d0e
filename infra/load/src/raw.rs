//! The emulator's own speed, measured in the same run: every DynamoDB and S3 call the system
//! made during the load (recorded by the proxy), replayed byte for byte, in the same order and at
//! the same concurrency, at the emulator (through the proxy with faults off, so DynamoDB calls
//! are serialised the same way) against a fresh table and bucket made from the
//! template. Nothing of the system runs during the replay, so its rate is what the emulator
//! allows for exactly those calls; the system's throughput divided by that bound is the
//! benchmark's headline ratio.
//!
//! Faithful replay matters with moto: its transactions copy the table, so their cost grows with
//! the table and with the items they write; synthetic calls misjudge that by a factor of two.

use crate::aws_proxy::RecordedCall;
use futures::StreamExt;
use std::time::{Duration, Instant};

pub struct RawRate {
    pub calls: usize,
    /// Answers other than 2xx (e.g. condition checks that fail because the replay interleaves
    /// differently): they cost the emulator about the same, and are reported.
    pub errors: usize,
    pub elapsed: Duration,
    /// (operation, calls, median latency)
    pub medians: Vec<(String, usize, Duration)>,
}

impl RawRate {
    pub fn per_second(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Where the replay sends the calls: the same names replaced by fresh ones.
pub struct Retarget<'a> {
    pub table: (&'a str, &'a str),
    pub bucket: (&'a str, &'a str),
}

impl Retarget<'_> {
    /// The call aimed at the fresh table or bucket.
    pub fn call(&self, call: &RecordedCall) -> (String, Vec<u8>) {
        if call.operation.starts_with("s3:") {
            let (from, to) = self.bucket;
            let path = match call.path.strip_prefix(&format!("/{from}")) {
                Some(rest) if rest.is_empty() || rest.starts_with(['/', '?']) => {
                    format!("/{to}{rest}")
                }
                _ => call.path.clone(),
            };
            (path, call.body.to_vec())
        } else {
            let (from, to) = self.table;
            let body = String::from_utf8_lossy(&call.body)
                .replace(&format!("\"{from}\""), &format!("\"{to}\""));
            (call.path.clone(), body.into_bytes())
        }
    }
}

/// Replays `calls` at `emulator`, `concurrency` at a time, in their recorded order.
pub async fn replay(
    http: &reqwest::Client,
    emulator: &str,
    calls: &[RecordedCall],
    target: &Retarget<'_>,
    concurrency: usize,
) -> RawRate {
    let emulator = emulator.trim_end_matches('/');
    let started = Instant::now();
    let results: Vec<(&str, bool, Duration)> = futures::stream::iter(calls)
        .map(|call| async move {
            let (path, body) = target.call(call);
            let mut request = http
                .request(call.method.clone(), format!("{emulator}{path}"))
                .body(body);
            for (name, value) in &call.headers {
                request = request.header(name.as_str(), value.as_slice());
            }
            let started = Instant::now();
            let ok = match request.send().await {
                Ok(response) => {
                    let ok = response.status().is_success();
                    // Read the whole answer, as the SDK does.
                    ok && response.bytes().await.is_ok()
                }
                Err(_) => false,
            };
            (call.operation.as_str(), ok, started.elapsed())
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut by_op: Vec<(String, Vec<Duration>)> = Vec::new();
    for (op, _, took) in &results {
        match by_op.iter_mut().find(|(o, _)| o == op) {
            Some((_, times)) => times.push(*took),
            None => by_op.push(((*op).to_owned(), vec![*took])),
        }
    }
    let medians = by_op
        .into_iter()
        .map(|(op, mut times)| {
            times.sort();
            let median = times[times.len() / 2];
            (op, times.len(), median)
        })
        .collect();
    RawRate {
        calls: calls.len(),
        errors: results.iter().filter(|(_, ok, _)| !ok).count(),
        elapsed,
        medians,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Method;

    fn recorded(operation: &str, path: &str, body: &str) -> RecordedCall {
        RecordedCall {
            operation: operation.into(),
            method: Method::POST,
            path: path.into(),
            headers: Vec::new(),
            body: bytes::Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn calls_are_aimed_at_the_fresh_table_and_bucket_only() {
        let target = Retarget {
            table: ("bench-1", "bench-1-replay"),
            bucket: ("bench-1", "bench-1-replay"),
        };
        let (_, body) = target.call(&recorded(
            "dynamodb:TransactWriteItems",
            "/",
            r#"{"TransactItems":[{"Put":{"TableName":"bench-1","Item":{"PK":{"S":"bench-1x"}}}}]}"#,
        ));
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"TransactItems":[{"Put":{"TableName":"bench-1-replay","Item":{"PK":{"S":"bench-1x"}}}}]}"#
        );
        let (path, _) = target.call(&recorded(
            "s3:PutObject",
            "/bench-1/requests/a.jpg?x-id=PutObject",
            "",
        ));
        assert_eq!(path, "/bench-1-replay/requests/a.jpg?x-id=PutObject");
        let (path, _) = target.call(&recorded("s3:PutObject", "/bench-10/a", ""));
        assert_eq!(
            path, "/bench-10/a",
            "another bucket whose name starts the same"
        );
    }
}
