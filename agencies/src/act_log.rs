//! `GET /admin/acts`: when the simulator acted, read from its own register. A load test reads
//! the pace the agency was actually called at, and whether any act was done twice, from what
//! the agency recorded rather than from what the engine believes it sent. Keys, operations,
//! statuses and times only: the requests and answers, which name citizens, stay in the register.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_error::ApiError;
use crate::server::AppState;

#[derive(Debug, Deserialize)]
pub(crate) struct ActsQuery {
    /// Only acts of this operation.
    operation: Option<String>,
}

pub(crate) async fn list_acts(
    State(state): State<AppState>,
    Query(query): Query<ActsQuery>,
) -> Result<Json<Value>, ApiError> {
    // `at_ms` (milliseconds since 1970) spares readers a date parser; SQLite reads the stored
    // RFC 3339 time to the millisecond.
    let rows: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT idempotency_key, operation, status_code, created_at,
                CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER)
         FROM acts WHERE ?1 IS NULL OR operation = ?1 ORDER BY created_at",
    )
    .bind(query.operation)
    .fetch_all(&state.db)
    .await?;
    let acts: Vec<Value> = rows
        .into_iter()
        .map(|(key, operation, status, at, at_ms)| {
            json!({
                "idempotency_key": key, "operation": operation, "status_code": status,
                "at": at, "at_ms": at_ms,
            })
        })
        .collect();
    Ok(Json(json!({ "acts": acts })))
}
