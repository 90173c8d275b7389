//! The shape every reversible operation shares: parse the body, check it, then write to the
//! register exactly once. Each operation file keeps only its request types, their checks and
//! its register write.

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::server::AppState;
use crate::validate;

/// A register write's answer, or the refusal that rolls it back.
pub(crate) type Outcome = Result<(StatusCode, Value), ApiError>;

/// A request body whose fields can be checked before anything is written.
pub(crate) trait Checked: DeserializeOwned {
    fn check(&self) -> Result<(), ApiError>;
}

/// A checked request that writes to the register inside the act's transaction.
pub(crate) trait Act: Checked {
    async fn act(&self, conn: &mut SqliteConnection, request: &ActRequest) -> Outcome;
}

/// Deserializes a request body and checks it.
pub(crate) fn parse<T: Checked>(body: Value) -> Result<T, ApiError> {
    let parsed: T = validate::body(body)?;
    parsed.check()?;
    Ok(parsed)
}

/// Checks a request without acting on it, for an act decided later.
pub(crate) fn check<T: Checked>(body: &Value) -> Result<(), ApiError> {
    parse::<T>(body.clone()).map(drop)
}

/// Checks a request, then acts on it exactly once.
pub(crate) async fn perform<T: Act>(
    state: &AppState,
    request: &ActRequest,
    body: Value,
) -> Result<ActReply, ApiError> {
    let parsed: T = parse(body)?;
    idempotency::act(&state.db, request, async |conn| {
        parsed.act(conn, request).await
    })
    .await
}
