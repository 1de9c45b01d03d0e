//! The officer behind a request, as the HTTP API's JWT authorizer (Cognito) saw them.
//!
//! API Gateway has already verified the token; the handler only reads the claims it passes in
//! the request context. HTTP APIs flatten every claim to a string: a list such as
//! `cognito:groups` arrives as `"[petugas supervisor]"`, so both that form and a JSON array are
//! accepted.

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Officer {
    pub subject: String,
    pub name: Option<String>,
    pub roles: Vec<Role>,
    /// Kecamatan code the officer is limited to (`custom:kecamatan`); `None` = the whole regency.
    pub kecamatan: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("no authenticated identity on the request")]
    Anonymous,
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
            kecamatan: claim("custom:kecamatan")
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
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
            ("cognito:groups", "[petugas supervisor]"),
            ("custom:kecamatan", "170804"),
        ])
        .unwrap();
        assert_eq!(o.roles, vec![Role::Petugas, Role::Supervisor]);
        assert_eq!(o.role(), Role::Supervisor);
        assert_eq!(o.kecamatan.as_deref(), Some("170804"));
    }

    #[test]
    fn reads_json_array_groups() {
        let o = officer(&[("sub", "u-1"), ("cognito:groups", "[\"petugas\"]")]).unwrap();
        assert_eq!(o.roles, vec![Role::Petugas]);
        assert_eq!(o.kecamatan, None);
    }

    #[test]
    fn refuses_missing_subject_and_foreign_groups() {
        assert_eq!(officer(&[]), Err(IdentityError::Anonymous));
        assert_eq!(
            officer(&[("sub", "u-1"), ("cognito:groups", "[admins]")]),
            Err(IdentityError::NotAnOfficer)
        );
        assert_eq!(officer(&[("sub", "u-1")]), Err(IdentityError::NotAnOfficer));
    }
}
