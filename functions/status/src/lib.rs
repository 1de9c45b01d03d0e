//! The `status` function: the officers' API (SPEC 2, 5, 7, 8; issue #5). Identity comes from the
//! HTTP API's JWT authorizer; every action and every read of personal data is audit-logged; every
//! status change and officer message reaches the resident on WhatsApp.
//!
//! Modules: `routes` (route key → handler, identity and scope checks), one module per route
//! group (`queue`, `detail`, `actions`, `messages`, `stats`, `services`, `residents`), `notify`
//! (text inside the 24-hour window, template outside it), `cursor` (signed queue cursors) and
//! `error` (the one mapping to HTTP).

pub mod actions;
pub mod appointments;
pub mod context;
pub mod cursor;
pub mod detail;
pub mod error;
pub mod failed;
pub mod messages;
pub mod notify;
pub mod office;
pub mod queue;
pub mod residents;
pub mod routes;
pub mod services;
pub mod stats;

use lambda_http::{Body, Request, Response};
use shared::clock::{Clock, SystemClock};
use shared::config::{ConfigError, Env, WhatsAppConfig};
use shared::ports::appointments::AppointmentRepository;
use shared::ports::failed::FailedMessageRepository;
use shared::ports::officer::{
    ErasureRepository, OfficerRepository, ServiceConfigRepository, TemplateMessenger,
};
use shared::ports::{ConversationRepository, Messenger, RequestRepository};
use shared::store::DynamoStore;
use shared::whatsapp::{SecretsProvider, WhatsApp};
use std::sync::Arc;

pub use shared::delivery::Templates;

pub struct Status {
    pub requests: Arc<dyn RequestRepository>,
    pub officer: Arc<dyn OfficerRepository>,
    pub services: Arc<dyn ServiceConfigRepository>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub erasure: Arc<dyn ErasureRepository>,
    pub failed: Arc<dyn FailedMessageRepository>,
    pub appointments: Arc<dyn AppointmentRepository>,
    pub messenger: Arc<dyn Messenger>,
    pub templates: Arc<dyn TemplateMessenger>,
    pub template_names: Templates,
    pub secrets: Arc<SecretsProvider>,
    pub clock: Arc<dyn Clock>,
    /// The region and office this deployment serves (`GET /office`), validated at start.
    pub region: domain::region::Region,
    pub office: domain::office::Office,
    /// National holidays and cuti bersama plus `HOLIDAYS`: complaint deadlines "due soon".
    pub holidays: Vec<time::Date>,
}

impl Status {
    pub fn from_env(env: &Env, sdk: &shared::aws::SdkConfig) -> Result<Self, ConfigError> {
        let table = shared::config::table_name(env)?;
        let whatsapp = WhatsAppConfig::from_env(env)?;
        let WhatsApp { secrets, graph } = WhatsApp::new(&whatsapp, sdk)?;
        let store = Arc::new(DynamoStore::new(shared::aws::dynamodb_client(sdk), table));
        Ok(Self {
            requests: store.clone(),
            officer: store.clone(),
            services: store.clone(),
            conversations: store.clone(),
            erasure: store.clone(),
            failed: store.clone(),
            appointments: store,
            messenger: graph.clone(),
            templates: graph,
            template_names: Templates::from_env(env),
            secrets,
            clock: Arc::new(SystemClock),
            region: shared::config::office_region(env)?,
            office: shared::config::office(env)?,
            holidays: shared::config::holidays(env)?,
        })
    }
}

/// The Lambda handler; every outcome is an HTTP response.
pub async fn handle(app: &Status, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(routes::dispatch(app, &request).await)
}
