//! IAM enforced locally (issue #16): every AWS call a function makes is made as that function and
//! checked against its role as SAM deploys it, before it reaches moto (which enforces nothing).
//!
//! - Roles: `render_iam.py` runs the SAM translator offline on `template.yaml` (inline statements,
//!   policy templates, the managed policies SAM attaches); [`Roles::render`] resolves the
//!   intrinsics to this stack's table, stream, bucket and secret.
//! - Evaluation ([`evaluate`]): AWS's identity-policy logic for one principal: an explicit deny
//!   wins, else an allow, else the implicit deny; `*`/`?` wildcards, `NotAction`/`NotResource`,
//!   the condition operators the template can use. A condition this model cannot judge (unknown
//!   operator or key) never makes an Allow apply and always makes a Deny apply (fail closed).
//! - Enforcement: `iam_http` maps each HTTP request of the SDK to the actions and resources AWS
//!   authorises and answers a refused one as the service does.
//!
//! Not modelled (docs/local-stack.md, "IAM"): resource policies (the bucket policy), SCPs,
//! permissions boundaries, session policies, policy variables, and presigned URLs used directly
//! against moto.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// moto's account, which is in every ARN it returns.
pub const ACCOUNT: &str = "123456789012";
pub const PARTITION: &str = "aws";

#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("cannot render the roles of {template} ({python}): {reason}")]
    Render {
        template: String,
        python: String,
        reason: String,
    },
    #[error("rendered role of {function}: {reason}")]
    Policy { function: String, reason: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction` or `Resource`/`NotResource` of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patterns {
    pub patterns: Vec<String>,
    /// `NotAction` / `NotResource`: matches what none of `patterns` matches.
    pub negated: bool,
}

/// One condition operator applied to one key, e.g. `StringLike s3:prefix [requests/*]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// `<policy name>/<Sid or index>`: what the record of used grants names.
    pub label: String,
    pub effect: Effect,
    pub action: Patterns,
    pub resource: Patterns,
    pub conditions: Vec<Condition>,
}

/// One authorisation AWS makes for a call: a call may need several (a transaction's items, a
/// copy's source and destination).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub action: String,
    pub resource: String,
    /// Condition keys (lower case) and their values, for the keys this request carries.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Authorization {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            context: BTreeMap::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.context
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The labels of the Allow statements that matched.
    Allow(Vec<String>),
    ExplicitDeny(String),
    ImplicitDeny,
}

/// Condition keys the request mapping supplies whenever the request has them; a key outside this
/// list cannot be judged here, so a statement using it is treated as described in the module doc.
/// Keys are compared in lower case, as IAM does.
pub const MODELLED_KEYS: &[&str] = &[
    "aws:securetransport",
    "aws:requestedregion",
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "s3:versionid",
    "dynamodb:leadingkeys",
];

/// IAM's wildcard match: `*` any run of characters (`:` and `/` included), `?` one character.
pub fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], v[vi]))) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Patterns {
    fn matches(&self, value: &str, ignore_case: bool) -> bool {
        let any = self
            .patterns
            .iter()
            .any(|p| wildcard_match(p, value, ignore_case));
        any != self.negated
    }
}

/// Three-valued result of a condition block: `Unknown` when this model cannot judge it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}

fn truth(b: bool) -> Truth {
    if b { Truth::True } else { Truth::False }
}

/// One operator on one key, following "IAM JSON policy elements: Condition operators".
fn condition_holds(condition: &Condition, context: &BTreeMap<String, Vec<String>>) -> Truth {
    let key = condition.key.to_ascii_lowercase();
    if !MODELLED_KEYS.contains(&key.as_str()) {
        return Truth::Unknown;
    }
    let present = context.get(&key).filter(|v| !v.is_empty());
    let mut operator = condition.operator.as_str();
    let (for_all, for_any) = if let Some(rest) = operator.strip_prefix("ForAllValues:") {
        operator = rest;
        (true, false)
    } else if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
        operator = rest;
        (false, true)
    } else {
        (false, false)
    };
    if operator == "Null" {
        // "true": the key is absent; "false": present.
        let wants_absent = condition.values.iter().any(|v| v == "true");
        return truth(present.is_none() == wants_absent);
    }
    let if_exists = operator.ends_with("IfExists");
    let operator = operator.trim_end_matches("IfExists");
    let (negated, matcher): (bool, fn(&str, &str) -> bool) = match operator {
        "StringEquals" | "ArnEquals" => (false, |p, v| p == v),
        "StringNotEquals" | "ArnNotEquals" => (true, |p, v| p == v),
        "StringEqualsIgnoreCase" => (false, |p, v| p.eq_ignore_ascii_case(v)),
        "StringNotEqualsIgnoreCase" => (true, |p, v| p.eq_ignore_ascii_case(v)),
        "StringLike" | "ArnLike" => (false, |p, v| wildcard_match(p, v, false)),
        "StringNotLike" | "ArnNotLike" => (true, |p, v| wildcard_match(p, v, false)),
        "Bool" => (false, |p, v| p.eq_ignore_ascii_case(v)),
        _ => return Truth::Unknown,
    };
    let Some(values) = present else {
        // A missing key: ForAllValues holds (nothing to check), ForAnyValue does not, IfExists
        // holds, a negated operator holds, any other does not.
        return truth(for_all || (!for_any && (if_exists || negated)));
    };
    let matches_policy = |v: &String| condition.values.iter().any(|p| matcher(p, v));
    if for_all {
        // Every value of the request is (negated: is not) among the policy's.
        truth(values.iter().all(|v| matches_policy(v) != negated))
    } else if for_any {
        truth(values.iter().any(|v| matches_policy(v) != negated))
    } else {
        let any = values.iter().any(matches_policy);
        truth(any != negated)
    }
}

/// Whether a statement applies to one authorisation. Conditions: every operator and key must
/// hold (values of one key are alternatives).
fn statement_applies(statement: &Statement, request: &Authorization) -> Truth {
    if !statement.action.matches(&request.action, true)
        || !statement.resource.matches(&request.resource, false)
    {
        return Truth::False;
    }
    let mut result = Truth::True;
    for condition in &statement.conditions {
        match condition_holds(condition, &request.context) {
            Truth::False => return Truth::False,
            Truth::Unknown => result = Truth::Unknown,
            Truth::True => {}
        }
    }
    result
}

/// AWS's evaluation for one principal's identity policies: explicit deny, then allow, else the
/// implicit deny.
pub fn evaluate(statements: &[Statement], request: &Authorization) -> Decision {
    let mut allowed = Vec::new();
    for statement in statements {
        let applies = statement_applies(statement, request);
        match (statement.effect, applies) {
            // Fail closed: a Deny this model cannot judge is taken to apply.
            (Effect::Deny, Truth::True | Truth::Unknown) => {
                return Decision::ExplicitDeny(statement.label.clone());
            }
            (Effect::Allow, Truth::True) => allowed.push(statement.label.clone()),
            _ => {}
        }
    }
    if allowed.is_empty() {
        Decision::ImplicitDeny
    } else {
        Decision::Allow(allowed)
    }
}

/// Parses a policy document (intrinsics already resolved).
pub fn parse_policy(name: &str, document: &Value) -> Result<Vec<Statement>, String> {
    let statements = match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err(format!("{name}: no Statement")),
    };
    statements
        .iter()
        .enumerate()
        .map(|(i, s)| parse_statement(name, i, s))
        .collect()
}

fn strings(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Bool(b) => Ok(vec![b.to_string()]),
        Value::Number(n) => Ok(vec![n.to_string()]),
        Value::Array(list) => list
            .iter()
            .map(|v| strings(v).map(|mut s| s.remove(0)))
            .collect(),
        other => Err(format!("not a string or list: {other}")),
    }
}

fn patterns(statement: &Value, field: &str) -> Result<Patterns, String> {
    let not = format!("Not{field}");
    match (statement.get(field), statement.get(&not)) {
        (Some(v), None) => Ok(Patterns {
            patterns: strings(v)?,
            negated: false,
        }),
        (None, Some(v)) => Ok(Patterns {
            patterns: strings(v)?,
            negated: true,
        }),
        _ => Err(format!("needs exactly one of {field} and {not}")),
    }
}

fn parse_statement(policy: &str, index: usize, s: &Value) -> Result<Statement, String> {
    let sid = s
        .get("Sid")
        .and_then(Value::as_str)
        .map_or_else(|| format!("#{index}"), str::to_owned);
    let label = format!("{policy}/{sid}");
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => return Err(format!("{label}: Effect {other:?}")),
    };
    if s.get("Principal").is_some() || s.get("NotPrincipal").is_some() {
        return Err(format!("{label}: Principal in an identity policy"));
    }
    let mut conditions = Vec::new();
    if let Some(block) = s.get("Condition") {
        let ops = block
            .as_object()
            .ok_or_else(|| format!("{label}: Condition is not an object"))?;
        for (operator, keys) in ops {
            let keys = keys
                .as_object()
                .ok_or_else(|| format!("{label}: {operator} is not an object"))?;
            for (key, values) in keys {
                conditions.push(Condition {
                    operator: operator.clone(),
                    key: key.clone(),
                    values: strings(values).map_err(|e| format!("{label}: {e}"))?,
                });
            }
        }
    }
    Ok(Statement {
        action: patterns(s, "Action").map_err(|e| format!("{label}: {e}"))?,
        resource: patterns(s, "Resource").map_err(|e| format!("{label}: {e}"))?,
        label,
        effect,
        conditions,
    })
}

/// What the intrinsics of the rendered roles resolve to in this stack.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub region: String,
    pub table: String,
    /// The table's stream, `None` when it has none.
    pub table_stream_arn: Option<String>,
    pub bucket: String,
    /// The `AuditArchiveBucket` (Object Lock).
    pub audit_bucket: String,
    /// Template parameters given a value (e.g. `WhatsAppSecretArn`); the rest take their
    /// defaults.
    pub parameters: HashMap<String, String>,
    /// What `!Ref` gives for other resources this stack created, by logical id (an SNS topic's
    /// ARN).
    pub resources: HashMap<String, String>,
}

impl Deployment {
    pub fn table_arn(&self) -> String {
        table_arn(&self.region, &self.table)
    }
}

pub fn table_arn(region: &str, table: &str) -> String {
    format!("arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:table/{table}")
}

/// Resolves `Ref`, `Fn::GetAtt`, `Fn::Sub` and `Fn::Join`. What this stack does not have (the
/// queue, the alarm topic) becomes `unresolved:<name>`, which matches no request.
struct Resolver<'a> {
    deployment: &'a Deployment,
    defaults: &'a HashMap<String, String>,
    /// The bucket's `BucketName` expression, replaced by the local bucket wherever it appears.
    bucket_name_sub: Option<String>,
}

impl Resolver<'_> {
    fn reference(&self, name: &str) -> String {
        let d = self.deployment;
        match name {
            "AWS::Region" => d.region.clone(),
            "AWS::AccountId" => ACCOUNT.into(),
            "AWS::Partition" => PARTITION.into(),
            "AWS::StackName" => "local".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "Table" => d.table.clone(),
            "DocumentsBucket" => d.bucket.clone(),
            "AuditArchiveBucket" => d.audit_bucket.clone(),
            other => d
                .resources
                .get(other)
                .or_else(|| d.parameters.get(other))
                .or_else(|| self.defaults.get(other))
                .cloned()
                .unwrap_or_else(|| format!("unresolved:{other}")),
        }
    }

    fn attribute(&self, resource: &str, attribute: &str) -> String {
        let d = self.deployment;
        match (resource, attribute) {
            ("Table", "Arn") => d.table_arn(),
            ("Table", "StreamArn") => d
                .table_stream_arn
                .clone()
                .unwrap_or_else(|| "unresolved:Table.StreamArn".into()),
            ("DocumentsBucket", "Arn") => format!("arn:{PARTITION}:s3:::{}", d.bucket),
            ("AuditArchiveBucket", "Arn") => format!("arn:{PARTITION}:s3:::{}", d.audit_bucket),
            _ => format!("unresolved:{resource}.{attribute}"),
        }
    }

    fn sub(&self, text: &str, vars: &serde_json::Map<String, Value>) -> Result<String, String> {
        let mut text = text.to_owned();
        if let Some(bucket) = &self.bucket_name_sub {
            text = text.replace(bucket.as_str(), &self.deployment.bucket);
        }
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {text}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(&as_string(&self.resolve(v)?)?);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(resource, attribute));
            } else {
                out.push_str(&self.reference(name));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn resolve(&self, value: &Value) -> Result<Value, String> {
        match value {
            Value::Array(list) => list
                .iter()
                .map(|v| self.resolve(v))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().ok_or("empty object")?;
                match key.as_str() {
                    "Ref" => Ok(Value::String(self.reference(as_str(arg)?))),
                    "Fn::GetAtt" => {
                        let (resource, attribute) = match arg {
                            Value::String(s) => {
                                s.split_once('.').ok_or_else(|| format!("Fn::GetAtt {s}"))?
                            }
                            Value::Array(parts) if parts.len() == 2 => {
                                (as_str(&parts[0])?, as_str(&parts[1])?)
                            }
                            other => return Err(format!("Fn::GetAtt {other}")),
                        };
                        Ok(Value::String(self.attribute(resource, attribute)))
                    }
                    "Fn::Sub" => match arg {
                        Value::String(s) => Ok(Value::String(self.sub(s, &Default::default())?)),
                        Value::Array(parts) if parts.len() == 2 => {
                            let vars = parts[1].as_object().ok_or("Fn::Sub variables")?;
                            Ok(Value::String(self.sub(as_str(&parts[0])?, vars)?))
                        }
                        other => Err(format!("Fn::Sub {other}")),
                    },
                    "Fn::Join" => {
                        let parts = arg.as_array().filter(|p| p.len() == 2).ok_or("Fn::Join")?;
                        let separator = as_str(&parts[0])?;
                        let items = self.resolve(&parts[1])?;
                        let items = items.as_array().ok_or("Fn::Join list")?;
                        let items: Vec<String> =
                            items.iter().map(as_string).collect::<Result<_, _>>()?;
                        Ok(Value::String(items.join(separator)))
                    }
                    k if k.starts_with("Fn::") => Err(format!("{k} is not resolved locally")),
                    _ => self.resolve_object(map),
                }
            }
            Value::Object(map) => self.resolve_object(map),
            other => Ok(other.clone()),
        }
    }

    fn resolve_object(&self, map: &serde_json::Map<String, Value>) -> Result<Value, String> {
        let mut out = serde_json::Map::new();
        for (k, v) in map {
            out.insert(k.clone(), self.resolve(v)?);
        }
        Ok(Value::Object(out))
    }
}

fn as_str(value: &Value) -> Result<&str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("not a string: {value}"))
}

fn as_string(value: &Value) -> Result<String, String> {
    as_str(value).map(str::to_owned)
}

/// One function as IAM sees it: the session of its role.
#[derive(Debug)]
pub struct Principal {
    pub function: String,
    pub role: String,
    pub statements: Vec<Statement>,
}

impl Principal {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<function>`: what Lambda's session is.
    pub fn arn(&self) -> String {
        format!(
            "arn:{PARTITION}:sts::{ACCOUNT}:assumed-role/{}/{}",
            self.role, self.function
        )
    }
}

/// Every function's role in one stack, found by the access key id the function signs with (its
/// logical id), and the record of what was allowed and refused.
#[derive(Debug, Default)]
pub struct Roles {
    principals: HashMap<String, Principal>,
    /// `<function> <statement label>` → how many authorisations it allowed.
    used: Mutex<BTreeMap<String, u64>>,
    /// AWS's message of every refusal, in order.
    denied: Mutex<Vec<String>>,
    /// Lines already written to `LOCAL_IAM_RECORD`.
    recorded: Mutex<BTreeSet<String>>,
    /// The stack's table and bucket names, left out of the record.
    names: Vec<(String, &'static str)>,
}

/// The render of one template, once per process (the translator takes about a second).
fn rendered(template: &Path) -> Result<Value, IamError> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = template.to_path_buf();
    if let Some(v) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(v);
    }
    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("render_iam.py");
    let error = |reason: String| IamError::Render {
        template: template.display().to_string(),
        python: python.display().to_string(),
        reason,
    };
    let output = std::process::Command::new(&python)
        .arg(&script)
        .arg(template)
        .output()
        .map_err(|e| error(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        return Err(error(format!("{} ({last})", output.status)));
    }
    let value: Value = serde_json::from_slice(&output.stdout).map_err(|e| error(e.to_string()))?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key, value.clone());
    }
    Ok(value)
}

/// `LOCAL_STACK_PYTHON`, else the project's venv (where `make` installs the SAM translator),
/// else `python3`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LOCAL_STACK_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

impl Roles {
    /// The functions' roles as SAM renders `template`, resolved for `deployment`.
    pub fn render(template: &Path, deployment: &Deployment) -> Result<Self, IamError> {
        Self::from_rendered(&rendered(template)?, deployment)
    }

    /// From `render_iam.py`'s output.
    pub fn from_rendered(rendered: &Value, deployment: &Deployment) -> Result<Self, IamError> {
        let defaults: HashMap<String, String> = rendered
            .get("parameters")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let bucket_name_sub = rendered
            .pointer("/bucket_name/Fn::Sub")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let resolver = Resolver {
            deployment,
            defaults: &defaults,
            bucket_name_sub,
        };
        let mut principals = HashMap::new();
        let functions = rendered
            .get("functions")
            .and_then(Value::as_object)
            .ok_or_else(|| IamError::Policy {
                function: "*".into(),
                reason: "no functions rendered".into(),
            })?;
        for (function, role) in functions {
            let fail = |reason: String| IamError::Policy {
                function: function.clone(),
                reason,
            };
            let role_name = role
                .get("role")
                .and_then(Value::as_str)
                .ok_or_else(|| fail("no role".into()))?;
            let mut statements = Vec::new();
            for policy in role
                .get("policies")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = policy.get("name").and_then(Value::as_str).unwrap_or("?");
                let document = policy.get("document").ok_or_else(|| fail(name.into()))?;
                let document = resolver.resolve(document).map_err(fail)?;
                statements.extend(parse_policy(name, &document).map_err(fail)?);
            }
            principals.insert(
                function.clone(),
                Principal {
                    function: function.clone(),
                    role: role_name.to_owned(),
                    statements,
                },
            );
        }
        Ok(Self {
            principals,
            names: vec![
                (format!("table/{}", deployment.table), "table/<table>"),
                (format!(":::{}", deployment.bucket), ":::<bucket>"),
            ],
            ..Self::default()
        })
    }

    pub fn principal(&self, access_key_id: &str) -> Option<&Principal> {
        self.principals.get(access_key_id)
    }

    pub fn functions(&self) -> BTreeSet<String> {
        self.principals.keys().cloned().collect()
    }

    /// Decides every authorisation of one call; the first refusal is AWS's answer.
    pub fn authorize(
        &self,
        principal: &Principal,
        requests: &[Authorization],
    ) -> Result<(), Refusal> {
        let mut used = Vec::new();
        for request in requests {
            match evaluate(&principal.statements, request) {
                Decision::Allow(labels) => {
                    let what = self.what(request);
                    used.extend(labels.into_iter().map(|l| (l, what.clone())));
                }
                decision => {
                    let refusal = Refusal {
                        principal: principal.arn(),
                        action: request.action.clone(),
                        resource: request.resource.clone(),
                        explicit: matches!(decision, Decision::ExplicitDeny(_)),
                    };
                    tracing::warn!(refusal = %refusal.message(), "IAM refused a local call");
                    if let Ok(mut d) = self.denied.lock() {
                        d.push(refusal.message());
                    }
                    return Err(refusal);
                }
            }
        }
        self.record(&principal.function, used);
        Ok(())
    }

    fn record(&self, function: &str, labels: Vec<(String, String)>) {
        let Ok(mut used) = self.used.lock() else {
            return;
        };
        for (label, what) in labels {
            let count = used.entry(format!("{function} {label}")).or_insert(0);
            *count += 1;
            // The file names the action and the kind of resource, the stack's names left out.
            let line = format!("{function} {label} {what}");
            if self
                .recorded
                .lock()
                .is_ok_and(|mut r| r.insert(line.clone()))
            {
                record_to_file(&line);
            }
        }
    }

    /// `dynamodb:Query table/<table>/index/GSI2`, `s3:GetObject <bucket>/requests/…`.
    fn what(&self, request: &Authorization) -> String {
        let mut resource = request.resource.clone();
        for (name, placeholder) in &self.names {
            resource = resource.replace(name.as_str(), placeholder);
        }
        if let Some((bucket, key)) = resource.split_once("<bucket>/") {
            let top = key.split('/').next().unwrap_or_default();
            resource = format!("{bucket}<bucket>/{top}/…");
        }
        if let Some((head, _)) = resource.split_once("/stream/") {
            resource = format!("{head}/stream/…");
        }
        format!("{} {resource}", request.action)
    }

    /// `<function> <policy>/<sid>` → authorisations it allowed so far.
    pub fn used(&self) -> BTreeMap<String, u64> {
        self.used.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// AWS's message for every refused call so far.
    pub fn denied(&self) -> Vec<String> {
        self.denied.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

/// `LOCAL_IAM_RECORD=<file>`: appends each statement, with the action and kind of resource, the
/// first time it allows such a call in a stack, so a whole test run shows which grants are used
/// (docs/local-stack.md, "IAM").
fn record_to_file(line: &str) {
    use std::io::Write;
    let Some(path) = std::env::var_os("LOCAL_IAM_RECORD") else {
        return;
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{line}");
    }
}

/// A refused call, as AWS words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub explicit: bool,
}

impl Refusal {
    pub fn message(&self) -> String {
        let why = if self.explicit {
            "with an explicit deny in an identity-based policy".to_owned()
        } else {
            format!(
                "because no identity-based policy allows the {} action",
                self.action
            )
        };
        format!(
            "User: {} is not authorized to perform: {} on resource: {} {why}",
            self.principal, self.action, self.resource
        )
    }
}

/// Shared by the SDK configurations of one stack's functions.
pub type SharedRoles = Arc<Roles>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn statements(document: Value) -> Vec<Statement> {
        parse_policy("P", &document).expect("valid policy")
    }

    fn decide(document: Value, action: &str, resource: &str) -> Decision {
        evaluate(&statements(document), &Authorization::new(action, resource))
    }

    fn allowed(d: &Decision) -> bool {
        matches!(d, Decision::Allow(_))
    }

    #[test]
    fn wildcards_follow_iam() {
        // "IAM JSON policy elements: Action": s3:Get* covers every Get action; actions are not
        // case sensitive, resources are.
        assert!(wildcard_match("s3:Get*", "s3:GetObject", true));
        assert!(wildcard_match("S3:GET*", "s3:GetObjectVersion", true));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject", true));
        assert!(wildcard_match(
            "iam:*AccessKey*",
            "iam:ListAccessKeys",
            true
        ));
        assert!(!wildcard_match(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/a",
            false
        ));
        // `?` is exactly one character; `*` spans `/` and `:`.
        assert!(wildcard_match("a?c", "abc", false));
        assert!(!wildcard_match("a?c", "ac", false));
        assert!(wildcard_match(
            "arn:aws:dynamodb:*",
            "arn:aws:dynamodb:r:1:table/t/index/i",
            false
        ));
        assert!(wildcard_match("*", "", false));
        assert!(!wildcard_match("", "a", false));
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let d = decide(json!({"Statement": []}), "s3:GetObject", "arn:aws:s3:::b/k");
        assert_eq!(d, Decision::ImplicitDeny);
    }

    /// "Policy evaluation logic": an explicit deny in any policy overrides any allow.
    #[test]
    fn explicit_deny_wins_over_allow() {
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "AllowAll", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Sid": "DenyDelete", "Effect": "Deny", "Action": "dynamodb:DeleteItem",
             "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/Books"}
        ]});
        let table = "arn:aws:dynamodb:us-west-2:123456789012:table/Books";
        assert_eq!(
            decide(policy.clone(), "dynamodb:DeleteItem", table),
            Decision::ExplicitDeny("P/DenyDelete".into())
        );
        assert_eq!(
            decide(policy, "dynamodb:GetItem", table),
            Decision::Allow(vec!["P/AllowAll".into()])
        );
    }

    /// "IAM JSON policy elements: NotAction": Allow with NotAction iam:* allows every other
    /// service's actions and no IAM action.
    #[test]
    fn not_action_allows_everything_else() {
        let policy =
            json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}});
        assert!(allowed(&decide(
            policy.clone(),
            "s3:GetObject",
            "arn:aws:s3:::b/k"
        )));
        assert!(!allowed(&decide(
            policy,
            "iam:CreateUser",
            "arn:aws:iam::1:user/x"
        )));
    }

    /// "NotAction with Deny": deny everything except the listed actions (the docs' MFA example
    /// without its condition).
    #[test]
    fn not_action_with_deny_denies_everything_else() {
        let policy = json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "DenyAllButIam", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}
        ]});
        assert!(matches!(
            decide(policy.clone(), "s3:GetObject", "arn:aws:s3:::b/k"),
            Decision::ExplicitDeny(_)
        ));
        assert!(allowed(&decide(policy, "iam:ListUsers", "*")));
    }

    /// "IAM JSON policy elements: NotResource": allow everything but one bucket's objects.
    #[test]
    fn not_resource_excludes_what_it_names() {
        let policy = json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
            "NotResource": "arn:aws:s3:::HRBucket/Payroll/*"}});
        assert!(!allowed(&decide(
            policy.clone(),
            "s3:GetObject",
            "arn:aws:s3:::HRBucket/Payroll/2024.pdf"
        )));
        assert!(allowed(&decide(
            policy,
            "s3:GetObject",
            "arn:aws:s3:::HRBucket/Other/a"
        )));
    }

    /// DynamoDB developer guide, "Allows access to a table and all its indexes": the table's ARN
    /// does not cover `table/Books/index/*`, nor its streams.
    #[test]
    fn table_index_and_stream_are_distinct_resources() {
        let table = "arn:aws:dynamodb:us-west-2:123456789012:table/Books";
        let table_only = json!({"Statement": {"Effect": "Allow",
            "Action": ["dynamodb:Query", "dynamodb:GetRecords"], "Resource": table}});
        let index = format!("{table}/index/ByAuthor");
        let stream = format!("{table}/stream/2026-01-01T00:00:00.000");
        assert!(allowed(&decide(
            table_only.clone(),
            "dynamodb:Query",
            table
        )));
        assert!(!allowed(&decide(
            table_only.clone(),
            "dynamodb:Query",
            &index
        )));
        assert!(!allowed(&decide(
            table_only,
            "dynamodb:GetRecords",
            &stream
        )));
        let with_indexes = json!({"Statement": {"Effect": "Allow", "Action": "dynamodb:Query",
            "Resource": [table, format!("{table}/index/*")]}});
        assert!(allowed(&decide(
            with_indexes.clone(),
            "dynamodb:Query",
            &index
        )));
        let one_index = json!({"Statement": {"Effect": "Allow", "Action": "dynamodb:Query",
            "Resource": format!("{table}/index/GSI2")}});
        assert!(!allowed(&decide(
            one_index.clone(),
            "dynamodb:Query",
            &format!("{table}/index/GSI1")
        )));
        assert!(allowed(&decide(
            one_index,
            "dynamodb:Query",
            &format!("{table}/index/GSI2")
        )));
    }

    /// S3 user guide: object ARNs (`bucket/*`) do not cover the bucket (ListBucket), and the
    /// bucket's ARN covers no object.
    #[test]
    fn bucket_and_object_arns_are_distinct() {
        let objects = json!({"Statement": {"Effect": "Allow", "Action": "s3:*",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}});
        assert!(allowed(&decide(
            objects.clone(),
            "s3:GetObject",
            "arn:aws:s3:::amzn-s3-demo-bucket/a/b"
        )));
        assert!(!allowed(&decide(
            objects,
            "s3:ListBucket",
            "arn:aws:s3:::amzn-s3-demo-bucket"
        )));
        let bucket = json!({"Statement": {"Effect": "Allow", "Action": "s3:*",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket"}});
        assert!(!allowed(&decide(
            bucket,
            "s3:GetObject",
            "arn:aws:s3:::amzn-s3-demo-bucket/a"
        )));
    }

    /// S3 user guide, "Limit listing to a prefix" (s3:prefix with StringLike / StringEquals).
    #[test]
    fn s3_prefix_condition() {
        let policy = json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
            "Condition": {"StringLike": {"s3:prefix": ["projects/*", "home/*"]}}}});
        let s = statements(policy);
        let bucket = "arn:aws:s3:::amzn-s3-demo-bucket";
        let list = |prefix: Option<&str>| {
            let a = Authorization::new("s3:ListBucket", bucket);
            let a = match prefix {
                Some(p) => a.with("s3:prefix", p),
                None => a,
            };
            evaluate(&s, &a)
        };
        assert!(allowed(&list(Some("projects/x"))));
        assert!(allowed(&list(Some("home/"))));
        assert!(!allowed(&list(Some("other/"))));
        // No prefix: the key is absent and StringLike does not hold.
        assert!(!allowed(&list(None)));
    }

    /// "Condition operators": a negated operator holds when the key is absent, `...IfExists`
    /// holds when it is absent, Null tests presence, ForAllValues holds for no values.
    #[test]
    fn absent_keys_follow_the_operator() {
        let ctx = BTreeMap::new();
        let c = |operator: &str, values: &[&str]| Condition {
            operator: operator.into(),
            key: "s3:prefix".into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        };
        assert_eq!(
            condition_holds(&c("StringEquals", &["a"]), &ctx),
            Truth::False
        );
        assert_eq!(
            condition_holds(&c("StringNotEquals", &["a"]), &ctx),
            Truth::True
        );
        assert_eq!(
            condition_holds(&c("StringLikeIfExists", &["a"]), &ctx),
            Truth::True
        );
        assert_eq!(condition_holds(&c("Null", &["true"]), &ctx), Truth::True);
        assert_eq!(condition_holds(&c("Null", &["false"]), &ctx), Truth::False);
        assert_eq!(
            condition_holds(&c("ForAllValues:StringEquals", &["a"]), &ctx),
            Truth::True
        );
        assert_eq!(
            condition_holds(&c("ForAnyValue:StringEquals", &["a"]), &ctx),
            Truth::False
        );
        let mut present = BTreeMap::new();
        present.insert("s3:prefix".to_owned(), vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(
            condition_holds(&c("ForAllValues:StringEquals", &["a"]), &present),
            Truth::False
        );
        assert_eq!(
            condition_holds(&c("ForAnyValue:StringEquals", &["a"]), &present),
            Truth::True
        );
        assert_eq!(
            condition_holds(&c("StringNotEquals", &["a"]), &present),
            Truth::False
        );
    }

    /// "Using IAM policy conditions for fine-grained access control": `ForAllValues:StringLike`
    /// on `dynamodb:LeadingKeys` allows an item only under the listed partition-key prefixes.
    #[test]
    fn leading_keys_limit_writes_to_their_prefixes() {
        let policy = json!({"Statement": {"Effect": "Allow",
            "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": "arn:t",
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["REQ#*", "RES#*"]}}}});
        let s = statements(policy);
        let put = |keys: &[&str]| {
            let mut a = Authorization::new("dynamodb:PutItem", "arn:t");
            for k in keys {
                a = a.with("dynamodb:LeadingKeys", *k);
            }
            evaluate(&s, &a)
        };
        assert!(allowed(&put(&["REQ#ABCD-EFGH"])));
        assert!(allowed(&put(&["RES#wa:62812", "REQ#A"])));
        assert!(!allowed(&put(&["SVC#KK_NEW"])));
        assert!(
            !allowed(&put(&["REQ#A", "ERASE#e"])),
            "every key must match"
        );
        assert!(!allowed(&put(&["XREQ#A"])));
    }

    /// What this model cannot judge never widens access: an Allow with an unknown key or
    /// operator does not apply, a Deny with one does.
    #[test]
    fn unknown_conditions_fail_closed() {
        let allow = json!({"Statement": {"Effect": "Allow", "Action": "dynamodb:GetItem",
            "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["u1"]}}}});
        assert_eq!(
            decide(allow, "dynamodb:GetItem", "arn:t"),
            Decision::ImplicitDeny
        );
        let allow_op = json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket",
            "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}});
        assert_eq!(
            decide(allow_op, "s3:ListBucket", "arn:b"),
            Decision::ImplicitDeny
        );
        let deny = json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "D", "Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}}}]});
        assert_eq!(
            decide(deny, "s3:GetObject", "arn:b/k"),
            Decision::ExplicitDeny("P/D".into())
        );
    }

    #[test]
    fn malformed_statements_are_refused() {
        assert!(
            parse_policy(
                "P",
                &json!({"Statement": {"Effect": "Allow", "Resource": "*"}})
            )
            .is_err()
        );
        assert!(
            parse_policy(
                "P",
                &json!({"Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}})
            )
            .is_err()
        );
        assert!(
            parse_policy(
                "P",
                &json!({"Statement": {"Effect": "Allow", "Action": "*",
            "Resource": "*", "NotResource": "x"}})
            )
            .is_err()
        );
    }

    fn deployment() -> Deployment {
        Deployment {
            resources: HashMap::new(),
            region: "ap-southeast-3".into(),
            table: "t1".into(),
            table_stream_arn: Some(
                "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t1/stream/L".into(),
            ),
            bucket: "local-bucket".into(),
            audit_bucket: "local-bucket-audit".into(),
            parameters: HashMap::from([("WhatsAppSecretArn".to_owned(), "arn:secret".to_owned())]),
        }
    }

    #[test]
    fn intrinsics_resolve_to_the_local_resources() {
        let rendered = json!({
            "parameters": {"Stage": "dev"},
            "bucket_name": {"Fn::Sub": "docs-${AWS::AccountId}-${AWS::Region}-${Stage}"},
            "functions": {"F": {"role": "FRole", "policies": [{"name": "FRolePolicy0",
                "document": {"Statement": [
                    {"Sid": "T", "Effect": "Allow", "Action": "dynamodb:Query",
                     "Resource": [{"Fn::GetAtt": ["Table", "Arn"]},
                                  {"Fn::Sub": "${Table.Arn}/index/GSI2"},
                                  {"Fn::GetAtt": "Table.StreamArn"}]},
                    {"Sid": "O", "Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::docs-${AWS::AccountId}-${AWS::Region}-${Stage}/requests/*"}},
                    {"Sid": "S", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                     "Resource": {"Ref": "WhatsAppSecretArn"}},
                    {"Sid": "Q", "Effect": "Allow", "Action": "sqs:SendMessage",
                     "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}
                ]}}]}}
        });
        let roles = Roles::from_rendered(&rendered, &deployment()).expect("resolves");
        let p = roles.principal("F").expect("principal");
        assert_eq!(p.arn(), "arn:aws:sts::123456789012:assumed-role/FRole/F");
        let resources: Vec<&str> = p
            .statements
            .iter()
            .flat_map(|s| s.resource.patterns.iter().map(String::as_str))
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t1",
                "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t1/index/GSI2",
                "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t1/stream/L",
                "arn:aws:s3:::local-bucket/requests/*",
                "arn:secret",
                "unresolved:Queue.Arn",
            ]
        );
        assert!(roles.principal("G").is_none());
    }

    #[test]
    fn refusals_are_worded_as_aws_words_them() {
        let r = Refusal {
            principal: "arn:aws:sts::123456789012:assumed-role/WRole/W".into(),
            action: "dynamodb:Query".into(),
            resource: "arn:aws:dynamodb:ap-southeast-3:123456789012:table/t/index/GSI2".into(),
            explicit: false,
        };
        assert_eq!(
            r.message(),
            "User: arn:aws:sts::123456789012:assumed-role/WRole/W is not authorized to perform: \
             dynamodb:Query on resource: arn:aws:dynamodb:ap-southeast-3:123456789012:table/t/index/GSI2 \
             because no identity-based policy allows the dynamodb:Query action"
        );
        let explicit = Refusal {
            explicit: true,
            ..r
        };
        assert!(
            explicit
                .message()
                .ends_with("with an explicit deny in an identity-based policy")
        );
    }

    #[test]
    fn authorize_records_what_allowed_and_refused() {
        let rendered = json!({"functions": {"F": {"role": "R", "policies": [{"name": "P",
            "document": {"Statement": {"Sid": "A", "Effect": "Allow", "Action": "dynamodb:PutItem",
                "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}}}]}}});
        let roles = Roles::from_rendered(&rendered, &deployment()).expect("resolves");
        let p = roles.principal("F").expect("principal");
        let table = deployment().table_arn();
        // A transaction is refused as a whole when one item is refused.
        let items = [
            Authorization::new("dynamodb:PutItem", &table),
            Authorization::new("dynamodb:ConditionCheckItem", &table),
        ];
        let refusal = roles.authorize(p, &items).expect_err("refused");
        assert_eq!(refusal.action, "dynamodb:ConditionCheckItem");
        assert!(roles.authorize(p, &items[..1]).is_ok());
        assert_eq!(roles.used().get("F P/A"), Some(&1));
        assert_eq!(roles.denied().len(), 1);
    }
}
