//! `GET /ready`: whether this API can do its work now, for a load balancer or an orchestrator.
//! `GET /health` says only that the process answers.
//!
//! Ready means all three: Temporal answers, the engine database answers, and at least one worker
//! has polled the task queue recently (this process's own, when it runs `--with-worker`). Each check is reported with what failed, so an operator
//! reading the body knows which dependency to look at.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};
use temporalio_client::tonic::Request;
use temporalio_common::protos::temporal::api::{
    enums::v1::{TaskQueueKind, TaskQueueType},
    taskqueue::v1::TaskQueue,
    workflowservice::v1::{DescribeNamespaceRequest, DescribeTaskQueueRequest},
};

use crate::ApiState;

/// How long each check waits before calling its dependency unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A worker's poll lasts up to a minute on the server; one not seen for longer than this is
/// taken for gone (so a killed worker stops counting within this time, not at once).
const POLLER_FRESH_SECS: i64 = 90;

/// Whether this API can serve now (no token needed).
///
/// Ready: Temporal, the engine database and a polling worker all answer.
#[utoipa::path(get, path = "/ready", operation_id = "ready", tag = "system",
    responses(
        (status = 200, description = "Ready: `{status: ready, checks: {temporal, database, workers}}`.", body = crate::openapi::Readiness),
        (status = 503, description = "Not ready: the body's `checks` say which dependency failed and why.", body = crate::openapi::Readiness),
    ))]
pub(crate) async fn ready(State(state): State<ApiState>) -> (StatusCode, Json<Value>) {
    let (temporal, database, workers) = tokio::join!(
        temporal_answers(&state),
        database_answers(&state),
        workers_polling(&state)
    );
    let ok = temporal.is_ok() && database.is_ok() && workers.is_ok();
    let body = json!({
        "status": if ok { "ready" } else { "not_ready" },
        "checks": {
            "temporal": check(temporal.map(|()| json!({}))),
            "database": check(database.map(|()| json!({}))),
            "workers": check(workers.map(|pollers| json!({ "pollers": pollers }))),
        },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

fn check(result: Result<Value, String>) -> Value {
    match result {
        Ok(mut detail) => {
            detail["ok"] = json!(true);
            detail
        }
        Err(error) => json!({ "ok": false, "error": error }),
    }
}

async fn timed<T, E: std::fmt::Display>(
    what: &str,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(PROBE_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{what}: {error}")),
        Err(_) => Err(format!(
            "{what} did not answer within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

async fn temporal_answers(state: &ApiState) -> Result<(), String> {
    let mut service = state.client.connection().workflow_service();
    let request = Request::new(DescribeNamespaceRequest {
        namespace: state.client.options().namespace.clone(),
        ..Default::default()
    });
    timed("Temporal", async {
        service
            .describe_namespace(request)
            .await
            .map_err(|status| format!("{:?} {}", status.code(), status.message()))
    })
    .await
    .map(|_| ())
}

async fn database_answers(state: &ApiState) -> Result<(), String> {
    timed("the engine database", state.store.ping()).await
}

/// How many workers polled the case task queue for workflow tasks within the freshness window.
async fn workers_polling(state: &ApiState) -> Result<usize, String> {
    let mut service = state.client.connection().workflow_service();
    let request = Request::new(DescribeTaskQueueRequest {
        namespace: state.client.options().namespace.clone(),
        task_queue: Some(TaskQueue {
            name: state.config.task_queue.clone(),
            kind: TaskQueueKind::Normal as i32,
            ..Default::default()
        }),
        task_queue_type: TaskQueueType::Workflow as i32,
        ..Default::default()
    });
    let answer = timed("Temporal (task queue)", async {
        service
            .describe_task_queue(request)
            .await
            .map_err(|status| format!("{:?} {}", status.code(), status.message()))
    })
    .await?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let fresh = answer
        .into_inner()
        .pollers
        .iter()
        .filter(|poller| {
            poller
                .last_access_time
                .as_ref()
                .is_some_and(|at| now - at.seconds <= POLLER_FRESH_SECS)
        })
        .count();
    if fresh == 0 {
        Err(format!(
            "no worker has polled task queue `{}` in the last {POLLER_FRESH_SECS} s; start \
             `lienthong worker` with the same --task-queue, or run this API --with-worker",
            state.config.task_queue
        ))
    } else {
        Ok(fresh)
    }
}
