//! Police residence database: registers a child's permanent residence at a parent's address,
//! and deletes a deceased person's. Both are reversible, by compensations safe to repeat.

mod deletion;
mod registration;

use serde_json::Value;

use crate::api_error::ApiError;
use crate::idempotency::{ActReply, ActRequest};
use crate::operation;
use crate::server::AppState;

use deletion::{DELETE, RESTORE};
use registration::{CANCEL, REGISTER};

pub(crate) const OPERATIONS: &[&str] = &[REGISTER, CANCEL, DELETE, RESTORE];

pub(crate) async fn perform(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    match request.operation {
        REGISTER => operation::perform::<registration::Registration>(state, request, body).await,
        CANCEL => operation::perform::<registration::Cancellation>(state, request, body).await,
        DELETE => operation::perform::<deletion::Deletion>(state, request, body).await,
        RESTORE => operation::perform::<deletion::Restoration>(state, request, body).await,
        _ => Err(unknown_operation()),
    }
}

/// Checks a request without acting on it, for an act decided later.
pub(crate) fn check_request(operation: &str, body: &Value) -> Result<(), ApiError> {
    match operation {
        REGISTER => operation::check::<registration::Registration>(body),
        CANCEL => operation::check::<registration::Cancellation>(body),
        DELETE => operation::check::<deletion::Deletion>(body),
        RESTORE => operation::check::<deletion::Restoration>(body),
        _ => Err(unknown_operation()),
    }
}

fn unknown_operation() -> ApiError {
    ApiError::not_found(
        "UNKNOWN_OPERATION",
        format!("residence offers {}", OPERATIONS.join(", ")),
    )
}
