//! The stream poller against moto: what moto does when a transaction is cancelled between a
//! poller's `GetShardIterator` and `GetRecords`, and that the poller still reads every real
//! write while transactions are being cancelled around it. Needs the emulator `make test` starts
//! (`AWS_ENDPOINT_URL`).

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use local_stack::StackConfig;
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn emulator() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL is not set: integration tests need the moto emulator (make test)")
}

fn unique(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    )
}

fn item(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("PK".to_owned(), AttributeValue::S(pk.to_owned())),
        ("SK".to_owned(), AttributeValue::S(sk.to_owned())),
        // Not a document the trigger selects: the documents function is never invoked.
        ("entity".to_owned(), AttributeValue::S("POLLER_TEST".into())),
    ])
}

/// A transaction moto cancels after applying its first write: the put goes in, the condition
/// check on an item that does not exist fails.
async fn cancelled_transaction(dynamodb: &aws_sdk_dynamodb::Client, table: &str, sk: &str) {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item("POLLER#phantom", sk)))
        .build()
        .expect("complete put");
    let check = ConditionCheck::builder()
        .table_name(table)
        .key("PK", AttributeValue::S("POLLER#absent".into()))
        .key("SK", AttributeValue::S("NONE".into()))
        .condition_expression("attribute_exists(PK)")
        .build()
        .expect("complete check");
    let result = dynamodb
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().put(put).build())
        .transact_items(TransactWriteItem::builder().condition_check(check).build())
        .send()
        .await;
    assert!(
        result.is_err(),
        "the condition check cancels the transaction"
    );
}

async fn put(dynamodb: &aws_sdk_dynamodb::Client, table: &str, sk: &str) {
    dynamodb
        .put_item()
        .table_name(table)
        .set_item(Some(item("POLLER#real", sk)))
        .send()
        .await
        .expect("put");
}

/// Why the poller holds the emulator's turn across its two calls: an iterator taken before a
/// cancelled transaction reads the records of writes the transaction rolled back, with the
/// sequence numbers the next real writes then get.
#[tokio::test]
async fn moto_hands_an_earlier_iterator_the_records_of_a_rolled_back_transaction() {
    let sdk = local_stack::emulator_sdk_config(&emulator()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let table = unique("poller-moto");
    let template = local_stack::template::Template::load(&StackConfig::repo_template())
        .expect("template.yaml loads");
    local_stack::provision::create_table(&dynamodb, &template, &table)
        .await
        .expect("table");
    let arn = local_stack::events::latest_stream_arn(&dynamodb, &table)
        .await
        .expect("describe")
        .expect("the template's table has a stream");
    let shard = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("describe stream")
        .stream_description()
        .and_then(|d| d.shards().first())
        .and_then(|s| s.shard_id())
        .expect("one shard")
        .to_owned();
    let iterator = |kind: ShardIteratorType| {
        streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(&shard)
            .shard_iterator_type(kind)
    };
    let before = iterator(ShardIteratorType::Latest)
        .send()
        .await
        .expect("iterator")
        .shard_iterator()
        .expect("an iterator")
        .to_owned();

    cancelled_transaction(&dynamodb, &table, "DOC#rolled-back").await;
    put(&dynamodb, &table, "DOC#real").await;

    let read = |iterator: String| async {
        streams
            .get_records()
            .shard_iterator(iterator)
            .send()
            .await
            .expect("records")
            .records()
            .iter()
            .map(|r| {
                let change = r.dynamodb().expect("change");
                let sk = change.keys().and_then(|k| k.get("SK")).expect("SK");
                (
                    sk.as_s().expect("string").clone(),
                    change.sequence_number().expect("sequence").to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let stale = read(before).await;
    let fresh = read(
        iterator(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("iterator")
            .shard_iterator()
            .expect("an iterator")
            .to_owned(),
    )
    .await;
    assert_eq!(fresh.len(), 1, "only the real write happened: {fresh:?}");
    assert_eq!(fresh[0].0, "DOC#real");
    assert_eq!(
        stale,
        [("DOC#rolled-back".to_owned(), fresh[0].1.clone())],
        "the earlier iterator sees the rolled-back write, under the real write's sequence number"
    );
}

/// Real writes and cancelled transactions at once, for a few seconds: every real write's record
/// is read by the poller (none is skipped behind a rolled-back one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_reads_every_write_while_transactions_are_cancelled_around_it() {
    let name = unique("poller");
    let stack = local_stack::start(StackConfig {
        emulator_url: emulator(),
        table: name.clone(),
        bucket: name.clone(),
        template: StackConfig::repo_template(),
        listen: "127.0.0.1:0".parse().expect("literal address"),
        overrides: HashMap::new(),
        deliver_events: true,
        console_dir: None,
    })
    .await
    .expect("local stack starts");
    let dynamodb = aws_sdk_dynamodb::Client::new(&stack.sdk);
    let table = stack.config.table.clone();

    // Transactions cancelled back to back while the poller polls, so its calls interleave
    // with them; and real writes among them.
    const WRITES: usize = 30;
    let canceller = {
        let (dynamodb, table) = (dynamodb.clone(), table.clone());
        tokio::spawn(async move {
            for n in 0.. {
                cancelled_transaction(&dynamodb, &table, &format!("DOC#phantom-{n}")).await;
            }
        })
    };
    for n in 0..WRITES {
        put(&dynamodb, &table, &format!("DOC#real-{n}")).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Bounded: the poller reads every 200 ms.
    let deadline = Instant::now() + Duration::from_secs(30);
    let unread = loop {
        let unread: Vec<usize> = (0..WRITES)
            .filter(|n| {
                stack
                    .events
                    .stream_records_read("POLLER#real", &format!("DOC#real-{n}"))
                    .is_empty()
            })
            .collect();
        if unread.is_empty() || Instant::now() > deadline {
            break unread;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    canceller.abort();
    assert!(
        unread.is_empty(),
        "writes never read by the poller: {unread:?}"
    );
    for n in 0..WRITES {
        let read = stack
            .events
            .stream_records_read("POLLER#real", &format!("DOC#real-{n}"));
        assert_eq!(read.len(), 1, "write {n} read once: {read:?}");
        assert!(
            read[0].starts_with("INSERT #") && read[0].ends_with("(filtered out)"),
            "{read:?}"
        );
    }
}
