//! The WhatsApp Cloud API edge: credentials and the Graph API client.

mod graph;
mod secrets;

pub use graph::{GraphClient, encode_reply};
pub use secrets::{SecretsError, SecretsProvider, WhatsAppSecrets};
