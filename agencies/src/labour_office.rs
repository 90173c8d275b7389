//! Labour, invalids and social affairs office: grants burial support (hỗ trợ chi phí mai táng)
//! for social-protection beneficiaries and people with meritorious services, from its own
//! register of the people it supports. Reversible by a compensation safe to repeat.

mod burial_support;

use serde_json::Value;

use crate::api_error::ApiError;
use crate::idempotency::{ActReply, ActRequest};
use crate::operation;
use crate::server::AppState;

use burial_support::{CANCEL, GRANT};

pub(crate) const OPERATIONS: &[&str] = &[GRANT, CANCEL];

pub(crate) async fn perform(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    match request.operation {
        GRANT => operation::perform::<burial_support::Application>(state, request, body).await,
        CANCEL => operation::perform::<burial_support::Cancellation>(state, request, body).await,
        _ => Err(unknown_operation()),
    }
}

/// Checks a request without acting on it, for an act decided later.
pub(crate) fn check_request(operation: &str, body: &Value) -> Result<(), ApiError> {
    match operation {
        GRANT => operation::check::<burial_support::Application>(body),
        CANCEL => operation::check::<burial_support::Cancellation>(body),
        _ => Err(unknown_operation()),
    }
}

fn unknown_operation() -> ApiError {
    ApiError::not_found(
        "UNKNOWN_OPERATION",
        format!("labour-office offers {}", OPERATIONS.join(", ")),
    )
}
