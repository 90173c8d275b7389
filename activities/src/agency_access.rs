//! Where a call goes and what it carries, for an agency the case's catalogue entry describes:
//! the worker's own address for it if it has one, else the entry's; the credential from the
//! variable the entry names, read at the call, so an agency that joined after the worker started
//! is reached and signed as its entry says.

use std::{collections::BTreeMap, path::PathBuf};

use lienthong_definitions::catalogue::{AgencyAccess, Auth};

use crate::{AgencyCredential, CallError};

/// Where the worker reads the credentials catalogue entries name.
#[derive(Debug, Clone, Default)]
pub struct SecretSource {
    /// A folder with one file per variable (`<dir>/LIENTHONG_SECRET_TAX_OFFICE`), read at each
    /// call: a secret mounted or rotated there is used without a restart. The environment is
    /// asked first.
    pub dir: Option<PathBuf>,
}

impl SecretSource {
    fn read(&self, variable: &str) -> Option<String> {
        lienthong_identity::read_secret(variable, self.dir.as_deref())
    }
}

/// The credential a call to `agency` carries under `access`: `None` for auth `none`. The
/// variable read is always the agency's own (`LIENTHONG_SECRET_<AGENCY>`); without it, the
/// credential the worker read at start for that agency serves (the shipped agencies, and the
/// simulators' development secrets on a development stack).
pub(crate) fn credential(
    agency: &str,
    access: &AgencyAccess,
    secrets: &SecretSource,
    at_start: &BTreeMap<String, AgencyCredential>,
) -> Result<Option<AgencyCredential>, CallError> {
    let make: fn(String) -> AgencyCredential = match &access.auth {
        Auth::None => return Ok(None),
        Auth::Bearer { .. } => AgencyCredential::Bearer,
        Auth::Hmac { .. } => AgencyCredential::Hmac,
    };
    let own = access.auth.own_variable(agency).unwrap_or_default();
    let missing = || CallError::CredentialsMissing {
        agency: agency.into(),
        variable: own.clone(),
    };
    // The catalogue refuses any other name; an entry stored before that rule still must not
    // make a worker read someone else's secret.
    if access.auth.variable() != Some(own.as_str()) {
        return Err(missing());
    }
    if let Some(value) = secrets.read(&own) {
        return Ok(Some(make(value)));
    }
    match at_start.get(agency) {
        Some(known) if known.kind() == make(String::new()).kind() => Ok(Some(known.clone())),
        _ => Err(missing()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn hmac(variable: &str) -> AgencyAccess {
        AgencyAccess {
            base_url: "http://127.0.0.1:9".into(),
            auth: Auth::Hmac {
                secret_env: variable.into(),
            },
            max_per_second: None,
        }
    }

    #[test]
    fn a_secret_is_read_from_its_file_when_the_environment_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = SecretSource {
            dir: Some(dir.path().to_owned()),
        };
        let access = hmac("LIENTHONG_SECRET_TEST_FILE_AGENCY");
        let error = credential("test-file-agency", &access, &secrets, &BTreeMap::new())
            .expect_err("no secret yet");
        assert!(
            error
                .to_string()
                .starts_with("AGENCY_CREDENTIALS_MISSING: no credential for test-file-agency"),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("LIENTHONG_SECRET_TEST_FILE_AGENCY"),
            "{error}"
        );
        assert_eq!(error.permanent_code(), Some("AGENCY_CREDENTIALS_MISSING"));

        // Written while the worker runs: the next call has it.
        std::fs::write(
            dir.path().join("LIENTHONG_SECRET_TEST_FILE_AGENCY"),
            "s3cret\n",
        )
        .unwrap();
        let found = credential("test-file-agency", &access, &secrets, &BTreeMap::new()).unwrap();
        assert_eq!(found, Some(AgencyCredential::Hmac("s3cret".into())));
    }

    #[test]
    fn another_agencys_variable_is_never_read() {
        let access = hmac("PATH");
        let error = credential(
            "tax-office",
            &access,
            &SecretSource::default(),
            &BTreeMap::new(),
        )
        .expect_err("PATH is not the tax office's secret");
        assert!(
            error.to_string().contains("LIENTHONG_SECRET_TAX_OFFICE"),
            "{error}"
        );
    }

    #[test]
    fn without_its_variable_an_agency_uses_what_the_worker_read_at_start_of_the_same_kind() {
        let at_start = BTreeMap::from([(
            "residence".to_owned(),
            AgencyCredential::Hmac("dev-secret-residence".into()),
        )]);
        let secrets = SecretSource::default();
        let access = hmac("LIENTHONG_SECRET_RESIDENCE_UNSET_IN_TESTS");
        // The entry names its own variable under the agency id `residence`.
        let own = hmac("LIENTHONG_SECRET_RESIDENCE");
        if std::env::var("LIENTHONG_SECRET_RESIDENCE").is_err() {
            assert_eq!(
                credential("residence", &own, &secrets, &at_start).unwrap(),
                Some(AgencyCredential::Hmac("dev-secret-residence".into()))
            );
        }
        assert!(credential("residence", &access, &secrets, &at_start).is_err());
        let bearer = AgencyAccess {
            base_url: own.base_url.clone(),
            auth: Auth::Bearer {
                token_env: "LIENTHONG_TOKEN_RESIDENCE".into(),
            },
            max_per_second: None,
        };
        if std::env::var("LIENTHONG_TOKEN_RESIDENCE").is_err() {
            assert!(
                credential("residence", &bearer, &secrets, &at_start).is_err(),
                "an HMAC secret is never sent as a bearer token"
            );
        }
        let open = AgencyAccess {
            base_url: own.base_url,
            auth: Auth::None,
            max_per_second: None,
        };
        assert_eq!(
            credential("residence", &open, &secrets, &at_start).unwrap(),
            None
        );
    }
}
