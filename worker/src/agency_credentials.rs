//! Where the worker's credentials for each agency come from: the environment variable the agency
//! catalogue names for it (`auth: { kind: hmac, secret_env: LIENTHONG_SECRET_RESIDENCE }`).
//!
//! A variable that is missing stops the start, naming it: a production worker must never call an
//! agency unauthenticated because someone forgot a secret. Only a development stack (`lienthong
//! dev`, the test harness) asks for `dev_defaults`, the `dev-secret-<agency>` secrets the
//! simulators check by default.

use std::collections::BTreeMap;

use lienthong_activities::AgencyCredential;
use lienthong_definitions::catalogue::{Auth, Catalogue};

/// The engine's credential for each agency that has one, by agency id.
pub type AgencyCredentials = BTreeMap<String, AgencyCredential>;

/// Why the worker's agency credentials could not be read. Names variables, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Agencies whose catalogue entry names a variable that is unset or empty.
    #[error(
        "AGENCY_CREDENTIALS_MISSING: set {} (the agency catalogue names them for {}); \
         a development stack may use the simulators' dev-secret-<agency> instead",
        variables.join(", "),
        agencies.join(", ")
    )]
    Missing {
        variables: Vec<String>,
        agencies: Vec<String>,
    },
}

/// Reads each agency's credential from the variable its catalogue entry names, through `env`
/// (`|name| std::env::var(name).ok()` for the process environment). An unset or empty variable
/// is an error unless `dev_defaults`, which puts `dev-secret-<agency>` in its place, of the kind
/// the catalogue names. Agencies with auth `none` get no entry: they are called unsigned.
pub fn agency_credentials(
    catalogue: &Catalogue,
    env: impl Fn(&str) -> Option<String>,
    dev_defaults: bool,
) -> Result<AgencyCredentials, CredentialsError> {
    let mut credentials = AgencyCredentials::new();
    let (mut variables, mut agencies) = (Vec::new(), Vec::new());
    let mut development = Vec::new();
    for agency in catalogue.agencies() {
        let (variable, make): (&str, fn(String) -> AgencyCredential) = match &agency.auth {
            Auth::None => continue,
            Auth::Bearer { token_env } => (token_env, AgencyCredential::Bearer),
            Auth::Hmac { secret_env } => (secret_env, AgencyCredential::Hmac),
        };
        let value = env(variable).filter(|v| !v.is_empty());
        let value = match value {
            Some(value) => value,
            None if dev_defaults => {
                development.push(agency.id.clone());
                format!("dev-secret-{}", agency.id)
            }
            None => {
                variables.push(variable.to_owned());
                agencies.push(agency.id.clone());
                continue;
            }
        };
        credentials.insert(agency.id.clone(), make(value));
    }
    if !development.is_empty() {
        // One line for all of them: a warning repeated per agency reads as several problems.
        tracing::warn!(
            agencies = %development.join(","),
            "using the development secrets dev-secret-<agency>: never in production"
        );
    }
    if variables.is_empty() {
        Ok(credentials)
    } else {
        Err(CredentialsError::Missing {
            variables,
            agencies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Catalogue {
        Catalogue::shipped().expect("the shipped catalogue is valid")
    }

    #[test]
    fn a_missing_variable_stops_the_start_and_is_named() {
        let only_residence = |name: &str| {
            (name == "LIENTHONG_SECRET_RESIDENCE").then(|| "residence-secret".to_owned())
        };
        let error = agency_credentials(&shipped(), only_residence, false)
            .expect_err("three variables are missing");
        let text = error.to_string();
        for variable in [
            "LIENTHONG_SECRET_CIVIL_STATUS",
            "LIENTHONG_SECRET_SOCIAL_INSURANCE",
            "LIENTHONG_SECRET_LABOUR_OFFICE",
        ] {
            assert!(text.contains(variable), "{text}");
        }
        assert!(!text.contains("LIENTHONG_SECRET_RESIDENCE"), "{text}");
        assert!(!text.contains("residence-secret"), "{text}");
        // Empty counts as missing.
        let empty = |_: &str| Some(String::new());
        assert!(agency_credentials(&shipped(), empty, false).is_err());
    }

    #[test]
    fn every_signed_agency_gets_its_variable_or_the_development_secret() {
        let env = |name: &str| {
            (name == "LIENTHONG_SECRET_RESIDENCE").then(|| "residence-secret".to_owned())
        };
        let credentials = agency_credentials(&shipped(), env, true).expect("dev defaults");
        assert_eq!(
            credentials.keys().collect::<Vec<_>>(),
            [
                "civil-status",
                "labour-office",
                "residence",
                "social-insurance"
            ],
            "population's auth is none"
        );
        assert_eq!(
            credentials.get("residence"),
            Some(&AgencyCredential::Hmac("residence-secret".into()))
        );
        assert_eq!(
            credentials.get("civil-status"),
            Some(&AgencyCredential::Hmac("dev-secret-civil-status".into()))
        );
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let env = |_: &str| Some("s3cr3t-from-env".to_owned());
        let credentials = agency_credentials(&shipped(), env, false).expect("all set");
        let mut config = crate::WorkerConfig::new("q", BTreeMap::new());
        config.agency_credentials = credentials.clone();
        for text in [format!("{credentials:?}"), format!("{config:?}")] {
            assert!(!text.contains("s3cr3t-from-env"), "{text}");
            assert!(text.contains("Hmac"), "{text}");
        }
    }
}
