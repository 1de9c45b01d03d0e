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
fn parse_secrets(raw: &str) -> Result<WhatsAppSecrets, SecretsError> {
    serde_json::from_str(raw).map_err(|e| {
        let message = e.to_string();
        SecretsError::Malformed(if message.starts_with("missing field") {
            // Names a field, never a value: "missing field `access_token` at line 1 column 40".
            message
        } else {
            format!(
                "not a JSON object of three strings (line {}, column {})",
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
        };
        assert!(!format!("{s:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn inline_secrets_are_served() {
        let s = WhatsAppSecrets {
            app_secret: "a".into(),
            verify_token: "v".into(),
            access_token: "t".into(),
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
            parse_secrets(r#"{"app_secret":"a","verify_token":"v","access_token":"t"}"#).is_ok()
        );
    }
}
