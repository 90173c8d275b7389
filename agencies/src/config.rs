//! Which simulators to start, where, and with which data directory.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::str::FromStr;

/// One of the simulated agency systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Agency {
    /// National Population Database: personal identification numbers.
    Population,
    /// Civil-status software of the Ministry of Justice: birth registration.
    CivilStatus,
    /// Police residence database: permanent residence registration.
    Residence,
    /// Vietnam Social Security (BHXH): health-insurance cards, funeral allowances, survivor
    /// benefits.
    SocialInsurance,
    /// Labour, invalids and social affairs office: burial support for social-protection
    /// beneficiaries and people with meritorious services.
    LabourOffice,
}

impl Agency {
    /// Every agency, in start order: population comes first because civil-status calls it.
    pub const ALL: [Agency; 5] = [
        Agency::Population,
        Agency::CivilStatus,
        Agency::Residence,
        Agency::SocialInsurance,
        Agency::LabourOffice,
    ];

    /// The stable name used in URLs maps, file names and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Agency::Population => "population",
            Agency::CivilStatus => "civil-status",
            Agency::Residence => "residence",
            Agency::SocialInsurance => "social-insurance",
            Agency::LabourOffice => "labour-office",
        }
    }

    /// The environment variable that holds the secret the engine signs its calls to this agency
    /// with (and the agency its callbacks), as the agency catalogue names it. `None` for
    /// population: its catalogue auth is `none`, so it accepts unsigned calls.
    pub const fn secret_env(self) -> Option<&'static str> {
        match self {
            Agency::Population => None,
            Agency::CivilStatus => Some("LIENTHONG_SECRET_CIVIL_STATUS"),
            Agency::Residence => Some("LIENTHONG_SECRET_RESIDENCE"),
            Agency::SocialInsurance => Some("LIENTHONG_SECRET_SOCIAL_INSURANCE"),
            Agency::LabourOffice => Some("LIENTHONG_SECRET_LABOUR_OFFICE"),
        }
    }

    /// The port used when [`SimConfig::ports`] has no entry for this agency.
    pub const fn default_port(self) -> u16 {
        match self {
            Agency::Population => 8701,
            Agency::CivilStatus => 8702,
            Agency::Residence => 8703,
            Agency::SocialInsurance => 8704,
            Agency::LabourOffice => 8705,
        }
    }
}

impl fmt::Display for Agency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given to [`Agency::from_str`] names no agency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown agency {0:?}: expected population, civil-status, residence, social-insurance or \
     labour-office"
)]
pub struct ParseAgencyError(pub String);

impl FromStr for Agency {
    type Err = ParseAgencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Agency::ALL
            .into_iter()
            .find(|agency| agency.as_str() == s)
            .ok_or_else(|| ParseAgencyError(s.to_owned()))
    }
}

/// How to start the simulators. `Debug` leaves the secrets out.
#[derive(Clone)]
pub struct SimConfig {
    /// One SQLite file per agency: `<data_dir>/<agency>.db`, created if missing.
    pub data_dir: PathBuf,
    /// Address every simulator listens on.
    pub bind: IpAddr,
    /// Port per agency; missing means [`Agency::default_port`], 0 means any free port.
    pub ports: BTreeMap<Agency, u16>,
    /// Agencies to start; `None` starts them all.
    pub only: Option<Vec<Agency>>,
    /// Where civil-status reaches population when population is not started here.
    pub population_url: Option<String>,
    /// Base URL of the engine's API, where decisions taken later are called back
    /// (`POST {callback_url}/v1/agencies/{agency}/callbacks`). `None` refuses `decide_later`
    /// faults until a URL is given at runtime with `POST /admin/callback`.
    pub callback_url: Option<String>,
    /// The secret each agency shares with the engine: it checks the engine's signed calls with
    /// it and signs its callbacks with it. Missing means [`SimConfig::secret`]'s development
    /// default. Never printed.
    pub secrets: BTreeMap<Agency, String>,
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("data_dir", &self.data_dir)
            .field("bind", &self.bind)
            .field("ports", &self.ports)
            .field("only", &self.only)
            .field("population_url", &self.population_url)
            .field("callback_url", &self.callback_url)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SimConfig {
    /// All the simulators on 127.0.0.1 at their default ports.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        SimConfig {
            data_dir: data_dir.into(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: BTreeMap::new(),
            only: None,
            population_url: None,
            callback_url: None,
            secrets: BTreeMap::new(),
        }
    }

    /// The secret `agency` checks calls and signs callbacks with: the configured one, or
    /// `dev-secret-<agency>` (e.g. `dev-secret-residence`) so a development engine and the
    /// simulators agree without any setup.
    pub fn secret(&self, agency: Agency) -> String {
        self.secrets
            .get(&agency)
            .cloned()
            .unwrap_or_else(|| format!("dev-secret-{agency}"))
    }

    /// Takes each agency's secret from the variable the catalogue names for it
    /// ([`Agency::secret_env`], e.g. `LIENTHONG_SECRET_RESIDENCE`) where `env` has a non-empty
    /// value; the others keep theirs. Pass `|name| std::env::var(name).ok()` for the process
    /// environment.
    pub fn with_secrets_from(mut self, env: impl Fn(&str) -> Option<String>) -> Self {
        for agency in Agency::ALL {
            let value = agency.secret_env().and_then(&env);
            if let Some(secret) = value.filter(|s| !s.is_empty()) {
                self.secrets.insert(agency, secret);
            }
        }
        self
    }

    /// Lets the system pick a free port for every agency (tests run in parallel).
    pub fn with_any_free_ports(mut self) -> Self {
        self.ports = Agency::ALL.into_iter().map(|a| (a, 0)).collect();
        self
    }

    pub(crate) fn port(&self, agency: Agency) -> u16 {
        self.ports
            .get(&agency)
            .copied()
            .unwrap_or(agency.default_port())
    }

    /// Selected agencies in start order, without duplicates.
    pub(crate) fn selected(&self) -> Vec<Agency> {
        Agency::ALL
            .into_iter()
            .filter(|a| self.only.as_ref().is_none_or(|only| only.contains(a)))
            .collect()
    }
}
