//! Operator actions on many cases run as batch workflows: the API starts one and answers at once
//! with its id; `GET /v1/ops/batches/{id}` shows its progress and each case's outcome, page by
//! page; `GET /v1/ops/batches` lists recent ones. A batch survives API and worker restarts.

use axum::{Json, extract::State, http::StatusCode};
use futures::StreamExt;
use lienthong_identity::Role;
use lienthong_workflows::{
    BatchWorkflow, CaseWorkflow,
    batch::{BatchAction, BatchInput, BatchReport, ReportPage},
    search_attributes as sa,
};
use serde::Deserialize;
use serde_json::{Value, json};
use temporalio_client::{
    WorkflowDescribeOptions, WorkflowExecutionStatus, WorkflowGetResultOptions,
    WorkflowIdReusePolicy, WorkflowListOptions, WorkflowQueryOptions, WorkflowStartOptions,
};
use utoipa::{IntoParams, ToSchema};

use crate::params::{ApiPath, ApiQuery};
use crate::{ApiError, ApiState, auth::Caller};

/// How long a hold or release keeps looking for cases filed while it was recorded or lifted.
pub(crate) const SETTLE_SECS: u32 = 10;
/// Outcomes per page unless asked otherwise, and the most per page.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// Running case workflows.
pub(crate) fn running_cases() -> String {
    format!(
        "WorkflowType = '{}' AND ExecutionStatus = 'Running'",
        CaseWorkflow::name()
    )
}

/// Running cases that carry a hold of `agency` (or show a held step of it).
pub(crate) fn cases_holding(agency: &str) -> String {
    format!(
        "{} AND {} = 'held' AND {} = '{agency}'",
        running_cases(),
        sa::NEEDS_ATTENTION.name(),
        sa::ATTENTION_AGENCY.name()
    )
}

/// The codes of the cases `query` selects, at most `limit`.
pub(crate) async fn codes(
    state: &ApiState,
    query: &str,
    limit: usize,
) -> Result<Vec<String>, ApiError> {
    let options = WorkflowListOptions::builder().limit(limit).build();
    let mut stream = state.client.list_workflows(query.to_owned(), options);
    let mut codes = Vec::new();
    while let Some(item) = stream.next().await {
        codes.push(item.map_err(ApiError::engine_unavailable)?.id().to_owned());
    }
    Ok(codes)
}

/// What to start: the action, which cases, at what pace.
pub(crate) struct NewBatch {
    pub action: BatchAction,
    pub query: String,
    pub per_second: u32,
    pub cap: Option<u32>,
    pub settle_secs: u32,
    pub reason: String,
}

/// Starts a batch and returns its id.
pub(crate) async fn start(
    state: &ApiState,
    caller: &Caller,
    batch: NewBatch,
) -> Result<String, ApiError> {
    let target = batch
        .action
        .agency()
        .map(|a| format!("-{a}"))
        .unwrap_or_default();
    let id = format!(
        "batch-{}{target}-{:016x}",
        batch.action.name().replace('_', "-"),
        rand::random::<u64>()
    );
    let input = BatchInput {
        action: batch.action,
        query: batch.query,
        per_second: batch.per_second,
        cap: batch.cap,
        actor: caller.0.subject.clone(),
        role: caller.0.role_label(),
        reason: batch.reason,
        settle_secs: batch.settle_secs,
    };
    let options = WorkflowStartOptions::new(state.config.task_queue.clone(), id.clone())
        .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
        .build();
    state
        .client
        .start_workflow(BatchWorkflow::run, input, options)
        .await
        .map_err(ApiError::engine_unavailable)?;
    tracing::info!(batch = %id, actor = %caller.0.subject, "batch started");
    Ok(id)
}

/// Which outcomes to show.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BatchPage {
    /// The first outcome to show (default 0).
    #[serde(default)]
    pub offset: Option<u32>,
    /// How many outcomes (default 100, at most 1000).
    #[serde(default)]
    pub limit: Option<u32>,
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "BATCH_NOT_FOUND",
        "no batch has this id; GET /v1/ops/batches lists recent ones",
    )
}

/// A batch's progress and a page of its outcomes.
pub async fn report(
    state: &ApiState,
    caller: &Caller,
    id: &str,
    page: BatchPage,
) -> Result<BatchReport, ApiError> {
    caller.require(&[Role::Operator])?;
    if !id.starts_with("batch-") || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(not_found());
    }
    let page = ReportPage {
        offset: page.offset.unwrap_or(0),
        limit: page.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    };
    let handle = state
        .client
        .get_workflow_handle::<BatchWorkflow>(id.to_owned());
    let description = handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .map_err(|_| not_found())?;
    if description.status() == WorkflowExecutionStatus::Completed {
        // A finished batch's result is its whole report; no worker needs to replay it.
        if let Ok(mut report) = handle.get_result(WorkflowGetResultOptions::default()).await {
            let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
            let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
            report.outcomes = report
                .outcomes
                .into_iter()
                .skip(offset)
                .take(limit)
                .collect();
            report.offset = page.offset;
            return Ok(report);
        }
    }
    handle
        .query(BatchWorkflow::report, page, WorkflowQueryOptions::default())
        .await
        .map_err(ApiError::engine_unavailable)
}

/// A batch's progress and a page of its outcomes.
#[utoipa::path(get, path = "/v1/ops/batches/{id}", operation_id = "get_batch", tag = "operations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The batch id, as the action that started it answered."), BatchPage),
    responses(
        (status = 200, description = "What the batch does, how far it got, and a page of outcomes.", body = crate::openapi::BatchReportDoc),
        (status = 404, description = "`BATCH_NOT_FOUND`.", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<BatchPage>,
) -> Result<Json<BatchReport>, ApiError> {
    Ok(Json(report(&state, &caller, &id, page).await?))
}

/// The most recent batches, newest first.
pub async fn recent(state: &ApiState, caller: &Caller) -> Result<Value, ApiError> {
    caller.require(&[Role::Operator])?;
    let query = format!("WorkflowType = '{}'", BatchWorkflow::name());
    let options = WorkflowListOptions::builder().limit(50).build();
    let mut stream = state.client.list_workflows(query, options);
    let mut batches = Vec::new();
    while let Some(item) = stream.next().await {
        let item = item.map_err(ApiError::engine_unavailable)?;
        let running = item.status() == WorkflowExecutionStatus::Running;
        batches.push(json!({
            "batch": item.id(),
            "status": if running { "running" } else { "finished" },
            "started_at": item.start_time().map(|t| {
                time::OffsetDateTime::from(t)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            }),
        }));
    }
    Ok(json!({ "batches": batches }))
}

/// Recent batches: hold, release and bulk actions, newest first.
#[utoipa::path(get, path = "/v1/ops/batches", operation_id = "list_batches", tag = "operations",
    security(("bearer" = [])),
    responses((status = 200, description = "Recent batches with their status.", body = crate::openapi::BatchList)))]
pub(crate) async fn list(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(recent(&state, &caller).await?))
}
