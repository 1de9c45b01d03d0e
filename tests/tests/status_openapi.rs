//! The OpenAPI contract (docs/openapi.yaml) against the implementation: every documented operation
//! is a route of StatusFunction or DocumentsFunction in template.yaml and back, and real responses from the local stack
//! validate against the documented schemas (a structural check written here: type, required,
//! properties, items, enum, nullable, $ref; enough for the subset the document uses).

use domain::{Applicant, Nik, Request, RequestStatus, ResidentId, ServiceCode, TicketId};
use integration_tests::Harness;
use serde_json::{Value, json};
use shared::ports::RequestRepository;
use std::collections::BTreeSet;
use std::path::Path;
use time::macros::date;

fn load_yaml(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn documented_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

/// The officer API's HttpApi routes (StatusFunction's and DocumentsFunction's), read by the local
/// stack's own template reader (it resolves the CloudFormation tags a plain YAML parser refuses).
fn status_routes() -> BTreeSet<(String, String)> {
    let template =
        local_stack::template::Template::load(&local_stack::StackConfig::repo_template()).unwrap();
    template
        .routes()
        .unwrap()
        .into_iter()
        .filter(|r| r.function != local_stack::template::FunctionId::Webhook)
        .map(|r| {
            let key = r.key();
            let (method, path) = key.split_once(' ').unwrap();
            (method.to_owned(), path.to_owned())
        })
        .collect()
}

#[test]
fn every_documented_operation_is_a_route_and_back() {
    let spec = load_yaml("docs/openapi.yaml");
    assert_eq!(documented_operations(&spec), status_routes());
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                spec,
                spec.pointer(pointer)
                    .unwrap_or_else(|| panic!("{reference}")),
            )
        }
        None => schema,
    }
}

/// Errors of `value` against `schema`, with JSON paths.
fn validate(spec: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if value.is_null() {
        if schema["nullable"] != true {
            errors.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    let ok = match schema["type"].as_str() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !ok {
        errors.push(format!("{at}: expected {}, got {value}", schema["type"]));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} not in {allowed:?}"));
    }
    if let Some(required) = schema["required"].as_array() {
        for name in required {
            let name = name.as_str().unwrap();
            if value.get(name).is_none() {
                errors.push(format!("{at}: missing {name}"));
            }
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            if let Some(v) = value.get(name) {
                validate(spec, property, v, &format!("{at}.{name}"), errors);
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, v) in values.iter().enumerate() {
            validate(spec, items, v, &format!("{at}[{i}]"), errors);
        }
    }
}

async fn check(
    h: &Harness,
    spec: &Value,
    token: &str,
    (method, template_path, path): (&str, &str, String),
    body: Option<Value>,
) -> u16 {
    let mut request = h
        .http
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            h.url(&path),
        )
        .bearer_auth(token);
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    // The media type as documented, without its parameters (`text/csv; charset=utf-8`).
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let text = response.text().await.unwrap();
    let value: Value = if content_type.ends_with("json") {
        serde_json::from_str(&text).unwrap()
    } else {
        Value::String(text)
    };
    let operation = &spec["paths"][template_path][method.to_lowercase()];
    let documented = resolve(spec, &operation["responses"][status.to_string()]);
    assert!(
        documented.is_object(),
        "{method} {path}: status {status} is not documented"
    );
    let schema = &documented["content"][&content_type]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path}: {status} {content_type} is not documented"
    );
    let mut errors = Vec::new();
    validate(spec, schema, &value, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:#?}\n{value}"
    );
    status
}

/// (token, (method, documented path, real path), body, expected status)
type Case<'a> = (
    &'a str,
    (&'static str, &'static str, String),
    Option<Value>,
    u16,
);

#[tokio::test]
async fn real_responses_match_the_documented_schemas() {
    let spec = load_yaml("docs/openapi.yaml");
    let h = Harness::start().await;
    let mut r = Request::open(
        TicketId::parse("ABCD-EFGH").unwrap(),
        ServiceCode::KkNew,
        ResidentId::Phone("6281234567890".into()),
        time::OffsetDateTime::now_utc(),
    );
    r.status = RequestStatus::Submitted;
    r.submitted_at = Some(r.created_at);
    r.applicant = Some(Applicant {
        name: "Siti Aminah".into(),
        nik: Nik::parse("1708014508900001", date!(2026 - 11 - 28)).unwrap(),
        kecamatan: Some("170804".into()),
    });
    h.store().create_request(&r).await.unwrap();
    let boss = h.token("boss", "supervisor", "*").await;
    let petugas = h.token("officer-1", "petugas", "*").await;
    let op = |m: &'static str, t: &'static str, p: &str| (m, t, p.to_owned());
    let day = (domain::jakarta_date(h.now()) + time::Duration::days(3)).to_string();

    let cases: Vec<Case> = vec![
        (
            &boss,
            op("GET", "/requests", "/requests?limit=1"),
            None,
            200,
        ),
        (
            &boss,
            op("GET", "/requests", "/requests?limit=0"),
            None,
            422,
        ),
        (
            &boss,
            op(
                "POST",
                "/requests/{ticket}/actions",
                "/requests/ABCD-EFGH/actions",
            ),
            Some(json!({"action": "approve", "expected_version": 1})),
            409,
        ),
        (
            &boss,
            op(
                "POST",
                "/requests/{ticket}/actions",
                "/requests/ABCD-EFGH/actions",
            ),
            Some(json!({"action": "claim", "expected_version": 1})),
            200,
        ),
        (
            &boss,
            op(
                "POST",
                "/requests/{ticket}/messages",
                "/requests/ABCD-EFGH/messages",
            ),
            Some(json!({"text": "Terima kasih."})),
            201,
        ),
        (
            &boss,
            op("GET", "/requests/{ticket}", "/requests/ABCD-EFGH"),
            None,
            200,
        ),
        (
            &boss,
            op("GET", "/requests/{ticket}", "/requests/ZZZZ-ZZZZ"),
            None,
            404,
        ),
        (&boss, op("GET", "/stats", "/stats"), None, 200),
        (
            &petugas,
            op("POST", "/requests/{ticket}/nik", "/requests/ABCD-EFGH/nik"),
            None,
            200,
        ),
        (
            &boss,
            op("GET", "/stats/survey", "/stats/survey"),
            None,
            200,
        ),
        (
            &boss,
            op("GET", "/stats/survey", "/stats/survey?from=x"),
            None,
            422,
        ),
        (&petugas, op("GET", "/office", "/office"), None, 200),
        (
            &petugas,
            op(
                "POST",
                "/requests/{ticket}/documents",
                "/requests/ABCD-EFGH/documents",
            ),
            Some(
                json!({"slot": "marriage_book", "content_type": "application/pdf", "content_length": 1000}),
            ),
            201,
        ),
        // The result of a request still in review: not before it is approved.
        (
            &petugas,
            op(
                "POST",
                "/requests/{ticket}/documents",
                "/requests/ABCD-EFGH/documents",
            ),
            Some(
                json!({"slot": "result", "content_type": "application/pdf", "content_length": 1000}),
            ),
            409,
        ),
        (
            &petugas,
            op(
                "POST",
                "/requests/{ticket}/documents",
                "/requests/ABCD-EFGH/documents",
            ),
            Some(json!({"slot": "skpwni", "content_type": "text/html", "content_length": 1000})),
            422,
        ),
        (
            &petugas,
            op(
                "GET",
                "/requests/{ticket}/documents/{document}",
                "/requests/ABCD-EFGH/documents/00000000000000000000000000000",
            ),
            None,
            404,
        ),
        (
            &petugas,
            op("GET", "/failed-messages", "/failed-messages?state=handled"),
            None,
            200,
        ),
        (
            &petugas,
            op("GET", "/failed-messages", "/failed-messages?limit=51"),
            None,
            422,
        ),
        (
            &petugas,
            op(
                "POST",
                "/failed-messages/{id}/handled",
                "/failed-messages/1764756900123456-0123456789abcdef/handled",
            ),
            None,
            404,
        ),
        (&boss, op("GET", "/services", "/services"), None, 200),
        // The JWT authorizer's own answer (application/json), before any function runs.
        (
            "not-a-token",
            op("GET", "/services", "/services"),
            None,
            401,
        ),
        // A body that is JSON but not an object: 400, from either function.
        (
            &boss,
            op("PUT", "/services/{code}", "/services/KIA"),
            Some(json!("available")),
            400,
        ),
        (
            &petugas,
            op(
                "POST",
                "/requests/{ticket}/documents",
                "/requests/ABCD-EFGH/documents",
            ),
            Some(json!([])),
            400,
        ),
        // Over API Gateway's 10 MB payload quota: its own 413, before the authorizer.
        (
            &boss,
            op("PUT", "/services/{code}", "/services/KIA"),
            Some(json!({"available": true, "notice": "x".repeat(10 * 1024 * 1024)})),
            413,
        ),
        // A suspended service needs its notice (the schema's `oneOf` says so too).
        (
            &boss,
            op("PUT", "/services/{code}", "/services/KIA"),
            Some(json!({"available": false})),
            422,
        ),
        (
            &boss,
            op("PUT", "/services/{code}", "/services/KIA"),
            Some(json!({"available": false, "notice": "Ditutup sementara."})),
            200,
        ),
        (
            &petugas,
            op("PUT", "/services/{code}", "/services/KIA"),
            Some(json!({"available": true})),
            403,
        ),
        (
            &boss,
            op(
                "GET",
                "/residents/{resident}/export",
                "/residents/wa:6281234567890/export",
            ),
            None,
            200,
        ),
        (
            &boss,
            op(
                "POST",
                "/residents/{resident}/erase",
                "/residents/wa:6281234567890/erase",
            ),
            None,
            200,
        ),
        // Appointments (issue #19 §3): the day's slots, the day's list, an arrival.
        (
            &boss,
            op("PUT", "/appointment-slots", "/appointment-slots"),
            Some(
                json!({"date": day, "place": "office", "slots": [{"start": "08:00", "capacity": 5}]}),
            ),
            200,
        ),
        (
            &boss,
            op("PUT", "/appointment-slots", "/appointment-slots"),
            Some(json!({"date": "2000-01-01", "place": "office", "slots": []})),
            422,
        ),
        (
            &petugas,
            op(
                "GET",
                "/appointment-slots",
                &format!("/appointment-slots?date={day}&place=office"),
            ),
            None,
            200,
        ),
        (
            &petugas,
            op(
                "GET",
                "/appointment-slots",
                "/appointment-slots?place=office",
            ),
            None,
            422,
        ),
        (
            &petugas,
            op(
                "GET",
                "/appointments",
                &format!("/appointments?date={day}&place=office"),
            ),
            None,
            200,
        ),
        (
            &petugas,
            op(
                "POST",
                "/appointments/{code}/arrived",
                "/appointments/ABCDEF/arrived",
            ),
            None,
            404,
        ),
        // Again, with nothing left: the other shape of the response (no object deletion).
        (
            &boss,
            op(
                "POST",
                "/residents/{resident}/erase",
                "/residents/wa:6281234567890/erase",
            ),
            None,
            200,
        ),
    ];
    let mut covered = BTreeSet::new();
    for (token, operation, body, expected) in cases {
        covered.insert((operation.0.to_owned(), operation.1.to_owned()));
        let status = check(&h, &spec, token, operation.clone(), body).await;
        assert_eq!(status, expected, "{} {}", operation.0, operation.2);
    }
    assert_eq!(
        covered,
        documented_operations(&spec),
        "every operation is exercised"
    );
}
