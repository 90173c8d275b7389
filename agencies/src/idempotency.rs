//! Exactly-once acts: every successful act is recorded in `acts` in the same transaction as
//! its register write, so a retry with the same `Idempotency-Key` replays the first answer
//! instead of acting twice.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api_error::ApiError;

pub(crate) const KEY_HEADER: &str = "idempotency-key";
pub(crate) const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Keys are echoed in logs and URLs, so they are kept short and printable.
const MAX_KEY_LEN: usize = 255;

/// The status of an act accepted for a decision taken later (see `decisions.rs`): recorded
/// like any act so retries replay it, then overwritten by the decision.
pub(crate) const PENDING: StatusCode = StatusCode::ACCEPTED;

/// One `POST /operations/{operation}` call, identified for idempotency.
#[derive(Debug, Clone)]
pub(crate) struct ActRequest {
    pub key: String,
    pub operation: &'static str,
    pub request_sha256: String,
    /// Set when an officer's deferred decision performs the act: its key is already recorded
    /// as pending, and the act settles that record instead of replaying it.
    pub deciding: bool,
}

/// A successful act's answer, fresh or replayed from the record.
#[derive(Debug)]
pub(crate) struct ActReply {
    pub status: StatusCode,
    pub body: Value,
    pub replayed: bool,
}

impl ActReply {
    pub fn fresh(status: StatusCode, body: Value) -> Self {
        ActReply {
            status,
            body,
            replayed: false,
        }
    }
}

impl IntoResponse for ActReply {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.replayed {
            response
                .headers_mut()
                .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
        }
        response
    }
}

pub(crate) fn key_from_headers(headers: &HeaderMap) -> Result<String, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_MISSING",
            "the Idempotency-Key header is required",
        )
    };
    let value = headers.get(KEY_HEADER).ok_or_else(missing)?;
    let key = value.to_str().map_err(|_| invalid_key())?.trim();
    if key.is_empty() {
        return Err(missing());
    }
    if key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid_key());
    }
    Ok(key.to_owned())
}

fn invalid_key() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "IDEMPOTENCY_KEY_INVALID",
        "the Idempotency-Key header must be 1 to 255 printable ASCII characters",
    )
}

/// Hash of the body with object keys sorted, so the same request sent with another key order
/// or spacing counts as the same request.
pub(crate) fn request_sha256(body: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(body, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A recorded act, as `GET /acts/{key}` shows it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StoredAct {
    pub idempotency_key: String,
    pub operation: String,
    pub request_sha256: String,
    pub status_code: i64,
    pub response_json: String,
}

impl StoredAct {
    pub fn response(&self) -> Result<Value, ApiError> {
        serde_json::from_str(&self.response_json).map_err(|_| ApiError::internal())
    }

    pub fn status(&self) -> Result<StatusCode, ApiError> {
        u16::try_from(self.status_code)
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
            .ok_or_else(ApiError::internal)
    }
}

pub(crate) async fn find(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<StoredAct>, sqlx::Error> {
    sqlx::query_as(
        "SELECT idempotency_key, operation, request_sha256, status_code, response_json
         FROM acts WHERE idempotency_key = ?1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// The answer already owed to this request, if its key was used before: the stored answer
/// when it is the same request, a refusal when the key is reused for something else.
pub(crate) async fn prior(
    conn: &mut SqliteConnection,
    request: &ActRequest,
) -> Result<Option<ActReply>, ApiError> {
    let Some(stored) = find(conn, &request.key).await? else {
        return Ok(None);
    };
    if stored.operation != request.operation || stored.request_sha256 != request.request_sha256 {
        return Err(ApiError::refused(
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was already used for a different request",
        ));
    }
    if request.deciding && stored.status_code == i64::from(PENDING.as_u16()) {
        return Ok(None);
    }
    Ok(Some(ActReply {
        status: stored.status()?,
        body: stored.response()?,
        replayed: true,
    }))
}

/// Starts the act's write transaction.
///
/// `BEGIN IMMEDIATE` takes SQLite's write lock up front, so concurrent acts on one register
/// run one after the other: the second sees the first's `acts` row in [`prior`] and replays
/// it, instead of both passing their checks and writing twice.
pub(crate) async fn begin(db: &SqlitePool) -> Result<Transaction<'static, Sqlite>, ApiError> {
    Ok(db.begin_with("BEGIN IMMEDIATE").await?)
}

/// Runs one act on the register: replays the answer already owed to this key, or performs
/// `write` and records its answer in the same transaction (see [`begin`] and [`finish`]).
pub(crate) async fn act(
    db: &SqlitePool,
    request: &ActRequest,
    write: impl AsyncFnOnce(&mut SqliteConnection) -> Result<(StatusCode, Value), ApiError>,
) -> Result<ActReply, ApiError> {
    let mut tx = begin(db).await?;
    if let Some(reply) = prior(&mut tx, request).await? {
        return Ok(reply);
    }
    let outcome = write(&mut tx).await;
    finish(db, tx, request, outcome).await
}

/// Records a successful act and commits it with its register write; a refusal rolls back.
/// A deciding request settles its pending record instead of adding one.
///
/// [`begin`] already serializes acts, but the unique constraints on the idempotency key stay
/// the last word: if one fires anyway, the other writer won, and its stored answer is replayed.
pub(crate) async fn finish(
    db: &SqlitePool,
    mut tx: Transaction<'static, Sqlite>,
    request: &ActRequest,
    outcome: Result<(StatusCode, Value), ApiError>,
) -> Result<ActReply, ApiError> {
    let (status, body) = match outcome {
        Ok(done) => done,
        Err(refusal) => {
            tx.rollback().await?;
            return match refusal.is_conflict() {
                true => replay_winner(db, request, refusal).await,
                false => Err(refusal),
            };
        }
    };
    // Only successes are recorded: a refused request may succeed on retry once data is fixed.
    if status.is_success() {
        let written = match request.deciding {
            true => settle(&mut tx, request, status, &body).await,
            false => insert(&mut tx, request, status, &body).await,
        };
        if let Err(error) = written {
            tx.rollback().await?;
            return match error.is_conflict() {
                true => replay_winner(db, request, error).await,
                false => Err(error),
            };
        }
    }
    tx.commit().await?;
    Ok(ActReply::fresh(status, body))
}

async fn insert(
    tx: &mut Transaction<'static, Sqlite>,
    request: &ActRequest,
    status: StatusCode,
    body: &Value,
) -> Result<(), ApiError> {
    let created_at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .map_err(|_| ApiError::internal())?;
    sqlx::query(
        "INSERT INTO acts (idempotency_key, operation, request_sha256, status_code,
                           response_json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&request.key)
    .bind(request.operation)
    .bind(&request.request_sha256)
    .bind(i64::from(status.as_u16()))
    .bind(body.to_string())
    .bind(created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces a pending act's answer with its decision. Only a still-pending record changes:
/// when it was settled already, the conflict makes [`finish`] replay that settlement.
async fn settle(
    tx: &mut Transaction<'static, Sqlite>,
    request: &ActRequest,
    status: StatusCode,
    body: &Value,
) -> Result<(), ApiError> {
    let updated = sqlx::query(
        "UPDATE acts SET status_code = ?2, response_json = ?3
         WHERE idempotency_key = ?1 AND status_code = ?4",
    )
    .bind(&request.key)
    .bind(i64::from(status.as_u16()))
    .bind(body.to_string())
    .bind(i64::from(PENDING.as_u16()))
    .execute(&mut **tx)
    .await?;
    match updated.rows_affected() {
        1 => Ok(()),
        _ => Err(ApiError::conflict(
            "the act was no longer pending a decision",
        )),
    }
}

/// Records an officer's refusal of a pending act, so `GET /acts/{key}` and retries show the
/// decision. Nothing else is written: a refused dossier leaves the register as it was.
/// Returns whether the act was still pending.
pub(crate) async fn settle_refusal(
    db: &SqlitePool,
    key: &str,
    code: &str,
    message: &str,
) -> Result<bool, ApiError> {
    let body = serde_json::json!({ "code": code, "message": message });
    let updated = sqlx::query(
        "UPDATE acts SET status_code = ?2, response_json = ?3
         WHERE idempotency_key = ?1 AND status_code = ?4",
    )
    .bind(key)
    .bind(i64::from(StatusCode::UNPROCESSABLE_ENTITY.as_u16()))
    .bind(body.to_string())
    .bind(i64::from(PENDING.as_u16()))
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

async fn replay_winner(
    db: &SqlitePool,
    request: &ActRequest,
    conflict: ApiError,
) -> Result<ActReply, ApiError> {
    let mut conn = db.acquire().await?;
    prior(&mut conn, request).await?.ok_or(conflict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order() {
        let a = json!({"a": 1, "b": {"x": [1, 2], "y": "z"}});
        let b: Value = serde_json::from_str(r#"{ "b": {"y":"z","x":[1,2]}, "a":1 }"#)
            .expect("literal is valid JSON");
        assert_eq!(request_sha256(&a), request_sha256(&b));
        assert_ne!(request_sha256(&a), request_sha256(&json!({"a": 2})));
    }
}
