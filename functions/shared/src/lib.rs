//! What every function shares: configuration, telemetry, the ports the handlers depend on, and
//! one real adapter per port (DynamoDB, S3, the WhatsApp Graph API, the system clock).
//!
//! Domain rules live in the `domain` crate and do no I/O; this crate is the I/O edge.

pub mod appointments;
pub mod audit_archive;
pub mod aws;
#[cfg(feature = "s3")]
pub mod blob;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod http;
pub mod identity;
#[cfg(feature = "sns")]
pub mod mail;
#[cfg(feature = "s3")]
pub mod objects;
pub mod ports;
pub mod privacy;
pub mod store;
pub mod telemetry;
pub mod whatsapp;
