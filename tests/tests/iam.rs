//! IAM enforced locally (issue #16): each function's calls are made as that function and checked
//! against its role as SAM deploys it from template.yaml; what a role does not allow fails as it
//! fails in AWS.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::{Harness, Resident};

fn sdk_of(h: &Harness, function: &str) -> shared::aws::SdkConfig {
    h.stack
        .function_sdks
        .get(function)
        .cloned()
        .unwrap_or_else(|| panic!("no SDK configuration for {function}"))
}

/// The webhook's bare `status` queries the resident's requests on GSI2, which the table's ARN does
/// not cover: it works because the role grants that index.
#[tokio::test]
async fn a_bare_status_works_under_the_deployed_role() {
    let h = Harness::start().await;
    let siti = Resident::new(&h, "6281200001601");
    let reply = siti.text("status").await;
    assert!(reply.contains("belum memiliki permohonan"), "{reply}");
    assert_eq!(h.stack.roles.denied(), Vec::<String>::new());
    let used = h.stack.roles.used();
    assert!(
        used.contains_key("WebhookFunction WebhookFunctionRolePolicy0/ResidentRequestsIndex"),
        "{used:?}"
    );
}

/// The same `status` with the template's GSI2 grant taken out is refused the way AWS refuses it,
/// so the webhook cannot answer (the defect of issue #16, which moto alone never showed).
#[tokio::test]
async fn without_the_index_grant_status_is_refused() {
    let template =
        std::fs::read_to_string(local_stack::StackConfig::repo_template()).expect("template.yaml");
    let grant = "            - Sid: ResidentRequestsIndex\n              Effect: Allow\n              Action: dynamodb:Query\n              Resource: !Sub ${Table.Arn}/index/GSI2\n";
    assert!(
        template.contains(grant),
        "the grant moved; update this test"
    );
    let dir = std::env::temp_dir().join(format!("iam-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("template.yaml");
    std::fs::write(&path, template.replace(grant, "")).expect("write template");

    let h = Harness::start_with_template(path).await;
    let body = integration_tests::payloads::text("6281200001602", "wamid.IAM.1", "status");
    let response = h.post_webhook(&body).await;
    let denied = h.stack.roles.denied();
    assert!(
        denied.iter().any(|m| m.contains(
            "assumed-role/WebhookFunctionRole/WebhookFunction is not authorized to perform: \
             dynamodb:Query on resource: arn:aws:dynamodb:ap-southeast-3:123456789012:table/"
        ) && m
            .contains("/index/GSI2 because no identity-based policy allows")),
        "{denied:?}"
    );
    assert_ne!(
        response.status(),
        200,
        "the refused query must not look like a success"
    );
}

/// The webhook holds no S3 permission at all: reading an object fails with S3's AccessDenied.
#[tokio::test]
async fn the_webhook_cannot_read_the_bucket() {
    let h = Harness::start_without_events().await;
    h.s3.put_object()
        .bucket(h.bucket())
        .key("requests/T1/scan.jpg")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"x"))
        .send()
        .await
        .expect("seed object");
    let webhook = shared::aws::s3_client(&sdk_of(&h, "WebhookFunction"));
    let err = webhook
        .get_object()
        .bucket(h.bucket())
        .key("requests/T1/scan.jpg")
        .send()
        .await
        .expect_err("refused");
    let service = err.into_service_error();
    assert_eq!(service.code(), Some("AccessDenied"));
    // The documents function may read it.
    let documents = shared::aws::s3_client(&sdk_of(&h, "DocumentsFunction"));
    let object = documents
        .get_object()
        .bucket(h.bucket())
        .key("requests/T1/scan.jpg")
        .send()
        .await
        .expect("documents reads scans");
    assert_eq!(object.content_length(), Some(1));
    // ... but only under the two prefixes the application writes.
    let outside = documents
        .get_object()
        .bucket(h.bucket())
        .key("elsewhere/scan.jpg")
        .send()
        .await
        .expect_err("refused");
    assert_eq!(outside.into_service_error().code(), Some("AccessDenied"));
}

/// Status may put items but not update them, and queries only what its role names; refusals
/// carry DynamoDB's AccessDeniedException and AWS's wording.
#[tokio::test]
async fn status_cannot_write_outside_its_role() {
    let h = Harness::start_without_events().await;
    let status = aws_sdk_dynamodb::Client::new(&sdk_of(&h, "StatusFunction"));
    let err = status
        .update_item()
        .table_name(h.table())
        .key("PK", AttributeValue::S("REQ#X".into()))
        .key("SK", AttributeValue::S("META".into()))
        .update_expression("SET a = :a")
        .expression_attribute_values(":a", AttributeValue::S("b".into()))
        .send()
        .await
        .expect_err("refused");
    let service = err.into_service_error();
    assert_eq!(service.code(), Some("AccessDeniedException"), "{service:?}");
    let message = service.message().unwrap_or_default().to_owned();
    assert_eq!(
        message,
        format!(
            "User: arn:aws:sts::123456789012:assumed-role/StatusFunctionRole/StatusFunction is not \
             authorized to perform: dynamodb:UpdateItem on resource: \
             arn:aws:dynamodb:ap-southeast-3:123456789012:table/{} because no identity-based \
             policy allows the dynamodb:UpdateItem action",
            h.table()
        )
    );
    // Nothing reached the table.
    assert!(h.items().await.is_empty());

    // A transaction is refused as a whole when one item is (documents may not delete).
    let documents = aws_sdk_dynamodb::Client::new(&sdk_of(&h, "DocumentsFunction"));
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(h.table())
        .item("PK", AttributeValue::S("A".into()))
        .item("SK", AttributeValue::S("B".into()))
        .build()
        .expect("put");
    let delete = aws_sdk_dynamodb::types::Delete::builder()
        .table_name(h.table())
        .key("PK", AttributeValue::S("C".into()))
        .key("SK", AttributeValue::S("D".into()))
        .build()
        .expect("delete");
    let err = documents
        .transact_write_items()
        .transact_items(
            aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .put(put)
                .build(),
        )
        .transact_items(
            aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .delete(delete)
                .build(),
        )
        .send()
        .await
        .expect_err("refused");
    assert_eq!(
        err.into_service_error().code(),
        Some("AccessDeniedException")
    );
    assert!(h.items().await.is_empty());

    // The documents function queries GSI1 (its retry sweep), never GSI2.
    let err = documents
        .query()
        .table_name(h.table())
        .index_name("GSI2")
        .key_condition_expression("GSI2PK = :p")
        .expression_attribute_values(":p", AttributeValue::S("RES#x".into()))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(
        err.into_service_error().code(),
        Some("AccessDeniedException")
    );
}

/// The webhook writes only under its own partition-key prefixes (`dynamodb:LeadingKeys`, issue
/// #17): a service's configuration, an erasure or a new prefix is refused, in a transaction as
/// alone, while its own items are written (the other tests of the webhook, which run under this
/// role, show the list complete).
#[tokio::test]
async fn the_webhook_cannot_write_outside_its_key_prefixes() {
    let h = Harness::start_without_events().await;
    let webhook = aws_sdk_dynamodb::Client::new(&sdk_of(&h, "WebhookFunction"));
    let put = |pk: &str| {
        webhook
            .put_item()
            .table_name(h.table())
            .item("PK", AttributeValue::S(pk.into()))
            .item("SK", AttributeValue::S("X".into()))
            .send()
    };
    for pk in [
        "SVC#KK_NEW",
        "ERASE#e1",
        "QUEUE#SUBMITTED",
        "XREQ#ABCD-EFGH",
    ] {
        let err = put(pk).await.expect_err(pk);
        let service = err.into_service_error();
        assert_eq!(service.code(), Some("AccessDeniedException"), "{pk}");
        assert!(
            service
                .message()
                .unwrap_or_default()
                .contains("dynamodb:PutItem"),
            "{service:?}"
        );
    }
    let err = webhook
        .update_item()
        .table_name(h.table())
        .key("PK", AttributeValue::S("SVC#KK_NEW".into()))
        .key("SK", AttributeValue::S("CONFIG".into()))
        .update_expression("SET available = :f")
        .expression_attribute_values(":f", AttributeValue::Bool(false))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(
        err.into_service_error().code(),
        Some("AccessDeniedException")
    );
    assert!(h.items().await.is_empty());

    // One item outside the prefixes refuses the whole transaction.
    let item = |pk: &str| {
        aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .put(
                aws_sdk_dynamodb::types::Put::builder()
                    .table_name(h.table())
                    .item("PK", AttributeValue::S(pk.into()))
                    .item("SK", AttributeValue::S("X".into()))
                    .build()
                    .expect("put"),
            )
            .build()
    };
    let err = webhook
        .transact_write_items()
        .transact_items(item("WAMID#w1"))
        .transact_items(item("SVC#KK_NEW"))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(
        err.into_service_error().code(),
        Some("AccessDeniedException")
    );
    assert!(h.items().await.is_empty());

    for pk in [
        "REQ#ABCD-EFGH",
        "RES#wa:6281",
        "WAMID#w1",
        "OPEN#g",
        "OUT#m",
        "APPT#office#2026-12-10",
    ] {
        put(pk).await.unwrap_or_else(|e| panic!("{pk}: {e:?}"));
    }
    assert_eq!(h.items().await.len(), 6);
}
