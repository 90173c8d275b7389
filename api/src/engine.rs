//! The case engine as the API reaches it: a case's state and handle through Temporal, and how
//! Temporal's errors become the API's.

use axum::http::StatusCode;
use lienthong_definitions::{CaseCode, case::CaseState};
use lienthong_workflows::CaseWorkflow;
use temporalio_client::{
    Client, WorkflowDescribeOptions, WorkflowExecutionStatus, WorkflowGetResultOptions,
    WorkflowHandle, WorkflowQueryOptions,
    errors::{WorkflowInteractionError, WorkflowQueryError},
};
use time::{OffsetDateTime, UtcOffset};

use crate::ApiState;
use crate::{ApiError, case_view};

/// Vietnam's civil time: the legal day of an application.
pub(crate) fn today() -> time::Date {
    let offset = UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::now_utc().to_offset(offset).date()
}

/// A case's current state: its result once completed, else what its workflow answers.
pub(crate) async fn case_state(state: &ApiState, code: &str) -> Result<CaseState, ApiError> {
    let code = code.to_owned();
    let handle = state.client.get_workflow_handle::<CaseWorkflow>(code);
    let description = handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .map_err(interaction_error)?;
    if description.status() == WorkflowExecutionStatus::Completed {
        // A finished case's result is its final state; no worker needs to replay it.
        if let Ok(state) = handle.get_result(WorkflowGetResultOptions::default()).await {
            return Ok(state);
        }
    }
    let mut case = handle
        .query(CaseWorkflow::state, (), WorkflowQueryOptions::default())
        .await
        .map_err(query_error)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CASE_STARTING",
                "the case is being started; ask again in a moment",
            )
        })?;
    case_view::merge_pending(&mut case, &description.raw().pending_activities);
    Ok(case)
}

pub(crate) fn interaction_error(e: WorkflowInteractionError) -> ApiError {
    match e {
        WorkflowInteractionError::NotFound(_) => ApiError::case_not_found(),
        other => ApiError::engine_unavailable(other),
    }
}

pub(crate) fn query_error(e: WorkflowQueryError) -> ApiError {
    match e {
        WorkflowQueryError::NotFound(_) => ApiError::case_not_found(),
        other => ApiError::engine_unavailable(other),
    }
}

/// The handle of a case that is still running: 404 for an unknown code, 409 for an ended case.
pub(crate) async fn running_case(
    state: &ApiState,
    code: &str,
) -> Result<WorkflowHandle<Client, CaseWorkflow>, ApiError> {
    if !CaseCode::is_well_formed(code) {
        return Err(ApiError::case_not_found());
    }
    let handle = state
        .client
        .get_workflow_handle::<CaseWorkflow>(code.to_owned());
    let description = handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .map_err(interaction_error)?;
    if description.status() != WorkflowExecutionStatus::Running {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "CASE_CLOSED",
            "the case has already ended",
        ));
    }
    Ok(handle)
}
