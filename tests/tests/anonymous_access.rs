//! Anonymous access (issue #6): someone with no officer account can read nothing.
//!
//! - Every HTTP route of `template.yaml` (the list is read from the template, not written here) is
//!   either one of the two public webhook routes or an officer route behind the Cognito JWT
//!   authorizer; the officer routes answer 401 with API Gateway's bare `{"message":"Unauthorized"}`
//!   to a request without a token and to every kind of bad token (malformed, wrong key, `alg: none`,
//!   tampered claims, expired, another issuer), and the public webhook routes give nothing to an
//!   unsigned caller.
//! - The documents bucket: from the template, all four public-access-block flags, ACLs disabled
//!   (`BucketOwnerEnforced`), no canned ACL or website, and no bucket policy statement that
//!   allows everyone; against the emulator, an unsigned GET of an object that exists, an unsigned
//!   list and an unsigned PUT are refused and leak nothing.
//!
//! How we know these tests can fail: the template checks are pure functions, and
//! `the_checks_catch_a_public_bucket_and_an_open_route` feeds them the real template with one
//! thing broken at a time (a public-access flag off, ACLs enabled, a public policy statement, a
//! route opted out of the authorizer, a route on SAM's implicit API, the default authorizer
//! removed, a function URL) and requires a finding for each; the emulator checks each carry a
//! control that shows the probe can see access when there is some (a valid token reads the
//! personal data; a public-read policy makes the unsigned GET succeed; a signed request lists and
//! reads). When this file was written it was also run three times against a deliberately broken
//! template.yaml (restored after each run), and failed each time: `Auth: {Authorizer: NONE}` on
//! `GET /requests/{ticket}` (the route test saw three routes without the authorizer, the template
//! test named the route); `RestrictPublicBuckets: false` (the template test named the flag); a
//! `PublicRead` statement (Allow, Principal "*", s3:GetObject) in `DocumentsBucketPolicy` (the
//! template test named it, and the unsigned GET of the stored scan got 200 instead of 403).

use base64::Engine;
use domain::ServiceCode;
use hmac::{Hmac, Mac};
use integration_tests::Harness;
use local_stack::StackConfig;
use local_stack::authorizer::{LOCAL_CLIENT_ID, LOCAL_ISSUER};
use local_stack::template::Template;
use serde_json::{Value, json};
use serde_norway::Value as Yaml;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use time::OffsetDateTime;

const PHONE: &str = "6281298765432";
const NIK: &str = "1708014508900002";
const NAME: &str = "Rahmawati Anonim";
const TICKET: &str = "ANNX-7QPZ";

/// The only routes anyone may call without an officer token: Meta's webhook (the handler checks
/// `hub.verify_token` and `X-Hub-Signature-256` instead).
const PUBLIC_ROUTES: [&str; 2] = ["GET /webhook", "POST /webhook"];

// ------------------------------------------------------------------------------------------------
// Template checks (pure: they take the parsed template and return what is wrong with it)
// ------------------------------------------------------------------------------------------------

fn template_text() -> String {
    std::fs::read_to_string(StackConfig::repo_template()).expect("template.yaml is readable")
}

fn parse(text: &str) -> Yaml {
    serde_norway::from_str(text).expect("template.yaml is YAML")
}

/// The argument of an intrinsic function, in short (`!Ref X`) or long (`{Ref: X}`) form.
fn intrinsic<'a>(value: &'a Yaml, name: &str) -> Option<&'a Yaml> {
    match value {
        Yaml::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == name => {
            Some(&tagged.value)
        }
        Yaml::Mapping(map) if map.len() == 1 => {
            let long = if name == "Ref" {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            map.get(long.as_str())
        }
        _ => None,
    }
}

fn resources(t: &Yaml) -> Vec<(String, &Yaml)> {
    t.get("Resources")
        .and_then(Yaml::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v)))
                .collect()
        })
        .unwrap_or_default()
}

fn resource_type(resource: &Yaml) -> &str {
    resource.get("Type").and_then(Yaml::as_str).unwrap_or("")
}

/// Whatever in the template could let an anonymous caller reach a function.
fn route_findings(t: &Yaml) -> Vec<String> {
    let mut findings = Vec::new();

    // The API: every route needs the Cognito JWT authorizer unless it opts out.
    let api = t.get("Resources").and_then(|r| r.get("HttpApi"));
    let auth = api
        .and_then(|a| a.get("Properties"))
        .and_then(|p| p.get("Auth"));
    if api.map(resource_type) != Some("AWS::Serverless::HttpApi") {
        findings.push("no AWS::Serverless::HttpApi named HttpApi".into());
    }
    if auth
        .and_then(|a| a.get("DefaultAuthorizer"))
        .and_then(Yaml::as_str)
        != Some("OfficerJwt")
    {
        findings.push("HttpApi: DefaultAuthorizer is not OfficerJwt".into());
    }
    let jwt = auth
        .and_then(|a| a.get("Authorizers"))
        .and_then(|a| a.get("OfficerJwt"));
    let source = jwt
        .and_then(|j| j.get("IdentitySource"))
        .and_then(Yaml::as_str);
    if source != Some("$request.header.Authorization") {
        findings.push("OfficerJwt: IdentitySource is not the Authorization header".into());
    }
    let config = jwt.and_then(|j| j.get("JwtConfiguration"));
    let issuer = config
        .and_then(|c| c.get("issuer"))
        .and_then(|i| intrinsic(i, "Sub"))
        .and_then(Yaml::as_str)
        .unwrap_or("");
    if !(issuer.starts_with("https://cognito-idp.") && issuer.ends_with("/${OfficerUserPool}")) {
        findings.push(format!(
            "OfficerJwt: issuer {issuer:?} is not the officer user pool"
        ));
    }
    let audience_is_client = config
        .and_then(|c| c.get("audience"))
        .and_then(Yaml::as_sequence)
        .is_some_and(|a| {
            !a.is_empty()
                && a.iter().all(|v| {
                    intrinsic(v, "Ref").and_then(Yaml::as_str) == Some("OfficerUserPoolClient")
                })
        });
    if !audience_is_client {
        findings.push("OfficerJwt: audience is not exactly the officer app client".into());
    }

    let mut public = BTreeSet::new();
    for (id, resource) in resources(t) {
        let kind = resource_type(resource);
        let props = resource.get("Properties");
        // Entry points that bypass the HTTP API and its authorizer.
        if matches!(
            kind,
            "AWS::Lambda::Url"
                | "AWS::ApiGatewayV2::Api"
                | "AWS::ApiGatewayV2::Route"
                | "AWS::ApiGateway::RestApi"
                | "AWS::Serverless::Api"
        ) {
            findings.push(format!("{id}: {kind} is an entry point outside HttpApi"));
        }
        if kind != "AWS::Serverless::Function" {
            continue;
        }
        if props.and_then(|p| p.get("FunctionUrlConfig")).is_some() {
            findings.push(format!("{id}: a function URL bypasses the authorizer"));
        }
        let events = props
            .and_then(|p| p.get("Events"))
            .and_then(Yaml::as_mapping);
        for (name, event) in events.into_iter().flatten() {
            let name = format!("{id}.{}", name.as_str().unwrap_or("?"));
            let event_type = event.get("Type").and_then(Yaml::as_str).unwrap_or("");
            if event_type == "Api" {
                findings.push(format!(
                    "{name}: a REST API event has no officer authorizer"
                ));
            }
            if event_type != "HttpApi" {
                continue;
            }
            let p = event.get("Properties");
            let field = |f: &str| p.and_then(|p| p.get(f)).and_then(Yaml::as_str);
            let key = format!(
                "{} {}",
                field("Method").unwrap_or("?").to_uppercase(),
                field("Path").unwrap_or("?")
            );
            // Without ApiId SAM puts the route on an implicit API that has no authorizer.
            let api_id = p.and_then(|p| p.get("ApiId"));
            if api_id
                .and_then(|a| intrinsic(a, "Ref"))
                .and_then(Yaml::as_str)
                != Some("HttpApi")
            {
                findings.push(format!(
                    "{name} ({key}): not on HttpApi (ApiId: !Ref HttpApi)"
                ));
            }
            match p
                .and_then(|p| p.get("Auth"))
                .and_then(|a| a.get("Authorizer"))
                .map(|a| a.as_str().unwrap_or("?"))
            {
                None | Some("OfficerJwt") => {}
                Some("NONE") => {
                    public.insert(key);
                }
                Some(other) => findings.push(format!("{name} ({key}): authorizer {other}")),
            }
        }
    }
    let expected: BTreeSet<String> = PUBLIC_ROUTES.iter().map(|r| (*r).to_owned()).collect();
    for key in public.difference(&expected) {
        findings.push(format!("{key} opts out of the officer authorizer"));
    }
    findings
}

/// Whatever in the template could make a bucket readable or writable by anyone.
fn bucket_findings(t: &Yaml) -> Vec<String> {
    let mut findings = Vec::new();
    let mut buckets = 0;
    for (id, resource) in resources(t) {
        let props = resource.get("Properties");
        match resource_type(resource) {
            "AWS::S3::Bucket" => {
                buckets += 1;
                let block = props.and_then(|p| p.get("PublicAccessBlockConfiguration"));
                for flag in [
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                ] {
                    if block.and_then(|b| b.get(flag)).and_then(Yaml::as_bool) != Some(true) {
                        findings.push(format!("{id}: {flag} is not true"));
                    }
                }
                let rules = props
                    .and_then(|p| p.get("OwnershipControls"))
                    .and_then(|o| o.get("Rules"))
                    .and_then(Yaml::as_sequence);
                let enforced = rules.is_some_and(|r| {
                    !r.is_empty()
                        && r.iter().all(|rule| {
                            rule.get("ObjectOwnership").and_then(Yaml::as_str)
                                == Some("BucketOwnerEnforced")
                        })
                });
                if !enforced {
                    findings.push(format!("{id}: ObjectOwnership is not BucketOwnerEnforced"));
                }
                for risky in ["AccessControl", "WebsiteConfiguration"] {
                    if props.and_then(|p| p.get(risky)).is_some() {
                        findings.push(format!("{id}: has {risky}"));
                    }
                }
            }
            "AWS::S3::BucketPolicy" => {
                let statements = props
                    .and_then(|p| p.get("PolicyDocument"))
                    .and_then(|d| d.get("Statement"));
                let statements: Vec<&Yaml> = match statements {
                    Some(Yaml::Sequence(s)) => s.iter().collect(),
                    Some(one) => vec![one],
                    None => vec![],
                };
                for (n, statement) in statements.into_iter().enumerate() {
                    let allow = statement.get("Effect").and_then(Yaml::as_str) == Some("Allow");
                    if allow && statement.get("NotPrincipal").is_some() {
                        findings.push(format!("{id} statement {n}: Allow with NotPrincipal"));
                    }
                    if allow && statement.get("Principal").is_some_and(names_everyone) {
                        findings.push(format!("{id} statement {n}: Allow to Principal \"*\""));
                    }
                }
            }
            _ => {}
        }
    }
    if buckets == 0 {
        findings.push("no AWS::S3::Bucket in the template".into());
    }
    findings
}

/// `"*"`, `{AWS: "*"}`, `{AWS: ["x", "*"]}`: a principal that includes everyone.
fn names_everyone(principal: &Yaml) -> bool {
    match principal {
        Yaml::String(s) => s == "*",
        Yaml::Sequence(items) => items.iter().any(names_everyone),
        Yaml::Mapping(map) => map.values().any(names_everyone),
        _ => false,
    }
}

#[test]
fn the_template_exposes_no_route_and_no_bucket_to_anonymous_callers() {
    let t = parse(&template_text());
    assert_eq!(route_findings(&t), Vec::<String>::new());
    assert_eq!(bucket_findings(&t), Vec::<String>::new());
}

/// The real template with one change, made wherever its anchor occurs (the documents bucket,
/// the console's bucket and the audit archive share their hardening lines, so a mutation breaks
/// them all).
fn broken(from: &str, to: &str) -> Yaml {
    let text = template_text();
    assert!(
        text.contains(from),
        "the mutation anchor {from:?} must occur in template.yaml"
    );
    parse(&text.replace(from, to))
}

#[test]
fn the_checks_catch_a_public_bucket_and_an_open_route() {
    let bucket_mutations = [
        (
            "RestrictPublicBuckets: true",
            "RestrictPublicBuckets: false".to_owned(),
        ),
        ("BlockPublicPolicy: true", "BlockPublicPolicy: false".into()),
        (
            "ObjectOwnership: BucketOwnerEnforced",
            "ObjectOwnership: ObjectWriter".into(),
        ),
        (
            "      PublicAccessBlockConfiguration:\n",
            "      AccessControl: PublicRead\n      PublicAccessBlockConfiguration:\n".into(),
        ),
        (
            "          - Sid: DenyInsecureTransport\n",
            "          - Sid: PublicRead\n            Effect: Allow\n            Principal:\n              AWS: \"*\"\n            Action: s3:GetObject\n            Resource: !Sub ${DocumentsBucket.Arn}/*\n          - Sid: DenyInsecureTransport\n".into(),
        ),
    ];
    for (from, to) in &bucket_mutations {
        assert!(
            !bucket_findings(&broken(from, to)).is_empty(),
            "no finding for {to:?}"
        );
    }
    let route_mutations = [
        (
            "            Path: /requests/{ticket}\n",
            "            Path: /requests/{ticket}\n            Auth:\n              Authorizer: NONE\n"
                .to_owned(),
        ),
        (
            "            Path: /residents/{resident}/export\n",
            "            Path: /residents/{resident}/export\n            Auth:\n              Authorizer: SomethingElse\n".into(),
        ),
        ("        DefaultAuthorizer: OfficerJwt\n", String::new()),
        (
            "            ApiId: !Ref HttpApi\n            Method: GET\n            Path: /stats\n",
            "            Method: GET\n            Path: /stats\n".into(),
        ),
        (
            "      Description: Officer API - queue",
            "      FunctionUrlConfig:\n        AuthType: NONE\n      Description: Officer API - queue".into(),
        ),
    ];
    for (from, to) in &route_mutations {
        assert!(
            !route_findings(&broken(from, to)).is_empty(),
            "no finding for {to:?}"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Officer routes through the local stack's JWT authorizer
// ------------------------------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact JWS with the given header and claims, HS256-signed with `key`.
fn jwt(header: &Value, claims: &Value, key: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

fn supervisor_claims(exp: i64) -> Value {
    json!({
        "sub": "intruder",
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_CLIENT_ID,
        "token_use": "id",
        "iat": exp - 3600,
        "exp": exp,
        "cognito:groups": ["supervisor", "petugas"],
        "custom:kecamatan": "*",
    })
}

/// Every way to call an officer route without being a signed-in officer.
async fn bad_credentials(h: &Harness) -> Vec<(&'static str, Option<String>)> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let hs256 = json!({"alg": "HS256", "typ": "JWT"});
    let secret = local_stack::LOCAL_JWT_SECRET.as_bytes();
    // A real petugas token whose claims are swapped for a supervisor's, signature kept.
    let real = h.token("officer-anon", "petugas", "*").await;
    let parts: Vec<&str> = real.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(supervisor_claims(now + 3600).to_string().as_bytes()),
        parts[2]
    );
    let mut other_issuer = supervisor_claims(now + 3600);
    other_issuer["iss"] =
        json!("https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_other");
    vec![
        ("no Authorization header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("not a JWT", Some("Bearer not-a-token".into())),
        (
            "basic credentials",
            Some("Basic c3VwZXJ2aXNvcjpwYXNzd29yZA==".into()),
        ),
        (
            "signed with another key",
            Some(format!(
                "Bearer {}",
                jwt(&hs256, &supervisor_claims(now + 3600), b"guessed-secret")
            )),
        ),
        (
            "alg none",
            Some(format!(
                "Bearer {}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(supervisor_claims(now + 3600).to_string().as_bytes())
            )),
        ),
        ("tampered claims", Some(format!("Bearer {tampered}"))),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                jwt(&hs256, &supervisor_claims(now - 3600), secret)
            )),
        ),
        (
            "another issuer",
            Some(format!("Bearer {}", jwt(&hs256, &other_issuer, secret))),
        ),
    ]
}

/// A concrete path for a route's template, pointing at the seeded resident's data.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            "{ticket}" => TICKET.to_owned(),
            "{resident}" => format!("wa:{PHONE}"),
            "{document}" => "doc-anon-1".to_owned(),
            "{code}" => "KK_NEW".to_owned(),
            s if s.starts_with('{') => "x".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A body the route would act on if it let the caller through.
fn body_for(method: &str, path: &str) -> Option<Value> {
    match method {
        "POST" if path.ends_with("/actions") => {
            Some(json!({"action": "approve", "expected_version": 1}))
        }
        "POST" if path.ends_with("/messages") => Some(json!({"text": "halo"})),
        "POST" if path.ends_with("/documents") => {
            Some(json!({"kind": "result", "content_type": "application/pdf", "size": 1000}))
        }
        "PUT" => Some(json!({"available": false, "notice": "tutup"})),
        "POST" => Some(json!({})),
        _ => None,
    }
}

async fn seed(h: &Harness) {
    integration_tests::seed_submitted(h, TICKET, ServiceCode::KkNew, PHONE, NAME, NIK).await;
}

async fn send(
    h: &Harness,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = h.http.request(method, h.url(path));
    if let Some(a) = authorization {
        request = request.header("authorization", a);
    }
    if let Some(b) = body {
        request = request.json(b);
    }
    let response = request.send().await.expect("the local stack answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn leaks_personal_data(body: &str) -> bool {
    let masked = format!("{}********{}", &NIK[..4], &NIK[12..]);
    [NIK, masked.as_str(), PHONE, NAME, "Rahmawati"]
        .iter()
        .any(|needle| body.contains(needle))
}

#[tokio::test]
async fn every_officer_route_refuses_anonymous_and_forged_callers() {
    let h = Harness::start_without_events().await;
    seed(&h).await;
    let routes = Template::load(&StackConfig::repo_template())
        .unwrap()
        .routes()
        .unwrap();
    let (public, officer): (Vec<_>, Vec<_>) = routes.iter().partition(|r| !r.requires_jwt);
    let public_keys: BTreeSet<String> = public.iter().map(|r| r.key()).collect();
    let expected: BTreeSet<String> = PUBLIC_ROUTES.iter().map(|r| (*r).to_owned()).collect();
    assert_eq!(
        public_keys, expected,
        "routes without the officer authorizer"
    );
    assert!(!officer.is_empty(), "template.yaml has officer routes");

    // Control: with a real supervisor token the data is there to be read, so a 401 below is the
    // authorizer's doing, not a missing request.
    let supervisor = h.token("supervisor-anon", "supervisor", "*").await;
    let (status, body) = send(
        &h,
        "GET",
        &format!("/requests/{TICKET}"),
        Some(&format!("Bearer {supervisor}")),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        leaks_personal_data(&body),
        "the control reads the seeded data: {body}"
    );

    let credentials = bad_credentials(&h).await;
    for route in &officer {
        let path = concrete(&route.path);
        let body = body_for(&route.method, &route.path);
        for (what, authorization) in &credentials {
            let (status, text) = send(
                &h,
                &route.method,
                &path,
                authorization.as_deref(),
                body.as_ref(),
            )
            .await;
            assert_eq!(status, 401, "{} with {what}: {text}", route.key());
            assert_eq!(
                serde_json::from_str::<Value>(&text).ok(),
                Some(json!({"message": "Unauthorized"})),
                "{} with {what} answers only API Gateway's refusal",
                route.key()
            );
            assert!(!leaks_personal_data(&text), "{} with {what}", route.key());
        }
    }

    // The same supervisor's Cognito access token passes the authorizer (its `client_id` is the
    // app client) but carries no `custom:kecamatan`: every officer route, status and documents
    // alike, refuses it with 401 and reads nothing.
    let access = h.access_token("supervisor-anon", "supervisor").await;
    for route in &officer {
        let path = concrete(&route.path);
        let body = body_for(&route.method, &route.path);
        let (status, text) = send(
            &h,
            &route.method,
            &path,
            Some(&format!("Bearer {access}")),
            body.as_ref(),
        )
        .await;
        assert_eq!(status, 401, "{} with an access token: {text}", route.key());
        assert!(
            !leaks_personal_data(&text),
            "{} with an access token",
            route.key()
        );
    }

    // The public webhook gives an anonymous caller nothing either: no handshake without the
    // verify token, no processing without Meta's signature.
    let (status, text) = send(
        &h,
        "GET",
        "/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=42",
        None,
        None,
    )
    .await;
    assert!(
        (400..500).contains(&status),
        "GET /webhook: {status} {text}"
    );
    assert!(
        !text.contains("42") && !leaks_personal_data(&text),
        "{text}"
    );
    let (status, text) = send(
        &h,
        "POST",
        "/webhook",
        None,
        Some(&json!({"object": "whatsapp_business_account", "entry": []})),
    )
    .await;
    assert_eq!(status, 401, "unsigned POST /webhook: {text}");
    assert!(!leaks_personal_data(&text), "{text}");
}

// ------------------------------------------------------------------------------------------------
// The bucket
// ------------------------------------------------------------------------------------------------

const SCAN_KEY: &str = "requests/ANNX-7QPZ/doc-anon-1.pdf";

fn scan_bytes() -> Vec<u8> {
    format!("%PDF-1.4 scan of KTP {NIK} {NAME}").into_bytes()
}

/// `DocumentsBucketPolicy`'s statements for `bucket`, with the template's references to the
/// bucket's ARN filled in. Statements with a `Condition` are left out: moto ignores conditions
/// (`put_bucket_policy`: "Conditions are not taken into account"), so the TLS-only Deny would
/// become a Deny of everything and hide what the other statements allow.
fn template_policy_for(bucket: &str) -> Option<Value> {
    fn resolve(v: &Yaml, arn: &str) -> Value {
        if let Some(target) = intrinsic(v, "GetAtt").and_then(Yaml::as_str) {
            assert_eq!(target, "DocumentsBucket.Arn", "unexpected !GetAtt {target}");
            return json!(arn);
        }
        if let Some(text) = intrinsic(v, "Sub").and_then(Yaml::as_str) {
            return json!(text.replace("${DocumentsBucket.Arn}", arn));
        }
        match v {
            Yaml::String(s) => json!(s),
            Yaml::Bool(b) => json!(b),
            Yaml::Number(n) => serde_json::to_value(n).unwrap(),
            Yaml::Sequence(items) => Value::Array(items.iter().map(|i| resolve(i, arn)).collect()),
            Yaml::Mapping(map) => Value::Object(
                map.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), resolve(v, arn))))
                    .collect(),
            ),
            other => panic!("unexpected value in the bucket policy: {other:?}"),
        }
    }
    let t = parse(&template_text());
    let arn = format!("arn:aws:s3:::{bucket}");
    let mut statements = Vec::new();
    for (_, resource) in resources(&t) {
        if resource_type(resource) != "AWS::S3::BucketPolicy" {
            continue;
        }
        let props = resource.get("Properties").expect("policy properties");
        let target = props.get("Bucket").and_then(|b| intrinsic(b, "Ref"));
        // The console's policy (static files, read by CloudFront) and the audit archive's (it
        // only denies) are not the scans' bucket's, which this test reads.
        if target.and_then(Yaml::as_str) != Some("DocumentsBucket") {
            continue;
        }
        let document = props.get("PolicyDocument").expect("a policy");
        let all: Vec<&Yaml> = match document.get("Statement") {
            Some(Yaml::Sequence(s)) => s.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        // Left out before they are resolved: a condition may name other resources (the
        // documents role, a parameter) that this reading does not resolve.
        statements.extend(
            all.into_iter()
                .filter(|s| s.get("Condition").is_none())
                .map(|s| resolve(s, &arn)),
        );
    }
    (!statements.is_empty()).then(|| json!({"Version": "2012-10-17", "Statement": statements}))
}

#[tokio::test]
async fn an_unsigned_get_of_a_stored_scan_is_refused() {
    // The shared emulator in its default mode: it does not check signatures, but for a request
    // on an existing object without any signature it evaluates the bucket policy and the
    // object's ACL like S3 does for an anonymous caller, which is what a public bucket changes.
    let h = Harness::start_without_events().await;
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    h.s3.put_object()
        .bucket(h.bucket())
        .key(SCAN_KEY)
        .content_type("application/pdf")
        .body(scan_bytes().into())
        .send()
        .await
        .unwrap();
    if let Some(policy) = template_policy_for(h.bucket()) {
        h.s3.put_bucket_policy()
            .bucket(h.bucket())
            .policy(policy.to_string())
            .send()
            .await
            .unwrap();
    }
    let url = format!("{endpoint}/{}/{SCAN_KEY}", h.bucket());
    let response = h.http.get(&url).send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    assert_eq!(status, 403, "unsigned GET of {SCAN_KEY}");
    assert!(!String::from_utf8_lossy(&body).contains(NIK));

    // Control 1: a signed (presigned) GET of the same URL reads it, so the object is there.
    let presigned = h
        .s3
        .get_object()
        .bucket(h.bucket())
        .key(SCAN_KEY)
        .presigned(
            aws_sdk_s3::presigning::PresigningConfig::expires_in(Duration::from_secs(60)).unwrap(),
        )
        .await
        .unwrap();
    let response = h.http.get(presigned.uri()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        scan_bytes().as_slice()
    );

    // Control 2: the probe sees a public bucket: with a public-read statement (what
    // BlockPublicPolicy makes S3 refuse on the real bucket) the same unsigned GET succeeds.
    let public = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{}/*", h.bucket()),
    }]});
    h.s3.put_bucket_policy()
        .bucket(h.bucket())
        .policy(public.to_string())
        .send()
        .await
        .unwrap();
    let response = h.http.get(&url).send().await.unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "a public bucket is visible"
    );
}

/// A moto server of this test's own, started with IAM authentication off so it can be set up,
/// then switched on (`/moto-api/reset-auth`, the server-mode form of moto's
/// `INITIAL_NO_AUTH_ACTION_COUNT`). Never the shared emulator: enforcement is server-wide. Killed
/// when dropped.
struct AuthEnforcingMoto {
    child: Child,
    url: String,
}

impl Drop for AuthEnforcingMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server_binary() -> std::path::PathBuf {
    // `make test` puts the project venv on PATH; a plain `cargo test` finds it in the repo.
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/moto_server");
    if venv.exists() {
        venv
    } else {
        "moto_server".into()
    }
}

impl AuthEnforcingMoto {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(moto_server_binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts (make venv installs it)");
        let moto = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..150 {
            if let Ok(r) = http.get(format!("{}/moto-api/", moto.url)).send().await
                && r.status().is_success()
            {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("moto_server did not answer on {} within 30 s", moto.url);
    }

    /// One IAM query call. Before enforcement moto needs no valid signature, only the credential
    /// scope that names the service.
    async fn iam(&self, params: &[(&str, &str)]) -> String {
        let response = reqwest::Client::new()
            .post(&self.url)
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, \
                 SignedHeaders=host, Signature=0",
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[params, &[("Version", "2010-05-08")]].concat()))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "IAM {params:?}");
        response.text().await.unwrap()
    }

    async fn enforce_authentication(&self) {
        let response = reqwest::Client::new()
            .post(format!("{}/moto-api/reset-auth", self.url))
            .header("content-type", "text/plain")
            .body("0")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    async fn s3(&self, key_id: &str, secret: &str) -> aws_sdk_s3::Client {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(aws_config::Region::new("ap-southeast-3"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                key_id, secret, None, None, "test",
            ))
            .load()
            .await;
        shared::aws::s3_client(&sdk)
    }
}

/// `application/x-www-form-urlencoded` (reqwest is built without its `form` feature).
fn form(params: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn xml_field<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).expect(tag);
    let end = xml[start..].find("</").expect(tag) + start;
    &xml[start..end]
}

#[tokio::test]
async fn unsigned_reads_lists_and_writes_are_refused_where_s3_authentication_is_enforced() {
    let moto = AuthEnforcingMoto::start().await;
    // An IAM user with full S3 rights, for the signed controls.
    moto.iam(&[("Action", "CreateUser"), ("UserName", "documents")])
        .await;
    let key = moto
        .iam(&[("Action", "CreateAccessKey"), ("UserName", "documents")])
        .await;
    let (key_id, secret) = (
        xml_field(&key, "AccessKeyId").to_owned(),
        xml_field(&key, "SecretAccessKey").to_owned(),
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    moto.iam(&[
        ("Action", "PutUserPolicy"),
        ("UserName", "documents"),
        ("PolicyName", "s3"),
        ("PolicyDocument", &policy.to_string()),
    ])
    .await;
    let s3 = moto.s3(&key_id, &secret).await;
    let bucket = "anonymous-access-docs";
    let template = Template::load(&StackConfig::repo_template()).unwrap();
    local_stack::provision::create_bucket(&s3, &template, bucket)
        .await
        .unwrap();
    s3.put_object()
        .bucket(bucket)
        .key(SCAN_KEY)
        .body(scan_bytes().into())
        .send()
        .await
        .unwrap();
    moto.enforce_authentication().await;

    // Control: the signed user still lists and reads.
    let listed = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, [SCAN_KEY]);

    // Refused: S3 answers 403 AccessDenied; moto 5.2.5 in this mode answers an unsigned bucket
    // request or new-object PUT with 500 (its authoriser reads the Authorization header that is
    // not there). Either way: no success, nothing read, nothing written.
    let http = reqwest::Client::new();
    let object_url = format!("{}/{bucket}/{SCAN_KEY}", moto.url);
    let unsigned = [
        ("GET object", http.get(&object_url)),
        ("list", http.get(format!("{}/{bucket}", moto.url))),
        (
            "list v2",
            http.get(format!("{}/{bucket}?list-type=2", moto.url)),
        ),
        (
            "list versions",
            http.get(format!("{}/{bucket}?versions", moto.url)),
        ),
        (
            "PUT new object",
            http.put(format!(
                "{}/{bucket}/requests/ANNX-7QPZ/planted.pdf",
                moto.url
            ))
            .body("planted"),
        ),
        (
            "PUT over the scan",
            http.put(&object_url).body("overwritten"),
        ),
        ("DELETE the scan", http.delete(&object_url)),
    ];
    for (what, request) in unsigned {
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(
            status.is_client_error() || status.is_server_error(),
            "unsigned {what}: {status}"
        );
        assert!(
            !body.contains(NIK) && !body.contains("doc-anon-1"),
            "unsigned {what} leaked: {body}"
        );
    }

    // A forged signature (the user's key id, a guessed secret) is refused as well.
    let forged = moto.s3(&key_id, "guessed-secret").await;
    assert!(
        forged
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .is_err()
    );
    assert!(
        forged
            .get_object()
            .bucket(bucket)
            .key(SCAN_KEY)
            .send()
            .await
            .is_err()
    );

    // Nothing changed: the planted object does not exist, the scan is intact and current.
    let listed = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, [SCAN_KEY]);
    let stored = s3
        .get_object()
        .bucket(bucket)
        .key(SCAN_KEY)
        .send()
        .await
        .unwrap();
    let bytes = stored.body.collect().await.unwrap().into_bytes();
    assert_eq!(bytes.as_ref(), scan_bytes().as_slice());
}
