//! One operation an agency offers, and the shape every reversible one shares: parse the
//! body, check it, then write to the register exactly once. Each operation file keeps only its
//! request types, their checks and its register write.

use std::pin::Pin;

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

/// An act under way; boxed so that every operation of an agency fits one table.
pub(crate) type Performing<'a> =
    Pin<Box<dyn Future<Output = Result<ActReply, ApiError>> + Send + 'a>>;

/// One entry of an agency's table of operations, from which routing, the lists in refusals
/// and fault checks, and decisions taken later are all derived.
pub(crate) struct Operation {
    /// As in `POST /operations/{name}`.
    pub name: &'static str,
    /// Checks a request without acting on it, for an act decided later.
    pub check: fn(&Value) -> Result<(), ApiError>,
    /// Checks a request, then acts on it exactly once.
    pub perform: for<'a> fn(&'a AppState, &'a ActRequest, Value) -> Performing<'a>,
}

impl Operation {
    /// An operation whose whole act is one register write ([`Act`]).
    pub(crate) const fn act<T: Act>(name: &'static str) -> Self {
        Self {
            name,
            check: check::<T>,
            perform: perform::<T>,
        }
    }
}

/// The operation of this name among an agency's.
pub(crate) fn find(operations: &'static [Operation], name: &str) -> Option<&'static Operation> {
    operations.iter().find(|operation| operation.name == name)
}

/// The names of an agency's operations, for the answers that list them.
pub(crate) fn names(operations: &[Operation]) -> Vec<&'static str> {
    operations.iter().map(|operation| operation.name).collect()
}

/// A request body whose fields can be checked before anything is written.
pub(crate) trait Checked: DeserializeOwned {
    fn check(&self) -> Result<(), ApiError>;
}

/// A checked request that writes to the register inside the act's transaction.
pub(crate) trait Act: Checked + Send + Sync + 'static {
    fn act(
        &self,
        conn: &mut SqliteConnection,
        request: &ActRequest,
    ) -> impl Future<Output = Outcome> + Send;
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

fn perform<'a, T: Act>(
    state: &'a AppState,
    request: &'a ActRequest,
    body: Value,
) -> Performing<'a> {
    Box::pin(async move {
        let parsed: T = parse(body)?;
        idempotency::act(&state.db, request, async |conn| {
            parsed.act(conn, request).await
        })
        .await
    })
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
