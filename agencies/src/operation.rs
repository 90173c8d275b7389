//! The shape every reversible operation shares: parse the body, check it, then write to the
//! register exactly once. Each operation file keeps only its request types, their checks and
//! its register write.

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::api_error::ApiError;
use crate::dates;
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

/// A register whose records can be cancelled by their id, keeping the first cancellation.
pub(crate) struct Cancellable {
    pub table: &'static str,
    pub id_column: &'static str,
    /// The refusal code and message when no record has the id.
    pub unknown: (&'static str, &'static str),
}

/// Marks the record cancelled and answers `{<id_column>, status, cancelled_on}`. An already
/// cancelled record keeps its first cancellation date and reason, so a repeat answers the same.
pub(crate) async fn cancel_record(
    conn: &mut SqliteConnection,
    register: &Cancellable,
    id: &str,
    reason: &str,
) -> Outcome {
    // Table and column names are constants of this crate, never request data.
    let sql = format!(
        "UPDATE {table}
         SET status = 'cancelled',
             cancelled_on = COALESCE(cancelled_on, ?2),
             cancel_reason = COALESCE(cancel_reason, ?3)
         WHERE {column} = ?1
         RETURNING cancelled_on",
        table = register.table,
        column = register.id_column,
    );
    let cancelled_on: Option<String> = sqlx::query_scalar(&sql)
        .bind(id)
        .bind(dates::format(dates::today()))
        .bind(reason.trim())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(cancelled_on) = cancelled_on else {
        let (code, message) = register.unknown;
        return Err(ApiError::not_found(code, message));
    };
    Ok((
        StatusCode::OK,
        json!({
            register.id_column: id,
            "status": "cancelled",
            "cancelled_on": cancelled_on,
        }),
    ))
}
