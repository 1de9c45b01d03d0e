//! The WhatsApp secrets as deployed: one JSON secret in Secrets Manager (here the emulator), read
//! on first use and kept for the life of the execution environment.

use aws_sdk_secretsmanager::primitives::Blob;
use integration_tests::{
    Harness, LOCAL_ACCESS_TOKEN, LOCAL_APP_SECRET, LOCAL_VERIFY_TOKEN, fixture,
};
use shared::config::SecretSource;
use shared::whatsapp::{SecretsError, SecretsProvider};

const APP_SECRET: &str = "app-secret-from-secrets-manager";
const VERIFY_TOKEN: &str = "verify-token-from-secrets-manager";

fn secrets_json(access_token: &str) -> String {
    serde_json::json!({
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "access_token": access_token,
        "data_key": "data-key-from-secrets-manager",
    })
    .to_string()
}

fn unique(name: &str) -> String {
    format!(
        "test/{name}-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    )
}

/// Creates a secret in the emulator and returns its ARN.
async fn create_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &str,
    string: Option<String>,
    binary: Option<&[u8]>,
) -> String {
    client
        .create_secret()
        .name(unique(name))
        .set_secret_string(string)
        .set_secret_binary(binary.map(Blob::new))
        .send()
        .await
        .expect("the emulator creates the secret")
        .arn()
        .expect("a created secret has an ARN")
        .to_owned()
}

/// A new current value of the secret, with this access token.
async fn rotate(client: &aws_sdk_secretsmanager::Client, arn: &str, access_token: &str) {
    client
        .put_secret_value()
        .secret_id(arn)
        .secret_string(secrets_json(access_token))
        .send()
        .await
        .expect("the emulator stores the new value");
}

/// A Secrets Manager client of the emulator `make test` started (`AWS_ENDPOINT_URL`), configured
/// as the local stack's clients are: the deployed per-call limits are for AWS, not for moto's
/// pauses under a whole test run.
async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    let emulator = std::env::var("AWS_ENDPOINT_URL").expect(
        "AWS_ENDPOINT_URL is not set: integration tests need the moto emulator (make test)",
    );
    aws_sdk_secretsmanager::Client::new(&local_stack::emulator_sdk_config(&emulator).await)
}

fn provider(h: &Harness, arn: &str) -> SecretsProvider {
    SecretsProvider::new(
        SecretSource::SecretsManager {
            secret_arn: arn.to_owned(),
        },
        &h.stack.sdk,
    )
}

#[tokio::test]
async fn the_webhook_verifies_and_answers_with_the_secrets_of_secrets_manager() {
    let arn = create_secret(
        &secrets_client().await,
        "webhook",
        Some(secrets_json(LOCAL_ACCESS_TOKEN)),
        None,
    )
    .await;
    // The variables the stack sets (the local secrets) stay; the ARN takes precedence over them.
    let h = Harness::start_with_env(&[("WHATSAPP_SECRET_ARN", &arn)]).await;
    assert_ne!(APP_SECRET, LOCAL_APP_SECRET);

    let handshake = |token: &str| {
        h.http
            .get(h.url(&format!(
                "/webhook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=77"
            )))
            .send()
    };
    assert_eq!(handshake(VERIFY_TOKEN).await.unwrap().status(), 200);
    assert_eq!(handshake(LOCAL_VERIFY_TOKEN).await.unwrap().status(), 403);

    let body = fixture("text.json");
    let signed_with = |secret: &str| {
        h.http
            .post(h.url("/webhook"))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                webhook::signature::sign(secret.as_bytes(), &body),
            )
            .body(body.clone())
            .send()
    };
    assert_eq!(signed_with(LOCAL_APP_SECRET).await.unwrap().status(), 401);
    assert!(h.stack.whatsapp.outbox().is_empty());
    assert_eq!(signed_with(APP_SECRET).await.unwrap().status(), 200);
    // The reply went out with the secret's access token (the fake Graph API refuses others).
    assert_eq!(h.stack.whatsapp.outbox().len(), 1);
}

#[tokio::test]
async fn a_secret_is_read_once_and_kept() {
    let h = Harness::start_without_events().await;
    let client = aws_sdk_secretsmanager::Client::new(&h.stack.sdk);
    let arn = create_secret(&client, "kept", Some(secrets_json("token-1")), None).await;
    let secrets = provider(&h, &arn);
    assert_eq!(secrets.get().await.unwrap().access_token, "token-1");

    // A rotation is seen by new execution environments, not by this one mid-life.
    rotate(&client, &arn, "token-2").await;
    assert_eq!(secrets.get().await.unwrap().access_token, "token-1");
    assert_eq!(
        provider(&h, &arn).get().await.unwrap().access_token,
        "token-2"
    );
}

#[tokio::test]
async fn an_unreadable_or_malformed_secret_is_reported_without_its_values() {
    let h = Harness::start_without_events().await;
    let client = aws_sdk_secretsmanager::Client::new(&h.stack.sdk);

    let missing = arn_of_missing();
    match provider(&h, &missing).get().await {
        Err(SecretsError::Unavailable(reason)) => {
            assert!(reason.contains("ResourceNotFoundException"), "{reason}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }

    let wrong_type = create_secret(
        &client,
        "wrong-type",
        Some(
            r#"{"app_secret":"s3cret-value","verify_token":"vt-value","access_token":424242}"#
                .into(),
        ),
        None,
    )
    .await;
    match provider(&h, &wrong_type).get().await {
        Err(SecretsError::Malformed(reason)) => {
            for value in ["s3cret-value", "vt-value", "424242"] {
                assert!(!reason.contains(value), "{reason}");
            }
        }
        other => panic!("expected Malformed, got {other:?}"),
    }

    let binary = create_secret(&client, "binary", None, Some(b"\x00\x01")).await;
    match provider(&h, &binary).get().await {
        Err(SecretsError::Malformed(reason)) => assert!(reason.contains("no string value")),
        other => panic!("expected Malformed, got {other:?}"),
    }

    // A failed read is not kept: the next request tries again.
    let later = create_secret(&client, "later", Some("not json".into()), None).await;
    let secrets = provider(&h, &later);
    assert!(matches!(
        secrets.get().await,
        Err(SecretsError::Malformed(_))
    ));
    rotate(&client, &later, "token-3").await;
    assert_eq!(secrets.get().await.unwrap().access_token, "token-3");
}

fn arn_of_missing() -> String {
    format!(
        "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:{}-AbCdEf",
        unique("missing")
    )
}
