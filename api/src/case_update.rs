//! Sending a running case an update (a withdrawal, an operator's action) and turning what the
//! engine says into an answer with a stable code.

use std::{future::Future, time::Duration};

use axum::http::StatusCode;
use temporalio_client::errors::WorkflowUpdateError;

use crate::{ApiError, ApiState, engine::running_case};

/// How long the API waits for a case to take an update when none is configured. A case takes
/// it within a workflow task, or within 3 s while a local attempt runs; far longer means no
/// worker polls the case's task queue.
pub const DEFAULT_UPDATE_DEADLINE: Duration = Duration::from_secs(15);

/// The code of an update the case did not take in time; it may still take effect.
pub(crate) const UNANSWERED: &str = "CASE_DID_NOT_ANSWER";

/// Waits for the case's answer to an update, at most `state.config.update_deadline`.
///
/// Past the deadline the caller gets `503 CASE_DID_NOT_ANSWER` instead of a request held open for
/// as long as no worker runs. The server holds the update in memory and usually delivers it once
/// a worker is back, but it has not written it to history yet and may lose it (a server restart),
/// so the caller should read the case and send it again if it did not take effect. Both updates
/// the API sends are safe to send again: a second withdrawal answers `already_withdrawing`, an
/// action already done is refused with its reason.
pub(crate) async fn answered<T>(
    state: &ApiState,
    code: &str,
    update: impl Future<Output = Result<T, WorkflowUpdateError>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(state.config.update_deadline, update).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) => Err(update_failed(state, code, error).await),
        Err(_) => {
            let secs = state.config.update_deadline.as_secs();
            tracing::warn!(case = %code, deadline_s = secs, "case did not take an update in time");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                UNANSWERED,
                format!(
                    "the case did not answer within {secs} s (is a worker running?); the request \
                     may still take effect: read the case before sending it again"
                ),
            ))
        }
    }
}

/// Why an update to a case failed. One that ended while the update was on its way comes back
/// from the server as "not found", in words that vary between server versions; asking the case
/// again tells an ended case (`409 CASE_CLOSED`) from an unknown one.
async fn update_failed(state: &ApiState, code: &str, error: WorkflowUpdateError) -> ApiError {
    match error {
        WorkflowUpdateError::NotFound(status) => {
            tracing::info!(case = %code, detail = %status.message(), "update found no running case");
            match running_case(state, code).await {
                Err(error) => error,
                // Still running, yet the server would not deliver it: the caller may try again.
                Ok(_) => ApiError::engine_unavailable(status.message()),
            }
        }
        other => crate::ops::update_error(other),
    }
}
