//! `lienthong`: run the whole embedded stack, or one role of it, or file an application.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use lienthong::{
    DEFAULT_TASK_QUEUE, FirstAttempt,
    connect::{cipher_from_env, connect_with, dev_cipher},
    roles,
    shutdown::Stop,
    submit::submit_and_follow,
    temporal_dev::{DevServer, DevServerOptions},
};

#[derive(Parser, Debug)]
#[command(
    name = "lienthong",
    version,
    about = "Linked public-service procedures, run as durable workflows"
)]
struct Cli {
    /// Export traces over OTLP/HTTP to this base URL (e.g. http://127.0.0.1:4318); off when unset.
    #[arg(long, global = true, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    otlp_endpoint: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start everything on this machine: Temporal dev server, agency simulators, worker and API.
    Dev(DevArgs),
    /// Run a worker against the Temporal given by TEMPORAL_ADDRESS / temporal.toml.
    Worker(WorkerArgs),
    /// Run the HTTP API against the Temporal given by TEMPORAL_ADDRESS / temporal.toml.
    Api(Box<ApiArgs>),
    /// Run the agency simulators, each with its own register.
    AgencySim(AgencySimArgs),
    /// Submit an application file and follow the case until it ends.
    Submit(SubmitArgs),
    /// Check, draw, store, publish, retire and list procedure definitions.
    Definitions(lienthong::definitions_cli::DefinitionsArgs),
    /// Measure cases per second and latency on an embedded stack, against Temporal's bare ceiling.
    Bench(lienthong::bench::BenchArgs),
    /// Check that this build replays recorded case histories exactly (before deploying it).
    Replay(lienthong::replay_cli::ReplayArgs),
}

#[derive(clap::Args, Debug)]
struct DevArgs {
    /// Where Temporal's history and the agencies' registers are kept.
    #[arg(long, default_value = ".lienthong", env = "LIENTHONG_DATA_DIR")]
    data_dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8780")]
    listen: SocketAddr,
    #[arg(long, default_value_t = 7233)]
    temporal_port: u16,
    #[arg(long, default_value_t = 8233)]
    temporal_ui_port: u16,
    /// The `temporal` CLI to run.
    #[arg(long, default_value = "temporal", env = "LIENTHONG_TEMPORAL_BIN")]
    temporal_bin: PathBuf,
    /// Once everything is up, submit this application and follow it.
    #[arg(long)]
    submit: Option<PathBuf>,
    /// Faults to inject into the agency simulators from the start (see `agency-sim --faults`).
    #[arg(long)]
    faults: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct WorkerArgs {
    /// host:port of Temporal; overrides TEMPORAL_ADDRESS.
    #[arg(long)]
    temporal_address: Option<String>,
    #[arg(long, default_value = DEFAULT_TASK_QUEUE, env = "LIENTHONG_TASK_QUEUE")]
    task_queue: String,
    /// agency=url, repeatable (or comma-separated in LIENTHONG_AGENCIES).
    #[arg(long = "agency", env = "LIENTHONG_AGENCIES", value_delimiter = ',')]
    agencies: Vec<String>,
    /// A JSON object {"agency": "url"}, as `agency-sim --ready-file` writes it.
    #[arg(long)]
    agencies_file: Option<PathBuf>,
    /// Serve Prometheus metrics (cases, steps, the Temporal SDK's own) on this address.
    #[arg(long, env = "LIENTHONG_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// For agencies whose LIENTHONG_SECRET_<AGENCY> is unset, use the simulators' development
    /// secret dev-secret-<agency>. Never in production: without it a missing secret stops the
    /// worker.
    #[arg(long)]
    dev_agency_secrets: bool,
    /// Cases kept in memory between steps (least recently used evicted, replayed when needed).
    #[arg(long, env = "LIENTHONG_MAX_CACHED_WORKFLOWS", default_value_t = lienthong_worker::DEFAULT_MAX_CACHED_WORKFLOWS, value_parser = at_least_one)]
    max_cached_workflows: usize,
}

#[derive(clap::Args, Debug)]
struct ApiArgs {
    #[arg(long)]
    temporal_address: Option<String>,
    #[arg(long, default_value = DEFAULT_TASK_QUEUE, env = "LIENTHONG_TASK_QUEUE")]
    task_queue: String,
    #[arg(long, default_value = "127.0.0.1:8780", env = "LIENTHONG_LISTEN")]
    listen: SocketAddr,
    /// Write {"api": "http://..."} here once listening.
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// agency=secret for verifying agencies' signed callbacks, repeatable (or comma-separated
    /// in LIENTHONG_CALLBACK_SECRETS).
    #[arg(
        long = "callback-secret",
        env = "LIENTHONG_CALLBACK_SECRETS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    callback_secrets: Vec<String>,
    /// Accept the development secrets (dev-secret-<agency>) the simulators sign with.
    #[arg(long)]
    dev_callback_secrets: bool,
    /// A folder of extra procedure definitions (*.yaml) to publish at start besides the shipped
    /// ones (versions already in the engine database are left as they are).
    #[arg(long, env = "LIENTHONG_PROCEDURES")]
    procedures: Option<PathBuf>,
    /// The engine database: `sqlite://path/engine.db` (created if missing) or `postgres://...`.
    #[arg(
        long,
        default_value = "sqlite://.lienthong/engine.db",
        env = "LIENTHONG_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: String,
    /// agency=url overriding the catalogue's addresses for dry runs, repeatable.
    #[arg(long = "agency", value_delimiter = ',')]
    agencies: Vec<String>,
    /// A JSON object {"agency": "url"}, as `agency-sim --ready-file` writes it.
    #[arg(long)]
    agencies_file: Option<PathBuf>,
    /// The OpenID Connect issuer whose tokens callers present (its keys are read from its
    /// discovery document).
    #[arg(long, env = "LIENTHONG_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The audience tokens of the OIDC issuer must name.
    #[arg(long, env = "LIENTHONG_OIDC_AUDIENCE")]
    oidc_audience: Option<String>,
    /// The installation's own HS256 token key (base64, at least 32 bytes) instead of an issuer.
    #[arg(long, env = "LIENTHONG_TOKEN_KEY", hide_env_values = true)]
    token_key: Option<String>,
    /// A file holding the token key (as `lienthong dev` writes `<data-dir>/token-key`).
    #[arg(long, env = "LIENTHONG_TOKEN_KEY_FILE")]
    token_key_file: Option<PathBuf>,
    /// Where an application that names no office is filed (`01-HK`: province 01, office HK).
    #[arg(long, env = "LIENTHONG_DEFAULT_OFFICE", default_value = "01-HK")]
    default_office: String,
    /// Seconds a step may wait on an agency's answer before its case shows as needing attention
    /// (`retrying`); 600 when unset.
    #[arg(long, env = "LIENTHONG_ATTENTION_AFTER_SECS")]
    attention_after_secs: Option<u64>,
    /// Where new cases run an agency call's first attempt: `local` (in the worker running the
    /// case, for steps whose attempt timeout is at most 10 s; retries go to the task queue) or
    /// `queued` (every attempt on the task queue).
    #[arg(long, env = "LIENTHONG_FIRST_ATTEMPT", value_enum, default_value_t = FirstAttempt::Local)]
    first_attempt: FirstAttempt,
    /// Applications one account may submit per minute (0: no limit).
    #[arg(long, env = "LIENTHONG_SUBMISSIONS_PER_MINUTE", default_value_t = 60)]
    submissions_per_minute: u32,
    /// Seconds a withdrawal or an operator's action waits for its case to take it before the
    /// API answers `503 CASE_DID_NOT_ANSWER` (as when no worker is running).
    #[arg(long, env = "LIENTHONG_UPDATE_DEADLINE_SECS", default_value_t = lienthong_api::DEFAULT_UPDATE_DEADLINE.as_secs() as usize, value_parser = at_least_one)]
    update_deadline_secs: usize,
}

#[derive(clap::Args, Debug)]
struct AgencySimArgs {
    #[arg(long, default_value = ".lienthong/agencies")]
    data_dir: PathBuf,
    /// Listen on free ports instead of 8701-8705.
    #[arg(long)]
    any_port: bool,
    /// Write {"agency": "url"} here once listening.
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// The lienthong API that decisions taken later are sent back to.
    #[arg(long, env = "LIENTHONG_CALLBACK_URL")]
    callback_url: Option<String>,
    /// Faults to inject from the start: {"residence": [{"operation": "*", "mode": "error", ...}]}.
    #[arg(long)]
    faults: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct SubmitArgs {
    file: PathBuf,
    #[arg(long, default_value = "http://127.0.0.1:8780", env = "LIENTHONG_API")]
    api: String,
    /// Idempotency key for the submission; defaults to a hash of the file.
    #[arg(long)]
    request_id: Option<String>,
}

/// A count that must be at least 1 (the worker's sticky queue needs a cache; an update deadline
/// of 0 would refuse every update).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a whole number of at least 1")),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let service = match &cli.command {
        Command::Worker(_) => "lienthong-worker",
        Command::Api(_) => "lienthong-api",
        Command::AgencySim(_) => "lienthong-agencies",
        _ => "lienthong",
    };
    let mut config =
        lienthong_telemetry::TelemetryConfig::new(service).with_otlp_endpoint(cli.otlp_endpoint);
    if matches!(cli.command, Command::Bench(_)) {
        // A log line per act would be measured with the load.
        config = config.with_default_log("warn");
    }
    let telemetry = lienthong_telemetry::init(config)?;
    let result = run(cli.command).await;
    // Sends the spans still buffered before the process ends.
    telemetry.shutdown();
    result
}

async fn run(command: Command) -> Result<()> {
    let metrics = lienthong_telemetry::Metrics::new();
    match command {
        Command::Dev(args) => dev(args, metrics).await,
        Command::Worker(args) => {
            let agencies = roles::agency_urls(&args.agencies, args.agencies_file.as_deref())?;
            let agency_credentials = roles::agency_credentials(args.dev_agency_secrets)?;
            let cipher = cipher_from_env()?;
            let client = connect_with(
                args.temporal_address.as_deref(),
                Some(&metrics),
                Some(&cipher),
            )
            .await?;
            roles::run_worker(
                client,
                roles::WorkerOptions {
                    task_queue: args.task_queue,
                    agencies,
                    agency_credentials,
                    metrics,
                    metrics_listen: args.metrics_listen,
                    max_cached_workflows: args.max_cached_workflows,
                },
                Stop::on_signals(),
            )
            .await
        }
        Command::Api(args) => {
            let cipher = cipher_from_env()?;
            let client = connect_with(
                args.temporal_address.as_deref(),
                Some(&metrics),
                Some(&cipher),
            )
            .await?;
            let listener = roles::bind_api(args.listen).await?;
            let url = format!("http://{}", listener.local_addr()?);
            if let Some(file) = &args.ready_file {
                roles::write_ready_file(file, &serde_json::json!({ "api": url }))?;
            }
            tracing::info!(%url, "API listening");
            let mut secrets = roles::parse_agencies(&args.callback_secrets)?;
            if args.dev_callback_secrets {
                for (agency, secret) in roles::dev_callback_secrets() {
                    secrets.entry(agency).or_insert(secret);
                }
            }
            roles::serve_api(
                listener,
                client,
                roles::ApiOptions {
                    task_queue: args.task_queue,
                    callback_secrets: secrets,
                    procedures: args.procedures,
                    database_url: args.database_url,
                    agencies: roles::agency_urls(&args.agencies, args.agencies_file.as_deref())?,
                    // Only dry runs use them: an API without agency secrets still serves, and
                    // its dry runs are refused by the agencies that need them.
                    agency_credentials: roles::agency_credentials(args.dev_callback_secrets)
                        .unwrap_or_else(|error| {
                            tracing::warn!(%error, "dry runs will call agencies unsigned");
                            std::collections::BTreeMap::new()
                        }),
                    metrics,
                    verifier: roles::verifier(
                        args.token_key.as_deref(),
                        args.token_key_file.as_deref(),
                        args.oidc_issuer.as_deref(),
                        args.oidc_audience.clone(),
                    )?,
                    default_office: args.default_office.clone(),
                    attention_after_secs: args.attention_after_secs,
                    first_attempt: args.first_attempt.into(),
                    submissions_per_minute: Some(args.submissions_per_minute).filter(|n| *n > 0),
                    payload_cipher: cipher.clone(),
                    update_deadline: Duration::from_secs(args.update_deadline_secs as u64),
                },
                Stop::on_signals(),
            )
            .await
        }
        Command::AgencySim(args) => {
            let sims =
                roles::start_agencies(args.data_dir, args.any_port, args.callback_url).await?;
            if let Some(file) = &args.faults {
                roles::apply_fault_file(file, &sims.urls()).await?;
            }
            if let Some(file) = &args.ready_file {
                roles::write_ready_file(file, &serde_json::to_value(sims.urls())?)?;
            }
            for (agency, url) in sims.urls() {
                tracing::info!(%agency, %url, "agency simulator listening");
            }
            Stop::on_signals().wait().await;
            sims.shutdown().await;
            Ok(())
        }
        Command::Submit(args) => submit_and_follow(&args.api, &args.file, args.request_id)
            .await
            .map(|_| ()),
        Command::Bench(args) => lienthong::bench::run(args).await,
        Command::Replay(args) => lienthong::replay_cli::run(args).await,
        Command::Definitions(args) => lienthong::definitions_cli::run(args).await,
    }
}

async fn dev(args: DevArgs, metrics: lienthong_telemetry::Metrics) -> Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let mut options = DevServerOptions::new(
        args.data_dir.join("temporal.db"),
        args.temporal_port,
        Some(args.temporal_ui_port),
    );
    options.binary = args.temporal_bin.clone();
    let server = DevServer::start(options).await?;
    let stop = Stop::on_signals();
    let result = run_dev_stack(&args, &server, stop, metrics).await;
    server.stop().await;
    result
}

async fn run_dev_stack(
    args: &DevArgs,
    server: &DevServer,
    stop: Stop,
    metrics: lienthong_telemetry::Metrics,
) -> Result<()> {
    let (data_dir, submit) = (&args.data_dir, args.submit.clone());
    let address = server.address().to_string();
    let cipher = dev_cipher(data_dir)?;
    let token_key = lienthong_identity::DevKey::load_or_create(data_dir)?;
    let client = connect_with(Some(&address), Some(&metrics), Some(&cipher)).await?;
    let listener = roles::bind_api(args.listen).await?;
    let api_url = format!("http://{}", listener.local_addr()?);
    let sims =
        roles::start_agencies(data_dir.join("agencies"), false, Some(api_url.clone())).await?;
    if let Some(file) = &args.faults {
        roles::apply_fault_file(file, &sims.urls()).await?;
    }

    println!("lienthong is running. Ctrl-C stops everything.");
    println!("  API               {api_url}   (POST /v1/applications, GET /v1/cases/{{code}})");
    println!("  Temporal          {address}");
    if let Some(ui) = server.ui_url() {
        println!("  Temporal UI       {ui}");
    }
    for (agency, url) in sims.urls() {
        println!("  agency {agency:<17} {url}");
    }
    println!("  data              {}", data_dir.display());

    println!("  metrics           {api_url}/metrics");
    println!("  console           {api_url}/console");
    println!();
    println!(
        "Tokens for trying each role (valid 30 days; send as `Authorization: Bearer <token>`):"
    );
    for token in token_key.dev_tokens(Duration::from_secs(30 * 24 * 3600))? {
        println!("  {:<13} {}", token.label, token.token);
    }

    let worker = roles::run_worker(
        client.clone(),
        roles::WorkerOptions {
            task_queue: DEFAULT_TASK_QUEUE.into(),
            agencies: sims.urls(),
            agency_credentials: roles::agency_credentials(true)?,
            metrics: metrics.clone(),
            metrics_listen: None,
            max_cached_workflows: lienthong_worker::DEFAULT_MAX_CACHED_WORKFLOWS,
        },
        stop.clone(),
    );
    let api = roles::serve_api(
        listener,
        client,
        roles::ApiOptions {
            task_queue: DEFAULT_TASK_QUEUE.into(),
            callback_secrets: roles::dev_callback_secrets(),
            procedures: None,
            database_url: lienthong_store::Store::sqlite_url(data_dir),
            agencies: sims.urls(),
            agency_credentials: roles::agency_credentials(true)?,
            metrics: metrics.clone(),
            verifier: Arc::new(token_key.verifier()?),
            default_office: "01-HK".into(),
            attention_after_secs: None,
            first_attempt: FirstAttempt::default().into(),
            submissions_per_minute: Some(60),
            payload_cipher: cipher.clone(),
            update_deadline: lienthong_api::DEFAULT_UPDATE_DEADLINE,
        },
        stop.clone(),
    );
    let demo = async {
        if let Some(file) = submit {
            if let Err(e) = submit_and_follow(&api_url, &file, None).await {
                eprintln!("{e:#}");
            }
            println!("The stack keeps running: try the API above, or Ctrl-C to stop.");
        }
        Ok::<(), anyhow::Error>(())
    };
    let (worker, api, _) = tokio::join!(worker, api, demo);
    sims.shutdown().await;
    worker.and(api)
}
