//! The enforcement point of [`crate::iam`]: an HTTP client for the functions' SDK calls that
//! finds who signed a request (the access key id is the function's logical id), maps the request
//! to the authorisations AWS makes for it, and answers a refused call the way the service does,
//! without reaching moto. Allowed calls go on to the inner client (the DynamoDB gate).

use crate::iam::{Authorization, PARTITION, Refusal, SharedRoles, table_arn};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use serde_json::Value;
use std::collections::BTreeMap;

/// The service a request is for, and so how a refusal is worded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    DynamoDb,
    Streams,
    SecretsManager,
    S3,
    Sns,
}

/// The parts of an HTTP request the mapping reads.
#[derive(Debug)]
pub struct Call<'a> {
    pub method: &'a str,
    /// Path and query, e.g. `/bucket/key?versionId=1`.
    pub uri: &'a str,
    pub target: Option<&'a str>,
    pub headers: Vec<(String, String)>,
    pub body: Option<&'a [u8]>,
    pub region: &'a str,
}

/// What could not be mapped: refused (fail closed) with this reason in the log.
#[derive(Debug, PartialEq, Eq)]
pub struct Unmapped(pub String);

impl Call<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn service(&self) -> Service {
        match self.target {
            Some(t) if t.starts_with("DynamoDBStreams_") => Service::Streams,
            Some(t) if t.starts_with("DynamoDB_") => Service::DynamoDb,
            Some(t) if t.starts_with("secretsmanager.") => Service::SecretsManager,
            Some(t) if t.starts_with("AmazonSNS.") => Service::Sns,
            // SNS's query protocol has no target header: the signature's scope names it.
            _ if self
                .header("authorization")
                .is_some_and(|a| a.contains("/sns/aws4_request")) =>
            {
                Service::Sns
            }
            _ => Service::S3,
        }
    }

    fn json(&self) -> Result<Value, Unmapped> {
        let body = self.body.unwrap_or(b"{}");
        serde_json::from_slice(body).map_err(|e| Unmapped(format!("JSON body: {e}")))
    }
}

/// The authorisations AWS makes for one call (Service Authorization Reference of each service).
pub fn authorizations(call: &Call) -> Result<Vec<Authorization>, Unmapped> {
    match call.service() {
        Service::DynamoDb => dynamodb(call),
        Service::Streams => streams(call),
        Service::SecretsManager => secrets_manager(call),
        Service::S3 => s3(call),
        Service::Sns => sns(call),
    }
}

/// SNS: the query protocol's form body (`Action=Publish&TopicArn=…`) or, from SDKs speaking
/// JSON, the target header and a JSON body. Authorised on the topic.
fn sns(call: &Call) -> Result<Vec<Authorization>, Unmapped> {
    let (operation, topic) = match call.target.and_then(|t| t.strip_prefix("AmazonSNS.")) {
        Some(operation) => {
            let body = call.json()?;
            (
                operation.to_owned(),
                str_field(&body, "TopicArn")?.to_owned(),
            )
        }
        None => {
            let body = std::str::from_utf8(call.body.unwrap_or_default())
                .map_err(|_| Unmapped("SNS body is not UTF-8".into()))?;
            let field = |name: &str| {
                body.split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| percent_decode(&v.replace('+', " ")))
            };
            let operation = field("Action").ok_or_else(|| Unmapped("SNS: no Action".into()))?;
            let topic = field("TopicArn")
                .ok_or_else(|| Unmapped(format!("SNS {operation}: no TopicArn")))?;
            (operation, topic)
        }
    };
    Ok(vec![Authorization::new(format!("sns:{operation}"), topic)])
}

fn str_field<'v>(value: &'v Value, field: &str) -> Result<&'v str, Unmapped> {
    value
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Unmapped(format!("no {field}")))
}

fn dynamodb(call: &Call) -> Result<Vec<Authorization>, Unmapped> {
    let operation = call
        .target
        .and_then(|t| t.split_once('.'))
        .map(|(_, op)| op)
        .ok_or_else(|| Unmapped("no operation".into()))?;
    let body = call.json()?;
    let table = |v: &Value| str_field(v, "TableName").map(|t| table_arn(call.region, t));
    let action = |op: &str| format!("dynamodb:{op}");
    Ok(match operation {
        // An index is a resource of its own: `table/<t>/index/<name>`.
        "Query" | "Scan" => {
            let mut arn = table(&body)?;
            let index = body.get("IndexName").and_then(Value::as_str);
            if let Some(index) = index {
                arn = format!("{arn}/index/{index}");
            }
            let auth = Authorization::new(action(operation), arn);
            // On the table, the partition key is the table's; an index's is its own.
            match (operation, index) {
                ("Query", None) => vec![with_leading_keys(
                    auth,
                    query_key(&body).into_iter().collect(),
                )],
                _ => vec![auth],
            }
        }
        // Not IAM actions: each item is authorised by the action of its kind.
        "TransactWriteItems" | "TransactGetItems" => {
            let items = body
                .get("TransactItems")
                .and_then(Value::as_array)
                .ok_or_else(|| Unmapped("no TransactItems".into()))?;
            let mut out = Vec::new();
            for item in items {
                let (kind, inner) = item
                    .as_object()
                    .and_then(|o| o.iter().next())
                    .ok_or_else(|| Unmapped("empty transaction item".into()))?;
                let item_action = match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "ConditionCheck" => "ConditionCheckItem",
                    "Get" => "GetItem",
                    other => return Err(Unmapped(format!("transaction item {other}"))),
                };
                // AWS judges `dynamodb:LeadingKeys` per item of a transaction.
                out.push(with_leading_keys(
                    Authorization::new(action(item_action), table(inner)?),
                    item_keys(inner),
                ));
            }
            out
        }
        // Authorised as themselves, once per table they touch, with the partition keys of every
        // item of that table as `dynamodb:LeadingKeys` (a `ForAllValues` condition must hold for
        // each).
        "BatchGetItem" | "BatchWriteItem" => {
            let tables = body
                .get("RequestItems")
                .and_then(Value::as_object)
                .ok_or_else(|| Unmapped("no RequestItems".into()))?;
            tables
                .iter()
                .map(|(t, requests)| {
                    with_leading_keys(
                        Authorization::new(action(operation), table_arn(call.region, t)),
                        batch_keys(requests),
                    )
                })
                .collect()
        }
        "ListTables" => vec![Authorization::new(action(operation), "*")],
        _ => vec![with_leading_keys(
            Authorization::new(action(operation), table(&body)?),
            item_keys(&body),
        )],
    })
}

/// The table's partition key attribute (`template.yaml`, `Table.KeySchema` HASH; checked by a
/// test): what `dynamodb:LeadingKeys` names.
pub const PARTITION_KEY: &str = "PK";

fn with_leading_keys(mut auth: Authorization, keys: Vec<String>) -> Authorization {
    for key in keys {
        auth = auth.with("dynamodb:LeadingKeys", key);
    }
    auth
}

/// The partition key of one item request (`Key` of Get/Update/Delete/ConditionCheck, `Item` of
/// Put), as a string (`S`; a number's digits).
fn item_keys(request: &Value) -> Vec<String> {
    ["Key", "Item"]
        .iter()
        .filter_map(|field| request.get(*field)?.get(PARTITION_KEY))
        .filter_map(scalar)
        .collect()
}

fn scalar(value: &Value) -> Option<String> {
    value
        .get("S")
        .or_else(|| value.get("N"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The partition keys of a batch's requests for one table: `PutRequest.Item`,
/// `DeleteRequest.Key` (BatchWriteItem) or `Keys` (BatchGetItem).
fn batch_keys(requests: &Value) -> Vec<String> {
    match requests {
        Value::Array(list) => list
            .iter()
            .flat_map(|r| {
                ["PutRequest", "DeleteRequest"]
                    .iter()
                    .filter_map(|kind| r.get(*kind))
                    .flat_map(item_keys)
                    .collect::<Vec<_>>()
            })
            .collect(),
        Value::Object(get) => get
            .get("Keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| k.get(PARTITION_KEY))
                    .filter_map(scalar)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The partition key value a query's `KeyConditionExpression` names (`PK = :pk`, or `#n = :v`
/// with `#n` standing for it), as DynamoDB supplies it for `dynamodb:LeadingKeys`.
fn query_key(body: &Value) -> Option<String> {
    let expression = body.get("KeyConditionExpression")?.as_str()?;
    let names = body.get("ExpressionAttributeNames");
    let values = body.get("ExpressionAttributeValues")?;
    expression
        .split(" AND ")
        .flat_map(|c| c.split(" and "))
        .find_map(|clause| {
            let (name, value) = clause.split_once('=')?;
            let name = name.trim().trim_start_matches('(');
            let value = value.trim().trim_end_matches(')');
            let name = match name.strip_prefix('#') {
                Some(_) => names?.get(name)?.as_str()?,
                None => name,
            };
            (name == PARTITION_KEY)
                .then(|| values.get(value).and_then(scalar))
                .flatten()
        })
}

/// DynamoDB Streams' actions are `dynamodb:*` on the stream's ARN. A shard iterator starts with
/// it (`<stream arn>|1|<opaque>`), in AWS as in moto.
fn streams(call: &Call) -> Result<Vec<Authorization>, Unmapped> {
    let operation = call
        .target
        .and_then(|t| t.split_once('.'))
        .map(|(_, op)| op)
        .ok_or_else(|| Unmapped("no operation".into()))?;
    let body = call.json()?;
    let resource = match operation {
        "GetRecords" => str_field(&body, "ShardIterator")?
            .split('|')
            .next()
            .unwrap_or_default()
            .to_owned(),
        "ListStreams" => match body.get("TableName").and_then(Value::as_str) {
            Some(t) => format!("{}/stream/*", table_arn(call.region, t)),
            None => "*".into(),
        },
        _ => str_field(&body, "StreamArn")?.to_owned(),
    };
    Ok(vec![Authorization::new(
        format!("dynamodb:{operation}"),
        resource,
    )])
}

fn secrets_manager(call: &Call) -> Result<Vec<Authorization>, Unmapped> {
    let operation = call
        .target
        .and_then(|t| t.split_once('.'))
        .map(|(_, op)| op)
        .ok_or_else(|| Unmapped("no operation".into()))?;
    let body = call.json()?;
    let id = str_field(&body, "SecretId")?;
    // By name, AWS resolves the full ARN (with its random suffix) before it authorises; a policy
    // naming the full ARN then matches. Locally a name is checked as a partial ARN, which such a
    // policy does not match: call by ARN, as the functions do.
    let resource = if id.starts_with("arn:") {
        id.to_owned()
    } else {
        format!(
            "arn:{PARTITION}:secretsmanager:{}:{}:secret:{id}",
            call.region,
            crate::iam::ACCOUNT
        )
    };
    Ok(vec![Authorization::new(
        format!("secretsmanager:{operation}"),
        resource,
    )])
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `<tag>…</tag>` values of an XML text, in order (the SDK's DeleteObjects body is flat).
fn xml_values<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// S3, path-style (the SDK's setting for an endpoint URL): `/<bucket>[/<key>]?<query>`.
fn s3(call: &Call) -> Result<Vec<Authorization>, Unmapped> {
    let (path, query) = call.uri.split_once('?').unwrap_or((call.uri, ""));
    let query: BTreeMap<String, String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let path = path.trim_start_matches('/');
    let (bucket, key) = match path.split_once('/') {
        Some((b, k)) if !k.is_empty() => (b.to_owned(), Some(percent_decode(k))),
        Some((b, _)) => (b.to_owned(), None),
        None => (path.to_owned(), None),
    };
    if bucket.is_empty() {
        return Ok(vec![Authorization::new("s3:ListAllMyBuckets", "*")]);
    }
    let bucket_arn = format!("arn:{PARTITION}:s3:::{bucket}");
    let has = |q: &str| query.contains_key(q);
    let version = query.get("versionId").cloned();
    let method = call.method.to_ascii_uppercase();
    let a = |action: &str, resource: &str| {
        let auth = Authorization::new(format!("s3:{action}"), resource)
            .with("aws:SecureTransport", "true")
            .with("aws:RequestedRegion", call.region);
        match &version {
            Some(v) => auth.with("s3:versionid", v.clone()),
            None => auth,
        }
    };
    let Some(key) = key else {
        let listing = |action: &str| {
            let mut auth = a(action, &bucket_arn);
            for k in ["prefix", "delimiter", "max-keys"] {
                if let Some(v) = query.get(k) {
                    auth = auth.with(&format!("s3:{k}"), v.clone());
                }
            }
            auth
        };
        return Ok(match method.as_str() {
            "GET" if has("versions") => vec![listing("ListBucketVersions")],
            "GET" if has("uploads") => vec![a("ListBucketMultipartUploads", &bucket_arn)],
            "GET" if has("location") => vec![a("GetBucketLocation", &bucket_arn)],
            "GET" if query.is_empty() || has("list-type") || has("prefix") => {
                vec![listing("ListBucket")]
            }
            "HEAD" => vec![a("ListBucket", &bucket_arn)],
            // DeleteObjects is authorised object by object.
            "POST" if has("delete") => {
                let body = call
                    .body
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .ok_or_else(|| Unmapped("DeleteObjects without a body".into()))?;
                let objects = xml_values(&body, "Object");
                objects
                    .iter()
                    .map(|object| {
                        let key = xml_values(object, "Key")
                            .first()
                            .map(|k| xml_unescape(k))
                            .unwrap_or_default();
                        let arn = format!("{bucket_arn}/{key}");
                        match xml_values(object, "VersionId").first() {
                            Some(v) => {
                                a("DeleteObjectVersion", &arn).with("s3:versionid", xml_unescape(v))
                            }
                            None => a("DeleteObject", &arn),
                        }
                    })
                    .collect()
            }
            _ => {
                return Err(Unmapped(format!(
                    "S3 bucket call {method} ?{}",
                    query.keys().cloned().collect::<Vec<_>>().join("&")
                )));
            }
        });
    };
    let object_arn = format!("{bucket_arn}/{key}");
    let versioned = |plain: &str, with_version: &str| {
        if version.is_some() {
            with_version.to_owned()
        } else {
            plain.to_owned()
        }
    };
    let tagged = call.header("x-amz-tagging").is_some();
    let mut out = match method.as_str() {
        "GET" | "HEAD" if has("tagging") => {
            vec![a(
                &versioned("GetObjectTagging", "GetObjectVersionTagging"),
                &object_arn,
            )]
        }
        "GET" if has("uploadId") => vec![a("ListMultipartUploadParts", &object_arn)],
        "GET" if has("acl") => vec![a(
            &versioned("GetObjectAcl", "GetObjectVersionAcl"),
            &object_arn,
        )],
        "GET" | "HEAD" => vec![a(&versioned("GetObject", "GetObjectVersion"), &object_arn)],
        "PUT" if has("tagging") => {
            vec![a(
                &versioned("PutObjectTagging", "PutObjectVersionTagging"),
                &object_arn,
            )]
        }
        "PUT" if has("acl") => vec![a("PutObjectAcl", &object_arn)],
        // UploadPart (and CopyObject/UploadPartCopy below) are PutObject.
        "PUT" => {
            let mut out = vec![a("PutObject", &object_arn)];
            if let Some(source) = call.header("x-amz-copy-source") {
                let source = percent_decode(source);
                let (source, source_version) = match source.split_once("?versionId=") {
                    Some((s, v)) => (s.to_owned(), Some(v.to_owned())),
                    None => (source, None),
                };
                let arn = format!("arn:{PARTITION}:s3:::{}", source.trim_start_matches('/'));
                out.push(match source_version {
                    Some(v) => a("GetObjectVersion", &arn).with("s3:versionid", v),
                    None => a("GetObject", &arn),
                });
            }
            out
        }
        // CreateMultipartUpload and CompleteMultipartUpload.
        "POST" if has("uploads") || has("uploadId") => vec![a("PutObject", &object_arn)],
        "DELETE" if has("uploadId") => vec![a("AbortMultipartUpload", &object_arn)],
        "DELETE" if has("tagging") => vec![a(
            &versioned("DeleteObjectTagging", "DeleteObjectVersionTagging"),
            &object_arn,
        )],
        "DELETE" => vec![a(
            &versioned("DeleteObject", "DeleteObjectVersion"),
            &object_arn,
        )],
        _ => {
            return Err(Unmapped(format!(
                "S3 object call {method} ?{}",
                query.keys().cloned().collect::<Vec<_>>().join("&")
            )));
        }
    };
    // Tags sent with the object need PutObjectTagging as well (S3 user guide, "Object tagging and
    // access control policies").
    if tagged && (method == "PUT" || has("uploads")) && !has("tagging") {
        out.push(a("PutObjectTagging", &object_arn));
    }
    Ok(out)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The access key id of a SigV4-signed request (`Credential=<key id>/<date>/…`).
pub fn access_key_id(authorization: &str) -> Option<&str> {
    let credential = authorization.split("Credential=").nth(1)?;
    credential.split('/').next()
}

/// The answer AWS gives a refused call.
pub fn refusal_response(service: Service, refusal: &Refusal) -> (u16, &'static str, String) {
    let message = refusal.message();
    match service {
        Service::DynamoDb | Service::Streams => (
            400,
            "application/x-amz-json-1.0",
            serde_json::json!({
                "__type": "com.amazon.coral.service#AccessDeniedException",
                "Message": message,
            })
            .to_string(),
        ),
        Service::SecretsManager => (
            400,
            "application/x-amz-json-1.1",
            serde_json::json!({ "__type": "AccessDeniedException", "Message": message })
                .to_string(),
        ),
        // SNS answers a refused call 403 AuthorizationError (query protocol).
        Service::Sns => (
            403,
            "text/xml",
            format!(
                "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error>\
                 <Type>Sender</Type><Code>AuthorizationError</Code><Message>{}</Message></Error>\
                 <RequestId>LOCALIAM</RequestId></ErrorResponse>",
                xml_escape(&message)
            ),
        ),
        Service::S3 => (
            403,
            "application/xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
             <Message>Access Denied</Message><RequestId>LOCALIAM</RequestId>\
             <HostId>local-stack</HostId></Error>"
                .to_owned(),
        ),
    }
}

/// The functions' HTTP client: IAM in front of `inner`.
pub fn http_client(roles: SharedRoles, inner: SharedHttpClient) -> SharedHttpClient {
    SharedHttpClient::new(IamClient { roles, inner })
}

#[derive(Debug)]
struct IamClient {
    roles: SharedRoles,
    inner: SharedHttpClient,
}

impl HttpClient for IamClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(IamConnector {
            roles: self.roles.clone(),
            inner: self.inner.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct IamConnector {
    roles: SharedRoles,
    inner: SharedHttpConnector,
}

impl IamConnector {
    /// `Err` with the answer to send instead of calling moto.
    fn check(&self, request: &HttpRequest) -> Result<(), (u16, &'static str, String)> {
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let uri = request.uri();
        let path_and_query = uri
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
            .unwrap_or_else(|| uri.to_owned());
        let call = Call {
            method: request.method(),
            uri: &path_and_query,
            target: request.headers().get("x-amz-target"),
            headers,
            body: request.body().bytes(),
            region: crate::LOCAL_REGION,
        };
        let service = call.service();
        let signer = request
            .headers()
            .get("authorization")
            .and_then(access_key_id)
            .unwrap_or_default();
        let Some(principal) = self.roles.principal(signer) else {
            // Only the functions use this client, each with its own key: anything else is a
            // wiring mistake, refused rather than let through.
            let refusal = Refusal {
                principal: format!("unknown access key {signer:?}"),
                action: "*".into(),
                resource: "*".into(),
                explicit: false,
            };
            return Err(refusal_response(service, &refusal));
        };
        let authorizations = match authorizations(&call) {
            Ok(a) => a,
            Err(Unmapped(reason)) => {
                tracing::error!(%reason, "no IAM mapping for a local call; refused");
                let refusal = Refusal {
                    principal: principal.arn(),
                    action: format!("unmapped ({reason})"),
                    resource: "*".into(),
                    explicit: false,
                };
                return Err(refusal_response(service, &refusal));
            }
        };
        self.roles
            .authorize(principal, &authorizations)
            .map_err(|refusal| refusal_response(service, &refusal))
    }
}

impl HttpConnector for IamConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        match self.check(&request) {
            Ok(()) => self.inner.call(request),
            Err((status, content_type, body)) => {
                let Ok(status) = StatusCode::try_from(status) else {
                    return HttpConnectorFuture::ready(Err(ConnectorError::other(
                        format!("local IAM: bad status {status}").into(),
                        None,
                    )));
                };
                let mut response = Response::new(status, SdkBody::from(body));
                response.headers_mut().insert("content-type", content_type);
                response
                    .headers_mut()
                    .insert("x-amzn-requestid", "local-iam-refusal");
                HttpConnectorFuture::ready(Ok(response))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>(method: &'a str, uri: &'a str, target: Option<&'a str>, body: &'a str) -> Call<'a> {
        Call {
            method,
            uri,
            target,
            headers: Vec::new(),
            body: Some(body.as_bytes()),
            region: "ap-southeast-3",
        }
    }

    fn pairs(auths: &[Authorization]) -> Vec<(String, String)> {
        auths
            .iter()
            .map(|a| (a.action.clone(), a.resource.clone()))
            .collect()
    }

    const TABLE: &str = "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t";

    #[test]
    fn a_query_on_an_index_is_authorised_on_the_index() {
        let q = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.Query"),
            r#"{"TableName":"t","IndexName":"GSI2","KeyConditionExpression":"x"}"#,
        );
        assert_eq!(
            pairs(&authorizations(&q).expect("mapped")),
            [("dynamodb:Query".into(), format!("{TABLE}/index/GSI2"))]
        );
        let q = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.Query"),
            r#"{"TableName":"t"}"#,
        );
        assert_eq!(
            pairs(&authorizations(&q).expect("mapped")),
            [("dynamodb:Query".into(), TABLE.into())]
        );
    }

    #[test]
    fn transactions_are_authorised_item_by_item() {
        let t = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.TransactWriteItems"),
            r#"{"TransactItems":[
            {"Put":{"TableName":"t","Item":{}}},{"Update":{"TableName":"t","Key":{}}},
            {"Delete":{"TableName":"t","Key":{}}},{"ConditionCheck":{"TableName":"u","Key":{}}}]}"#,
        );
        assert_eq!(
            pairs(&authorizations(&t).expect("mapped")),
            [
                ("dynamodb:PutItem".into(), TABLE.into()),
                ("dynamodb:UpdateItem".into(), TABLE.into()),
                ("dynamodb:DeleteItem".into(), TABLE.into()),
                (
                    "dynamodb:ConditionCheckItem".into(),
                    TABLE.replace("table/t", "table/u")
                ),
            ]
        );
        let g = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.TransactGetItems"),
            r#"{"TransactItems":[{"Get":{"TableName":"t","Key":{}}}]}"#,
        );
        assert_eq!(
            pairs(&authorizations(&g).expect("mapped")),
            [("dynamodb:GetItem".into(), TABLE.into())]
        );
        let b = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.BatchWriteItem"),
            r#"{"RequestItems":{"t":[{"DeleteRequest":{"Key":{}}}]}}"#,
        );
        assert_eq!(
            pairs(&authorizations(&b).expect("mapped")),
            [("dynamodb:BatchWriteItem".into(), TABLE.into())]
        );
    }

    fn leading_keys(auth: &Authorization) -> Vec<String> {
        auth.context
            .get("dynamodb:leadingkeys")
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn each_item_carries_its_partition_key_as_leading_keys() {
        let put = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.PutItem"),
            r#"{"TableName":"t","Item":{"PK":{"S":"REQ#A"},"SK":{"S":"META"}}}"#,
        );
        assert_eq!(leading_keys(&authorizations(&put).unwrap()[0]), ["REQ#A"]);
        let t = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.TransactWriteItems"),
            r#"{"TransactItems":[
            {"Put":{"TableName":"t","Item":{"PK":{"S":"WAMID#w"},"SK":{"S":"WAMID"}}}},
            {"Update":{"TableName":"t","Key":{"PK":{"S":"SVC#KK"},"SK":{"S":"CONFIG"}}}}]}"#,
        );
        let auths = authorizations(&t).unwrap();
        assert_eq!(leading_keys(&auths[0]), ["WAMID#w"]);
        assert_eq!(leading_keys(&auths[1]), ["SVC#KK"]);
        let b = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.BatchWriteItem"),
            r#"{"RequestItems":{"t":[{"DeleteRequest":{"Key":{"PK":{"S":"REQ#A"}}}},
            {"PutRequest":{"Item":{"PK":{"S":"ERASE#e"}}}}]}}"#,
        );
        assert_eq!(
            leading_keys(&authorizations(&b).unwrap()[0]),
            ["REQ#A", "ERASE#e"]
        );
        let q = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.Query"),
            r##"{"TableName":"t","KeyConditionExpression":"#p = :pk AND begins_with(SK, :s)",
            "ExpressionAttributeNames":{"#p":"PK"},
            "ExpressionAttributeValues":{":pk":{"S":"RES#wa:1"},":s":{"S":"X"}}}"##,
        );
        assert_eq!(leading_keys(&authorizations(&q).unwrap()[0]), ["RES#wa:1"]);
        let q = call(
            "POST",
            "/",
            Some("DynamoDB_20120810.Query"),
            r#"{"TableName":"t","KeyConditionExpression":"PK = :pk",
            "ExpressionAttributeValues":{":pk":{"S":"REQ#B"}}}"#,
        );
        assert_eq!(leading_keys(&authorizations(&q).unwrap()[0]), ["REQ#B"]);
    }

    /// What `dynamodb:LeadingKeys` names must be the table's partition key.
    #[test]
    fn the_partition_key_is_the_templates() {
        let template =
            crate::template::Template::load(&crate::StackConfig::repo_template()).unwrap();
        let table = template.properties("Table").unwrap();
        let hash = table["KeySchema"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["KeyType"] == "HASH")
            .unwrap();
        assert_eq!(hash["AttributeName"], PARTITION_KEY);
    }

    #[test]
    fn stream_reads_are_authorised_on_the_stream() {
        let stream = format!("{TABLE}/stream/2026-12-03T00:00:00.000");
        let body = format!(r#"{{"ShardIterator":"{stream}|1|AAAA"}}"#);
        let r = call(
            "POST",
            "/",
            Some("DynamoDBStreams_20120810.GetRecords"),
            &body,
        );
        assert_eq!(
            pairs(&authorizations(&r).expect("mapped")),
            [("dynamodb:GetRecords".into(), stream.clone())]
        );
        let body = format!(
            r#"{{"StreamArn":"{stream}","ShardId":"s","ShardIteratorType":"TRIM_HORIZON"}}"#
        );
        let r = call(
            "POST",
            "/",
            Some("DynamoDBStreams_20120810.GetShardIterator"),
            &body,
        );
        assert_eq!(
            pairs(&authorizations(&r).expect("mapped")),
            [("dynamodb:GetShardIterator".into(), stream)]
        );
    }

    #[test]
    fn s3_objects_versions_tags_and_listings() {
        let get = call("GET", "/b/requests/T1/a%20b.jpg", None, "");
        assert_eq!(
            pairs(&authorizations(&get).expect("mapped")),
            [(
                "s3:GetObject".into(),
                "arn:aws:s3:::b/requests/T1/a b.jpg".into()
            )]
        );
        let get = call("GET", "/b/k?versionId=v1", None, "");
        let auths = authorizations(&get).expect("mapped");
        assert_eq!(
            pairs(&auths),
            [("s3:GetObjectVersion".into(), "arn:aws:s3:::b/k".into())]
        );
        assert_eq!(
            auths[0].context.get("s3:versionid"),
            Some(&vec!["v1".to_owned()])
        );
        let mut put = call("PUT", "/b/k?x-id=PutObject", None, "");
        put.headers
            .push(("x-amz-tagging".into(), "retention=short".into()));
        assert_eq!(
            pairs(&authorizations(&put).expect("mapped")),
            [
                ("s3:PutObject".into(), "arn:aws:s3:::b/k".into()),
                ("s3:PutObjectTagging".into(), "arn:aws:s3:::b/k".into()),
            ]
        );
        let part = call("PUT", "/b/k?partNumber=2&uploadId=u", None, "");
        assert_eq!(
            pairs(&authorizations(&part).expect("mapped")),
            [("s3:PutObject".into(), "arn:aws:s3:::b/k".into())]
        );
        let abort = call("DELETE", "/b/k?uploadId=u", None, "");
        assert_eq!(
            pairs(&authorizations(&abort).expect("mapped")),
            [("s3:AbortMultipartUpload".into(), "arn:aws:s3:::b/k".into())]
        );
        let del = call("DELETE", "/b/k?versionId=v", None, "");
        assert_eq!(
            pairs(&authorizations(&del).expect("mapped")),
            [("s3:DeleteObjectVersion".into(), "arn:aws:s3:::b/k".into())]
        );
        let list = call("GET", "/b?versions&prefix=requests%2FT1%2F", None, "");
        let auths = authorizations(&list).expect("mapped");
        assert_eq!(
            pairs(&auths),
            [("s3:ListBucketVersions".into(), "arn:aws:s3:::b".into())]
        );
        assert_eq!(
            auths[0].context.get("s3:prefix"),
            Some(&vec!["requests/T1/".to_owned()])
        );
        let batch = call(
            "POST",
            "/b?delete",
            None,
            "<Delete><Object><Key>requests/T1/a&amp;b</Key><VersionId>v1</VersionId></Object>\
             <Object><Key>results/T1/c</Key></Object></Delete>",
        );
        assert_eq!(
            pairs(&authorizations(&batch).expect("mapped")),
            [
                (
                    "s3:DeleteObjectVersion".into(),
                    "arn:aws:s3:::b/requests/T1/a&b".into()
                ),
                (
                    "s3:DeleteObject".into(),
                    "arn:aws:s3:::b/results/T1/c".into()
                ),
            ]
        );
        assert!(authorizations(&call("PUT", "/b?policy", None, "")).is_err());
    }

    #[test]
    fn sns_publishes_are_authorised_on_the_topic() {
        let topic = "arn:aws:sns:ap-southeast-3:123456789012:digest";
        let form = format!(
            "Action=Publish&Version=2010-03-31&TopicArn={}&Subject=a+b&Message=x%26y",
            topic.replace(':', "%3A")
        );
        let mut query = call("POST", "/", None, &form);
        query.headers = vec![(
            "authorization".into(),
            "AWS4-HMAC-SHA256 Credential=DocumentsFunction/20261203/ap-southeast-3/sns/aws4_request"
                .into(),
        )];
        assert_eq!(query.service(), Service::Sns);
        assert_eq!(
            pairs(&authorizations(&query).unwrap()),
            [("sns:Publish".to_owned(), topic.to_owned())]
        );
        let json = format!("{{\"TopicArn\": \"{topic}\", \"Message\": \"x\"}}");
        let target = call("POST", "/", Some("AmazonSNS.Publish"), &json);
        assert_eq!(
            pairs(&authorizations(&target).unwrap()),
            [("sns:Publish".to_owned(), topic.to_owned())]
        );
        let mut no_topic = call("POST", "/", None, "Action=Publish&Message=x");
        no_topic.headers = query.headers.clone();
        assert!(authorizations(&no_topic).is_err());
    }

    #[test]
    fn secrets_are_authorised_on_their_arn() {
        let s = call(
            "POST",
            "/",
            Some("secretsmanager.GetSecretValue"),
            r#"{"SecretId":"arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:wa-AbCdEf"}"#,
        );
        assert_eq!(
            pairs(&authorizations(&s).expect("mapped")),
            [(
                "secretsmanager:GetSecretValue".into(),
                "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:wa-AbCdEf".into()
            )]
        );
    }

    #[test]
    fn the_signer_is_read_from_sigv4() {
        let header = "AWS4-HMAC-SHA256 Credential=WebhookFunction/20261203/ap-southeast-3/dynamodb/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(access_key_id(header), Some("WebhookFunction"));
        assert_eq!(access_key_id("Bearer x"), None);
    }

    #[test]
    fn refusals_are_answered_as_each_service_does() {
        let r = Refusal {
            principal: "p".into(),
            action: "s3:GetObject".into(),
            resource: "arn".into(),
            explicit: false,
        };
        let (status, _, body) = refusal_response(Service::S3, &r);
        assert_eq!(status, 403);
        assert!(body.contains("<Code>AccessDenied</Code>"));
        let (status, content_type, body) = refusal_response(Service::DynamoDb, &r);
        assert_eq!((status, content_type), (400, "application/x-amz-json-1.0"));
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            v["__type"],
            "com.amazon.coral.service#AccessDeniedException"
        );
    }
}
