//! An API's settings in one place: their defaults here, filled from the command line by
//! `lienthong api`, set by `lienthong dev` and the bench for their own stacks.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use lienthong_workflows::{Channel, FirstAttempt};

use crate::RatesPerMinute;

pub use lienthong_workflows::DEFAULT_TASK_QUEUE;

/// How long a console session lasts unused unless configured.
pub const DEFAULT_CONSOLE_IDLE: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Where new cases are queued for workers.
    pub task_queue: String,
    /// The engine database: `sqlite://…/engine.db` or `postgres://…`.
    pub database_url: String,
    /// Extra procedure definitions to publish at start (a folder of YAML files).
    pub procedures: Option<PathBuf>,
    /// Agency base URLs overriding the catalogue's (for the agencies' health checks).
    pub agencies: BTreeMap<String, String>,
    /// Each agency's callback secret, by agency id.
    pub callback_secrets: BTreeMap<String, String>,
    /// Where the callback secret of an agency not in `callback_secrets` is read, at each
    /// callback, as a file named by its variable (`LIENTHONG_SECRET_<AGENCY>`; the environment
    /// is asked first): an agency that joins calls back without a restart.
    pub agency_secrets_dir: Option<PathBuf>,
    /// Where an application is filed when it names no office (`01-HK`: province-office).
    pub default_office: String,
    /// How long a step may wait on an agency's answer before its case needs attention.
    pub attention_after_secs: Option<u64>,
    /// Where each new case runs its agency calls' first attempts.
    pub first_attempt: FirstAttempt,
    /// How often one caller may submit, call back, dry-run, validate or sign in.
    pub rates: RatesPerMinute,
    /// How long a console session lasts unused.
    pub console_idle: Duration,
    /// How long a withdrawal or an operator's action waits for its case to take it.
    pub update_deadline: Duration,
    /// The channels this installation tells citizens on (the workers hold their addresses and
    /// secrets); each new case gets a message per channel for every event that matters to its
    /// citizen. Empty: citizens are told nothing.
    pub notify_channels: Vec<Channel>,
    /// Where citizens reach this installation's page (`https://dichvucong.example.vn`), for
    /// links in what they are sent; `None` when the API is not reachable from outside.
    pub public_url: Option<String>,
    /// Signing in to the console and the citizen page through the installation's OpenID
    /// Connect issuer; `None`: a pasted token only.
    pub oidc_login: Option<crate::oidc_login::OidcLogin>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            task_queue: DEFAULT_TASK_QUEUE.to_owned(),
            database_url: "sqlite://.lienthong/engine.db".to_owned(),
            procedures: None,
            agencies: BTreeMap::new(),
            callback_secrets: BTreeMap::new(),
            agency_secrets_dir: None,
            default_office: "01-HK".to_owned(),
            attention_after_secs: None,
            // As `lienthong api` defaults: local first attempts (the workflows' own default is
            // the conservative `Queued`, for callers that name none).
            first_attempt: FirstAttempt::Local,
            rates: RatesPerMinute::default(),
            console_idle: DEFAULT_CONSOLE_IDLE,
            update_deadline: crate::DEFAULT_UPDATE_DEADLINE,
            notify_channels: Vec::new(),
            public_url: None,
            oidc_login: None,
        }
    }
}
