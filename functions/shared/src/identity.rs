//! The officer behind a request, as the HTTP API's JWT authorizer (Cognito) saw them.
//!
//! API Gateway has already verified the token; the handler only reads the claims it passes in
//! the request context. HTTP APIs flatten every claim to a string: a list such as
//! `cognito:groups` arrives as `"[petugas supervisor]"`, so both that form and a JSON array are
//! accepted.
//!
//! The authorizer accepts both of Cognito's tokens for the app client (an ID token by its `aud`,
//! an access token by its `client_id`), but only the ID token carries the user's attributes: an
//! access token has no `custom:kecamatan`. So only ID tokens (`token_use = id`) are accepted, and
//! the officer's scope is read strictly: [`REGENCY_WIDE`] is the whole regency, a code is one
//! kecamatan, and a missing or empty attribute is no kecamatan at all (never "everything").

use lambda_http::{Request, RequestExt, request::RequestContext};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Petugas,
    Supervisor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Petugas => "petugas",
            Role::Supervisor => "supervisor",
        }
    }
}

/// The `custom:kecamatan` value of regency-wide staff (set by an administrator; see
/// docs/deploy-notes.md). Any other non-empty value is one kecamatan's code.
pub const REGENCY_WIDE: &str = "*";

/// Which requests an officer may see and act on, from `custom:kecamatan`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "kecamatan")]
pub enum Scope {
    /// `custom:kecamatan` = [`REGENCY_WIDE`].
    Regency,
    /// `custom:kecamatan` = a kecamatan code.
    Kecamatan(String),
    /// No attribute, or an empty one: no request at all.
    Nothing,
}

impl Scope {
    pub fn from_claim(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(REGENCY_WIDE) => Scope::Regency,
            Some(code) if !code.is_empty() => Scope::Kecamatan(code.to_owned()),
            _ => Scope::Nothing,
        }
    }

    /// May the officer see a request of this kecamatan (`None`: the request names none yet)?
    pub fn covers(&self, kecamatan: Option<&str>) -> bool {
        match self {
            Scope::Regency => true,
            Scope::Kecamatan(own) => kecamatan == Some(own.as_str()),
            Scope::Nothing => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Officer {
    pub subject: String,
    pub name: Option<String>,
    pub roles: Vec<Role>,
    /// From `custom:kecamatan` of the ID token.
    pub scope: Scope,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("no authenticated identity on the request")]
    Anonymous,
    /// A Cognito access token (or anything else that is not an ID token): it carries no user
    /// attributes, so the officer's scope cannot be read from it.
    #[error("only the Cognito ID token is accepted, not the access token")]
    NotAnIdToken,
    #[error("the caller is not in an officer group")]
    NotAnOfficer,
}

impl Officer {
    /// The most privileged role the officer holds.
    pub fn role(&self) -> Role {
        self.roles.iter().copied().max().unwrap_or(Role::Petugas)
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn from_request(request: &Request) -> Result<Self, IdentityError> {
        let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
            return Err(IdentityError::Anonymous);
        };
        let claims = context
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| &jwt.claims)
            .ok_or(IdentityError::Anonymous)?;
        Self::from_claims(|name| claims.get(name).map(String::as_str))
    }

    pub fn from_claims<'a>(claim: impl Fn(&str) -> Option<&'a str>) -> Result<Self, IdentityError> {
        let subject = claim("sub")
            .filter(|s| !s.is_empty())
            .ok_or(IdentityError::Anonymous)?
            .to_owned();
        if claim("token_use") != Some("id") {
            return Err(IdentityError::NotAnIdToken);
        }
        let mut roles: Vec<Role> = parse_groups(claim("cognito:groups").unwrap_or(""))
            .filter_map(|group| match group {
                "petugas" => Some(Role::Petugas),
                "supervisor" => Some(Role::Supervisor),
                _ => None,
            })
            .collect();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(IdentityError::NotAnOfficer);
        }
        Ok(Self {
            subject,
            name: claim("name").map(str::to_owned),
            roles,
            scope: Scope::from_claim(claim("custom:kecamatan")),
        })
    }
}

/// Splits `[a b]`, `["a","b"]`, `a,b` or `a` into group names.
fn parse_groups(raw: &str) -> impl Iterator<Item = &str> {
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([' ', ','])
        .map(|g| g.trim().trim_matches('"'))
        .filter(|g| !g.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn officer(claims: &[(&str, &str)]) -> Result<Officer, IdentityError> {
        let map: HashMap<&str, &str> = claims.iter().copied().collect();
        Officer::from_claims(|name| map.get(name).copied())
    }

    #[test]
    fn reads_api_gateway_flattened_groups() {
        let o = officer(&[
            ("sub", "u-1"),
            ("token_use", "id"),
            ("cognito:groups", "[petugas supervisor]"),
            ("custom:kecamatan", "170804"),
        ])
        .unwrap();
        assert_eq!(o.roles, vec![Role::Petugas, Role::Supervisor]);
        assert_eq!(o.role(), Role::Supervisor);
        assert_eq!(o.scope, Scope::Kecamatan("170804".into()));
    }

    #[test]
    fn reads_json_array_groups() {
        let o = officer(&[
            ("sub", "u-1"),
            ("token_use", "id"),
            ("cognito:groups", "[\"petugas\"]"),
            ("custom:kecamatan", "*"),
        ])
        .unwrap();
        assert_eq!(o.roles, vec![Role::Petugas]);
        assert_eq!(o.scope, Scope::Regency);
    }

    #[test]
    fn a_missing_or_empty_kecamatan_is_no_scope_at_all() {
        for claims in [
            vec![
                ("sub", "u-1"),
                ("token_use", "id"),
                ("cognito:groups", "[petugas]"),
            ],
            vec![
                ("sub", "u-1"),
                ("token_use", "id"),
                ("cognito:groups", "[supervisor]"),
                ("custom:kecamatan", " "),
            ],
        ] {
            let o = officer(&claims).unwrap();
            assert_eq!(o.scope, Scope::Nothing);
            assert!(!o.scope.covers(Some("170804")));
            assert!(!o.scope.covers(None));
        }
        assert!(Scope::Regency.covers(None));
        assert!(Scope::Kecamatan("170804".into()).covers(Some("170804")));
        assert!(!Scope::Kecamatan("170804".into()).covers(Some("170801")));
        assert!(!Scope::Kecamatan("170804".into()).covers(None));
    }

    #[test]
    fn only_id_tokens_are_accepted() {
        // An access token as the authorizer passes it: no `custom:*`, `token_use: access`.
        let access = [
            ("sub", "u-1"),
            ("token_use", "access"),
            ("client_id", "app"),
            ("scope", "aws.cognito.signin.user.admin"),
            ("cognito:groups", "[supervisor]"),
        ];
        assert_eq!(officer(&access), Err(IdentityError::NotAnIdToken));
        assert_eq!(
            officer(&[("sub", "u-1"), ("cognito:groups", "[supervisor]")]),
            Err(IdentityError::NotAnIdToken)
        );
    }

    #[test]
    fn refuses_missing_subject_and_foreign_groups() {
        assert_eq!(officer(&[]), Err(IdentityError::Anonymous));
        assert_eq!(
            officer(&[
                ("sub", "u-1"),
                ("token_use", "id"),
                ("cognito:groups", "[admins]")
            ]),
            Err(IdentityError::NotAnOfficer)
        );
        assert_eq!(
            officer(&[("sub", "u-1"), ("token_use", "id")]),
            Err(IdentityError::NotAnOfficer)
        );
    }
}
