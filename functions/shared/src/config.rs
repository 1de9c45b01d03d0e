//! Configuration read from the environment once, at cold start, with errors that name the
//! missing or malformed variable.

use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Looks a variable up by name.
type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Reads configuration values through a lookup function, so tests and the local stack never
/// touch the process environment.
pub struct Env<'a> {
    lookup: Lookup<'a>,
}

impl Env<'static> {
    /// The process environment.
    pub fn process() -> Self {
        Env {
            lookup: Box::new(|name| std::env::var(name).ok()),
        }
    }
}

impl<'a> Env<'a> {
    /// An environment backed by a lookup function (tests, the local stack).
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Env {
            lookup: Box::new(lookup),
        }
    }

    pub fn optional(&self, name: &'static str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub fn or_default(&self, name: &'static str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_owned())
    }

    pub fn parsed<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|e: T::Err| ConfigError::Invalid {
                    name,
                    reason: e.to_string(),
                }),
        }
    }
}

/// Where the WhatsApp secrets come from: Secrets Manager when deployed, plain variables locally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// `WHATSAPP_SECRET_ARN`: a JSON secret with `app_secret`, `verify_token`, `access_token`,
    /// `data_key` (and `data_key_previous` during a rotation).
    SecretsManager { secret_arn: String },
    /// `WHATSAPP_APP_SECRET`, `WHATSAPP_VERIFY_TOKEN`, `WHATSAPP_ACCESS_TOKEN`,
    /// `WHATSAPP_DATA_KEY` (+ `WHATSAPP_DATA_KEY_PREVIOUS`) (local stack, tests).
    Inline(crate::whatsapp::WhatsAppSecrets),
}

/// Settings of the WhatsApp Cloud API connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppConfig {
    pub phone_number_id: String,
    pub graph_base_url: String,
    pub graph_api_version: String,
    pub secrets: SecretSource,
    pub request_timeout: Duration,
}

impl WhatsAppConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let secrets = match env.optional("WHATSAPP_SECRET_ARN") {
            Some(secret_arn) => SecretSource::SecretsManager { secret_arn },
            None => SecretSource::Inline(crate::whatsapp::WhatsAppSecrets {
                app_secret: env.required("WHATSAPP_APP_SECRET")?,
                verify_token: env.required("WHATSAPP_VERIFY_TOKEN")?,
                access_token: env.required("WHATSAPP_ACCESS_TOKEN")?,
                data_key: env.required("WHATSAPP_DATA_KEY")?,
                data_key_previous: env.optional("WHATSAPP_DATA_KEY_PREVIOUS"),
            }),
        };
        let graph_api_version = env.or_default("GRAPH_API_VERSION", "v25.0");
        if !is_graph_version(&graph_api_version) {
            return Err(ConfigError::Invalid {
                name: "GRAPH_API_VERSION",
                reason: format!("expected a version like v25.0, got {graph_api_version:?}"),
            });
        }
        Ok(Self {
            phone_number_id: env.required("WHATSAPP_PHONE_NUMBER_ID")?,
            graph_base_url: env
                .or_default("GRAPH_API_BASE_URL", "https://graph.facebook.com")
                .trim_end_matches('/')
                .to_owned(),
            graph_api_version,
            secrets,
            request_timeout: Duration::from_millis(env.parsed("GRAPH_API_TIMEOUT_MS", 5_000)?),
        })
    }
}

fn is_graph_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit())
    )
}

/// The office's regency or city (`OFFICE_REGION_CODE`, four digits, default `1708` =
/// Kabupaten Kepahiang) with its kecamatan. A code that is no regency or city stops the
/// function's start, naming the variable, instead of serving residents an empty list.
pub fn office_region(env: &Env) -> Result<domain::region::Region, ConfigError> {
    let code = env.or_default("OFFICE_REGION_CODE", "1708");
    domain::region::Region::load(&code).map_err(|e| ConfigError::Invalid {
        name: "OFFICE_REGION_CODE",
        reason: e.to_string(),
    })
}

/// The days skipped when counting working days: Indonesia's national holidays and cuti bersama
/// (bundled, `make holidays`) plus the local ones in `HOLIDAYS` (comma-separated ISO dates).
pub fn holidays(env: &Env) -> Result<Vec<time::Date>, ConfigError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    env.optional("HOLIDAYS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            time::Date::parse(d, &format).map_err(|e| ConfigError::Invalid {
                name: "HOLIDAYS",
                reason: format!("{d:?}: {e}"),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|local| domain::calendar::holidays_with(&local))
}

/// The office as configured (`OFFICE_NAME`, `OFFICE_ADDRESS`, `OFFICE_HOURS`), each defaulting
/// to [`domain::office::Office::default`].
pub fn office(env: &Env) -> Result<domain::office::Office, ConfigError> {
    if let Some(profile) = env.optional("OFFICE_PROFILE") {
        let region = office_region(env)?;
        return domain::office::Office::from_profile(&profile, &region).map_err(|e| {
            ConfigError::Invalid {
                name: "OFFICE_PROFILE",
                reason: e.to_string(),
            }
        });
    }
    let default = domain::office::Office::default();
    Ok(domain::office::Office {
        name: env.or_default("OFFICE_NAME", &default.name),
        address: env.or_default("OFFICE_ADDRESS", &default.address),
        hours: env.or_default("OFFICE_HOURS", &default.hours),
        service_points: Vec::new(),
    })
}

/// The DynamoDB table every function shares.
pub fn table_name(env: &Env) -> Result<String, ConfigError> {
    env.required("TABLE_NAME")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> Env<'static> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Env::from_fn(move |k| map.get(k).cloned())
    }

    #[test]
    fn missing_variable_is_named() {
        let err = WhatsAppConfig::from_env(&env(&[])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("WHATSAPP_APP_SECRET"));
        assert_eq!(
            err.to_string(),
            "environment variable WHATSAPP_APP_SECRET is required but not set"
        );
    }

    #[test]
    fn secret_arn_takes_precedence_and_defaults_apply() {
        let cfg = WhatsAppConfig::from_env(&env(&[
            ("WHATSAPP_SECRET_ARN", "arn:aws:secretsmanager:x"),
            ("WHATSAPP_PHONE_NUMBER_ID", "42"),
        ]))
        .unwrap();
        assert_eq!(
            cfg.secrets,
            SecretSource::SecretsManager {
                secret_arn: "arn:aws:secretsmanager:x".into()
            }
        );
        assert_eq!(cfg.graph_base_url, "https://graph.facebook.com");
        assert_eq!(cfg.graph_api_version, "v25.0");
    }

    #[test]
    fn invalid_values_are_reported() {
        let base = [
            ("WHATSAPP_SECRET_ARN", "arn"),
            ("WHATSAPP_PHONE_NUMBER_ID", "42"),
        ];
        let mut vars = base.to_vec();
        vars.push(("GRAPH_API_VERSION", "25"));
        assert!(matches!(
            WhatsAppConfig::from_env(&env(&vars)),
            Err(ConfigError::Invalid {
                name: "GRAPH_API_VERSION",
                ..
            })
        ));
        let mut vars = base.to_vec();
        vars.push(("GRAPH_API_TIMEOUT_MS", "soon"));
        assert!(matches!(
            WhatsAppConfig::from_env(&env(&vars)),
            Err(ConfigError::Invalid {
                name: "GRAPH_API_TIMEOUT_MS",
                ..
            })
        ));
    }

    #[test]
    fn the_office_profile_is_one_document_validated_at_start() {
        let profile = r#"{"name": "Disdukcapil Kabupaten Bogor", "address": "Cibinong",
            "hours": "Senin-Jumat", "service_points": [{"name": "MPP", "address": "Mall",
            "hours": "Sabtu", "kecamatan": ["320101"]}]}"#;
        let bogor = [("OFFICE_REGION_CODE", "3201"), ("OFFICE_PROFILE", profile)];
        let bogor_office = office(&env(&bogor)).unwrap();
        assert_eq!(bogor_office.place_for(Some("320101")).name, "MPP");
        // The same profile in Kepahiang's deployment names a kecamatan it does not have.
        let err = office(&env(&[("OFFICE_PROFILE", profile)])).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    name: "OFFICE_PROFILE",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("320101"), "{err}");
        // Without a profile, the three variables (and their defaults).
        let plain = office(&env(&[("OFFICE_NAME", "Disdukcapil X")])).unwrap();
        assert_eq!(plain.name, "Disdukcapil X");
        assert!(plain.service_points.is_empty());
    }

    #[test]
    fn office_region_is_any_regency_and_an_unknown_code_stops_the_start() {
        assert_eq!(office_region(&env(&[])).unwrap().code, "1708");
        let bogor = office_region(&env(&[("OFFICE_REGION_CODE", "3201")])).unwrap();
        assert_eq!(bogor.name, "Kabupaten Bogor");
        assert_eq!(bogor.districts.len(), 40);
        let err = office_region(&env(&[("OFFICE_REGION_CODE", "9999")])).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "OFFICE_REGION_CODE",
                ..
            }
        ));
        let message = err.to_string();
        assert!(
            message.contains("OFFICE_REGION_CODE") && message.contains("\"9999\" is not"),
            "{message}"
        );
    }

    #[test]
    fn holidays_parse_and_errors_name_the_value() {
        let national = holidays(&env(&[])).unwrap();
        // Idul Fitri 2026 and its cuti bersama come bundled.
        assert!(national.contains(&time::macros::date!(2026 - 03 - 21)));
        assert!(national.contains(&time::macros::date!(2026 - 03 - 23)));
        // A local holiday is added; a national one given again is not counted twice.
        let days = holidays(&env(&[("HOLIDAYS", "2026-12-25, 2026-11-30")])).unwrap();
        assert_eq!(days.len(), national.len() + 1);
        assert!(days.contains(&time::macros::date!(2026 - 11 - 30)));
        assert!(matches!(
            holidays(&env(&[("HOLIDAYS", "25-12-2026")])),
            Err(ConfigError::Invalid {
                name: "HOLIDAYS",
                ..
            })
        ));
    }

    #[test]
    fn blank_counts_as_missing() {
        assert_eq!(
            table_name(&env(&[("TABLE_NAME", "  ")])),
            Err(ConfigError::Missing("TABLE_NAME"))
        );
    }
}
