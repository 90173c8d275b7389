//! `/health` and `/ready` on the worker's metrics listener, for an orchestrator's probes: alive
//! is the process answering; ready is Temporal answering and this worker polling its queue.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde_json::{Value, json};
use temporalio_client::{Client, tonic::Request};
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

/// How long a probe waits for Temporal before calling it unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the worker is polling: set when it starts, cleared when it begins to shut down, so a
/// draining worker is taken out of rotation while it finishes its tasks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Polling(Arc<AtomicBool>);

impl Polling {
    pub(crate) fn set(&self, polling: bool) {
        self.0.store(polling, Ordering::SeqCst);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Probe {
    client: Client,
    polling: Polling,
}

pub(crate) fn router(client: Client, polling: Polling) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/ready", get(ready))
        .with_state(Probe { client, polling })
}

async fn ready(State(probe): State<Probe>) -> (StatusCode, Json<Value>) {
    let temporal = temporal_answers(&probe.client).await;
    let polling = probe.polling.get();
    let checks = json!({
        "temporal": check(&temporal),
        "polling": if polling { json!({ "ok": true }) }
                   else { json!({ "ok": false, "error": "the worker is not polling (starting or shutting down)" }) },
    });
    let ok = temporal.is_ok() && polling;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = if ok { "ready" } else { "not_ready" };
    (status, Json(json!({ "status": word, "checks": checks })))
}

fn check(result: &Result<(), String>) -> Value {
    match result {
        Ok(()) => json!({ "ok": true }),
        Err(error) => json!({ "ok": false, "error": error }),
    }
}

/// Asks Temporal to describe the worker's namespace: it answers only when the frontend and its
/// persistence are up.
async fn temporal_answers(client: &Client) -> Result<(), String> {
    let mut service = client.connection().workflow_service();
    let request = Request::new(DescribeNamespaceRequest {
        namespace: client.options().namespace.clone(),
        ..Default::default()
    });
    match tokio::time::timeout(PROBE_TIMEOUT, service.describe_namespace(request)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) => Err(format!(
            "Temporal answered {:?}: {}",
            status.code(),
            status.message()
        )),
        Err(_) => Err(format!(
            "Temporal did not answer within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}
