//! SNS adapter of [`SupervisorMail`]: the digest is published to a topic whose subscriptions are
//! the supervisors' e-mail addresses (confirmed by each recipient, as SNS requires).

use crate::ports::digest::{NotifyError, SupervisorMail};
use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::error::ProvideErrorMetadata;

#[derive(Clone)]
pub struct SnsSupervisorMail {
    client: Client,
    topic_arn: String,
}

impl SnsSupervisorMail {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

#[async_trait]
impl SupervisorMail for SnsSupervisorMail {
    async fn send(&self, subject: &str, body: &str) -> Result<(), NotifyError> {
        match self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject)
            .message(body)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => {
                let code = err.code().unwrap_or("").to_owned();
                let detail = aws_sdk_sns::error::DisplayErrorContext(&err).to_string();
                match code.as_str() {
                    "Throttling" | "ThrottledException" | "InternalError" | "KMSThrottling"
                    | "" => Err(NotifyError::Unavailable(detail)),
                    _ => Err(NotifyError::Refused(format!("{code}: {detail}"))),
                }
            }
        }
    }
}
