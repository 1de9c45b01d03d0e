//! The local stack (SPEC 9): the real handlers behind a local API Gateway stand-in, the table and
//! bucket created in a moto emulator from `template.yaml`, and a fake WhatsApp Graph API.
//! `make run` starts it; the integration tests start the same thing in-process.

pub mod authorizer;
pub mod dynamodb_gate;
pub mod events;
pub mod gateway;
pub mod iam;
pub mod iam_http;
pub mod idempotency;
pub mod provision;
pub mod template;

use authorizer::TokenAuthority;
use axum::extract::{ConnectInfo, FromRef, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fake_whatsapp::FakeWhatsApp;
use gateway::{Functions, Gateway};
use serde::Deserialize;
use shared::clock::{Clock, OffsetClock};
use shared::config::{ConfigError, Env};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use template::Template;

/// Fixed local contract values (SPEC 9); each can be overridden by the variable of that name.
pub const LOCAL_APP_SECRET: &str = "local-app-secret";
pub const LOCAL_VERIFY_TOKEN: &str = "local-verify-token";
pub const LOCAL_ACCESS_TOKEN: &str = "local-access-token";
pub const LOCAL_DATA_KEY: &str = "local-data-key";
pub const LOCAL_PHONE_NUMBER_ID: &str = "420000000000001";
pub const LOCAL_JWT_SECRET: &str = "local-jwt-secret";
pub const LOCAL_REGION: &str = "ap-southeast-3";

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    #[error(transparent)]
    Provision(#[from] provision::ProvisionError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Iam(#[from] iam::IamError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// What a local stack is made of.
#[derive(Clone, Debug)]
pub struct StackConfig {
    /// The moto server, e.g. `http://127.0.0.1:5000`.
    pub emulator_url: String,
    pub table: String,
    pub bucket: String,
    pub template: PathBuf,
    /// Where the stack listens; port 0 picks a free one (tests).
    pub listen: SocketAddr,
    /// Environment values for the handlers beyond the local defaults (from the process env in
    /// `make run`).
    pub overrides: HashMap<String, String>,
    /// Deliver S3 and stream events to the documents function, as AWS would. Off only for tests
    /// that put raw objects into the bucket and must not see them validated away.
    pub deliver_events: bool,
    /// The officers' console build (`console/dist`), served at `/console/`; `None`: not served.
    pub console_dir: Option<PathBuf>,
}

impl StackConfig {
    /// The repository's `template.yaml`.
    pub fn repo_template() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
    }

    /// The template's `AuditArchiveBucket` here: named after the documents bucket.
    pub fn audit_bucket(&self) -> String {
        format!("{}-audit", self.bucket)
    }
}

/// A running local stack.
pub struct RunningStack {
    pub addr: SocketAddr,
    pub base_url: String,
    pub whatsapp: FakeWhatsApp,
    pub config: StackConfig,
    /// Unchecked access to the emulator (provisioning, and tests looking behind the functions).
    pub sdk: shared::aws::SdkConfig,
    /// Each function's SDK configuration (by logical id), checked against its role.
    pub function_sdks: HashMap<String, shared::aws::SdkConfig>,
    /// The functions' roles as deployed, with what they allowed and refused.
    pub roles: iam::SharedRoles,
    pub gateway: Arc<Gateway>,
    /// What the stream and bucket pollers delivered and gave up on (empty without them).
    pub events: Arc<events::EventLog>,
    /// The stack's "now", shared by every function and the fake Graph API (`/_local/clock`).
    pub clock: OffsetClock,
    /// The template's SNS topics as created here: logical id → ARN.
    pub topics: HashMap<String, String>,
}

/// SDK configuration pointing at the emulator with dummy credentials, with the deployed
/// functions' retry and timeout settings (`shared::aws`). Between the SDK and moto: DynamoDB's
/// transaction tokens and the lost-answer fault (`idempotency`), then the gate that lets one
/// DynamoDB call reach moto at a time (`dynamodb_gate`).
pub async fn emulator_sdk_config(emulator_url: &str) -> shared::aws::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(emulator_url)
        .http_client(idempotency::http_client(dynamodb_gate::http_client()))
        .timeout_config(emulator_call_timeouts())
        .retry_config(shared::aws::retry_config())
        // As deployed (`shared::aws`): the attempt timeout bounds a stuck answer. It also keeps
        // a call queued at the gate, which has not started sending its body, from being judged
        // a stalled upload.
        .stalled_stream_protection(
            aws_config::stalled_stream_protection::StalledStreamProtectionConfig::disabled(),
        )
        .region(aws_config::Region::new(LOCAL_REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "local-stack",
        ))
        .load()
        .await
}

/// How long one attempt may take here. Deployed it is 2 s (`shared::aws::CALL_ATTEMPT_TIMEOUT`),
/// and that limit counts everything after the SDK hands the call to its HTTP client, which here
/// includes the wait at `dynamodb_gate` behind every other stack's DynamoDB calls and moto's
/// table-copying transactions: with parallel tests on two cores that wait passed 2 s (a
/// conversation test's commit timed out while queued). Everything else is as deployed.
pub const EMULATOR_CALL_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Over all attempts: deployed 5 s (`shared::aws::CALL_TIMEOUT`), longer for the same reason.
pub const EMULATOR_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(25);

/// The deployed limits (`shared::aws::json_call_timeouts`: connect timeout included), with the
/// attempt and call limits above.
fn emulator_call_timeouts() -> aws_config::timeout::TimeoutConfig {
    shared::aws::json_call_timeouts()
        .to_builder()
        .operation_attempt_timeout(EMULATOR_CALL_ATTEMPT_TIMEOUT)
        .operation_timeout(EMULATOR_CALL_TIMEOUT)
        .build()
}

/// What a function's calls are made with: its own credentials (the access key id is its logical
/// id, e.g. `WebhookFunction`), checked against its role (`iam`) before the emulator sees them.
pub async fn function_sdk_config(
    emulator_url: &str,
    roles: &iam::SharedRoles,
    function: &str,
) -> shared::aws::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(emulator_url)
        // The role's check first: a refused call reaches neither the token replay nor moto.
        .http_client(iam_http::http_client(
            roles.clone(),
            idempotency::http_client(dynamodb_gate::http_client()),
        ))
        // As in `emulator_sdk_config`.
        .timeout_config(emulator_call_timeouts())
        .retry_config(shared::aws::retry_config())
        .stalled_stream_protection(
            aws_config::stalled_stream_protection::StalledStreamProtectionConfig::disabled(),
        )
        .region(aws_config::Region::new(LOCAL_REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            function,
            "local",
            None,
            None,
            "local-stack-function",
        ))
        .load()
        .await
}

/// Creates the table and bucket, wires the handlers and serves everything on `config.listen`
/// in a background task.
pub async fn start(config: StackConfig) -> Result<RunningStack, StackError> {
    let template = Template::load(&config.template)?;
    let sdk = emulator_sdk_config(&config.emulator_url).await;
    provision::create_table(
        &aws_sdk_dynamodb::Client::new(&sdk),
        &template,
        &config.table,
    )
    .await?;
    provision::create_bucket(&shared::aws::s3_client(&sdk), &template, &config.bucket).await?;
    // The table's name is unique per stack, so are the topics named after it.
    let topics =
        provision::create_topics(&aws_sdk_sns::Client::new(&sdk), &template, &config.table).await?;
    provision::create_audit_archive_bucket(
        &shared::aws::s3_client(&sdk),
        &template,
        &config.audit_bucket(),
    )
    .await?;

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StackError::Bind {
            addr: config.listen.to_string(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StackError::Bind {
        addr: config.listen.to_string(),
        source,
    })?;
    let base_url = format!("http://{addr}");
    // The console is served from this origin, so its uploads to the bucket come from it.
    provision::apply_bucket_cors(
        &shared::aws::s3_client(&sdk),
        &template,
        &config.bucket,
        &base_url,
    )
    .await?;
    let graph_url = format!("{base_url}/_local/graph");

    let mut values: HashMap<String, String> = HashMap::from([
        ("TABLE_NAME".into(), config.table.clone()),
        ("BUCKET_NAME".into(), config.bucket.clone()),
        ("AUDIT_ARCHIVE_BUCKET".into(), config.audit_bucket()),
        ("WHATSAPP_APP_SECRET".into(), LOCAL_APP_SECRET.into()),
        ("WHATSAPP_VERIFY_TOKEN".into(), LOCAL_VERIFY_TOKEN.into()),
        ("WHATSAPP_ACCESS_TOKEN".into(), LOCAL_ACCESS_TOKEN.into()),
        ("WHATSAPP_DATA_KEY".into(), LOCAL_DATA_KEY.into()),
        (
            "WHATSAPP_PHONE_NUMBER_ID".into(),
            LOCAL_PHONE_NUMBER_ID.into(),
        ),
        ("GRAPH_API_BASE_URL".into(), graph_url.clone()),
        ("GRAPH_API_VERSION".into(), "v25.0".into()),
        ("OFFICE_REGION_CODE".into(), "1708".into()),
    ]);
    if let Some(arn) = topics.get("ComplaintDigestTopic") {
        values.insert("COMPLAINT_DIGEST_TOPIC_ARN".into(), arn.clone());
    }
    values.extend(config.overrides.clone());
    let env = Env::from_fn(|name| values.get(name).cloned());

    // The roles as SAM deploys them, resolved to this stack's resources. The secret's ARN is
    // the parameter the deployment gives (here: what the functions are told).
    let table_stream_arn =
        events::latest_stream_arn(&aws_sdk_dynamodb::Client::new(&sdk), &config.table)
            .await
            .map_err(|e| {
                provision::ProvisionError::Emulator(
                    aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
                )
            })?;
    let deployment = iam::Deployment {
        region: LOCAL_REGION.into(),
        table: config.table.clone(),
        table_stream_arn,
        bucket: config.bucket.clone(),
        audit_bucket: config.audit_bucket(),
        parameters: values
            .get("WHATSAPP_SECRET_ARN")
            .map(|arn| ("WhatsAppSecretArn".to_owned(), arn.clone()))
            .into_iter()
            .collect(),
        resources: topics.clone(),
    };
    let roles: iam::SharedRoles = Arc::new(iam::Roles::render(&config.template, &deployment)?);
    let mut function_sdks = HashMap::new();
    for function in ["WebhookFunction", "DocumentsFunction", "StatusFunction"] {
        let function_sdk = function_sdk_config(&config.emulator_url, &roles, function).await;
        function_sdks.insert(function.to_owned(), function_sdk);
    }
    let sdk_of = |function: &str| {
        function_sdks
            .get(function)
            .cloned()
            .unwrap_or_else(|| sdk.clone())
    };
    // One movable "now" for the three functions, the event pollers and the fake Graph API
    // (`/_local/clock`).
    let clock = OffsetClock::new();
    let mut functions = Functions {
        webhook: webhook::Webhook::from_env(&env, &sdk_of("WebhookFunction"))?,
        documents: documents::Documents::from_env(&env, &sdk_of("DocumentsFunction"))?,
        status: status::Status::from_env(&env, &sdk_of("StatusFunction"))?,
    };
    functions.webhook.clock = Arc::new(clock.clone());
    functions.documents = functions.documents.with_clock(Arc::new(clock.clone()));
    functions.status.clock = Arc::new(clock.clone());
    let access_token = env.or_default("WHATSAPP_ACCESS_TOKEN", LOCAL_ACCESS_TOKEN);
    let jwt_secret = env.or_default("LOCAL_JWT_SECRET", LOCAL_JWT_SECRET);
    let whatsapp = FakeWhatsApp::new(graph_url, access_token);
    let fake_clock = clock.clone();
    whatsapp.set_clock(move || fake_clock.now());
    let gateway = Arc::new(
        Gateway::new(
            template.routes()?,
            functions,
            TokenAuthority::new(jwt_secret.as_bytes()),
        )
        .with_clock(clock.clone()),
    );

    let event_log = Arc::new(events::EventLog::default());
    if config.deliver_events {
        // `LOCAL_RETRY_SWEEP=off`: no scheduled sweep (tests run it at the instant they choose).
        let sweep = env.or_default("LOCAL_RETRY_SWEEP", "template") != "off";
        events::spawn(
            gateway.clone(),
            &sdk,
            &sdk_of("DocumentsFunction"),
            &template,
            &config.table,
            &config.bucket,
            event_log.clone(),
            sweep,
        );
    }

    let mut app = router(gateway.clone(), &whatsapp);
    if let Some(dir) = &config.console_dir {
        app = app.merge(console_router(dir));
    }
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(err) = axum::serve(listener, service).await {
            tracing::error!(error = %err, "local stack server stopped");
        }
    });
    Ok(RunningStack {
        addr,
        base_url,
        whatsapp,
        config,
        sdk,
        function_sdks,
        roles,
        gateway,
        events: event_log,
        clock,
        topics,
    })
}

#[derive(Deserialize)]
struct TokenQuery {
    sub: String,
    #[serde(default)]
    groups: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    kecamatan: Option<String>,
    #[serde(default, rename = "use")]
    token_use: Option<String>,
}

/// `GET /_local/token?sub=<id>&groups=petugas|supervisor[,..][&kecamatan=<code>|*][&use=id|access]`:
/// a Cognito-shaped ID token (default) or access token. Without `kecamatan` the user has no
/// `custom:kecamatan` (no request in scope); `*` is regency-wide. An access token never carries
/// it, as Cognito's never does.
async fn issue_token(State(gateway): State<Arc<Gateway>>, Query(q): Query<TokenQuery>) -> Response {
    let groups: Vec<String> = q
        .groups
        .split([',', ' ', '|'])
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect();
    let token_use = match q.token_use.as_deref() {
        None => authorizer::TokenUse::Id,
        Some(raw) => match authorizer::TokenUse::parse(raw) {
            Some(u) => u,
            None => {
                return (StatusCode::BAD_REQUEST, "use must be id or access").into_response();
            }
        },
    };
    let request = authorizer::TokenRequest {
        subject: q.sub,
        groups,
        name: q.name,
        email: q.email,
        kecamatan: q.kecamatan,
        token_use,
    };
    match gateway.tokens.issue(&request) {
        Ok(token) => axum::Json(serde_json::json!({ "token": token })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err.to_string()).into_response(),
    }
}

/// `GET /_local/clock` and the answer of a move: the stack's "now" and how far it is ahead of
/// the real clock.
#[derive(serde::Serialize, Deserialize)]
pub struct ClockState {
    #[serde(with = "time::serde::rfc3339")]
    pub now: time::OffsetDateTime,
    pub offset_seconds: i64,
}

fn clock_state(clock: &OffsetClock) -> ClockState {
    ClockState {
        now: clock.now(),
        offset_seconds: clock.offset_seconds(),
    }
}

/// `GET /_local/clock`.
async fn read_clock(State(gateway): State<Arc<Gateway>>) -> axum::Json<ClockState> {
    axum::Json(clock_state(&gateway.clock))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockMove {
    advance_seconds: i64,
}

/// `POST /_local/clock` with `{"advance_seconds": N}`: moves "now" forward for every function
/// and the fake Graph API; a negative move is refused (400), as time does not go back.
async fn move_clock(
    State(gateway): State<Arc<Gateway>>,
    body: Result<axum::Json<ClockMove>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let request = match body {
        Ok(axum::Json(request)) => request,
        Err(rejection) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("expected {{\"advance_seconds\": <seconds>}}: {rejection}"),
            )
                .into_response();
        }
    };
    match gateway.clock.advance(request.advance_seconds) {
        Ok(_) => {
            gateway.clock_moved.notify_one();
            axum::Json(clock_state(&gateway.clock)).into_response()
        }
        Err(err) => (StatusCode::BAD_REQUEST, err.to_string()).into_response(),
    }
}

/// What the API routes need: the gateway, and the fake Graph API that sees residents write.
#[derive(Clone)]
struct ApiState {
    gateway: Arc<Gateway>,
    whatsapp: FakeWhatsApp,
}

impl FromRef<ApiState> for Arc<Gateway> {
    fn from_ref(state: &ApiState) -> Self {
        state.gateway.clone()
    }
}

async fn api(
    State(state): State<ApiState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        // API Gateway refuses a payload over its 10 MB quota itself, with its own JSON body and
        // before any authorizer or function (axum's rejection would be plain text).
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return gateway::api_gateway_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request Entity Too Large",
            );
        }
        Err(rejection) => {
            return gateway::api_gateway_error(rejection.status(), "Bad Request");
        }
    };
    if method == Method::POST && uri.path().trim_matches('/') == "webhook" {
        // Meta opens the resident's 24-hour window when they write, before it delivers the
        // webhook: a reply the handler sends must find it open.
        state.whatsapp.record_webhook_body(&body);
    }
    state
        .gateway
        .dispatch(method, uri, headers, Some(peer), body)
        .await
}

/// The console's files under `/console/` (`dir` is its Vite build). A path that is no file is a
/// client-side route of the app (`/console/permohonan/ABCD-EFGH`): it gets `index.html`, as
/// CloudFront's error response does deployed. `/console` redirects to `/console/`, where the
/// app's relative base resolves.
pub fn console_router(dir: &Path) -> axum::Router {
    let files = tower_http::services::ServeDir::new(dir)
        .fallback(tower_http::services::ServeFile::new(dir.join("index.html")));
    axum::Router::new()
        .route(
            "/console",
            get(|| async { axum::response::Redirect::permanent("/console/") }),
        )
        .nest_service("/console/", files)
}

/// Every template route (fallback), plus the `/_local` contract routes and the fake Graph API.
pub fn router(gateway: Arc<Gateway>, whatsapp: &FakeWhatsApp) -> axum::Router {
    axum::Router::new()
        .route("/_local/token", get(issue_token))
        .route("/_local/clock", get(read_clock).post(move_clock))
        .fallback(api)
        // WhatsApp allows payloads up to 3 MB; API Gateway allows 10 MB.
        .layer(axum::extract::DefaultBodyLimit::max(10 * 1024 * 1024))
        .with_state(ApiState {
            gateway,
            whatsapp: whatsapp.clone(),
        })
        .merge(whatsapp.local_router())
        .nest("/_local/graph", whatsapp.graph_router())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
        let response = app
            .clone()
            .oneshot(
                axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn the_console_serves_its_files_and_index_html_for_client_routes() {
        let dir = std::env::temp_dir().join(format!("console-dist-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<title>Konsol</title>").unwrap();
        std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
        let app = console_router(&dir);
        assert_eq!(
            get(&app, "/console/").await,
            (StatusCode::OK, "<title>Konsol</title>".into())
        );
        assert_eq!(
            get(&app, "/console/assets/app.js").await,
            (StatusCode::OK, "console.log(1)".into())
        );
        assert_eq!(
            get(&app, "/console/permohonan/ABCD-EFGH").await,
            (StatusCode::OK, "<title>Konsol</title>".into())
        );
        assert_eq!(
            get(&app, "/console").await.0,
            StatusCode::PERMANENT_REDIRECT
        );
        // Nothing outside the build is reachable.
        assert_eq!(
            get(&app, "/console/../Cargo.toml").await.1,
            "<title>Konsol</title>"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
