//! The WhatsApp Cloud API edge: credentials and the Graph API client.

mod graph;
mod secrets;

pub use graph::{GraphClient, encode_reply};
pub use secrets::{SecretsError, SecretsProvider, WhatsAppSecrets};

use crate::config::{ConfigError, WhatsAppConfig};
use std::sync::Arc;

/// A function's WhatsApp credentials and its Graph API client, which reads them.
pub struct WhatsApp {
    pub secrets: Arc<SecretsProvider>,
    pub graph: Arc<GraphClient>,
}

impl WhatsApp {
    pub fn new(config: &WhatsAppConfig, sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        let secrets = Arc::new(SecretsProvider::new(config.secrets.clone(), sdk));
        let graph =
            GraphClient::new(config, secrets.clone()).map_err(|e| ConfigError::Invalid {
                name: "GRAPH_API_BASE_URL",
                reason: e.to_string(),
            })?;
        Ok(Self {
            secrets,
            graph: Arc::new(graph),
        })
    }
}
