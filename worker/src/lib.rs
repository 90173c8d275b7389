//! The lienthong worker: polls one task queue for case workflows, agency calls and citizens'
//! notices.

mod agency_credentials;
mod agency_pace;
pub mod batch_activities;
mod case_gauges;
mod case_observer;
mod health;
mod paced_backlog;
mod replay;

pub use agency_credentials::{AgencyCredentials, CredentialsError, agency_credentials};
pub use lienthong_activities::AgencyCredential;
pub use replay::{ReplayError, Replayed, replay};

use std::{collections::BTreeMap, future::Future, net::SocketAddr, time::Duration};

use lienthong_activities::{
    AgencyActivities, AgencyClient, AgencyClientOptions, NoopActivities, NotifyActivities,
    NotifySettings, notify::NotifySetupError,
};
use lienthong_telemetry::{Metrics, metrics_router};
use lienthong_workflows::{BatchWorkflow, CaseWorkflow, CeilingWorkflow};
use temporalio_client::Client;
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk::{Runtime, Worker, WorkerOptions, runtime::RuntimeOptions};

/// What a worker needs besides its Temporal client.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub task_queue: String,
    /// Base URL of each agency, by name.
    pub agencies: BTreeMap<String, String>,
    /// The engine's credential for each agency, by name ([`agency_credentials`]); an agency
    /// without one is called unsigned. Empty from [`WorkerConfig::new`]: a production worker
    /// loads them with `dev_defaults` off, a development stack with it on. Never printed.
    pub agency_credentials: AgencyCredentials,
    /// A folder of secret files, one per variable a catalogue entry names, read at each call
    /// (`--agency-secrets-dir`): an agency that joins is signed without a worker restart.
    pub agency_secrets_dir: Option<std::path::PathBuf>,
    /// How long a case's next step may wait for this worker before another worker takes it.
    /// Short, so a crashed worker's cases move on quickly.
    pub sticky_timeout: Duration,
    /// Cases kept in memory between their steps; beyond it the least recently used is evicted
    /// and replayed from history when it next moves. Bounds the worker's memory.
    pub max_cached_workflows: usize,
    /// Where the worker records its metrics (cases, steps, and the Temporal SDK's own). Pass the
    /// API's `Metrics` when both run in one process, so one `/metrics` shows everything.
    pub metrics: Metrics,
    /// Serve `GET /metrics` on this address.
    pub metrics_listen: Option<SocketAddr>,
    /// How often the open-case and needs-attention gauges are counted in Temporal visibility;
    /// `None` leaves them unset.
    pub case_gauges_every: Option<Duration>,
    /// How long a stopping worker lets its activities in flight run before it cancels them
    /// (they are then retried elsewhere under the same idempotency key); `None` waits for them.
    pub shutdown_grace: Option<Duration>,
    /// Also host the bench's bare-ceiling workflow and no-op activity (only the workers
    /// `lienthong bench` runs).
    pub hosts_bench_ceiling: bool,
    /// The channels citizens' notices go out on (webhook, e-mail, SMS gateway) and the public
    /// URL their links point to; none by default, when every notice is `NotConfigured`.
    pub notify: NotifySettings,
}

/// Well inside a container platform's usual 60 s between SIGTERM and SIGKILL, and longer than
/// any agency call's attempt timeout.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A cached case costs about 200 KB (its definition, calendar, application and the SDK's state
/// machines): at the SDK's default of 1000 the worker held 243 MB with 2000 cases open, at 100 it
/// held 89 MB and completed them as fast (`lienthong bench --open-cases`, ARCHITECTURE.md).
/// Open cases mostly wait days for an agency, so replaying one when it moves again is cheap.
pub const DEFAULT_MAX_CACHED_WORKFLOWS: usize = 256;

impl Default for WorkerConfig {
    fn default() -> Self {
        Self::new(lienthong_workflows::DEFAULT_TASK_QUEUE, BTreeMap::new())
    }
}

impl WorkerConfig {
    pub fn new(task_queue: impl Into<String>, agencies: BTreeMap<String, String>) -> Self {
        Self {
            task_queue: task_queue.into(),
            agencies,
            agency_credentials: AgencyCredentials::new(),
            agency_secrets_dir: None,
            sticky_timeout: Duration::from_secs(3),
            max_cached_workflows: DEFAULT_MAX_CACHED_WORKFLOWS,
            metrics: Metrics::new(),
            metrics_listen: None,
            case_gauges_every: Some(Duration::from_secs(15)),
            shutdown_grace: Some(DEFAULT_SHUTDOWN_GRACE),
            hosts_bench_ceiling: false,
            notify: NotifySettings::default(),
        }
    }

    pub fn with_agency_credentials(mut self, credentials: AgencyCredentials) -> Self {
        self.agency_credentials = credentials;
        self
    }
}

/// Why the worker could not start or stopped unexpectedly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The Temporal SDK runtime could not be created.
    #[error("could not start the Temporal runtime: {0}")]
    Runtime(String),
    /// The HTTP client for agencies could not be built.
    #[error("could not build the agency HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
    /// A notification channel's settings are wrong or incomplete (each error names the setting).
    #[error("notifications: {0}")]
    Notify(#[from] NotifySetupError),
    /// The workflow could not be registered or the worker could not be created.
    #[error("could not create the worker: {0}")]
    Create(String),
    /// The metrics address could not be listened on.
    #[error("could not serve metrics on {address}: {source}")]
    MetricsListen {
        address: SocketAddr,
        source: std::io::Error,
    },
    /// The worker stopped with an error.
    #[error("the worker stopped: {0}")]
    Run(String),
}

/// Runs a worker until `shutdown` resolves, then drains in-flight tasks and returns.
pub async fn run(
    client: Client,
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WorkerError> {
    let metrics = &config.metrics;
    let telemetry = TelemetryOptions::builder()
        .metrics(metrics.temporal_meter())
        .build();
    let runtime_options = RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .build()
        .map_err(WorkerError::Runtime)?;
    let runtime = Runtime::from_current_tokio(runtime_options)
        .map_err(|e| WorkerError::Runtime(e.to_string()))?;
    let agencies = AgencyClient::new(
        AgencyClientOptions::new(config.agencies.clone())
            .with_credentials(config.agency_credentials.clone())
            .with_secrets(lienthong_activities::SecretSource {
                dir: config.agency_secrets_dir.clone(),
            }),
    )?;
    // Checked before polling: a channel missing its secret stops the start, not every message.
    let notify = NotifyActivities::new(config.notify.clone())?;
    let channels: Vec<&str> = notify.channels().iter().map(|c| c.as_str()).collect();
    let (paces, wanted) = agency_pace::paces();
    // A paced agency's queue gets the agency activities only, polled at its declared rate; the
    // server spreads that rate over every worker polling the queue.
    let start_poller = |agency: &str, rate: f64| {
        let options = WorkerOptions::new(lienthong_workflows::agency_task_queue(agency))
            .register_activities(AgencyActivities::new(agencies.clone(), metrics.clone()))
            .max_task_queue_activities_per_second(rate)
            .maybe_graceful_shutdown_period(config.shutdown_grace)
            .build();
        Worker::new(&runtime, client.clone(), options)
            .map_err(|e| WorkerError::Create(e.to_string()))
    };
    let mut options = WorkerOptions::new(config.task_queue.clone())
        .register_workflow::<CaseWorkflow>()
        .map_err(|e| WorkerError::Create(e.to_string()))?
        .register_activities(AgencyActivities::new(agencies.clone(), metrics.clone()))
        .register_activities(notify);
    if config.hosts_bench_ceiling {
        options = options
            .register_workflow::<CeilingWorkflow>()
            .map_err(|e| WorkerError::Create(e.to_string()))?
            .register_activities(NoopActivities);
    }
    let options = options
        // Operator actions on many cases: listing through visibility and updates to each case.
        .register_workflow::<BatchWorkflow>()
        .map_err(|e| WorkerError::Create(e.to_string()))?
        .register_activities(batch_activities::BatchActivities::new(client.clone()))
        .workflow_interceptor(case_observer::case_observer(metrics.clone(), paces.clone()))
        .sticky_queue_schedule_to_start_timeout(config.sticky_timeout)
        .max_cached_workflows(config.max_cached_workflows)
        .maybe_graceful_shutdown_period(config.shutdown_grace)
        .build();
    let mut side_tasks = Vec::new();
    let polling = health::Polling::default();
    if let Some(address) = config.metrics_listen {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| WorkerError::MetricsListen { address, source })?;
        let url = listener
            .local_addr()
            .map(|a| format!("http://{a}/metrics"))
            .unwrap_or_default();
        tracing::info!(%url, "worker metrics, /health and /ready listening");
        let app =
            metrics_router(metrics.clone()).merge(health::router(client.clone(), polling.clone()));
        side_tasks.push(tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "metrics endpoint stopped");
            }
        }));
    }
    if let Some(every) = config.case_gauges_every {
        side_tasks.push(tokio::spawn(case_gauges::keep_refreshed(
            client.clone(),
            metrics.clone(),
            every,
        )));
    }
    // Calls already waiting in a paced agency's queue are polled without waiting for one of
    // their cases to run here.
    side_tasks.push(tokio::spawn(paced_backlog::learn_from_open_cases(
        client.clone(),
        paces,
    )));
    let mut worker = Worker::new(&runtime, client.clone(), options)
        .map_err(|e| WorkerError::Create(e.to_string()))?;
    let stop = worker.shutdown_handle();
    let draining = polling.clone();
    let (stopping, stop_pollers) = tokio::sync::watch::channel(false);
    let stopping = std::sync::Arc::new(stopping);
    let stop_paced = stopping.clone();
    tokio::spawn(async move {
        shutdown.await;
        // Not ready from here on; the SDK stops polling, lets tasks in flight (local attempts
        // included) finish, then `run` returns.
        draining.set(false);
        tracing::info!("stopping: finishing the tasks in flight");
        stop();
        stop_paced.send_replace(true);
    });
    polling.set(true);
    tracing::info!(
        task_queue = %config.task_queue,
        agencies = config.agencies.len(),
        signed = ?config.agency_credentials.keys().collect::<Vec<_>>(),
        notify = ?channels,
        "worker polling"
    );
    let (result, ()) = tokio::join!(
        async {
            let result = worker.run().await;
            // However the case queue's worker ended, the agencies' pollers end with it.
            stopping.send_replace(true);
            result.map_err(|e| WorkerError::Run(e.to_string()))
        },
        agency_pace::serve(wanted, stop_pollers, &start_poller),
    );
    polling.set(false);
    tracing::info!("worker stopped");
    // Metrics stay scrapeable while in-flight tasks drain, and stop with the worker.
    for task in side_tasks {
        task.abort();
    }
    result
}
