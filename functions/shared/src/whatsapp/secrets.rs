//! WhatsApp credentials. Deployed, they come from one Secrets Manager secret fetched on first use
//! (not at init, so a cold start that never needs them does not pay for the call) and cached for
//! the life of the execution environment.

use crate::config::SecretSource;
use serde::Deserialize;
use std::fmt;
use tokio::sync::OnceCell;

#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct WhatsAppSecrets {
    /// Meta app secret: the HMAC key of `X-Hub-Signature-256`.
    pub app_secret: String,
    /// The token Meta echoes in the GET verification handshake.
    pub verify_token: String,
    /// Bearer token for the Graph API.
    pub access_token: String,
    /// Our own key for the keyed hashes the table stores instead of NIKs (open-request guards)
    /// and for the queue cursors' signatures. Not Meta's app secret: rotating that one after a
    /// leak must not re-key every guard of an open request.
    pub data_key: String,
    /// The data key before its last rotation, still accepted (guards are looked up under it,
    /// cursors verified with it) until every request opened before the rotation is closed.
    #[serde(default)]
    pub data_key_previous: Option<String>,
}

/// Never print secrets, not even in a debug log.
impl fmt::Debug for WhatsAppSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WhatsAppSecrets { .. }")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret could not be read: {0}")]
    Unavailable(String),
    #[error("secret is not the expected JSON object: {0}")]
    Malformed(String),
}

pub struct SecretsProvider {
    source: SecretSource,
    client: Option<aws_sdk_secretsmanager::Client>,
    cached: OnceCell<WhatsAppSecrets>,
}

impl SecretsProvider {
    pub fn new(source: SecretSource, sdk_config: &aws_config::SdkConfig) -> Self {
        let client = match source {
            SecretSource::SecretsManager { .. } => {
                Some(crate::aws::secrets_manager_client(sdk_config))
            }
            SecretSource::Inline(_) => None,
        };
        Self {
            source,
            client,
            cached: OnceCell::new(),
        }
    }

    /// Secrets given directly (tests, the local stack).
    pub fn inline(secrets: WhatsAppSecrets) -> Self {
        Self {
            source: SecretSource::Inline(secrets),
            client: None,
            cached: OnceCell::new(),
        }
    }

    pub async fn get(&self) -> Result<&WhatsAppSecrets, SecretsError> {
        self.cached
            .get_or_try_init(|| async {
                match (&self.source, &self.client) {
                    (SecretSource::Inline(secrets), _) => Ok(secrets.clone()),
                    (SecretSource::SecretsManager { secret_arn }, Some(client)) => {
                        let output = client
                            .get_secret_value()
                            .secret_id(secret_arn)
                            .send()
                            .await
                            .map_err(|e| {
                                SecretsError::Unavailable(
                                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                                        .to_string(),
                                )
                            })?;
                        let raw = output.secret_string().ok_or_else(|| {
                            SecretsError::Malformed("the secret has no string value".into())
                        })?;
                        parse_secrets(raw)
                    }
                    (SecretSource::SecretsManager { .. }, None) => Err(SecretsError::Unavailable(
                        "no Secrets Manager client".into(),
                    )),
                }
            })
            .await
    }
}

/// The secret's JSON. A fault is reported without serde's message, which can quote a value.
/// An empty value is refused: an empty app secret would make every signature check a check
/// against a key anyone knows.
fn parse_secrets(raw: &str) -> Result<WhatsAppSecrets, SecretsError> {
    let mut secrets: WhatsAppSecrets = parse_json(raw)?;
    for (name, value) in [
        ("app_secret", &secrets.app_secret),
        ("verify_token", &secrets.verify_token),
        ("access_token", &secrets.access_token),
        ("data_key", &secrets.data_key),
    ] {
        if value.trim().is_empty() {
            return Err(SecretsError::Malformed(format!("`{name}` is empty")));
        }
    }
    if secrets
        .data_key_previous
        .as_ref()
        .is_some_and(|k| k.trim().is_empty())
    {
        secrets.data_key_previous = None;
    }
    Ok(secrets)
}

fn parse_json(raw: &str) -> Result<WhatsAppSecrets, SecretsError> {
    serde_json::from_str(raw).map_err(|e| {
        let message = e.to_string();
        SecretsError::Malformed(if message.starts_with("missing field") {
            // Names a field, never a value: "missing field `access_token` at line 1 column 40".
            message
        } else {
            format!(
                "not a JSON object of strings (line {}, column {})",
                e.line(),
                e.column()
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_values() {
        let s = WhatsAppSecrets {
            app_secret: "s3cret".into(),
            verify_token: "vt".into(),
            access_token: "EAAB".into(),
            data_key: "dk".into(),
            data_key_previous: None,
        };
        assert!(!format!("{s:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn inline_secrets_are_served() {
        let s = WhatsAppSecrets {
            app_secret: "a".into(),
            verify_token: "v".into(),
            access_token: "t".into(),
            data_key: "d".into(),
            data_key_previous: Some("old".into()),
        };
        let provider = SecretsProvider::inline(s.clone());
        assert_eq!(provider.get().await.unwrap(), &s);
    }

    #[test]
    fn a_malformed_secret_is_reported_without_its_values() {
        let wrong_type =
            parse_secrets(r#"{"app_secret":"s3cret","verify_token":"vt","access_token":12345}"#);
        let Err(SecretsError::Malformed(message)) = wrong_type else {
            panic!("accepted");
        };
        assert!(
            !message.contains("12345") && !message.contains("s3cret"),
            "{message}"
        );
        let Err(SecretsError::Malformed(message)) =
            parse_secrets(r#"{"app_secret":"s3cret","verify_token":"vt"}"#)
        else {
            panic!("accepted");
        };
        assert!(
            message.contains("access_token") && !message.contains("s3cret"),
            "{message}"
        );
        assert!(
            parse_secrets(
                r#"{"app_secret":"a","verify_token":"v","access_token":"t","data_key":"d"}"#
            )
            .is_ok()
        );
    }

    #[test]
    fn an_empty_value_is_refused_by_name() {
        for field in ["app_secret", "verify_token", "access_token", "data_key"] {
            let mut value = serde_json::json!({
                "app_secret": "a", "verify_token": "v", "access_token": "t", "data_key": "d"
            });
            value[field] = serde_json::json!(" ");
            let Err(SecretsError::Malformed(message)) = parse_secrets(&value.to_string()) else {
                panic!("{field}: accepted");
            };
            assert!(message.contains(field), "{message}");
        }
        let missing = parse_secrets(r#"{"app_secret":"a","verify_token":"v","access_token":"t"}"#);
        assert!(
            matches!(missing, Err(SecretsError::Malformed(ref m)) if m.contains("data_key")),
            "{missing:?}"
        );
        let previous = parse_secrets(
            r#"{"app_secret":"a","verify_token":"v","access_token":"t","data_key":"d","data_key_previous":""}"#,
        )
        .unwrap();
        assert_eq!(previous.data_key_previous, None);
    }
}
