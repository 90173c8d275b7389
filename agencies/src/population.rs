//! National Population Database: assigns a newborn's 12-digit personal ID, records a death
//! (so nobody dies twice), and answers lookups of a citizen.

mod citizens;
mod deaths;

use axum::Router;
use axum::routing::get;
use serde_json::Value;

use crate::api_error::ApiError;
use crate::idempotency::{ActReply, ActRequest};
use crate::server::AppState;

pub(crate) use citizens::ASSIGN_PERSONAL_ID;
pub(crate) use deaths::RECORD_DEATH;

pub(crate) const OPERATIONS: &[&str] = &[ASSIGN_PERSONAL_ID, RECORD_DEATH];

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/citizens/{personal_id}", get(citizens::citizen))
}

pub(crate) async fn perform(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    match request.operation {
        ASSIGN_PERSONAL_ID => citizens::assign_personal_id(state, request, body).await,
        RECORD_DEATH => deaths::record_death(state, request, body).await,
        _ => Err(unknown_operation()),
    }
}

/// Checks a request without acting on it, for an act decided later.
pub(crate) fn check_request(operation: &str, body: &Value) -> Result<(), ApiError> {
    match operation {
        ASSIGN_PERSONAL_ID => citizens::check_request(body),
        RECORD_DEATH => deaths::check_request(body),
        _ => Err(unknown_operation()),
    }
}

fn unknown_operation() -> ApiError {
    ApiError::not_found(
        "UNKNOWN_OPERATION",
        format!("population offers {}", OPERATIONS.join(", ")),
    )
}
