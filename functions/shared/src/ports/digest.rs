//! Ports of the supervisors' daily complaint digest (documents function, on a schedule).

use super::StoreError;
use async_trait::async_trait;
use time::{Date, OffsetDateTime};

/// Why an e-mail could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The service is down or throttling: the next scheduled run (or EventBridge's retry) tries
    /// again.
    #[error("notification service unavailable: {0}")]
    Unavailable(String),
    /// Refused for good (no permission, a topic that does not exist, a malformed message).
    #[error("notification refused: {0}")]
    Refused(String),
}

/// An e-mail to the office's supervisors (an SNS topic with their e-mail subscriptions).
#[async_trait]
pub trait SupervisorMail: Send + Sync {
    async fn send(&self, subject: &str, body: &str) -> Result<(), NotifyError>;
}

/// One digest per Jakarta day, whatever EventBridge does: a scheduled rule may invoke the
/// function twice, and a failed run is retried.
#[async_trait]
pub trait DigestLedger: Send + Sync {
    /// Takes the day's digest for this run. `false` when it was sent already, or another run
    /// holds it (taken less than `lease` ago).
    async fn take_digest(
        &self,
        day: Date,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> Result<bool, StoreError>;
    /// Records the day's digest sent, with how many complaints it listed.
    async fn digest_sent(
        &self,
        day: Date,
        complaints: usize,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
}
