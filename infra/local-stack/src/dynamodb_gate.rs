//! One DynamoDB call at a time to moto, from every client of this process.
//!
//! moto applies DynamoDB writes without isolation between its request threads, which real
//! DynamoDB never shows: two identical `attribute_not_exists` puts can both succeed, and a
//! cancelled `TransactWriteItems` rolls back by putting back a copy of the whole table taken
//! when it started, which silently undoes every write other requests made meanwhile (a reply
//! marked sent becomes "sending" again; a stream record read in between disappears). DynamoDB is
//! linearizable per item, so letting one call reach moto at a time gives the handlers what they
//! would see in AWS. Streams calls go through the same gate, so a poll never reads the middle
//! of a transaction. S3 calls are not held back.
//!
//! Some pairs of calls must not be split either: [`exclusively`] keeps the turn across them.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Shared by every stack of the process: tests run many stacks at once against one moto.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

tokio::task_local! {
    /// Set inside [`exclusively`]: this task already holds [`TURN`].
    static HOLDING_TURN: ();
}

/// Runs `work` holding the turn: no DynamoDB call of another task reaches moto until it ends,
/// while the calls `work` makes (in this task) go through at once.
///
/// The stream poller needs this. moto binds a shard iterator to the shard object of the moment,
/// and a cancelled `TransactWriteItems` replaces the whole table (shard included) with a copy
/// taken before it, after appending the records of the writes it applied before failing to the
/// old shard. A transaction cancelled between `GetShardIterator` and `GetRecords` thus hands the
/// poller records that never happened, and their sequence numbers are then given to the next
/// real writes, which a poller reading "after" them skips: a document's insert was never
/// delivered (a test run on a CI machine).
pub async fn exclusively<F: std::future::Future>(work: F) -> F::Output {
    let _turn = TURN.lock().await;
    HOLDING_TURN.scope((), work).await
}

/// The SDK's plain-HTTP client (moto speaks HTTP on loopback), gated.
pub fn http_client() -> SharedHttpClient {
    SharedHttpClient::new(GatedClient {
        inner: aws_smithy_http_client::Builder::new().build_http(),
    })
}

#[derive(Debug)]
struct GatedClient {
    inner: SharedHttpClient,
}

impl HttpClient for GatedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(GatedConnector {
            inner: self.inner.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct GatedConnector {
    inner: SharedHttpConnector,
}

/// `DynamoDB_20120810.*` and `DynamoDBStreams_20120810.*` (JSON protocol: the operation is in
/// this header).
fn is_dynamodb(request: &HttpRequest) -> bool {
    request
        .headers()
        .get("x-amz-target")
        .is_some_and(|target| target.starts_with("DynamoDB"))
}

impl HttpConnector for GatedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        // Read here, in the task that makes the call (the SDK polls this future in it too).
        let held = HOLDING_TURN.try_with(|()| ()).is_ok();
        HttpConnectorFuture::new(async move {
            let _turn = if is_dynamodb(&request) && !held {
                Some(TURN.lock().await)
            } else {
                None
            };
            inner.call(request).await
        })
    }
}
