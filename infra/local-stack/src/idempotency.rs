//! DynamoDB's `ClientRequestToken` for `TransactWriteItems`, which moto ignores, and a fault
//! that loses a transaction's answer after it was committed.
//!
//! DynamoDB remembers a transaction's token for 10 minutes. A repeat with the same token and the
//! same parameters is answered as the first call was, without applying anything again; a repeat
//! with the same token and other parameters is refused with `IdempotentParameterMismatchException`
//! (HTTP 400). moto applies every repeat again, so a retried commit fails its own conditions
//! (a webhook reads its message as a duplicate, an officer's change gets 409). This layer sits in
//! front of the emulator in the SDK's HTTP client chain and answers as DynamoDB does.
//!
//! [`lose_next_transact_answer`] makes the next `TransactWriteItems` on a table reach moto and
//! commit, then hands the SDK a timeout instead of the answer, as an attempt that outlived the
//! SDK's attempt limit (or a dropped connection) does on AWS. The SDK retries it with the same
//! token.
//!
//! [`fail_calls`] makes chosen calls of one operation on a table fail before they reach moto,
//! with DynamoDB's `InternalServerError` (HTTP 500, which the SDK retries), so a test can stop a
//! multi-step write part way (`tests/tests/erasure_faults.rs`).
//!
//! A call whose attempt the SDK abandons (its attempt timeout) still runs to the end here, as a
//! request DynamoDB received does, and a repeat with its token waits for that outcome.
//!
//! Not modelled: `TransactionInProgressException` (DynamoDB's answer to a repeat that arrives
//! while the first is still running; here the repeat waits for it), and tokens of other
//! operations.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long DynamoDB remembers a token.
pub const TOKEN_WINDOW: Duration = Duration::from_secs(600);

const TRANSACT_WRITE_ITEMS: &str = "DynamoDB_20120810.TransactWriteItems";
const MISMATCH: &str = "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException";

/// What DynamoDB remembers of one token.
struct Remembered {
    parameters: [u8; 32],
    at: Instant,
    /// The answer of a committed transaction; `None` while none committed under the token.
    answer: Option<StoredAnswer>,
}

#[derive(Clone)]
struct StoredAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

#[derive(Default)]
struct State {
    tokens: HashMap<String, Remembered>,
    /// Table name → answers still to lose.
    faults: HashMap<String, u32>,
    /// Table name → answers lost so far.
    lost: HashMap<String, u32>,
    /// Table name → repeats answered from a token.
    replayed: HashMap<String, u32>,
    /// (Table, operation) → calls still to let through, then calls to fail.
    failing: HashMap<(String, String), (u32, u32)>,
    /// Table name → calls failed so far by `fail_calls`.
    failed: HashMap<String, u32>,
    /// Token → the lock its calls take in turn, and when it was first used.
    in_flight: HashMap<String, (Arc<tokio::sync::Mutex<()>>, Instant)>,
}

/// Shared by every stack of the process, as the gate is: DynamoDB's tokens are per account.
static STATE: LazyLock<Mutex<State>> = LazyLock::new(|| Mutex::new(State::default()));

fn state() -> MutexGuard<'static, State> {
    // A panic elsewhere while holding the lock leaves plain data behind: keep using it.
    STATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The next `TransactWriteItems` that writes to `table` commits in moto, and its answer is lost:
/// the SDK sees a timeout and retries.
pub fn lose_next_transact_answer(table: &str) {
    *state().faults.entry(table.to_owned()).or_default() += 1;
}

/// The calls of `operation` (e.g. `BatchWriteItem`) on `table` after the next `after` ones fail,
/// `count` of them, without reaching moto: DynamoDB's `InternalServerError`. The SDK makes 3
/// attempts of a call, so `count` 3 fails one call of the function.
pub fn fail_calls(table: &str, operation: &str, after: u32, count: u32) {
    state()
        .failing
        .insert((table.to_owned(), operation.to_owned()), (after, count));
}

/// How many calls on `table` `fail_calls` failed so far.
pub fn failed_calls(table: &str) -> u32 {
    state().failed.get(table).copied().unwrap_or(0)
}

/// Whether this call is one `fail_calls` chose (counting it either way).
fn injected_failure(request: &HttpRequest) -> bool {
    let mut state = state();
    if state.failing.is_empty() {
        return false;
    }
    let Some(operation) = request
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.split_once('.'))
        .map(|(_, op)| op.to_owned())
    else {
        return false;
    };
    let Some(body) = request
        .body()
        .bytes()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
        return false;
    };
    let mut tables: Vec<String> = body
        .get("RequestItems")
        .and_then(Value::as_object)
        .map(|items| items.keys().cloned().collect())
        .unwrap_or_default();
    tables.extend(
        body.get("TableName")
            .and_then(Value::as_str)
            .map(str::to_owned),
    );
    for table in tables {
        if let Some((after, count)) = state.failing.get_mut(&(table.clone(), operation.clone())) {
            if *after > 0 {
                *after -= 1;
                return false;
            }
            if *count > 0 {
                *count -= 1;
                *state.failed.entry(table).or_default() += 1;
                return true;
            }
        }
    }
    false
}

fn internal_server_error() -> HttpResponse {
    let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected fault"}"#;
    let mut response = HttpResponse::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap_or_else(|_| unreachable!()),
        SdkBody::from(body),
    );
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
}

/// How many answers of transactions on `table` were lost so far.
pub fn lost_answers(table: &str) -> u32 {
    state().lost.get(table).copied().unwrap_or(0)
}

/// How many repeats of a committed transaction on `table` were answered from its token.
pub fn replayed_answers(table: &str) -> u32 {
    state().replayed.get(table).copied().unwrap_or(0)
}

/// `inner` with DynamoDB's transaction tokens and the lost-answer fault in front.
pub fn http_client(inner: SharedHttpClient) -> SharedHttpClient {
    SharedHttpClient::new(TokenClient { inner })
}

#[derive(Debug)]
struct TokenClient {
    inner: SharedHttpClient,
}

impl HttpClient for TokenClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(TokenConnector {
            inner: self.inner.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct TokenConnector {
    inner: SharedHttpConnector,
}

/// A `TransactWriteItems` call as this layer reads it.
#[derive(Clone)]
struct Transaction {
    token: String,
    parameters: [u8; 32],
    tables: BTreeSet<String>,
}

/// What to do with a call, decided holding the state.
enum Decision {
    Forward,
    Answer(StoredAnswer),
    Mismatch,
}

impl HttpConnector for TokenConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if injected_failure(&request) {
            tracing::info!("injected fault: a DynamoDB call fails with InternalServerError");
            return HttpConnectorFuture::ready(Ok(internal_server_error()));
        }
        let inner = self.inner.clone();
        let Some(transaction) = transaction(&request) else {
            return inner.call(request);
        };
        HttpConnectorFuture::new(async move {
            // One call per token at a time: a retry whose first attempt is still under way waits
            // for its outcome, as DynamoDB has it by the time any real retry arrives.
            let in_flight = token_lock(&transaction.token).lock_owned().await;
            let (decision, lose_answer) = decide(&transaction);
            let answer = match decision {
                Decision::Mismatch => return Ok(mismatch()),
                Decision::Answer(stored) => {
                    count(&transaction, |s| &mut s.replayed);
                    Ok(into_response(&stored))
                }
                Decision::Forward => {
                    // Runs to the end even when the SDK gives up on this attempt (its timeout
                    // drops this future): the emulator commits what it received, and DynamoDB
                    // would remember the token of what it committed.
                    let transaction = transaction.clone();
                    let call = tokio::spawn(async move {
                        let _in_flight = in_flight;
                        match inner.call(request).await {
                            Ok(response) => remember(&transaction, response).await,
                            Err(err) => Err(err),
                        }
                    });
                    call.await
                        .unwrap_or_else(|join| Err(ConnectorError::other(join.into(), None)))
                }
            };
            if lose_answer {
                count(&transaction, |s| &mut s.lost);
                tracing::info!(
                    tables = ?transaction.tables,
                    "injected fault: the transaction's answer is lost"
                );
                return Err(ConnectorError::timeout(
                    "injected fault: the answer of a committed TransactWriteItems was lost".into(),
                ));
            }
            answer
        })
    }
}

/// Reads the token and the parameters of a `TransactWriteItems` (`None`: another call, or one
/// without a token, which DynamoDB treats as a new request every time).
fn transaction(request: &HttpRequest) -> Option<Transaction> {
    let target = request.headers().get("x-amz-target")?;
    if target != TRANSACT_WRITE_ITEMS {
        return None;
    }
    let body: Value = serde_json::from_slice(request.body().bytes()?).ok()?;
    let token = body.get("ClientRequestToken")?.as_str()?.to_owned();
    let tables = body
        .get("TransactItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_object())
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("TableName").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Some(Transaction {
        token,
        parameters: parameters_hash(&body),
        tables,
    })
}

/// DynamoDB compares parameters, not bytes: objects are hashed in key order.
fn parameters_hash(body: &Value) -> [u8; 32] {
    fn feed(hash: &mut Sha256, value: &Value) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                hash.update(b"{");
                for key in keys {
                    hash.update(serde_json::to_string(key).unwrap_or_default().as_bytes());
                    hash.update(b":");
                    feed(hash, &map[key]);
                    hash.update(b",");
                }
                hash.update(b"}");
            }
            Value::Array(items) => {
                hash.update(b"[");
                for item in items {
                    feed(hash, item);
                    hash.update(b",");
                }
                hash.update(b"]");
            }
            other => hash.update(other.to_string().as_bytes()),
        }
    }
    let mut hash = Sha256::new();
    feed(&mut hash, body);
    hash.finalize().into()
}

/// The lock that keeps calls with one token apart (dropped with the token's memory).
fn token_lock(token: &str) -> Arc<tokio::sync::Mutex<()>> {
    let mut state = state();
    let now = Instant::now();
    state.in_flight.retain(|_, (lock, at)| {
        Arc::strong_count(lock) > 1 || now.duration_since(*at) < TOKEN_WINDOW
    });
    state
        .in_flight
        .entry(token.to_owned())
        .or_insert_with(|| (Arc::default(), now))
        .0
        .clone()
}

fn decide(transaction: &Transaction) -> (Decision, bool) {
    let mut state = state();
    let now = Instant::now();
    state
        .tokens
        .retain(|_, r| now.duration_since(r.at) < TOKEN_WINDOW);
    let lose_answer = transaction
        .tables
        .iter()
        .any(|table| match state.faults.get_mut(table) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        });
    let decision = match state.tokens.get(&transaction.token) {
        Some(r) if r.parameters != transaction.parameters => Decision::Mismatch,
        Some(Remembered {
            answer: Some(answer),
            ..
        }) => Decision::Answer(answer.clone()),
        Some(_) => Decision::Forward,
        None => {
            state.tokens.insert(
                transaction.token.clone(),
                Remembered {
                    parameters: transaction.parameters,
                    at: now,
                    answer: None,
                },
            );
            Decision::Forward
        }
    };
    (decision, lose_answer)
}

/// Keeps moto's answer of a committed transaction under its token, and hands it on.
async fn remember(
    transaction: &Transaction,
    mut response: HttpResponse,
) -> Result<HttpResponse, ConnectorError> {
    if !response.status().is_success() {
        // Cancelled or refused: nothing was written, so a repeat is tried again.
        return Ok(response);
    }
    let body = ByteStream::new(response.take_body())
        .collect()
        .await
        .map_err(|e| ConnectorError::io(e.into()))?
        .into_bytes()
        .to_vec();
    let stored = StoredAnswer {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        body,
    };
    if let Some(r) = state().tokens.get_mut(&transaction.token) {
        r.answer = Some(stored.clone());
    }
    Ok(into_response(&stored))
}

fn count(transaction: &Transaction, counter: impl Fn(&mut State) -> &mut HashMap<String, u32>) {
    let mut state = state();
    let counts = counter(&mut state);
    for table in &transaction.tables {
        *counts.entry(table.clone()).or_default() += 1;
    }
}

fn into_response(stored: &StoredAnswer) -> HttpResponse {
    let status = stored
        .status
        .try_into()
        .unwrap_or_else(|_| unreachable!("a status moto answered with"));
    let mut response = HttpResponse::new(status, SdkBody::from(stored.body.clone()));
    for (name, value) in &stored.headers {
        // Only headers moto sent, which were valid when they arrived.
        let _ = response
            .headers_mut()
            .try_insert(name.clone(), value.clone());
    }
    response
}

/// DynamoDB's answer to a token reused with other parameters.
fn mismatch() -> HttpResponse {
    let body = serde_json::json!({
        "__type": MISMATCH,
        "message": "Request token already used with different parameters",
    });
    let mut response = HttpResponse::new(
        400.try_into()
            .unwrap_or_else(|_| unreachable!("400 is a status code")),
        SdkBody::from(body.to_string()),
    );
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A stand-in for moto: counts the calls that reach it and answers `{}`, the first one
    /// after `first_delay`.
    #[derive(Debug, Clone, Default)]
    struct CountingEmulator {
        calls: Arc<AtomicU32>,
        first_delay: Duration,
    }

    impl HttpConnector for CountingEmulator {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let delay = if n == 0 {
                self.first_delay
            } else {
                Duration::ZERO
            };
            HttpConnectorFuture::new(async move {
                tokio::time::sleep(delay).await;
                Ok(HttpResponse::new(
                    200.try_into().unwrap(),
                    SdkBody::from("{}"),
                ))
            })
        }
    }

    impl HttpClient for CountingEmulator {
        fn http_connector(
            &self,
            _settings: &HttpConnectorSettings,
            _components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    fn client(emulator: &CountingEmulator) -> aws_sdk_dynamodb::Client {
        client_with_attempt_limit(emulator, Duration::from_secs(10))
    }

    fn client_with_attempt_limit(
        emulator: &CountingEmulator,
        attempt: Duration,
    ) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("ap-southeast-3"))
            .endpoint_url("http://127.0.0.1:1")
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            .retry_config(
                aws_sdk_dynamodb::config::retry::RetryConfig::standard()
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .timeout_config(
                aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(attempt)
                    .build(),
            )
            .http_client(http_client(SharedHttpClient::new(emulator.clone())))
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    fn put(table: &str, value: &str) -> TransactWriteItem {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(table)
                    .item("PK", AttributeValue::S("K".into()))
                    .item("v", AttributeValue::S(value.into()))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    async fn transact(
        client: &aws_sdk_dynamodb::Client,
        table: &str,
        token: &str,
        value: &str,
    ) -> Result<(), String> {
        client
            .transact_write_items()
            .transact_items(put(table, value))
            .client_request_token(token)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                use aws_sdk_dynamodb::error::ProvideErrorMetadata;
                e.code().unwrap_or("no code").to_owned()
            })
    }

    fn unique(name: &str) -> String {
        format!("{name}-{:x}", rand::random::<u64>())
    }

    #[tokio::test]
    async fn a_repeat_with_the_same_parameters_is_answered_without_reaching_the_emulator() {
        let emulator = CountingEmulator::default();
        let client = client(&emulator);
        let (table, token) = (unique("t"), unique("tok"));
        transact(&client, &table, &token, "a").await.unwrap();
        transact(&client, &table, &token, "a").await.unwrap();
        assert_eq!(emulator.calls.load(Ordering::SeqCst), 1);
        assert_eq!(replayed_answers(&table), 1);
    }

    #[tokio::test]
    async fn a_repeat_with_other_parameters_is_a_mismatch() {
        let emulator = CountingEmulator::default();
        let client = client(&emulator);
        let (table, token) = (unique("t"), unique("tok"));
        transact(&client, &table, &token, "a").await.unwrap();
        assert_eq!(
            transact(&client, &table, &token, "b").await,
            Err("IdempotentParameterMismatchException".to_owned())
        );
        assert_eq!(emulator.calls.load(Ordering::SeqCst), 1);
        // Another token is another request.
        transact(&client, &table, &unique("tok"), "b")
            .await
            .unwrap();
        assert_eq!(emulator.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_lost_answer_is_retried_by_the_sdk_and_answered_from_the_token() {
        let emulator = CountingEmulator::default();
        let client = client(&emulator);
        let (table, token) = (unique("t"), unique("tok"));
        lose_next_transact_answer(&table);
        transact(&client, &table, &token, "a").await.unwrap();
        assert_eq!(emulator.calls.load(Ordering::SeqCst), 1, "committed once");
        assert_eq!(lost_answers(&table), 1);
        assert_eq!(replayed_answers(&table), 1);
        // The fault is used up.
        transact(&client, &table, &unique("tok"), "b")
            .await
            .unwrap();
        assert_eq!(lost_answers(&table), 1);
    }

    #[tokio::test]
    async fn an_attempt_the_sdk_gave_up_on_still_commits_and_its_retry_is_answered_from_it() {
        // The emulator answers the first call after 300 ms; the SDK gives an attempt 200 ms, and
        // its retry waits for the first call's outcome.
        let emulator = CountingEmulator {
            first_delay: Duration::from_millis(300),
            ..CountingEmulator::default()
        };
        let client = client_with_attempt_limit(&emulator, Duration::from_millis(200));
        let (table, token) = (unique("t"), unique("tok"));
        transact(&client, &table, &token, "a").await.unwrap();
        assert_eq!(emulator.calls.load(Ordering::SeqCst), 1, "committed once");
        assert_eq!(replayed_answers(&table), 1);
    }

    #[tokio::test]
    async fn other_calls_pass_through() {
        let emulator = CountingEmulator::default();
        let client = client(&emulator);
        for _ in 0..2 {
            client
                .put_item()
                .table_name("t")
                .item("PK", AttributeValue::S("K".into()))
                .send()
                .await
                .unwrap();
        }
        assert_eq!(emulator.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn parameters_are_compared_in_key_order() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":{"b":2,"a":[1,2]}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y":{"a":[1,2],"b":2},"x":1}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"y":{"a":[2,1],"b":2},"x":1}"#).unwrap();
        assert_eq!(parameters_hash(&a), parameters_hash(&b));
        assert_ne!(parameters_hash(&a), parameters_hash(&c));
    }
}
