//! The local stand-in for Cognito and the HTTP API's JWT authorizer.
//!
//! `GET /_local/token` issues HS256 tokens with the claim sets Cognito gives the officer app's
//! client: an **ID token** (`aud` = the client id, `token_use: id`, `cognito:username`, `email`,
//! the user's custom attributes such as `custom:kecamatan`) or an **access token** (`client_id`,
//! no `aud`, `token_use: access`, `scope`, `username`, and never a user attribute). Officer routes
//! then check a token as the HTTP API JWT authorizer does (signature, `iss`, `exp`/`nbf`/`iat`,
//! `aud` or, when there is no `aud`, `client_id` against the configured audience, a scope when the
//! route names any) and hand the claims to the handler flattened to strings exactly as API
//! Gateway does. Like the real authorizer it accepts both token kinds: telling them apart is the
//! handler's job (`shared::identity`).
//!
//! Not modelled: RS256 and the pool's JWKS (`kid`), key rotation, token revocation.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub const LOCAL_ISSUER: &str = "http://127.0.0.1:3000/_local";
/// The app client id: the authorizer's only audience, as `OfficerUserPoolClient` is in AWS.
pub const LOCAL_CLIENT_ID: &str = "local-officer-app";
/// `AccessTokenValidity` / `IdTokenValidity` of the template's app client (60 minutes).
const TOKEN_LIFETIME_SECONDS: i64 = 3600;
/// What Cognito puts in `scope` of an access token from the user-pool API (SRP sign-in), which
/// is how the officer app signs in (no hosted UI, no OAuth scopes).
pub const SIGNIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Which of Cognito's two tokens to issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TokenUse {
    #[default]
    Id,
    Access,
}

impl TokenUse {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "id" => Some(TokenUse::Id),
            "access" => Some(TokenUse::Access),
            _ => None,
        }
    }
}

/// The user a token is issued for.
#[derive(Clone, Debug, Default)]
pub struct TokenRequest {
    pub subject: String,
    pub groups: Vec<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `custom:kecamatan`; `None` = the attribute is not set on the user.
    pub kecamatan: Option<String>,
    pub token_use: TokenUse,
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

    /// A token with the claims Cognito puts in that kind of token.
    pub fn issue(&self, request: &TokenRequest) -> Result<String, TokenError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = claims(request, now);
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// Verifies an `Authorization` header value as the HTTP API JWT authorizer does for a route
    /// requiring `scopes` (empty: none), and returns the claims as API Gateway passes them to a
    /// Lambda: every value a string, lists as `[a b]`.
    pub fn verify(
        &self,
        authorization: Option<&str>,
        scopes: &[String],
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
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.validate_nbf = true;
        // Checked below: an access token has no `aud`, and the authorizer then reads `client_id`.
        validation.validate_aud = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Value>(token, &self.decoding, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let Value::Object(map) = data.claims else {
            return Err(TokenError::Invalid("claims are not an object".into()));
        };
        check_audience(&map)?;
        check_issued_at(&map)?;
        check_scopes(&map, scopes)?;
        Ok(map.into_iter().map(|(k, v)| (k, flatten(v))).collect())
    }
}

fn claims(request: &TokenRequest, now: i64) -> Value {
    let mut claims = Map::new();
    let mut set = |name: &str, value: Value| {
        claims.insert(name.to_owned(), value);
    };
    set("sub", json!(request.subject));
    set("iss", json!(LOCAL_ISSUER));
    set("iat", json!(now));
    set("exp", json!(now + TOKEN_LIFETIME_SECONDS));
    set("auth_time", json!(now));
    set("jti", json!(format!("{:032x}", rand::random::<u128>())));
    set(
        "origin_jti",
        json!(format!("{:032x}", rand::random::<u128>())),
    );
    set(
        "event_id",
        json!(format!("{:032x}", rand::random::<u128>())),
    );
    if !request.groups.is_empty() {
        set("cognito:groups", json!(request.groups));
    }
    match request.token_use {
        TokenUse::Id => {
            set("aud", json!(LOCAL_CLIENT_ID));
            set("token_use", json!("id"));
            // The pool signs in by email (`UsernameAttributes: email`): the username is the sub.
            set("cognito:username", json!(request.subject));
            if let Some(email) = &request.email {
                set("email", json!(email));
                set("email_verified", json!(true));
            }
            if let Some(name) = &request.name {
                set("name", json!(name));
            }
            if let Some(kecamatan) = &request.kecamatan {
                set("custom:kecamatan", json!(kecamatan));
            }
        }
        TokenUse::Access => {
            set("client_id", json!(LOCAL_CLIENT_ID));
            set("token_use", json!("access"));
            set("scope", json!(SIGNIN_SCOPE));
            set("username", json!(request.subject));
            set("version", json!(2));
        }
    }
    Value::Object(claims)
}

/// `aud` must be the client id; without `aud`, `client_id` must be (AWS: "API Gateway validates
/// client_id only if aud is not present").
fn check_audience(claims: &Map<String, Value>) -> Result<(), TokenError> {
    let matches = |v: &Value| match v {
        Value::String(s) => s == LOCAL_CLIENT_ID,
        Value::Array(items) => items.iter().any(|i| i.as_str() == Some(LOCAL_CLIENT_ID)),
        _ => false,
    };
    let ok = match claims.get("aud") {
        Some(aud) => matches(aud),
        None => claims.get("client_id").is_some_and(matches),
    };
    if ok {
        Ok(())
    } else {
        Err(TokenError::Invalid("audience does not match".into()))
    }
}

/// `iat` must not be in the future.
fn check_issued_at(claims: &Map<String, Value>) -> Result<(), TokenError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match claims.get("iat").and_then(Value::as_i64) {
        Some(iat) if iat > now => Err(TokenError::Invalid("issued in the future".into())),
        _ => Ok(()),
    }
}

/// A route with authorization scopes needs one of them in `scope` (or `scp`).
fn check_scopes(claims: &Map<String, Value>, required: &[String]) -> Result<(), TokenError> {
    if required.is_empty() {
        return Ok(());
    }
    let granted: Vec<&str> = ["scope", "scp"]
        .iter()
        .filter_map(|c| claims.get(*c))
        .flat_map(|v| match v {
            Value::String(s) => s.split(' ').collect::<Vec<_>>(),
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        })
        .collect();
    if required.iter().any(|r| granted.contains(&r.as_str())) {
        Ok(())
    } else {
        Err(TokenError::Invalid("no required scope".into()))
    }
}

/// How API Gateway hands a claim to the function: strings as they are, lists as `[a b]`,
/// anything else in its JSON form (`true`, `1764756000`).
fn flatten(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Array(items) => format!(
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(token_use: TokenUse) -> TokenRequest {
        TokenRequest {
            subject: "officer-1".into(),
            groups: vec!["petugas".into(), "supervisor".into()],
            name: Some("Petugas Satu".into()),
            email: Some("satu@example.org".into()),
            kecamatan: Some("170804".into()),
            token_use,
        }
    }

    fn bearer(token: &str) -> String {
        format!("Bearer {token}")
    }

    #[test]
    fn id_tokens_carry_the_user_attributes_and_the_audience() {
        let authority = TokenAuthority::new(b"k");
        let token = authority.issue(&request(TokenUse::Id)).unwrap();
        let claims = authority.verify(Some(&bearer(&token)), &[]).unwrap();
        assert_eq!(claims["sub"], "officer-1");
        assert_eq!(claims["aud"], LOCAL_CLIENT_ID);
        assert_eq!(claims["token_use"], "id");
        assert_eq!(claims["cognito:username"], "officer-1");
        assert_eq!(claims["cognito:groups"], "[petugas supervisor]");
        assert_eq!(claims["custom:kecamatan"], "170804");
        assert_eq!(claims["email"], "satu@example.org");
        assert_eq!(claims["email_verified"], "true");
        assert!(!claims.contains_key("client_id"));
        assert!(!claims.contains_key("scope"));
    }

    #[test]
    fn access_tokens_carry_no_user_attributes_and_no_audience() {
        let authority = TokenAuthority::new(b"k");
        let token = authority.issue(&request(TokenUse::Access)).unwrap();
        let claims = authority.verify(Some(&bearer(&token)), &[]).unwrap();
        assert_eq!(claims["client_id"], LOCAL_CLIENT_ID);
        assert_eq!(claims["token_use"], "access");
        assert_eq!(claims["scope"], SIGNIN_SCOPE);
        assert_eq!(claims["username"], "officer-1");
        assert_eq!(claims["cognito:groups"], "[petugas supervisor]");
        for absent in [
            "aud",
            "custom:kecamatan",
            "email",
            "name",
            "cognito:username",
        ] {
            assert!(!claims.contains_key(absent), "{absent}");
        }
    }

    #[test]
    fn unset_attributes_are_absent() {
        let authority = TokenAuthority::new(b"k");
        let token = authority
            .issue(&TokenRequest {
                subject: "x".into(),
                ..TokenRequest::default()
            })
            .unwrap();
        let claims = authority.verify(Some(&bearer(&token)), &[]).unwrap();
        assert!(!claims.contains_key("custom:kecamatan"));
        assert!(!claims.contains_key("cognito:groups"));
    }

    fn signed(claims: Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"k"),
        )
        .unwrap()
    }

    #[test]
    fn audience_is_aud_first_then_client_id() {
        let authority = TokenAuthority::new(b"k");
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let base = |extra: Value| {
            let mut c = json!({"sub": "x", "iss": LOCAL_ISSUER, "iat": now, "exp": now + 60});
            for (k, v) in extra.as_object().unwrap() {
                c[k] = v.clone();
            }
            bearer(&signed(c))
        };
        let verify = |h: String| authority.verify(Some(&h), &[]);
        assert!(verify(base(json!({"aud": LOCAL_CLIENT_ID}))).is_ok());
        assert!(verify(base(json!({"client_id": LOCAL_CLIENT_ID}))).is_ok());
        // With an `aud`, `client_id` is not looked at.
        assert!(verify(base(json!({"aud": "other", "client_id": LOCAL_CLIENT_ID}))).is_err());
        assert!(verify(base(json!({"client_id": "other"}))).is_err());
        assert!(verify(base(json!({}))).is_err());
        // Wrong issuer, expired, not yet valid, issued in the future.
        assert!(
            verify(base(
                json!({"aud": LOCAL_CLIENT_ID, "iss": "https://elsewhere"})
            ))
            .is_err()
        );
        assert!(verify(base(json!({"aud": LOCAL_CLIENT_ID, "exp": now - 10}))).is_err());
        assert!(verify(base(json!({"aud": LOCAL_CLIENT_ID, "nbf": now + 600}))).is_err());
        assert!(verify(base(json!({"aud": LOCAL_CLIENT_ID, "iat": now + 600}))).is_err());
    }

    #[test]
    fn routes_with_scopes_need_one_of_them() {
        let authority = TokenAuthority::new(b"k");
        let access = bearer(&authority.issue(&request(TokenUse::Access)).unwrap());
        let id = bearer(&authority.issue(&request(TokenUse::Id)).unwrap());
        let wanted = [SIGNIN_SCOPE.to_owned()];
        assert!(authority.verify(Some(&access), &wanted).is_ok());
        assert!(authority.verify(Some(&id), &wanted).is_err());
        assert!(
            authority
                .verify(Some(&access), &["officers/read".to_owned()])
                .is_err()
        );
    }

    #[test]
    fn rejects_missing_foreign_and_tampered_tokens() {
        let authority = TokenAuthority::new(b"k");
        assert_eq!(authority.verify(None, &[]), Err(TokenError::Missing));
        assert_eq!(
            authority.verify(Some("Bearer "), &[]),
            Err(TokenError::Missing)
        );
        let foreign = TokenAuthority::new(b"other")
            .issue(&request(TokenUse::Id))
            .unwrap();
        assert!(authority.verify(Some(&bearer(&foreign)), &[]).is_err());
        let token = authority.issue(&request(TokenUse::Id)).unwrap();
        assert!(
            authority
                .verify(Some(&format!("Bearer {token}x")), &[])
                .is_err()
        );
    }
}
