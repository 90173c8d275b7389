//! `lienthong`: run the whole embedded stack, or one role of it, or file an application.

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result};
use clap::Parser;
use lienthong::{
    DEFAULT_TASK_QUEUE,
    cli::{Cli, Command, DevArgs, TemporalArgs},
    connect::{cipher_from_env, connect_waiting, connect_with, dev_cipher},
    roles,
    shutdown::Stop,
    submit::{Submission, submit_and_follow},
    temporal_dev::{DevServer, DevServerOptions},
};
use temporalio_client::Client;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let service = match &cli.command {
        Command::Worker(_) => "lienthong-worker",
        Command::Api(_) => "lienthong-api",
        Command::AgencySim(_) => "lienthong-agencies",
        _ => "lienthong",
    };
    let format = match lienthong_telemetry::LogFormat::from_env() {
        Ok(format) => format,
        Err(error) => return fail(&error.into()),
    };
    let mut config = lienthong_telemetry::TelemetryConfig::new(service)
        .with_otlp_endpoint(cli.otlp_endpoint)
        .with_log_format(format);
    if matches!(cli.command, Command::Bench(_)) {
        // A log line per act would be measured with the load.
        config = config.with_default_log("warn");
    }
    let telemetry = match lienthong_telemetry::init(config) {
        Ok(telemetry) => telemetry,
        Err(error) => return fail(&error.into()),
    };
    let result = run(cli.command).await;
    // Sends the spans still buffered before the process ends.
    telemetry.shutdown();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// One line saying what went wrong and its causes, never a backtrace.
fn fail(error: &anyhow::Error) -> std::process::ExitCode {
    eprintln!("lienthong: {error:#}");
    std::process::ExitCode::FAILURE
}

/// Connects to Temporal (waiting for it as `temporal` says) and makes sure the namespace has
/// the engine's search attributes.
async fn connect_role(
    temporal: &TemporalArgs,
    metrics: &lienthong_telemetry::Metrics,
    cipher: &Arc<lienthong_codec::PayloadCipher>,
) -> Result<Client> {
    let client = connect_waiting(
        temporal.temporal_address.as_deref(),
        Some(metrics),
        Some(cipher),
        Duration::from_secs(temporal.temporal_wait_secs),
    )
    .await?;
    match lienthong::setup::ensure_search_attributes(&client).await {
        Ok(report) => tracing::info!(%report, "search attributes"),
        Err(error) if error.may_start_anyway() => tracing::warn!(
            %error,
            "starting without checking the search attributes; if one is missing, cases stall \
             with BadSearchAttributes"
        ),
        Err(error) => return Err(error.into()),
    }
    Ok(client)
}

async fn run(command: Command) -> Result<()> {
    let metrics = lienthong_telemetry::Metrics::new();
    match command {
        Command::Dev(args) => dev(args, metrics).await,
        Command::Worker(args) => {
            let config = args.config(metrics.clone())?;
            let cipher = cipher_from_env()?;
            let client = connect_role(&args.temporal, &metrics, &cipher).await?;
            roles::run_worker(client, config, Stop::on_signals()).await
        }
        Command::Api(args) => {
            let cipher = cipher_from_env()?;
            let verifier = roles::verifier(
                args.token_key.as_deref(),
                args.token_key_file.as_deref(),
                args.oidc_issuer.as_deref(),
                args.oidc_audience.clone(),
            )?;
            // Resolved before waiting for Temporal: a missing agency secret stops the start at once.
            let worker = args.worker_config(metrics.clone())?;
            let client = connect_role(&args.temporal, &metrics, &cipher).await?;
            let listener = roles::bind_api(args.listen).await?;
            let url = format!("http://{}", listener.local_addr()?);
            let mut config = args.config()?;
            if args.dev_callback_secrets {
                for (agency, secret) in roles::dev_callback_secrets() {
                    config.callback_secrets.entry(agency).or_insert(secret);
                }
            }
            let options = roles::ApiOptions {
                config,
                metrics,
                verifier,
                payload_cipher: cipher.clone(),
            };
            let ready_file = args.ready_file.clone();
            let on_serving = move || {
                if let Some(file) = &ready_file {
                    roles::write_ready_file(file, &serde_json::json!({ "api": url }))?;
                }
                tracing::info!(%url, "API listening");
                Ok(())
            };
            match worker {
                Some(worker) => {
                    roles::serve_api_with_worker(
                        listener,
                        client,
                        options,
                        worker,
                        Stop::on_signals(),
                        on_serving,
                    )
                    .await
                }
                None => {
                    roles::serve_api(listener, client, options, Stop::on_signals(), on_serving)
                        .await
                }
            }
        }
        Command::Setup(args) => {
            let client = connect_waiting(
                args.temporal.temporal_address.as_deref(),
                None,
                None,
                Duration::from_secs(args.temporal.temporal_wait_secs),
            )
            .await?;
            let report = lienthong::setup::ensure_search_attributes(&client).await?;
            println!("{report}");
            Ok(())
        }
        Command::AgencySim(args) => {
            let sims = roles::start_agencies(args.data_dir, None, args.any_port, args.callback_url)
                .await?;
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
        Command::Submit(args) => {
            let token = args.token.context(
                "no token to file with: pass --token or set LIENTHONG_TOKEN to a citizen's or an \
                 operator's token (`lienthong dev` prints one for each role)",
            )?;
            submit_and_follow(Submission {
                api: &args.api,
                file: &args.file,
                token: &token,
                request_id: args.request_id,
            })
            .await
            .map(|_| ())
        }
        Command::Bench(args) => lienthong::bench::run(args).await,
        Command::Replay(args) => lienthong::replay_cli::run(args).await,
        Command::Token(args) => lienthong::token_cli::run(&args),
        Command::AgencyCheck(args) => lienthong::agency_check::run(args).await,
        Command::Definitions(args) => lienthong::definitions_cli::run(args).await,
        Command::Completions(args) => {
            lienthong::cli::write_completions(args.shell, &mut std::io::stdout());
            Ok(())
        }
    }
}

/// The ports `lienthong dev` uses: the defaults, a block from `--base-port`, or free ones.
struct DevPorts {
    api: std::net::SocketAddr,
    temporal: u16,
    temporal_ui: u16,
    /// First of five consecutive simulator ports; `None`: the defaults 8701-8705.
    agencies: Option<u16>,
}

impl DevPorts {
    fn choose(args: &DevArgs) -> Result<Self> {
        let ip = args.listen.ip();
        if let Some(base) = args.base_port {
            base.checked_add(7)
                .context("--base-port leaves no room for the 8 ports after it")?;
            return Ok(Self {
                api: (ip, base).into(),
                temporal: base + 1,
                temporal_ui: base + 2,
                agencies: Some(base + 3),
            });
        }
        if args.any_port {
            return Ok(Self {
                api: (ip, 0).into(),
                temporal: roles::free_port()?,
                temporal_ui: roles::free_port()?,
                agencies: None,
            });
        }
        Ok(Self {
            api: args.listen,
            temporal: args.temporal_port,
            temporal_ui: args.temporal_ui_port,
            agencies: None,
        })
    }
}

/// The dev server on the chosen ports. It also binds ports next to its own, which another
/// process may take between choosing free ports and starting: with `--any-port` a start that
/// fails is tried again on other ports.
async fn start_temporal(args: &DevArgs) -> Result<(DevPorts, DevServer)> {
    let tries = if args.any_port { 3 } else { 1 };
    let mut attempt = 1;
    loop {
        let ports = DevPorts::choose(args)?;
        let mut options = DevServerOptions::new(
            args.data_dir.join("temporal.db"),
            ports.temporal,
            Some(ports.temporal_ui),
        );
        options.binary = args.temporal_bin.clone();
        match DevServer::start(options).await {
            Ok(server) => return Ok((ports, server)),
            Err(error) if attempt < tries => {
                tracing::warn!(%error, "Temporal did not start; trying other ports");
                attempt += 1;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

async fn dev(args: DevArgs, metrics: lienthong_telemetry::Metrics) -> Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let (ports, server) = start_temporal(&args).await?;
    let stop = Stop::on_signals();
    let result = run_dev_stack(&args, &ports, &server, stop, metrics).await;
    server.stop().await;
    result
}

async fn run_dev_stack(
    args: &DevArgs,
    ports: &DevPorts,
    server: &DevServer,
    stop: Stop,
    metrics: lienthong_telemetry::Metrics,
) -> Result<()> {
    let (data_dir, submit) = (&args.data_dir, args.submit.clone());
    let address = server.address().to_string();
    let cipher = dev_cipher(data_dir)?;
    let token_key = lienthong_identity::DevKey::load_or_create(data_dir)?;
    let client = connect_with(Some(&address), Some(&metrics), Some(&cipher)).await?;
    let listener = roles::bind_api(ports.api).await?;
    let api_url = format!("http://{}", listener.local_addr()?);
    let sims = roles::start_agencies(
        data_dir.join("agencies"),
        ports.agencies,
        args.any_port,
        Some(api_url.clone()),
    )
    .await?;
    if let Some(file) = &args.faults {
        roles::apply_fault_file(file, &sims.urls()).await?;
    }
    // The worker signs its calls with them; the API holds no agency secret.
    let agency_credentials = roles::agency_credentials(true)?;
    let agency_secrets_dir = data_dir.join("agency-secrets");
    std::fs::create_dir_all(&agency_secrets_dir)
        .with_context(|| format!("creating {}", agency_secrets_dir.display()))?;
    // What citizens are sent lands here instead of real mailboxes and a real portal.
    let outbox = roles::DevOutbox::start(data_dir).await?;

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
    println!(
        "  agency secrets    {}   (a new agency's secret: a file named by its variable)",
        agency_secrets_dir.display()
    );

    println!(
        "  mail catcher      {}   (e-mails to citizens: {}/*.eml)",
        outbox.mail.url(),
        outbox.mail.dir().display()
    );
    println!(
        "  webhook sink      {}   (webhooks and SMS, one JSON line each: {})",
        outbox.sink.url(),
        outbox.sink.file().display()
    );
    println!("  metrics           {api_url}/metrics");
    println!("  citizen page      {api_url}/   (sign in with the citizen token below)");
    println!("  console           {api_url}/console");
    println!();
    println!(
        "Tokens for trying each role (valid 30 days; send as `Authorization: Bearer <token>`):"
    );
    let tokens = token_key.dev_tokens(Duration::from_secs(30 * 24 * 3600))?;
    for token in &tokens {
        println!("  {:<13} {}", token.label, token.token);
    }

    let worker = lienthong_worker::WorkerConfig {
        agency_credentials,
        // A new agency's secret, tried locally, is a file here: no restart needed.
        agency_secrets_dir: Some(agency_secrets_dir.clone()),
        metrics: metrics.clone(),
        notify: outbox.worker_settings(&api_url),
        ..lienthong_worker::WorkerConfig::new(DEFAULT_TASK_QUEUE, sims.urls())
    };
    let (listening, api_up) = tokio::sync::oneshot::channel();
    // One client for both, so new cases start eagerly; a worker that fails stops the API too.
    let stack = roles::serve_api_with_worker(
        listener,
        client,
        roles::ApiOptions {
            config: lienthong_api::ApiConfig {
                callback_secrets: roles::dev_callback_secrets(),
                agency_secrets_dir: Some(agency_secrets_dir.clone()),
                database_url: lienthong_store::Store::sqlite_url(data_dir),
                agencies: sims.urls(),
                notify_channels: roles::DevOutbox::channels(),
                public_url: Some(api_url.clone()),
                ..lienthong_api::ApiConfig::default()
            },
            metrics: metrics.clone(),
            verifier: Arc::new(token_key.verifier()?),
            payload_cipher: cipher.clone(),
        },
        worker,
        stop.clone(),
        move || {
            let _ = listening.send(());
            Ok(())
        },
    );
    let demo = async {
        if let Some(file) = submit {
            // Filed once the API serves, as the person the application says files it.
            if api_up.await.is_ok()
                && let Err(e) = submit_demo(&api_url, &file, &tokens).await
            {
                eprintln!("lienthong: {e:#}");
            }
            println!("The stack keeps running: try the API above, or Ctrl-C to stop.");
        }
        Ok::<(), anyhow::Error>(())
    };
    let (result, _) = tokio::join!(stack, demo);
    sims.shutdown().await;
    result
}

/// Files `file` with the printed citizen's token, or the operator's when the application names
/// the office it was filed at, and follows the case to its end.
async fn submit_demo(
    api: &str,
    file: &std::path::Path,
    tokens: &[lienthong_identity::DevToken],
) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let at_office = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .is_some_and(|body| body.get("office").is_some());
    let label = if at_office { "operator" } else { "citizen" };
    let token = tokens
        .iter()
        .find(|token| token.label == label)
        .context("no development token for the filer")?;
    println!("Filing {} as the {label} printed above.", file.display());
    submit_and_follow(Submission {
        api,
        file,
        token: &token.token,
        request_id: None,
    })
    .await
    .map(|_| ())
}
