//! Police residence database: registers a child's permanent residence at a parent's address,
//! and deletes a deceased person's. Both are reversible, by compensations safe to repeat.

mod deletion;
mod registration;

use serde_json::Value;

use crate::api_error::ApiError;
use crate::idempotency::{ActReply, ActRequest};
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
        REGISTER => registration::perform_register(state, request, body).await,
        CANCEL => registration::perform_cancel(state, request, body).await,
        DELETE => deletion::perform_delete(state, request, body).await,
        RESTORE => deletion::perform_restore(state, request, body).await,
        _ => Err(unknown_operation()),
    }
}

/// Checks a request without acting on it, for an act decided later.
pub(crate) fn check_request(operation: &str, body: &Value) -> Result<(), ApiError> {
    match operation {
        REGISTER => registration::check_register(body),
        CANCEL => registration::check_cancel(body),
        DELETE => deletion::check_delete(body),
        RESTORE => deletion::check_restore(body),
        _ => Err(unknown_operation()),
    }
}

fn unknown_operation() -> ApiError {
    ApiError::not_found(
        "UNKNOWN_OPERATION",
        format!("residence offers {}", OPERATIONS.join(", ")),
    )
}
