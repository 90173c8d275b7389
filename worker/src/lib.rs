//! The lienthong worker: polls one task queue for case workflows and agency calls.

use std::{collections::BTreeMap, future::Future, time::Duration};

use lienthong_activities::{AgencyActivities, AgencyClient, AgencyClientOptions, NoopActivities};
use lienthong_workflows::{CaseWorkflow, CeilingWorkflow};
use temporalio_client::Client;
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

/// What a worker needs besides its Temporal client.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub task_queue: String,
    /// Base URL of each agency, by name.
    pub agencies: BTreeMap<String, String>,
    /// How long a case's next step may wait for this worker before another worker takes it.
    /// Short, so a crashed worker's cases move on quickly.
    pub sticky_timeout: Duration,
}

impl WorkerConfig {
    pub fn new(task_queue: impl Into<String>, agencies: BTreeMap<String, String>) -> Self {
        Self {
            task_queue: task_queue.into(),
            agencies,
            sticky_timeout: Duration::from_secs(3),
        }
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
    /// The workflow could not be registered or the worker could not be created.
    #[error("could not create the worker: {0}")]
    Create(String),
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
    let runtime = Runtime::from_current_tokio(Default::default())
        .map_err(|e| WorkerError::Runtime(e.to_string()))?;
    let agencies = AgencyClient::new(AgencyClientOptions::new(config.agencies.clone()))?;
    let options = WorkerOptions::new(config.task_queue.clone())
        .register_workflow::<CaseWorkflow>()
        .map_err(|e| WorkerError::Create(e.to_string()))?
        .register_activities(AgencyActivities::new(agencies))
        // The bench's bare-ceiling workflow and its no-op activity: tiny, so always hosted.
        .register_workflow::<CeilingWorkflow>()
        .map_err(|e| WorkerError::Create(e.to_string()))?
        .register_activities(NoopActivities)
        .sticky_queue_schedule_to_start_timeout(config.sticky_timeout)
        .build();
    let mut worker =
        Worker::new(&runtime, client, options).map_err(|e| WorkerError::Create(e.to_string()))?;
    let stop = worker.shutdown_handle();
    tokio::spawn(async move {
        shutdown.await;
        stop();
    });
    tracing::info!(task_queue = %config.task_queue, agencies = config.agencies.len(), "worker polling");
    worker
        .run()
        .await
        .map_err(|e| WorkerError::Run(e.to_string()))
}
