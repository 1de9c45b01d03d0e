//! The roles SAM renders from the repository's template.yaml, as the local stack enforces them
//! (docs/local-stack.md, "IAM"). Needs the project's venv (`make venv`), not the emulator.

use local_stack::StackConfig;
use local_stack::iam::{Authorization, Deployment, Roles};
use std::collections::HashMap;

const TABLE: &str = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t";
const STREAM: &str =
    "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t/stream/2026-12-03T00:00:00.000";
const SECRET: &str = "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:wa-AbCdEf";

fn roles() -> Roles {
    let deployment = Deployment {
        resources: Default::default(),
        region: "ap-southeast-3".into(),
        table: "t".into(),
        table_stream_arn: Some(STREAM.into()),
        bucket: "b".into(),
        audit_bucket: "b-audit".into(),
        parameters: HashMap::from([("WhatsAppSecretArn".to_owned(), SECRET.to_owned())]),
    };
    Roles::render(&StackConfig::repo_template(), &deployment).expect("template renders")
}

fn may(roles: &Roles, function: &str, request: Authorization) -> bool {
    let principal = roles.principal(function).expect("function has a role");
    roles.authorize(principal, &[request]).is_ok()
}

#[test]
fn every_function_has_its_own_role() {
    let roles = roles();
    assert_eq!(
        roles.functions().into_iter().collect::<Vec<_>>(),
        ["DocumentsFunction", "StatusFunction", "WebhookFunction"]
    );
    assert_eq!(
        roles.principal("WebhookFunction").map(|p| p.arn()),
        Some("arn:aws:sts::123456789012:assumed-role/WebhookFunctionRole/WebhookFunction".into())
    );
}

#[test]
fn the_webhook_queries_the_table_and_gsi2_only() {
    let r = roles();
    let w = "WebhookFunction";
    assert!(may(
        &r,
        w,
        Authorization::new("dynamodb:Query", format!("{TABLE}/index/GSI2"))
    ));
    assert!(!may(
        &r,
        w,
        Authorization::new("dynamodb:Query", format!("{TABLE}/index/GSI1"))
    ));
    assert!(may(&r, w, Authorization::new("dynamodb:PutItem", TABLE)));
    assert!(!may(
        &r,
        w,
        Authorization::new("dynamodb:DeleteItem", TABLE)
    ));
    // Grants no call used were removed (issue #16): no transaction has a condition-check item.
    assert!(!may(
        &r,
        w,
        Authorization::new("dynamodb:ConditionCheckItem", TABLE)
    ));
    assert!(!may(&r, w, Authorization::new("dynamodb:Scan", TABLE)));
    assert!(!may(
        &r,
        w,
        Authorization::new("s3:GetObject", "arn:aws:s3:::b/requests/T/x")
    ));
    assert!(may(
        &r,
        w,
        Authorization::new("secretsmanager:GetSecretValue", SECRET)
    ));
    assert!(!may(
        &r,
        w,
        Authorization::new("secretsmanager:GetSecretValue", format!("{SECRET}x"))
    ));
}

#[test]
fn status_updates_only_slot_counts_and_reads_no_object() {
    let r = roles();
    let s = "StatusFunction";
    assert!(may(
        &r,
        s,
        Authorization::new("dynamodb:Query", format!("{TABLE}/index/GSI1"))
    ));
    assert!(may(
        &r,
        s,
        Authorization::new("dynamodb:BatchWriteItem", TABLE)
    ));
    // A withdrawn booking gives its slot the place back (APPT#…); no other item is updated.
    assert!(may(
        &r,
        s,
        Authorization::new("dynamodb:UpdateItem", TABLE)
            .with("dynamodb:LeadingKeys", "APPT#office#2026-12-10")
    ));
    for other in ["REQ#ABCD-EFGH", "RES#wa:6281234567890", "SVC#KTP_NEW"] {
        assert!(
            !may(
                &r,
                s,
                Authorization::new("dynamodb:UpdateItem", TABLE)
                    .with("dynamodb:LeadingKeys", other)
            ),
            "{other}"
        );
    }
    // Erasure deletes with BatchWriteItem; no DeleteItem, no condition checks.
    assert!(!may(
        &r,
        s,
        Authorization::new("dynamodb:DeleteItem", TABLE)
    ));
    assert!(!may(
        &r,
        s,
        Authorization::new("dynamodb:ConditionCheckItem", TABLE)
    ));
    assert!(!may(
        &r,
        s,
        Authorization::new("s3:DeleteObject", "arn:aws:s3:::b/requests/T/x")
    ));
    assert!(!may(
        &r,
        s,
        Authorization::new("dynamodb:GetRecords", STREAM)
    ));
}

#[test]
fn documents_reads_its_stream_and_only_its_two_prefixes() {
    let r = roles();
    let d = "DocumentsFunction";
    assert!(may(
        &r,
        d,
        Authorization::new("dynamodb:GetRecords", STREAM)
    ));
    assert!(may(
        &r,
        d,
        Authorization::new("s3:GetObject", "arn:aws:s3:::b/requests/T/x")
    ));
    assert!(may(
        &r,
        d,
        Authorization::new("s3:PutObject", "arn:aws:s3:::b/results/T/x")
    ));
    assert!(!may(
        &r,
        d,
        Authorization::new("s3:GetObject", "arn:aws:s3:::b/other/x")
    ));
    assert!(!may(
        &r,
        d,
        Authorization::new("s3:ListBucket", "arn:aws:s3:::b")
    ));
    // Objects are deleted by version only (a plain delete keeps the data in a versioned bucket).
    assert!(may(
        &r,
        d,
        Authorization::new("s3:DeleteObjectVersion", "arn:aws:s3:::b/results/T/x")
    ));
    assert!(!may(
        &r,
        d,
        Authorization::new("s3:DeleteObject", "arn:aws:s3:::b/results/T/x")
    ));
    let list = |prefix: Option<&str>| {
        let a = Authorization::new("s3:ListBucketVersions", "arn:aws:s3:::b");
        match prefix {
            Some(p) => a.with("s3:prefix", p),
            None => a,
        }
    };
    assert!(may(&r, d, list(Some("requests/T1/"))));
    assert!(!may(&r, d, list(Some("other/"))));
    assert!(!may(&r, d, list(None)));
    assert!(!may(
        &r,
        d,
        Authorization::new("dynamodb:Query", format!("{TABLE}/index/GSI2"))
    ));
    assert!(!may(
        &r,
        d,
        Authorization::new("dynamodb:DeleteItem", TABLE)
    ));
}
