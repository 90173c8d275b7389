//! Civil-status software of the Ministry of Justice: registers births and deaths, both
//! irreversible, asking population for what only it knows.

mod births;
mod deaths;

use serde_json::Value;

use crate::api_error::ApiError;
use crate::idempotency::{ActReply, ActRequest};
use crate::operation;
use crate::server::AppState;

use births::REGISTER_BIRTH;
use deaths::REGISTER_DEATH;

pub(crate) const OPERATIONS: &[&str] = &[REGISTER_BIRTH, REGISTER_DEATH];

pub(crate) async fn perform(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    match request.operation {
        REGISTER_BIRTH => births::register_birth(state, request, body).await,
        REGISTER_DEATH => deaths::register_death(state, request, body).await,
        _ => Err(unknown_operation()),
    }
}

/// Checks a request without acting on it, for an act decided later.
pub(crate) fn check_request(operation: &str, body: &Value) -> Result<(), ApiError> {
    match operation {
        REGISTER_BIRTH => births::check_request(body),
        REGISTER_DEATH => operation::check::<deaths::RegisterDeath>(body),
        _ => Err(unknown_operation()),
    }
}

fn unknown_operation() -> ApiError {
    ApiError::not_found(
        "UNKNOWN_OPERATION",
        format!("civil-status offers {}", OPERATIONS.join(", ")),
    )
}
