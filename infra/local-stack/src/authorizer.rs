//! The local stand-in for the HTTP API's Cognito JWT authorizer: it issues HS256 tokens
//! (`GET /_local/token`) and verifies them on officer routes, then hands the claims to the
//! handler flattened to strings exactly as API Gateway does.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const LOCAL_ISSUER: &str = "http://127.0.0.1:3000/_local";
pub const LOCAL_CLIENT_ID: &str = "local-officer-app";
const TOKEN_LIFETIME_SECONDS: i64 = 3600;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    client_id: String,
    token_use: String,
    exp: i64,
    iat: i64,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(
        rename = "custom:kecamatan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    kecamatan: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("no bearer token")]
    Missing,
    #[error("token rejected: {0}")]
    Invalid(String),
}

pub struct TokenAuthority {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenAuthority {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// A token like a Cognito access token for an officer.
    pub fn issue(
        &self,
        subject: &str,
        groups: &[String],
        name: Option<&str>,
        kecamatan: Option<&str>,
    ) -> Result<String, TokenError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: subject.to_owned(),
            iss: LOCAL_ISSUER.to_owned(),
            client_id: LOCAL_CLIENT_ID.to_owned(),
            token_use: "access".to_owned(),
            exp: now + TOKEN_LIFETIME_SECONDS,
            iat: now,
            groups: groups.to_vec(),
            name: name.map(str::to_owned),
            kecamatan: kecamatan.map(str::to_owned),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// Verifies an `Authorization` header value and returns the claims as API Gateway passes
    /// them to a Lambda: every value a string, lists as `[a b]`.
    pub fn verify(
        &self,
        authorization: Option<&str>,
    ) -> Result<HashMap<String, String>, TokenError> {
        let token = authorization
            .map(str::trim)
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(TokenError::Missing)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[LOCAL_ISSUER]);
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &self.decoding, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        if data.claims.get("client_id").and_then(|c| c.as_str()) != Some(LOCAL_CLIENT_ID) {
            return Err(TokenError::Invalid("wrong client_id".into()));
        }
        let serde_json::Value::Object(map) = data.claims else {
            return Err(TokenError::Invalid("claims are not an object".into()));
        };
        Ok(map
            .into_iter()
            .map(|(k, v)| {
                let flat = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Array(items) => format!(
                        "[{}]",
                        items
                            .iter()
                            .map(|i| i
                                .as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| i.to_string()))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    other => other.to_string(),
                };
                (k, flat)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_flatten_groups() {
        let authority = TokenAuthority::new(b"k");
        let token = authority
            .issue(
                "officer-1",
                &["petugas".into(), "supervisor".into()],
                None,
                Some("170804"),
            )
            .unwrap();
        let claims = authority.verify(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(claims["sub"], "officer-1");
        assert_eq!(claims["cognito:groups"], "[petugas supervisor]");
        assert_eq!(claims["custom:kecamatan"], "170804");
    }

    #[test]
    fn rejects_missing_foreign_and_tampered_tokens() {
        let authority = TokenAuthority::new(b"k");
        assert_eq!(authority.verify(None), Err(TokenError::Missing));
        assert_eq!(authority.verify(Some("Bearer ")), Err(TokenError::Missing));
        let foreign = TokenAuthority::new(b"other")
            .issue("x", &[], None, None)
            .unwrap();
        assert!(
            authority
                .verify(Some(&format!("Bearer {foreign}")))
                .is_err()
        );
        let token = authority.issue("x", &[], None, None).unwrap();
        let tampered = format!("Bearer {}x", token);
        assert!(authority.verify(Some(&tampered)).is_err());
    }
}
