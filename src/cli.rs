//! The `lienthong` command line: every role, flag and environment variable, in one place, so the
//! binary, `lienthong completions`, the settings table of `docs/operations.md` and the deploy
//! checks all read the same definitions.

use std::{collections::BTreeSet, net::SocketAddr, path::PathBuf};

use clap::{CommandFactory, Parser, Subcommand};
use lienthong_api::RatesPerMinute;

use crate::{DEFAULT_TASK_QUEUE, FirstAttempt};

#[derive(Parser, Debug)]
#[command(
    name = "lienthong",
    version,
    about = "Linked public-service procedures, run as durable workflows"
)]
pub struct Cli {
    /// Export traces over OTLP/HTTP to this base URL (e.g. http://127.0.0.1:4318); off when unset.
    #[arg(long, global = true, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start everything on this machine: Temporal dev server, agency simulators, worker and API.
    Dev(DevArgs),
    /// Run a worker against the Temporal given by TEMPORAL_ADDRESS / temporal.toml.
    Worker(WorkerArgs),
    /// Run the HTTP API against the Temporal given by TEMPORAL_ADDRESS / temporal.toml.
    Api(Box<ApiArgs>),
    /// Make sure the Temporal namespace has lienthong's search attributes (workers and APIs also
    /// do this at start); says what it added or which permission is missing.
    Setup(SetupArgs),
    /// Run the agency simulators, each with its own register.
    AgencySim(AgencySimArgs),
    /// Submit an application file and follow the case until it ends.
    Submit(SubmitArgs),
    /// Check, draw, store, publish, retire and list procedure definitions.
    Definitions(crate::definitions_cli::DefinitionsArgs),
    /// Measure cases per second and latency on an embedded stack, against Temporal's bare ceiling.
    Bench(crate::bench::BenchArgs),
    /// Check that this build replays recorded case histories exactly (before deploying it).
    Replay(crate::replay_cli::ReplayArgs),
    /// Print a token for one caller (e.g. a new agency's administrator), signed with the
    /// installation's own key: the development key of `lienthong dev`, or --token-key.
    Token(crate::token_cli::TokenArgs),
    /// Check an agency's TEST or sandbox system against the agency contract (it really acts).
    ///
    /// For an agency's IT team before joining: one line per check, each failure saying what to
    /// fix. Run it only against the agency's test or sandbox system: it really acts there.
    AgencyCheck(crate::agency_check::AgencyCheckArgs),
    /// Print a shell completion script (e.g. `lienthong completions bash > /etc/bash_completion.d/lienthong`).
    Completions(CompletionsArgs),
}

/// Where Temporal is and how long to wait for it at start; shared by every role that connects.
#[derive(clap::Args, Debug, Clone)]
pub struct TemporalArgs {
    /// host:port of Temporal; overrides TEMPORAL_ADDRESS (the namespace, TLS and API key come
    /// from TEMPORAL_NAMESPACE, TEMPORAL_TLS_*, TEMPORAL_API_KEY or temporal.toml).
    #[arg(long)]
    pub temporal_address: Option<String>,
    /// Seconds to keep trying to reach Temporal at start (with backoff, printing progress)
    /// before giving up; 0 tries once.
    #[arg(long, env = "LIENTHONG_TEMPORAL_WAIT_SECS", default_value_t = 120)]
    pub temporal_wait_secs: u64,
}

/// Where citizens reach this installation; shared by the worker (links in notices) and the API.
#[derive(clap::Args, Debug, Clone)]
pub struct PublicUrlArgs {
    /// The installation's public address (https://dichvucong.example.vn): notices link to the
    /// case's page, {public-url}/cases/{code}. Needed by workers as soon as one notification
    /// channel is set.
    #[arg(long, env = "LIENTHONG_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl PublicUrlArgs {
    /// The URL, a set but empty variable (as compose passes one it does not use) being unset.
    pub fn get(&self) -> Option<String> {
        non_empty(self.public_url.as_ref())
    }
}

/// Where a worker sends citizens' notices; every channel is optional. Secrets are read from
/// their variables (or files of that name in --agency-secrets-dir), never from a flag.
#[derive(clap::Args, Debug, Clone)]
pub struct NotifyArgs {
    /// Send citizens' notices as signed JSON POSTs to this URL (the portal's or app's back end;
    /// docs/notifications.md), signed with LIENTHONG_NOTIFY_WEBHOOK_SECRET.
    #[arg(long, env = "LIENTHONG_NOTIFY_WEBHOOK_URL")]
    pub notify_webhook_url: Option<String>,
    /// Send citizens' notices by e-mail through this SMTP server: smtp://host:port,
    /// smtp://host:587?tls=required (STARTTLS) or smtps://host:465; a user may be named
    /// (smtps://user@host), the password is read from LIENTHONG_NOTIFY_SMTP_PASSWORD.
    #[arg(long, env = "LIENTHONG_NOTIFY_SMTP_URL")]
    pub notify_smtp_url: Option<String>,
    /// The sender of those e-mails (`Dịch vụ công <no-reply@dichvucong.example.vn>`).
    #[arg(long, env = "LIENTHONG_NOTIFY_EMAIL_FROM")]
    pub notify_email_from: Option<String>,
    /// Send citizens' notices by SMS through this gateway: signed JSON POSTs {key, to, text},
    /// signed with LIENTHONG_NOTIFY_SMS_SECRET.
    #[arg(long, env = "LIENTHONG_NOTIFY_SMS_URL")]
    pub notify_sms_url: Option<String>,
}

impl NotifyArgs {
    /// The channels these flags set, their secrets read from `secrets_dir` when the environment
    /// has none; `public_url` is where links point. Checked when the worker starts.
    pub fn settings(
        &self,
        public_url: Option<String>,
        secrets_dir: Option<&std::path::Path>,
    ) -> lienthong_activities::NotifySettings {
        use lienthong_activities::notify::{
            ChannelSecret, EmailChannel, HttpChannel, SMS_SECRET_ENV, SMTP_PASSWORD_ENV,
            WEBHOOK_SECRET_ENV,
        };
        let secret = |variable| ChannelSecret::from_variable(variable, secrets_dir.map(Into::into));
        let http = |url: &Option<String>, variable| {
            non_empty(url.as_ref()).map(|url| HttpChannel {
                url,
                secret: secret(variable),
            })
        };
        lienthong_activities::NotifySettings {
            webhook: http(&self.notify_webhook_url, WEBHOOK_SECRET_ENV),
            sms: http(&self.notify_sms_url, SMS_SECRET_ENV),
            email: non_empty(self.notify_smtp_url.as_ref()).map(|smtp_url| EmailChannel {
                smtp_url,
                from: non_empty(self.notify_email_from.as_ref()).unwrap_or_default(),
                password: secret(SMTP_PASSWORD_ENV),
            }),
            public_url,
            ..lienthong_activities::NotifySettings::default()
        }
    }
}

/// `value`, unless it is missing or blank.
fn non_empty(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[derive(clap::Args, Debug)]
pub struct DevArgs {
    /// Where Temporal's history and the agencies' registers are kept.
    #[arg(long, default_value = ".lienthong", env = "LIENTHONG_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Where the API and the console listen.
    #[arg(long, default_value = "127.0.0.1:8780")]
    pub listen: SocketAddr,
    /// The Temporal dev server's gRPC port.
    #[arg(long, default_value_t = 7233)]
    pub temporal_port: u16,
    /// The Temporal Web UI's port.
    #[arg(long, default_value_t = 8233)]
    pub temporal_ui_port: u16,
    /// Run beside another stack: the API on this port, Temporal on the next, its Web UI on the
    /// one after, then the five agency simulators (overrides --listen and the Temporal ports).
    #[arg(long, conflicts_with = "any_port")]
    pub base_port: Option<u16>,
    /// Run beside another stack on ports the system chooses (printed at start).
    #[arg(long)]
    pub any_port: bool,
    /// The `temporal` CLI to run.
    #[arg(long, default_value = "temporal", env = "LIENTHONG_TEMPORAL_BIN")]
    pub temporal_bin: PathBuf,
    /// Once everything is up, submit this application as the printed citizen (or, when it names
    /// an `office`, as the printed operator) and follow it to its end.
    #[arg(long)]
    pub submit: Option<PathBuf>,
    /// Faults to inject into the agency simulators from the start (see `agency-sim --faults`).
    #[arg(long)]
    pub faults: Option<PathBuf>,
}

/// The task queue cases run on; shared by every role that starts or runs them.
#[derive(clap::Args, Debug, Clone)]
pub struct TaskQueueArgs {
    /// The task queue cases run on; every worker and API of a deployment names the same one.
    #[arg(long, default_value = DEFAULT_TASK_QUEUE, env = "LIENTHONG_TASK_QUEUE")]
    pub task_queue: String,
}

/// Where the agencies are and where their secrets are read; shared by workers (who call them)
/// and the API (which checks their health and their callbacks).
#[derive(clap::Args, Debug, Clone)]
pub struct AgencyArgs {
    /// agency=url, repeatable (or comma-separated in LIENTHONG_AGENCIES): where workers call the
    /// agency and the API checks its health, instead of the catalogue's address.
    #[arg(long = "agency", env = "LIENTHONG_AGENCIES", value_delimiter = ',')]
    pub agencies: Vec<String>,
    /// A JSON object {"agency": "url"}, as `agency-sim --ready-file` writes it.
    #[arg(long)]
    pub agencies_file: Option<PathBuf>,
    /// A folder with one file per agency secret, named by its variable
    /// (LIENTHONG_SECRET_<AGENCY>), read at each use (a worker signing a call, the API checking
    /// a callback from an agency --callback-secret does not name): an agency that joins needs
    /// no restart (a mounted secret volume). The environment is asked first.
    #[arg(long, env = "LIENTHONG_AGENCY_SECRETS_DIR")]
    pub agency_secrets_dir: Option<PathBuf>,
}

impl AgencyArgs {
    /// The agencies' addresses these flags give, the file's merged with the flags'.
    pub fn urls(&self) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
        crate::roles::agency_urls(&self.agencies, self.agencies_file.as_deref())
    }
}

/// How a worker runs, alone (`lienthong worker`) or in the API's process (`lienthong api
/// --with-worker`): one definition, so both take the same flags and variables.
#[derive(clap::Args, Debug, Clone)]
pub struct WorkerSettingsArgs {
    /// For agencies whose LIENTHONG_SECRET_<AGENCY> is unset, use the simulators' development
    /// secret dev-secret-<agency>. Never in production: without it a missing secret stops the
    /// worker.
    #[arg(long)]
    pub dev_agency_secrets: bool,
    /// Cases kept in memory between steps (least recently used evicted, replayed when needed).
    #[arg(long, env = "LIENTHONG_MAX_CACHED_WORKFLOWS", default_value_t = lienthong_worker::DEFAULT_MAX_CACHED_WORKFLOWS, value_parser = at_least_one)]
    pub max_cached_workflows: usize,
    /// Seconds a stopping worker (SIGTERM) lets agency calls in flight finish before cancelling
    /// them; a cancelled call is retried by another worker under the same idempotency key. Keep
    /// it below the platform's wait between SIGTERM and SIGKILL.
    #[arg(long, env = "LIENTHONG_SHUTDOWN_GRACE_SECS", default_value_t = lienthong_worker::DEFAULT_SHUTDOWN_GRACE.as_secs() as usize, value_parser = at_least_one)]
    pub shutdown_grace_secs: usize,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

impl WorkerSettingsArgs {
    /// The worker's settings: these flags with the queue, agencies and public address the role
    /// shares with the API. Agencies and their credentials are resolved here, so a missing
    /// secret stops the start before Temporal is waited for.
    pub fn config(
        &self,
        queue: &TaskQueueArgs,
        agencies: &AgencyArgs,
        public: &PublicUrlArgs,
        metrics: lienthong_telemetry::Metrics,
    ) -> anyhow::Result<lienthong_worker::WorkerConfig> {
        Ok(lienthong_worker::WorkerConfig {
            agency_credentials: crate::roles::agency_credentials(self.dev_agency_secrets)?,
            agency_secrets_dir: agencies.agency_secrets_dir.clone(),
            metrics,
            max_cached_workflows: self.max_cached_workflows,
            shutdown_grace: Some(std::time::Duration::from_secs(
                self.shutdown_grace_secs as u64,
            )),
            notify: self
                .notify
                .settings(public.get(), agencies.agency_secrets_dir.as_deref()),
            ..lienthong_worker::WorkerConfig::new(queue.task_queue.clone(), agencies.urls()?)
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub temporal: TemporalArgs,
    #[command(flatten)]
    pub queue: TaskQueueArgs,
    #[command(flatten)]
    pub agencies: AgencyArgs,
    /// Serve Prometheus metrics (cases, steps, the Temporal SDK's own) and `/health`, `/ready`
    /// on this address.
    #[arg(long, env = "LIENTHONG_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Also host the bench's bare-ceiling workflow and no-op activity; set by `lienthong bench`
    /// for the worker it starts, never needed in production.
    #[arg(long, hide = true)]
    pub hosts_bench_ceiling: bool,
    #[command(flatten)]
    pub worker: WorkerSettingsArgs,
    #[command(flatten)]
    pub public: PublicUrlArgs,
}

#[derive(clap::Args, Debug)]
pub struct ApiArgs {
    #[command(flatten)]
    pub temporal: TemporalArgs,
    #[command(flatten)]
    pub queue: TaskQueueArgs,
    /// Where the API and the console listen.
    #[arg(long, default_value = "127.0.0.1:8780", env = "LIENTHONG_LISTEN")]
    pub listen: SocketAddr,
    /// Write {"api": "http://..."} here once listening.
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
    /// agency=secret for verifying agencies' signed callbacks, repeatable (or comma-separated
    /// in LIENTHONG_CALLBACK_SECRETS).
    #[arg(
        long = "callback-secret",
        env = "LIENTHONG_CALLBACK_SECRETS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub callback_secrets: Vec<String>,
    /// Accept the development secrets (dev-secret-<agency>) the simulators sign with.
    #[arg(long)]
    pub dev_callback_secrets: bool,
    /// A folder of extra procedure definitions (*.yaml) to publish at start besides the shipped
    /// ones (versions already in the engine database are left as they are).
    #[arg(long, env = "LIENTHONG_PROCEDURES")]
    pub procedures: Option<PathBuf>,
    /// The engine database: `sqlite://path/engine.db` (created if missing) or `postgres://...`.
    /// Every API replica names the same one.
    #[arg(
        long,
        default_value = "sqlite://.lienthong/engine.db",
        env = "LIENTHONG_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: String,
    #[command(flatten)]
    pub agencies: AgencyArgs,
    /// The OpenID Connect issuer whose tokens callers present (its keys are read from its
    /// discovery document).
    #[arg(long, env = "LIENTHONG_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The audience tokens of the OIDC issuer must name in `aud` (lienthong's client id at the
    /// issuer); required with --oidc-issuer.
    #[arg(long, env = "LIENTHONG_OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,
    /// The client secret lienthong presents when it exchanges a sign-in code at the OIDC
    /// issuer (the console's and the citizen page's "sign in with your electronic identity"),
    /// for issuers that want confidential clients; PKCE alone without it.
    #[arg(long, env = "LIENTHONG_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The installation's own HS256 token key (base64, at least 32 bytes) instead of an issuer.
    #[arg(long, env = "LIENTHONG_TOKEN_KEY", hide_env_values = true)]
    pub token_key: Option<String>,
    /// A file holding the token key (as `lienthong dev` writes `<data-dir>/token-key`).
    #[arg(long, env = "LIENTHONG_TOKEN_KEY_FILE")]
    pub token_key_file: Option<PathBuf>,
    /// Where an application that names no office is filed (`01-HK`: province 01, office HK).
    #[arg(long, env = "LIENTHONG_DEFAULT_OFFICE", default_value = "01-HK")]
    pub default_office: String,
    /// Seconds a step may wait on an agency's answer before its case shows as needing attention
    /// (`retrying`); 600 when unset.
    #[arg(long, env = "LIENTHONG_ATTENTION_AFTER_SECS")]
    pub attention_after_secs: Option<u64>,
    /// Where new cases run an agency call's first attempt: `local` (in the worker running the
    /// case, for steps whose attempt timeout is at most 10 s; retries go to the task queue) or
    /// `queued` (every attempt on the task queue).
    #[arg(long, env = "LIENTHONG_FIRST_ATTEMPT", value_enum, default_value_t = FirstAttempt::Local)]
    pub first_attempt: FirstAttempt,
    /// Applications one account may submit per minute, per API replica (0: no limit).
    #[arg(long, env = "LIENTHONG_SUBMISSIONS_PER_MINUTE", default_value_t = RatesPerMinute::default().submissions)]
    pub submissions_per_minute: u32,
    /// Signed callbacks one agency may send per minute, per API replica (0: no limit).
    #[arg(long, env = "LIENTHONG_CALLBACKS_PER_MINUTE", default_value_t = RatesPerMinute::default().callbacks)]
    pub callbacks_per_minute: u32,
    /// Dry runs one account may make per minute, per API replica (0: no limit).
    #[arg(long, env = "LIENTHONG_DRY_RUNS_PER_MINUTE", default_value_t = RatesPerMinute::default().dry_runs)]
    pub dry_runs_per_minute: u32,
    /// Definition validations one account may ask for per minute, per API replica (0: no limit).
    #[arg(long, env = "LIENTHONG_VALIDATIONS_PER_MINUTE", default_value_t = RatesPerMinute::default().validations)]
    pub validations_per_minute: u32,
    /// Console sign-in attempts one client address may make per minute, per API replica (0: no
    /// limit). Behind a reverse proxy every browser comes from the proxy's address: limit per
    /// client there, or raise this.
    #[arg(long, env = "LIENTHONG_SIGN_INS_PER_MINUTE", default_value_t = RatesPerMinute::default().sign_ins)]
    pub sign_ins_per_minute: u32,
    /// Minutes a console session may go unused before it ends (it also ends at sign-out and
    /// when the token it was opened with expires, at most 12 hours after sign-in).
    #[arg(long, env = "LIENTHONG_CONSOLE_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub console_idle_minutes: u32,
    /// Seconds a withdrawal or an operator's action waits for its case to take it before the
    /// API answers `503 CASE_DID_NOT_ANSWER` (as when no worker is running).
    #[arg(long, env = "LIENTHONG_UPDATE_DEADLINE_SECS", default_value_t = lienthong_api::DEFAULT_UPDATE_DEADLINE.as_secs() as usize, value_parser = at_least_one)]
    pub update_deadline_secs: usize,
    /// The channels each new case's citizen is told on, comma-separated: webhook, email, sms
    /// (the workers hold their addresses and secrets); none when unset.
    #[arg(long, env = "LIENTHONG_NOTIFY_CHANNELS", value_delimiter = ',')]
    pub notify_channels: Vec<String>,
    #[command(flatten)]
    pub public: PublicUrlArgs,
    /// Also run a worker in this process, on the API's own Temporal client: a new case's first
    /// workflow task comes back with its start (eager start). The worker takes the flags of
    /// `lienthong worker` below; both stop on SIGTERM, and the process exits with an error if
    /// the worker does. For small installations run as one process per replica.
    // Boolish: a compose file's `1`, `yes` or `on` means what it says, not a parse error.
    #[arg(long, env = "LIENTHONG_WITH_WORKER", value_parser = clap::builder::BoolishValueParser::new())]
    pub with_worker: bool,
    #[command(flatten)]
    pub worker: WorkerSettingsArgs,
}

impl WorkerArgs {
    /// The worker's settings these flags set, its metrics recorded in `metrics`.
    pub fn config(
        &self,
        metrics: lienthong_telemetry::Metrics,
    ) -> anyhow::Result<lienthong_worker::WorkerConfig> {
        Ok(lienthong_worker::WorkerConfig {
            metrics_listen: self.metrics_listen,
            hosts_bench_ceiling: self.hosts_bench_ceiling,
            ..self
                .worker
                .config(&self.queue, &self.agencies, &self.public, metrics)?
        })
    }
}

impl ApiArgs {
    /// The API's settings these flags set (callback secrets aside: `main` adds the development
    /// ones when asked).
    // Every setting has a flag today; a setting added to `ApiConfig` keeps its default until
    // one is added here.
    #[allow(clippy::needless_update)]
    pub fn config(&self) -> anyhow::Result<lienthong_api::ApiConfig> {
        Ok(lienthong_api::ApiConfig {
            task_queue: self.queue.task_queue.clone(),
            database_url: self.database_url.clone(),
            procedures: self.procedures.clone(),
            agencies: self.agencies.urls()?,
            callback_secrets: crate::roles::parse_agencies(&self.callback_secrets)?,
            agency_secrets_dir: self.agencies.agency_secrets_dir.clone(),
            default_office: self.default_office.clone(),
            attention_after_secs: self.attention_after_secs,
            first_attempt: self.first_attempt.into(),
            rates: self.rates(),
            console_idle: std::time::Duration::from_secs(u64::from(self.console_idle_minutes) * 60),
            update_deadline: std::time::Duration::from_secs(self.update_deadline_secs as u64),
            oidc_login: self.oidc_login()?,
            notify_channels: notify_channels(&self.notify_channels)?,
            public_url: self.public.get(),
            ..lienthong_api::ApiConfig::default()
        })
    }

    /// People sign in to the console and the citizen page through the OIDC issuer callers'
    /// tokens come from, when there is one; its audience is lienthong's client id there.
    fn oidc_login(&self) -> anyhow::Result<Option<lienthong_api::oidc_login::OidcLogin>> {
        let issuer = self.oidc_issuer.as_deref().filter(|v| !v.trim().is_empty());
        let audience = self
            .oidc_audience
            .as_deref()
            .filter(|v| !v.trim().is_empty());
        let (Some(issuer), Some(client_id)) = (issuer, audience) else {
            return Ok(None);
        };
        let secret = self
            .oidc_client_secret
            .clone()
            .filter(|v| !v.trim().is_empty());
        Ok(Some(lienthong_api::oidc_login::OidcLogin::new(
            issuer, client_id, secret,
        )?))
    }

    /// The in-process worker's settings, when --with-worker asks for one.
    pub fn worker_config(
        &self,
        metrics: lienthong_telemetry::Metrics,
    ) -> anyhow::Result<Option<lienthong_worker::WorkerConfig>> {
        if !self.with_worker {
            return Ok(None);
        }
        self.worker
            .config(&self.queue, &self.agencies, &self.public, metrics)
            .map(Some)
    }

    /// The limits these flags set.
    pub fn rates(&self) -> RatesPerMinute {
        RatesPerMinute {
            submissions: self.submissions_per_minute,
            callbacks: self.callbacks_per_minute,
            dry_runs: self.dry_runs_per_minute,
            validations: self.validations_per_minute,
            sign_ins: self.sign_ins_per_minute,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    #[command(flatten)]
    pub temporal: TemporalArgs,
}

#[derive(clap::Args, Debug)]
pub struct AgencySimArgs {
    /// Where each simulator keeps its register (`<agency>.db`).
    #[arg(long, default_value = ".lienthong/agencies")]
    pub data_dir: PathBuf,
    /// Listen on free ports instead of 8701-8705.
    #[arg(long)]
    pub any_port: bool,
    /// Write {"agency": "url"} here once listening.
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
    /// The lienthong API that decisions taken later are sent back to.
    #[arg(long, env = "LIENTHONG_CALLBACK_URL")]
    pub callback_url: Option<String>,
    /// Faults to inject from the start: {"residence": [{"operation": "*", "mode": "error", ...}]}.
    #[arg(long)]
    pub faults: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct SubmitArgs {
    /// The application: `{"procedure", "application", "office"?}` as `POST /v1/applications`
    /// takes it (see examples/applications/).
    pub file: PathBuf,
    /// The lienthong API's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8780", env = "LIENTHONG_API")]
    pub api: String,
    /// The bearer token to file with: a citizen's (the application must name their personal ID)
    /// or an operator's (`lienthong dev` prints one for each role).
    #[arg(long, env = "LIENTHONG_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Idempotency key for the submission; defaults to a hash of the file.
    #[arg(long)]
    pub request_id: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    pub shell: clap_complete::Shell,
}

/// `webhook,email,sms` as channels, each once, in the order given; blanks skipped.
fn notify_channels(names: &[String]) -> anyhow::Result<Vec<lienthong_workflows::Channel>> {
    use lienthong_workflows::Channel;
    let mut channels = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let channel = match name.to_ascii_lowercase().as_str() {
            "webhook" => Channel::Webhook,
            "email" | "e-mail" => Channel::Email,
            "sms" => Channel::Sms,
            _ => anyhow::bail!(
                "--notify-channels: `{name}` is not a channel; name webhook, email or sms"
            ),
        };
        if !channels.contains(&channel) {
            channels.push(channel);
        }
    }
    Ok(channels)
}

/// A count that must be at least 1 (the worker's sticky queue needs a cache; an update deadline
/// of 0 would refuse every update).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a whole number of at least 1")),
    }
}

/// Variables a role reads itself rather than through a flag: the Temporal SDK's standard
/// connection settings, the payload keys, the agencies' secrets, the log settings.
const TEMPORAL_VARIABLES: &[&str] = &[
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_CERT_DATA",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_DATA",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
    "TEMPORAL_CONFIG_FILE",
    "TEMPORAL_PROFILE",
];
const PAYLOAD_VARIABLES: &[&str] = &["LIENTHONG_PAYLOAD_KEYS", "LIENTHONG_PAYLOAD_WRITE_KEY"];
const LOG_VARIABLES: &[&str] = &[
    lienthong_telemetry::LOG_ENV,
    lienthong_telemetry::LOG_FORMAT_ENV,
];
/// The console's CSRF and session key, shared by API replicas (or kept in the engine database).
pub const CONSOLE_KEY_ENV: &str = "LIENTHONG_CONSOLE_CSRF_KEY";

/// The variables each agency's secret is read from (`LIENTHONG_SECRET_<AGENCY>`).
fn agency_secret_variables() -> Vec<&'static str> {
    lienthong_agencies::Agency::ALL
        .iter()
        .filter_map(|agency| agency.secret_env())
        .collect()
}

/// Every environment variable `role` (`api`, `worker`, `setup`, `dev`, …) reads: those behind
/// its flags and the ones it reads directly.
pub fn variables_read(role: &str) -> BTreeSet<String> {
    let command = Cli::command();
    let mut names: BTreeSet<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .collect();
    if let Some(sub) = command.find_subcommand(role) {
        names.extend(
            sub.get_arguments()
                .filter_map(|arg| arg.get_env())
                .map(|env| env.to_string_lossy().into_owned()),
        );
    }
    names.extend(LOG_VARIABLES.iter().map(|s| (*s).to_owned()));
    if matches!(role, "api" | "worker" | "setup" | "replay") {
        names.extend(TEMPORAL_VARIABLES.iter().map(|s| (*s).to_owned()));
    }
    if matches!(role, "api" | "worker" | "replay") {
        names.extend(PAYLOAD_VARIABLES.iter().map(|s| (*s).to_owned()));
    }
    // An API alone calls no agency (its dry runs use the agencies' contracts) and holds no
    // secret; run --with-worker it reads every secret a worker reads.
    if matches!(role, "worker" | "api" | "agency-sim") {
        names.extend(agency_secret_variables().into_iter().map(str::to_owned));
    }
    // The notification channels' secrets, read like agencies' (environment, then the folder).
    if matches!(role, "worker" | "api") {
        names.extend(
            lienthong_activities::notify::SECRET_VARIABLES
                .iter()
                .map(|s| (*s).to_owned()),
        );
    }
    if role == "api" {
        names.insert(CONSOLE_KEY_ENV.to_owned());
    }
    names
}

/// Every environment variable any `lienthong` command reads: behind a flag of any subcommand, at
/// any depth, or read directly (the lists above).
pub fn every_variable() -> BTreeSet<String> {
    fn walk(command: &clap::Command, names: &mut BTreeSet<String>) {
        names.extend(
            command
                .get_arguments()
                .filter_map(|arg| arg.get_env())
                .map(|env| env.to_string_lossy().into_owned()),
        );
        for sub in command.get_subcommands() {
            walk(sub, names);
        }
    }
    let mut names = BTreeSet::new();
    walk(&Cli::command(), &mut names);
    for role in ["api", "worker", "agency-sim"] {
        names.extend(variables_read(role));
    }
    names
}

/// The roles an operations team runs, in the order `docs/operations.md` lists them.
const DEPLOYED_ROLES: &[&str] = &["api", "worker", "setup"];

/// The settings table of `docs/operations.md`: one row per flag of each deployed role, with its
/// variable, default and meaning, straight from the definitions above so it cannot drift.
pub fn settings_markdown() -> String {
    let command = Cli::command();
    let mut out = String::new();
    for role in DEPLOYED_ROLES {
        let Some(sub) = command.find_subcommand(role) else {
            continue;
        };
        out.push_str(&format!("#### `lienthong {role}`\n\n"));
        out.push_str("| flag | variable | default | what it sets |\n|---|---|---|---|\n");
        for arg in sub.get_arguments().chain(command.get_arguments()) {
            let Some(long) = arg.get_long() else { continue };
            // Hidden flags are the bench's own, never an operator's setting.
            if matches!(long, "help" | "version") || arg.is_hide_set() {
                continue;
            }
            let env = arg
                .get_env()
                .map(|e| format!("`{}`", e.to_string_lossy()))
                .unwrap_or_default();
            let default: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let default = if default.is_empty() {
                String::new()
            } else {
                format!("`{}`", default.join(","))
            };
            let help = arg
                .get_help()
                .map(|h| {
                    // `<agency>` would read as an HTML tag in a rendered table.
                    h.to_string()
                        .replace('\n', " ")
                        .replace('|', "\\|")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                })
                .unwrap_or_default();
            out.push_str(&format!("| `--{long}` | {env} | {default} | {help} |\n"));
        }
        let direct: Vec<String> = variables_read(role)
            .into_iter()
            .filter(|name| {
                !sub.get_arguments()
                    .chain(command.get_arguments())
                    .any(|arg| arg.get_env().is_some_and(|e| e == name.as_str()))
            })
            .map(|name| format!("`{name}`"))
            .collect();
        out.push_str(&format!(
            "\nAlso read from the environment: {}.\n\n",
            direct.join(", ")
        ));
    }
    out.trim_end().to_owned()
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "lienthong", out);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use lienthong_workflows::Channel;

    use super::*;

    fn worker(args: &[&str]) -> WorkerArgs {
        let cli = Cli::try_parse_from([&["lienthong", "worker"], args].concat()).unwrap();
        match cli.command {
            Command::Worker(args) => args,
            other => panic!("not a worker: {other:?}"),
        }
    }

    #[test]
    fn notify_channels_are_named_once_each_and_a_wrong_name_is_refused() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            notify_channels(&names(&["email", " webhook", "", "email", "SMS"])).unwrap(),
            vec![Channel::Email, Channel::Webhook, Channel::Sms]
        );
        let error = notify_channels(&names(&["fax"])).unwrap_err().to_string();
        assert!(error.contains("`fax` is not a channel"), "{error}");
    }

    #[test]
    fn a_worker_sends_on_the_channels_it_is_given_an_address_for() {
        let settings = worker(&[
            "--dev-agency-secrets",
            "--notify-webhook-url",
            "https://portal.example.vn/hooks",
            "--notify-smtp-url",
            " ",
            "--public-url",
            "https://dichvucong.example.vn",
        ])
        .config(Default::default())
        .unwrap()
        .notify;
        assert_eq!(settings.channels(), vec![Channel::Webhook]);
        assert_eq!(
            settings.webhook.map(|w| w.secret.variable),
            Some("LIENTHONG_NOTIFY_WEBHOOK_SECRET")
        );
        assert_eq!(
            settings.public_url.as_deref(),
            Some("https://dichvucong.example.vn")
        );
        assert!(
            worker(&["--dev-agency-secrets"])
                .config(Default::default())
                .unwrap()
                .notify
                .channels()
                .is_empty()
        );
    }

    fn api(args: &[&str]) -> ApiArgs {
        let cli = Cli::try_parse_from([&["lienthong", "api"], args].concat()).unwrap();
        match cli.command {
            Command::Api(args) => *args,
            other => panic!("not an API: {other:?}"),
        }
    }

    #[test]
    fn an_api_runs_a_worker_only_when_asked_with_the_flags_a_worker_takes() {
        Cli::command().debug_assert();
        let alone = api(&["--max-cached-workflows", "7"]);
        assert!(alone.worker_config(Default::default()).unwrap().is_none());
        let with = api(&[
            "--with-worker",
            "--dev-agency-secrets",
            "--task-queue",
            "q",
            "--agency",
            "residence=http://127.0.0.1:9",
            "--max-cached-workflows",
            "7",
            "--shutdown-grace-secs",
            "3",
            "--agency-secrets-dir",
            "/run/secrets",
        ]);
        let config = with.worker_config(Default::default()).unwrap().unwrap();
        assert_eq!(config.task_queue, "q");
        assert_eq!(config.max_cached_workflows, 7);
        assert_eq!(
            config.shutdown_grace,
            Some(std::time::Duration::from_secs(3))
        );
        assert_eq!(
            config.agencies.get("residence").map(String::as_str),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(
            config.agency_secrets_dir.as_deref(),
            Some(std::path::Path::new("/run/secrets"))
        );
        // The API and its worker read the same queue and agencies: one flag each.
        let api_config = with.config().unwrap();
        assert_eq!(api_config.task_queue, "q");
        assert_eq!(api_config.agencies, config.agencies);
        assert_eq!(api_config.agency_secrets_dir, config.agency_secrets_dir);
    }

    #[test]
    fn the_api_reads_what_its_worker_would() {
        let api = variables_read("api");
        let worker = variables_read("worker");
        let missing: Vec<&String> = worker
            .iter()
            .filter(|name| *name != "LIENTHONG_METRICS_LISTEN" && !api.contains(*name))
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
        assert!(api.contains("LIENTHONG_WITH_WORKER"));
    }
}
