//! What Lambda's triggers do in AWS, done locally: the table's stream and the bucket's
//! `ObjectCreated` notifications are turned into the real event shapes (`DynamoDbEvent`,
//! `S3Event`) and handed to the `documents` function, as its event source mapping and S3 trigger
//! in `template.yaml` would. The stream's filter, batch size and retry bound are read from the
//! template, so the local stack behaves as deployed.
//!
//! Both pollers run every ~200 ms in background tasks; they stop with the process (tests, `make
//! run`). What they did is kept in an [`EventLog`]: how often each item's stream record was
//! delivered, and what was given up on (deployed, that goes to the `DocumentsFetchFailures`
//! queue), so a test can tell a record still in flight from one that was never delivered.

use crate::gateway::Gateway;
use crate::template::Template;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodbstreams::types::{AttributeValue, ShardIteratorType};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use shared::clock::Clock as _;
use shared::store::keys;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Lambda retries an asynchronous invocation (S3) twice.
const S3_RETRIES: u32 = 2;
/// The wait before a failed stream record's first retry; it doubles up to
/// [`STREAM_RETRY_MAX_DELAY`]. Lambda does not redeliver a failed batch within one poll: with
/// the template's 5 retries this spreads them over about 15 s, so a store outage of a few
/// seconds does not use them all up (retrying every poll did, in about a second).
const STREAM_RETRY_FIRST_DELAY: Duration = Duration::from_millis(500);
const STREAM_RETRY_MAX_DELAY: Duration = Duration::from_secs(8);

/// The wait before retry number `retry` (1-based) of a failed stream record.
fn stream_retry_delay(retry: u32) -> Duration {
    STREAM_RETRY_FIRST_DELAY
        .saturating_mul(1 << retry.saturating_sub(1).min(16))
        .min(STREAM_RETRY_MAX_DELAY)
}

/// What the event sources did, shared with whoever started the stack.
#[derive(Debug, Default)]
pub struct EventLog {
    state: Mutex<EventLogState>,
}

#[derive(Debug, Default)]
struct EventLogState {
    /// `PK SK` of the item → deliveries of its stream records to the function.
    deliveries: HashMap<String, u32>,
    /// Events given up on after the last retry (keys and sequence numbers, no item data).
    given_up: Vec<String>,
    /// `PK SK` of the item → every stream record of it the poller read, filtered out or not
    /// (`INSERT #<sequence>`), so a record never delivered can be told from one never read.
    read: HashMap<String, Vec<String>>,
}

impl EventLog {
    fn lock(&self) -> MutexGuard<'_, EventLogState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many times a stream record of the item with these keys reached the function.
    pub fn stream_deliveries(&self, pk: &str, sk: &str) -> u32 {
        self.lock()
            .deliveries
            .get(&item_key_of(pk, sk))
            .copied()
            .unwrap_or(0)
    }

    /// The stream records of the item with these keys the poller read, in order, as
    /// `<event name> #<sequence number>`, with `(filtered out)` when the trigger's filter did not
    /// select it.
    pub fn stream_records_read(&self, pk: &str, sk: &str) -> Vec<String> {
        self.lock()
            .read
            .get(&item_key_of(pk, sk))
            .cloned()
            .unwrap_or_default()
    }

    /// The events given up on after their last retry, oldest first.
    pub fn given_up(&self) -> Vec<String> {
        self.lock().given_up.clone()
    }

    fn delivered(&self, record: &Value) {
        *self.lock().deliveries.entry(item_key(record)).or_default() += 1;
    }

    /// Kept for the items the trigger exists for (documents and object erasures) only, so a long
    /// `make run` does not keep a line per conversation write.
    fn read(&self, record: &Value, accepted: bool) {
        let sk = record
            .pointer("/dynamodb/Keys/SK/S")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !sk.starts_with(keys::DOCUMENT_PREFIX) && !sk.starts_with(keys::OBJECT_ERASURE_PREFIX) {
            return;
        }
        let text = |pointer: &str| {
            record
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned()
        };
        let mut seen = format!(
            "{} #{}",
            text("/eventName"),
            text("/dynamodb/SequenceNumber")
        );
        if !accepted {
            seen.push_str(" (filtered out)");
        }
        self.lock()
            .read
            .entry(item_key(record))
            .or_default()
            .push(seen);
    }

    fn give_up(&self, what: String) {
        tracing::warn!(event = %what, "event given up on after the last retry");
        self.lock().given_up.push(what);
    }
}

/// How the event log and [`stream_records_held`] name an item: `PK SK`.
pub fn item_key_of(pk: &str, sk: &str) -> String {
    format!("{pk} {sk}")
}

/// `PK SK` of a stream record's item.
fn item_key(record: &Value) -> String {
    let key = |name: &str| {
        record
            .pointer(&format!("/dynamodb/Keys/{name}/S"))
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    item_key_of(key("PK"), key("SK"))
}

/// The stream trigger of `DocumentsFunction` as the template declares it.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamTrigger {
    /// Lambda event filter patterns; a record is delivered when any matches (none = all).
    pub patterns: Vec<Value>,
    pub batch_size: usize,
    pub max_retries: u32,
}

impl StreamTrigger {
    /// Reads the first `DynamoDB` event of `DocumentsFunction`.
    pub fn from_template(template: &Template) -> Option<Self> {
        let props = template.properties("DocumentsFunction").ok()?;
        let events = props.get("Events")?.as_object()?;
        let event = events
            .values()
            .find(|e| e.get("Type").and_then(Value::as_str) == Some("DynamoDB"))?;
        let p = event.get("Properties")?;
        let patterns = p
            .pointer("/FilterCriteria/Filters")
            .and_then(Value::as_array)
            .map(|filters| {
                filters
                    .iter()
                    .filter_map(|f| f.get("Pattern").and_then(Value::as_str))
                    .filter_map(|s| serde_json::from_str(s).ok())
                    .collect()
            })
            .unwrap_or_default();
        let number =
            |name: &str, default: u64| p.get(name).and_then(Value::as_u64).unwrap_or(default);
        Some(Self {
            patterns,
            batch_size: usize::try_from(number("BatchSize", 100))
                .unwrap_or(100)
                .max(1),
            // Lambda's default for streams is "until the record expires"; locally, bounded.
            max_retries: u32::try_from(number("MaximumRetryAttempts", 3)).unwrap_or(3),
        })
    }

    pub fn accepts(&self, record: &Value) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| pattern_matches(p, record))
    }
}

/// The subset of Lambda event filtering the template uses: nested objects, and arrays of
/// accepted scalar values (`{"eventName": ["INSERT"]}`).
pub fn pattern_matches(pattern: &Value, value: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(name, sub)| match value.get(name) {
            Some(v) => pattern_matches(sub, v),
            None => false,
        }),
        Value::Array(accepted) => accepted.iter().any(|a| a == value),
        other => other == value,
    }
}

/// Starts both pollers for the table and bucket; they record what they do in `log`.
///
/// `sdk` is the stack's own (unchecked) access: the bucket's notifications come from S3 itself,
/// and the stream's ARN from the mapping's configuration. `documents_sdk` signs as the documents
/// function: Lambda's event source mapping reads the stream with the function's role.
#[allow(clippy::too_many_arguments)]
pub fn spawn(
    gateway: Arc<Gateway>,
    sdk: &shared::aws::SdkConfig,
    documents_sdk: &shared::aws::SdkConfig,
    template: &Template,
    table: &str,
    bucket: &str,
    log: Arc<EventLog>,
    sweep: bool,
) {
    let trigger = StreamTrigger::from_template(template);
    if let Some(trigger) = trigger {
        // No SDK retries: the poller reads holding the emulator's turn, and a retry's backoff
        // would hold up every other DynamoDB call; the next poll (200 ms later) is the retry.
        let streams = aws_sdk_dynamodbstreams::Client::from_conf(
            aws_sdk_dynamodbstreams::config::Builder::from(documents_sdk)
                .retry_config(aws_sdk_dynamodbstreams::config::retry::RetryConfig::disabled())
                .build(),
        );
        let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
        let gateway = gateway.clone();
        let table = table.to_owned();
        let log = log.clone();
        tokio::spawn(async move {
            poll_stream(gateway, dynamodb, streams, table, trigger, &log).await;
        });
    } else {
        tracing::warn!(
            "template.yaml has no DynamoDB event on DocumentsFunction; stream not polled"
        );
    }
    // The daily schedules (the complaint digest) run whenever events are delivered; the retry
    // sweep unless `LOCAL_RETRY_SWEEP=off` (tests run it at the instant they choose).
    let period = schedule_period(template);
    if period.is_none() {
        tracing::warn!("template.yaml has no rate Schedule on DocumentsFunction; no retry sweep");
    }
    let daily = daily_schedules(template);
    let sweep_period = period.filter(|_| sweep);
    if sweep_period.is_some() || !daily.is_empty() {
        let gateway = gateway.clone();
        tokio::spawn(async move {
            run_schedule(gateway, sweep_period, daily).await;
        });
    }
    let s3 = shared::aws::s3_client(sdk);
    let bucket = bucket.to_owned();
    tokio::spawn(async move {
        poll_bucket(gateway, s3, bucket, log).await;
    });
}

/// The `Schedule` events of `DocumentsFunction`: (expression, fixed input if any).
fn schedules(template: &Template) -> Vec<(String, Option<Value>)> {
    let Ok(props) = template.properties("DocumentsFunction") else {
        return Vec::new();
    };
    let Some(events) = props.get("Events").and_then(Value::as_object) else {
        return Vec::new();
    };
    events
        .values()
        .filter(|e| e.get("Type").and_then(Value::as_str) == Some("Schedule"))
        .filter_map(|e| {
            let expression = e.pointer("/Properties/Schedule")?.as_str()?.to_owned();
            // EventBridge passes `Input` (a JSON text) instead of its scheduled-event envelope.
            let input = e
                .pointer("/Properties/Input")
                .and_then(Value::as_str)
                .and_then(|text| serde_json::from_str(text).ok());
            Some((expression, input))
        })
        .collect()
}

/// The period of the first `rate(...)` `Schedule` event of `DocumentsFunction` (the retry
/// sweep: `rate(1 minute)`, `rate(5 minutes)`, `rate(1 hour)`), as EventBridge would invoke it.
pub fn schedule_period(template: &Template) -> Option<std::time::Duration> {
    schedules(template)
        .iter()
        .find_map(|(expression, _)| parse_rate(expression))
}

/// The `cron(...)` schedules of `DocumentsFunction` with their input (the complaint digest).
pub fn daily_schedules(template: &Template) -> Vec<(DailyCron, Value)> {
    schedules(template)
        .into_iter()
        .filter_map(|(expression, input)| match parse_cron(&expression) {
            Some(cron) => Some((cron, input.unwrap_or(Value::Null))),
            None => {
                if parse_rate(&expression).is_none() {
                    tracing::warn!(%expression, "a schedule the local stack cannot run");
                }
                None
            }
        })
        .collect()
}

/// The daily subset of EventBridge's `cron(minutes hours day-of-month month day-of-week year)`
/// the template uses: a fixed minute and hour (UTC), every month and year, on all days or on a
/// list or range of weekdays (`MON-FRI`, `MON,WED`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyCron {
    pub minute: u8,
    pub hour: u8,
    pub weekdays: Vec<time::Weekday>,
}

pub fn parse_cron(expression: &str) -> Option<DailyCron> {
    use time::Weekday::*;
    let inner = expression.strip_prefix("cron(")?.strip_suffix(')')?;
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [minute, hour, day, month, weekday, year] = fields.as_slice() else {
        return None;
    };
    let minute: u8 = minute.parse().ok().filter(|m| *m < 60)?;
    let hour: u8 = hour.parse().ok().filter(|h| *h < 24)?;
    if !matches!(*day, "?" | "*") || *month != "*" || *year != "*" {
        return None;
    }
    const DAYS: [(&str, time::Weekday); 7] = [
        ("SUN", Sunday),
        ("MON", Monday),
        ("TUE", Tuesday),
        ("WED", Wednesday),
        ("THU", Thursday),
        ("FRI", Friday),
        ("SAT", Saturday),
    ];
    let index = |name: &str| DAYS.iter().position(|(n, _)| *n == name);
    let weekdays = match *weekday {
        "?" | "*" => DAYS.iter().map(|(_, d)| *d).collect(),
        list => {
            let mut days = Vec::new();
            for part in list.split(',') {
                match part.split_once('-') {
                    Some((from, to)) => {
                        let (from, to) = (index(from)?, index(to)?);
                        if from > to {
                            return None;
                        }
                        days.extend(DAYS[from..=to].iter().map(|(_, d)| *d));
                    }
                    None => days.push(DAYS[index(part)?].1),
                }
            }
            days
        }
    };
    Some(DailyCron {
        minute,
        hour,
        weekdays,
    })
}

impl DailyCron {
    /// The first time after `after` this schedule fires.
    pub fn next_after(&self, after: time::OffsetDateTime) -> time::OffsetDateTime {
        let after = after.to_offset(time::UtcOffset::UTC);
        let at = time::Time::from_hms(self.hour, self.minute, 0).unwrap_or(time::Time::MIDNIGHT);
        let mut day = after.date();
        // Eight days always hold the next of any non-empty set of weekdays.
        for _ in 0..8 {
            let candidate = day.with_time(at).assume_utc();
            if candidate > after && self.weekdays.contains(&day.weekday()) {
                return candidate;
            }
            day = day.next_day().unwrap_or(day);
        }
        after + time::Duration::days(1)
    }
}

/// `rate(<n> <unit>)` → the period; anything else (cron expressions) → `None`.
pub fn parse_rate(expression: &str) -> Option<std::time::Duration> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (value, unit) = inner.trim().split_once(' ')?;
    let value: u64 = value.parse().ok().filter(|v| *v > 0)?;
    let seconds = match unit.trim() {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(value * seconds))
}

/// Invokes the documents function with EventBridge's scheduled event every `period`, and with
/// each daily schedule's input when the stack's clock passes its time (a clock moved across
/// several such times runs it once, as the sweep).
async fn run_schedule(
    gateway: Arc<Gateway>,
    sweep_period: Option<std::time::Duration>,
    daily: Vec<(DailyCron, Value)>,
) {
    // Without the sweep, wake each minute for the daily schedules (and at once on a clock move).
    let period = sweep_period.unwrap_or(std::time::Duration::from_secs(60));
    let mut ticks = tokio::time::interval(period);
    ticks.tick().await; // the first tick is immediate; EventBridge's first comes after a period
    let started = gateway.clock.now();
    let mut next_daily: Vec<time::OffsetDateTime> = daily
        .iter()
        .map(|(cron, _)| cron.next_after(started))
        .collect();
    loop {
        // A moved clock (`/_local/clock`) runs the sweep at once: the sweeps EventBridge would
        // have run meanwhile collapse into one, which catches up on everything then due.
        tokio::select! {
            _ = ticks.tick() => {}
            () = gateway.clock_moved.notified() => {}
        }
        if sweep_period.is_some() {
            let event = serde_json::json!({
                "version": "0",
                "id": "local-schedule",
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "000000000000",
                "time": gateway.clock.now()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                "region": crate::LOCAL_REGION,
                "resources": [],
                "detail": {},
            });
            if let Err(err) = documents::invoke(&gateway.functions.documents, event).await {
                tracing::warn!(error = %err, "scheduled sweep failed");
            }
        }
        let now = gateway.clock.now();
        for ((cron, input), next) in daily.iter().zip(next_daily.iter_mut()) {
            if now >= *next {
                *next = cron.next_after(now);
                if let Err(err) =
                    documents::invoke(&gateway.functions.documents, input.clone()).await
                {
                    tracing::warn!(error = %err, "scheduled task failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn rates_are_read_like_eventbridge() {
        assert_eq!(
            parse_rate("rate(1 minute)"),
            Some(std::time::Duration::from_secs(60))
        );
        assert_eq!(
            parse_rate("rate(5 minutes)"),
            Some(std::time::Duration::from_secs(300))
        );
        assert_eq!(
            parse_rate("rate(2 hours)"),
            Some(std::time::Duration::from_secs(7200))
        );
        assert_eq!(parse_rate("rate(0 minutes)"), None);
        assert_eq!(parse_rate("cron(0 1 * * ? *)"), None);
    }

    #[test]
    fn the_template_schedules_the_retry_sweep_and_the_daily_digest() {
        let template = Template::load(&crate::StackConfig::repo_template()).unwrap();
        assert_eq!(
            schedule_period(&template),
            Some(std::time::Duration::from_secs(60))
        );
        let daily = daily_schedules(&template);
        assert_eq!(daily.len(), 2, "{daily:?}");
        let at = |task: &str| {
            daily
                .iter()
                .find(|(_, input)| input == &serde_json::json!({ "task": task }))
                .map(|(cron, _)| (cron.hour, cron.minute))
        };
        assert_eq!(at("complaint_digest"), Some((1, 0)));
        assert_eq!(at("appointment_reminders"), Some((3, 0)));
    }

    #[test]
    fn daily_crons_fire_on_their_weekdays_at_their_utc_time() {
        use time::macros::datetime;
        let weekdays = parse_cron("cron(0 1 ? * MON-FRI *)").unwrap();
        assert_eq!(weekdays.weekdays.len(), 5);
        // Thursday 3 December 2026, 00:30 UTC: the same day at 01:00.
        assert_eq!(
            weekdays.next_after(datetime!(2026-12-03 00:30 UTC)),
            datetime!(2026-12-03 01:00 UTC)
        );
        // Friday after 01:00 (08:00 WIB): Monday.
        assert_eq!(
            weekdays.next_after(datetime!(2026-12-04 01:00 UTC)),
            datetime!(2026-12-07 01:00 UTC)
        );
        // Offsets are read as instants.
        assert_eq!(
            weekdays.next_after(datetime!(2026-12-03 07:59 +7)),
            datetime!(2026-12-03 01:00 UTC)
        );
        let daily = parse_cron("cron(30 23 * * ? *)").unwrap();
        assert_eq!(
            daily.next_after(datetime!(2026-12-05 23:30 UTC)),
            datetime!(2026-12-06 23:30 UTC)
        );
        let listed = parse_cron("cron(0 1 ? * MON,WED *)").unwrap();
        assert_eq!(
            listed.weekdays,
            [time::Weekday::Monday, time::Weekday::Wednesday]
        );
        for unsupported in [
            "rate(1 day)",
            "cron(0 1 1 * ? *)",
            "cron(0/5 1 ? * * *)",
            "cron(0 25 ? * * *)",
            "cron(0 1 ? * FRI-MON *)",
            "cron(0 1 ? *)",
        ] {
            assert_eq!(parse_cron(unsupported), None, "{unsupported}");
        }
    }
}

/// The wire form of an attribute value (`{"S": "..."}`), as stream events carry it.
fn attribute_json(value: &AttributeValue) -> Value {
    let b64 = |b: &aws_sdk_dynamodbstreams::primitives::Blob| {
        Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
    };
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => json!({ "BS": v.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::L(items) => {
            json!({ "L": items.iter().map(attribute_json).collect::<Vec<_>>() })
        }
        AttributeValue::M(map) => json!({ "M": item_json(map) }),
        _ => Value::Null,
    }
}

fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), attribute_json(v)))
            .collect::<Map<_, _>>(),
    )
}

fn stream_record_json(
    record: &aws_sdk_dynamodbstreams::types::Record,
    stream_arn: &str,
    region: &str,
) -> Option<Value> {
    let change = record.dynamodb()?;
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": change
            .approximate_creation_date_time()
            .map_or(0.0, |t| t.as_secs_f64()),
        "SequenceNumber": change.sequence_number(),
        "SizeBytes": change.size_bytes().unwrap_or(0),
        "StreamViewType": change.stream_view_type().map(|v| v.as_str().to_owned()),
    });
    if let Some(keys) = change.keys() {
        dynamodb["Keys"] = item_json(keys);
    }
    if let Some(image) = change.new_image() {
        dynamodb["NewImage"] = item_json(image);
    }
    if let Some(image) = change.old_image() {
        dynamodb["OldImage"] = item_json(image);
    }
    Some(json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str().to_owned()),
        "eventVersion": record.event_version().unwrap_or("1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region().unwrap_or(region),
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
    }))
}

async fn poll_stream(
    gateway: Arc<Gateway>,
    dynamodb: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    table: String,
    trigger: StreamTrigger,
    log: &EventLog,
) {
    let region = streams
        .config()
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_default();
    let stream_arn = loop {
        match latest_stream_arn(&dynamodb, &table).await {
            Ok(Some(arn)) => break arn,
            Ok(None) => {
                tracing::warn!(%table, "table has no stream; stream events disabled");
                return;
            }
            Err(err) => {
                tracing::debug!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(err), "describe_table failed; retrying");
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }
    };
    // Shard id → where reading resumes; new shards are picked up as they appear.
    let mut shards: HashMap<String, ShardPosition> = HashMap::new();
    // (record, retries so far, when the next is due) waiting after a reported failure.
    let mut retries: Vec<(Value, u32, Instant)> = Vec::new();
    loop {
        if let Ok(described) = streams
            .describe_stream()
            .stream_arn(&stream_arn)
            .send()
            .await
        {
            for shard in described
                .stream_description()
                .map(|d| d.shards())
                .unwrap_or_default()
            {
                if let Some(id) = shard.shard_id() {
                    shards.entry(id.to_owned()).or_insert(ShardPosition::Start);
                }
            }
        }
        let now = Instant::now();
        let (due, waiting): (Vec<_>, Vec<_>) = retries.drain(..).partition(|(_, _, at)| *at <= now);
        retries = waiting;
        let mut fresh: Vec<(Value, u32)> = due
            .into_iter()
            .map(|(record, attempts, _)| (record, attempts))
            .collect();
        for (shard_id, position) in &mut shards {
            let Some(records) = crate::dynamodb_gate::exclusively(read_shard(
                &streams,
                &stream_arn,
                shard_id,
                position,
            ))
            .await
            else {
                continue;
            };
            for record in records {
                if let Some(json) = stream_record_json(&record, &stream_arn, &region) {
                    let accepted = trigger.accepts(&json);
                    log.read(&json, accepted);
                    if accepted {
                        fresh.push((json, 0));
                    }
                }
            }
        }
        for batch in fresh.chunks(trigger.batch_size) {
            for (record, _) in batch {
                log.delivered(record);
            }
            let failed = deliver_stream_batch(&gateway, batch).await;
            for (record, attempts) in batch {
                let sequence = record
                    .pointer("/dynamodb/SequenceNumber")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !failed.contains(sequence) {
                    continue;
                }
                if *attempts < trigger.max_retries {
                    let retry = attempts + 1;
                    retries.push((
                        record.clone(),
                        retry,
                        Instant::now() + stream_retry_delay(retry),
                    ));
                } else {
                    // Deployed, this goes to the on-failure destination.
                    let keys = record
                        .pointer("/dynamodb/Keys")
                        .cloned()
                        .unwrap_or_default();
                    log.give_up(format!(
                        "stream record {sequence} ({keys}) after {} deliveries",
                        attempts + 1
                    ));
                }
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The table's stream, if it has one.
pub async fn latest_stream_arn(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Option<String>, aws_sdk_dynamodb::error::SdkError<DescribeTableError>> {
    let out = dynamodb.describe_table().table_name(table).send().await?;
    Ok(out
        .table()
        .and_then(|t| t.latest_stream_arn())
        .map(str::to_owned))
}

/// Every record the table's stream holds, read straight from the emulator in one pass, by item
/// ([`item_key_of`]), each as `<event name> #<sequence number> <doc_state or erasure_state>`:
/// what a check reports beside [`EventLog::stream_records_read`] when an item was never
/// processed.
pub async fn stream_records_held(
    sdk: &shared::aws::SdkConfig,
    table: &str,
) -> Result<HashMap<String, Vec<String>>, String> {
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let streams = aws_sdk_dynamodbstreams::Client::new(sdk);
    let arn = latest_stream_arn(&dynamodb, table)
        .await
        .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
    let Some(arn) = arn else {
        return Ok(HashMap::new());
    };
    let shards = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_sdk_dynamodbstreams::error::DisplayErrorContext(e).to_string())?;
    let mut held: HashMap<String, Vec<String>> = HashMap::new();
    // Held across every page, for the reason `read_shard` is.
    crate::dynamodb_gate::exclusively(async {
        for shard in shards
            .stream_description()
            .map(|d| d.shards())
            .unwrap_or_default()
        {
            let Some(shard_id) = shard.shard_id() else {
                continue;
            };
            let mut position = ShardPosition::Start;
            while !matches!(position, ShardPosition::Closed) {
                let records = read_shard(&streams, &arn, shard_id, &mut position)
                    .await
                    .ok_or("a stream read failed")?;
                if records.is_empty() {
                    break;
                }
                for record in records
                    .iter()
                    .filter_map(|r| stream_record_json(r, &arn, ""))
                {
                    let text = |pointer: &str| record.pointer(pointer).and_then(Value::as_str);
                    let state = text("/dynamodb/NewImage/doc_state/S")
                        .or_else(|| text("/dynamodb/NewImage/erasure_state/S"))
                        .unwrap_or("-");
                    held.entry(item_key(&record)).or_default().push(format!(
                        "{} #{} {state}",
                        text("/eventName").unwrap_or("?"),
                        text("/dynamodb/SequenceNumber").unwrap_or("?"),
                    ));
                }
            }
        }
        Ok::<_, String>(())
    })
    .await?;
    Ok(held)
}

/// Reads what a shard holds after `position` and moves `position` past it; `None` when a call
/// failed (the next poll tries again from the same place). Called holding the emulator's turn
/// ([`crate::dynamodb_gate::exclusively`]), so no transaction runs between the two calls.
async fn read_shard(
    streams: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    shard_id: &str,
    position: &mut ShardPosition,
) -> Option<Vec<aws_sdk_dynamodbstreams::types::Record>> {
    // A fresh iterator on every poll, from the last record read. moto answers a cancelled
    // TransactWriteItems by putting back a deep copy of the table taken before it, stream shard
    // included, so an iterator kept across polls goes on reading the discarded shard and never
    // sees another record (every document fetch stalled once a duplicate delivery had been
    // refused). DynamoDB Streams accepts the same call; it costs one request per shard and poll.
    let request = streams
        .get_shard_iterator()
        .stream_arn(stream_arn)
        .shard_id(shard_id);
    let request = match position {
        ShardPosition::Start => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        ShardPosition::After(sequence) => request
            .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
            .sequence_number(sequence.as_str()),
        ShardPosition::Closed => return None,
    };
    let iterator = match request.send().await {
        Ok(out) => out.shard_iterator()?.to_owned(),
        Err(err) => {
            tracing::debug!(error = %aws_sdk_dynamodbstreams::error::DisplayErrorContext(err), "get_shard_iterator failed");
            return None;
        }
    };
    match streams.get_records().shard_iterator(iterator).send().await {
        Ok(mut out) => {
            let records = out.records.take().unwrap_or_default();
            if let Some(sequence) = records
                .iter()
                .filter_map(|r| r.dynamodb().and_then(|d| d.sequence_number()))
                .next_back()
            {
                *position = ShardPosition::After(sequence.to_owned());
            }
            // A closed shard (split or expired) ends with no next iterator once read.
            if out.next_shard_iterator().is_none() {
                *position = ShardPosition::Closed;
            }
            Some(records)
        }
        Err(err) => {
            tracing::debug!(error = %aws_sdk_dynamodbstreams::error::DisplayErrorContext(err), "get_records failed");
            None
        }
    }
}

/// Where the poller resumes reading a shard.
enum ShardPosition {
    /// Nothing read yet: from the oldest record kept.
    Start,
    /// After the last record read.
    After(String),
    /// Read to its end and closed.
    Closed,
}

/// Invokes the function with one batch; returns the sequence numbers it reported as failed (all
/// of them when the invocation itself failed).
async fn deliver_stream_batch(gateway: &Gateway, batch: &[(Value, u32)]) -> HashSet<String> {
    let records: Vec<Value> = batch.iter().map(|(r, _)| r.clone()).collect();
    let all = || {
        records
            .iter()
            .filter_map(|r| {
                r.pointer("/dynamodb/SequenceNumber")
                    .and_then(Value::as_str)
            })
            .map(str::to_owned)
            .collect::<HashSet<_>>()
    };
    match documents::invoke(&gateway.functions.documents, json!({ "Records": records })).await {
        Ok(response) => response
            .get("batchItemFailures")
            .and_then(Value::as_array)
            .map(|failures| {
                failures
                    .iter()
                    .filter_map(|f| f.get("itemIdentifier").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        Err(err) => {
            tracing::warn!(error = %err, "documents function failed on a stream batch");
            all()
        }
    }
}

async fn poll_bucket(
    gateway: Arc<Gateway>,
    s3: aws_sdk_s3::Client,
    bucket: String,
    log: Arc<EventLog>,
) {
    let region = s3
        .config()
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut first = true;
    loop {
        let mut current = Vec::new();
        let mut marker: (Option<String>, Option<String>) = (None, None);
        loop {
            let page = s3
                .list_object_versions()
                .bucket(&bucket)
                .set_key_marker(marker.0.clone())
                .set_version_id_marker(marker.1.clone())
                .send()
                .await;
            let Ok(page) = page else { break };
            for v in page.versions() {
                if let Some(key) = v.key() {
                    current.push((
                        key.to_owned(),
                        v.version_id().unwrap_or("null").to_owned(),
                        v.size().unwrap_or(0),
                        v.e_tag().unwrap_or_default().to_owned(),
                    ));
                }
            }
            if page.is_truncated() != Some(true) {
                break;
            }
            marker = (
                page.next_key_marker().map(str::to_owned),
                page.next_version_id_marker().map(str::to_owned),
            );
        }
        for (key, version, size, etag) in current {
            if !seen.insert((key.clone(), version.clone())) || first {
                continue;
            }
            let event = s3_event(
                &bucket,
                &region,
                &key,
                &version,
                size,
                &etag,
                gateway.clock.now(),
            );
            let gateway = gateway.clone();
            let log = log.clone();
            // Asynchronous, like S3's invocation of Lambda: one slow object does not hold up the
            // next.
            tokio::spawn(async move {
                for attempt in 0..=S3_RETRIES {
                    match documents::invoke(&gateway.functions.documents, event.clone()).await {
                        Ok(_) => return,
                        Err(err) => {
                            tracing::warn!(error = %err, attempt, "documents function failed on an S3 event");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                    }
                }
                // Deployed, the function's DeadLetterQueue.
                log.give_up(format!(
                    "S3 event {key}#{version} after {} invocations",
                    S3_RETRIES + 1
                ));
            });
        }
        first = false;
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The S3 notification Lambda receives for one new object version.
fn s3_event(
    bucket: &str,
    region: &str,
    key: &str,
    version: &str,
    size: i64,
    etag: &str,
    now: time::OffsetDateTime,
) -> Value {
    let at = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    json!({
        "Records": [{
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": region,
            "eventTime": at,
            "eventName": "ObjectCreated:Put",
            "userIdentity": { "principalId": "local" },
            "requestParameters": { "sourceIPAddress": "127.0.0.1" },
            "responseElements": {},
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "local",
                "bucket": {
                    "name": bucket,
                    "ownerIdentity": { "principalId": "local" },
                    "arn": format!("arn:aws:s3:::{bucket}"),
                },
                "object": {
                    "key": encode_key(key),
                    "size": size,
                    "eTag": etag.trim_matches('"'),
                    "versionId": version,
                    "sequencer": format!("{:016X}", now.unix_timestamp_nanos()),
                },
            },
        }],
    })
}

/// S3 notifications URL-encode keys, with `+` for spaces.
fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_retries_back_off_past_a_short_outage() {
        let delays: Vec<u64> = (1..=6)
            .map(|retry| u64::try_from(stream_retry_delay(retry).as_millis()).unwrap_or(0))
            .collect();
        assert_eq!(delays, [500, 1_000, 2_000, 4_000, 8_000, 8_000]);
        // The template's 5 retries outlast the load benchmark's longest store outage (3 s) with
        // room to spare.
        let trigger = StreamTrigger::from_template(
            &Template::load(&crate::StackConfig::repo_template()).expect("template.yaml loads"),
        )
        .expect("DocumentsFunction has a stream trigger");
        let total: Duration = (1..=trigger.max_retries).map(stream_retry_delay).sum();
        assert!(total >= Duration::from_secs(10), "{total:?}");
    }

    #[test]
    fn the_log_counts_deliveries_per_item_and_keeps_what_was_given_up() {
        let log = EventLog::default();
        let record = json!({"dynamodb": {"Keys": {"PK": {"S": "REQ#T1"}, "SK": {"S": "DOC#d1"}}}});
        log.delivered(&record);
        log.delivered(&record);
        assert_eq!(log.stream_deliveries("REQ#T1", "DOC#d1"), 2);
        assert_eq!(log.stream_deliveries("REQ#T1", "DOC#d2"), 0);
        log.give_up("stream record 7".into());
        assert_eq!(log.given_up(), ["stream record 7"]);
    }

    #[test]
    fn filter_patterns_match_like_lambda() {
        let pattern = json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"doc_state": {"S": ["PENDING_FETCH"]}}}});
        let record = |name: &str, state: &str| json!({"eventName": name, "dynamodb": {"NewImage": {"doc_state": {"S": state}, "PK": {"S": "x"}}}});
        assert!(pattern_matches(
            &pattern,
            &record("INSERT", "PENDING_FETCH")
        ));
        assert!(!pattern_matches(
            &pattern,
            &record("MODIFY", "PENDING_FETCH")
        ));
        assert!(!pattern_matches(&pattern, &record("INSERT", "STORED")));
        assert!(!pattern_matches(&pattern, &json!({"eventName": "INSERT"})));
    }

    #[test]
    fn the_template_declares_the_stream_trigger() {
        let template = Template::load(&crate::StackConfig::repo_template()).unwrap();
        let trigger = StreamTrigger::from_template(&template).expect("a DynamoDB event");
        assert_eq!(
            trigger.patterns.len(),
            3,
            "media to fetch, object erasures, audit events"
        );
        assert!(trigger.max_retries >= 1);
    }

    /// Lambda delivers a record when any of the filters matches; each filter's fields must all
    /// match.
    #[test]
    fn the_template_filters_select_media_erasures_and_audit_events_and_nothing_else() {
        let template = Template::load(&crate::StackConfig::repo_template()).unwrap();
        let trigger = StreamTrigger::from_template(&template).expect("a DynamoDB event");
        let record =
            |name: &str, image: Value| json!({"eventName": name, "dynamodb": {"NewImage": image}});
        let media = json!({"entity": {"S": "DOCUMENT"}, "doc_state": {"S": "PENDING_FETCH"}});
        let erasure = json!({"entity": {"S": "OBJECT_ERASURE"}, "erasure_state": {"S": "PENDING"}});
        assert!(trigger.accepts(&record("INSERT", media.clone())));
        assert!(trigger.accepts(&record("INSERT", erasure.clone())));
        assert!(
            !trigger.accepts(&record("MODIFY", erasure)),
            "the done-mark is not redelivered"
        );
        assert!(!trigger.accepts(&record("REMOVE", media)));
        let done = json!({"entity": {"S": "OBJECT_ERASURE"}, "erasure_state": {"S": "DONE"}});
        assert!(!trigger.accepts(&record("INSERT", done)));
        let other_pending = json!({"entity": {"S": "REQUEST"}, "erasure_state": {"S": "PENDING"}});
        assert!(!trigger.accepts(&record("INSERT", other_pending)));
        assert!(!trigger.accepts(&record("INSERT", json!({"entity": {"S": "REQUEST"}}))));
        let audit = json!({"entity": {"S": "AUDIT"}, "event": {"M": {}}});
        assert!(trigger.accepts(&record("INSERT", audit.clone())));
        assert!(
            !trigger.accepts(&record("MODIFY", audit)),
            "an erasure's rewrite is not archived"
        );
    }

    #[test]
    fn keys_are_encoded_like_s3() {
        assert_eq!(encode_key("requests/AB-CD/01.pdf"), "requests/AB-CD/01.pdf");
        assert_eq!(encode_key("a b+c"), "a+b%2Bc");
    }
}
