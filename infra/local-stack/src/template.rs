//! Reads `template.yaml`, the one source of truth for the table, the bucket and the HTTP routes,
//! so the local stack never carries a second hand-written copy of them.

use serde_norway::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("template.yaml has no resource {0}")]
    MissingResource(&'static str),
    #[error("template.yaml resource {resource}: {reason}")]
    Invalid { resource: String, reason: String },
}

/// The function a route invokes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunctionId {
    Webhook,
    Documents,
    Status,
}

impl FunctionId {
    fn from_logical_id(id: &str) -> Option<Self> {
        match id {
            "WebhookFunction" => Some(Self::Webhook),
            "DocumentsFunction" => Some(Self::Documents),
            "StatusFunction" => Some(Self::Status),
            _ => None,
        }
    }
}

/// One `HttpApi` event of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub function: FunctionId,
    pub method: String,
    /// Path template, e.g. `/requests/{ticket}`.
    pub path: String,
    /// False for `Auth: { Authorizer: NONE }`; officer routes use the default JWT authorizer.
    pub requires_jwt: bool,
    /// `Auth: { AuthorizationScopes: [...] }`: the token must carry one of them (none today).
    pub scopes: Vec<String>,
}

impl Route {
    /// The API Gateway route key, e.g. `GET /requests/{ticket}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Matches a concrete path; returns the path parameters.
    pub fn matches(&self, method: &str, path: &str) -> Option<BTreeMap<String, String>> {
        if !self.method.eq_ignore_ascii_case(method) && self.method != "ANY" {
            return None;
        }
        let template: Vec<&str> = self.path.trim_matches('/').split('/').collect();
        let actual: Vec<&str> = path.trim_matches('/').split('/').collect();
        if template.len() != actual.len() {
            return None;
        }
        let mut params = BTreeMap::new();
        for (t, a) in template.iter().zip(&actual) {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                if a.is_empty() {
                    return None;
                }
                params.insert(name.to_owned(), (*a).to_owned());
            } else if t != a {
                return None;
            }
        }
        Some(params)
    }
}

pub struct Template {
    root: Value,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        Ok(Self {
            root: serde_norway::from_str(text)?,
        })
    }

    fn resource(&self, id: &'static str) -> Result<&Value, TemplateError> {
        self.root
            .get("Resources")
            .and_then(|r| r.get(id))
            .ok_or(TemplateError::MissingResource(id))
    }

    /// Logical ids of the resources of one type (`AWS::SNS::Topic`), in template order.
    pub fn resources_of_type(&self, kind: &str) -> Vec<String> {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .map(|resources| {
                resources
                    .iter()
                    .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
                    .filter_map(|(id, _)| id.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `Properties` of a resource with `!Ref Parameter` replaced by the parameter's default, and
    /// other intrinsics (which have no meaning locally) removed.
    pub fn properties(&self, id: &'static str) -> Result<serde_json::Value, TemplateError> {
        let props = self
            .resource(id)?
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Null);
        Ok(self.resolve(&props).unwrap_or(serde_json::Value::Null))
    }

    fn parameter_default(&self, name: &str) -> Option<Value> {
        self.root
            .get("Parameters")
            .and_then(|p| p.get(name))
            .and_then(|p| p.get("Default"))
            .cloned()
    }

    fn resolve(&self, value: &Value) -> Option<serde_json::Value> {
        Some(match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::to_value(n).ok()?,
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Sequence(items) => {
                serde_json::Value::Array(items.iter().filter_map(|v| self.resolve(v)).collect())
            }
            Value::Mapping(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let Some(key) = k.as_str() else { continue };
                    if key == "Ref" {
                        // Long form `{Ref: Param}`.
                        let name = v.as_str()?;
                        return self.resolve(&self.parameter_default(name)?);
                    }
                    if key.starts_with("Fn::") {
                        return None;
                    }
                    if let Some(resolved) = self.resolve(v) {
                        out.insert(key.to_owned(), resolved);
                    }
                }
                serde_json::Value::Object(out)
            }
            Value::Tagged(tagged) => {
                let tag = tagged.tag.to_string();
                if tag.trim_start_matches('!') == "Ref" {
                    let name = tagged.value.as_str()?;
                    return self.resolve(&self.parameter_default(name)?);
                }
                return None;
            }
        })
    }

    /// Every `HttpApi` event of every function.
    pub fn routes(&self) -> Result<Vec<Route>, TemplateError> {
        let resources = self
            .root
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or(TemplateError::MissingResource("Resources"))?;
        let mut routes = Vec::new();
        for (id, resource) in resources {
            let Some(function) = id.as_str().and_then(FunctionId::from_logical_id) else {
                continue;
            };
            let events = resource
                .get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            for (name, event) in events.into_iter().flatten() {
                if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                    continue;
                }
                let props = event.get("Properties");
                let field = |f: &str| {
                    props
                        .and_then(|p| p.get(f))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                let invalid = |reason: &str| TemplateError::Invalid {
                    resource: format!(
                        "{}.{}",
                        id.as_str().unwrap_or("?"),
                        name.as_str().unwrap_or("?")
                    ),
                    reason: reason.to_owned(),
                };
                let auth = props.and_then(|p| p.get("Auth"));
                let authorizer = auth
                    .and_then(|a| a.get("Authorizer"))
                    .and_then(Value::as_str);
                let scopes = auth
                    .and_then(|a| a.get("AuthorizationScopes"))
                    .and_then(Value::as_sequence)
                    .map(|s| {
                        s.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                routes.push(Route {
                    function,
                    method: field("Method")
                        .ok_or_else(|| invalid("no Method"))?
                        .to_uppercase(),
                    path: field("Path").ok_or_else(|| invalid("no Path"))?,
                    requires_jwt: authorizer != Some("NONE"),
                    scopes,
                });
            }
        }
        Ok(routes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
Parameters:
  Days:
    Type: Number
    Default: 30
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      DeletionProtectionEnabled: !If [IsProd, true, false]
      Rules:
        - Expire: !Ref Days
  WebhookFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: HttpApi
          Properties:
            Method: get
            Path: /webhook
            Auth:
              Authorizer: NONE
  StatusFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Detail:
          Type: HttpApi
          Properties:
            Method: GET
            Path: /requests/{ticket}
"#;

    #[test]
    fn resolves_refs_and_drops_other_intrinsics() {
        let t = Template::parse(SAMPLE).unwrap();
        let props = t.properties("Table").unwrap();
        assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
        assert!(props.get("DeletionProtectionEnabled").is_none());
        assert_eq!(props["Rules"][0]["Expire"], 30);
    }

    #[test]
    fn reads_routes_and_their_auth() {
        let t = Template::parse(SAMPLE).unwrap();
        let mut routes = t.routes().unwrap();
        routes.sort_by_key(|r| r.path.clone());
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[0].key(), "GET /requests/{ticket}");
        assert!(routes[0].requires_jwt);
        assert_eq!(routes[1].key(), "GET /webhook");
        assert!(!routes[1].requires_jwt);
        let params = routes[0].matches("GET", "/requests/ABCD-EFGH").unwrap();
        assert_eq!(params["ticket"], "ABCD-EFGH");
        assert!(routes[0].matches("POST", "/requests/x").is_none());
        assert!(routes[0].matches("GET", "/requests/x/documents").is_none());
    }

    #[test]
    fn the_real_template_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let t = Template::load(&path).unwrap();
        let routes = t.routes().unwrap();
        assert!(
            routes
                .iter()
                .any(|r| r.key() == "POST /webhook" && !r.requires_jwt)
        );
        assert!(
            routes
                .iter()
                .filter(|r| r.function == FunctionId::Status)
                .all(|r| r.requires_jwt)
        );
        assert!(t.properties("Table").unwrap()["KeySchema"].is_array());
    }
}
