//! AWS SDK configuration. `AWS_ENDPOINT_URL` (read by the SDK itself) points every client at a
//! local emulator; S3 then needs path-style addressing because the emulator has no wildcard DNS.
//!
//! Cold start (issue #6, `docs/bench/cold-start.md`): the SDK's default HTTPS client loads the
//! platform's root certificates when the first client is built (`rustls-native-certs`: the CA
//! bundle and every file of the certificate directory, PEM-decoded), which was most of the
//! functions' init. AWS service endpoints all present certificates of Amazon Trust Services, so
//! the clients trust exactly its roots, compiled in, and read nothing from disk.

pub use aws_config::SdkConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The roots of Amazon Trust Services, which issues the certificates of every AWS service
/// endpoint (<https://www.amazontrust.com/repository/>):
/// - Amazon Root CA 1, SHA-256 `8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e`
/// - Amazon Root CA 2, SHA-256 `1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4`
/// - Amazon Root CA 3, SHA-256 `18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4`
/// - Amazon Root CA 4, SHA-256 `e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092`
/// - Starfield Services Root Certificate Authority - G2,
///   SHA-256 `568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5`
///
/// Starfield Services G2 cross-signs the Amazon roots for clients that predate them.
const AMAZON_TRUST_SERVICES_ROOTS: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF\n\
ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6\n\
b24gUm9vdCBDQSAxMB4XDTE1MDUyNjAwMDAwMFoXDTM4MDExNzAwMDAwMFowOTEL\n\
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv\n\
b3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj\n\
ca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM\n\
9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw\n\
IFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6\n\
VOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L\n\
93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm\n\
jgSubJrIqg0CAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMC\n\
AYYwHQYDVR0OBBYEFIQYzIU07LwMlJQuCFmcx7IQTgoIMA0GCSqGSIb3DQEBCwUA\n\
A4IBAQCY8jdaQZChGsV2USggNiMOruYou6r4lK5IpDB/G/wkjUu0yKGX9rbxenDI\n\
U5PMCCjjmCXPI6T53iHTfIUJrU6adTrCC2qJeHZERxhlbI1Bjjt/msv0tadQ1wUs\n\
N+gDS63pYaACbvXy8MWy7Vu33PqUXHeeE6V/Uq2V8viTO96LXFvKWlJbYK8U90vv\n\
o/ufQJVtMVT8QtPHRh8jrdkPSHCa2XV4cdFyQzR1bldZwgJcJmApzyMZFo6IQ6XU\n\
5MsI+yMRQ+hDKXJioaldXgjUkK642M4UwtBV8ob2xJNDd2ZhwLnoQdeXeGADbkpy\n\
rqXRfboQnoZsG4q5WTP468SQvvG5\n\
-----END CERTIFICATE-----\n\
-----BEGIN CERTIFICATE-----\n\
MIIFQTCCAymgAwIBAgITBmyf0pY1hp8KD+WGePhbJruKNzANBgkqhkiG9w0BAQwF\n\
ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6\n\
b24gUm9vdCBDQSAyMB4XDTE1MDUyNjAwMDAwMFoXDTQwMDUyNjAwMDAwMFowOTEL\n\
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv\n\
b3QgQ0EgMjCCAiIwDQYJKoZIhvcNAQEBBQADggIPADCCAgoCggIBAK2Wny2cSkxK\n\
gXlRmeyKy2tgURO8TW0G/LAIjd0ZEGrHJgw12MBvIITplLGbhQPDW9tK6Mj4kHbZ\n\
W0/jTOgGNk3Mmqw9DJArktQGGWCsN0R5hYGCrVo34A3MnaZMUnbqQ523BNFQ9lXg\n\
1dKmSYXpN+nKfq5clU1Imj+uIFptiJXZNLhSGkOQsL9sBbm2eLfq0OQ6PBJTYv9K\n\
8nu+NQWpEjTj82R0Yiw9AElaKP4yRLuH3WUnAnE72kr3H9rN9yFVkE8P7K6C4Z9r\n\
2UXTu/Bfh+08LDmG2j/e7HJV63mjrdvdfLC6HM783k81ds8P+HgfajZRRidhW+me\n\
z/CiVX18JYpvL7TFz4QuK/0NURBs+18bvBt+xa47mAExkv8LV/SasrlX6avvDXbR\n\
8O70zoan4G7ptGmh32n2M8ZpLpcTnqWHsFcQgTfJU7O7f/aS0ZzQGPSSbtqDT6Zj\n\
mUyl+17vIWR6IF9sZIUVyzfpYgwLKhbcAS4y2j5L9Z469hdAlO+ekQiG+r5jqFoz\n\
7Mt0Q5X5bGlSNscpb/xVA1wf+5+9R+vnSUeVC06JIglJ4PVhHvG/LopyboBZ/1c6\n\
+XUyo05f7O0oYtlNc/LMgRdg7c3r3NunysV+Ar3yVAhU/bQtCSwXVEqY0VThUWcI\n\
0u1ufm8/0i2BWSlmy5A5lREedCf+3euvAgMBAAGjQjBAMA8GA1UdEwEB/wQFMAMB\n\
Af8wDgYDVR0PAQH/BAQDAgGGMB0GA1UdDgQWBBSwDPBMMPQFWAJI/TPlUq9LhONm\n\
UjANBgkqhkiG9w0BAQwFAAOCAgEAqqiAjw54o+Ci1M3m9Zh6O+oAA7CXDpO8Wqj2\n\
LIxyh6mx/H9z/WNxeKWHWc8w4Q0QshNabYL1auaAn6AFC2jkR2vHat+2/XcycuUY\n\
+gn0oJMsXdKMdYV2ZZAMA3m3MSNjrXiDCYZohMr/+c8mmpJ5581LxedhpxfL86kS\n\
k5Nrp+gvU5LEYFiwzAJRGFuFjWJZY7attN6a+yb3ACfAXVU3dJnJUH/jWS5E4ywl\n\
7uxMMne0nxrpS10gxdr9HIcWxkPo1LsmmkVwXqkLN1PiRnsn/eBG8om3zEK2yygm\n\
btmlyTrIQRNg91CMFa6ybRoVGld45pIq2WWQgj9sAq+uEjonljYE1x2igGOpm/Hl\n\
urR8FLBOybEfdF849lHqm/osohHUqS0nGkWxr7JOcQ3AWEbWaQbLU8uz/mtBzUF+\n\
fUwPfHJ5elnNXkoOrJupmHN5fLT0zLm4BwyydFy4x2+IoZCn9Kr5v2c69BoVYh63\n\
n749sSmvZ6ES8lgQGVMDMBu4Gon2nL2XA46jCfMdiyHxtN/kHNGfZQIG6lzWE7OE\n\
76KlXIx3KadowGuuQNKotOrN8I1LOJwZmhsoVLiJkO/KdYE+HvJkJMcYr07/R54H\n\
9jVlpNMKVv/1F2Rs76giJUmTtt8AF9pYfl3uxRuw0dFfIRDH+fO6AgonB8Xx1sfT\n\
4PsJYGw=\n\
-----END CERTIFICATE-----\n\
-----BEGIN CERTIFICATE-----\n\
MIIBtjCCAVugAwIBAgITBmyf1XSXNmY/Owua2eiedgPySjAKBggqhkjOPQQDAjA5\n\
MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6b24g\n\
Um9vdCBDQSAzMB4XDTE1MDUyNjAwMDAwMFoXDTQwMDUyNjAwMDAwMFowOTELMAkG\n\
A1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJvb3Qg\n\
Q0EgMzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCmXp8ZBf8ANm+gBG1bG8lKl\n\
ui2yEujSLtf6ycXYqm0fc4E7O5hrOXwzpcVOho6AF2hiRVd9RFgdszflZwjrZt6j\n\
QjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgGGMB0GA1UdDgQWBBSr\n\
ttvXBp43rDCGB5Fwx5zEGbF4wDAKBggqhkjOPQQDAgNJADBGAiEA4IWSoxe3jfkr\n\
BqWTrBqYaGFy+uGh0PsceGCmQ5nFuMQCIQCcAu/xlJyzlvnrxir4tiz+OpAUFteM\n\
YyRIHN8wfdVoOw==\n\
-----END CERTIFICATE-----\n\
-----BEGIN CERTIFICATE-----\n\
MIIB8jCCAXigAwIBAgITBmyf18G7EEwpQ+Vxe3ssyBrBDjAKBggqhkjOPQQDAzA5\n\
MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6b24g\n\
Um9vdCBDQSA0MB4XDTE1MDUyNjAwMDAwMFoXDTQwMDUyNjAwMDAwMFowOTELMAkG\n\
A1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJvb3Qg\n\
Q0EgNDB2MBAGByqGSM49AgEGBSuBBAAiA2IABNKrijdPo1MN/sGKe0uoe0ZLY7Bi\n\
9i0b2whxIdIA6GO9mif78DluXeo9pcmBqqNbIJhFXRbb/egQbeOc4OO9X4Ri83Bk\n\
M6DLJC9wuoihKqB1+IGuYgbEgds5bimwHvouXKNCMEAwDwYDVR0TAQH/BAUwAwEB\n\
/zAOBgNVHQ8BAf8EBAMCAYYwHQYDVR0OBBYEFNPsxzplbszh2naaVvuc84ZtV+WB\n\
MAoGCCqGSM49BAMDA2gAMGUCMDqLIfG9fhGt0O9Yli/W651+kI0rz2ZVwyzjKKlw\n\
CkcO8DdZEv8tmZQoTipPNU0zWgIxAOp1AE47xDqUEpHJWEadIRNyp4iciuRMStuW\n\
1KyLa2tJElMzrdfkviT8tQp21KW8EA==\n\
-----END CERTIFICATE-----\n\
-----BEGIN CERTIFICATE-----\n\
MIID7zCCAtegAwIBAgIBADANBgkqhkiG9w0BAQsFADCBmDELMAkGA1UEBhMCVVMx\n\
EDAOBgNVBAgTB0FyaXpvbmExEzARBgNVBAcTClNjb3R0c2RhbGUxJTAjBgNVBAoT\n\
HFN0YXJmaWVsZCBUZWNobm9sb2dpZXMsIEluYy4xOzA5BgNVBAMTMlN0YXJmaWVs\n\
ZCBTZXJ2aWNlcyBSb290IENlcnRpZmljYXRlIEF1dGhvcml0eSAtIEcyMB4XDTA5\n\
MDkwMTAwMDAwMFoXDTM3MTIzMTIzNTk1OVowgZgxCzAJBgNVBAYTAlVTMRAwDgYD\n\
VQQIEwdBcml6b25hMRMwEQYDVQQHEwpTY290dHNkYWxlMSUwIwYDVQQKExxTdGFy\n\
ZmllbGQgVGVjaG5vbG9naWVzLCBJbmMuMTswOQYDVQQDEzJTdGFyZmllbGQgU2Vy\n\
dmljZXMgUm9vdCBDZXJ0aWZpY2F0ZSBBdXRob3JpdHkgLSBHMjCCASIwDQYJKoZI\n\
hvcNAQEBBQADggEPADCCAQoCggEBANUMOsQq+U7i9b4Zl1+OiFOxHz/Lz58gE20p\n\
OsgPfTz3a3Y4Y9k2YKibXlwAgLIvWX/2h/klQ4bnaRtSmpDhcePYLQ1Ob/bISdm2\n\
8xpWriu2dBTrz/sm4xq6HZYuajtYlIlHVv8loJNwU4PahHQUw2eeBGg6345AWh1K\n\
Ts9DkTvnVtYAcMtS7nt9rjrnvDH5RfbCYM8TWQIrgMw0R9+53pBlbQLPLJGmpufe\n\
hRhJfGZOozptqbXuNC66DQO4M99H67FrjSXZm86B0UVGMpZwh94CDklDhbZsc7tk\n\
6mFBrMnUVN+HL8cisibMn1lUaJ/8viovxFUcdUBgF4UCVTmLfwUCAwEAAaNCMEAw\n\
DwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFJxfAN+q\n\
AdcwKziIorhtSpzyEZGDMA0GCSqGSIb3DQEBCwUAA4IBAQBLNqaEd2ndOxmfZyMI\n\
bw5hyf2E3F/YNoHN2BtBLZ9g3ccaaNnRbobhiCPPE95Dz+I0swSdHynVv/heyNXB\n\
ve6SbzJ08pGCL72CQnqtKrcgfU28elUSwhXqvfdqlS5sdJ/PHLTyxQGjhdByPq1z\n\
qwubdQxtRbeOlKyWN7Wg0I8VRw7j6IPdj/3vQQF3zCepYoUz8jcI73HPdwbeyBkd\n\
iEDPfUYd/x7H4c7/I9vG+o1VTqkC50cRRj70/b17KSa7qWFiNyi2LSr2EIZkyXCn\n\
0q23KXB56jzaYyWf/Wi3MOxw+3WKt21gZ7IeyLnp2KhvAotnDU0mV3HaIPzBSlCN\n\
sSi6\n\
-----END CERTIFICATE-----\n";

/// The SDK configuration from the environment, with an HTTPS client (rustls with aws-lc, as the
/// SDK's default one) that trusts the Amazon Trust Services roots only.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_TRUST_SERVICES_ROOTS.as_bytes());
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .unwrap_or_else(|_| unreachable!("a trust store alone is a complete TLS context"));
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(ConnectorOnFirstUse(https)))
        .timeout_config(json_call_timeouts())
        .retry_config(retry_config())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    let given = GivenByEnvironment::read(&crate::config::Env::process());
    if let Some(region) = given.region {
        loader = loader.region(aws_config::Region::new(region));
    }
    if given.credentials {
        loader = loader.credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        );
    }
    loader.load().await
}

/// How long one attempt at a DynamoDB or Secrets Manager call may take, connecting included.
/// Their answers are small JSON documents, in milliseconds at the service's p99; an attempt this
/// slow is a stuck connection, and the standard retry's next attempt goes out on a fresh one.
pub const CALL_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// How long one such call may take over all its attempts and backoffs: a stuck dependency fails
/// the call, and the function answers 503 (Meta retries the webhook's) well inside the Lambda
/// timeouts (webhook 15 s, status 10 s) instead of timing out.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// A lost SYN is retransmitted after one second: connecting may take one retransmission.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1_500);

/// Limits for the JSON APIs (DynamoDB, Secrets Manager). Without them the SDK sets only a connect
/// timeout: a server that accepts and never answers held the call until Lambda's timeout, and
/// the stalled-stream monitor that would end an answer stopping midway waits 20 s before it
/// judges, longer than either function runs. The attempt timeout ends both, so the monitor is
/// off for these clients (it also woke the process every 100 ms during each call). S3 keeps it,
/// without these limits, because its bodies are large and streamed ([`s3_client`]).
pub fn json_call_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(CALL_ATTEMPT_TIMEOUT)
        .operation_timeout(CALL_TIMEOUT)
        .build()
}

/// The SDK's standard retry (3 attempts, exponential backoff with jitter from 1 s), stated here so
/// the local stack and the tests retry exactly as the deployed functions do. A retried
/// `TransactWriteItems` carries the same `ClientRequestToken` (`store::request_token`).
pub fn retry_config() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
}

/// What Lambda's environment already answers. The default region and credential chains look
/// there first, but building them also builds their fallbacks (an STS client for web identity,
/// ECS and IMDS clients, each with its endpoint rules and TLS configuration), never used in
/// Lambda: about a sixth of the webhook's cold-start instructions (docs/bench/cold-start.md).
/// Without these variables (a developer's machine with profiles) the default chains run.
#[derive(Debug, PartialEq, Eq)]
struct GivenByEnvironment {
    region: Option<String>,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN` when Lambda
    /// sets it), as Lambda hands the function its role's credentials.
    credentials: bool,
}

impl GivenByEnvironment {
    /// Blank values count as unset (`Env::optional`).
    fn read(env: &crate::config::Env) -> Self {
        Self {
            region: env
                .optional("AWS_REGION")
                .or_else(|| env.optional("AWS_DEFAULT_REGION")),
            credentials: env.optional("AWS_ACCESS_KEY_ID").is_some()
                && env.optional("AWS_SECRET_ACCESS_KEY").is_some(),
        }
    }
}

/// The SDK's HTTPS client, minus the connector it builds and throws away when each service
/// client is created (`validate_base_client_config`, meant to load the platform's certificates
/// early): the connector a call needs is built on the first call and cached either way, so each
/// client otherwise built its TLS configuration twice.
#[derive(Debug)]
struct ConnectorOnFirstUse(SharedHttpClient);

impl HttpClient for ConnectorOnFirstUse {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

pub fn dynamodb_client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(config)
            .interceptor(FixedUserAgent::new(
                "dynamodb",
                aws_sdk_dynamodb::meta::PKG_VERSION,
            ))
            .build(),
    )
}

/// The SNS client of the supervisors' digest (documents function).
#[cfg(feature = "sns")]
pub fn sns_client(config: &aws_config::SdkConfig) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(config)
            .interceptor(FixedUserAgent::new("sns", aws_sdk_sns::meta::PKG_VERSION))
            .build(),
    )
}

/// The Secrets Manager client of a function that reads its secret from there
/// (`whatsapp::SecretsProvider`).
pub fn secrets_manager_client(config: &aws_config::SdkConfig) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(config)
            .interceptor(FixedUserAgent::new(
                "secretsmanager",
                aws_sdk_secretsmanager::meta::PKG_VERSION,
            ))
            .build(),
    )
}

/// What CloudTrail records as a call's `userAgent`. The SDK's own interceptor builds the same
/// headers anew for every call (reading the environment, formatting both headers), about 60,000
/// instructions a call under callgrind and 0.05x of the webhook's cold start as deployed
/// (docs/bench/cold-start.md, "Eighth look"). This one builds them once per client, from the
/// SDK's own builder, with the application's name added, and switches the SDK's off (smithy's
/// `DisableInterceptor`). What it leaves out are the per-call feature codes (`m/…`) AWS collects
/// for its SDK metrics. Used for DynamoDB and Secrets Manager; S3 keeps the SDK's.
#[derive(Debug)]
struct FixedUserAgent {
    user_agent: String,
    x_amz_user_agent: String,
}

/// The application name in every header (`app/adminduk-wa`).
const APP_NAME: &str = "adminduk-wa";

impl FixedUserAgent {
    /// `service` and `version` as the SDK crate names itself (`dynamodb`, its `PKG_VERSION`).
    fn new(service: &'static str, version: &'static str) -> Self {
        let mut agent = aws_runtime::user_agent::AwsUserAgent::new_from_environment(
            aws_types::os_shim_internal::Env::real(),
            aws_runtime::user_agent::ApiMetadata::new(service, version),
        );
        let app = aws_types::app_name::AppName::new(APP_NAME)
            .unwrap_or_else(|_| unreachable!("a fixed valid application name"));
        agent.set_app_name(app);
        Self {
            user_agent: agent.ua_header(),
            x_amz_user_agent: agent.aws_ua_header(),
        }
    }
}

impl aws_sdk_dynamodb::config::Intercept for FixedUserAgent {
    fn name(&self) -> &'static str {
        "FixedUserAgent"
    }

    fn read_before_execution(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        cfg.interceptor_state().store_put(
            aws_smithy_runtime_api::client::interceptors::disable_interceptor::<
                aws_runtime::user_agent::UserAgentInterceptor,
            >("replaced by FixedUserAgent"),
        );
        Ok(())
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut<
            '_,
        >,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let headers = context.request_mut().headers_mut();
        headers.insert("user-agent", self.user_agent.clone());
        headers.insert("x-amz-user-agent", self.x_amz_user_agent.clone());
        Ok(())
    }
}

#[cfg(feature = "s3")]
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let path_style = config.endpoint_url().is_some();
    // Objects of up to 100 MB stream through the documents function: a whole-call deadline would
    // cut a slow but moving transfer, so S3 calls are bounded by the stalled-stream monitor
    // (no progress for its grace period) and the function's own timeout instead.
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .disable_operation_attempt_timeout()
                .disable_operation_timeout()
                .build(),
        )
        .stalled_stream_protection(StalledStreamProtectionConfig::enabled().build())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::SdkError;
    use aws_sdk_dynamodb::types::AttributeValue as Attr;
    use std::time::Duration;

    #[test]
    fn the_amazon_roots_are_five_certificates() {
        let blocks = AMAZON_TRUST_SERVICES_ROOTS
            .matches("-----BEGIN CERTIFICATE-----")
            .count();
        assert_eq!(blocks, 5);
        assert_eq!(
            AMAZON_TRUST_SERVICES_ROOTS
                .matches("-----END CERTIFICATE-----")
                .count(),
            5
        );
    }

    #[tokio::test]
    async fn the_sdk_config_carries_the_https_client() {
        let config = sdk_config().await;
        assert!(config.http_client().is_some());
        let _client = dynamodb_client(&config);
    }

    fn environment(vars: &[(&str, &str)]) -> GivenByEnvironment {
        GivenByEnvironment::read(&crate::config::Env::from_fn(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }))
    }

    #[test]
    fn lambda_variables_give_the_region_and_the_credentials() {
        let lambda = environment(&[
            ("AWS_REGION", "ap-southeast-3"),
            ("AWS_DEFAULT_REGION", "ap-southeast-3"),
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ]);
        assert_eq!(
            lambda,
            GivenByEnvironment {
                region: Some("ap-southeast-3".into()),
                credentials: true
            }
        );
        assert_eq!(
            environment(&[("AWS_DEFAULT_REGION", "eu-west-1")]).region,
            Some("eu-west-1".into())
        );
    }

    #[test]
    fn without_them_the_default_chains_decide() {
        // A developer's machine: profiles, SSO, instance roles are the chains' business.
        assert_eq!(
            environment(&[]),
            GivenByEnvironment {
                region: None,
                credentials: false
            }
        );
        // Half a key pair, or blank values, are not credentials.
        assert!(!environment(&[("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")]).credentials);
        assert!(
            !environment(&[("AWS_ACCESS_KEY_ID", " "), ("AWS_SECRET_ACCESS_KEY", "x")]).credentials
        );
        assert_eq!(environment(&[("AWS_REGION", "")]).region, None);
    }

    /// A loopback service that reads each request, keeps its head, answers `answer` (nothing
    /// when empty; a head and part of a body make a stalled answer) and keeps the connection open.
    struct ScriptedService {
        addr: std::net::SocketAddr,
        connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    }

    async fn scripted_service(answer: &'static [u8]) -> ScriptedService {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let service = ScriptedService {
            addr: listener.local_addr().unwrap(),
            connections: Default::default(),
            requests: Default::default(),
        };
        let (connections, requests) = (service.connections.clone(), service.requests.clone());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                connections.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // The whole request first: an answer before it is a protocol error, not a stall.
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request_is_complete(&request) {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
                requests.lock().unwrap().push(head);
                let _ = socket.write_all(answer).await;
                held.push(socket);
            }
        });
        service
    }

    /// Headers and as many body bytes as their `content-length` says (the SDK always sends it).
    fn request_is_complete(request: &[u8]) -> bool {
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            return false;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        request.len() >= end + 4 + length
    }

    fn placeholder_credentials() -> aws_sdk_dynamodb::config::SharedCredentialsProvider {
        aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::new("AKIDTEST", "secret", None, None, "test"),
        )
    }

    /// This module's configuration with placeholder credentials (the endpoint is set on each
    /// client: it wins over `AWS_ENDPOINT_URL`, which `make test` sets for the emulator).
    async fn config() -> aws_config::SdkConfig {
        sdk_config()
            .await
            .into_builder()
            .region(aws_config::Region::new("ap-southeast-3"))
            .credentials_provider(placeholder_credentials())
            .build()
    }

    /// Without limits a DynamoDB or Secrets Manager call to a server that never answers waited
    /// for Lambda's timeout, and one whose answer stopped midway for the stall monitor's 20 s.
    #[tokio::test]
    async fn a_silent_or_stalled_service_fails_the_call_within_its_limit_after_a_fresh_attempt() {
        const SILENT: &[u8] = b"";
        const STALLED: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n\
            Content-Length: 64\r\n\r\n{\"Item\":";
        let started = std::time::Instant::now();
        // Far beyond the limit: the old configuration would wait here, and the test fails.
        let give_up = CALL_TIMEOUT + Duration::from_secs(3);
        let dynamodb = |addr| async move {
            let config = aws_sdk_dynamodb::config::Builder::from(&config().await)
                .endpoint_url(format!("http://{addr}"))
                .build();
            let client = aws_sdk_dynamodb::Client::from_conf(config);
            let call = client
                .get_item()
                .table_name("t")
                .key("PK", Attr::S("k".into()));
            let outcome = tokio::time::timeout(give_up, call.send())
                .await
                .expect("ended by the SDK");
            matches!(outcome, Err(SdkError::TimeoutError(_)))
        };
        let secrets_manager = |addr| async move {
            let config = aws_sdk_secretsmanager::config::Builder::from(&config().await)
                .endpoint_url(format!("http://{addr}"))
                .build();
            let client = aws_sdk_secretsmanager::Client::from_conf(config);
            let call = client.get_secret_value().secret_id("whatsapp");
            let outcome = tokio::time::timeout(give_up, call.send())
                .await
                .expect("ended by the SDK");
            matches!(
                outcome,
                Err(aws_sdk_secretsmanager::error::SdkError::TimeoutError(_))
            )
        };
        let services = [
            scripted_service(SILENT).await,
            scripted_service(STALLED).await,
            scripted_service(SILENT).await,
            scripted_service(STALLED).await,
        ];
        let timed_out = tokio::join!(
            dynamodb(services[0].addr),
            dynamodb(services[1].addr),
            secrets_manager(services[2].addr),
            secrets_manager(services[3].addr),
        );
        assert_eq!(timed_out, (true, true, true, true));
        let elapsed = started.elapsed();
        assert!(elapsed >= CALL_ATTEMPT_TIMEOUT, "{elapsed:?}");
        // The call limit, with room for a busy test machine (`give_up` is further still).
        assert!(
            elapsed < CALL_TIMEOUT + Duration::from_secs(2),
            "{elapsed:?}"
        );
        // The stuck connection is not waited on twice: the retry connects again.
        for service in &services {
            let connections = service
                .connections
                .load(std::sync::atomic::Ordering::SeqCst);
            assert!(
                connections >= 2,
                "{}: {connections} connection(s)",
                service.addr
            );
        }
    }

    /// The headers CloudTrail reads `userAgent` from, once each, naming the SDK, the service's
    /// crate and the application; not the SDK's per-call version, which would add its feature
    /// codes (`m/…`) and, were it still on, a second value of each header.
    #[tokio::test]
    async fn dynamodb_and_secrets_manager_calls_carry_the_fixed_user_agent() {
        const EMPTY_OBJECT: &[u8] =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
            Content-Length: 2\r\n\r\n{}";
        let (dynamodb, secrets) = (
            scripted_service(EMPTY_OBJECT).await,
            scripted_service(EMPTY_OBJECT).await,
        );
        let config = config().await;
        let sdk_agent_built = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let client = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&config)
                .endpoint_url(format!("http://{}", dynamodb.addr))
                .interceptor(FixedUserAgent::new(
                    "dynamodb",
                    aws_sdk_dynamodb::meta::PKG_VERSION,
                ))
                .interceptor(SdkAgentProbe(sdk_agent_built.clone()))
                .build(),
        );
        let call = client
            .get_item()
            .table_name("t")
            .key("PK", Attr::S("k".into()));
        call.send().await.expect("an empty item");
        // The saving is the SDK's interceptor not running at all (its header would be
        // overwritten anyway): it leaves its agent in the config bag when it does.
        assert!(!sdk_agent_built.load(std::sync::atomic::Ordering::SeqCst));
        let provider = crate::whatsapp::SecretsProvider::new(
            crate::config::SecretSource::SecretsManager {
                secret_arn: "arn:aws:secretsmanager:ap-southeast-3:1:secret:w".into(),
            },
            // A configuration of its own: `make test` sets `AWS_ENDPOINT_URL` (moto), which an
            // endpoint set on a configuration loaded from the environment does not override.
            &aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("ap-southeast-3"))
                .credentials_provider(placeholder_credentials())
                .endpoint_url(format!("http://{}", secrets.addr))
                .build(),
        );
        // `{}` holds no secret: the call succeeds, the parse does not.
        let _ = provider.get().await;
        for (service, api) in [
            (&dynamodb, "api/dynamodb/"),
            (&secrets, "api/secretsmanager/"),
        ] {
            let requests = service.requests.lock().unwrap();
            let head = requests.first().expect("one request");
            for name in ["\r\nuser-agent: ", "\r\nx-amz-user-agent: "] {
                assert_eq!(head.matches(name).count(), 1, "{name:?} in {head}");
                let value = head.split(name).nth(1).and_then(|v| v.split("\r\n").next());
                let value = value.unwrap_or_default();
                assert!(value.starts_with("aws-sdk-rust/"), "{value}");
                assert!(value.contains("app/adminduk-wa"), "{value}");
                assert!(!value.contains(" m/"), "{value}");
            }
            assert!(head.contains(api), "{head}");
        }
    }

    /// Notes whether the SDK's user-agent interceptor ran (it stores its `AwsUserAgent`).
    #[derive(Debug)]
    struct SdkAgentProbe(std::sync::Arc<std::sync::atomic::AtomicBool>);

    impl aws_sdk_dynamodb::config::Intercept for SdkAgentProbe {
        fn name(&self) -> &'static str {
            "SdkAgentProbe"
        }

        fn read_before_transmit(
            &self,
            _context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<
                '_,
            >,
            _runtime_components: &RuntimeComponents,
            cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
        ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
            let built = cfg
                .load::<aws_runtime::user_agent::AwsUserAgent>()
                .is_some();
            self.0.fetch_or(built, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    #[cfg(feature = "s3")]
    #[tokio::test]
    async fn s3_transfers_have_no_deadline_but_the_stall_monitor() {
        let client = s3_client(&sdk_config().await);
        let timeouts = client.config().timeout_config().expect("set");
        assert_eq!(timeouts.operation_attempt_timeout(), None);
        assert_eq!(timeouts.operation_timeout(), None);
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        let monitor = client.config().stalled_stream_protection().expect("set");
        assert!(monitor.is_enabled());
    }

    #[derive(Debug)]
    struct CountingClient(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl HttpClient for CountingClient {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            unreachable!("no call is made")
        }

        fn validate_base_client_config(
            &self,
            _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder,
            _: &aws_sdk_dynamodb::config::ConfigBag,
        ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    #[tokio::test]
    async fn creating_a_client_builds_no_connector() {
        let validations = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counting = SharedHttpClient::new(CountingClient(validations.clone()));
        // The inner client's eager (throwaway) connector build is skipped...
        let config = aws_config::SdkConfig::builder()
            .http_client(SharedHttpClient::new(ConnectorOnFirstUse(counting.clone())))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("ap-southeast-3"))
            .build();
        let _client = dynamodb_client(&config);
        assert_eq!(validations.load(std::sync::atomic::Ordering::SeqCst), 0);
        // ...where the client it wraps would have done it.
        let config = aws_config::SdkConfig::builder()
            .http_client(counting)
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("ap-southeast-3"))
            .build();
        let _client = dynamodb_client(&config);
        assert_eq!(validations.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
